"""Run values bound once at config load (rewards.needs), declared reward kwargs, and GRPO args on the stage spec."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from rewards.base import Reward
from rewards.kwargs import RewardKwargError, describe, kwarg
from rewards.registry import register
from rl.config import ConfigError, load_pipeline_config
from rl.pipeline import needs_sandbox, sandbox_sources

SAMPLES = Path(__file__).resolve().parents[2] / "rl" / "samples"
RM = {"name": "reward_model", "weight": 0.5, "kwargs": {"model": "some/reward-model", "normalize": "group_zscore"}}


@dataclass(frozen=True)
class ExecKwargs:
    servers: list[str] | None = kwarg(None, "where programs run", need="sandbox_urls", infra=True)


@register("rlconfig_exec_probe")
class ExecProbe(Reward):
    """Test-only reward: needs a sandbox under a kwarg name no project code knows."""

    Kwargs = ExecKwargs

    def __call__(self, completions, **kwargs):
        return [0.0] * len(completions)


def config(stage_rewards: list, **grpo) -> dict:
    return {
        "model": "Qwen/QwQ-32B", "output_dir": "runs/test", "report_to": "none",
        "grpo_defaults": {"num_generations": 4, "per_device_train_batch_size": 4, "max_completion_length": 64,
                          **grpo},
        "stages": [{"name": "s", "datasets": [{"source": str(SAMPLES / "general.jsonl")}], "rewards": stage_rewards}],
    }


def load(tmp_path: Path, data: dict, overrides: list[str] = ()):
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_pipeline_config(path, overrides)


def error(tmp_path: Path, data: dict) -> str:
    with pytest.raises(ConfigError) as e:
        load(tmp_path, data)
    return str(e.value)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv("SANDBOX_URL", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)


def test_sandbox_precedence_kwarg_then_config_then_env_then_embedded(tmp_path, monkeypatch):
    probe = {"name": "rlconfig_exec_probe"}
    cfg = load(tmp_path, config([probe]))
    assert cfg.sandbox.urls == [] and cfg.stages[0].rewards[0].kwargs == {}
    assert needs_sandbox(cfg.stages[0])  # nothing given: the pipeline starts an embedded server
    assert "from embedded server" in sandbox_sources(cfg, cfg.stages[0])[0]

    monkeypatch.setenv("SANDBOX_URL", "http://env-a:1,http://env-b:2/")  # read once, here, as user input
    cfg = load(tmp_path, config([probe]))
    assert cfg.sandbox.source == "$SANDBOX_URL" and cfg.stages[0].rewards[0].kwargs == {
        "servers": ["http://env-a:1", "http://env-b:2"]}
    assert not needs_sandbox(cfg.stages[0])
    assert "(from $SANDBOX_URL)" in sandbox_sources(cfg, cfg.stages[0])[0]

    data = {**config([probe]), "sandbox": {"urls": ["http://cfg:3"]}}
    cfg = load(tmp_path, data)
    assert cfg.sandbox.source == "sandbox.urls" and cfg.stages[0].rewards[0].kwargs == {"servers": ["http://cfg:3"]}

    data = {**config([{**probe, "kwargs": {"servers": ["http://own:4"]}}]), "sandbox": {"urls": ["http://cfg:3"]}}
    cfg = load(tmp_path, data)
    assert cfg.stages[0].rewards[0].kwargs == {"servers": ["http://own:4"]} and cfg.stages[0].rewards[0].bound == ()
    assert "(from reward kwarg)" in sandbox_sources(cfg, cfg.stages[0])[0]

    monkeypatch.setenv("SANDBOX_URL", "localhost:8080")
    assert "$SANDBOX_URL: sandbox url 'localhost:8080' must start with http" in error(tmp_path, config([probe]))


def test_code_reward_gets_the_run_sandbox_bound(tmp_path):
    data = {**config([{"name": "code_tests"}]), "sandbox": {"urls": ["http://cfg:3"]}}
    [spec] = load(tmp_path, data).stages[0].rewards
    assert spec.kwargs == {"urls": ["http://cfg:3"]} and spec.bound == ("urls",)


def test_reward_model_gets_num_generations_and_rejects_a_different_one(tmp_path):
    [spec] = load(tmp_path, config([RM])).stages[0].rewards
    assert spec.kwargs["num_generations"] == 4 and spec.bound == ("num_generations",)
    data = config([{**RM, "kwargs": {**RM["kwargs"], "num_generations": 8}}])
    assert "num_generations 8 differs from the trainer's grpo.num_generations 4" in error(tmp_path, data)


def test_batch_shapes_that_split_a_group_across_processes_are_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "3")
    # 4 rows per process with groups of 3: TRL's own advantages are fine (it gathers rewards first) ...
    load(tmp_path, config([{"name": "think_format"}], num_generations=3))
    # ... but a reward normalising per group would see parts of groups.
    msg = error(tmp_path, config([RM], num_generations=3))
    assert "each of the 3 processes gets 4 rows of the generation batch (12)" in msg
    assert "a group would be split across processes, and reward_model (stages[0].rewards[0])" in msg
    load(tmp_path, config([RM], num_generations=3, per_device_train_batch_size=3))


def test_group_normalising_reward_needs_eval_groups_of_the_same_size(tmp_path):
    data = config([RM], num_generations_eval=2)
    data["stages"][0]["eval_fraction"] = 0.2
    assert "reward_model (stages[0].rewards[0]) normalises per group of num_generations 4, but evaluation " \
           "generates 2 per prompt" in error(tmp_path, data)


def test_renamed_and_unknown_kwargs_name_the_new_one(tmp_path):
    data = config([{"name": "code_tests", "kwargs": {"sandbox_url": "http://h:1"}}])
    assert "stages[0].rewards: rewards[0] (code_tests): bad kwargs: sandbox_url was renamed to 'urls'" in error(
        tmp_path, data)
    data = config([{"name": "math_accuracy", "kwargs": {"timeout_s": 2.0}}])
    assert "timeout_s was renamed to 'verify_timeout_s'" in error(tmp_path, data)
    data = config([{"name": "reward_model", "kwargs": {"url": "http://h:1", "max_retries": 2}}])
    assert "max_retries was renamed to 'retries'" in error(tmp_path, data)
    data = config([{"name": "code_tests", "kwargs": {"http_timeout": 2.0}}])
    assert "http_timeout is an unexpected keyword argument; did you mean 'http_timeout_s'?" in error(tmp_path, data)


def test_kwarg_errors_are_one_class_with_type_and_range():
    from rewards.registry import create

    for kwargs, text in (({"verify_timeout_s": 0}, "'verify_timeout_s' must be > 0, got 0"),
                         ({"verify_timeout_s": "2"}, "'verify_timeout_s' must be a number, got '2'"),
                         ({"require_thinking": 1}, "'require_thinking' must be a bool, got 1"),
                         ({"max_failure_fraction": float("inf")}, "must be a finite number")):
        with pytest.raises(RewardKwargError, match=text) as e:
            create("math_accuracy", **kwargs)
        assert isinstance(e.value, ValueError) and isinstance(e.value, TypeError)
    assert any(line.startswith("verify_timeout_s (float, default 2.0): ")
               for line in describe(create("math_accuracy").Kwargs))


def test_grpo_args_are_computed_once_on_the_stage_spec(tmp_path):
    data = config([{"name": "think_format", "weight": 0.25}, {"name": "rule_checks"}], save_steps=7)
    data["stages"][0]["eval_fraction"] = 0.2
    stage = load(tmp_path, data).stages[0]
    args = stage.grpo_args
    assert args["output_dir"] == str(Path("runs/test") / "s") and args["run_name"] == "s"
    assert args["reward_weights"] == [0.25, 1.0] and args["max_completion_length"] == 64
    assert (args["eval_strategy"], args["eval_steps"]) == ("steps", 7) and stage.evaluates
    assert args["temperature"] == 0.6 and "model_init_kwargs" not in args
