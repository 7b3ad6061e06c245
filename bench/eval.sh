#!/usr/bin/env bash
# Wall time of `dusk eval` over the full real DUSK eval set (47 verbatim
# prompts x 128 new tokens, 273 QA prompts x 32 new tokens, 45+185+44 MIA
# windows of 1024 tokens) with a tiny random model on the Llama-3 tokenizer
# (2 layers, d 64, vocabulary 128256: the vocabulary dominates), per metric,
# and the MIA of one document on 1 and on 2 threads. No reference stack runs
# here (HF transformers is not installable on this machine): the numbers are
# dusk's own. Usage: bench/eval.sh [runs, default 1]
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DUSK="$ROOT/build/dusk"
SHARED="${DUSK_SHARED:-$ROOT/../shared}"
DATA="$SHARED/dusk-data/data/Prof"
RUNS="${1:-1}"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
time_cmd() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN{print e-s}'; }
cat > "$T/cfg.json" <<'JSON'
{"vocab_size": 128256, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
 "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 2048,
 "rope_theta": 500000.0, "tie_word_embeddings": true, "bos_token_id": 128000, "eos_token_id": 128001}
JSON
"$DUSK" init --config "$T/cfg.json" --seed 1 --out "$T/m" >/dev/null
cp "$SHARED/tokenizers/llama3/tokenizer.json" "$T/m/"
echo "dusk eval, tiny Llama-3-vocabulary model, median of $RUNS run(s), $(nproc) cores"
total=0
for only in verbmem qa mia; do
    t=$(for i in $(seq "$RUNS"); do time_cmd "$DUSK" eval --model "$T/m" --data "$DATA" --out "$T/o" --only "$only"; done | median)
    total=$(awk -v a="$total" -v b="$t" 'BEGIN{print a+b}')
    printf '   %-32s %8.1f s\n' "--only $only" "$t"
done
printf '   %-32s %8.1f s\n' "all metrics (sum)" "$total"
for th in 1 2; do
    t=$(for i in $(seq "$RUNS"); do time_cmd "$DUSK" mia --model "$T/m" --text-file "$DATA/Chronological.txt" --threads "$th"; done | median)
    printf '   %-32s %8.1f s  (%.2f s per 1024-token window)\n' "mia Chronological, $th thread(s)" "$t" "$(awk -v t="$t" 'BEGIN{print t/45}')"
done
