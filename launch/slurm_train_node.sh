#!/usr/bin/env bash
# One training node's part of launch/slurm_multinode.sbatch: srun starts this once per training node.
#   launch/slurm_train_node.sh PY ACCEL TRAIN_NODES GPUS_PER_NODE PORT [rl train arguments ...]
# TRAIN_NODES is the training nodes' Slurm hostlist (e.g. gpu[02-05] or gpu02,gpu03); its first node is the
# rendezvous host. The machine rank is this node's index in that list (`scontrol show hostnames` order), not
# $SLURM_NODEID, which counts the nodes of the whole allocation (the vLLM node included) rather than of this step.
# Each node starts one torchrun (deepspeed_multinode_launcher standard), never `deepspeed --launcher pdsh`.
set -euo pipefail
[ $# -ge 5 ] || { echo "usage: $0 PY ACCEL TRAIN_NODES GPUS_PER_NODE PORT [rl train arguments ...]" >&2; exit 2; }
PY=$1 ACCEL=$2 TRAIN_NODES=$3 GPUS_PER_NODE=$4 PORT=$5
shift 5
node=${SLURMD_NODENAME:?SLURMD_NODENAME is unset: run this from srun inside a Slurm job}
mapfile -t nodes < <(scontrol show hostnames "$TRAIN_NODES")
[ ${#nodes[@]} -gt 0 ] || { echo "[train-node] scontrol lists no node in '$TRAIN_NODES'" >&2; exit 1; }
rank=-1
for i in "${!nodes[@]}"; do
  if [ "${nodes[$i]}" = "$node" ]; then rank=$i; break; fi
done
if [ "$rank" -lt 0 ]; then
  echo "[train-node] this node ($node) is not in the training node list (${nodes[*]})" >&2
  exit 1
fi
echo "[train-node] $node: machine rank $rank of ${#nodes[@]}, rendezvous ${nodes[0]}:$PORT"
exec "$PY" -m accelerate.commands.launch --config_file "$ACCEL" --deepspeed_multinode_launcher standard \
  --num_machines "${#nodes[@]}" --num_processes $(( ${#nodes[@]} * GPUS_PER_NODE )) --machine_rank "$rank" \
  --main_process_ip "${nodes[0]}" --main_process_port "$PORT" \
  -m rl train "$@"
