#!/usr/bin/env bash
# Tensor engine vs the PyTorch CPU anchor on the same HomoInterp workloads.
# usage: bench/engine.sh [path/to/morph]   (run from anywhere; paths are relative to the repo)
# Prints JSON lines: ours, the anchor's (with its peak RSS), and one ratio line per workload
# (ratio = our seconds / anchor seconds; below 1 means Morph is faster).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/morph}
anchor=${MORPH_TORCH_ANCHOR:-../shared/bench/torch_anchor.py}

# A python3 that has torch (Debian's python3-torch lives under /usr/bin/python3).
py=""
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch' >/dev/null 2>&1; then py=$cand; break; fi
done

for cfg in "64 8 0.25" "128 8 1"; do
  read -r size batch width <<<"$cfg"
  ours_infer=$("$bin" bench engine --workload infer --size "$size" --batch "$batch" --width "$width")
  ours_train=$("$bin" bench engine --workload train_step --size "$size" --batch "$batch" --width "$width")
  echo "$ours_infer"
  echo "$ours_train"
  if [ -z "$py" ] || [ ! -f "$anchor" ]; then
    echo "{\"workload\": \"anchor\", \"skipped\": \"python3-torch or $anchor not available\"}"
    continue
  fi
  # Run the anchor as a child so its peak RSS can be read without changing the script.
  theirs=$("$py" - "$anchor" --size "$size" --batch "$batch" --width "$width" <<'PY'
import json, resource, subprocess, sys
out = subprocess.run([sys.executable] + sys.argv[1:], check=True, capture_output=True, text=True).stdout
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
for line in out.splitlines():
    if line.startswith('{'):
        d = json.loads(line); d['peak_rss_mb'] = round(rss, 1); print(json.dumps(d))
PY
)
  echo "$theirs"
  "$py" - "$ours_infer" "$ours_train" "$theirs" <<'PY'
import json, sys
ours = [json.loads(sys.argv[1]), json.loads(sys.argv[2])]
theirs = {d['workload']: d for d in map(json.loads, sys.argv[3].splitlines())}
for o in ours:
    t = theirs[o['workload']]
    print(json.dumps({"workload": o['workload'], "size": o['size'], "batch": o['batch'], "width": o['width'],
                      "morph_seconds": o['seconds'], "torch_seconds": t['seconds'],
                      "ratio": round(o['seconds'] / t['seconds'], 3),
                      "morph_peak_rss_mb": o['peak_rss_mb'], "torch_peak_rss_mb": t['peak_rss_mb']}))
PY
done
