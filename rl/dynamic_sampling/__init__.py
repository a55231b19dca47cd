"""Spend generation only on prompts that teach (README, "Dynamic sampling").

- `filter`: the per-group keep decision on a reward matrix;
- `batch`: re-assembling a training batch from several generation rounds;
- `trainer`: the GRPOTrainer mixin (`with_dynamic_sampling`) that drops, refills and caps;
- `config`: the stage's `dynamic_sampling` block.
"""
