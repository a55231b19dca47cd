"""Async client of `rewards.model.server`: batching, per-request timeouts, retries with exponential backoff.

`RMClient.score` splits the pairs into requests of `batch_size`, sends up to `max_concurrency` at a time, and
retries a request that fails for transport reasons (connection refused/reset, timeout, HTTP 5xx) up to
`max_retries` times, sleeping `backoff_s * 2**attempt` in between. A request still failing after that raises
`RMUnavailableError`, which carries the scores of the requests that did succeed (`partial`, `None` elsewhere).
A 4xx answer means the client sent something wrong: it raises `RMRequestError` at once, without retrying.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Sequence

import aiohttp

logger = logging.getLogger(__name__)


class RMUnavailableError(ConnectionError):
    """The reward-model server could not be reached or kept failing; `partial` holds the scores obtained."""

    def __init__(self, message: str, partial: list[float | None]) -> None:
        super().__init__(message)
        self.partial = partial


class RMRequestError(ValueError):
    """The server rejected a request as malformed (HTTP 4xx): a bug in the caller, not an outage."""


class _Transient(Exception):
    pass


class RMClient:
    """Client for one reward-model server at `url` (e.g. `http://10.0.0.5:8100`). Picklable; holds no session."""

    def __init__(self, url: str, batch_size: int = 32, timeout_s: float = 120.0, max_retries: int = 3,
                 backoff_s: float = 1.0, max_concurrency: int = 4) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"url must be an http(s) URL such as 'http://host:8100', got {url!r}")
        for name, value, minimum in (("batch_size", batch_size, 1), ("max_retries", max_retries, 0),
                                     ("max_concurrency", max_concurrency, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
        for name, value in (("timeout_s", timeout_s), ("backoff_s", backoff_s)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (
                    name == "timeout_s" and value == 0):
                raise ValueError(f"{name} must be a {'positive' if name == 'timeout_s' else 'non-negative'} "
                                 f"number, got {value!r}")
        self.url = url.rstrip("/")
        self.batch_size, self.timeout_s, self.max_retries = batch_size, float(timeout_s), max_retries
        self.backoff_s, self.max_concurrency = float(backoff_s), max_concurrency

    async def health(self) -> dict[str, Any]:
        """The server's /health body; raises RMUnavailableError when it cannot be reached."""
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s)) as session:
                async with session.get(f"{self.url}/health") as resp:
                    resp.raise_for_status()
                    return await resp.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise RMUnavailableError(f"reward-model server {self.url} unreachable: {e!r}", []) from e

    async def score(self, prompts: Sequence[Any], responses: Sequence[str]) -> list[float]:
        """One score per (prompt, response) pair, in order. Raises RMUnavailableError / RMRequestError."""
        if len(prompts) != len(responses):
            raise ValueError(f"{len(prompts)} prompts but {len(responses)} responses")
        starts = list(range(0, len(prompts), self.batch_size))
        if not starts:
            return []
        limit = asyncio.Semaphore(self.max_concurrency)
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        connector = aiohttp.TCPConnector(limit=self.max_concurrency)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            async def one(start: int) -> list[float]:
                body = {"prompts": list(prompts[start:start + self.batch_size]),
                        "responses": list(responses[start:start + self.batch_size])}
                async with limit:
                    return await self._post_with_retries(session, body)

            results = await asyncio.gather(*(one(s) for s in starts), return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException) and not isinstance(r, _Transient):
                raise r
        failures = [r for r in results if isinstance(r, _Transient)]
        partial: list[float | None] = []
        for start, r in zip(starts, results):
            n = min(self.batch_size, len(prompts) - start)
            partial.extend([None] * n if isinstance(r, BaseException) else r)
        if failures:
            raise RMUnavailableError(
                f"reward-model server {self.url}: {len(failures)}/{len(starts)} requests failed after "
                f"{self.max_retries} retries (last: {failures[-1]})", partial)
        return partial  # type: ignore[return-value]  # no None left

    async def _post_with_retries(self, session: aiohttp.ClientSession, body: dict[str, Any]) -> list[float]:
        for attempt in range(self.max_retries):
            try:
                return await self._post(session, body)
            except _Transient as e:
                delay = self.backoff_s * 2 ** attempt
                logger.warning("reward-model request failed (%s); retry %d/%d in %.1fs", e, attempt + 1,
                               self.max_retries, delay)
                await asyncio.sleep(delay)
        return await self._post(session, body)

    async def _post(self, session: aiohttp.ClientSession, body: dict[str, Any]) -> list[float]:
        n = len(body["responses"])
        try:
            async with session.post(f"{self.url}/score", json=body) as resp:
                text = await resp.text()
                status = resp.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise _Transient(repr(e)) from e
        if 400 <= status < 500:
            raise RMRequestError(f"reward-model server rejected the request ({status}): {text[:500]}")
        if status != 200:
            raise _Transient(f"HTTP {status}: {text[:200]}")
        try:
            scores = json.loads(text)["scores"]
            if not isinstance(scores, list) or len(scores) != n:
                raise ValueError(f"expected {n} scores")
            return [float(s) for s in scores]
        except (ValueError, KeyError, TypeError) as e:
            raise _Transient(f"malformed response ({e}): {text[:200]}") from e
