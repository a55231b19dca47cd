"""`--score SAMPLES.jsonl`: completions made elsewhere, checked against the suite before anything is scored.

Each line: `{"benchmark": str, "id": str, "completions": [str, ...]}` with exactly the benchmark's `n` completions.
`id` is the row's id column, else its index in the benchmark's dataset. Every problem is a `SamplesError` naming the
file and line. A benchmark of the suite may be left out (it is not scored); a benchmark given for only some of its
ids is scored on those (and a warning says how many were given).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from rewards.base import did_you_mean
from rl.eval.benchmarks import LoadedBenchmark
from rl.eval.runner import Subject

logger = logging.getLogger(__name__)


class SamplesError(ValueError):
    """A SAMPLES file line is malformed or does not match the suite."""


def read_samples(path: str | Path, benchmarks: dict[str, LoadedBenchmark]) -> Subject:
    """The completions of `path` as a `Subject` labelled after the file (see the module doc)."""
    path = Path(path)
    if not path.is_file():
        raise SamplesError(f"{path}: no such file")
    given: dict[str, dict[str, list[str]]] = {}
    indexes = {name: b.index_of() for name, b in benchmarks.items()}
    digest = hashlib.sha256()
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            digest.update(line.encode())
            at = f"{path}:{lineno}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                raise SamplesError(f"{at}: invalid JSON ({e})") from None
            if not isinstance(item, dict) or set(item) - {"benchmark", "id", "completions"} \
                    or not {"benchmark", "id", "completions"} <= set(item):
                raise SamplesError(f"{at}: expected exactly the keys benchmark, id, completions")
            name, row_id, completions = item["benchmark"], item["id"], item["completions"]
            if name not in benchmarks:
                raise SamplesError(f"{at}: unknown benchmark {name!r}{did_you_mean(name, benchmarks)} "
                                   f"(suite benchmarks: {', '.join(benchmarks)})")
            row_id = str(row_id) if isinstance(row_id, (str, int)) and not isinstance(row_id, bool) else None
            if row_id is None or row_id not in indexes[name]:
                raise SamplesError(f"{at}: benchmark {name} has no row with id {item['id']!r}"
                                   f"{did_you_mean(str(item['id']), indexes[name])}")
            n = benchmarks[name].spec.n
            if not isinstance(completions, list) or not all(isinstance(c, str) for c in completions):
                raise SamplesError(f"{at}: completions must be a list of strings")
            if len(completions) != n:
                raise SamplesError(f"{at}: {name} takes n={n} completions per prompt, got {len(completions)} "
                                   f"(set the suite's n, e.g. --set benchmarks.{name}.n={len(completions)})")
            if row_id in given.setdefault(name, {}):
                raise SamplesError(f"{at}: {name} id {row_id!r} appears twice")
            given[name][row_id] = completions
    if not given:
        raise SamplesError(f"{path}: no samples")
    for name, rows in given.items():
        if len(rows) < len(benchmarks[name].rows):
            logger.warning("%s: %s has completions for %d of its %d prompts; scoring those", path, name, len(rows),
                           len(benchmarks[name].rows))
    return Subject(label=path.stem, fingerprint=f"samples:{digest.hexdigest()[:20]}", given=given)
