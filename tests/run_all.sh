#!/usr/bin/env bash
# Runs every test: C unit tests (normal and ASan+UBSan builds), CLI scripts and
# the PyTorch/sklearn/node reference checks, and a short run of every fuzz
# target. Ends with "N passed, N failed" (", N skipped" when a test exits 77:
# a missing tool, named on its SKIP line).
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export ROOT
export SHARED="${DUSK_SHARED:-$ROOT/../shared}"
export PY=/usr/bin/python3
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
LOG_DIR="$ROOT/build/test-logs"
mkdir -p "$LOG_DIR"
pass=0; fail=0; skip=0; failed_names=()

run_one() { # name, command...
    local name="$1"; shift
    local log="$LOG_DIR/${name//\//_}.log"
    local t0=$(date +%s.%N)
    if "$@" >"$log" 2>&1; then
        pass=$((pass + 1)); printf 'PASS  %-48s %6.1fs\n' "$name" "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{print a-b}')"
    elif [ $? -eq 77 ] && grep -q '^SKIP' "$log"; then
        skip=$((skip + 1)); printf 'SKIP  %-48s %s\n' "$name" "$(grep -m1 '^SKIP' "$log")"
    else
        fail=$((fail + 1)); failed_names+=("$name")
        printf 'FAIL  %s\n' "$name"; sed 's/^/      | /' "$log" | tail -40
    fi
}

for t in "$ROOT"/build/tests/test_*; do
    [ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
# The CUDA kernels against the CPU ones, when make CUDA=1 has built them
# (it exits 77 with a SKIP line where there is no CUDA device).
if [ -x "$ROOT/build-cuda/tests/test_cuda_ops" ]; then
    run_one "cuda/test_cuda_ops" "$ROOT/build-cuda/tests/test_cuda_ops"
fi
for t in "$ROOT"/build-san/tests/test_*; do
    [ -x "$t" ] && run_one "asan/$(basename "$t")" "$t"
done
for t in "$ROOT"/tests/cli/test_*.sh; do
    [ -f "$t" ] || continue
    run_one "cli/$(basename "$t" .sh)" env DUSK="$ROOT/build/dusk" bash "$t"
    case "$t" in *_slow.sh) ;; *)
        run_one "asan-cli/$(basename "$t" .sh)" env DUSK="$ROOT/build-san/dusk" DUSK_SANITIZED=1 bash "$t";;
    esac
done
for t in "$ROOT"/tests/ref/test_*.py; do
    [ -f "$t" ] || continue
    run_one "ref/$(basename "$t" .py)" env DUSK="$ROOT/build/dusk" "$PY" "$t"
done
for t in "$ROOT"/tests/node/test_*.sh; do
    [ -f "$t" ] || continue
    run_one "node/$(basename "$t" .sh)" env DUSK="$ROOT/build/dusk" bash "$t"
done

for t in "$ROOT"/tests/fuzz/test_*.sh; do
    [ -f "$t" ] || continue
    run_one "fuzz/$(basename "$t" .sh)" bash "$t"
done

if [ ${#failed_names[@]} -gt 0 ]; then echo "failed: ${failed_names[*]}"; fi
echo "$pass passed, $fail failed$([ "$skip" -gt 0 ] && echo ", $skip skipped")"
[ "$fail" -eq 0 ]
