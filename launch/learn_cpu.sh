#!/usr/bin/env bash
# The CPU learning demonstration (README, "Does it learn?"; shared design section 7): on 2 CPU cores,
#   1. draw the rows: held-out rows first, then training rows that exclude the held-out problems (rl.demo data);
#   2. build the cold start: a short SFT of a ~1M-parameter Qwen2, stopped at the first checkpoint that is partly
#      competent on every family (calibration rows of their own seed; rl.demo coldstart), plus a tiny reward model;
#   3. run configs/pipeline/learn_cpu.yaml with `rl train`: stage 1 (math + code, verifiers and sandbox) and stage 2
#      (rule checks + reward model, math and code replayed);
#   4. evaluate the cold start and both stages on the held-out rows with `rl eval` (configs/eval/learn_cpu.yaml);
#   5. write OUT/learning.json and OUT/learning.png, check the targets and gate stage 2 on math and code.
# Exit status: 0 when stage 2 passes its gate (math and code within MAX_DROP of stage 1); 3 when it does not.
#
# Usage: bash launch/learn_cpu.sh [OUT]      (default OUT=runs/learn; the folder is rebuilt from scratch)
# Env:   SEED=0        offsets every seed (rows, SFT, training); runs with different SEEDs share no seed
#        N_HELDOUT=200 held-out prompts per family (4 samples each)
#        SKIP_SETUP=1  do not run launch/setup.sh
# Extra arguments after OUT go to `rl train` (e.g. --set stages.reasoning.grpo.max_steps=50).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SKIP_SETUP:-0}" = 1 ] || bash launch/setup.sh
PY=${VENV:-.venv}/bin/python
OUT=${1:-runs/learn}
[ $# -gt 0 ] && shift
SEED=${SEED:-0}
N_HELDOUT=${N_HELDOUT:-200}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
# Disjoint seeds per role: held-out, calibration, SFT, RL training.
S_HELDOUT=$((10 * SEED + 1)); S_CALIB=$((10 * SEED + 2)); S_SFT=$((10 * SEED + 3)); S_TRAIN=$((10 * SEED + 4))
D="$OUT/data"
start=$(date +%s)
log() { echo "[learn $(( $(date +%s) - start ))s] $*"; }

rm -rf "$OUT"
mkdir -p "$D"
for task in math code general; do
  "$PY" -m rl.demo data --task "$task" --seed "$S_HELDOUT" --n "$N_HELDOUT" --out "$D/heldout_$task.jsonl"
done
held=("$D"/heldout_{math,code,general}.jsonl)
"$PY" -m rl.demo data --task math --seed "$S_TRAIN" --n 2000 --out "$D/train_math.jsonl" --exclude "${held[@]}"
"$PY" -m rl.demo data --task code --seed "$S_TRAIN" --n 2000 --out "$D/train_code.jsonl" --exclude "${held[@]}"
"$PY" -m rl.demo data --task general --seed "$S_TRAIN" --n 1000 --out "$D/train_general.jsonl" --exclude "${held[@]}"
log "rows drawn"

"$PY" -m rl.demo coldstart --out "$OUT/cold_start" --reward-model "$OUT/reward_model" --exclude "${held[@]}" \
  --sft-seed "$S_SFT" --calib-seed "$S_CALIB" --seed "$SEED"
log "cold start built"

"$PY" -m rl train configs/pipeline/learn_cpu.yaml \
  --set "model=$OUT/cold_start" --set "output_dir=$OUT/run" --set "seed=$SEED" \
  --set "stages.reasoning.datasets.0.source=$D/train_math.jsonl" \
  --set "stages.reasoning.datasets.1.source=$D/train_code.jsonl" \
  --set "stages.general.datasets.0.source=$D/train_general.jsonl" \
  --set "stages.general.datasets.1.source=$D/train_math.jsonl" \
  --set "stages.general.datasets.2.source=$D/train_code.jsonl" \
  --set "stages.general.rewards.reward_model.kwargs.model=$OUT/reward_model" \
  "$@"
log "stages trained"

"$PY" -m rl eval "$OUT/cold_start" "$OUT/run/reasoning" "$OUT/run/general" --suite learn_cpu --out "$OUT/eval" \
  --set "benchmarks.math.source=$D/heldout_math.jsonl" \
  --set "benchmarks.code.source=$D/heldout_code.jsonl" \
  --set "benchmarks.general.source=$D/heldout_general.jsonl"
log "evaluated"

"$PY" -m rl.demo report --out "$OUT" --eval-dirs "$OUT/eval" \
  --model "cold start=$OUT/cold_start" --model "stage 1=$OUT/run/reasoning" --model "stage 2=$OUT/run/general"
log "done: $OUT/learning.json, $OUT/learning.png"
