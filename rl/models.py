"""Policy and tokenizer loading: dtype, LoRA, gradient checkpointing, YaRN rope scaling, attention implementation.

The trainer receives the policy as a path/hub id plus `model_init_kwargs` (so TRL places it correctly under DDP,
DeepSpeed ZeRO-3 and vLLM, and builds a matching reference model when `beta > 0`); this module computes those
kwargs from `model_options`. `load_policy` loads the same model directly (used for LoRA merges and tests).

`model_options` is `rl.spec.ModelOptions`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from rl.spec import ModelOptions

logger = logging.getLogger(__name__)

DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def on_cuda() -> bool:
    """Whether training will run on CUDA devices."""
    return torch.cuda.is_available()


def resolve_dtype(name: str | None) -> torch.dtype:
    """`auto` (or None) -> bfloat16 on CUDA, float32 on CPU; otherwise the named dtype."""
    if name in (None, "auto"):
        return torch.bfloat16 if on_cuda() else torch.float32
    try:
        return DTYPES[name]
    except KeyError:
        raise ValueError(f"model_options.dtype: unknown dtype {name!r} (auto, {', '.join(DTYPES)})") from None


def rope_parameters(model: str, rope_scaling: dict[str, Any]) -> dict[str, Any]:
    """The model's rope parameters with `rope_scaling` (e.g. `{rope_type: yarn, factor: 4.0, ...}`) merged in.

    transformers 5 replaces the whole `rope_parameters` dict when it is passed to `from_pretrained`, dropping
    `rope_theta`, so the override is merged into the checkpoint's own parameters.
    """
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(model)
    base = dict(getattr(config, "rope_parameters", None) or {})
    scaling = dict(rope_scaling)
    if "type" in scaling and "rope_type" not in scaling:  # the transformers 4 spelling
        scaling["rope_type"] = scaling.pop("type")
    return {**base, **scaling}


def model_init_kwargs(model: str, options: ModelOptions) -> dict[str, Any]:
    """`from_pretrained` keyword arguments for the policy (and TRL's reference model) from `model_options`."""
    kwargs: dict[str, Any] = {"dtype": resolve_dtype(options.dtype)}
    if options.attn_implementation:
        kwargs["attn_implementation"] = options.attn_implementation
    if options.rope_scaling:
        kwargs["rope_parameters"] = rope_parameters(model, options.rope_scaling)
    return kwargs


def lora_config(options: ModelOptions):
    """A `peft.LoraConfig` for `model_options.lora`, or None for full fine-tuning."""
    lora = options.lora
    if lora is None:
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules,
        task_type="CAUSAL_LM",
    )


def load_tokenizer(model: str):
    """The policy's tokenizer, left-padded for generation, with a pad token (falls back to eos)."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model, padding_side="left", truncation_side="left")
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if not tok.chat_template:
        raise ValueError(f"tokenizer of {model!r} has no chat template; conversational GRPO prompts need one")
    return tok


def load_policy(model: str, options: ModelOptions, device_map: str | None = None):
    """Load the causal LM `model` (local path or hub id) with the dtype/attention/rope options applied."""
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(model, device_map=device_map, **model_init_kwargs(model, options))


def merge_lora(base_model: str, adapter_dir: str | Path, out_dir: str | Path, options: ModelOptions) -> None:
    """Merge the LoRA adapter in `adapter_dir` into `base_model` and save a plain HF model to `out_dir`.

    Done on CPU from the saved adapter (rather than from the live, possibly ZeRO-3-sharded, trainer model), so it
    works the same under every launcher.
    """
    from peft import PeftModel

    base = load_policy(base_model, options, device_map="cpu")
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    merged.save_pretrained(out_dir)
    logger.info("merged LoRA adapter %s into %s -> %s", adapter_dir, base_model, out_dir)
