#!/usr/bin/env bash
# DUSK chunks and MIA windows (Llama-3 tokenizer) against the same recipe
# run on HF tokenizers (npm). Needs `npm ci` here.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
: "${DUSK:?set DUSK to the dusk binary}"
export SHARED="${SHARED:-$HERE/../../../shared}"
if [ ! -d "$HERE/node_modules/tokenizers" ]; then
    echo "tests/node/node_modules is missing: run 'npm ci' in tests/node (make deps does)" >&2
    exit 1
fi
node "$HERE/data_reference.js"
