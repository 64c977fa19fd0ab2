#!/bin/sh
# pipes_test.sh PIXELRTS: `-` as standard input or output (convert - OUT, convert IN -,
# extract - -o OUT|-, info -, verify -), byte for byte against the file commands; streams
# larger than --memory in bounded memory (peak RSS); failures that leave existing outputs
# alone and put nothing on standard output; an ordinary PNG called "not a PixelRTS file".
set -u
cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # absolute: the test runs in its folder
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.sh"
cd "$dir" || exit 1 # a stray file named - or -.meta.json would appear here

head -c 300000 /dev/urandom >in.bin
"$cli" convert in.bin file.rts.png >/dev/null || exit 1

# ---- convert: - for IN, OUT or both, the same PNG as from the file -------------------
check "convert - OUT" 0 sh -c "cat in.bin | '$cli' convert - stdin.rts.png"
keep
check "convert - OUT: says (stdin)" 0 grep -q '^(stdin) -> stdin.rts.png: 293.0 KiB in, grid 512x512' o
check "convert - OUT: the file's PNG" 0 cmp file.rts.png stdin.rts.png
check "convert - OUT: the file's sidecar" 0 cmp file.rts.png.meta.json stdin.rts.png.meta.json
check "convert IN -" 0 sh -c "'$cli' convert in.bin - >stdout.rts.png"
check "convert IN -: the file's PNG" 0 cmp file.rts.png stdout.rts.png
check "convert - -" 0 sh -c "'$cli' convert - - <in.bin >both.rts.png"
check "convert - -: the file's PNG" 0 cmp file.rts.png both.rts.png
check "no file named - nor its sidecar" 0 test ! -e - -a ! -e ./-.meta.json -a ! -e stdout.rts.png.meta.json
check "convert IN - with options" 0 sh -c "'$cli' convert in.bin - --preset small --type kernel >small.rts.png"
check "  the same as to a file" 0 sh -c "'$cli' convert in.bin small2.rts.png --preset small --type kernel >/dev/null && cmp small.rts.png small2.rts.png"

# ---- extract, info, verify from standard input -----------------------------------------
check "extract - -o OUT" 0 sh -c "'$cli' extract - -o back.bin <file.rts.png"
keep
check "  says (stdin), verified" 0 grep -q '^(stdin) -> back.bin: 293.0 KiB, sha256 verified' o
check "  bytes equal" 0 cmp in.bin back.bin
check "extract - -o -" 0 sh -c "cat file.rts.png | '$cli' extract - -o - >back2.bin"
check "  bytes equal" 0 cmp in.bin back2.bin
check "info -" 0 sh -c "'$cli' info - <file.rts.png"
keep
check "  file: (stdin), the data size" 0 sh -c "grep -q '^file:        (stdin)$' '$dir/o' && grep -q '^data size:   300000 bytes' '$dir/o'"
check "info - --json: the file's metadata" 0 sh -c "'$cli' info - --json <file.rts.png >i1 && '$cli' info file.rts.png --json >i2 && cmp i1 i2"
check "verify -" 0 sh -c "'$cli' verify - <file.rts.png"
keep
check "  OK" 0 grep -q '^(stdin): OK (300000 bytes, grid 512x512, sha256 ' o
check "a tar through both pipes" 0 sh -c "mkdir -p tree/sub && cp in.bin tree/a && echo hi >tree/sub/b &&
    tar cf - tree | '$cli' convert - tree.rts.png >/dev/null &&
    mkdir untar && '$cli' extract tree.rts.png -o - | tar xf - -C untar && diff -r tree untar/tree"

# ---- usage errors: what - cannot mean --------------------------------------------------
check "convert - without OUT" 2 "$cli" convert -
keep
check "  names the way out" 0 grep -q 'reading standard input: name the output (convert - OUT.rts.png, or convert - - for standard output)' e
check "extract - without -o" 2 "$cli" extract -
keep
check "  names the way out" 0 grep -q 'reading standard input: name the output with -o OUT (or -o - for standard output)' e
check "extract - with a range" 2 sh -c "'$cli' extract - --offset 5 -o r.bin <file.rts.png"
keep
check "  says why" 0 grep -q -- '--offset/--length read only the rows of a range from a file: not from standard input' e
mkdir d && cp in.bin d/
check "convert DIR - --parallel" 2 "$cli" convert d - --parallel
check "convert IN - onto a terminal" 2 python3 -c '
import pty, subprocess, sys
master, tty = pty.openpty()
r = subprocess.run([sys.argv[1], "convert", "in.bin", "-"], stdout=tty)
sys.exit(r.returncode)' "$cli"
keep
check "  refused, with the way out" 0 grep -qx 'pixelrts convert: standard output is a terminal: redirect or pipe it (convert IN - > OUT.rts.png)' e
check "bad --memory" 2 "$cli" convert in.bin x.rts.png --memory lots
keep
check "  says so" 0 grep -q -- "--memory wants a size in bytes (512K, 2M, 1G), got 'lots'" e

# ---- failures: nothing on standard output, existing outputs intact -------------------
python3 "$here/set_data_hash.py" file.rts.png zero.rts.png zero
echo old >kept.bin
check "extract - -o OUT, wrong hash" 1 sh -c "'$cli' extract - -o kept.bin <zero.rts.png"
keep
check "  the hash mismatch named" 0 grep -q '^pixelrts: (stdin): Hash mismatch: expected 0000000000000000000000000000000000000000000000000000000000000000, got ' e
check "  the old output intact" 0 sh -c "test \"\$(cat kept.bin)\" = old"
check "  nothing else written" 0 test "$(ls | grep -c kept)" -eq 1
check "extract - -o -, wrong hash" 1 sh -c "'$cli' extract - -o - <zero.rts.png >zero.out"
check "  nothing on standard output" 0 test ! -s zero.out
check "verify -, wrong hash" 1 sh -c "'$cli' verify - <zero.rts.png"
keep
check "  FAILED" 0 grep -q '^(stdin): FAILED$' o
check "convert - OUT, a grid too small" 1 sh -c "'$cli' convert - kept.bin --grid-size 16 <in.bin"
keep
check "  said so" 0 grep -qx 'pixelrts: (stdin): grid 16x16 holds 1024 bytes, the payload has 300000 bytes (needs grid 512)' e
check "  the old output intact, no sidecar" 0 sh -c "test \"\$(cat kept.bin)\" = old && test ! -e kept.bin.meta.json"
check "convert - OUT, no such folder" 1 sh -c "'$cli' convert - nodir/x.rts.png <in.bin"
keep
check "  said so" 0 grep -qx 'pixelrts: nodir/x.rts.png: cannot create output: No such file or directory' e
check "extract - of a non-PNG" 1 sh -c "'$cli' extract - -o kept.bin <in.bin"
check "  the old output intact" 0 sh -c "test \"\$(cat kept.bin)\" = old"
# a reader that goes away: with SIGPIPE ignored the write fails, exit 1, said so
check "convert IN - into a closed pipe" 0 sh -c "(trap '' PIPE; '$cli' convert in.bin - 2>pipe.err; echo \$? >pipe.st) | head -c 10 >pipe.head"
check "  exit 1" 0 test "$(cat pipe.st)" = 1
check "  write failed, named" 0 grep -q '^pixelrts: (stdout): write failed: Broken pipe$' pipe.err
check "extract -o - into a closed pipe" 0 sh -c "(trap '' PIPE; '$cli' extract file.rts.png -o - 2>pipe.err; echo \$? >pipe.st) | head -c 10 >pipe.head"
check "  exit 1" 0 test "$(cat pipe.st)" = 1
check "  write failed, named" 0 grep -q '^pixelrts: (stdout): write failed: Broken pipe$' pipe.err

# ---- an ordinary PNG: "not a PixelRTS file", whatever its shape ------------------------
python3 - <<'EOF'
import struct, zlib
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
w = h = 100  # a photo: RGB, 100x100 (not a power of two), no PixelRTS metadata
raw = b"".join(b"\0" + b"".join(bytes((x * 2, y * 2, 128)) for x in range(w)) for y in range(h))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
       chunk(b"tEXt", b"Software\0a camera") + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
open("photo.png", "wb").write(png)
EOF
for c in info verify "extract -o photo.out"; do
    check "$c photo.png" 1 $cli $c photo.png
    keep
    check "  not a PixelRTS file" 0 grep -qx 'pixelrts: photo.png: not a PixelRTS file (no sidecar either): No PixelRTS metadata found in PNG' e
done
check "  no output" 1 test -e photo.out
for c in info verify "extract -o photo.out"; do
    check "$c - <photo.png" 1 sh -c "$cli $c - <photo.png"
    keep
    check "  not a PixelRTS file" 0 grep -qx 'pixelrts: (stdin): not a PixelRTS file: No PixelRTS metadata found in PNG' e
done

# ---- streams larger than --memory: bounded peak RSS ---------------------------------
# 24 MiB through a 1 MiB budget against 1 MiB through it: the stage spills to a temporary
# file, so the peak grows by the bands and buffers a bigger grid needs (7-8 MiB), not by the
# payload (a control run with --memory 64M shows the test sees the difference).  One
# deflate thread, so that the baseline does not depend on the machine's CPUs.
# (Not under a sanitizer, whose shadow memory and quarantine are no measure of ours.)
if grep -qa -e __asan_init -e __tsan_init "$cli"; then
    echo "skip: a sanitizer build: peak RSS not measured"
elif [ -x /usr/bin/time ]; then
    head -c 1048576 /dev/urandom >s1.bin
    head -c 25165824 /dev/urandom >s24.bin
    for s in s1 s24; do
        check "convert - $s --memory 1M" 0 sh -c "/usr/bin/time -f %M -o $s.c.rss '$cli' convert - $s.rts.png --memory 1M --threads 1 <$s.bin"
        check "  the file's PNG" 0 sh -c "'$cli' convert $s.bin $s.f.rts.png >/dev/null && cmp $s.rts.png $s.f.rts.png"
        check "convert $s - --memory 1M" 0 sh -c "/usr/bin/time -f %M -o $s.o.rss '$cli' convert $s.bin - --memory 1M --threads 1 >$s.o.png && cmp $s.o.png $s.rts.png"
        check "extract - -o - --memory 1M ($s)" 0 sh -c "/usr/bin/time -f %M -o $s.x.rss '$cli' extract - -o - --memory 1M <$s.rts.png >$s.back && cmp $s.bin $s.back"
        check "extract - -o OUT --memory 1M ($s)" 0 sh -c "/usr/bin/time -f %M -o $s.xf.rss '$cli' extract - -o $s.back2 --memory 1M <$s.rts.png && cmp $s.bin $s.back2"
        check "extract FILE -o - --memory 1M ($s)" 0 sh -c "/usr/bin/time -f %M -o $s.xs.rss '$cli' extract $s.rts.png -o - --memory 1M >$s.back3 && cmp $s.bin $s.back3"
        check "verify - --memory 1M ($s)" 0 sh -c "/usr/bin/time -f %M -o $s.v.rss '$cli' verify - --memory 1M <$s.rts.png"
    done
    check "control: convert - --memory 64M holds it in RAM" 0 sh -c "/usr/bin/time -f %M -o big.c.rss '$cli' convert - big.rts.png --memory 64M --threads 1 <s24.bin"
    grow() { echo $(($(tail -n 1 "s24.$1.rss") - $(tail -n 1 "s1.$1.rss"))); }
    for k in c o x xf xs v; do
        check "24 MiB through 1 MiB ($k): peak RSS grows $(grow $k) KiB, under 12 MiB" 0 test "$(grow $k)" -lt 12288
    done
    check "control: in RAM it grows $(($(tail -n 1 big.c.rss) - $(tail -n 1 s1.c.rss))) KiB, over 20 MiB" 0 \
        test $(($(tail -n 1 big.c.rss) - $(tail -n 1 s1.c.rss))) -gt 20480
else
    echo "skip: /usr/bin/time (Debian package time) not found: peak RSS not measured"
fi
finish
