"""`python -m rl report OUTPUT_DIR [--out FILE]`: write the run report (default `OUTPUT_DIR/report.html`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    """Register the `report` subcommand on an argparse subparsers object."""
    p = sub.add_parser("report", help="write a self-contained HTML report of a pipeline run (or an eval folder)")
    p.add_argument("output_dir", help="a pipeline output_dir, or an `rl eval --out` folder")
    p.add_argument("--out", help="HTML file to write (default OUTPUT_DIR/report.html)")


def write_report(output_dir: str | Path, out: str | Path | None = None) -> Path:
    """Collect, render and write the report; returns the HTML file's path."""
    from rl.report.collect import collect
    from rl.report.page import render

    path = Path(out) if out else Path(output_dir) / "report.html"
    path.write_text(render(collect(output_dir)), encoding="utf-8")
    return path


def run(args: argparse.Namespace) -> int:
    try:
        path = write_report(args.output_dir, args.out)
    except FileNotFoundError as e:
        print(f"report error: {e}", file=sys.stderr)
        return 2
    print(f"report -> {path}")
    return 0
