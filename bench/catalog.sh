#!/usr/bin/env bash
# Catalog benchmark: CelebA-size annotation ingest, a ~10% attribute query, and an exact
# nearest-neighbour scan over 200k pooled 512-d vectors. Prints JSON lines.
# Usage: bench/catalog.sh path/to/release/morph [extra options, e.g. --vectors 0]
set -euo pipefail
bin=${1:-.build/release/morph}
shift || true
"$bin" bench catalog "$@"
