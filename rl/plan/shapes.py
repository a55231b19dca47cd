"""Model shapes for memory planning: read from a local `config.json`, or from a table of known architectures.

No hub is reachable at plan time, so a hub id is matched by name against `KNOWN` (Qwen2.5 0.5B-32B, QwQ-32B, the
DeepSeek-R1 Qwen distills, and the Qwen3 sizes used as reward-model backbones). `shape_of(ref)` raises
`UnknownModel` for anything else; pass a local folder (or its config.json) instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class UnknownModel(ValueError):
    """The model's shape can't be known without downloading its config."""


@dataclass(frozen=True)
class Shape:
    """A decoder-only transformer (Llama/Qwen family: GQA attention, gated MLP, RMSNorm)."""

    hidden: int
    layers: int
    intermediate: int
    heads: int
    kv_heads: int
    vocab: int
    tied: bool                 # input embedding shared with the LM head
    head_dim: int = 0          # 0: hidden // heads
    qkv_bias: bool = False     # Qwen2 has q/k/v biases, Qwen3 and Llama do not
    qk_norm: bool = False      # Qwen3 normalises q and k per head
    source: str = ""           # where the shape came from (for the printout)

    @property
    def q_dim(self) -> int:
        return self.heads * (self.head_dim or self.hidden // self.heads)

    @property
    def kv_dim(self) -> int:
        return self.kv_heads * (self.head_dim or self.hidden // self.heads)

    def linear_dims(self) -> dict[str, tuple[int, int]]:
        """(in, out) of every linear layer of one decoder layer, by the module name peft's `target_modules` use."""
        h, i = self.hidden, self.intermediate
        return {"q_proj": (h, self.q_dim), "k_proj": (h, self.kv_dim), "v_proj": (h, self.kv_dim),
                "o_proj": (self.q_dim, h), "gate_proj": (h, i), "up_proj": (h, i), "down_proj": (i, h)}

    def layer_params(self) -> int:
        weights = sum(a * b for a, b in self.linear_dims().values())
        bias = self.q_dim + 2 * self.kv_dim if self.qkv_bias else 0
        qk_norm = 2 * (self.head_dim or self.hidden // self.heads) if self.qk_norm else 0
        return weights + bias + qk_norm + 2 * self.hidden  # two RMSNorms

    @property
    def head_params(self) -> int:
        """The LM head's own weights (0 when tied to the embedding)."""
        return 0 if self.tied else self.vocab * self.hidden

    @property
    def params(self) -> int:
        """All parameters of the causal LM."""
        return self.vocab * self.hidden + self.layers * self.layer_params() + self.hidden + self.head_params

    @property
    def classifier_params(self) -> int:
        """Parameters as a sequence classifier (reward model): the LM head replaced by a one-logit score head."""
        return self.params - self.head_params + self.hidden

    def kv_bytes_per_token(self, dtype_bytes: int = 2) -> int:
        """KV-cache bytes per token, all layers."""
        return 2 * self.layers * self.kv_dim * dtype_bytes


_QWEN25 = dict(vocab=152064, tied=False, qkv_bias=True)
_QWEN25_SMALL = dict(vocab=151936, tied=True, qkv_bias=True)
_QWEN3 = dict(vocab=151936, head_dim=128, qk_norm=True)
KNOWN: dict[str, Shape] = {
    "qwen2.5-0.5b": Shape(896, 24, 4864, 14, 2, **_QWEN25_SMALL),
    "qwen2.5-1.5b": Shape(1536, 28, 8960, 12, 2, **_QWEN25_SMALL),
    "qwen2.5-3b": Shape(2048, 36, 11008, 16, 2, **_QWEN25_SMALL),
    "qwen2.5-7b": Shape(3584, 28, 18944, 28, 4, **_QWEN25),
    "qwen2.5-14b": Shape(5120, 48, 13824, 40, 8, **_QWEN25),
    "qwen2.5-32b": Shape(5120, 64, 27648, 40, 8, **_QWEN25),
    "qwq-32b": Shape(5120, 64, 27648, 40, 8, **_QWEN25),
    "deepseek-r1-distill-qwen-7b": Shape(3584, 28, 18944, 28, 4, **_QWEN25),
    "deepseek-r1-distill-qwen-14b": Shape(5120, 48, 13824, 40, 8, **_QWEN25),
    "deepseek-r1-distill-qwen-32b": Shape(5120, 64, 27648, 40, 8, **_QWEN25),
    "qwen3-0.6b": Shape(1024, 28, 3072, 16, 8, tied=True, **_QWEN3),
    "qwen3-1.7b": Shape(2048, 28, 6144, 16, 8, tied=True, **_QWEN3),
    "qwen3-4b": Shape(2560, 36, 9728, 32, 8, tied=True, **_QWEN3),
    "qwen3-8b": Shape(4096, 36, 12288, 32, 8, tied=False, **_QWEN3),
}
_SUFFIXES = ("-instruct", "-base", "-preview")


def _known(ref: str) -> Shape | None:
    name = ref.rstrip("/").rsplit("/", 1)[-1].lower()
    for suffix in _SUFFIXES:
        name = name.removesuffix(suffix)
    for key, shape in KNOWN.items():
        if name == key or name.endswith("-" + key):  # e.g. Skywork-Reward-V2-Qwen3-0.6B
            return Shape(**{**shape.__dict__, "source": f"known architecture {key}"})
    return None


def shape_from_config(config: dict, source: str = "config.json") -> Shape:
    """A `Shape` from a transformers config dict (a multimodal config's `text_config` is used when present)."""
    cfg = config.get("text_config") or config
    try:
        heads = int(cfg["num_attention_heads"])
        return Shape(hidden=int(cfg["hidden_size"]), layers=int(cfg["num_hidden_layers"]),
                     intermediate=int(cfg["intermediate_size"]), heads=heads,
                     kv_heads=int(cfg.get("num_key_value_heads") or heads), vocab=int(cfg["vocab_size"]),
                     tied=bool(config.get("tie_word_embeddings", cfg.get("tie_word_embeddings", False))),
                     head_dim=int(cfg.get("head_dim") or 0),
                     qkv_bias=bool(cfg.get("attention_bias", cfg.get("model_type") == "qwen2")),
                     qk_norm=cfg.get("model_type") in ("qwen3", "qwen3_moe"), source=source)
    except (KeyError, TypeError, ValueError) as e:
        raise UnknownModel(f"{source}: not a decoder-only transformer config ({e!r} missing or invalid)") from None


def shape_of(ref: str) -> Shape:
    """The shape of `ref`: a local model folder or config.json, else a known hub id."""
    path = Path(ref)
    if path.is_dir():
        path = path / "config.json"
    if path.is_file():
        return shape_from_config(json.loads(path.read_text(encoding="utf-8")), str(path))
    shape = _known(ref)
    if shape is None:
        raise UnknownModel(f"{ref!r}: no local config.json and not a known architecture "
                           f"({', '.join(sorted(KNOWN))}); point the config at a local folder with its config.json")
    return shape
