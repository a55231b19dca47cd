"""The regression gate between pipeline stages, and the release record.

A gate rule `{BENCHMARK: {max_drop: d}}` fails when `previous pass@1 - this pass@1 > d`. It is checked after every
stage but the first, against the previous stage's results. `RELEASE.json` names the last stage that finished and
passed its gate (`"input"` before any stage has).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

RELEASE_FILE = "RELEASE.json"
GATES_FILE = "gates.json"


class GateFailed(RuntimeError):
    """A stage's results dropped more than a gate allows; the message names benchmark, both values and max_drop."""


@dataclass(frozen=True)
class Verdict:
    model: str
    previous: str
    benchmark: str
    previous_pass1: float
    pass1: float
    max_drop: float

    @property
    def drop(self) -> float:
        return self.previous_pass1 - self.pass1

    @property
    def passed(self) -> bool:
        return self.drop <= self.max_drop + 1e-12

    def record(self) -> dict[str, Any]:
        out = asdict(self)
        out["previous_pass@1"], out["pass@1"] = out.pop("previous_pass1"), out.pop("pass1")
        return {**out, "drop": self.drop, "passed": self.passed}

    def message(self) -> str:
        return (f"gate failed for {self.benchmark}: pass@1 {self.pass1:.4f} after stage {self.model} vs "
                f"{self.previous_pass1:.4f} after {self.previous} (drop {self.drop:.4f} > max_drop {self.max_drop:g})")


def check_gate(rules: dict[str, float], previous: str, prev_results: dict[str, dict[str, Any]], model: str,
               results: dict[str, dict[str, Any]]) -> list[Verdict]:
    """One verdict per gated benchmark (`rules`: benchmark -> max_drop), comparing pass@1 of `model` with `previous`."""
    return [Verdict(model, previous, bench, float(prev_results[bench]["pass@1"]), float(results[bench]["pass@1"]),
                    max_drop) for bench, max_drop in rules.items()]


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def append_verdicts(eval_dir: Path, verdicts: list[Verdict]) -> None:
    """Add `verdicts` to `eval/gates.json` (replacing earlier verdicts of the same model and benchmark)."""
    path = eval_dir / GATES_FILE
    records = json.loads(path.read_text()) if path.is_file() else []
    new = {(v.model, v.benchmark) for v in verdicts}
    records = [r for r in records if (r["model"], r["benchmark"]) not in new] + [v.record() for v in verdicts]
    _write_json(path, records)


def write_release(output_dir: Path, stage: str, model: str, **extra: Any) -> None:
    """`<output_dir>/RELEASE.json`: `{"stage", "model", ...}` naming the last good model."""
    _write_json(output_dir / RELEASE_FILE, {"stage": stage, "model": model, **extra})
