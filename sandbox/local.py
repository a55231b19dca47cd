"""Start a sandbox server as a local subprocess that dies with its parent (the trainer's embedded server, tests).

Whatever ends the parent process, SIGKILL included, the server dies with it: the child asks the kernel for SIGKILL
when its parent goes (`prctl(PR_SET_PDEATHSIG)`, set between fork and exec), and the server's bubblewrap runners
die with the server (`bwrap --die-with-parent`), each taking its sandboxed programs with it (they live in the
runner's PID namespace). The kernel ties that signal to the *thread* that forked the child, so servers are forked
from one long-lived spawner thread, never from a caller's thread that may end before the process does. The
server's output goes to an anonymous temporary file, so nothing is left on disk either.
"""
from __future__ import annotations

import atexit
import ctypes
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any, Callable

PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PR_SET_PDEATHSIG = 1


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_parent(parent_pid: int) -> Callable[[], None]:
    """A `preexec_fn`: SIGKILL this child when the forking thread exits; exit at once if the parent is gone.

    `prctl` is looked up here, before the fork, so the child only calls it (no dynamic loading after fork)."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def preexec() -> None:
        if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(125)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(125)

    return preexec


class _Spawner:
    """One daemon thread that forks every server, so their parent-death signal fires when the process ends (all
    its threads end together), not when some short-lived caller thread does."""

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        while True:
            args, kwargs, reply = self._jobs.get()
            try:
                reply.put((subprocess.Popen(*args, **kwargs), None))
            except BaseException as e:  # handed back to the caller, raised there
                reply.put((None, e))

    def popen(self, *args: Any, **kwargs: Any) -> subprocess.Popen:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="sandbox-spawner", daemon=True)
                self._thread.start()
        reply: queue.Queue = queue.Queue(maxsize=1)
        self._jobs.put((args, kwargs, reply))
        proc, error = reply.get()
        if error is not None:
            raise error
        return proc


_SPAWNER = _Spawner()


class LocalServer:
    """A running `python -m sandbox serve` subprocess. Use as a context manager, or call `stop()`."""

    def __init__(self, process: subprocess.Popen, url: str, log_file: IO[bytes]):
        self.process, self.url, self._log = process, url, log_file
        atexit.register(self.stop)

    def log_tail(self, n_bytes: int = 4000) -> str:
        """The last bytes the server wrote to stdout/stderr."""
        try:
            fd = self._log.fileno()
            size = os.fstat(fd).st_size
            return os.pread(fd, n_bytes, max(0, size - n_bytes)).decode(errors="replace")
        except (OSError, ValueError):
            return ""

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGINT the server's process group (it kills its sandboxes; it ignores SIGTERM, see `start_local_server`),
        SIGKILL after `timeout_s`. Idempotent."""
        if self.process.poll() is None:
            for sig, wait in ((signal.SIGINT, timeout_s), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        try:  # the server is gone; make sure nothing of its group survives it
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if not self._log.closed:
            self._log.close()
        atexit.unregister(self.stop)

    def __enter__(self) -> "LocalServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_local_server(host: str = "127.0.0.1", port: int = 0, workers: int | None = None,
                       unsafe_no_isolation: bool = False, *, start_timeout_s: float = 60.0,
                       extra_args: tuple[str, ...] = ()) -> LocalServer:
    """Start `python -m sandbox serve` and wait until /health answers; RuntimeError (with the server's output)
    if it exits or is not healthy within `start_timeout_s`. `port=0` picks a free port. The server dies with this
    process (see the module docstring), and it ignores SIGTERM (`--ignore-sigterm`): a scheduler that signals every
    process of a job must not take the sandbox away while this process handles its own SIGTERM."""
    chosen = port or _free_port(host)
    cmd = [sys.executable, "-m", "sandbox", "serve", "--host", host, "--port", str(chosen), "--ignore-sigterm",
           *extra_args]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    if unsafe_no_isolation:
        cmd.append("--unsafe-no-isolation")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PROJECT_ROOT, env.get("PYTHONPATH")) if p)
    log = tempfile.TemporaryFile(prefix="sandbox-server-", suffix=".log")
    proc = _SPAWNER.popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                          start_new_session=True, preexec_fn=_die_with_parent(os.getpid()))
    server = LocalServer(proc, f"http://{host if ':' not in host else f'[{host}]'}:{chosen}", log)
    deadline = time.monotonic() + start_timeout_s
    while True:
        if proc.poll() is not None:
            out = server.log_tail()
            server.stop()
            raise RuntimeError(f"sandbox server exited with code {proc.returncode} during start-up:\n{out}")
        try:
            with _NO_PROXY.open(server.url + "/health", timeout=2) as r:
                if json.loads(r.read()).get("status") == "ok":
                    return server
        except (urllib.error.URLError, OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            out = server.log_tail()
            server.stop()
            raise RuntimeError(f"sandbox server not healthy after {start_timeout_s:.0f} s ({' '.join(cmd)}):\n{out}")
        time.sleep(0.05)
