"""Rewards on tool rollouts: the final answer after the last tool turn is what verifiers read; `tool_use`."""
from __future__ import annotations

import asyncio

import pytest

from rewards.registry import create
from rl.tools.environment import ToolRecord


class Env:
    def __init__(self, **record):
        self.record = ToolRecord(**record)


def rollout(first: str, tool: str, final: str) -> list[dict]:
    return [{"role": "assistant", "content": first,
             "tool_calls": [{"type": "function", "function": {"name": "python", "arguments": {"code": "1"}}}]},
            {"role": "tool", "name": "python", "content": tool},
            {"role": "assistant", "content": final}]


def test_math_reads_only_the_answer_after_the_last_tool_turn():
    reward = create("math_accuracy")
    good = rollout("compute it", "42\n", "The tool printed 42.\n</think>\n\nThe answer is \\boxed{42}.")
    tool_says = rollout("compute it", "The answer is \\boxed{42}", "so\n</think>\n\nThe answer is \\boxed{41}.")
    early = rollout("done\n</think>\n\nThe answer is \\boxed{42}.", "42\n", "hmm, let me think more")
    scores = asyncio.run(reward(completions=[good, tool_says, early], prompts=[[]] * 3, task=["math"] * 3,
                                answer=["42"] * 3))
    assert scores == [1.0, 0.0, 0.0]


def test_think_format_on_the_final_turn():
    reward = create("think_format")
    ok = rollout("<tool_call>", "42\n", "It is 42.\n</think>\n\n\\boxed{42}")
    assert reward(completions=[ok], task=["math"]) == [1.0]


def test_tool_use_bonus_capped_outage_none():
    reward = create("tool_use", per_call=0.5, max_bonus=1.0, failure_penalty=0.25)
    envs = [Env(ok=1), Env(ok=5), Env(ok=0, failures=2), Env(ok=3, outage="sandbox down")]
    out = reward(completions=[[]] * 4, task=["math"] * 4, environments=envs)
    assert out == [0.5, 1.0, -0.5, None]
    with pytest.raises(ValueError, match="only in a stage with tools"):
        reward(completions=[[]], task=["math"])
