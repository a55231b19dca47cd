"""Shared fixtures: one real, isolated sandbox server (bubblewrap) for the whole sandbox test session."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from sandbox.client import SandboxClient
from sandbox.local import LocalServer, start_local_server

CANARY = "rlvr-sandbox-canary-7f3a9c"  # put in the server's environment; must never be visible to programs

if shutil.which("bwrap") is None:  # the isolated path is the point of these tests: fail loudly, never skip
    raise RuntimeError("tests/sandbox need bubblewrap (bwrap): run launch/setup.sh")


def descendants(root: int) -> dict[int, str]:
    """{pid: state} of every live process below `root` (the server: its runners and anything they started)."""
    parent, state = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            state[int(entry.name)], parent[int(entry.name)] = fields[0], int(fields[1])
    out, frontier = {}, [root]
    while frontier:
        p = frontier.pop()
        for child, par in parent.items():
            if par == p and child not in out:
                out[child] = state[child]
                frontier.append(child)
    return out


@pytest.fixture(scope="session")
def server() -> LocalServer:
    os.environ["RLVR_SANDBOX_CANARY"] = CANARY
    try:
        srv = start_local_server(workers=2)
    finally:
        del os.environ["RLVR_SANDBOX_CANARY"]
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def client(server: LocalServer) -> SandboxClient:
    c = SandboxClient(server.url, timeout_s=120, retries=0)
    yield c
    c.close()


@pytest.fixture()
def no_leftovers(server: LocalServer, client: SandboxClient):
    """After the test: the server is healthy and only the warm runners' own processes remain."""
    before = set(descendants(server.process.pid))
    yield
    health = client.health()
    assert health["status"] == "ok"
    deadline = time.monotonic() + 5
    while (extra := set(descendants(server.process.pid)) - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not extra, f"processes left behind: {extra}"


def py(code: str, tests: list[dict], mode: str = "stdio", **kw) -> dict:
    return {"language": "python", "code": code, "mode": mode, "tests": tests, **kw}
