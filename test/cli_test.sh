#!/bin/sh
# cli_test.sh PIXELRTS VECTORS: the `pixelrts` command end to end: round trips,
# info, verify, blueprints (JSON and YAML), compression, and exit codes.
set -u
cli=$1
vectors=$2
. "$(dirname "$0")/check.sh"

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
for p in fast default small; do
    check "convert --preset $p" 0 "$cli" convert "$dir/in.bin" "$dir/$p.rts.png" --preset $p --threads 2
    check "extract --preset $p" 0 "$cli" extract "$dir/$p.rts.png" -o "$dir/$p.bin" --verify
    check "$p bytes equal" 0 cmp "$dir/in.bin" "$dir/$p.bin"
done
check "extract a range" 0 "$cli" extract "$dir/in.bin.rts.png" --offset 1000 --length 5000 -o "$dir/range.bin"
check "range bytes equal" 0 sh -c "tail -c +1001 '$dir/in.bin' | head -c 5000 | cmp - '$dir/range.bin'"
check "range to the end, to stdout" 0 sh -c "'$cli' extract '$dir/in.bin.rts.png' --offset 299990 -o - >'$dir/t2' && tail -c 10 '$dir/in.bin' | cmp - '$dir/t2'"
check "range past the end" 1 "$cli" extract "$dir/in.bin.rts.png" --offset 299990 --length 11 -o "$dir/r2.bin"
check "no output after a bad range" 1 test -e "$dir/r2.bin"
check "range with --verify" 2 "$cli" extract "$dir/in.bin.rts.png" --offset 1 --verify
check "bad preset" 2 "$cli" convert "$dir/in.bin" --preset tiny
# hash verification is the default (--verify is kept, as a no-op): a wrong data_hash or none
# fails extract, --no-verify skips the check (files crafted with python3, when there is one)
check "extract says it verified" 0 sh -c "'$cli' extract '$dir/in.bin.rts.png' -o '$dir/v.bin' | grep -q 'sha256 verified'"
check "extract --no-verify" 0 sh -c "'$cli' extract '$dir/in.bin.rts.png' -o '$dir/v.bin' --no-verify | grep -vq 'sha256 verified'"
if command -v python3 >/dev/null 2>&1; then
    for how in zero drop; do
        python3 "$(dirname "$0")/set_data_hash.py" "$dir/in.bin.rts.png" "$dir/$how.rts.png" $how
        check "extract, data_hash $how" 1 "$cli" extract "$dir/$how.rts.png" -o "$dir/$how.bin"
        check "extract -o -, data_hash $how" 1 sh -c "'$cli' extract '$dir/$how.rts.png' -o - >'$dir/$how.out'"
        check "nothing on stdout, data_hash $how" 0 test ! -s "$dir/$how.out"
        check "no output, data_hash $how" 1 test -e "$dir/$how.bin"
        check "extract --no-verify, data_hash $how" 0 "$cli" extract "$dir/$how.rts.png" -o "$dir/$how.bin" --no-verify
        check "bytes equal, data_hash $how" 0 cmp "$dir/in.bin" "$dir/$how.bin"
    done
    check "no data_hash: the error says --no-verify" 0 sh -c "'$cli' extract '$dir/drop.rts.png' -o '$dir/x.bin' 2>&1 | grep -q -- --no-verify"
fi
# failures and usage errors
check "missing input" 1 "$cli" convert "$dir/nope.bin"
check "not a PNG" 1 "$cli" extract "$dir/in.bin" -o "$dir/x"
check "unknown command" 2 "$cli" frobnicate
check "bad level" 2 "$cli" convert "$dir/in.bin" --level 12
check "bad compress" 2 "$cli" convert "$dir/in.bin" --compress lzma
printf 'a: [1\n' >"$dir/bad.yaml"
check "broken YAML blueprint" 1 "$cli" convert "$dir/in.bin" "$dir/bad.rts.png" --blueprint "$dir/bad.yaml"
check "no output after a failed convert" 1 test -e "$dir/bad.rts.png"

# ---- batches: convert / extract --parallel, --pattern, --shard, manifests ----
b="$dir/batch"
mkdir -p "$b/in/a" "$b/in/b" "$b/in/c/sub"
head -c 5000 /dev/urandom >"$b/in/a/x.bin"
head -c 7000 /dev/urandom >"$b/in/b/x.bin"
head -c 300 /dev/urandom >"$b/in/c/sub/y.dat"
: >"$b/in/empty.bin"
if [ "$(id -u)" -ne 0 ]; then # an unreadable file (root reads anything: an output it cannot write then)
    head -c 10 /dev/urandom >"$b/in/locked.bin"
    chmod 000 "$b/in/locked.bin"
    bad=locked.bin
else
    head -c 10 /dev/urandom >"$b/in/denied.bin"
    mkdir -p "$b/out/denied.bin.rts.png" "$b/top/denied.bin.rts.png" # a folder at its output
    bad=denied.bin
fi
mkfifo "$b/in/fifo" 2>/dev/null # never listed: opening it would block
ln -s .. "$b/in/a/up"            # a symlinked folder: not followed
# the input paths a --report lists, sorted
report_inputs() { grep -ho '"input_path":"[^"]*"' "$@" | sed 's/.*:"//; s/"$//' | sort; }
check "folder without --parallel is a usage error" 2 "$cli" convert "$b/in" "$b/out"
keep
check "... that suggests --parallel" 0 grep -q -- '--parallel' "$dir/e"
check "convert --parallel --recursive: exit 1 (one bad file)" 1 "$cli" convert "$b/in" "$b/out" \
    --parallel --recursive --workers 2 --report "$b/report.json"
keep
check "the bad file is listed on stderr" 0 grep -q "^pixelrts: .*$bad" "$dir/e"
check "summary line" 0 grep -q '^Converted 4/5 files, 1 failed, in .* files/s)$' "$dir/o"
check "a/x.bin and b/x.bin kept apart" 0 test -f "$b/out/a/x.bin.rts.png" -a -f "$b/out/b/x.bin.rts.png"
check "nested folders kept" 0 test -f "$b/out/c/sub/y.dat.rts.png"
check "no output for the bad file" 1 test -f "$b/out/$bad.rts.png"
check "symlinked folder not followed" 1 test -e "$b/out/a/up"
for f in a/x.bin b/x.bin c/sub/y.dat empty.bin; do
    check "decodes: $f" 0 "$cli" extract "$b/out/$f.rts.png" -o "$b/one.bin" --verify
    check "bytes equal: $f" 0 cmp "$b/in/$f" "$b/one.bin"
done
printf '%s\n' "$b/in/a/x.bin" "$b/in/b/x.bin" "$b/in/c/sub/y.dat" "$b/in/$bad" \
    "$b/in/empty.bin" | sort >"$b/all.txt"
report_inputs "$b/report.json" >"$b/listed.txt"
check "report lists every file" 0 cmp "$b/all.txt" "$b/listed.txt"
check "report: 4 successes" 0 test "$(grep -c '"success":true' "$b/report.json")" -eq 4
check "report: the bad file failed" 0 grep -q "\"input_path\":\".*$bad\".*\"success\":false" "$b/report.json"
check "report: one result per line" 0 test "$(wc -l <"$b/report.json")" -eq 7
check "convert --pattern '*.dat'" 0 "$cli" convert "$b/in" "$b/pat" --parallel --recursive --pattern '*.dat'
check "only the .dat file" 0 test "$(find "$b/pat" -name '*.rts.png' | wc -l)" -eq 1 -a -f "$b/pat/c/sub/y.dat.rts.png"
check "non-recursive: top level only" 1 "$cli" convert "$b/in" "$b/top" --parallel
check "non-recursive: empty.bin only converted" 0 test "$(find "$b/top" -type f -name '*.rts.png' | wc -l)" -eq 1
for k in 1 2; do
    "$cli" convert "$b/in" "$b/shard" --parallel --recursive --shard $k/2 \
        --report "$b/shard$k.json" >/dev/null 2>&1
done
report_inputs "$b/shard1.json" "$b/shard2.json" >"$b/sharded.txt"
check "--shard 1/2 + 2/2 cover the list exactly once" 0 cmp "$b/all.txt" "$b/sharded.txt"
check "--shard 1/2 takes indices 0, 2, 4" 0 sh -c "grep -q 'a/x.bin' '$b/shard1.json' && grep -q 'c/sub/y.dat' '$b/shard1.json' && ! grep -q 'b/x.bin' '$b/shard1.json'"
check "bad --shard" 2 "$cli" convert "$b/in" "$b/x" --parallel --shard 3/2
check "--workers without --parallel" 2 "$cli" convert "$b/in/a/x.bin" --workers 2
check "extract --parallel round trip" 0 "$cli" extract "$b/out" "$b/back" --parallel --recursive --verify
keep
check "extracted 4/4" 0 grep -q '^Extracted 4/4 files, 0 failed' "$dir/o"
for f in a/x.bin b/x.bin c/sub/y.dat empty.bin; do
    check "extract --parallel bytes equal: $f" 0 cmp "$b/in/$f" "$b/back/$f"
done
# manifests
cat >"$b/m.yaml" <<'END'
defaults:
  level: 6
  workers: 2
  metadata: {type: firmware, version: "1.0"}
jobs:
  - input: in/a/*.bin
    output: m/a/
  - input: in/b/*.bin
    output: m/b/
  - input: in/c/sub/y.dat
    output: m/data.rts.png
    metadata: {name: data}
END
check "batch manifest" 0 "$cli" batch "$b/m.yaml" --report "$b/m.json"
check "manifest outputs" 0 test -f "$b/m/a/x.bin.rts.png" -a -f "$b/m/b/x.bin.rts.png" -a -f "$b/m/data.rts.png"
check "manifest metadata: job overrides defaults" 0 sh -c "'$cli' info '$b/m/data.rts.png' > '$b/info.txt' && grep -q 'name: data' '$b/info.txt' && grep -q 'type: firmware' '$b/info.txt'"
check "manifest round trip" 0 "$cli" extract "$b/m/data.rts.png" -o "$b/data.bin" --verify
check "manifest bytes equal" 0 cmp "$b/in/c/sub/y.dat" "$b/data.bin"
check "manifest report" 0 test "$(grep -c '"success":true' "$b/m.json")" -eq 3
check "examples/manifest.yaml" 0 "$cli" batch "$vectors/../../examples/manifest.yaml" --output-dir "$b/ex"
printf 'jobs:\n  - input: in/a/x.bin\n    output: o/\n  - input: in/*/x.bin\n    output: o/\n' >"$b/clash.yaml"
check "manifest: two inputs onto one output" 1 "$cli" batch "$b/clash.yaml"
keep
check "... named with the line" 0 grep -q 'clash.yaml:5: .*would both be written' "$dir/e"
printf 'defaults:\n  level: 1\njobs:\n  - input: in/a/x.bin\n    outptu: o/\n' >"$b/bad.yaml"
check "manifest schema error" 1 "$cli" batch "$b/bad.yaml"
keep
check "... names the line and the key" 0 grep -q 'bad.yaml:5:.*outptu' "$dir/e"
printf 'defaults:\n  level: 12\njobs:\n  - input: in/a/x.bin\n    output: o/\n' >"$b/level.yaml"
check "manifest bad level" 1 "$cli" batch "$b/level.yaml"
keep
check "... names the line" 0 grep -q 'level.yaml:2: level must be in -9..9' "$dir/e"
printf 'jobs:\n  - input: in/a/x.bin\n\toutput: o/\n' >"$b/syntax.yaml"
check "manifest YAML syntax error" 1 "$cli" batch "$b/syntax.yaml"
keep
check "... names the line" 0 grep -q 'syntax.yaml:3:' "$dir/e"

# ---- --report: names that are not UTF-8 keep their paths (\udcXX, Python's surrogateescape) ----
u="$dir/utf"
mkdir -p "$u/in"
head -c 10 /dev/urandom >"$u/in/$(printf 'bad\377name.bin')"
head -c 10 /dev/urandom >"$u/in/$(printf 'caf\303\251.bin')"
check "convert --parallel, a name that is not UTF-8" 0 "$cli" convert "$u/in" "$u/out" --parallel --report "$u/r.json"
check "... its input_path" 0 grep -qF "\"input_path\":\"$u/in/bad\\udcffname.bin\"" "$u/r.json"
check "... its output_path" 0 grep -qF "\"output_path\":\"$u/out/bad\\udcffname.bin.rts.png\"" "$u/r.json"
check "... UTF-8 names as JSON escapes" 0 grep -qF "\"input_path\":\"$u/in/caf\\u00e9.bin\"" "$u/r.json"
check "extract --parallel of those" 0 "$cli" extract "$u/out" "$u/back" --parallel --report "$u/x.json"
check "... and extract gives the bytes back" 0 cmp "$u/in/$(printf 'bad\377name.bin')" "$u/back/$(printf 'bad\377name.bin')"
if command -v python3 >/dev/null 2>&1; then
    check "... os.fsencode(json) restores the name" 0 python3 -c '
import json, os, sys
names = sorted(os.fsencode(r["input_path"]) for r in json.load(open(sys.argv[1])))
sys.exit(names != sorted(os.path.join(os.fsencode(sys.argv[2]), n) for n in os.listdir(os.fsencode(sys.argv[2]))))' "$u/r.json" "$u/in"
fi
mkdir -p "$u/fail/$(printf 'bad\377name.bin.rts.png')"
check "a failure under such a name" 1 "$cli" convert "$u/in" "$u/fail" --parallel
keep
check "... names the file, quoted" 0 grep -qF 'bad\377name.bin.rts.png:' "$dir/e"
check "--report to a folder fails before any work" 1 "$cli" convert "$u/in" "$u/none" --parallel --report "$u"
check "... nothing converted" 1 test -e "$u/none"

# ---- a manifest writes inside its output folder only, unless --allow-outside ----
c="$dir/confine"
mkdir -p "$c/m" "$c/outside" "$c/od/ok"
head -c 100 /dev/urandom >"$c/m/a.bin"
ln -s "$c/outside" "$c/od/link"       # a folder inside that leads outside
ln -s "$c/od/ok" "$c/od/inlink"       # one that stays inside: fine
cat >"$c/m/m.yaml" <<END
jobs:
  - input: a.bin
    output: ok/
  - input: a.bin
    output: ../outside/up.rts.png
  - input: a.bin
    output: $c/outside/abs.rts.png
  - input: a.bin
    output: link/through.rts.png
  - input: a.bin
    output: new/../../outside/dots.rts.png
  - input: a.bin
    output: inlink/in.rts.png
END
check "manifest outputs escaping --output-dir: exit 1" 1 "$cli" batch "$c/m/m.yaml" --output-dir "$c/od" --report "$c/r.json"
keep
check "... the jobs inside ran" 0 test -f "$c/od/ok/a.bin.rts.png" -a -f "$c/od/ok/in.rts.png"
check "... nothing written outside" 0 test -z "$(ls -A "$c/outside")"
check "... each refusal named" 0 test "$(grep -c 'outside the output folder' "$dir/e")" -eq 4
check "... ../" 0 grep -q 'up.rts.png' "$dir/e"
check "... an absolute path" 0 grep -q 'abs.rts.png' "$dir/e"
check "... through a symbolic link" 0 grep -q 'through.rts.png' "$dir/e"
check "... .. in folders to be made" 0 grep -q 'dots.rts.png' "$dir/e"
check "... the summary counts them" 0 grep -q '^Converted 2/6 files, 4 failed' "$dir/o"
check "... in the report" 0 test "$(grep -c '"status":-25' "$c/r.json")" -eq 4
check "... no folder made for a refused job" 1 test -e "$c/od/new"
check "manifest without --output-dir: its own folder confines" 1 "$cli" batch "$c/m/m.yaml"
keep
check "... the same refusals" 0 test "$(grep -c 'outside the output folder' "$dir/e")" -eq 3
check "--allow-outside" 0 "$cli" batch "$c/m/m.yaml" --output-dir "$c/od" --allow-outside
check "... writes where the manifest says" 0 test -f "$c/outside/up.rts.png" -a -f "$c/outside/abs.rts.png" -a -f "$c/outside/through.rts.png" -a -f "$c/outside/dots.rts.png"

# ---- convert/extract --parallel: symbolic links are not followed unless --follow-symlinks ----
s="$dir/links"
mkdir -p "$s/in/sub" "$s/secret"
head -c 50 /dev/urandom >"$s/secret/key.bin"
head -c 50 /dev/urandom >"$s/in/plain.bin"
ln -s "$s/secret/key.bin" "$s/in/sub/key.bin"
ln -s "$s/secret" "$s/in/dirlink"
ln -s "$s/nowhere" "$s/in/dangling.bin"
check "convert --parallel --recursive beside links" 0 "$cli" convert "$s/in" "$s/out" --parallel --recursive
keep
check "... the file converted" 0 test -f "$s/out/plain.bin.rts.png"
check "... a link to a file outside is not followed" 1 test -e "$s/out/sub/key.bin.rts.png"
check "... a note names it" 0 grep -q "^pixelrts: $s/in/sub/key.bin: skipped: a symbolic link" "$dir/e"
check "... and the folder link" 0 grep -q "^pixelrts: $s/in/dirlink: skipped: a symbolic link to a folder" "$dir/e"
check "... and the dangling one" 0 grep -q "^pixelrts: $s/in/dangling.bin: skipped: a symbolic link" "$dir/e"
check "... the summary" 0 grep -q '^Converted 1/1 files' "$dir/o"
check "--follow-symlinks follows links to files" 1 "$cli" convert "$s/in" "$s/out2" --parallel --recursive --follow-symlinks
keep
check "... converted" 0 test -f "$s/out2/sub/key.bin.rts.png"
check "... a dangling link then fails" 0 grep -q 'dangling.bin' "$dir/e"
check "... folders still not followed" 1 test -e "$s/out2/dirlink"
check "--follow-symlinks goes with --parallel" 2 "$cli" convert "$s/in/plain.bin" --follow-symlinks
ln -s "$s/out/plain.bin.rts.png" "$s/out/linked.rts.png"
check "extract --parallel: links not followed either" 0 "$cli" extract "$s/out" "$s/back" --parallel
check "... only the file" 0 test -f "$s/back/plain.bin" -a ! -e "$s/back/linked"

# ---- manifests refuse YAML aliases, like blueprints: one alias may repeat a huge anchor ----
printf 'defaults:\n  metadata: {description: &d "some text"}\njobs:\n  - input: in/a/x.bin\n    output: al/\n    metadata: {description: *d}\n' >"$b/alias.yaml"
check "manifest with an alias" 1 "$cli" batch "$b/alias.yaml" --dry-run
keep
check "... refused, naming the line" 0 grep -q 'alias.yaml:6:.*aliases are not supported' "$dir/e"
check "... nothing written" 1 test -e "$b/al"
printf 'layout: &l {kernel: [0, 1]}\nagain: *l\n' >"$dir/alias_bp.yaml"
check "blueprint with an alias" 1 "$cli" convert "$dir/in.bin" "$dir/al.rts.png" --blueprint "$dir/alias_bp.yaml"
keep
check "... the same words" 0 grep -q 'line 2: aliases are not supported' "$dir/e"

# ---- terminal escapes: file names and metadata reach the terminal quoted ----
# A name or a metadata value could set the title, clear the screen or forge lines; every
# human-readable line shows C0 controls, DEL, C1 controls and invalid UTF-8 as \ooo
# (\n, \t... by name), and a backslash as \\, like `ls -b`.
q="$dir/quote"
mkdir -p "$q"
esc=$(printf '\033')
evil=$(printf 't\033]0;pwned\007\302\233x\377\\.bin')     # OSC title, C1 CSI, bad byte, backslash
evil_shown='t\033]0;pwned\a\302\233x\377\\.bin'
raw_controls=$(printf '[\001-\011\013-\037\177]')           # any control but the newline
no_controls() { ! LC_ALL=C grep -q "$raw_controls" "$@" && ! LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$@"; }
head -c 100 /dev/urandom >"$q/$evil"
check "convert a crafted name" 0 "$cli" convert "$q/$evil" "$q/e.rts.png" \
    --description "$(printf 'line1\nsha256:      forged\033[2J')"
keep
check "... its summary line is quoted" 0 grep -qF "$evil_shown" "$dir/o"
check "... with no raw control byte" 0 no_controls "$dir/o"
check "info" 0 "$cli" info "$q/e.rts.png"
keep
check "info: a metadata value cannot forge a line" 1 grep -q '^sha256:      forged' "$dir/o"
check "info: ... it is shown escaped" 0 grep -qF 'line1\nsha256:      forged\033[2J' "$dir/o"
check "info: no raw control byte" 0 no_controls "$dir/o"
check "info --json stays JSON-escaped" 0 sh -c "'$cli' info '$q/e.rts.png' --json | grep -qF 'line1\\nsha256:      forged\\u001B[2J'"
cp "$q/e.rts.png" "$q/$evil.rts.png"
check "info under a crafted name" 0 "$cli" info "$q/$evil.rts.png"
keep
check "... the file line is quoted" 0 grep -qF "file:        $q/$evil_shown.rts.png" "$dir/o"
check "verify under a crafted name" 0 "$cli" verify "$q/$evil.rts.png"
keep
check "... quoted" 0 sh -c "grep -qF '$evil_shown.rts.png: OK' '$dir/o' && ! LC_ALL=C grep -q '$esc' '$dir/o'"
check "an error naming a crafted file" 1 "$cli" convert "$q/$(printf 'no\nsuch\033[2J')"
keep
check "... is one quoted line" 0 sh -c "test \$(wc -l <'$dir/e') -eq 1 && grep -qF 'no\\nsuch\\033[2J' '$dir/e'"
check "a usage error echoing a crafted argument" 2 "$cli" convert "$q/$evil" --preset "$(printf 'x\033[2J')"
keep
check "... quoted" 0 sh -c "grep -qF 'x\\033[2J' '$dir/e' && ! LC_ALL=C grep -q '$esc' '$dir/e'"
mkdir -p "$q/dir"
cp "$q/$evil" "$q/dir/"
fine=$(printf 'f\033]0;pwned\007.bin')  # valid UTF-8 (the invalid byte: see --report below)
fine_shown='f\033]0;pwned\a.bin'
cp "$q/$evil" "$q/dir/$fine"
printf 'jobs:\n  - input: dir/*\n    output: out/\n' >"$q/m.yaml"
check "batch --dry-run with a crafted name" 0 "$cli" batch "$q/m.yaml" --dry-run
keep
check "... quoted" 0 sh -c "grep -qF '$evil_shown -> ' '$dir/o' && ! LC_ALL=C grep -q '$esc' '$dir/o'"
mkdir -p "$q/out/$fine.rts.png" # a folder where the output goes: the job fails
check "a failed batch job with a crafted name" 1 "$cli" convert "$q/dir" "$q/out" --parallel
keep
check "... its error line is quoted" 0 sh -c "grep -qF '$fine_shown.rts.png:' '$dir/e' && ! LC_ALL=C grep -q '$esc' '$dir/e'"
check "a crafted manifest name in its errors" 1 "$cli" batch "$q/$(printf 'm\033[2J.yaml')"
keep
check "... quoted" 0 grep -qF 'm\033[2J.yaml' "$dir/e"

# ---- issue 15: existing files survive, the input is never the output, FIFOs ---------------
s="$dir/safe"
mkdir -p "$s"
head -c 3000 /dev/urandom >"$s/a.bin"
head -c 5000 /dev/urandom >"$s/b.bin"
long="$s/$(printf 'n%.0s' $(seq 244))"
check "244-byte OUT, --no-sidecar" 0 "$cli" convert "$s/b.bin" "$long" --no-sidecar
check "... then with a sidecar (temporary names do not grow with OUT's)" 0 "$cli" convert "$s/a.bin" "$long"
check "... holds a.bin" 0 sh -c "'$cli' extract '$long' -o - | cmp - '$s/a.bin'"
longer="$s/$(printf 'n%.0s' $(seq 250))"
check "250-byte OUT, --no-sidecar" 0 "$cli" convert "$s/b.bin" "$longer" --no-sidecar
check "... then with a sidecar whose name is too long fails" 1 "$cli" convert "$s/a.bin" "$longer"
check "... and OUT still holds b.bin" 0 sh -c "'$cli' extract '$longer' -o - | cmp - '$s/b.bin'"
cp "$s/a.bin" "$s/keep.bin"
check "convert a.bin a.bin is refused" 1 "$cli" convert "$s/a.bin" "$s/a.bin"
check "... and a.bin is intact" 0 cmp "$s/a.bin" "$s/keep.bin"
"$cli" convert "$s/a.bin" "$s/z.rts.png" >/dev/null
cp "$s/z.rts.png" "$s/z.keep"
check "extract z.rts.png -o z.rts.png is refused" 1 "$cli" extract "$s/z.rts.png" -o "$s/z.rts.png"
check "convert z.rts.png.meta.json z.rts.png is refused" 1 "$cli" convert "$s/z.rts.png.meta.json" "$s/z.rts.png"
check "... and z.rts.png is intact" 0 cmp "$s/z.rts.png" "$s/z.keep"
mkfifo "$s/pipe"
check "extract into a FIFO writes into it" 0 sh -c "cat '$s/pipe' >'$s/from-pipe' & '$cli' extract '$s/z.rts.png' -o '$s/pipe'; wait"
check "... which stays a FIFO and carried the payload" 0 sh -c "test -p '$s/pipe' && cmp '$s/from-pipe' '$s/a.bin'"
mkfifo "$s/z.rts.png.meta.json.new" && rm -f "$s/z.rts.png.meta.json" && mv "$s/z.rts.png.meta.json.new" "$s/z.rts.png.meta.json"
check "a FIFO as sidecar: info refuses it at once" 1 timeout 20 "$cli" info "$s/z.rts.png"
check "... extract too" 1 timeout 20 "$cli" extract "$s/z.rts.png" -o "$s/never"
check "a FIFO as input is refused at once" 1 timeout 20 "$cli" convert "$s/pipe" "$s/never.rts.png"
check "... nothing was written" 1 test -e "$s/never"
check "no temporary file was left" 1 sh -c "ls -A '$s' | grep -q tmp"

# The simd backend's per-machine cache ($XDG_CACHE_HOME/pixelrts/simd-variant) is read
# without blocking: a FIFO there is ignored (and replaced by the measurement), not waited on.
mkdir -p "$s/xdg/pixelrts" && mkfifo "$s/xdg/pixelrts/simd-variant"
check "a FIFO as the simd cache does not hang" 0 env XDG_CACHE_HOME="$s/xdg" timeout 20 "$cli" convert "$s/a.bin" "$s/xdg.rts.png"

finish
