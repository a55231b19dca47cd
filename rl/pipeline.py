"""Run a pipeline's stages in order: chaining, skipping finished stages, and the run's sandbox.

- Stage k+1 starts from stage k's saved model (`<output_dir>/<stage k>/`; LoRA stages save a merged model).
- A finished stage writes `<output_dir>/<stage>/STAGE_DONE.json` with a hash of everything that determines it
  (`rl.fingerprint`: its config, model options, seed, the content of its local datasets, and its input: the
  cold-start model's fingerprint or the previous stage's hash; never absolute paths). A rerun skips it; a finished
  stage whose config changed is an error (delete the folder, or use a new output_dir).
- Sandbox, in order of precedence: a reward's own `urls` kwarg, the config's `sandbox.urls`, `$SANDBOX_URL` (read
  once when the config loads), else an embedded local server. Every source but the last is bound when the config
  loads (`rewards.needs`); when a stage to run still has a reward needing a sandbox, one server per node is started
  for the run, bound into those rewards, and stopped at the end (and dies with the run, whatever kills it:
  `sandbox.local`). Multi-process: the node's local main process starts it and every process of the node shares
  it (URLs are exchanged with an all-gather and matched by hostname), so one server per GPU does not oversubscribe
  the node's cores. The source used for each stage is logged at start.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import socket
from typing import Iterator

from pathlib import Path

from rewards import needs
from rl.eval.gate import GateFailed, write_release
from rl.eval.in_pipeline import PipelineEval
from rl.failures import raise_on_every_process
from rl.fingerprint import model_fingerprint, stage_hash
from rl.preflight import check_before_run
from rl.spec import PipelineSpec, StageSpec
from rl.stage_record import check_and_record
from rl.stage import StageResult, run_stage
from rl.tools.config import bind as bind_tools, unbound_needs

logger = logging.getLogger(__name__)

DONE_FILE = "STAGE_DONE.json"
SANDBOX_NEED = "sandbox_urls"


class StageChangedError(RuntimeError):
    """A stage is recorded as finished, but with a different config than the one being run."""


def _finished(stage_dir, digest: str) -> bool:
    done = stage_dir / DONE_FILE
    if not done.is_file():
        return False
    recorded = json.loads(done.read_text()).get("config_hash")
    if recorded != digest:
        raise StageChangedError(
            f"stage {stage_dir.name!r} already finished with a different config (hash {recorded}, now {digest}); "
            f"delete {stage_dir} to retrain it, or use another output_dir")
    return True


def needs_sandbox(stage: StageSpec) -> bool:
    """Whether a reward or tool of `stage` needs sandbox URLs that were not bound when the config loaded."""
    return any(SANDBOX_NEED in needs.unbound(spec) for spec in stage.rewards) or \
        SANDBOX_NEED in unbound_needs(stage.tools)


def sandbox_sources(pipeline: PipelineSpec, stage: StageSpec) -> list[str]:
    """One line per reward of `stage` that needs a sandbox: which URLs it uses and where they came from."""
    lines = []
    for spec in stage.rewards:
        for key, need in needs.declared(spec.name).items():
            if need != SANDBOX_NEED:
                continue
            if key not in spec.kwargs:
                where = "embedded server"
            elif key in spec.bound:
                where = pipeline.sandbox.source or "embedded server"
            else:
                where = "reward kwarg"
            lines.append(f"stage {stage.name}: {spec.name} uses sandbox {spec.kwargs.get(key, '(embedded)')} "
                         f"(from {where})")
    return lines


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


def _gate(evaluation: PipelineEval | None, state, stage: StageSpec, stage_dir, first: bool) -> None:
    """Evaluate a finished stage on the main process and check its gate; every process raises `GateFailed` when it
    fails. Otherwise the stage becomes the release."""
    message = None
    if evaluation is not None:
        try:
            evaluation.after_stage(stage.name, str(stage_dir), first)
        except GateFailed as e:
            message = str(e)
    raise_on_every_process(message, state, GateFailed)
    if state.is_main_process:
        write_release(Path(stage_dir).parent, stage.name, str(stage_dir))


def _write_report(pipeline: PipelineSpec) -> None:
    """The run report (`rl.report`), best effort: a report problem never hides the run's own outcome."""
    from rl.report.cli import write_report

    try:
        print(f"[report] {write_report(pipeline.output_dir)}", flush=True)
    except Exception as e:  # noqa: BLE001
        logger.warning("run report not written: %s", e)


def run_pipeline(pipeline: PipelineSpec) -> list[StageResult | None]:
    """Run every stage; returns one result per stage (None for a stage skipped as already finished).

    With `eval:` configured, the input model and each finished stage are evaluated, and a failed gate raises
    `GateFailed` (nothing is deleted). `<output_dir>/RELEASE.json` names the last stage that finished and passed its
    gate. The run report is written at the end, also when a gate stops the run.
    """
    from accelerate import PartialState

    from rl.models import on_cuda

    # Initialise the process group as TrainingArguments will (gloo on CPU), so the sandbox URL exchange and the
    # done-file barrier work before the first trainer exists; TrainingArguments reuses the process group.
    state = PartialState(cpu=not on_cuda())
    check_before_run(pipeline, state)  # every stage's rows, paths, hub ids, output_dir: before any model loads
    model, input_id = str(pipeline.model), model_fingerprint(str(pipeline.model))
    evaluation = None
    if state.is_main_process:
        Path(pipeline.output_dir).mkdir(parents=True, exist_ok=True)
        write_release(Path(pipeline.output_dir), "input", model)
        if pipeline.eval is not None:
            evaluation = PipelineEval(pipeline.eval.suite, pipeline.output_dir, pipeline.eval.before,
                                      pipeline.eval.gate)
            evaluation.start(model)
    state.wait_for_everyone()
    try:
        return _run_stages(pipeline, state, evaluation, model, input_id)
    finally:
        if state.is_main_process:
            _write_report(pipeline)


def _run_stages(pipeline: PipelineSpec, state, evaluation: PipelineEval | None, model: str,
                input_id: str) -> list[StageResult | None]:
    results: list[StageResult | None] = []
    embedded: str | None = None
    with contextlib.ExitStack() as stack:
        for i, stage in enumerate(pipeline.stages):
            stage_dir = pipeline.stage_dir(stage)
            digest = stage_hash(pipeline, stage, input_id)
            if _finished(stage_dir, digest):
                if state.is_main_process:
                    print(f"[stage {stage.name}] already finished ({stage_dir / DONE_FILE}); skipping", flush=True)
                results.append(None)
            else:
                if needs_sandbox(stage):
                    if embedded is None:
                        embedded = stack.enter_context(embedded_sandbox(pipeline.sandbox.workers))
                    stage = dataclasses.replace(stage, rewards=needs.bind(stage.rewards, {SANDBOX_NEED: [embedded]}),
                                                tools=bind_tools(stage.tools, {SANDBOX_NEED: [embedded]}))
                if state.is_main_process:
                    for line in sandbox_sources(pipeline, stage):
                        logger.info("%s", line)
                check_and_record(pipeline, stage, input_id, digest, state.is_main_process)
                result = run_stage(pipeline, stage, model)
                if state.is_main_process:
                    record = {"config_hash": digest, "input_model": model, "global_step": result.global_step,
                              "num_processes": state.num_processes}
                    (stage_dir / DONE_FILE).write_text(json.dumps(record, indent=2) + "\n")
                state.wait_for_everyone()
                results.append(result)
            _gate(evaluation, state, stage, stage_dir, first=i == 0)
            model, input_id = str(stage_dir), digest
    return results
