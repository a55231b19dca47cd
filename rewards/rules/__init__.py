"""Rule-based instruction-following checks: IFEval's 25 instructions plus think-tag, JSON Schema, tool-call and
language-consistency checks.

Public API: `check`, `validate_constraints`, `ConstraintError`, `rules_pass`, `score`, `parse_constraints`,
`think_tags_ok`, `available`. Command line: `python -m rewards.rules` (see `__main__`).
"""

from __future__ import annotations

# Importing the checker modules registers their ids.
from rewards.rules import format_checks, ifeval_content, ifeval_structure, language, tool_calls  # noqa: F401
from rewards.rules.core import check, parse_constraints, rules_pass, score, validate_constraints
from rewards.rules.format_checks import think_tags_ok
from rewards.rules.registry import CHECKERS, ConstraintError


def available() -> list[str]:
    """Sorted ids of every registered check."""
    return sorted(CHECKERS)


__all__ = [
    "ConstraintError", "available", "check", "parse_constraints", "rules_pass", "score", "think_tags_ok",
    "validate_constraints",
]
