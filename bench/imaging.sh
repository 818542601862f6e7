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
have=$(find "$data" -maxdepth 1 -name '*.jpg' 2>/dev/null | wc -l)
if [ "$have" -lt "$count" ]; then
  "$py" "$anchor" "$data" --make "$count" >/dev/null
fi

# The morph subcommand lives under `morph bench` once that group exists.
if "$bin" --help 2>&1 | grep -qE '^ +bench( |$)'; then cmd=(bench imaging); else cmd=(imaging); fi

# Warm the page cache so neither side pays for first reads.
cat "$data"/*.jpg >/dev/null

anchor_json=$("$py" "$anchor" "$data" --workers 2)
peak_kb=$( { /usr/bin/time -f '%M' "$bin" "${cmd[@]}" "$data" --workers 2 >"$data.morph.json"; } 2>&1 | tail -1)
morph_json=$(cat "$data.morph.json")
rm -f "$data.morph.json"
echo "$anchor_json"
echo "$morph_json"
"$py" - "$anchor_json" "$morph_json" "$peak_kb" <<'PY'
import json, sys
a, m = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"workload": "imaging-summary", "anchor_images_per_s": a["images_per_s"],
                  "morph_images_per_s": m["images_per_s"],
                  "ratio": round(m["images_per_s"] / a["images_per_s"], 2), "target_ratio": 2.0,
                  "morph_peak_rss_mb": m["peak_rss_mb"],
                  "morph_peak_rss_mb_time": int(sys.argv[3]) // 1024 if sys.argv[3].isdigit() else None,
                  "anchor_peak_rss_mb_parent_only": a["peak_rss_mb"]}))
PY
