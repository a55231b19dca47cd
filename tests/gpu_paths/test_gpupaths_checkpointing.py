"""transformers 5.24 renamed `gradient_checkpointing` to `activation_checkpointing`: the pipeline passes the new name,
and the old `model_options.gradient_checkpointing` key keeps working with a FutureWarning."""

from __future__ import annotations

import warnings

import pytest
from trl import GRPOConfig

from rl.config import ConfigError, load_pipeline_config, parse_model_options

QWQ = "configs/pipeline/qwq_32b.yaml"


def test_old_key_is_mapped_with_a_deprecation_warning():
    with pytest.warns(FutureWarning, match="use model_options.activation_checkpointing"):
        options = parse_model_options({"gradient_checkpointing": True})
    assert options.activation_checkpointing and options.gradient_checkpointing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_model_options({"activation_checkpointing": True}).activation_checkpointing
        assert not parse_model_options({}).activation_checkpointing


@pytest.mark.parametrize("data, message", [
    ({"gradient_checkpointing": True, "activation_checkpointing": False}, "keep activation_checkpointing only"),
    ({"gradient_checkpointing": "yes"}, "model_options.gradient_checkpointing: expected true/false"),
    ({"activation_checkpointing": 1}, "model_options.activation_checkpointing: expected true/false"),
])
def test_bad_checkpointing_options_are_config_errors(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_model_options(data)


@pytest.mark.parametrize("key", ["gradient_checkpointing", "activation_checkpointing"])
def test_checkpointing_in_grpo_keys_points_to_model_options(key):
    with pytest.raises(ConfigError, match=f"grpo_defaults.{key}: set by the pipeline .*model_options.activation"):
        load_pipeline_config(QWQ, [f"grpo_defaults.{key}=false"])


@pytest.mark.parametrize("overrides, on", [((), True), (("model_options.activation_checkpointing=false",), False)])
def test_grpo_config_gets_the_new_name_without_warnings(overrides, on):
    stage = load_pipeline_config(QWQ, list(overrides)).stages[0]
    assert "gradient_checkpointing" not in stage.grpo_args and stage.grpo_args["activation_checkpointing"] is on
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        args = GRPOConfig(**stage.grpo_args)
    assert not [w for w in caught if "checkpointing" in str(w.message)]
    # TRL defaults gradient_checkpointing to True; the pipeline's value wins on both names.
    assert args.activation_checkpointing is on and args.gradient_checkpointing is on
