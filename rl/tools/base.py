"""What every tool shares: the errors a call can raise, how a failure reads to the model, truncation, options.

A tool call fails "through bad input" (bad JSON, an unknown tool, wrong arguments, the per-completion call cap) by
raising `ToolCallError`: TRL's GRPOTrainer catches it, counts it in `tools/failure_frequency` and shows the model
`{'error': '<message>'}` (`failure_text`), so a malformed call never crashes a step. A tool's own outcome, including
the model's code raising or timing out, is a normal result string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_CALLS = 256  # the sandbox's /execute replays at most 256 earlier cells


class ToolCallError(Exception):
    """A tool call the model got wrong (bad JSON, unknown tool, wrong arguments, too many calls)."""


class ToolUnavailable(RuntimeError):
    """The service behind a tool (the sandbox) is down: an infrastructure failure, never the model's fault."""


class ToolText(str):
    """A tool's result text that also says whether the call ran without error (`ok`: False for a traceback, a
    timeout, ...). TRL renders it with `str()`, so the model sees only the text."""

    ok: bool

    def __new__(cls, text: str, ok: bool = True) -> "ToolText":
        self = super().__new__(cls, text)
        self.ok = ok
        return self


def failure_text(error: BaseException) -> str:
    """The text TRL's GRPOTrainer shows the model for a tool call that raised `error` (`str({"error": ...})`)."""
    return str({"error": str(error)})


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most about `limit` characters, keeping its head and its tail (a traceback's last line)."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head
    cut = len(text) - head - tail
    return f"{text[:head]}\n... [{cut} characters truncated] ...\n{text[-tail:] if tail else ''}"


@dataclass(frozen=True)
class ToolOptions:
    """Options every stage's tools share (the stage's `tool_options:`)."""

    max_calls: int = 8               # tool calls per completion, all tools together; later calls fail
    max_output_chars: int = 4000     # what the model sees of one result
    timeout_s: float = 30.0          # hard cap on one call of a plain function tool
    max_outage_fraction: float = 0.5  # rollouts of a batch whose tool service was down; past it the run stops

    def __post_init__(self) -> None:
        for key in ("max_calls", "max_output_chars"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"tool_options.{key} must be an integer >= 1, got {value!r}")
        if self.max_calls > MAX_CALLS:
            raise ValueError(f"tool_options.max_calls must be at most {MAX_CALLS}, got {self.max_calls}")
        if isinstance(self.timeout_s, bool) or not isinstance(self.timeout_s, (int, float)) or not self.timeout_s > 0:
            raise ValueError(f"tool_options.timeout_s must be a number > 0, got {self.timeout_s!r}")
        frac = self.max_outage_fraction
        if isinstance(frac, bool) or not isinstance(frac, (int, float)) or not 0 <= frac <= 1:
            raise ValueError(f"tool_options.max_outage_fraction must be a number in [0, 1], got {frac!r}")

    @classmethod
    def from_dict(cls, raw: Any) -> "ToolOptions":
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise ValueError(f"tool_options must be a mapping, got {raw!r}")
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown tool_options key(s) {sorted(unknown)}; known: "
                             f"{', '.join(cls.__dataclass_fields__)}")
        return cls(**raw)
