/* bench.h: public API of libpixelrts-bench, the benchmarks of libpixelrts:
 * measured encode/decode round trips, their history, regression detection
 * and an offline HTML dashboard.
 *
 * libpixelrts-bench is a library of its own (libpixelrts-bench.so.1,
 * pkg-config module pixelrts-bench) built on the public API of libpixelrts
 * (pixelrts.h, included here): link both, e.g.
 *     cc app.c $(pkg-config --cflags --libs pixelrts-bench)
 * The conventions of pixelrts.h apply: every function that can fail returns
 * PRTS_OK or a negative prts_status (prts_strerror() names it, the handle's
 * prts_bench_last_error() gives the detail); the handle is opaque and used by
 * one thread at a time; prts_bench_free(NULL) is a no-op; strings returned
 * are freed with prts_free().
 *
 * Process-wide effect: prts_bench_run() resets the kernel's peak-RSS mark
 * of the WHOLE PROCESS (it writes "5" to /proc/self/clear_refs just before
 * its timed runs, to measure their peak memory).  Afterwards every
 * peak-memory figure of the process (VmHWM in /proc/self/status,
 * getrusage()'s ru_maxrss) counts only from that moment, for every thread
 * and every library in the process.  Nothing else of the process is
 * touched; where the file cannot be written the mark is left alone and the
 * result's peak_memory_method says so.
 *
 * Everything here is "Since 1.0" (node PIXELRTS_BENCH_1.0) unless it says
 * otherwise.
 */
#ifndef PIXELRTS_BENCH_H
#define PIXELRTS_BENCH_H

#include <stdint.h>

#include "pixelrts/pixelrts.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One benchmark configuration.  prts_bench_run() measures in-memory round
 * trips through an encoder and a decoder handle (prts_encoder_encode,
 * prts_decoder_decode_into), verifying every one byte for byte, and can
 * append its result to a JSON Lines history (OUTPUT_DIR/benchmark_history.jsonl)
 * from which regressions are detected and an offline HTML dashboard is drawn.
 * Every number written is measured; nothing is simulated or estimated. */
typedef struct prts_bench prts_bench;

typedef enum prts_bench_option {    /* integers, prts_bench_set_option */
    PRTS_BENCH_ITERATIONS = 1,      /* timed runs per measurement, >= 1.  Default 5 */
    PRTS_BENCH_WARMUP = 2,          /* untimed (but verified) runs before them, >= 0.  Default 1 */
    PRTS_BENCH_LEVEL = 3,           /* PRTS_OPT_PNG_LEVEL (-9..9) passed to the encoder,
                                       after PRESET.  Default: the encoder's */
    PRTS_BENCH_APPEND_HISTORY = 4,  /* 1 (default): prts_bench_run appends its result line to
                                       OUTPUT_DIR/benchmark_history.jsonl when OUTPUT_DIR is set */
    PRTS_BENCH_BASELINE_RUNS = 5,   /* regressions: how many earlier runs of the same test
                                       (the last ones) form the baseline, 1..1000.  Default 5 */
    PRTS_BENCH_PRESET = 6,          /* a prts_preset for the encoder, 0 = none.  Default 0 */
    PRTS_BENCH_ALIGNMENT = 7        /* offset 0..63 of the input's first byte from a
                                       64-byte boundary (0: cache-line aligned; metadata gets
                                       "alignment"), or -1 (default): wherever malloc puts it */
} prts_bench_option;

typedef enum prts_bench_string {    /* strings, prts_bench_set_string (copied; NULL = default) */
    PRTS_BENCH_PATTERN = 1,         /* "random" (default) | "zeros" | "ones" (0xFF bytes) |
                                       "sequential" (byte i = i mod 256) */
    PRTS_BENCH_MODE = 2,            /* "standard" (default) | "code" */
    PRTS_BENCH_BACKEND = 3,         /* backend name (prts_backend_name) or "auto" (default);
                                       a name that cannot run here is refused
                                       (PRTS_E_BACKEND_UNKNOWN, _UNAVAILABLE) */
    PRTS_BENCH_OUTPUT_DIR = 4,      /* results folder (created when needed); unset = no
                                       history written, and load_history, detect_regressions
                                       and write_dashboard fail with PRTS_E_INVALID_ARG */
    PRTS_BENCH_TEST_NAME = 5,       /* default: derived, e.g. "encode_decode_random_10MB"
                                       ("_code" appended in code mode) */
    PRTS_BENCH_CHARTJS = 6          /* Chart.js file to inline in the dashboard.  Default: the
                                       copy libpixelrts-bench was built to use (its build
                                       option `chartjs`; Debian builds use the file of the
                                       package libjs-chart.js).  Where that default lies is a
                                       property of the build, not of this API: set this to be
                                       independent of it */
} prts_bench_string;

PRTS_API prts_bench *prts_bench_new(void);
PRTS_API void prts_bench_free(prts_bench *b);
/* Detailed message of the last failure ("" if none). */
PRTS_API const char *prts_bench_last_error(const prts_bench *b);
PRTS_API int prts_bench_set_option(prts_bench *b, prts_bench_option key, int64_t value);
PRTS_API int prts_bench_set_string(prts_bench *b, prts_bench_string key, const char *value);
/* Fraction of throughput lost beyond which prts_bench_write_dashboard()
 * marks a test as regressed (0 < threshold < 1).  Default 0.10. */
PRTS_API int prts_bench_set_threshold(prts_bench *b, double threshold);

/* Measure the encode/decode round trip of data_size (>= 1) bytes of the
 * pattern: WARMUP untimed runs, then ITERATIONS timed ones, every run
 * verified byte-exact (a mismatch fails with PRTS_E_HASH_MISMATCH).  The
 * handles' memory budget is raised to data_size so the round trip stays in
 * RAM.  Resets the process's peak-RSS mark (see the top of this file).
 * *result_json (free with prts_free) receives ONE history object:
 *   test_name, data_size, grid_size, png_size,
 *   encode_time, decode_time, total_time   medians of the timed runs, seconds
 *                                           (total: median of per-run sums),
 *   throughput_mb_sec                      data_size / 10^6 / total_time,
 *   peak_memory_mb                         the process's peak resident set
 *                                           (MiB) during the timed runs: the
 *                                           peak-RSS mark, reset just before
 *                                           them (process-wide, see above);
 *                                           peak_memory_method says how it was
 *                                           taken, null when it could not be,
 *   rss_start_mb                           the resident set when they started,
 *   metadata {iterations, warmup, pattern, mode},
 *   timestamp (UTC, ISO 8601), version, backend (the one used), device,
 *   level, machine {cpu_model, cores, arch},
 *   spread {encode_time, decode_time, total_time: {min, q1, q3, max},
 *           throughput_mb_sec: {min, max}}.
 * With OUTPUT_DIR set and APPEND_HISTORY on, the object is also appended
 * as one line to OUTPUT_DIR/benchmark_history.jsonl.  result_json may be
 * NULL when only the history line is wanted. */
PRTS_API int prts_bench_run(prts_bench *b, uint64_t data_size, char **result_json);

/* JSON array of every history object in OUTPUT_DIR/benchmark_history.jsonl
 * (oldest first); "[]" when the file does not exist yet.  A line that is
 * not a history object fails with PRTS_E_BAD_METADATA naming file and line. */
PRTS_API int prts_bench_load_history(prts_bench *b, char **history_json);

/* Regressions in OUTPUT_DIR's history.  Runs are grouped by test_name,
 * backend, level and mode; the latest run of each group is compared with
 * the median throughput of the BASELINE_RUNS runs before it.  It regressed
 * when it lost more than `threshold` (0.10 = 10 %) of that throughput AND
 * more than the noise band: 3 robust standard deviations of the baseline
 * (1.4826 x the median absolute deviation of its runs, or, with fewer than
 * three runs, the spread within the runs).  A group with no earlier run is
 * not judged.  *report_json (free with prts_free; may be NULL) receives a
 * JSON array of objects: test_name, backend, level, mode, data_size,
 * latest and baseline (MB/s), regression_percent (throughput lost, positive
 * = slower), noise_band (MB/s), baseline_runs, threshold, timestamp.
 * Returns the number of regressions (>= 0) or a negative status. */
PRTS_API int prts_bench_detect_regressions(prts_bench *b, double threshold, char **report_json);

/* Write ONE self-contained HTML file from OUTPUT_DIR's history: Chart.js
 * (PRTS_BENCH_CHARTJS) inlined, no network access needed.  Stat cards
 * (tests, runs, average throughput, regressions), throughput over time per
 * test (x axis: run dates), encode vs decode, throughput per backend, peak
 * memory, a results table with regressions highlighted.  The file appears
 * whole or not at all (an existing one is replaced only once the new one is
 * complete).  PRTS_E_FILE_NOT_FOUND, the message starting with the path,
 * when Chart.js or the history is missing. */
PRTS_API int prts_bench_write_dashboard(prts_bench *b, const char *output_html);

#ifdef __cplusplus
}
#endif

#endif /* PIXELRTS_BENCH_H */
