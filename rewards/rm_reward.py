"""The `reward_model` reward: a general reward model scoring the answer of `general` rows (local or remote).

Per call, for the rows of its tasks (default `("general",)`):
1. **No answer.** A completion whose thinking never closed (no `</think>`, with `require_thinking`) or whose
   answer is blank is not scored; it gets `no_answer_score`.
2. **Gating** (`gate_on_rules`). A row with constraints whose rule checks fail (`rewards.rules.rules_pass`) is
   not scored; it gets `gate_fail_score`. Rows with no constraints are not gated.
3. **Scoring** of prompt + answer (thinking stripped) by a local model (`model`) or an `rm_server` (`url`).
   Rows the server could not score are `None` (counted via `rewards.infra.report_failures`), never 0.
4. **Per group** (runs of identical consecutive prompts, see `rewards.rm_normalize`), over the scored rows:
   length-bias guard, then `normalize`, then `clip`.
5. Fill values: a number, or `"group_min"`, the lowest final score among the group's scored rows (0.0 when
   the group has none; any constant is then equivalent, as GRPO advantages are group-relative).
"""

from __future__ import annotations

import asyncio
import math
from typing import Any, Callable, Sequence

from rewards.base import Reward, answer_part, check_bool, check_tasks, prompt_text
from rewards.infra import report_failures
from rewards.registry import register
from rewards.reward_model import RewardModelScorer, validate_scorer_options
from rewards.rm_client import RMClient, RMUnavailableError
from rewards.rm_normalize import clip as clip_scores, infer_groups, length_correlation, neutralize_length, zscore

NORMALIZE = ("none", "group_zscore")
LENGTH_GUARDS = ("none", "neutralize", "neutralize_positive")
GROUP_MIN = "group_min"


def _fill_value(name: str, value: Any) -> float | str:
    if value == GROUP_MIN:
        return GROUP_MIN
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number or {GROUP_MIN!r}, got {value!r}")
    return float(value)


def _clip_bounds(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return (-float(value), float(value))
    if (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value) and value[0] < value[1]):
        return (float(value[0]), float(value[1]))
    raise ValueError(f"clip must be null, a positive number c (for [-c, c]) or [low, high] with low < high, "
                     f"got {value!r}")


@register("reward_model")
class RewardModelReward(Reward):
    """General reward-model score of the answer. Exactly one of `model` (local) and `url` (remote) is given.

    Local only: `max_length`, `dtype`, `device` (the server has its own flags). `batch_size` is the forward batch
    locally and the pairs per HTTP request remotely. Remote only: `timeout_s`, `max_retries`, `backoff_s`.
    `length_guard`: `neutralize` removes, within each group, the least-squares linear trend of the RM score on the
    answer's length in characters (keeping the group mean, so the scores' correlation with length becomes 0);
    `neutralize_positive` does so only when longer answers score higher. Groups with < 3 scored rows are left as is.
    """

    tasks = ("general",)
    columns = ()  # reads `constraints` only for gating, and only when the column is present
    unscored_excludes_row = True

    def __init__(self, model: str | None = None, url: str | None = None, max_length: int = 4096,
                 batch_size: int = 8, dtype: str = "auto", device: str = "auto", normalize: str = "none",
                 clip: float | Sequence[float] | None = None, gate_on_rules: bool = False,
                 gate_fail_score: float | str = GROUP_MIN, no_answer_score: float | str = GROUP_MIN,
                 require_thinking: bool = True, length_guard: str = "none", tasks: Sequence[str] | None = None,
                 max_failure_fraction: float = 0.1, timeout_s: float = 120.0, max_retries: int = 3,
                 backoff_s: float = 1.0) -> None:
        if (model is None) == (url is None):
            raise ValueError("give exactly one of 'model' (local path or hub id) and 'url' (an rm_server)")
        validate_scorer_options(max_length, batch_size, dtype, device)
        if normalize not in NORMALIZE:
            raise ValueError(f"normalize must be one of {NORMALIZE}, got {normalize!r}")
        if length_guard not in LENGTH_GUARDS:
            raise ValueError(f"length_guard must be one of {LENGTH_GUARDS}, got {length_guard!r}")
        check_bool("gate_on_rules", gate_on_rules)
        check_bool("require_thinking", require_thinking)
        if isinstance(max_failure_fraction, bool) or not isinstance(max_failure_fraction, (int, float)) or not (
                0 <= max_failure_fraction <= 1):
            raise ValueError(f"max_failure_fraction must be in [0, 1], got {max_failure_fraction!r}")
        if tasks is not None:
            self.tasks = check_tasks(tasks)
        self.scorer = RewardModelScorer(model, max_length, batch_size, dtype, device) if model is not None else None
        self.client = RMClient(url, batch_size=batch_size, timeout_s=timeout_s, max_retries=max_retries,
                               backoff_s=backoff_s) if url is not None else None
        self.normalize, self.length_guard, self.clip = normalize, length_guard, _clip_bounds(clip)
        self.gate_on_rules, self.require_thinking = gate_on_rules, require_thinking
        self.gate_fail_score = _fill_value("gate_fail_score", gate_fail_score)
        self.no_answer_score = _fill_value("no_answer_score", no_answer_score)
        self.max_failure_fraction = float(max_failure_fraction)

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
        for group in infer_groups(prompts):
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
