"""Which GRPO groups carry a learning signal: the keep decision of dynamic sampling, on a reward matrix.

The matrix is TRL's `rewards_per_func`: one row per completion (all processes, in process order, so every process
decides the same from the same gathered matrix), one column per reward function, NaN for `None`. Rows come in
groups of `num_generations` completions of one prompt.

A group is judged on its *metric* columns only (the stage's accuracy rewards by default, never shaping rewards,
whose length and format penalties would create variance that teaches nothing about correctness):

- **unscored** (dropped): every completion of the group is unscorable (every reward `None`; `rl.trainer` makes a
  completion a verifier could not score wholly `None`);
- **signal** (kept): some metric column has at least two scored values in the group that differ (by more than
  `tolerance`). Completions with `None` in that column (unscorable ones, infrastructure failures) are left out of
  that variance: a group of 8 with 2 unscorable samples is judged on its 6 others;
- **not judged** (kept): no metric reward applies to the group's task (every metric value of the group is `None`
  while the group has scored completions, e.g. general rows in a stage whose metric is `math_accuracy`). The filter
  has nothing to say about such groups, so it leaves them to TRL as they are;
- **flat** (dropped): otherwise: the metrics apply, but every scored value agrees (all right, all wrong, or a
  single scored completion), so every completion's accuracy advantage is zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

TOLERANCE = 1e-6


@dataclass
class GroupVerdicts:
    """Per-group outcome of `judge_groups` (each a bool tensor of shape `(groups,)`)."""

    keep: torch.Tensor       # signal | not judged
    unscored: torch.Tensor   # every completion unscorable
    flat: torch.Tensor       # metrics apply, zero variance
    judged: torch.Tensor     # some metric value present

    @property
    def dropped(self) -> torch.Tensor:
        return ~self.keep

    def rows(self, num_generations: int) -> torch.Tensor:
        """The keep decision per completion row (shape `(groups * num_generations,)`)."""
        return self.keep.repeat_interleave(num_generations)


def judge_groups(rewards: torch.Tensor, metric_columns: Sequence[int], num_generations: int,
                 tolerance: float = TOLERANCE) -> GroupVerdicts:
    """Judge each group of `num_generations` consecutive rows of `rewards` (completions x reward functions, NaN for
    `None`) on the `metric_columns` (see the module doc). Raises `ValueError` when the rows do not form whole groups
    or no metric column is given."""
    if rewards.dim() != 2:
        raise ValueError(f"expected a (completions, rewards) matrix, got shape {tuple(rewards.shape)}")
    if not metric_columns:
        raise ValueError("no metric column to judge groups on")
    n, f = rewards.shape
    if num_generations < 1 or n % num_generations:
        raise ValueError(f"{n} completions do not form whole groups of num_generations {num_generations}")
    bad = [c for c in metric_columns if not 0 <= c < f]
    if bad:
        raise ValueError(f"metric columns {bad} out of range for {f} reward functions")
    grouped = rewards.detach().float().cpu().view(-1, num_generations, f)
    unscorable = torch.isnan(grouped).all(dim=2)                       # (groups, G)
    unscored = unscorable.all(dim=1)
    metric = grouped[:, :, list(metric_columns)]                       # (groups, G, M)
    present = ~torch.isnan(metric)
    judged = present.any(dim=2).any(dim=1)
    hi = torch.where(present, metric, torch.full_like(metric, -torch.inf)).amax(dim=1)   # (groups, M)
    lo = torch.where(present, metric, torch.full_like(metric, torch.inf)).amin(dim=1)
    enough = present.sum(dim=1) >= 2
    signal = (enough & ((hi - lo) > tolerance)).any(dim=1)
    keep = ~unscored & (signal | ~judged)
    flat = ~unscored & judged & ~signal
    return GroupVerdicts(keep=keep, unscored=unscored, flat=flat, judged=judged)


def zero_std_groups(rewards: torch.Tensor, weights: torch.Tensor, num_generations: int,
                    tolerance: float = TOLERANCE) -> torch.Tensor:
    """Per group: whether the weighted total reward (TRL's `sum_then_normalize` sum, unscorable rows left out) has
    zero spread, the quantity TRL's `frac_reward_zero_std` counts. A group with fewer than two scorable rows counts
    as zero spread."""
    r = rewards.detach().float().cpu()
    total = (r * weights.detach().float().cpu().unsqueeze(0)).nansum(dim=1)
    total[torch.isnan(r).all(dim=1)] = torch.nan
    grouped = total.view(-1, num_generations)
    present = ~torch.isnan(grouped)
    hi = torch.where(present, grouped, torch.full_like(grouped, -torch.inf)).amax(dim=1)
    lo = torch.where(present, grouped, torch.full_like(grouped, torch.inf)).amin(dim=1)
    return ~((present.sum(dim=1) >= 2) & ((hi - lo) > tolerance))
