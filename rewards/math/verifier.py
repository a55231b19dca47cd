"""Public verifier API: `verify(gold, response)` and `verify_batch(pairs)` -> `Verdict`.

Pipeline per pair: extract the final answer (parent, string work) -> cache lookup on (gold, extracted answer) ->
fast path in the parent for literal/number/letter/text answers -> otherwise a worker process (hard timeout).

Reasons:
- `equal`: the answer is equivalent to the gold answer;
- `mismatch`: it is not;
- `no_answer`: nothing to grade (no box or marker in the answer part, unclosed `<think>`, empty or truncated box);
- `hedged`: several disagreeing final answers (boxes that disagree, `3 or 4`, `\\pm`, a list when the gold is one
  value, several choice letters);
- `invalid_gold`: the gold answer is empty;
- `timeout`: the worker overran the time limit and was killed (pathological input);
- `resource_limit`: the worker hit its memory or recursion limit;
- `error`: the worker crashed or no worker could be started.
`timeout`, `resource_limit` and `error` are infrastructure outcomes (`INFRA_REASONS`): `correct` is False, and the
`math_accuracy` reward leaves such samples unscored.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Iterable

from rewards.math.equivalence import quick_decide
from rewards.math.extract import extract_answer
from rewards.math.normalize import normalize
from rewards.math.numbers import REL_TOL
from rewards.math.pool import VerifierPool

DEFAULT_TIMEOUT_S = 2.0
INFRA_REASONS = frozenset({"timeout", "resource_limit", "error"})
CACHE_SIZE = 100_000


@dataclass(frozen=True)
class Verdict:
    """Outcome of grading one response: `correct`, the `extracted` final answer (None when none), and `reason`."""

    correct: bool
    extracted: str | None
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


class _Cache:
    """Thread-safe LRU of (gold, extracted answer) -> reason; infrastructure outcomes are never stored."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> str | None:
        with self._lock:
            reason = self._data.get(key)
            if reason is not None:
                self._data.move_to_end(key)
            return reason

    def put(self, key: tuple[str, str], reason: str) -> None:
        if reason in INFRA_REASONS:
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


def _combine(reasons: list[str]) -> str:
    """One verdict over all boxes of a response: any infra outcome wins; disagreeing boxes are hedging."""
    infra = [r for r in reasons if r in INFRA_REASONS]
    if infra:
        return infra[0]
    if "hedged" in reasons or (len(set(reasons)) > 1):
        return "hedged"
    return reasons[0]


def verify_batch(pairs: Iterable[tuple[str, str]], timeout_s: float = DEFAULT_TIMEOUT_S) -> list[Verdict]:
    """Grade (gold, response) pairs; one `Verdict` per pair, in order. Safe to call from any thread.

    Each distinct (gold, answer) is verified once (and cached); worker calls run concurrently, each under a hard
    `timeout_s`. Raises TypeError for non-string inputs and ValueError for a non-positive timeout.
    """
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be > 0, got {timeout_s!r}")
    pairs = list(pairs)
    extractions = []
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise TypeError(f"pair {i} must be (gold: str, response: str), got {pair!r:.200}")
        extractions.append(extract_answer(pair[1]))
    jobs: dict[tuple[str, str], str | None] = {}
    for (gold, _), ext in zip(pairs, extractions):
        if ext.answer is not None and normalize(gold):
            for cand in dict.fromkeys(ext.candidates):
                jobs[(gold, cand)] = None
    slow = []
    for key in jobs:
        reason = CACHE.get(key) or quick_decide(normalize(key[0]), normalize(key[1]), REL_TOL)
        if reason is None:
            slow.append(key)
        else:
            jobs[key] = reason
            CACHE.put(key, reason)
    if slow:
        pool, executor = get_pool()
        for key, reason in zip(slow, executor.map(lambda k: pool.call(k[0], k[1], REL_TOL, timeout_s), slow)):
            jobs[key] = reason
            CACHE.put(key, reason)
    verdicts = []
    for (gold, _), ext in zip(pairs, extractions):
        if ext.answer is None:
            verdicts.append(Verdict(False, None, "no_answer"))
        elif not normalize(gold):
            verdicts.append(Verdict(False, ext.answer, "invalid_gold"))
        else:
            reason = _combine([jobs[(gold, c)] for c in dict.fromkeys(ext.candidates)])  # type: ignore[misc]
            verdicts.append(Verdict(reason == "equal", ext.answer, reason))
    return verdicts


def verify(gold: str, response: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Verdict:
    """Grade one response against the gold answer (see `verify_batch`)."""
    return verify_batch([(gold, response)], timeout_s)[0]
