#!/usr/bin/env bash
# Build every tests/fuzz/fuzz_*.c as a libFuzzer target (clang, ASan+UBSan)
# into build-fuzz/ (or $FUZZ_BUILD) and run each for SECONDS (default 60).
#
#   bash tests/fuzz/run_fuzz.sh [SECONDS] [NAME_FILTER]
#
# A target may name the sources it needs in its leading comment:
#   fuzz-sources: src/io/safetensors.c src/util/err.c ...
#   fuzz-libs: -lcjson -lm
# Then only those files are compiled, so a half-edited file elsewhere in src/
# cannot stop the fuzzing. A target without fuzz-sources is linked against
# every library source (src/**/*.c but src/cli/main.c) and the Makefile's
# libraries. Seeds come from tests/fuzz/corpus_<name>/ and are only read: new
# inputs and crash reproducers go to a work folder outside the repository
# ($FUZZ_WORK, default a fresh mktemp -d), whose path is printed. Exits
# non-zero if a target fails to build or finds a problem, and then prints
# the path of each crash input (rerun one with: build-fuzz/NAME PATH). Exits
# 77 with a SKIP line when clang or its libFuzzer runtime is missing.
# FUZZ_JOBS targets are built and run at once (default 1; each is one thread).
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SECONDS_EACH="${1:-60}"
FILTER="${2:-}"
OUT="${FUZZ_BUILD:-$ROOT/build-fuzz}" # where the targets are built
WORK="${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/dusk-fuzz.XXXXXX")}"
CLANG="${CLANG:-clang}"
BLAS_INC=/usr/include/x86_64-linux-gnu/openblas-openmp
BLAS_LIB=/usr/lib/x86_64-linux-gnu/openblas-openmp
FLAGS=(-std=c11 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer -I"$ROOT/src")
# OpenBLAS-openmp runs on GCC's OpenMP runtime: use the same one.
ALL_LIBS=(-fopenmp=libgomp -L"$BLAS_LIB" -Wl,-rpath,"$BLAS_LIB" -lopenblas -lcjson -lpcre2-8 -lutf8proc -lz -lcrypto -lm)

# clang with libFuzzer (Debian: clang and libclang-rt-14-dev; `make deps`)
have_libfuzzer() {
    command -v "$CLANG" >/dev/null || return 1
    local probe
    probe="$(mktemp -d "${TMPDIR:-/tmp}/dusk-fuzz-probe.XXXXXX")"
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' > "$probe/p.c"
    "$CLANG" -fsanitize=fuzzer,address "$probe/p.c" -o "$probe/p" >/dev/null 2>&1
    local rc=$?
    rm -rf "$probe"
    return $rc
}
if ! have_libfuzzer; then
    echo "SKIP: fuzzing needs clang with libFuzzer ('$CLANG -fsanitize=fuzzer' does not link; make deps installs clang and libclang-rt-14-dev)"
    exit 77
fi

mkdir -p "$OUT" "$WORK/artifacts"
echo "== work folder (new corpus entries, crashes): $WORK"

field() { # target file, field name -> its value from the leading comment
    sed -n "s/^[ /*]*$2:[[:space:]]*\(.*\)$/\1/p" "$1" | head -1 | sed 's|[[:space:]]*\*/.*$||'
}

build_target() { # target.c, output binary
    local target="$1" bin="$2" srcs=() libs=()
    local listed
    listed="$(field "$target" fuzz-sources)"
    if [ -n "$listed" ]; then
        for s in $listed; do srcs+=("$ROOT/$s"); done
        read -r -a libs <<<"$(field "$target" fuzz-libs)"
        "$CLANG" "${FLAGS[@]}" "$target" "${srcs[@]}" "${libs[@]}" -o "$bin"
    else
        while IFS= read -r s; do srcs+=("$s"); done < <(find "$ROOT/src" -name '*.c' ! -path '*/src/cli/main.c' | sort)
        "$CLANG" "${FLAGS[@]}" -fopenmp=libgomp -I"$BLAS_INC" "$target" "${srcs[@]}" "${ALL_LIBS[@]}" -o "$bin"
    fi
}

# One target: its lines of report go to $WORK/NAME.report, and
# $WORK/NAME.finding holds the crash input's path when it finds a problem.
build_and_run() { # target.c
    local target="$1" name short corpus log seeds=()
    name="$(basename "$target" .c)"
    short="${name#fuzz_}"
    exec >"$WORK/$name.report" 2>&1
    if ! build_target "$target" "$OUT/$name"; then
        echo "== $name: BUILD FAILED"
        echo "build failed" > "$WORK/$name.finding"
        return
    fi
    corpus="$WORK/corpus_$short"
    mkdir -p "$corpus"
    [ -d "$ROOT/tests/fuzz/corpus_$short" ] && seeds+=("$ROOT/tests/fuzz/corpus_$short")
    log="$WORK/$name.log"
    echo "== $name: ran ${SECONDS_EACH}s (log: $log)"
    if ! "$OUT/$name" "$corpus" "${seeds[@]}" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$name-" 2>"$log"; then
        echo "== $name: FOUND A PROBLEM"
        grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error)" "$log" | head -5
        local crash
        crash="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)"
        echo "${crash:-no input written, see $log}" > "$WORK/$name.finding"
        [ -n "$crash" ] && echo "== $name: crash input: $crash (rerun: $OUT/$name $crash)"
    fi
    grep -E "^(stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)" "$log"
    grep -E "^Done [0-9]+ runs" "$log"
}

# libFuzzer runs on one thread: FUZZ_JOBS targets at a time (default 1).
JOBS="${FUZZ_JOBS:-1}"
names=()
running=0
for target in "$ROOT"/tests/fuzz/fuzz_*.c; do
    [ -f "$target" ] || continue
    name="$(basename "$target" .c)"
    case "${name#fuzz_}" in *"$FILTER"*) ;; *) continue ;; esac
    names+=("$name")
    rm -f "$WORK/$name.finding"
    echo "== $name: building and running"
    build_and_run "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait
status=0
findings=()
for name in "${names[@]}"; do
    cat "$WORK/$name.report"
    if [ -f "$WORK/$name.finding" ]; then
        status=1
        findings+=("$name: $(cat "$WORK/$name.finding")")
    fi
done
if [ ${#findings[@]} -gt 0 ]; then
    echo "== FINDINGS (crash inputs):"
    printf '   %s\n' "${findings[@]}"
fi
exit $status
