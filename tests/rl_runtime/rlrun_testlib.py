"""Helpers shared by the rl runtime tests: small pipeline configs, subprocess runs, a test-only reward.

A uniquely named module: `from conftest import ...` is ambiguous when several test folders have a conftest."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from rewards.base import Reward, completion_text
from rewards.registry import register

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SAMPLES = ROOT / "rl" / "samples"


@register("rlrun_text_length")
class TextLength(Reward):
    """Test-only reward (in-process runs): characters / 100. Random policies never close their thinking, so the
    shaping rewards are constant for them; this one differs between samples, so advantages and updates are
    non-zero."""

    def __call__(self, completions, **kwargs) -> list[float]:
        return [len(completion_text(c)) / 100 for c in completions]


def pipeline_dict(model: Path, output_dir: Path, stages: int = 1, extra_rewards: tuple = (), **grpo: Any) -> dict:
    """A small, fast pipeline config: math rows, think_format (+ `extra_rewards`), 2 steps per stage, checkpoint
    every 2 steps."""
    stage = {
        "datasets": [{"source": str(SAMPLES / "math.jsonl"), "adapter": "rows"}],
        "rewards": [{"name": "think_format", "weight": 1.0}, *extra_rewards],
        "grpo": {"max_steps": 2},
    }
    return {
        "model": str(model),
        "output_dir": str(output_dir),
        "seed": 7,
        "report_to": "none",
        "grpo_defaults": {"num_generations": 2, "per_device_train_batch_size": 4, "max_completion_length": 16,
                          "learning_rate": 1.0e-2, "save_steps": 2, "num_completions_to_print": 1,
                          "disable_tqdm": True, **grpo},
        "stages": [{**copy.deepcopy(stage), "name": f"s{i + 1}"} for i in range(stages)],
    }


def write_config(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def train_cmd(config: Path, *overrides: str) -> list[str]:
    return [PYTHON, "-m", "rl", "train", str(config), *(a for o in overrides for a in ("--set", o))]


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for child runs: one torch thread each (tiny models on a shared 2-core machine)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), **extra}
    env.pop("SANDBOX_URL", None)
    return env


def run(cmd: list[str], timeout: float = 240) -> subprocess.CompletedProcess:
    """Run `cmd` in its own session from the repo root; on timeout its whole process group is killed."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"{' '.join(cmd)} timed out after {timeout} s; stderr tail:\n{err[-3000:]}") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
