#!/usr/bin/env bash
# Runs the Indexed Job, waits for every index to finish (or the Job to fail), then the merge Job.
# Usage: deploy/kubernetes/run.sh [kubectl options, e.g. -n NAMESPACE]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kubectl "$@" apply -f "$here/morph-shards.yaml"
# Complete when all indexes succeeded; Failed when some index used up its retries. Merge either way:
# the shards that finished are worth keeping, and a rerun of the Job resumes the others.
until conditions=$(kubectl "$@" get job/morph-shards -o jsonpath='{.status.conditions[*].type}') \
  && [[ " $conditions " == *" Complete "* || " $conditions " == *" Failed "* ]]; do
  sleep 30
done
kubectl "$@" apply -f "$here/morph-merge.yaml"
kubectl "$@" wait --for=condition=complete job/morph-merge --timeout=24h
kubectl "$@" logs job/morph-merge
