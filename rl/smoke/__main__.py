"""`python -m rl.smoke OUT_DIR [--steps N] [--force]`: build the tiny cold-start checkpoint for smoke runs."""

import argparse

from rl.smoke.build import build_cold_start

parser = argparse.ArgumentParser(prog="python -m rl.smoke", description=__doc__)
parser.add_argument("out_dir", help="where to write cold_start/ and reward_model/ (e.g. runs/smoke_ckpt)")
parser.add_argument("--steps", type=int, default=120, help="SFT steps on synthetic reasoning traces")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--force", action="store_true", help="rebuild even if already built")
args = parser.parse_args()
build_cold_start(args.out_dir, steps=args.steps, seed=args.seed, force=args.force)
