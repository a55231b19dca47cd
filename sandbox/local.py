"""Start a sandbox server as a local subprocess (used by the trainer when no SANDBOX_URL is configured, and tests)."""
from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class LocalServer:
    """A running `python -m sandbox serve` subprocess. Use as a context manager, or call `stop()`."""

    def __init__(self, process: subprocess.Popen, url: str, log_file):
        self.process, self.url, self._log = process, url, log_file
        atexit.register(self.stop)

    def log_tail(self, n_bytes: int = 4000) -> str:
        """The last bytes the server wrote to stdout/stderr."""
        try:
            return Path(self._log.name).read_bytes()[-n_bytes:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM the server's process group (it kills its sandboxes), SIGKILL after `timeout_s`. Idempotent."""
        if self.process.poll() is None:
            for sig, wait in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 5.0)):
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
            Path(self._log.name).unlink(missing_ok=True)
        atexit.unregister(self.stop)

    def __enter__(self) -> "LocalServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_local_server(host: str = "127.0.0.1", port: int = 0, workers: int | None = None,
                       unsafe_no_isolation: bool = False, *, start_timeout_s: float = 60.0,
                       extra_args: tuple[str, ...] = ()) -> LocalServer:
    """Start `python -m sandbox serve` and wait until /health answers; RuntimeError (with the server's output)
    if it exits or is not healthy within `start_timeout_s`. `port=0` picks a free port."""
    chosen = port or _free_port(host)
    cmd = [sys.executable, "-m", "sandbox", "serve", "--host", host, "--port", str(chosen), *extra_args]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    if unsafe_no_isolation:
        cmd.append("--unsafe-no-isolation")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PROJECT_ROOT, env.get("PYTHONPATH")) if p)
    log = tempfile.NamedTemporaryFile(prefix="sandbox-server-", suffix=".log", delete=False)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
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
