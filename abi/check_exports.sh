#!/bin/sh
# abi/check_exports.sh LIB MAP HEADER [NODE]: the shared library exports exactly the public API.
#
# - every symbol LIB defines in its dynamic table (readelf --dyn-syms) is a prts_* function
#   bound to version node NODE (nothing internal leaks: no prts__*, no libspng, jansson or
#   zlib symbol, no unversioned symbol);
# - that set equals the global list of node NODE in MAP (the version script) and the
#   functions HEADER declares with PRTS_API.
# NODE defaults to the first node MAP defines: PIXELRTS_1.0 for lib/libpixelrts.map with
# include/pixelrts/pixelrts.h, PIXELRTS_BENCH_1.0 for lib/bench/libpixelrts-bench.map with
# include/pixelrts/bench.h.
# Needs readelf (binutils).  Prints the differences and exits 1 on any.
set -u
lib=$1 map=$2 header=$3
node=${4:-$(sed -n 's/^\([A-Z][A-Z0-9_.]*\) *{.*/\1/p' "$map" | head -n 1)}
[ -n "$node" ] || { echo "no version node found in $map"; exit 1; }
if ! command -v readelf >/dev/null 2>&1; then
    echo "readelf not found (Debian package binutils)" >&2
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# defined dynamic symbols: NAME@@VERSION (or NAME when unversioned), skipping the version
# node's own ABS symbol
readelf --dyn-syms -W "$lib" |
    awk 'NR > 3 && $7 != "UND" && $8 != "" { print $4, $5, $8 }' >"$tmp/defined"
awk -v node="$node" '$3 != node' "$tmp/defined" | while read -r type bind name; do
    case $name in
    prts_[a-z0-9]*@@"$node")
        case $name in prts__*) echo "internal symbol exported: $name ($type $bind)"; echo x >>"$tmp/bad" ;; esac
        [ "$type" = FUNC ] || { echo "exported $name is a $type, not a function"; echo x >>"$tmp/bad"; } ;;
    *) echo "exported symbol outside prts_*@@$node: $name ($type $bind)"; echo x >>"$tmp/bad" ;;
    esac
done
[ -s "$tmp/bad" ] && fails=1

awk -v node="$node" '$3 != node { sub(/@.*/, "", $3); print $3 }' "$tmp/defined" | sort >"$tmp/lib"
# the map's node NODE, global part
node_re=$(printf '%s' "$node" | sed 's/\./\\./g')
sed -n "/^$node_re *{/,/^}/p" "$map" | sed -n '/global:/,/local:/p' |
    grep -o 'prts_[a-z0-9_]*' | sort >"$tmp/map"
# the header's PRTS_API functions (a declaration may span lines: take the name before '(')
tr '\n' ' ' <"$header" | grep -o 'PRTS_API[^;(]*(' | grep -o 'prts_[a-z0-9_]* *($' |
    tr -d ' (' | sort >"$tmp/header"

for pair in "lib map" "map header"; do
    set -- $pair
    if ! cmp -s "$tmp/$1" "$tmp/$2"; then
        echo "the $1 and $2 symbol lists differ ('<' only in $1, '>' only in $2):"
        diff "$tmp/$1" "$tmp/$2" | grep '^[<>]'
        fails=1
    fi
done
n=$(wc -l <"$tmp/lib")
[ "$n" -gt 0 ] || { echo "no prts_* symbol found in $lib"; fails=1; }
[ "$fails" -eq 0 ] && echo "$n symbols, all prts_* functions in $node, matching the map and the header"
exit "$fails"
