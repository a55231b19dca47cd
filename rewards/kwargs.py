"""Reward kwargs declared once, next to each reward, and validated generically.

A reward declares its kwargs as a dataclass whose fields are made with `kwarg(default, help, ...)`: the type is the
field's annotation, and the metadata holds the help line, the allowed range or choices, an optional converter, the
run value the field stands for (`need`, bound by the config: see `rewards.needs`) and whether the field only says
how to reach a service (`infra`: URLs, timeouts, retries; not part of what determines a training stage).

`parse_kwargs(reward_name, Kwargs, given, renamed)` turns the user's mapping into a validated `Kwargs` instance, or
raises `RewardKwargError` (a `ValueError` and a `TypeError`) naming the reward and the kwarg, with close-match
suggestions for unknown names and the new name for renamed ones.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any, Callable, Mapping, Union

from rewards.hints import did_you_mean

_META = "reward_kwarg"


class RewardKwargError(ValueError, TypeError):
    """A reward kwarg is unknown, renamed, or has a bad value. `key` and `problem` let callers rephrase it."""

    def __init__(self, reward: str, key: str, problem: str) -> None:
        super().__init__(reward, key, problem)  # the three parts as args: the error pickles
        self.reward, self.key, self.problem = reward, key, problem

    def __str__(self) -> str:
        return f"{self.reward}: {self.key!r} {self.problem}"


@dataclasses.dataclass(frozen=True)
class KwargInfo:
    """What `kwarg()` records about one field (see the module docstring)."""

    help: str
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[Any, ...] | None = None
    convert: Callable[[Any], Any] | None = None
    need: str | None = None
    infra: bool = False
    model_ref: bool = False


def kwarg(default: Any, help: str, *, ge: float | None = None, gt: float | None = None, le: float | None = None,
          lt: float | None = None, choices: tuple[Any, ...] | None = None,
          convert: Callable[[Any], Any] | None = None, need: str | None = None, infra: bool = False,
          model_ref: bool = False) -> Any:
    """A declared reward kwarg: a dataclass field with its default and validation metadata.

    `convert` runs after the type and range checks on a value that is not None, and returns the value stored; it
    raises `ValueError` or `TypeError` saying what is wrong. `model_ref` marks a model reference (a local folder or
    a hub id), which the pipeline checks before a run starts (`rl.preflight`).
    """
    info = KwargInfo(help=help, ge=ge, gt=gt, le=le, lt=lt, choices=choices, convert=convert, need=need,
                     infra=infra, model_ref=model_ref)
    return dataclasses.field(default=default, metadata={_META: info})


def fields(kwargs_cls: type) -> dict[str, tuple[dataclasses.Field, KwargInfo]]:
    """The declared kwargs of a `Kwargs` dataclass, by name."""
    return {f.name: (f, f.metadata[_META]) for f in dataclasses.fields(kwargs_cls)}


def needs_of(kwargs_cls: type) -> dict[str, str]:
    """`{kwarg name: run value name}` for the kwargs that stand for a run value."""
    return {name: info.need for name, (_, info) in fields(kwargs_cls).items() if info.need}


def model_ref_kwargs(kwargs_cls: type) -> set[str]:
    """Names of the kwargs that name a model (a local folder or a hub id)."""
    return {name for name, (_, info) in fields(kwargs_cls).items() if info.model_ref}


def infra_kwargs(kwargs_cls: type) -> set[str]:
    """Names of the kwargs that only say how to reach a service (left out of stage hashes)."""
    return {name for name, (_, info) in fields(kwargs_cls).items() if info.infra}


def describe(kwargs_cls: type) -> list[str]:
    """One line per kwarg: `name (type, default X): help`, for error messages and listings."""
    hints = typing.get_type_hints(kwargs_cls)
    lines = []
    for name, (f, info) in fields(kwargs_cls).items():
        kind = getattr(hints[name], "__name__", None) or str(hints[name]).replace("typing.", "")
        lines.append(f"{name} ({kind}, default {f.default!r}): {info.help}")
    return lines


def _type_name(tp: Any) -> str:
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string", list: "a list",
             dict: "a mapping", type(None): "null"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def _matches(value: Any, tp: Any) -> bool:
    """Whether `value` fits the annotation `tp` (bool is not an int; an int is a float; Any fits everything)."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return True
    if origin in (Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(tp))
    if origin is typing.Literal:
        return value in typing.get_args(tp)
    if origin is not None:
        tp = origin
    if tp is type(None):
        return value is None
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp in (list, tuple, typing.Sequence):
        return isinstance(value, (list, tuple))
    return isinstance(value, tp)


def _expected(tp: Any) -> str:
    if typing.get_origin(tp) in (Union, types.UnionType):
        return " or ".join(_expected(a) for a in typing.get_args(tp))
    return _type_name(typing.get_origin(tp) or tp)


def _check_value(name: str, value: Any, tp: Any, info: KwargInfo, reward: str) -> Any:
    if not _matches(value, tp):
        article = "a bool" if tp is bool else _expected(tp)
        raise RewardKwargError(reward, name, f"must be {article}, got {value!r}")
    if info.choices is not None and value not in info.choices:
        raise RewardKwargError(reward, name, f"must be one of {list(info.choices)}, got {value!r}"
                                             f"{did_you_mean(value, info.choices, 1)}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise RewardKwargError(reward, name, f"must be a finite number, got {value!r}")
        for bound, ok, words in ((info.ge, lambda b: value >= b, ">="), (info.gt, lambda b: value > b, ">"),
                                 (info.le, lambda b: value <= b, "<="), (info.lt, lambda b: value < b, "<")):
            if bound is not None and not ok(bound):
                raise RewardKwargError(reward, name, f"must be {words} {bound:g}, got {value!r}")
    if tp is float and isinstance(value, int):
        value = float(value)
    if info.convert is not None and value is not None:
        try:
            value = info.convert(value)
        except (ValueError, TypeError) as e:
            raise RewardKwargError(reward, name, f"is invalid: {e}") from None
    return value


def parse_kwargs(reward: str, kwargs_cls: type, given: Mapping[str, Any],
                 renamed: Mapping[str, str] | None = None) -> Any:
    """Validate `given` against the declared `kwargs_cls` and return an instance of it (defaults filled in)."""
    declared = fields(kwargs_cls)
    hints = typing.get_type_hints(kwargs_cls)
    for key in given:
        if key in declared:
            continue
        if renamed and key in renamed:
            raise RewardKwargError(reward, key, f"was renamed to {renamed[key]!r}; use {renamed[key]}: ...")
        raise RewardKwargError(reward, key, f"is an unexpected keyword argument{did_you_mean(key, declared, 1)} "
                                            f"(kwargs: {', '.join(declared) or 'none'})")
    values = {name: _check_value(name, given[name], hints[name], info, reward)
              for name, (_, info) in declared.items() if name in given}
    return kwargs_cls(**values)


@dataclasses.dataclass(frozen=True)
class NoKwargs:
    """The kwargs of a reward that takes none."""
