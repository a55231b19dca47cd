#!/usr/bin/env bash
# vLLM generation in colocate mode: every training process runs its own vLLM engine on its GPU, sharing memory
# with training (vLLM sleeps during the optimizer step). Simplest setup; fits up to ~14B on 80 GB GPUs with ZeRO-3.
#   launch/vllm_colocate.sh CONFIG.yaml [--set key=value ...]
# Env: ACCEL (default configs/accelerate/zero3.yaml), NPROC, VLLM_MEM (fraction of GPU memory for vLLM, 0.3).
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:?usage: $0 CONFIG.yaml [--set key=value ...]}; shift
exec launch/train_multi_gpu.sh "$CONFIG" \
  --set grpo_defaults.use_vllm=true \
  --set grpo_defaults.vllm_mode=colocate \
  --set grpo_defaults.vllm_gpu_memory_utilization="${VLLM_MEM:-0.3}" \
  --set grpo_defaults.vllm_enable_sleep_mode=true \
  "$@"
