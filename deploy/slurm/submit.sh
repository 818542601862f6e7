#!/usr/bin/env bash
# Runs a recipe as N Slurm array tasks, then merges their catalogs:
#   deploy/slurm/submit.sh N RECIPE [morph run options…]
# e.g. deploy/slurm/submit.sh 16 pipelines/edit-folder.yaml --set input=/shared/photos
# Prints the two job ids (array, merge). Extra sbatch options: SBATCH_OPTIONS="--partition=cpu".
set -euo pipefail
shards="${1:?usage: submit.sh N RECIPE [morph run options…]}"
shift
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck disable=SC2086
array=$(sbatch --parsable ${SBATCH_OPTIONS:-} --array="0-$((shards - 1))" "$here/morph-array.sbatch" "$@")
# afterany: a shard with failed items still merges (its failures are recorded in its catalog).
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_OPTIONS:-} --dependency="afterany:$array" "$here/morph-merge.sbatch" "$shards")
echo "$array $merge"
