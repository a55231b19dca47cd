"""The training console: no None-metric warnings, one line per logging step, a sample table within 100 columns."""

from __future__ import annotations

import logging
import math

from rl import console


def test_drop_undefined_keeps_infra_counters():
    window = {"rewards/rule_checks/mean": [math.nan, math.nan], "rewards/math_accuracy/mean": [math.nan, 1.0],
              "rewards/rule_checks/infra_failures": [math.nan], "reward": [0.5]}
    console.drop_undefined(window)
    assert window == {"rewards/math_accuracy/mean": [math.nan, 1.0], "rewards/rule_checks/infra_failures": [0.0],
                      "reward": [0.5]}


def test_step_line_names_the_rewards_that_matter():
    logs = {"loss": 0.0123, "reward": 0.5, "rewards/math_accuracy/mean": 0.25, "rewards/think_format/mean": 1.0,
            "rewards/code_tests/infra_failures": 2.0, "frac_reward_zero_std": 0.5, "completions/mean_length": 87.0,
            "learning_rate": 1e-6, "epoch": 0.1}
    line = console.step_line(logs, 3, 10)
    assert line == ("step 3/10 | reward 0.5 | math_accuracy 0.25 | think_format 1 | zero-std 0.5 | len 87 | "
                    "loss 0.0123 | INFRA FAILURES 2")


def test_completion_lines_fit_100_columns():
    prompts = [[{"role": "user", "content": "What is 2+2?\n" * 20}]] * 3
    completions = [[{"role": "assistant", "content": "word " * 200}], [{"role": "assistant", "content": "short"}],
                   [{"role": "assistant", "content": "x\ny"}]]
    rewards = {"a": [1.0, 0.0, math.nan], "b": [0.5, 0.5, 0.5]}
    lines = console.completions_lines(prompts, completions, rewards, [0.7, -0.7, 0.0], n=2)
    assert len(lines) == 2 and all(len(line) <= 100 for line in lines)
    assert lines[0].startswith("  r +0.50 a -0.70 | ") and lines[0].endswith("-> short")
    assert lines[1].endswith("-> x y")


def test_training_console_is_clean(tiny_model, tmp_path, capsys, caplog):
    """Two GRPO steps with a reward that has no row of its task (rule_checks on math rows): no None warnings, one
    compact line per step, sample lines within 100 columns."""
    from datasets import Dataset
    from trl import GRPOConfig

    from transformers import AutoTokenizer

    from rewards import registry
    from rl.trainer import PipelineGRPOTrainer

    model = tiny_model
    tokenizer = AutoTokenizer.from_pretrained(model)
    rows = [{"prompt": [{"role": "user", "content": f"What is {i} + {i}?"}], "task": "math", "answer": str(2 * i),
             "constraints": None} for i in range(8)]
    args = GRPOConfig(output_dir=str(tmp_path / "out"), max_steps=2, num_generations=2, per_device_train_batch_size=4,
                      max_completion_length=8, logging_steps=1, report_to=["tensorboard"], use_cpu=True,
                      log_completions=True, num_completions_to_print=2, save_strategy="no", disable_tqdm=True)
    trainer = PipelineGRPOTrainer(model=str(model), args=args, train_dataset=Dataset.from_list(rows),
                                  processing_class=tokenizer,
                                  reward_funcs=[registry.create("think_format"),
                                                registry.create("rule_checks", mode="all")])
    with caplog.at_level(logging.WARNING):
        trainer.train()
    out = capsys.readouterr().out
    assert not [r for r in caplog.records if "attempting to log a value of" in r.getMessage()]
    steps = [line for line in out.splitlines() if line.startswith("step ")]
    assert len(steps) == 2 and steps[0].startswith("step 1/2 | reward ") and "think_format" in steps[0]
    assert "rule_checks" not in steps[0]
    samples = [line for line in out.splitlines() if line.startswith("  r ")]
    assert samples and all(len(line) <= 100 for line in samples)
    assert "{'loss'" not in out
    assert list((tmp_path / "out" / "completions").glob("*.parquet"))  # the full samples are still saved
