#!/usr/bin/env bash
# DUSK chunks and MIA windows (Llama-3 tokenizer) against the same recipe
# run on HF tokenizers (npm). Needs `npm ci` here.
exec bash "$(dirname "$0")/run_node.sh" data_reference.js
