"""Run values a reward needs (sandbox servers, the trainer's completion length, the GRPO group size), bound once.

A reward declares a need on one of its kwargs: `kwarg(..., need="sandbox_urls")` (see `rewards.kwargs`). Whoever
runs the rewards (the `rl` pipeline config when it is loaded, an evaluation, a test) calls `bind(specs, values)`
once with the run values it knows; each reward spec that needs one and was not given it gets it as that kwarg.
Nothing reads a run value from the environment at call time, and no caller needs to know a reward's kwarg names.

`RUN_VALUES` lists every run value a reward may need, and says whether a value the user wrote in the reward's
kwargs may differ from the run's (a sandbox URL may; a completion length or group size must equal the trainer's).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from rewards import registry
from rewards.kwargs import needs_of

if TYPE_CHECKING:
    from rewards.config import RewardSpec


@dataclass(frozen=True)
class RunValue:
    help: str
    source: str            # where the run value comes from, as the user would look it up
    user_may_differ: bool  # a value given in the reward's kwargs wins (True) or must equal the run's (False)


RUN_VALUES: dict[str, RunValue] = {
    "sandbox_urls": RunValue("sandbox servers that execute code", "sandbox (reward kwarg, then sandbox.urls, then "
                             "$SANDBOX_URL, then an embedded server)", True),
    "max_completion_length": RunValue("the trainer's completion length cap, in tokens",
                                      "grpo.max_completion_length", False),
    "num_generations": RunValue("completions per prompt; a prompt's completions are consecutive rows of a batch",
                                "grpo.num_generations", False),
}


class NeedError(ValueError):
    """A reward's kwarg contradicts the run value it stands for."""


def declared(name: str) -> dict[str, str]:
    """`{kwarg: run value}` the reward registered as `name` needs."""
    return needs_of(registry.get(name).Kwargs)


def unbound(spec: RewardSpec) -> set[str]:
    """The run values `spec` needs that are neither given in its kwargs nor bound yet."""
    return {need for key, need in declared(spec.name).items() if key not in spec.kwargs}


def bind(specs: list[RewardSpec], values: Mapping[str, Any]) -> list[RewardSpec]:
    """`specs` with every needed run value in `values` (None: not known yet) bound into the reward's kwargs.

    A kwarg the user gave is kept when the run value allows it (`user_may_differ`), else it must equal the run's
    value (`NeedError` naming the kwarg, both values and where the run's comes from). Bound kwargs are recorded in
    `RewardSpec.bound`, so stage hashes and start-up logs can tell them from the user's.
    """
    unknown = set(values) - set(RUN_VALUES)
    if unknown:
        raise KeyError(f"unknown run value(s) {sorted(unknown)}; known: {', '.join(RUN_VALUES)}")
    out = []
    for spec in specs:
        for key, need in declared(spec.name).items():
            value = values.get(need)
            if value is None:
                continue
            if key not in spec.kwargs:
                spec = dataclasses.replace(spec, kwargs={**spec.kwargs, key: value}, bound=(*spec.bound, key))
            elif not RUN_VALUES[need].user_may_differ and spec.kwargs[key] != value:
                raise NeedError(f"{key} {spec.kwargs[key]!r} differs from the trainer's {RUN_VALUES[need].source} "
                                f"{value!r}; leave it out to use the trainer's")
        out.append(spec)
    return out
