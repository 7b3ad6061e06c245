#!/usr/bin/env bash
# Tokenizer speed: the five DUSK documents encoded with the Llama-3 tokenizer,
# dusk (one core) next to HF tokenizers and llama3-tokenizer-js under node,
# in the same run. HF tokenizers is pinned to one thread (RAYON_NUM_THREADS=1)
# so that all sides use one core. Prints MB/s and the ratios.
#   bash bench/tokenizer_bench.sh [ROUNDS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
B="${DUSK_BUILD_DIR:-$ROOT/build}"
SHARED="${SHARED:-$ROOT/../shared}"
ROUNDS="${1:-5}"
TOK="$SHARED/tokenizers/llama3/tokenizer.json"
DOCS=()
for d in Chronological Feature_Story Interview Inverted_Pyramid Listicle; do DOCS+=("$SHARED/dusk-data/data/Prof/$d.txt"); done
echo "== tokenizer: encode the five DUSK documents with Llama-3, one core, best of $ROUNDS"
d=$(taskset -c 0 "$B/bench/tokenizer_bench" "$TOK" "$ROUNDS" "${DOCS[@]}" 2>/dev/null || "$B/bench/tokenizer_bench" "$TOK" "$ROUNDS" "${DOCS[@]}")
if [ -d "$ROOT/tests/node/node_modules/tokenizers" ]; then
    n=$(RAYON_NUM_THREADS=1 taskset -c 0 node "$ROOT/bench/tokenizer_bench.js" "$TOK" "$ROUNDS" "${DOCS[@]}" 2>/dev/null ||
        RAYON_NUM_THREADS=1 node "$ROOT/bench/tokenizer_bench.js" "$TOK" "$ROUNDS" "${DOCS[@]}")
else
    n=""
    echo "   (tests/node/node_modules missing: run npm ci in tests/node for the node references)"
fi
echo "$d"
[ -n "$n" ] && echo "$n"
/usr/bin/python3 - "$d" "$n" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
print(f"   dusk: {d['encode_mb_per_s']:.2f} MB/s ({d['bytes'] / 1e6:.2f} MB -> {d['tokens']} tokens), load {d['load_s']:.2f} s")
for line in filter(None, sys.argv[2].splitlines()):
    r = json.loads(line)
    same = "same token count" if r["tokens"] == d["tokens"] else f"TOKEN COUNT DIFFERS ({r['tokens']})"
    print(f"   {r['impl']}: {r['encode_mb_per_s']:.2f} MB/s; dusk/{r['impl']} = {d['encode_mb_per_s'] / r['encode_mb_per_s']:.2f}x; {same}")
PY
