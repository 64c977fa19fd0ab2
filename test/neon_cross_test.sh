#!/bin/sh
# neon_cross_test.sh SRCDIR BUILDDIR: the simd backend's NEON variant, built
# for AArch64 with the cross compiler and run under qemu-user, must give
# scalar's bytes (test/cross/neon_check.c).  Skipped (77) where the tools
# are missing: Debian's gcc-aarch64-linux-gnu and qemu-user.
src=$1
build=$2
cc=$(command -v aarch64-linux-gnu-gcc) || { echo "SKIP: no aarch64-linux-gnu-gcc (gcc-aarch64-linux-gnu)"; exit 77; }
qemu=$(command -v qemu-aarch64) || { echo "SKIP: no qemu-aarch64 (qemu-user)"; exit 77; }
[ -d /usr/aarch64-linux-gnu/lib ] || { echo "SKIP: no AArch64 C library (libc6-dev-arm64-cross)"; exit 77; }
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
# the transform sources only: the curve, the band pass, the backends' vtable (and
# common/fileio.c, which the simd backend reads its per-machine cache through); the
# project's own defines
"$cc" -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -DPRTS_HAVE_SIMD -pthread \
    -I"$src/lib" -I"$src/include" -I"$src/bench" -I"$build/lib" -I"$build" \
    "$src/test/cross/neon_check.c" "$src/bench/bench_pass.c" \
    "$src/lib/layout/hilbert.c" "$src/lib/backend/pass.c" "$src/lib/common/alloc.c" "$src/lib/common/errors.c" \
    "$src/lib/backend/registry.c" "$src/lib/backend/measure.c" "$src/lib/common/cpu_features.c" "$src/lib/common/fileio.c" \
    "$src/lib/backend/scalar.c" "$src/lib/backend/simd/simd.c" "$src/lib/backend/simd/arm.c" \
    -o "$out/neon_check" || { echo "FAIL: the AArch64 build failed"; exit 1; }
"$qemu" -L /usr/aarch64-linux-gnu "$out/neon_check"
