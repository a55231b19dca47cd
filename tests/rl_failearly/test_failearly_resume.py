"""End to end with real `python -m rl train` processes on a tiny model: resume from the newest complete checkpoint,
a changed stage config on resume, SIGTERM mid-stage, and a disk that fills up during a save."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from rl.checkpoints import checkpoint_problem, live_checkpoint_bytes
from rl.pipeline import DONE_FILE

from failearly_testlib import (ROOT, SAMPLES, last_line, pipeline_dict, run, subprocess_env, tmpfs, train_cmd,
                               write_config)


def trained_steps(stdout: str) -> int:
    return len(re.findall(r"^step \d+/\d+ .*\| loss ", stdout, re.M))


@pytest.mark.slow
def test_half_written_newest_checkpoint_and_changed_config_on_resume(tiny_model, tmp_path):
    config = write_config(tmp_path / "p.yaml", pipeline_dict(tiny_model, tmp_path / "out"))
    stage_dir = tmp_path / "out" / "s1"
    first = run(train_cmd(config, "--set", "stages.0.grpo.max_steps=4"))
    assert first.returncode == 0, first.stderr[-3000:]
    # As if the run had died while saving checkpoint-4: its optimizer.pt is cut short, the stage is not finished.
    (stage_dir / DONE_FILE).unlink()
    optimizer = stage_dir / "checkpoint-4" / "optimizer.pt"
    optimizer.write_bytes(optimizer.read_bytes()[:1000])

    changed = run(train_cmd(config, "--set", "stages.0.grpo.max_steps=4", "--set", "grpo_defaults.learning_rate=0.02"))
    assert changed.returncode == 2
    assert last_line(changed.stderr) == (
        f"stage changed: stage 's1': its checkpoints in {stage_dir} were written with another config "
        f"(grpo.learning_rate 0.01 -> 0.02); restore it, or delete {stage_dir}/checkpoint-* to train the stage from "
        "the start (only grpo.max_steps, grpo.save_steps, grpo.save_total_limit, grpo.logging_steps, "
        "grpo.eval_steps, grpo.log_completions, grpo.num_completions_to_print, grpo.disable_tqdm may change on "
        "resume)")

    longer = run(train_cmd(config, "--set", "stages.0.grpo.max_steps=6"))
    assert longer.returncode == 0, longer.stderr[-3000:]
    assert f"checkpoint {stage_dir / 'checkpoint-4'} is incomplete (optimizer.pt: not a complete torch archive" \
        in longer.stderr
    assert "stage s1: resuming with a changed config: grpo.max_steps 4 -> 6" in longer.stderr
    assert "(resumed from checkpoint-2)" in longer.stdout
    assert trained_steps(longer.stdout) == 4
    assert json.loads((stage_dir / "trainer_state.json").read_text())["global_step"] == 6
    assert checkpoint_problem(stage_dir / "checkpoint-4") is None  # saved again, whole


def descendants(pid: int) -> set[int]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                out.add(pid)
        except OSError:
            continue
    return out


@pytest.mark.slow
def test_sigterm_mid_stage_saves_stops_cleanly_and_the_rerun_resumes(tiny_model, tmp_path):
    data = pipeline_dict(tiny_model, tmp_path / "out", save_steps=50)
    data["stages"][0]["datasets"].append({"source": str(SAMPLES / "code.jsonl"), "adapter": "rows"})
    data["stages"][0]["rewards"].append({"name": "code_tests", "weight": 1.0})  # an embedded sandbox server runs
    data["stages"][0]["grpo"]["max_steps"] = 8
    data["on_sigterm"] = {"save": True, "grace_s": 30}
    config = write_config(tmp_path / "p.yaml", data)
    log = tmp_path / "first.out"
    with log.open("w") as out, (tmp_path / "first.err").open("w") as err:
        proc = subprocess.Popen(train_cmd(config), cwd=ROOT, env=subprocess_env(), stdout=out, stderr=err,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not re.search(r"^step [23]/8 ", log.read_text(), re.M):
            assert proc.poll() is None, (tmp_path / "first.err").read_text()[-3000:]
            assert time.monotonic() < deadline, "no training step within 240 s"
            time.sleep(0.1)
        children = descendants(proc.pid)
        assert children, "the embedded sandbox server should be running"
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            subprocess.run(["kill", "-9", f"-{proc.pid}"])
    stderr = (tmp_path / "first.err").read_text()
    assert rc == 143, stderr[-3000:]
    assert time.monotonic() - sent < 30
    assert "Traceback" not in stderr
    match = re.fullmatch(r"stopped by SIGTERM after step (\d+); saved (\S+)/checkpoint-(\d+); rerun the same "
                         r"command to resume from it", last_line(stderr))
    assert match and match.group(1) == match.group(3), stderr[-2000:]
    step = int(match.group(1))
    stage_dir = tmp_path / "out" / "s1"
    assert Path(match.group(2)) == stage_dir and 2 <= step < 8
    assert checkpoint_problem(stage_dir / f"checkpoint-{step}") is None
    assert not (stage_dir / DONE_FILE).exists()
    deadline = time.monotonic() + 15
    while alive(children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(children), "processes left behind after SIGTERM"

    second = run(train_cmd(config))
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"(resumed from checkpoint-{step})" in second.stdout
    assert trained_steps(second.stdout) == 8 - step


@pytest.mark.slow
def test_disk_full_during_a_save_is_one_line_and_the_rerun_resumes(tiny_model, tmp_path):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    weights = live_checkpoint_bytes(model, None)
    # Room for the preflight's estimate (weights + 2 Adam states) and one real checkpoint, not for two.
    size_kib = int(weights * 4.6) // 1024
    with tmpfs(f"{size_kib}k") as mount:
        config = write_config(tmp_path / "p.yaml", pipeline_dict(tiny_model, mount / "run", save_total_limit=3))
        full = run(train_cmd(config, "--set", "stages.0.grpo.max_steps=6"))
        stage_dir = mount / "run" / "s1"
        assert full.returncode == 2, full.stderr[-3000:]
        assert "Traceback" not in full.stderr
        line = last_line(full.stderr)
        assert re.fullmatch(rf"disk full: no room to save {stage_dir}/checkpoint-(4|6): \S+ \S+ left on the disk "
                            rf"holding \S+; a checkpoint needs about \S+ MiB; free space or move output_dir, then "
                            r"rerun the same command to resume from the last complete checkpoint", line), line
        assert checkpoint_problem(stage_dir / "checkpoint-2") is None
        subprocess.run(["mount", "-o", f"remount,size={size_kib * 8}k", str(mount)], check=True)
        again = run(train_cmd(config, "--set", "stages.0.grpo.max_steps=6"))
        assert again.returncode == 0, again.stderr[-3000:]
        assert "is incomplete" in again.stderr
        assert re.search(r"\(resumed from checkpoint-[24]\)", again.stdout)
        assert json.loads((stage_dir / "trainer_state.json").read_text())["global_step"] == 6


@pytest.mark.slow
def test_sigterm_to_torchrun_both_processes_save_the_same_checkpoint(tiny_model, tmp_path):
    import sys

    data = pipeline_dict(tiny_model, tmp_path / "out", save_steps=50)
    data["stages"][0]["grpo"]["max_steps"] = 8
    config = write_config(tmp_path / "p.yaml", data)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "rl",
           "train", str(config)]
    log = tmp_path / "out.log"
    with log.open("w") as out, (tmp_path / "err.log").open("w") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=subprocess_env(), stdout=out, stderr=err, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not re.search(r"^step [23]/8 ", log.read_text(), re.M):
            assert proc.poll() is None, (tmp_path / "err.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no training step within 240 s"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)  # torchrun forwards it to both workers, SIGKILLs them 30 s later
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            subprocess.run(["kill", "-9", f"-{proc.pid}"])
    stderr = (tmp_path / "err.log").read_text()
    lines = re.findall(r"^stopped by SIGTERM after step (\d+); saved (\S+)/checkpoint-(\d+); rerun", stderr, re.M)
    assert len(lines) == 2 and lines[0] == lines[1], stderr[-3000:]
    folder = Path(lines[0][1]) / f"checkpoint-{lines[0][0]}"
    assert checkpoint_problem(folder) is None
    assert (folder / "rng_state_0.pth").is_file() and (folder / "rng_state_1.pth").is_file()
