#!/usr/bin/env bash
# CPU smoke of the whole pipeline (the README's main command): set up, build the tiny cold-start checkpoint
# (tokenizer + tiny Qwen2 + short SFT on synthetic QwQ-format traces, plus a tiny reward model), then run
# configs/pipeline/smoke_cpu.yaml: stage 1 (math verifier + code through an embedded sandbox server) and stage 2
# (rule checks + reward model, math/code replayed). Under 10 minutes on 2 cores.
#
# Env:  NPROC=2        run with 2 processes (torchrun, gloo backend) instead of 1
#       SMOKE_DIR=runs where the checkpoint (SMOKE_DIR/smoke_ckpt) and the run (SMOKE_DIR/smoke) go
#       RESUME=1       keep an existing run folder (finished stages are skipped, an interrupted one resumes);
#                      by default the run starts fresh (the checkpoint is reused once built)
# Extra arguments are passed to `python -m rl train`, e.g. --set stages.reasoning.grpo.max_steps=4
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/setup.sh
PY=${VENV:-.venv}/bin/python
SMOKE_DIR=${SMOKE_DIR:-runs}
NPROC=${NPROC:-1}
# Tiny models gain nothing from intra-op threads, and lose a lot to them on a busy machine.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

"$PY" -m rl.smoke "$SMOKE_DIR/smoke_ckpt"
[ "${RESUME:-0}" = 1 ] || rm -rf "$SMOKE_DIR/smoke"
args=(train configs/pipeline/smoke_cpu.yaml
      --set "model=$SMOKE_DIR/smoke_ckpt/cold_start"
      --set "output_dir=$SMOKE_DIR/smoke"
      --set "stages.general.rewards.reward_model.kwargs.model=$SMOKE_DIR/smoke_ckpt/reward_model"
      "$@")
start=$(date +%s)
if [ "$NPROC" -gt 1 ]; then
  "$PY" -m torch.distributed.run --standalone --nproc_per_node "$NPROC" -m rl "${args[@]}"
else
  "$PY" -m rl "${args[@]}"
fi
echo "[smoke] pipeline finished in $(( $(date +%s) - start ))s; outputs in $SMOKE_DIR/smoke/{reasoning,general}/"
