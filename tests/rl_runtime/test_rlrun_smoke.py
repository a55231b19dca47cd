"""The README's main command end to end: launch/smoke_cpu.sh (tiny cold-start build + two-stage smoke config)."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from rlrun_testlib import ROOT, subprocess_env

STAGE_REWARDS = {
    "reasoning": ["math_accuracy", "code_tests", "think_format", "overlong_penalty"],
    "general": ["rule_checks", "reward_model", "think_format", "math_accuracy", "code_tests"],
}


@pytest.mark.slow
def test_smoke_cpu_script_runs_both_stages_with_every_reward_live(tmp_path):
    proc = subprocess.run(["bash", "launch/smoke_cpu.sh"], cwd=ROOT, env=subprocess_env(SMOKE_DIR=str(tmp_path)),
                          capture_output=True, text=True, timeout=540, start_new_session=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = proc.stdout
    assert "[smoke] cold-start checkpoint" in out
    for stage, rewards in STAGE_REWARDS.items():
        stage_dir = tmp_path / "smoke" / stage
        assert all((stage_dir / f).is_file() for f in ("model.safetensors", "tokenizer.json", "trainer_state.json"))
        logs = json.loads((stage_dir / "trainer_state.json").read_text())["log_history"]
        for name in rewards:  # every reward produced real scores (not only None) during its stage
            values = [e.get(f"rewards/{name}/mean") for e in logs]
            assert any(isinstance(v, (int, float)) for v in values), f"{stage}: {name} never scored"
        summary = re.search(rf"^\[stage {stage}\] done: (\d+) steps.*$", out, re.M)
        assert summary, out[-3000:]
    # The reward model really scored in stage 2: raw scores at most logged steps, not only no-answer fills.
    logs = json.loads((tmp_path / "smoke" / "general" / "trainer_state.json").read_text())["log_history"]
    steps = [e for e in logs if "rewards/reward_model/mean" in e]
    scored = [e for e in steps if isinstance(e.get("rewards/reward_model/raw_mean"), float)]
    assert steps and 2 * len(scored) >= len(steps), [{k: v for k, v in e.items() if "reward_model" in k} for e in steps]
    # Code went through the embedded sandbox server: scored samples, none lost to infrastructure failures.
    scored = re.search(r"^\[stage reasoning\].*infra failures:.*code_tests 0/(\d+)", out, re.M)
    assert scored and int(scored.group(1)) > 0, out[-3000:]
    assert os.path.isdir(tmp_path / "smoke" / "general" / "completions")  # sample completions logged
