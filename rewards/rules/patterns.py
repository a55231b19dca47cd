"""Regular expressions that come from a dataset row, matched under a hard time limit.

IFEval matches some kwargs as regular expressions (`keywords:existence` and `keywords:frequency` keywords,
`keywords:forbidden_words` inside `\\b...\\b`, the postscript marker, the section splitter), and JSON Schemas carry
`pattern` and `patternProperties`. A hostile or careless row (`(a+)+$`) could then backtrack for hours on one
response and hang a reward worker. These patterns are therefore compiled with the `regex` module (the same syntax
and matching as `re` for IFEval's patterns, so ordinary keywords match exactly as in IFEval) and matched with its
`timeout` (which counts the process's CPU time, so a loaded machine stretches it in wall-clock time but never
turns it into a hang). All pattern matches made while checking one constraint share one budget (`time_budget`,
set by `rewards.rules.core.check`); past it `PatternTimeout` is raised and the check fails: a row whose pattern
cannot be matched in time rewards nothing. A pattern that is not a valid regular expression is matched as
literal text (IFEval would crash on it).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import time
from typing import Iterator

import regex

DEFAULT_TIMEOUT_S = 0.5
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("pattern_deadline", default=None)


class PatternTimeout(Exception):
    """A dataset-supplied pattern ran past the time budget of the check matching it."""


@contextlib.contextmanager
def time_budget(seconds: float = DEFAULT_TIMEOUT_S) -> Iterator[None]:
    """Every `TimedPattern` match inside the block shares one budget of `seconds`."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _timeout() -> float:
    deadline = _deadline.get()
    if deadline is None:
        return DEFAULT_TIMEOUT_S
    left = deadline - time.monotonic()
    if left <= 0:
        raise PatternTimeout("the check's pattern time budget is spent")
    return left


class TimedPattern:
    """A compiled pattern whose `search` / `findall` / `split` run under the current time budget."""

    def __init__(self, pattern: str, flags: int = 0, literal_fallback: bool = True) -> None:
        try:
            re.compile(pattern)  # `re`'s syntax (IFEval's): `regex` also accepts e.g. possessive "C++"
            self.pattern = regex.compile(pattern, flags)
        except (re.error, regex.error, RecursionError, OverflowError):
            if not literal_fallback:
                raise ValueError(f"invalid regular expression {pattern!r}") from None
            self.pattern = regex.compile(regex.escape(pattern), flags)

    def _run(self, method: str, text: str):  # noqa: ANN202 - the regex method's own result
        try:
            return getattr(self.pattern, method)(text, timeout=_timeout())
        except TimeoutError:
            raise PatternTimeout(f"pattern {self.pattern.pattern!r} ran past its time limit") from None

    def search(self, text: str) -> bool:
        return self._run("search", text) is not None

    def findall(self, text: str) -> list:
        return self._run("findall", text)

    def split(self, text: str) -> list:
        return self._run("split", text)
