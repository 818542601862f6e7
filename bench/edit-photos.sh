#!/usr/bin/env bash
# pipelines/edit-photos.yaml end to end on a folder of 100 photos (the three real photos of
# Fixtures/photos, copied under 100 names; --no-cache so every copy is computed): photos/s and,
# per stage, its span (first start to last end; stages run concurrently, so spans overlap), its
# busy time (the sum of its items' compute times) and its share of all stages' busy time.
# Usage: bench/edit-photos.sh [path/to/morph]. Prints one JSON line.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-.build/release/morph}")
work=bench/data/edit-photos
rm -rf "$work" && mkdir -p "$work/in"
photos=(Fixtures/photos/*.jpg Fixtures/photos/*.png)
for i in $(seq 0 99); do
  src=${photos[$((i % ${#photos[@]}))]}
  cp "$src" "$work/in/$(printf 'p%03d' "$i").${src##*.}"
done
recipe=$(realpath pipelines/edit-photos.yaml)
start=$(date +%s.%N)
(cd "$work" && "$bin" run "$recipe" --set input=in --no-cache --no-progress > summary.txt 2>&1) || true
end=$(date +%s.%N)
awk -v n=0 -v t0="$start" -v t1="$end" '
  /^  stage / { table = 1; next }
  table && /^  [a-z_.-]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ +[0-9.]+$/ { name[n] = $1; sec[n] = $5; busy[n] = $6; total += $6; done[n] = $2; failed[n] = $4; n++; next }
  table && !/^  / { table = 0 }
  END {
    wall = t1 - t0
    printf "{\"bench\":\"edit-photos\",\"photos\":100,\"seconds\":%.2f,\"photos_per_s\":%.2f,\"stages\":{", wall, 100 / wall
    for (i = 0; i < n; i++) printf "%s\"%s\":{\"span_s\":%s,\"busy_s\":%s,\"share\":%.3f,\"done\":%s,\"failed\":%s}", (i ? "," : ""), name[i], sec[i], busy[i], (total > 0 ? busy[i] / total : 0), done[i], failed[i]
    printf "}}\n"
  }' "$work/summary.txt"
