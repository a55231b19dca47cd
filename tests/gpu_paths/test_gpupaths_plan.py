"""`rl plan`: shapes agree with transformers' own models, the estimates reproduce the figures worked out by hand
(issue 14's 32B numbers, 14B bf16 weights, ZeRO state formulas), and the CLI warns and exits 3 when a stage can't fit.
Also `rl train --check` for the world sizes the shipped 32B recipe is launched with."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, Qwen2Config, Qwen3Config

from rl.cli import main as rl_main
from rl.plan.cli import hardware_from_accelerate
from rl.plan.memory import Hardware, StageLoad, activation_gb, plain_logits_gb, plan_stage, trainable_params
from rl.plan.shapes import KNOWN, UnknownModel, shape_from_config, shape_of
from rl.spec import LoraOptions

ROOT = Path(__file__).resolve().parents[2]
QWQ = "configs/pipeline/qwq_32b.yaml"


def _hf_config(key: str):
    s = KNOWN[key]
    common = dict(hidden_size=s.hidden, num_hidden_layers=s.layers, intermediate_size=s.intermediate,
                  num_attention_heads=s.heads, num_key_value_heads=s.kv_heads, vocab_size=s.vocab,
                  tie_word_embeddings=s.tied)
    return Qwen3Config(head_dim=s.head_dim, **common) if key.startswith("qwen3") else Qwen2Config(**common)


@pytest.mark.parametrize("key", ["qwen2.5-0.5b", "qwen2.5-14b", "qwq-32b", "qwen3-0.6b"])
def test_parameter_count_matches_transformers(key):
    config = _hf_config(key)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    assert KNOWN[key].params == sum(p.numel() for p in model.parameters())
    # The same shape read back from the config.json transformers writes.
    assert shape_from_config(config.to_dict()).params == KNOWN[key].params


def test_shapes_from_local_folder_and_hub_ids(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(_hf_config("qwen2.5-0.5b").to_dict()))
    assert shape_of(str(tmp_path)).params == KNOWN["qwen2.5-0.5b"].params
    assert shape_of("Qwen/Qwen2.5-7B-Instruct").hidden == 3584
    assert shape_of("Skywork/Skywork-Reward-V2-Qwen3-0.6B").layers == 28
    with pytest.raises(UnknownModel, match="not a known architecture"):
        shape_of("someone/unknown-model")


def test_lora_trainable_count_matches_peft():
    from peft import LoraConfig, get_peft_model

    with torch.device("meta"):
        model = get_peft_model(AutoModelForCausalLM.from_config(_hf_config("qwen2.5-0.5b")),
                               LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable_params(KNOWN["qwen2.5-0.5b"], LoraOptions(r=16)) == trainable


def _load(**kw) -> StageLoad:
    return StageLoad(**{"name": "s", "batch": 4, "prompt_tokens": 2048, "completion_tokens": 16384,
                        "checkpointing": True, "generation": "vllm-server", **kw})


def test_issue_numbers_for_32b_batch_4():
    """32B, batch 4, 2k + 16k tokens: ~48 GB of checkpointed activations and ~20 GB of plain logits per GPU."""
    shape = KNOWN["qwq-32b"]
    kept, working = activation_gb(shape, _load())
    assert 47 < kept < 50 and 0 < working < kept
    logits, upcast = plain_logits_gb(shape, _load())
    assert 19 < logits < 21 and upcast == pytest.approx(logits / 2)  # one sequence of four, in fp32
    off, _ = activation_gb(shape, _load(checkpointing=False))
    assert off > 20 * kept  # every layer's working set instead of its input


def test_32b_recipe_fits_only_with_batch_1_on_16_gpus():
    shape, hw = KNOWN["qwq-32b"], Hardware(gpus=16, gpu_gb=80)
    batch4, batch1 = plan_stage(shape, _load(), hw), plan_stage(shape, _load(batch=1), hw)
    assert not batch4.fits and any("per_device_train_batch_size 1" in e for e in batch4.errors)
    assert batch1.fits and batch1.peak < 80
    assert not plan_stage(shape, _load(batch=1), replace(hw, gpus=8)).fits


def test_zero_state_formulas():
    shape, p = KNOWN["qwen2.5-7b"], KNOWN["qwen2.5-7b"].params
    load = _load(batch=1)

    def states(zero: int) -> float:
        plan = plan_stage(shape, load, Hardware(gpus=8, gpu_gb=1000, zero=zero))
        return sum(x.gb for x in plan.resident if x.name in ("weights", "gradients", "fp32 master + Adam moments",
                                                             "Adam moments")) * 1e9

    assert states(3) == pytest.approx(16 * p / 8)
    assert states(2) == pytest.approx(2 * p + 14 * p / 8)
    assert states(1) == pytest.approx(4 * p + 12 * p / 8)
    assert states(0) == pytest.approx(8 * p)  # DDP trains bf16 weights with bf16 Adam moments


def test_vllm_colocate_share_must_hold_weights_and_one_sequence():
    """14B bf16 weights are 29.5 GB: VLLM_MEM 0.3 of 80 GB (24 GB) can't hold them; tensor parallel 2 can."""
    shape = KNOWN["qwen2.5-14b"]
    assert shape.params * 2 / 1e9 == pytest.approx(29.6, abs=0.1)
    hw = Hardware(gpus=8, gpu_gb=80)
    colocate = dict(batch=1, generation="vllm-colocate", vllm_fraction=0.3, vllm_sleep=True)
    bad = plan_stage(shape, _load(**colocate), hw)
    assert not bad.fits and any("VLLM_MEM" in e for e in bad.errors)
    assert plan_stage(shape, _load(**colocate, vllm_tp=2), hw).fits
    assert plan_stage(shape, _load(**{**colocate, "vllm_fraction": 0.45}), hw).fits
    assert plan_stage(KNOWN["qwen2.5-7b"], _load(**colocate), hw).fits
    awake = plan_stage(shape, _load(**{**colocate, "vllm_sleep": False}, vllm_tp=2), hw)
    assert awake.training_peak == pytest.approx(plan_stage(shape, _load(**colocate, vllm_tp=2), hw).training_peak + 24)


def test_hardware_from_accelerate_configs():
    accel = ROOT / "configs" / "accelerate"
    assert hardware_from_accelerate(accel / "zero3.yaml", 16, 80) == Hardware(16, 80, zero=3, max_live_params=1e9)
    assert hardware_from_accelerate(accel / "zero2.yaml", 16, 80).zero == 2
    assert hardware_from_accelerate(accel / "ddp.yaml", 8, 80).zero == 0


@pytest.mark.parametrize("gpus, status", [(16, 0), (32, 0), (8, 3)])
def test_plan_cli_on_the_shipped_recipe(capsys, gpus, status):
    assert rl_main(["plan", QWQ, "--gpus", str(gpus), "--accel", "configs/accelerate/zero3.yaml"]) == status
    out = capsys.readouterr()
    assert "stage reasoning" in out.out and "stage general" in out.out and "reward model" in out.out
    assert ("DOES NOT FIT" in out.out) == (status == 3)


def test_plan_cli_warns_for_batch_4_and_rejects_unknown_models(capsys):
    assert rl_main(["plan", QWQ, "--gpus", "16", "--set", "grpo_defaults.per_device_train_batch_size=4",
                    "--set", "grpo_defaults.gradient_accumulation_steps=8"]) == 3
    out = capsys.readouterr().out
    assert "checkpointed layer inputs" in out and "WARNING: does not fit" in out
    assert rl_main(["plan", QWQ, "--gpus", "16", "--set", "model=someone/unknown-model"]) == 2
    assert "not a known architecture" in capsys.readouterr().err


@pytest.mark.parametrize("world", [8, 16, 32])
def test_train_check_for_world_sizes(monkeypatch, capsys, world):
    monkeypatch.setenv("WORLD_SIZE", str(world))
    assert rl_main(["train", QWQ, "--check"]) == 0
    assert "config ok" in capsys.readouterr().out
    # 3 rows per process per generation batch: no whole groups of num_generations 16, for any world size.
    assert rl_main(["train", QWQ, "--check", "--set", "grpo_defaults.gradient_accumulation_steps=3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("config error: grpo_defaults.") and str(world) in err and "num_generations 16" in err
