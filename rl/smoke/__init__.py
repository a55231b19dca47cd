"""CPU smoke support: `tiny` (tiny local tokenizer, policy and reward model, no hub access) and the tiny cold-start
checkpoint built from them (`python -m rl.smoke OUT_DIR`)."""
