"""User tools for the tests: plain typed, documented functions (and some that are not)."""
from __future__ import annotations

import time

from rl.tools.base import ToolCallError, ToolUnavailable


def add(a: int, b: float = 0.5) -> str:
    """Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return str(a + b)


async def lookup(city: str) -> str:
    """Look up the weather of a city.

    Args:
        city: The city's name.
    """
    if city == "Atlantis":
        raise ToolCallError("unknown city 'Atlantis'")
    if city == "down":
        raise ToolUnavailable("weather service down")
    return f"sunny in {city}"


def slow(seconds: float) -> str:
    """Sleep, then answer.

    Args:
        seconds: How long to sleep.
    """
    time.sleep(seconds)
    return "done"


def no_hints(a) -> str:
    """Missing a hint.

    Args:
        a: Something.
    """
    return str(a)


def no_doc(a: int) -> str:
    return str(a)


def var_kwargs(**kwargs: int) -> str:
    """Takes anything.

    Args:
        kwargs: Anything.
    """
    return ""


NOT_A_FUNCTION = 3
