"""The `reward_model` reward: a general reward model scoring the answer of `general` rows (local or remote).

Per call, for the rows of its tasks (default `("general",)`):
1. **No answer.** A completion whose thinking never closed (no `</think>`, with `require_thinking`) or whose
   answer is blank is not scored; it gets `no_answer_score`.
2. **Gating** (`gate_on_rules`). A row with constraints whose rule checks fail (`rewards.rules.rules_pass`) is
   not scored; it gets `gate_fail_score`. Rows with no constraints are not gated.
3. **Scoring** of prompt + answer (thinking stripped) by a local model (`model`) or a `rewards.model.server` (`url`).
   Rows the server could not score are `None` (counted via `rewards.infra.report_failures`), never 0.
4. **Per group** (`num_generations` consecutive rows, bound from the trainer's `grpo.num_generations`; see
   `rewards.model.normalize`), over the scored rows:
   length-bias guard, then `normalize`, then `clip`.
5. Fill values: a number, or `"group_min"`, the lowest final score among the group's scored rows (0.0 when
   the group has none; any constant is then equivalent, as GRPO advantages are group-relative).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from rewards.base import Reward, answer_part, prompt_text, require_thinking_kwarg, tasks_kwarg
from rewards.infra import failure_fraction_kwarg, report_failures
from rewards.kwargs import kwarg
from rewards.model.client import RMClient, RMUnavailableError
from rewards.model.normalize import clip as clip_scores, groups, length_correlation, neutralize_length, zscore
from rewards.model.scorer import DTYPES, RewardModelScorer
from rewards.registry import register

NORMALIZE = ("none", "group_zscore")
LENGTH_GUARDS = ("none", "neutralize", "neutralize_positive")
GROUP_MIN = "group_min"


def _fill_value(value: Any) -> float | str:
    if value == GROUP_MIN:
        return GROUP_MIN
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"must be a finite number or {GROUP_MIN!r}, got {value!r}")
    return float(value)


def _clip_bounds(value: Any) -> tuple[float, float]:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return (-float(value), float(value))
    if (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value) and value[0] < value[1]):
        return (float(value[0]), float(value[1]))
    raise ValueError(f"must be null, a positive number c (for [-c, c]) or [low, high] with low < high, got {value!r}")


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"must be an http(s) URL such as 'http://host:8100', got {value!r}")
    return value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a non-empty string")
    return value


@dataclass(frozen=True)
class RewardModelKwargs:
    model: str | None = kwarg(None, "local path or hub id of a sequence-classification reward model (local "
                                    "scoring); give this or url", convert=_non_empty, model_ref=True)
    url: str | None = kwarg(None, "a rewards.model.server to score with (remote scoring); give this or model",
                            convert=_http_url, infra=True)
    max_length: int = kwarg(4096, "tokens per scored pair, local scoring (the prompt is cut from the left)", ge=8)
    batch_size: int = kwarg(8, "pairs per forward pass (local) or per HTTP request (remote)", ge=1, infra=True)
    dtype: str = kwarg("auto", "weights dtype, local scoring", choices=DTYPES)
    device: str = kwarg("auto", "torch device, local scoring (auto: this process's accelerate device)",
                        convert=_non_empty, infra=True)
    normalize: str = kwarg("none", "per-group normalisation of the scores", choices=NORMALIZE)
    clip: float | list[float] | None = kwarg(None, "clip the final scores: c for [-c, c], or [low, high]",
                                             convert=_clip_bounds)
    gate_on_rules: bool = kwarg(False, "a row failing its rule checks is not scored and gets gate_fail_score")
    gate_fail_score: float | str = kwarg(GROUP_MIN, "score of a gated row: a number or group_min",
                                         convert=_fill_value)
    no_answer_score: float | str = kwarg(GROUP_MIN, "score of a completion without an answer: a number or "
                                                    "group_min", convert=_fill_value)
    require_thinking: bool = require_thinking_kwarg()
    length_guard: str = kwarg("none", "remove the within-group linear trend of score on answer length "
                                      "(neutralize_positive: only when longer scores higher)", choices=LENGTH_GUARDS)
    tasks: list[str] | str | None = tasks_kwarg()
    num_generations: int | None = kwarg(None, "completions per prompt: a group is that many consecutive rows "
                                              "(bound from grpo.num_generations; unbound, a group is a run of "
                                              "identical prompts)", ge=1, need="num_generations")
    max_failure_fraction: float = failure_fraction_kwarg(0.1)
    http_timeout_s: float = kwarg(120.0, "timeout of one scoring request, remote scoring, in seconds", gt=0.0,
                                  infra=True)
    retries: int = kwarg(3, "retries of a failed scoring request, remote scoring", ge=0, infra=True)
    backoff_s: float = kwarg(1.0, "first retry delay, doubled each retry, in seconds", ge=0.0, infra=True)


@register("reward_model")
class RewardModelReward(Reward):
    """General reward-model score of the answer; kwargs in `RewardModelKwargs`. Exactly one of `model` (local) and
    `url` (remote) is given.

    `length_guard`: `neutralize` removes, within each group, the least-squares linear trend of the RM score on the
    answer's length in characters (keeping the group mean, so the scores' correlation with length becomes 0);
    `neutralize_positive` does so only when longer answers score higher. Groups with < 3 scored rows are left as is.
    """

    tasks = ("general",)
    columns = ()  # reads `constraints` only for gating, and only when the column is present
    unscored_excludes_row = True
    Kwargs = RewardModelKwargs
    renamed = {"timeout_s": "http_timeout_s", "max_retries": "retries"}
    model: str | None
    url: str | None
    normalize: str
    clip: tuple[float, float] | None
    gate_on_rules: bool
    gate_fail_score: float | str
    no_answer_score: float | str
    length_guard: str
    num_generations: int | None
    max_failure_fraction: float

    def setup(self) -> None:
        if (self.model is None) == (self.url is None):
            raise ValueError("give exactly one of 'model' (local path or hub id) and 'url' (a rewards.model.server)")
        if self.tasks is None:
            self.tasks = type(self).tasks
        self.scorer = (RewardModelScorer(self.model, self.max_length, self.batch_size, self.dtype, self.device)
                       if self.model is not None else None)
        self.client = (RMClient(self.url, batch_size=self.batch_size, timeout_s=self.http_timeout_s,
                                max_retries=self.retries, backoff_s=self.backoff_s) if self.url is not None else None)

    @staticmethod
    def _answer(text: str) -> str | None:
        return (answer_part(text) or "").strip() or None

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], task: Sequence[str] | None = None,
                       constraints: Sequence[str | None] | None = None,
                       log_metric: Callable[[str, float], None] | None = None, **_: Any) -> list[float | None]:
        out: list[float | None] = [None] * len(completions)
        rows = self.routed(completions, task)
        if not rows:
            return out
        texts = {i: self.response_text(completions[i]) for i in rows}
        answers = {i: self._answer(texts[i]) for i in rows}
        no_answer = {i for i in rows if answers[i] is None}
        candidates = [i for i in rows if i not in no_answer]
        gated: set[int] = set()
        if self.gate_on_rules and constraints is not None:
            gated = await asyncio.to_thread(self._failing_rules, candidates, texts, constraints, prompts)
        to_score = [i for i in candidates if i not in gated]
        raw = dict(zip(to_score, await self._score([prompts[i] for i in to_score],
                                                   [answers[i] for i in to_score], log_metric)))
        final = self._postprocess(prompts, rows, raw, {i: len(answers[i] or "") for i in rows}, log_metric)
        for group, values in final:
            for i in group:
                if i in no_answer or i in gated:
                    fill = self.no_answer_score if i in no_answer else self.gate_fail_score
                    out[i] = min(values.values(), default=0.0) if fill == GROUP_MIN else fill
                else:
                    out[i] = values.get(i)
        if log_metric is not None:
            log_metric(f"rewards/{self.name}/no_answer_frac", len(no_answer) / len(rows))
            if self.gate_on_rules:
                log_metric(f"rewards/{self.name}/gated_frac", len(gated) / len(rows))
        return out

    @staticmethod
    def _failing_rules(rows: list[int], texts: dict[int, str], constraints: Sequence[str | None],
                       prompts: Sequence[Any]) -> set[int]:
        from rewards.rules import rules_pass

        return {i for i in rows if constraints[i] and rules_pass(texts[i], constraints[i],
                                                                 prompt_text(prompts[i])) is False}

    async def _score(self, prompts: list[Any], answers: list[str],
                     log_metric: Callable[[str, float], None] | None) -> list[float | None]:
        if not prompts:
            return []
        if self.scorer is not None:
            return list(await asyncio.to_thread(self.scorer.score, prompts, answers))
        assert self.client is not None
        try:
            scores: list[float | None] = list(await self.client.score(prompts, answers))
            detail = ""
        except RMUnavailableError as e:
            scores, detail = e.partial, str(e)
        failed = sum(s is None for s in scores)
        report_failures(self.name, failed, len(scores), self.max_failure_fraction, log_metric, detail)
        return scores

    def _postprocess(self, prompts: Sequence[Any], rows: list[int], raw: dict[int, float | None],
                     lengths: dict[int, int], log_metric: Callable[[str, float], None] | None,
                     ) -> list[tuple[list[int], dict[int, float]]]:
        """Per group: (row indices of this reward's rows, final scores of its scored rows)."""
        routed = set(rows)
        result, corrs, raw_values = [], [], []
        for group in groups(prompts, self.num_generations):
            members = [i for i in group if i in routed]
            if not members:
                continue
            scored = [i for i in members if raw.get(i) is not None]
            values = [float(raw[i]) for i in scored]  # type: ignore[arg-type]
            lens = [float(lengths[i]) for i in scored]
            raw_values += values
            corr = length_correlation(values, lens)
            if corr is not None:
                corrs.append(corr)
            if self.length_guard != "none":
                values = neutralize_length(values, lens, positive_only=self.length_guard == "neutralize_positive")
            if self.normalize == "group_zscore":
                values = zscore(values)
            result.append((members, dict(zip(scored, clip_scores(values, self.clip)))))
        if log_metric is not None and raw_values:
            log_metric(f"rewards/{self.name}/raw_mean", sum(raw_values) / len(raw_values))
            if corrs:
                log_metric(f"rewards/{self.name}/length_corr", sum(corrs) / len(corrs))
        return result
