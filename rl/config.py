"""Pipeline config: YAML -> the typed specs of `rl.spec`, with `--set` overrides, validated in one place before
any model loads.

`load_pipeline_config(path, overrides)` raises `ConfigError` with one message naming the key path
(e.g. `stages[0].grpo.num_generations`). Loading also binds, once, the run values each reward declares as needs
(`rewards.needs`: the stage's max_completion_length and num_generations, the run's sandbox URLs) and computes each
stage's GRPOConfig arguments (`rl.grpo`). See the README for the format.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import os
import warnings
from pathlib import Path
from typing import Any, Sequence


from rewards import needs
from rewards.config import RewardConfigError, RewardSpec, build_rewards, load_reward_config
from rewards.config_paths import find_config, shipped
from rewards.hints import did_you_mean
from rewards.registry import get as get_reward
from rl.config_checks import ConfigError, check_keys, choice, integer, mapping, number, read_config_file, string
from rl.data.adapters import ADAPTERS
from rl.dynamic_sampling.config import parse_dynamic_sampling
from rl.tools.config import parse_tools
from rl.data.schema import ROW_COLUMNS, TASKS
from rl.data.sources import looks_local, peek_rows, resolve_local
from rl.grpo import (GrpoKeys, check_batch_shapes, check_grpo_keys, evaluates, grpo_args, split_group_problem,
                     world_size)
from rl.spec import (DatasetSource, EvalOptions, LoraOptions, ModelOptions, PipelineSpec, SandboxOptions,
                     SigtermOptions, StageSpec)
from sandbox.client import SANDBOX_URL_ENV, parse_urls

__all__ = ["ConfigError", "DatasetSource", "LoraOptions", "ModelOptions", "PipelineSpec", "SandboxOptions",
           "StageSpec", "load_pipeline_config", "parse_pipeline_config"]

DTYPES = ("auto", "bfloat16", "float16", "float32")
REPORT_TO = ("tensorboard", "wandb", "trackio", "mlflow", "comet_ml", "clearml", "swanlab", "dvclive", "neptune")


def _fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


TOP_KEYS = tuple(k for k in _fields(PipelineSpec) if k != "source_path") + ("grpo_defaults",)
STAGE_KEYS = tuple(k for k in _fields(StageSpec) if k not in ("reward_source", "grpo_args"))
SOURCE_KEYS = tuple(k for k in _fields(DatasetSource) if k != "local_path")


def _renamed_checkpointing(data: dict[str, Any]) -> dict[str, Any]:
    """`model_options.gradient_checkpointing` is the deprecated name of `activation_checkpointing` (transformers
    5.24 renamed the training argument): accepted with a FutureWarning; both, with different values, is an error."""
    if "gradient_checkpointing" not in data:
        return data
    data = dict(data)
    old = data.pop("gradient_checkpointing")
    if not isinstance(old, bool):
        raise ConfigError(f"model_options.gradient_checkpointing: expected true/false, got {old!r}")
    if data.setdefault("activation_checkpointing", old) != old:
        raise ConfigError("model_options.gradient_checkpointing: the deprecated name of activation_checkpointing, "
                          "which is also set, to another value; keep activation_checkpointing only")
    warnings.warn("model_options.gradient_checkpointing is deprecated (transformers 5.24 renamed it); use "
                  "model_options.activation_checkpointing", FutureWarning, stacklevel=3)
    return data


def parse_model_options(data: Any) -> ModelOptions:
    data = _renamed_checkpointing(mapping(data, "model_options"))
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
    ac = data.get("activation_checkpointing", False)
    if not isinstance(ac, bool):
        raise ConfigError(f"model_options.activation_checkpointing: expected true/false, got {ac!r}")
    return ModelOptions(dtype=choice(data.get("dtype", "auto"), DTYPES, "model_options.dtype"), lora=lora,
                        activation_checkpointing=ac, rope_scaling=rope,
                        attn_implementation=string(data.get("attn_implementation"), "model_options.attn_implementation",
                                                 none_ok=True))


def parse_sandbox(data: Any, environ: dict[str, str]) -> SandboxOptions:
    """`sandbox.urls`, else `$SANDBOX_URL` from `environ` (read here, once, as user input), else none (an embedded
    server is started for the run when a reward needs one)."""
    data = mapping(data, "sandbox")
    check_keys(data, [k for k in _fields(SandboxOptions) if k != "source"], "sandbox")
    urls = data.get("urls") or []
    urls = [urls] if isinstance(urls, str) else urls
    if not isinstance(urls, list):
        raise ConfigError(f"sandbox.urls: expected a list of URLs, got {urls!r}")
    for i, url in enumerate(urls):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"sandbox.urls[{i}]: expected an http(s) URL, got {url!r}")
    source = "sandbox.urls" if urls else ""
    env = environ.get(SANDBOX_URL_ENV, "").strip()
    if not urls and env:
        try:
            urls, source = parse_urls(env), f"${SANDBOX_URL_ENV}"
        except ValueError as e:
            raise ConfigError(f"${SANDBOX_URL_ENV}: {e}") from None
    return SandboxOptions(urls=[u.rstrip("/") for u in urls], source=source,
                          workers=integer(data.get("workers"), "sandbox.workers", 1, none_ok=True))


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


def check_whole_groups(name: str, at: str, keys: GrpoKeys, eval_fraction: float, world: int) -> None:
    """A reward that normalises per GRPO group needs every process to hold whole groups, and one group size."""
    problem = split_group_problem(keys, eval_fraction, world)
    if problem:
        raise ConfigError(f"{problem}: a group would be split across processes, and {name} ({at}) normalises per "
                          "group")
    n, n_eval = keys.get("num_generations"), keys.get("num_generations_eval") or keys.get("num_generations")
    if evaluates(keys, eval_fraction) and n_eval != n:
        raise ConfigError(f"{keys.at('num_generations_eval')}: {name} ({at}) normalises per group of "
                          f"num_generations {n}, but evaluation generates {n_eval} per prompt; set them equal")


def bind_run_values(rewards: list[RewardSpec], keys: GrpoKeys, sandbox: SandboxOptions, eval_fraction: float,
                    world: int, where: str) -> list[RewardSpec]:
    """Bind the run values the stage's rewards declare as needs (`rewards.needs`), then rebuild them to check."""
    values = {"max_completion_length": keys.get("max_completion_length"),
              "num_generations": keys.get("num_generations"),
              "sandbox_urls": list(sandbox.urls) or None}
    bound = []
    for i, spec in enumerate(rewards):
        try:
            [spec] = needs.bind([spec], values)
        except needs.NeedError as e:
            raise ConfigError(f"{where}.rewards[{i}] ({spec.name}): {e}") from None
        if "num_generations" in needs.declared(spec.name).values():
            check_whole_groups(spec.name, f"{where}.rewards[{i}]", keys, eval_fraction, world)
        bound.append(spec)
    try:
        build_rewards(bound, f"{where}.rewards")
    except RewardConfigError as e:
        raise ConfigError(str(e)) from None
    return bound


def parse_stage(data: Any, i: int, defaults: dict, config_dir: Path | None, sandbox: SandboxOptions,
                world: int) -> StageSpec:
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
    keys = GrpoKeys(data.get("grpo"), defaults, where)
    check_grpo_keys(keys)
    check_batch_shapes(keys, eval_fraction, world)
    try:
        tools, tool_options = parse_tools(data.get("tools"), data.get("tool_options"),
                                          {"sandbox_urls": list(sandbox.urls) or None}, where)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    if not tools and any(spec.name == "tool_use" for spec in rewards):
        raise ConfigError(f"{where}.rewards: tool_use scores tool calls, but the stage has no tools")
    return StageSpec(
        name=name, datasets=sources, rewards=bind_run_values(rewards, keys, sandbox, eval_fraction, world, where),
        reward_source=str(ref) if isinstance(ref, (str, Path)) else "inline",
        grpo=keys.merged,
        system_prompt=string(data.get("system_prompt"), f"{where}.system_prompt", none_ok=True),
        max_prompt_tokens=integer(data.get("max_prompt_tokens"), f"{where}.max_prompt_tokens", 1, none_ok=True),
        eval_fraction=eval_fraction,
        dynamic_sampling=parse_dynamic_sampling(data.get("dynamic_sampling"), rewards, f"{where}.dynamic_sampling"),
        tools=tools, tool_options=tool_options,
    )


def parse_on_sigterm(data: Any) -> SigtermOptions:
    """`on_sigterm: {save: true, grace_s: 30}` (`rl.signals`)."""
    data = mapping(data, "on_sigterm")
    check_keys(data, _fields(SigtermOptions), "on_sigterm")
    save = data.get("save", True)
    if not isinstance(save, bool):
        raise ConfigError(f"on_sigterm.save: expected true/false, got {save!r}")
    return SigtermOptions(save=save, grace_s=number(data.get("grace_s", 30.0), "on_sigterm.grace_s", 0.0, 86400.0))


def parse_eval(data: Any, config_dir: Path | None) -> EvalOptions | None:
    """The `eval:` block: a suite (a path, also relative to the config's folder, or a shipped name; validated in
    full by `rl.eval.suite`), `before`, and `gate` rules on its benchmarks."""
    if data is None:
        return None
    from rl.eval.suite import load_suite

    data = mapping(data, "eval", none_ok=False)
    check_keys(data, ("suite", "before", "gate"), "eval")
    ref = string(data.get("suite"), "eval.suite")
    if config_dir is not None and not Path(ref).is_absolute() and (config_dir / ref).is_file():
        ref = str(config_dir / ref)
    try:
        suite = load_suite(ref)
    except ConfigError as e:
        raise ConfigError(f"eval.suite: {e}") from None
    before = data.get("before", True)
    if not isinstance(before, bool):
        raise ConfigError(f"eval.before: expected true/false, got {before!r}")
    names = [b.name for b in suite.benchmarks]
    gate = {}
    for bench, rule in mapping(data.get("gate"), "eval.gate").items():
        where = f"eval.gate.{bench}"
        if bench not in names:
            raise ConfigError(f"{where}: not a benchmark of suite {suite.name}{did_you_mean(bench, names)} "
                              f"(its benchmarks: {', '.join(names)})")
        rule = mapping(rule, where, none_ok=False)
        check_keys(rule, ("max_drop",), where)
        gate[bench] = number(rule.get("max_drop"), f"{where}.max_drop", 0.0, 1.0)
    return EvalOptions(suite=str(Path(suite.source_path)), before=before, gate=gate)


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


def parse_pipeline_config(data: Any, source_path: str | None = None,
                          environ: dict[str, str] | None = None) -> PipelineSpec:
    """Validate parsed YAML data (see `load_pipeline_config`). `environ` (default `os.environ`) is read once, here,
    for the user's `$SANDBOX_URL` and the launcher's `WORLD_SIZE`."""
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
    environ = dict(os.environ if environ is None else environ)
    sandbox = parse_sandbox(data.get("sandbox"), environ)
    stages_data = data["stages"]
    if not isinstance(stages_data, list) or not stages_data:
        raise ConfigError("stages: expected a non-empty list of stages")
    stages = [parse_stage(s, i, defaults, config_dir, sandbox, world_size(environ)) for i, s in enumerate(stages_data)]
    names = [s.name for s in stages]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise ConfigError(f"stages[{i}].name: {name!r} is used twice (stage names are output folders)")
    pipeline = PipelineSpec(model=model, output_dir=output_dir, stages=stages, seed=seed,
                            report_to=parse_report_to(data.get("report_to", [])),
                            model_options=parse_model_options(data.get("model_options")),
                            sandbox=sandbox, eval=parse_eval(data.get("eval"), config_dir),
                            on_sigterm=parse_on_sigterm(data.get("on_sigterm")), source_path=source_path)
    for stage in stages:
        stage.grpo_args = grpo_args(pipeline, stage)
    return pipeline


def load_pipeline_config(path: str | Path, overrides: Sequence[str] = ()) -> PipelineSpec:
    """Read a pipeline YAML (a path, or the name of a shipped config such as `smoke_cpu`), apply `--set
    key.path=value` overrides, and validate everything checkable without a model. Raises `ConfigError` naming the
    key."""
    found = find_config("pipeline", path)
    if found is None:
        names = shipped("pipeline")
        raise ConfigError(f"pipeline config {str(path)!r} not found (not a file, nor a shipped config: "
                          f"{', '.join(names) or 'none'}{did_you_mean(Path(path).stem, names)})")
    path = found
    data = read_config_file(path, overrides)
    return parse_pipeline_config(data, str(path.resolve()))
