"""`python -m rl.demo data|coldstart|suite|report ...`: the learning demo's command line (see `rl.demo`)."""

from __future__ import annotations

import argparse
import sys

from rl.demo.data import FAMILIES


def _data(args: argparse.Namespace) -> None:
    from rl.demo.data import draw_items, keys_of, write_rows

    exclude = keys_of(args.exclude) if args.exclude else set()
    count = write_rows(args.out, draw_items(args.task, args.seed, args.n, exclude))
    print(f"[demo data] {count} {args.task} rows (seed {args.seed}) -> {args.out}", file=sys.stderr)


def _coldstart(args: argparse.Namespace) -> None:
    from rl.demo.coldstart import ColdStartConfig, build
    from rl.demo.data import keys_of

    cfg = ColdStartConfig(sft_seed=args.sft_seed, calib_seed=args.calib_seed, max_steps=args.max_steps,
                          eval_every=args.eval_every)
    record = build(args.out, cfg, keys_of(args.exclude) if args.exclude else set(), seed=args.seed,
                   reward_model_dir=args.reward_model)
    chosen = record["chosen"]
    status = "inside every band" if record["in_band"] else "closest to the bands (none was inside)"
    print(f"[demo cold start] step {chosen['step']}, {status}: "
          + " ".join(f"{t}={a:.2f}" for t, a in chosen["accuracy"].items()) + f" -> {args.out}")


def _report(args: argparse.Namespace) -> None:
    from rl.demo.report import summary, write_report

    record = write_report(args.out, args.run)
    print(summary(record))
    print(f"[demo report] {args.out}/learning.json, {args.out}/learning.png; targets "
          + ("all met" if record["all_met"] else "NOT all met"))


def _suite(args: argparse.Namespace) -> None:
    from rl.demo.suite import write_suite

    print(write_suite(args.data, args.out))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rl.demo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("data", help="draw N rows of one task family in the row schema")
    p.add_argument("--seed", type=int, required=True, help="every seed is its own stream over the same distribution")
    p.add_argument("--n", type=int, required=True, help="number of rows (distinct problems)")
    p.add_argument("--task", required=True, choices=sorted(FAMILIES))
    p.add_argument("--out", required=True, help="output .jsonl")
    p.add_argument("--exclude", nargs="*", default=[], metavar="JSONL",
                   help="skip problems that appear in these row files (e.g. the held-out rows)")
    p.set_defaults(func=_data)
    p = sub.add_parser("coldstart", help="build the calibrated cold-start checkpoint")
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--exclude", nargs="*", default=[], metavar="JSONL", help="rows SFT must never see (held-out)")
    p.add_argument("--reward-model",
                   help="also train the tiny reward model (same tokenizer; rl.demo.preference) into this folder")
    p.add_argument("--sft-seed", type=int, default=3)
    p.add_argument("--calib-seed", type=int, default=2)
    p.add_argument("--seed", type=int, default=0, help="model initialisation and SFT order")
    p.add_argument("--max-steps", type=int, default=800, help="SFT step budget (the closest point is kept)")
    p.add_argument("--eval-every", type=int, default=50)
    p.set_defaults(func=_coldstart)
    p = sub.add_parser("suite", help="the learn_cpu eval suite with its sources in a data folder")
    p.add_argument("--data", required=True, help="folder holding heldout_{math,code,general}.jsonl")
    p.add_argument("--out", required=True, help="suite YAML to write")
    p.set_defaults(func=_suite)
    p = sub.add_parser("report", help="write learning.json and the plot for an evaluated demo pipeline run")
    p.add_argument("--run", required=True, help="the pipeline output_dir (evaluated in-pipeline: <run>/eval/)")
    p.add_argument("--out", required=True, help="folder for learning.json and learning.png")
    p.set_defaults(func=_report)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (ValueError, OSError) as e:
        parser.exit(2, f"rl.demo {args.command}: {e}\n")


if __name__ == "__main__":
    main()
