"""Helpers for the fail-early tests: small pipeline configs and subprocess runs of `python -m rl train`."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "rl" / "samples"


def pipeline_dict(model: Path, output_dir: Path, stages: int = 1, **grpo: Any) -> dict:
    """A small, fast pipeline: math rows, think_format, 2 steps per stage, a checkpoint every 2 steps."""
    stage = {"datasets": [{"source": str(SAMPLES / "math.jsonl"), "adapter": "rows"}],
             "rewards": [{"name": "think_format", "weight": 1.0}], "grpo": {"max_steps": 2}}
    return {
        "model": str(model), "output_dir": str(output_dir), "seed": 7, "report_to": "none",
        "grpo_defaults": {"num_generations": 2, "per_device_train_batch_size": 4, "max_completion_length": 16,
                          "learning_rate": 1.0e-2, "save_steps": 2, "num_completions_to_print": 1,
                          "disable_tqdm": True, **grpo},
        "stages": [{**copy.deepcopy(stage), "name": f"s{i + 1}"} for i in range(stages)],
    }


def write_config(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def write_rows(path: Path, rows: list[Any]) -> Path:
    """A .jsonl file: dicts as JSON, strings as they are (to write broken lines)."""
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def train_cmd(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "rl", "train", str(config), *args]


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), **extra}
    env.pop("SANDBOX_URL", None)
    return env


def run(cmd: list[str], timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    """Run `cmd` in its own session from the repo root; on timeout its whole process group is killed."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=subprocess_env(**env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"{' '.join(cmd)} timed out after {timeout} s; stderr tail:\n{err[-3000:]}") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@contextlib.contextmanager
def tmpfs(size: str, *options: str):
    """A fresh tmpfs mount (skips the test where mounting is not permitted)."""
    target = Path("/tmp") / f"failearly-{uuid.uuid4().hex[:8]}"
    target.mkdir()
    opts = ",".join((f"size={size}", *options))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(target)], capture_output=True).returncode:
        target.rmdir()
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)
        target.rmdir()
