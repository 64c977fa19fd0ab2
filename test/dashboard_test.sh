#!/bin/sh
# dashboard_test.sh PIXELRTS ARTEFACT-DIR: the dashboard in a real browser.
#
# Measures a few small benchmarks (two backends, three rounds), adds a crafted series with a
# 40 % slowdown under a test name full of HTML, writes the dashboard with Chart.js inlined from
# Debian's libjs-chart.js, and renders it in headless Debian chromium without network access
# (in an empty network namespace where that is allowed).  The page's own script records on
# <html> whether every chart drew its data (dataset colour at the data points); the DOM must
# say data-charts-rendered="N" for all N canvases, show the regression highlighted and the
# name escaped.  Two pages that must NOT pass prove the check can fail: one whose charts get no
# labels (the original's bug) and one without Chart.js.  The page and a screenshot stay in
# ARTEFACT-DIR (dashboard-test.html, dashboard-test.png).
#
# Exit 77 (skipped) only when chromium or libjs-chart.js is not installed; scripts/test.sh
# installs both.
set -u
cli=$1
art=$2
chartjs=/usr/share/javascript/chart.js/chart.min.js
browser=$(command -v chromium || true)
if [ -z "$browser" ]; then
    echo "SKIP: chromium is not installed (Debian: apt-get install chromium; scripts/test.sh does)"
    exit 77
fi
if [ ! -r "$chartjs" ]; then
    echo "SKIP: $chartjs missing (Debian: apt-get install libjs-chart.js; scripts/test.sh does)"
    exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# Offline: an empty network namespace when we may create one, else just no network use asked.
netns=""
if unshare -n true 2>/dev/null; then
    netns="unshare -n"
    echo "rendering in an empty network namespace (no network at all)"
fi
render() { # render OUT FLAGS... FILE: the DOM after the page's scripts ran
    out=$1
    shift
    HOME="$dir" timeout 120 $netns "$browser" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-extensions --no-first-run \
        --user-data-dir="$dir/profile" "$@" >"$out" 2>"$dir/browser.log"
}

r="$dir/results"
for round in 1 2 3; do
    for backend in scalar auto; do
        "$cli" benchmark --sizes 64K 256K --iterations 2 --warmup 1 --backend $backend \
            --output "$r" >/dev/null || fail "benchmark round $round ($backend)"
    done
done
# a crafted series: quiet, then 40 % slower, under a name that is HTML
for m in 100 101 99 100 60; do
    printf '{"test_name":"%s","data_size":1048576,"grid_size":512,"encode_time":0.008,' '<b>&\"evil\"</b>'
    printf '"decode_time":0.002,"total_time":%s,"throughput_mb_sec":%s,"peak_memory_mb":12.0,' \
        "$(awk -v m=$m 'BEGIN { printf "%.9f", 1.048576 / m }')" $m
    printf '"metadata":{"iterations":5,"warmup":1,"pattern":"random","mode":"standard"},'
    printf '"timestamp":"2025-01-01T00:00:00Z","version":"1.0.0","backend":"simd","device":"",'
    printf '"level":1,"machine":{"cpu_model":"test","cores":2,"arch":"x86_64"}}\n'
done >>"$r/benchmark_history.jsonl"

page="$art/dashboard-test.html"
shot="$art/dashboard-test.png"
rm -f "$page" "$shot"
if "$cli" dashboard --results-dir "$r" --output "$page" >"$dir/out" 2>&1; then
    ok "dashboard written: $page"
else
    fail "dashboard: $(cat "$dir/out")"
    exit 1
fi
# self-contained: Chart.js inside, nothing loaded from elsewhere
grep -q "Chart.js v" "$page" && ok "Chart.js inlined" || fail "Chart.js is not in the page"
if grep -Eiq '(src|href)=["'"'"']?(https?:)?//' "$page" || grep -qi '<link' "$page"; then
    fail "the page references something outside itself"
else
    ok "no external reference"
fi
canvases=$(grep -o '<canvas id="[^"]*"' "$page" | wc -l)
[ "$canvases" -ge 5 ] && ok "$canvases canvases" || fail "only $canvases canvases"

render "$dir/dom.html" --dump-dom "file://$page" || fail "chromium --dump-dom failed: $(tail -5 "$dir/browser.log")"
if grep -q "<html[^>]* data-charts-rendered=\"$canvases\"" "$dir/dom.html"; then
    ok "every chart drew its data ($canvases of $canvases)"
else
    fail "the charts did not all draw: $(grep -o '<html[^>]*>' "$dir/dom.html")"
fi
drawn=$(grep -o 'data-points-drawn="[0-9]*"' "$dir/dom.html" | grep -vc '"0"')
[ "$drawn" -eq "$canvases" ] && ok "data points found on every canvas" || fail "data points on $drawn of $canvases canvases"
grep -q '<tr class="regressed"><td>&lt;b&gt;&amp;"evil"&lt;/b&gt;</td>' "$dir/dom.html" &&
    ok "the regressed test is highlighted, its name escaped" ||
    fail "no highlighted, escaped row for the regressed test"
grep -q '<b>&amp;' "$dir/dom.html" && fail "the test name became markup" || ok "no markup from a test name"
# at least the crafted one (the real runs above, measured on a busy machine, may add theirs)
grep -Eq 'id="stat-regressions">[1-9][0-9]*<' "$dir/dom.html" && ok "stat card: regressions counted" ||
    fail "stat card for regressions"

render "$dir/shot.log" --hide-scrollbars --window-size=1280,2600 --screenshot="$shot" "file://$page"
size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] && ok "screenshot kept: $shot ($size bytes)" || fail "no screenshot ($size bytes)"

# the check can fail: charts without labels (the original's bug), and no Chart.js at all
sed 's/type: type, data: { labels: labels,/type: type, data: { labels: [],/' "$page" >"$dir/nolabels.html"
grep -q 'labels: \[\],' "$dir/nolabels.html" || fail "could not make the no-labels page"
render "$dir/dom2.html" --dump-dom "file://$dir/nolabels.html"
tag=$(grep -o '<html[^>]*>' "$dir/dom2.html")
case $tag in
*data-charts-rendered*) fail "a page without labels passed: $tag" ;;
*data-charts-blank=*) ok "charts without labels are reported blank" ;;
*) fail "a page without labels: no verdict: $tag" ;;
esac
printf '/* not Chart.js */\n' >"$dir/fake.js"
"$cli" dashboard --results-dir "$r" --output "$dir/nochart.html" --chartjs "$dir/fake.js" >/dev/null
render "$dir/dom3.html" --dump-dom "file://$dir/nochart.html"
grep -q 'data-charts-error="Chart.js did not load"' "$dir/dom3.html" &&
    ok "a page without Chart.js says so" || fail "a page without Chart.js passed"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed; chromium's log:"
    tail -20 "$dir/browser.log"
    exit 1
fi
echo "all checks passed"
