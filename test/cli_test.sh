#!/bin/sh
# cli_test.sh PIXELRTS VECTORS: the `pixelrts` command end to end: round trips,
# info, verify, blueprints (JSON and YAML), compression, and exit codes.
set -u
cli=$1
vectors=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
check() { # check DESCRIPTION EXPECTED-EXIT COMMAND...
    what=$1 want=$2
    shift 2
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: $what: exit $got, expected $want"
        sed 's/^/  | /' "$dir/err"
        fails=$((fails + 1))
    else
        echo "ok: $what"
    fi
}

head -c 300000 /dev/urandom >"$dir/in.bin"
check "convert" 0 "$cli" convert "$dir/in.bin"
check "info" 0 "$cli" info "$dir/in.bin.rts.png"
check "info --json" 0 "$cli" info "$dir/in.bin.rts.png" --json
check "extract --verify" 0 "$cli" extract "$dir/in.bin.rts.png" -o "$dir/back.bin" --verify
check "bytes equal" 0 cmp "$dir/in.bin" "$dir/back.bin"
check "extract to stdout" 0 sh -c "'$cli' extract '$dir/in.bin.rts.png' -o - > '$dir/stdout.bin'"
check "stdout bytes equal" 0 cmp "$dir/in.bin" "$dir/stdout.bin"
check "verify" 0 "$cli" verify "$dir/in.bin.rts.png"
for c in zlib zstd; do
    check "convert --compress $c" 0 "$cli" convert "$dir/in.bin" "$dir/$c.rts.png" --compress $c
    check "extract $c" 0 "$cli" extract "$dir/$c.rts.png" -o "$dir/$c.bin" --verify
    check "$c bytes equal" 0 cmp "$dir/in.bin" "$dir/$c.bin"
done
printf 'layout:\n  kernel: [0, 4096]\nname: "demo"\n' >"$dir/bp.yaml"
check "convert --blueprint yaml" 0 "$cli" convert "$dir/in.bin" "$dir/bp.rts.png" --blueprint "$dir/bp.yaml"
check "blueprint sidecar" 0 grep -q '"kernel"' "$dir/bp.rts.png.blueprint.json"
check "info shows the blueprint" 0 sh -c "'$cli' info '$dir/bp.rts.png' | grep -q '^blueprint: .*\"kernel\":\\[0,4096\\]'"
check "code-mode histogram" 0 sh -c "'$cli' info '$vectors/code-wasm.rts.png' | grep -q '^  control  *10 '"
# failures and usage errors
check "missing input" 1 "$cli" convert "$dir/nope.bin"
check "not a PNG" 1 "$cli" extract "$dir/in.bin" -o "$dir/x"
check "unknown command" 2 "$cli" frobnicate
check "bad level" 2 "$cli" convert "$dir/in.bin" --level 12
check "bad compress" 2 "$cli" convert "$dir/in.bin" --compress lzma
printf 'a: [1\n' >"$dir/bad.yaml"
check "broken YAML blueprint" 1 "$cli" convert "$dir/in.bin" "$dir/bad.rts.png" --blueprint "$dir/bad.yaml"
check "no output after a failed convert" 1 test -e "$dir/bad.rts.png"
echo "$fails failed"
[ "$fails" -eq 0 ]
