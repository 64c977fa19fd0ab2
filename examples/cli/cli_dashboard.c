/* cli_dashboard.c: `pixelrts dashboard`: the benchmark history as one
 * offline HTML page (libpixelrts-bench: prts_bench_write_dashboard). */
#include "cli.h"

#include <pixelrts/bench.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_RESULTS_DIR = 256,
    OPT_OUTPUT,
    OPT_CHARTJS,
    OPT_THRESHOLD,
    OPT_BASELINE_RUNS,
};

static const struct option longopts[] = {
    {"results-dir", required_argument, NULL, OPT_RESULTS_DIR},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"chartjs", required_argument, NULL, OPT_CHARTJS},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"baseline-runs", required_argument, NULL, OPT_BASELINE_RUNS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* What the library found missing (its message starts with the path: the history, or else
 * Chart.js), in the tool's terms: which command or option supplies it. */
static void missing_hint(const char *dir, const char *message)
{
    char *history = cli_path_join(dir, "benchmark_history.jsonl");
    size_t n = strlen(history);
    if (strncmp(message, history, n) == 0 && message[n] == ':')
        cli_error(NULL, "record results first: pixelrts benchmark --output %s", dir);
    else
        cli_error(NULL, "--chartjs FILE names the Chart.js to inline");
    free(history);
}

int cli_dashboard(const struct cli_command *cmd, int argc, char **argv)
{
    const char *dir = "benchmark_results", *output = "benchmark_dashboard.html";
    const char *chartjs = NULL, *threshold = NULL, *baseline_runs = NULL;
    int c;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_RESULTS_DIR: dir = optarg; break;
        case 'o':
        case OPT_OUTPUT: output = optarg; break;
        case OPT_CHARTJS: chartjs = optarg; break;
        case OPT_THRESHOLD: threshold = optarg; break;
        case OPT_BASELINE_RUNS: baseline_runs = optarg; break;
        case 'h': return cli_print_help(cmd);
        default: return cli_bad_option(cmd, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    prts_bench *b = prts_bench_new();
    if (!b)
        return cli_lib_error(NULL, PRTS_E_NOMEM, NULL);
    int rc = CLI_OK;
    if (threshold) {
        char *end;
        errno = 0;
        double t = strtod(threshold, &end);
        if (errno || end == threshold || *end || prts_bench_set_threshold(b, t) != PRTS_OK)
            rc = cli_usage_error(cmd, "--threshold wants a fraction in (0, 1) such as 0.10, "
                                      "got '%s'", threshold);
    }
    if (rc == CLI_OK && baseline_runs) {
        int64_t n;
        if (cli_parse_i64(baseline_runs, &n) != 0 ||
            prts_bench_set_option(b, PRTS_BENCH_BASELINE_RUNS, n) != PRTS_OK)
            rc = cli_usage_error(cmd, "--baseline-runs wants an integer in 1..1000, got '%s'",
                                 baseline_runs);
    }
    int st = PRTS_OK;
    if (rc == CLI_OK &&
        ((st = prts_bench_set_string(b, PRTS_BENCH_OUTPUT_DIR, dir)) != PRTS_OK ||
         (chartjs && (st = prts_bench_set_string(b, PRTS_BENCH_CHARTJS, chartjs)) != PRTS_OK) ||
         (st = prts_bench_write_dashboard(b, output)) != PRTS_OK)) {
        rc = cli_lib_error(NULL, st, prts_bench_last_error(b));
        if (st == PRTS_E_FILE_NOT_FOUND)
            missing_hint(dir, prts_bench_last_error(b));
    }
    if (rc == CLI_OK)
        cli_printf(stdout, "Dashboard: %s\n", output);
    prts_bench_free(b);
    return rc;
}
