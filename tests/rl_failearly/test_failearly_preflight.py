"""Everything checkable is checked before stage 1 starts, and by `--check`: rows of every stage, bad JSON lines,
local paths (reward models included), hub ids offline or unreachable, output_dir and its free space. Each problem
is one line on stderr with exit status 2; no model loads and nothing is written."""

from __future__ import annotations

import time
from pathlib import Path

from rl.cli import main
from rl.preflight import output_dir_problem, probe_hub

from failearly_testlib import last_line, pipeline_dict, run, tmpfs, train_cmd, write_config, write_rows

QUESTION = [{"role": "user", "content": "What is 1 + 1?"}]
BAD_MATH = [{"prompt": QUESTION, "task": "math"} for _ in range(7)]  # no gold answer: every row is bad


def two_stage(model: Path, out: Path, stage2_source: Path, **extra) -> dict:
    data = pipeline_dict(model, out, stages=2)
    data["stages"][1]["datasets"] = [{"source": str(stage2_source), "adapter": "rows"}]
    data.update(extra)
    return data


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return last_line(err)


def test_all_bad_rows_in_stage_two_fail_check_and_the_run_before_stage_one(fake_model, tmp_path, capsys):
    bad = write_rows(tmp_path / "bad_math.jsonl", BAD_MATH)
    out = tmp_path / "out"
    config = write_config(tmp_path / "p.yaml", two_stage(fake_model, out, bad))
    assert main(["train", str(config), "--check"]) == 2
    line = error_line(capsys)
    assert line.startswith("preflight: stages[1].datasets[0] (s2): ")
    assert "all 7 rows are bad" in line and "math rows need a non-empty gold answer" in line
    # The run stops before stage 1 (and before any model loads: this model folder has no weights).
    assert main(["train", str(config)]) == 2
    assert "all 7 rows are bad" in error_line(capsys)
    assert not out.exists()


def test_some_bad_rows_are_counted_with_first_reasons(fake_model, tmp_path, capsys):
    good = {"prompt": QUESTION, "task": "math", "answer": "2"}
    rows = write_rows(tmp_path / "mixed.jsonl", [good, BAD_MATH[0], good, {"prompt": QUESTION, "task": "poetry"}])
    data = pipeline_dict(fake_model, tmp_path / "out")
    data["stages"][0]["datasets"] = [{"source": str(rows), "adapter": "rows"}]
    assert main(["train", str(write_config(tmp_path / "p.yaml", data)), "--check"]) == 0
    err = capsys.readouterr().err
    assert "2 of 4 rows usable; 2 bad, e.g. row 1: answer:" in err and "row 3: task:" in err


def test_a_bad_json_line_is_one_line_naming_file_and_line(fake_model, tmp_path, capsys):
    good = {"prompt": QUESTION, "task": "math", "answer": "2"}
    rows = write_rows(tmp_path / "broken.jsonl", [good, good, '{"prompt": [', good, "not json at all", good])
    data = pipeline_dict(fake_model, tmp_path / "out")
    data["stages"][0]["datasets"] = [{"source": str(rows), "adapter": "rows"}]
    assert main(["train", str(write_config(tmp_path / "p.yaml", data)), "--check"]) == 2
    line = error_line(capsys)
    assert f"{rows}:3: 2 of 6 lines are not JSON, e.g. line 3:" in line and "line 5:" in line


def test_reward_model_path_typo_is_an_error_not_a_hub_id(fake_model, tmp_path, capsys, monkeypatch):
    data = pipeline_dict(fake_model, tmp_path / "out")
    rm = {"name": "reward_model", "weight": 0.5, "kwargs": {"model": str(tmp_path / "ckpt" / "reward_mdl")}}
    data["stages"][0]["rewards"].append(rm)
    config = write_config(tmp_path / "p.yaml", data)
    assert main(["train", str(config), "--check"]) == 2
    line = error_line(capsys)
    assert "stages[0].rewards[1].kwargs.model (s1): local model" in line and "reward_mdl' not found" in line
    # A relative one-slash typo reads as a hub id: offline, one not in the hub cache is an error too.
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    assert main(["train", str(config), "--check", "--set", "stages.0.rewards.1.kwargs.model=ckpt/reward_mdl"]) == 2
    assert "'ckpt/reward_mdl' is not a local folder and not in the local hub cache, and HF_HUB_OFFLINE is set" in (
        error_line(capsys))


def test_missing_model_folder_offline_fails_within_seconds(tmp_path):
    data = pipeline_dict("ckpts/cold_start_missing", tmp_path / "out")
    config = write_config(tmp_path / "p.yaml", data)
    start = time.monotonic()
    proc = run(train_cmd(config), timeout=120, HF_HUB_OFFLINE="1")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert last_line(proc.stderr) == (
        "preflight: model: 'ckpts/cold_start_missing' is not a local folder and not in the local hub cache, and "
        "HF_HUB_OFFLINE is set (download it first, or give a local path)")
    # Start-up (imports) included; before, the hub client retried for about 50 s and printed a traceback.
    assert time.monotonic() - start < 60


def test_an_unanswering_hub_costs_the_timeout_only(monkeypatch):
    def hang(*args, **kwargs):
        time.sleep(30)

    monkeypatch.setattr("huggingface_hub.HfApi.repo_info", hang)
    start = time.monotonic()
    answers = probe_hub([("org/model-a", "model"), ("org/data-b", "dataset")], timeout_s=0.5)
    assert time.monotonic() - start < 3
    assert all(a.startswith("unreachable") for a in answers.values())


def test_unreachable_hub_warns_under_check_and_stops_the_run(fake_model, tmp_path, capsys, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr("huggingface_hub.HfApi.repo_info", unreachable)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    data = pipeline_dict(fake_model, tmp_path / "out")
    data["stages"][0]["rewards"].append({"name": "reward_model", "weight": 0.5, "kwargs": {"model": "org/rm"}})
    config = write_config(tmp_path / "p.yaml", data)
    assert main(["train", str(config), "--check"]) == 0
    assert "warning: stages[0].rewards[1].kwargs.model (s1): 'org/rm' is not in the local hub cache and the hub " \
           "is unreachable" in capsys.readouterr().err
    assert main(["train", str(config)]) == 2
    assert error_line(capsys).startswith("preflight: stages[0].rewards[1].kwargs.model (s1): 'org/rm' is not in")


def test_output_dir_under_a_file_is_one_line_before_anything_loads(fake_model, tmp_path, capsys):
    blocker = tmp_path / "results"
    blocker.write_text("a file where a folder should go")
    config = write_config(tmp_path / "p.yaml", pipeline_dict(fake_model, blocker / "run1"))
    assert main(["train", str(config), "--check"]) == 2
    assert error_line(capsys) == f"preflight: output_dir {blocker / 'run1'}: cannot be created, {blocker} is a file"
    assert main(["train", str(config)]) == 2
    assert "is a file" in error_line(capsys)


def test_output_dir_on_a_read_only_mount():
    with tmpfs("1m", "ro") as mount:
        problem = output_dir_problem(str(mount / "run"), None)
    assert problem is not None and "cannot write in" in problem and "Read-only file system" in problem


def test_output_dir_without_room_for_one_checkpoint(tiny_model, tmp_path, capsys):
    with tmpfs("512k") as mount:
        config = write_config(tmp_path / "p.yaml", pipeline_dict(tiny_model, mount / "run"))
        assert main(["train", str(config), "--check"]) == 2
        line = error_line(capsys)
    assert line.startswith(f"preflight: output_dir {mount / 'run'}: ") and "free on its disk, but one checkpoint " \
        "needs about" in line


def test_several_problems_are_reported_together(fake_model, tmp_path, capsys):
    bad = write_rows(tmp_path / "bad_math.jsonl", BAD_MATH)
    blocker = tmp_path / "f"
    blocker.write_text("")
    config = write_config(tmp_path / "p.yaml", two_stage(fake_model, blocker / "out", bad))
    assert main(["train", str(config), "--check"]) == 2
    line = error_line(capsys)
    assert line.startswith("preflight: 2 problems: ") and "all 7 rows are bad" in line and "is a file" in line


def test_debug_prints_the_traceback_of_a_user_error(fake_model, tmp_path, capsys):
    bad = write_rows(tmp_path / "bad_math.jsonl", BAD_MATH)
    config = write_config(tmp_path / "p.yaml", two_stage(fake_model, tmp_path / "out", bad))
    assert main(["train", str(config), "--check", "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "PreflightError" in err and last_line(err).startswith("preflight: ")


def test_config_errors_keep_their_line(fake_model, tmp_path, capsys):
    data = pipeline_dict(fake_model, tmp_path / "out")
    data["stages"][0]["grpo"]["max_stepz"] = 3
    assert main(["train", str(write_config(tmp_path / "p.yaml", data)), "--check"]) == 2
    assert error_line(capsys).startswith("config error: stages[0].grpo.max_stepz: unknown")
