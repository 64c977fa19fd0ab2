#!/usr/bin/env bash
# scripts/test.sh: build libpixelrts and run the whole test suite (the README's test command,
# called by .ci/run).  Installs the Debian packages it needs when they are missing, builds in
# build-test/, runs `meson test`, and ends with one line "N passed, N failed" counting the
# individual cmocka test cases (plus one per non-cmocka meson test), followed by ", N skipped"
# when cmocka cases were skipped or meson tests exited 77 (skipped: a backend that cannot run
# here); skipped tests count as neither passed nor failed.  Exit status 0 only if nothing
# failed.
#
# With PIXELRTS_FULL_CI=1 (set by .ci/run) it then runs scripts/sanitize.sh (the suite under
# ASan+UBSan, the threaded tests under TSan, valgrind on the CLI, each fuzzer for FUZZ_SECONDS)
# and adds its cases to the same final line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-build-test}
PACKAGES=(build-essential meson ninja-build pkg-config libspng-dev libjansson-dev libssl-dev
          zlib1g-dev libdeflate-dev libisal-dev libzstd-dev libyaml-dev libcyaml-dev libcmocka-dev abigail-tools
          # test_huge checks every file we write with pngcheck
          pngcheck
          # the README's sharding recipes run for real (shard_test.sh: GNU parallel, jq);
          # peak RSS of streams (pipes_test.sh: GNU time)
          parallel jq time
          # the OpenCL backend: ICD loader + headers to build it, PoCL to run it on the CPU
          ocl-icd-opencl-dev opencl-headers pocl-opencl-icd
          # the benchmark dashboard: Chart.js to inline, a headless browser to render it in
          libjs-chart.js chromium
          # the simd backend's NEON variant, cross-built and run under qemu-user
          gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
          # the Python binding's tests: Debian's interpreter and its cffi; `pip install` of the
          # checkout into a venv (test pip-install): the build backend meson-python, venv, and
          # patchelf, which gives the wheel's libpixelrts-bench its RUNPATH
          python3 python3-cffi python3-mesonpy python3-venv patchelf
          # hardening (scripts/sanitize.sh): sanitizers and libFuzzer, their symbolizer,
          # valgrind; readelf (binutils) for the export check
          clang libclang-rt-14-dev llvm valgrind binutils)

# ---- Debian packages ------------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    echo "test.sh: installing ${missing[*]}"
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
        SUDO=(sudo)
    fi
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# ---- build --------------------------------------------------------------------------------
build_failed() {
    echo "test.sh: $1 failed" >&2
    echo "0 passed, 1 failed"
    exit 1
}

if [ -d "$BUILD_DIR/meson-private" ]; then
    meson setup --wipe "$BUILD_DIR" || build_failed "meson setup --wipe"
else
    rm -rf "$BUILD_DIR"
    meson setup "$BUILD_DIR" || build_failed "meson setup"
fi
ninja -C "$BUILD_DIR" || build_failed "ninja"

# ---- tests --------------------------------------------------------------------------------
rm -f "$BUILD_DIR/meson-logs/testlog.json"
meson_rc=0
meson test -C "$BUILD_DIR" --print-errorlogs || meson_rc=$?

LOG="$BUILD_DIR/meson-logs/testlog.json"
if [ ! -s "$LOG" ]; then
    echo "test.sh: meson test wrote no $LOG (exit $meson_rc)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

counts=$("$PY" scripts/count-tests.py "$LOG") || { echo "test.sh: cannot read $LOG" >&2; echo "0 passed, 1 failed"; exit 1; }

read -r npass nfail nskip <<<"$counts"
if [ "$meson_rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
    nfail=1  # meson itself failed (e.g. a test could not be started)
fi
echo "test.sh: main suite: $npass passed, $nfail failed, ${nskip:-0} skipped"

# ---- hardening stages (CI) ------------------------------------------------------------------
if [ "${PIXELRTS_FULL_CI:-0}" = 1 ]; then
    san_log=$(mktemp)
    BUILD_DIR="$BUILD_DIR" bash scripts/sanitize.sh 2>&1 | tee "$san_log" || true
    last=$(tail -n 1 "$san_log")
    rm -f "$san_log"
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
        npass=$((npass + BASH_REMATCH[1]))
        nfail=$((nfail + BASH_REMATCH[2]))
        nskip=$((${nskip:-0} + ${BASH_REMATCH[4]:-0}))
    else
        echo "test.sh: scripts/sanitize.sh ended without its count line" >&2
        nfail=$((nfail + 1))
    fi
fi
if [ "${nskip:-0}" -gt 0 ]; then
    echo "$npass passed, $nfail failed, $nskip skipped"
else
    echo "$npass passed, $nfail failed"
fi
[ "$nfail" -eq 0 ]
