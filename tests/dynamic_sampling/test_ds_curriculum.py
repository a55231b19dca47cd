"""Curriculum hooks: per-source weights per stage, and a stage trained on rows filtered by the previous stage's
model (the two-command recipe of the README: `rl train` stage 1, `rl filter` with its model, `rl train` both)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "rl" / "samples"


def _stage(name: str, sources: list[tuple[Path, float]], rewards: list[str]) -> dict:
    return {"name": name, "datasets": [{"source": str(p), "weight": w} for p, w in sources],
            "rewards": [{"name": r} for r in rewards], "grpo": {"max_steps": 1}}


def _pipeline(model: Path, out: Path, stages: list[dict]) -> dict:
    return {"model": str(model), "output_dir": str(out), "seed": 5, "report_to": "none",
            "grpo_defaults": {"num_generations": 2, "per_device_train_batch_size": 4, "max_completion_length": 8,
                              "save_steps": 10, "num_completions_to_print": 0, "disable_tqdm": True},
            "stages": stages}


def test_source_weights_change_across_stages(tiny_model, tmp_path):
    from rl.config import parse_pipeline_config
    from rl.data import load_stage_datasets

    math, general = SAMPLES / "math.jsonl", SAMPLES / "general.jsonl"
    spec = parse_pipeline_config(_pipeline(tiny_model, tmp_path, [
        _stage("early", [(math, 3.0), (general, 1.0)], ["math_accuracy", "rule_checks"]),
        _stage("late", [(math, 1.0), (general, 3.0)], ["math_accuracy", "rule_checks"])]))
    shares = []
    for stage in spec.stages:
        train, _ = load_stage_datasets(stage, None, spec.seed)
        counts = Counter(train["task"])
        shares.append(counts["math"] / len(train))
    assert shares[0] == pytest.approx(0.75, abs=0.05) and shares[1] == pytest.approx(0.25, abs=0.05)


def _run(cmd: list[str], timeout: float = 400) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    env.pop("SANDBOX_URL", None)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"{cmd[:4]} timed out") from None
    assert proc.returncode == 0, err[-3000:]
    return subprocess.CompletedProcess(cmd, 0, out, err)


@pytest.mark.slow
def test_stage_trains_on_rows_filtered_by_the_previous_stage_model(tiny_model, tmp_path):
    out, filtered = tmp_path / "run", tmp_path / "filtered" / "math.jsonl"
    s1 = _stage("s1", [(SAMPLES / "math.jsonl", 1.0)], ["math_accuracy", "think_format"])
    s2 = _stage("s2", [(filtered, 1.0), (SAMPLES / "general.jsonl", 1.0)], ["math_accuracy", "rule_checks"])
    s2["dynamic_sampling"] = {"max_rounds": 2}
    first, both = tmp_path / "stage1.yaml", tmp_path / "both.yaml"
    first.write_text(yaml.safe_dump(_pipeline(tiny_model, out, [s1])))
    both.write_text(yaml.safe_dump(_pipeline(tiny_model, out, [s1, s2])))
    py = [sys.executable, "-m", "rl"]
    _run([*py, "train", str(first)])
    _run([*py, "filter", str(SAMPLES / "math.jsonl"), "--model", str(out / "s1"), "--n", "2", "--keep", "0:1",
          "--max-new-tokens", "8", "--out", str(filtered)])
    rows = [json.loads(x) for x in filtered.read_text().splitlines()]
    assert rows and all(r["pass_rate"] is not None for r in rows)
    from rl.eval.targets import fingerprint

    assert json.loads(rows[0]["pass_rate_by"])["model"] == fingerprint(str(out / "s1"))   # stage 1's model
    proc = _run([*py, "train", str(both)])
    assert "[stage s1] already finished" in proc.stdout       # stage 1 is the same stage: skipped
    assert "[stage s2] done: 1 steps" in proc.stdout
    state = json.loads((out / "s2" / "trainer_state.json").read_text())
    assert any("dynamic_sampling/rounds" in e for e in state["log_history"])
