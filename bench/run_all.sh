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
echo "== train step (forward + backward + AdamW), $THREADS threads, median of $STEPS steps"
echo "   OpenBLAS kernel: $("$B/bench/blas_info")"
for cfg in tiny small; do
    d=$("$B/bench/train_step" "$cfg" "$STEPS")
    t=$(/usr/bin/python3 "$ROOT/bench/train_step_torch.py" "$cfg" "$STEPS" "$THREADS")
    echo "$d"; echo "$t"
    /usr/bin/python3 - "$d" "$t" <<'PY'
import json, sys
d, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"   {d['config']}: dusk {d['tokens_per_s']:.0f} tok/s, pytorch {t['tokens_per_s']:.0f} tok/s, "
      f"ratio {d['tokens_per_s'] / t['tokens_per_s']:.2f}x; dusk {d['gflops']:.0f} GFLOP/s "
      f"= {100 * d['gflops'] / d['sgemm_peak_gflops']:.0f}% of sgemm peak {d['sgemm_peak_gflops']:.0f}")
PY
done
echo "== unlearning step NPO+KL (trainable model + frozen reference), $THREADS threads, median of $STEPS steps"
for cfg in tiny small; do
    d=$("$B/bench/unlearn_step" "$cfg" "$STEPS" NPO+KL)
    t=$(/usr/bin/python3 "$ROOT/bench/unlearn_step_torch.py" "$cfg" "$STEPS" "$THREADS")
    echo "$d"; echo "$t"
    /usr/bin/python3 - "$d" "$t" <<'PY'
import json, sys
d, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"   {d['config']} NPO+KL: dusk {d['tokens_per_s']:.0f} tok/s, pytorch {t['tokens_per_s']:.0f} tok/s, "
      f"ratio {d['tokens_per_s'] / t['tokens_per_s']:.2f}x")
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
