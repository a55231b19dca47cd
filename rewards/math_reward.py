"""`math_accuracy`: 1.0 when the completion's final answer is equivalent to the row's gold `answer`, else 0.0.

Grading is `rewards.math.verify_batch` (extraction policy, anti-hedging, equivalence, hard timeouts in worker
processes). An answer whose verification overruns its time or memory limit (after the verifier's one retry for a
CPU-starved worker) is wrong: it scores 0 and is counted in `rewards/math_accuracy/verify_timeouts`. Only a worker
crash or a pool that cannot start is an infrastructure failure: that sample gets None and is reported through
`rewards.infra.report_failures` (which raises past `max_failure_fraction`).
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any, Sequence

from rewards.base import Completion, Reward, require_thinking_kwarg
from rewards.infra import failure_fraction_kwarg, report_failures
from rewards.kwargs import kwarg
from rewards.math.verifier import DEFAULT_TIMEOUT_S, INFRA_REASONS, LIMIT_REASONS, verify_batch
from rewards.registry import register


@dataclass(frozen=True)
class MathAccuracyKwargs:
    verify_timeout_s: float = kwarg(DEFAULT_TIMEOUT_S, "hard limit per answer verification, in seconds (an answer "
                                                       "that still overruns it after one retry scores 0)", gt=0.0)
    max_failure_fraction: float = failure_fraction_kwarg(0.5)
    require_thinking: bool = require_thinking_kwarg()


@register("math_accuracy")
class MathAccuracy(Reward):
    """Binary math-answer reward; kwargs in `MathAccuracyKwargs`.

    Picklable: its state is its kwargs; the worker pool is process-wide and created lazily on first use."""

    tasks = ("math",)
    columns = ("answer",)
    unscored_excludes_row = True
    accuracy = True
    Kwargs = MathAccuracyKwargs
    renamed = {"timeout_s": "verify_timeout_s"}
    verify_timeout_s: float
    max_failure_fraction: float

    async def __call__(self, completions: Sequence[Completion], answer: Sequence[str | None] | None = None,
                       task: Sequence[str | None] | None = None, log_metric: Any = None,
                       **kwargs: Any) -> list[float | None]:
        """Score each completion; rows of another task get None. The verification runs in a thread (the pool's
        workers do the work), so the event loop stays free for other rewards."""
        rewards: list[float | None] = [None] * len(completions)
        rows = self.routed(completions, task)
        if not rows:
            return rewards
        if answer is None:
            raise ValueError("math_accuracy needs the dataset column 'answer' (the gold final answer) on math rows")
        missing = [i for i in rows if not isinstance(answer[i], str)]
        if missing:
            raise ValueError(f"math_accuracy: math rows {missing[:5]} have no gold 'answer' string")
        pairs = [(answer[i], self.response_text(completions[i])) for i in rows]
        loop = asyncio.get_running_loop()
        verdicts = await loop.run_in_executor(None, functools.partial(verify_batch, pairs, self.verify_timeout_s))
        failed = 0
        for i, verdict in zip(rows, verdicts):
            if verdict.reason in INFRA_REASONS:
                failed += 1
            else:
                rewards[i] = 1.0 if verdict.correct else 0.0
        if log_metric is not None:
            log_metric(f"rewards/{self.name}/verify_timeouts", float(sum(v.reason in LIMIT_REASONS for v in verdicts)))
        report_failures(self.name, failed, len(rows), self.max_failure_fraction, log_metric,
                        detail="math verifier worker failure" if failed else "")
        return rewards
