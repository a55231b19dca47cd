"""Calibration of a policy during the cold-start SFT: sample completions for rows of each family and score them
with the pipeline's own rewards (`math_accuracy`, `code_tests` through a sandbox server, `rule_checks` with every
constraint required), exactly as `rl eval` scores the held-out rows: the scorers, completion caps and sampling
settings are read from the demo's eval suite (`configs/eval/learn_cpu.yaml`).

Calibration rows come from their own seed, never the held-out one.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Sequence

import yaml

from rl.data.templating import apply_template
from rl.demo.suite import SUITE

_SUITE = yaml.safe_load(SUITE.read_text())
_BENCHMARKS = {b["name"]: b for b in _SUITE["benchmarks"]}
# One scorer per family (name, kwargs), as the eval suite's benchmarks name them; a sample passes at score >= 1.
SCORERS: dict[str, tuple[str, dict[str, Any]]] = {
    task: (b["scorer"], {}) if isinstance(b["scorer"], str) else (b["scorer"]["name"], b["scorer"].get("kwargs", {}))
    for task, b in _BENCHMARKS.items()}
MAX_NEW_TOKENS: dict[str, int] = {task: b["max_new_tokens"] for task, b in _BENCHMARKS.items()}
SAMPLING = {"do_sample": True, **{k: _SUITE["generation"][k] for k in ("temperature", "top_p", "top_k")}}


def generate(model: Any, tokenizer: Any, prompts: Sequence[list[dict[str, str]]], max_new_tokens: int,
             batch_size: int = 64) -> list[str]:
    """One sampled completion per chat prompt (the generation prompt opens `<think>`), decoded without specials."""
    import torch

    texts = [tokenizer.apply_chat_template(p, add_generation_prompt=True, tokenize=False) for p in prompts]
    out: list[str] = []
    model.eval()
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    try:
        for start in range(0, len(texts), batch_size):
            enc = tokenizer(texts[start:start + batch_size], return_tensors="pt", padding=True)
            with torch.no_grad():
                ids = model.generate(**enc, max_new_tokens=max_new_tokens, pad_token_id=tokenizer.pad_token_id,
                                     **SAMPLING)
            out.extend(tokenizer.batch_decode(ids[:, enc["input_ids"].shape[1]:], skip_special_tokens=True))
    finally:
        tokenizer.padding_side = side
    return out


def score(task: str, rows: Sequence[dict[str, Any]], completions: Sequence[str],
          sandbox_url: str | None = None) -> list[float]:
    """The family scorer's score of each completion (rows in the row schema, templated or not)."""
    from rewards import registry

    name, kwargs = SCORERS[task]
    if name == "code_tests":
        kwargs = {**kwargs, "urls": [sandbox_url]}
    reward = registry.create(name, **kwargs)
    columns = {c: [r[c] for r in rows] for c in ("answer", "tests", "constraints")}
    result = reward(completions=list(completions), prompts=[r["prompt"] for r in rows],
                    task=[r["task"] for r in rows], **columns)
    if inspect.isawaitable(result):
        async def finish():
            try:
                return await result
            finally:
                await reward.aclose()
        result = asyncio.run(finish())
    if any(s is None for s in result):
        raise RuntimeError(f"{name}: {sum(s is None for s in result)} calibration samples could not be scored")
    return [float(s) for s in result]


def accuracy(model: Any, tokenizer: Any, rows_by_task: dict[str, list[dict[str, Any]]],
             sandbox_url: str | None = None) -> dict[str, float]:
    """Pass rate (score >= 1) of one sampled completion per row, per family."""
    result = {}
    for task, rows in rows_by_task.items():
        templated = [apply_template(r) for r in rows]
        completions = generate(model, tokenizer, [r["prompt"] for r in templated], MAX_NEW_TOKENS[task])
        scores = score(task, templated, completions, sandbox_url)
        result[task] = sum(s >= 1.0 for s in scores) / len(scores)
    return result
