#!/usr/bin/env bash
# demo.sh: install the build dependencies if missing, build libpixelrts and
# the pixelrts CLI, then store /bin/bash in a PNG, show its metadata, extract
# it with hash verification and compare it byte for byte with the original.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PACKAGES=(build-essential meson ninja-build pkg-config libspng-dev libjansson-dev
          libssl-dev zlib1g-dev libdeflate-dev libisal-dev libzstd-dev libyaml-dev libcyaml-dev libcmocka-dev)
BUILD_DIR=build
INPUT=/bin/bash

step() { printf '\n==> %s\n' "$*"; }

install_missing_packages() {
    local missing=() pkg sudo=()
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "demo: not a Debian system; make sure these are installed: ${PACKAGES[*]}"
        return 0
    fi
    for pkg in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        echo "all build dependencies are installed"
        return 0
    fi
    if [[ $(id -u) -ne 0 ]]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "demo: missing packages (${missing[*]}), and not root and no sudo" >&2
            exit 1
        fi
        sudo=(sudo)
    fi
    echo "installing: ${missing[*]}"
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
}

step "Checking Debian packages"
install_missing_packages

step "Configuring and building (meson + ninja, in ./$BUILD_DIR)"
if [[ -f $BUILD_DIR/meson-private/coredata.dat ]]; then
    meson setup --reconfigure "$BUILD_DIR" -Dexamples=true
else
    meson setup "$BUILD_DIR" -Dexamples=true
fi
ninja -C "$BUILD_DIR"
PIXELRTS=$PWD/$BUILD_DIR/examples/pixelrts

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

step "Converting $INPUT to $WORK/bash.rts.png"
"$PIXELRTS" convert "$INPUT" "$WORK/bash.rts.png" --type executable --name bash \
    --description "GNU Bash from this machine"

step "Reading the metadata (pixelrts info)"
"$PIXELRTS" info "$WORK/bash.rts.png"

step "Extracting with SHA-256 verification"
"$PIXELRTS" extract "$WORK/bash.rts.png" -o "$WORK/bash.out"

step "Comparing byte for byte with $INPUT"
cmp "$INPUT" "$WORK/bash.out"
ls -l "$INPUT" "$WORK/bash.rts.png" "$WORK/bash.out"
echo
echo "OK: $INPUT survived the round trip through a PNG bit-exact."
