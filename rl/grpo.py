"""A stage's GRPOConfig arguments, validated and computed in one place (stored on `rl.spec.StageSpec.grpo_args`).

`check_grpo_keys` validates the user's keys (`grpo_defaults` merged under a stage's `grpo`) against TRL's
GRPOConfig fields and types; `check_batch_shapes` checks that batches hold whole GRPO groups, on every process;
`grpo_args` computes every GRPOConfig keyword argument a stage trains with; `grpo_config` builds the GRPOConfig
when the stage runs, adding the only model-dependent part (`model_init_kwargs`). TRL's own fields are TRL's: they
are passed through, never re-checked beyond their declared types.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

from rl.config_checks import ConfigError, check_keys, integer, mapping, number

if TYPE_CHECKING:
    from trl import GRPOConfig

    from rl.spec import ModelOptions, PipelineSpec, StageSpec

# Applied under the stage's `grpo` keys (the user's keys win): the seeds' sampling settings, frequent logging
# with sample completions, and periodic checkpoints for resume.
GRPO_DEFAULTS: dict[str, Any] = {
    "temperature": 0.6,
    "top_p": 0.95,
    "top_k": 20,
    "logging_steps": 1,
    "log_completions": True,
    "num_completions_to_print": 2,
    "save_strategy": "steps",
    "save_steps": 50,
    "save_total_limit": 2,
}
# GRPOConfig keys the pipeline sets itself, and where to set them instead.
RESERVED_GRPO_KEYS = {
    "output_dir": "it is <output_dir>/<stage name>",
    "reward_weights": "weights come from the stage's reward config",
    "model_init_kwargs": "use model_options",
    "run_name": "each stage's run is named after the stage",
    "activation_checkpointing": "use model_options.activation_checkpointing",
    "gradient_checkpointing": "use model_options.activation_checkpointing (its deprecated name)",
}


def grpo_fields() -> dict[str, dataclasses.Field]:
    """GRPOConfig's init fields, by name."""
    from trl import GRPOConfig

    return {f.name: f for f in dataclasses.fields(GRPOConfig) if f.init}


def field_default(key: str) -> Any:
    """GRPOConfig's default for `key`."""
    f = grpo_fields()[key]
    return f.default_factory() if f.default is dataclasses.MISSING else f.default


def world_size(environ: dict[str, str]) -> int:
    """Processes the run will have: the launcher's `WORLD_SIZE` (torchrun, accelerate), else 1."""
    return int(environ.get("WORLD_SIZE", "1"))


def _check_value(key: str, value: Any, f: dataclasses.Field, where: str) -> None:
    expected = f.type if isinstance(f.type, type) else None
    if expected is float and not isinstance(value, bool) and isinstance(value, (int, float)):
        return
    if expected in (int, float, bool, str) and not isinstance(value, expected):
        if isinstance(value, str) and expected is float:
            number(value, f"{where}.{key}", -math.inf, math.inf)
        raise ConfigError(f"{where}.{key}: expected {expected.__name__}, got {value!r}")


class GrpoKeys:
    """The user's GRPOConfig keys of one stage, with where each was written (for error messages)."""

    def __init__(self, stage_grpo: Any, defaults: dict, where: str) -> None:
        self.stage = mapping(stage_grpo, f"{where}.grpo")
        self.defaults, self.where = defaults, where
        self.merged = {**defaults, **self.stage}

    def get(self, key: str) -> Any:
        return self.merged.get(key, field_default(key))

    def given(self, key: str) -> bool:
        return key in self.merged

    def at(self, key: str) -> str:
        return f"{self.where}.grpo.{key}" if key in self.stage or key not in self.defaults else f"grpo_defaults.{key}"


def check_grpo_keys(keys: GrpoKeys) -> None:
    """Unknown keys (with suggestions), pipeline-owned keys, and values of the wrong type."""
    fields = grpo_fields()
    for key, value in keys.merged.items():
        at = f"{keys.where}.grpo" if key in keys.stage else "grpo_defaults"
        if key in RESERVED_GRPO_KEYS:
            raise ConfigError(f"{at}.{key}: set by the pipeline ({RESERVED_GRPO_KEYS[key]})")
        check_keys({key: value}, list(fields), at)
        if value is not None:
            _check_value(key, value, fields[key], at)


def check_batch_shapes(keys: GrpoKeys, eval_fraction: float, world: int) -> None:
    """Generation and eval batches hold whole groups of `num_generations` (see also `split_group_problem`)."""
    n = integer(keys.get("num_generations"), keys.at("num_generations"), 2)
    per_device = integer(keys.get("per_device_train_batch_size"), keys.at("per_device_train_batch_size"), 1)
    accum = integer(keys.get("gradient_accumulation_steps"), keys.at("gradient_accumulation_steps"), 1)
    gen_batch, steps = keys.get("generation_batch_size"), keys.get("steps_per_generation")
    if gen_batch is not None and steps is not None:
        raise ConfigError(f"{keys.at('generation_batch_size')}: set generation_batch_size or steps_per_generation, "
                          "not both")
    if gen_batch is not None:
        integer(gen_batch, keys.at("generation_batch_size"), 1)
        if gen_batch % (per_device * world):
            raise ConfigError(f"{keys.at('generation_batch_size')}: {gen_batch} is not divisible by the global batch "
                              f"per_device_train_batch_size {per_device} x world size {world}")
        how = f"generation_batch_size {gen_batch}"
    else:
        steps = integer(steps, keys.at("steps_per_generation"), 1) if steps is not None else accum
        gen_batch = per_device * world * steps
        which = "gradient_accumulation_steps" if keys.get("steps_per_generation") is None else "steps_per_generation"
        how = f"per_device_train_batch_size {per_device} x world size {world} x {which} {steps}"
    if gen_batch % n:
        raise ConfigError(f"{keys.at('num_generations')}: the generation batch ({how} = {gen_batch}) is not divisible "
                          f"by num_generations {n}")
    if evaluates(keys, eval_fraction):
        if eval_fraction <= 0:
            raise ConfigError(f"{keys.at('eval_strategy')}: evaluation needs a held-out split; set "
                              f"{keys.where}.eval_fraction > 0")
        n_eval = keys.get("num_generations_eval") or n
        per_eval = integer(keys.get("per_device_eval_batch_size"), keys.at("per_device_eval_batch_size"), 1)
        if (per_eval * world) % n_eval:
            raise ConfigError(f"{keys.at('per_device_eval_batch_size')}: the eval batch ({per_eval * world}, with "
                              f"world size {world}) is not divisible by the eval num_generations {n_eval}")


def split_group_problem(keys: GrpoKeys, eval_fraction: float, world: int) -> str | None:
    """Why a GRPO group would be split across processes with these batch shapes, or None when none would be.

    TRL generates once per `steps_per_generation` steps: each process takes `per_device_train_batch_size x
    steps_per_generation` consecutive rows of the generation batch, and in evaluation `per_device_eval_batch_size`
    rows, so a process's share must be a multiple of the group size. TRL gathers rewards before computing
    advantages, so only rewards that normalise per group themselves (a `num_generations` need) care.
    Assumes `check_batch_shapes` passed.
    """
    n = keys.get("num_generations")
    per_device = keys.get("per_device_train_batch_size")
    gen_batch = keys.get("generation_batch_size")
    if gen_batch is None:
        gen_batch = per_device * world * (keys.get("steps_per_generation") or keys.get("gradient_accumulation_steps"))
    if (gen_batch // world) % n:
        return (f"{keys.at('per_device_train_batch_size')}: each of the {world} processes gets {gen_batch // world} "
                f"rows of the generation batch ({gen_batch}), not a multiple of num_generations {n}")
    n_eval = keys.get("num_generations_eval") or n
    per_eval = keys.get("per_device_eval_batch_size")
    if evaluates(keys, eval_fraction) and per_eval % n_eval:
        return (f"{keys.at('per_device_eval_batch_size')}: each process evaluates {per_eval} rows, not a multiple of "
                f"the eval num_generations {n_eval}")
    return None


def evaluates(keys: GrpoKeys, eval_fraction: float) -> bool:
    """The trainer evaluates on the held-out split when there is one and eval_strategy is not given."""
    if keys.given("eval_strategy"):
        return keys.get("eval_strategy") not in (None, "no")
    return eval_fraction > 0


def grpo_args(pipeline: PipelineSpec, stage: StageSpec) -> dict[str, Any]:
    """Every GRPOConfig keyword argument of `stage` but `model_init_kwargs`.

    In order: `GRPO_DEFAULTS`; the run's seed, report_to and activation checkpointing; the stage's `grpo` keys
    (which win); then what the pipeline owns: output folder, run name, reward weights, CPU use, mixed precision
    following the weights (bf16 autocast for bf16 weights on CUDA; fp32 and fp16 weights run as is), and, when
    the stage has a held-out split and no eval_strategy of its own, evaluation at every checkpoint.
    """
    import torch

    from rl import models

    options = pipeline.model_options
    on_cuda = models.on_cuda()
    args: dict[str, Any] = {
        **GRPO_DEFAULTS,
        "seed": pipeline.seed,
        "report_to": list(pipeline.report_to),
        "activation_checkpointing": bool(options.activation_checkpointing),
        **stage.grpo,
        "output_dir": str(pipeline.stage_dir(stage)),
        "run_name": stage.name,
        "reward_weights": [spec.weight for spec in stage.rewards],
    }
    if not on_cuda:
        args["use_cpu"] = True
    args.setdefault("bf16", on_cuda and models.resolve_dtype(options.dtype) == torch.bfloat16)
    args.setdefault("fp16", False)
    if stage.eval_fraction > 0 and "eval_strategy" not in stage.grpo:
        args["eval_strategy"], args["eval_steps"] = "steps", args["save_steps"]
    return args


def grpo_config(stage: StageSpec, model: str, options: ModelOptions) -> GRPOConfig:
    """The GRPOConfig `stage` trains with, starting from `model` (path or hub id)."""
    from trl import GRPOConfig

    from rl import models

    return GRPOConfig(**stage.grpo_args, model_init_kwargs=models.model_init_kwargs(model, options))

