#!/usr/bin/env bash
# HomoInterp training speed: 30 steps of each phase (classifier, warm-up, full) of the demo
# configuration (64 px, width 0.125, 3 poolings, batch 8) on 300 generated faces.
# Prints one JSON line per phase with steps per second.
# Usage: bench/homointerp.sh path/to/release/morph
set -euo pipefail
bin=${1:-.build/release/morph}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" fixtures toyfaces --count 300 --seed 5 --out "$tmp/faces" > /dev/null
"$bin" train homointerp --data "$tmp/faces" --out "$tmp/run" --steps 90 --batch 8 --size 64 --width 0.125 \
  --poolings 3 --classifier-steps 30 --warmup 30 --n-critic 1 --lambda-perceptual 0 --lambda-all 10 \
  --log-every 1 --sample-every 0 --checkpoint-every 0 > "$tmp/log"
for phase in classifier warmup full; do
  # Mean seconds per step from the per-step it/s figures of the phase's last 20 steps.
  grep "\[$phase\]" "$tmp/log" | tail -20 | sed -E 's/.* ([0-9.]+) it\/s.*/\1/' |
    awk -v p="$phase" '{ s += 1 / $1; n++ } END { printf "{\"bench\":\"homointerp.train.%s\",\"steps_per_second\":%.3f,\"batch\":8,\"size\":64,\"width\":0.125}\n", p, n / s }'
done
