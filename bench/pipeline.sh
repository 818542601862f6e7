#!/usr/bin/env bash
# Pipeline scheduler benchmark: per-item overhead of a no-op stage over 100k items, and
# load → align → jitter → to-tensor on 1,000 generated JPEGs through the scheduler versus the
# same calls made directly (and the fused imaging benchmark). Prints JSON lines.
# Usage: bench/pipeline.sh [path/to/morph]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/morph}
if [ ! -x "$bin" ]; then echo "bench/pipeline.sh: no morph binary at $bin" >&2; exit 1; fi
cmd=(bench pipeline)
# Imaging never calls BLAS; idle OpenBLAS threads would only steal cycles on 2 cores.
OPENBLAS_NUM_THREADS=1 "$bin" "${cmd[@]}" --items 100000 --count 1000
