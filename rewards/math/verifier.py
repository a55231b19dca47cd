"""Public verifier API: `verify(gold, response)` and `verify_batch(pairs)` -> `Verdict`.

Pipeline per pair: extract the final answer (parent, string work; a gold written as a solution with a box gives
its last box group) -> cache lookup on (gold, extracted answer, prose) -> fast path in the parent for literal/
number/letter/text answers -> otherwise a worker process (hard timeout). A prose clause (`prose.prose_answer`)
always goes to a worker, which finds its math with math-verify's default extraction first.

Reasons:
- `equal`: the answer is equivalent to the gold answer;
- `mismatch`: it is not (a single value against a multi-valued gold, too);
- `no_answer`: nothing to grade (no box, marker, bare expression or single-answer prose clause in the answer part,
  no math in that clause, unclosed `<think>`, empty or truncated last box);
- `hedged`: a multi-valued final answer against a one-value gold: boxes joined by separators or a list
  (`\\boxed{3} or \\boxed{4}`, `3, 4`, `3 or 4`), `\\pm`, or several choice letters;
- `invalid_gold`: the gold answer is empty;
- `timeout`: the verification of this answer overran its time limit (after one retry with `RETRY_FACTOR` times
  the limit when the worker was starved of CPU, so machine load never decides a verdict);
- `resource_limit`: the worker hit its memory or recursion limit on this answer;
- `error`: the worker crashed or no worker could be started.
`timeout` and `resource_limit` (`LIMIT_REASONS`) are caused by the answer: `correct` is False and the reward scores
0. Only `error` (`INFRA_REASONS`) is an infrastructure outcome, which the `math_accuracy` reward leaves unscored.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Iterable

from rewards.math.equivalence import quick_decide
from rewards.math.extract import extract_answer, gold_answer
from rewards.math.normalize import normalize
from rewards.math.numbers import REL_TOL
from rewards.math.pool import STARVED, VerifierPool

DEFAULT_TIMEOUT_S = 2.0
RETRY_FACTOR = 2.0
INFRA_REASONS = frozenset({"error"})
LIMIT_REASONS = frozenset({"timeout", "resource_limit"})
CACHE_SIZE = 100_000
# graded by `equivalent(..., prose=True)` in a worker
PROSE_SOURCES = frozenset({"prose", "expression_or_prose", "marker_or_prose"})


@dataclass(frozen=True)
class Verdict:
    """Outcome of grading one response: `correct`, the `extracted` final answer (None when none), and `reason`."""

    correct: bool
    extracted: str | None
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


class _Cache:
    """Thread-safe LRU of (gold, extracted answer, prose) -> reason; limits and infrastructure outcomes are never
    stored."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[tuple[str, str, bool], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, bool]) -> str | None:
        with self._lock:
            reason = self._data.get(key)
            if reason is not None:
                self._data.move_to_end(key)
            return reason

    def put(self, key: tuple[str, str, bool], reason: str) -> None:
        if reason in INFRA_REASONS or reason in LIMIT_REASONS:
            return
        with self._lock:
            self._data[key] = reason
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


CACHE = _Cache(CACHE_SIZE)
_pool: VerifierPool | None = None
_executor: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def get_pool() -> tuple[VerifierPool, ThreadPoolExecutor]:
    """The process-wide worker pool and its dispatch threads (created lazily; recreated after a fork)."""
    global _pool, _executor
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():
            _pool = VerifierPool()
            _executor = ThreadPoolExecutor(max_workers=_pool.size, thread_name_prefix="math-verify")
        return _pool, _executor  # type: ignore[return-value]


def _verify_slow(pool: VerifierPool, gold: str, answer: str, timeout_s: float, prose: bool = False) -> str:
    """One worker verification; a worker starved of CPU by machine load gets one retry with a longer limit."""
    reason = pool.call(gold, answer, REL_TOL, timeout_s, prose)
    if reason == STARVED:
        reason = pool.call(gold, answer, REL_TOL, RETRY_FACTOR * timeout_s, prose)
    return "timeout" if reason == STARVED else reason


def verify_batch(pairs: Iterable[tuple[str, str]], timeout_s: float = DEFAULT_TIMEOUT_S) -> list[Verdict]:
    """Grade (gold, response) pairs; one `Verdict` per pair, in order. Safe to call from any thread.

    Each distinct (gold, answer) is verified once (and cached); worker calls run concurrently, each under a hard
    `timeout_s` (a CPU-starved worker is retried once under `RETRY_FACTOR * timeout_s`). Raises TypeError for
    non-string inputs and ValueError for a non-positive timeout.
    """
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be > 0, got {timeout_s!r}")
    pairs = list(pairs)
    keys: list[tuple[str, str, bool] | None] = []
    answers: list[str | None] = []
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise TypeError(f"pair {i} must be (gold: str, response: str), got {pair!r:.200}")
        extraction = extract_answer(pair[1])
        answer, prose = extraction.answer, extraction.source in PROSE_SOURCES
        gold = gold_answer(pair[0])
        answers.append(answer)
        keys.append((gold, answer, prose) if answer is not None and normalize(gold) else None)
    jobs: dict[tuple[str, str, bool], str | None] = {}
    for key in keys:
        if key is not None:
            jobs[key] = CACHE.get(key) or (None if key[2] else quick_decide(normalize(key[0]), normalize(key[1])))
    slow = [key for key, reason in jobs.items() if reason is None]
    if slow:
        pool, executor = get_pool()
        for key, reason in zip(slow, executor.map(lambda k: _verify_slow(pool, k[0], k[1], timeout_s, k[2]), slow)):
            jobs[key] = reason
    for key, reason in jobs.items():
        CACHE.put(key, reason)  # type: ignore[arg-type]
    verdicts = []
    for key, answer in zip(keys, answers):
        if answer is None:
            verdicts.append(Verdict(False, None, "no_answer"))
        elif key is None:
            verdicts.append(Verdict(False, answer, "invalid_gold"))
        else:
            reason = jobs[key]
            verdicts.append(Verdict(reason == "equal", answer, reason))  # type: ignore[arg-type]
    return verdicts


def verify(gold: str, response: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Verdict:
    """Grade one response against the gold answer (see `verify_batch`)."""
    return verify_batch([(gold, response)], timeout_s)[0]
