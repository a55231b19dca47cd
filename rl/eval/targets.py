"""What `rl eval MODEL...` evaluates: each MODEL is a hub id, a local model folder, or a pipeline `output_dir`.

A pipeline `output_dir` (a folder whose sub-folders hold `STAGE_DONE.json`) stands for its input model and every
finished stage, in pipeline order, labelled `<dir name>/input` and `<dir name>/<stage>`. The order and the input
model come from the done files: each records the `input_model` the stage started from, so the chain is followed
from the stage whose input is not another stage of the same run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

DONE_FILE = "STAGE_DONE.json"  # written by rl.pipeline for every finished stage
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")


class TargetError(ValueError):
    """A MODEL argument names nothing evaluable."""


@dataclass(frozen=True)
class Target:
    label: str
    model: str          # what the backend loads: a local folder or a hub id
    fingerprint: str    # changes when the model's weights change (part of the cache key)


def fingerprint(model: str) -> str:
    """For a local folder, a hash of its weight files' names, sizes and mtimes; for a hub id, the id."""
    path = Path(model)
    if not path.is_dir():
        return model
    files = sorted(p for p in path.iterdir()
                   if p.is_file() and (p.suffix in WEIGHT_SUFFIXES or p.name == "config.json"))
    stat = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    return hashlib.sha256(json.dumps([str(path.resolve()), stat]).encode()).hexdigest()[:16]


def _norm(ref: str, output_dir: Path) -> str:
    """A recorded input model as an absolute path; a relative stage folder recorded from another working directory
    (`runs/x/stage1`) is matched to this output_dir's folder of that name."""
    path = Path(ref)
    if path.exists():
        return str(path.resolve())
    sibling = output_dir / path.name
    if not path.is_absolute() and path.parent.name == output_dir.name and (sibling / DONE_FILE).is_file():
        return str(sibling.resolve())
    return ref


def pipeline_models(output_dir: Path) -> list[tuple[str, str]]:
    """`[("input", model), (stage, stage folder), ...]` for a pipeline output_dir, in pipeline order."""
    done: dict[str, tuple[str, str]] = {}  # stage folder -> (stage name, input model)
    for marker in sorted(output_dir.glob(f"*/{DONE_FILE}")):
        record = json.loads(marker.read_text())
        done[str(marker.parent.resolve())] = (marker.parent.name, _norm(str(record.get("input_model", "")), output_dir))
    following = {inp: folder for folder, (_, inp) in done.items()}
    firsts = [folder for folder, (_, inp) in done.items() if inp not in done]
    if not firsts:
        return []
    chain = [("input", done[firsts[0]][1])]
    folder: str | None = firsts[0]
    while folder is not None:
        chain.append((done[folder][0], folder))
        folder = following.get(folder)
    return chain


def is_pipeline_dir(path: Path) -> bool:
    return path.is_dir() and any(path.glob(f"*/{DONE_FILE}"))


def resolve_targets(models: list[str]) -> list[Target]:
    """Expand MODEL arguments into labelled targets (see the module doc); `TargetError` for unusable ones."""
    from rl.data.sources import looks_local

    targets: list[Target] = []
    for ref in models:
        path = Path(ref).expanduser()
        if is_pipeline_dir(path):
            for label, model in pipeline_models(path):
                targets.append(Target(f"{path.name}/{label}", model, fingerprint(model)))
        elif path.is_dir():
            if not (path / "config.json").is_file():
                raise TargetError(f"{ref}: neither a model folder (no config.json) nor a pipeline output_dir "
                                  f"(no */{DONE_FILE})")
            targets.append(Target(ref, str(path), fingerprint(str(path))))
        elif looks_local(ref):
            raise TargetError(f"{ref}: no such model folder")
        else:
            targets.append(Target(ref, ref, ref))
    labels = [t.label for t in targets]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise TargetError(f"models given twice: {', '.join(dupes)}")
    return targets
