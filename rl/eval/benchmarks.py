"""A benchmark's rows, loaded by the training data code: source -> adapter -> schema -> templating -> validation.

Each row keeps an id: the adapter's id column when the raw row has one (`id`, HumanEval's `task_id`, IFEval's `key`,
...), else the row's index in the benchmark's dataset (after `max_samples`). Rows an adapter cannot map are dropped
and counted, as in training, and named in a warning; a benchmark with no usable row is an error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rl.data.adapters import ADAPTERS
from rl.data.loading import DataError, Drops
from rl.data.schema import BadRow, normalize_row, validate_row
from rl.data.templating import apply_template
from rl.eval.suite import BenchmarkSpec

logger = logging.getLogger(__name__)


@dataclass
class LoadedBenchmark:
    spec: BenchmarkSpec
    rows: list[dict[str, Any]]   # schema rows (prompt, task, answer, tests, constraints)
    ids: list[str]
    dropped: int

    def index_of(self) -> dict[str, int]:
        return {i: p for p, i in enumerate(self.ids)}


def raw_rows(spec: BenchmarkSpec) -> list[dict[str, Any]]:
    """The benchmark's raw rows (the adapter's input and id columns), first `max_samples` only."""
    adapter = ADAPTERS[spec.adapter]
    path = Path(spec.local_path) if spec.local_path else None
    rows = adapter.read_raw(spec.source, path, spec.split, spec.subset, adapter.inputs + adapter.id_columns)
    return rows[:spec.max_samples] if spec.max_samples is not None else rows


def row_id(raw: dict[str, Any], id_columns: tuple[str, ...], index: int) -> str:
    for column in id_columns:
        value = raw.get(column)
        if value is not None and str(value).strip():
            return str(value)
    return str(index)


def load_benchmark(spec: BenchmarkSpec) -> LoadedBenchmark:
    """Rows and ids of one benchmark (see the module doc); `DataError` when none is usable or ids repeat."""
    adapter = ADAPTERS[spec.adapter]
    where = f"benchmark {spec.name} ({spec.source}, adapter {spec.adapter})"
    try:
        raw = raw_rows(spec)
    except (OSError, ValueError) as e:
        raise DataError(f"{where}: cannot read the source: {e}") from None
    rows, ids, bad = [], [], Drops()
    for i, item in enumerate(raw):
        try:
            row = apply_template(normalize_row(adapter.convert(item)), spec.system_prompt)
            validate_row(row)
        except BadRow as e:
            bad.add(f"row {i}: {e}")
            continue
        rows.append(row)
        ids.append(row_id(item, adapter.id_columns, i))
    if not rows:
        examples = f", e.g. {'; '.join(bad.reasons)}" if bad.count else ""
        raise DataError(f"{where}: no usable rows of {len(raw)}{examples}")
    if bad.count:
        logger.warning("%s: dropped %d of %d rows, e.g. %s", where, bad.count, len(raw), "; ".join(bad.reasons))
    if len(set(ids)) != len(ids):
        dupes = sorted({x for x in ids if ids.count(x) > 1})[:5]
        raise DataError(f"{where}: row ids repeat ({', '.join(dupes)}); ids must be unique")
    return LoadedBenchmark(spec, rows, ids, bad.count)
