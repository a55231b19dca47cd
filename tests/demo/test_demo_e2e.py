"""A shortened learning demo end to end: `launch/learn_cpu.sh` with tiny budgets (few SFT steps, 2 GRPO steps per
stage, 8 held-out prompts per family). It checks the plumbing and the outputs, not the learning (see
benchmarks/learning.py for that)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from rl.demo.data import keys_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(1200)  # about 3 min on a quiet 2-core machine; much longer on a loaded one
def test_shortened_demo_writes_learning_json_and_plot(tmp_path):
    out = tmp_path / "learn"
    env = {**os.environ, "SKIP_SETUP": "1", "N_HELDOUT": "8", "SFT_MAX_STEPS": "20", "SFT_EVAL_EVERY": "10",
           "OMP_NUM_THREADS": "1"}
    # Its own session, so that the whole tree (rl train, the sandbox server, eval workers) dies with the test.
    proc = subprocess.Popen(
        ["bash", "launch/learn_cpu.sh", str(out), "--set", "stages.reasoning.grpo.max_steps=2",
         "--set", "stages.general.grpo.max_steps=2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=1100)
    finally:
        if proc.poll() is None:  # SIGTERM first: rl train stops cleanly and its sandbox server with it
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    assert proc.returncode in (0, 3), log[-6000:]
    record = json.loads((out / "learning.json").read_text())
    assert list(record["models"]) == ["cold start", "stage 1", "stage 2"]
    assert record["models"]["stage 2"] == str((out / "run" / "general").resolve())
    for label in record["models"]:
        assert set(record["results"][label]) == {"math", "code", "general"}
        for metrics in record["results"][label].values():
            assert metrics["n_prompts"] == 8 and 0.0 <= metrics["pass@1"] <= 1.0
    assert {(t["benchmark"], t["kind"]) for t in record["targets"]} == {
        ("math", "rise"), ("code", "rise"), ("general", "rise"), ("math", "hold"), ("code", "hold")}
    gates = json.loads((out / "run" / "eval" / "gates.json").read_text())  # the pipeline gated stage 2
    assert {g["benchmark"] for g in gates} == {"math", "code"}
    assert any(not g["passed"] for g in gates) == (proc.returncode == 3)
    assert (out / "learning.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    calibration = json.loads((out / "cold_start" / "calibration.json").read_text())
    assert [h["step"] for h in calibration["history"]][:2] == [10, 20]
    assert calibration["reward_model"]["accuracy"] > 0.5  # trained on preference pairs, not left random
    assert (out / "reward_model" / "model.safetensors").is_file()
    for task in ("math", "code", "general"):
        assert not keys_of([out / "data" / f"heldout_{task}.jsonl"]) & keys_of([out / "data" / f"train_{task}.jsonl"])
