"""Tool calls in the Qwen/Hermes format, and the checks a chat template must pass before a tool stage starts.

A model calls a tool by writing, in its turn::

    <tool_call>
    {"name": "python", "arguments": {"code": "print(2 ** 10)"}}
    </tool_call>

`HermesParser` replaces the tokenizer's `parse_response` for TRL's tool loop. Unlike the parsers TRL ships, it
- keeps everything but the `<tool_call>` blocks as the turn's `content`, thinking included, so rewards read the
  turn exactly as generated (`</think>` and all);
- turns a block it cannot read (bad JSON, no name, arguments that are not an object) into a call of
  `MALFORMED_NAME` carrying the reason, so the model gets an error text and the call is counted, instead of the
  block silently becoming plain text (or crashing the step, as in TRL issue 4881);
- leaves an unclosed `<tool_call>` (a truncated turn) as text: there is no call to answer.

`check_chat_template` renders a probe conversation with the tokenizer's template and fails with a clear message
when the template cannot show the tools, a tool call or a tool result, or cannot be extended turn by turn.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rl.tools.environment import MALFORMED_KEY, MALFORMED_NAME

# A block runs from the last `<tool_call>` before a `</tool_call>` to it: stray openers stay in the text.
TOOL_CALL = re.compile(r"<tool_call>((?:(?!<tool_call>).)*?)</tool_call>", re.S)
_NAME = re.compile(r'"name"\s*:\s*"([A-Za-z_][A-Za-z0-9_]*)"')
FORMAT_HINT = 'write <tool_call>{"name": "<tool name>", "arguments": {...}}</tool_call> with valid JSON'
# Saved with the tokenizer (transformers' response template, new style): the same format, thinking kept in content.
HERMES_TEMPLATE = {
    "defaults": {"role": "assistant"},
    "start_anchor": "<|im_start|>assistant\n",
    "fields": {
        "tool_calls": {"open": "<tool_call>", "close_pattern": r"</tool_call>\s*", "repeats": True, "content": "json",
                       "transform": {"type": "function", "function": "{content}"}},
        "content": {"close_pattern": r"<\|im_end\|>\s*", "content": "text"},
    },
}


def _malformed(reason: str) -> dict:
    return {"type": "function", "function": {"name": MALFORMED_NAME, "arguments": {MALFORMED_KEY: reason}}}


def parse_call(block: str) -> dict:
    """One `<tool_call>` block's inside as a TRL tool call (a `MALFORMED_NAME` call when it cannot be read)."""
    try:
        call = json.loads(block)
    except ValueError as e:
        return _malformed(f"invalid tool call: the JSON does not parse ({e}); {FORMAT_HINT}")
    if not isinstance(call, dict) or not isinstance(call.get("name"), str) or not call["name"]:
        return _malformed(f"invalid tool call: no tool name; {FORMAT_HINT}")
    arguments = call.get("arguments", call.get("parameters", {}))
    if isinstance(arguments, str):  # some models write the arguments as a JSON string
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            pass
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return _malformed(f"invalid tool call to {call['name']!r}: 'arguments' must be a JSON object; {FORMAT_HINT}")
    return {"type": "function", "function": {"name": call["name"], "arguments": arguments}}


def parse_hermes(text: str) -> dict:
    """A generated assistant turn (text) as a message: `content` plus `tool_calls` when it made any."""
    calls = [parse_call(m.group(1).strip()) for m in TOOL_CALL.finditer(text)]
    message: dict[str, Any] = {"role": "assistant", "content": TOOL_CALL.sub("", text).rstrip() if calls else text}
    if calls:
        message["tool_calls"] = calls
    return message


class HermesParser:
    """`tokenizer.parse_response` replacement (same call shape as transformers' and TRL's use of it)."""

    def __init__(self, tokenizer: Any):
        self.tokenizer = tokenizer

    def __call__(self, response: Any, schema: Any = None, *, prefix: Any = None, tools: Any = None) -> dict:
        text = response if isinstance(response, str) else self.tokenizer.decode(response, skip_special_tokens=False)
        keep = {"<tool_call>", "</tool_call>"}
        for token in self.tokenizer.all_special_tokens:
            if token not in keep:
                text = text.replace(token, "")
        return parse_hermes(text)


def install_parser(tokenizer: Any) -> Any:
    """Make TRL's tool loop parse `tokenizer`'s generations with `HermesParser`; returns the tokenizer."""
    tokenizer.parse_response = HermesParser(tokenizer)
    if getattr(tokenizer, "response_template", None) is None and getattr(tokenizer, "response_schema", None) is None:
        tokenizer.response_template = HERMES_TEMPLATE
    return tokenizer


class ChatTemplateError(ValueError):
    """The tokenizer's chat template cannot carry a tool conversation."""


def check_chat_template(tokenizer: Any, schemas: list[dict]) -> None:
    """Raise `ChatTemplateError` unless `tokenizer`'s chat template renders the tools, a Hermes tool call and a tool
    result, keeps earlier turns unchanged as the conversation grows (TRL extends token ids turn by turn), and the
    rendered call parses back to the same call."""
    from trl.chat_template_utils import get_training_chat_template, is_chat_template_prefix_preserving

    if not getattr(tokenizer, "chat_template", None):
        raise ChatTemplateError("the tokenizer has no chat template; tools need one that renders tool calls")
    name = schemas[0]["function"]["name"] if schemas else "probe_tool"
    arguments = {"probe_arg_7c1d": "probe_value_3e9a"}
    call = {"type": "function", "function": {"name": name, "arguments": arguments}}
    messages = [{"role": "user", "content": "probe"}, {"role": "assistant", "content": "", "tool_calls": [call]},
                {"role": "tool", "name": name, "content": "probe_result_5b2f"}]
    try:
        with_tools = tokenizer.apply_chat_template(messages[:1], tools=schemas or None, tokenize=False,
                                                   add_generation_prompt=True)
        turn = tokenizer.apply_chat_template(messages[:2], tokenize=False)
        full = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    except Exception as e:
        raise ChatTemplateError(f"the chat template fails on a tool conversation: {type(e).__name__}: {e}") from None
    missing = [what for what, ok in (
        ("the tools' schema", all(s["function"]["name"] in with_tools for s in schemas)),
        ("the tool call", "probe_value_3e9a" in turn and name in turn),
        ("the tool result", "probe_result_5b2f" in full)) if not ok]
    if missing:
        raise ChatTemplateError(f"the chat template does not render {' or '.join(missing)}")
    parsed = HermesParser(tokenizer)(turn).get("tool_calls") or []
    if [c["function"] for c in parsed] != [call["function"]]:
        raise ChatTemplateError("the chat template does not write tool calls in the Qwen/Hermes format "
                                '(<tool_call>{"name": ..., "arguments": ...}</tool_call>), the one the tools parse')
    if not is_chat_template_prefix_preserving(tokenizer):
        try:
            if get_training_chat_template(tokenizer) is None:
                raise ValueError("no training template")
        except Exception as e:
            raise ChatTemplateError("the chat template re-renders earlier turns when a tool result is added, and "
                                    f"TRL has no training variant of it ({e})") from None
