#!/usr/bin/env bash
# tests/cuda/compare_devices.py (issue 11's CPU-vs-CUDA whole-model check,
# run for real by tests/cuda/device.sh on a GPU machine) kept working on a
# machine without one: its DEVICE_B=cpu dry run, device B under
# DUSK_OPS_GUARD=1. This proves nothing about CUDA; it shows that every
# command, file and comparison of the script works and that every check
# passes where the two sides run the same code. Then a negative control:
# device B's "fp32" runs made bf16 (DUSK_B_ARGS, the last --precision wins),
# where the fp32 checks must say BAD and the script exit 1.
# (_slow: once, with the normal build; about a minute on 2 cores.)
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=${PY:-/usr/bin/python3}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
fail() { echo "FAIL: $*"; exit 1; }

rc=0
DEVICE_B=cpu "$PY" "$ROOT/tests/cuda/compare_devices.py" > "$T/dry.log" 2>&1 || rc=$?
cat "$T/dry.log"
[ "$rc" -eq 0 ] || fail "the dry run exited $rc"
n=$(grep -c '^ok ' "$T/dry.log")
[ "$n" -ge 60 ] || fail "only $n checks passed in the dry run"
grep -q '^compare_devices summary: .* all within tolerance; cpu vs cpu' "$T/dry.log" || fail "no summary line"

rc=0
DEVICE_B=cpu COMPARE_CONFIGS=gqa_untied DUSK_B_ARGS="--precision bf16" "$PY" "$ROOT/tests/cuda/compare_devices.py" \
    > "$T/neg.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { cat "$T/neg.log"; fail "the negative control exited $rc, expected 1"; }
for check in "fp32 forward logits" "fp32 grad CE" "fp32 grad --objective NPO+KL" "fp32 finetune (one AdamW step)" \
    "bf16 50-step fine-tune"; do
    grep -qF "BAD gqa_untied $check" "$T/neg.log" || { cat "$T/neg.log"; fail "the negative control passed '$check'"; }
done
echo "negative control: $(grep -c '^BAD' "$T/neg.log") checks BAD with bf16 in place of fp32 on device B"
