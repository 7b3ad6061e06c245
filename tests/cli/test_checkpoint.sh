#!/usr/bin/env bash
# Checkpoint round trips: a model written by dusk and read back gives
# bit-identical logits (single file, sharded, llama2.c import); bf16 storage
# round-trips exactly; bad checkpoints fail with a message naming the problem.
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cat > "$T/config.json" <<'JSON'
{"vocab_size": 61, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2,
 "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 32,
 "rms_norm_eps": 1e-5, "tie_word_embeddings": false, "initializer_range": 0.3}
JSON
printf '1 5 9 13 2 7\n3 3 60 0 4 8\n' > "$T/ids.txt"
"$DUSK" init --config "$T/config.json" --seed 11 --out "$T/a"
"$DUSK" forward --model "$T/a" --ids-file "$T/ids.txt" --out "$T/la.st"

# re-save (f32) and sharded re-save: identical logits
"$DUSK" convert --model "$T/a" --out "$T/b"
"$DUSK" convert --model "$T/a" --out "$T/s" --max-shard-bytes 4000
ls "$T/s" | grep -q 'model-00001-of-' || { echo "no shards written"; exit 1; }
[ ! -e "$T/s/model.safetensors" ] || { echo "sharded save left model.safetensors"; exit 1; }
for d in b s; do
    "$DUSK" forward --model "$T/$d" --ids-file "$T/ids.txt" --out "$T/l$d.st"
    cmp "$T/la.st" "$T/l$d.st" || { echo "logits differ after round trip via $d"; exit 1; }
done
cmp "$T/a/model.safetensors" "$T/b/model.safetensors" || { echo "f32 re-save not byte-identical"; exit 1; }
echo "f32 / sharded round trips: identical logits"

# bf16: storing an already-bf16 model again is byte-exact, and its logits are stable
"$DUSK" convert --model "$T/a" --out "$T/h1" --dtype bf16
"$DUSK" convert --model "$T/h1" --out "$T/h2" --dtype bf16
cmp "$T/h1/model.safetensors" "$T/h2/model.safetensors" || { echo "bf16 round trip not exact"; exit 1; }
"$DUSK" forward --model "$T/h1" --ids-file "$T/ids.txt" --out "$T/lh1.st"
"$DUSK" convert --model "$T/h1" --out "$T/h3"   # bf16 -> f32 is exact too
"$DUSK" forward --model "$T/h3" --ids-file "$T/ids.txt" --out "$T/lh3.st"
cmp "$T/lh1.st" "$T/lh3.st" || { echo "bf16 -> f32 changed the logits"; exit 1; }
echo "bf16 round trip exact"

# llama2.c import: the .bin and its HF conversion agree bit for bit
M="$SHARED/models/stories260K/stories260K.bin"
"$DUSK" convert --model "$M" --out "$T/st"
printf '1 403 407 261 378 410 261 300\n' > "$T/sids.txt"
"$DUSK" forward --model "$M" --ids-file "$T/sids.txt" --out "$T/l1.st"
"$DUSK" forward --model "$T/st" --ids-file "$T/sids.txt" --out "$T/l2.st"
cmp "$T/l1.st" "$T/l2.st" || { echo "llama2.c import and its HF conversion differ"; exit 1; }
echo "llama2.c import round trip exact"

# bad inputs: clear messages, non-zero exit
expect_fail() { # pattern, command...
    local pat="$1"; shift
    if out=$("$@" 2>&1); then echo "expected failure: $*"; exit 1; fi
    echo "$out" | grep -q -- "$pat" || { echo "message '$out' lacks '$pat'"; exit 1; }
}
cp -r "$T/a" "$T/bad"
head -c 100 "$T/a/model.safetensors" > "$T/bad/model.safetensors"
expect_fail "model.safetensors" "$DUSK" forward --model "$T/bad" --ids-file "$T/ids.txt" --out "$T/x.st"
cp "$T/a/model.safetensors" "$T/bad/model.safetensors"
sed -i -E 's/"hidden_size":[[:space:]]*16/"hidden_size": 32/' "$T/bad/config.json"
expect_fail "shape" "$DUSK" forward --model "$T/bad" --ids-file "$T/ids.txt" --out "$T/x.st"
echo '{"hidden_size": ' > "$T/bad/config.json"
expect_fail "config.json" "$DUSK" forward --model "$T/bad" --ids-file "$T/ids.txt" --out "$T/x.st"
head -c 1000 "$M" > "$T/trunc.bin"
expect_fail "trunc.bin" "$DUSK" forward --model "$T/trunc.bin" --ids-file "$T/sids.txt" --out "$T/x.st"
printf '1 2 999\n' > "$T/badids.txt"
expect_fail "badids.txt:1" "$DUSK" score --model "$T/a" --ids-file "$T/badids.txt"
expect_fail "no model.safetensors" "$DUSK" score --model "$T" --ids-file "$T/ids.txt"
[ ! -e "$T/x.st" ] || { echo "a failed run left an output file"; exit 1; }
ls "$T"/*.tmp.* 2>/dev/null && { echo "temporary files left behind"; exit 1; }
echo "bad inputs rejected"
