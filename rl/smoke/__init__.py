"""CPU smoke support: the tiny cold-start checkpoint (`python -m rl.smoke OUT_DIR`)."""
