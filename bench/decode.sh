#!/usr/bin/env bash
# Greedy decode tokens/s with and without the KV cache: stories260K (199 new
# tokens from BOS) and a random 12-layer d768 model (the "small" train config,
# 4 prompts x 16 tokens, 32 new tokens each). Median of 3 runs.
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DUSK="$ROOT/build/dusk"
M="${DUSK_SHARED:-$ROOT/../shared}/models/stories260K"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
median3() { sort -g | sed -n 2p; }
time_cmd() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN{print e-s}'; }
report() { # label tokens seconds
    awk -v l="$1" -v n="$2" -v t="$3" 'BEGIN{printf "   %-34s %8.1f tok/s  (%.3f s)\n", l, n/t, t}'
}
echo 1 > "$T/bos.txt"
for mode in "" --no-kv-cache; do
    t=$(for i in 1 2 3; do time_cmd "$DUSK" generate --model "$M/stories260K.bin" --ids-file "$T/bos.txt" --max-new 199 $mode; done | median3)
    report "stories260K ${mode:-kv-cache}" 199 "$t"
done
cat > "$T/cfg.json" <<'JSON'
{"vocab_size": 32000, "hidden_size": 768, "intermediate_size": 2048, "num_hidden_layers": 12,
 "num_attention_heads": 12, "num_key_value_heads": 12, "max_position_embeddings": 1024}
JSON
"$DUSK" init --config "$T/cfg.json" --seed 1 --out "$T/small"
awk 'BEGIN{srand(7); for(b=0;b<4;b++){s=""; for(t=0;t<16;t++) s=s (t?" ":"") int(1+rand()*31999); print s}}' > "$T/p.txt"
for mode in "" --no-kv-cache; do
    t=$(for i in 1 2 3; do time_cmd "$DUSK" generate --model "$T/small" --ids-file "$T/p.txt" --max-new 32 $mode; done | median3)
    report "small 4x32 ${mode:-kv-cache}" 128 "$t"
done
