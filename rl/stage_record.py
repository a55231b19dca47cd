"""The config a stage's checkpoints were written with, recorded when it starts and checked when it resumes.

`<stage_dir>/STAGE_STARTED.json` holds the stage's hash and the location-independent description it hashes
(`rl.fingerprint.stage_payload`: config as written, model options, seed, dataset contents, input). When the stage
runs again and has a complete checkpoint to resume from, the description now is compared with the recorded one:
- unchanged: it resumes;
- only keys in `RESUMABLE` changed (how long the stage runs, how often it saves, evaluates and logs): it resumes
  with a warning listing each `old -> new` (a changed `max_steps` also changes the learning-rate schedule's length
  from the resumed step on);
- anything else changed (learning rate, rewards, datasets or their content, the input model, ...):
  `StageConfigChangedError` names the changed keys. Restore the config, or delete the stage's `checkpoint-*`
  folders to train it from the start.
A stage that has checkpoints but no record (written by an older version) resumes with a warning.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from rl.checkpoints import checkpoint_problem, checkpoints
from rl.fingerprint import stage_payload
from rl.spec import PipelineSpec, StageSpec

logger = logging.getLogger(__name__)

RECORD_FILE = "STAGE_STARTED.json"
RESUMABLE = ("grpo.max_steps", "grpo.save_steps", "grpo.save_total_limit", "grpo.logging_steps", "grpo.eval_steps",
             "grpo.log_completions", "grpo.num_completions_to_print", "grpo.disable_tqdm")


class StageConfigChangedError(ValueError):
    """A stage would resume from checkpoints written with a different config; the message names the keys."""


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """`{"grpo": {"max_steps": 8}, "rewards": [{"name": "x"}]}` -> `{"grpo.max_steps": 8, "rewards[0].name": "x"}`."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out or {prefix: {}}
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i}]"))
        return out or {prefix: []}
    return {prefix: value}


def changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """`{key: (old, new)}` for every flattened key whose value differs (a missing key is None)."""
    a, b = flatten(old), flatten(new)
    return {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def _describe(diff: dict[str, tuple[Any, Any]]) -> str:
    return ", ".join(f"{k} {o!r} -> {n!r}" for k, (o, n) in diff.items())


def _resumable(stage_dir: Path) -> bool:
    return any(checkpoint_problem(c) is None for c in checkpoints(stage_dir))


def _write(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=2, default=str) + "\n")
    os.replace(tmp, path)


def check_and_record(pipeline: PipelineSpec, stage: StageSpec, input_id: str, digest: str, main: bool) -> None:
    """Before a stage trains: refuse or warn about a config change since its checkpoints were written (see the
    module doc); then (main process) record the config it runs with now."""
    stage_dir = pipeline.stage_dir(stage)
    payload = json.loads(json.dumps(stage_payload(pipeline.model_options, pipeline.seed, stage, input_id),
                                    default=str))
    path = stage_dir / RECORD_FILE
    if _resumable(stage_dir):
        if not path.is_file():
            logger.warning("stage %s: its checkpoints have no record of the config they were written with (%s); "
                           "resuming without checking it", stage.name, path)
        else:
            recorded = json.loads(path.read_text(encoding="utf-8"))
            diff = changes(recorded.get("payload", {}), payload)
            refused = {k: v for k, v in diff.items() if k not in RESUMABLE}
            if refused:
                raise StageConfigChangedError(
                    f"stage {stage.name!r}: its checkpoints in {stage_dir} were written with another config "
                    f"({_describe(refused)}); restore it, or delete {stage_dir}/checkpoint-* to train the stage "
                    f"from the start (only {', '.join(RESUMABLE)} may change on resume)")
            if diff:
                logger.warning("stage %s: resuming with a changed config: %s", stage.name, _describe(diff))
    if main:
        _write(path, {"config_hash": digest, "payload": payload})
