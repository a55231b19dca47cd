"""Load: 5,000 test executions from concurrent clients through the isolated server; every result is the right
one (each program and test echo unique ids), and the server's process tree gains no fds and no zombies."""
from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest
from sandbox_testlib import descendants, py

from sandbox.client import SandboxClient

CLIENTS, REQUESTS_PER_CLIENT, TESTS = 4, 125, 10  # 4 x 125 x 10 = 5,000 executions


def fd_count(pids) -> int:
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return total


def request(client_id: int, i: int) -> dict:
    rid = f"{client_id}-{i}"
    tests = [{"input": f"{t}\n", "output": f"{rid}:{t}"} for t in range(TESTS)]
    return py(f"print('{rid}:' + input())", tests)


@pytest.mark.slow
def test_five_thousand_executions_from_concurrent_clients(server):
    root = server.process.pid
    SandboxClient(server.url).run(request(99, 0))  # warm
    before = descendants(root)
    fds_before = fd_count([root, *before])
    results: dict[int, list[dict]] = {}

    async def one_client(cid: int) -> None:
        c = SandboxClient(server.url, timeout_s=300, retries=0, max_connections=16)
        results[cid] = await c.arun_batch([request(cid, i) for i in range(REQUESTS_PER_CLIENT)])
        await c.aclose()

    threads = [threading.Thread(target=asyncio.run, args=(one_client(cid),)) for cid in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    executions = 0
    for cid in range(CLIENTS):
        assert len(results[cid]) == REQUESTS_PER_CLIENT
        for i, res in enumerate(results[cid]):
            rid = f"{cid}-{i}"
            assert res["status"] == "ok" and res["passed"] == TESTS, res
            assert [t["stdout"] for t in res["tests"]] == [f"{rid}:{t}\n" for t in range(TESTS)]
            executions += len(res["tests"])
    assert executions == CLIENTS * REQUESTS_PER_CLIENT * TESTS >= 5000
    after = descendants(root)
    assert set(after) == set(before), "runner processes changed (restarted or leaked)"
    assert not [p for p, st in after.items() if st == "Z"], "zombies"
    deadline = time.monotonic() + 10  # closed client connections take a moment to be noticed
    while (fds_after := fd_count([root, *after])) > fds_before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fds_after <= fds_before, (fds_before, fds_after)
