"""DAPO-style dynamic sampling inside TRL 1.16's GRPOTrainer: drop groups without accuracy signal, refill, cap.

Hooked after generation and scoring (`_generate_and_score_completions`), so it works the same with HF generation
and vLLM (colocate or server): nothing here knows how completions were made. A generation step runs:

1. TRL generates and scores the step's batch (the local generation batch: `per_device_train_batch_size *
   steps_per_generation` rows on each process). The gathered reward matrix (`_calculate_rewards`, every process's
   rows in process order) is judged per group (`rl.dynamic_sampling.filter`); every process judges the same matrix,
   so all agree on every group without further communication.
2. Each process keeps its rows of kept groups. The smallest count over processes is gathered; while it is short of
   the local batch and fewer than `max_rounds` rounds ran, a new round generates for new prompts: drawn at random
   from the stage's training set, seeded by (seed, step, round), identically on every process (a resumed run draws
   the same), in TRL's layout (each prompt `num_generations` times, the global batch split across processes).
3. Each process trains on its first `batch` kept rows. Advantages stay those of each row's own group and round.
   A process with more kept rows than it needs leaves the rest (as DAPO does); a group may then be trained in part.
4. At the cap, the batch is filled with dropped rows whose loss weight is zero (`tool_mask` 0, left out of the
   token count of `dapo`-style losses): the step trains on what is there, with unchanged shapes on every process.
   With the per-sequence losses (`grpo`, `dr_grpo`, `luspo`, `sapo`) these rows still count in the batch mean, as
   zero-advantage groups do in plain GRPO. The shortfall is logged.

Returned shapes are those TRL expects, so gradient accumulation (`steps_per_generation` buffering in
`_prepare_inputs`), `num_iterations` reuse and several processes work unchanged. Evaluation is never filtered.

Metrics (per generation step): `dynamic_sampling/rounds`, `dynamic_sampling/dropped_groups_frac` (groups dropped
over groups generated, all rounds), `dynamic_sampling/unscored_groups_frac` (the part of those that no reward could
score), `dynamic_sampling/capped` (1 when the cap left the batch short), `dynamic_sampling/kept_frac` (share of the
batch with signal). TRL's `frac_reward_zero_std` is restated for the batch trained on (fill rows count as zero
spread); the per-reward means and completion statistics stay those of everything generated.
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from rl.dynamic_sampling import batch as batching
from rl.dynamic_sampling.filter import GroupVerdicts, judge_groups, zero_std_groups
from rl.spec import DynamicSamplingOptions

logger = logging.getLogger(__name__)


def draw_seed(seed: int, step: int, round_: int) -> int:
    """The refill draw's seed: a function of the run's seed, the optimizer step and the round only."""
    return (seed * 1_000_003 + step * 9_973 + round_) % (2**63 - 1)


def refill_indices(dataset_size: int, global_rows: int, num_generations: int, seed: int) -> list[int]:
    """Dataset indices for one refill round, in TRL's global layout: `global_rows / num_generations` prompts (distinct
    when the dataset is large enough), each repeated `num_generations` times consecutively."""
    prompts = global_rows // num_generations
    g = torch.Generator().manual_seed(seed)
    if dataset_size >= prompts:
        picked = torch.randperm(dataset_size, generator=g)[:prompts]
    else:
        picked = torch.randint(dataset_size, (prompts,), generator=g)
    return [int(i) for i in picked for _ in range(num_generations)]


class DynamicSamplingMixin:
    """Mix in before a GRPOTrainer subclass (`with_dynamic_sampling`); the options are the class's
    `dynamic_sampling` attribute. See the module doc."""

    dynamic_sampling: DynamicSamplingOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = list(self.reward_func_names)
        missing = [m for m in self.dynamic_sampling.metric if m not in names]
        if missing:
            raise ValueError(f"dynamic_sampling.metric {missing} are not rewards of this trainer ({names})")
        self._ds_columns = [names.index(m) for m in self.dynamic_sampling.metric]
        if not hasattr(self.train_dataset, "__getitem__") or not hasattr(self.train_dataset, "__len__"):
            raise ValueError("dynamic sampling refills from the training set by index: it needs a map-style dataset")
        self._ds_rewards: torch.Tensor | None = None

    def _generate_and_score_completions(self, inputs):
        if not self.model.training:
            return super()._generate_and_score_completions(inputs)
        return self._dynamic_step(inputs)

    def _score_round(self, inputs: list[dict[str, Any]]) -> tuple[dict[str, Any], GroupVerdicts, torch.Tensor]:
        """One generation round; the reward matrix judged is the one TRL computes advantages from: the result of
        the class's whole `_calculate_rewards` chain (gathered over processes, after every mixin's exclusions,
        whatever their order), captured for this call only."""
        outermost = type(self)._calculate_rewards

        def capture(*args: Any, **kwargs: Any) -> torch.Tensor:
            self._ds_rewards = outermost(self, *args, **kwargs)
            return self._ds_rewards

        self._calculate_rewards = capture
        try:
            output = super()._generate_and_score_completions(inputs)
        finally:
            del self._calculate_rewards
        batching.check_keys(output)
        rewards = self._ds_rewards
        verdicts = judge_groups(rewards, self._ds_columns, self.num_generations)
        zero = zero_std_groups(rewards, self.reward_weights, self.num_generations)
        return output, verdicts, zero

    def _dynamic_step(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        acc, options = self.accelerator, self.dynamic_sampling
        n_local, world, g = len(inputs), acc.num_processes, self.num_generations
        mine = slice(acc.process_index * n_local, (acc.process_index + 1) * n_local)
        rounds: list[tuple[dict[str, Any], torch.Tensor, torch.Tensor]] = []   # output, local keep, local zero-std
        groups = dropped = unscored = kept_local = 0
        while True:
            output, verdicts, zero = self._score_round(inputs)
            keep = verdicts.rows(g)[mine]
            rounds.append((output, keep, zero.repeat_interleave(g)[mine]))
            groups += verdicts.keep.numel()
            dropped += int(verdicts.dropped.sum())
            unscored += int(verdicts.unscored.sum())
            kept_local += int(keep.sum())
            short = int(acc.gather(torch.tensor([kept_local], device=acc.device)).min()) < n_local
            if not short or len(rounds) >= options.max_rounds:
                break
            seed = draw_seed(self.args.seed, self.state.global_step, len(rounds))
            picked = refill_indices(len(self.train_dataset), n_local * world, g, seed)[mine]
            inputs = [self.train_dataset[i] for i in picked]
        return self._assemble(rounds, n_local, groups, dropped, unscored)

    def _assemble(self, rounds, n_local: int, groups: int, dropped: int, unscored: int) -> dict[str, Any]:
        """The local batch: kept rows in round order, filled at the cap with zero-weight dropped rows; metrics."""
        acc = self.accelerator
        parts, zero_parts, need = [], [], n_local
        for output, keep, zero in rounds:
            rows = keep.nonzero().flatten()[:need]
            need -= rows.numel()
            parts.append(batching.take(output, rows))
            zero_parts.append(zero[rows])
        n_kept = n_local - need
        fill_parts = []
        for output, keep, _ in reversed(rounds):   # the cap: fill from the latest round's dropped rows
            if need == 0:
                break
            rows = (~keep).nonzero().flatten()[:need]
            need -= rows.numel()
            fill_parts.append(batching.take(output, rows))
        assert need == 0, "every round holds a full local batch"
        batch = batching.concat(parts + fill_parts, self._tokenizer.pad_token_id)
        filler = torch.arange(n_local) >= n_kept
        batch = batching.mask_rows(batch, filler)
        batch["num_items_in_batch"] = acc.gather(batching.loss_tokens(batch).reshape(1)).sum()

        zero_rows = torch.cat(zero_parts + [torch.ones(n_local - n_kept, dtype=torch.bool)])
        stats = torch.tensor([float(n_kept), float(zero_rows.sum())], device=acc.device)
        kept_total, zero_total = acc.gather(stats.reshape(1, 2)).sum(dim=0).tolist()
        capped = kept_total < n_local * acc.num_processes
        metrics = self._metrics["train"]
        trl_zero = metrics["frac_reward_zero_std"]
        del trl_zero[max(0, len(trl_zero) - len(rounds)):]    # TRL's per-round values, restated for the batch
        trl_zero.append(zero_total / (n_local * acc.num_processes))
        metrics["dynamic_sampling/rounds"].append(float(len(rounds)))
        metrics["dynamic_sampling/dropped_groups_frac"].append(dropped / groups)
        metrics["dynamic_sampling/unscored_groups_frac"].append(unscored / groups)
        metrics["dynamic_sampling/capped"].append(float(capped))
        metrics["dynamic_sampling/kept_frac"].append(kept_total / (n_local * acc.num_processes))
        if capped and acc.is_main_process:
            logger.warning("step %d: dynamic sampling hit max_rounds=%d with %d of %d rows carrying signal; training "
                           "on those (the rest weigh nothing)", self.state.global_step, self.dynamic_sampling.max_rounds,
                           int(kept_total), n_local * acc.num_processes)
        return batch


def with_dynamic_sampling(base: type, options: DynamicSamplingOptions | None) -> type:
    """`base` itself when dynamic sampling is off (None or `enabled: false`), else a subclass with
    `DynamicSamplingMixin` first and `options` bound."""
    if options is None or not options.enabled:
        return base
    return type(f"DynamicSampling{base.__name__}", (DynamicSamplingMixin, base), {"dynamic_sampling": options})
