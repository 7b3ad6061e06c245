#!/usr/bin/env bash
# One binary for any x86-64 (issue 12): dusk built WITHOUT -march=native
# (OPT="-O2 -g", the x86-64 baseline) must
#  1. contain AVX/AVX-512 instructions (any ymm/zmm register) only in the
#     CPU-specific GEMM kernel files, which cpuid selects at run time, so
#     everything else runs on a baseline x86-64 CPU;
#  2. pass the fp32 and bf16 GEMM tests with every kernel this CPU can run
#     (the tests force each one);
#  3. compute the same gradients as the default (-march=native) build, up to
#     the vectorisation of the element-wise code (rel 1e-4).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
P="$ROOT/build-portable"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
nice make -s -C "$ROOT" -j2 BUILD=build-portable OPT="-O2 -g" build-portable/dusk build-portable/tests/test_gemm \
    build-portable/tests/test_gemm_bf16 build-portable/tests/test_vec_rows \
    build-portable/tests/test_attention_rows_bf16 >"$T/build.log" 2>&1 || { tail -20 "$T/build.log"; exit 1; }

# 1. wide registers only in the kernel files
allowed='^(sgemm_avx512|sgemm_avx2|gemm_bf16_avx512|attention_rows|attention_rows_bf16|softmax|activation)\.o$'
# (grep without -q reads all of objdump's output: with -q it would stop at the
# first match, objdump would die of SIGPIPE, and pipefail would read that as
# "no match")
objs=0; bad=()
while IFS= read -r o; do
    objs=$((objs + 1))
    if objdump -d --no-show-raw-insn "$o" | grep -E '%[yz]mm[0-9]' >/dev/null; then
        [[ "$(basename "$o")" =~ $allowed ]] || bad+=("${o#$P/}")
    fi
done < <(find "$P/src" -name '*.o' | sort)
[ "$objs" -gt 50 ] || { echo "FAIL: only $objs objects in $P/src"; exit 1; }
if [ ${#bad[@]} -gt 0 ]; then echo "FAIL: AVX/AVX-512 instructions outside the kernels: ${bad[*]}"; exit 1; fi
for k in sgemm_avx512 sgemm_avx2 gemm_bf16_avx512 attention_rows attention_rows_bf16 softmax activation; do
    objdump -d --no-show-raw-insn "$P/src/ops/cpu/$k.o" | grep -E '%[yz]mm[0-9]' >/dev/null ||
        { echo "FAIL: $k.o has no wide instructions (kernel not compiled for its target?)"; exit 1; }
done
echo "ok  $objs objects: ymm/zmm only in the kernels' objects (sgemm_avx512, sgemm_avx2, gemm_bf16_avx512, attention_rows, attention_rows_bf16, softmax, activation)"

# 2. the GEMM tests in the portable build
"$P/tests/test_gemm" | tail -1
"$P/tests/test_gemm_bf16" | tail -1
"$P/tests/test_vec_rows" | tail -1
"$P/tests/test_attention_rows_bf16" | tail -1

# 3. gradients of the portable build against the default build's
M="$ROOT/../shared/models/stories260K"
[ -d "${SHARED:-}" ] && M="$SHARED/models/stories260K"
printf '1 403 407 261 378 410 269 1 403\n' >"$T/ids.txt"
for b in build build-portable; do
    "$ROOT/$b/dusk" grad --model "$M/stories260K.bin" --ids-file "$T/ids.txt" --out "$T/$b.safetensors" >/dev/null
done
/usr/bin/python3 - "$T/build.safetensors" "$T/build-portable.safetensors" <<'PY'
import json, struct, sys
import numpy as np
def load(p):
    b = open(p, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    h.pop("__metadata__", None)
    return {k: np.frombuffer(b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], np.float32) for k, v in h.items()}
a, p = load(sys.argv[1]), load(sys.argv[2])
assert a.keys() == p.keys() and len(a) > 5, (len(a), len(p))
worst = max(float(np.abs(a[k] - p[k]).max() / max(np.abs(a[k]).max(), 1e-30)) for k in a)
assert worst < 1e-4, worst
print(f"ok  portable vs default build: {len(a)} gradient tensors, worst rel err {worst:.1e}")
PY
