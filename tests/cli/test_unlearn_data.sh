#!/usr/bin/env bash
# `dusk finetune` and `dusk unlearn` on the real DUSK documents with a
# tokenizer dusk trains on them and a tiny random model (128-token chunks):
# the chunk counts equal `dusk data`'s, the step count follows the issue's
# schedule, NPO's first loss is (2/beta) ln 2, run.json records the data
# hashes and every hyperparameter, the same seed gives the same bytes, and a
# tokenizer the model cannot embed is refused before any work.
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
DATA="$SHARED/dusk-data/data/Prof"
PY=${PY:-/usr/bin/python3}
fail() { echo "FAIL: $*"; exit 1; }

"$DUSK" tokenizer train --vocab-size 1024 --out "$T/tok.json" "$DATA"/*.txt >/dev/null
cat > "$T/config.json" <<'JSON'
{"vocab_size": 1024, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
 "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 128}
JSON
"$DUSK" init --config "$T/config.json" --seed 3 --out "$T/m0" >/dev/null
cp "$T/tok.json" "$T/m0/tokenizer.json"
"$DUSK" data --data "$DATA" --tokenizer "$T/tok.json" --seq-len 128 > "$T/data.json"
common=(--data "$DATA" --seq-len 128 --batch-size 4 --grad-accum 2 --lr 1e-3 --no-progress)

"$DUSK" finetune --model "$T/m0" --docs forget --epochs 1 "${common[@]}" --out "$T/target" 2>/dev/null
"$DUSK" unlearn --model "$T/target" --method NPO+KL --epochs 1 "${common[@]}" --seed 4 --out "$T/u1" 2>/dev/null
"$DUSK" unlearn --model "$T/target" --method NPO+KL --epochs 1 "${common[@]}" --seed 4 --out "$T/u2" 2>/dev/null
cmp "$T/u1/model.safetensors" "$T/u2/model.safetensors" || fail "same seed, different checkpoints"
[ -f "$T/u1/tokenizer.json" ] || fail "the tokenizer did not travel with the checkpoint"

"$PY" - "$T" <<'PYEOF'
import json, math, sys
T = sys.argv[1]
data = json.load(open(f"{T}/data.json"))
nf, nr = data["chunks"]["forget"], data["chunks"]["retain"]
ft = json.load(open(f"{T}/target/run.json"))
assert ft["data"]["chunks"] == nf, (ft["data"]["chunks"], nf)
assert ft["training"]["max_steps"] == nf // 8, ft["training"]["max_steps"]
u = json.load(open(f"{T}/u1/run.json"))
tr = u["training"]
# max_steps = floor(E * N_forget / effective batch), steps_per_epoch = floor(N_forget / batch)
assert tr["effective_batch"] == 8 and tr["max_steps"] == nf // 8, (tr["max_steps"], nf)
assert tr["steps_per_epoch"] == nf // 8 and tr["warmup_steps"] == (nf // 8 if nf // 8 > 1 else 0)
assert len(tr["loss"]) == tr["max_steps"] and all(math.isfinite(x) for x in tr["loss"])
beta = u["method"]["beta"]
assert u["method"]["name"] == "NPO+KL" and abs(beta - 0.1) < 1e-12, u["method"]
first = tr["forget_loss"][0]
assert abs(first - 2 / beta * math.log(2)) < 1e-4, first  # NPO at step 0: theta == ref
assert u["data"]["forget_chunks"] == nf and u["data"]["retain_chunks"] == nr, u["data"]
for rec in (ft, u):
    docs = rec["data"]["documents"]
    for name, d in data["documents"].items():
        if name.endswith(".txt") and "/" not in name:
            assert docs[name[:-4]]["sha256"] == d["sha256"], (name, docs.get(name[:-4]))
    assert rec["data"]["tokenizer"]["sha256"], rec["data"]
print(f"chunks {nf}/{nr} at 128 tokens; finetune {ft['training']['max_steps']} steps, "
      f"NPO+KL {tr['max_steps']} steps, first forget loss {first:.6f} = (2/beta) ln 2")
PYEOF

for cmd in "finetune --docs all" "unlearn --method NPO"; do
    rm -rf "$T/x"
    if $DUSK $cmd --model "$T/m0" --epochs 1 "${common[@]}" --tokenizer "$SHARED/tokenizers/llama3/tokenizer.json" \
        --out "$T/x" 2> "$T/err"; then fail "$cmd accepted a 128256-token tokenizer for a 1024-token model"; fi
    grep -q "mismatch" "$T/err" || { cat "$T/err"; fail "no mismatch message"; }
    [ ! -e "$T/x" ] || fail "$cmd wrote output before refusing"
done
echo "same seed -> same checkpoint; tokenizer/model mismatch refused up front"
