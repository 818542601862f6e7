#!/usr/bin/env bash
# Synthetic-face renderer and evaluation harness throughput. Usage: bench/faces.sh path/to/morph
# Prints JSON lines.
set -euo pipefail
bin="${1:-.build/release/morph}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s.%N)
"$bin" fixtures toyfaces --count 2000 --seed 1 --out "$tmp/set" > /dev/null
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { t = e - s; printf "{\"bench\":\"toyfaces_render\",\"faces\":2000,\"size\":\"178x218\",\"seconds\":%.3f,\"faces_per_minute\":%.0f}\n", t, 2000 / t * 60 }'
start=$(date +%s.%N)
"$bin" eval interpolation --model pixel-lerp --data "$tmp/set" --pairs 50 --out "$tmp/eval" > /dev/null
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { t = e - s; printf "{\"bench\":\"eval_interpolation_pixel_lerp\",\"pairs\":50,\"strengths\":5,\"methods\":3,\"seconds\":%.3f}\n", t }'
