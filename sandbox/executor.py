"""Execute one validated request on a warm runner: load (compile once), run tests one by one, judge here."""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import OrderedDict

from sandbox.metrics import Metrics
from sandbox.pool import RunnerFailed, RunnerPool
from sandbox.protocol import RunRequest
from sandbox.verdict import judge, skipped

log = logging.getLogger("sandbox.executor")
COMPILE_TIME_S = 30.0
COMPILE_MEMORY_MB = 2048
WATCHDOG_GRACE_S = 10.0  # the runner enforces limits itself; this only catches a wedged runner


class Executor:
    """Runs requests on the pool, with an LRU result cache and de-duplication of identical in-flight requests.
    The cache holds at most `cache_tests` test results in total (each costs up to ~2.5 KB: output previews)."""

    def __init__(self, pool: RunnerPool, metrics: Metrics, cache_tests: int = 100_000):
        self.pool, self.metrics, self.cache_tests = pool, metrics, cache_tests
        self._cache: OrderedDict[str, dict] = OrderedDict()
        self._cached_tests = 0
        self._inflight: dict[str, asyncio.Future] = {}

    async def run(self, req: RunRequest) -> dict:
        if req.key in self._cache:
            self._cache.move_to_end(req.key)
            self.metrics.cache_hits += 1
            return self._cache[req.key]
        if req.key in self._inflight:
            self.metrics.cache_hits += 1
            return await asyncio.shield(self._inflight[req.key])
        fut = asyncio.get_running_loop().create_future()
        self._inflight[req.key] = fut
        start = time.monotonic()
        try:
            result = await self._execute(req)
            self.metrics.observe_request(time.monotonic() - start, result["status"])
        except BaseException as e:
            fut.set_exception(e)
            fut.exception()  # mark retrieved: waiters (if any) re-raise it themselves
            raise
        finally:
            self._inflight.pop(req.key, None)
        fut.set_result(result)
        if result["status"] != "internal_error" and result["total"] <= self.cache_tests:
            self._cache[req.key] = result
            self._cached_tests += result["total"]
            while self._cached_tests > self.cache_tests:
                self._cached_tests -= self._cache.popitem(last=False)[1]["total"]
        return result

    async def _execute(self, req: RunRequest) -> dict:
        runner = await self.pool.acquire()
        try:
            return await self._on_runner(runner, req)
        except RunnerFailed as e:
            log.error("internal error: %s", e)
            return {"status": "internal_error", "error": str(e), "passed": 0, "total": len(req.tests),
                    "tests": [], "compile_output": ""}
        finally:
            await self.pool.release(runner)

    async def _on_runner(self, runner, req: RunRequest) -> dict:
        """One "run" frame carries the program and every test; results stream back one frame per test."""
        lim = req.limits
        tests, nonces, stdins = [], [], []
        for test in req.tests:
            entry = {"time_s": lim.time_s, "memory_mb": lim.memory_mb, "output_bytes": lim.output_bytes}
            stdin = test["input"].encode("utf-8", "surrogatepass") if req.mode == "stdio" else b""
            nonce = secrets.token_hex(16) if req.mode == "assert" else None
            if req.mode == "call":
                entry["payload"] = {"args": test["args"], "kwargs": test["kwargs"]}
            elif req.mode == "assert":
                entry["payload"], entry["nonce"] = {"input": test["input"]}, nonce
            entry["stdin_len"] = len(stdin)
            tests.append(entry)
            nonces.append(nonce)
            stdins.append(stdin)
        code = req.code.encode("utf-8", "surrogatepass")
        header = {"op": "run", "lang": req.language, "mode": req.mode, "entry_point": req.entry_point,
                  "compile_time_s": min(COMPILE_TIME_S, lim.total_time_s), "compile_memory_mb": COMPILE_MEMORY_MB,
                  "total_time_s": lim.total_time_s, "code_len": len(code), "tests": tests}
        await runner.send(header, code + b"".join(stdins))
        results: list[dict | None] = [None] * len(req.tests)
        stopped, first = False, True
        while True:
            try:  # the first frame may follow a compilation
                report, body = await runner.recv(lim.time_s + WATCHDOG_GRACE_S + (COMPILE_TIME_S if first else 0))
            except RunnerFailed:
                if first and req.language == "python":
                    # nothing came back yet: the Python parser, which runs inside the runner, took it down
                    return self._response("compile_error", [skipped() for _ in req.tests], "the parser crashed")
                raise
            first = False
            if "compile_error" in report:
                return self._response("compile_error", [skipped() for _ in req.tests], report["compile_error"])
            if report.get("done"):
                break
            i = report["index"]
            n_out, n_err, n_res = report["lens"]
            entry = judge(report, body[:n_out], body[n_out:n_out + n_err], body[n_out + n_err:n_out + n_err + n_res],
                          language=req.language, mode=req.mode, test=req.tests[i], compare=req.compare,
                          time_limit_s=lim.time_s, nonce=nonces[i])
            if stopped:  # ran before the runner saw our "stop"
                entry = skipped()
            else:
                self.metrics.observe_test(entry["status"], entry["time_s"])
                if req.stop_on_first_failure and entry["status"] != "passed":
                    stopped = True
                    await runner.send({"op": "stop"})
            results[i] = entry
        return self._response("ok", [r if r is not None else skipped() for r in results], "")

    @staticmethod
    def _response(status: str, tests: list[dict], compile_output: str) -> dict:
        passed = sum(t["status"] == "passed" for t in tests)
        return {"status": status, "passed": passed, "total": len(tests), "tests": tests,
                "compile_output": compile_output}
