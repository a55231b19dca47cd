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
# Per-GPU memory estimate for this world size and sharding (python -m rl plan): a warning unless PLAN_STRICT=1.
GPU_MEM=${GPU_MEM:-$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits | head -1 \
  | awk '{printf "%.0f", $1 * 1.048576 / 1000}')}
plan_status=0
"$PY" -m rl plan "$CONFIG" --gpus "$NPROC" --gpu-mem "$GPU_MEM" --accel "$ACCEL" "$@" || plan_status=$?
if [ "$plan_status" = 3 ]; then
  [ "${PLAN_STRICT:-0}" != 1 ] || { echo "[launch] stopping: the memory plan says a stage can't fit" >&2; exit 3; }
  echo "[launch] WARNING: the memory plan above says a stage can't fit; launching anyway (PLAN_STRICT=1 stops)" >&2
elif [ "$plan_status" != 0 ]; then
  echo "[launch] no memory plan (see above); launching anyway" >&2
fi
exec "$PY" -m accelerate.commands.launch --config_file "$ACCEL" --num_processes "$NPROC" \
  -m rl train "$CONFIG" "$@"
