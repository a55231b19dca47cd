"""Tool-call formats of `tool_call:ast_match`: each parses an answer into `[(name, arguments)]`, or None.

- `hermes` (default): Hermes/Qwen blocks `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`, as Qwen's and
  QwQ's chat templates ask for; text around the blocks is allowed.
- `python`: BFCL's prompt-mode syntax, the answer being only a Python list of calls, `[f(a=1), mod.g(b="x")]`.
  It is read as bfcl-eval's `default_decode_ast_prompting` reads it (surrounding backticks, newlines and spaces
  stripped, `[`/`]` added when missing, one bare call allowed; dotted names joined; values: literals, lists,
  dicts, tuples, a bare name as its string, a nested call with keywords as `{name: {args}}` and one without as
  its source text, a subscript as its source text), but parsed with `ast` and never evaluated:
  - arithmetic on number literals (`2*3`, `-1.5`, `1/3`, `2**10`) is computed by a small evaluator, with result
    sizes bounded, where bfcl-eval calls `eval`;
  - calls with positional arguments or `**kwargs` are rejected, where bfcl-eval silently drops them (a dropped
    argument could otherwise pass for an omitted optional one);
  - other expressions (lambdas, comprehensions, f-strings, comparisons, attribute values such as `math.pi`) are
    rejected, as bfcl-eval's decoder rejects them.
"""

from __future__ import annotations

import ast
import json
import operator
from typing import Any, Callable

Call = tuple[str, dict[str, Any]]
_OPEN, _CLOSE = "<tool_call>", "</tool_call>"
MAX_PYTHON_CHARS = 200_000  # longer answers are not parsed (no BFCL call list comes near this)
_MAX_INT_BITS = 4096


class _Reject(Exception):
    """The answer is not a well-formed call list in this format."""


def parse_hermes(answer: str) -> list[Call] | None:
    """The `(name, arguments)` of each `<tool_call>` block, or None when a block is unclosed or malformed."""
    blocks, pos = [], 0
    while (start := answer.find(_OPEN, pos)) >= 0:
        end = answer.find(_CLOSE, start)
        if end < 0:
            return None
        blocks.append(answer[start + len(_OPEN) : end])
        pos = end + len(_CLOSE)
    if answer.count(_OPEN) != len(blocks):  # a block opened inside another
        return None
    calls = []
    for block in blocks:
        try:
            call = json.loads(block.strip())
            args = call.get("arguments", {}) if isinstance(call, dict) else None
            if isinstance(args, str):
                args = json.loads(args)
        except (ValueError, RecursionError):
            return None
        if not isinstance(call.get("name"), str) or not isinstance(args, dict):
            return None
        calls.append((call["name"], args))
    return calls


def _dotted_name(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise _Reject
    parts.append(node.id)
    return ".".join(reversed(parts))


def _call(node: ast.expr) -> Call:
    if not isinstance(node, ast.Call) or node.args or any(k.arg is None for k in node.keywords):
        raise _Reject
    return _dotted_name(node.func), {k.arg: _value(k.value) for k in node.keywords}


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}


def _number(node: ast.expr) -> int | float:
    """A number literal, or arithmetic on number literals, computed with bounded operand sizes."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _number(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _number(node.left), _number(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > 64 or (isinstance(left, int) and left.bit_length() > 64)):
            raise _Reject
        try:
            value = _BINOPS[type(node.op)](left, right)
        except (ArithmeticError, ValueError):
            raise _Reject from None
        if isinstance(value, complex) or (isinstance(value, int) and value.bit_length() > _MAX_INT_BITS):
            raise _Reject
        return value
    raise _Reject


def _value(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, (ast.UnaryOp, ast.BinOp)):
        return _number(node)
    if isinstance(node, ast.List):
        return [_value(v) for v in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(v) for v in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):  # {**other}
            raise _Reject
        try:
            return {_value(k): _value(v) for k, v in zip(node.keys, node.values)}
        except TypeError:  # an unhashable key
            raise _Reject from None
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        if not node.keywords:
            return ast.unparse(node)
        name, args = _call(node)
        return {name: args}
    if isinstance(node, ast.Subscript):
        return ast.unparse(node)
    raise _Reject


def parse_python(answer: str) -> list[Call] | None:
    """BFCL prompt-mode calls `[f(a=1), g(b="x")]` (see the module doc), or None when the answer is not one."""
    text = answer.strip("`\n ")
    if len(text) > MAX_PYTHON_CHARS:
        return None
    text = ("" if text.startswith("[") else "[") + text + ("" if text.endswith("]") else "]")
    try:
        body = ast.parse(text.strip().strip("'"), mode="eval").body
        nodes = [body] if isinstance(body, ast.Call) else body.elts if isinstance(body, ast.List) else None
        if nodes is None:
            return None
        return [_call(node) for node in nodes]
    except (_Reject, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


FORMATS: dict[str, Callable[[str], list[Call] | None]] = {"hermes": parse_hermes, "python": parse_python}
