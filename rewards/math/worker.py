"""Verifier worker processes, started through `main([ZYGOTE_FD, MEMORY_MB])` by `pool` (see there).

`main` runs a *zygote*: a single-threaded interpreter that imports and warms up sympy and math-verify once,
then forks a ready worker on request in about a millisecond. Forking from it (never from the trainer, which has
threads) keeps replacements of killed workers cheap and never re-imports the caller's `__main__`.

Zygote protocol on its socket (one request at a time): `F` with a socket fd attached -> fork a worker serving
that socket, reply with its pid (8 bytes); `K` + pid (8 bytes) -> SIGKILL and reap that worker, reply `k`.
The zygote exits when its socket closes (its parent died or closed the pool).
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import socket
import struct
import sys
from multiprocessing.connection import Connection

BACKSTOP_S = 10.0
_PID = struct.Struct("!q")


def serve(conn: Connection, memory_mb: int) -> None:
    """Worker loop: receive (gold, answer, rel_tol, timeout_s, prose), reply with a reason string.

    The parent kills an overrunning worker. As a backstop (should the parent die mid-task), each task arms a real
    timer whose SIGALRM keeps its default action, so the kernel ends the worker even inside a long C call.
    """
    from rewards.math.equivalence import equivalent

    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    while True:
        try:
            gold, answer, rel_tol, timeout_s, prose = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        signal.setitimer(signal.ITIMER_REAL, timeout_s + BACKSTOP_S)
        try:
            reason = equivalent(gold, answer, rel_tol, prose)
        except (MemoryError, RecursionError):
            reason = "resource_limit"
        except Exception:  # a sympy failure on a malformed answer is a non-match, not an outage
            reason = "mismatch"
        signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            conn.send(reason)
        except OSError:
            os._exit(0)


def recv_exact(sock: socket.socket, n: int) -> bytes:
    """Exactly `n` bytes from a stream socket (EOFError when it closes first)."""
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("socket closed")
        data += chunk
    return data


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def zygote(sock: socket.socket, memory_mb: int) -> None:
    """Serve fork/kill requests on `sock` until it closes."""
    from rewards.math.equivalence import warm_up

    # The parent owns Ctrl-C and SIGTERM (a scheduler signals every process of a job; the trainer may still verify
    # while it saves); it kills workers with SIGKILL, and the zygote exits when its socket closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.set_int_max_str_digits(0)  # answers with more than 4,300 digits
    warm_up()
    sock.sendall(b"R")
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 1 + _PID.size, 1)
            if not msg:
                raise EOFError
        except (OSError, EOFError):
            os._exit(0)
        _reap()
        if msg[:1] == b"F" and fds:
            pid = os.fork()
            if pid == 0:
                sock.close()
                logging.shutdown()
                serve(Connection(fds[0]), memory_mb)
            os.close(fds[0])
            sock.sendall(_PID.pack(pid))
        elif msg[:1] == b"K":
            try:
                msg += recv_exact(sock, 1 + _PID.size - len(msg))
            except (OSError, EOFError):
                os._exit(0)
            pid = _PID.unpack(msg[1:])[0]
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            sock.sendall(b"k")
        else:
            for fd in fds:
                os.close(fd)


def main(argv: list[str]) -> None:
    """Entry point of the zygote process: `argv` is [socket fd, worker memory limit in MiB]."""
    zygote(socket.socket(fileno=int(argv[0])), int(argv[1]))
