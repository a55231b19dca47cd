"""Memory planning before launch: `python -m rl plan CONFIG --gpus N --gpu-mem 80` (see `rl.plan.memory`)."""
