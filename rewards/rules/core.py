"""Running constraint lists: validation (cached, for dataset load time), IFEval strict/loose checking, scoring."""

from __future__ import annotations

import functools
import json
from typing import Any, Sequence

from rewards.base import answer_part
from rewards.rules.patterns import PatternTimeout, time_budget
from rewards.rules.registry import Checker, ConstraintError, lookup, validate_kwargs

PATTERN_BUDGET_S = 0.5  # CPU seconds of `regex` matching per constraint

Prepared = tuple[tuple[Checker, dict[str, Any]], ...]


def parse_constraints(value: Any) -> list[dict[str, Any]] | None:
    """A `constraints` column value (JSON string or already-parsed list) as a list; None when null or empty."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except ValueError as e:
            raise ConstraintError(f"constraints: not valid JSON ({e})") from None
    if value is None:
        return None
    if not isinstance(value, list):
        raise ConstraintError(
            f"constraints: expected a JSON list of {{'id', 'kwargs'}} objects, got {type(value).__name__}"
        )
    return value or None


@functools.lru_cache(maxsize=8192)
def _prepare_cached(key: str) -> Prepared:
    prepared = []
    for i, entry in enumerate(json.loads(key)):
        where = f"constraint {i}"
        if not isinstance(entry, dict):
            raise ConstraintError(f"{where}: expected an object with 'id' and 'kwargs', got {entry!r}")
        extra = sorted(set(entry) - {"id", "kwargs"})
        if extra:
            raise ConstraintError(f"{where}: unexpected field(s) {extra}; a constraint has 'id' and 'kwargs'")
        chk = lookup(entry.get("id"), where)
        prepared.append((chk, validate_kwargs(chk, entry.get("kwargs") or {}, where)))
    return tuple(prepared)


def prepare(constraints: Sequence[dict[str, Any]] | str) -> Prepared:
    """Validated, normalised constraints (cached by content, so repeated rows cost one dict lookup)."""
    if isinstance(constraints, str):
        constraints = parse_constraints(constraints) or []
    if not isinstance(constraints, (list, tuple)):
        raise ConstraintError(f"constraints: expected a list, got {type(constraints).__name__}")
    try:
        key = json.dumps(list(constraints), sort_keys=True)
    except (TypeError, ValueError) as e:
        raise ConstraintError(f"constraints: not JSON-serialisable ({e})") from None
    return _prepare_cached(key)


def validate_constraints(constraints: Sequence[dict[str, Any]] | str) -> None:
    """Raise `ConstraintError` naming the constraint, id and kwarg when `constraints` is malformed.

    Accepts the parsed list or the dataset column's JSON string. Unknown ids get close-match suggestions.
    """
    prepare(constraints)


def loose_variants(response: str) -> list[str]:
    """IFEval's loose mode: the response with its first and/or last line removed, each with and without `*`.

    The response is stripped first: a thinking model's answer starts after `</think>` with blank lines, and removing
    one of those instead of the first line of text would make loose mode no looser than strict.
    """
    lines = response.strip().split("\n")
    cut = ["\n".join(lines[1:]).strip(), "\n".join(lines[:-1]).strip(), "\n".join(lines[1:-1]).strip()]
    return [response, response.replace("*", ""), *cut, *(c.replace("*", "") for c in cut)]


def check(
    response: str,
    constraints: Sequence[dict[str, Any]] | str,
    prompt: str | None = None,
    loose: bool = False,
) -> list[bool]:
    """Whether `response` satisfies each constraint, aligned with `constraints`.

    Checks look at the answer part (text after the last `</think>`; no answer when `<think>` is unclosed), except
    `format:think_tags`, which looks at the whole completion. An empty answer fails every check. IFEval checks are
    strict unless `loose`, which passes a check when any of IFEval's 8 loose variants passes it.
    `language:consistency` needs `prompt`. Regular expressions that come from kwargs share a budget of
    `PATTERN_BUDGET_S` per constraint; a check that runs past it fails. Raises `ConstraintError` for malformed
    constraints.
    """
    prepared = prepare(constraints)
    answer = answer_part(response)
    results = []
    for chk, kwargs in prepared:
        value = response if chk.scope == "completion" else answer
        if chk.needs_prompt:
            if prompt is None:
                raise ConstraintError(f"{chk.id!r} compares the answer with the prompt, but no prompt was given")
            kwargs = {**kwargs, "prompt": prompt}
        variants = loose_variants(value) if (loose and chk.ifeval and value) else [value]
        try:
            with time_budget(PATTERN_BUDGET_S):
                results.append(any(v and v.strip() and chk.fn(v, **kwargs) for v in variants))
        except PatternTimeout:  # a dataset pattern that cannot be matched in time rewards nothing
            results.append(False)
    return results


def score(passed: Sequence[bool], mode: str = "fraction") -> float:
    """The fraction of constraints passed ("fraction") or 1.0 only when all pass ("all"); 1.0 when none."""
    if not passed:
        return 1.0
    if mode == "all":
        return float(all(passed))
    return sum(passed) / len(passed)


def rules_pass(response: str, constraints_json: Any, prompt: str | None = None) -> bool | None:
    """True when every constraint of the row passes (strict), None when the row has no constraints."""
    constraints = parse_constraints(constraints_json)
    if constraints is None:
        return None
    return all(check(response, constraints, prompt))
