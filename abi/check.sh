#!/bin/sh
# abi/check.sh LIB [BASELINE]: compare a built shared library with its committed ABI
# baseline (default abi/libpixelrts.abi; abi/libpixelrts-bench.abi for libpixelrts-bench).
# Additions are fine; anything incompatible (a removed or changed symbol) fails.
# Regenerate a baseline only when releasing a new node:
#   abidw --no-corpus-path --headers-dir include/pixelrts LIB > abi/libpixelrts.abi
#   abidw --no-corpus-path --headers-dir include/pixelrts LIB > abi/libpixelrts-bench.abi
# (LIB: build/lib/libpixelrts.so.1, build/lib/bench/libpixelrts-bench.so.1).
set -u
here=$(dirname "$0")
lib=$1
baseline=${2:-$here/libpixelrts.abi}
name=$(basename "$baseline")
if ! command -v abidiff >/dev/null 2>&1; then
  echo "abidiff not found (Debian package abigail-tools): cannot check the ABI" >&2
  exit 77 # meson: skipped
fi
abidiff --no-added-syms --headers-dir2 "$here/../include/pixelrts" "$baseline" "$lib"
rc=$?
# abidiff's exit status is a bit mask: 1 error, 2 usage, 4 ABI change, 8 incompatible change
if [ $((rc & 11)) -ne 0 ]; then
  echo "ABI check FAILED: $lib against abi/$name (abidiff status $rc)" >&2
  exit 1
fi
echo "ABI of $(basename "$lib") compatible with abi/$name"
exit 0
