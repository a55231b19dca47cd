"""Benchmark metrics from per-sample outcomes: pass@1, unbiased pass@k, a bootstrap interval, maj@n, IFEval
accuracies.

All metrics are over prompts: a prompt's samples that could not be scored are left out (its n is the number it has
left), and a prompt with no scored sample is left out entirely.
"""

from __future__ import annotations

import random
from typing import Callable, Sequence

Outcomes = Sequence[Sequence[bool]]   # per prompt, one bool per scored sample


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one prompt with `c` of `n` samples correct: 1 - C(n-c, k) / C(n, k).

    Computed as 1 - prod_{i=n-c+1}^{n} (1 - k/i) (Chen et al., 2021), which never forms the huge binomials.
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def mean_pass_at_k(outcomes: Outcomes, k: int) -> float | None:
    """pass@k averaged over the prompts with at least `k` scored samples (None when there is none)."""
    values = [pass_at_k(len(o), sum(o), k) for o in outcomes if len(o) >= k]
    return sum(values) / len(values) if values else None


def per_prompt_pass1(outcomes: Outcomes) -> list[float]:
    """c/n of each prompt that has a scored sample."""
    return [sum(o) / len(o) for o in outcomes if o]


def bootstrap_ci(values: Sequence[float], resamples: int = 1000, seed: int = 0,
                 level: float = 0.95) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean of `values` (resampling prompts with replacement), seeded."""
    if not values:
        return None
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    lo_i = int((1 - level) / 2 * resamples)
    hi_i = min(resamples - 1, int((1 + level) / 2 * resamples))
    return means[lo_i], means[hi_i]


def majority_index(answers: Sequence[str | None], same: Callable[[str, str], bool]) -> int | None:
    """Index of a sample holding the majority answer, or None when no sample has an answer.

    Answers are grouped by `same` (an equivalence test, e.g. the math verifier's), comparing each new answer with
    the first member of each group; the largest group wins, ties going to the group seen first.
    """
    groups: list[list[int]] = []
    for i, answer in enumerate(answers):
        if answer is None:
            continue
        for group in groups:
            first = answers[group[0]]
            if answer == first or same(first, answer):
                group.append(i)
                break
        else:
            groups.append([i])
    if not groups:
        return None
    return max(groups, key=len)[0]  # max keeps the first of equal-sized groups


def ifeval_accuracies(strict: Sequence[Sequence[bool]], loose: Sequence[Sequence[bool]]) -> dict[str, float]:
    """IFEval's four accuracies over samples: prompt-level (every instruction followed) and instruction-level
    (share of instructions followed), strict and loose. `strict[i]`/`loose[i]` are one sample's per-instruction
    results."""
    if not strict:
        return {}

    def prompt_level(rows: Sequence[Sequence[bool]]) -> float:
        return sum(all(r) for r in rows) / len(rows)

    def instruction_level(rows: Sequence[Sequence[bool]]) -> float:
        total = sum(len(r) for r in rows)
        return sum(sum(r) for r in rows) / total if total else 0.0

    return {"prompt_strict": prompt_level(strict), "prompt_loose": prompt_level(loose),
            "instruction_strict": instruction_level(strict), "instruction_loose": instruction_level(loose)}
