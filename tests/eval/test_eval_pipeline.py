"""`eval:` in a pipeline: the input model and every stage evaluated, the gate in both directions, RELEASE.json, the
report; config errors in the eval block."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from evaltest_lib import SAMPLES, write_suite
from rl.cli import main


def _config(tmp_path: Path, model: Path, gate: dict) -> Path:
    suite = write_suite(tmp_path / "suite.yaml", [
        {"name": "math", "source": str(SAMPLES / "math.jsonl"), "adapter": "rows", "max_samples": 3,
         "scorer": "math_accuracy"},
        {"name": "ifeval", "source": str(SAMPLES / "ifeval.jsonl"), "adapter": "ifeval", "max_samples": 2,
         "scorer": {"name": "rule_checks", "kwargs": {"mode": "all"}}}])
    stage = {"datasets": [{"source": str(SAMPLES / "math.jsonl"), "adapter": "rows"}],
             "rewards": [{"name": "think_format"}], "grpo": {"max_steps": 1}}
    config = {"model": str(model), "output_dir": str(tmp_path / "run"), "seed": 7, "report_to": "none",
              "grpo_defaults": {"num_generations": 2, "per_device_train_batch_size": 4, "max_completion_length": 8,
                                "save_steps": 10, "disable_tqdm": True},
              "eval": {"suite": str(suite), "before": True, "gate": gate},
              "stages": [{**stage, "name": "s1"}, {**stage, "name": "s2"}]}
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _cached_result(run: Path, model: str, benchmark: str) -> Path:
    for samples in (run / "eval" / "cache").glob("*/samples.parquet"):
        rows = pq.read_table(samples, columns=["model", "benchmark"]).to_pylist()
        if rows and (rows[0]["model"], rows[0]["benchmark"]) == (model, benchmark):
            return samples.parent / "results.json"
    raise AssertionError(f"no cached result for {model} / {benchmark}")


def test_gate_passes_then_stops_a_stage_that_dropped(tiny_model, tmp_path, capsys):
    config = _config(tmp_path, tiny_model, {"math": {"max_drop": 0.0}})
    run = tmp_path / "run"
    assert main(["train", str(config)]) == 0
    results = json.loads((run / "eval" / "results.json").read_text())
    assert list(results) == ["input", "s1", "s2"] and set(results["s2"]) == {"math", "ifeval"}
    (verdict,) = json.loads((run / "eval" / "gates.json").read_text())
    assert verdict["model"] == "s2" and verdict["previous"] == "s1" and verdict["passed"] is True
    assert json.loads((run / "RELEASE.json").read_text()) == {"stage": "s2", "model": str(run / "s2")}
    assert {r["model"] for r in pq.read_table(run / "eval" / "samples.parquet").to_pylist()} == {"input", "s1", "s2"}
    assert "gate passed" in (run / "report.html").read_text()

    # Stage s2 "broke math": its recorded pass@1 is 0.25 against s1's 0.75 (the rerun reads both from the cache).
    for label, value in (("s1", 0.75), ("s2", 0.25)):
        path = _cached_result(run, label, "math")
        path.write_text(json.dumps({**json.loads(path.read_text()), "pass@1": value}))
    capsys.readouterr()
    assert main(["train", str(config)]) == 3
    err = capsys.readouterr().err
    assert "gate failed for math: pass@1 0.2500 after stage s2 vs 0.7500 after s1" in err
    assert "drop 0.5000 > max_drop 0" in err and "every folder is kept" in err
    assert json.loads((run / "RELEASE.json").read_text())["stage"] == "s1"
    assert (run / "s2" / "STAGE_DONE.json").is_file() and (run / "s2" / "config.json").is_file()
    assert json.loads((run / "eval" / "gates.json").read_text())[0]["passed"] is False
    assert "gate FAILED" in (run / "report.html").read_text()


@pytest.mark.parametrize("block, message", [
    ({"suite": "smoke_cpu", "gate": {"maths": {"max_drop": 0.1}}}, "eval.gate.maths: not a benchmark of suite "
                                                                     "smoke_cpu; did you mean 'math'?"),
    ({"suite": "smoke", "gate": {}}, "eval.suite: suite 'smoke' not found"),
    ({"suite": "smoke_cpu", "gate": {"math": {"max_drop": -1}}}, "eval.gate.math.max_drop: -1 is outside"),
    ({"suite": "smoke_cpu", "gate": {"math": {"drop": 0.1}}}, "eval.gate.math.drop: unknown key"),
    ({"suite": "smoke_cpu", "befor": True}, "eval.befor: unknown key; did you mean 'before'?"),
])
def test_eval_block_errors(tiny_model, tmp_path, capsys, block, message):
    config = _config(tmp_path, tiny_model, {})
    data = yaml.safe_load(config.read_text())
    data["eval"] = block
    config.write_text(yaml.safe_dump(data))
    assert main(["train", str(config), "--check"]) == 2
    assert message in capsys.readouterr().err
