"""Run a pipeline's stages in order: chaining, skipping finished stages, and the embedded sandbox server.

- Stage k+1 starts from stage k's saved model (`<output_dir>/<stage k>/`; LoRA stages save a merged model).
- A finished stage writes `<output_dir>/<stage>/STAGE_DONE.json` with a hash of everything that determines it
  (its config, model options, seed, and its input: the cold-start model or the previous stage's hash). A rerun
  skips it; a finished stage whose config changed is an error (delete the folder, or use a new output_dir).
- Embedded sandbox: when a stage to run has a reward that executes code (it reads the `tests` column) with no
  URL of its own, and neither `sandbox.urls` nor env `SANDBOX_URL` is set, a local sandbox server is started for
  the run and stopped at the end. Multi-process choice: one server per node, started by the node's local main
  process and shared by all its processes (their URLs are exchanged with an all-gather and matched by
  hostname), so a node's cores are not oversubscribed by one server per GPU.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import socket
from pathlib import Path
from typing import Any, Iterator

from rl.stage import StageResult, run_stage
from sandbox.client import SANDBOX_URL_ENV

logger = logging.getLogger(__name__)

DONE_FILE = "STAGE_DONE.json"


class StageChangedError(RuntimeError):
    """A stage is recorded as finished, but with a different config than the one being run."""


def stage_hash(pipeline: Any, stage: Any, input_id: str) -> str:
    """A stable hash of what determines a stage's output (not where it is written)."""
    payload = {
        "stage": dataclasses.asdict(stage),
        "model_options": dataclasses.asdict(pipeline.model_options),
        "seed": pipeline.seed,
        "input": input_id,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _finished(stage_dir: Path, digest: str) -> bool:
    done = stage_dir / DONE_FILE
    if not done.is_file():
        return False
    recorded = json.loads(done.read_text()).get("config_hash")
    if recorded != digest:
        raise StageChangedError(
            f"stage {stage_dir.name!r} already finished with a different config (hash {recorded}, now {digest}); "
            f"delete {stage_dir} to retrain it, or use another output_dir")
    return True


def needs_sandbox(stage: Any) -> bool:
    """Whether a reward of `stage` executes code (reads `tests`) without a sandbox URL in its kwargs."""
    from rewards import registry

    return any("tests" in registry.get(s.name).columns and not s.kwargs.get("sandbox_url")
               for s in stage.rewards)


@contextlib.contextmanager
def embedded_sandbox(workers: int | None) -> Iterator[str]:
    """Start one local sandbox server per node for the duration of the block; yields this process's URL."""
    from accelerate import PartialState
    from accelerate.utils import gather_object

    from sandbox.local import start_local_server

    state = PartialState()
    server = start_local_server(workers=workers) if state.is_local_main_process else None
    try:
        mine = (socket.gethostname(), server.url if server else None)
        everyone = gather_object([mine]) if state.num_processes > 1 else [mine]
        url = next(u for host, u in everyone if host == mine[0] and u)
        logger.info("embedded sandbox server at %s", url)
        yield url
        state.wait_for_everyone()  # no process may still be scoring when the server stops
    finally:
        if server is not None:
            server.stop()


def run_pipeline(pipeline: Any) -> list[StageResult | None]:
    """Run every stage; returns one result per stage (None for a stage skipped as already finished)."""
    from accelerate import PartialState

    from rl.models import on_cuda

    # Initialise the process group as TrainingArguments will (gloo on CPU), so the sandbox URL exchange and the
    # done-file barrier work before the first trainer exists; TrainingArguments reuses the process group.
    state = PartialState(cpu=not on_cuda())
    if pipeline.sandbox.urls and not os.environ.get(SANDBOX_URL_ENV):
        os.environ[SANDBOX_URL_ENV] = ",".join(pipeline.sandbox.urls)
    results: list[StageResult | None] = []
    model, input_id = str(pipeline.model), str(pipeline.model)
    with contextlib.ExitStack() as stack:
        for stage in pipeline.stages:
            stage_dir = Path(pipeline.output_dir) / stage.name
            digest = stage_hash(pipeline, stage, input_id)
            if _finished(stage_dir, digest):
                if state.is_main_process:
                    print(f"[stage {stage.name}] already finished ({stage_dir / DONE_FILE}); skipping", flush=True)
                results.append(None)
            else:
                if needs_sandbox(stage) and not os.environ.get(SANDBOX_URL_ENV):
                    os.environ[SANDBOX_URL_ENV] = stack.enter_context(embedded_sandbox(pipeline.sandbox.workers))
                    stack.callback(os.environ.pop, SANDBOX_URL_ENV, None)
                result = run_stage(pipeline, stage, model)
                if state.is_main_process:
                    record = {"config_hash": digest, "input_model": model, "global_step": result.global_step,
                              "num_processes": state.num_processes}
                    (stage_dir / DONE_FILE).write_text(json.dumps(record, indent=2) + "\n")
                state.wait_for_everyone()
                results.append(result)
            model, input_id = str(stage_dir), digest
    return results
