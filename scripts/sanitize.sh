#!/usr/bin/env bash
# scripts/sanitize.sh [STAGE...]: the hardening stages of CI, each in its own build folder.
#
#   asan      the whole suite built with clang -fsanitize=address,undefined (build-asan/);
#             any UBSan report is fatal (-fno-sanitize-recover), leaks fail (LeakSanitizer;
#             PoCL's own leaks are suppressed by test/lsan-pocl.supp)
#   tsan      the threaded tests (batch, streaming round trips, the segment pools of
#             test_huge) under ThreadSanitizer
#             (build-tsan/, OpenCL off: PoCL's threads are not instrumented)
#   valgrind  memcheck on CLI round trips (convert/extract/verify, zstd, code mode, a
#             parallel folder conversion) of the plain build ($BUILD_DIR, default build-test)
#   fuzz      each libFuzzer target of test/fuzz for FUZZ_SECONDS (default 60) seconds,
#             two at a time, ASan+UBSan; a crash, leak, timeout (> 10 s per input) or
#             out-of-memory (> 2 GiB) fails it and leaves the input in build-fuzz/artifacts/
#             (decode runs with its custom mutator, which keeps CRCs and the prIX index
#             valid; PRTS_FUZZ_MUTATOR=0 in the environment runs it without)
#
# No STAGE = all four.  The last line is "N passed, N failed" like scripts/test.sh (the
# cmocka cases of the asan and tsan runs, one per valgrind run, one per fuzzer), which adds
# it to its own count when PIXELRTS_FULL_CI=1.  Exit status 0 only if nothing failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
BUILD_DIR=${BUILD_DIR:-build-test}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
stages=("$@")
((${#stages[@]})) || stages=(asan tsan valgrind fuzz)

total_pass=0 total_fail=0 total_skip=0
summary=()

note() { # note STAGE PASS FAIL [SKIP] [DETAIL]: add a stage's result
    total_pass=$((total_pass + $2))
    total_fail=$((total_fail + $3))
    total_skip=$((total_skip + ${4:-0}))
    summary+=("$(printf '%-9s %5d passed, %d failed%s%s' "$1" "$2" "$3" \
        "$( [ "${4:-0}" -gt 0 ] && echo ", $4 skipped")" "${5:+  ($5)}")")
}

# setup DIR ARGS...: configure DIR with clang (reconfigure when it exists)
setup() {
    local dir=$1
    shift
    if [ -d "$dir/meson-private" ]; then
        meson setup --reconfigure "$dir" "$@" >/dev/null
    else
        rm -rf "$dir"
        CC=clang CXX=clang++ meson setup "$dir" "$@" >/dev/null
    fi
}

# meson_suite STAGE DIR [meson test args...]: run tests, count their cases
meson_suite() {
    local stage=$1 dir=$2
    shift 2
    rm -f "$dir/meson-logs/testlog.json"
    local rc=0
    meson test -C "$dir" --print-errorlogs "$@" || rc=$?
    local counts
    if ! counts=$("$PY" scripts/count-tests.py "$dir/meson-logs/testlog.json"); then
        note "$stage" 0 1 0 "no test log"
        return
    fi
    local p f s
    read -r p f s <<<"$counts"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    note "$stage" "$p" "$f" "$s"
}

san_flags=(-Db_lundef=false -Dc_args=-fno-sanitize-recover=all -Dcpp_args=-fno-sanitize-recover=all)
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# PoCL's LLVM installs its own sigaltstack in threads ASan then cannot tear down
export ASAN_OPTIONS=use_sigaltstack=0:detect_leaks=1:check_initialization_order=1
export LSAN_OPTIONS=suppressions=$ROOT/test/lsan-pocl.supp:print_suppressions=0

stage_asan() {
    echo "== asan: whole suite under AddressSanitizer + UndefinedBehaviorSanitizer"
    if ! setup build-asan -Db_sanitize=address,undefined "${san_flags[@]}" ||
        ! ninja -C build-asan; then
        note asan 0 1 0 "build failed"
        return
    fi
    # the ABI is checked on the plain build (sanitizer instrumentation is no ABI change), and
    # the pkg-config consumer links without -fsanitize: both belong to the plain suite; so do
    # the Python tests (an uninstrumented interpreter cannot load an ASan library) and
    # bench-cli, whose `--backend all` leaves PoCL's threads running at exit, where
    # LeakSanitizer's tracer crashes (the benchmark code itself runs here in test_bench)
    meson_suite asan build-asan --no-suite abi --no-suite install --no-suite python \
        --no-suite bench-cli --timeout-multiplier 4
}

stage_tsan() {
    echo "== tsan: threaded tests under ThreadSanitizer"
    if ! setup build-tsan -Db_sanitize=thread "${san_flags[@]}" -Dopencl=disabled ||
        ! ninja -C build-tsan test/test_batch test/test_roundtrip test/test_huge; then
        note tsan 0 1 0 "build failed"
        return
    fi
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
        meson_suite tsan build-tsan --no-rebuild --timeout-multiplier 4 batch roundtrip huge
}

stage_valgrind() {
    echo "== valgrind: memcheck on CLI round trips"
    if ! command -v valgrind >/dev/null; then
        note valgrind 0 1 0 "valgrind missing"
        return
    fi
    if [ ! -x "$BUILD_DIR/examples/pixelrts" ]; then
        { [ -d "$BUILD_DIR/meson-private" ] || meson setup "$BUILD_DIR" >/dev/null; } &&
            ninja -C "$BUILD_DIR" examples/pixelrts || { note valgrind 0 1 0 "build failed"; return; }
    fi
    local cli=$ROOT/$BUILD_DIR/examples/pixelrts dir pass=0 fail=0
    dir=$(mktemp -d)
    head -c 300000 /dev/urandom >"$dir/in.bin"
    { printf '\0asm\1\0\0\0'; head -c 5000 /dev/urandom; } >"$dir/mod.wasm"
    mkdir -p "$dir/many"
    for i in 1 2 3 4; do head -c $((i * 9000)) /dev/urandom >"$dir/many/f$i.bin"; done
    # valgrind emulates no AVX-512: cap the simd backend at AVX2
    local vg=(env PIXELRTS_BACKEND=simd PIXELRTS_SIMD_MAX=avx2
              valgrind -q --error-exitcode=99 --leak-check=full
              --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect)
    local runs=(
        "convert|$cli convert $dir/in.bin $dir/in.png"
        "info|$cli info $dir/in.png"
        "extract --verify|$cli extract $dir/in.png -o $dir/in.back --verify"
        "verify|$cli verify $dir/in.png"
        "convert --compress zstd|$cli convert $dir/in.bin $dir/z.png --compress zstd"
        "extract zstd|$cli extract $dir/z.png -o $dir/z.back"
        "convert --mode code|$cli convert $dir/mod.wasm $dir/mod.png --mode code"
        "extract code|$cli extract $dir/mod.png -o $dir/mod.back"
        "convert --parallel|$cli convert $dir/many $dir/many-out --parallel --workers 2"
        "extract --parallel|$cli extract $dir/many-out $dir/many-back --parallel --workers 2"
    )
    for r in "${runs[@]}"; do
        local what=${r%%|*} cmd=${r#*|}
        # shellcheck disable=SC2086
        if "${vg[@]}" $cmd >"$dir/log" 2>&1; then
            pass=$((pass + 1))
            echo "ok: valgrind $what"
        else
            fail=$((fail + 1))
            echo "FAIL: valgrind $what"
            sed 's/^/  | /' "$dir/log" | tail -40
        fi
    done
    for pair in "in.bin in.back" "in.bin z.back" "mod.wasm mod.back"; do
        # shellcheck disable=SC2086
        set -- $pair
        if cmp -s "$dir/$1" "$dir/$2"; then pass=$((pass + 1)); else
            fail=$((fail + 1)); echo "FAIL: $2 differs from $1"; fi
    done
    for i in 1 2 3 4; do
        if cmp -s "$dir/many/f$i.bin" "$dir/many-back/f$i.bin"; then pass=$((pass + 1)); else
            fail=$((fail + 1)); echo "FAIL: parallel round trip of f$i.bin differs"; fi
    done
    rm -rf "$dir"
    note valgrind "$pass" "$fail"
}

# fuzz_one_target NAME: run one fuzzer; writes its verdict to build-fuzz/results/NAME
fuzz_one_target() {
    local t=$1
    local out=build-fuzz/results/$t
    local work=build-fuzz/corpus/$t art=build-fuzz/artifacts/$t
    mkdir -p "$work" "$art"
    rm -f "$art"/*
    local extra=()
    [ "$t" = manifest ] && extra+=(-close_fd_mask=3) # its messages go to stderr
    local rc=0
    (cd build-fuzz && "test/fuzz/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
        -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" "${extra[@]}" \
        "corpus/$t" "$ROOT/test/fuzz/corpus/$t" "$ROOT/test/fuzz/regressions/$t") \
        >"build-fuzz/results/$t.log" 2>&1 || rc=$?
    local execs corpus
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/results/$t.log" | tail -1)
    corpus=$(find "$work" "test/fuzz/corpus/$t" -type f | wc -l)
    local crashes
    crashes=$(find "$art" -type f | wc -l)
    echo "$rc ${execs:-0} $corpus $crashes" >"$out"
}

stage_fuzz() {
    echo "== fuzz: each libFuzzer target for ${FUZZ_SECONDS}s"
    if ! setup build-fuzz -Dfuzzing=true -Dtests=false -Dexamples=false -Dopencl=disabled \
        -Db_sanitize=address,undefined "${san_flags[@]}" ||
        ! ninja -C build-fuzz; then
        note fuzz 0 1 0 "build failed"
        return
    fi
    mkdir -p build-fuzz/results
    local targets=(decode metadata stream manifest) pass=0 fail=0 details=()
    for ((i = 0; i < ${#targets[@]}; i += 2)); do
        fuzz_one_target "${targets[i]}" &
        [ $((i + 1)) -lt ${#targets[@]} ] && fuzz_one_target "${targets[i + 1]}" &
        wait
    done
    for t in "${targets[@]}"; do
        local rc execs corpus crashes
        read -r rc execs corpus crashes <"build-fuzz/results/$t"
        details+=("$t: $execs execs, corpus $corpus")
        if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]; then
            pass=$((pass + 1))
            echo "ok: fuzz_$t: $execs executions in ${FUZZ_SECONDS}s, corpus $corpus files"
        else
            fail=$((fail + 1))
            echo "FAIL: fuzz_$t (exit $rc, $crashes artifact(s) in build-fuzz/artifacts/$t):"
            grep -E -A30 '^==[0-9]+==ERROR|runtime error|SUMMARY|fuzz invariant' \
                "build-fuzz/results/$t.log" | head -60 | sed 's/^/  | /'
        fi
    done
    note fuzz "$pass" "$fail" 0 "$(IFS=';'; echo "${details[*]}")"
}

start=$SECONDS
for s in "${stages[@]}"; do
    t0=$SECONDS
    case $s in
    asan | tsan | valgrind | fuzz) "stage_$s" ;;
    *) echo "sanitize.sh: unknown stage '$s' (asan, tsan, valgrind, fuzz)" >&2; exit 2 ;;
    esac
    echo "-- $s took $((SECONDS - t0)) s"
done
echo "== sanitize.sh summary ($((SECONDS - start)) s)"
printf '%s\n' "${summary[@]}"
if [ "$total_skip" -gt 0 ]; then
    echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
    echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
