#!/usr/bin/env bash
# Data-parallel training over MPI on this machine: full-phase steps per second of the demo
# configuration (64 px, width 0.125, 3 poolings) at a global batch of 16, run as 2 MPI ranks ×
# 1 engine thread (8 faces each) and as 1 process × 2 engine threads; plus the all-reduce
# volume per step and the time the ranks spent inside all-reduces (waiting included).
# Prints one JSON line per setup and one for their ratio; skips, saying so, without mpirun.
# Usage: bench/mpi.sh path/to/release/morph
set -euo pipefail
bin=${1:-.build/release/morph}
if ! command -v mpirun > /dev/null; then
  echo '{"bench":"mpi.train","skipped":"mpirun not found: install openmpi-bin (scripts/setup does)"}'
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" fixtures toyfaces --count 300 --seed 5 --out "$tmp/faces" > /dev/null
steps=${MPI_BENCH_STEPS:-70}
train=(train homointerp --data "$tmp/faces" --steps "$steps" --batch 16 --size 64 --width 0.125 --poolings 3
  --classifier-steps 5 --warmup 5 --n-critic 1 --log-every 1 --sample-every 0 --checkpoint-every 0)

# Mean steps per second of the full phase's last 40 steps, from the per-step it/s figures.
rate() { grep "\[full\]" "$1" | tail -40 | sed -E 's/.* ([0-9.]+) it\/s.*/\1/' | awk '{ s += 1 / $1; n++ } END { printf "%.3f", n / s }'; }

MORPH_ENGINE_THREADS=2 "$bin" "${train[@]}" --out "$tmp/one" > "$tmp/one.log"
mpirun --allow-run-as-root --oversubscribe -np 2 -x MORPH_ENGINE_THREADS=1 "$bin" "${train[@]}" --out "$tmp/two" > "$tmp/two.log"

one=$(rate "$tmp/one.log")
two=$(rate "$tmp/two.log")
# "mpi: C all-reduces, M MB per step (K calls), S s per step inside them …"
line=$(sed -nE 's/^mpi: [0-9]+ all-reduces, ([0-9.]+) MB per step \(([0-9.]+) calls\), ([0-9.]+) s per step.*/\1 \2 \3/p' "$tmp/two.log")
if [ -z "$line" ]; then
  echo "bench/mpi.sh: the MPI run printed no 'mpi:' summary line; its output:" >&2
  cat "$tmp/two.log" >&2
  exit 1
fi
read -r mb calls seconds <<< "$line"
params=$(sed -nE 's/.*, ([0-9]+) parameters,.*/\1/p' "$tmp/one.log")
common="\"batch\":16,\"size\":64,\"width\":0.125,\"parameters\":$params"
echo "{\"bench\":\"mpi.train.1x2threads\",\"steps_per_second\":$one,$common}"
echo "{\"bench\":\"mpi.train.2ranksx1thread\",\"steps_per_second\":$two,$common,\"allreduce_mb_per_step\":$mb,\"allreduce_calls_per_step\":$calls,\"allreduce_seconds_per_step\":$seconds}"
awk -v a="$two" -v b="$one" 'BEGIN { printf "{\"bench\":\"mpi.train.ratio\",\"two_ranks_over_one_process\":%.3f}\n", a / b }'
