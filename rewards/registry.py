"""Rewards registered by name, so reward configs can swap them without code changes."""

from __future__ import annotations

import importlib
from typing import Any, Callable, TypeVar

from rewards.base import Reward, did_you_mean

R = TypeVar("R", bound=type[Reward])

_REGISTRY: dict[str, type[Reward]] = {}

# Modules whose import registers the built-in rewards. Heavy libraries (torch, transformers) are imported
# lazily inside those modules, so listing the registry stays cheap.
BUILTIN_MODULES = (
    "rewards.math_reward",
    "rewards.code_reward",
    "rewards.shaping",
    "rewards.rules_reward",
    "rewards.model.reward",
    "rewards.constant",
    "rewards.tool_use",
)
_loaded = False


class UnknownRewardError(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0])


def register(name: str) -> Callable[[R], R]:
    """Class decorator: register a `Reward` subclass under `name` (also sets `cls.name`)."""

    def wrap(cls: R) -> R:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"reward {name!r} is registered twice ({_REGISTRY[name].__qualname__}, {cls.__qualname__})")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return wrap


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        for module in BUILTIN_MODULES:
            importlib.import_module(module)
        _loaded = True


def available() -> list[str]:
    """Sorted names of every registered reward."""
    _load_builtins()
    return sorted(_REGISTRY)


def get(name: str) -> type[Reward]:
    """The reward class registered under `name`; unknown names raise with close-match suggestions."""
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownRewardError(f"unknown reward {name!r}{did_you_mean(name, _REGISTRY)} "
                                 f"(available: {', '.join(sorted(_REGISTRY))})") from None


def create(name: str, **kwargs: Any) -> Reward:
    """Instantiate the reward registered under `name` with `kwargs` (cheap; validates the kwargs)."""
    return get(name)(**kwargs)
