"""A user tool for the eval tool tests (a uniquely named module, importable as `eval_tool_fns:multiply`)."""
from __future__ import annotations

from rl.tools.base import ToolUnavailable


def multiply(a: int, b: int) -> str:
    """Multiply two integers on a remote service.

    Args:
        a: The first factor.
        b: The second factor.
    """
    if 13 in (a, b):
        raise ToolUnavailable("multiplication service down")
    return str(a * b)
