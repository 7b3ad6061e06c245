#!/usr/bin/env bash
# dusk's SGEMM against OpenBLAS on every GEMM shape of the tiny and small
# train steps (bench/gemm_shapes.c). Each implementation runs in its own
# process: OpenBLAS once with OPENBLAS_CORETYPE unset (its own pick for this
# CPU, its best kernel) and once with the environment's value if one is set.
# The processes take turns for ROUNDS rounds.
#
# Two tables. 1 thread, CPU time: GFLOP per CPU-second of the one thread
# (median repeat, median over rounds) -- the quality of kernels and packing,
# unaffected by time slices other processes take on a shared machine.
# THREADS threads, wall clock: what a run sees (median repeat, median over
# rounds, and the fastest repeat of all rounds, the least disturbed one).
# Each gives dusk's ratio to the best OpenBLAS kernel, with the range of
# the per-round ratios (the noise).
#   bash bench/gemm.sh [rounds] [shape]
# shape: only the shapes whose name contains it (e.g. "tiny k/v dW").
# DUSK_THREADS=1 gives the 1-thread table alone.
set -u -o pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
B="$ROOT/build"
ROUNDS="${1:-3}"
ONLY="${2:-}"
THREADS="${DUSK_THREADS:-2}"
ENV_CORE="${OPENBLAS_CORETYPE:-}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
echo "== GEMM shapes of the train steps, dusk vs OpenBLAS, $ROUNDS rounds"
echo "   CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "   CPU flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' |
    grep -E '^(sse3|ssse3|sse4_[12]|avx|avx2|fma|avx512[a-z_0-9]*)$' | tr '\n' ' ')"
echo "   OpenBLAS, OPENBLAS_CORETYPE unset: $(env -u OPENBLAS_CORETYPE "$B/bench/blas_info")"
[ -n "$ENV_CORE" ] && echo "   OpenBLAS, OPENBLAS_CORETYPE=$ENV_CORE: $("$B/bench/blas_info")"

# run FILE ROUND LABEL [env args...]: one gemm_shapes process, its lines tagged with the round.
run() {
    local file="$1" round="$2" label="$3" impl=openblas
    shift 3
    [ "$label" = dusk ] && impl=dusk
    "$@" "$B/bench/gemm_shapes" --gemm "$impl" --label "$label" ${ONLY:+--only "$ONLY"} | sed "s/^{/{\"round\": $round, /" >>"$file"
}
for threads in $(printf '1\n%s\n' "$THREADS" | sort -un); do
    file="$OUT/threads$threads.jsonl"
    for r in $(seq "$ROUNDS"); do
        run "$file" "$r" dusk env OMP_NUM_THREADS="$threads" || exit 1
        run "$file" "$r" openblas_best env -u OPENBLAS_CORETYPE OMP_NUM_THREADS="$threads" || exit 1
        if [ -n "$ENV_CORE" ]; then run "$file" "$r" openblas_env env OMP_NUM_THREADS="$threads" || exit 1; fi
    done
done

/usr/bin/python3 - "$OUT/threads1.jsonl" "$OUT/threads$THREADS.jsonl" <<'PY'
import json, statistics, sys
from collections import defaultdict
BATCH = 16  # bench/gemm_shapes.c

def table(path, key, title, with_best):
    rows = [json.loads(l) for l in open(path)]
    g, meta, kernels = defaultdict(dict), {}, {}
    for r in rows:
        g[r["shape"]].setdefault(r["label"], {})[r["round"]] = r
        meta[r["shape"]], kernels[r["label"]] = r, r["kernel"]
    labels = [l for l in ("dusk", "openblas_best", "openblas_env") if l in kernels]
    names = {l: ("dusk " if l == "dusk" else "OB ") + kernels[l] for l in labels}
    w = 16 if with_best else 9
    print(f"-- {title}")
    print(f"   {'shape':26s} {'op':2s} {'m':>5s} {'n':>5s} {'k':>5s}" + "".join(f" {names[l]:>{w}s}" for l in labels)
          + "   dusk/best (rounds)" + ("   best" if with_best else ""))
    miss = miss_best = 0
    for shape, by in g.items():
        m = meta[shape]
        med = {l: statistics.median(v[key] for v in by[l].values()) for l in labels}
        best = {l: max(v["gflops_best"] for v in by[l].values()) for l in labels}
        ratios = [by["dusk"][r][key] / by["openblas_best"][r][key] for r in by["dusk"] if r in by["openblas_best"]]
        ratio, ratio_best = med["dusk"] / med["openblas_best"], best["dusk"] / best["openblas_best"]
        miss += ratio < 0.9
        miss_best += ratio_best < 0.9
        cells = "".join((f" {med[l]:7.1f} {best[l]:8.1f}" if with_best else f" {med[l]:9.1f}") for l in labels)
        low = ratio < 0.9 or (with_best and ratio_best < 0.9)
        print(f"   {shape:26s} {m['op']:2s} {m['m']:5d} {m['n']:5d} {m['k']:5d}{cells}"
              + f"   {ratio:5.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
              + (f"  {ratio_best:5.2f}" if with_best else "") + (" <0.90" if low else ""))
    print(f"   below 90% of the best OpenBLAS kernel: {miss} of {len(g)} shapes by median"
          + (f", {miss_best} by best repeat" if with_best else ""))

table(sys.argv[1], "gflops_cpu", "1 thread, GFLOP per CPU-second (median)", False)
threads = json.loads(open(sys.argv[2]).readline())["threads"]
if threads > 1:
    table(sys.argv[2], "gflops", f"{threads} threads, wall-clock GFLOP/s: median, best repeat", True)
    print(f"   attention rows: {BATCH} calls per thread in one parallel region; GFLOP/s of all threads together")
PY
