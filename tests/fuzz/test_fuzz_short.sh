#!/usr/bin/env bash
# The fuzzing that `make test` (and so CI) does: every libFuzzer target in
# tests/fuzz for FUZZ_SHORT_SECONDS each (default 15), from its seed corpus,
# FUZZ_JOBS (default 2) at a time.
# Run once by tests/run_all.sh (the targets are built with ASan+UBSan
# already). A finding fails it and prints the crash input's path (kept, with
# the run's corpus, in build-fuzz/short-run.*; removed after a clean run).
# Exits 77 (SKIP) when clang/libFuzzer is missing. Longer runs: make fuzz.
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$ROOT/build-fuzz"
WORK="$(mktemp -d "$ROOT/build-fuzz/short-run.XXXXXX")"
FUZZ_WORK="$WORK" FUZZ_JOBS="${FUZZ_JOBS:-2}" bash "$ROOT/tests/fuzz/run_fuzz.sh" "${FUZZ_SHORT_SECONDS:-15}"
rc=$?
[ "$rc" -eq 0 ] && rm -rf "$WORK"
exit "$rc"
