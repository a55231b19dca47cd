"""Weighted mixing of several sources into one training set, and held-out splits.

Mixing keeps the total size (the sum of the sources' sizes) and gives source i `weight_i / sum(weights)` of it
(largest-remainder rounding, at least one row each). A source larger than its share is subsampled without
replacement; a smaller one is upsampled: whole shuffled passes plus a random remainder drawn without replacement
(lower variance than drawing every row with replacement). The result is shuffled. Everything is seeded.
"""

from __future__ import annotations

import math
import random
from typing import Sequence

from datasets import Dataset, concatenate_datasets


def shares(sizes: Sequence[int], weights: Sequence[float]) -> list[int]:
    """Rows per source: the total size split in proportion to `weights` (largest remainder, >= 1 each)."""
    if len(sizes) != len(weights) or not sizes:
        raise ValueError("shares: sizes and weights must be non-empty and aligned")
    if any(w <= 0 for w in weights) or any(n <= 0 for n in sizes):
        raise ValueError("shares: weights and sizes must be positive")
    total, wsum = sum(sizes), sum(weights)
    exact = [total * w / wsum for w in weights]
    counts = [max(1, math.floor(x)) for x in exact]
    left = total - sum(counts)
    for i in sorted(range(len(exact)), key=lambda i: exact[i] - math.floor(exact[i]), reverse=True)[:max(left, 0)]:
        counts[i] += 1
    while sum(counts) > total:  # the at-least-one floor overshot: take from the largest share
        counts[counts.index(max(counts))] -= 1
    return counts


def sample_indices(n: int, count: int, rng: random.Random) -> list[int]:
    """`count` indices into `range(n)`: whole shuffled passes, then a remainder without replacement."""
    out: list[int] = []
    for _ in range(count // n):
        out.extend(rng.sample(range(n), n))
    out.extend(rng.sample(range(n), count % n))
    return out


def mix(parts: Sequence[Dataset], weights: Sequence[float], seed: int) -> Dataset:
    """One shuffled dataset holding each part in proportion to its weight (see the module doc)."""
    rng = random.Random(seed)
    counts = shares([len(p) for p in parts], weights)
    indices, offset = [], 0
    for part, count in zip(parts, counts):
        indices.extend(offset + i for i in sample_indices(len(part), count, rng))
        offset += len(part)
    rng.shuffle(indices)
    combined = parts[0] if len(parts) == 1 else concatenate_datasets(list(parts))
    return combined.select(indices)


def split_off(ds: Dataset, fraction: float, seed: int) -> tuple[Dataset, Dataset | None]:
    """(rest, held-out): a seeded random `fraction` of the rows (at least 1, leaving at least 1), or None."""
    if fraction <= 0 or len(ds) < 2:
        return ds, None
    n_eval = min(max(1, round(fraction * len(ds))), len(ds) - 1)
    order = list(range(len(ds)))
    random.Random(seed).shuffle(order)
    return ds.select(sorted(order[n_eval:])), ds.select(sorted(order[:n_eval]))
