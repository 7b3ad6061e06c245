#!/usr/bin/env bash
# Runs one reference script here under node: bash run_node.sh SCRIPT.js
# (the test_*.sh wrappers call it). Needs DUSK, and `npm ci` run here.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
: "${DUSK:?set DUSK to the dusk binary}"
export SHARED="${SHARED:-$HERE/../../../shared}"
if [ ! -d "$HERE/node_modules/tokenizers" ]; then
    echo "tests/node/node_modules is missing: run 'npm ci' in tests/node (make deps does)" >&2
    exit 1
fi
exec node "$HERE/$1"
