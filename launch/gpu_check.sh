#!/usr/bin/env bash
# One-command check of the GPU paths, about 8 minutes on one GPU, with no hub access (every model is built locally):
#   bash launch/gpu_check.sh [OUT]        (default OUT=runs/gpu_check; set up first with GPU=1 bash launch/setup.sh)
# Writes OUT/gpu_check.md, a PASS/FAIL/SKIP table (logs in OUT/logs/), and prints it. Checks:
#   versions            the installed stack against the pinned GPU matrix
#   build-models        the tiny smoke checkpoint + reward model, and a Qwen2.5-0.5B-shaped random model for vLLM
#                       (vLLM may reject the tiny model's head size)
#   bf16-smoke          both smoke stages in bf16 on CUDA, the reward model on CUDA
#   flash-attention-2   FlashAttention-2 against sdpa (SKIP when flash-attn is not installed)
#   zero3-lora-rm       DeepSpeed ZeRO-3, one process, LoRA, both stages (the reward model in stage 2)
#   vllm-colocate       both stages with vLLM colocated (sleep mode) on the 0.5B-shaped model
#   vllm-serve          `trl vllm-serve` and a generation round trip through TRL's client
#   vllm-weight-push    a weight push that changes greedy outputs and a push back that restores them (needs a second
#                       GPU: NCCL cannot put both ends of the group on one device)
#   rl-eval-vllm        `rl eval` with the vLLM backend on the smoke suite
# Exit status: 0 when nothing FAILs (SKIPs are fine), 1 otherwise. Without a CUDA GPU every GPU row is SKIP, exit 0.
# Env: PYTHON (default .venv/bin/python), VLLM_PORT (8011).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUT=${1:-runs/gpu_check}
PY=${PYTHON:-${VENV:-.venv}/bin/python}
BIN=$(dirname "$PY")
PORT=${VLLM_PORT:-8011}
mkdir -p "$OUT/logs"
export OUT PY OMP_NUM_THREADS=${OMP_NUM_THREADS:-4} HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export PYTORCH_CUDA_ALLOC_CONF=${PYTORCH_CUDA_ALLOC_CONF:-expandable_segments:True}
GPU_ROWS=(build-models bf16-smoke flash-attention-2 zero3-lora-rm vllm-colocate vllm-serve vllm-weight-push rl-eval-vllm)
ROWS=()
SERVER_PID=

record() {  # NAME STATUS SECONDS DETAIL
  local detail=${4//|/\\|}
  ROWS+=("| $1 | $2 | $3 | $detail |")
  printf '[gpu-check] %-18s %-4s %4ss  %s\n' "$1" "$2" "$3" "$4"
}

step() {  # NAME LIMIT_S COMMAND...: exit 0 PASS, 77 SKIP (last line: why), 124/137 timeout, else FAIL
  local name=$1 limit=$2 start=$SECONDS status detail log
  shift 2
  log="$OUT/logs/$name.log"
  timeout --kill-after=20 "$limit" "$@" >"$log" 2>&1
  status=$?
  detail=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 | cut -c1-240)
  case $status in
    0) record "$name" PASS $((SECONDS - start)) "$detail" ;;
    77) record "$name" SKIP $((SECONDS - start)) "${detail#SKIP: }" ;;
    124|137) record "$name" FAIL $((SECONDS - start)) "timed out after ${limit}s (log: $log)" ;;
    *) record "$name" FAIL $((SECONDS - start)) "$detail (log: $log)" ;;
  esac
  return "$status"
}

finish() {
  [ -z "$SERVER_PID" ] || { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  {
    echo "# GPU check, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "| check | status | seconds | detail |"
    echo "| --- | --- | --- | --- |"
    printf '%s\n' "${ROWS[@]}"
  } >"$OUT/gpu_check.md"
  echo
  cat "$OUT/gpu_check.md"
  if printf '%s\n' "${ROWS[@]}" | grep -q '| FAIL |'; then exit 1; fi
  exit 0
}
trap 'finish' EXIT
trap 'exit 130' INT TERM

step versions 180 "$PY" -m rl.gpu_check versions
if ! "$PY" -c "import sys, torch; sys.exit(not torch.cuda.is_available())" 2>/dev/null; then
  for row in "${GPU_ROWS[@]}"; do record "$row" SKIP 0 "no CUDA GPU"; done
  exit 0
fi
NGPU=$("$PY" -c "import torch; print(torch.cuda.device_count())")

SMOKE=(configs/pipeline/smoke_cpu.yaml
       --set "stages.general.rewards.reward_model.kwargs.model=$OUT/smoke_ckpt/reward_model"
       --set stages.general.rewards.reward_model.kwargs.device=auto
       --set stages.general.rewards.reward_model.kwargs.dtype=bfloat16
       --set model_options.dtype=bfloat16
       --set stages.reasoning.grpo.max_steps=2 --set stages.general.grpo.max_steps=2)
VLLM_MODEL=$OUT/qwen05_random

if ! step build-models 300 bash -c '"$PY" -m rl.smoke "$OUT/smoke_ckpt" &&
    "$PY" -m rl.gpu_check build-vllm-model "$OUT/qwen05_random" "$OUT/smoke_ckpt/cold_start"'; then
  for row in "${GPU_ROWS[@]:1}"; do record "$row" SKIP 0 "the local models could not be built"; done
  exit
fi

rm -rf "$OUT/bf16" "$OUT/zero3_lora" "$OUT/colocate" "$OUT/eval"
step bf16-smoke 360 bash -c '"$PY" -m rl train "$@" && "$PY" -m rl.gpu_check check-run "$OUT/bf16" reasoning general' \
  _ "${SMOKE[@]}" --set "model=$OUT/smoke_ckpt/cold_start" --set "output_dir=$OUT/bf16"

step flash-attention-2 180 "$PY" -m rl.gpu_check flash-attn "$VLLM_MODEL"

step zero3-lora-rm 420 bash -c '"$PY" -m accelerate.commands.launch --config_file configs/accelerate/zero3.yaml \
    --num_processes 1 -m rl train "$@" && "$PY" -m rl.gpu_check check-run "$OUT/zero3_lora" reasoning general' \
  _ "${SMOKE[@]}" --set "model=$OUT/smoke_ckpt/cold_start" --set "output_dir=$OUT/zero3_lora" \
  --set 'model_options.lora={r: 8, alpha: 16, dropout: 0.0}'

step vllm-colocate 480 bash -c '"$PY" -m torch.distributed.run --standalone --nproc_per_node 1 -m rl train "$@" &&
    "$PY" -m rl.gpu_check check-run "$OUT/colocate" reasoning general' \
  _ "${SMOKE[@]}" --set "model=$VLLM_MODEL" --set "output_dir=$OUT/colocate" \
  --set grpo_defaults.use_vllm=true --set grpo_defaults.vllm_mode=colocate \
  --set grpo_defaults.vllm_gpu_memory_utilization=0.3 --set grpo_defaults.vllm_enable_sleep_mode=true \
  --set grpo_defaults.vllm_max_model_length=1024

# trl vllm-serve on GPU 0; the client (and its weight push) on GPU 1 when there is one.
CUDA_VISIBLE_DEVICES=0 timeout 900 "$BIN/trl" vllm-serve --model "$VLLM_MODEL" --host 127.0.0.1 --port "$PORT" \
  --gpu-memory-utilization 0.3 --max-model-len 1024 --enforce-eager >"$OUT/logs/vllm-serve.server.log" 2>&1 &
SERVER_PID=$!
wait_ready() {
  local deadline=$((SECONDS + 300))
  until curl -sf --max-time 5 "http://127.0.0.1:$PORT/health" >/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server exited (log: $OUT/logs/vllm-serve.server.log)"; return 1; }
    [ $SECONDS -lt $deadline ] || { echo "not ready after 300 s (log: $OUT/logs/vllm-serve.server.log)"; return 1; }
    sleep 3
  done
}
export -f wait_ready
export PORT SERVER_PID
if step vllm-serve 360 bash -c 'wait_ready && "$PY" -m rl.gpu_check vllm-serve "http://127.0.0.1:$PORT" "$1"' \
    _ "$VLLM_MODEL"; then
  if [ "$NGPU" -ge 2 ]; then
    step vllm-weight-push 240 env CUDA_VISIBLE_DEVICES=1 "$PY" -m rl.gpu_check vllm-serve \
      "http://127.0.0.1:$PORT" "$VLLM_MODEL" --push
  else
    record vllm-weight-push SKIP 0 "needs a second GPU (NCCL cannot put the trainer and the server on one device)"
  fi
else
  record vllm-weight-push SKIP 0 "the server did not come up"
fi
kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=

if "$PY" -m rl eval --help >/dev/null 2>&1; then
  step rl-eval-vllm 360 bash -c '"$PY" -m rl eval "$1" --suite smoke_cpu --out "$OUT/eval" \
      --set generation.backend=vllm && test -s "$OUT/eval/results.json" && echo "results: $OUT/eval/results.json"' \
    _ "$VLLM_MODEL"
else
  record rl-eval-vllm SKIP 0 "rl eval is not available in this checkout"
fi
