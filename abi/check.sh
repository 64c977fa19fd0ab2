#!/bin/sh
# abi/check.sh LIB: compare the built shared library with the committed ABI
# baseline.  Additions are fine; anything incompatible (a removed or changed
# symbol) fails.  Regenerate the baseline only when releasing a new node:
#   abidw --no-corpus-path --headers-dir include/pixelrts LIB > abi/libpixelrts.abi
set -u
here=$(dirname "$0")
lib=$1
if ! command -v abidiff >/dev/null 2>&1; then
  echo "abidiff not found (Debian package abigail-tools): cannot check the ABI" >&2
  exit 77 # meson: skipped
fi
abidiff --no-added-syms --headers-dir2 "$here/../include/pixelrts" "$here/libpixelrts.abi" "$lib"
rc=$?
# abidiff's exit status is a bit mask: 1 error, 2 usage, 4 ABI change, 8 incompatible change
if [ $((rc & 11)) -ne 0 ]; then
  echo "ABI check FAILED against abi/libpixelrts.abi (abidiff status $rc)" >&2
  exit 1
fi
echo "ABI compatible with abi/libpixelrts.abi"
exit 0
