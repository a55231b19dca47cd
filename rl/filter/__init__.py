"""Offline pass-rate filtering: `python -m rl filter` (`rl.filter.cli`, `rl.filter.passrate`)."""
