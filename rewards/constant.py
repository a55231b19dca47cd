"""`constant`: the same score for every completion of the rows it routes; the control arm of a learning experiment.

A constant carries no information: inside a GRPO group every completion gets the same value, so its advantage is
0 and it adds no gradient. Swapped in for a stage's verifiers (e.g. `math_accuracy` and `code_tests`, keeping the
shaping rewards), it shows how much of a gain comes from the verifiers rather than from the extra steps, the
shaping and the sampling alone (`benchmarks/learning.py` runs that control).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from rewards.kwargs import kwarg
from rewards.registry import register
from rewards.shaping import ShapingKwargs, ShapingReward


@dataclass(frozen=True)
class ConstantKwargs(ShapingKwargs):
    value: float = kwarg(1.0, "the score of every routed completion")


@register("constant")
class Constant(ShapingReward):
    """`value` for every completion of a routed row (kwarg `tasks`, default every task); None for other rows."""

    Kwargs = ConstantKwargs

    def score(self, text: str, ids: Sequence[int] | None) -> float:
        return float(self.value)
