#!/usr/bin/env bash
# Import benchmark: `morph import homointerpgan` on a full-width 128 px reference HomoInterpGAN
# (VGG width 64, random weights, written by scripts/make-golden-homointerpgan.py into
# bench/data/homointerpgan/, git-ignored) against `torch.load` of the same five files, in
# both torch.save formats. Prints JSON lines: wall seconds and peak RSS of each, measured on
# the process alone (/usr/bin/time), plus the torch process's RSS after `import torch` (what
# it holds before loading anything). Morph's time includes the SHA-256 of every file and
# writing the F32 checkpoint; torch's is the five torch.load calls only.
# Usage: bench/import.sh [path/to/release/morph]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/morph}
py=/usr/bin/python3
data=bench/data/homointerpgan
if ! "$py" -c 'import torch' >/dev/null 2>&1; then
  echo '{"bench": "import_homointerpgan", "skipped": "/usr/bin/python3 has no torch (apt-get install python3-torch)"}'
  exit 0
fi
if [ ! -f "$data/zip/interp_net-latest.pth" ] || [ ! -f "$data/legacy/interp_net-latest.pth" ]; then
  "$py" scripts/make-golden-homointerpgan.py "$data" --nchannel 64 --formats legacy,zip >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bytes=$(cat "$data"/zip/*-latest.pth | wc -c)

for fmt in legacy zip; do
  /usr/bin/time -f '%e %M' -o "$tmp/morph.time" "$bin" import homointerpgan "$data/$fmt" --out "$tmp/ref.safetensors" >/dev/null
  read -r morph_s morph_kb <"$tmp/morph.time"
  /usr/bin/time -f '%e %M' -o "$tmp/torch.time" "$py" - "$data/$fmt" >"$tmp/torch.out" <<'PY'
import resource, sys, time
import torch
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
states = [torch.load('%s/%s-latest.pth' % (sys.argv[1], n)) for n in ('encoder', 'interp_net', 'decoder', 'discrim', 'KGTransform')]
print('%.3f %d %d' % (time.perf_counter() - start, base, sum(len(s) for s in states)))
PY
  read -r torch_load_s torch_base_kb tensors <"$tmp/torch.out"
  read -r torch_s torch_kb <"$tmp/torch.time"
  printf '{"bench": "import_homointerpgan", "format": "%s", "files_mb": %.1f, "tensors": %d, "morph_seconds": %.3f, "morph_peak_rss_mb": %.0f, "torch_load_seconds": %.3f, "torch_process_seconds": %.3f, "torch_peak_rss_mb": %.0f, "torch_rss_after_import_mb": %.0f}\n' \
    "$fmt" "$(echo "$bytes / 1000000" | bc -l)" "$tensors" "$morph_s" "$(echo "$morph_kb / 1024" | bc -l)" "$torch_load_s" "$torch_s" \
    "$(echo "$torch_kb / 1024" | bc -l)" "$(echo "$torch_base_kb / 1024" | bc -l)"
done
