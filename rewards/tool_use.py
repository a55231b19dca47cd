"""`tool_use`: a small shaping bonus for tool calls that ran without error, for stages with `tools:` (off unless a
stage lists it).

It reads each rollout's tool record from the `environments` TRL passes to rewards (one environment per rollout,
`rl.tools.environment`; read by duck typing, so this layer imports nothing from `rl`): the score is
`min(max_bonus, per_call * calls that ran without error) - failure_penalty * malformed calls`. A rollout whose tool
service was down scores `None` (the trainer excludes it whole). Capping the bonus keeps calling tools from paying
more than a right answer: with the default weight of a shaping reward, two good calls are worth a tie-break.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from rewards.base import Completion, Reward
from rewards.kwargs import kwarg
from rewards.registry import register
from rewards.shaping import ShapingKwargs


@dataclass(frozen=True)
class ToolUseKwargs(ShapingKwargs):
    per_call: float = kwarg(0.5, "bonus per tool call that ran without error", ge=0.0)
    max_bonus: float = kwarg(1.0, "cap on the bonus of one completion", ge=0.0)
    failure_penalty: float = kwarg(0.0, "subtracted per malformed call (bad JSON, unknown tool, wrong arguments)",
                                   ge=0.0)


@register("tool_use")
class ToolUse(Reward):
    """See the module docstring."""

    Kwargs = ToolUseKwargs

    def setup(self) -> None:
        if self.tasks is None:
            self.tasks = type(self).tasks

    def __call__(self, completions: Sequence[Completion], task: Sequence[str | None] | None = None,
                 environments: Sequence[Any] | None = None, **_: Any) -> list[float | None]:
        if environments is None:
            raise ValueError("tool_use scores tool rollouts: list it only in a stage with tools")
        out: list[float | None] = [None] * len(completions)
        for i in self.routed(completions, task):
            record = getattr(environments[i], "record", None)
            if record is None or record.outage is not None:
                continue
            out[i] = min(self.max_bonus, self.per_call * record.ok) - self.failure_penalty * record.failures
        return out
