#!/usr/bin/env bash
# Build every tests/fuzz/fuzz_*.c as a libFuzzer target (clang, ASan+UBSan)
# into build-fuzz/ and run each for SECONDS (default 60).
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
# non-zero if a target fails to build or finds a problem.
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SECONDS_EACH="${1:-60}"
FILTER="${2:-}"
OUT="$ROOT/build-fuzz"
WORK="${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/dusk-fuzz.XXXXXX")}"
CLANG="${CLANG:-clang}"
BLAS_INC=/usr/include/x86_64-linux-gnu/openblas-openmp
BLAS_LIB=/usr/lib/x86_64-linux-gnu/openblas-openmp
FLAGS=(-std=c11 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer -I"$ROOT/src")
# OpenBLAS-openmp runs on GCC's OpenMP runtime: use the same one.
ALL_LIBS=(-fopenmp=libgomp -L"$BLAS_LIB" -Wl,-rpath,"$BLAS_LIB" -lopenblas -lcjson -lpcre2-8 -lutf8proc -lz -lcrypto -lm)
mkdir -p "$OUT" "$WORK/artifacts"
echo "== work folder (new corpus entries, crashes): $WORK"
status=0

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

for target in "$ROOT"/tests/fuzz/fuzz_*.c; do
    [ -f "$target" ] || continue
    name="$(basename "$target" .c)"
    short="${name#fuzz_}"
    case "$short" in *"$FILTER"*) ;; *) continue ;; esac
    echo "== $name: building"
    if ! build_target "$target" "$OUT/$name"; then
        echo "== $name: BUILD FAILED"; status=1; continue
    fi
    corpus="$WORK/corpus_$short"
    mkdir -p "$corpus"
    seeds=()
    [ -d "$ROOT/tests/fuzz/corpus_$short" ] && seeds+=("$ROOT/tests/fuzz/corpus_$short")
    log="$WORK/$name.log"
    echo "== $name: running ${SECONDS_EACH}s (log: $log)"
    if ! "$OUT/$name" "$corpus" "${seeds[@]}" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$name-" 2>"$log"; then
        echo "== $name: FOUND A PROBLEM (see $log and $WORK/artifacts/)"; status=1
        grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error)" "$log" | head -5
    fi
    grep -E "^(stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)" "$log"
done
exit $status
