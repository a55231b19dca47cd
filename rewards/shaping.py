"""Small shaping rewards for stage 1: think format, DAPO soft overlong punishment, n-gram repetition penalty.

All three are synchronous, cheap and pure. They score every task unless a `tasks` kwarg narrows them, e.g.
`tasks: [math, code]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from rewards.base import Completion, Reward, answer_part, completion_text, tasks_kwarg
from rewards.kwargs import kwarg
from rewards.registry import register
from rewards.rules import think_tags_ok


@dataclass(frozen=True)
class ShapingKwargs:
    tasks: list[str] | str | None = tasks_kwarg("the row tasks scored (others get None); default: every task")


class ShapingReward(Reward):
    """Scores each routed completion independently with `score`; rows of other tasks get `None`."""

    Kwargs = ShapingKwargs

    def setup(self) -> None:
        if self.tasks is None:
            self.tasks = type(self).tasks

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


@dataclass(frozen=True)
class OverlongKwargs(ShapingKwargs):
    max_completion_length: int | None = kwarg(None, "the trainer's completion length cap L_max, in tokens (bound "
                                                    "from grpo.max_completion_length)", ge=1,
                                              need="max_completion_length")
    cache_length: int | None = kwarg(None, "DAPO's soft buffer L_cache before L_max, in tokens; default 20% of "
                                           "L_max", ge=0)


@register("overlong_penalty")
class OverlongPenalty(ShapingReward):
    """DAPO's soft overlong punishment on the completion's token count L.

    0 when L <= max_completion_length - cache_length, then linear down to -1 at L = max_completion_length, and -1
    beyond. `max_completion_length` is a need (`rewards.needs`): the pipeline binds the stage's
    `grpo.max_completion_length` and rejects a different value, so a truncated completion scores exactly -1.
    `cache_length` (DAPO's L_cache, the soft buffer) defaults to 20% of it, DAPO's 4096 of 20480.
    """

    Kwargs = OverlongKwargs
    max_completion_length: int | None
    cache_length: int | None

    def setup(self) -> None:
        super().setup()
        if self.max_completion_length is not None:
            if self.cache_length is None:
                self.cache_length = self.max_completion_length // 5
            if self.cache_length >= self.max_completion_length:
                raise ValueError(f"cache_length ({self.cache_length}) must be smaller than max_completion_length "
                                 f"({self.max_completion_length})")

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


@dataclass(frozen=True)
class RepetitionKwargs(ShapingKwargs):
    ngram_size: int = kwarg(20, "words per n-gram", ge=1)
    max_penalty: float = kwarg(-1.0, "the reward of text that is one repeated n-gram", le=0.0)
    scope: str = kwarg("completion", "completion (thinking included) or answer (after the last </think>)",
                       choices=("completion", "answer"))


@register("repetition_penalty")
class RepetitionPenalty(ShapingReward):
    """N-gram repetition penalty (open-r1's `get_repetition_penalty_reward`).

    Words are the lowercased whitespace-split text; with D distinct and N total word n-grams the reward is
    `max_penalty * (1 - D / N)`: 0 for text without repeated n-grams, approaching `max_penalty` for a loop. Text
    shorter than `ngram_size` words scores 0. `scope`: "completion" (default; thinking included, where
    degenerate loops happen) or "answer" (the text after the last `</think>`; 0 when there is none).
    """

    Kwargs = RepetitionKwargs
    ngram_size: int
    max_penalty: float
    scope: str

    def score(self, text: str, ids: Sequence[int] | None) -> float:
        part = answer_part(text) if self.scope == "answer" else text
        words = (part or "").lower().split()
        total = len(words) - self.ngram_size + 1
        if total <= 0:
            return 0.0
        distinct = len({tuple(words[i:i + self.ngram_size]) for i in range(total)})
        return self.max_penalty * (1.0 - distinct / total) + 0.0  # + 0.0: no -0.0
