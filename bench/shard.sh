#!/usr/bin/env bash
# Sharded throughput on this machine: pipelines/edit-folder.yaml over the same faces as 1 shard
# (--shard 0/1) and as 2 shards in two concurrent processes (--shard 0/2, 1/2) followed by
# `morph catalog merge`; each from an empty working folder. Faces: `morph fixtures toyfaces`,
# rendered once into bench/data/shard/ (not committed).
# Usage: bench/shard.sh [path/to/morph]; MORPH_SHARD_FACES=N (default 1000). Prints JSON lines.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-.build/release/morph}")
n="${MORPH_SHARD_FACES:-1000}"
data=bench/data/shard
faces="$data/faces-$n"
if [ ! -f "$faces/done" ]; then
  rm -rf "$faces"
  "$bin" fixtures toyfaces --count "$n" --seed 40 --out "$faces" > /dev/null
  touch "$faces/done"
fi
input=$(realpath "$faces/img_align_celeba")
recipe=$(realpath pipelines/edit-folder.yaml)
for shards in 1 2; do
  work="$data/run-$shards"
  rm -rf "$work" && mkdir -p "$work"
  start=$(date +%s.%N)
  pids=()
  for ((k = 0; k < shards; k++)); do
    (cd "$work" && exec "$bin" run "$recipe" --set input="$input" --shard "$k/$shards" --no-progress > "shard-$k.txt" 2>&1) &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  ran=$(date +%s.%N)
  files=()
  for ((k = 0; k < shards; k++)); do files+=(".morph/catalog.shard-$k-of-$shards.sqlite"); done
  (cd "$work" && "$bin" catalog merge .morph/catalog.sqlite "${files[@]}" > merge.txt)
  merged=$(date +%s.%N)
  saved=$(find "$work/out/edit-folder/edited" -name '*.png' | wc -l)
  awk -v s="$shards" -v n="$n" -v saved="$saved" -v t0="$start" -v t1="$ran" -v t2="$merged" 'BEGIN {
    printf "{\"bench\":\"shard-edit-folder\",\"shards\":%d,\"faces\":%d,\"saved\":%d,\"run_s\":%.2f,\"merge_s\":%.2f,\"faces_per_s\":%.2f}\n",
      s, n, saved, t1 - t0, t2 - t1, n / (t2 - t0) }'
  rm -rf "$work/.morph/cache" "$work/out"
done
