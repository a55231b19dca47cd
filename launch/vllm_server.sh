#!/usr/bin/env bash
# vLLM server mode on one node: `trl vllm-serve` on dedicated GPUs, training on the rest.
#   launch/vllm_server.sh CONFIG.yaml [--set key=value ...]
# Env: VLLM_GPUS (default 0), TRAIN_GPUS (default: the other GPUs), VLLM_TP (tensor parallel, default: number of
#      VLLM_GPUS), VLLM_PORT (8000), ACCEL (configs/accelerate/zero3.yaml), MODEL (default: the config's model),
#      VLLM_TIMEOUT (seconds to wait for the server, 1800).
# The server only needs the architecture and tokenizer of the stage's model: the trainer pushes its current
# weights to it before generating, so one server serves every stage of the pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:?usage: $0 CONFIG.yaml [--set key=value ...]}; shift
PY=${VENV:-.venv}/bin/python
NGPU=$(nvidia-smi -L | wc -l)
VLLM_GPUS=${VLLM_GPUS:-0}
TRAIN_GPUS=${TRAIN_GPUS:-$(seq -s, 0 $((NGPU - 1)) | tr ',' '\n' | grep -vxF -f <(tr ',' '\n' <<<"$VLLM_GPUS") | paste -sd,)}
VLLM_TP=${VLLM_TP:-$(tr ',' '\n' <<<"$VLLM_GPUS" | wc -l)}
VLLM_PORT=${VLLM_PORT:-8000}
MODEL=${MODEL:-$("$PY" - "$CONFIG" "$@" <<'PY'
import sys
from rl.config import ConfigError, load_pipeline_config
args = sys.argv[2:]
try:
    print(load_pipeline_config(sys.argv[1], [args[i + 1] for i, a in enumerate(args) if a == "--set"]).model)
except ConfigError as e:
    sys.exit(f"config error: {e}")
PY
)}
NTRAIN=$(tr ',' '\n' <<<"$TRAIN_GPUS" | wc -l)

echo "[vllm] serving $MODEL on GPUs $VLLM_GPUS (tp=$VLLM_TP, port $VLLM_PORT); training on GPUs $TRAIN_GPUS"
CUDA_VISIBLE_DEVICES=$VLLM_GPUS ${VENV:-.venv}/bin/trl vllm-serve --model "$MODEL" --tensor-parallel-size "$VLLM_TP" \
  --host 127.0.0.1 --port "$VLLM_PORT" > "vllm_server.$VLLM_PORT.log" 2>&1 &
VLLM_PID=$!
trap 'kill $VLLM_PID 2>/dev/null; wait $VLLM_PID 2>/dev/null' EXIT
deadline=$(( $(date +%s) + ${VLLM_TIMEOUT:-1800} ))
until curl -sf --max-time 10 "http://127.0.0.1:$VLLM_PORT/health" >/dev/null; do   # the path TRL's client polls
  kill -0 $VLLM_PID 2>/dev/null || { echo "[vllm] server exited; see vllm_server.$VLLM_PORT.log" >&2; exit 1; }
  [ "$(date +%s)" -lt "$deadline" ] || { echo "[vllm] not ready after ${VLLM_TIMEOUT:-1800}s" >&2; exit 1; }
  sleep 5
done
echo "[vllm] ready"
CUDA_VISIBLE_DEVICES=$TRAIN_GPUS NPROC=$NTRAIN launch/train_multi_gpu.sh "$CONFIG" \
  --set grpo_defaults.use_vllm=true \
  --set grpo_defaults.vllm_mode=server \
  --set grpo_defaults.vllm_server_base_url="http://127.0.0.1:$VLLM_PORT" \
  "$@"
