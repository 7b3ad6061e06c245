#!/usr/bin/env bash
# clean_up_tokenization_spaces for MIA windows follows tokenizer_config.json
# beside the tokenizer (transformers' decode), False without one (current
# transformers' default), and --clean-up-spaces true|false overrides it:
# window texts of `dusk mia --ids` with a text where cleanup matters (" .",
# " 's", " ,"), checked against transformers' replacements written here;
# `dusk data` records the effective choice.
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=${PY:-/usr/bin/python3}
fail() { echo "FAIL: $*"; exit 1; }

for i in $(seq 1 40); do printf "Dr. Smith 's cat is here . It 's mine , he said ! Isn 't it ? They 're fine . "; done > "$T/text.txt"
mkdir "$T/tok"
"$DUSK" tokenizer train --vocab-size 300 --out "$T/tok/tokenizer.json" "$T/text.txt" >/dev/null
cat > "$T/config.json" <<'JSON'
{"vocab_size": 300, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
 "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 64,
 "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "initializer_range": 0.2}
JSON
"$DUSK" init --config "$T/config.json" --seed 1 --out "$T/model" >/dev/null
mia() { local name="$1"; shift; "$DUSK" mia --model "$T/model" --tokenizer "$T/tok" --text-file "$T/text.txt" --window 32 --ids --threads 1 "$@" > "$T/$name.jsonl"; }
mia none
echo '{"clean_up_tokenization_spaces": true}' > "$T/tok/tokenizer_config.json"
mia config_true
mia config_true_forced_false --clean-up-spaces false
echo '{"clean_up_tokenization_spaces": false}' > "$T/tok/tokenizer_config.json"
mia config_false
mia config_false_forced_true --clean-up-spaces true
if "$DUSK" mia --model "$T/model" --tokenizer "$T/tok" --text-file "$T/text.txt" --clean-up-spaces maybe 2> "$T/err" >/dev/null; then
    fail "--clean-up-spaces maybe accepted"
fi
grep -q -- "--clean-up-spaces" "$T/err" || fail "bad --clean-up-spaces value: $(cat "$T/err")"

"$PY" - "$T" <<'PYEOF'
import json, sys
T = sys.argv[1]
def texts(name):
    return [json.loads(l)["text"] for l in open(f"{T}/{name}.jsonl")]
def clean_up(s):  # transformers' clean_up_tokenization, in its order
    for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                 (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        s = s.replace(a, b)
    return s
raw, cleaned = texts("none"), texts("config_true")
assert len(raw) >= 5 and len(raw) == len(cleaned), (len(raw), len(cleaned))
assert texts("config_false") == raw, "tokenizer_config.json false must decode as without one"
assert texts("config_true_forced_false") == raw, "--clean-up-spaces false must override the config"
assert texts("config_false_forced_true") == cleaned, "--clean-up-spaces true must override the config"
changed = sum(r != c for r, c in zip(raw, cleaned))
assert changed == len(raw), f"cleanup changed only {changed} of {len(raw)} windows"
for r, c in zip(raw, cleaned):
    assert c == clean_up(r), (r, c)
print(f"{len(raw)} windows: tokenizer_config.json true cleans every window text as transformers does; false / absent / overrides as expected")
PYEOF

echo '{"clean_up_tokenization_spaces": true}' > "$T/tok/tokenizer_config.json"
mkdir "$T/data" "$T/data/eval"
for d in Chronological Feature_Story Interview Inverted_Pyramid Listicle; do cp "$T/text.txt" "$T/data/$d.txt"; done
cp "$T/text.txt" "$T/data/eval/holdout.txt"
"$DUSK" data --data "$T/data" --tokenizer "$T/tok" --seq-len 32 --window 32 > "$T/data_true.json"
"$DUSK" data --data "$T/data" --tokenizer "$T/tok" --seq-len 32 --window 32 --clean-up-spaces false > "$T/data_false.json"
"$PY" - "$T" <<'PYEOF'
import json, sys
T = sys.argv[1]
a, b = (json.load(open(f"{T}/data_{x}.json")) for x in ("true", "false"))
assert a["clean_up_tokenization_spaces"]["mia_windows"] is True, a["clean_up_tokenization_spaces"]
assert a["clean_up_tokenization_spaces"]["mia_windows_source"] == "tokenizer_config.json"
assert b["clean_up_tokenization_spaces"]["mia_windows"] is False
h = lambda d: d["documents"]["Listicle.txt"]["windows_sha256"]
assert h(a) != h(b), "the window ids should change with the cleanup"
print("dusk data records the effective flag and its window hashes follow it")
PYEOF
echo "test_cleanup_spaces: OK"
