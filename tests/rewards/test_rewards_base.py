"""The shared reward contract: thinking handling, task routing and validation (rewards.base)."""

import asyncio

import pytest

from rewards.base import Reward, answer_part, check_tasks
from rewards.registry import create
from rewards.rules import think_tags_ok


def test_response_text_reads_a_completion_as_starting_inside_the_thinking():
    reward = Reward()
    assert reward.response_text("reasoning \\boxed{3}") == "<think>\nreasoning \\boxed{3}"
    assert answer_part(reward.response_text("reasoning \\boxed{3}")) is None
    assert answer_part(reward.response_text("r</think>\n\\boxed{3}")) == "\n\\boxed{3}"
    assert reward.response_text([{"role": "assistant", "content": "<think>x</think>y"}]) == "<think>x</think>y"
    reward.require_thinking = False
    assert answer_part(reward.response_text("\\boxed{3}")) == "\\boxed{3}"


def test_math_accuracy_ignores_a_box_inside_unclosed_thinking():
    kwargs = dict(answer=["3", "3", "3"], task=["math"] * 3)
    completions = ["so \\boxed{3}", "so</think>\n\\boxed{3}", "<think>so \\boxed{3}"]
    assert asyncio.run(create("math_accuracy")(completions, **kwargs)) == [0.0, 1.0, 0.0]
    lenient = create("math_accuracy", require_thinking=False)
    assert asyncio.run(lenient(completions[:1], answer=["3"], task=["math"])) == [1.0]


def test_rule_checks_fail_when_the_thinking_never_closes():
    row = dict(prompts=[[{"role": "user", "content": "hi"}]] * 2, task=["general"] * 2,
               constraints=['[{"id": "punctuation:no_comma", "kwargs": {}}]'] * 2)
    assert create("rule_checks")(completions=["no commas here", "t</think>no commas here"], **row) == [0.0, 1.0]


@pytest.mark.parametrize("text, ok", [
    ("t</think>answer", True),
    ("<think>t</think>answer", True),
    ("t</think>", False),
    ("a</think>b<think>c", False),
    ("x<think>t</think>answer", False),
    ("t</think>a</think>b", False),
])
def test_think_tags_ok(text, ok):
    assert think_tags_ok(text) is ok


def test_check_tasks():
    assert check_tasks("math") == ("math",)
    assert check_tasks(["math", "code"]) == ("math", "code")
    with pytest.raises(ValueError, match="did you mean 'general'"):
        check_tasks(["genral"])
    with pytest.raises(TypeError):
        check_tasks([])
