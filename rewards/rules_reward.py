"""The `rule_checks` reward: the fraction (or all-or-nothing) of a general row's rule constraints satisfied."""

from __future__ import annotations

from typing import Any, Sequence

from rewards.base import Completion, Reward, check_bool, prompt_text
from rewards.registry import register
from rewards.rules import ConstraintError, check, parse_constraints, score

MODES = ("fraction", "all")


@register("rule_checks")
class RuleChecks(Reward):
    """Scores `general` rows from their `constraints` column (JSON list of `{"id", "kwargs"}`).

    kwargs: `mode` "fraction" (default; share of constraints passed) or "all" (1.0 only when every one passes);
    `loose` (default False) uses IFEval's loose mode for the IFEval checks; `require_thinking` (default True: see
    `Reward.response_text`). Rows of other tasks and rows without
    constraints get None. Malformed constraints raise `ConstraintError` naming the row (datasets validate them at
    load time with `rewards.rules.validate_constraints`, so this means a dataset bypassed that).
    """

    tasks = ("general",)
    columns = ("constraints",)

    def __init__(self, mode: str = "fraction", loose: bool = False, require_thinking: bool = True) -> None:
        if mode not in MODES:
            raise ValueError(f"rule_checks: 'mode' must be one of {list(MODES)}, got {mode!r}")
        if not isinstance(loose, bool):
            raise TypeError(f"rule_checks: 'loose' must be a bool, got {loose!r}")
        self.mode = mode
        self.loose = loose
        self.require_thinking = check_bool("rule_checks: require_thinking", require_thinking)

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
