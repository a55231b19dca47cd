"""The embedded sandbox server, and its bubblewrap runners, die with the run, whatever kills it (SIGKILL included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rlrun_testlib import ROOT, SAMPLES, pipeline_dict, subprocess_env, train_cmd, write_config


def children() -> dict[int, list[int]]:
    """ppid -> child pids, from /proc."""
    out: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            out.setdefault(ppid, []).append(int(entry.name))
    return out


def descendants(pid: int) -> dict[int, str]:
    """pid -> command line of every live descendant of `pid`."""
    tree, found, todo = children(), {}, [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            try:
                found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
            except OSError:
                continue
            todo.append(child)
    return found


def alive(pids) -> list[int]:
    """The pids still running (zombies count as gone: they have exited)."""
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(pid)
    return out


def wait_gone(pids, timeout_s: float = 15.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


def sandbox_tree(root: int, timeout_s: float) -> dict[int, str]:
    """Wait until `root` has a sandbox server with its bwrap runners below it; return those processes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        tree = descendants(root)
        if any("sandbox serve" in c for c in tree.values()) and any("bwrap" in c for c in tree.values()):
            return {p: c for p, c in tree.items() if "sandbox serve" in c or "bwrap" in c or "-I -c" in c}
        time.sleep(0.1)
    raise AssertionError(f"no sandbox server with runners under pid {root} within {timeout_s} s")


def test_server_started_from_a_finished_thread_dies_only_with_its_process():
    """A server started from a short-lived thread outlives that thread, and dies when the process is SIGKILLed."""
    script = textwrap.dedent("""
        import threading, time
        from sandbox.local import start_local_server
        box = []
        t = threading.Thread(target=lambda: box.append(start_local_server(workers=1)))
        t.start(); t.join()
        print(box[0].process.pid, flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=subprocess_env(), stdout=subprocess.PIPE,
                              text=True, start_new_session=True)
    try:
        server_pid = int(parent.stdout.readline())
        tree = sandbox_tree(parent.pid, 60)
        assert server_pid in tree
        time.sleep(1.0)
        assert not set(tree) - set(alive(tree)), "the server died with the thread that started it"
        parent.send_signal(signal.SIGKILL)  # only the parent: the server is in its own session
        parent.wait()
        left = wait_gone(tree)
        assert left == [], f"still running after the parent was killed: {[tree[p] for p in left]}"
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)


@pytest.mark.slow
def test_sigkilled_run_leaves_no_sandbox_server_or_runner(tiny_model, tmp_path):
    data = pipeline_dict(tiny_model, tmp_path / "out")
    data["stages"][0]["datasets"] = [{"source": str(SAMPLES / "code.jsonl"), "adapter": "rows"}]
    data["stages"][0]["rewards"].append({"name": "code_tests", "kwargs": {"scoring": "pass_rate"}})
    data["sandbox"] = {"workers": 2}
    config = write_config(tmp_path / "p.yaml", data)
    log = (tmp_path / "stdout.log").open("w")
    run = subprocess.Popen(train_cmd(config, "stages.0.grpo.max_steps=200"), cwd=ROOT, env=subprocess_env(),
                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        tree = sandbox_tree(run.pid, 180)
        deadline = time.monotonic() + 180
        while "| loss " not in (tmp_path / "stdout.log").read_text():  # mid-stage: training steps are running
            assert run.poll() is None, (tmp_path / "stdout.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no training step logged within 180 s"
            time.sleep(0.2)
        tree.update(sandbox_tree(run.pid, 10))
        assert any("bwrap" in c for c in tree.values())
        run.send_signal(signal.SIGKILL)  # the trainer alone, as `kill -9 <pid>` would
        run.wait()
        left = wait_gone(tree)
        assert left == [], f"still running after the run was killed: {[tree[p] for p in left]}"
    finally:
        log.close()
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
