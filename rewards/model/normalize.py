"""Per-group post-processing of reward-model scores: group inference, length-bias guard, z-scoring, clipping.

TRL's GRPOTrainer passes each prompt's `num_generations` completions as consecutive rows. The reward call does not
receive `num_generations`, so the pipeline binds it into the reward (`rewards.needs`), and `rl.config` rejects batch
shapes that would split a group across processes. `groups(prompts, n)` then cuts the batch into groups of `n` rows
and checks each holds one prompt. A caller that does not know the group size (a reward used outside a trainer)
passes `n=None`: groups are then maximal runs of consecutive identical prompts (`infer_groups`).
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


def groups(prompts: Sequence[Any], num_generations: int | None) -> list[list[int]]:
    """Row indices grouped by prompt: consecutive blocks of `num_generations` rows, or `infer_groups` when None.

    Raises `ValueError` when the rows are not whole groups of one prompt each, which means the caller's batch is
    not laid out as GRPO's (and normalising over such "groups" would mix prompts).
    """
    if num_generations is None:
        return infer_groups(prompts)
    if len(prompts) % num_generations:
        raise ValueError(f"{len(prompts)} rows are not whole groups of num_generations={num_generations}; a GRPO "
                         "group must not be split across processes or batches")
    out = [list(range(start, start + num_generations)) for start in range(0, len(prompts), num_generations)]
    for group in out:
        if any(prompts[i] != prompts[group[0]] for i in group):
            raise ValueError(f"rows {group[0]}..{group[-1]} should be one prompt's num_generations={num_generations} "
                             "completions but hold different prompts")
    return out


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
