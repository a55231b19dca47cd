"""The `rule_checks` reward: the fraction (or all-or-nothing) of a general row's rule constraints satisfied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from rewards.base import Completion, Reward, prompt_text, require_thinking_kwarg
from rewards.kwargs import kwarg
from rewards.registry import register
from rewards.rules import ConstraintError, check, parse_constraints, score

MODES = ("fraction", "all")


@dataclass(frozen=True)
class RuleChecksKwargs:
    mode: str = kwarg("fraction", "fraction (share of the row's constraints passed) or all (1.0 only when every "
                                  "one passes)", choices=MODES)
    loose: bool = kwarg(False, "IFEval's loose mode for the IFEval checks")
    require_thinking: bool = require_thinking_kwarg()


@register("rule_checks")
class RuleChecks(Reward):
    """Scores `general` rows from their `constraints` column (JSON list of `{"id", "kwargs"}`).

    kwargs in `RuleChecksKwargs`. Rows of other tasks and rows without
    constraints get None. Malformed constraints raise `ConstraintError` naming the row (datasets validate them at
    load time with `rewards.rules.validate_constraints`, so this means a dataset bypassed that).
    """

    tasks = ("general",)
    columns = ("constraints",)
    accuracy = True

    Kwargs = RuleChecksKwargs
    mode: str
    loose: bool

    def __call__(
        self,
        prompts: Sequence[Any],
        completions: Sequence[Completion],
        constraints: Sequence[Any] | None = None,
        task: Sequence[str | None] | None = None,
        **kwargs: Any,
    ) -> list[float | None]:
        out: list[float | None] = [None] * len(completions)
        if constraints is None:
            return out
        for i in self.routed(completions, task):
            try:
                rows = parse_constraints(constraints[i])
                if rows is None:
                    continue
                passed = check(self.response_text(completions[i]), rows, prompt_text(prompts[i]), loose=self.loose)
            except ConstraintError as e:
                raise ConstraintError(f"rule_checks: row {i}: {e}") from None
            out[i] = score(passed, self.mode)
        return out
