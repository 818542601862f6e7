#!/usr/bin/env bash
# Face detection throughput on 640×480 photos: Morph's MTCNN vs facenet-pytorch's MTCNN on the
# CPU (Debian's torch), same photos, same run. Usage: bench/detect.sh [path/to/morph]
# Prints JSON lines: the anchor's best run, Morph's best run, and a summary with the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/morph}
data=bench/data/detect-640x480
count=${MORPH_DETECT_PHOTOS:-24}
passes=${MORPH_DETECT_PASSES:-2}
rounds=${MORPH_BENCH_ROUNDS:-3}
py=/usr/bin/python3

if [ ! -x "$bin" ]; then echo "bench/detect.sh: no morph binary at $bin" >&2; exit 1; fi
if ! "$bin" bench detect --help >/dev/null 2>&1; then
  echo '{"workload": "detect", "skipped": "this morph binary has no bench detect subcommand"}'
  exit 0
fi

# The photos (git-ignored), written once by Morph: the real photos cropped to 640×480, then
# collage canvases of 3–5 faces. Both sides read these PNGs.
have=$( (find "$data" -maxdepth 1 -name 'photo-*.png' 2>/dev/null || true) | wc -l)
if [ "$have" -lt "$count" ]; then
  "$bin" bench detect "$data" --make "$count" >/dev/null
fi

# The machine may be shared: alternate the runs for a few rounds and keep each one's best.
# The anchor runs with torch's default thread count and with 1 and 2 threads (on a busy
# 2-core machine its OpenMP threads can slow it down); its best configuration is the anchor.
runs=()
anchor_ok=1
for _ in $(seq "$rounds"); do
  for t in 0 1 2; do
    if [ "$anchor_ok" = 1 ]; then
      json=$("$py" bench/mtcnn_anchor.py "$data" --passes "$passes" --threads "$t" 2>/dev/null || echo '{"skipped": "anchor failed"}')
      case "$json" in *skipped*) anchor_ok=0; skipped=$json ;; *) runs+=("anchor$t|$json") ;; esac
    fi
  done
  runs+=("morph|$("$bin" bench detect "$data" --passes "$passes")")
done
if [ "$anchor_ok" = 0 ]; then echo "$skipped"; fi
"$py" - "${runs[@]}" <<'PY'
import json, sys
groups = {}
for arg in sys.argv[1:]:
    label, text = arg.split("|", 1)
    groups.setdefault(label, []).append(json.loads(text))
best = {k: max(v, key=lambda r: r["photos_per_s"]) for k, v in groups.items()}
anchors = [k for k in best if k.startswith("anchor")]
if anchors:
    top = max(anchors, key=lambda k: best[k]["photos_per_s"])
    print(json.dumps(best[top]))
print(json.dumps(best["morph"]))
summary = {"workload": "detect-summary", "rounds": len(groups["morph"]), "size": "640x480",
           "morph_photos_per_s": best["morph"]["photos_per_s"], "target_ratio": 2.0,
           "all_photos_per_s": {k: [r["photos_per_s"] for r in v] for k, v in groups.items()}}
if anchors:
    summary["anchor_photos_per_s"] = best[top]["photos_per_s"]
    summary["anchor_threads"] = best[top]["threads"]
    summary["ratio"] = round(best["morph"]["photos_per_s"] / best[top]["photos_per_s"], 2)
    summary["faces_per_pass"] = {"anchor": best[top]["faces_per_pass"], "morph": best["morph"]["faces_per_pass"]}
print(json.dumps(summary))
PY
