"""Client for the sandbox HTTP API v1: asyncio and sync APIs over one or many servers.

- Load is spread round-robin over the servers; a failed attempt (connection error, timeout, HTTP 5xx) is retried
  on the next server after an exponential backoff (``backoff_s * 2**attempt``), ``retries`` times.
- Infrastructure failure (every attempt failed) raises `SandboxUnavailable`. A program that fails its tests is a
  normal response. A request the server rejects (HTTP 4xx, ``status == "invalid_request"``) is RETURNED as that
  response dict (with its ``error``), never raised: it is a data problem, not an outage.
- aiohttp sessions belong to one event loop; the client keeps one per loop, so it may be used from several loops
  or threads. The sync methods run on a private background loop. Pickling drops sessions and threads.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import weakref
from typing import Any, Sequence

import aiohttp

SANDBOX_URL_ENV = "SANDBOX_URL"


class SandboxUnavailable(RuntimeError):
    """No sandbox server answered properly (all down, timeouts, 5xx after retries, or a malformed answer)."""


class _Retryable(Exception):
    pass


def parse_urls(urls: str | Sequence[str]) -> list[str]:
    """One URL, a comma-separated string of URLs, or a sequence of URLs -> validated list without trailing '/'."""
    items = urls.split(",") if isinstance(urls, str) else list(urls)
    out = [u.strip().rstrip("/") for u in items if isinstance(u, str)]
    if not out or len(out) != len(items) or not all(out):
        raise ValueError(f"sandbox urls must be a non-empty list of http(s) URLs, got {urls!r}")
    for u in out:
        if not u.startswith(("http://", "https://")):
            raise ValueError(f"sandbox url {u!r} must start with http:// or https://")
    return out


def _abandon(session: aiohttp.ClientSession) -> None:
    """Drop a session whose event loop is closed (its sockets died with the loop) without GC warnings."""
    connector = session.connector
    session.detach()
    if connector is not None:
        connector._close()  # sync part of close(); the async part needs the dead loop


class SandboxClient:
    def __init__(self, urls: str | Sequence[str], *, timeout_s: float = 60.0, retries: int = 3,
                 backoff_s: float = 0.2, max_connections: int = 64):
        self.urls = parse_urls(urls)
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s!r}")
        if not (isinstance(retries, int) and retries >= 0):
            raise ValueError(f"retries must be an int >= 0, got {retries!r}")
        if not backoff_s >= 0:
            raise ValueError(f"backoff_s must be >= 0, got {backoff_s!r}")
        if not (isinstance(max_connections, int) and max_connections >= 1):
            raise ValueError(f"max_connections must be an int >= 1, got {max_connections!r}")
        self.timeout_s, self.retries, self.backoff_s, self.max_connections = timeout_s, retries, backoff_s, max_connections
        self._init_runtime()

    def _init_runtime(self) -> None:
        self._rr = itertools.count()
        self._lock = threading.Lock()
        self._per_loop: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop -> (session, semaphore)
        self._sync_loop: asyncio.AbstractEventLoop | None = None
        self._sync_thread: threading.Thread | None = None

    def __getstate__(self) -> dict:
        return {k: getattr(self, k) for k in ("urls", "timeout_s", "retries", "backoff_s", "max_connections")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._init_runtime()

    def __del__(self) -> None:
        for loop, (session, _) in list(getattr(self, "_per_loop", {}).items()):
            if not session.closed and not loop.is_running():
                _abandon(session)

    def __repr__(self) -> str:
        return f"SandboxClient({self.urls!r}, timeout_s={self.timeout_s}, retries={self.retries})"

    # ------------------------------------------------------------------------------------------ async
    def _session(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        with self._lock:
            for dead in [lp for lp in self._per_loop if lp.is_closed()]:
                _abandon(self._per_loop.pop(dead)[0])
            entry = self._per_loop.get(loop)
            if entry is None or entry[0].closed:
                connector = aiohttp.TCPConnector(limit=self.max_connections, limit_per_host=self.max_connections)
                entry = (aiohttp.ClientSession(connector=connector, json_serialize=json.dumps),
                         asyncio.Semaphore(self.max_connections))
                self._per_loop[loop] = entry
        return entry

    async def _request(self, method: str, path: str, payload: Any = None) -> dict:
        session, sem = self._session()
        start = next(self._rr)
        errors: list[str] = []
        for attempt in range(self.retries + 1):
            url = self.urls[(start + attempt) % len(self.urls)] + path
            try:
                async with sem:
                    async with session.request(method, url, json=payload,
                                               timeout=aiohttp.ClientTimeout(total=self.timeout_s)) as resp:
                        if resp.status >= 500:
                            raise _Retryable(f"HTTP {resp.status}: {(await resp.text())[:200]}")
                        try:
                            data = await resp.json(content_type=None)
                        except (ValueError, aiohttp.ContentTypeError) as e:
                            raise _Retryable(f"HTTP {resp.status} with a non-JSON body ({e})") from None
                if not isinstance(data, dict) or "status" not in data:
                    raise _Retryable(f"HTTP {resp.status} with an unexpected body {str(data)[:200]}")
                if resp.status >= 400 and data.get("status") != "invalid_request":
                    raise SandboxUnavailable(f"{url}: HTTP {resp.status}: {data}")
                return data
            except (aiohttp.ClientError, asyncio.TimeoutError, _Retryable) as e:
                errors.append(f"{url}: {type(e).__name__}: {e}")
            if attempt < self.retries:
                await asyncio.sleep(self.backoff_s * (2 ** attempt))
        raise SandboxUnavailable(f"sandbox unavailable after {len(errors)} attempt(s): " + "; ".join(errors[-3:]))

    async def arun(self, request: dict) -> dict:
        """POST /run; returns the contract's response dict (including ``invalid_request`` ones)."""
        return await self._request("POST", "/run", request)

    async def arun_batch(self, requests: list[dict]) -> list[dict]:
        """All requests concurrently (each one /run, spread over the servers); results in the same order."""
        return list(await asyncio.gather(*(self.arun(r) for r in requests)))

    async def aexecute(self, code: str, setup_cells: Sequence[str] = (), limits: dict | None = None) -> dict:
        """POST /execute: run a Python cell after replaying `setup_cells` (output discarded); the response dict
        (``status``, ``stdout``, ``stderr``, ``exit_code``, ``time_s``, ``failed_cell``; ``invalid_request`` returned)."""
        request: dict[str, Any] = {"language": "python", "code": code, "setup_cells": list(setup_cells)}
        if limits is not None:
            request["limits"] = limits
        return await self._request("POST", "/execute", request)

    async def ahealth(self) -> dict:
        """GET /health of the first server that answers; SandboxUnavailable when none does."""
        errors = []
        for url in self.urls:
            try:
                session, _ = self._session()
                async with session.get(url + "/health", timeout=aiohttp.ClientTimeout(total=self.timeout_s)) as r:
                    data = await r.json(content_type=None)
                    if r.status == 200 and isinstance(data, dict) and data.get("status") == "ok":
                        return {**data, "url": url}
                    errors.append(f"{url}: HTTP {r.status}")
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
                errors.append(f"{url}: {type(e).__name__}: {e}")
        raise SandboxUnavailable("no healthy sandbox server: " + "; ".join(errors))

    async def aclose(self) -> None:
        """Close this loop's session (sessions of other, still running loops are closed on their loop)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            entries = list(self._per_loop.items())
            self._per_loop.clear()
        for other, (session, _) in entries:
            if other is loop:
                await session.close()
            elif other.is_running():
                asyncio.run_coroutine_threadsafe(session.close(), other)
            else:
                _abandon(session)

    # ------------------------------------------------------------------------------------------- sync
    def _run_sync(self, coro):
        with self._lock:
            if self._sync_loop is None:
                self._sync_loop = asyncio.new_event_loop()
                self._sync_thread = threading.Thread(target=self._sync_loop.run_forever, name="sandbox-client",
                                                     daemon=True)
                self._sync_thread.start()
        return asyncio.run_coroutine_threadsafe(coro, self._sync_loop).result()

    def run(self, request: dict) -> dict:
        return self._run_sync(self.arun(request))

    def run_batch(self, requests: list[dict]) -> list[dict]:
        return self._run_sync(self.arun_batch(requests))

    def execute(self, code: str, setup_cells: Sequence[str] = (), limits: dict | None = None) -> dict:
        return self._run_sync(self.aexecute(code, setup_cells, limits))

    def health(self) -> dict:
        return self._run_sync(self.ahealth())

    def close(self) -> None:
        """Close the sync loop's session and stop its thread (the client stays usable: both restart lazily)."""
        with self._lock:
            loop, thread = self._sync_loop, self._sync_thread
            self._sync_loop = self._sync_thread = None
        if loop is not None:
            asyncio.run_coroutine_threadsafe(self.aclose(), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()
