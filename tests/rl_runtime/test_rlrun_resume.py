"""Resume after kill: a killed stage continues from its last checkpoint (optimizer, scheduler, RNG, data position)
instead of restarting at step 0. Real subprocesses of `python -m rl train`."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

from rl.pipeline import DONE_FILE

from rlrun_testlib import ROOT, pipeline_dict, run, subprocess_env, train_cmd, write_config

MAX_STEPS = 12


def test_killed_stage_resumes_from_last_checkpoint(tiny_model, tmp_path):
    config = write_config(tmp_path / "p.yaml", pipeline_dict(tiny_model, tmp_path / "out"))
    cmd = train_cmd(config, f"stages.0.grpo.max_steps={MAX_STEPS}")
    stage_dir = tmp_path / "out" / "s1"
    first = subprocess.Popen(cmd, cwd=ROOT, env=subprocess_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        # A checkpoint is complete once its trainer_state.json is written (the last file Trainer saves).
        while not (stage_dir / "checkpoint-2" / "trainer_state.json").is_file():
            assert first.poll() is None, "training exited before writing its first checkpoint"
            assert time.monotonic() < deadline, "no checkpoint within 180 s"
            time.sleep(0.05)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert not (stage_dir / DONE_FILE).exists()
    done_steps = max(int(p.name.split("-")[1]) for p in stage_dir.glob("checkpoint-*")
                     if (p / "trainer_state.json").is_file())
    assert done_steps < MAX_STEPS

    second = run(cmd)
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"resumed from checkpoint-{done_steps})" in second.stdout
    # The resumed process trains only the remaining steps: one logged loss per step it ran.
    assert len(re.findall(r"^step \d+/\d+ .*\| loss ", second.stdout, re.M)) == MAX_STEPS - done_steps
    state = json.loads((stage_dir / "trainer_state.json").read_text())
    assert state["global_step"] == MAX_STEPS
    assert [e["step"] for e in state["log_history"] if "loss" in e] == list(range(1, MAX_STEPS + 1))
    assert json.loads((stage_dir / DONE_FILE).read_text())["global_step"] == MAX_STEPS
