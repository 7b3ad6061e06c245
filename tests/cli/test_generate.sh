#!/usr/bin/env bash
# Batched greedy generation with the KV cache equals generating each prompt
# alone, and equals the cache-free reference path (full forward every step).
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
M="$SHARED/models/stories260K/stories260K.bin"
printf '1\n1 403 407 261\n1 300 301 302 303 304 305 306 307 308 309 310\n' > "$T/prompts.txt"
"$DUSK" generate --model "$M" --ids-file "$T/prompts.txt" --max-new 60 > "$T/batched.txt"
"$DUSK" generate --model "$M" --ids-file "$T/prompts.txt" --max-new 60 --no-kv-cache > "$T/uncached.txt"
: > "$T/single.txt"
while read -r line; do
    echo "$line" > "$T/one.txt"
    "$DUSK" generate --model "$M" --ids-file "$T/one.txt" --max-new 60 >> "$T/single.txt"
done < "$T/prompts.txt"
[ "$(wc -l < "$T/batched.txt")" -eq 3 ] || { echo "expected 3 output lines"; exit 1; }
awk '{ if (NF != 60) bad = 1 } END { exit bad }' "$T/batched.txt" || { echo "some prompt did not get 60 tokens"; cat "$T/batched.txt"; exit 1; }
cmp "$T/batched.txt" "$T/single.txt" || { echo "batched != one at a time"; diff "$T/batched.txt" "$T/single.txt"; exit 1; }
cmp "$T/batched.txt" "$T/uncached.txt" || { echo "kv cache != full recompute"; diff "$T/batched.txt" "$T/uncached.txt"; exit 1; }
echo "batched = single = uncached for 3 prompts x 60 tokens"
# a prompt that would run past max_position_embeddings is refused up front
if "$DUSK" generate --model "$M" --ids-file "$T/one.txt" --max-new 600 2>"$T/err"; then echo "expected an error"; exit 1; fi
grep -q max_position_embeddings "$T/err" || { cat "$T/err"; exit 1; }
echo "over-long request refused"
