"""Helpers shared by the sandbox tests (a uniquely named module: `from conftest import ...` is ambiguous when
several test directories have a conftest.py)."""
from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

CANARY = "rlvr-sandbox-canary-7f3a9c"  # put in the server's environment; must never be visible to programs


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


def py(code: str, tests: list[dict], mode: str = "stdio", **kw) -> dict:
    return {"language": "python", "code": code, "mode": mode, "tests": tests, **kw}


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(url: str, body: bytes | None = None, method: str | None = None) -> tuple[int, str]:
    """(HTTP status, body text) of one request, error statuses included."""
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with _OPENER.open(req, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
