"""A pool of warm runner processes (each one bubblewrap sandbox running `runner_script.py`)."""
from __future__ import annotations

import asyncio
import json
import logging
import struct

from sandbox.isolation import RunnerSpec

log = logging.getLogger("sandbox.pool")
START_TIMEOUT_S = 20.0


class RunnerFailed(RuntimeError):
    """The runner died or stopped answering; it has been killed and will be replaced."""


class Runner:
    """One warm runner. Not concurrency-safe: the pool hands it to one request at a time."""

    def __init__(self, spec: RunnerSpec):
        self.spec = spec
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.spec.launch() as (argv, kwargs):
            self.proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=None, **kwargs)
        try:
            hello, _ = await asyncio.wait_for(self._recv(), START_TIMEOUT_S)
        except (asyncio.TimeoutError, RunnerFailed) as e:
            await self.kill()
            raise RunnerFailed(f"runner did not start: {e or 'timeout'}; its stderr (above) says why "
                               "(is bubblewrap allowed to create user namespaces here?)") from None
        if not hello.get("ready"):
            await self.kill()
            raise RunnerFailed(f"unexpected runner greeting {hello!r}")

    async def _recv(self) -> tuple[dict, bytes]:
        try:
            hlen, blen = struct.unpack(">II", await self.proc.stdout.readexactly(8))
            header = json.loads(await self.proc.stdout.readexactly(hlen))
            body = await self.proc.stdout.readexactly(blen) if blen else b""
        except (asyncio.IncompleteReadError, ValueError) as e:
            raise RunnerFailed(f"runner exited or sent garbage ({type(e).__name__})") from None
        return header, body

    async def send(self, header: dict, body: bytes = b"") -> None:
        head = json.dumps(header).encode()
        try:
            self.proc.stdin.write(struct.pack(">II", len(head), len(body)) + head + body)
            await self.proc.stdin.drain()
        except (ConnectionError, OSError) as e:
            await self.kill()
            raise RunnerFailed(f"runner failed while receiving {header.get('op')!r}: {e}") from None

    async def recv(self, timeout_s: float) -> tuple[dict, bytes]:
        """The next frame; on timeout or a broken runner, kill it and raise RunnerFailed."""
        try:
            return await asyncio.wait_for(self._recv(), timeout_s)
        except (asyncio.TimeoutError, RunnerFailed) as e:
            await self.kill()
            raise RunnerFailed(f"runner failed: {type(e).__name__}: {e}") from None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def kill(self) -> None:
        if self.proc is None:
            return
        if self.proc.returncode is None:
            try:
                self.proc.kill()  # bwrap --die-with-parent takes the whole sandbox down with it
            except ProcessLookupError:
                pass
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except asyncio.TimeoutError:
            log.error("runner pid %s did not exit after SIGKILL", self.proc.pid)
        if self.proc.stdin is not None:
            self.proc.stdin.close()


class RunnerPool:
    """N warm runners; `acquire()` waits for an idle one, `release()` returns it (replacing dead ones)."""

    def __init__(self, spec: RunnerSpec, size: int):
        if size < 1:
            raise ValueError(f"workers must be >= 1, got {size}")
        self.spec, self.size = spec, size
        self._idle: asyncio.Queue[Runner] = asyncio.Queue()
        self._all: list[Runner] = []
        self.waiting = 0
        self.restarts = 0

    async def start(self) -> None:
        runners = [Runner(self.spec) for _ in range(self.size)]
        await asyncio.gather(*(r.start() for r in runners))
        for r in runners:
            self._all.append(r)
            self._idle.put_nowait(r)

    @property
    def idle(self) -> int:
        return self._idle.qsize()

    async def acquire(self) -> Runner:
        """An idle, live runner (one that died while idle is replaced first)."""
        self.waiting += 1
        try:
            runner = await self._idle.get()
        finally:
            self.waiting -= 1
        if not runner.alive:
            runner = await self._replace(runner)
        return runner

    async def release(self, runner: Runner) -> None:
        if not runner.alive:
            runner = await self._replace(runner)
        self._idle.put_nowait(runner)

    async def _replace(self, dead: Runner) -> Runner:
        self.restarts += 1
        await dead.kill()
        fresh = Runner(self.spec)
        while True:
            try:
                await fresh.start()
                break
            except RunnerFailed as e:
                log.error("restarting a runner failed: %s; retrying in 1 s", e)
                await asyncio.sleep(1.0)
        self._all[self._all.index(dead)] = fresh
        return fresh

    async def close(self) -> None:
        await asyncio.gather(*(r.kill() for r in self._all))
        self._all.clear()
        self.spec.cleanup()

