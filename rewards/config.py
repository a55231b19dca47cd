"""Reward configs: YAML `{rewards: [{name, weight, kwargs}]}` loaded, validated and built in one place."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rewards import registry
from rewards.base import Reward
from rewards.config_paths import config_dirs, find_config, shipped
from rewards.hints import did_you_mean
from rewards.kwargs import RewardKwargError


class RewardConfigError(ValueError):
    """A reward config is malformed; the message names the entry and the key."""


@dataclass(frozen=True)
class RewardSpec:
    """One reward of a config: its registered name, weight and kwargs. `bound` names the kwargs filled in from run
    values (`rewards.needs.bind`), as opposed to written by the user."""

    name: str
    weight: float = 1.0
    kwargs: dict[str, Any] = field(default_factory=dict)
    bound: tuple[str, ...] = ()


def resolve_config_path(ref: str | Path) -> Path:
    """A path as given, else the shipped reward config of that name (`math_code` or `math_code.yaml`; see
    `rewards.config_paths`)."""
    found = find_config("rewards", ref)
    if found is not None:
        return found
    names = shipped("rewards")
    where = ", ".join(str(d) for d in config_dirs("rewards")) or "no configs/rewards folder"
    raise RewardConfigError(f"reward config {str(ref)!r} not found{did_you_mean(Path(ref).stem, names)} (looked in "
                            f". and {where}, which have: {', '.join(names)})")


def parse_reward_specs(data: Any, where: str = "rewards") -> list[RewardSpec]:
    """Parse `{rewards: [...]}` or a bare list of `{name, weight, kwargs}` mappings, checking shapes and types."""
    if isinstance(data, dict):
        unknown = set(data) - {"rewards"}
        if unknown:
            raise RewardConfigError(f"{where}: unknown key(s) {sorted(unknown)}; a reward config holds only 'rewards'")
        data = data.get("rewards")
    if not isinstance(data, list) or not data:
        raise RewardConfigError(f"{where}: expected a non-empty list of rewards, got {type(data).__name__}")
    specs = []
    for i, entry in enumerate(data):
        at = f"{where}[{i}]"
        if not isinstance(entry, dict):
            raise RewardConfigError(f"{at}: expected a mapping with 'name', got {entry!r}")
        unknown = set(entry) - {"name", "weight", "kwargs"}
        if unknown:
            raise RewardConfigError(f"{at}: unknown key(s) {sorted(unknown)}; allowed: name, weight, kwargs")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise RewardConfigError(f"{at}: 'name' must be a non-empty string")
        weight = entry.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
            raise RewardConfigError(f"{at} ({name}): 'weight' must be a finite number, got {weight!r}")
        kwargs = entry.get("kwargs") or {}
        if not isinstance(kwargs, dict):
            raise RewardConfigError(f"{at} ({name}): 'kwargs' must be a mapping, got {kwargs!r}")
        specs.append(RewardSpec(name=name, weight=float(weight), kwargs=dict(kwargs)))
    return specs


def load_reward_config(source: str | Path | list | dict) -> list[RewardSpec]:
    """Load and fully validate a reward config (file path, name under configs/rewards/, or inline data).

    Validation instantiates every reward (constructors are cheap), so unknown names, bad kwargs and bad weights
    all fail here, before any model loads.
    """
    where = "rewards"
    if isinstance(source, (str, Path)):
        path = resolve_config_path(source)
        where = str(path)
        try:
            source = yaml.safe_load(path.read_text())
        except yaml.YAMLError as e:
            raise RewardConfigError(f"{where}: invalid YAML: {e}") from None
    specs = parse_reward_specs(source, where)
    build_rewards(specs, where)
    return specs


def build_rewards(specs: list[RewardSpec], where: str = "rewards") -> tuple[list[Reward], list[float]]:
    """Instantiate rewards; returns (reward functions, weights) for GRPOTrainer/GRPOConfig."""
    funcs: list[Reward] = []
    for i, spec in enumerate(specs):
        try:
            funcs.append(registry.create(spec.name, **spec.kwargs))
        except registry.UnknownRewardError as e:
            raise RewardConfigError(f"{where}[{i}]: {e}") from None
        except RewardKwargError as e:
            raise RewardConfigError(f"{where}[{i}] ({spec.name}): bad kwargs: {e.key} {e.problem}") from None
        except (TypeError, ValueError) as e:
            raise RewardConfigError(f"{where}[{i}] ({spec.name}): bad kwargs: {e}") from None
    names = [f.__name__ for f in funcs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise RewardConfigError(f"{where}: reward(s) {dupes} listed twice; their metrics would collide")
    return funcs, [s.weight for s in specs]


def required_columns(specs: list[RewardSpec]) -> dict[str, tuple[str, ...]]:
    """Dataset columns each reward reads, by reward name."""
    return {s.name: registry.get(s.name).columns for s in specs}
