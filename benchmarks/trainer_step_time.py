"""Our pipeline's stage trainer vs a plain TRL GRPOTrainer: step time with the same settings and rewards.

Side by side in one process, alternating runs (ours, plain, plain, ours, ...) so machine noise and warm-up hit both:
- ours: `rl.stage.run_stage` on a one-stage pipeline config (its defaults: sample completions logged to parquet
  and the console every step, checkpoints every `--save-steps`, final save, stage summary);
- plain: `GRPOTrainer` built by hand with the same model, dataset rows, rewards (same reward config), batch,
  generation and optimiser settings, TRL's defaults otherwise (no completion logging, no checkpoints).
Both run on CPU (tiny local Qwen2, fp32, no hub access). Reported per run: wall seconds per step of `train()`
(Trainer's `train_runtime` / steps) and TRL's own mean `step_time`; then the medians and the ratio ours/plain.

Usage: .venv/bin/python benchmarks/trainer_step_time.py [--steps 20] [--rounds 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
REWARDS = [{"name": "math_accuracy", "weight": 1.0}, {"name": "think_format", "weight": 0.1},
           {"name": "overlong_penalty", "weight": 1.0, "kwargs": {"max_completion_length": 64, "cache_length": 16}}]
GRPO = {"num_generations": 4, "per_device_train_batch_size": 8, "max_completion_length": 64,
        "learning_rate": 1.0e-5, "temperature": 0.6, "top_p": 0.95, "top_k": 20, "loss_type": "dapo"}


def per_step(log_history: list[dict], steps: int) -> tuple[float, float]:
    """(train_runtime / steps, mean of TRL's per-step `step_time`)."""
    runtime = next(e["train_runtime"] for e in log_history if "train_runtime" in e)
    step_times = [e["step_time"] for e in log_history if "step_time" in e]
    return runtime / steps, statistics.mean(step_times)


def run_ours(config_path: Path, out: Path, steps: int, save_steps: int) -> tuple[float, float]:
    from rl.config import load_pipeline_config
    from rl.stage import run_stage

    cfg = load_pipeline_config(config_path, [f"output_dir={out}", f"stages.0.grpo.max_steps={steps}",
                                             f"stages.0.grpo.save_steps={save_steps}"])
    run_stage(cfg, cfg.stages[0], cfg.model)
    return per_step(json.loads((out / "bench" / "trainer_state.json").read_text())["log_history"], steps)


def run_plain(config_path: Path, out: Path, steps: int) -> tuple[float, float]:
    from trl import GRPOConfig, GRPOTrainer

    from rewards.config import build_rewards
    from rl.config import load_pipeline_config
    from rl.data import load_stage_datasets
    from rl.models import load_tokenizer

    cfg = load_pipeline_config(config_path)
    stage = cfg.stages[0]
    funcs, weights = build_rewards(stage.rewards)
    tokenizer = load_tokenizer(cfg.model)
    train, _ = load_stage_datasets(stage, tokenizer, cfg.seed)
    args = GRPOConfig(output_dir=str(out), max_steps=steps, seed=cfg.seed, reward_weights=weights, use_cpu=True,
                      bf16=False, gradient_checkpointing=False, logging_steps=1, report_to="none",
                      save_strategy="no", disable_tqdm=True, **GRPO)
    trainer = GRPOTrainer(model=cfg.model, reward_funcs=funcs, args=args, train_dataset=train,
                          processing_class=tokenizer)
    trainer.train()
    return per_step(trainer.state.log_history, steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--save-steps", type=int, default=10, help="our checkpoint interval")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    import torch
    import yaml

    from rl.smoke.tiny import build_policy, build_tokenizer

    torch.set_num_threads(1)  # tiny model: threads only add noise on a shared machine
    work = Path(tempfile.mkdtemp(prefix="bench_step_"))
    model = work / "policy"
    build_policy(model, build_tokenizer(model))
    config = work / "bench.yaml"
    config.write_text(yaml.safe_dump({
        "model": str(model), "output_dir": str(work / "unused"), "seed": 0, "report_to": "none",
        "stages": [{"name": "bench",
                    "datasets": [{"source": str(ROOT / "rl/samples/math.jsonl"), "adapter": "rows"}],
                    "rewards": REWARDS, "grpo": {**GRPO, "disable_tqdm": True}}],
    }))
    rows = []
    for r in range(args.rounds):
        # The order alternates too: whichever runs first in a round pays warm-up costs (allocator, caches).
        if r % 2 == 0:
            ours = run_ours(config, work / f"ours{r}", args.steps, args.save_steps)
            plain = run_plain(config, work / f"plain{r}", args.steps)
        else:
            plain = run_plain(config, work / f"plain{r}", args.steps)
            ours = run_ours(config, work / f"ours{r}", args.steps, args.save_steps)
        rows.append({"round": r, "ours_s_per_step": ours[0], "plain_s_per_step": plain[0],
                     "ours_trl_step_time": ours[1], "plain_trl_step_time": plain[1]})
        print(f"round {r}: ours {ours[0]:.3f} s/step (TRL step_time {ours[1]:.3f}), "
              f"plain {plain[0]:.3f} s/step (TRL step_time {plain[1]:.3f})", flush=True)
    med = {k: statistics.median(row[k] for row in rows) for k in rows[0] if k != "round"}
    summary = {**med, "ratio_wall": med["ours_s_per_step"] / med["plain_s_per_step"],
               "ratio_trl_step_time": med["ours_trl_step_time"] / med["plain_trl_step_time"],
               "steps": args.steps, "rounds": args.rounds, "threads": 1}
    print(f"\nmedian over {args.rounds} rounds of {args.steps} steps: ours {med['ours_s_per_step']:.3f} s/step, "
          f"plain {med['plain_s_per_step']:.3f} s/step -> ratio {summary['ratio_wall']:.3f} (target <= 1.10); "
          f"TRL step_time ratio {summary['ratio_trl_step_time']:.3f}")
    if args.json:
        args.json.write_text(json.dumps({"rounds": rows, "summary": summary}, indent=2))


if __name__ == "__main__":
    main()
