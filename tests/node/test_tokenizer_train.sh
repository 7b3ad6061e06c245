#!/usr/bin/env bash
# `dusk tokenizer train` against a naive trainer and HF tokenizers (which must
# load its output and encode identically). Needs `npm ci` here.
exec bash "$(dirname "$0")/run_node.sh" train_reference.js
