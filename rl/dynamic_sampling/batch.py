"""Assembling one training batch from several generation rounds of TRL's `_generate_and_score_completions` output.

Each round's output is a dict of per-row tensors padded to that round's widths: prompts on the left, completions
(and every completion-aligned tensor: log-probabilities, importance ratios, tool mask) on the right. `take` picks
rows of one round; `concat` re-pads rounds to common widths and stacks them. Only the keys of text-only GRPO are
supported: a multimodal batch (images) raises `UnsupportedBatch`, since its per-image tensors are not per row.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

LEFT_PADDED = ("prompt_ids", "prompt_mask")
ROW_KEYS = ("prompt_ids", "prompt_mask", "completion_ids", "completion_mask", "advantages", "old_per_token_logps",
            "importance_sampling_ratio", "sampling_per_token_logps", "ref_per_token_logps", "tool_mask")
SCALAR_KEYS = ("num_items_in_batch",)


class UnsupportedBatch(ValueError):
    """A generation output with keys dynamic sampling cannot re-assemble (multimodal inputs)."""


def check_keys(output: dict[str, Any]) -> None:
    unknown = sorted(k for k, v in output.items() if v is not None and k not in ROW_KEYS + SCALAR_KEYS)
    if unknown:
        raise UnsupportedBatch(f"dynamic sampling supports text-only GRPO batches; this one also has {unknown}")


def take(output: dict[str, Any], rows: torch.Tensor) -> dict[str, Any]:
    """The given rows (a long index tensor) of one round's output; scalars are dropped (recomputed by the caller)."""
    check_keys(output)
    return {k: v[rows.to(v.device)] for k, v in output.items() if k in ROW_KEYS and v is not None}


def _pad_values(pad_token_id: int) -> dict[str, float]:
    return {"prompt_ids": pad_token_id, "completion_ids": pad_token_id, "tool_mask": 1}


def concat(parts: list[dict[str, Any]], pad_token_id: int) -> dict[str, Any]:
    """Stack row dicts (from `take`) along the batch, padding 2-D tensors to the widest (prompts on the left)."""
    parts = [p for p in parts if p and next(iter(p.values())).shape[0] > 0] or parts[:1]
    keys = list(parts[0])
    if any(list(p) != keys for p in parts):
        raise UnsupportedBatch(f"generation rounds returned different keys: {[sorted(p) for p in parts]}")
    pads = _pad_values(pad_token_id)
    out: dict[str, Any] = {}
    for key in keys:
        tensors = [p[key] for p in parts]
        if tensors[0].dim() == 2:
            width = max(t.shape[1] for t in tensors)
            value = pads.get(key, 0)
            left = key in LEFT_PADDED
            tensors = [F.pad(t, (width - t.shape[1], 0) if left else (0, width - t.shape[1]), value=value)
                       for t in tensors]
        out[key] = torch.cat(tensors, dim=0)
    return out


def mask_rows(batch: dict[str, Any], rows: torch.Tensor) -> dict[str, Any]:
    """Give `rows` (a bool tensor over the batch) no weight in the loss: their `tool_mask` (TRL's loss mask factor)
    becomes 0. Attention is untouched, so shapes and the other rows' numbers are unchanged."""
    if not rows.any():
        return batch
    mask = batch.get("tool_mask")
    if mask is None:
        mask = torch.ones_like(batch["completion_mask"])
    batch["tool_mask"] = mask * (~rows.to(mask.device)).unsqueeze(1).to(mask.dtype)
    return batch


def loss_tokens(batch: dict[str, Any]) -> torch.Tensor:
    """Tokens that count in the loss on this process (TRL's `completion_mask * tool_mask`)."""
    mask = batch["completion_mask"]
    if batch.get("tool_mask") is not None:
        mask = mask * batch["tool_mask"]
    return mask.sum()
