#!/usr/bin/env bash
# Fault injection (tests/cli/faults.py): kills at every rename, a full disk,
# two writers, lying inputs, out-of-domain flags, NaN weights. Runs once, with
# the normal build (strace slows the sanitized one too much).
set -euo pipefail
command -v strace >/dev/null || { echo "strace is missing (make deps installs it)"; exit 1; }
exec "${PY:-/usr/bin/python3}" "$(dirname "$0")/faults.py"
