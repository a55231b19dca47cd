"""Shaping rewards: think_format, overlong_penalty (DAPO), repetition_penalty."""

from __future__ import annotations

import pickle

import pytest

from rewards.shaping import OverlongPenalty, RepetitionPenalty, ThinkFormat


@pytest.mark.parametrize("text,ok", [
    ("reasoning\n</think>\n\nThe answer is 4.", True),
    ("<think>\nreasoning</think>answer", True),
    ("reasoning without close", False),
    ("reasoning</think>   \n", False),  # empty answer
    ("a</think>b</think>c", False),  # two closes
    ("<think>a<think>b</think>c", False),  # two opens
    ("preamble<think>a</think>b", False),  # open not at the start
    ("", False),
])
def test_think_format_scores(text, ok):
    assert ThinkFormat()(completions=[text]) == [1.0 if ok else 0.0]


def test_think_format_routes_tasks_and_reads_conversational_completions():
    reward = ThinkFormat(tasks=["math", "code"])
    completions = [[{"role": "assistant", "content": "r</think>A"}], [{"role": "assistant", "content": "r"}],
                   [{"role": "assistant", "content": "r</think>A"}]]
    assert reward(completions=completions, task=["math", "code", "general"]) == [1.0, 0.0, None]
    assert ThinkFormat()(completions=completions, task=["math", "code", "general"]) == [1.0, 0.0, 1.0]


def test_overlong_penalty_matches_dapo_formula():
    reward = OverlongPenalty(max_completion_length=100, cache_length=20)
    lengths = [10, 80, 81, 90, 100, 101]
    scores = reward(completions=["x"] * len(lengths), completion_ids=[[0] * n for n in lengths])
    assert scores == pytest.approx([0.0, 0.0, -0.05, -0.5, -1.0, -1.0])


def test_overlong_penalty_defaults_and_validation():
    assert OverlongPenalty(max_completion_length=20480).cache_length == 4096
    with pytest.raises(ValueError, match="cache_length"):
        OverlongPenalty(max_completion_length=100, cache_length=100)
    with pytest.raises(ValueError, match="max_completion_length"):
        OverlongPenalty(max_completion_length=0)
    with pytest.raises(ValueError, match="max_completion_length is not set"):
        OverlongPenalty()(completions=["x"], completion_ids=[[0]])  # rl.config fills in the trainer's length
    with pytest.raises(ValueError, match="did you mean 'math'"):
        OverlongPenalty(max_completion_length=10, tasks=["maths"])
    with pytest.raises(ValueError, match="completion_ids"):
        OverlongPenalty(max_completion_length=10)(completions=["x"])


def test_repetition_penalty_scales_with_duplicate_ngrams():
    reward = RepetitionPenalty(ngram_size=3, max_penalty=-1.0)
    fresh = "one two three four five six seven eight"
    loop = "so we get so we get so we get so we get"  # 10 trigrams, 3 distinct
    short = "too short"
    assert reward(completions=[fresh, loop, short]) == pytest.approx([0.0, -0.7, 0.0])


def test_repetition_penalty_answer_scope():
    loop = "a b c " * 10
    text = loop + "</think> fine answer here now"
    assert RepetitionPenalty(ngram_size=2, scope="answer")(completions=[text, loop + "<think>"]) == [0.0, 0.0]
    assert RepetitionPenalty(ngram_size=2)(completions=[text]) == pytest.approx([-(1 - 8 / 34)])


@pytest.mark.parametrize("kwargs", [{"ngram_size": 0}, {"max_penalty": 0.5}, {"max_penalty": float("nan")},
                                    {"scope": "thinking"}, {"tasks": []}, {"tasks": [1]}])
def test_repetition_penalty_rejects_bad_kwargs(kwargs):
    with pytest.raises((ValueError, TypeError)):
        RepetitionPenalty(**kwargs)


def test_shaping_rewards_pickle_and_keep_metric_names():
    for reward in (ThinkFormat(), OverlongPenalty(max_completion_length=8, tasks="math"), RepetitionPenalty()):
        clone = pickle.loads(pickle.dumps(reward))
        assert clone.__name__ == reward.name and clone.tasks == reward.tasks
