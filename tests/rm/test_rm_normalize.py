"""Pure per-group post-processing: group inference, length guard, z-scoring, clipping."""

from __future__ import annotations

import pytest

from rewards.model.normalize import clip, infer_groups, length_correlation, neutralize_length, zscore


def test_infer_groups_from_identical_consecutive_prompts():
    a = [{"role": "user", "content": "a"}]
    b = [{"role": "user", "content": "b"}]
    assert infer_groups([a, a, a, b, b, b]) == [[0, 1, 2], [3, 4, 5]]
    assert infer_groups([a, b, a]) == [[0], [1], [2]]  # non-adjacent repeats are separate groups
    assert infer_groups(["x", "x", "y"]) == [[0, 1], [2]]
    assert infer_groups([]) == []


def test_zscore():
    z = zscore([1.0, 2.0, 3.0, 6.0])
    assert sum(z) == pytest.approx(0.0, abs=1e-12)
    assert sum(v * v for v in z) / len(z) == pytest.approx(1.0)
    assert z[3] > z[2] > z[1] > z[0]
    assert zscore([2.0, 2.0, 2.0]) == [0.0, 0.0, 0.0]
    assert zscore([5.0]) == [0.0]
    assert zscore([]) == []


def test_clip():
    assert clip([-5.0, 0.5, 5.0], (-1.0, 2.0)) == [-1.0, 0.5, 2.0]
    assert clip([-5.0, 5.0], None) == [-5.0, 5.0]


def test_neutralize_length_removes_correlation_and_keeps_mean():
    lengths = [10.0, 50.0, 100.0, 400.0, 30.0]
    scores = [0.1 * x + d for x, d in zip(lengths, [0.3, -0.2, 0.5, -0.1, 0.0])]  # strongly length-biased
    assert length_correlation(scores, lengths) > 0.99
    out = neutralize_length(scores, lengths, positive_only=False)
    assert length_correlation(out, lengths) == pytest.approx(0.0, abs=1e-9)
    assert sum(out) / len(out) == pytest.approx(sum(scores) / len(scores))
    # what is left is the length-independent part: the ranking of the residuals
    assert out.index(max(out)) == 2 and out.index(min(out)) == 1


def test_neutralize_positive_only_keeps_negative_trends():
    lengths = [10.0, 20.0, 30.0, 40.0]
    shorter_better = [4.0, 3.0, 2.5, 1.0]
    assert neutralize_length(shorter_better, lengths, positive_only=True) == shorter_better
    assert neutralize_length(shorter_better, lengths, positive_only=False) != shorter_better
    longer_better = shorter_better[::-1]
    assert length_correlation(neutralize_length(longer_better, lengths, True), lengths) == pytest.approx(0, abs=1e-9)


def test_neutralize_leaves_small_or_constant_length_groups():
    assert neutralize_length([1.0, 2.0], [1.0, 9.0], positive_only=False) == [1.0, 2.0]
    assert neutralize_length([1.0, 2.0, 3.0], [5.0, 5.0, 5.0], positive_only=False) == [1.0, 2.0, 3.0]
    assert length_correlation([1.0, 2.0], [1.0, 2.0]) is None


def test_groups_follow_the_bound_num_generations():
    from rewards.model.normalize import groups

    a, b = [{"role": "user", "content": "a"}], [{"role": "user", "content": "b"}]
    # Two dataset rows with the very same prompt stay two groups (runs of identical prompts would merge them).
    assert groups([a, a, a, a, b, b], 2) == [[0, 1], [2, 3], [4, 5]]
    assert groups([a, a, a, a], None) == [[0, 1, 2, 3]]
    with pytest.raises(ValueError, match="not whole groups of num_generations=4"):
        groups([a, a, b, b, b, b], 4)
    with pytest.raises(ValueError, match="rows 0..1 should be one prompt's num_generations=2 completions"):
        groups([a, b, b, b], 2)
