"""Infrastructure failures (sandbox down, verifier timeout, reward server unreachable) are not wrong answers.

Rewards return `None` for such samples and report them here: the count is logged through TRL's `log_metric`,
kept in a process-wide counter for stage summaries, and a batch whose failure fraction passes the reward's
threshold raises `InfrastructureError` instead of training on garbage.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any, Callable

from rewards.kwargs import kwarg

logger = logging.getLogger(__name__)

# reward name -> infrastructure failures seen in this process (read by the trainer for stage summaries)
FAILURES: Counter[str] = Counter()
SCORED: Counter[str] = Counter()


class InfrastructureError(RuntimeError):
    """Too many samples in one batch could not be scored because of infrastructure failures."""


def report_failures(
    reward: str,
    failed: int,
    attempted: int,
    max_failure_fraction: float,
    log_metric: Callable[[str, float], None] | None = None,
    detail: str = "",
) -> None:
    """Count `failed` of `attempted` samples as infrastructure failures for `reward`; raise past the threshold."""
    FAILURES[reward] += failed
    SCORED[reward] += attempted
    if log_metric is not None:
        log_metric(f"rewards/{reward}/infra_failures", float(failed))
    if not failed:
        return
    frac = failed / max(attempted, 1)
    logger.warning("%s: %d/%d samples not scored (infrastructure failure)%s", reward, failed, attempted,
                   f": {detail}" if detail else "")
    if frac > max_failure_fraction:
        raise InfrastructureError(
            f"{reward}: {failed}/{attempted} samples ({frac:.0%}) failed for infrastructure reasons, above the "
            f"max_failure_fraction={max_failure_fraction:g} threshold{f': {detail}' if detail else ''}. "
            "Refusing to train on unscored batches; fix the service or raise the threshold."
        )


def failure_fraction_kwarg(default: float) -> Any:
    """The `max_failure_fraction` kwarg of rewards that report infrastructure failures."""
    return kwarg(default, "infrastructure failures tolerated in one call, as a fraction of its samples; more stops "
                          "the run (InfrastructureError)", ge=0.0, le=1.0)
