"""Scoring completions with a benchmark's registered reward, called exactly as TRL's GRPOTrainer calls it.

The reward gets `prompts`, `completions` (conversational: `[{"role": "assistant", "content": text}]` when the
prompt is a message list; a tool rollout's messages as they are), `completion_ids` (token ids, or None when
scoring completions made elsewhere), every dataset column, `trainer_state=None`, `log_extra` and `log_metric`. Async rewards are awaited on one event loop.
A `None` score on a row of the reward's task is an infrastructure failure: the sample is unscored.

Infrastructure thresholds are the eval's own (`Suite.max_unscored_fraction`, over a whole benchmark), so a scorer
that takes `max_failure_fraction` is built with 1.0 unless the suite sets it. Run values a scorer needs
(`rewards.needs`: sandbox URLs, completion length cap, group size) are bound from the eval's settings.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from rewards import registry
from rewards.base import Reward, completion_text

from rl.eval.suite import BenchmarkSpec, GenerationSettings, ScorerSpec

CHUNK = 256  # samples per reward call


@dataclass
class Scored:
    """One benchmark's scores: `scores[p][s]` for prompt p, sample s (None: unscored)."""

    scores: list[list[float | None]]
    metrics_logged: dict[str, float]


def run_values(bench: BenchmarkSpec, gen: GenerationSettings, sandbox_urls: list[str] | None) -> dict[str, Any]:
    """The run values a scorer may need (`rewards.needs`): the sandbox, the completion cap and the group size."""
    return {"sandbox_urls": sandbox_urls, "max_completion_length": bench.max_new_tokens or gen.max_new_tokens,
            "num_generations": bench.n}


def build_scorer(spec: ScorerSpec, values: dict[str, Any]) -> Reward:
    """The reward for `spec` with its needed run values bound, and the eval's own infra threshold (see the module
    doc). Raises `TypeError`/`ValueError`/`NeedError` for bad kwargs."""
    from rewards.config import RewardSpec
    from rewards.needs import bind

    kwargs = bind([RewardSpec(spec.name, kwargs=dict(spec.kwargs))], values)[0].kwargs
    if "max_failure_fraction" not in kwargs:
        try:
            return registry.create(spec.name, **kwargs, max_failure_fraction=1.0)
        except (TypeError, ValueError):
            pass  # the reward does not take it
    return registry.create(spec.name, **kwargs)


def needs_sandbox(spec: ScorerSpec) -> bool:
    """Whether the scorer runs code in the sandbox and was given no sandbox of its own."""
    from rewards.config import RewardSpec
    from rewards.needs import unbound

    return "sandbox_urls" in unbound(RewardSpec(spec.name, kwargs=dict(spec.kwargs)))


def _as_completion(prompt: Any, completion: str | list[dict[str, Any]]) -> Any:
    """A completion as TRL passes it: a message list as is (a tool rollout), text in an assistant message when the
    prompt is conversational."""
    if isinstance(completion, list):
        return completion
    return [{"role": "assistant", "content": completion}] if isinstance(prompt, list) else completion


def call_reward(reward: Callable, loop: asyncio.AbstractEventLoop, rows: Sequence[dict[str, Any]],
                texts: Sequence[str], completion_ids: Sequence[list[int]] | None,
                log_metric: Callable[[str, float], None]) -> list[float | None]:
    """One TRL-style reward call over aligned `rows` (dataset rows) and `texts` (completions)."""
    prompts = [r["prompt"] for r in rows]
    columns = {k: [r.get(k) for r in rows] for k in rows[0] if k not in ("prompt", "completion", "completion_ids")}
    kwargs = dict(prompts=prompts, completions=[_as_completion(p, t) for p, t in zip(prompts, texts)],
                  completion_ids=list(completion_ids) if completion_ids is not None else None, **columns,
                  trainer_state=None, log_extra=lambda *a, **k: None, log_metric=log_metric)
    if inspect.iscoroutinefunction(reward) or inspect.iscoroutinefunction(getattr(reward, "__call__", None)):
        out = loop.run_until_complete(reward(**kwargs))
    else:
        out = reward(**kwargs)
    if len(out) != len(texts):
        raise ValueError(f"scorer {getattr(reward, '__name__', reward)} returned {len(out)} scores for "
                         f"{len(texts)} completions")
    return [None if s is None or s != s else float(s) for s in out]


def score_benchmark(reward: Reward, rows: Sequence[dict[str, Any]], completions: Sequence[Sequence[str]],
                    completion_ids: Sequence[Sequence[list[int]]] | None = None,
                    progress: Callable[[int], None] | None = None) -> Scored:
    """Score `completions[p]` (the samples of prompt p) against `rows[p]`; returns scores in the same shape."""
    flat = [(p, s) for p, samples in enumerate(completions) for s in range(len(samples))]
    flat_scores: list[float | None] = []
    logged: dict[str, float] = {}

    def log_metric(key: str, value: float) -> None:
        logged[key] = logged.get(key, 0.0) + float(value)

    loop = asyncio.new_event_loop()
    try:
        for start in range(0, len(flat), CHUNK):
            part = flat[start:start + CHUNK]
            ids = [completion_ids[p][s] for p, s in part] if completion_ids is not None else None
            flat_scores += call_reward(reward, loop, [rows[p] for p, _ in part],
                                       [completions[p][s] for p, s in part], ids, log_metric)
            if progress is not None:
                progress(len(part))
        close = getattr(reward, "aclose", None)
        if close is not None:
            loop.run_until_complete(close())
    finally:
        loop.close()
    scores: list[list[float | None]] = [[] for _ in completions]
    for (p, _), score in zip(flat, flat_scores):
        scores[p].append(score)
    return Scored(scores=scores, metrics_logged=logged)


def response_texts(reward: Reward, completions: Sequence[str]) -> list[str]:
    """The completions as the reward reads them (the thinking rule applied)."""
    return [reward.response_text(completion_text(c)) for c in completions]


def math_answers(reward: Reward, row: dict[str, Any],
                 completions: Sequence[str]) -> tuple[list[str | None], list[bool]]:
    """The verifier's extracted final answer of each completion and whether it is correct (for maj@n)."""
    from rewards.math.verifier import verify_batch

    gold = row.get("answer") or ""
    verdicts = verify_batch([(gold, t) for t in response_texts(reward, completions)])
    return [v.extracted for v in verdicts], [v.correct for v in verdicts]


def math_equivalent(a: str, b: str) -> bool:
    """Whether two extracted answers are equivalent for the math verifier (`b` graded against gold `a`)."""
    from rewards.math.verifier import verify

    return verify(a, f"\\boxed{{{b}}}").correct


def constraint_results(reward: Reward, row: dict[str, Any], completions: Sequence[str]
                       ) -> tuple[list[list[bool]], list[list[bool]]]:
    """Per completion, each constraint's result strict and loose (IFEval's definitions, `rewards.rules.check`)."""
    from rewards.base import prompt_text
    from rewards.rules import check

    constraints = json.loads(row["constraints"]) if isinstance(row["constraints"], str) else row["constraints"]
    prompt = prompt_text(row["prompt"])
    strict, loose = [], []
    for text in response_texts(reward, completions):
        passed = check(text, constraints, prompt)
        failed = [i for i, ok in enumerate(passed) if not ok]  # loose differs only where strict failed
        relaxed = dict(zip(failed, check(text, [constraints[i] for i in failed], prompt, loose=True))) if failed else {}
        strict.append(passed)
        loose.append([ok or relaxed[i] for i, ok in enumerate(passed)])
    return strict, loose
