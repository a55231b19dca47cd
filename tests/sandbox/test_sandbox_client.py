"""sandbox.client: retries, failover, SandboxUnavailable, loops/threads, pickling; sandbox.local start-up errors."""
from __future__ import annotations

import asyncio
import pickle
import socket
import threading
import time

import aiohttp
import pytest
from aiohttp import web
from sandbox_testlib import py

from sandbox.client import SandboxClient, SandboxUnavailable, parse_urls
from sandbox.local import start_local_server

REQ = py("print(input()[::-1])", [{"input": "abc", "output": "cba"}])


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


class FlakyProxy:
    """A real HTTP hop in front of the server: the first `fail` requests get HTTP 503 (or hang for `delay_s`),
    later ones are forwarded to the real sandbox server."""

    def __init__(self, target: str, fail: int = 0, delay_s: float = 0.0):
        self.target, self.fail, self.delay_s, self.seen = target, fail, delay_s, 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        assert self.ready.wait(10)

    async def _handle(self, request: web.Request) -> web.Response:
        self.seen += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.seen <= self.fail:
            return web.Response(status=503, text="overloaded")
        async with aiohttp.ClientSession() as s:
            async with s.post(self.target + request.path, data=await request.read()) as r:
                return web.Response(status=r.status, body=await r.read(), content_type="application/json")

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        self.ready.set()
        self.loop.run_forever()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_parse_urls():
    assert parse_urls("http://a:1, http://b:2/") == ["http://a:1", "http://b:2"]
    assert parse_urls(["https://x"]) == ["https://x"]
    for bad in ("", "a:1", ["http://a", ""], [], "ftp://x"):
        with pytest.raises(ValueError):
            parse_urls(bad)
    with pytest.raises(ValueError, match="retries"):
        SandboxClient("http://a", retries=-1)


def test_retry_on_5xx_then_success(server):
    proxy = FlakyProxy(server.url, fail=2)
    try:
        c = SandboxClient(proxy.url, retries=3, backoff_s=0.01)
        assert c.run(REQ)["passed"] == 1
        assert proxy.seen == 3
        c.close()
        c = SandboxClient(proxy.url, retries=1, backoff_s=0.01)
        proxy.seen, proxy.fail = 0, 5
        with pytest.raises(SandboxUnavailable, match="HTTP 503"):
            c.run(REQ)
        c.close()
    finally:
        proxy.close()


def test_timeout_is_unavailable(server):
    proxy = FlakyProxy(server.url, delay_s=2.0)
    try:
        c = SandboxClient(proxy.url, timeout_s=0.3, retries=1, backoff_s=0.01)
        start = time.monotonic()
        with pytest.raises(SandboxUnavailable, match="TimeoutError"):
            c.run(REQ)
        assert time.monotonic() - start < 1.5
        c.close()
    finally:
        proxy.close()


def test_failover_between_two_servers(server):
    c = SandboxClient(f"{dead_url()},{server.url}", retries=1, backoff_s=0.01)
    results = c.run_batch([dict(REQ, code=REQ["code"] + f"  # {i}") for i in range(6)])
    assert [r["passed"] for r in results] == [1] * 6  # half went to the dead server first, then failed over
    c.close()


def test_all_down_raises_sandbox_unavailable():
    c = SandboxClient([dead_url(), dead_url()], retries=2, backoff_s=0.01)
    start = time.monotonic()
    with pytest.raises(SandboxUnavailable, match="3 attempt"):
        c.run(REQ)
    with pytest.raises(SandboxUnavailable, match="no healthy"):
        c.health()
    assert time.monotonic() - start < 5
    c.close()


def test_invalid_request_is_returned_not_raised(client):
    res = client.run({"language": "python", "code": "", "mode": "stdio", "tests": "nope"})
    assert res["status"] == "invalid_request" and "tests" in res["error"]


def test_pickle_and_several_event_loops(server):
    c = SandboxClient(server.url)
    assert asyncio.run(c.arun(REQ))["passed"] == 1
    c2 = pickle.loads(pickle.dumps(c))
    assert c2.urls == c.urls and asyncio.run(c2.arun(REQ))["passed"] == 1
    assert asyncio.run(c.arun(REQ))["passed"] == 1  # a second loop: a fresh session, no error
    out: list[dict] = []
    threads = [threading.Thread(target=lambda: out.append(asyncio.run(c.arun_batch([REQ, REQ]))))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [[r["passed"] for r in batch] for batch in out] == [[1, 1]] * 3
    assert c.run(REQ)["passed"] == 1 and c.health()["status"] == "ok"
    c.close()
    c2.close()


def test_local_server_start_failure_is_clear():
    with pytest.raises(RuntimeError, match="workers must be >= 1"):
        start_local_server(workers=0, start_timeout_s=30)
