"""configs/rewards/general.yaml: loads through the registry without touching the hub; inline model override."""

from __future__ import annotations

import asyncio

import yaml

from rewards import registry
from rewards.config import build_rewards, load_reward_config, resolve_config_path
from rewards.model.reward import RewardModelReward


def test_general_config_loads_without_loading_the_reward_model():
    specs = load_reward_config("general")
    assert [s.name for s in specs] == ["rule_checks", "reward_model", "think_format", "math_accuracy", "code_tests"]
    funcs, weights = build_rewards(specs)
    rm = funcs[1]
    assert isinstance(rm, RewardModelReward) and registry.get("reward_model") is RewardModelReward
    assert rm.scorer is not None and not rm.scorer.loaded  # no hub access at config time
    assert rm.gate_on_rules and rm.normalize == "group_zscore" and weights[1] == 0.5


def test_inline_override_with_a_local_model_scores_general_rows(tiny_rm):
    data = yaml.safe_load(resolve_config_path("general").read_text())
    rm_entry = next(e for e in data["rewards"] if e["name"] == "reward_model")
    rm_entry["kwargs"].update(model=str(tiny_rm), dtype="float32", device="cpu")
    funcs, _ = build_rewards(load_reward_config(data))
    rm = funcs[[f.__name__ for f in funcs].index("reward_model")]
    prompt = [{"role": "user", "content": "Write a title in lowercase."}]
    out = asyncio.run(rm(prompts=[prompt] * 3 + [[{"role": "user", "content": "1+1?"}]],
                         completions=["ok</think>a title", "ok</think>another title", "ok</think>x", "</think>2"],
                         task=["general"] * 3 + ["math"], constraints=[None] * 4))
    assert all(isinstance(v, float) for v in out[:3]) and out[3] is None
    assert abs(sum(out[:3])) < 1e-6  # group z-scored
