"""What a tool stage adds to the pipeline's GRPOTrainer (`ToolTrainerMixin`, mixed in front of it).

- Calls the parser could not read (`rl.tools.parsing`) reach the rollout's environment, which counts them and
  raises, so TRL shows the model an error text and counts a failure (`tools/failure_frequency`).
- A rollout whose tool service was down (`ToolRecord.outage`) is excluded whole (every reward NaN, as
  `rl.trainer` does for unscorable samples), counted as `tools/infra_failures`, and past
  `max_outage_fraction` (`tool_options`) of a batch the run stops with `InfrastructureError`. It is never scored.
- Logged per step, beside TRL's `tools/call_frequency` and `tools/failure_frequency`: `tools/calls_per_completion`,
  `tools/error_frequency` (calls that ran and reported an error), `tools/infra_failures`, `tools/seconds` (wall
  time in tool calls this step, all rollouts; TRL runs one rollout's calls after another).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import torch

from rewards.infra import report_failures
from rl.tools.environment import MALFORMED_NAME, ToolEnvironment, close_tools

logger = logging.getLogger(__name__)


class ToolTrainerMixin:
    """Mixed in before the pipeline's GRPOTrainer class when a stage has tools (see module docstring)."""

    max_outage_fraction: float = 0.5

    def _tool_call_loop(self, *args: Any, **kwargs: Any):
        envs = self.environments or []
        for i, tools in enumerate(self._sync_tool_dicts):
            if i < len(envs) and isinstance(envs[i], ToolEnvironment):
                tools[MALFORMED_NAME] = envs[i]._malformed
        return super()._tool_call_loop(*args, **kwargs)

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        rewards = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        records = [env.record for env in (self.environments or []) if isinstance(env, ToolEnvironment)]
        if len(records) != len(inputs):
            return rewards
        local = [[r.outage is not None, r.calls, r.errors, r.seconds] for r in records]
        if self.accelerator.num_processes > 1:
            from accelerate.utils import gather_object

            local = gather_object(local)
        outage = torch.tensor([row[0] for row in local], dtype=torch.bool, device=rewards.device)
        calls = sum(row[1] for row in local)
        mode = "train" if self.model.training else "eval"
        self._metrics[mode]["tools/calls_per_completion"].append(calls / max(len(local), 1))
        self._metrics[mode]["tools/error_frequency"].append(sum(row[2] for row in local) / calls if calls else 0.0)
        self._metrics[mode]["tools/infra_failures"].append(float(outage.sum()))
        self._metrics[mode]["tools/seconds"].append(sum(row[3] for row in local))
        if outage.any():
            rewards = rewards.clone()
            rewards[outage] = torch.nan
        detail = next((r.outage for r in records if r.outage is not None), "")
        report_failures("tools", int(outage.sum()), len(local), self.max_outage_fraction, detail=detail)
        return rewards

    def close_rewards(self) -> None:
        """Also release what the tools hold on TRL's async loop (the sandbox client's HTTP sessions)."""
        super().close_rewards()
        loop = getattr(self, "async_loop", None)
        if loop is None or not loop.is_running():
            return
        for factory in (self.environment_factories or {}).values():
            if isinstance(factory, type) and issubclass(factory, ToolEnvironment):
                try:
                    asyncio.run_coroutine_threadsafe(close_tools(factory), loop).result(timeout=10)
                except Exception as e:  # best effort: training already finished and was saved
                    logger.warning("closing tools failed: %s", e)
