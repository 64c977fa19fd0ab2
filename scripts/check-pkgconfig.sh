#!/bin/sh
# check-pkgconfig.sh BUILDDIR SRCDIR: install the build into a scratch
# DESTDIR, then compile as a consumer would, and run:
# - examples/embed.c with `pkg-config --cflags --libs pixelrts`;
# - a benchmark program (pixelrts/bench.h) with `pkg-config --cflags --libs
#   pixelrts-bench`, which brings libpixelrts along (Requires: pixelrts).
set -eu
build=$1
src=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --quiet --no-rebuild >/dev/null
pcdir=$(dirname "$(find "$dest" -name pixelrts.pc | head -n 1)")
libdir=$(dirname "$pcdir")
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$dest"
echo "pkg-config --cflags --libs pixelrts: $(pkg-config --cflags --libs pixelrts)"
cc -std=c11 -Wall -Werror "$src/examples/embed.c" $(pkg-config --cflags --libs pixelrts) -o "$dest/embed"
LD_LIBRARY_PATH="$libdir" "$dest/embed"
echo "pkg-config consumer (pixelrts): OK"

[ -f "$pcdir/pixelrts-bench.pc" ] || { echo "pixelrts-bench.pc not installed in $pcdir" >&2; exit 1; }
echo "pkg-config --cflags --libs pixelrts-bench: $(pkg-config --cflags --libs pixelrts-bench)"
pkg-config --libs pixelrts-bench | grep -q -- '-lpixelrts-bench' ||
    { echo "pkg-config --libs pixelrts-bench lacks -lpixelrts-bench" >&2; exit 1; }
pkg-config --libs pixelrts-bench | grep -q -- '-lpixelrts\( \|$\)' ||
    { echo "pkg-config --libs pixelrts-bench lacks -lpixelrts (Requires: pixelrts)" >&2; exit 1; }
cat >"$dest/bench_consumer.c" <<'C'
#include <pixelrts/bench.h>
#include <stdio.h>

int main(void)
{
    prts_bench *b = prts_bench_new();
    char *json = NULL;
    int rc = b ? PRTS_OK : PRTS_E_NOMEM;
    if (rc == PRTS_OK)
        rc = prts_bench_set_option(b, PRTS_BENCH_ITERATIONS, 1);
    if (rc == PRTS_OK)
        rc = prts_bench_run(b, 4096, &json); /* no OUTPUT_DIR: no history written */
    if (rc != PRTS_OK) {
        fprintf(stderr, "bench consumer: %s: %s\n", prts_strerror(rc),
                b ? prts_bench_last_error(b) : "");
        prts_bench_free(b);
        return 1;
    }
    printf("bench consumer: libpixelrts %s, %.60s...\n", prts_version_string(), json);
    prts_free(json);
    prts_bench_free(b);
    return 0;
}
C
cc -std=c11 -Wall -Werror "$dest/bench_consumer.c" $(pkg-config --cflags --libs pixelrts-bench) \
    -o "$dest/bench_consumer"
LD_LIBRARY_PATH="$libdir" "$dest/bench_consumer"
echo "pkg-config consumer (pixelrts-bench): OK"
