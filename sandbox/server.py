"""aiohttp server for the sandbox HTTP API v1 (design.md section 4): /run, /run_batch, /health, /metrics."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass

from aiohttp import web

from sandbox.execute import execute
from sandbox.executor import Executor
from sandbox.isolation import RunnerSpec
from sandbox.metrics import Metrics
from sandbox.pool import RunnerPool
from sandbox.protocol import InvalidRequest, parse_run_request

log = logging.getLogger("sandbox.server")


@dataclass
class ServerConfig:
    workers: int
    isolated: bool = True
    max_body_bytes: int = 16 << 20
    max_tests: int = 1000
    max_batch: int = 4096
    cache_tests: int = 100_000
    tmp_mb: int = 64
    max_procs: int = 16
    file_mb: int = 16
    python: str | None = None  # interpreter for programs (sandbox.interpreter); None: the system python


def _error(http_status: int, message: str) -> web.Response:
    return web.json_response({"status": "invalid_request", "error": message}, status=http_status)


class SandboxApp:
    def __init__(self, cfg: ServerConfig):
        self.cfg = cfg
        self.spec = RunnerSpec(isolated=cfg.isolated, tmp_mb=cfg.tmp_mb, max_procs=cfg.max_procs,
                               file_mb=cfg.file_mb, python=cfg.python)
        self.metrics = Metrics()
        self.pool = RunnerPool(self.spec, cfg.workers)
        self.executor = Executor(self.pool, self.metrics, cfg.cache_tests)
        self.started = time.time()

    def build(self) -> web.Application:
        app = web.Application(client_max_size=self.cfg.max_body_bytes, middlewares=[self._middleware])
        app.router.add_get("/health", self.health)
        app.router.add_get("/metrics", self.prometheus)
        app.router.add_post("/run", self.run)
        app.router.add_post("/run_batch", self.run_batch)
        app.router.add_post("/execute", self.execute)
        app.on_startup.append(lambda _: self.pool.start())
        app.on_cleanup.append(lambda _: self.pool.close())
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPRequestEntityTooLarge:
            response = _error(413, f"request body larger than the {self.cfg.max_body_bytes} byte cap")
        except web.HTTPException as e:
            response = web.json_response({"status": "invalid_request", "error": e.reason}, status=e.status)
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as e:  # never a traceback to the client; full one in the server log
            log.exception("unhandled error on %s", request.path)
            response = web.json_response({"status": "internal_error", "error": f"{type(e).__name__}: {e}"},
                                         status=500)
        self.metrics.requests[(request.path if request.path in self._paths else "other", response.status)] += 1
        return response

    _paths = ("/health", "/metrics", "/run", "/run_batch", "/execute")

    async def _json_body(self, request: web.Request):
        if request.content_length is not None and request.content_length > self.cfg.max_body_bytes:
            raise web.HTTPRequestEntityTooLarge(max_size=self.cfg.max_body_bytes,
                                                actual_size=request.content_length)
        raw = await request.read()
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise InvalidRequest(f"body is not valid JSON: {e}") from None

    async def _one(self, raw) -> dict:
        try:
            req = parse_run_request(raw, self.cfg.max_tests)
        except InvalidRequest as e:
            return {"status": "invalid_request", "error": str(e)}
        return await self.executor.run(req)

    async def run(self, request: web.Request) -> web.Response:
        try:
            body = await self._json_body(request)
        except InvalidRequest as e:
            return _error(400, str(e))
        result = await self._one(body)
        return web.json_response(result, status=400 if result["status"] == "invalid_request" else 200)

    async def run_batch(self, request: web.Request) -> web.Response:
        """Requests run concurrently over all workers; an invalid item gets its own invalid_request result."""
        try:
            body = await self._json_body(request)
        except InvalidRequest as e:
            return _error(400, str(e))
        reqs = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(reqs, list):
            return _error(400, "body must be an object {\"requests\": [<run request>, ...]}")
        if len(reqs) > self.cfg.max_batch:
            return _error(400, f"too many requests in one batch: {len(reqs)} > {self.cfg.max_batch}")
        results = await asyncio.gather(*(self._one(r) for r in reqs))
        return web.json_response({"results": results})

    async def execute(self, request: web.Request) -> web.Response:
        """One Python cell after replayed setup cells (sandbox/execute.py); a bad request gets 400."""
        try:
            body = await self._json_body(request)
        except InvalidRequest as e:
            return _error(400, str(e))
        result = await execute(self.pool, body)
        return web.json_response(result, status=400 if result["status"] == "invalid_request" else 200)

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({
            "status": "ok", "api": 1, "isolated": self.cfg.isolated, "python": self.spec.interpreter.describe(),
            "workers": self.pool.size,
            "idle_workers": self.pool.idle, "queue": self.pool.waiting, "runner_restarts": self.pool.restarts,
            "uptime_s": round(time.time() - self.started, 1), "counters": self.metrics.counters(),
        })

    async def prometheus(self, request: web.Request) -> web.Response:
        gauges = {"workers": self.pool.size, "idle_workers": self.pool.idle, "queue_length": self.pool.waiting,
                  "runner_restarts": self.pool.restarts}
        return web.Response(text=self.metrics.render(gauges), content_type="text/plain",
                            headers={"X-Prometheus-Format": "0.0.4"})
