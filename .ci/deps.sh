#!/usr/bin/env bash
# Debian packages dusk needs to build and test (chromium + a font: the report.html render test);
# npm packages for tokenizer references.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    build-essential clang libclang-rt-14-dev \
    libopenblas-openmp-dev libcjson-dev libpcre2-dev libutf8proc-dev zlib1g-dev libssl-dev \
    python3 python3-numpy python3-torch python3-sklearn python3-nltk strace util-linux \
    chromium fonts-liberation >/dev/null
# Node.js (for the tokenizer reference vectors): keep a preinstalled one.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ -f tests/node/package.json ]; then
    (cd tests/node && npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent)
fi
