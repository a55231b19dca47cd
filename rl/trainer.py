"""TRL's GRPOTrainer with the pipeline's additions: a sample a verifier could not score is excluded whole, and a
readable console (`rl.console`).

A verifier (`math_accuracy`, `code_tests`, `reward_model`: rewards with `Reward.unscored_excludes_row`) returns
`None` for a row of its own task only when infrastructure failed (sandbox down, verifier timeout, RM server
unreachable). TRL sums the other rewards over such a row, so shaping rewards alone would train it. Here every
reward of that row becomes `None` (NaN), which TRL treats as unscorable: no advantage, left out of the statistics.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Sequence

import torch
import trl.trainer.grpo_trainer as grpo_trainer_module
from trl import GRPOTrainer

from rl import console

logger = logging.getLogger(__name__)


def exclude_unscored_rows(rewards: torch.Tensor, tasks: Sequence[str | None], funcs: Sequence[Any]) -> torch.Tensor:
    """Set whole rows of `rewards` (samples x reward functions) to NaN where a verifier of the row's task gave NaN."""
    excluded = torch.zeros(rewards.shape[0], dtype=torch.bool, device=rewards.device)
    for i, func in enumerate(funcs):
        if getattr(func, "unscored_excludes_row", False):
            applies = torch.tensor([func.applies(t) for t in tasks], dtype=torch.bool, device=rewards.device)
            excluded |= applies & torch.isnan(rewards[:, i])
    if excluded.any():
        rewards = rewards.clone()
        rewards[excluded] = torch.nan
    return rewards


class PipelineGRPOTrainer(GRPOTrainer):
    """GRPOTrainer whose reward matrix excludes the samples a verifier could not score (see module docstring), with
    a compact console (`rl.console`): no undefined metrics, one line per logging step, a 100-column sample table."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        console.install(self.callback_handler)
        self._samples_printed_at = -1

    def _print_completions(self, prompts, completions, rewards, advantages, step, num_samples=None, extra=None):
        """Stands in for TRL's rich table: the samples as 100-column lines, once per step."""
        if step == self._samples_printed_at:
            return
        self._samples_printed_at = step
        lines = console.completions_lines(list(prompts), list(completions), {k: list(v) for k, v in rewards.items()},
                                          list(advantages or []), num_samples)
        console.write(f"samples at step {step} (full text in completions/*.parquet):\n" + "\n".join(lines))

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        console.drop_undefined(self._metrics["train" if self.model.training else "eval"])
        saved = grpo_trainer_module.print_prompt_completions_sample
        grpo_trainer_module.print_prompt_completions_sample = self._print_completions
        try:
            super().log(logs, start_time)
        finally:
            grpo_trainer_module.print_prompt_completions_sample = saved

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        from accelerate.utils import gather_object

        rewards = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        tasks = [row.get("task") for row in inputs]
        if self.accelerator.num_processes > 1:  # rewards are gathered across processes, in process order
            tasks = gather_object(tasks)
        return exclude_unscored_rows(rewards, tasks, self.reward_funcs)

    def _save_checkpoint(self, model, trial) -> None:
        """Trainer's checkpoint save; a full disk becomes one `DiskFullError` naming the folder and the space a
        checkpoint needs (`rl.checkpoints`)."""
        from pathlib import Path

        from rl.checkpoints import disk_full_named, live_checkpoint_bytes

        folder = Path(self._get_output_dir(trial=trial)) / f"checkpoint-{self.state.global_step}"
        with disk_full_named(folder, lambda: live_checkpoint_bytes(self.model, self.optimizer)):
            super()._save_checkpoint(model, trial)

    def close_rewards(self) -> None:
        """Release what the rewards hold on TRL's async loop (HTTP sessions), so nothing leaks at exit."""
        loop = getattr(self, "async_loop", None)
        if loop is None or not loop.is_running():
            return
        for func in self.reward_funcs:
            close = getattr(func, "aclose", None)
            if close is not None:
                try:
                    asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=10)
                except Exception as e:  # closing is best effort: training already finished and was saved
                    logger.warning("closing reward %s failed: %s", getattr(func, "__name__", func), e)
