"""The group filter on hand-made reward matrices, the batch assembly, and the config block."""

from __future__ import annotations

import pytest
import torch

from rl.dynamic_sampling import batch as batching
from rl.dynamic_sampling.filter import judge_groups, zero_std_groups

N = float("nan")


def test_zero_accuracy_variance_is_dropped_even_when_shaping_varies():
    # columns: accuracy, length penalty; groups of 4
    rewards = torch.tensor([
        [1.0, -0.1], [1.0, -0.5], [1.0, 0.0], [1.0, -0.9],     # all right, shaping varies -> dropped
        [0.0, -0.2], [0.0, 0.0], [0.0, -0.7], [0.0, -0.3],     # all wrong, shaping varies -> dropped
        [1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0],        # signal -> kept
    ])
    v = judge_groups(rewards, [0], 4)
    assert v.keep.tolist() == [False, False, True]
    assert v.flat.tolist() == [True, True, False] and not v.unscored.any()
    assert v.rows(4).tolist() == [False] * 8 + [True] * 4
    # the shaped total has variance in every group: filtering on it would keep all three
    assert not zero_std_groups(rewards, torch.tensor([1.0, 1.0]), 4).any()


def test_all_none_groups_are_excluded():
    rewards = torch.tensor([[N, N], [N, N], [1.0, 0.0], [0.0, 0.0]])
    v = judge_groups(rewards, [0], 2)
    assert v.keep.tolist() == [False, True] and v.unscored.tolist() == [True, False]
    assert not v.flat[0]


@pytest.mark.parametrize("group, kept", [
    ([[1.0, 0.1], [N, N], [0.0, 0.2], [N, N]], True),     # two scored samples that differ: signal
    ([[1.0, 0.1], [N, N], [1.0, 0.2], [N, N]], False),    # scored samples agree: no signal
    ([[1.0, 0.1], [N, N], [N, N], [N, N]], False),        # a single scored sample has no variance
    ([[0.0, 0.1], [0.25, 0.1], [0.25, 0.3], [0.0, 0.0]], True),  # partial credit (code tests) varies
])
def test_mixed_none_judged_on_the_scored_samples(group, kept):
    assert judge_groups(torch.tensor(group), [0], 4).keep.tolist() == [kept]


def test_groups_no_metric_applies_to_are_left_alone():
    # columns: math_accuracy, code_tests, reward_model. A general row: no verifier applies, the RM scores it.
    rewards = torch.tensor([[N, N, 0.3], [N, N, 0.3],     # not judged (metrics are None): kept as is
                            [N, 1.0, 0.1], [N, 1.0, 0.9],  # code group, all pass: dropped although the RM varies
                            [0.0, N, 0.5], [1.0, N, 0.5]])  # math group with signal: kept
    v = judge_groups(rewards, [0, 1], 2)
    assert v.keep.tolist() == [True, False, True]
    assert v.judged.tolist() == [False, True, True]


def test_any_metric_with_signal_keeps_the_group():
    rewards = torch.tensor([[1.0, 0.0], [1.0, 1.0]])      # metric 0 flat, metric 1 varies
    assert judge_groups(rewards, [0, 1], 2).keep.tolist() == [True]
    assert judge_groups(rewards, [0], 2).keep.tolist() == [False]


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="whole groups"):
        judge_groups(torch.zeros(6, 2), [0], 4)
    with pytest.raises(ValueError, match="out of range"):
        judge_groups(torch.zeros(4, 2), [2], 2)
    with pytest.raises(ValueError, match="no metric"):
        judge_groups(torch.zeros(4, 2), [], 2)


def test_concat_repads_prompts_left_and_completions_right():
    a = {"prompt_ids": torch.tensor([[5, 6]]), "prompt_mask": torch.tensor([[1, 1]]),
         "completion_ids": torch.tensor([[7]]), "completion_mask": torch.tensor([[1]]),
         "advantages": torch.tensor([0.5]), "old_per_token_logps": torch.tensor([[-1.0]])}
    b = {"prompt_ids": torch.tensor([[9]]), "prompt_mask": torch.tensor([[1]]),
         "completion_ids": torch.tensor([[3, 4, 2]]), "completion_mask": torch.tensor([[1, 1, 1]]),
         "advantages": torch.tensor([-0.5]), "old_per_token_logps": torch.tensor([[-1.0, -2.0, -3.0]])}
    out = batching.concat([a, b], pad_token_id=0)
    assert out["prompt_ids"].tolist() == [[5, 6], [0, 9]] and out["prompt_mask"].tolist() == [[1, 1], [0, 1]]
    assert out["completion_ids"].tolist() == [[7, 0, 0], [3, 4, 2]]
    assert out["completion_mask"].tolist() == [[1, 0, 0], [1, 1, 1]]
    assert out["old_per_token_logps"].tolist() == [[-1.0, 0.0, 0.0], [-1.0, -2.0, -3.0]]
    masked = batching.mask_rows(out, torch.tensor([False, True]))
    assert masked["tool_mask"].tolist() == [[1, 1, 1], [0, 0, 0]] and int(batching.loss_tokens(masked)) == 1


def test_multimodal_batches_are_refused():
    with pytest.raises(batching.UnsupportedBatch, match="pixel_values"):
        batching.take({"advantages": torch.zeros(2), "pixel_values": torch.zeros(3, 4)}, torch.tensor([0]))
