#!/usr/bin/env bash
# The prepared run for the GPU machine (NVIDIA H200, Ubuntu 24.04 image with
# gcc 13, nvcc 13, cuBLAS, python3 with torch; no cJSON or utf8proc). Under
# 8 minutes:
#   1. records the machine (nvidia-smi, nvcc, gcc, the OpenBLAS found);
#   2. builds make CUDA=1 (build-cuda/) against the carried .device-libs/;
#   3. runs build-cuda/tests/test_cuda_ops (every CUDA kernel against its
#      CPU twin, one line per kernel);
#   4. runs tests/cuda/compare_devices.py with python3 (whole models, cpu
#      against cuda: logits, gradients, every objective, one AdamW step,
#      bf16 loss and a 50-step bf16 fine-tune; one line per check);
#   5. the benchmarks (bench/cuda_device_bench.sh: train and NPO+KL steps
#      against HF + PyTorch, dusk eval against HF generate) in the time left;
#   6. last, if time is left, test_cuda_ops again under compute-sanitizer
#      memcheck and racecheck (bad accesses; shared-memory races).
# The build (240 s) and the kernel test (90 s) have fixed timeouts; the steps
# after them take their own cap or what is left of BUDGET_S, whichever is
# less, and one with under 20 s left is skipped (summary.txt says so).
# Logs go to $OUT (what the device call brings back; build-cuda/device-out
# when OUT is unset) and summary.txt holds each step's exit status.
#
# Before the call, in the checkout that makes it: bash tests/cuda/prepare_device_libs.sh
# The call: command "bash tests/cuda/device.sh", carry [".device-libs"], timeout_s 540.
# Exit status: 77 when there is no device; else that of the kernel test when
# it failed, else that of compare_devices (0: all within tolerance).
set -u -o pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
OUT="${OUT:-$ROOT/build-cuda/device-out}"
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"
step() { # name status
    printf '%-22s exit %s\n' "$1" "$2" | tee -a "$SUMMARY"
}
BUDGET_S=470 # the 8 minutes less a margin for the last lines
limit() { # cap in seconds -> the step's timeout, 0 when under 20 s are left
    local left=$((BUDGET_S - SECONDS))
    if [ "$left" -lt 20 ]; then echo 0; elif [ "$1" -lt "$left" ]; then echo "$1"; else echo "$left"; fi
}
skipped() { # name
    echo "$1: skipped, $((BUDGET_S - SECONDS)) s left of the ${BUDGET_S} s budget" | tee -a "$SUMMARY"
}

LIBS="$ROOT/.device-libs"
if [ ! -f "$LIBS/lib/libcjson.so.1" ] || [ ! -f "$LIBS/lib/libutf8proc.so.2" ]; then
    echo "device.sh: .device-libs/ is missing: run tests/cuda/prepare_device_libs.sh and carry .device-libs" | tee -a "$SUMMARY"
    exit 2
fi
export CPATH="$LIBS/include${CPATH:+:$CPATH}"
export LIBRARY_PATH="$LIBS/lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
export LD_LIBRARY_PATH="$LIBS/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export OPENBLAS_NUM_THREADS=1 # the CPU reference calls sgemm inside OpenMP loops

# The Makefile expects Debian's OpenMP OpenBLAS; Ubuntu may have another variant.
BLAS_ARGS=()
for variant in openmp pthread serial; do
    if [ -f "/usr/include/x86_64-linux-gnu/openblas-$variant/cblas.h" ]; then
        BLAS_ARGS=("BLAS_INC=/usr/include/x86_64-linux-gnu/openblas-$variant"
                   "BLAS_LIB=/usr/lib/x86_64-linux-gnu/openblas-$variant")
        break
    fi
done

{
    date -u
    nvidia-smi || true
    command -v nvcc && nvcc --version
    gcc --version | head -1
    echo "BLAS: ${BLAS_ARGS[*]:-not found in /usr/include/x86_64-linux-gnu/openblas-*}"
    find /usr/include /usr/lib/x86_64-linux-gnu -maxdepth 2 \( -name 'cblas.h' -o -name 'libopenblas*.so*' \) 2>/dev/null
    command -v compute-sanitizer
} >"$OUT/env.log" 2>&1

# CUDA where nvcc is (the Makefile's default is /usr/local/cuda).
NVCC_PATH="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)"
CUDA_HOME="$(cd "$(dirname "$NVCC_PATH")/.." && pwd)"
JOBS="$(nproc)"
timeout 240 make CUDA=1 CUDA_HOME="$CUDA_HOME" -j"$JOBS" "${BLAS_ARGS[@]}" >"$OUT/build.log" 2>&1
build=$?
step "build (make CUDA=1)" "$build"
if [ "$build" -ne 0 ]; then
    tail -30 "$OUT/build.log"
    exit 1
fi

timeout 90 build-cuda/tests/test_cuda_ops >"$OUT/test_cuda_ops.log" 2>&1
test_rc=$?
step "test_cuda_ops" "$test_rc"
cat "$OUT/test_cuda_ops.log"

# The machine's own python3 (torch, no transformers needed), not /usr/bin's.
compare_rc=0
if [ "$test_rc" -eq 77 ]; then
    echo "compare_devices: skipped, no CUDA device" | tee -a "$SUMMARY"
elif [ "$(limit 170)" -eq 0 ]; then
    skipped compare_devices; compare_rc=124
else
    DUSK="$ROOT/build-cuda/dusk" DEVICE_B=cuda timeout "$(limit 170)" python3 tests/cuda/compare_devices.py \
        >"$OUT/compare_devices.log" 2>&1
    compare_rc=$?
    step "compare_devices" "$compare_rc"
    grep -E '^(BAD|SKIP)|summary|Error|error' "$OUT/compare_devices.log" | head -40
fi

# The benchmarks in the time left (their script keeps to the same deadline).
if [ "$test_rc" -ne 77 ]; then
    OUT="$OUT" bash bench/cuda_device_bench.sh "$SECONDS" 2>&1 | tee "$OUT/bench.log"
    step "bench (bench/cuda_*.sh)" "${PIPESTATUS[0]}"
fi

SANITIZER="$(command -v compute-sanitizer || echo "$CUDA_HOME/bin/compute-sanitizer")"
if [ "$test_rc" -ne 77 ] && [ -x "$SANITIZER" ]; then
    for tool in memcheck racecheck; do
        if [ "$(limit 100)" -eq 0 ]; then skipped "sanitizer $tool"; continue; fi
        timeout "$(limit 100)" "$SANITIZER" --tool "$tool" --error-exitcode 9 build-cuda/tests/test_cuda_ops \
            >"$OUT/sanitizer_$tool.log" 2>&1
        step "sanitizer $tool" "$?"
        tail -5 "$OUT/sanitizer_$tool.log"
    done
else
    echo "sanitizer runs skipped: no device, or no $SANITIZER" | tee -a "$SUMMARY"
fi
cat "$SUMMARY"
if [ "$test_rc" -ne 0 ]; then exit "$test_rc"; fi
exit "$compare_rc"
