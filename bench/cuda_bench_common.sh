# shellcheck shell=bash disable=SC2034
# Sourced by bench/cuda_vs_torch.sh and bench/cuda_eval.sh: the settings they
# share and one way to run a variant within a time budget.
#   bench_setup NAME BUDGET_S: cd to the repository; sets B (DUSK_BUILD,
#     default build-cuda), PY (python3), CFG (BENCH_CONFIG, 1b), DEV
#     (BENCH_DEVICE, cuda) and LOGS (BENCH_OUT, else $OUT/NAME, else
#     $B/bench-out/NAME), and starts the budget's clock.
#   bench_run NAME CAP_S CMD...: CMD under timeout with CAP_S cut to what is
#     left of the budget (skipped, RC 125, under MIN_S = 15 s left), output in
#     $LOGS/NAME.log; sets RC, WALL (seconds), WHY ("ok", "exit N", "timed out
#     after N s", "skipped: ...") and LINE (the output's last JSON line).
bench_setup() {
    BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    cd "$BENCH_ROOT" || exit 2
    B="${DUSK_BUILD:-build-cuda}" PY="${PY:-python3}" CFG="${BENCH_CONFIG:-1b}" DEV="${BENCH_DEVICE:-cuda}"
    LOGS="${BENCH_OUT:-${OUT:+$OUT/$1}}"
    LOGS="${LOGS:-$BENCH_ROOT/$B/bench-out/$1}"
    mkdir -p "$LOGS"
    BENCH_BUDGET="$2" BENCH_START=$SECONDS
}

bench_left() { echo $((BENCH_BUDGET - (SECONDS - BENCH_START))); }

bench_run() {
    local name="$1" cap="$2" left start
    shift 2
    left=$(bench_left)
    RC=125 WALL=0 LINE=""
    if [ "$left" -lt 15 ]; then
        WHY="skipped: ${left}s of the ${BENCH_BUDGET}s budget left"
        echo "$name: $WHY"
        return
    fi
    [ "$cap" -gt "$left" ] && cap="$left"
    echo "$name (cap ${cap}s): $*"
    start=$(date +%s.%N)
    timeout --kill-after=5 "$cap" "$@" >"$LOGS/$name.log" 2>&1 </dev/null
    RC=$?
    WALL=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.2f", e-s}')
    LINE="$(grep '^{' "$LOGS/$name.log" | tail -1)"
    case "$RC" in
        0) WHY="ok" ;;
        124 | 137) WHY="timed out after ${cap}s" ;;
        *) WHY="exit $RC" ;;
    esac
    if [ "$RC" -ne 0 ]; then
        echo "$name: $WHY; last lines of $LOGS/$name.log:"
        tail -5 "$LOGS/$name.log"
    fi
}
