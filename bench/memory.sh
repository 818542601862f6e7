#!/usr/bin/env bash
# Peak memory of pipelines/edit-folder.yaml (load → align → encode → interpolate → decode → save)
# against the number of faces: a run of 50,000 faces should peak within 1.2× of a run of 5,000.
# Faces are rendered once by `morph fixtures toyfaces` into bench/data/memory/ (not committed);
# each run starts from an empty working folder (new catalog, new cache), as a new user's would.
# Usage: bench/memory.sh [path/to/morph]; MORPH_MEMORY_COUNTS="5000 20000" picks other sizes.
# Prints one JSON line per run and one with the ratio of the last to the first peak.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-.build/release/morph}")
read -r -a counts <<< "${MORPH_MEMORY_COUNTS:-5000 50000}"
largest=$(printf '%s\n' "${counts[@]}" | sort -n | tail -1)
data=bench/data/memory
render="$data/render-$largest"
if [ ! -f "$render/done" ]; then
  rm -rf "$render"
  "$bin" fixtures toyfaces --count "$largest" --seed 39 --out "$render" > /dev/null
  touch "$render/done"
fi
recipe=$(realpath pipelines/edit-folder.yaml)
peaks=()
for n in "${counts[@]}"; do
  # A plain folder of the first n faces (hard links: no copies on disk).
  faces="$data/faces-$n"
  if [ ! -d "$faces" ]; then
    mkdir -p "$faces"
    find "$render/img_align_celeba" -name '*.jpg' | sort | sed -n "1,${n}p" | xargs -r ln -t "$faces"
  fi
  work="$data/run-$n"
  rm -rf "$work" && mkdir -p "$work"
  (cd "$work" && /usr/bin/time -v "$bin" run "$recipe" --set input="$(realpath "../faces-$n")" --no-progress \
    > summary.txt 2> time.txt) || { echo "bench/memory.sh: the run of $n faces failed; see $work" >&2; tail -5 "$work/summary.txt" >&2; exit 1; }
  kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/time.txt" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  peaks+=("$kb")
  printf '{"bench":"memory-edit-folder","faces":%d,"peak_rss_mb":%.1f,"seconds":%.1f,"faces_per_s":%.1f}\n' \
    "$n" "$(echo "$kb / 1024" | bc -l)" "$wall" "$(echo "$n / $wall" | bc -l)"
  rm -rf "$work/.morph/cache" "$work/out"
done
printf '{"bench":"memory-edit-folder-ratio","faces":"%s/%s","peak_ratio":%.3f,"limit":1.2}\n' \
  "${counts[-1]}" "${counts[0]}" "$(echo "${peaks[-1]} / ${peaks[0]}" | bc -l)"
