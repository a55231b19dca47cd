"""`python -m rl train`: config errors are one line on stderr and exit status 2, before any model loads."""

from __future__ import annotations

from rlrun_testlib import pipeline_dict, run, train_cmd, write_config


def test_config_error_is_one_line_exit_2_and_loads_nothing(tmp_path):
    # The model folder does not exist: validation must fail on the config, not later while loading a model.
    data = pipeline_dict(tmp_path / "missing_model", tmp_path / "out")
    config = write_config(tmp_path / "p.yaml", data)
    proc = run(train_cmd(config), timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("config error: model:"), proc.stderr
    assert not (tmp_path / "out").exists()


def test_set_override_errors_name_the_key(tiny_model, tmp_path):
    config = write_config(tmp_path / "p.yaml", pipeline_dict(tiny_model, tmp_path / "out"))
    proc = run(train_cmd(config, "stages.0.grpo.num_generations=3"), timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("config error: stages[0].grpo.num_generations:"), proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
