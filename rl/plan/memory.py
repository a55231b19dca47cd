"""Per-GPU memory estimate of one GRPO stage, by phase (training step, generation), before anything launches.

Every figure is an estimate in GB (1e9 bytes) from the model's shape, the stage's batch and lengths, and the
parallel layout. What each line counts:
- **states**: parameters, gradients and AdamW states. DeepSpeed (ZeRO 1-3) with bf16 keeps fp32 master weights and
  fp32 Adam moments (12 bytes per trainable parameter, sharded from stage 1), bf16 gradients (sharded from stage 2)
  and bf16 weights (sharded at stage 3). Plain DDP (ZeRO 0) trains the bf16 weights directly: weights, gradients
  and both Adam moments in the weights' dtype. LoRA adapters count 16 bytes per parameter. `beta > 0` adds a
  frozen reference copy (none with LoRA: TRL disables the adapter instead).
- **activations**: with activation checkpointing, each layer's input (layers x tokens x hidden) plus one layer's
  working set recomputed in the backward; without, every layer's working set. Tokens = per_device_train_batch_size
  x (prompt + completion). Eager attention adds the (heads x seq x seq) scores.
- **LM head**: TRL 1.16's GRPOTrainer computes log-probs through a fused, chunked LM head (`add_fused_lm_head`): no
  (batch x completion x vocab) logits tensor exists, only 4096 x 32768 tiles, an fp32 hidden-state gradient and,
  when the head trains, its fp32 weight gradient. The plain-logits figure (bf16 logits of the completion tokens plus
  one sequence's fp32 upcast for the log-softmax) is printed for reference only.
- **vLLM**: colocate reserves `vllm_gpu_memory_utilization` x the GPU's memory on every training GPU (released
  during the training step with sleep mode); server mode uses its own GPUs. HF generation holds a KV cache.
- **reward model**: a local one holds a whole bf16 copy on every training GPU, plus its forward working set.
- **runtime**: CUDA context, NCCL buffers and allocator slack, a flat 2 GB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rl.plan.shapes import Shape

GB = 1e9
RUNTIME_GB = 2.0
TIGHT = 0.92                   # above this share of the GPU, fragmentation alone can run out of memory
HEAD_TOKEN_TILE = 4096         # trl.kernels.chunked_logprob.TOKEN_CHUNK_SIZE
HEAD_VOCAB_TILE = 32768        # trl.trainer.utils._CHUNKED_LOGPROB_CHUNK_SIZE
VLLM_OVERHEAD_GB = 1.0         # vLLM's activations and CUDA graphs inside its share


@dataclass(frozen=True)
class Hardware:
    """The training GPUs: how many (the world size), their memory, and the sharding."""

    gpus: int
    gpu_gb: float
    zero: int = 3                    # 0: DDP without DeepSpeed; 1-3: the DeepSpeed ZeRO stage
    max_live_params: float = 1e9     # DeepSpeed's stage3_max_live_parameters


@dataclass(frozen=True)
class RewardModelLoad:
    """A reward model scored on the training GPUs (`reward_model` with a local or hub `model`, no `url`)."""

    ref: str
    shape: Shape
    dtype_bytes: int = 2
    batch_size: int = 8
    max_length: int = 4096


@dataclass(frozen=True)
class StageLoad:
    """What one stage asks of each training GPU."""

    name: str
    batch: int                       # per_device_train_batch_size
    prompt_tokens: int
    completion_tokens: int
    checkpointing: bool
    dtype_bytes: int = 2             # bf16 on GPU
    lora: Any = None                 # rl.spec.LoraOptions-like (`r`, `target_modules`) or None
    beta: float = 0.0
    attn: str = "sdpa"
    generation: str = "hf"           # "vllm-colocate" | "vllm-server" | "hf"
    vllm_fraction: float = 0.3
    vllm_tp: int = 1
    vllm_sleep: bool = False
    gen_sequences: int = 1           # sequences one GPU generates at once with HF generate
    reward_models: tuple[RewardModelLoad, ...] = ()

    @property
    def seq(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def tokens(self) -> int:
        return self.batch * self.seq


@dataclass
class Line:
    name: str
    gb: float
    note: str = ""


@dataclass
class StagePlan:
    """Per-GPU memory of one stage: resident lines, and what each phase adds on top of them."""

    load: StageLoad
    hardware: Hardware
    resident: list[Line]
    training: list[Line]
    generation: list[Line]
    reference: list[Line] = field(default_factory=list)   # for comparison only, not in any peak
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)        # each one alone stops the stage

    @property
    def training_peak(self) -> float:
        return sum(x.gb for x in self.resident + self.training)

    @property
    def generation_peak(self) -> float:
        return sum(x.gb for x in self.resident + self.generation)

    @property
    def peak(self) -> float:
        return max(self.training_peak, self.generation_peak)

    @property
    def fits(self) -> bool:
        return self.peak <= self.hardware.gpu_gb and not self.errors


def trainable_params(shape: Shape, lora: Any) -> int:
    """Parameters that get gradients: all of them, or the LoRA adapters (r x (in + out) per targeted linear)."""
    if lora is None:
        return shape.params
    targets = lora.target_modules
    dims = shape.linear_dims()
    chosen = dims.values() if targets == "all-linear" else [d for n, d in dims.items() if n in set(targets)]
    return shape.layers * sum(lora.r * (a + b) for a, b in chosen)


def layer_working_elements(shape: Shape) -> int:
    """Elements autograd keeps per token for one decoder layer (sdpa/flash attention): residual inputs, the two
    RMSNorms' outputs and fp32 intermediates, q/k/v before and after rotary, the attention output, and the gated
    MLP's gate, up, activation and product."""
    return 8 * shape.hidden + 3 * shape.q_dim + 4 * shape.kv_dim + 4 * shape.intermediate


def activation_gb(shape: Shape, load: StageLoad) -> tuple[float, float]:
    """(kept across the whole forward, one layer's recompute working set) in GB."""
    b, tokens = load.dtype_bytes, load.tokens
    per_layer = tokens * layer_working_elements(shape) * b
    if load.attn == "eager":
        per_layer += load.batch * shape.heads * load.seq * load.seq * b * 2
    if load.checkpointing:
        return shape.layers * tokens * shape.hidden * b / GB, per_layer / GB
    return shape.layers * per_layer / GB, 0.0


def plain_logits_gb(shape: Shape, load: StageLoad) -> tuple[float, float]:
    """Unfused logits of the completion tokens (batch x completion x vocab, model dtype), and one sequence's fp32
    upcast for the log-softmax, in GB."""
    return (load.batch * load.completion_tokens * shape.vocab * load.dtype_bytes / GB,
            load.completion_tokens * shape.vocab * 4 / GB)


def _states(shape: Shape, load: StageLoad, hw: Hardware) -> list[Line]:
    p, b, g = shape.params, load.dtype_bytes, hw.gpus
    pt = trainable_params(shape, load.lora)
    lora = load.lora is not None
    shard3 = g if hw.zero >= 3 else 1
    sharded = f", sharded over {g}" if shard3 > 1 else ""
    lines = [Line("weights", p * b / shard3 / GB, f"{p / 1e9:.2f}B params{sharded}")]
    if lora:
        lines.append(Line("LoRA adapters + grads + Adam", pt * 16 / GB, f"{pt / 1e6:.1f}M trainable, fp32"))
    elif hw.zero == 0:
        lines += [Line("gradients", pt * b / GB), Line("Adam moments", 2 * pt * b / GB, "in the weights' dtype")]
    else:
        shard2 = g if hw.zero >= 2 else 1
        lines += [Line("gradients", pt * b / shard2 / GB, f"sharded over {g}" if shard2 > 1 else ""),
                  Line("fp32 master + Adam moments", pt * 12 / g / GB, f"sharded over {g}")]
    if load.beta > 0 and not lora:
        lines.append(Line("reference model", p * b / shard3 / GB, f"beta={load.beta}"))
    if hw.zero >= 3:
        lines.append(Line("ZeRO-3 gathered layers", min(p, hw.max_live_params) * b / GB, "stage3_max_live_parameters"))
    for rm in load.reward_models:
        lines.append(Line("reward model", rm.shape.classifier_params * rm.dtype_bytes / GB, rm.ref))
    lines.append(Line("runtime", RUNTIME_GB, "CUDA context, NCCL, allocator slack"))
    return lines


def _head(shape: Shape, load: StageLoad, hw: Hardware) -> Line:
    n, b = load.batch * load.completion_tokens, load.dtype_bytes
    total = min(n, HEAD_TOKEN_TILE) * HEAD_VOCAB_TILE * b + 8 * n * 4 + n * shape.hidden * (b + 4)
    if load.lora is None:  # the head trains: an fp32 weight gradient, and under ZeRO-3 the gathered weight
        total += shape.vocab * shape.hidden * (4 + (b if hw.zero >= 3 else 0))
    return Line("LM head (fused)", total / GB, "TRL's chunked log-prob head: tiles, fp32 grads")


def _vllm_colocate(shape: Shape, load: StageLoad, hw: Hardware, plan: StagePlan) -> Line:
    share = load.vllm_fraction * hw.gpu_gb
    weights = shape.params * 2 / load.vllm_tp / GB
    kv_token = shape.kv_bytes_per_token() / load.vllm_tp
    one_seq = load.seq * kv_token / GB
    room = (share - weights - VLLM_OVERHEAD_GB) * GB / kv_token
    if room < load.seq:
        plan.errors.append(
            f"vLLM colocate: its share ({load.vllm_fraction} x {hw.gpu_gb:g} GB = {share:.1f} GB) must hold the bf16 "
            f"weights ({weights:.1f} GB at tensor parallel {load.vllm_tp}) plus the KV cache of at least one "
            f"{load.seq}-token sequence ({one_seq:.1f} GB); raise vllm_gpu_memory_utilization (VLLM_MEM) to "
            f"{(weights + one_seq + VLLM_OVERHEAD_GB) / hw.gpu_gb + 0.01:.2f} or more, raise "
            "vllm_tensor_parallel_size, or use server mode")
    else:
        plan.notes.append(f"vLLM colocate: KV cache room for about {int(room):,} tokens "
                          f"({room / load.seq:.1f} full-length sequences at once)")
    return Line("vLLM (colocate)", share, f"{load.vllm_fraction} x {hw.gpu_gb:g} GB; weights {weights:.1f} GB")


def _server_note(shape: Shape, load: StageLoad, hw: Hardware) -> str:
    weights, kv = shape.params * 2 / GB, load.seq * shape.kv_bytes_per_token() / GB
    room = {tp: int((0.9 * hw.gpu_gb * tp - weights - VLLM_OVERHEAD_GB * tp) // kv) for tp in (1, 2, 4, 8)}
    return (f"vLLM server (its own GPUs, gpu_memory_utilization 0.9): bf16 weights {weights:.1f} GB; full-length "
            f"sequences its KV cache holds at once, by tensor parallel size: "
            + ", ".join(f"TP {tp}: {max(n, 0)}" for tp, n in room.items()))


def _suggestions(load: StageLoad, hw: Hardware) -> str:
    tips = []
    if not load.checkpointing:
        tips.append("turn on model_options.activation_checkpointing")
    if load.batch > 1:
        tips.append(f"per_device_train_batch_size 1 with gradient_accumulation_steps x{load.batch} (same "
                    "effective batch)")
    if hw.zero < 3 and load.lora is None:
        tips.append("DeepSpeed ZeRO-3 (ACCEL=configs/accelerate/zero3.yaml)")
    if load.generation == "vllm-colocate":
        tips.append("vLLM server mode (launch/vllm_server.sh)")
    tips.append("more GPUs")
    return "; ".join(tips)


def plan_stage(shape: Shape, load: StageLoad, hw: Hardware) -> StagePlan:
    """The per-GPU memory plan of one stage, with warnings when it can't fit."""
    plan = StagePlan(load, hw, _states(shape, load, hw), [], [])
    kept, working = activation_gb(shape, load)
    ckpt = "checkpointed layer inputs" if load.checkpointing else "activations (no checkpointing)"
    plan.training.append(Line(ckpt, kept, f"{load.batch} x {load.seq} tokens"))
    if working:
        plan.training.append(Line("one layer recomputed", working, "backward of a checkpointed layer"))
    plan.training.append(_head(shape, load, hw))
    for rm in load.reward_models:
        work = rm.batch_size * rm.max_length * layer_working_elements(rm.shape) * rm.dtype_bytes / GB
        plan.generation.append(Line("reward model forward", work, f"batch {rm.batch_size} x {rm.max_length}"))
    logits, upcast = plain_logits_gb(shape, load)
    shape_note = f"{load.batch} x {load.completion_tokens} x {shape.vocab}"
    plan.reference += [Line("plain logits (unfused)", logits, shape_note),
                       Line("fp32 log-softmax of one sequence", upcast, "unfused path only")]
    if load.generation == "vllm-colocate":
        vllm = _vllm_colocate(shape, load, hw, plan)
        plan.generation.append(vllm)
        if not load.vllm_sleep:
            plan.training.append(Line("vLLM (awake during training)", vllm.gb, "vllm_enable_sleep_mode is off"))
    elif load.generation == "vllm-server":
        plan.notes.append(_server_note(shape, load, hw))
    else:
        kv = load.gen_sequences * load.seq * shape.kv_bytes_per_token(load.dtype_bytes) / GB
        plan.generation.append(Line("HF generate KV cache", kv, f"{load.gen_sequences} sequences x {load.seq}"))
    if load.attn == "eager" and load.seq > 4096:
        plan.warnings.append(f"attn_implementation eager materialises {load.seq}x{load.seq} attention scores per "
                             "head; use sdpa (or flash_attention_2)")
    if plan.peak > hw.gpu_gb:
        plan.errors.append(f"does not fit: about {plan.peak:.0f} GB per GPU needed, {hw.gpu_gb:g} GB available. "
                             f"Try: {_suggestions(load, hw)}")
    elif plan.peak > TIGHT * hw.gpu_gb:
        plan.warnings.append(f"tight: {plan.peak:.0f} of {hw.gpu_gb:g} GB; allocator fragmentation may run out of "
                             "memory (PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True helps)")
    return plan


def format_plan(plan: StagePlan) -> str:
    """A human-readable table of one stage's plan."""
    load, hw = plan.load, plan.hardware
    gen = {"vllm-colocate": f"vLLM colocate ({load.vllm_fraction:g} of each GPU"
                            + (", sleep mode" if load.vllm_sleep else "") + ")",
           "vllm-server": "vLLM server", "hf": "HF generate"}[load.generation]
    out = [f"stage {load.name}: batch {load.batch} x ({load.prompt_tokens} prompt + {load.completion_tokens} "
           f"completion) tokens, activation checkpointing {'on' if load.checkpointing else 'off'}, {gen}"]

    def rows(title: str, lines: list[Line]) -> None:
        if not lines:
            return
        out.append(f"  {title}")
        out.extend(f"    {x.name:<32}{x.gb:8.1f}  {x.note}" for x in lines)

    rows("resident", plan.resident)
    rows("training step adds", plan.training)
    rows("generation adds", plan.generation)
    rows("for reference (not counted)", plan.reference)
    verdict = "fits" if plan.fits else "DOES NOT FIT"
    out.append(f"  peak: training {plan.training_peak:.1f} GB, generation {plan.generation_peak:.1f} GB "
               f"of {hw.gpu_gb:g} GB -> {verdict}")
    out += [f"  note: {n}" for n in plan.notes] + [f"  WARNING: {w}" for w in plan.warnings + plan.errors]
    return "\n".join(out)
