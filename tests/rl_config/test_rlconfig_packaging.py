"""The installed package works outside the checkout: configs found by name, every console script answers.

Builds the wheel, installs it (without dependencies) into a fresh venv that borrows this venv's site-packages for
torch and friends, and runs everything from a directory that is not the checkout, with no PYTHONPATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def sh(cmd: list, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SANDBOX_URL", "WORLD_SIZE")}
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env={**env, "OMP_NUM_THREADS": "1"}, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh venv with the wheel installed."""
    tmp = tmp_path_factory.mktemp("installed")
    # Built from a clean copy: an in-tree build/ folder may hold modules that no longer exist.
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "runs", "outputs", "dist",
                                                             "*.egg-info", "__pycache__", ".pytest_cache"))
    sh([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", tmp / "dist", src],
       cwd=tmp, timeout=600)
    [wheel] = (tmp / "dist").glob("rlvr_pipeline-*.whl")
    venv = tmp / "venv"
    sh([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp)
    purelib = Path(sh([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                      cwd=tmp).stdout.strip())
    sh([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps", "--no-index",
        wheel], cwd=tmp)
    # Then the dependencies, from this venv's site-packages: a plain path entry, so its .pth files (this checkout's
    # editable install among them) are not processed. Added after installing, so pip never sees this venv's copy.
    (purelib / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def test_installed_package_is_the_one_imported(installed, tmp_path):
    out = sh([installed / "python", "-c", "import rl, rewards, sandbox; print(rl.__file__, rewards.__file__)"],
             cwd=tmp_path).stdout
    assert str(ROOT) not in out and str(installed.parent) in out


def test_config_check_and_reward_swap_by_name_outside_the_checkout(installed, tmp_path):
    out = sh([installed / "python", "-m", "rl", "train", "qwq_32b", "--check",
              "--set", "stages.reasoning.rewards=math_only"], cwd=tmp_path).stdout
    assert "config ok: qwq_32b (2 stages: reasoning, general)" in out
    out = sh([installed / "rlvr-train", "smoke_cpu", "--check", "--set", "model=Qwen/QwQ-32B",
              "--set", "stages.general.rewards.reward_model.kwargs.model=Skywork/Skywork-Reward-V2-Qwen3-0.6B",
              "--set", "stages.reasoning.rewards=code_only"], cwd=tmp_path).stdout
    assert "config ok: smoke_cpu" in out


def test_every_console_script_answers(installed, tmp_path):
    for script, words in (("rlvr", "train"), ("rlvr-train", "--check"), ("rlvr-sandbox", "serve"),
                          ("rlvr-rm-server", "--model")):
        out = sh([installed / script, "--help"], cwd=tmp_path).stdout
        assert words in out, f"{script} --help: {out[:500]}"
    out = sh([installed / "rlvr-sandbox", "serve", "--help"], cwd=tmp_path).stdout
    assert "--workers" in out


def test_shipped_configs_are_installed(installed, tmp_path):
    code = ("from rewards.config_paths import config_dirs, shipped\n"
            "for kind in ('rewards', 'pipeline', 'eval', 'accelerate'):\n"
            "    print(kind, [str(d) for d in config_dirs(kind)], shipped(kind))\n"
            "print('deepspeed', shipped('deepspeed', ('.json',)))")
    out = sh([installed / "python", "-c", code], cwd=tmp_path).stdout
    assert str(ROOT) not in out
    for kind, name in (("rewards", "'math_code'"), ("pipeline", "'qwq_32b'"), ("eval", "'qwq'"),
                       ("accelerate", "'zero3'"), ("deepspeed", "'zero3'")):
        line = next(line for line in out.splitlines() if line.startswith(kind))
        assert name in line, line
