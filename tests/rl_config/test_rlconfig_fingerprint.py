"""A finished stage's hash covers what determines the stage, not where the checkout, data or servers are."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from rl.config import load_pipeline_config
from rl.fingerprint import model_fingerprint, stage_hash

SAMPLES = Path(__file__).resolve().parents[2] / "rl" / "samples"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv("SANDBOX_URL", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)


def checkout(root: Path) -> Path:
    """A small project folder: a local model, two datasets and a pipeline config using relative paths."""
    (root / "data").mkdir(parents=True)
    shutil.copy(SAMPLES / "math.jsonl", root / "data" / "math.jsonl")
    shutil.copy(SAMPLES / "code.jsonl", root / "data" / "code.jsonl")
    (root / "model").mkdir()
    (root / "model" / "config.json").write_text(json.dumps({"model_type": "qwen2", "hidden_size": 8}))
    (root / "model" / "model.safetensors").write_bytes(bytes(range(256)) * 64)
    config = {
        "model": "model", "output_dir": "out", "report_to": "none", "seed": 3,
        "grpo_defaults": {"num_generations": 2, "per_device_train_batch_size": 2, "max_completion_length": 32},
        "stages": [{"name": "s1", "rewards": "math_code",
                    "datasets": [{"source": "data/math.jsonl"}, {"source": "data/code.jsonl"}]}],
    }
    (root / "pipeline.yaml").write_text(yaml.safe_dump(config))
    return root / "pipeline.yaml"


def digest(config: Path, overrides: list[str] = ()) -> str:
    cfg = load_pipeline_config(config, overrides)
    return stage_hash(cfg, cfg.stages[0], model_fingerprint(cfg.model))


def test_moving_the_checkout_keeps_a_finished_stage_finished(tmp_path, monkeypatch):
    config = checkout(tmp_path / "a")
    monkeypatch.chdir(tmp_path / "a")
    before = digest(config)
    assert load_pipeline_config(config).stages[0].datasets[0].local_path == str(tmp_path / "a" / "data" / "math.jsonl")

    shutil.move(tmp_path / "a", tmp_path / "mounted" / "elsewhere")
    moved = tmp_path / "mounted" / "elsewhere"
    monkeypatch.chdir(moved)
    assert digest(moved / "pipeline.yaml") == before
    # Other sandbox servers, absolute paths to the same files, another output folder: the same stage.
    assert digest(moved / "pipeline.yaml", ["sandbox.urls=[http://node7:8080]"]) == before
    assert digest(moved / "pipeline.yaml", [f"stages.0.datasets.0.source={moved / 'data' / 'math.jsonl'}",
                                            f"model={moved / 'model'}"]) == before
    assert digest(moved / "pipeline.yaml", ["output_dir=/scratch/elsewhere"]) == before


def test_what_determines_the_stage_changes_its_hash(tmp_path, monkeypatch):
    config = checkout(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = digest(config)
    assert digest(config, ["seed=4"]) != before
    assert digest(config, ["stages.0.grpo.learning_rate=0.5"]) != before
    assert digest(config, ["stages.0.rewards=math_only"]) != before
    with (tmp_path / "data" / "code.jsonl").open("a") as f:  # the same path, other rows
        f.write((SAMPLES / "code.jsonl").read_text().splitlines()[0] + "\n")
    assert digest(config) != before
    changed = digest(config)
    (tmp_path / "model" / "model.safetensors").write_bytes(bytes(range(255, -1, -1)) * 64)  # other weights
    assert digest(config) != changed


def test_local_model_fingerprint_ignores_checkpoints_and_location(tmp_path):
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (model / "model.safetensors").write_bytes(b"w" * 1000)
    first = model_fingerprint(str(model))
    (model / "checkpoint-5").mkdir()
    (model / "checkpoint-5" / "model.safetensors").write_bytes(b"x")
    assert model_fingerprint(str(model)) == first
    shutil.move(model, tmp_path / "moved")
    assert model_fingerprint(str(tmp_path / "moved")) == first
    assert model_fingerprint("Qwen/QwQ-32B") == "hub:Qwen/QwQ-32B"
