#!/usr/bin/env bash
# Eval-side throughput against PyTorch (issue 12): batch-16 greedy decoding
# with a KV cache, and MIA window scoring (forward + log-softmax statistics),
# on random models of the tiny and small shapes that `dusk init` writes.
# Both sides time inside their process (model load excluded), same prompts,
# same threads; decode tokens/s counts the MAX_NEW-1 steps after the prefill
# and first token. The generated ids are compared token by token.
#   bash bench/decode_vs_torch.sh [repeats]
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
B="$ROOT/build"
REPEATS="${1:-3}"
THREADS="${DUSK_THREADS:-2}"
export OMP_NUM_THREADS="$THREADS"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# name layers d heads kv_heads mlp vocab max_new mia_windows
shapes=("tiny 4 256 8 4 688 4096 128 8" "small 12 768 12 12 2048 32000 64 2")
for shape in "${shapes[@]}"; do
    read -r name L d nh nkv ff V new nwin <<<"$shape"
    cat > "$T/$name.json" <<JSON
{"vocab_size": $V, "hidden_size": $d, "intermediate_size": $ff, "num_hidden_layers": $L,
 "num_attention_heads": $nh, "num_key_value_heads": $nkv, "max_position_embeddings": 1024}
JSON
    "$B/dusk" init --config "$T/$name.json" --seed 1 --out "$T/$name" >/dev/null
    awk -v V="$V" 'BEGIN{srand(7); for(b=0;b<16;b++){s=""; for(t=0;t<16;t++) s=s (t?" ":"") int(1+rand()*(V-1)); print s}}' > "$T/prompts.txt"
    awk -v V="$V" -v n="$nwin" 'BEGIN{srand(11); for(b=0;b<n;b++){s=""; for(t=0;t<1024;t++) s=s (t?" ":"") int(1+rand()*(V-1)); print s}}' > "$T/windows.txt"
    d_dec=$("$B/bench/decode_mia" decode "$T/$name" "$T/prompts.txt" "$new" "$REPEATS" "$T/dusk_ids.txt")
    t_dec=$(/usr/bin/python3 "$ROOT/bench/decode_torch.py" decode "$T/$name" "$T/prompts.txt" "$new" "$REPEATS" "$THREADS" "$T/torch_ids.txt")
    d_mia=$("$B/bench/decode_mia" mia "$T/$name" "$T/windows.txt" "$REPEATS")
    t_mia=$(/usr/bin/python3 "$ROOT/bench/decode_torch.py" mia "$T/$name" "$T/windows.txt" "$REPEATS" "$THREADS")
    /usr/bin/python3 - "$name" "$d_dec" "$t_dec" "$d_mia" "$t_mia" "$T/dusk_ids.txt" "$T/torch_ids.txt" <<'PY'
import json, sys
name = sys.argv[1]
dd, td, dm, tm = (json.loads(a) for a in sys.argv[2:6])
da = [l.split() for l in open(sys.argv[6]).read().splitlines()]
ta = [l.split() for l in open(sys.argv[7]).read().splitlines()]
same = sum(a == b for a, b in zip(da, ta))
first = [next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None) for a, b in zip(da, ta)]
diff = [f"row {r} from token {i}" for r, i in enumerate(first) if i is not None]
print(f"   {name} decode batch {dd['batch']} x {dd['max_new']} new (prompts {dd['prompt_len']}): "
      f"dusk {dd['decode_tokens_per_s']:.0f} tok/s, pytorch {td['decode_tokens_per_s']:.0f} tok/s, "
      f"ratio {dd['decode_tokens_per_s'] / td['decode_tokens_per_s']:.2f}x "
      f"(prefill + first token: dusk {dd['prefill_s'] * 1e3:.0f} ms, pytorch {td['prefill_s'] * 1e3:.0f} ms)")
print(f"   {name} decode ids: {same}/{len(da)} rows identical" + (f"; differ: {', '.join(diff)}" if diff else ""))
err = max(abs(a - b) for a, b in zip(dm["loss"], tm["loss"]))
errz = max(abs(a - b) for a, b in zip(dm["minkpp_0.4"], tm["minkpp_0.4"]))
print(f"   {name} MIA {dm['windows']} windows x 1024: dusk {dm['tokens_per_s']:.0f} tok/s, "
      f"pytorch {tm['tokens_per_s']:.0f} tok/s, ratio {dm['tokens_per_s'] / tm['tokens_per_s']:.2f}x "
      f"(max |loss diff| {err:.1e}, max |mink++_0.4 diff| {errz:.1e})")
PY
done
