/* test_bench.c: benchmarks, history, regression detection and the dashboard
 * (prts_bench_*) through the public API.
 *
 * A measured run carries every key of the guide plus what makes it
 * trustworthy, and its history line reads back equal; the history reader
 * names a bad line; the regression detector flags an injected 30 %
 * slowdown, not a fixed noisy series, not a drop from one lucky run, and
 * never compares different backends; the dashboard escapes what it shows,
 * inlines the Chart.js it is given, and names a missing Chart.js or history.
 * (The dashboard in a real browser: dashboard_test.sh.) */
#include "test_util.h"

#include <pixelrts/bench.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- helpers ------------------------------------------------------------ */

#define near(a, b) ((a) - (b) < 1e-6 && (b) - (a) < 1e-6)

static prts_bench *bench_in(const char *dir)
{
    prts_bench *b = prts_bench_new();
    assert_non_null(b);
    assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_OUTPUT_DIR, dir), PRTS_OK);
    return b;
}

/* A history line as prts_bench_run writes it, with chosen numbers: the
 * throughput `mbs`, the spread within the run +-`within` (fraction). */
static json_t *fake_run(const char *name, const char *backend, double mbs, double within,
                        int day)
{
    double size = 1 << 20, t = size / 1e6 / mbs;
    char stamp[32];
    snprintf(stamp, sizeof stamp, "2025-01-%02dT12:00:00Z", day);
    return json_pack("{s:s, s:f, s:i, s:f, s:f, s:f, s:f, s:f, s:{s:i, s:i, s:s, s:s},"
                     " s:s, s:s, s:s, s:s, s:i, s:{s:s, s:i, s:s},"
                     " s:{s:{s:f, s:f, s:f, s:f}}}",
                     "test_name", name, "data_size", size, "grid_size", 512,
                     "encode_time", 0.8 * t, "decode_time", 0.2 * t, "total_time", t,
                     "throughput_mb_sec", mbs, "peak_memory_mb", 12.5,
                     "metadata", "iterations", 5, "warmup", 1, "pattern", "random", "mode",
                     "standard", "timestamp", stamp, "version", "1.0.0", "backend", backend,
                     "device", "test", "level", 1, "machine", "cpu_model", "test CPU", "cores",
                     2, "arch", "x86_64", "spread", "total_time", "min", t * (1 - within),
                     "q1", t * (1 - within / 2), "q3", t * (1 + within / 2), "max",
                     t * (1 + within));
}

/* Write a history of one test: the throughputs given, oldest first. */
static void write_series(const char *dir, const char *name, const double *mbs, int n,
                         double within, int append)
{
    char *path = tu_path(dir, "benchmark_history.jsonl");
    FILE *f = fopen(path, append ? "a" : "w");
    assert_non_null(f);
    for (int i = 0; i < n; i++) {
        json_t *o = fake_run(name, "simd", mbs[i], within, i + 1);
        char *line = json_dumps(o, JSON_COMPACT);
        fprintf(f, "%s\n", line);
        free(line);
        json_decref(o);
    }
    fclose(f);
    free(path);
}

static int regressions(const char *dir, double threshold, json_t **report)
{
    prts_bench *b = bench_in(dir);
    char *text = NULL;
    int n = prts_bench_detect_regressions(b, threshold, &text);
    if (n < 0)
        print_message("detect_regressions: %s\n", prts_bench_last_error(b));
    assert_true(n >= 0);
    *report = tu_json_parse(text);
    assert_int_equal(json_array_size(*report), (size_t)n);
    prts_free(text);
    prts_bench_free(b);
    return n;
}

/* ---- measuring ---------------------------------------------------------- */

static void check_keys(const json_t *r, const char *name, uint64_t size, int iterations)
{
    static const char *const times[] = {"encode_time", "decode_time", "total_time", NULL};
    assert_string_equal(json_string_value(json_object_get(r, "test_name")), name);
    assert_int_equal(json_integer_value(json_object_get(r, "data_size")), size);
    assert_int_equal(json_integer_value(json_object_get(r, "grid_size")),
                     prts_grid_size_for(size));
    for (const char *const *k = times; *k; k++) {
        double v = json_number_value(json_object_get(r, *k));
        assert_true(json_is_real(json_object_get(r, *k)));
        assert_true(v > 0 && v < 60);
        json_t *s = json_object_get(json_object_get(r, "spread"), *k);
        assert_true(json_is_object(s));
        double mn = json_number_value(json_object_get(s, "min"));
        double q1 = json_number_value(json_object_get(s, "q1"));
        double q3 = json_number_value(json_object_get(s, "q3"));
        double mx = json_number_value(json_object_get(s, "max"));
        assert_true(mn <= q1 && q1 <= v && v <= q3 && q3 <= mx);
    }
    double total = json_number_value(json_object_get(r, "total_time"));
    double mbs = json_number_value(json_object_get(r, "throughput_mb_sec"));
    assert_true(mbs > 0);
    assert_true(mbs * total > (double)size / 1e6 * 0.999 &&
                mbs * total < (double)size / 1e6 * 1.001);
    json_t *tp = json_object_get(json_object_get(r, "spread"), "throughput_mb_sec");
    assert_true(json_number_value(json_object_get(tp, "min")) <= mbs);
    assert_true(json_number_value(json_object_get(tp, "max")) >= mbs);
    /* Linux: the peak resident set of the timed runs, reset through clear_refs */
    double peak = json_number_value(json_object_get(r, "peak_memory_mb"));
    assert_true(json_is_number(json_object_get(r, "peak_memory_mb")));
    assert_true(peak > (double)size / (1 << 20)); /* at least the input buffer */
    assert_non_null(strstr(json_string_value(json_object_get(r, "peak_memory_method")),
                           "VmHWM"));
    json_t *m = json_object_get(r, "metadata");
    assert_int_equal(json_integer_value(json_object_get(m, "iterations")), iterations);
    assert_non_null(json_string_value(json_object_get(m, "pattern")));
    assert_non_null(json_string_value(json_object_get(m, "mode")));
    const char *stamp = json_string_value(json_object_get(r, "timestamp"));
    assert_non_null(stamp);
    assert_int_equal(strlen(stamp), 20); /* 2025-01-02T03:04:05Z */
    assert_int_equal(stamp[10], 'T');
    assert_string_equal(json_string_value(json_object_get(r, "version")), prts_version_string());
    const char *backend = json_string_value(json_object_get(r, "backend"));
    assert_non_null(backend);
    assert_string_not_equal(backend, "auto");
    assert_int_equal(prts_backend_probe(backend, NULL, 0), PRTS_OK);
    assert_true(json_is_string(json_object_get(r, "device")));
    assert_true(json_is_integer(json_object_get(r, "level")));
    json_t *mach = json_object_get(r, "machine");
    assert_true(strlen(json_string_value(json_object_get(mach, "cpu_model"))) > 0);
    assert_true(json_integer_value(json_object_get(mach, "cores")) >= 1);
    assert_true(json_integer_value(json_object_get(r, "png_size")) > 0);
}

/* One measured run: its keys, its history line (equal to the result), and
 * the history read back through the API (equal again). */
static void t_run_history_roundtrip(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *sub = tu_path(dir, "a/b"); /* created when needed */
    prts_bench *b = bench_in(sub);
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_ITERATIONS, 2), PRTS_OK);
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_WARMUP, 1), PRTS_OK);
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_LEVEL, 3), PRTS_OK);
    char *text = NULL;
    assert_int_equal(prts_bench_run(b, 3 << 20, &text), PRTS_OK);
    json_t *r = tu_json_parse(text);
    check_keys(r, "encode_decode_random_3MB", 3 << 20, 2);
    assert_int_equal(json_integer_value(json_object_get(r, "level")), 3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "metadata"),
                                                          "pattern")), "random");

    char *path = tu_path(sub, "benchmark_history.jsonl");
    size_t len;
    char *file = (char *)tu_read_file(path, &len);
    assert_true(len > 0 && file[len - 1] == '\n');
    assert_null(memchr(file, '\n', len - 1)); /* exactly one line */
    file[len - 1] = '\0';
    json_t *line = tu_json_parse(file);
    assert_true(json_equal(line, r));

    char *hist = NULL;
    assert_int_equal(prts_bench_load_history(b, &hist), PRTS_OK);
    json_t *all = tu_json_parse(hist);
    assert_int_equal(json_array_size(all), 1);
    assert_true(json_equal(json_array_get(all, 0), r));

    /* a second run is appended after the first */
    assert_int_equal(prts_bench_run(b, 1000, NULL), PRTS_OK);
    prts_free(hist);
    json_decref(all);
    assert_int_equal(prts_bench_load_history(b, &hist), PRTS_OK);
    all = tu_json_parse(hist);
    assert_int_equal(json_array_size(all), 2);
    assert_true(json_equal(json_array_get(all, 0), r));
    assert_string_equal(json_string_value(json_object_get(json_array_get(all, 1), "test_name")),
                        "encode_decode_random_1000B");

    prts_free(hist);
    prts_free(text);
    free(file);
    free(path);
    json_decref(all);
    json_decref(line);
    json_decref(r);
    prts_bench_free(b);
    tu_rmtree(dir);
    free(sub);
    free(dir);
}

/* Every pattern and code mode round-trips (verified inside), with names to match. */
static void t_patterns_modes(void **state)
{
    (void)state;
    static const char *const patterns[] = {"zeros", "ones", "sequential", "random"};
    prts_bench *b = prts_bench_new();
    assert_non_null(b);
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_ITERATIONS, 1), PRTS_OK);
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_WARMUP, 0), PRTS_OK);
    for (int i = 0; i < 4; i++) {
        for (int code = 0; code < 2; code++) {
            char *text = NULL, want[64];
            assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_PATTERN, patterns[i]), PRTS_OK);
            assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_MODE,
                                                   code ? "code" : "standard"), PRTS_OK);
            assert_int_equal(prts_bench_run(b, 64 * 1024 + 3, &text), PRTS_OK);
            json_t *r = tu_json_parse(text);
            snprintf(want, sizeof want, "encode_decode_%s_65539B%s", patterns[i],
                     code ? "_code" : "");
            check_keys(r, want, 64 * 1024 + 3, 1);
            assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(r, "metadata"), "mode")),
                                code ? "code" : "standard");
            json_decref(r);
            prts_free(text);
        }
    }
    /* an input placed at a given offset from a cache line is recorded as such; by default
     * (-1) the metadata says nothing about it */
    for (int64_t align = 0; align <= 63; align += 63) {
        char *text = NULL;
        assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_ALIGNMENT, align), PRTS_OK);
        assert_int_equal(prts_bench_run(b, 4099, &text), PRTS_OK);
        json_t *r = tu_json_parse(text);
        json_t *a = json_object_get(json_object_get(r, "metadata"), "alignment");
        assert_true(json_is_integer(a));
        assert_int_equal(json_integer_value(a), align);
        json_decref(r);
        prts_free(text);
    }
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_ALIGNMENT, -1), PRTS_OK);
    {
        char *text = NULL;
        assert_int_equal(prts_bench_run(b, 4099, &text), PRTS_OK);
        json_t *r = tu_json_parse(text);
        assert_null(json_object_get(json_object_get(r, "metadata"), "alignment"));
        json_decref(r);
        prts_free(text);
    }
    /* a name of one's own, and a named backend is the one used */
    char *text = NULL;
    assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_TEST_NAME, "mine"), PRTS_OK);
    assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_BACKEND, "scalar"), PRTS_OK);
    assert_int_equal(prts_bench_run(b, 5000, &text), PRTS_OK);
    json_t *r = tu_json_parse(text);
    assert_string_equal(json_string_value(json_object_get(r, "test_name")), "mine");
    assert_string_equal(json_string_value(json_object_get(r, "backend")), "scalar");
    json_decref(r);
    prts_free(text);
    prts_bench_free(b);
}

static void t_bad_settings(void **state)
{
    (void)state;
    prts_bench *b = prts_bench_new();
    assert_non_null(b);
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_ITERATIONS, 0), PRTS_E_INVALID_ARG);
    assert_non_null(strstr(prts_bench_last_error(b), "iterations"));
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_WARMUP, -1), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_LEVEL, 10), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_BASELINE_RUNS, 0), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_bench_set_option(b, (prts_bench_option)99, 1), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_ALIGNMENT, 64), PRTS_E_INVALID_ARG);
    assert_non_null(strstr(prts_bench_last_error(b), "alignment: 64 outside [-1, 63]"));
    assert_int_equal(prts_bench_set_option(b, PRTS_BENCH_ALIGNMENT, -2), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_PATTERN, "noise"), PRTS_E_INVALID_ARG);
    assert_non_null(strstr(prts_bench_last_error(b), "noise"));
    assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_MODE, "fast"), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_BACKEND, "warp"), PRTS_E_BACKEND_UNKNOWN);
    assert_non_null(strstr(prts_bench_last_error(b), "unknown backend 'warp' (known: "));
    assert_non_null(strstr(prts_bench_last_error(b), "scalar"));
    assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_BACKEND, "scalar"), PRTS_OK);
    assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_BACKEND, "auto"), PRTS_OK);
    assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_TEST_NAME, ""), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_bench_set_threshold(b, 0), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_bench_set_threshold(b, 1.5), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_bench_run(b, 0, NULL), PRTS_E_INVALID_ARG);
    /* no results directory: nothing to load or judge */
    char *text = NULL;
    assert_int_equal(prts_bench_load_history(b, &text), PRTS_E_INVALID_ARG);
    assert_null(text);
    assert_int_equal(prts_bench_detect_regressions(b, 0.1, &text), PRTS_E_INVALID_ARG);
    assert_non_null(strstr(prts_bench_last_error(b), "PRTS_BENCH_OUTPUT_DIR"));
    assert_null(strstr(prts_bench_last_error(b), "--")); /* library terms, no CLI flag */
    assert_int_equal(prts_bench_detect_regressions(b, 0, &text), PRTS_E_INVALID_ARG);
    /* NULL handles */
    assert_int_equal(prts_bench_run(NULL, 10, &text), PRTS_E_INVALID_ARG);
    assert_non_null(prts_bench_last_error(NULL));
    prts_bench_free(NULL);
    prts_bench_free(b);
}

/* ---- history -------------------------------------------------------------- */

static void t_history_missing_and_bad(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    prts_bench *b = bench_in(dir);
    char *text = NULL;
    /* no file yet: no runs, nothing regressed */
    assert_int_equal(prts_bench_load_history(b, &text), PRTS_OK);
    assert_string_equal(text, "[]");
    prts_free(text);
    assert_int_equal(prts_bench_detect_regressions(b, 0.1, &text), 0);
    assert_string_equal(text, "[]");
    prts_free(text);

    /* a blank line is fine; a line without the guide's keys is named */
    double mbs[] = {100, 100};
    write_series(dir, "t", mbs, 2, 0.01, 0);
    char *path = tu_path(dir, "benchmark_history.jsonl");
    FILE *f = fopen(path, "a");
    fputs("\n{\"test_name\":\"x\",\"data_size\":1}\n", f);
    fclose(f);
    assert_int_equal(prts_bench_load_history(b, &text), PRTS_E_BAD_METADATA);
    assert_null(text);
    char *want = tu_strdupf("%s:4:", path);
    assert_non_null(strstr(prts_bench_last_error(b), want));
    assert_non_null(strstr(prts_bench_last_error(b), "encode_time"));
    assert_int_equal(prts_bench_detect_regressions(b, 0.1, &text), PRTS_E_BAD_METADATA);
    free(want);

    /* a torn last line (a crash in the middle of an append) is named too */
    write_series(dir, "t", mbs, 2, 0.01, 0);
    f = fopen(path, "a");
    fputs("{\"test_name\":\"x\",\"data_si", f);
    fclose(f);
    assert_int_equal(prts_bench_load_history(b, &text), PRTS_E_BAD_METADATA);
    want = tu_strdupf("%s:3:", path);
    assert_non_null(strstr(prts_bench_last_error(b), want));
    free(want);

    free(path);
    prts_bench_free(b);
    tu_rmtree(dir);
    free(dir);
}

/* ---- regressions -------------------------------------------------------- */

/* A quiet series, then the latest run 30 % slower: flagged, with the numbers. */
static void t_regression_injected(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    double mbs[] = {100, 101, 99, 100.5, 99.5, 100, 70};
    write_series(dir, "encode_decode_random_1MB", mbs, 7, 0.01, 0);
    json_t *rep;
    assert_int_equal(regressions(dir, 0.10, &rep), 1);
    json_t *r = json_array_get(rep, 0);
    assert_string_equal(json_string_value(json_object_get(r, "test_name")),
                        "encode_decode_random_1MB");
    assert_string_equal(json_string_value(json_object_get(r, "backend")), "simd");
    assert_true(near(json_number_value(json_object_get(r, "latest")), 70));
    /* the median of the 5 runs before it, not of all, not the best */
    assert_true(near(json_number_value(json_object_get(r, "baseline")), 100));
    assert_true(near(json_number_value(json_object_get(r, "regression_percent")), 30));
    assert_int_equal(json_integer_value(json_object_get(r, "baseline_runs")), 5);
    assert_true(json_number_value(json_object_get(r, "noise_band")) < 10);
    json_decref(rep);

    /* a threshold above the drop: not a regression */
    assert_int_equal(regressions(dir, 0.35, &rep), 0);
    json_decref(rep);

    /* the same slowdown with only one earlier run (noise from the spread within runs) */
    double two[] = {100, 70};
    write_series(dir, "encode_decode_random_1MB", two, 2, 0.01, 0);
    assert_int_equal(regressions(dir, 0.10, &rep), 1);
    json_decref(rep);
    tu_rmtree(dir);
    free(dir);
}

/* A fixed series of ordinary noise (+-20 %) whose latest run is 15 % below
 * the median: more than the threshold, but inside the noise band. */
static void t_regression_noise(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    double mbs[] = {100, 120, 80, 115, 85, 104, 96, 118, 82, 100, 120, 80, 115, 85};
    write_series(dir, "noisy", mbs, 14, 0.05, 0);
    json_t *rep;
    assert_int_equal(regressions(dir, 0.10, &rep), 0);
    json_decref(rep);
    /* every prefix of it is judged the same way */
    for (int n = 2; n <= 14; n++) {
        write_series(dir, "noisy", mbs, n, 0.2, 0);
        assert_int_equal(regressions(dir, 0.10, &rep), 0);
        json_decref(rep);
    }
    tu_rmtree(dir);
    free(dir);
}

/* One lucky run long ago does not raise the bar: the baseline is the median
 * of the last runs, not the best ever. */
static void t_regression_not_best_ever(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    double mbs[] = {100, 250, 100, 101, 99, 100, 100.5, 97};
    write_series(dir, "t", mbs, 8, 0.01, 0);
    json_t *rep;
    assert_int_equal(regressions(dir, 0.10, &rep), 0);
    json_decref(rep);
    tu_rmtree(dir);
    free(dir);
}

/* Runs of different backends (or tests) are never compared with each other. */
static void t_regression_groups(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "benchmark_history.jsonl");
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 6; i++) {
        json_t *fast = fake_run("t", "simd", 400, 0.01, i + 1);
        json_t *slow = fake_run("t", "scalar", 100, 0.01, i + 1);
        char *a = json_dumps(fast, JSON_COMPACT), *b = json_dumps(slow, JSON_COMPACT);
        fprintf(f, "%s\n%s\n", a, b);
        free(a);
        free(b);
        json_decref(fast);
        json_decref(slow);
    }
    fclose(f);
    json_t *rep;
    assert_int_equal(regressions(dir, 0.10, &rep), 0);
    json_decref(rep);
    /* now scalar alone slows down by 30 % */
    f = fopen(path, "a");
    json_t *o = fake_run("t", "scalar", 70, 0.01, 9);
    char *line = json_dumps(o, JSON_COMPACT);
    fprintf(f, "%s\n", line);
    free(line);
    json_decref(o);
    fclose(f);
    assert_int_equal(regressions(dir, 0.10, &rep), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rep, 0), "backend")),
                        "scalar");
    json_decref(rep);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* ---- dashboard ------------------------------------------------------------ */

static void t_dashboard_file(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *chartjs = tu_path(dir, "fake-chart.js");
    char *html = tu_path(dir, "out.html");
    const char *js = "/* a stand-in for Chart.js */ var Chart = 1; var s = '</script>';\n";
    tu_write_file(chartjs, js, strlen(js));
    prts_bench *b = bench_in(dir);

    /* a missing Chart.js is named, with the package to install */
    assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_CHARTJS, "/nonexistent/chart.min.js"),
                     PRTS_OK);
    assert_int_equal(prts_bench_write_dashboard(b, html), PRTS_E_FILE_NOT_FOUND);
    assert_non_null(strstr(prts_bench_last_error(b), "/nonexistent/chart.min.js"));
    assert_non_null(strstr(prts_bench_last_error(b), "libjs-chart.js"));
    assert_non_null(strstr(prts_bench_last_error(b), "PRTS_BENCH_CHARTJS"));
    assert_null(strstr(prts_bench_last_error(b), "--"));
    assert_false(tu_file_exists(html));

    /* no history yet: named */
    assert_int_equal(prts_bench_set_string(b, PRTS_BENCH_CHARTJS, chartjs), PRTS_OK);
    assert_int_equal(prts_bench_write_dashboard(b, html), PRTS_E_FILE_NOT_FOUND);
    assert_non_null(strstr(prts_bench_last_error(b), "benchmark_history.jsonl"));
    assert_null(strstr(prts_bench_last_error(b), "--"));
    assert_false(tu_file_exists(html));

    /* a hostile test name, and a regression */
    const char *evil = "x<script>alert(\"1\")</script>&'";
    double mbs[] = {100, 101, 99, 100, 60};
    write_series(dir, evil, mbs, 5, 0.01, 0);
    assert_int_equal(prts_bench_write_dashboard(b, html), PRTS_OK);
    size_t len;
    char *page = (char *)tu_read_file(html, &len);
    page = realloc(page, len + 1);
    page[len] = '\0';
    assert_non_null(strstr(page, "x&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt;&amp;&#39;"));
    assert_null(strstr(page, "<script>alert"));
    /* in the embedded JSON the '<' are escaped */
    assert_non_null(strstr(page, "x\\u003cscript\\u003ealert"));
    /* Chart.js inlined, its "</script" defused; nothing fetched from the network */
    assert_non_null(strstr(page, "a stand-in for Chart.js"));
    assert_non_null(strstr(page, "var s = '<\\/script>'"));
    assert_null(strstr(page, "src=\"http"));
    assert_null(strstr(page, "href=\"http"));
    assert_null(strstr(page, "<link"));
    /* stat cards, charts, table, the regression highlighted */
    assert_non_null(strstr(page, "id=\"stat-tests\">1<"));
    assert_non_null(strstr(page, "id=\"stat-runs\">5<"));
    assert_non_null(strstr(page, "id=\"stat-regressions\">1<"));
    assert_non_null(strstr(page, "<canvas id=\"tp-0\">"));
    assert_non_null(strstr(page, "<canvas id=\"encdec\">"));
    assert_non_null(strstr(page, "<canvas id=\"backends\">"));
    assert_non_null(strstr(page, "<canvas id=\"memory\">"));
    assert_non_null(strstr(page, "<tr class=\"regressed\">"));
    assert_non_null(strstr(page, "Performance regressions detected: 1"));
    assert_non_null(strstr(page, "2025-01-05 12:00:00 UTC"));
    /* the original's page title and heading (benchmark_dashboard.py) */
    assert_non_null(strstr(page, "<title>PixelRTS Performance Dashboard</title>"));
    assert_non_null(strstr(page, "<h1>PixelRTS Performance Dashboard</h1>"));
    free(page);

    prts_bench_free(b);
    free(chartjs);
    free(html);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_run_history_roundtrip),
        cmocka_unit_test(t_patterns_modes),
        cmocka_unit_test(t_bad_settings),
        cmocka_unit_test(t_history_missing_and_bad),
        cmocka_unit_test(t_regression_injected),
        cmocka_unit_test(t_regression_noise),
        cmocka_unit_test(t_regression_not_best_ever),
        cmocka_unit_test(t_regression_groups),
        cmocka_unit_test(t_dashboard_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
