#!/usr/bin/env bash
# Issue 13 regression: with an NFC normalizer, hf_encode's word cache kept keys
# pointing into each text piece's normalised copy after it was freed (ASan:
# heap-use-after-free in strmap_find). The crash input -- a long text, then an
# added token, then more text -- through `dusk tokenize` with the Llama-3
# tokenizer.json set to NFC must exit 0 and give HF tokenizers' ids (npm,
# tests/node/hf_ids.js); the text is ASCII, so the ids must also equal the
# unnormalised tokenizer's. Run with the ASan build too (asan-cli/...).
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=${PY:-/usr/bin/python3}
NODE_DIR="$(cd "$(dirname "$0")/../node" && pwd)"
fail() { echo "FAIL: $*"; exit 1; }

# nfc.json: Llama-3 with "normalizer": NFC, and one reserved special token
# turned into a plain (non-special) added token, matched without
# --parse-special; plain.json: the same without the normalizer
"$PY" - "$SHARED/tokenizers/llama3/tokenizer.json" "$T" <<'PYEOF'
import json, sys
src, out = sys.argv[1], sys.argv[2]
spec = json.load(open(src, encoding="utf-8"))
assert spec["normalizer"] is None, "llama3 tokenizer.json already has a normalizer"
plain = [t for t in spec["added_tokens"] if t["content"] == "<|reserved_special_token_5|>"]
assert len(plain) == 1, "llama3 tokenizer.json lacks <|reserved_special_token_5|>"
plain[0]["special"] = False
json.dump(spec, open(f"{out}/plain.json", "w", encoding="utf-8"))
spec["normalizer"] = {"type": "NFC"}
json.dump(spec, open(f"{out}/nfc.json", "w", encoding="utf-8"))
open(f"{out}/special.txt", "w").write("hello world " * 20000 + "<|end_of_text|>hello again")
open(f"{out}/plain.txt", "w").write("hello world " * 20000 + "<|reserved_special_token_5|>hello again")
PYEOF

check() { # name, text file, dusk flags...
    local name="$1" text="$2"; shift 2
    local rc=0
    "$DUSK" tokenize --tokenizer "$T/nfc.json" "$@" "$text" > "$T/$name.dusk" 2> "$T/$name.err" || rc=$?
    [ "$rc" -eq 0 ] || { cat "$T/$name.err"; fail "$name: dusk tokenize exited $rc"; }
    # HF parses special tokens always: plain.txt holds none (its added token
    # is non-special), so there it matches dusk without --parse-special too
    node "$NODE_DIR/hf_ids.js" "$T/nfc.json" "$text" > "$T/$name.hf" ||
        fail "$name: HF tokenizers reference failed (tests/node needs 'npm ci')"
    [ "$(wc -w < "$T/$name.hf")" -gt 40000 ] || fail "$name: reference has too few ids"
    cmp -s "$T/$name.dusk" "$T/$name.hf" || fail "$name: dusk ids differ from HF tokenizers"
    "$DUSK" tokenize --tokenizer "$T/plain.json" "$@" "$text" > "$T/$name.raw"
    cmp -s "$T/$name.dusk" "$T/$name.raw" || fail "$name: NFC changed the ids of an ASCII text"
    echo "$name: exit 0, $(wc -w < "$T/$name.dusk") ids equal to HF tokenizers and to the unnormalised tokenizer"
}
check special "$T/special.txt" --parse-special
grep -qw 128001 "$T/special.dusk" || fail "special: <|end_of_text|> (128001) not parsed"
check plain "$T/plain.txt"
grep -qw 128010 "$T/plain.dusk" || fail "plain: the non-special added token (128010) not matched"
