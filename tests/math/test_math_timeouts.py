"""Hard timeouts in worker processes: from any thread, without blocking other verifications, with recovery."""

import os
import signal
import threading
import time

import pytest

from rewards.math import verifier
from rewards.math.pool import VerifierPool

PATHOLOGICAL = "</think>\\boxed{9^{9^{9^{9}}}}"


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
    assert 1.0 <= elapsed < 1.8
    assert results["fast"][0].reason == "equal"
    assert fast_done_while_slow_running  # not queued behind the stuck worker


def test_killed_workers_are_replaced(pool):
    verdicts = verifier.verify_batch([(str(k), "</think>\\boxed{%d^{%d^{%d^{%d}}}}" % (k, k, k, k))
                                      for k in (7, 8, 9)], timeout_s=0.5)
    assert [v.reason for v in verdicts] == ["timeout"] * 3
    assert pool._idle.qsize() == pool.size  # every killed worker was replaced
    assert verifier.verify("\\sqrt{8}", "</think>\\boxed{2\\sqrt{2}}", timeout_s=15.0).reason == "equal"


def test_timeouts_are_not_cached(pool):
    assert verifier.verify("1", PATHOLOGICAL, timeout_s=0.3).reason == "timeout"
    assert verifier.CACHE.get(("1", "9^{9^{9^{9}}}")) is None


def test_crashed_worker_reports_error_and_recovers():
    pool = VerifierPool(size=1)
    try:
        pool.start()
        worker = pool._idle.get()
        pool._idle.put(worker)
        threading.Timer(0.5, os.kill, (worker.pid, signal.SIGKILL)).start()
        assert pool.call("1", "9^{9^{9^{9}}}", 1e-6, 10.0) == "error"
        assert pool.call("2", "\\sqrt{4}", 1e-6, 15.0) == "equal"
    finally:
        pool.close()
    assert pool._zygote is None


def test_closed_pool_refuses_work():
    pool = VerifierPool(size=1)
    pool.close()
    assert pool.call("1", "1", 1e-6, 1.0) == "error"
