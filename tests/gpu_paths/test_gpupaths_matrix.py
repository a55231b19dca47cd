"""The GPU extras resolve to the pinned matrix: vLLM inside TRL's supported range, torch 2.13, transformers >= 5.20.

The slow test asks pip's own resolver (metadata only, nothing is installed) what `.[gpu]` would install next to
`torch==2.13.0`, which is what `GPU=1 bash launch/setup.sh` does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from importlib.metadata import requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
TORCH = "2.13.0"
# pip's messages when it cannot reach the index at all (as opposed to a resolution conflict).
UNREACHABLE = ("NewConnectionError", "Temporary failure in name resolution", "Max retries exceeded",
               "Network is unreachable", "Could not fetch URL", "No matching distribution found for setuptools")


def _extras() -> dict[str, list[str]]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def _requirement(extra: str, name: str) -> Requirement:
    reqs = [Requirement(r) for r in _extras()[extra]]
    return next(r for r in reqs if r.name == name)


def _trl_vllm_range() -> Requirement:
    """TRL's own `vllm` extra (its declared supported range)."""
    for line in requires("trl") or []:
        req = Requirement(line)
        if req.name == "vllm" and req.marker is not None and req.marker.evaluate({"extra": "vllm"}):
            return req
    raise AssertionError("the installed trl declares no vllm extra")


def test_vllm_pin_lies_inside_trls_supported_range():
    ours = _requirement("vllm", "vllm").specifier
    trl = _trl_vllm_range().specifier
    allowed = [Version(f"0.{minor}.{patch}") for minor in range(15, 40) for patch in range(3)]
    ours_allowed = [v for v in allowed if v in ours]
    assert ours_allowed, f"vllm{ours} allows no release at all"
    assert all(v in trl for v in ours_allowed), f"vllm{ours} allows versions TRL rejects (TRL: vllm{trl})"
    # vLLM 0.31 caps transformers below 5.18 and 0.32+ need torch 2.14: both must stay out.
    assert Version("0.31.0") not in ours and Version("0.26.0") not in ours and Version("0.30.0") in ours


def test_gpu_extra_pulls_vllm_and_deepspeed_and_pins_torch():
    gpu = _extras()["gpu"]
    assert gpu == ["rlvr-pipeline[deepspeed,vllm]"]
    assert str(_requirement("vllm", "torch").specifier) == f"=={TORCH}"
    assert not any(Requirement(r).name == "flash-attn" for extra in _extras().values() for r in extra)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_pip_resolves_gpu_extras_against_torch_2_13(tmp_path):
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet", "--report",
           str(report), f"torch=={TORCH}", f"{ROOT}[gpu]"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=840)
    if proc.returncode != 0 and any(s in proc.stderr for s in UNREACHABLE):
        pytest.skip(f"the package index is unreachable: {proc.stderr.strip().splitlines()[-1]}")
    assert proc.returncode == 0, f"pip could not resolve .[gpu] with torch=={TORCH}:\n{proc.stderr[-3000:]}"
    resolved = {item["metadata"]["name"].lower(): Version(item["metadata"]["version"])
                for item in json.loads(report.read_text())["install"]}
    assert resolved["torch"].base_version == TORCH, resolved["torch"]
    assert resolved["vllm"] in _trl_vllm_range().specifier and resolved["vllm"] in _requirement("vllm", "vllm").specifier
    assert resolved["trl"].release[:2] == (1, 16)
    assert resolved["transformers"] >= Version("5.20")
    assert "deepspeed" in resolved and "flash-attn" not in resolved


def test_gpu_setup_refuses_a_cpu_only_torch():
    """`GPU=1 bash launch/setup.sh` on a venv with a CPU build of torch stops before installing anything."""
    import torch

    if torch.version.cuda is not None:
        pytest.skip("this venv has a CUDA torch: GPU=1 would install the GPU stack")
    venv = Path(sys.executable).parent.parent
    proc = subprocess.run(["bash", "launch/setup.sh"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GPU": "1", "VENV": str(venv)})
    assert proc.returncode == 1 and "CPU-only torch" in proc.stderr and "pip install -e" not in proc.stdout
