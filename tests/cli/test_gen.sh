#!/usr/bin/env bash
# `dusk gen`: the corpus has the real DUSK layout and record formats; counts
# follow the options; shared profiles are in every document that should hold
# them, unique ones only in theirs, holdout / icl people in none; every QA
# answer is stated in the asked-about person's block of each source document;
# every verbatim prompt+gt is a passage of the forget document; the world
# document has no professors and its MC answers are in it; same seed → same
# bytes, another seed → different; `dusk data`, `dusk finetune`, `dusk eval
# --only qa,verbmem` and `dusk downstream` (the world MC task) take the corpus
# unchanged; bad options stop with a message and write nothing.
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
SHARED=${SHARED:-../shared}
PY=${PY:-/usr/bin/python3}
fail() { echo "FAIL: $*"; exit 1; }

"$DUSK" gen --out "$T/a" --seed 7
"$DUSK" gen --out "$T/b" --seed 7
"$DUSK" gen --out "$T/c" --seed 8
diff -r "$T/a" "$T/b" >/dev/null || fail "same seed gave different bytes"
for f in Chronological.txt eval/GeneralQA.jsonl eval/verbatim.json; do
    cmp -s "$T/a/$f" "$T/c/$f" && fail "seeds 7 and 8 gave the same $f"
done
"$DUSK" gen --out "$T/d" --seed 3 --shared 5 --unique 2 --holdout 7 --icl 3 --qa-per-profile 4 --verbatim 6 \
    --prompt-words 20 --gt-words 10 --forget Listicle --shared-docs 1

"$PY" "$(dirname "$0")/gen_check.py" "$T/a" shared=20 unique=4 holdout=20 icl=6 qa=3 verbatim=10 pw=48 gw=24 \
    forget=Chronological shared_in=Chronological,Feature_Story,Interview,Inverted_Pyramid,Listicle
"$PY" "$(dirname "$0")/gen_check.py" "$T/d" shared=5 unique=2 holdout=7 icl=3 qa=4 verbatim=6 pw=20 gw=10 \
    forget=Listicle shared_in=Listicle,Chronological

# Bad options: a message naming the flag, non-zero exit, nothing written.
for bad in "--forget Nope" "--shared-docs 5" "--shared 0" "--qa-per-profile 14" "--prompt-words 90000"; do
    if "$DUSK" gen --out "$T/bad" $bad 2> "$T/err"; then fail "gen $bad succeeded"; fi
    flag=${bad%% *}
    grep -q -- "$flag" "$T/err" || fail "gen $bad: message does not name $flag: $(cat "$T/err")"
    [ ! -e "$T/bad" ] || fail "gen $bad left $T/bad"
done

# The commands that read DUSK data take the corpus unchanged.
"$DUSK" data --data "$T/a" --tokenizer "$SHARED/tokenizers/llama3/tokenizer.json" --seq-len 256 --window 256 > "$T/data.json"
"$DUSK" tokenizer train --vocab-size 512 --out "$T/tok.json" "$T/a"/*.txt >/dev/null
cat > "$T/config.json" <<'JSON'
{"vocab_size": 512, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
 "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 2048,
 "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": true, "initializer_range": 0.3}
JSON
"$DUSK" init --config "$T/config.json" --seed 1 --out "$T/model" >/dev/null
cp "$T/tok.json" "$T/model/tokenizer.json"
"$DUSK" finetune --model "$T/model" --data "$T/a" --docs all --epochs 1 --seq-len 128 --out "$T/ft" --threads 2 2>/dev/null
[ -s "$T/ft/model.safetensors" ] || fail "finetune on the generated corpus wrote no model"
"$DUSK" eval --model "$T/model" --data "$T/a" --out "$T/eval" --only qa,verbmem --threads 2 > /dev/null
"$DUSK" downstream --model "$T/model" --tasks "$T/a/world/world_mc.jsonl" --limit 8 --out "$T/ds" --threads 2 > /dev/null
"$PY" - "$T" <<'PYEOF'
import json, sys
T = sys.argv[1]
ds = json.load(open(f"{T}/ds/results.json"))
assert ds["n-samples"]["world_mc"] == {"original": 42, "effective": 8}, ds["n-samples"]
assert 0 <= ds["results"]["world_mc"]["acc,none"] <= 1, ds["results"]
d = json.load(open(f"{T}/data.json"))
assert d["chunks"]["forget"] >= 1 and d["chunks"]["retain"] >= 4, d["chunks"]
assert d["documents"]["Chronological.txt"]["role"] == "forget", d["documents"]
assert d["windows"]["holdout"] >= 1, d["windows"]
n = {"qa_ufk.json": 4 * 3, "qa_sk.json": 20 * 3, "qa_urk.json": 4 * 4 * 3, "verbmem.json": 10}
for f, k in n.items():
    items = json.load(open(f"{T}/eval/{f}"))["items"]
    assert len(items) == k, (f, len(items), k)
s = json.load(open(f"{T}/eval/summary.json"))
for k in ("verbmem", "ufk", "sk", "urk"):
    assert isinstance(s[k], (int, float)) and 0 <= s[k] <= 100, (k, s[k])
PYEOF
# --qa-in-docs R: each document = the same prose as without the flag, then a
# block of "Question: q\nAnswer:  a" pairs: every GeneralQA pair once in each
# document holding the shared people, every Specific*QA pair R times in the
# document of its person, nothing else; every other file unchanged.
"$DUSK" gen --out "$T/q" --seed 7 --qa-in-docs 2
"$PY" - "$T/a" "$T/q" <<'PYEOF'
import collections, json, os, sys
a, q = sys.argv[1:3]
docs = ["Chronological", "Feature_Story", "Interview", "Inverted_Pyramid", "Listicle"]
for root, _, files in os.walk(a):
    for f in files:
        rel = os.path.relpath(os.path.join(root, f), a)
        if rel in [d + ".txt" for d in docs] or rel == "gen.json":
            continue
        assert open(os.path.join(a, rel), "rb").read() == open(os.path.join(q, rel), "rb").read(), rel
sets = {n: [json.loads(l) for l in open(os.path.join(a, "eval", n + ".jsonl"))]
        for n in ("GeneralQA", "SpecificForgetQA", "SpecificRetainQA")}
def person(question):
    return question.split("Dr. ", 1)[1]
total = 0
for d in docs:
    prose = open(os.path.join(a, d + ".txt"), encoding="utf-8").read()
    text = open(os.path.join(q, d + ".txt"), encoding="utf-8").read()
    head, sep, block = text.partition("\n\nQuestion: ")
    assert sep and prose.rstrip("\n") == head, d + ": prose changed"
    got = collections.Counter(("Question: " + block).split("\n\n")[:-1])
    want = collections.Counter()
    for name, qas in sets.items():
        for qa in qas:
            who = person(qa["question"])
            # the person's name (as the question spells it, up to the first word after the name) is in this prose
            full = who.split(" born")[0].split(" work")[0].split(" been")[0].split(" earn")[0].split(" teach")[0]
            full = full.split(" received")[0].rstrip("?")
            if full in prose:
                want["Question: %s\nAnswer:  %s" % (qa["question"], qa["answer"])] += 1 if name == "GeneralQA" else 2
    assert got == want, (d, sorted((got - want).items())[:3], sorted((want - got).items())[:3])
    total += sum(got.values())
assert json.load(open(os.path.join(q, "gen.json")))["qa_in_docs"] == 2
print("qa-in-docs: %d QA lines placed as expected" % total)
PYEOF

echo "test_gen: ok"
