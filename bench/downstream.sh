#!/usr/bin/env bash
# `dusk downstream` on the six DC tasks with --limit 50 (per subject for mmlu)
# and the tiny Llama-3-vocabulary bench model of bench/eval.sh: wall time per
# task, then loglikelihood requests/s of dusk against bench/downstream_torch.py
# (lm-eval's HF-backend batching in PyTorch) on the same requests in the same
# run (PyTorch on an evenly spaced sample of TORCH_REQUESTS, default 300, of
# them: the whole set takes hours there). Generation has no PyTorch side here (HF transformers is not installable
# on this machine): gsm8k / triviaqa times are dusk's own.
# Usage: bench/downstream.sh [limit, default 50]
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DUSK="$ROOT/build/dusk"
SHARED="${DUSK_SHARED:-$ROOT/../shared}"
LIMIT="${1:-50}"
THREADS="${DUSK_THREADS:-2}"
BATCH=8
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
. "$ROOT/bench/tiny_llama3_model.sh"
tiny_llama3_model "$T/m"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (a busy machine slows OpenMP's spinning threads; OMP_WAIT_POLICY=passive helps)"
echo "dusk downstream --limit $LIMIT, tiny Llama-3-vocabulary model, $THREADS threads, batch $BATCH"
ll_dirs=""
ll_seconds=0
for task in arc_challenge truthfulqa_mc1 truthfulqa_mc2 mmlu gsm8k triviaqa bbq; do
    s=$(date +%s.%N)
    "$DUSK" downstream --model "$T/m" --tasks "$task" --task-dir "$SHARED/downstream" --limit "$LIMIT" \
        --batch "$BATCH" --threads "$THREADS" --log-ids --out "$T/$task" 2>"$T/$task.err" || { cat "$T/$task.err"; exit 1; }
    e=$(date +%s.%N)
    line=$(tail -1 "$T/$task.err")
    printf '   %-16s %7.1f s   %s\n' "$task" "$(awk -v s="$s" -v e="$e" 'BEGIN{print e-s}')" "$line"
    case $task in gsm8k|triviaqa) ;; *)
        ll_dirs="$ll_dirs${ll_dirs:+,}$T/$task"
        ll_seconds=$(awk -v a="$ll_seconds" -v l="$line" 'BEGIN{split(l, w, " "); print a + w[5]}');;
    esac
done
n=$(cat "$T"/*/samples_*.jsonl | /usr/bin/python3 -c "
import json, sys
print(sum(len(json.loads(l).get('dusk_request_ids', [])) for l in sys.stdin if '\"continuation\"' in l))")
t=$(/usr/bin/python3 "$ROOT/bench/downstream_torch.py" "$T/m" "$ll_dirs" "$BATCH" "$THREADS" "${TORCH_REQUESTS:-300}")
echo "   pytorch: $t"
/usr/bin/python3 - "$n" "$ll_seconds" "$t" <<'PY'
import json, sys
n, s, t = int(sys.argv[1]), float(sys.argv[2]), json.loads(sys.argv[3])
print(f"   loglikelihood: dusk {n} requests in {s:.1f} s = {n / s:.1f}/s, "
      f"pytorch {t['requests_per_s']:.1f}/s on {t['requests']} of them, "
      f"ratio {n / s / t['requests_per_s']:.2f}x (max relative difference {t['max_rel_diff']:.1e})")
PY
