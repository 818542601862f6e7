#!/usr/bin/env bash
# Tensor engine vs the PyTorch CPU anchor on the same HomoInterp workloads.
# usage: bench/engine.sh [path/to/morph]   (run from anywhere; paths are relative to the repo)
# Prints JSON lines: the machine's sgemm peak (measured now), ours and the anchor's per
# configuration, and one comparison line per workload with both times, speedup (torch
# seconds / ours: above 1 means Morph is faster), ratio (ours / torch), our GFLOP/s (dense
# operations counted as a direct convolution would spend them), the fraction of the sgemm
# peak that is, and both peak RSS values (the anchor runs both workloads in one process, so
# its peak covers both). MORPH_BENCH_STEPS sets the timed repetitions (best of them counts).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/morph}
anchor=${MORPH_TORCH_ANCHOR:-../shared/bench/torch_anchor.py}
steps=${MORPH_BENCH_STEPS:-3}

# A python3 that has torch (Debian's python3-torch lives under /usr/bin/python3).
py=""
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch' >/dev/null 2>&1; then py=$cand; break; fi
done

peak=$("$bin" bench engine --workload sgemm-peak)
echo "$peak"

for cfg in "64 8 0.25" "128 8 1"; do
  read -r size batch width <<<"$cfg"
  ours_infer=$("$bin" bench engine --workload infer --size "$size" --batch "$batch" --width "$width" --steps "$steps")
  ours_train=$("$bin" bench engine --workload train_step --size "$size" --batch "$batch" --width "$width" --steps "$steps")
  echo "$ours_infer"
  echo "$ours_train"
  if [ -z "$py" ] || [ ! -f "$anchor" ]; then
    echo "{\"workload\": \"anchor\", \"skipped\": \"python3-torch or $anchor not available\"}"
    continue
  fi
  # Run the anchor as a child so its peak RSS can be read without changing the script.
  theirs=$("$py" - "$anchor" --size "$size" --batch "$batch" --width "$width" --steps "$steps" <<'PY'
import json, resource, subprocess, sys
out = subprocess.run([sys.executable] + sys.argv[1:], check=True, capture_output=True, text=True).stdout
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
for line in out.splitlines():
    if line.startswith('{'):
        d = json.loads(line); d['peak_rss_mb'] = round(rss, 1); print(json.dumps(d))
PY
)
  echo "$theirs"
  "$py" - "$peak" "$ours_infer" "$ours_train" "$theirs" <<'PY'
import json, sys
peak = json.loads(sys.argv[1])['gflops']
ours = [json.loads(sys.argv[2]), json.loads(sys.argv[3])]
theirs = {d['workload']: d for d in map(json.loads, sys.argv[4].splitlines())}
for o in ours:
    t = theirs[o['workload']]
    print(json.dumps({"workload": o['workload'], "size": o['size'], "batch": o['batch'], "width": o['width'],
                      "morph_seconds": o['seconds'], "torch_seconds": t['seconds'],
                      "speedup": round(t['seconds'] / o['seconds'], 3), "ratio": round(o['seconds'] / t['seconds'], 3),
                      "morph_gflops": o['gflops'], "sgemm_peak_gflops": peak,
                      "fraction_of_peak": round(o['gflops'] / peak, 3),
                      "morph_peak_rss_mb": o['peak_rss_mb'], "torch_peak_rss_mb": t['peak_rss_mb']}))
PY
done
