"""The `dynamic_sampling` block of a stage: YAML -> `rl.spec.DynamicSamplingOptions`, validated with the stage.

```yaml
dynamic_sampling: {enabled: true, metric: [math_accuracy, code_tests], max_rounds: 4}
```

`enabled` defaults to true once the block is given (`false` keeps the block but turns it off, e.g. with `--set`).
`metric` defaults to the stage's accuracy rewards (`Reward.accuracy`: verifiers such as `math_accuracy`,
`code_tests`, `rule_checks`). A named metric must be one of the stage's rewards and an accuracy reward: shaping
rewards (format, length, repetition) and learned reward models vary whether or not an answer is right, so filtering
on them keeps groups that teach nothing about correctness.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from rewards.config import RewardSpec
from rewards.hints import did_you_mean
from rewards.registry import get as get_reward
from rl.config_checks import ConfigError, check_keys, integer, mapping
from rl.spec import DynamicSamplingOptions

KEYS = tuple(f.name for f in dataclasses.fields(DynamicSamplingOptions))


def accuracy_rewards(rewards: Sequence[RewardSpec]) -> list[str]:
    """Names of the accuracy rewards among `rewards`, in order, each once."""
    names = [r.name for r in rewards if get_reward(r.name).accuracy]
    return list(dict.fromkeys(names))


def parse_dynamic_sampling(data: Any, rewards: Sequence[RewardSpec], where: str) -> DynamicSamplingOptions | None:
    """Validate a stage's `dynamic_sampling` value against its `rewards`; None when absent. Raises `ConfigError`
    naming the key (`where` is the block's path, e.g. `stages[0].dynamic_sampling`)."""
    if data is None:
        return None
    data = mapping(data, where, none_ok=False)
    check_keys(data, KEYS, where)
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}.enabled: expected true/false, got {enabled!r}")
    max_rounds = integer(data.get("max_rounds", DynamicSamplingOptions.max_rounds), f"{where}.max_rounds", 1)
    stage_names = list(dict.fromkeys(r.name for r in rewards))
    accurate = accuracy_rewards(rewards)
    metric = data.get("metric")
    if metric is None:
        if enabled and not accurate:
            raise ConfigError(f"{where}.metric: the stage has no accuracy reward (its rewards: "
                              f"{', '.join(stage_names)}), so there is nothing to filter groups on")
        metric = accurate
    else:
        metric = [metric] if isinstance(metric, str) else metric
        if not isinstance(metric, list) or not metric or not all(isinstance(m, str) for m in metric):
            raise ConfigError(f"{where}.metric: expected a reward name or a non-empty list of them, got {metric!r}")
        for i, name in enumerate(metric):
            if name not in stage_names:
                raise ConfigError(f"{where}.metric[{i}]: {name!r} is not a reward of this stage"
                                  f"{did_you_mean(name, stage_names)} (its rewards: {', '.join(stage_names)})")
            if name not in accurate:
                raise ConfigError(f"{where}.metric[{i}]: {name!r} is not an accuracy reward; filtering on it would keep "
                                  f"groups whose variance comes from shaping, not correctness (accuracy rewards of "
                                  f"this stage: {', '.join(accurate) or 'none'})")
        metric = list(dict.fromkeys(metric))
    return DynamicSamplingOptions(enabled=enabled, metric=metric, max_rounds=max_rounds)
