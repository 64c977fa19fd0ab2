#!/bin/sh
# bench_cli_test.sh PIXELRTS: `pixelrts benchmark` and `pixelrts dashboard` end to end:
# measuring (small sizes, 1-2 iterations), the history lines, --check-regression's lines and
# exit codes on histories with and without a slowdown, and usage errors.
set -u
cli=$1
. "$(dirname "$0")/check.sh"

# A history line with chosen throughput (MB/s) for test $1, backend $2 (1 MiB payload).
line() {
    t=$(awk -v m="$3" 'BEGIN { printf "%.9f", 1.048576 / m }')
    printf '{"test_name":"%s","data_size":1048576,"grid_size":512,"encode_time":%s,' "$1" "$t"
    printf '"decode_time":0.001,"total_time":%s,"throughput_mb_sec":%s,"peak_memory_mb":12.0,' "$t" "$3"
    printf '"metadata":{"iterations":5,"warmup":1,"pattern":"random","mode":"standard"},'
    printf '"timestamp":"2025-01-0%sT00:00:00Z","version":"1.0.0","backend":"%s","device":"",' "$4" "$2"
    printf '"level":1,"machine":{"cpu_model":"test","cores":2,"arch":"x86_64"}}\n'
}

r="$dir/results"
check "benchmark two sizes" 0 "$cli" benchmark --sizes 64K 100000 --iterations 2 --warmup 1 \
    --output "$r"
keep
check "... prints both tests" 0 sh -c "grep -q '^encode_decode_random_64KB ' '$dir/o' && grep -q '^encode_decode_random_100000B ' '$dir/o'"
check "... two history lines" 0 test "$(wc -l <"$r/benchmark_history.jsonl")" -eq 2
check "... each with the guide's keys" 0 sh -c "grep -c '\"test_name\".*\"data_size\".*\"grid_size\".*\"encode_time\".*\"decode_time\".*\"total_time\".*\"throughput_mb_sec\".*\"peak_memory_mb\".*\"metadata\":{\"iterations\":2' '$r/benchmark_history.jsonl' | grep -qx 2"
check "... and what makes them trustworthy" 0 sh -c "grep -c '\"timestamp\".*\"version\".*\"backend\".*\"device\".*\"level\".*\"machine\":{\"cpu_model\".*\"cores\".*\"spread\"' '$r/benchmark_history.jsonl' | grep -qx 2"
check "sizes after --sizes, commas, patterns, code mode, level" 0 "$cli" benchmark --sizes 4K,8K 12K \
    --iterations 1 --warmup 0 --pattern sequential --mode code --level 0 --output "$r"
check "... three more lines" 0 test "$(wc -l <"$r/benchmark_history.jsonl")" -eq 5
check "... named for the mode" 0 grep -q '"test_name":"encode_decode_sequential_12KB_code".*"level":0' "$r/benchmark_history.jsonl"
check "--backend all" 0 "$cli" benchmark --sizes 16K --iterations 1 --backend all --output "$dir/all"
check "... a line per backend that runs here" 0 test "$(wc -l <"$dir/all/benchmark_history.jsonl")" -ge 2
check "--no-history writes nothing" 0 "$cli" benchmark --sizes 4K --iterations 1 --no-history --output "$dir/none"
check "... nothing" 1 test -e "$dir/none/benchmark_history.jsonl"
check "one run per test: nothing to regress" 0 "$cli" benchmark --check-regression --output "$r"
keep
check "... the guide's line" 0 grep -qx "No regressions detected" "$dir/o"
check "measure, then check" 0 "$cli" benchmark --sizes 4K --iterations 1 --warmup 0 --check-regression \
    --threshold 0.5 --output "$r"

# crafted histories: a 30 % slowdown after a quiet series; a fixed noisy series
s="$dir/slow"
mkdir -p "$s"
for m in 100 101 99 100 100.5; do line encode_decode_random_1MB simd $m 1; done >"$s/benchmark_history.jsonl"
line encode_decode_random_1MB simd 70 2 >>"$s/benchmark_history.jsonl"
line other_test simd 50 1 >>"$s/benchmark_history.jsonl"
line other_test simd 51 2 >>"$s/benchmark_history.jsonl"
check "--check-regression finds the slowdown: exit 1" 1 "$cli" benchmark --check-regression --output "$s"
keep
check "... the guide's first line" 0 grep -qx "Performance regressions detected!" "$dir/o"
check "... the test and its loss" 0 grep -qx "  encode_decode_random_1MB: -30.0%" "$dir/o"
check "... and only that test" 1 grep -q "other_test" "$dir/o"
check "... a threshold above the loss: exit 0" 0 "$cli" benchmark --check-regression --threshold 0.35 --output "$s"
n="$dir/noisy"
mkdir -p "$n"
for m in 100 120 80 115 85 104 96 118 82 100 120 80 115 85; do line noisy simd $m 3; done >"$n/benchmark_history.jsonl"
check "a noisy series (latest 15 % below the median): exit 0" 0 "$cli" benchmark --check-regression --output "$n"
keep
check "... No regressions detected" 0 grep -qx "No regressions detected" "$dir/o"
b="$dir/best"
mkdir -p "$b"
for m in 100 250 100 101 99 100 100.5 97; do line t simd $m 4; done >"$b/benchmark_history.jsonl"
check "one lucky run long ago does not raise the bar: exit 0" 0 "$cli" benchmark --check-regression --output "$b"
check "no history: exit 1" 1 "$cli" benchmark --check-regression --output "$dir/nowhere"
keep
check "... naming the file" 0 grep -q "nowhere/benchmark_history.jsonl" "$dir/e"
printf 'not json\n' >"$dir/broken.jsonl"
mkdir -p "$dir/broken" && cp "$dir/broken.jsonl" "$dir/broken/benchmark_history.jsonl"
check "a broken history: exit 1" 1 "$cli" benchmark --check-regression --output "$dir/broken"
keep
check "... naming file and line" 0 grep -q "broken/benchmark_history.jsonl:1:" "$dir/e"

# dashboard errors (the page itself: dashboard_test.sh, in a browser)
check "dashboard without history: exit 1" 1 "$cli" dashboard --results-dir "$dir/nowhere" --output "$dir/d.html"
keep
check "... naming the file" 0 grep -q "nowhere/benchmark_history.jsonl: no benchmark results" "$dir/e"
check "... and the command that records them" 0 grep -q "pixelrts benchmark --output .*nowhere" "$dir/e"
check "dashboard without Chart.js: exit 1" 1 "$cli" dashboard --results-dir "$r" --output "$dir/d.html" \
    --chartjs "$dir/missing-chart.js"
keep
check "... naming the path and the package" 0 grep -q "missing-chart.js: Chart.js not found (install the Debian package libjs-chart.js" "$dir/e"
check "... and the option naming another copy" 0 grep -q -- "--chartjs FILE" "$dir/e"
check "... and no page" 1 test -e "$dir/d.html"

# usage errors
check "bad pattern" 2 "$cli" benchmark --pattern noise --output "$r"
check "bad mode" 2 "$cli" benchmark --mode fast --output "$r"
check "bad size" 2 "$cli" benchmark --sizes 12Q --output "$r"
check "zero size" 2 "$cli" benchmark --sizes 0 --output "$r"
check "zero iterations" 2 "$cli" benchmark --sizes 4K --iterations 0 --output "$r"
check "bad level" 2 "$cli" benchmark --sizes 4K --level 10 --output "$r"
check "unknown backend" 2 "$cli" benchmark --sizes 4K --backend warp --output "$r"
check "--threshold without --check-regression" 2 "$cli" benchmark --threshold 0.1 --output "$r"
check "threshold out of range" 2 "$cli" benchmark --check-regression --threshold 1.5 --output "$r"
check "operand without --sizes" 2 "$cli" benchmark 4096 --output "$r"
check "dashboard operand" 2 "$cli" dashboard extra
check "benchmark --help" 0 "$cli" benchmark --help
check "dashboard --help" 0 "$cli" dashboard --help

finish
