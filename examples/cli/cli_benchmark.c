/* cli_benchmark.c: `pixelrts benchmark`: measure encode/decode round trips
 * through libpixelrts-bench (pixelrts/bench.h: prts_bench_*), append them to
 * the results folder's history, and check the history for regressions. */
#include "cli.h"

#include <pixelrts/bench.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    OPT_SIZES = 256,
    OPT_ITERATIONS,
    OPT_WARMUP,
    OPT_PATTERN,
    OPT_MODE,
    OPT_BACKEND,
    OPT_LEVEL,
    OPT_OUTPUT,
    OPT_CHECK,
    OPT_THRESHOLD,
    OPT_BASELINE_RUNS,
    OPT_NO_HISTORY,
    OPT_PRESET,
};

static const struct option longopts[] = {
    {"sizes", required_argument, NULL, OPT_SIZES},
    {"iterations", required_argument, NULL, OPT_ITERATIONS},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"pattern", required_argument, NULL, OPT_PATTERN},
    {"mode", required_argument, NULL, OPT_MODE},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"preset", required_argument, NULL, OPT_PRESET},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"check-regression", no_argument, NULL, OPT_CHECK},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"baseline-runs", required_argument, NULL, OPT_BASELINE_RUNS},
    {"no-history", no_argument, NULL, OPT_NO_HISTORY},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

#define MAX_SIZES 64
#define DEFAULT_DIR "benchmark_results"

struct bench_args {
    uint64_t sizes[MAX_SIZES];
    size_t nsizes;
    int sizes_given, check, no_history;
    const char *iterations, *warmup, *pattern, *mode, *backend, *level, *output, *threshold,
        *baseline_runs, *preset;
};

/* One --sizes word: sizes separated by commas. */
static int add_sizes(const struct cli_command *cmd, struct bench_args *a, const char *word)
{
    char *copy = cli_concat(word, "");
    int rc = CLI_OK;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok && rc == CLI_OK;
         tok = strtok_r(NULL, ",", &save)) {
        uint64_t n;
        if (cli_parse_size(tok, &n) != 0)
            rc = cli_usage_error(cmd, "bad size '%s' (bytes, or with K, M or G)", tok);
        else if (a->nsizes == MAX_SIZES)
            rc = cli_usage_error(cmd, "at most %d sizes", MAX_SIZES);
        else
            a->sizes[a->nsizes++] = n;
    }
    free(copy);
    return rc;
}

static int parse_args(const struct cli_command *cmd, int argc, char **argv,
                      struct bench_args *a, int *done)
{
    int c;

    memset(a, 0, sizeof *a);
    *done = 1;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_SIZES:
            a->sizes_given = 1;
            if (add_sizes(cmd, a, optarg) != CLI_OK)
                return CLI_USAGE;
            break;
        case OPT_ITERATIONS: a->iterations = optarg; break;
        case OPT_WARMUP: a->warmup = optarg; break;
        case OPT_PATTERN: a->pattern = optarg; break;
        case OPT_MODE: a->mode = optarg; break;
        case OPT_BACKEND: a->backend = optarg; break;
        case OPT_LEVEL: a->level = optarg; break;
        case OPT_PRESET: a->preset = optarg; break;
        case OPT_OUTPUT: a->output = optarg; break;
        case OPT_CHECK: a->check = 1; break;
        case OPT_THRESHOLD: a->threshold = optarg; break;
        case OPT_BASELINE_RUNS: a->baseline_runs = optarg; break;
        case OPT_NO_HISTORY: a->no_history = 1; break;
        case 'h': return cli_print_help(cmd);
        default: return cli_bad_option(cmd, c, argv);
        }
    }
    /* `--sizes 1048576 10485760`: the words after the first are operands */
    for (; optind < argc; optind++) {
        if (!a->sizes_given)
            return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        if (add_sizes(cmd, a, argv[optind]) != CLI_OK)
            return CLI_USAGE;
    }
    if (a->threshold && !a->check)
        return cli_usage_error(cmd, "--threshold goes with --check-regression");
    *done = 0;
    return CLI_OK;
}

/* An integer option for the benchmark handle; a bad value is a usage error. */
static int set_int(const struct cli_command *cmd, prts_bench *b, prts_bench_option key,
                   const char *flag, const char *text)
{
    int64_t v;
    if (!text)
        return CLI_OK;
    if (cli_parse_i64(text, &v) != 0)
        return cli_usage_error(cmd, "%s wants an integer, got '%s'", flag, text);
    if (prts_bench_set_option(b, key, v) != PRTS_OK)
        return cli_usage_error(cmd, "%s: %s", flag, prts_bench_last_error(b));
    return CLI_OK;
}

static int set_str(const struct cli_command *cmd, prts_bench *b, prts_bench_string key,
                   const char *flag, const char *text)
{
    if (text && prts_bench_set_string(b, key, text) != PRTS_OK)
        return cli_usage_error(cmd, "%s: %s", flag, prts_bench_last_error(b));
    return CLI_OK;
}

static int configure(const struct cli_command *cmd, prts_bench *b, struct bench_args *a,
                     double *threshold)
{
    int rc;
    *threshold = 0.10;
    if (a->preset) {
        int64_t preset = cli_parse_preset(a->preset);
        if (!preset)
            return cli_usage_error(cmd, "--preset must be fast, default, small or small-libpixelrts, got '%s'",
                                   a->preset);
        prts_bench_set_option(b, PRTS_BENCH_PRESET, preset);
    }
    if ((rc = set_int(cmd, b, PRTS_BENCH_ITERATIONS, "--iterations", a->iterations)) ||
        (rc = set_int(cmd, b, PRTS_BENCH_WARMUP, "--warmup", a->warmup)) ||
        (rc = set_int(cmd, b, PRTS_BENCH_LEVEL, "--level", a->level)) ||
        (rc = set_int(cmd, b, PRTS_BENCH_BASELINE_RUNS, "--baseline-runs", a->baseline_runs)) ||
        (rc = set_str(cmd, b, PRTS_BENCH_PATTERN, "--pattern", a->pattern)) ||
        (rc = set_str(cmd, b, PRTS_BENCH_MODE, "--mode", a->mode)) ||
        (rc = set_str(cmd, b, PRTS_BENCH_OUTPUT_DIR, "--output",
                      a->output ? a->output : DEFAULT_DIR)))
        return rc;
    if (a->no_history)
        prts_bench_set_option(b, PRTS_BENCH_APPEND_HISTORY, 0);
    *threshold = 0.10;
    if (a->threshold) {
        char *end;
        errno = 0;
        *threshold = strtod(a->threshold, &end);
        if (errno || end == a->threshold || *end ||
            prts_bench_set_threshold(b, *threshold) != PRTS_OK)
            return cli_usage_error(cmd, "--threshold wants a fraction in (0, 1) such as 0.10, "
                                        "got '%s'", a->threshold);
    }
    return CLI_OK;
}

/* Measure every size on one backend (NULL = the handle's default). */
static int run_backend(prts_bench *b, const struct bench_args *a, const char *backend)
{
    int st = prts_bench_set_string(b, PRTS_BENCH_BACKEND, backend);
    if (st != PRTS_OK)
        return cli_lib_error(NULL, st, prts_bench_last_error(b));
    for (size_t i = 0; i < a->nsizes; i++) {
        char *text = NULL;
        st = prts_bench_run(b, a->sizes[i], &text);
        if (st != PRTS_OK)
            return cli_lib_error(NULL, st, prts_bench_last_error(b));
        json_t *r = cli_json_parse(text);
        prts_free(text);
        if (!r)
            return cli_lib_error(NULL, PRTS_E_NOMEM, NULL);
        json_t *spread = json_object_get(r, "spread");
        json_t *tot = json_object_get(spread, "total_time");
        json_t *peak = json_object_get(r, "peak_memory_mb");
        char peak_text[32] = "-";
        if (json_is_number(peak))
            snprintf(peak_text, sizeof peak_text, "%.1f", json_number_value(peak));
        cli_printf(stdout,
                   "%-34s %-8s %5" PRId64 " %9.4f %9.4f %9.4f %8.4f-%-8.4f %9.2f %9s\n",
                   cli_json_str(r, "test_name"), cli_json_str(r, "backend"),
                   cli_json_int(r, "level", 0),
                   json_number_value(json_object_get(r, "encode_time")),
                   json_number_value(json_object_get(r, "decode_time")),
                   json_number_value(json_object_get(r, "total_time")),
                   json_number_value(json_object_get(tot, "min")),
                   json_number_value(json_object_get(tot, "max")),
                   json_number_value(json_object_get(r, "throughput_mb_sec")), peak_text);
        fflush(stdout);
        json_decref(r);
    }
    return CLI_OK;
}

static int run_benchmarks(const struct cli_command *cmd, prts_bench *b, struct bench_args *a)
{
    int rc = CLI_OK, ran = 0;
    if (a->nsizes == 0) { /* the guide's example: 1 MB and 10 MB */
        a->sizes[a->nsizes++] = 1u << 20;
        a->sizes[a->nsizes++] = 10u << 20;
    }
    if (a->backend && strcmp(a->backend, "all") != 0 && !cli_backend_known(a->backend))
        return cli_usage_error(cmd, "unknown backend '%s' (see `pixelrts backends`)",
                               a->backend);
    printf("%-34s %-8s %5s %9s %9s %9s %-17s %9s %9s\n", "test", "backend", "level",
           "encode s", "decode s", "total s", "total min-max s", "MB/s", "peak MiB");
    if (a->backend && strcmp(a->backend, "all") == 0) {
        for (int i = 0; rc == CLI_OK && i < prts_backend_count(); i++) {
            const char *name = prts_backend_name(i);
            char why[256] = "";
            if (prts_backend_probe(name, why, sizeof why) != PRTS_OK) {
                cli_printf(stdout, "%-34s %-8s (cannot run here: %s)\n", "", name,
                           why[0] ? why : "not usable");
                continue;
            }
            rc = run_backend(b, a, name);
            ran++;
        }
    } else {
        rc = run_backend(b, a, a->backend);
        ran++;
    }
    if (rc != CLI_OK)
        return rc;
    int64_t k = 5, w = 1;
    if (a->iterations)
        cli_parse_i64(a->iterations, &k);
    if (a->warmup)
        cli_parse_i64(a->warmup, &w);
    printf("(medians of %" PRId64 " timed run(s) after %" PRId64 " warm-up run(s); every round "
           "trip verified; MB/s = 10^6 bytes/s of encode + decode)\n", k, w);
    if (!a->no_history)
        cli_printf(stdout, "Results appended to %s/benchmark_history.jsonl\n",
                   a->output ? a->output : DEFAULT_DIR);
    return CLI_OK;
}

/* --check-regression: the guide's lines; exit 1 when a test regressed. */
static int check_regressions(prts_bench *b, const struct bench_args *a, double threshold)
{
    const char *dir = a->output ? a->output : DEFAULT_DIR;
    char *path = cli_path_join(dir, "benchmark_history.jsonl");
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_error(path, "no benchmark history to check (run `pixelrts benchmark --output %s` "
                        "first)", dir);
        free(path);
        return CLI_FAIL;
    }
    free(path);
    char *text = NULL;
    int n = prts_bench_detect_regressions(b, threshold, &text);
    if (n < 0)
        return cli_lib_error(NULL, n, prts_bench_last_error(b));
    json_t *regs = cli_json_parse(text);
    prts_free(text);
    if (n == 0) {
        printf("No regressions detected\n");
        json_decref(regs);
        return CLI_OK;
    }
    printf("Performance regressions detected!\n");
    size_t i;
    json_t *r;
    json_array_foreach(regs, i, r) {
        /* the history is a file anyone may have written */
        cli_printf(stdout, "  %s: -%.1f%%\n", cli_json_str(r, "test_name"),
                   json_number_value(json_object_get(r, "regression_percent")));
        cli_printf(stdout,
                   "    backend %s, level %" PRId64 ": %.2f MB/s against a baseline of %.2f MB/s "
                   "(median of the %" PRId64 " runs before; noise band %.2f MB/s)\n",
                   cli_json_str(r, "backend") ? cli_json_str(r, "backend") : "?",
                   cli_json_int(r, "level", -1), json_number_value(json_object_get(r, "latest")),
                   json_number_value(json_object_get(r, "baseline")),
                   cli_json_int(r, "baseline_runs", 0),
                   json_number_value(json_object_get(r, "noise_band")));
    }
    json_decref(regs);
    return CLI_FAIL;
}

int cli_benchmark(const struct cli_command *cmd, int argc, char **argv)
{
    struct bench_args a;
    int done, rc = parse_args(cmd, argc, argv, &a, &done);
    double threshold;

    if (done)
        return rc;
    prts_bench *b = prts_bench_new();
    if (!b)
        return cli_lib_error(NULL, PRTS_E_NOMEM, NULL);
    rc = configure(cmd, b, &a, &threshold);
    /* --check-regression alone checks the history; with --sizes it measures first */
    if (rc == CLI_OK && (!a.check || a.sizes_given))
        rc = run_benchmarks(cmd, b, &a);
    if (rc == CLI_OK && a.check)
        rc = check_regressions(b, &a, threshold);
    prts_bench_free(b);
    return rc;
}
