"""Weighted mixing and held-out splitting."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from datasets import Dataset

from rl.data.mixing import mix, sample_indices, shares, split_off
from rl.data.templating import choice_letter, is_multiple_choice


def test_shares_keep_total_and_proportions():
    assert shares([100, 10], [1, 1]) == [55, 55]
    assert shares([30, 30, 40], [1, 1, 2]) == [25, 25, 50]
    assert shares([1000, 1], [1, 1e-9]) == [1000, 1]  # every source keeps at least one row
    assert shares([1, 1, 1], [1, 1e-9, 1e-9]) == [1, 1, 1]
    assert sum(shares([7, 11, 13], [0.2, 0.3, 0.5])) == 31
    with pytest.raises(ValueError):
        shares([1], [0])


def test_sample_indices_full_passes_then_remainder():
    idx = sample_indices(4, 10, random.Random(0))
    counts = Counter(idx)
    assert len(idx) == 10 and set(counts) == {0, 1, 2, 3} and sorted(counts.values()) == [2, 2, 3, 3]
    assert len(set(sample_indices(10, 4, random.Random(0)))) == 4  # subsampling draws without replacement


def test_mix_upsamples_small_sources():
    big = Dataset.from_dict({"x": [f"big{i}" for i in range(90)]})
    small = Dataset.from_dict({"x": [f"small{i}" for i in range(10)]})
    mixed = mix([big, small], [1.0, 1.0], seed=0)
    origin = Counter(x.rstrip("0123456789") for x in mixed["x"])
    assert origin == {"big": 50, "small": 50}
    assert Counter(x for x in mixed["x"] if x.startswith("small")) == {f"small{i}": 5 for i in range(10)}
    assert mixed["x"][:50] != sorted(mixed["x"][:50])  # shuffled
    assert mix([big, small], [1.0, 1.0], seed=0)["x"] == mixed["x"]


def test_split_off():
    ds = Dataset.from_dict({"x": list(range(50))})
    rest, held = split_off(ds, 0.1, seed=1)
    assert len(held) == 5 and len(rest) == 45 and set(rest["x"]) | set(held["x"]) == set(range(50))
    assert split_off(ds, 0.0, seed=1) == (ds, None)
    one = Dataset.from_dict({"x": [1]})
    assert split_off(one, 0.5, seed=1)[1] is None  # never empties the training side
    assert len(split_off(Dataset.from_dict({"x": [1, 2]}), 0.01, seed=1)[1]) == 1


@pytest.mark.parametrize("question, answer, expected", [
    ("Pick one:\nA) 1\nB) 2\nC) 3", "C", True),
    ("Pick one: (A) 1 (B) 2 (C) 3 (D) 4", "\\text{D}", True),
    ("Pick one:\nA. red\nB. blue", "**B**", True),
    ("What is the value of C?", "C", False),          # a letter answer without labelled options
    ("Pick one:\nA) 1\nB) 2", "E", False),            # the gold letter is not among the options
    ("Pick one:\nA) 1\nB) 2", "12", False),
])
def test_multiple_choice_detection(question, answer, expected):
    assert is_multiple_choice(question, answer) is expected


def test_choice_letter():
    assert [choice_letter(a) for a in ("C", "(C)", "$\\text{C}$", " b ", "CD", "x")] == ["C", "C", "C", None, None,
                                                                                         None]
