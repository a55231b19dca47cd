"""Per-group post-processing of reward-model scores: group inference, length-bias guard, z-scoring, clipping.

TRL's GRPOTrainer passes each prompt's `num_generations` completions as consecutive rows, and the reward call
does not receive `num_generations` itself. Groups are therefore inferred as maximal runs of consecutive rows with
identical prompts. Two adjacent dataset rows with the very same prompt merge into one larger group (harmless for
z-scoring). Under multi-process training a group can be split across processes (when
`per_device_train_batch_size` is not a multiple of `num_generations`); each process then normalises the part of
the group it holds.
"""

from __future__ import annotations

import math
from typing import Any, Sequence


def infer_groups(prompts: Sequence[Any]) -> list[list[int]]:
    """Row indices grouped into maximal runs of consecutive identical prompts."""
    groups: list[list[int]] = []
    for i, prompt in enumerate(prompts):
        if groups and prompts[groups[-1][0]] == prompt:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs)


def length_correlation(scores: Sequence[float], lengths: Sequence[float]) -> float | None:
    """Pearson correlation of scores with lengths; None when undefined (< 3 rows or a constant series)."""
    if len(scores) < 3:
        return None
    ms, ml = _mean(scores), _mean(lengths)
    cov = sum((s - ms) * (x - ml) for s, x in zip(scores, lengths))
    vs = sum((s - ms) ** 2 for s in scores)
    vl = sum((x - ml) ** 2 for x in lengths)
    if vs <= 0 or vl <= 0:
        return None
    return cov / math.sqrt(vs * vl)


def neutralize_length(scores: Sequence[float], lengths: Sequence[float], positive_only: bool) -> list[float]:
    """Remove the linear trend of scores on lengths within one group, keeping the group's mean score.

    Fits the least-squares slope b of score on length and returns `score - b * (length - mean_length)`, whose
    correlation with length is exactly 0. With `positive_only`, only a positive slope (longer answers scored
    higher, the usual reward-model bias) is removed. Groups of fewer than 3 rows, or whose lengths are all
    equal, are returned unchanged (with 2 rows the trend would erase the whole preference).
    """
    if len(scores) < 3:
        return list(scores)
    ml = _mean(lengths)
    vl = sum((x - ml) ** 2 for x in lengths)
    if vl <= 0:
        return list(scores)
    ms = _mean(scores)
    slope = sum((s - ms) * (x - ml) for s, x in zip(scores, lengths)) / vl
    if positive_only and slope <= 0:
        return list(scores)
    return [s - slope * (x - ml) for s, x in zip(scores, lengths)]


def zscore(scores: Sequence[float], eps: float = 1e-6) -> list[float]:
    """(score - mean) / std with the population std; all zeros when the std is below `eps` (or one row)."""
    if not scores:
        return []
    m = _mean(scores)
    std = math.sqrt(_mean([(s - m) ** 2 for s in scores]))
    if std < eps:
        return [0.0] * len(scores)
    return [(s - m) / std for s in scores]


def clip(scores: Sequence[float], bounds: tuple[float, float] | None) -> list[float]:
    """Scores clamped to [low, high]; unchanged when `bounds` is None."""
    if bounds is None:
        return list(scores)
    low, high = bounds
    return [min(max(s, low), high) for s in scores]
