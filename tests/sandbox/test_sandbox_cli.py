"""`python -m sandbox serve`: refuses to start without bubblewrap, warns loudly when unsafe, and its sandboxes
die with it even when it is SIGKILLed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sandbox_testlib import descendants, py

from sandbox.client import SandboxClient
from sandbox.local import PROJECT_ROOT, start_local_server


def test_refuses_to_start_without_bwrap(tmp_path):
    env = {"PATH": str(tmp_path), "PYTHONPATH": PROJECT_ROOT}  # a PATH without bwrap
    res = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "1"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "bubblewrap" in res.stderr and "--unsafe-no-isolation" in res.stderr


def test_unsafe_mode_warns_and_still_judges():
    with start_local_server(workers=1, unsafe_no_isolation=True) as srv:
        c = SandboxClient(srv.url)
        res = c.run(py("print(input() * 2)", [{"input": "ab", "output": "abab"}, {"input": "x", "output": "y"}]))
        health = c.health()
        c.close()
        assert "WARNING: --unsafe-no-isolation" in srv.log_tail()
    assert [t["status"] for t in res["tests"]] == ["passed", "wrong_answer"]
    assert health["isolated"] is False


def test_sandboxes_die_with_a_killed_server():
    srv = start_local_server(workers=2)
    try:
        tree = descendants(srv.process.pid)
        assert any("bwrap" in _cmd(p) for p in tree), tree
        os.kill(srv.process.pid, signal.SIGKILL)
        srv.process.wait(10)
        deadline = time.monotonic() + 10
        while (alive := [p for p in tree if os.path.exists(f"/proc/{p}")]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive, [_cmd(p) for p in alive]
    finally:
        srv.stop()


def _cmd(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")[:80]
    except OSError:
        return ""



def test_a_runner_that_dies_is_replaced():
    with start_local_server(workers=1) as srv:
        c = SandboxClient(srv.url)
        req = py("print(input())", [{"input": "a", "output": "a"}])
        assert c.run(req)["passed"] == 1
        bwraps = [p for p in descendants(srv.process.pid) if _cmd(p).startswith("/usr/bin/bwrap")]
        assert len(bwraps) == 2  # bwrap and its sandbox init
        os.kill(min(bwraps), signal.SIGKILL)
        time.sleep(0.5)
        assert c.run(dict(req, code=req["code"] + "\n"))["passed"] == 1  # served by a fresh runner
        assert c.health()["runner_restarts"] == 1
        c.close()
