/* bench/regress.c: regression detection over the benchmark history.
 *
 * The latest run of each test is compared with a robust baseline, the
 * median throughput of the runs just before it, never with the best run
 * ever (one lucky run would raise the bar for good).  A drop counts only
 * when it is both bigger than the threshold and outside the noise band of
 * the baseline, so ordinary noise on a shared machine is not a regression. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"

/* Robust standard deviations of the noise band. */
#define NOISE_SIGMAS 3.0
/* MAD -> standard deviation for normally distributed noise. */
#define MAD_TO_SIGMA 1.4826
/* IQR -> standard deviation for normally distributed noise. */
#define IQR_TO_SIGMA (1.0 / 1.349)

static int valid(const prts_bench *b)
{
    return b && b->magic == PRTS__MAGIC_BENCH;
}

char *prts__bench_group_key(const json_t *run)
{
    const char *name = json_string_value(json_object_get(run, "test_name"));
    const char *backend = json_string_value(json_object_get(run, "backend"));
    const char *mode = json_string_value(
        json_object_get(json_object_get(run, "metadata"), "mode"));
    json_t *level = json_object_get(run, "level");
    char lv[32] = "";
    if (json_is_integer(level))
        snprintf(lv, sizeof lv, "%lld", (long long)json_integer_value(level));
    size_t n = strlen(name ? name : "") + strlen(backend ? backend : "") +
               strlen(mode ? mode : "") + strlen(lv) + 4;
    char *key = malloc(n);
    if (key)
        snprintf(key, n, "%s|%s|%s|%s", name ? name : "", backend ? backend : "", lv,
                 mode ? mode : "");
    return key;
}

/* The noise within one run, as a standard deviation of its throughput:
 * from the quartiles of its total times (0 when the run does not say). */
static double within_sigma(const json_t *run)
{
    json_t *tot = json_object_get(json_object_get(run, "spread"), "total_time");
    double size_mb = prts__json_number(run, "data_size", 0) / 1e6;
    double q1 = prts__json_number(tot, "q1", 0), q3 = prts__json_number(tot, "q3", 0);
    if (q1 <= 0 || q3 <= 0 || size_mb <= 0)
        return 0;
    return (size_mb / q1 - size_mb / q3) * IQR_TO_SIGMA;
}

/* The verdict on the last run of one group (runs: oldest first, n >= 2). */
static json_t *judge(json_t *const *runs, size_t n, double threshold, size_t baseline_runs)
{
    size_t nb = n - 1 < baseline_runs ? n - 1 : baseline_runs;
    json_t *const *base = runs + (n - 1 - nb);
    const json_t *latest = runs[n - 1];
    double *v = malloc(2 * nb * sizeof *v);
    if (!v)
        return NULL;
    double *dev = v + nb;
    for (size_t i = 0; i < nb; i++)
        v[i] = prts__json_number(base[i], "throughput_mb_sec", 0);
    double baseline = prts__median(v, nb);
    double sigma;
    if (nb >= 3) { /* spread between runs: the median absolute deviation */
        for (size_t i = 0; i < nb; i++)
            dev[i] = v[i] > baseline ? v[i] - baseline : baseline - v[i];
        sigma = MAD_TO_SIGMA * prts__median(dev, nb);
    } else {       /* too few runs for that: the spread within them */
        for (size_t i = 0; i < nb; i++)
            dev[i] = within_sigma(base[i]);
        sigma = prts__median(dev, nb);
        double own = within_sigma(latest);
        sigma = own > sigma ? own : sigma;
    }
    free(v);
    double value = prts__json_number(latest, "throughput_mb_sec", 0);
    double lost = baseline - value;
    double band = NOISE_SIGMAS * sigma;
    int regressed = baseline > 0 && lost > threshold * baseline && lost > band;
    json_t *level = json_object_get(latest, "level");
    json_t *mode = json_object_get(json_object_get(latest, "metadata"), "mode");
    json_t *backend = json_object_get(latest, "backend");
    json_t *stamp = json_object_get(latest, "timestamp");
    return json_pack("{s:O, s:O, s:O, s:O, s:O, s:f, s:f, s:f, s:f, s:I, s:f, s:O, s:b}",
                     "test_name", json_object_get(latest, "test_name"),
                     "backend", backend ? backend : json_null(),
                     "level", level ? level : json_null(),
                     "mode", mode ? mode : json_null(),
                     "data_size", json_object_get(latest, "data_size"),
                     "latest", value, "baseline", baseline,
                     "regression_percent", baseline > 0 ? 100.0 * lost / baseline : 0.0,
                     "noise_band", band, "baseline_runs", (json_int_t)nb,
                     "threshold", threshold, "timestamp", stamp ? stamp : json_null(),
                     "regressed", regressed);
}

int prts__bench_regressions(const json_t *history, double threshold, int baseline_runs,
                            json_t **regressions, json_t **judged)
{
    *regressions = NULL;
    if (judged)
        *judged = NULL;
    /* group key -> array of runs, oldest first; keys in order of first appearance */
    json_t *groups = json_object();
    json_t *regs = json_array();
    json_t *verdicts = json_object();
    int rc = groups && regs && verdicts ? PRTS_OK : PRTS_E_NOMEM;
    size_t i;
    json_t *run;
    json_array_foreach(history, i, run) {
        if (rc)
            break;
        char *key = prts__bench_group_key(run);
        json_t *list = key ? json_object_get(groups, key) : NULL;
        if (key && !list && json_object_set_new(groups, key, list = json_array()) != 0)
            list = NULL;
        if (!list || json_array_append(list, run) != 0)
            rc = PRTS_E_NOMEM;
        free(key);
    }
    const char *key;
    json_t *list;
    json_object_foreach(groups, key, list) {
        size_t n = json_array_size(list);
        if (rc || n < 2)
            continue; /* no earlier run: nothing to compare with */
        json_t **runs = malloc(n * sizeof *runs);
        if (!runs) {
            rc = PRTS_E_NOMEM;
            break;
        }
        for (size_t j = 0; j < n; j++)
            runs[j] = json_array_get(list, j);
        json_t *v = judge(runs, n, threshold, (size_t)baseline_runs);
        free(runs);
        if (!v) {
            rc = PRTS_E_NOMEM;
            break;
        }
        if (json_is_true(json_object_get(v, "regressed")))
            json_array_append(regs, v);
        json_object_set_new(verdicts, key, v);
    }
    json_decref(groups);
    if (rc) {
        json_decref(regs);
        json_decref(verdicts);
        return rc;
    }
    *regressions = regs;
    if (judged)
        *judged = verdicts;
    else
        json_decref(verdicts);
    return PRTS_OK;
}

int prts_bench_detect_regressions(prts_bench *b, double threshold, char **report_json)
{
    if (report_json)
        *report_json = NULL;
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    if (!(threshold > 0 && threshold < 1))
        return prts__fail(&b->err, PRTS_E_INVALID_ARG,
                          "regression threshold %g outside (0, 1) (0.10 = 10 %%)", threshold);
    json_t *history, *regs;
    int rc = prts__bench_history_load(b, &history);
    if (rc)
        return rc;
    rc = prts__bench_regressions(history, threshold, (int)b->baseline_runs, &regs, NULL);
    json_decref(history);
    if (rc)
        return prts__fail(&b->err, rc, "out of memory judging the history");
    int count = (int)json_array_size(regs);
    if (report_json && !(*report_json = json_dumps(regs, JSON_COMPACT)))
        rc = prts__fail(&b->err, PRTS_E_NOMEM, "out of memory");
    json_decref(regs);
    return rc ? rc : count;
}
