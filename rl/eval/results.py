"""Eval outputs and the cache that lets a rerun skip what is already evaluated.

Under `--out DIR`:
- `results.json`: `{model label: {benchmark: metrics}}` (design section 6), merged with what an earlier run of the
  same DIR wrote for other models or benchmarks;
- `samples.parquet`: one row per completion (model, benchmark, id, sample, completion, score, passed), merged like
  `results.json`; for a benchmark with tools the completion is the full transcript (generated turns and the tool
  results between them, as the model saw them), with the sample's `tool_calls`, `tool_errors` and `tool_outage`;
- `cache/gen-<key>.jsonl`: generated completions, keyed by model (its weights' fingerprint), benchmark data and
  generation settings: a rescore (e.g. after a sandbox outage) does not regenerate;
- `cache/<key>/`: a finished benchmark (`result.json`, `samples.parquet`), keyed by the generation key plus the
  scorer and the metric settings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from rl.eval.suite import BenchmarkSpec, GenerationSettings, Suite

RESULTS_FILE = "results.json"
SAMPLES_FILE = "samples.parquet"


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:20]


def generation_key(fingerprint: str, bench: BenchmarkSpec, gen: GenerationSettings) -> str:
    """What determines a benchmark's completions: the model, the rows, how they are sampled, and the tools."""
    from rl.tools.config import hash_payload

    data = {k: getattr(bench, k) for k in ("source", "adapter", "split", "subset", "max_samples", "system_prompt", "n")}
    payload = {"model": fingerprint, "data": data, "generation": dataclasses.asdict(gen),
               "max_new_tokens": bench.max_new_tokens or gen.max_new_tokens}
    if bench.tools:  # the tools and their options (service addresses left out); keys without tools are unchanged
        payload["tools"] = hash_payload(list(bench.tools), bench.tool_options)
    return _digest(payload)


def result_key(gen_key: str, bench: BenchmarkSpec, suite: Suite) -> str:
    """What determines a benchmark's metrics from its completions."""
    return _digest({"gen": gen_key, "scorer": dataclasses.asdict(bench.scorer), "pass_threshold": bench.pass_threshold,
                    "k": bench.k, "bootstrap": suite.bootstrap_resamples})


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Store:
    """The `--out` folder (see the module doc)."""

    def __init__(self, out_dir: str | Path) -> None:
        self.root = Path(out_dir)
        self.cache = self.root / "cache"
        self.cache.mkdir(parents=True, exist_ok=True)

    def load_generations(self, key: str) -> list[dict[str, Any]] | None:
        path = self.cache / f"gen-{key}.jsonl"
        if not path.is_file():
            return None
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def save_generations(self, key: str, rows: list[dict[str, Any]]) -> None:
        _write_atomic(self.cache / f"gen-{key}.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))

    def load_result(self, key: str) -> dict[str, Any] | None:
        path = self.cache / key / RESULTS_FILE
        return json.loads(path.read_text()) if path.is_file() else None

    def save_result(self, key: str, metrics: dict[str, Any], samples: list[dict[str, Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        folder = self.cache / key
        folder.mkdir(exist_ok=True)
        pq.write_table(pa.Table.from_pylist(samples), folder / SAMPLES_FILE)
        _write_atomic(folder / RESULTS_FILE, json.dumps(metrics, indent=2) + "\n")

    def write_outputs(self, results: dict[str, dict[str, dict[str, Any]]], keys: list[tuple[str, str, str]]) -> None:
        """Merge `results` into `results.json`, and the samples of the cache entries `keys` (label, benchmark, result
        key) into `samples.parquet`."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.root / RESULTS_FILE
        merged = json.loads(path.read_text()) if path.is_file() else {}
        for label, benches in results.items():
            merged.setdefault(label, {}).update(benches)
        _write_atomic(path, json.dumps(merged, indent=2) + "\n")
        tables = []
        for label, _, key in keys:  # a cache entry may have been made under another label (same model)
            if (self.cache / key / SAMPLES_FILE).is_file():
                table = pq.read_table(self.cache / key / SAMPLES_FILE)
                index = table.schema.get_field_index("model")
                tables.append(table.set_column(index, "model", pa.array([label] * len(table), pa.string())))
        if not tables:
            return
        new = pa.concat_tables(tables, promote_options="default")
        samples = self.root / SAMPLES_FILE
        if samples.is_file():  # keep earlier runs' samples of other (model, benchmark) pairs
            old = pq.read_table(samples)
            written = {(label, bench) for label, bench, _ in keys}
            keep = [i for i, (m, b) in enumerate(zip(old["model"].to_pylist(), old["benchmark"].to_pylist()))
                    if (m, b) not in written]
            new = pa.concat_tables([old.take(pa.array(keep, type=pa.int64())), new], promote_options="default")
        pq.write_table(new, samples.with_name(SAMPLES_FILE + ".tmp"))
        os.replace(samples.with_name(SAMPLES_FILE + ".tmp"), samples)


def _cell(m: dict[str, Any]) -> str:
    ci = m.get("ci95")
    ci_text = f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""
    extra = "".join(f" p@{k}={v:.3f}" for k, v in (m.get("pass@k") or {}).items())
    if "maj@n" in m:
        extra += f" maj={m['maj@n']:.3f}"
    if "tools" in m:
        extra += f" calls={m['tools']['calls_per_completion']:.2f}"
    return f"{m['pass@1']:.3f}{ci_text}{extra}"


def format_table(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """The end-of-run table: one row per benchmark, one column per model (pass@1 [95% CI], pass@k, maj@n, tool calls
    per completion)."""
    labels = list(results)
    benches: list[str] = []
    for label in labels:
        benches += [b for b in results[label] if b not in benches]
    header = ["benchmark", *labels]
    rows = [[b, *(_cell(results[label][b]) if b in results[label] else "-" for label in labels)] for b in benches]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])
