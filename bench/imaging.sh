#!/usr/bin/env bash
# Imaging throughput: Morph (libvips) vs the two-worker Pillow + NumPy anchor, same data, same
# run. Usage: bench/imaging.sh [path/to/morph]   (run from anywhere; paths are from the repo root)
# Prints JSON lines: the anchor's, Morph's, and a summary with the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/morph}
anchor=${MORPH_PILLOW_ANCHOR:-../shared/bench/pillow_anchor.py}
data=bench/data/imaging-celeba-1000
count=1000
# The anchor needs Debian's python3-pil and python3-numpy; a pyenv python3 first on PATH lacks them.
py=${PYTHON:-python3}
if ! "$py" -c 'import PIL, numpy' 2>/dev/null; then py=/usr/bin/python3; fi

if [ ! -x "$bin" ]; then echo "bench/imaging.sh: no morph binary at $bin" >&2; exit 1; fi
if [ ! -f "$anchor" ]; then echo "bench/imaging.sh: no anchor at $anchor (set MORPH_PILLOW_ANCHOR)" >&2; exit 1; fi

# 1,000 generated 178×218 JPEGs, made once by the anchor itself (bench/data is git-ignored).
have=$( (find "$data" -maxdepth 1 -name '*.jpg' 2>/dev/null || true) | wc -l)
if [ "$have" -lt "$count" ]; then
  "$py" "$anchor" "$data" --make "$count" >/dev/null
fi

cmd=(bench imaging)

# Warm the page cache so neither side pays for first reads.
cat "$data"/*.jpg >/dev/null

# The machine may be shared: alternate the runs for a few rounds and keep each one's best.
# CPU time (user + system, including worker processes and start-up) per image is also recorded:
# it does not depend on what else the machine is doing.
#
# Both programs link OpenBLAS (numpy; Morph's tensor module) without using it here, and its idle
# worker threads spin at start-up, stealing cycles from the image workers on 2 cores. The anchor
# runs as specified (default environment) and also with OPENBLAS_NUM_THREADS=1; Morph runs with
# OPENBLAS_NUM_THREADS=1, since its imaging never calls BLAS.
rounds=${MORPH_BENCH_ROUNDS:-3}
timing=$(mktemp)
trap 'rm -f "$timing"' EXIT
runs=()
run() {  # run LABEL ENV... -- COMMAND...
  local label=$1; shift
  local json
  json=$(env "$@" /usr/bin/time -f '%U %S' -o "$timing" "${cmd_line[@]}")
  runs+=("$label|$json|$(tail -1 "$timing")")
}
for _ in $(seq "$rounds"); do
  cmd_line=("$py" "$anchor" "$data" --workers 2)
  run anchor PATH="$PATH"
  run anchor_openblas1 OPENBLAS_NUM_THREADS=1
  cmd_line=("$bin" "${cmd[@]}" "$data" --workers 2)
  run morph OPENBLAS_NUM_THREADS=1
done
"$py" - "${runs[@]}" <<'PY'
import json, sys
groups = {}
for arg in sys.argv[1:]:
    label, text, cpu = arg.split("|")
    run = json.loads(text)
    user, system = (float(v) for v in cpu.split())
    run["cpu_ms_per_image"] = round(1000 * (user + system) / run["images"], 3)
    groups.setdefault(label, []).append(run)
best = {k: max(v, key=lambda r: r["images_per_s"]) for k, v in groups.items()}
cpu = {k: min(r["cpu_ms_per_image"] for r in v) for k, v in groups.items()}
for label in ("anchor", "morph"):
    print(json.dumps(best[label]))
a, a1, m = best["anchor"], best["anchor_openblas1"], best["morph"]
print(json.dumps({
    "workload": "imaging-summary", "rounds": len(groups["morph"]),
    "anchor_images_per_s": a["images_per_s"], "morph_images_per_s": m["images_per_s"],
    "ratio": round(m["images_per_s"] / a["images_per_s"], 2), "target_ratio": 2.0,
    "anchor_openblas1_images_per_s": a1["images_per_s"],
    "ratio_vs_anchor_openblas1": round(m["images_per_s"] / a1["images_per_s"], 2),
    "anchor_cpu_ms_per_image": cpu["anchor"], "anchor_openblas1_cpu_ms_per_image": cpu["anchor_openblas1"],
    "morph_cpu_ms_per_image": cpu["morph"],
    "morph_peak_rss_mb": max(r["peak_rss_mb"] for r in groups["morph"]),
    "anchor_peak_rss_mb_parent_only": a["peak_rss_mb"],
    "all_images_per_s": {k: [r["images_per_s"] for r in v] for k, v in groups.items()}}))
PY
