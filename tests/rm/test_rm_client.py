"""RMClient against misbehaving HTTP servers: retries with backoff, timeouts, partial failures."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from rewards import infra
from rewards.model.client import RMClient, RMUnavailableError
from rewards.model.reward import RewardModelReward

Handler = Callable[[web.Request], Awaitable[web.Response]]


@contextlib.asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/score", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.1)  # don't wait for handlers left hanging
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def length_scores(request: web.Request) -> web.Response:
    body = await request.json()
    return web.json_response({"scores": [float(len(r)) for r in body["responses"]]})


def test_retries_transient_errors_with_backoff():
    calls: list[float] = []

    async def flaky(request: web.Request) -> web.Response:
        calls.append(time.monotonic())
        if len(calls) <= 2:
            return web.json_response({"status": "internal_error", "error": "warming up"}, status=503)
        return await length_scores(request)

    async def go() -> list[float]:
        async with serve(flaky) as url:
            return await RMClient(url, max_retries=3, backoff_s=0.1).score(["p", "p"], ["ab", "abcd"])

    assert asyncio.run(go()) == [2.0, 4.0]
    assert len(calls) == 3
    assert calls[1] - calls[0] >= 0.09 and calls[2] - calls[1] >= 0.19  # 0.1 s, then 0.2 s


def test_gives_up_after_max_retries():
    calls = []

    async def broken(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=500, text="boom")

    async def go() -> None:
        async with serve(broken) as url:
            await RMClient(url, max_retries=2, backoff_s=0.01).score(["p"], ["a"])

    with pytest.raises(RMUnavailableError, match="HTTP 500"):
        asyncio.run(go())
    assert len(calls) == 3


def test_a_hanging_server_times_out():
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return await length_scores(request)

    async def go() -> float:
        async with serve(hang) as url:
            start = time.monotonic()
            with pytest.raises(RMUnavailableError, match="TimeoutError"):
                await RMClient(url, timeout_s=0.3, max_retries=1, backoff_s=0.01).score(["p"], ["a"])
            return time.monotonic() - start

    assert 0.6 <= asyncio.run(go()) < 3  # two attempts of 0.3 s


def test_partial_failure_keeps_the_scores_obtained_and_the_reward_counts_the_rest():
    async def picky(request: web.Request) -> web.Response:
        body = await request.json()
        if any("fail" in r for r in body["responses"]):
            return web.Response(status=502, text="bad gateway")
        return await length_scores(request)

    prompts = ["p"] * 4
    completions = ["</think>ab", "</think>fail", "</think>abc", "</think>abcd"]

    async def go() -> tuple[RMUnavailableError, list[float | None]]:
        async with serve(picky) as url:
            with pytest.raises(RMUnavailableError) as info:
                await RMClient(url, batch_size=1, max_retries=0).score(prompts, ["ab", "fail", "abc", "abcd"])
            lenient = RewardModelReward(url=url, batch_size=2, retries=0, max_failure_fraction=0.5)
            strict = RewardModelReward(url=url, batch_size=1, retries=0, max_failure_fraction=0.2)
            lenient_out = await lenient(prompts=prompts, completions=completions, task=["general"] * 4)
            with pytest.raises(infra.InfrastructureError, match="1/4"):
                await strict(prompts=prompts, completions=completions, task=["general"] * 4)
            return info.value, lenient_out

    before = infra.FAILURES["reward_model"]
    error, out = asyncio.run(go())
    assert error.partial == [2.0, None, 3.0, 4.0]
    assert out == [None, None, 3.0, 4.0]  # the failing request held rows 0 and 1 (batch_size=2)
    assert infra.FAILURES["reward_model"] - before == 2 + 1


@pytest.mark.parametrize("kwargs, message", [
    ({"url": "localhost:1"}, "url"), ({"url": "http://h", "batch_size": 0}, "batch_size"),
    ({"url": "http://h", "max_retries": -1}, "max_retries"), ({"url": "http://h", "timeout_s": 0}, "timeout_s"),
    ({"url": "http://h", "backoff_s": -1}, "backoff_s"),
])
def test_bad_client_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RMClient(**kwargs)
