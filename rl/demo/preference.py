"""The demo's general reward model: a tiny Qwen2 sequence classifier trained with TRL's RewardTrainer
(Bradley-Terry) on preference pairs of the general family, so stage 2's `reward_model` term is a learned quality
signal and not noise.

In stage 2 the reward model only scores answers that already pass their rule checks (`gate_on_rules`), so what it
must rank is quality among rule-abiding answers. Each pair prefers a prompt's gold answer over one of:
- **flawed**: the family's flawed answer (one constraint forgotten);
- **off-topic**: another prompt's gold answer;
- **loop**: the gold answer with a span of its words repeated, as a degenerating policy writes;
- **stutter**: the gold answer with one letter of a word repeated and the rest cut off.
The answers are what the scorer sees (thinking stripped), after the row's templated prompt.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from typing import Any

from rewards.base import answer_part
from rl.demo.data import draw_items, sft_example
from rl.demo.tasks import Item

logger = logging.getLogger(__name__)


def _answer(trace: str) -> str:
    """The answer of a demo trace (which always closes its thinking), stripped."""
    return (answer_part(trace) or "").strip()


def _flawed(item: Item, other: Item, rng: random.Random) -> str:
    return _answer(item.flawed or other.completion)


def _off_topic(item: Item, other: Item, rng: random.Random) -> str:
    return _answer(other.completion)


def _loop(item: Item, other: Item, rng: random.Random) -> str:
    words = _answer(item.completion).split()
    start = rng.randrange(max(1, len(words) - 3))
    span = words[start:start + rng.randint(2, 5)]
    return " ".join(words[:start] + span * rng.randint(3, 6) + words[start:])


def _stutter(item: Item, other: Item, rng: random.Random) -> str:
    words = _answer(item.completion).split()
    i = rng.randrange(len(words))
    word = words[i]
    j = rng.randrange(len(word))
    return " ".join(words[:i] + [word[:j] + word[j] * rng.randint(6, 20)])


# Makers of a worse answer to `item`'s prompt, by kind; `other` is another prompt's item.
_REJECTED = {"flawed": _flawed, "off_topic": _off_topic, "loop": _loop, "stutter": _stutter}
REJECTIONS = tuple(_REJECTED)


def preference_pairs(seed: int, n: int, exclude: set[str] = frozenset()) -> list[dict[str, Any]]:
    """`n` conversational RewardTrainer examples (`prompt`, `chosen`, `rejected`) from general items of `seed`
    (keys in `exclude` skipped), the rejection kinds in turn."""
    items = draw_items("general", seed, n, exclude)
    rng = random.Random(f"rl.demo.preference:{seed}")
    pairs = []
    for i, item in enumerate(items):
        other = items[(i + 1 + rng.randrange(n - 1)) % n] if n > 1 else item
        chosen = _answer(item.completion)
        rejected = _REJECTED[REJECTIONS[i % len(REJECTIONS)]](item, other, rng)
        if rejected == chosen:
            continue
        pairs.append({"prompt": sft_example(item)["prompt"],
                      "chosen": [{"role": "assistant", "content": chosen}],
                      "rejected": [{"role": "assistant", "content": rejected}]})
    return pairs


def train_reward_model(out_dir: str | Path, tokenizer: Any, pairs: list[dict[str, Any]], seed: int = 0,
                       steps: int = 150, batch_size: int = 32, learning_rate: float = 3e-3) -> dict[str, float]:
    """Train a tiny reward model (`rl.smoke.tiny.build_reward_model`) on `pairs` with TRL's RewardTrainer and save
    it with `tokenizer` into `out_dir`; returns its training-set pair accuracy and the seconds it took."""
    from datasets import Dataset
    from trl import RewardConfig, RewardTrainer

    from rl.smoke.tiny import build_reward_model

    start = time.monotonic()
    model = build_reward_model(out_dir, tokenizer, seed=seed)
    args = RewardConfig(output_dir=str(Path(out_dir) / "training"), max_steps=steps,
                        per_device_train_batch_size=batch_size, learning_rate=learning_rate,
                        lr_scheduler_type="constant_with_warmup", warmup_steps=10, logging_steps=steps,
                        save_strategy="no", report_to="none", use_cpu=True, bf16=False, seed=seed,
                        disable_tqdm=True, dataset_num_proc=None, max_length=256, activation_checkpointing=False)
    trainer = RewardTrainer(model=model, args=args, train_dataset=Dataset.from_list(pairs),
                            processing_class=tokenizer)
    result = trainer.train()
    trainer.save_model(str(out_dir))
    tokenizer.save_pretrained(out_dir)
    accuracy = [h["accuracy"] for h in trainer.state.log_history if "accuracy" in h]
    record = {"loss": round(result.training_loss, 4), "accuracy": accuracy[-1] if accuracy else float("nan"),
              "seconds": round(time.monotonic() - start, 1)}
    logger.info("demo reward model: %s", record)
    return record
