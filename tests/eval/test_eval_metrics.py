"""Metrics on hand-made cases: pass@k against brute-force enumeration of k-subsets, bootstrap, maj@n, IFEval."""

from __future__ import annotations

import itertools
import math

import pytest

from rl.eval import metrics


def brute_pass_at_k(n: int, c: int, k: int) -> float:
    """The share of k-subsets of n samples (c correct) holding at least one correct sample."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(samples[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize("n", [1, 2, 5, 8, 10])
def test_pass_at_k_matches_enumeration(n):
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert metrics.pass_at_k(n, c, k) == pytest.approx(brute_pass_at_k(n, c, k), abs=1e-12), (n, c, k)


def test_pass_at_k_large_n_is_stable():
    # C(1000, 500) overflows floats; the product form stays exact enough and within [0, 1]
    value = metrics.pass_at_k(1000, 3, 500)
    assert value == pytest.approx(1 - math.comb(997, 500) / math.comb(1000, 500), rel=1e-9)
    assert metrics.pass_at_k(1000, 0, 500) == 0.0 and metrics.pass_at_k(1000, 501, 500) == 1.0


def test_pass_at_k_rejects_bad_arguments():
    for n, c, k in ((4, 5, 1), (4, 1, 5), (4, 1, 0), (4, -1, 1)):
        with pytest.raises(ValueError):
            metrics.pass_at_k(n, c, k)


def test_pass1_is_mean_over_prompts_of_c_over_n():
    outcomes = [[True, False, False, False], [True, True], [], [False]]  # the empty prompt is left out
    assert metrics.per_prompt_pass1(outcomes) == [0.25, 1.0, 0.0]
    # pass@2 over prompts with >= 2 scored samples: (1 - C(3,2)/C(4,2)) and 1.0
    assert metrics.mean_pass_at_k(outcomes, 2) == pytest.approx(((1 - 3 / 6) + 1.0) / 2)
    assert metrics.mean_pass_at_k(outcomes, 5) is None


def test_bootstrap_interval_seeded_and_sensible():
    values = [0.0] * 30 + [1.0] * 70
    lo, hi = metrics.bootstrap_ci(values, resamples=2000, seed=3)
    assert (lo, hi) == metrics.bootstrap_ci(values, resamples=2000, seed=3)
    assert lo < 0.7 < hi and hi - lo == pytest.approx(2 * 1.96 * math.sqrt(0.21 / 100), abs=0.04)
    assert metrics.bootstrap_ci([0.5] * 5) == (0.5, 0.5)
    assert metrics.bootstrap_ci([]) is None


def test_majority_index_groups_equivalent_answers():
    same = lambda a, b: a.replace(" ", "") == b.replace(" ", "")  # noqa: E731
    assert metrics.majority_index(["1/2", "3", "1 / 2", None, "3", "1/2"], same) == 0
    assert metrics.majority_index(["3", "1/2", "1/2", "3"], same) == 0  # ties go to the group seen first
    assert metrics.majority_index([None, None], same) is None
    assert metrics.majority_index([None, "7"], same) == 1


def test_ifeval_accuracies_hand_made():
    strict = [[True, False], [True], [False, False, True]]
    loose = [[True, True], [True], [False, True, True]]
    acc = metrics.ifeval_accuracies(strict, loose)
    assert acc == {"prompt_strict": pytest.approx(1 / 3), "prompt_loose": pytest.approx(2 / 3),
                   "instruction_strict": pytest.approx(3 / 6), "instruction_loose": pytest.approx(5 / 6)}
