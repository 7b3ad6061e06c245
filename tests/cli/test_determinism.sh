#!/usr/bin/env bash
# Same command, same thread count -> bit-identical outputs, run after run
# (init, forward, score, grad, and the objectives' grad with the fused head
# in one block and in 7-row blocks; 1 and 2 threads); and the AVX2 kernels'
# outputs bit-identical to the AVX-512 ones' where the CPU has both.
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cat > "$T/config.json" <<'JSON'
{"vocab_size": 257, "hidden_size": 32, "intermediate_size": 40, "num_hidden_layers": 2,
 "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64}
JSON
"$DUSK" init --config "$T/config.json" --seed 5 --out "$T/m1"
"$DUSK" init --config "$T/config.json" --seed 5 --out "$T/m2"
cmp "$T/m1/model.safetensors" "$T/m2/model.safetensors"
"$DUSK" init --config "$T/config.json" --seed 6 --out "$T/m3"
if cmp -s "$T/m1/model.safetensors" "$T/m3/model.safetensors"; then echo "different seeds gave the same model"; exit 1; fi
awk 'BEGIN{srand(3); for(b=0;b<4;b++){s=""; for(t=0;t<40;t++) s=s (t?" ":"") int(rand()*257); print s}}' > "$T/ids.txt"
for th in 1 2; do
    for run in 1 2; do
        "$DUSK" grad --model "$T/m1" --ids-file "$T/ids.txt" --out "$T/g$run.st" --threads $th > "$T/loss$run"
        "$DUSK" score --model "$T/m1" --ids-file "$T/ids.txt" --threads $th > "$T/score$run"
        "$DUSK" forward --model "$T/m1" --ids-file "$T/ids.txt" --out "$T/f$run.st" --threads $th
        for rows in 0 7; do
            for method in NPO+KL ME+GD SGA; do
                DUSK_FUSED_HEAD_ROWS=$rows "$DUSK" grad --model "$T/m1" --ref "$T/m3" --objective $method \
                    --forget-ids "$T/ids.txt" --retain-ids "$T/ids.txt" --sga-threshold 0 --threads $th \
                    --out "$T/obj$run-$method-$rows.st" > "$T/obj$run-$method-$rows"
            done
        done
    done
    cmp "$T/g1.st" "$T/g2.st"; cmp "$T/loss1" "$T/loss2"; cmp "$T/score1" "$T/score2"; cmp "$T/f1.st" "$T/f2.st"
    for rows in 0 7; do
        for method in NPO+KL ME+GD SGA; do
            cmp "$T/obj1-$method-$rows.st" "$T/obj2-$method-$rows.st"; cmp "$T/obj1-$method-$rows" "$T/obj2-$method-$rows"
        done
    done
    echo "threads=$th: bit-identical across runs"
done

# The AVX2 kernels (GEMM and row loops, DUSK_GEMM_KERNEL=avx2) give the AVX-512
# ones' bits: a run's numbers do not depend on which of the two the CPU has.
if grep -q avx512f /proc/cpuinfo && grep -q avx2 /proc/cpuinfo; then
    DUSK_GEMM_KERNEL=avx2 "$DUSK" grad --model "$T/m1" --ids-file "$T/ids.txt" --out "$T/g-avx2.st" --threads 2 > "$T/loss-avx2"
    DUSK_GEMM_KERNEL=avx2 "$DUSK" score --model "$T/m1" --ids-file "$T/ids.txt" --threads 2 > "$T/score-avx2"
    DUSK_GEMM_KERNEL=avx2 DUSK_FUSED_HEAD_ROWS=7 "$DUSK" grad --model "$T/m1" --ref "$T/m3" --objective NPO+KL \
        --forget-ids "$T/ids.txt" --retain-ids "$T/ids.txt" --threads 2 --out "$T/obj-avx2.st" > "$T/obj-avx2"
    cmp "$T/g1.st" "$T/g-avx2.st"; cmp "$T/loss1" "$T/loss-avx2"; cmp "$T/score1" "$T/score-avx2"
    cmp "$T/obj1-NPO+KL-7.st" "$T/obj-avx2.st"; cmp "$T/obj1-NPO+KL-7" "$T/obj-avx2"
    echo "avx2 kernels: the avx512 kernels' bits"
else
    echo "avx2 vs avx512: not run (this CPU lacks one)"
fi
