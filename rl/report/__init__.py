"""The run report: `python -m rl report OUTPUT_DIR` (see `rl.report.cli`)."""
