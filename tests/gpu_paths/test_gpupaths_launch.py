"""Multi-node launches through accelerate's own command builder: one torchrun per node, never pdsh.

`accelerate.commands.launch.launch_command` is run for real on the shipped configs; only the last step (starting
torchrun, or the `deepspeed --launcher pdsh` subprocess) is replaced by a recorder, so no process starts.
"""

from __future__ import annotations

from pathlib import Path

import accelerate.commands.launch as accel_launch
import pytest
import torch.distributed.run as torchrun
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACCEL = ROOT / "configs" / "accelerate"


def _launch(monkeypatch, tmp_path, config: Path, *extra: str) -> dict:
    """Run `accelerate launch` for 4 nodes x 8 GPUs as node 2 would; return what it would have started."""
    started: dict = {}

    def fake_torchrun(args):
        # What `_run_torchrun` hands to torch.distributed.run.
        started["torchrun"] = accel_launch._filter_args(
            args, torchrun.get_args_parser(),
            ["--training_script", args.training_script, "--training_script_args", args.training_script_args])

    monkeypatch.setattr(accel_launch, "_run_torchrun", fake_torchrun)
    monkeypatch.setattr(accel_launch, "_run_subprocess", lambda cmd, env, quiet: started.setdefault("subprocess", cmd))
    monkeypatch.setattr(accel_launch, "check_cuda_p2p_ib_support", lambda: True)
    monkeypatch.chdir(tmp_path)  # the pdsh path appends to ./.deepspeed_env
    argv = ["--config_file", str(config), "--num_machines", "4", "--num_processes", "32", "--machine_rank", "2",
            "--main_process_ip", "10.1.2.3", "--main_process_port", "29500", *extra, "-m", "rl", "train", "c.yaml"]
    accel_launch.launch_command(accel_launch.launch_command_parser().parse_args(argv))
    return started


@pytest.mark.parametrize("name", ["zero2", "zero3", "ddp"])
def test_four_machines_give_one_torchrun_per_node(monkeypatch, tmp_path, name):
    started = _launch(monkeypatch, tmp_path, ACCEL / f"{name}.yaml")
    assert "subprocess" not in started, f"{name}: accelerate built {started.get('subprocess')}"
    run = started["torchrun"]
    assert (run.nnodes, int(run.nproc_per_node), int(run.node_rank)) == ("4", 8, 2)
    endpoint = run.rdzv_endpoint or f"{run.master_addr}:{run.master_port}"  # static rendezvous: either spelling
    assert endpoint == "10.1.2.3:29500" and run.rdzv_backend == "static"
    assert run.module and run.training_script == "rl" and run.training_script_args == ["train", "c.yaml"]


def _without_launcher_key(tmp_path) -> Path:
    config = yaml.safe_load((ACCEL / "zero3.yaml").read_text())
    del config["deepspeed_config"]["deepspeed_multinode_launcher"]
    path = tmp_path / "zero3_default_launcher.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_without_standard_launcher_accelerate_falls_back_to_pdsh(monkeypatch, tmp_path):
    """The failure the configs guard against: accelerate's default multi-node DeepSpeed launcher is pdsh."""
    started = _launch(monkeypatch, tmp_path, _without_launcher_key(tmp_path))
    assert "torchrun" not in started
    cmd = started["subprocess"]
    assert cmd[0] == "deepspeed" and cmd[cmd.index("--launcher") + 1] == "pdsh"


def test_slurm_flag_overrides_a_config_without_the_key(monkeypatch, tmp_path):
    """The Slurm script passes --deepspeed_multinode_launcher standard, so an ACCEL config without it still works."""
    started = _launch(monkeypatch, tmp_path, _without_launcher_key(tmp_path),
                      "--deepspeed_multinode_launcher", "standard")
    assert "subprocess" not in started and started["torchrun"].nnodes == "4"
    assert "--deepspeed_multinode_launcher standard" in (ROOT / "launch" / "slurm_train_node.sh").read_text()
