#!/usr/bin/env bash
# The memory plan before a launch (python -m rl plan), shared by train_multi_gpu.sh and slurm_multinode.sbatch:
#   launch/plan_check.sh PY CONFIG GPUS ACCEL [--set key=value ...]
# Prints the per-GPU estimate for GPUS training processes with ACCEL's sharding. A stage that can't fit is a warning,
# or, with PLAN_STRICT=1, exit status 3. Env: GPU_MEM (GB per GPU; default: nvidia-smi's first GPU), PLAN_STRICT.
set -uo pipefail
[ $# -ge 4 ] || { echo "usage: $0 PY CONFIG GPUS ACCEL [--set key=value ...]" >&2; exit 2; }
PY=$1 CONFIG=$2 GPUS=$3 ACCEL=$4
shift 4
GPU_MEM=${GPU_MEM:-$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits 2>/dev/null | head -n 1 \
  | awk '{printf "%.0f", $1 * 1.048576 / 1000}')}
if [ -z "$GPU_MEM" ]; then
  echo "[plan] no memory plan: GPU memory unknown (set GPU_MEM, in GB)" >&2
  exit 0
fi
"$PY" -m rl plan "$CONFIG" --gpus "$GPUS" --gpu-mem "$GPU_MEM" --accel "$ACCEL" "$@"
status=$?
if [ "$status" = 3 ]; then
  [ "${PLAN_STRICT:-0}" != 1 ] || { echo "[plan] stopping: the memory plan says a stage can't fit" >&2; exit 3; }
  echo "[plan] WARNING: the memory plan above says a stage can't fit; launching anyway (PLAN_STRICT=1 stops)" >&2
elif [ "$status" != 0 ]; then
  echo "[plan] no memory plan (see above); launching anyway" >&2
fi
exit 0
