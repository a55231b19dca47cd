"""The stage's `dynamic_sampling` block: defaults, validation, the stage hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewards.config import RewardSpec
from rl.config_checks import ConfigError
from rl.dynamic_sampling.config import parse_dynamic_sampling

STAGE = [RewardSpec("math_accuracy"), RewardSpec("code_tests"), RewardSpec("think_format"),
         RewardSpec("overlong_penalty")]
W = "stages[0].dynamic_sampling"


def test_metric_defaults_to_the_accuracy_rewards_never_shaping():
    o = parse_dynamic_sampling({"enabled": True}, STAGE, W)
    assert o.metric == ["math_accuracy", "code_tests"] and o.max_rounds == 4 and o.enabled
    assert parse_dynamic_sampling(None, STAGE, W) is None
    assert parse_dynamic_sampling({"max_rounds": 2}, STAGE, W).enabled  # giving the block turns it on


@pytest.mark.parametrize("block, message", [
    ({"max_round": 3}, "did you mean 'max_rounds'"),
    ({"metric": ["math_acuracy"]}, "did you mean 'math_accuracy'"),
    ({"metric": "think_format"}, "not an accuracy reward"),
    ({"metric": ["rule_checks"]}, "not a reward of this stage"),
    ({"max_rounds": 0}, "max_rounds"),
    ({"enabled": "yes"}, "expected true/false"),
    ({"metric": []}, "non-empty"),
])
def test_bad_blocks_name_the_key(block, message):
    with pytest.raises(ConfigError, match=message) as e:
        parse_dynamic_sampling(block, STAGE, W)
    assert str(e.value).startswith(W)


def test_a_stage_without_accuracy_rewards_needs_an_explicit_metric():
    with pytest.raises(ConfigError, match="no accuracy reward"):
        parse_dynamic_sampling({}, [RewardSpec("think_format")], W)
    assert parse_dynamic_sampling({"enabled": False}, [RewardSpec("think_format")], W).metric == []


def test_pipeline_config_carries_the_block_and_its_hash(tiny_model, tmp_path):
    from rl.config import parse_pipeline_config
    from rl.fingerprint import stage_hash
    from rl.trainer import PipelineGRPOTrainer
    from rl.dynamic_sampling.trainer import with_dynamic_sampling

    samples = Path(__file__).resolve().parents[2] / "rl" / "samples" / "math.jsonl"
    data = {"model": str(tiny_model), "output_dir": str(tmp_path), "stages": [{
        "name": "s", "datasets": [str(samples)], "rewards": [{"name": "math_accuracy"}, {"name": "think_format"}],
        "grpo": {"num_generations": 2, "per_device_train_batch_size": 4}}]}
    plain = parse_pipeline_config(data)
    data["stages"][0]["dynamic_sampling"] = {"max_rounds": 3}
    spec = parse_pipeline_config(data)
    ds = spec.stages[0].dynamic_sampling
    assert ds.metric == ["math_accuracy"] and ds.max_rounds == 3
    assert stage_hash(spec, spec.stages[0], "x") != stage_hash(plain, plain.stages[0], "x")
    assert with_dynamic_sampling(PipelineGRPOTrainer, None) is PipelineGRPOTrainer
    assert with_dynamic_sampling(PipelineGRPOTrainer, ds).dynamic_sampling is ds
    data["stages"][0]["dynamic_sampling"] = {"metric": ["think_format"]}
    with pytest.raises(ConfigError, match=r"stages\[0\]\.dynamic_sampling\.metric\[0\]"):
        parse_pipeline_config(data)
