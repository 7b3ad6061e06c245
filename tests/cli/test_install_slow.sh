#!/usr/bin/env bash
# `make install` (DESTDIR, PREFIX) puts dusk in PREFIX/bin, and the installed
# binary runs a whole (test-preset) sweep from an unrelated directory with
# no checkout or shared/ folder beside it: nothing is looked up relative to
# the working directory or the binary.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
make -s -C "$ROOT" install DESTDIR="$T/stage" PREFIX=/opt/dusk >/dev/null
BIN="$T/stage/opt/dusk/bin/dusk"
[ -x "$BIN" ] || fail "make install did not put dusk in PREFIX/bin"
mkdir -p "$T/elsewhere/bin" && cp "$BIN" "$T/elsewhere/bin/dusk"
cd "$T/elsewhere"
env -u DUSK_SHARED ./bin/dusk run --preset test --methods GA --epochs 1 --threads 1 --no-progress --out res > table.md
grep -q "Target" table.md || fail "no table printed"
[ -f res/report.html ] && [ -f res/summary.csv ] || fail "report not written"
echo ok
