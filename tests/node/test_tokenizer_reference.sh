#!/usr/bin/env bash
# dusk's GPT-2 and Llama-3 tokenizers against HF tokenizers, gpt-3-encoder and
# llama3-tokenizer-js: varied strings, invalid UTF-8, the whole DUSK corpus,
# decoding (skip-special, cleanup) and round trips. Needs `npm ci` here.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
: "${DUSK:?set DUSK to the dusk binary}"
export SHARED="${SHARED:-$HERE/../../../shared}"
if [ ! -d "$HERE/node_modules/tokenizers" ]; then
    echo "tests/node/node_modules is missing: run 'npm ci' in tests/node (make deps does)" >&2
    exit 1
fi
node "$HERE/compare_tokenizers.js"
