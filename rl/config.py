"""Pipeline config: YAML -> dataclasses, with `--set` overrides, validated in one place before any model loads.

`load_pipeline_config(path, overrides)` raises `ConfigError` with one message naming the key path
(e.g. `stages[0].grpo.num_generations`). See the README for the format.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yaml

from rewards.config import RewardConfigError, RewardSpec, build_rewards, load_reward_config
from rewards.registry import get as get_reward
from rl.config_checks import ConfigError, check_keys, choice, integer, mapping, number, string
from rl.data.adapters import ADAPTERS
from rl.data.schema import ROW_COLUMNS, TASKS
from rl.data.sources import looks_local, peek_rows, resolve_local
from rl.overrides import OverrideError, apply_overrides

DTYPES = ("auto", "bfloat16", "float16", "float32")
REPORT_TO = ("tensorboard", "wandb", "trackio", "mlflow", "comet_ml", "clearml", "swanlab", "dvclive", "neptune")
# GRPOConfig keys the pipeline sets itself, and where to set them instead.
RESERVED_GRPO_KEYS = {
    "output_dir": "it is <output_dir>/<stage name>",
    "reward_weights": "weights come from the stage's reward config",
    "model_init_kwargs": "use model_options",
    "run_name": "each stage's run is named after the stage",
}


@dataclass
class DatasetSource:
    source: str                      # hub id or local path (as written)
    adapter: str = "rows"
    weight: float = 1.0
    split: str = "train"
    subset: str | None = None        # hub config name
    max_samples: int | None = None   # keep the first N raw rows
    local_path: str | None = None    # resolved absolute path for local sources, None for hub ids


@dataclass
class LoraOptions:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: str | list[str] = "all-linear"


@dataclass
class ModelOptions:
    dtype: str = "auto"
    lora: LoraOptions | None = None
    gradient_checkpointing: bool = False
    rope_scaling: dict[str, Any] | None = None
    attn_implementation: str | None = None


@dataclass
class SandboxOptions:
    urls: list[str] = field(default_factory=list)
    workers: int | None = None


@dataclass
class StageConfig:
    name: str
    datasets: list[DatasetSource]
    rewards: list[RewardSpec]
    reward_source: str               # reward config path, or "inline"
    grpo: dict[str, Any] = field(default_factory=dict)   # GRPOConfig kwargs, grpo_defaults merged in
    system_prompt: str | None = None
    max_prompt_tokens: int | None = None
    eval_fraction: float = 0.0


@dataclass
class PipelineConfig:
    model: str
    output_dir: str
    stages: list[StageConfig]
    seed: int = 42
    report_to: list[str] = field(default_factory=list)
    model_options: ModelOptions = field(default_factory=ModelOptions)
    sandbox: SandboxOptions = field(default_factory=SandboxOptions)
    source_path: str | None = None


def _fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


TOP_KEYS = tuple(k for k in _fields(PipelineConfig) if k != "source_path") + ("grpo_defaults",)
STAGE_KEYS = tuple(k for k in _fields(StageConfig) if k != "reward_source")
SOURCE_KEYS = tuple(k for k in _fields(DatasetSource) if k != "local_path")


def parse_model_options(data: Any) -> ModelOptions:
    data = mapping(data, "model_options")
    check_keys(data, _fields(ModelOptions), "model_options")
    lora_data = data.get("lora")
    lora = None
    if lora_data is True or isinstance(lora_data, dict):
        lora_data = {} if lora_data is True else lora_data
        check_keys(lora_data, _fields(LoraOptions), "model_options.lora")
        lora = LoraOptions(**lora_data)
        integer(lora.r, "model_options.lora.r", 1)
        number(lora.alpha, "model_options.lora.alpha", 1e-9, math.inf)
        number(lora.dropout, "model_options.lora.dropout", 0.0, 1.0, hi_open=True)
        tm = lora.target_modules
        if not (isinstance(tm, str) and tm) and not (isinstance(tm, list) and tm and all(isinstance(t, str) for t in tm)):
            raise ConfigError(f"model_options.lora.target_modules: expected a string or a list of strings, got {tm!r}")
    elif lora_data not in (None, False):
        raise ConfigError(f"model_options.lora: expected null, true or a mapping, got {lora_data!r}")
    rope = data.get("rope_scaling")
    if rope is not None:
        rope = mapping(rope, "model_options.rope_scaling", none_ok=False)
        string(rope.get("rope_type"), "model_options.rope_scaling.rope_type")
        if "factor" in rope:
            number(rope["factor"], "model_options.rope_scaling.factor", 1.0, math.inf)
    gc = data.get("gradient_checkpointing", False)
    if not isinstance(gc, bool):
        raise ConfigError(f"model_options.gradient_checkpointing: expected true/false, got {gc!r}")
    return ModelOptions(dtype=choice(data.get("dtype", "auto"), DTYPES, "model_options.dtype"), lora=lora,
                        gradient_checkpointing=gc, rope_scaling=rope,
                        attn_implementation=string(data.get("attn_implementation"), "model_options.attn_implementation",
                                                 none_ok=True))


def parse_sandbox(data: Any) -> SandboxOptions:
    data = mapping(data, "sandbox")
    check_keys(data, _fields(SandboxOptions), "sandbox")
    urls = data.get("urls") or []
    urls = [urls] if isinstance(urls, str) else urls
    if not isinstance(urls, list):
        raise ConfigError(f"sandbox.urls: expected a list of URLs, got {urls!r}")
    for i, url in enumerate(urls):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"sandbox.urls[{i}]: expected an http(s) URL, got {url!r}")
    return SandboxOptions(urls=list(urls), workers=integer(data.get("workers"), "sandbox.workers", 1, none_ok=True))


def parse_report_to(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else (value or [])
    if not isinstance(items, list):
        raise ConfigError(f"report_to: expected a string or a list, got {value!r}")
    out = []
    for i, item in enumerate(items):
        if item != "none":
            out.append(choice(item, REPORT_TO + ("none",), f"report_to[{i}]"))
            if importlib.util.find_spec(item) is None:  # the integrations are importable under their own names
                raise ConfigError(f"report_to[{i}]: {item!r} is not installed (pip install {item.replace('_', '-')})")
    return out


def parse_source(data: Any, where: str, config_dir: Path | None) -> DatasetSource:
    data = {"source": data} if isinstance(data, str) else mapping(data, where, none_ok=False)
    check_keys(data, SOURCE_KEYS, where)
    src = DatasetSource(**data)
    string(src.source, f"{where}.source")
    choice(src.adapter, list(ADAPTERS), f"{where}.adapter")
    src.weight = number(src.weight, f"{where}.weight", 0.0, math.inf)
    if src.weight == 0:
        raise ConfigError(f"{where}.weight: must be > 0 (remove the source to leave it out)")
    string(src.split, f"{where}.split")
    string(src.subset, f"{where}.subset", none_ok=True)
    integer(src.max_samples, f"{where}.max_samples", 1, none_ok=True)
    if looks_local(src.source):
        path = resolve_local(src.source, config_dir)
        if path is None:
            raise ConfigError(f"{where}.source: local dataset {src.source!r} not found (looked in {Path.cwd()}"
                              + (f", {config_dir}" if config_dir else "") + " and the project root)")
        src.local_path = str(path)
    return src


def source_columns(src: DatasetSource) -> dict[str, set[str]] | None:
    """Columns a source provides, by task (None: unknown, e.g. `rows` from the hub)."""
    adapter = ADAPTERS[src.adapter]
    if adapter.tasks:
        return {t: {"prompt", "task", *adapter.columns} for t in adapter.tasks}
    rows = peek_rows(Path(src.local_path)) if src.local_path else []
    if not rows:
        return None
    by_task: dict[str, set[str]] = {}
    for row in rows:
        if isinstance(row, dict) and row.get("task") in TASKS:
            cols = by_task.setdefault(row["task"], set())
            cols.update(k for k, v in row.items() if k in ROW_COLUMNS and v is not None)
    return by_task


def check_reward_columns(rewards: list[RewardSpec], sources: list[DatasetSource], where: str) -> None:
    """Every column a reward reads must come from at least one source with rows of that reward's tasks."""
    provided = [source_columns(s) for s in sources]
    if any(p is None for p in provided):
        return
    for i, spec in enumerate(rewards):
        cls = get_reward(spec.name)
        relevant = [cols for p in provided for task, cols in p.items() if not cls.tasks or task in cls.tasks]
        if not relevant:
            continue
        have = set().union(*relevant)
        missing = [c for c in cls.columns if c not in have]
        if missing:
            names = ", ".join(s.source for s in sources)
            raise ConfigError(f"{where}.rewards[{i}] ({spec.name}): needs dataset column(s) {missing}, but no "
                              f"dataset of this stage with {'/'.join(cls.tasks) or 'any'} rows provides them "
                              f"(datasets: {names}; columns provided: {sorted(have)})")


def _grpo_fields() -> dict[str, dataclasses.Field]:
    from trl import GRPOConfig

    return {f.name: f for f in dataclasses.fields(GRPOConfig) if f.init}


def _check_grpo_value(key: str, value: Any, f: dataclasses.Field, where: str) -> None:
    expected = f.type if isinstance(f.type, type) else None
    if expected is float and not isinstance(value, bool) and isinstance(value, (int, float)):
        return
    if expected in (int, float, bool, str) and not isinstance(value, expected):
        if isinstance(value, str) and expected is float:
            number(value, f"{where}.{key}", -math.inf, math.inf)
        raise ConfigError(f"{where}.{key}: expected {expected.__name__}, got {value!r}")


def _field_default(fields: dict, key: str) -> Any:
    f = fields[key]
    return f.default_factory() if f.default is dataclasses.MISSING else f.default


def parse_grpo(stage_grpo: Any, defaults: dict, where: str, eval_fraction: float) -> dict[str, Any]:
    stage_grpo = mapping(stage_grpo, f"{where}.grpo")
    fields = _grpo_fields()
    merged = {**defaults, **stage_grpo}
    for key, value in merged.items():
        at = f"{where}.grpo" if key in stage_grpo else "grpo_defaults"
        if key in RESERVED_GRPO_KEYS:
            raise ConfigError(f"{at}.{key}: set by the pipeline ({RESERVED_GRPO_KEYS[key]})")
        check_keys({key: value}, list(fields), at)
        if value is not None:
            _check_grpo_value(key, value, fields[key], at)

    def get(key: str) -> Any:
        return merged.get(key, _field_default(fields, key))

    def at(key: str) -> str:
        return f"{where}.grpo.{key}" if key in stage_grpo or key not in defaults else f"grpo_defaults.{key}"

    n = integer(get("num_generations"), at("num_generations"), 2)
    per_device = integer(get("per_device_train_batch_size"), at("per_device_train_batch_size"), 1)
    accum = integer(get("gradient_accumulation_steps"), at("gradient_accumulation_steps"), 1)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    gen_batch, steps = get("generation_batch_size"), get("steps_per_generation")
    if gen_batch is not None and steps is not None:
        raise ConfigError(f"{at('generation_batch_size')}: set generation_batch_size or steps_per_generation, "
                          "not both")
    if gen_batch is not None:
        integer(gen_batch, at("generation_batch_size"), 1)
        if gen_batch % (per_device * world):
            raise ConfigError(f"{at('generation_batch_size')}: {gen_batch} is not divisible by the global batch "
                              f"per_device_train_batch_size {per_device} x world size {world}")
        how = f"generation_batch_size {gen_batch}"
    else:
        steps = integer(steps, at("steps_per_generation"), 1) if steps is not None else accum
        gen_batch = per_device * world * steps
        how = (f"per_device_train_batch_size {per_device} x world size {world} x "
               f"{'steps_per_generation' if get('steps_per_generation') is not None else 'gradient_accumulation_steps'}"
               f" {steps}")
    if gen_batch % n:
        raise ConfigError(f"{at('num_generations')}: the generation batch ({how} = {gen_batch}) is not divisible "
                          f"by num_generations {n}")
    # The trainer evaluates on the held-out split when there is one and eval_strategy is not given.
    evaluates = get("eval_strategy") not in (None, "no") if "eval_strategy" in merged else eval_fraction > 0
    if evaluates:
        if eval_fraction <= 0:
            raise ConfigError(f"{at('eval_strategy')}: evaluation needs a held-out split; set {where}.eval_fraction "
                              "> 0")
        n_eval = get("num_generations_eval") or n
        eval_batch = integer(get("per_device_eval_batch_size"), at("per_device_eval_batch_size"), 1) * world
        if eval_batch % n_eval:
            raise ConfigError(f"{at('per_device_eval_batch_size')}: the eval batch ({eval_batch}, with world size "
                              f"{world}) is not divisible by the eval num_generations {n_eval}")
    return merged


def bind_completion_length(rewards: list[RewardSpec], grpo: dict[str, Any], where: str) -> list[RewardSpec]:
    """`overlong_penalty` must use the trainer's max_completion_length: fill it in when left out, else check it."""
    length = grpo.get("max_completion_length", _field_default(_grpo_fields(), "max_completion_length"))
    bound = []
    for i, spec in enumerate(rewards):
        if spec.name == "overlong_penalty":
            given = spec.kwargs.get("max_completion_length")
            if given is None:
                spec = dataclasses.replace(spec, kwargs={**spec.kwargs, "max_completion_length": length})
                try:
                    build_rewards([spec])
                except RewardConfigError as e:
                    raise ConfigError(f"{where}.rewards[{i}]: {e}") from None
            elif given != length:
                raise ConfigError(f"{where}.rewards[{i}] (overlong_penalty): max_completion_length {given} differs "
                                  f"from the trainer's grpo.max_completion_length {length}; a truncated completion "
                                  "must score exactly -1 (leave it out to use the trainer's)")
        bound.append(spec)
    return bound


def parse_stage(data: Any, i: int, defaults: dict, config_dir: Path | None) -> StageConfig:
    where = f"stages[{i}]"
    data = mapping(data, where, none_ok=False)
    check_keys(data, STAGE_KEYS, where)
    name = string(data.get("name"), f"{where}.name")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ConfigError(f"{where}.name: {name!r} is used as a folder name; no slashes")
    raw_sources = data.get("datasets")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise ConfigError(f"{where}.datasets: expected a non-empty list of dataset sources")
    sources = [parse_source(s, f"{where}.datasets[{j}]", config_dir) for j, s in enumerate(raw_sources)]
    if "rewards" not in data or data["rewards"] is None:
        raise ConfigError(f"{where}.rewards: missing (a config name under configs/rewards/, a path, or a list)")
    ref = data["rewards"]
    try:
        rewards = load_reward_config(ref)
    except RewardConfigError as e:
        raise ConfigError(f"{where}.rewards: {e}") from None
    eval_fraction = number(data.get("eval_fraction", 0.0), f"{where}.eval_fraction", 0.0, 1.0, hi_open=True)
    check_reward_columns(rewards, sources, where)
    grpo = parse_grpo(data.get("grpo"), defaults, where, eval_fraction)
    return StageConfig(
        name=name, datasets=sources, rewards=bind_completion_length(rewards, grpo, where),
        reward_source=str(ref) if isinstance(ref, (str, Path)) else "inline",
        grpo=grpo,
        system_prompt=string(data.get("system_prompt"), f"{where}.system_prompt", none_ok=True),
        max_prompt_tokens=integer(data.get("max_prompt_tokens"), f"{where}.max_prompt_tokens", 1, none_ok=True),
        eval_fraction=eval_fraction,
    )


def check_model(ref: Any, config_dir: Path | None) -> str:
    ref = string(ref, "model")
    if looks_local(ref):
        path = resolve_local(ref, config_dir)
        if path is None:
            raise ConfigError(f"model: local checkpoint {ref!r} not found")
        if not (path / "config.json").is_file():
            raise ConfigError(f"model: {path} is not a model folder (no config.json)")
        return str(path)
    return ref


def parse_pipeline_config(data: Any, source_path: str | None = None) -> PipelineConfig:
    """Validate parsed YAML data (see `load_pipeline_config`)."""
    data = mapping(data, "config", none_ok=False)
    check_keys(data, TOP_KEYS, "")
    config_dir = Path(source_path).resolve().parent if source_path else None
    for key in ("model", "output_dir", "stages"):
        if key not in data:
            raise ConfigError(f"{key}: missing required key")
    model = check_model(data["model"], config_dir)
    output_dir = string(data["output_dir"], "output_dir")
    seed = integer(data.get("seed", 42), "seed")
    defaults = mapping(data.get("grpo_defaults"), "grpo_defaults")
    stages_data = data["stages"]
    if not isinstance(stages_data, list) or not stages_data:
        raise ConfigError("stages: expected a non-empty list of stages")
    stages = [parse_stage(s, i, defaults, config_dir) for i, s in enumerate(stages_data)]
    names = [s.name for s in stages]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise ConfigError(f"stages[{i}].name: {name!r} is used twice (stage names are output folders)")
    return PipelineConfig(model=model, output_dir=output_dir, stages=stages, seed=seed,
                          report_to=parse_report_to(data.get("report_to", [])),
                          model_options=parse_model_options(data.get("model_options")),
                          sandbox=parse_sandbox(data.get("sandbox")), source_path=source_path)


def load_pipeline_config(path: str | Path, overrides: Sequence[str] = ()) -> PipelineConfig:
    """Read a pipeline YAML, apply `--set key.path=value` overrides, and validate everything checkable without a
    model. Raises `ConfigError` naming the key."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"pipeline config {str(path)!r} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: invalid YAML: {e}") from None
    data = mapping(data, str(path), none_ok=False)
    try:
        apply_overrides(data, overrides)
    except OverrideError as e:
        raise ConfigError(str(e)) from None
    return parse_pipeline_config(data, str(path.resolve()))
