#!/usr/bin/env bash
# Fills .device-libs/ (git-ignored) with what the GPU machine's image lacks:
# cJSON and utf8proc, shared libraries and headers, copied from this Debian
# machine (their symbols need glibc 2.14 at most; the image has 2.39).
# tests/cuda/device.sh points the compiler, linker and loader at it; the
# device call carries it (carry: [".device-libs"]). Run from anywhere.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DEST="$ROOT/.device-libs"
LIBDIR=/usr/lib/x86_64-linux-gnu
for f in "$LIBDIR/libcjson.so.1" "$LIBDIR/libutf8proc.so.2" /usr/include/cjson/cJSON.h /usr/include/utf8proc.h; do
    [ -e "$f" ] || { echo "prepare_device_libs: $f is missing here (apt-get install libcjson-dev libutf8proc-dev)" >&2; exit 1; }
done
rm -rf "$DEST"
mkdir -p "$DEST/lib" "$DEST/include/cjson"
# Plain copies, no links (a link travels only as a link). The unversioned
# names are what -lcjson/-lutf8proc find; the soname inside makes the
# program ask for the versioned one at run time.
cp -L "$LIBDIR/libcjson.so.1" "$DEST/lib/libcjson.so.1"
cp -L "$LIBDIR/libcjson.so.1" "$DEST/lib/libcjson.so"
cp -L "$LIBDIR/libutf8proc.so.2" "$DEST/lib/libutf8proc.so.2"
cp -L "$LIBDIR/libutf8proc.so.2" "$DEST/lib/libutf8proc.so"
cp /usr/include/cjson/cJSON.h "$DEST/include/cjson/"
cp /usr/include/utf8proc.h "$DEST/include/"
echo "prepare_device_libs: $(du -sh "$DEST" | cut -f1) in .device-libs/:"
(cd "$DEST" && find . -type f | sort)
bash "$ROOT/tests/cuda/prepare_device_data.sh" # the DUSK data and tokenizer bench/cuda_eval.sh reads
