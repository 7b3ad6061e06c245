#!/usr/bin/env bash
# Numbers as the user gave them. A checkpoint dusk writes from a loaded HF
# config.json keeps that file's text: every key (including ones dusk does not
# know), nested objects and number spellings (1e-05, 500000.0, 0.02) stay
# byte for byte; only torch_dtype is set to the dtype the weights are stored
# in (and "dtype", which newer transformers write, when present; torch_dtype
# is added when neither is there). tokenizer/generation side files travel
# byte for byte. run.json records float hyperparameters in the shortest
# decimal that reads back as the same float: --lr 1e-3 -> 0.001, not
# 0.0010000000474974513. A llama2.c import (no config.json to keep) writes
# its floats the same way. The expected files are made here with Python's
# json module and plain text substitution, not by dusk.
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=${PY:-/usr/bin/python3}
fail() { echo "FAIL: $*"; exit 1; }

# A Llama-3.1 config.json as HF ships it, scaled down to a tiny model, plus
# keys dusk does not know (one nested, one with more digits than a float).
cat > "$T/config.json" <<'JSON'
{
  "architectures": [
    "LlamaForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 1,
  "eos_token_id": [
    2,
    3
  ],
  "hidden_act": "silu",
  "hidden_size": 16,
  "initializer_range": 0.02,
  "intermediate_size": 24,
  "max_position_embeddings": 32,
  "mlp_bias": false,
  "model_type": "llama",
  "num_attention_heads": 4,
  "num_hidden_layers": 2,
  "num_key_value_heads": 2,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": {
    "factor": 8.0,
    "high_freq_factor": 4.0,
    "low_freq_factor": 1.0,
    "original_max_position_embeddings": 8192,
    "rope_type": "llama3"
  },
  "rope_theta": 500000.0,
  "tie_word_embeddings": false,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.43.0.dev0",
  "use_cache": true,
  "vocab_size": 61,
  "x_dusk_unknown": {"pi": 3.14159265358979323846, "list": [1.50, 2E3, -0.0], "s": "caf\u00e9"}
}
JSON
printf '{"bos_token_id": 1,\n "eos_token_id": [2, 3], "temperature": 0.60, "top_p": 0.9,\n "do_sample": true}' \
    > "$T/generation_config.json"
printf '{"add_bos_token": true, "model_max_length": 1000000000000000019884624838656}\n' > "$T/tokenizer_config.json"
printf '1 5 9 13 2 7 3 4\n3 3 60 0 4 8 9 10\n' > "$T/ids.txt"

# expected text: the input with torch_dtype's value replaced
with_dtype() { sed -E "s/\"torch_dtype\": \"[a-z0-9]+\"/\"torch_dtype\": \"$2\"/" "$1"; }

"$DUSK" init --config "$T/config.json" --seed 1 --out "$T/m0"
cmp <(with_dtype "$T/config.json" float32) "$T/m0/config.json" || fail "init changed more than torch_dtype"
"$DUSK" convert --model "$T/m0" --out "$T/bf" --dtype bf16
cmp "$T/config.json" "$T/bf/config.json" || fail "convert --dtype bf16 did not give back the original bytes"
"$DUSK" convert --model "$T/bf" --out "$T/h" --dtype f16
cmp <(with_dtype "$T/config.json" float16) "$T/h/config.json" || fail "convert --dtype f16"
echo "init / convert: config.json kept byte for byte except torch_dtype"

cp "$T/generation_config.json" "$T/tokenizer_config.json" "$T/m0/"
"$DUSK" finetune --model "$T/m0" --train-ids "$T/ids.txt" --epochs 1 --batch-size 2 --grad-accum 1 \
    --lr 1e-3 --adam-beta1 0.9 --adam-beta2 0.95 --adam-eps 1e-8 --weight-decay 0.1 --max-grad-norm 1.0 \
    --dtype bf16 --no-progress --out "$T/ft" 2>/dev/null
"$DUSK" unlearn --model "$T/m0" --method NPO+GD --forget-ids "$T/ids.txt" --retain-ids "$T/ids.txt" --epochs 1 \
    --batch-size 2 --grad-accum 1 --lr 3e-4 --beta 0.1 --forget-coeff 0.3 --reg-coeff 0.7 --tv-alpha 0.9 \
    --no-progress --out "$T/un" 2>/dev/null
cmp "$T/config.json" "$T/ft/config.json" || fail "finetune --dtype bf16 changed config.json"
cmp "$T/m0/config.json" "$T/un/config.json" || fail "unlearn changed config.json"
for d in ft un; do
    for f in generation_config.json tokenizer_config.json; do
        cmp "$T/$f" "$T/$d/$f" || fail "$d: $f not copied byte for byte"
    done
done
echo "finetune / unlearn: config.json and side files kept byte for byte"

"$PY" - "$T" <<'PYEOF'
import json, re, sys
T = sys.argv[1]
src = json.load(open(f"{T}/config.json"))
for d, dtype in (("m0", "float32"), ("bf", "bfloat16"), ("h", "float16"), ("ft", "bfloat16"), ("un", "float32")):
    out = json.load(open(f"{T}/{d}/config.json"))
    assert out.pop("torch_dtype") == dtype, d
    assert out == {k: v for k, v in src.items() if k != "torch_dtype"}, d
    text = open(f"{T}/{d}/config.json").read()
    for raw in ('"rms_norm_eps": 1e-05', '"rope_theta": 500000.0', '"initializer_range": 0.02',
                '"factor": 8.0', '3.14159265358979323846', '2E3', '-0.0', 'caf\\u00e9'):
        assert raw in text, (d, raw)

def raw_numbers(path, section, keys):
    """The number text run.json has for each key of one section (order as written)."""
    text = open(path).read()
    body = text[text.index('"%s"' % section):]
    return {k: re.search(r'"%s":\s*([-0-9.eE+]+)' % k, body).group(1) for k in keys}

ft = raw_numbers(f"{T}/ft/run.json", "training", ["lr", "beta1", "beta2", "eps", "weight_decay", "max_grad_norm"])
want = {"lr": "0.001", "beta1": "0.9", "beta2": "0.95", "eps": "1e-08", "weight_decay": "0.1", "max_grad_norm": "1"}
assert ft == want, ft
tr = json.load(open(f"{T}/ft/run.json"))["training"]
assert tr["steps"] == 1 and tr["warmup_steps"] == 0 and tr["lr_per_step"] == [0.001], tr["lr_per_step"]
un = raw_numbers(f"{T}/un/run.json", "method", ["forget_coeff", "reg_coeff", "beta", "tv_alpha"])
assert un == {"forget_coeff": "0.3", "reg_coeff": "0.7", "beta": "0.1", "tv_alpha": "0.9"}, un
assert raw_numbers(f"{T}/un/run.json", "training", ["lr"]) == {"lr": "0.0003"}
print("run.json:", ", ".join(f"{k} {v}" for k, v in ft.items()), "| method", un)
PYEOF

# no torch_dtype: added as the last member; a "dtype" key (transformers >= 4.56) is set instead
"$PY" - "$T" <<'PYEOF'
import json, sys
T = sys.argv[1]
text = open(f"{T}/config.json").read()
open(f"{T}/nodtype.json", "w").write(text.replace('  "torch_dtype": "bfloat16",\n', ""))
open(f"{T}/newdtype.json", "w").write(text.replace('"torch_dtype": "bfloat16"', '"dtype": "bfloat16"'))
PYEOF
for c in nodtype newdtype; do
    mkdir -p "$T/$c"
    cp "$T/$c.json" "$T/$c/config.json"
    cp "$T/m0/model.safetensors" "$T/$c/"
    "$DUSK" convert --model "$T/$c" --out "$T/$c-out"
done
"$PY" - "$T" <<'PYEOF'
import json, sys
T = sys.argv[1]
src = json.load(open(f"{T}/nodtype.json"))
out = json.load(open(f"{T}/nodtype-out/config.json"))
assert list(out)[-1] == "torch_dtype" and out.pop("torch_dtype") == "float32" and out == src, out
new = json.load(open(f"{T}/newdtype-out/config.json"))
assert new.pop("dtype") == "float32" and "torch_dtype" not in new, new
assert new == {k: v for k, v in json.load(open(f"{T}/newdtype.json")).items() if k != "dtype"}
PYEOF
echo "missing torch_dtype added; newer 'dtype' key set in its place"

# llama2.c import: no config.json to keep; floats come out as written in llama2.c (1e-05)
"$DUSK" convert --model "$SHARED/models/stories260K/stories260K.bin" --out "$T/st"
grep -qE '"rms_norm_eps":[[:space:]]*1e-05,' "$T/st/config.json" || fail "llama2.c import: rms_norm_eps not 1e-05"
grep -qE '"initializer_range":[[:space:]]*0.02,' "$T/st/config.json" || fail "llama2.c import: initializer_range"
"$PY" -c "import json,sys; c=json.load(open(sys.argv[1])); assert c['architectures']==['LlamaForCausalLM'] and c['model_type']=='llama' and c['torch_dtype']=='float32', c" "$T/st/config.json"
echo "llama2.c import: rms_norm_eps 1e-05, initializer_range 0.02"
