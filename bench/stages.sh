#!/usr/bin/env bash
# HomoInterp recipes end to end: pipelines/translate-folder.yaml over N generated faces (edit,
# 3×5 sweep sheet, 8-frame animation, scores, latents in the catalog) and pipelines/morph-pair.yaml,
# with the demo checkpoint (or, when it is missing, a model of the same shape trained for 2 steps:
# the work per face does not depend on training). Prints JSON lines.
# Usage: bench/stages.sh path/to/release/morph [faces]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-.build/release/morph}")
count=${2:-64}
root=$(pwd)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$bin" fixtures toyfaces --count "$count" --seed 7 --out "$tmp/faces" > /dev/null
checkpoint="$root/Fixtures/models/homointerp-demo.safetensors"
source="demo"
if [ ! -f "$checkpoint" ]; then
  source="untrained-2-steps"
  (cd "$tmp" && "$bin" train homointerp --data faces --out model --steps 2 --classifier-steps 1 --warmup 1 --batch 2 \
    --size 64 --width 0.25 --poolings 3 --sample-every 0 > /dev/null)
  checkpoint="$tmp/model/homointerp.safetensors"
fi
seconds() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.3f", e - s }'; }
cd "$tmp"
start=$(date +%s.%N)
"$bin" run "$root/pipelines/translate-folder.yaml" --no-progress --set input=faces/img_align_celeba \
  --set checkpoint="$checkpoint" --set reference=faces/img_align_celeba/000001.jpg > translate.log
end=$(date +%s.%N)
t=$(seconds "$start" "$end")
awk -v t="$t" -v n="$count" -v c="$source" 'BEGIN { printf "{\"bench\":\"translate_folder\",\"faces\":%d,\"checkpoint\":\"%s\",\"frames_per_face\":24,\"seconds\":%.3f,\"faces_per_second\":%.2f}\n", n, c, t, n / t }'
start=$(date +%s.%N)
"$bin" run "$root/pipelines/translate-folder.yaml" --no-progress --set input=faces/img_align_celeba \
  --set checkpoint="$checkpoint" --set reference=faces/img_align_celeba/000001.jpg > cached.log
end=$(date +%s.%N)
awk -v t="$(seconds "$start" "$end")" -v n="$count" 'BEGIN { printf "{\"bench\":\"translate_folder_cached_rerun\",\"faces\":%d,\"seconds\":%.3f}\n", n, t }'
start=$(date +%s.%N)
"$bin" run "$root/pipelines/morph-pair.yaml" --no-progress --set input=faces/img_align_celeba \
  --set checkpoint="$checkpoint" --set reference=faces/img_align_celeba/000002.jpg > pair.log
end=$(date +%s.%N)
awk -v t="$(seconds "$start" "$end")" -v c="$source" 'BEGIN { printf "{\"bench\":\"morph_pair\",\"checkpoint\":\"%s\",\"seconds\":%.3f}\n", c, t }'
