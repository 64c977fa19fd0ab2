#!/bin/sh
# check-pkgconfig.sh BUILDDIR SRCDIR: install the build into a scratch
# DESTDIR, then compile examples/embed.c exactly as a consumer would, with
# `pkg-config --cflags --libs pixelrts`, and run it.
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
echo "pkg-config consumer: OK"
