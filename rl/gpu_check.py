"""The Python steps of `launch/gpu_check.sh`: `python -m rl.gpu_check STEP [ARGS ...]`.

Each step prints what it found; its last line is the detail the table shows. Exit status: 0 PASS, 1 FAIL,
77 SKIP (the last line says why). Nothing here downloads: the models are built locally from configs.

Steps:
- `versions`: the installed stack against the pinned GPU matrix (README, "GPU stack").
- `build-vllm-model OUT TOKENIZER_DIR`: a randomly initialised model shaped like Qwen2.5-0.5B (head size 64, which
  vLLM accepts, unlike the tiny smoke model's) with the smoke tokenizer, saved in bf16.
- `flash-attn MODEL_DIR`: FlashAttention-2 against sdpa on the same inputs (logits and a backward).
- `check-run OUTPUT_DIR STAGE [STAGE ...]`: every stage finished and saved its model in bf16.
- `vllm-serve URL MODEL_DIR [--push]`: a generation round trip through TRL's VLLMClient; with `--push`, a weight
  push that changes greedy outputs, and a push back that restores them.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from importlib import metadata
from pathlib import Path
from typing import Callable

from packaging.version import Version

PASS, FAIL, SKIP = 0, 1, 77
TORCH = Version("2.13.0")
VLLM_PIN = (Version("0.27.0"), Version("0.31.0"))     # pyproject: vllm>=0.27,<0.31
TRL_VLLM = (Version("0.22.0"), Version("0.31.0"))     # trl.import_utils.is_vllm_available, inclusive


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def versions(args: list[str]) -> int:
    """The installed versions; FAIL when torch or vLLM is off the pinned matrix."""
    import torch

    found = {p: _version(p) for p in ("torch", "transformers", "trl", "accelerate", "deepspeed", "peft", "vllm",
                                       "flash-attn")}
    for name, version in found.items():
        print(f"{name}: {version or 'not installed'}")
    gpu = "no CUDA device"
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        gpu = (f"{props.name} ({props.total_memory / 2**30:.0f} GiB) x {torch.cuda.device_count()}, "
               f"CUDA {torch.version.cuda}")
    print(f"gpu: {gpu}")
    problems = []
    if Version(Version(found["torch"]).base_version) != TORCH:
        problems.append(f"torch {found['torch']} is not {TORCH}")
    if found["vllm"]:
        v = Version(Version(found["vllm"]).base_version)
        if not TRL_VLLM[0] <= v <= TRL_VLLM[1]:
            problems.append(f"vllm {found['vllm']} is outside TRL 1.16's supported 0.22-0.31")
        elif not VLLM_PIN[0] <= v < VLLM_PIN[1]:
            problems.append(f"vllm {found['vllm']} is outside the pinned 0.27-0.30")
    summary = ", ".join(f"{n} {v}" for n, v in found.items() if v) + f"; {gpu}"
    print(("; ".join(problems) + " | " if problems else "") + summary)
    return FAIL if problems else PASS


def build_vllm_model(args: list[str]) -> int:
    """OUT TOKENIZER_DIR: a Qwen2.5-0.5B-shaped random model with the given tokenizer (vocab sized to it)."""
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    from rl.plan.shapes import KNOWN

    out, tokenizer_dir = Path(args[0]), args[1]
    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    s = KNOWN["qwen2.5-0.5b"]
    config = Qwen2Config(hidden_size=s.hidden, num_hidden_layers=s.layers, intermediate_size=s.intermediate,
                         num_attention_heads=s.heads, num_key_value_heads=s.kv_heads,
                         vocab_size=-(-len(tok) // 64) * 64, tie_word_embeddings=True, max_position_embeddings=4096,
                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                         pad_token_id=tok.pad_token_id, dtype="bfloat16")
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    with torch.device(device):
        model = Qwen2ForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    print(f"{out}: Qwen2.5-0.5B-shaped random model, {model.num_parameters() / 1e6:.0f}M params, "
          f"head size {s.hidden // s.heads}, vocab {config.vocab_size}")
    return PASS


def flash_attn(args: list[str]) -> int:
    """MODEL_DIR: FlashAttention-2 logits match sdpa's, and a backward runs."""
    if importlib.util.find_spec("flash_attn") is None:
        print("SKIP: flash-attn is not installed (optional; README, FlashAttention-2)")
        return SKIP
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(args[0], dtype=torch.bfloat16, attn_implementation="sdpa").cuda()
    ids = torch.randint(0, model.config.vocab_size, (2, 512), device="cuda", generator=None)
    with torch.no_grad():
        ref = model(ids).logits.float()
    model.set_attn_implementation("flash_attention_2")
    logits = model(ids).logits.float()
    logits.logsumexp(-1).mean().backward()
    rel = ((logits.detach() - ref).abs().max() / ref.abs().max()).item()
    print(f"flash_attention_2 vs sdpa: max relative logit difference {rel:.2e}; backward ok")
    return PASS if rel < 2e-2 else FAIL


def check_run(args: list[str]) -> int:
    """OUTPUT_DIR STAGE...: each stage wrote STAGE_DONE.json and a bf16 model."""
    out = Path(args[0])
    for stage in args[1:]:
        folder = out / stage
        if not (folder / "STAGE_DONE.json").is_file():
            print(f"stage {stage}: no STAGE_DONE.json in {folder}")
            return FAIL
        config = json.loads((folder / "config.json").read_text())
        dtype = config.get("dtype") or config.get("torch_dtype")
        if dtype != "bfloat16":
            print(f"stage {stage}: saved in {dtype}, expected bfloat16")
            return FAIL
    print(f"stages {', '.join(args[1:])} finished; models saved in bf16")
    return PASS


def _greedy(client, prompts: list[str]) -> list[list[int]]:
    client.reset_prefix_cache()
    return client.generate(prompts, temperature=0.0, max_tokens=24)["completion_ids"]


def vllm_serve(args: list[str]) -> int:
    """URL MODEL_DIR [--push]: a round trip through TRL's client; with --push, weights that really change outputs."""
    import torch
    from transformers import AutoModelForCausalLM
    from trl.generation.vllm_client import VLLMClient

    url, model_dir, push = args[0], args[1], "--push" in args[2:]
    client = VLLMClient(base_url=url, connection_timeout=120)
    prompts = ["The capital of France is", "def fibonacci(n):"]
    before = _greedy(client, prompts)
    if len(before) != len(prompts) or not any(before):
        print(f"round trip: expected {len(prompts)} completions with tokens, got {before}")
        return FAIL
    print(f"round trip: {len(before)} greedy completions of {[len(c) for c in before]} tokens")
    if not push:
        print(f"round trip ok ({sum(map(len, before))} tokens); weight push not checked")
        return PASS
    client.init_communicator(device=0)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16).cuda()
    original = {n: p.detach().clone() for n, p in model.named_parameters()}
    torch.manual_seed(1)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.02)
    client.update_model_params(model)
    changed = _greedy(client, prompts)
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(original[n])
    client.update_model_params(model)
    restored = _greedy(client, prompts)
    client.close_communicator()
    ok = changed != before and restored == before
    print(f"weight push: outputs {'changed' if changed != before else 'UNCHANGED'} after pushing new weights, "
          f"{'restored' if restored == before else 'NOT restored'} after pushing the originals back")
    return PASS if ok else FAIL


STEPS: dict[str, Callable[[list[str]], int]] = {
    "versions": versions,
    "build-vllm-model": build_vllm_model,
    "flash-attn": flash_attn,
    "check-run": check_run,
    "vllm-serve": vllm_serve,
}


def main(argv: list[str] | None = None) -> int:
    """Run one step; returns its exit status (0 PASS, 1 FAIL, 77 SKIP)."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in STEPS:
        print(f"usage: python -m rl.gpu_check {{{','.join(STEPS)}}} [ARGS ...]", file=sys.stderr)
        return 2
    return STEPS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
