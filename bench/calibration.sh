#!/usr/bin/env bash
# Calibrated strength (strength.GROUP: p=T) at 64 px with the demo checkpoint: wall seconds of
# solving per face and target, with each judge — the critic's heads on the latent (no
# decoding), and the oracle on the decoded edit in its photo — on 25 held-out synthetic pairs
# of the expression group, targets 0.25/0.5/0.75/0.9, and the share of reachable targets the
# oracle reads within ±0.05. Usage: bench/calibration.sh [path/to/morph]. Prints one JSON line
# per judge.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-.build/release/morph}")
work=bench/data/calibration
mkdir -p "$work"
[ -f "$work/faces/params.csv" ] || "$bin" fixtures toyfaces --count 300 --seed 23 --out "$work/faces" > /dev/null
for judge in critic oracle; do
  "$bin" eval calibration --checkpoint Fixtures/models/homointerp-demo.safetensors --data "$work/faces" \
    --oracle Fixtures/models/oracle.safetensors --judge "$judge" --pairs 25 --groups expression \
    --json "$work/$judge.json" > /dev/null
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(json.dumps({"bench": "calibration", "judge": sys.argv[2], "size": 64, "seconds_per_face": round(r["secondsPerFace"], 4),
                  "hits": r["hits"], "reachable": r["reachable"], "targets": r["faces"]}))' "$work/$judge.json" "$judge"
done
