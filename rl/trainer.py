"""TRL's GRPOTrainer with the pipeline's one addition: a sample a verifier could not score is excluded whole.

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
from trl import GRPOTrainer

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
    """GRPOTrainer whose reward matrix excludes the samples a verifier could not score (see module docstring)."""

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        from accelerate.utils import gather_object

        rewards = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        tasks = [row.get("task") for row in inputs]
        if self.accelerator.num_processes > 1:  # rewards are gathered across processes, in process order
            tasks = gather_object(tasks)
        return exclude_unscored_rows(rewards, tasks, self.reward_funcs)

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
