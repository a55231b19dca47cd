"""Registry of rule checkers: each id names a check function and the kwargs it takes.

A checker is `fn(text, **kwargs) -> bool`. Its kwargs are declared with validators (`Kind`s) that turn the raw
JSON value into the normalised value the check uses, or raise `ValueError` with a short reason; the registry
wraps that into a `ConstraintError` naming the constraint, the id and the kwarg. A kwarg is required unless its
validator is wrapped in `Default(kind, value)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping

from rewards.base import did_you_mean

Kind = Callable[[Any], Any]
Scope = Literal["answer", "completion"]


class ConstraintError(ValueError):
    """A constraint list is malformed: unknown id, or missing, extra or wrongly typed kwargs."""


@dataclass(frozen=True)
class Default:
    """An optional kwarg: validated by `kind` when given, `value` (used as is) when absent or null."""

    kind: Kind
    value: Any

    def __call__(self, raw: Any) -> Any:
        return self.kind(raw)


@dataclass(frozen=True)
class Checker:
    """One registered check.

    `scope`: "answer" checks run on the answer part (text after the last `</think>`), "completion" checks on the
    whole completion. `ifeval`: an IFEval instruction (IFEval's loose mode applies to these only).
    `needs_prompt`: the check receives the row's prompt text as kwarg `prompt`. `prepare`: optional hook that
    turns the validated kwargs into the form the check takes (compiled regexes, schema validators), raising
    `ValueError` for values that pass the per-kwarg validators but not the check as a whole.
    """

    id: str
    fn: Callable[..., bool]
    params: Mapping[str, Kind]
    ifeval: bool = True
    scope: Scope = "answer"
    needs_prompt: bool = False
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = field(default=None, compare=False)


CHECKERS: dict[str, Checker] = {}


def checker(
    cid: str,
    *,
    ifeval: bool = True,
    scope: Scope = "answer",
    needs_prompt: bool = False,
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    **params: Kind,
) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    """Decorator: register `fn` under id `cid`, with one `Kind` validator per kwarg."""

    def wrap(fn: Callable[..., bool]) -> Callable[..., bool]:
        if cid in CHECKERS:
            raise ValueError(f"rule checker {cid!r} is registered twice")
        CHECKERS[cid] = Checker(cid, fn, params, ifeval, scope, needs_prompt, prepare)
        return fn

    return wrap


def lookup(cid: Any, where: str) -> Checker:
    """The checker registered under `cid`; unknown ids raise `ConstraintError` with close-match suggestions."""
    if not isinstance(cid, str):
        raise ConstraintError(f"{where}: 'id' must be a string, got {cid!r}")
    try:
        return CHECKERS[cid]
    except KeyError:
        raise ConstraintError(f"{where}: unknown constraint id {cid!r}{did_you_mean(cid, CHECKERS)}") from None


def validate_kwargs(chk: Checker, kwargs: Any, where: str) -> dict[str, Any]:
    """Validate and normalise one constraint's kwargs. Null values count as absent (HF IFEval rows carry every
    kwarg of every instruction, unused ones null)."""
    at = f"{where} ({chk.id!r})"
    if not isinstance(kwargs, dict):
        raise ConstraintError(f"{at}: 'kwargs' must be an object, got {type(kwargs).__name__}")
    given = {k: v for k, v in kwargs.items() if v is not None}
    extra = sorted(set(given) - set(chk.params))
    if extra:
        allowed = ", ".join(chk.params) or "none"
        raise ConstraintError(f"{at}: unexpected kwarg(s) {extra}; allowed: {allowed}")
    missing = [k for k, kind in chk.params.items() if k not in given and not isinstance(kind, Default)]
    if missing:
        raise ConstraintError(f"{at}: missing kwarg(s) {missing}")
    out = {}
    for name, kind in chk.params.items():
        if name not in given:
            out[name] = kind.value  # a Default: checked above
            continue
        try:
            out[name] = kind(given[name])
        except (TypeError, ValueError) as e:
            raise ConstraintError(f"{at}: kwarg {name!r}: {e}") from None
    if chk.prepare is not None:
        try:
            out = chk.prepare(out)
        except (TypeError, ValueError) as e:
            raise ConstraintError(f"{at}: {e}") from None
    return out


# ---- kwarg kinds -------------------------------------------------------------------------------------------

RELATIONS = ("less than", "at least")


def non_negative_int(value: Any) -> int:
    """An int >= 0 (an integral float such as 3.0, as pandas produces, is accepted)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a non-negative integer, got {value!r}")
    if value < 0:
        raise ValueError(f"expected a non-negative integer, got {value}")
    return value


def positive_int(value: Any) -> int:
    value = non_negative_int(value)
    if value < 1:
        raise ValueError("expected an integer >= 1, got 0")
    return value


def nonempty_str(value: Any) -> str:
    """A non-empty string (kept as given)."""
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    if not value.strip():
        raise ValueError("expected a non-empty string")
    return value


def stripped(value: Any) -> str:
    """A non-empty string, stripped (as IFEval strips starter/marker/phrase kwargs)."""
    return nonempty_str(value).strip()


def text_list(value: Any) -> list[str]:
    """A non-empty list of non-empty strings."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"expected a list of strings, got {type(value).__name__}")
    if not value:
        raise ValueError("expected a non-empty list of strings")
    return [nonempty_str(v) for v in value]


def choice(*options: str) -> Kind:
    """Kwarg kind: one of `options`."""

    def kind(value: Any) -> str:
        if value not in options:
            raise ValueError(f"expected one of {list(options)}, got {value!r}")
        return value

    return kind


def relation(value: Any) -> str:
    if value not in RELATIONS:
        raise ValueError(f"expected one of {list(RELATIONS)}, got {value!r}")
    return value


def json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def json_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def compare(count: int, rel: str, threshold: int) -> bool:
    """IFEval's comparison: 'less than' is `<`, 'at least' is `>=`."""
    return count < threshold if rel == "less than" else count >= threshold
