"""The Slurm launch, run on CPU against fake `srun`, `scontrol`, `curl` and Python that record what they are given.

Checks the rank of each training node, that URL lists never pass through `--export`, that every step gets its CPUs,
and that the health polls use `/health`, the path TRL's VLLMClient polls.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEP = "\x1f"
GPU_SCRIPTS = ("setup.sh", "train_multi_gpu.sh", "plan_check.sh", "vllm_colocate.sh", "vllm_server.sh", "slurm_multinode.sbatch",
               "slurm_train_node.sh", "sandbox_server.sh", "gpu_check.sh")

FAKES = {
    # `scontrol show hostnames a,b,c`: one name per line (real hostlist ranges are scontrol's business).
    "scontrol": 'shift 2; tr "," "\\n" <<<"$1"\n',
    "curl": 'printf "%s\\n" "${@: -1}" >> "$LOG_DIR/curl"\n',
    # Logs the call; for `-` (a script on stdin) prints the model name the sbatch asks for.
    "python": 'line=$(printf "%s\\x1f" "WORLD_SIZE=${WORLD_SIZE:-}" "$@"); printf "%s\\n" "$line" >> "$LOG_DIR/python"\n'
              '[ "$1" != - ] || { cat >/dev/null; echo fake/model; }\n',
    # Logs the step; a training step runs its command once per node of --nodelist, as Slurm would.
    # (one write per line: the sandbox and vLLM steps run concurrently)
    "srun": 'line=$(printf "%s\\x1f" "$@"); printf "%s\\n" "$line" >> "$LOG_DIR/srun"\n'
            'nodes=""; while [ "${1#--}" != "$1" ]; do case $1 in --nodelist=*) nodes=${1#--nodelist=};; esac; shift; done\n'
            'case $1 in */slurm_train_node.sh) for n in ${nodes//,/ }; do SLURMD_NODENAME=$n "$@" || exit; done;; esac\n',
}


@pytest.fixture
def fakes(tmp_path):
    bin_dir, log_dir = tmp_path / "bin", tmp_path / "log"
    bin_dir.mkdir()
    log_dir.mkdir()
    for name, body in FAKES.items():
        path = bin_dir / name
        path.write_text("#!/usr/bin/env bash\n" + body)
        path.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "LOG_DIR": str(log_dir),
           "PYTHON": str(bin_dir / "python")}
    return env, log_dir


def _calls(path: Path) -> list[list[str]]:
    return [line.split(SEP)[:-1] for line in path.read_text().splitlines()] if path.exists() else []


def _flag(call: list[str], name: str) -> str:
    return call[call.index(name) + 1]


def test_sbatch_ranks_exports_cpus_and_health(fakes):
    env, log = fakes
    env.update(SLURM_SUBMIT_DIR=str(ROOT), SLURM_JOB_NODELIST_HET_GROUP_0="gpu01,gpu02,gpu03,gpu04,gpu05",
               SLURM_JOB_NODELIST_HET_GROUP_1="cpu01,cpu02", SLURM_CPUS_ON_NODE="96",
               SLURM_CPUS_PER_TASK_HET_GROUP_1="64", GPU_MEM="80")
    proc = subprocess.run(["bash", "launch/slurm_multinode.sbatch", "configs/pipeline/qwq_32b.yaml",
                           "--set", "stages.reasoning.grpo.max_steps=5"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    sruns = sorted(_calls(log / "srun"), key=lambda c: ("--het-group=1" not in c, "vllm-serve" not in c))
    assert len(sruns) == 3  # sandboxes, vLLM, training (the first two start concurrently)
    for call in sruns:
        assert "--export=ALL" in call and not any("SANDBOX_URL" in a for a in call)
        assert any(a.startswith("--cpus-per-task=") for a in call)
    assert "--cpus-per-task=64" in sruns[0] and "--cpus-per-task=96" in sruns[2]
    assert (log / "curl").read_text().split() == ["http://cpu01:8100/health", "http://cpu02:8100/health",
                                                  "http://gpu01:8000/health"]
    python = _calls(log / "python")
    check = next(c for c in python if "--check" in c)
    assert check[0] == "WORLD_SIZE=32"
    plan = next(c for c in python if "plan" in c)
    assert plan[plan.index("plan"):plan.index("plan") + 8] == ["plan", "configs/pipeline/qwq_32b.yaml", "--gpus", "32",
                                                               "--gpu-mem", "80", "--accel", "configs/accelerate/zero3.yaml"]
    launches = [c for c in python if "accelerate.commands.launch" in c]
    assert [_flag(c, "--machine_rank") for c in launches] == ["0", "1", "2", "3"]
    for call in launches:
        assert (_flag(call, "--num_machines"), _flag(call, "--num_processes")) == ("4", "32")
        assert _flag(call, "--main_process_ip") == "gpu02" and _flag(call, "--deepspeed_multinode_launcher") == "standard"
        assert 'sandbox.urls=["http://cpu01:8100","http://cpu02:8100"]' in call
        assert "grpo_defaults.vllm_server_base_url=http://gpu01:8000" in call
        assert call[-2:] == ["--set", "stages.reasoning.grpo.max_steps=5"]  # the user's overrides come last
    vllm = sruns[1]
    assert _flag(vllm, "--model") == "fake/model" and "--nodelist=gpu01" in vllm


def _train_node(env: dict, node: str | None, nodes: str = "gpu02,gpu03,gpu04") -> subprocess.CompletedProcess:
    env = {k: v for k, v in env.items() if k != "SLURMD_NODENAME"}
    if node is not None:
        env["SLURMD_NODENAME"] = node
    return subprocess.run(["bash", "launch/slurm_train_node.sh", env["PYTHON"], "configs/accelerate/zero3.yaml",
                           nodes, "8", "29500", "c.yaml"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=30)


def test_train_node_rank_is_its_index_in_the_training_list(fakes):
    env, log = fakes
    assert _train_node(env, "gpu04").returncode == 0
    (call,) = _calls(log / "python")
    assert _flag(call, "--machine_rank") == "2" and _flag(call, "--num_processes") == "24"
    assert call[-3:] == ["rl", "train", "c.yaml"]


@pytest.mark.parametrize("node, message", [("gpu01", "not in the training node list"), (None, "SLURMD_NODENAME")])
def test_train_node_outside_the_list_fails_clearly(fakes, node, message):
    env, log = fakes
    proc = _train_node(env, node)
    assert proc.returncode != 0 and message in proc.stderr
    assert not (log / "python").exists()


NVIDIA_SMI = 'case "$*" in -L) for i in 0 1 2 3; do echo "GPU $i: NVIDIA H100 80GB HBM3"; done;; *) echo 81559;; esac\n'
PLAN_EXIT = 'line=$(printf "%s\\x1f" "$@"); printf "%s\\n" "$line" >> "$LOG_DIR/python"; [ "$3" != plan ] || exit 3\n'


@pytest.mark.parametrize("strict", [False, True])
def test_train_multi_gpu_runs_the_plan_first(fakes, tmp_path, strict):
    """The plan runs for the real world size and GPU memory; a does-not-fit plan warns, or stops with PLAN_STRICT=1."""
    env, log = fakes
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name, body in (("python", PLAN_EXIT), ("nvidia-smi", NVIDIA_SMI)):
        path = (venv / "bin" / name) if name == "python" else (tmp_path / "bin" / name)
        path.write_text("#!/usr/bin/env bash\n" + body)
        path.chmod(0o755)
    env.update(VENV=str(venv), PLAN_STRICT="1" if strict else "0")
    proc = subprocess.run(["bash", "launch/train_multi_gpu.sh", "c.yaml", "--set", "a=1"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    calls = _calls(log / "python")
    plan = next(c for c in calls if "plan" in c)
    assert plan[plan.index("plan"):] == ["plan", "c.yaml", "--gpus", "4", "--gpu-mem", "86", "--accel",
                                         "configs/accelerate/zero3.yaml", "--set", "a=1"]
    launched = [c for c in calls if "accelerate.commands.launch" in c]
    if strict:
        assert proc.returncode == 3 and not launched and "stopping" in proc.stderr
    else:
        assert proc.returncode == 0 and len(launched) == 1 and "WARNING" in proc.stderr
        assert _flag(launched[0], "--num_processes") == "4"


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed (apt-get install shellcheck)")
def test_launch_scripts_pass_shellcheck():
    scripts = [f"launch/{name}" for name in GPU_SCRIPTS]
    proc = subprocess.run(["shellcheck", "-S", "warning", "-s", "bash", *scripts], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout


def test_launch_scripts_parse():
    for path in sorted((ROOT / "launch").iterdir()):
        if path.suffix in (".sh", ".sbatch"):
            proc = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=30)
            assert proc.returncode == 0, f"{path.name}: {proc.stderr}"
