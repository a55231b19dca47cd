"""`python -m rl filter DATA --model M --n 8 --keep 0.1:0.9 --out FILTERED`: keep the prompts whose pass rate under
model M lies in the range (`rl.filter.passrate`; README, "Pass-rate filtering").

DATA is a local `.jsonl`, `.json` or `.parquet` file of raw rows for `--adapter` (default `rows`: the row schema).
Every row is written to `--scored` (default `FILTERED` with `.scored` before its suffix) with its pass-rate columns,
and the rows in range to `--out`, both in DATA's raw shape, so either file is a pipeline dataset source with the
same adapter. When DATA already carries pass rates computed with the same model and settings, nothing is
generated: a second filter with another range costs only the read.

Exit status: 0; 2 for bad input (range, file, model folder, rows), before any model loads; 1 when more than
`--max-unscored` of the samples could not be scored (infrastructure), with nothing written.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterator

from rl.filter import passrate
from rl.filter.passrate import BY, RATE, SCORED, FilterError

SUFFIXES = (".jsonl", ".json", ".parquet")


def add_parser(sub: Any) -> None:
    """Register the `filter` subcommand on an argparse subparsers object."""
    from rl.eval.suite import GenerationSettings as G

    p = sub.add_parser("filter", help="keep prompts whose pass rate under a model lies in a range (open-r1 style)")
    p.add_argument("data", metavar="DATA", help="rows to filter: a local .jsonl, .json or .parquet file")
    p.add_argument("--model", required=True, help="hub id or local model folder whose pass rates decide")
    p.add_argument("--n", type=int, default=8, help="samples per prompt (default 8)")
    p.add_argument("--keep", default="0.1:0.9", help="pass-rate range kept, LO:HI inclusive (default 0.1:0.9)")
    p.add_argument("--out", required=True, metavar="FILTERED", help="where the kept rows go (.jsonl or .parquet)")
    p.add_argument("--scored", help="where every row goes with its pass rate (default: FILTERED.scored.<suffix>)")
    p.add_argument("--adapter", default="rows", help="DATA's adapter, as a pipeline dataset source (default rows)")
    p.add_argument("--system-prompt", default=None, help="the stage's system_prompt, if it has one")
    p.add_argument("--max-new-tokens", type=int, default=G.max_new_tokens, help="completion cap (use the stage's)")
    p.add_argument("--temperature", type=float, default=G.temperature)
    p.add_argument("--top-p", type=float, default=G.top_p)
    p.add_argument("--top-k", type=int, default=G.top_k)
    p.add_argument("--backend", default=G.backend, help="hf or vllm")
    p.add_argument("--batch-size", type=int, default=G.batch_size, help="hf: sequences per generate() call")
    p.add_argument("--dtype", default=G.dtype)
    p.add_argument("--seed", type=int, default=G.seed)
    p.add_argument("--drop-unjudged", action="store_true",
                   help="also drop rows no accuracy reward applies to (default: keep them)")
    p.add_argument("--max-unscored", type=float, default=0.05,
                   help="fail when more than this fraction of samples could not be scored (default 0.05)")
    p.add_argument("--sandbox-url", default=None, help="sandbox for code rows (default $SANDBOX_URL, else a local one)")


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Every raw row of DATA, every column kept."""
    if path.suffix == ".parquet":
        import datasets

        return datasets.Dataset.from_parquet(str(path)).to_list()
    from rl.data.sources import _iter_json

    return list(_iter_json(path))


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix == ".parquet":
        import datasets

        datasets.Dataset.from_list(rows).to_parquet(str(tmp))
    else:
        with tmp.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


def _schema_rows(raw: list[dict[str, Any]], adapter_name: str, system_prompt: str | None) -> list[dict | None]:
    """Each raw row as the trainer sees it (adapter, templating, validation); None for a row the trainer drops."""
    from rl.data.adapters import ADAPTERS
    from rl.data.schema import BadRow, normalize_row, validate_row
    from rl.data.templating import apply_template

    adapter = ADAPTERS[adapter_name]
    out: list[dict | None] = []
    for item in raw:
        try:
            row = apply_template(normalize_row(adapter.convert(item)), system_prompt)
            validate_row(row)
        except BadRow:
            row = None
        out.append(row)
    return out


@contextlib.contextmanager
def _sandbox(needed: bool, url: str | None) -> Iterator[list[str] | None]:
    if not needed:
        yield None
        return
    from sandbox.client import parse_urls

    given = url or os.environ.get("SANDBOX_URL")
    if given:
        yield parse_urls(given)
        return
    from sandbox.local import start_local_server

    server = start_local_server()
    try:
        yield [server.url]
    finally:
        server.stop()


def _check(args: argparse.Namespace) -> tuple[Path, Path, Path, tuple[float, float]]:
    from rl.data.adapters import ADAPTERS

    lo_hi = passrate.parse_range(args.keep)
    data, out = Path(args.data), Path(args.out)
    if not data.is_file() or data.suffix not in SUFFIXES:
        raise FilterError(f"DATA: {data} is not a {', '.join(SUFFIXES)} file")
    for path in (out, Path(args.scored) if args.scored else out):
        if path.suffix not in (".jsonl", ".parquet"):
            raise FilterError(f"{path}: write .jsonl or .parquet")
    if args.n < 1:
        raise FilterError(f"--n: expected >= 1, got {args.n}")
    if args.adapter not in ADAPTERS:
        raise FilterError(f"--adapter: unknown adapter {args.adapter!r} (known: {', '.join(ADAPTERS)})")
    model = Path(args.model)
    if (model.exists() or args.model.startswith((".", "/"))) and not (model / "config.json").is_file():
        raise FilterError(f"--model: {args.model} is not a model folder (no config.json)")
    scored = Path(args.scored) if args.scored else out.with_name(f"{out.stem}.scored{out.suffix}")
    return data, out, scored, lo_hi


def _settings(args: argparse.Namespace):
    from rl.config_checks import ConfigError
    from rl.eval.suite import parse_generation
    from rl.eval.targets import fingerprint

    gen = {"temperature": args.temperature, "top_p": args.top_p, "top_k": args.top_k,
           "max_new_tokens": args.max_new_tokens, "backend": args.backend, "seed": args.seed, "dtype": args.dtype}
    try:
        settings = parse_generation({**gen, "batch_size": args.batch_size})
    except ConfigError as e:
        raise FilterError(str(e)) from None
    key_gen = {k: v for k, v in dataclasses.asdict(settings).items() if k != "batch_size"}
    return settings, passrate.Settings(model=fingerprint(args.model), n=args.n, generation=key_gen,
                                       scorers=passrate.accuracy_scorers(), pass_threshold=1.0)


def _compute(args, raw, schema, settings, key) -> None:
    """Generate `n` samples per usable row, score them, and write the pass-rate columns into `raw` in place."""
    from rl.eval.generation import load_backend
    from rl.eval.scoring import build_scorer
    from rl.eval.suite import ScorerSpec

    usable = [i for i, r in enumerate(schema) if r is not None]
    backend = load_backend(args.model, settings)
    try:
        texts = backend.generate([schema[i]["prompt"] for i in usable], args.n, args.max_new_tokens).texts
    finally:
        backend.close()
    rows = [schema[i] for i in usable]
    tasks = {r["task"] for r in rows}
    with _sandbox("code" in tasks and "code" in key.scorers, args.sandbox_url) as urls:
        values = {"sandbox_urls": urls, "max_completion_length": args.max_new_tokens, "num_generations": args.n}
        scorers = {t: build_scorer(ScorerSpec(name), values) for t, name in key.scorers.items() if t in tasks}
        results = passrate.score_rows(rows, texts, scorers, key.pass_threshold)
    for i, (rate, n_scored) in zip(usable, results):
        raw[i].update({RATE: rate, SCORED: n_scored, BY: key.key()})


def run(args: argparse.Namespace) -> int:
    try:
        data, out, scored_path, (lo, hi) = _check(args)
        settings, key = _settings(args)
        raw = read_rows(data)
        if not raw:
            raise FilterError(f"DATA: {data} has no rows")
        schema = _schema_rows(raw, args.adapter, args.system_prompt)
    except (FilterError, ValueError, OSError) as e:
        print(f"filter error: {e}", file=sys.stderr)
        return 2
    bad = sum(r is None for r in schema)
    if bad == len(raw):
        print(f"filter error: DATA: none of the {len(raw)} rows is usable with adapter {args.adapter}", file=sys.stderr)
        return 2
    if passrate.reusable([r for r, s in zip(raw, schema) if s is not None], settings=key):
        print(f"pass rates already in {data}, computed with the same model and settings: no generation")
    else:
        previous = passrate.previous_settings(raw)
        if previous:
            print(f"pass rates in {data} were computed with other settings ({previous}); computing them again")
        _compute(args, raw, schema, settings, key)
    verified = [r for r, s in zip(raw, schema) if s is not None and r.get(SCORED) is not None]
    unscored = sum(args.n - r[SCORED] for r in verified)
    if verified and unscored > args.max_unscored * args.n * len(verified):
        print(f"filter failed: {unscored} of {args.n * len(verified)} samples could not be scored "
              f"(infrastructure; more than --max-unscored {args.max_unscored}); nothing written", file=sys.stderr)
        return 1
    usable = [r for r, s in zip(raw, schema) if s is not None]
    sel = passrate.select(usable, lo, hi, args.drop_unjudged)
    write_rows(scored_path, usable)
    write_rows(out, sel.kept)
    print(f"kept {len(sel.kept)} of {len(raw)} rows with pass rate in [{lo}, {hi}] -> {out} | below {sel.below}, "
          f"above {sel.above}, unscored {sel.unscored}, no verifier {sel.unjudged} "
          f"({'dropped' if args.drop_unjudged else 'kept'}), unusable {bad} | every row with its rate -> {scored_path}")
    return 0
