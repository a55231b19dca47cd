"""Multi-turn tool rollouts outside the trainer, for evaluation: generate a turn, run its tool calls, append the
results as the chat template renders them, and go on, up to `max_turns` tool turns (what TRL's GRPOTrainer does
during training, in text).

`run_tool_rollouts(generate, tokenizer, prompts, env_cls, max_turns)` works with any backend: `generate(texts)`
returns one generated turn (text, no end-of-turn token) per full text so far. With `max_new_tokens`, the cap holds
for a whole rollout (all its generated turns): `generate(texts, budgets)` gets each text's tokens left and returns
(turn text, tokens generated) pairs, and a rollout whose budget is spent ends. Each `ToolRollout` holds the messages
(assistant, tool, assistant, ...: score them as conversational completions, so verifiers read the answer after the
last tool result), the transcript text, and the tool record (`record.outage`: the sample could not be scored).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from rl.tools.base import ToolCallError, failure_text
from rl.tools.environment import MALFORMED_NAME, ToolEnvironment, ToolRecord, close_tools
from rl.tools.parsing import HermesParser


@dataclass
class ToolRollout:
    messages: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""                   # everything after the prompt: generated turns and the tool turns between them
    record: ToolRecord = field(default_factory=ToolRecord)
    n_tokens: int = 0                # tokens generated (all turns; tool results not counted), with a budget


def tool_suffix(tokenizer: Any, tool_messages: list[dict[str, Any]]) -> str:
    """The text the chat template puts between a tool-calling turn (ended by EOS) and the next generated turn, for
    these tool results: TRL's `_get_tool_suffix_ids`, as text."""
    call = [{"type": "function", "function": {"name": tool_messages[0]["name"], "arguments": {}}}]
    head = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "", "tool_calls": call}]
    prefix = tokenizer.apply_chat_template(head, tokenize=False)
    full = tokenizer.apply_chat_template(head + tool_messages, tokenize=False, add_generation_prompt=True)
    eos = tokenizer.eos_token
    if eos and eos in prefix:
        prefix = prefix[:prefix.rindex(eos) + len(eos)]
    if not full.startswith(prefix):
        raise ValueError("the chat template does not extend a tool conversation turn by turn")
    return full[len(prefix):]


async def _run_calls(env: ToolEnvironment, calls: list[dict]) -> list[dict[str, Any]]:
    out = []
    for call in calls:
        fn = call.get("function") or {}
        name, arguments = fn.get("name"), fn.get("arguments") or {}
        try:
            if name == MALFORMED_NAME:
                env._malformed(**arguments)
            if name not in env._tools:
                env.record.calls += 1
                env.record.failures += 1
                raise ToolCallError(f"Tool {name} not found.")
            content = str(await getattr(env, name)(**arguments))
        except Exception as e:  # as TRL shows the model a call that raised
            content = failure_text(e)
        out.append({"role": "tool", "name": str(name), "content": content})
    return out


async def _gather(coros: list) -> list:
    return list(await asyncio.gather(*coros))


def run_tool_rollouts(generate: Callable[..., Sequence[str]], tokenizer: Any, prompts: Sequence[str],
                      env_cls: type[ToolEnvironment], max_turns: int,
                      max_new_tokens: int | None = None) -> list[ToolRollout]:
    """One tool rollout per prompt text (see module docstring); tool calls of one round run concurrently across
    rollouts, one rollout's calls in order."""
    parse = HermesParser(tokenizer)
    envs = [env_cls() for _ in prompts]
    for env in envs:
        env.reset()
    rollouts = [ToolRollout() for _ in prompts]
    texts = list(prompts)
    active = list(range(len(prompts)))
    loop = asyncio.new_event_loop()
    try:
        for turn in range(max_turns + 1):
            if not active:
                break
            if max_new_tokens is None:
                outs = [(out, 0) for out in generate([texts[i] for i in active])]
            else:
                outs = generate([texts[i] for i in active], [max_new_tokens - rollouts[i].n_tokens for i in active])
            calling = []
            for i, (out, n_tokens) in zip(active, outs):
                eos = tokenizer.eos_token or ""
                out = out[:-len(eos)] if eos and out.endswith(eos) else out
                message = parse(out)
                rollouts[i].messages.append(message)
                rollouts[i].text += out
                rollouts[i].n_tokens += n_tokens
                texts[i] += out
                if message.get("tool_calls") and turn < max_turns and (
                        max_new_tokens is None or rollouts[i].n_tokens < max_new_tokens):
                    calling.append(i)
            results = loop.run_until_complete(_gather(
                [_run_calls(envs[i], rollouts[i].messages[-1]["tool_calls"]) for i in calling]))
            for i, tool_messages in zip(calling, results):
                rollouts[i].messages.extend(tool_messages)
                suffix = (tokenizer.eos_token or "") + tool_suffix(tokenizer, tool_messages)
                rollouts[i].text += suffix
                texts[i] += suffix
            active = [i for i in calling if envs[i].record.outage is None]
        loop.run_until_complete(close_tools(env_cls))
    finally:
        loop.close()
    for rollout, env in zip(rollouts, envs):
        rollout.record = env.record
    return rollouts

