"""Dynamic sampling across 2 processes (torchrun, gloo): every rank makes the same decisions, runs the same number
of rounds (or the collectives would hang), keeps its batch shape, and counts the same global loss tokens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("two_proc_script.py")


def _torchrun(tmp_path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(SCRIPT),
           *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"two-process dynamic sampling run timed out after {timeout} s (a hang)") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@pytest.mark.slow
@pytest.mark.parametrize("max_rounds, n_flat, n_mixed", [(30, 24, 8), (2, 16, 0)], ids=["refill", "cap"])
def test_two_processes_agree(tiny_model, tmp_path, max_rounds, n_flat, n_mixed):
    proc = _torchrun(tmp_path, str(tiny_model), str(tmp_path), str(max_rounds), str(n_flat), str(n_mixed))
    assert proc.returncode == 0, proc.stderr[-4000:]
    r0, r1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert r0["world"] == r1["world"] == 2 and r0["global_step"] == r1["global_step"] == 2
    ours = lambda logs: [{k: v for k, v in e.items() if k.startswith("dynamic_sampling/")
                          or k == "frac_reward_zero_std"} for e in logs]
    assert ours(r0["logs"]) == ours(r1["logs"])         # same rounds, drops and cap on both ranks
    assert len(r0["batches"]) == len(r1["batches"]) == 2
    for b0, b1 in zip(r0["batches"], r1["batches"]):
        assert b0["rows"] == b1["rows"] == 8            # shapes stay consistent
        assert b0["num_items_in_batch"] == b1["num_items_in_batch"] == b0["local_loss_tokens"] + b1["local_loss_tokens"]
        for b in (b0, b1):
            assert all(m for m, w in zip(b["mixed"], b["weighted_rows"]) if w)   # only signal rows carry weight
    if n_mixed:
        assert all(e["dynamic_sampling/capped"] == 0 for e in r0["logs"])
        assert any(e["dynamic_sampling/rounds"] > 1 for e in r0["logs"])
        assert all(all(b["weighted_rows"]) for b in r0["batches"] + r1["batches"])
    else:
        assert all(e["dynamic_sampling/capped"] == 1 and e["dynamic_sampling/rounds"] == 2 for e in r0["logs"])
        assert all(b["num_items_in_batch"] == 0 for b in r0["batches"])
