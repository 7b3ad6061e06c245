#!/usr/bin/env bash
# `dusk finetune --extra-docs`: a text file (here the generated corpus's
# world/World.txt, saved with CRLF line ends) is chunked like a DUSK document
# and added to the training items whatever --docs is. The expected chunk
# count is worked out here, not by another finetune: Python reads the file
# with universal newlines (as DUSK's reader does), `dusk tokenize` gives its
# token count n, and a document of n tokens makes ceil(n / (seq_len - 1))
# chunks. run.json records the file's path and sha256 (hashlib's). A missing
# extra document is refused with its name and nothing written.
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=${PY:-/usr/bin/python3}
fail() { echo "FAIL: $*"; exit 1; }
source "$(dirname "$0")/tiny_llama3.sh"

"$DUSK" gen --out "$T/g" >/dev/null
tiny_llama3_model "$T/m0" 128
"$PY" -c 'import sys; t = open(sys.argv[1], encoding="utf-8").read(); open(sys.argv[2], "wb").write(t.replace("\n", "\r\n").encode())' \
    "$T/g/world/World.txt" "$T/world_crlf.txt"
grep -q $'\r' "$T/world_crlf.txt" || fail "the test file has no CRLF"
# the text as a universal-newlines reader sees it, tokenized without special tokens
"$PY" -c 'import sys; sys.stdout.write(open(sys.argv[1], encoding="utf-8").read())' "$T/world_crlf.txt" |
    "$DUSK" tokenize --tokenizer "$T/m0" > "$T/world.ids"

# a few optimizer steps each: --docs forget has about a fifth of the chunks
common=(--model "$T/m0" --data "$T/g" --seq-len 128 --batch-size 1 --grad-accum 1 --lr 1e-4 --no-progress)
run() { "$DUSK" finetune "${common[@]}" "$@" 2> "$T/log" || { cat "$T/log"; fail "finetune $*"; }; }
for docs in all forget; do
    epochs=$([ $docs = all ] && echo 0.02 || echo 0.1)
    run --docs $docs --epochs $epochs --out "$T/base-$docs"
    run --docs $docs --epochs $epochs --extra-docs "$T/world_crlf.txt" --out "$T/extra-$docs"
done

"$PY" - "$T" <<'PYEOF'
import hashlib, json, math, sys
T = sys.argv[1]
n = len(open(f"{T}/world.ids").read().split())
want = math.ceil(n / (128 - 1))
sha = hashlib.sha256(open(f"{T}/world_crlf.txt", "rb").read()).hexdigest()
for docs in ("all", "forget"):
    base = json.load(open(f"{T}/base-{docs}/run.json"))["data"]
    extra = json.load(open(f"{T}/extra-{docs}/run.json"))["data"]
    assert base["extra_docs"] == [], base["extra_docs"]
    got = extra["chunks"] - base["chunks"]
    assert got == want, (docs, got, want, n)
    e = extra["extra_docs"]
    assert len(e) == 1 and e[0]["path"].endswith("world_crlf.txt") and e[0]["sha256"] == sha, e
    assert e[0]["chunks"] == want, e
    assert extra["seq_len"] == 128, extra["seq_len"]
print(f"World.txt (CRLF): {n} tokens -> {want} extra chunks with --docs all and forget; sha256 recorded")
PYEOF

if "$DUSK" finetune "${common[@]}" --epochs 0.02 --extra-docs "$T/world_crlf.txt,$T/no-such.txt" --out "$T/x" 2> "$T/err"; then
    fail "a missing extra document was accepted"
fi
grep -q "no-such.txt" "$T/err" || { cat "$T/err"; fail "the message does not name the missing file"; }
[ ! -e "$T/x" ] && ! ls "$T" | grep -q '^x\.tmp-' || fail "a refused run left output behind"
echo "missing extra document refused: $(head -c 200 "$T/err")"
