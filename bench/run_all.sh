#!/usr/bin/env bash
# Benchmarks, each run side by side with its reference in the same session.
#   bash bench/run_all.sh [steps]
# Quote medians: the machine is shared and noisy.
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
B="$ROOT/build"
STEPS="${1:-5}"
THREADS="${DUSK_THREADS:-2}"
export OMP_NUM_THREADS="$THREADS"
ROUNDS="${DUSK_BENCH_ROUNDS:-3}"
declare -A TORCH_STEP
bash "$ROOT/bench/gemm.sh" 3
echo "== train step (forward + backward + AdamW), $THREADS threads, median of $STEPS steps"
echo "   OpenBLAS kernel: $("$B/bench/blas_info")"
for cfg in tiny small; do
    d=$("$B/bench/train_step" "$cfg" "$STEPS")
    t=$(/usr/bin/python3 "$ROOT/bench/train_step_torch.py" "$cfg" "$STEPS" "$THREADS")
    TORCH_STEP[$cfg]="$t"
    echo "$d"; echo "$t"
    /usr/bin/python3 - "$d" "$t" <<'PY'
import json, sys
d, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"   {d['config']}: dusk {d['tokens_per_s']:.0f} tok/s, pytorch {t['tokens_per_s']:.0f} tok/s, "
      f"ratio {d['tokens_per_s'] / t['tokens_per_s']:.2f}x; dusk {d['gflops']:.0f} GFLOP/s "
      f"= {100 * d['gflops'] / d['sgemm_peak_gflops']:.0f}% of sgemm peak {d['sgemm_peak_gflops']:.0f}")
PY
done
echo "== bf16 train step (--precision bf16) vs fp32, interleaved: median over $ROUNDS runs of each (each a median of $STEPS steps)"
echo "   CPU: $(grep -o -w -E 'avx512_bf16|avx512f|avx2|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for cfg in tiny small; do
    runs=()
    for r in $(seq "$ROUNDS"); do
        runs+=("$("$B/bench/train_step" "$cfg" "$STEPS" --precision fp32)")
        # fp32 again with OpenBLAS choosing its best kernel for this CPU
        runs+=("$(env -u OPENBLAS_CORETYPE "$B/bench/train_step" "$cfg" "$STEPS" --precision fp32)")
        runs+=("$("$B/bench/train_step" "$cfg" "$STEPS" --precision bf16)")
    done
    /usr/bin/python3 - "${TORCH_STEP[$cfg]}" "${runs[@]}" <<'PY'
import json, statistics, sys
torch = json.loads(sys.argv[1])
runs = [json.loads(a) for a in sys.argv[2:]]
name = lambda r: "bf16 " + r["bf16_kernel"] if r["precision"] == "bf16" else f"fp32 {r['gemm']} {r['gemm_kernel']}"
tok = {}
for r in runs:
    tok.setdefault(name(r), []).append(r["tokens_per_s"])
med = {p: statistics.median(v) for p, v in tok.items()}
cfg, bf16 = runs[0]["config"], name(runs[-1])
for p, v in tok.items():
    print(f"   {cfg} {p}: median {med[p]:.0f} tok/s (runs {', '.join(f'{x:.0f}' for x in sorted(v))})")
for p in tok:
    if p != bf16:
        print(f"   {cfg}: bf16 / {p}: {med[bf16] / med[p]:.2f}x (target >= 1.6x)")
print(f"   {cfg}: bf16 vs pytorch fp32 ({torch['tokens_per_s']:.0f} tok/s): "
      f"{med[bf16] / torch['tokens_per_s']:.2f}x (target >= {2.5 if cfg == 'tiny' else 2.0}x)")
PY
done
echo "== bf16 / fp32 with the steps taking turns (train_step --alternate: both timed over the same minutes), 20 steps of each"
for cfg in tiny small; do
    for r in $(seq "$ROUNDS"); do
        /usr/bin/python3 - "$("$B/bench/train_step" "$cfg" 20 --alternate)" <<'PY'
import json, sys
a = json.loads(sys.argv[1])
print(f"   {a['config']}: fp32 {a['tokens_per_s']:.0f} tok/s, bf16 {a['bf16_tokens_per_s']:.0f} tok/s, "
      f"bf16/fp32 {a['bf16_speedup']:.3f}x (target >= 1.6x); fp32 at {a['gflops'] / a['sgemm_peak_gflops']:.2f} "
      f"of the GEMM peak (target >= 0.85 on tiny)")
PY
    done
done
echo "== unlearning step NPO+KL (trainable model + frozen reference), $THREADS threads, median of $STEPS steps"
for cfg in tiny small; do
    d=$("$B/bench/unlearn_step" "$cfg" "$STEPS" NPO+KL)
    h=$("$B/bench/unlearn_step" "$cfg" "$STEPS" NPO+KL --precision bf16)
    t=$(/usr/bin/python3 "$ROOT/bench/unlearn_step_torch.py" "$cfg" "$STEPS" "$THREADS")
    echo "$d"; echo "$h"; echo "$t"
    /usr/bin/python3 - "$d" "$h" "$t" <<'PY'
import json, sys
d, h, t = (json.loads(a) for a in sys.argv[1:])
print(f"   {d['config']} NPO+KL: dusk {d['tokens_per_s']:.0f} tok/s (bf16 {h['tokens_per_s']:.0f}), "
      f"pytorch {t['tokens_per_s']:.0f} tok/s, ratio {d['tokens_per_s'] / t['tokens_per_s']:.2f}x "
      f"(bf16 {h['tokens_per_s'] / t['tokens_per_s']:.2f}x)")
PY
done
echo "== greedy decode, with and without the KV cache"
bash "$ROOT/bench/decode.sh"
echo "== batch-16 greedy decode and MIA windows against PyTorch (KV-cached loop), $THREADS threads, median of 3"
bash "$ROOT/bench/decode_vs_torch.sh" 3
[ -x "$ROOT/bench/tokenizer_bench.sh" ] && bash "$ROOT/bench/tokenizer_bench.sh"
echo "== dusk eval wall time"
bash "$ROOT/bench/eval.sh"
echo "== dusk downstream (six DC tasks, --limit 50)"
bash "$ROOT/bench/downstream.sh"
exit 0
