"""Multi-turn tool rollouts outside the trainer (the evaluation seam), with a scripted generator."""
from __future__ import annotations

import asyncio
import json

import pytest

from rewards.registry import create
from rl.tools.environment import environment_class
from rl.tools.registry import resolve
from rl.tools.rollout import run_tool_rollouts, tool_suffix


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from rl.smoke.tiny import build_tokenizer

    return build_tokenizer(tmp_path_factory.mktemp("tok"))


def call(code: str) -> str:
    return "<tool_call>\n" + json.dumps({"name": "python", "arguments": {"code": code}}) + "\n</tool_call>"


def test_rollouts_run_tools_and_continue(tokenizer, sandbox_url):
    env_cls = environment_class(resolve(["python"], {"sandbox_urls": sandbox_url}))
    seen: list[list[str]] = []

    def generate(texts):
        seen.append(texts)
        out = []
        for t in texts:
            if "<tool_response>" not in t:
                out.append(call("print(17 * 23)") if "17" in t else "No tools.\n</think>\n\n\\boxed{1}")
            elif t.count("<tool_response>") == 1 and "17" in t:
                out.append('<tool_call>{"name": "python", "arguments": {"code": "print(x"</tool_call>')  # bad JSON
            else:
                out.append("It printed 391.\n</think>\n\nThe answer is \\boxed{391}.")
        return out

    prompts = [tokenizer.apply_chat_template([{"role": "user", "content": q}], tokenize=False,
                                             add_generation_prompt=True) for q in ("17 * 23?", "1?")]
    r17, r1 = run_tool_rollouts(generate, tokenizer, prompts, env_cls, max_turns=3)
    assert [m["role"] for m in r17.messages] == ["assistant", "tool", "assistant", "tool", "assistant"]
    assert r17.messages[1]["content"] == "391\n" and "does not parse" in r17.messages[3]["content"]
    assert r17.record.calls == 2 and r17.record.ok == 1 and r17.record.failures == 1
    assert "<tool_response>\n391\n\n</tool_response>" in r17.text
    assert r1.messages == [{"role": "assistant", "content": "No tools.\n</think>\n\n\\boxed{1}"}]
    assert len(seen[0]) == 2 and len(seen[1]) == 1  # finished rollouts stop generating
    assert seen[1][0] == prompts[0] + call("print(17 * 23)") + tokenizer.eos_token + tool_suffix(
        tokenizer, [{"role": "tool", "name": "python", "content": "391\n"}])
    scores = asyncio.run(create("math_accuracy")(completions=[r17.messages, r1.messages], task=["math"] * 2,
                                                 answer=["391", "1"]))
    assert scores == [1.0, 1.0]


def test_turn_cap_and_outage(tokenizer):
    env_cls = environment_class(resolve(["python"], {"sandbox_urls": "http://127.0.0.1:9", "retries": 0}))
    calls = []

    def generate(texts):
        calls.append(len(texts))
        return [call("1")] * len(texts)

    (r,) = run_tool_rollouts(generate, tokenizer, ["p"], env_cls, max_turns=3)
    assert r.record.outage and calls == [1]  # an outage ends the rollout: it cannot be scored
