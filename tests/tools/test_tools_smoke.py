"""The tool smoke end to end: build the tiny tool-calling cold start, then train `smoke_tools_cpu.yaml`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_smoke_tools_cpu_calls_the_python_tool(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TRL_EXPERIMENTAL_SILENCE": "1"}
    env.pop("SANDBOX_URL", None)
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "rl.tools", "build-smoke", str(tmp_path / "ckpt")], cwd=ROOT, env=env,
                   check=True, timeout=900, capture_output=True)
    run = subprocess.run([sys.executable, "-m", "rl", "train", "configs/pipeline/smoke_tools_cpu.yaml",
                          "--set", f"model={tmp_path / 'ckpt' / 'cold_start'}", "--set", f"output_dir={tmp_path / 'run'}"],
                         cwd=ROOT, env=env, timeout=900, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    print(f"tool smoke end to end: {time.monotonic() - start:.0f} s")
    state = json.loads((tmp_path / "run" / "tools" / "trainer_state.json").read_text())
    calls = [e["tools/call_frequency"] for e in state["log_history"] if "tools/call_frequency" in e]
    assert calls and max(calls) > 0
    assert "tools/failure_frequency" in state["log_history"][0] and "rewards/tool_use/mean" in state["log_history"][0]
    assert "tools/call_frequency=" in run.stdout and "tools 0/" in run.stdout  # stage summary: no sandbox outage
