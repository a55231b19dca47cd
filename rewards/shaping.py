"""Small shaping rewards for stage 1: think format, DAPO soft overlong punishment, n-gram repetition penalty.

All three are synchronous, cheap and pure. They score every task unless a `tasks` kwarg narrows them, e.g.
`tasks: [math, code]`.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from rewards.base import Completion, Reward, answer_part, check_tasks, completion_text
from rewards.registry import register
from rewards.rules import think_tags_ok

def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


class ShapingReward(Reward):
    """Scores each routed completion independently with `score`; rows of other tasks get `None`."""

    def __init__(self, tasks: Sequence[str] | None = None) -> None:
        if tasks is not None:
            self.tasks = check_tasks(tasks)

    def score(self, text: str, ids: Sequence[int] | None) -> float:
        raise NotImplementedError

    def __call__(
        self,
        completions: Sequence[Completion],
        completion_ids: Sequence[Sequence[int]] | None = None,
        task: Sequence[str | None] | None = None,
        **_: Any,
    ) -> list[float | None]:
        out: list[float | None] = [None] * len(completions)
        for i in self.routed(completions, task):
            out[i] = self.score(completion_text(completions[i]), completion_ids[i] if completion_ids else None)
        return out


@register("think_format")
class ThinkFormat(ShapingReward):
    """1.0 for well-formed thinking (`rewards.rules.think_tags_ok`: exactly one `</think>`, at most one `<think>`
    and only at the start, a non-blank answer after `</think>`), else 0.0."""

    def score(self, text: str, ids: Sequence[int] | None) -> float:
        return 1.0 if think_tags_ok(text) else 0.0


@register("overlong_penalty")
class OverlongPenalty(ShapingReward):
    """DAPO's soft overlong punishment on the completion's token count L.

    0 when L <= max_completion_length - cache_length, then linear down to -1 at L = max_completion_length, and -1
    beyond. `max_completion_length` must equal the trainer's (a truncated completion then scores exactly -1); when
    it is left out, the pipeline fills in the stage's `grpo.max_completion_length` (`rl.config`).
    `cache_length` (DAPO's L_cache, the soft buffer) defaults to 20% of it, DAPO's 4096 of 20480.
    """

    def __init__(
        self, max_completion_length: int | None = None, cache_length: int | None = None,
        tasks: Sequence[str] | None = None,
    ) -> None:
        super().__init__(tasks)
        if max_completion_length is not None:
            _check_int("max_completion_length", max_completion_length, 1)
            if cache_length is None:
                cache_length = max_completion_length // 5
            if _check_int("cache_length", cache_length, 0) >= max_completion_length:
                raise ValueError(
                    f"cache_length ({cache_length}) must be smaller than max_completion_length ({max_completion_length})"
                )
        elif cache_length is not None:
            _check_int("cache_length", cache_length, 0)
        self.max_completion_length = max_completion_length
        self.cache_length = cache_length

    def score(self, text: str, ids: Sequence[int] | None) -> float:
        if ids is None:
            raise ValueError("overlong_penalty needs `completion_ids` (token ids); GRPOTrainer passes them")
        if self.max_completion_length is None:
            raise ValueError("overlong_penalty: max_completion_length is not set; give the trainer's value (the "
                             "rl pipeline fills it in from the stage's grpo.max_completion_length)")
        n, hi = len(ids), self.max_completion_length
        lo = hi - self.cache_length
        if n <= lo:
            return 0.0
        if n > hi:
            return -1.0
        return (lo - n) / self.cache_length


@register("repetition_penalty")
class RepetitionPenalty(ShapingReward):
    """N-gram repetition penalty (open-r1's `get_repetition_penalty_reward`).

    Words are the lowercased whitespace-split text; with D distinct and N total word n-grams the reward is
    `max_penalty * (1 - D / N)`: 0 for text without repeated n-grams, approaching `max_penalty` for a loop. Text
    shorter than `ngram_size` words scores 0. `scope`: "completion" (default; thinking included, where
    degenerate loops happen) or "answer" (the text after the last `</think>`; 0 when there is none).
    """

    def __init__(
        self,
        ngram_size: int = 20,
        max_penalty: float = -1.0,
        scope: str = "completion",
        tasks: Sequence[str] | None = None,
    ) -> None:
        super().__init__(tasks)
        self.ngram_size = _check_int("ngram_size", ngram_size, 1)
        finite = isinstance(max_penalty, (int, float)) and not isinstance(max_penalty, bool) and math.isfinite(max_penalty)
        if not finite or max_penalty > 0:
            raise ValueError(f"max_penalty must be a number <= 0, got {max_penalty!r}")
        self.max_penalty = float(max_penalty)
        if scope not in ("completion", "answer"):
            raise ValueError(f"scope must be 'completion' or 'answer', got {scope!r}")
        self.scope = scope

    def score(self, text: str, ids: Sequence[int] | None) -> float:
        part = answer_part(text) if self.scope == "answer" else text
        words = (part or "").lower().split()
        total = len(words) - self.ngram_size + 1
        if total <= 0:
            return 0.0
        distinct = len({tuple(words[i:i + self.ngram_size]) for i in range(total)})
        return self.max_penalty * (1.0 - distinct / total) + 0.0  # + 0.0: no -0.0
