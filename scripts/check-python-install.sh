#!/bin/sh
# check-python-install.sh BUILDDIR PYTHON: install the build into a scratch DESTDIR, then use
# the Python binding from there exactly as a user would after `meson install`: PYTHONPATH at
# the installed site-packages, the installed libpixelrts.so.1 found on the library path (no
# PIXELRTS_LIBRARY, no build tree), and the guide's CLI converting and describing a file; then
# a benchmark through the installed libpixelrts-bench.so.1 (no PIXELRTS_BENCH_LIBRARY).
set -eu
build=$1
python=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --quiet --no-rebuild >/dev/null
site=$(dirname "$(find "$dest" -path '*-packages/pixelrts/__init__.py' | head -n 1)")
site=$(dirname "$site")
libdir=$(dirname "$(find "$dest" -name libpixelrts.so.1 | head -n 1)")
[ -d "$site/systems/pixel_compiler" ] && [ -d "$site/pixel_compiler" ] || {
    echo "check-python-install: packages missing under $site" >&2; exit 1; }
work=$dest/work
mkdir "$work"
cd "$work"
head -c 100000 /dev/urandom > kernel.bin
run() {
    env -u PIXELRTS_LIBRARY -u PIXELRTS_BUILD_DIR -u MESON_BUILD_ROOT -u PIXELRTS_BENCH_LIBRARY \
        PYTHONPATH="$site" LD_LIBRARY_PATH="$libdir" PYTHONDONTWRITEBYTECODE=1 "$python" "$@"
}
loaded=$(run -c 'import pixelrts; print(pixelrts.library_path)')
echo "loaded: $loaded"
case $loaded in
    "$libdir"/*) ;;
    *) echo "check-python-install: loaded $loaded, not the installed library" >&2; exit 1 ;;
esac
run -m systems.pixel_compiler.pixelrts_cli convert kernel.bin kernel.rts.png
run -m systems.pixel_compiler.pixelrts_cli info kernel.rts.png
run -c 'from pixel_compiler.pixelrts_mmap import MMapPixelRTSDecoder as D
D().decode_file("kernel.rts.png", "back.bin", verify_hash=True)'
cmp kernel.bin back.bin
bench=$(run -c 'import pixelrts
r = pixelrts.PixelRTSBenchmark("results").benchmark_encode_decode(4096, iterations=1)
print(pixelrts.bench_library_path, r["test_name"])')
echo "bench: $bench"
case $bench in
    "$libdir"/libpixelrts-bench.so.1\ encode_decode_random_4KB) ;;
    *) echo "check-python-install: the benchmark did not run on the installed libpixelrts-bench" >&2
       exit 1 ;;
esac
echo "python install: OK"
