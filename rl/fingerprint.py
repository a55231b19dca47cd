"""What determines a stage, hashed independently of where the checkout or the data are mounted.

`stage_hash(pipeline, stage, input_id)` covers the stage's config as written (user GRPO keys, reward names, weights
and kwargs, dataset options), the run's model options and seed, the stage's input (`input_id`: the cold-start
model's fingerprint, or the previous stage's hash), and the *content* of local datasets. It leaves out where things
are: absolute paths, output folders, and reward kwargs declared `infra` (server URLs, timeouts, retries, devices;
`rewards.kwargs`), so moving the checkout, remounting it elsewhere, or pointing at other sandbox servers never makes
a finished stage look changed.

A local file's content fingerprint is its size plus the SHA-256 of its first and last `SAMPLE_BYTES` (all of it
when smaller), so fingerprinting a multi-GB dataset or checkpoint stays cheap; an edit confined to the middle of a
large file is not seen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from rewards import registry
from rewards.kwargs import infra_kwargs
from rl.spec import ModelOptions, PipelineSpec, StageSpec
from rl.tools.config import hash_payload as tools_hash_payload

SAMPLE_BYTES = 8 << 20
# Files of a model folder that determine the model (weights, config, tokenizer); logs and checkpoints do not.
MODEL_SUFFIXES = (".json", ".safetensors", ".bin", ".model", ".txt", ".jinja", ".py", ".tiktoken")


def file_fingerprint(path: Path) -> str:
    """Size and SHA-256 of the head and tail of `path` (see the module docstring)."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as f:
        if size <= 2 * SAMPLE_BYTES:
            digest.update(f.read())
        else:
            digest.update(f.read(SAMPLE_BYTES))
            f.seek(size - SAMPLE_BYTES)
            digest.update(f.read(SAMPLE_BYTES))
    return digest.hexdigest()


def tree_fingerprint(path: Path, suffixes: tuple[str, ...] | None = None) -> str:
    """Fingerprint of a file, or of every file under a folder (by relative path; optionally only `suffixes`)."""
    if path.is_file():
        return file_fingerprint(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path)
        if rel.parts[0].startswith(("checkpoint-", ".")) or (suffixes and file.suffix not in suffixes):
            continue
        digest.update(f"{rel.as_posix()}\0{file_fingerprint(file)}\0".encode())
    return digest.hexdigest()


def model_fingerprint(model: str) -> str:
    """A hub id as is; a local model folder by the content of its model files."""
    path = Path(model)
    return f"local:{tree_fingerprint(path, MODEL_SUFFIXES)}" if path.exists() else f"hub:{model}"


def _reward_entry(spec: Any) -> dict[str, Any]:
    hidden = infra_kwargs(registry.get(spec.name).Kwargs)
    return {"name": spec.name, "weight": spec.weight,
            "kwargs": {k: v for k, v in spec.kwargs.items() if k not in hidden}}


def _source_entry(src: Any) -> dict[str, Any]:
    entry = dataclasses.asdict(src)
    local = entry.pop("local_path")
    if local is not None:
        entry["source"] = f"local:{tree_fingerprint(Path(local))}"
    return entry


def stage_payload(model_options: ModelOptions, seed: int, stage: StageSpec, input_id: str) -> dict[str, Any]:
    """The location-independent description of a stage that `stage_hash` hashes."""
    return {
        "name": stage.name,
        "datasets": [_source_entry(s) for s in stage.datasets],
        "rewards": [_reward_entry(s) for s in stage.rewards],
        "grpo": stage.grpo,
        "system_prompt": stage.system_prompt,
        "max_prompt_tokens": stage.max_prompt_tokens,
        "eval_fraction": stage.eval_fraction,
        "model_options": dataclasses.asdict(model_options),
        "seed": seed,
        "input": input_id,
        # only when given, so the hashes of stages without it stay what they were
        **({"dynamic_sampling": dataclasses.asdict(stage.dynamic_sampling)} if stage.dynamic_sampling else {}),
        **(tools_hash_payload(stage.tools, stage.tool_options) if stage.tools else {}),
    }


def stage_hash(pipeline: PipelineSpec, stage: StageSpec, input_id: str) -> str:
    """A stable hash of what determines `stage`'s output (not where anything is)."""
    payload = stage_payload(pipeline.model_options, pipeline.seed, stage, input_id)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]
