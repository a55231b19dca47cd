"""Value checks for the pipeline config: each failure is a `ConfigError` naming the key path."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import yaml

from rewards.base import did_you_mean
from rl.overrides import OverrideError, apply_overrides


class ConfigError(ValueError):
    """The pipeline config is invalid; the message names the key path."""


def check_keys(data: dict, allowed: Sequence[str], where: str) -> None:
    """Raise on the first key of `data` not in `allowed`, suggesting close matches."""
    for key in data:
        if key not in allowed:
            hint = did_you_mean(key, allowed, 1) or f" (allowed: {', '.join(allowed)})"
            raise ConfigError(f"{where}.{key}: unknown key{hint}".lstrip("."))


def mapping(value: Any, where: str, none_ok: bool = True) -> dict:
    if value is None and none_ok:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__} ({value!r})")
    return value


def integer(value: Any, where: str, minimum: int = 0, none_ok: bool = False) -> int | None:
    if value is None and none_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where}: expected an integer >= {minimum}, got {value!r}")
    return value


def number(value: Any, where: str, lo: float, hi: float, hi_open: bool = False) -> float:
    if isinstance(value, str):
        hint = " (YAML reads 1e-6 as a string; write 1.0e-6)" if "e" in value.lower() else ""
        raise ConfigError(f"{where}: expected a number, got the string {value!r}{hint}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if value < lo or value > hi or (hi_open and value == hi):
        raise ConfigError(f"{where}: {value} is outside [{lo}, {hi}{')' if hi_open else ']'}")
    return float(value)


def string(value: Any, where: str, none_ok: bool = False) -> str | None:
    if value is None and none_ok:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def choice(value: Any, allowed: Sequence[str], where: str) -> str:
    if value not in allowed:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(allowed)}{did_you_mean(value, allowed, 1)}")
    return value


def read_config_file(path: Path, overrides: Sequence[str] = ()) -> dict:
    """A YAML config file as a mapping, with `--set key.path=value` overrides applied; `ConfigError` names the file
    (invalid YAML, not a mapping) or the override."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: invalid YAML: {e}") from None
    data = mapping(data, str(path), none_ok=False)
    try:
        apply_overrides(data, overrides)
    except OverrideError as e:
        raise ConfigError(str(e)) from None
    return data
