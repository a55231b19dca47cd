"""Hard timeouts in worker processes: from any thread, without blocking other verifications, with recovery."""

import os
import signal
import threading
import time

import pytest

from rewards.math import verifier
from rewards.math.numbers import too_large
from rewards.math.pool import STARVED, VerifierPool

SLOW_ANSWER = "\\int_0^1 x^{x^{x^{x}}} dx"  # sympy tries to integrate it: minutes of CPU
PATHOLOGICAL = "</think>\\boxed{" + SLOW_ANSWER + "}"


@pytest.fixture(scope="module")
def pool():
    pool, _ = verifier.get_pool()
    pool.start()
    return pool


def test_pathological_times_out_from_a_thread_while_others_proceed(pool):
    results = {}

    def pathological():
        t = time.perf_counter()
        results["slow"] = (verifier.verify("1", PATHOLOGICAL, timeout_s=1.0), time.perf_counter() - t)

    def normal():
        t = time.perf_counter()
        results["fast"] = (verifier.verify("(1,2]", "</think>\\boxed{(1, 2]}", timeout_s=15.0),
                           time.perf_counter() - t)

    slow = threading.Thread(target=pathological)
    slow.start()
    time.sleep(0.2)  # the pathological call now occupies a worker
    fast = threading.Thread(target=normal)
    fast.start()
    fast.join(timeout=30)
    fast_done_while_slow_running = slow.is_alive()
    slow.join(timeout=30)

    verdict, elapsed = results["slow"]
    assert (verdict.correct, verdict.reason) == (False, "timeout")
    assert 1.0 <= elapsed < 1.0 + verifier.RETRY_FACTOR * 1.0 + 0.8  # a CPU-starved first try is retried once
    assert results["fast"][0].reason == "equal"
    assert fast_done_while_slow_running  # not queued behind the stuck worker


def test_killed_workers_are_replaced(pool):
    verdicts = verifier.verify_batch([(str(k), "</think>\\boxed{\\int_0^1 %s^{%s^{%s^{%s}}} d%s}" % ((v,) * 5))
                                      for k, v in ((7, "t"), (8, "y"), (9, "x"))], timeout_s=0.5)
    assert [v.reason for v in verdicts] == ["timeout"] * 3
    assert pool._idle.qsize() == pool.size  # every killed worker was replaced
    assert verifier.verify("\\sqrt{8}", "</think>\\boxed{2\\sqrt{2}}", timeout_s=15.0).reason == "equal"


def test_timeouts_are_not_cached(pool):
    assert verifier.verify("1", PATHOLOGICAL, timeout_s=0.3).reason == "timeout"
    assert verifier.CACHE.get(("1", SLOW_ANSWER, False)) is None


def test_crashed_worker_reports_error_and_recovers():
    pool = VerifierPool(size=1)
    try:
        pool.start()
        worker = pool._idle.get()
        pool._idle.put(worker)
        threading.Timer(0.5, os.kill, (worker.pid, signal.SIGKILL)).start()
        assert pool.call("1", SLOW_ANSWER, 1e-6, 10.0) == "error"
        assert pool.call("2", "\\sqrt{4}", 1e-6, 15.0) == "equal"
    finally:
        pool.close()
    assert pool._zygote is None


def test_closed_pool_refuses_work():
    pool = VerifierPool(size=1)
    pool.close()
    assert pool.call("1", "1", 1e-6, 1.0) == "error"


def test_pathological_answer_burning_cpu_is_a_timeout_without_retry():
    pool = VerifierPool(size=1)
    try:
        pool.start()
        t = time.perf_counter()
        reason = pool.call("1", SLOW_ANSWER, 1e-6, 1.0)
        elapsed = time.perf_counter() - t
    finally:
        pool.close()
    if os.getloadavg()[0] < os.cpu_count():  # the worker had its CPU: the answer is the cause
        assert reason == "timeout"
    assert reason in ("timeout", STARVED) and elapsed < 1.8


def test_worker_starved_by_load_is_retried_with_a_longer_limit():
    """A worker that gets no CPU (stopped, as under heavy load) overruns without using its time: the verifier
    retries once on a fresh worker, so load never turns a right answer into a wrong one."""
    pool = VerifierPool(size=1)
    try:
        pool.start()
        worker = pool._idle.get()
        pool._idle.put(worker)
        os.kill(worker.pid, signal.SIGSTOP)
        assert pool.call("\\sqrt{8}", "2\\sqrt{2}", 1e-6, 0.5) == STARVED
        os.kill(pool._idle.queue[0].pid, signal.SIGSTOP)
        limits = []
        real_call = pool.call
        pool.call = lambda g, a, tol, timeout_s, prose=False: limits.append(timeout_s) or real_call(g, a, tol, timeout_s, prose)
        assert verifier._verify_slow(pool, "\\sqrt{8}", "2\\sqrt{2}", 1.0) == "equal"  # on a fresh worker
        assert limits == [1.0, verifier.RETRY_FACTOR * 1.0]
    finally:
        pool.close()


def test_limits_are_wrong_answers_and_only_errors_are_infrastructure():
    assert verifier.LIMIT_REASONS == {"timeout", "resource_limit"} and verifier.INFRA_REASONS == {"error"}


def test_power_tower_beyond_evaluation_is_rejected_without_a_worker():
    t = time.perf_counter()
    verdicts = verifier.verify_batch([("1", "</think>\\boxed{9^{9^{9^{9}}}}"), ("2", "</think>\\boxed{2 + 0\\cdot 9^{9^{9}}}"),
                                      ("2^{2^{20}}", "</think>\\boxed{2^{2^{20}}}")])
    assert [v.reason for v in verdicts] == ["resource_limit", "resource_limit", "equal"]
    assert time.perf_counter() - t < 0.5
    t = time.perf_counter()
    assert not too_large("7" * 200_000 + "1") and too_large("7" * 4400 + "^{300}")  # linear in the length
    assert time.perf_counter() - t < 0.2
