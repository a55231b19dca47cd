"""What a run report shows, read from disk: stages' training logs, eval results, gate verdicts, the release, samples.

Inputs under OUTPUT_DIR (a pipeline `output_dir`, or an `rl eval --out` folder):
- `<stage>/trainer_state.json` (`log_history`) of every finished stage, in pipeline order (an unfinished stage's
  newest `checkpoint-*/trainer_state.json` is shown too, marked as running);
- `eval/results.json`, `eval/samples.parquet` (pipeline) or `results.json`, `samples.parquet` (eval folder);
- `eval/gates.json` (gate verdicts written by the pipeline) and `RELEASE.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rl.eval.targets import DONE_FILE, pipeline_models

MAX_SAMPLE_CHARS = 1500


@dataclass
class StageLog:
    name: str
    finished: bool
    history: list[dict[str, Any]]


@dataclass
class ReportData:
    title: str
    stages: list[StageLog] = field(default_factory=list)
    results: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    gates: list[dict[str, Any]] = field(default_factory=list)
    release: dict[str, Any] | None = None
    samples: list[dict[str, Any]] = field(default_factory=list)   # best and worst per benchmark


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _checkpoint_step(state_file: Path) -> int:
    tail = state_file.parent.name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else -1


def _stage_logs(root: Path) -> list[StageLog]:
    stages = [StageLog(name, True, (_json(Path(folder) / "trainer_state.json") or {}).get("log_history", []))
              for name, folder in pipeline_models(root)[1:]]
    known = {s.name for s in stages}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in known):
        if (folder / DONE_FILE).is_file():
            continue
        checkpoints = sorted(folder.glob("checkpoint-*/trainer_state.json"), key=_checkpoint_step)
        if checkpoints:
            stages.append(StageLog(folder.name, False, (_json(checkpoints[-1]) or {}).get("log_history", [])))
    return stages


def _best_and_worst(samples_path: Path, model: str | None, per_benchmark: int = 1) -> list[dict[str, Any]]:
    """For each benchmark of `model` (the last one evaluated): the highest- and lowest-scoring completions (texts cut
    to a readable length)."""
    if not samples_path.is_file() or model is None:
        return []
    import pyarrow.parquet as pq

    rows = [r for r in pq.read_table(samples_path).to_pylist() if r.get("score") is not None and r["model"] == model]
    picked = []
    for bench in dict.fromkeys(r["benchmark"] for r in rows):
        group = sorted((r for r in rows if r["benchmark"] == bench), key=lambda r: -r["score"])
        for kind, chosen in (("best", group[:per_benchmark]), ("worst", group[-per_benchmark:])):
            for r in chosen:
                picked.append({**r, "kind": kind, "completion": str(r["completion"])[:MAX_SAMPLE_CHARS],
                               "prompt": str(r.get("prompt") or "")[:MAX_SAMPLE_CHARS]})
    return picked


def collect(output_dir: str | Path) -> ReportData:
    """Everything the report shows for `output_dir` (see the module doc); missing parts are left empty."""
    root = Path(output_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    eval_dir = root / "eval" if (root / "eval" / "results.json").is_file() else root
    results = _json(eval_dir / "results.json") or {}
    data = ReportData(title=root.resolve().name, stages=_stage_logs(root), results=results,
                      gates=_json(eval_dir / "gates.json") or [], release=_json(root / "RELEASE.json"),
                      samples=_best_and_worst(eval_dir / "samples.parquet", next(reversed(results), None)))
    if not data.stages and not data.results:
        raise FileNotFoundError(f"{root}: nothing to report (no finished stage with trainer_state.json, no "
                                "results.json)")
    return data
