"""Dynamic sampling in a real (tiny, CPU) GRPOTrainer run: drop, refill, cap, shapes, metrics."""

from __future__ import annotations

import torch

from dslib import FLAT, MIXED, build_trainer, ds_logs, rows


def _prompts(trainer, batch) -> list[str]:
    tok = trainer.processing_class
    return [tok.decode(ids[mask.bool()]) for ids, mask in zip(batch["prompt_ids"], batch["prompt_mask"])]


def test_refill_keeps_only_groups_with_accuracy_signal(tiny_model, tmp_path):
    trainer = build_trainer(tiny_model, tmp_path, rows(24, 8), max_rounds=30)
    trainer.train()
    assert trainer.state.global_step == 2
    for batch in trainer.batches:
        assert batch["advantages"].shape == (8,) and batch["completion_ids"].shape[0] == 8
        prompts = _prompts(trainer, batch)
        assert all(MIXED in p for p in prompts), prompts   # every flat group was dropped, though shaping varies
        assert "tool_mask" not in batch                     # nothing was masked: the batch is full
        assert int(batch["num_items_in_batch"]) == int(batch["completion_mask"].sum())
    logs = ds_logs(trainer)
    assert len(logs) == 2
    assert all(e["dynamic_sampling/capped"] == 0 and e["dynamic_sampling/kept_frac"] == 1 for e in logs)
    assert any(e["dynamic_sampling/rounds"] > 1 for e in logs)      # 3 prompts in 4 are flat: refills were needed
    assert all(0 < e["dynamic_sampling/dropped_groups_frac"] < 1 for e in logs)
    assert all(e["frac_reward_zero_std"] == 0 for e in logs)        # restated for the trained batch


def test_cap_trains_on_what_is_there_with_zero_weight_fill(tiny_model, tmp_path):
    trainer = build_trainer(tiny_model, tmp_path, rows(8, 0), max_rounds=3, max_steps=1)
    trainer.train()
    [batch] = trainer.batches
    assert batch["completion_ids"].shape[0] == 8
    assert torch.equal(batch["tool_mask"], torch.zeros_like(batch["tool_mask"]))  # nothing with signal: no weight
    assert int(batch["num_items_in_batch"]) == 0
    [log] = ds_logs(trainer)
    assert log["dynamic_sampling/rounds"] == 3 and log["dynamic_sampling/capped"] == 1
    assert log["dynamic_sampling/kept_frac"] == 0 and log["dynamic_sampling/dropped_groups_frac"] == 1
    assert log["frac_reward_zero_std"] == 1


def test_partial_cap_keeps_signal_rows_first(tiny_model, tmp_path):
    trainer = build_trainer(tiny_model, tmp_path, rows(30, 2), max_rounds=1, max_steps=1)
    trainer.train()
    [batch] = trainer.batches
    [log] = ds_logs(trainer)
    kept = round(log["dynamic_sampling/kept_frac"] * 8)
    weight = batch["tool_mask"].amax(dim=1) if "tool_mask" in batch else torch.ones(8)
    assert weight.tolist() == [1.0] * kept + [0.0] * (8 - kept)
    prompts = _prompts(trainer, batch)
    assert all(MIXED in p for p in prompts[:kept]) and all(FLAT in p for p in prompts[kept:])
    assert log["dynamic_sampling/rounds"] == 1
    assert log["dynamic_sampling/capped"] == float(kept < 8)


def test_no_refill_when_every_group_has_signal(tiny_model, tmp_path):
    trainer = build_trainer(tiny_model, tmp_path, rows(0, 8), max_rounds=4, max_steps=1)
    trainer.train()
    [log] = ds_logs(trainer)
    assert log["dynamic_sampling/rounds"] == 1 and log["dynamic_sampling/dropped_groups_frac"] == 0


def test_refill_draw_is_seeded_by_step_and_round():
    from rl.dynamic_sampling.trainer import draw_seed, refill_indices

    a = refill_indices(100, 16, 4, draw_seed(1, 5, 1))
    assert a == refill_indices(100, 16, 4, draw_seed(1, 5, 1))
    assert a != refill_indices(100, 16, 4, draw_seed(1, 5, 2))
    assert [a[i] for i in range(0, 16, 4)] == [a[i + 3] for i in range(0, 16, 4)]   # groups of 4 identical prompts
    assert len(set(a)) == 4                                                          # distinct prompts
    assert len(refill_indices(2, 16, 4, 0)) == 16                                    # small datasets: with repeats


class _Outage:
    """Stands for a mixin composed after dynamic sampling that excludes samples (rl.tools does on a tool outage)."""

    def _calculate_rewards(self, *args, **kwargs):
        rewards = super()._calculate_rewards(*args, **kwargs)
        return torch.full_like(rewards, float("nan"))


def test_exclusions_of_outer_mixins_are_what_is_judged(tiny_model, tmp_path):
    trainer = build_trainer(tiny_model, tmp_path, rows(0, 8), max_rounds=2, max_steps=1, outer=_Outage)
    trainer.train()
    [log] = ds_logs(trainer)
    assert log["dynamic_sampling/unscored_groups_frac"] == 1 and log["dynamic_sampling/capped"] == 1
    assert "_calculate_rewards" not in vars(trainer)     # the per-round capture is removed again
