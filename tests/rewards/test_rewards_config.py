"""Reward registry and reward-config validation (rewards.registry, rewards.config) with the shipped configs."""

from __future__ import annotations

import pytest

from rewards import registry
from rewards.base import Reward
from rewards.config import (
    RewardConfigError,
    RewardSpec,
    build_rewards,
    load_reward_config,
    required_columns,
)
from rewards.config_paths import CHECKOUT_CONFIGS
from sandbox.client import SANDBOX_URL_ENV


@pytest.fixture
def isolated_registry(monkeypatch):
    registry.available()  # load built-ins first, then register test classes into a throwaway copy
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def test_builtins_are_registered():
    names = registry.available()
    for name in ("code_tests", "think_format", "overlong_penalty", "repetition_penalty", "math_accuracy"):
        assert name in names
    assert registry.get("code_tests").columns == ("tests",) and registry.get("code_tests").tasks == ("code",)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(registry.UnknownRewardError, match="did you mean 'code_tests'"):
        registry.get("code_test")
    with pytest.raises(RewardConfigError, match=r"rewards\[1\]: unknown reward 'thinkformat'.*'think_format'"):
        load_reward_config([{"name": "math_accuracy"}, {"name": "thinkformat"}])


def test_registering_a_second_class_under_a_taken_name_fails(isolated_registry):
    @registry.register("test_only_reward")
    class First(Reward):
        pass

    assert registry.create("test_only_reward").__name__ == "test_only_reward"
    with pytest.raises(ValueError, match="registered twice"):
        @registry.register("test_only_reward")
        class Second(Reward):
            pass


@pytest.mark.parametrize("name", ["math_code", "math_only", "code_only"])
def test_shipped_configs_validate_without_a_sandbox(name, monkeypatch):
    monkeypatch.delenv(SANDBOX_URL_ENV, raising=False)  # the URL is read at the first call, not at validation
    specs = load_reward_config(name)
    assert specs == load_reward_config(CHECKOUT_CONFIGS / "rewards" / f"{name}.yaml")
    funcs, weights = build_rewards(specs)
    assert [f.__name__ for f in funcs] == [s.name for s in specs]
    assert len(weights) == len(funcs) and all(w > 0 for w in weights)
    assert {"think_format", "overlong_penalty"} <= {s.name for s in specs}


def test_stage1_config_contents():
    specs = {s.name: s for s in load_reward_config("math_code")}
    assert set(specs) == {"math_accuracy", "code_tests", "think_format", "overlong_penalty"}
    assert specs["think_format"].weight < specs["math_accuracy"].weight == specs["code_tests"].weight
    assert required_columns(list(specs.values()))["code_tests"] == ("tests",)


@pytest.mark.parametrize("entry,match", [
    ({"name": "code_tests", "kwargs": {"scoring": "partial"}}, r"\(code_tests\): bad kwargs: scoring must be one of"),
    ({"name": "code_tests", "kwargs": {"urls": "localhost:8080"}}, "must start with http"),
    ({"name": "code_tests", "kwargs": {"max_failure_fraction": 2}}, "max_failure_fraction"),
    ({"name": "overlong_penalty", "kwargs": {"max_completion_length": 64, "cache": 8}}, "unexpected keyword"),
    ({"name": "overlong_penalty", "kwargs": {"max_completion_length": 64, "cache_length": 64}}, "cache_length"),
    ({"name": "repetition_penalty", "kwargs": {"max_penalty": 1}}, "max_penalty"),
    ({"name": "think_format", "kwargs": {"tasks": ["cod"]}}, "did you mean 'code'"),
    ({"name": "think_format", "kwargs": [1]}, "'kwargs' must be a mapping"),
    ({"name": "think_format", "weight": "heavy"}, "'weight' must be a finite number"),
    ({"name": "think_format", "weight": float("nan")}, "'weight' must be a finite number"),
    ({"name": "think_format", "weight": True}, "'weight' must be a finite number"),
    ({"name": "think_format", "wieght": 1.0}, "unknown key"),
    ({"weight": 1.0}, "'name' must be a non-empty string"),
    ("think_format", "expected a mapping"),
])
def test_bad_entries_are_reported_with_their_position(entry, match):
    with pytest.raises(RewardConfigError, match=match) as info:
        load_reward_config({"rewards": [{"name": "repetition_penalty"}, entry]})
    assert "rewards[1]" in str(info.value)


def test_duplicate_names_are_rejected():
    with pytest.raises(RewardConfigError, match="listed twice"):
        load_reward_config([{"name": "think_format"}, {"name": "think_format", "weight": 0.5}])


@pytest.mark.parametrize("data,match", [([], "non-empty list"), ({"rewards": None}, "non-empty list"),
                                        ({"rewards": [{"name": "think_format"}], "extra": 1}, "unknown key")])
def test_bad_top_level_shapes(data, match):
    with pytest.raises(RewardConfigError, match=match):
        load_reward_config(data)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(RewardConfigError, match="'no_such_config' not found"):
        load_reward_config("no_such_config")
    with pytest.raises(RewardConfigError, match="did you mean 'math_only'"):
        load_reward_config("math_onyl")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rewards:\n  - name: think_format\n   weight: [1\n")
    with pytest.raises(RewardConfigError, match="invalid YAML"):
        load_reward_config(bad)
    good = tmp_path / "good.yaml"
    good.write_text("rewards:\n  - name: think_format\n    weight: 0.2\n    kwargs: {tasks: [math]}\n")
    assert load_reward_config(good) == [RewardSpec("think_format", 0.2, {"tasks": ["math"]})]
