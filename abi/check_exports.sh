#!/bin/sh
# abi/check_exports.sh LIB MAP HEADER [NODE...]: the shared library exports exactly the public API.
#
# - every symbol LIB defines in its dynamic table (readelf --dyn-syms) is a prts_* function
#   bound to one of MAP's version nodes (nothing internal leaks: no prts__*, no libspng,
#   jansson or zlib symbol, no unversioned symbol), or a node's own name;
# - for each node, the functions LIB binds to it are the global list of that node in MAP
#   (the version script);
# - the functions HEADER declares with PRTS_API are those of MAP's nodes: the ones inside an
#   `#if ... PRTS_EXPERIMENTAL ...` block are those of the node named *_EXPERIMENTAL (not
#   frozen), the others those of the other nodes (the frozen releases);
# - when NODEs are given, MAP defines exactly those nodes, in that order: PIXELRTS_1.0 and
#   PIXELRTS_EXPERIMENTAL for lib/libpixelrts.map with include/pixelrts/pixelrts.h,
#   PIXELRTS_BENCH_1.0 for lib/bench/libpixelrts-bench.map with include/pixelrts/bench.h.
#   Without them, whatever nodes MAP defines.
# Needs readelf (binutils).  Prints the differences and exits 1 on any.
set -u
lib=$1 map=$2 header=$3
shift 3
if ! command -v readelf >/dev/null 2>&1; then
    echo "readelf not found (Debian package binutils)" >&2
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# the map's nodes, in order ("NAME {" at the start of a line)
sed -n 's/^\([A-Z][A-Z0-9_.]*\) *{.*/\1/p' "$map" >"$tmp/nodes"
[ -s "$tmp/nodes" ] || { echo "no version node found in $map"; exit 1; }
if [ $# -gt 0 ]; then
    printf '%s\n' "$@" >"$tmp/want_nodes"
    if ! cmp -s "$tmp/want_nodes" "$tmp/nodes"; then
        echo "$map defines the nodes $(tr '\n' ' ' <"$tmp/nodes")but $(tr '\n' ' ' <"$tmp/want_nodes")were expected"
        fails=1
    fi
fi

# defined dynamic symbols: TYPE BIND NAME@@VERSION (or NAME when unversioned)
readelf --dyn-syms -W "$lib" |
    awk 'NR > 3 && $7 != "UND" && $8 != "" { print $4, $5, $8 }' >"$tmp/defined"
while read -r type bind name; do
    grep -qxF "$name" "$tmp/nodes" && continue # a node's own ABS symbol
    bare=${name%%@*} ver=${name#*@@}
    [ "$ver" = "$name" ] && ver=
    if [ -z "$ver" ] || ! grep -qxF "$ver" "$tmp/nodes"; then
        echo "exported symbol outside the nodes of $(basename "$map"): $name ($type $bind)"
        fails=1
        continue
    fi
    case $bare in
    prts__*) echo "internal symbol exported: $name ($type $bind)"; fails=1 ;;
    prts_[a-z0-9]*) [ "$type" = FUNC ] || { echo "exported $name is a $type, not a function"; fails=1; } ;;
    *) echo "exported symbol outside prts_*: $name ($type $bind)"; fails=1 ;;
    esac
done <"$tmp/defined"

# the header's PRTS_API functions (a declaration may span lines: take the name before '('),
# split into those of the experimental block(s) and the others
awk '
/^[ \t]*#[ \t]*if/ { depth++; if ($0 ~ /PRTS_EXPERIMENTAL/ && !inexp) inexp = depth }
{ print (inexp ? "E" : "S") "\t" $0 }
/^[ \t]*#[ \t]*endif/ { if (inexp == depth) inexp = 0; depth-- }
' "$header" >"$tmp/classified"
for class in S E; do
    grep "^$class	" "$tmp/classified" | cut -f2- | tr '\n' ' ' |
        grep -o 'PRTS_API[^;(]*(' | grep -o 'prts_[a-z0-9_]* *($' | tr -d ' (' |
        sort >"$tmp/header.$class"
done
: >"$tmp/map.S"
: >"$tmp/map.E"
total=0
while read -r node; do
    node_re=$(printf '%s' "$node" | sed 's/\./\\./g')
    # the map's node, global part (up to local: or the node's end)
    sed -n "/^$node_re *{/,/^}/p" "$map" | sed -n '/global:/,/local:/p' |
        grep -o 'prts_[a-z0-9_]*' | sort >"$tmp/map_node"
    awk -v node="$node" '{ n = $3; sub(/^[^@]*@@/, "", n) } n == node && $3 != node {
        sub(/@.*/, "", $3); print $3 }' "$tmp/defined" | sort >"$tmp/lib_node"
    if ! cmp -s "$tmp/lib_node" "$tmp/map_node"; then
        echo "node $node: the lib and map symbol lists differ ('<' only in lib, '>' only in map):"
        diff "$tmp/lib_node" "$tmp/map_node" | grep '^[<>]'
        fails=1
    fi
    case $node in *_EXPERIMENTAL) class=E ;; *) class=S ;; esac
    cat "$tmp/map_node" >>"$tmp/map.$class"
    n=$(wc -l <"$tmp/lib_node")
    [ "$n" -gt 0 ] || { echo "no prts_* symbol of node $node found in $lib"; fails=1; }
    total=$((total + n))
    printf '%s: %s\n' "$node" "$n" >>"$tmp/counts"
done <"$tmp/nodes"
for class in S E; do
    sort -o "$tmp/map.$class" "$tmp/map.$class"
    if ! cmp -s "$tmp/map.$class" "$tmp/header.$class"; then
        if [ $class = E ]; then what="the experimental block"; else what="the frozen nodes"; fi
        echo "$what: the map and header symbol lists differ ('<' only in map, '>' only in header):"
        diff "$tmp/map.$class" "$tmp/header.$class" | grep '^[<>]'
        fails=1
    fi
done
[ "$fails" -eq 0 ] && echo "$total symbols, all prts_* functions ($(tr '\n' ' ' <"$tmp/counts" | sed 's/ $//')), matching the map and the header"
exit "$fails"
