"""Tool resolution and checks, the per-rollout environment's accounting, the Hermes parser, chat-template checks."""
from __future__ import annotations

import pytest

from rl.tools.base import ToolOptions, truncate
from rl.tools.environment import MALFORMED_KEY, MALFORMED_NAME, environment_class
from rl.tools.parsing import ChatTemplateError, HermesParser, check_chat_template, install_parser, parse_hermes
from rl.tools.registry import ToolSpecError, needs, resolve
from tools_testlib import call

M = "sample_user_tools"


# ------------------------------------------------------------------------------------------------ registry
@pytest.mark.parametrize("entries, needle", [
    (["pyhton"], "did you mean 'python'"),
    (["nosuch"], "unknown tool 'nosuch'"),
    ([f"{M}:no_hints"], "missing a type hint"),
    ([f"{M}:no_doc"], "no docstring"),
    ([f"{M}:var_kwargs"], "plain named parameter"),
    ([f"{M}:ad"], "did you mean 'add'"),
    ([f"{M}:NOT_A_FUNCTION"], "not a function"),
    (["no_such_module_xyz:f"], "cannot import"),
    ([f"{M}:add", f"{M}:add"], "unique"),
    ([{"name": f"{M}:add", "kwargs": {"x": 1}}], "takes no kwargs"),
    ([{"name": "python", "kwargs": {"time_s": -1}}], "time_s"),
    ([{"name": "python", "kwargs": {"bogus": 1}}], "bogus"),
    ([{"name": "python", "extra": 1}], "must be a tool name"),
    ("python", "must be a list"),
])
def test_bad_tool_entries_fail_early(entries, needle):
    with pytest.raises(ToolSpecError, match=None) as e:
        resolve(entries)
    assert needle in str(e.value)


def test_resolve_builtin_and_user_tools():
    tools = resolve(["python", f"{M}:add", {"name": f"{M}:lookup"}], {"sandbox_urls": "http://h:1"})
    assert [t.name for t in tools] == ["python", "add", "lookup"]
    assert tools[0].builtin.config.sandbox_urls == ["http://h:1"]
    assert tools[0].schema["function"]["parameters"]["required"] == ["code"]
    assert needs(["python"]) == {"sandbox_urls"}
    assert needs([{"name": "python", "kwargs": {"sandbox_urls": ["http://x:1"]}}, f"{M}:add"]) == set()


# ------------------------------------------------------------------------------------------------ environment
def _env(options=None):
    env = environment_class(resolve([f"{M}:add", f"{M}:lookup", f"{M}:slow"]), options)()
    env.reset(prompt=[], task="math")
    return env


def test_environment_methods_carry_the_tool_schema():
    from transformers.utils import get_json_schema

    env = _env()
    schema = get_json_schema(env.add)
    assert schema["function"]["name"] == "add"
    assert schema["function"]["parameters"]["properties"]["a"] == {"type": "integer", "description": "The first number."}
    assert schema["function"]["parameters"]["required"] == ["a"]


def test_wrong_arguments_are_errors_the_model_sees_and_counted():
    env = _env()
    assert call(env, "add", a=2, b=3) == "5"
    assert "unknown argument(s) 'c'" in call(env, "add", a=1, c=2)
    assert "missing a required argument: 'a'" in call(env, "add")
    assert "argument 'a' must be int, got str" in call(env, "add", a="2")
    assert "must be int, got a boolean" in call(env, "add", a=True)
    assert call(env, "add", a=1, b=2) == "3"  # an int is accepted for a float
    assert "unknown city" in call(env, "lookup", city="Atlantis")  # the tool itself rejects the value
    assert env.record.calls == 7 and env.record.failures == 5 and env.record.ok == 2


def test_user_tool_timeout_and_outage():
    env = _env(ToolOptions(timeout_s=0.2))
    assert "did not answer within 0.2 s" in call(env, "slow", seconds=2)
    assert "unavailable" in call(env, "lookup", city="down")
    assert env.record.errors == 1 and env.record.outage == "weather service down"
    env.reset()
    assert env.record.outage is None and env.record.calls == 0


def test_malformed_call_goes_through_the_environment():
    env = _env()
    with pytest.raises(Exception, match="does not parse"):
        env._malformed(**{MALFORMED_KEY: "invalid tool call: the JSON does not parse"})
    assert env.record.failures == 1 and env.record.calls == 1


def test_truncate_keeps_head_and_tail():
    text = "".join(f"line {i}\n" for i in range(1000)) + "ValueError: the end"
    out = truncate(text, 300)
    assert len(out) < 360 and out.startswith("line 0") and out.endswith("ValueError: the end")
    assert truncate("short", 300) == "short"


# ------------------------------------------------------------------------------------------------ parser
def test_parse_hermes_calls_and_content():
    text = ('Let me compute.\n</think>\n\n<tool_call>\n{"name": "python", "arguments": {"code": "print(2**10)"}}\n'
            '</tool_call>\n<tool_call>{"name": "add", "arguments": "{\\"a\\": 1}"}</tool_call>')
    msg = parse_hermes(text)
    assert msg["content"] == "Let me compute.\n</think>"  # the thinking is kept, the calls removed
    assert [c["function"] for c in msg["tool_calls"]] == [
        {"name": "python", "arguments": {"code": "print(2**10)"}}, {"name": "add", "arguments": {"a": 1}}]
    assert parse_hermes("<think>\nhmm\n</think>\n\nThe answer is 4.") == {
        "role": "assistant", "content": "<think>\nhmm\n</think>\n\nThe answer is 4."}


@pytest.mark.parametrize("block, needle", [
    ('{"name": "python", "arguments": {"code": "1"', "does not parse"),
    ('{"arguments": {"code": "1"}}', "no tool name"),
    ('{}', "no tool name"),
    ('["python"]', "no tool name"),
    ('{"name": "python", "arguments": [1]}', "must be a JSON object"),
    ('', "does not parse"),
])
def test_malformed_blocks_become_counted_calls(block, needle):
    msg = parse_hermes(f"x <tool_call>{block}</tool_call>")
    (call_,) = msg["tool_calls"]
    assert call_["function"]["name"] == MALFORMED_NAME and needle in call_["function"]["arguments"][MALFORMED_KEY]


def test_a_block_starts_at_its_last_opener():
    text = '<tool_call>\n<tool_call>\n{"name": "python", "arguments": {"code": "1"}}\n</tool_call> tail </tool_call>'
    msg = parse_hermes(text)
    assert [c["function"] for c in msg["tool_calls"]] == [{"name": "python", "arguments": {"code": "1"}}]
    assert msg["content"] == "<tool_call>\n tail </tool_call>"


def test_unclosed_tool_call_is_text():
    text = 'thinking</think><tool_call>{"name": "python", "argu'
    assert parse_hermes(text) == {"role": "assistant", "content": text}


@pytest.fixture(scope="module")
def tiny_tokenizer(tmp_path_factory):
    from rl.smoke.tiny import build_tokenizer

    return build_tokenizer(tmp_path_factory.mktemp("tok"))


def test_parser_on_token_ids_drops_special_tokens(tiny_tokenizer):
    text = '</think>\n<tool_call>\n{"name": "python", "arguments": {"code": "1+1"}}\n</tool_call><|im_end|>'
    ids = tiny_tokenizer(text, add_special_tokens=False)["input_ids"]
    msg = HermesParser(tiny_tokenizer)(ids, prefix=[], tools=None)
    assert msg["content"] == "</think>" and msg["tool_calls"][0]["function"]["arguments"] == {"code": "1+1"}


def test_chat_template_checks(tiny_tokenizer):
    schemas = [t.schema for t in resolve(["python", f"{M}:add"])]
    check_chat_template(tiny_tokenizer, schemas)  # the smoke template renders tools, calls and results
    install_parser(tiny_tokenizer)
    assert tiny_tokenizer.response_template is not None

    class Plain:  # a template that ignores tool calls
        chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
        all_special_tokens: list = []

        def apply_chat_template(self, messages, tools=None, tokenize=False, add_generation_prompt=False):
            from jinja2 import Template
            return Template(self.chat_template).render(messages=messages)

    with pytest.raises(ChatTemplateError, match="does not render the tools' schema or the tool call"):
        check_chat_template(Plain(), schemas)

    class NoTemplate:
        chat_template = None

    with pytest.raises(ChatTemplateError, match="no chat template"):
        check_chat_template(NoTemplate(), schemas)
