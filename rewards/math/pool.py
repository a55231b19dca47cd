"""A pool of verifier worker processes with hard per-call timeouts that work from any thread.

Each worker runs `equivalence.equivalent` with math-verify's signal-based timeouts disabled. The caller waits on
the worker's socket with `Connection.poll(timeout)` (no signals, so any thread may call); a worker that overruns is
killed and replaced, so a pathological input costs one timeout and never blocks other calls. Workers are forked by
a warm zygote process (`rewards.math.worker`), so a replacement is ready in milliseconds. Each worker has an
address-space limit (`memory_mb`) and no limit on int/str conversion digits.

A worker that overruns is judged by the CPU time it used (from /proc): `timeout` when it used at least
`BUSY_SHARE` of the limit (the answer is expensive), `STARVED` when machine load kept it off the CPU (the caller
retries it with a longer limit).
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection

import rewards
from rewards.math.worker import _PID, recv_exact

logger = logging.getLogger(__name__)

STARVED = "starved"
BUSY_SHARE = 0.9
_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
_ENTRY = "import sys; from rewards.math.worker import main; main(sys.argv[1:])"
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(rewards.__file__)))


@dataclass
class _Worker:
    pid: int
    conn: Connection
    owner: "_Zygote"


class _Zygote:
    """Handle on the zygote process: fork and kill workers (thread-safe)."""

    def __init__(self, memory_mb: int, start_timeout_s: float) -> None:
        ours, theirs = socket.socketpair()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen(
            [sys.executable, "-c", _ENTRY, str(theirs.fileno()), str(memory_mb)],
            pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self.sock = ours
        self.lock = threading.Lock()
        ours.settimeout(start_timeout_s)
        try:
            if recv_exact(ours, 1) != b"R":
                raise OSError("unexpected handshake")
        except (OSError, EOFError) as e:
            self.close()
            raise OSError(f"math verifier zygote did not start: {e}") from e
        ours.settimeout(30.0)

    def fork(self) -> _Worker:
        ours, theirs = socket.socketpair()
        try:
            with self.lock:
                socket.send_fds(self.sock, [b"F"], [theirs.fileno()])
                pid = _PID.unpack(recv_exact(self.sock, _PID.size))[0]
        finally:
            theirs.close()
        return _Worker(pid, Connection(ours.detach()), self)

    def kill(self, worker: _Worker) -> None:
        worker.conn.close()
        try:
            with self.lock:
                self.sock.sendall(b"K" + _PID.pack(worker.pid))
                recv_exact(self.sock, 1)
        except (OSError, EOFError):
            pass  # the zygote is gone, and its workers exit when their sockets close

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self.sock.close()  # the zygote exits on EOF
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process, None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * _TICK_S
    except (OSError, IndexError, ValueError):
        return None


class VerifierPool:
    """`size` worker processes (default: max(2, CPU count)); `call` is thread-safe and returns within its timeout
    (plus kill overhead) once it holds a worker; waiting for a free worker is bounded by `acquire_timeout_s`."""

    def __init__(self, size: int | None = None, memory_mb: int = 3072, start_timeout_s: float = 120.0,
                 acquire_timeout_s: float = 300.0) -> None:
        self.size = size if size is not None else max(2, os.cpu_count() or 1)
        if self.size < 1:
            raise ValueError(f"pool size must be >= 1, got {size}")
        self.memory_mb = memory_mb
        self.start_timeout_s = start_timeout_s
        self.acquire_timeout_s = acquire_timeout_s
        self.pid = os.getpid()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._zygote: _Zygote | None = None
        self._closed = False

    def _ensure_zygote(self) -> _Zygote:
        """The live zygote, started (or restarted after a crash) under the lock."""
        with self._lock:
            if self._closed:
                raise RuntimeError("verifier pool is closed")
            if self._zygote is None or not self._zygote.alive():
                if self._zygote is not None:
                    logger.warning("math verifier zygote died; restarting it")
                    self._zygote.close()
                self._zygote = _Zygote(self.memory_mb, self.start_timeout_s)
                for _ in range(self.size):
                    self._idle.put(self._zygote.fork())
            return self._zygote

    def start(self) -> None:
        """Start the zygote and the workers now (otherwise the first call does); blocks until they are ready."""
        self._ensure_zygote()

    def call(self, gold: str, answer: str, rel_tol: float, timeout_s: float, prose: bool = False) -> str:
        """Reason from a worker (`equivalence.equivalent`; `prose`: the answer is a prose clause); or, with the
        worker killed, "timeout" (it used its time on the CPU) or `STARVED` (load kept it off the CPU); or "error"
        (the worker crashed, or none is available)."""
        try:
            self._ensure_zygote()
            worker = self._idle.get(timeout=self.acquire_timeout_s)
        except (OSError, EOFError, RuntimeError, queue.Empty) as e:
            logger.error("no math verifier worker available: %s", e or "all busy")
            return "error"
        try:
            cpu_before = cpu_seconds(worker.pid)
            worker.conn.send((gold, answer, rel_tol, timeout_s, prose))
            if worker.conn.poll(timeout_s):
                reason = worker.conn.recv()
                self._release(worker)
                return reason
            cpu_after = cpu_seconds(worker.pid)
            used = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else 0.0
            reason = "timeout" if used >= BUSY_SHARE * timeout_s else STARVED
        except (OSError, EOFError, ValueError):
            logger.warning("math verifier worker crashed; replacing it")
            reason = "error"
        self._replace(worker)
        return reason

    def _replace(self, worker: _Worker) -> None:
        worker.owner.kill(worker)
        try:
            self._release(worker.owner.fork())
        except (OSError, EOFError):
            self._ensure_zygote_later()

    def _ensure_zygote_later(self) -> None:
        """The zygote failed: restart it (and refill the pool) on the next call."""
        with self._lock:
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None
            while True:
                try:
                    self._idle.get_nowait().conn.close()
                except queue.Empty:
                    return

    def _release(self, worker: _Worker) -> None:
        if self._closed or worker.owner is not self._zygote:
            worker.owner.kill(worker)
        else:
            self._idle.put(worker)

    def close(self) -> None:
        """Stop the zygote and every idle worker; busy workers stop when their call returns."""
        with self._lock:
            self._closed = True
            zygote, self._zygote = self._zygote, None
        if zygote is not None:
            while True:
                try:
                    zygote.kill(self._idle.get_nowait())
                except queue.Empty:
                    break
            zygote.close()
