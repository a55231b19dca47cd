"""Evaluation: `python -m rl eval` (see `rl.eval.cli` and the README)."""
