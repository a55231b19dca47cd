"""`python -m rl train CONFIG.yaml [--set key=value ...]` (console scripts `rlvr train` and `rlvr-train`), `python -m rl eval ...`
(`rl.eval.cli`), `python -m rl report OUTPUT_DIR` (`rl.report.cli`) and `python -m rl filter DATA --model M ...`
(`rl.filter.cli`: pass-rate filtering).

The config is fully validated before anything heavy is imported or any model loads; a config error prints one
line (`config error: <key path>: <what is wrong>`) on stderr and exits with status 2, as every user error does
(data, preflight, a changed stage, a full disk; `rl.failures` lists the exit statuses). A failed eval gate between
stages (`eval.gate`) exits with status 3, naming the benchmark, both pass@1 values and max_drop.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rl", description="Outcome-reward GRPO pipeline (QwQ recipe).")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="run a pipeline config (stages in order; resumes and skips finished ones)")
    train.add_argument("config", help="pipeline YAML, or the name of a shipped one (e.g. smoke_cpu, qwq_32b)")
    train.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a config value, e.g. --set stages.0.grpo.max_steps=10 (repeatable)")
    train.add_argument("--check", action="store_true",
                       help="only validate: the config, then every stage's rows, local paths, hub ids and output_dir "
                            "(rl.preflight); then exit")
    train.add_argument("--debug", action="store_true",
                       help="also print the traceback of a user error (config, data, preflight, disk full, ...)")
    from rl.eval.cli import add_parser as add_eval_parser
    from rl.filter.cli import add_parser as add_filter_parser
    from rl.plan.cli import add_parser as add_plan_parser
    from rl.report.cli import add_parser as add_report_parser

    add_eval_parser(sub)
    add_report_parser(sub)
    add_plan_parser(sub)
    add_filter_parser(sub)
    return parser


def _quiet_logging() -> None:
    """Warnings from libraries, info from the project's own packages."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("rl", "rewards", "sandbox"):
        logging.getLogger(name).setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = _parser().parse_args(argv)
    if args.command in ("eval", "report", "plan", "filter"):
        import importlib

        _quiet_logging()
        return importlib.import_module(f"rl.{args.command}.cli").run(args)
    from rl.failures import run_reporting

    stops: list = []  # the run's SIGTERM state, once installed (rl.signals)
    return run_reporting(lambda: _train(args, stops), args.debug, lambda: stops[0].line() if stops else None)


def _train(args: argparse.Namespace, stops: list) -> int:
    """`rl train`: validate (config, then `rl.preflight`), then run. Errors are reported by `rl.failures`."""
    from rl.config import load_pipeline_config

    config = load_pipeline_config(args.config, args.overrides)
    if args.check:
        from rl.preflight import preflight

        findings = preflight(config, check_only=True)
        for line in findings.notes:
            print(f"  {line}")
        for line in findings.warnings:
            print(f"warning: {line}", file=sys.stderr)
        print(f"config ok: {args.config} ({len(config.stages)} stages: {', '.join(s.name for s in config.stages)})")
        return 0
    _quiet_logging()
    from rl.eval.gate import GateFailed
    from rl.pipeline import run_pipeline
    from rl.signals import sigterm_stop

    with sigterm_stop(config.on_sigterm) as stop:
        stops.append(stop)
        try:
            run_pipeline(config)
        except GateFailed as e:
            print(f"gate failed: {e}", file=sys.stderr)
            return 3
    return 0


def train_main(argv: Sequence[str] | None = None) -> int:
    """Console script `rlvr-train CONFIG.yaml [--set key=value ...] [--check]`, the same as `python -m rl train`."""
    return main(["train", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
