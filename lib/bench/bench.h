/* bench/bench.h: the benchmark handle and what its four source files share
 * (bench/bench.c measures, bench/history.c reads and writes the JSONL history,
 * bench/regress.c judges regressions, bench/dashboard.c renders the HTML).
 *
 * These files make libpixelrts-bench, a library of their own over the public
 * API of libpixelrts (pixelrts/pixelrts.h, pixelrts/bench.h): they include
 * nothing of lib/ but lib/common, whose few objects they need (errors.c,
 * fileio.c, alloc.c) are linked in from libpixelrts's build and kept private
 * by the version script (libpixelrts-bench.map). */
#ifndef PRTS__BENCH_H
#define PRTS__BENCH_H

#include <jansson.h>

#include "common/common.h"
#include "pixelrts/bench.h"

#define PRTS__MAGIC_BENCH 0x5052544du /* "PRTM" */
#define PRTS__BENCH_HISTORY_FILE "benchmark_history.jsonl"
/* The Chart.js a dashboard inlines when PRTS_BENCH_CHARTJS is unset: the build
 * option `chartjs` (lib/bench/meson.build defines this from it). */
#ifndef PRTS__BENCH_DEFAULT_CHARTJS
#error "PRTS__BENCH_DEFAULT_CHARTJS is defined by the build (meson option chartjs)"
#endif

struct prts_bench {
    uint32_t magic;
    int64_t iterations, warmup, level; /* level < 0: the library's default */
    int64_t append_history, baseline_runs, preset;
    int64_t alignment;                 /* PRTS_BENCH_ALIGNMENT, -1: as malloc places it */
    double threshold;                  /* for the dashboard's highlighting */
    char *pattern, *mode, *backend, *output_dir, *test_name, *chartjs;
    prts__err err;
};

/* "DIR/benchmark_history.jsonl" (malloc'd), or NULL with an error in b->err
 * (no OUTPUT_DIR, or out of memory). */
char *prts__bench_history_path(prts_bench *b);

/* Append `obj` as one line to the history (creating DIR when needed). */
int prts__bench_history_append(prts_bench *b, const json_t *obj);

/* Every history object, oldest first (a new array; empty when the file does
 * not exist).  Lines that are not history objects fail, naming file:line. */
int prts__bench_history_load(prts_bench *b, json_t **history);

/* The regressions of `history` (see prts_bench_detect_regressions); a new
 * array.  Also fills, when `judged` is not NULL, a new object mapping each
 * group key (prts__bench_group_key) to its verdict object, regressed or not. */
int prts__bench_regressions(const json_t *history, double threshold, int baseline_runs,
                            json_t **regressions, json_t **judged);

/* The key grouping runs of one test: "test_name|backend|level|mode" (malloc'd). */
char *prts__bench_group_key(const json_t *run);

/* A number member of a JSON object (integer or real), or `fallback`. */
double prts__json_number(const json_t *obj, const char *key, double fallback);

/* Median of n values (sorts them in place); 0 for n == 0. */
double prts__median(double *v, size_t n);
/* Quantile q (0..1) of n sorted values, linear interpolation. */
double prts__quantile_sorted(const double *v, size_t n, double q);

#endif
