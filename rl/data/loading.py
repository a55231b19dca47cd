"""`load_stage_datasets`: a stage's sources -> (train, held-out) datasets in the row schema.

Per source: read raw rows (only the adapter's input columns), keep the first `max_samples`, convert with the
adapter, normalise, template, validate; bad rows are dropped and logged (count and the first few reasons), but a
source with no usable row raises `DataError` naming it. Prompts longer than `max_prompt_tokens` (measured with the
tokenizer's chat template and generation prompt, as the trainer sees them) are dropped and logged the same way.
Each source then gives `eval_fraction` of its rows to the held-out set *before* mixing, so upsampled copies never
leak into evaluation; the rest are mixed by weight (`rl.data.mixing`). The held-out set keeps the sources' natural
proportions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from datasets import Dataset, Features, List, Value, concatenate_datasets

from rl.data.adapters import ADAPTERS
from rl.data.mixing import mix, split_off
from rl.data.schema import BadRow, normalize_row, validate_row
from rl.data.templating import apply_template

if TYPE_CHECKING:
    from rl.spec import DatasetSource, StageSpec

logger = logging.getLogger(__name__)

FEATURES = Features({
    "prompt": List({"role": Value("string"), "content": Value("string")}),
    "task": Value("string"),
    "answer": Value("string"),
    "tests": Value("string"),
    "constraints": Value("string"),
})
MAX_REASONS = 3


class DataError(ValueError):
    """A dataset source yields no usable rows; the message names the source and why."""


@dataclass
class Drops:
    """Rows dropped for one reason class, with the first few reasons."""

    count: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, reason: str) -> None:
        self.count += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append(reason)


def prepare_rows(raw_rows: Iterable[dict[str, Any]], adapter: str, system_prompt: str | None
                 ) -> tuple[list[dict[str, Any]], Drops]:
    """Convert, normalise, template and validate raw rows; returns (good rows, dropped bad rows)."""
    convert = ADAPTERS[adapter].convert
    rows, bad = [], Drops()
    for i, raw in enumerate(raw_rows):
        try:
            row = apply_template(normalize_row(convert(raw)), system_prompt)
            validate_row(row)
        except BadRow as e:
            bad.add(f"row {i}: {e}")
            continue
        rows.append(row)
    return rows, bad


def prompt_lengths(tokenizer: Any, prompts: list[list[dict[str, str]]], batch_size: int = 256) -> list[int]:
    """Token count of each prompt rendered with the chat template and the generation prompt."""
    lengths: list[int] = []
    for start in range(0, len(prompts), batch_size):
        enc = tokenizer.apply_chat_template(prompts[start:start + batch_size], add_generation_prompt=True,
                                            tokenize=True)
        ids = enc["input_ids"] if hasattr(enc, "keys") else enc
        lengths.extend(len(x) for x in ids)
    return lengths


def _describe(src: DatasetSource) -> str:
    return f"dataset {src.source!r} (adapter {src.adapter})"


@dataclass
class SourceRows:
    """One source's usable rows, and how many raw rows it had, were bad, or too long."""

    rows: list[dict[str, Any]]
    raw: int
    bad: Drops
    too_long: int = 0


def source_rows(src: DatasetSource, system_prompt: str | None, tokenizer: Any,
                max_prompt_tokens: int | None) -> SourceRows:
    """One source's rows, converted, templated, validated and length-filtered (see the module doc); raises
    `DataError` naming the source when none is usable, and `DataFileError` for a data file that does not parse."""
    path = Path(src.local_path) if src.local_path else None
    raw = ADAPTERS[src.adapter].read_raw(src.source, path, src.split, src.subset)
    if src.max_samples is not None:
        raw = raw[:src.max_samples]
    if not raw:
        raise DataError(f"{_describe(src)}: no rows")
    rows, bad = prepare_rows(raw, src.adapter, system_prompt)
    if bad.count:
        logger.warning("%s: dropped %d of %d rows as bad, e.g. %s", _describe(src), bad.count, len(raw),
                       "; ".join(bad.reasons))
    if not rows:
        raise DataError(f"{_describe(src)}: all {len(raw)} rows are bad, e.g. " + "; ".join(bad.reasons))
    kept = rows
    if max_prompt_tokens is not None:
        lengths = prompt_lengths(tokenizer, [r["prompt"] for r in rows])
        kept = [r for r, n in zip(rows, lengths) if n <= max_prompt_tokens]
        if len(kept) < len(rows):
            logger.warning("%s: dropped %d of %d prompts longer than max_prompt_tokens=%d (longest: %d tokens)",
                           _describe(src), len(rows) - len(kept), len(rows), max_prompt_tokens, max(lengths))
        if not kept:
            raise DataError(f"{_describe(src)}: every prompt is longer than max_prompt_tokens={max_prompt_tokens} "
                            f"(shortest: {min(lengths)} tokens)")
    return SourceRows(kept, len(raw), bad, len(rows) - len(kept))


def load_source(src: DatasetSource, system_prompt: str | None, tokenizer: Any,
                max_prompt_tokens: int | None) -> Dataset:
    """One source as a row-schema `Dataset` (see the module doc)."""
    rows = source_rows(src, system_prompt, tokenizer, max_prompt_tokens).rows
    logger.info("%s: %d usable rows", _describe(src), len(rows))
    return Dataset.from_list(rows, features=FEATURES)


def load_stage_datasets(stage: StageSpec, tokenizer: Any, seed: int) -> tuple[Dataset, Dataset | None]:
    """(train, held-out or None) for one stage; `tokenizer` is needed only when `max_prompt_tokens` is set."""
    if stage.max_prompt_tokens is not None and tokenizer is None:
        raise ValueError(f"stage {stage.name!r}: max_prompt_tokens needs a tokenizer")
    trains, evals = [], []
    for i, src in enumerate(stage.datasets):
        ds = load_source(src, stage.system_prompt, tokenizer, stage.max_prompt_tokens)
        train, held = split_off(ds, stage.eval_fraction, seed + i)
        trains.append(train)
        if held is not None:
            evals.append(held)
    train = mix(trains, [s.weight for s in stage.datasets], seed)
    held_out = concatenate_datasets(evals).shuffle(seed=seed) if evals else None
    logger.info("stage %s: %d training rows%s", stage.name, len(train),
                f", {len(held_out)} held-out rows" if held_out is not None else "")
    return train, held_out
