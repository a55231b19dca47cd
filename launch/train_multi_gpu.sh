#!/usr/bin/env bash
# Multi-GPU training on one node with accelerate:
#   launch/train_multi_gpu.sh CONFIG.yaml [--set key=value ...]
# Env: ACCEL=configs/accelerate/zero3.yaml (single_process | ddp | zero2 | zero3), NPROC (default: all GPUs),
#      GPU_MEM (GB per GPU, default: nvidia-smi's), PLAN_STRICT=1 (stop when `rl plan` says a stage can't fit).
# Generation uses the stage's settings: HF generate by default, or vLLM with --set grpo_defaults.use_vllm=true
# --set grpo_defaults.vllm_mode=colocate (see launch/vllm_colocate.sh) or a vLLM server (launch/vllm_server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:?usage: $0 CONFIG.yaml [--set key=value ...]}; shift
ACCEL=${ACCEL:-configs/accelerate/zero3.yaml}
NPROC=${NPROC:-$(nvidia-smi -L | wc -l)}
PY=${VENV:-.venv}/bin/python
# Fail fast on config errors (batch divisibility is checked for this world size), before any GPU work.
WORLD_SIZE=$NPROC "$PY" -m rl train "$CONFIG" --check "$@"
# Per-GPU memory estimate for this world size and sharding: a warning, or a stop with PLAN_STRICT=1.
launch/plan_check.sh "$PY" "$CONFIG" "$NPROC" "$ACCEL" "$@" || exit
exec "$PY" -m accelerate.commands.launch --config_file "$ACCEL" --num_processes "$NPROC" \
  -m rl train "$CONFIG" "$@"
