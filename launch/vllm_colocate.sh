#!/usr/bin/env bash
# vLLM generation in colocate mode: every training process runs a vLLM engine on its GPU, sharing memory with
# training (sleep mode frees vLLM's memory during the training step). vLLM's share (VLLM_MEM x the GPU's memory)
# must hold the bf16 weights / VLLM_TP plus the KV cache of at least one full-length sequence: on 80 GB GPUs,
# <= 7B at VLLM_MEM 0.3; 14B (29.6 GB of weights) needs VLLM_MEM >= 0.45 or VLLM_TP=2; 32B: use server mode.
# `python -m rl plan CONFIG --gpus N --set grpo_defaults.use_vllm=true --set grpo_defaults.vllm_mode=colocate`
# checks it (train_multi_gpu.sh runs the plan before launching).
#   launch/vllm_colocate.sh CONFIG.yaml [--set key=value ...]
# Env: ACCEL (default configs/accelerate/zero3.yaml), NPROC, VLLM_MEM (fraction of each GPU for vLLM, 0.3),
#      VLLM_TP (tensor parallel size of each vLLM engine, across neighbouring training GPUs, 1).
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:?usage: $0 CONFIG.yaml [--set key=value ...]}; shift
exec launch/train_multi_gpu.sh "$CONFIG" \
  --set grpo_defaults.use_vllm=true \
  --set grpo_defaults.vllm_mode=colocate \
  --set grpo_defaults.vllm_gpu_memory_utilization="${VLLM_MEM:-0.3}" \
  --set grpo_defaults.vllm_tensor_parallel_size="${VLLM_TP:-1}" \
  --set grpo_defaults.vllm_enable_sleep_mode=true \
  "$@"
