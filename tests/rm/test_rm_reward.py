"""The `reward_model` reward with a local model: routing, no-answer rows, z-scoring, clipping, gating, length guard."""

from __future__ import annotations

import asyncio
import json
import pickle
import statistics

import pytest

from rewards.model.scorer import RewardModelScorer
from rewards.model.normalize import length_correlation
from rewards.model.reward import RewardModelReward

P1 = [{"role": "user", "content": "Write a title for a paragraph about python code."}]
P2 = [{"role": "user", "content": "What is 12 + 30?"}]
LOWER = json.dumps([{"id": "change_case:english_lowercase", "kwargs": {}}])


def done(answer: str) -> list[dict[str, str]]:
    """A conversational completion that finished thinking."""
    return [{"role": "assistant", "content": f"let me think about it.\n</think>\n\n{answer}"}]


def call(reward, prompts, completions, **columns):
    metrics: dict[str, float] = {}
    out = asyncio.run(reward(prompts=prompts, completions=completions, completion_ids=None,
                             log_metric=metrics.__setitem__, **columns))
    return out, metrics


@pytest.fixture(scope="module")
def scorer(tiny_rm):
    return RewardModelScorer(str(tiny_rm), device="cpu")


def make(tiny_rm, **kwargs):
    return RewardModelReward(model=str(tiny_rm), device="cpu", **kwargs)


GROUP_ANSWERS = ["a title about code", "Python Code Title", "the answer is a long title about lists and strings",
                 "x", "functions that return values"]


def test_scores_general_rows_with_the_model_and_skips_other_tasks(tiny_rm, scorer):
    reward = make(tiny_rm)
    assert reward.__name__ == "reward_model" and reward.tasks == ("general",)
    prompts = [P1, P1, P2]
    completions = [done(GROUP_ANSWERS[0]), done(GROUP_ANSWERS[1]), done("42")]
    out, metrics = call(reward, prompts, completions, task=["general", "general", "math"])
    expected = scorer.score([P1, P1], GROUP_ANSWERS[:2])
    assert out[:2] == pytest.approx(expected, abs=1e-5) and out[2] is None
    assert metrics["rewards/reward_model/raw_mean"] == pytest.approx(sum(expected) / 2, abs=1e-5)
    # plain-text completions and a `tasks` override
    out, _ = call(make(tiny_rm, tasks=["general", "math"]), prompts, [c[0]["content"] for c in completions],
                  task=["general", "general", "math"])
    assert out[:2] == pytest.approx(expected, abs=1e-5) and out[2] == pytest.approx(scorer.score([P2], ["42"])[0])


def test_rows_without_an_answer_get_the_no_answer_score(tiny_rm, scorer):
    prompts = [P1] * 4
    completions = [done("a title about code"), done("Python Code Title"),
                   [{"role": "assistant", "content": "still thinking, never closed"}], done("   ")]
    task = ["general"] * 4
    out, metrics = call(make(tiny_rm), prompts, completions, task=task)
    scored = scorer.score([P1, P1], ["a title about code", "Python Code Title"])
    assert out[:2] == pytest.approx(scored, abs=1e-5)
    assert out[2] == out[3] == pytest.approx(min(scored), abs=1e-5)  # group_min
    assert metrics["rewards/reward_model/no_answer_frac"] == 0.5
    out, _ = call(make(tiny_rm, no_answer_score=-7.5), prompts, completions, task=task)
    assert out[2] == out[3] == -7.5
    # a policy that answers without thinking: the whole completion is the answer
    out, _ = call(make(tiny_rm, require_thinking=False), prompts, completions, task=task)
    assert out[2] == pytest.approx(scorer.score([P1], ["still thinking, never closed"])[0], abs=1e-5)
    assert out[3] == pytest.approx(min(out[:3]), abs=1e-5)


def test_group_zscore_and_clip(tiny_rm):
    prompts = [P1] * 5 + [P2] * 3
    completions = [done(a) for a in GROUP_ANSWERS] + [done("42"), done("It is 42."), done("forty two")]
    task = ["general"] * 8
    out, _ = call(make(tiny_rm, normalize="group_zscore"), prompts, completions, task=task)
    for group in (out[:5], out[5:]):
        assert statistics.fmean(group) == pytest.approx(0.0, abs=1e-6)
        assert statistics.pstdev(group) == pytest.approx(1.0, abs=1e-6)
    raw, _ = call(make(tiny_rm), prompts, completions, task=task)
    assert sorted(range(5), key=lambda i: out[i]) == sorted(range(5), key=lambda i: raw[i])
    clipped, _ = call(make(tiny_rm, normalize="group_zscore", clip=0.5), prompts, completions, task=task)
    assert clipped == pytest.approx([min(max(v, -0.5), 0.5) for v in out])
    assert max(clipped) == 0.5 and min(clipped) == -0.5
    asym, _ = call(make(tiny_rm, normalize="group_zscore", clip=[-1.0, 0.25]), prompts, completions, task=task)
    assert asym == pytest.approx([min(max(v, -1.0), 0.25) for v in out])


def test_gating_on_rule_checks(tiny_rm, scorer):
    answers = ["a title about code", "Python Code Title", "all lowercase words here", "MIXED case"]
    prompts = [P1] * 4 + [P2] * 2
    completions = [done(a) for a in answers] + [done("It is 42."), done("FORTY TWO")]
    constraints = [LOWER] * 4 + [None, None]  # P2 rows have no constraints: never gated
    task = ["general"] * 6
    out, metrics = call(make(tiny_rm, gate_on_rules=True, gate_fail_score=-5.0), prompts, completions,
                        task=task, constraints=constraints)
    passing = scorer.score([P1, P1], [answers[0], answers[2]])
    assert out[0] == pytest.approx(passing[0], abs=1e-5) and out[2] == pytest.approx(passing[1], abs=1e-5)
    assert out[1] == out[3] == -5.0
    assert out[4:] == pytest.approx(scorer.score([P2, P2], ["It is 42.", "FORTY TWO"]), abs=1e-5)
    assert metrics["rewards/reward_model/gated_frac"] == pytest.approx(2 / 6)
    # group_min: a gated row ties with the worst passing answer of its group, after z-scoring
    out, _ = call(make(tiny_rm, gate_on_rules=True, normalize="group_zscore"), prompts, completions,
                  task=task, constraints=constraints)
    assert sorted(out[:4]) == pytest.approx([-1.0, -1.0, -1.0, 1.0]) and out[1] == out[3] == min(out[0], out[2])
    # without gating the constraints column is ignored
    out, metrics = call(make(tiny_rm), prompts, completions, task=task, constraints=constraints)
    assert out[1] == pytest.approx(scorer.score([P1], [answers[1]])[0], abs=1e-5)
    assert "rewards/reward_model/gated_frac" not in metrics


def test_length_guard_neutralizes_length_correlation(tiny_rm):
    answers = ["x", "a title", "a title about code", "the answer is a long title about lists and strings",
               "functions that return values " * 4, "write a function that returns the sum of two numbers " * 6]
    prompts, completions, task = [P1] * 6, [done(a) for a in answers], ["general"] * 6
    lengths = [float(len(a.strip())) for a in answers]
    raw, metrics = call(make(tiny_rm), prompts, completions, task=task)
    corr = length_correlation(raw, lengths)
    assert abs(corr) > 1e-3 and metrics["rewards/reward_model/length_corr"] == pytest.approx(corr)
    out, _ = call(make(tiny_rm, length_guard="neutralize"), prompts, completions, task=task)
    assert length_correlation(out, lengths) == pytest.approx(0.0, abs=1e-6)
    assert statistics.fmean(out) == pytest.approx(statistics.fmean(raw), abs=1e-6)
    positive, _ = call(make(tiny_rm, length_guard="neutralize_positive"), prompts, completions, task=task)
    assert positive == pytest.approx(out if corr > 0 else raw, abs=1e-6)


def test_pickling_excludes_the_loaded_model(tiny_rm):
    reward = make(tiny_rm, normalize="group_zscore")
    prompts, completions, task = [P1] * 3, [done(a) for a in GROUP_ANSWERS[:3]], ["general"] * 3
    first, _ = call(reward, prompts, completions, task=task)
    assert reward.scorer.loaded
    blob = pickle.dumps(reward)
    assert len(blob) < 4000
    clone = pickle.loads(blob)
    assert not clone.scorer.loaded
    assert call(clone, prompts, completions, task=task)[0] == pytest.approx(first, abs=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({}, "exactly one of"),
    ({"model": "m", "url": "http://localhost:1"}, "exactly one of"),
    ({"model": "m", "normalize": "zscore"}, "normalize"),
    ({"model": "m", "clip": -1}, "clip"),
    ({"model": "m", "clip": [2, 1]}, "clip"),
    ({"model": "m", "length_guard": "yes"}, "length_guard"),
    ({"model": "m", "gate_on_rules": "yes"}, "gate_on_rules"),
    ({"model": "m", "gate_fail_score": "min"}, "gate_fail_score"),
    ({"model": "m", "no_answer_score": float("nan")}, "no_answer_score"),
    ({"model": "m", "max_failure_fraction": 2}, "max_failure_fraction"),
    ({"model": "m", "tasks": ["genral"]}, "genral"),
    ({"model": "m", "dtype": "int8"}, "dtype"),
    ({"model": "m", "max_length": 0}, "max_length"),
    ({"url": "localhost:8100"}, "url"),
    ({"url": "http://h:1", "http_timeout_s": 0}, "http_timeout_s"),
])
def test_bad_kwargs_fail_at_construction(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        RewardModelReward(**kwargs)


def test_trl_sees_an_async_reward_named_reward_model(tiny_rm):
    from trl.trainer.utils import get_callable_name, is_async_callable

    reward = make(tiny_rm)
    assert is_async_callable(reward) and get_callable_name(reward) == "reward_model"


def test_bound_num_generations_sets_the_groups(tiny_rm):
    """Two dataset rows with the same prompt are two GRPO groups: each is z-scored on its own."""
    prompts, task = [P1] * 4, ["general"] * 4
    completions = [done(a) for a in GROUP_ANSWERS[:4]]
    raw, _ = call(make(tiny_rm), prompts, completions, task=task)
    out, _ = call(make(tiny_rm, normalize="group_zscore", num_generations=2), prompts, completions, task=task)
    for pair in ((0, 1), (2, 3)):
        hi, lo = (pair if raw[pair[0]] > raw[pair[1]] else pair[::-1])
        assert (out[hi], out[lo]) == pytest.approx((1.0, -1.0), abs=1e-5)
    with pytest.raises(ValueError, match="should be one prompt's num_generations=2 completions"):
        call(make(tiny_rm, num_generations=2), [P1, P2, P2, P2], completions, task=task)
