"""Stage chaining (with the LoRA merge), skip-finished and changed-config detection, in process."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from rl.config import load_pipeline_config
from rl.pipeline import DONE_FILE, StageChangedError, run_pipeline

from rlrun_testlib import pipeline_dict, write_config


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def weights(folder) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


def test_lora_stages_chain_merge_and_skip_when_finished(tiny_model, tmp_path, capsys):
    data = pipeline_dict(tiny_model, tmp_path / "out", stages=2, extra_rewards=({"name": "rlrun_text_length"},))
    data["model_options"] = {"lora": {"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "all-linear"}}
    cfg = load_pipeline_config(write_config(tmp_path / "p.yaml", data))

    results = run_pipeline(cfg)
    assert [r.global_step for r in results] == [2, 2]
    s1, s2 = tmp_path / "out" / "s1", tmp_path / "out" / "s2"
    for stage_dir in (s1, s2):
        for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                     "trainer_state.json", DONE_FILE, "adapter/adapter_config.json"):
            assert (stage_dir / name).is_file(), f"{stage_dir.name}/{name} missing"
        assert json.loads((stage_dir / "trainer_state.json").read_text())["global_step"] == 2
    # Merged plain checkpoints (no LoRA tensors), each stage starting from the previous one's output.
    cold, w1, w2 = weights(tiny_model), weights(s1), weights(s2)
    assert set(w1) == set(cold) and not any("lora" in k for k in w1)
    assert any(not torch.equal(cold[k], w1[k]) for k in cold), "stage 1 merge changed nothing"
    assert any(not torch.equal(w1[k], w2[k]) for k in w1), "stage 2 did not train on top of stage 1"
    assert json.loads((s1 / DONE_FILE).read_text())["input_model"] == str(tiny_model)
    assert json.loads((s2 / DONE_FILE).read_text())["input_model"] == str(s1)
    out = capsys.readouterr().out
    assert "[stage s1] done: 2 steps" in out and "[stage s2] done: 2 steps" in out

    # Rerun: both stages are recorded as finished and skipped; nothing is rewritten.
    mtime = (s2 / "model.safetensors").stat().st_mtime_ns
    assert run_pipeline(load_pipeline_config(tmp_path / "p.yaml")) == [None, None]
    assert "[stage s1] already finished" in capsys.readouterr().out
    assert (s2 / "model.safetensors").stat().st_mtime_ns == mtime

    # A finished stage whose config changed is refused rather than silently reused.
    changed = load_pipeline_config(tmp_path / "p.yaml", ["stages.0.grpo.learning_rate=0.5"])
    with pytest.raises(StageChangedError, match="stage 's1' already finished with a different config"):
        run_pipeline(changed)


def test_grpo_config_defaults_overrides_and_yarn(tiny_model, tmp_path):
    from rl.models import load_policy
    from rl.grpo import grpo_config

    data = pipeline_dict(tiny_model, tmp_path / "out")
    data["model_options"] = {"rope_scaling": {"rope_type": "yarn", "factor": 4.0,
                                              "original_max_position_embeddings": 1024}}
    cfg = load_pipeline_config(write_config(tmp_path / "p.yaml", data), ["stages.0.grpo.top_k=40"])
    args = grpo_config(cfg.stages[0], cfg.model, cfg.model_options)
    # The seeds' sampling defaults, except where the stage overrides them.
    assert (args.temperature, args.top_p, args.top_k) == (0.6, 0.95, 40)
    assert args.output_dir == str(tmp_path / "out" / "s1") and args.run_name == "s1"
    assert args.reward_weights == [1.0] and args.log_completions and args.save_strategy == "steps"
    assert args.save_steps == 2 and args.seed == 7
    # CPU: fp32 weights, no mixed precision, no gradient checkpointing unless model_options asks for it.
    assert args.use_cpu and not args.bf16 and not args.gradient_checkpointing
    kwargs = args.model_init_kwargs
    assert kwargs["dtype"] == torch.float32
    assert kwargs["rope_parameters"] == {"rope_theta": 10000.0, "rope_type": "yarn", "factor": 4.0,
                                         "original_max_position_embeddings": 1024}
    model = load_policy(cfg.model, cfg.model_options)
    assert model.model.rotary_emb.rope_type == "yarn" and model.model.rotary_emb.attention_scaling > 1.0
