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
. "$ROOT/bench/tiny_llama3_model.sh"
tiny_llama3_model "$T/m"
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
