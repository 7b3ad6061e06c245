#!/usr/bin/env bash
# The whole benchmark with DUSK_OPS_GUARD=1 (src/ops/ops.c): backend memory
# is unreadable to the host except through ops.h, as a GPU's is, so any host
# loop left over parameters, gradients, activations, logits or the KV cache
# faults, and host memory handed to a kernel stops the run. The sweep of
# the test preset (fine-tuning, NPO+KL, RMU, ME+GD, TAU = SGA
# then task vector, generation for VerbMem/QA, MIA windows, the DC
# loglikelihood task, checkpoints) and grad/score/forward/generate in fp32
# and bf16 must run under it and give the same numbers as without it.
# (_slow: once, with the normal build. One thread: the guard's mprotect
# calls cost about a minute, several with OpenMP threads to interrupt.)
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. The sweep, guarded and not: the table's metric columns (all but the
#    two timing columns) and every row's eval summary agree.
RUN=("$DUSK" run --preset test --methods NPO+KL,RMU,ME+GD,TAU --threads 1 --no-progress)
(cd "$T" && DUSK_OPS_GUARD=1 "${RUN[@]}" --out G > g.md 2> g.err) || { tail -20 "$T/g.err"; fail "guarded sweep"; }
(cd "$T" && "${RUN[@]}" --out N > n.md 2> n.err) || { tail -20 "$T/n.err"; fail "unguarded sweep"; }
metrics() { cut -d'|' -f1-10,13 "$1"; }
diff <(metrics "$T/g.md") <(metrics "$T/n.md") || fail "the guarded sweep's table differs"
rows=0
for s in "$T"/N/*/eval/summary.json "$T"/N/*/*/eval/summary.json; do
    [ -f "$s" ] || continue
    g="$T/G/${s#"$T/N/"}"
    /usr/bin/python3 - "$s" "$g" <<'PY' || fail "summary differs: ${s#"$T/"}"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = ("verbmem", "ufk", "sk", "urk", "dc", "privleak", "retain_deviation")
assert [a.get(k) for k in keys] == [b.get(k) for k in keys], [(k, a.get(k), b.get(k)) for k in keys]
PY
    rows=$((rows + 1))
done
[ "$rows" -ge 8 ] || fail "only $rows eval summaries compared"
echo "sweep: $rows rows, same metrics with and without the guard"

# 2. The reference-check commands, fp32 and bf16, byte-identical outputs.
cat > "$T/config.json" <<'JSON'
{"vocab_size": 257, "hidden_size": 32, "intermediate_size": 40, "num_hidden_layers": 2,
 "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64}
JSON
"$DUSK" init --config "$T/config.json" --seed 5 --out "$T/m"
awk 'BEGIN{srand(3); for(b=0;b<4;b++){s=""; for(t=0;t<40;t++) s=s (t?" ":"") int(rand()*257); print s}}' > "$T/ids.txt"
for p in fp32 bf16; do
    for g in 0 1; do
        export DUSK_OPS_GUARD=$g
        "$DUSK" grad --model "$T/m" --ids-file "$T/ids.txt" --out "$T/grad$g.st" --precision $p > "$T/loss$g"
        "$DUSK" grad --model "$T/m" --objective NPO+KL --forget-ids "$T/ids.txt" --retain-ids "$T/ids.txt" \
            --out "$T/npo$g.st" --precision $p > "$T/npo$g"
        "$DUSK" score --model "$T/m" --ids-file "$T/ids.txt" --precision $p > "$T/score$g"
        "$DUSK" forward --model "$T/m" --ids-file "$T/ids.txt" --out "$T/fwd$g.st" --precision $p
        "$DUSK" generate --model "$T/m" --ids-file "$T/ids.txt" --max-new 12 --precision $p > "$T/gen$g"
    done
    unset DUSK_OPS_GUARD
    for f in grad npo fwd; do cmp "$T/${f}0.st" "$T/${f}1.st" || fail "$f ($p) differs under the guard"; done
    for f in loss npo score gen; do cmp "$T/${f}0" "$T/${f}1" || fail "$f output ($p) differs under the guard"; done
    echo "$p: grad, NPO+KL grad, score, forward, generate identical with and without the guard"
done
