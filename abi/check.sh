#!/bin/sh
# abi/check.sh LIB [BASELINE]: compare a built shared library with its committed ABI
# baseline (default abi/libpixelrts.abi; abi/libpixelrts-bench.abi for libpixelrts-bench).
# Additions are fine; anything incompatible (a removed or changed symbol) fails.  The
# experimental tier (version node PIXELRTS_EXPERIMENTAL, pixelrts.h under PRTS_EXPERIMENTAL) is
# not frozen: abi/experimental.suppr leaves it out of the comparison.
# Regenerate a baseline only when releasing a new node, from the library as built (the
# library itself always compiles the experimental tier; its symbols in the baseline are
# ignored by the comparison):
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
abidiff --no-added-syms --suppressions "$here/experimental.suppr" \
    --headers-dir2 "$here/../include/pixelrts" "$baseline" "$lib"
rc=$?
# abidiff's exit status is a bit mask: 1 error, 2 usage, 4 ABI change, 8 incompatible change
if [ $((rc & 11)) -ne 0 ]; then
  echo "ABI check FAILED: $lib against abi/$name (abidiff status $rc)" >&2
  exit 1
fi
echo "ABI of $(basename "$lib") compatible with abi/$name"
exit 0
