#!/usr/bin/env bash
# dusk's GPT-2 and Llama-3 tokenizers against HF tokenizers, gpt-3-encoder and
# llama3-tokenizer-js: varied strings, invalid UTF-8, the whole DUSK corpus,
# decoding (skip-special, cleanup) and round trips. Needs `npm ci` here.
exec bash "$(dirname "$0")/run_node.sh" compare_tokenizers.js
