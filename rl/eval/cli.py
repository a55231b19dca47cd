"""`python -m rl eval MODEL... --suite SUITE [--out DIR] [--set key=value ...]` and `--score SAMPLES.jsonl`.

Exit status: 0 on success; 2 for a config or input error (bad suite key, unknown benchmark, bad SAMPLES line, a
MODEL that is not a model), reported on one line before any model loads; 1 when the evaluation cannot report a
trustworthy number (too many unscored samples).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

DEFAULT_OUT = "runs/eval"


def add_parser(sub: Any) -> None:
    """Register the `eval` subcommand on an argparse subparsers object."""
    p = sub.add_parser("eval", help="evaluate models (or existing completions) on a benchmark suite")
    p.add_argument("models", nargs="*", metavar="MODEL",
                   help="hub id, local model folder, or pipeline output_dir (its input model and finished stages)")
    p.add_argument("--suite", required=True, help="suite name under configs/eval/ (e.g. qwq, smoke_cpu) or a path")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a suite value, e.g. --set benchmarks.aime24.n=4 (repeatable)")
    p.add_argument("--score", metavar="SAMPLES.jsonl",
                   help='score existing completions (lines {"benchmark", "id", "completions"}); no model loads')


def run(args: argparse.Namespace) -> int:
    """Run `rl eval` from parsed arguments; returns the exit status."""
    from rl.config_checks import ConfigError
    from rl.data.loading import DataError
    from rl.eval.suite import load_suite
    from rl.eval.targets import TargetError, resolve_targets

    if bool(args.models) == bool(args.score):
        print("eval error: give MODEL arguments or --score SAMPLES.jsonl (one of the two)", file=sys.stderr)
        return 2
    try:
        suite = load_suite(args.suite, args.overrides)
        targets = resolve_targets(args.models) if args.models else []
    except (ConfigError, TargetError) as e:
        print(f"config error: {e}", file=sys.stderr)
        return 2
    from rl.eval.benchmarks import load_benchmark
    from rl.eval.results import Store, format_table
    from rl.eval.runner import EvalError, Evaluator, Subject
    from rl.eval.score_input import SamplesError, read_samples

    try:
        benchmarks = {b.name: load_benchmark(b) for b in suite.benchmarks}
        subjects = ([read_samples(args.score, benchmarks)] if args.score else
                    [Subject(label=t.label, fingerprint=t.fingerprint, model=t.model) for t in targets])
    except (DataError, SamplesError) as e:
        print(f"input error: {e}", file=sys.stderr)
        return 2
    evaluator = Evaluator(suite, Store(args.out), benchmarks)
    try:
        results = evaluator.run(subjects, on_result=lambda label, name, m: print(
            f"[eval] {label} / {name}: pass@1 {m['pass@1']:.3f} ({m['n_prompts']} prompts x {m['n_samples']}, "
            f"{m['unscored']} unscored)", flush=True))
    except EvalError as e:
        print(f"eval failed: {e}", file=sys.stderr)
        return 1
    print(format_table(results))
    print(f"results -> {evaluator.store.root / 'results.json'}, samples -> {evaluator.store.root / 'samples.parquet'}")
    return 0
