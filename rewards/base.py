"""The reward-function contract shared by every reward (see shared design, section 2).

A reward is an instance of a `Reward` subclass: a picklable callable that TRL's GRPOTrainer calls with
`completions`, `prompts`, `completion_ids`, every dataset column, and extra kwargs such as `log_metric`.
It returns one `float | None` per completion; `None` means "another task" or "could not be scored".
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Mapping, Sequence

from rewards.hints import did_you_mean
from rewards.kwargs import NoKwargs, kwarg, parse_kwargs

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
TASKS = ("math", "code", "general")

Completion = str | list[dict[str, Any]]


def completion_text(completion: Completion) -> str:
    """The generated text of one completion, conversational (list of messages) or plain.

    A tool rollout (assistant turn, tool results, assistant turn, ...) is read from its last tool result on: the
    final answer is what the model wrote after the last tool turn, and tool output never counts as the model's text.
    """
    if isinstance(completion, str):
        return completion
    start = max((i + 1 for i, m in enumerate(completion) if m.get("role") == "tool"), default=0)
    return "".join(str(m.get("content") or "") for m in completion[start:] if m.get("role", "assistant") == "assistant")


def answer_part(text: str) -> str | None:
    """The answer: text after the last `</think>`.

    The chat template opens the assistant turn with `<think>\\n`, so a completion normally has no opening tag.
    Returns `None` when thinking was opened but never closed (truncated output: no answer). A text with no think
    tags at all is returned whole.
    """
    close = text.rfind(THINK_CLOSE)
    if close >= 0:
        return text[close + len(THINK_CLOSE):]
    if THINK_OPEN in text:
        return None
    return text


def prompt_text(prompt: Any) -> str:
    """The last user message of a conversational prompt, or the prompt itself when it is plain text."""
    if isinstance(prompt, str):
        return prompt
    users = [m for m in prompt if m.get("role") == "user"]
    return str((users[-1] if users else prompt[-1]).get("content") or "") if prompt else ""


def check_tasks(tasks: Any) -> tuple[str, ...]:
    """Validate a `tasks` kwarg (a task name or a non-empty list of them) against `TASKS`."""
    if isinstance(tasks, str):
        tasks = [tasks]
    if not isinstance(tasks, (list, tuple)) or not tasks or not all(isinstance(t, str) for t in tasks):
        raise TypeError(f"tasks must be a non-empty list of task names, got {tasks!r}")
    for t in tasks:
        if t not in TASKS:
            raise ValueError(f"unknown task {t!r}{did_you_mean(t, TASKS, 1)} (known tasks: {', '.join(TASKS)})")
    return tuple(tasks)


class Reward:
    """Base class of every registered reward.

    Subclasses set `name` (via `@register`), `tasks` (rows whose `task` is not listed get `None`; empty means
    every task), `columns` (dataset columns the reward reads) and `Kwargs`, the dataclass declaring their kwargs
    (`rewards.kwargs.kwarg`: type, range, default, help; and the run values they need, `rewards.needs`).
    `renamed` maps former kwarg names to current ones, for a clear error.

    Construction validates the kwargs generically, sets each one as an attribute of the same name, then calls
    `setup()` for cross-kwarg checks and derived state. Both must stay cheap: config validation constructs rewards
    before any model loads. Expensive resources (models, HTTP sessions, process pools) are created lazily and
    dropped from the pickled state.
    """

    name: ClassVar[str] = ""
    tasks: ClassVar[tuple[str, ...]] = ()
    columns: ClassVar[tuple[str, ...]] = ()
    Kwargs: ClassVar[type] = NoKwargs
    renamed: ClassVar[Mapping[str, str]] = {}
    # The chat template opens the assistant turn with `<think>\n`, so a completion starts inside its thinking.
    require_thinking: bool = True
    # True for verifiers whose `None` on a row of their task means "could not be scored" (infrastructure failure):
    # the trainer then excludes that sample from every reward (`rl.trainer`).
    unscored_excludes_row: ClassVar[bool] = False
    # True for verifiers of correctness (math_accuracy, code_tests, rule_checks): the stage's default dynamic-sampling
    # metric (`rl.dynamic_sampling`). Shaping rewards (format, length, repetition) and learned reward models are not.
    accuracy: ClassVar[bool] = False

    def __init__(self, **kwargs: Any) -> None:
        options = parse_kwargs(self.name or type(self).__name__, self.Kwargs, kwargs, self.renamed)
        for f in dataclasses.fields(options):
            setattr(self, f.name, getattr(options, f.name))
        self.setup()

    def setup(self) -> None:
        """Check kwargs against each other and derive state from them (cheap; raise `ValueError`)."""

    @property
    def __name__(self) -> str:  # TRL names the metric `rewards/<__name__>/mean`
        return self.name

    def applies(self, task: str | None) -> bool:
        return not self.tasks or task in self.tasks

    def routed(self, completions: Sequence[Completion], task: Sequence[str | None] | None) -> list[int]:
        """Indices of the completions this reward scores (rows of its tasks)."""
        if task is None:
            return list(range(len(completions)))
        return [i for i, t in enumerate(task) if self.applies(t)]

    def response_text(self, completion: Completion) -> str:
        """The assistant turn as the model produced it.

        With `require_thinking` (the default: the chat template opened `<think>`), a completion that does not open
        thinking itself is read as starting inside it, so a completion without `</think>` has no answer and text
        before `</think>` never counts as the answer. Rewards set `require_thinking=False` for chat templates that
        do not open thinking.
        """
        text = completion_text(completion)
        if self.require_thinking and THINK_OPEN not in text:
            return f"{THINK_OPEN}\n{text}"
        return text

    async def aclose(self) -> None:
        """Release resources held on the calling event loop (e.g. HTTP sessions); the reward stays usable."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def require_thinking_kwarg() -> Any:
    """The `require_thinking` kwarg every answer-reading reward declares (see `Reward.response_text`)."""
    return kwarg(True, "the chat template opens <think>: a completion without </think> has no answer; false for "
                       "templates that do not open thinking")


def tasks_kwarg(help: str = "the row tasks scored (others get None); default: the reward's own") -> Any:
    """An optional `tasks` kwarg narrowing (or widening) the row tasks a reward scores."""
    return kwarg(None, help, convert=check_tasks)
