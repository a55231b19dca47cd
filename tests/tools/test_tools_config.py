"""`tools:` on a stage: checked when the config loads, bound to the run's sandbox, hashed without addresses; the
trainer mixin's outage exclusion and malformed-call routing."""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import yaml

from rl.config import ConfigError, load_pipeline_config
from rl.fingerprint import stage_hash
from rl.pipeline import needs_sandbox
from rl.tools.environment import MALFORMED_NAME, ToolRecord, environment_class
from rl.tools.registry import resolve
from rl.tools.trainer import ToolTrainerMixin


def config(tmp_path: Path, stage_extra: dict, sandbox: dict | None = None) -> Path:
    data = {"model": "Qwen/QwQ-32B", "output_dir": str(tmp_path / "out"),
            "grpo_defaults": {"num_generations": 4, "per_device_train_batch_size": 4},
            "stages": [{"name": "tir", "datasets": [{"source": "rl/samples/math.jsonl"}],
                        "rewards": [{"name": "math_accuracy"}], "grpo": {"max_steps": 1}, **stage_extra}]}
    if sandbox is not None:
        data["sandbox"] = sandbox
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("extra, needle", [
    ({"tools": ["pyhton"]}, "stages[0].tools[0]: unknown tool 'pyhton'; did you mean 'python'"),
    ({"tools": "python"}, "stages[0].tools: expected a non-empty list"),
    ({"tools": ["python"], "tool_options": {"max_call": 3}}, "unknown tool_options key(s) ['max_call']"),
    ({"tools": ["python"], "tool_options": {"max_calls": 0}}, "max_calls must be an integer >= 1"),
    ({"tool_options": {"max_calls": 3}}, "the stage has no tools"),
    ({"rewards": [{"name": "tool_use"}]}, "tool_use scores tool calls, but the stage has no tools"),
    ({"tools": [{"name": "python", "kwargs": {"memory_mb": 1}}]}, "memory_mb"),
    ({"tools": ["tests_missing_module:f"]}, "cannot import module"),
])
def test_bad_tool_config_is_a_config_error(tmp_path, extra, needle):
    with pytest.raises(ConfigError) as e:
        load_pipeline_config(config(tmp_path, extra))
    assert needle in str(e.value)


def test_tools_bound_to_the_run_sandbox_and_hashed_without_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SANDBOX_URL", raising=False)
    extra = {"tools": ["python"], "rewards": [{"name": "math_accuracy"}, {"name": "tool_use", "weight": 0.1}]}
    embedded = load_pipeline_config(config(tmp_path, extra))
    stage = embedded.stages[0]
    assert stage.tools == [{"name": "python", "kwargs": {}, "bound": []}] and needs_sandbox(stage)
    given = load_pipeline_config(config(tmp_path, extra, {"urls": ["http://sandbox-a:8080"]}))
    assert given.stages[0].tools[0]["kwargs"]["sandbox_urls"] == ["http://sandbox-a:8080"]
    assert not needs_sandbox(given.stages[0])
    assert stage_hash(embedded, stage, "in") == stage_hash(given, given.stages[0], "in")
    other = dataclasses.replace(stage, tools=[{"name": "python", "kwargs": {"time_s": 9.0}, "bound": []}])
    assert stage_hash(embedded, other, "in") != stage_hash(embedded, stage, "in")


class Base:
    """Stands in for the pipeline's GRPOTrainer: rewards are all 1, the tool loop returns what it saw."""

    def __init__(self, envs):
        self.environments = envs
        self._sync_tool_dicts = [{} for _ in envs]
        self._metrics = {"train": defaultdict(list)}
        self.accelerator = SimpleNamespace(num_processes=1)
        self.model = SimpleNamespace(training=True)

    def _calculate_rewards(self, inputs, prompts, completions, ids):
        return torch.ones(len(inputs), 2)

    def _tool_call_loop(self, *args):
        return [dict(d) for d in self._sync_tool_dicts]


class Trainer(ToolTrainerMixin, Base):
    pass


def _envs(n):
    env_cls = environment_class(resolve(["python"], {"sandbox_urls": "http://127.0.0.1:9"}))
    envs = [env_cls() for _ in range(n)]
    for env in envs:
        env.reset()
    return envs


def test_outage_rows_are_excluded_and_counted():
    envs = _envs(4)
    envs[1].record = ToolRecord(calls=1, outage="sandbox down")
    envs[2].record = ToolRecord(calls=2, ok=1, errors=1)
    trainer = Trainer(envs)
    rewards = trainer._calculate_rewards([{}] * 4, None, None, None)
    assert torch.isnan(rewards[1]).all() and not torch.isnan(rewards[[0, 2, 3]]).any()
    m = trainer._metrics["train"]
    assert m["tools/infra_failures"] == [1.0] and m["tools/calls_per_completion"] == [0.75]
    assert m["tools/error_frequency"] == [pytest.approx(1 / 3)]


def test_outage_past_the_threshold_stops_the_run():
    from rewards.infra import InfrastructureError

    envs = _envs(2)
    for env in envs:
        env.record = ToolRecord(calls=1, outage="sandbox down")
    with pytest.raises(InfrastructureError, match="sandbox down"):
        Trainer(envs)._calculate_rewards([{}] * 2, None, None, None)


def test_malformed_calls_reach_the_rollouts_environment():
    envs = _envs(2)
    dicts = Trainer(envs)._tool_call_loop()
    assert dicts[0][MALFORMED_NAME].__self__ is envs[0] and dicts[1][MALFORMED_NAME].__self__ is envs[1]


def test_shipped_tool_configs_parse():
    full = load_pipeline_config("configs/pipeline/qwq_32b_tools.yaml").stages[0]
    assert [t["name"] for t in full.tools] == ["python"] and full.grpo["max_tool_calling_iterations"] == 8
    smoke = load_pipeline_config("configs/pipeline/smoke_tools_cpu.yaml", ["model=Qwen/QwQ-32B"]).stages[0]
    assert smoke.tools[0]["name"] == "python" and smoke.tool_options["max_calls"] == 2


def test_outage_threshold_and_turn_cap_come_from_tool_options(monkeypatch):
    import rl.tools.stage as stage_mod

    monkeypatch.setattr(stage_mod, "check_tokenizer", lambda *a: None)  # no tokenizer here: only the wiring
    monkeypatch.setattr(stage_mod, "install_parser", lambda tok: tok)
    args = SimpleNamespace(max_tool_calling_iterations=None)
    entries = [{"name": "python", "kwargs": {"sandbox_urls": ["http://h:1"]}, "bound": []}]
    cls, extra = stage_mod.tool_trainer(Base, entries, {"max_outage_fraction": 0.0, "max_calls": 3}, None, args, "s")
    assert issubclass(cls, ToolTrainerMixin) and cls.max_outage_fraction == 0.0
    assert args.max_tool_calling_iterations == 3 and extra["environment_factory"]._options.max_calls == 3
