"""The run's own services outlive a SIGTERM aimed at every process of the job (what Slurm sends to a job step), so a
run that handles its SIGTERM by saving a last checkpoint still has its sandbox and math verifier; its owner stops
them, and they die with it anyway."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from sandbox.client import SandboxClient
from sandbox.local import start_local_server


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (from /proc's parent links)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def sigterm_all(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def test_embedded_sandbox_survives_sigterm_to_every_process_and_still_stops():
    server = start_local_server(workers=1)
    try:
        tree = [server.process.pid, *descendants(server.process.pid)]
        assert len(tree) >= 2  # the server and its bubblewrap runner(s)
        sigterm_all(tree)
        time.sleep(0.5)
        assert server.process.poll() is None
        result = SandboxClient([server.url], timeout_s=30).run(
            {"language": "python", "code": "print(int(input()) * 2)", "mode": "stdio",
             "tests": [{"input": "21", "output": "42"}]})
        assert result["status"] == "ok" and result["passed"] == 1
    finally:
        started = time.monotonic()
        server.stop()
    assert server.process.poll() is not None and time.monotonic() - started < 12


def test_math_verifier_workers_survive_sigterm():
    from rewards.math import verify

    assert verify("\\frac{\\pi}{2}", "\\boxed{\\frac{2\\pi}{4}}").correct  # symbolic: goes through the workers
    services = descendants(os.getpid())  # the verifier's zygote and workers
    assert services
    sigterm_all(services)
    time.sleep(0.3)
    assert verify("\\sqrt{8}", "\\boxed{2\\sqrt{2}}").correct
    assert verify("\\sqrt{8}", "\\boxed{3\\sqrt{2}}").reason == "mismatch"
