#!/usr/bin/env bash
# Adds to .device-libs/ (git-ignored, carried to the GPU machine) what the
# CUDA benchmarks read and the repository does not hold: the real DUSK data
# (../shared/dusk-data/data/Prof, 1.6 MB) and the Llama-3 tokenizer
# (../shared/tokenizers/llama3/tokenizer.json, 8.7 MB), for bench/cuda_eval.sh.
# prepare_device_libs.sh runs it last (it empties .device-libs/ first).
# DUSK_SHARED overrides ../shared. Run from anywhere.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="${DUSK_SHARED:-$ROOT/../shared}"
DEST="$ROOT/.device-libs"
DATA="$SHARED/dusk-data/data/Prof"
TOK="$SHARED/tokenizers/llama3/tokenizer.json"
for f in "$DATA/Chronological.txt" "$DATA/eval/verbatim.json" "$TOK"; do
    [ -f "$f" ] || { echo "prepare_device_data: $f is missing (the shared assets are expected in ../shared)" >&2; exit 1; }
done
rm -rf "$DEST/dusk-data" "$DEST/tokenizers"
mkdir -p "$DEST/dusk-data" "$DEST/tokenizers/llama3"
cp -r "$DATA" "$DEST/dusk-data/Prof"
cp "$TOK" "$DEST/tokenizers/llama3/tokenizer.json"
echo "prepare_device_data: $(du -sh "$DEST/dusk-data" | cut -f1) of DUSK data and the llama3 tokenizer in .device-libs/;" \
    "$(du -sh "$DEST" | cut -f1) in all (the carry limit is 64 MiB)"
