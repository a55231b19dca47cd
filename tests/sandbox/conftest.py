"""Shared fixtures: one real, isolated sandbox server (bubblewrap) for the whole sandbox test session."""
from __future__ import annotations

import os
import shutil
import time

import pytest

from sandbox.client import SandboxClient
from sandbox.local import LocalServer, start_local_server
from sandbox_testlib import CANARY, descendants

if shutil.which("bwrap") is None:  # the isolated path is the point of these tests: fail loudly, never skip
    raise RuntimeError("tests/sandbox need bubblewrap (bwrap): run launch/setup.sh")


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
