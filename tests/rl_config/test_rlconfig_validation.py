"""Pipeline config validation: every error names its key path; a good config parses into the dataclasses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from rl.config import ConfigError, LoraOptions, load_pipeline_config

SAMPLES = Path(__file__).resolve().parents[2] / "rl" / "samples"


def base_config() -> dict:
    return {
        "model": "Qwen/QwQ-32B",
        "output_dir": "runs/test",
        "seed": 7,
        "report_to": "tensorboard",
        "grpo_defaults": {"num_generations": 4, "per_device_train_batch_size": 4, "temperature": 0.6},
        "stages": [
            {
                "name": "reasoning",
                "datasets": [{"source": "rl/samples/math.jsonl", "weight": 2.0},
                             {"source": str(SAMPLES / "openr1_math.jsonl"), "adapter": "openr1_math"}],
                "rewards": [{"name": "math_accuracy"}, {"name": "think_format", "weight": 0.1}],
                "grpo": {"max_steps": 3, "learning_rate": 1.0e-6},
            },
            {
                "name": "general",
                "datasets": [{"source": "rl/samples/general.jsonl"},
                             {"source": "rl/samples/ifeval_rlvr.jsonl", "adapter": "ifeval_rlvr"}],
                "rewards": [{"name": "rule_checks"}],
                "max_prompt_tokens": 512,
                "eval_fraction": 0.1,
            },
        ],
    }


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def error(tmp_path: Path, data: dict, overrides: list[str] = ()) -> str:
    with pytest.raises(ConfigError) as e:
        load_pipeline_config(write(tmp_path, data), overrides)
    return str(e.value)


def test_valid_config_parses_with_defaults_merged(tmp_path):
    cfg = load_pipeline_config(write(tmp_path, base_config()))
    assert cfg.model == "Qwen/QwQ-32B" and cfg.seed == 7 and cfg.report_to == ["tensorboard"]
    first, second = cfg.stages
    assert [s.name for s in cfg.stages] == ["reasoning", "general"]
    assert first.grpo == {"num_generations": 4, "per_device_train_batch_size": 4, "temperature": 0.6,
                          "max_steps": 3, "learning_rate": 1.0e-6}
    assert [r.name for r in first.rewards] == ["math_accuracy", "think_format"]
    assert first.reward_source == "inline"
    assert first.datasets[0].local_path == str(SAMPLES / "math.jsonl") and first.datasets[0].weight == 2.0
    assert second.max_prompt_tokens == 512 and second.eval_fraction == 0.1
    assert cfg.model_options.lora is None and cfg.sandbox.urls == []
    assert cfg.source_path == str((tmp_path / "pipeline.yaml").resolve())


def test_reward_config_by_name(tmp_path):
    data = base_config()
    data["stages"][0]["rewards"] = "math_only"
    cfg = load_pipeline_config(write(tmp_path, data))
    assert cfg.stages[0].reward_source == "math_only"
    assert "math_accuracy" in [r.name for r in cfg.stages[0].rewards]


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d.update(ouput_dir="x"), "ouput_dir: unknown key; did you mean 'output_dir'?"),
    (lambda d: d["stages"][0].update(dataset=[]), "stages[0].dataset: unknown key; did you mean 'datasets'?"),
    (lambda d: d["stages"][0]["datasets"][0].update(wieght=1), "stages[0].datasets[0].wieght: unknown key; did you "
                                                               "mean 'weight'?"),
    (lambda d: d["stages"][0]["grpo"].update(learning_rat=1.0), "stages[0].grpo.learning_rat: unknown key; did you "
                                                                "mean 'learning_rate'?"),
    (lambda d: d["grpo_defaults"].update(num_generation=4), "grpo_defaults.num_generation: unknown key; did you "
                                                            "mean 'num_generations'?"),
    (lambda d: d.update(model_options={"lora": {"rank": 8}}), "model_options.lora.rank: unknown key"),
    (lambda d: d["stages"][0]["datasets"][0].update(adapter="openr1"), "stages[0].datasets[0].adapter: 'openr1' is "
                                                                       "not one of"),
])
def test_unknown_keys_are_named_with_suggestions(tmp_path, mutate, expected):
    data = base_config()
    mutate(data)
    assert expected in error(tmp_path, data)


def test_unknown_reward_name(tmp_path):
    data = base_config()
    data["stages"][1]["rewards"] = [{"name": "rule_check"}]
    msg = error(tmp_path, data)
    assert msg.startswith("stages[1].rewards:") and "unknown reward 'rule_check'" in msg and "rule_checks" in msg


def test_bad_reward_kwargs(tmp_path):
    data = base_config()
    data["stages"][0]["rewards"] = [{"name": "think_format", "kwargs": {"no_such_option": 1}}]
    assert error(tmp_path, data).startswith("stages[0].rewards:")


def test_missing_column_for_a_reward(tmp_path):
    rows = tmp_path / "chat.jsonl"
    rows.write_text(json.dumps({"prompt": [{"role": "user", "content": "hi"}], "task": "general"}) + "\n")
    data = base_config()
    data["stages"][1]["datasets"] = [{"source": str(rows)}]
    msg = error(tmp_path, data)
    assert "stages[1].rewards[0] (rule_checks): needs dataset column(s) ['constraints']" in msg
    # the ifeval_rlvr adapter produces constraints, so adding it satisfies the reward
    data["stages"][1]["datasets"].append({"source": str(SAMPLES / "ifeval_rlvr.jsonl"), "adapter": "ifeval_rlvr"})
    load_pipeline_config(write(tmp_path, data))


def test_generation_batch_must_divide_by_num_generations(tmp_path, monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    data = base_config()
    data["stages"][0]["grpo"]["num_generations"] = 3
    msg = error(tmp_path, data)
    assert msg.startswith("stages[0].grpo.num_generations: the generation batch")
    assert "= 4) is not divisible by num_generations 3" in msg
    monkeypatch.setenv("WORLD_SIZE", "3")  # 4 per device x 3 processes = 12 completions per generation batch
    load_pipeline_config(write(tmp_path, data))


def test_generation_batch_size_checks(tmp_path, monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    data = base_config()
    data["stages"][0]["grpo"]["generation_batch_size"] = 6
    assert "stages[0].grpo.generation_batch_size: 6 is not divisible by the global batch" in error(tmp_path, data)
    data["stages"][0]["grpo"]["generation_batch_size"] = 12
    assert load_pipeline_config(write(tmp_path, data)).stages[0].grpo["generation_batch_size"] == 12
    data["stages"][0]["grpo"]["steps_per_generation"] = 2
    assert "not both" in error(tmp_path, data)


def test_grpo_values_and_reserved_keys(tmp_path):
    data = base_config()
    data["stages"][0]["grpo"]["learning_rate"] = "1e-6"
    assert "write 1.0e-6" in error(tmp_path, data)
    data = base_config()
    data["stages"][0]["grpo"]["output_dir"] = "elsewhere"
    assert error(tmp_path, data).startswith("stages[0].grpo.output_dir: set by the pipeline")
    data = base_config()
    data["stages"][0]["grpo"]["max_steps"] = "ten"
    assert error(tmp_path, data) == "stages[0].grpo.max_steps: expected int, got 'ten'"
    data = base_config()
    data["stages"][0]["grpo"]["eval_strategy"] = "steps"
    assert "stages[0].eval_fraction > 0" in error(tmp_path, data)


def test_eval_batch_divisibility_when_a_held_out_split_exists(tmp_path, monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    data = base_config()
    data["stages"][1]["grpo"] = {"per_device_eval_batch_size": 6}  # stage 1 has eval_fraction 0.1
    assert error(tmp_path, data).startswith("stages[1].grpo.per_device_eval_batch_size: the eval batch (6")
    data["stages"][1]["grpo"]["eval_strategy"] = "no"  # evaluation off: nothing to check
    load_pipeline_config(write(tmp_path, data))


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["stages"][0]["datasets"][0].update(source="rl/samples/nope.jsonl"),
     "stages[0].datasets[0].source: local dataset 'rl/samples/nope.jsonl' not found"),
    (lambda d: d["stages"][0].update(rewards="configs/rewards/nope.yaml"),
     "stages[0].rewards: reward config 'configs/rewards/nope.yaml' not found"),
    (lambda d: d.update(model="./checkpoints/cold-start"), "model: local checkpoint './checkpoints/cold-start' not "
                                                           "found"),
])
def test_missing_files(tmp_path, mutate, expected):
    data = base_config()
    mutate(data)
    assert expected in error(tmp_path, data)


def test_missing_pipeline_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_pipeline_config(tmp_path / "absent.yaml")


def test_local_model_folder_needs_config_json(tmp_path):
    (tmp_path / "ckpt").mkdir()
    data = base_config()
    data["model"] = str(tmp_path / "ckpt")
    assert "is not a model folder (no config.json)" in error(tmp_path, data)
    (tmp_path / "ckpt" / "config.json").write_text("{}")
    assert load_pipeline_config(write(tmp_path, data)).model == str(tmp_path / "ckpt")


def test_set_overrides(tmp_path):
    path = write(tmp_path, base_config())
    cfg = load_pipeline_config(path, ["stages.0.grpo.max_steps=9", "stages.general.grpo.learning_rate=2e-6",
                                      "model_options.lora.r=8", "report_to=none", "sandbox.urls=[http://h:8000]"])
    assert cfg.stages[0].grpo["max_steps"] == 9
    assert cfg.stages[1].grpo["learning_rate"] == 2e-6
    assert cfg.model_options.lora == LoraOptions(r=8)
    assert cfg.report_to == [] and cfg.sandbox.urls == ["http://h:8000"]


@pytest.mark.parametrize("override, expected", [
    ("stages.0.grpo.max_steps", "expected KEY=VALUE"),
    ("stages.5.grpo.max_steps=1", "index 5 out of range for stages (it has 2 item(s))"),
    ("stages.nostage.grpo.max_steps=1", "or a name among ['reasoning', 'general']"),
    ("seed.value=1", "seed is 7, not a mapping or a list; it has no key 'value'"),
    ("stages..name=x", "empty component"),
    ("stages.0.grpo.max_step=1", "stages[0].grpo.max_step: unknown key; did you mean 'max_steps'?"),
])
def test_bad_overrides(tmp_path, override, expected):
    assert expected in error(tmp_path, base_config(), [override])


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["stages"][1].update(name="reasoning"), "stages[1].name: 'reasoning' is used twice"),
    (lambda d: d["stages"][0].update(name="a/b"), "stages[0].name: 'a/b' is used as a folder name"),
    (lambda d: d["stages"][0].update(datasets=[]), "stages[0].datasets: expected a non-empty list"),
    (lambda d: d["stages"][0].pop("rewards"), "stages[0].rewards: missing"),
    (lambda d: d["stages"][0]["datasets"][0].update(weight=0), "stages[0].datasets[0].weight: must be > 0"),
    (lambda d: d["stages"][1].update(eval_fraction=1.0), "stages[1].eval_fraction: 1.0 is outside [0.0, 1.0)"),
    (lambda d: d.update(model_options={"dtype": "bf16"}), "model_options.dtype: 'bf16' is not one of"),
    (lambda d: d.update(sandbox={"urls": ["localhost:8000"]}), "sandbox.urls[0]: expected an http(s) URL"),
    (lambda d: d.update(report_to=["tensorbord"]), "report_to[0]: 'tensorbord' is not one of"),
    (lambda d: d.pop("model"), "model: missing required key"),
])
def test_other_value_errors(tmp_path, mutate, expected):
    data = base_config()
    mutate(data)
    assert expected in error(tmp_path, data)


def test_lora_true_means_defaults(tmp_path):
    data = base_config()
    data["model_options"] = {"lora": True, "gradient_checkpointing": True,
                             "rope_scaling": {"rope_type": "yarn", "factor": 4.0,
                                              "original_max_position_embeddings": 32768}}
    cfg = load_pipeline_config(write(tmp_path, data))
    assert cfg.model_options.lora == LoraOptions() and cfg.model_options.gradient_checkpointing
    assert cfg.model_options.rope_scaling["rope_type"] == "yarn"


def test_overlong_penalty_takes_the_trainers_completion_length(tmp_path):
    data = base_config()
    data["stages"][0]["rewards"].append({"name": "overlong_penalty"})
    data["stages"][0]["grpo"]["max_completion_length"] = 96
    spec = load_pipeline_config(write(tmp_path, data)).stages[0].rewards[-1]
    assert spec.kwargs == {"max_completion_length": 96}
    data["stages"][0]["rewards"][-1]["kwargs"] = {"max_completion_length": 128}
    assert "differs from the trainer's grpo.max_completion_length 96" in error(tmp_path, data)


def test_reward_config_swaps_by_name_from_the_command_line(tmp_path):
    path = write(tmp_path, base_config())
    cfg = load_pipeline_config(path, ["stages.reasoning.rewards=math_only"])
    assert [r.name for r in cfg.stages[0].rewards] == ["math_accuracy", "think_format", "overlong_penalty"]
    assert cfg.stages[0].reward_source == "math_only"


def test_report_to_integration_must_be_installed(tmp_path):
    import importlib.util

    missing = next(n for n in ("neptune", "swanlab", "clearml", "dvclive") if importlib.util.find_spec(n) is None)
    data = {**base_config(), "report_to": ["tensorboard", missing]}
    assert f"report_to[1]: {missing!r} is not installed" in error(tmp_path, data)
