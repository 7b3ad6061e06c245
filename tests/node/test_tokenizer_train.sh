#!/usr/bin/env bash
# `dusk tokenizer train` against a naive trainer and HF tokenizers (which must
# load its output and encode identically). Needs `npm ci` here.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
: "${DUSK:?set DUSK to the dusk binary}"
export SHARED="${SHARED:-$HERE/../../../shared}"
if [ ! -d "$HERE/node_modules/tokenizers" ]; then
    echo "tests/node/node_modules is missing: run 'npm ci' in tests/node (make deps does)" >&2
    exit 1
fi
node "$HERE/train_reference.js"
