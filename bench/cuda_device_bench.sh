#!/usr/bin/env bash
# The last step of tests/cuda/device.sh: the CUDA benchmarks in what is left
# of its 8 minutes. bench/cuda_vs_torch.sh (train and NPO+KL steps against
# HF + PyTorch) gets up to 230 s of it; bench/cuda_eval.sh (dusk eval against
# HF) runs after it if at least 100 s remain. What does not fit is named.
#   bash bench/cuda_device_bench.sh ELAPSED_S   (the seconds device.sh has used)
# DEVICE_BENCH_DEADLINE_S (default 470) is where device.sh must be done;
# logs go to $OUT/cuda_vs_torch and $OUT/cuda_eval. Exit 0, or 1 if a
# benchmark script itself failed (not a slow variant: those are in its table).
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT" || exit 2
DEADLINE="${DEVICE_BENCH_DEADLINE_S:-470}"
USED="${1:-0}"
left() { echo $((DEADLINE - USED - SECONDS)); }
rc=0
l=$(left)
if [ "$l" -lt 60 ]; then
    echo "cuda_device_bench: skipped: device.sh has ${l}s left of ${DEADLINE}s (bash bench/cuda_vs_torch.sh and bench/cuda_eval.sh run them alone)"
    exit 0
fi
b=$((l < 230 ? l : 230))
timeout --kill-after=5 $((b + 20)) bash bench/cuda_vs_torch.sh "$b" || rc=1
l=$(left)
if [ "$l" -ge 100 ]; then
    timeout --kill-after=5 "$l" bash bench/cuda_eval.sh $((l > 200 ? 200 : l - 10)) || rc=1
else
    echo "cuda_device_bench: bench/cuda_eval.sh skipped: ${l}s left (it needs 100 s; run it alone)"
fi
exit "$rc"
