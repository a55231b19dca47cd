"""`python -m rl plan CONFIG --gpus N [--gpu-mem 80] [--zero 3 | --accel ACCEL.yaml] [--set key=value ...]`.

Validates the config for world size N, then prints each stage's per-GPU memory (`rl.plan.memory`) and warns when a
stage can't fit. Exit status: 0 fits, 3 some stage does not fit, 2 config error (as `rl train`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import yaml

from rl.plan.memory import Hardware, RewardModelLoad, StageLoad, format_plan, plan_stage
from rl.plan.shapes import Shape, UnknownModel, shape_of

EXIT_DOES_NOT_FIT = 3
ROOT = Path(__file__).resolve().parents[2]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `plan` subcommand."""
    p = sub.add_parser("plan", help="estimate per-GPU memory of a pipeline config before launching it")
    p.add_argument("config", help="pipeline YAML, e.g. configs/pipeline/qwq_32b.yaml")
    p.add_argument("--gpus", type=int, required=True, help="training GPUs (the world size)")
    p.add_argument("--gpu-mem", type=float, default=80.0, help="memory per GPU in GB (default 80)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--zero", type=int, choices=(0, 1, 2, 3), help="DeepSpeed ZeRO stage; 0 = DDP (default 3)")
    how.add_argument("--accel", help="read the sharding from an accelerate config, e.g. configs/accelerate/zero3.yaml")
    p.add_argument("--prompt-tokens", type=int, default=1024,
                   help="prompt length assumed for stages without max_prompt_tokens (default 1024)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, as for `rl train` (repeatable)")


def hardware_from_accelerate(path: str | Path, gpus: int, gpu_gb: float) -> Hardware:
    """Sharding from an accelerate YAML: its DeepSpeed JSON's ZeRO stage and live-parameter cap, else DDP."""
    accel = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if accel.get("distributed_type") != "DEEPSPEED":
        return Hardware(gpus, gpu_gb, zero=0)
    ds = accel.get("deepspeed_config") or {}
    ds_file = ds.get("deepspeed_config_file")
    if ds_file is None:
        return Hardware(gpus, gpu_gb, zero=int(ds.get("zero_stage", 0)))
    ds_path = next((p for p in (Path(ds_file), ROOT / ds_file) if p.is_file()), None)
    if ds_path is None:
        raise FileNotFoundError(f"{path}: deepspeed_config_file {ds_file!r} not found")
    zero = json.loads(ds_path.read_text(encoding="utf-8")).get("zero_optimization", {})
    return Hardware(gpus, gpu_gb, zero=int(zero.get("stage", 0)),
                    max_live_params=float(zero.get("stage3_max_live_parameters", 1e9)))


def _dtype_bytes(name: Any) -> int:
    return 4 if name == "float32" else 2  # auto is bf16 on GPUs


def _reward_models(stage: Any) -> tuple[RewardModelLoad, ...]:
    out = []
    for spec in stage.rewards:
        kw = spec.kwargs
        if spec.name == "reward_model" and kw.get("model") and not kw.get("url"):
            out.append(RewardModelLoad(str(kw["model"]), shape_of(str(kw["model"])), _dtype_bytes(kw.get("dtype")),
                                       int(kw.get("batch_size") or 8), int(kw.get("max_length") or 4096)))
    return tuple(out)


def stage_load(config: Any, stage: Any, prompt_default: int) -> StageLoad:
    """What `stage` of the validated pipeline `config` asks of each training GPU."""
    from rl.grpo import field_default

    args = {**stage.grpo_args, **stage.grpo}

    def get(key: str) -> Any:
        return args[key] if key in args else field_default(key)

    options = config.model_options
    ckpt = args.get("activation_checkpointing", options.activation_checkpointing)
    mode = "hf" if not get("use_vllm") else f"vllm-{get('vllm_mode')}"
    batch = int(get("per_device_train_batch_size"))
    steps = get("steps_per_generation") or get("gradient_accumulation_steps")
    return StageLoad(
        name=stage.name, batch=batch, prompt_tokens=stage.max_prompt_tokens or prompt_default,
        completion_tokens=int(get("max_completion_length")), checkpointing=bool(ckpt),
        dtype_bytes=_dtype_bytes(options.dtype), lora=options.lora, beta=float(get("beta") or 0.0),
        attn=options.attn_implementation or "sdpa", generation=mode,
        vllm_fraction=float(get("vllm_gpu_memory_utilization")), vllm_tp=int(get("vllm_tensor_parallel_size")),
        vllm_sleep=bool(get("vllm_enable_sleep_mode")), gen_sequences=batch * int(steps),
        reward_models=_reward_models(stage))


@contextmanager
def _world_size(n: int) -> Iterator[None]:
    """rl.config checks batch shapes for the launcher's WORLD_SIZE; plan for `n` processes instead."""
    old = os.environ.get("WORLD_SIZE")
    os.environ["WORLD_SIZE"] = str(n)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("WORLD_SIZE", None)
        else:
            os.environ["WORLD_SIZE"] = old


def run(args: argparse.Namespace) -> int:
    """Print the plan; returns the exit status."""
    from rl.config import ConfigError, load_pipeline_config

    if args.gpus < 1 or args.gpu_mem <= 0:
        print("plan: --gpus must be >= 1 and --gpu-mem > 0", file=sys.stderr)
        return 2
    try:
        with _world_size(args.gpus):
            config = load_pipeline_config(args.config, args.overrides)
        hw = (hardware_from_accelerate(args.accel, args.gpus, args.gpu_mem) if args.accel
              else Hardware(args.gpus, args.gpu_mem, zero=3 if args.zero is None else args.zero))
        shape: Shape = shape_of(config.model)
        loads = [stage_load(config, s, args.prompt_tokens) for s in config.stages]
    except ConfigError as e:
        print(f"config error: {e}", file=sys.stderr)
        return 2
    except (UnknownModel, FileNotFoundError) as e:
        print(f"plan: {e}", file=sys.stderr)
        return 2
    layout = {0: "DDP (no DeepSpeed)"}.get(hw.zero, f"DeepSpeed ZeRO-{hw.zero}")
    print(f"plan: {args.config} on {hw.gpus} x {hw.gpu_gb:g} GB GPUs, {layout}; per GPU, GB = 1e9 bytes, estimates")
    print(f"model {config.model}: {shape.params / 1e9:.2f}B params ({shape.layers} layers, hidden {shape.hidden}, "
          f"vocab {shape.vocab}; {shape.source}), {'LoRA' if config.model_options.lora else 'full fine-tuning'}")
    plans = [plan_stage(shape, load, hw) for load in loads]
    for plan in plans:
        print(format_plan(plan))
    if any(not p.fits for p in plans):
        print("plan: some stage does not fit (see WARNING lines)", file=sys.stderr)
        return EXIT_DOES_NOT_FIT
    return 0
