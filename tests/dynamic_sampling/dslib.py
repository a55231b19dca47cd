"""Helpers for the dynamic-sampling tests: test-only rewards and a tiny CPU GRPOTrainer with dynamic sampling.

A uniquely named module (several test folders have a conftest). The rows carry a `kind` column:
- `flat`: every completion gets accuracy 1.0 (zero variance: the group must be dropped);
- `mixed`: accuracy alternates 1.0 / 0.0 over the completions of a group (signal: kept).
The shaping reward (characters / 100) varies between completions of every group, so a filter reading the shaped
total would keep flat groups too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rewards.base import Reward, completion_text
from rewards.registry import register

FLAT, MIXED = "Say yes.", "Flip a coin."


@register("ds_test_accuracy")
class KindAccuracy(Reward):
    accuracy = True

    def __call__(self, completions, kind=None, **kwargs) -> list[float]:
        return [1.0 if k == "flat" else float(i % 2 == 0) for i, k in enumerate(kind)]


@register("ds_test_length")
class Length(Reward):
    def __call__(self, completions, **kwargs) -> list[float]:
        return [len(completion_text(c)) / 100 + i * 1e-3 for i, c in enumerate(completions)]


def rows(n_flat: int, n_mixed: int) -> list[dict[str, Any]]:
    return ([{"prompt": [{"role": "user", "content": FLAT}], "task": "math", "kind": "flat"}] * n_flat
            + [{"prompt": [{"role": "user", "content": MIXED}], "task": "math", "kind": "mixed"}] * n_mixed)


def build_trainer(model: Path, out: Path, data: list[dict[str, Any]], max_rounds: int, max_steps: int = 2,
                  outer: type | None = None, **grpo: Any):
    """A dynamic-sampling PipelineGRPOTrainer (with `outer` mixed in first, if given): 2 generations, 4 rows per micro-batch, 2 accumulation steps (so a
    local generation batch of 8 rows, 4 groups), 8 new tokens."""
    from datasets import Dataset
    from trl import GRPOConfig

    from rewards.registry import create
    from rl.dynamic_sampling.trainer import with_dynamic_sampling
    from rl.spec import DynamicSamplingOptions
    from rl.trainer import PipelineGRPOTrainer

    options = DynamicSamplingOptions(metric=["ds_test_accuracy"], max_rounds=max_rounds)
    args = GRPOConfig(output_dir=str(out), use_cpu=True, per_device_train_batch_size=4, num_generations=2,
                      gradient_accumulation_steps=2, max_completion_length=8, max_steps=max_steps, report_to="none",
                      logging_steps=1, save_strategy="no", learning_rate=1e-3, disable_tqdm=True, seed=3,
                      loss_type="dapo", beta=0.0, reward_weights=[1.0, 1.0], **grpo)
    cls = with_dynamic_sampling(PipelineGRPOTrainer, options)
    if outer is not None:   # a mixin composed after dynamic sampling (as rl.tools composes its own)
        cls = type(f"{outer.__name__}{cls.__name__}", (outer, cls), {})

    class Recording(cls):
        """Keeps every batch returned by a generation step."""
        batches: list[dict[str, Any]] = []

        def _generate_and_score_completions(self, inputs):
            out = super()._generate_and_score_completions(inputs)
            self.batches.append(out)
            return out

    Recording.batches = []
    return Recording(model=str(model), reward_funcs=[create("ds_test_accuracy"), create("ds_test_length")], args=args,
                     train_dataset=Dataset.from_list(data))


def ds_logs(trainer) -> list[dict[str, float]]:
    return [e for e in trainer.state.log_history if "dynamic_sampling/rounds" in e]
