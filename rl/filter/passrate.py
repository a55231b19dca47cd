"""Pass rates of a dataset's prompts under a model, and selection by range (open-r1's pass-rate filtering).

Each row is scored by the accuracy reward of its task (`Reward.accuracy`: `math_accuracy` for math, `code_tests`
for code, `rule_checks` for general rows with constraints), called as the trainer calls it. A sample passes when
its score is at least `pass_threshold` (1.0: the answer is right, every test passes, every rule holds).

Columns written next to each row:
- `pass_rate`: passes / scored samples; null when nothing could be scored;
- `pass_rate_scored`: how many of the `n` samples were scored (an unscored one is an infrastructure failure,
  left out of the rate, never counted as a wrong answer); null when no accuracy reward applies to the row;
- `pass_rate_by`: JSON of what the rate was computed with (model fingerprint, n, generation settings, scorers,
  threshold). A later filter with the same settings reuses the rates instead of generating again.

A row no accuracy reward applies to (a general row without constraints) gets `pass_rate` and `pass_rate_scored`
null, with `pass_rate_by` set; `select` keeps it (the filter has nothing to say about it) unless asked
otherwise. A row whose verifier could not score any sample is dropped and counted.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Sequence

from rewards import registry
from rewards.base import Reward

RATE, SCORED, BY = "pass_rate", "pass_rate_scored", "pass_rate_by"


class FilterError(ValueError):
    """Bad input to `rl filter` (range, data, settings)."""


def parse_range(text: str) -> tuple[float, float]:
    """`LO:HI` (inclusive, 0 <= LO <= HI <= 1) -> (lo, hi)."""
    try:
        lo, hi = (float(x) for x in text.split(":"))
    except ValueError:
        raise FilterError(f"--keep: expected LO:HI such as 0.1:0.9, got {text!r}") from None
    if not 0.0 <= lo <= hi <= 1.0:
        raise FilterError(f"--keep: expected 0 <= LO <= HI <= 1, got {text!r}")
    return lo, hi


def accuracy_scorers() -> dict[str, str]:
    """task -> the registered accuracy reward scoring it (exactly one per task, or `FilterError`)."""
    by_task: dict[str, list[str]] = {}
    for name in registry.available():
        cls = registry.get(name)
        if cls.accuracy:
            for task in cls.tasks:
                by_task.setdefault(task, []).append(name)
    clash = {t: names for t, names in by_task.items() if len(names) > 1}
    if clash:
        raise FilterError(f"several accuracy rewards score the same task: {clash}")
    return {t: names[0] for t, names in by_task.items()}


@dataclass(frozen=True)
class Settings:
    """What a pass rate depends on: the row's `pass_rate_by`."""

    model: str                     # fingerprint (rl.eval.targets.fingerprint)
    n: int
    generation: dict[str, Any]
    scorers: dict[str, str]        # task -> reward name
    pass_threshold: float = 1.0

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def reusable(rows: Sequence[dict[str, Any]], settings: Settings) -> bool:
    """Whether every row already carries pass rates computed with exactly `settings`."""
    key = settings.key()
    return bool(rows) and all(r.get(BY) == key and SCORED in r for r in rows)


def previous_settings(rows: Sequence[dict[str, Any]]) -> str | None:
    """A description of the settings the rows' existing pass rates were computed with (None: none present)."""
    keys = {r.get(BY) for r in rows if r.get(BY)}
    return None if not keys else ("; ".join(sorted(keys)) if len(keys) < 3 else f"{len(keys)} different settings")


def pass_rate(scores: Sequence[float | None], threshold: float) -> tuple[float | None, int]:
    """(passes / scored, scored) for one prompt's samples; the rate is None when none was scored."""
    scored = [s for s in scores if s is not None]
    return (sum(s >= threshold for s in scored) / len(scored) if scored else None), len(scored)


def score_rows(rows: Sequence[dict[str, Any]], completions: Sequence[Sequence[str]], scorers: dict[str, Reward],
               threshold: float) -> list[tuple[float | None, int | None]]:
    """Per row: (pass rate, scored samples; None when no scorer applies), scoring `completions[i]` against the
    schema row `rows[i]` with the scorer of its task (`scorers`: task -> reward)."""
    from rl.eval.scoring import score_benchmark

    out: list[tuple[float | None, int | None]] = [(None, None)] * len(rows)
    for task, reward in scorers.items():
        idx = [i for i, r in enumerate(rows) if r["task"] == task and all(r.get(c) is not None for c in reward.columns)]
        if not idx:
            continue
        scored = score_benchmark(reward, [rows[i] for i in idx], [completions[i] for i in idx])
        for i, scores in zip(idx, scored.scores):
            out[i] = pass_rate(scores, threshold)
    return out


@dataclass
class Selection:
    kept: list[dict[str, Any]]
    below: int = 0
    above: int = 0
    unscored: int = 0        # a verifier applied but scored no sample (infrastructure): dropped
    unjudged: int = 0        # no accuracy reward applies (kept unless drop_unjudged)


def select(rows: Sequence[dict[str, Any]], lo: float, hi: float, drop_unjudged: bool = False) -> Selection:
    """Rows (carrying `pass_rate` / `pass_rate_scored`) whose pass rate lies in [lo, hi] (see the module doc)."""
    sel = Selection(kept=[])
    for row in rows:
        rate = row.get(RATE)
        if rate is None:
            if row.get(SCORED) is None:
                sel.unjudged += 1
                if not drop_unjudged:
                    sel.kept.append(row)
            else:
                sel.unscored += 1
        elif rate < lo:
            sel.below += 1
        elif rate > hi:
            sel.above += 1
        else:
            sel.kept.append(row)
    return sel
