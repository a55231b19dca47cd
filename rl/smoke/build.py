"""Build the tiny cold-start checkpoint for CPU smoke runs: tokenizer + tiny Qwen2 + short SFT, and a tiny RM.

Layout under `out_dir`: `cold_start/` (policy + tokenizer, SFT'd to emit the QwQ format) and `reward_model/`
(a tiny sequence classifier sharing the tokenizer). A `BUILD_DONE` marker makes a rebuild a no-op.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from rl.smoke.traces import synthetic_traces
from rl.smoke.tiny import build_policy, build_reward_model, build_tokenizer

logger = logging.getLogger(__name__)
MARKER = "BUILD_DONE"


def sft(policy_dir: Path, tokenizer, steps: int, seed: int, batch_size: int = 12) -> float:
    """Short TRL SFT of the policy in `policy_dir` on synthetic traces (loss on completions only); returns the
    final logged loss."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    args = SFTConfig(
        output_dir=str(policy_dir / "sft"),
        max_steps=steps,
        per_device_train_batch_size=batch_size,
        learning_rate=1e-2,
        lr_scheduler_type="cosine",
        warmup_steps=max(1, steps // 20),
        logging_steps=max(1, steps // 10),
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        bf16=False,
        activation_checkpointing=False,
        seed=seed,
        disable_tqdm=True,
        dataset_num_proc=None,
    )
    data = Dataset.from_list(synthetic_traces(steps * batch_size, seed=seed))
    trainer = SFTTrainer(model=str(policy_dir), args=args, train_dataset=data, processing_class=tokenizer)
    trainer.train()
    trainer.save_model(str(policy_dir))
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    return float(losses[-1]) if losses else float("nan")


def build_cold_start(out_dir: str | Path, steps: int = 120, seed: int = 0, force: bool = False) -> Path:
    """Build (or reuse) the smoke checkpoints under `out_dir`; returns `out_dir`."""
    out = Path(out_dir)
    if (out / MARKER).is_file() and not force:
        logger.info("cold-start checkpoint already built in %s", out)
        return out
    start = time.monotonic()
    policy_dir, rm_dir = out / "cold_start", out / "reward_model"
    tokenizer = build_tokenizer(policy_dir, seed=seed)
    build_policy(policy_dir, tokenizer, seed=seed)
    build_reward_model(rm_dir, tokenizer, seed=seed)
    loss = sft(policy_dir, tokenizer, steps, seed)
    tokenizer.save_pretrained(policy_dir)
    (out / MARKER).write_text(f"sft_steps={steps} final_loss={loss:.4f}\n")
    print(f"[smoke] cold-start checkpoint -> {policy_dir} (SFT {steps} steps, final loss {loss:.3f}), "
          f"reward model -> {rm_dir}, {time.monotonic() - start:.0f}s", flush=True)
    return out
