"""rl.trainer: a sample that a verifier could not score (infrastructure failure) is excluded from every reward."""

from __future__ import annotations

import math

import pytest
import torch

from rewards.registry import create
from rl.trainer import PipelineGRPOTrainer, exclude_unscored_rows

NAN = float("nan")


def test_exclude_unscored_rows_masks_only_verifier_failures_on_their_own_task():
    funcs = [create("math_accuracy"), create("code_tests"), create("think_format")]
    rewards = torch.tensor([
        [NAN, NAN, 1.0],   # math row, math verifier failed -> excluded
        [NAN, 0.5, 1.0],   # code row: math_accuracy's None only means "other task" -> kept
        [1.0, NAN, 0.0],   # math row scored -> kept
        [NAN, NAN, 1.0],   # code row, sandbox failed -> excluded
    ])
    out = exclude_unscored_rows(rewards, ["math", "code", "math", "code"], funcs)
    assert torch.isnan(out[0]).all() and torch.isnan(out[3]).all()
    assert out[1, 1] == 0.5 and out[1, 2] == 1.0 and out[2, 0] == 1.0
    assert not torch.isnan(rewards[0, 2])  # the input is left as it was


def test_trainer_excludes_a_code_row_whose_sandbox_is_down(tiny_model, monkeypatch):
    from datasets import Dataset
    from trl import GRPOConfig

    monkeypatch.delenv("SANDBOX_URL", raising=False)
    dead = create("code_tests", urls="http://127.0.0.1:9", retries=0, http_timeout_s=2.0, max_failure_fraction=1.0)
    funcs = [dead, create("think_format")]
    args = GRPOConfig(output_dir="unused", use_cpu=True, per_device_train_batch_size=2, num_generations=2,
                      max_completion_length=8, report_to="none", reward_weights=[1.0, 1.0])
    rows = [{"prompt": [{"role": "user", "content": "x"}], "task": t, "tests": '{"language": "python", '
             '"mode": "stdio", "tests": [{"input": "", "output": "1"}]}'} for t in ("code", "math")]
    trainer = PipelineGRPOTrainer(model=str(tiny_model), reward_funcs=funcs, args=args,
                                  train_dataset=Dataset.from_list(rows))
    try:
        completions = ["t</think>\n```python\nprint(1)\n```", "t</think>\nanswer"]
        rewards = trainer._calculate_rewards(rows, [r["prompt"] for r in rows], completions, [[1, 2], [1, 2]])
    finally:
        trainer.close_rewards()
    assert torch.isnan(rewards[0]).all()       # code row: sandbox unreachable -> the whole sample is excluded
    assert math.isnan(rewards[1, 0]) and rewards[1, 1] == pytest.approx(1.0)  # math row keeps think_format
