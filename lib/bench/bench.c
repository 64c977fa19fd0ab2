/* bench/bench.c: the benchmark handle and the measurement itself.
 *
 * prts_bench_run() times in-memory round trips through the library's own
 * encoder and decoder handles (push/finish into a reused buffer, open/pull
 * back into another), verifies every one byte for byte, and describes the
 * result as one history object: medians and spread of the timed runs, the
 * peak resident memory of the process while they ran, and what the numbers
 * depend on (backend and device, level, machine, version, time). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"

/* PRTS_BENCH_LEVEL not set: the encoder's default (levels run -9..9) */
#define LEVEL_UNSET 100

static int valid(const prts_bench *b)
{
    return b && b->magic == PRTS__MAGIC_BENCH;
}

prts_bench *prts_bench_new(void)
{
    prts_bench *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->magic = PRTS__MAGIC_BENCH;
    b->iterations = 5;
    b->warmup = 1;
    b->level = LEVEL_UNSET;
    b->append_history = 1;
    b->baseline_runs = 5;
    b->alignment = -1;
    b->threshold = 0.10;
    return b;
}

void prts_bench_free(prts_bench *b)
{
    if (!valid(b))
        return;
    free(b->pattern);
    free(b->mode);
    free(b->backend);
    free(b->output_dir);
    free(b->test_name);
    free(b->chartjs);
    b->magic = 0;
    free(b);
}

const char *prts_bench_last_error(const prts_bench *b)
{
    return valid(b) ? b->err.msg : "invalid benchmark handle";
}

int prts_bench_set_option(prts_bench *b, prts_bench_option key, int64_t value)
{
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    int64_t lo, hi, *slot;
    const char *name;
    switch (key) {
    case PRTS_BENCH_ITERATIONS:
        lo = 1, hi = 1000000, slot = &b->iterations, name = "iterations";
        break;
    case PRTS_BENCH_WARMUP:
        lo = 0, hi = 1000000, slot = &b->warmup, name = "warm-up runs";
        break;
    case PRTS_BENCH_LEVEL:
        lo = -9, hi = 9, slot = &b->level, name = "compression level";
        break;
    case PRTS_BENCH_APPEND_HISTORY:
        lo = 0, hi = 1, slot = &b->append_history, name = "append history";
        break;
    case PRTS_BENCH_BASELINE_RUNS:
        lo = 1, hi = 1000, slot = &b->baseline_runs, name = "baseline runs";
        break;
    case PRTS_BENCH_PRESET:
        lo = 0, hi = PRTS_PRESET_SMALL_LIBPIXELRTS, slot = &b->preset, name = "preset";
        break;
    case PRTS_BENCH_ALIGNMENT:
        lo = -1, hi = 63, slot = &b->alignment, name = "alignment";
        break;
    default:
        return prts__fail(&b->err, PRTS_E_INVALID_ARG, "unknown benchmark option %d", (int)key);
    }
    if (value < lo || value > hi)
        return prts__fail(&b->err, PRTS_E_INVALID_ARG, "%s: %lld outside [%lld, %lld]", name,
                          (long long)value, (long long)lo, (long long)hi);
    *slot = value;
    return PRTS_OK;
}

/* A backend name the encoder will take: "auto", or one of the registry's that can run
 * here (asked through the public API, prts_backend_*). */
static int check_backend(const char *name, prts__err *e)
{
    if (strcmp(name, "auto") == 0)
        return PRTS_OK; /* resolved, and refused if nothing runs, by the encoder */
    char why[256] = "";
    int rc = prts_backend_probe(name, why, sizeof why);
    if (rc == PRTS_E_BACKEND_UNAVAILABLE)
        return prts__fail(e, rc, "backend '%s' is unavailable: %s", name,
                          why[0] ? why : "it cannot run here");
    if (rc)
        return prts__fail(e, rc, "%s", why[0] ? why : "unknown backend");
    return PRTS_OK;
}

static int one_of(const char *value, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(value, *names) == 0)
            return 1;
    return 0;
}

int prts_bench_set_string(prts_bench *b, prts_bench_string key, const char *value)
{
    static const char *const patterns[] = {"random", "zeros", "ones", "sequential", NULL};
    static const char *const modes[] = {"standard", "code", NULL};
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    char **slot;
    switch (key) {
    case PRTS_BENCH_PATTERN:
        if (value && !one_of(value, patterns))
            return prts__fail(&b->err, PRTS_E_INVALID_ARG,
                              "unknown pattern '%s' (random, zeros, ones or sequential)", value);
        slot = &b->pattern;
        break;
    case PRTS_BENCH_MODE:
        if (value && !one_of(value, modes))
            return prts__fail(&b->err, PRTS_E_INVALID_ARG,
                              "unknown mode '%s' (standard or code)", value);
        slot = &b->mode;
        break;
    case PRTS_BENCH_BACKEND:
        if (value) {
            int rc = check_backend(value, &b->err);
            if (rc)
                return rc;
        }
        slot = &b->backend;
        break;
    case PRTS_BENCH_OUTPUT_DIR: slot = &b->output_dir; break;
    case PRTS_BENCH_TEST_NAME: slot = &b->test_name; break;
    case PRTS_BENCH_CHARTJS: slot = &b->chartjs; break;
    default:
        return prts__fail(&b->err, PRTS_E_INVALID_ARG, "unknown benchmark string %d", (int)key);
    }
    if (value && !*value && key != PRTS_BENCH_TEST_NAME)
        value = NULL; /* "" = the default */
    if (key == PRTS_BENCH_TEST_NAME && value && !*value)
        return prts__fail(&b->err, PRTS_E_INVALID_ARG, "the test name must not be empty");
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy)
        return prts__fail(&b->err, PRTS_E_NOMEM, "out of memory");
    free(*slot);
    *slot = copy;
    return PRTS_OK;
}

int prts_bench_set_threshold(prts_bench *b, double threshold)
{
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    if (!(threshold > 0 && threshold < 1))
        return prts__fail(&b->err, PRTS_E_INVALID_ARG,
                          "regression threshold %g outside (0, 1) (0.10 = 10 %%)", threshold);
    b->threshold = threshold;
    return PRTS_OK;
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double prts__quantile_sorted(const double *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n)
        return v[n - 1];
    return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

double prts__median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return prts__quantile_sorted(v, n, 0.5);
}

double prts__json_number(const json_t *obj, const char *key, double fallback)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : fallback;
}

/* {min, q1, q3, max} of n values (sorted in place); its median in *median. */
static json_t *spread_of(double *v, size_t n, double *median)
{
    qsort(v, n, sizeof *v, cmp_double);
    *median = prts__quantile_sorted(v, n, 0.5);
    return json_pack("{s:f, s:f, s:f, s:f}", "min", v[0], "q1", prts__quantile_sorted(v, n, 0.25),
                     "q3", prts__quantile_sorted(v, n, 0.75), "max", v[n - 1]);
}

/* ------------------------------------------------------------------ */
/* Machine and memory                                                  */

/* The CPU's model name from /proc/cpuinfo, else the architecture. */
static void cpu_model(char *buf, size_t len, const char *arch)
{
    snprintf(buf, len, "%s", arch);
    FILE *f = fopen("/proc/cpuinfo", "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        /* x86: "model name"; AArch64 kernels give no name, only "CPU part" */
        if (strncmp(line, "model name", 10) != 0 && strncmp(line, "Model", 5) != 0)
            continue;
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *s = colon + 1;
        while (*s == ' ' || *s == '\t')
            s++;
        s[strcspn(s, "\n")] = '\0';
        if (*s) {
            snprintf(buf, len, "%s", s);
            break;
        }
    }
    fclose(f);
}

/* A "Key:   N kB" line of /proc/self/status, in KiB; -1 when unavailable. */
static long status_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':') {
            kib = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

/* Reset the kernel's peak-RSS mark (VmHWM) to the current RSS.  The mark is the
 * whole process's: pixelrts/bench.h says so (every later peak-memory reading of
 * the process, ru_maxrss included, starts from here). */
static int reset_peak_rss(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, "5", 1);
    close(fd);
    return w == 1 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* The round trip                                                      */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct trip {
    prts_encoder *enc;
    prts_decoder *dec;
    const uint8_t *data;
    uint8_t *back;   /* size + 1 bytes: a byte too many would show */
    uint64_t size;
    void *png;       /* the last PNG (prts_free) */
    size_t png_len;
} trip;

/* One verified round trip in memory, through the buffer calls; its encode and decode
 * seconds. */
static int round_trip(trip *t, double *enc_s, double *dec_s, prts__err *e)
{
    int rc;
    prts_encoder_reset(t->enc);
    prts_decoder_reset(t->dec);
    prts_free(t->png);
    t->png = NULL;
    t->png_len = 0;

    double t0 = now();
    if ((rc = prts_encoder_encode(t->enc, t->data, (size_t)t->size, &t->png, &t->png_len)))
        return prts__fail(e, rc, "encoding %llu bytes failed: %s", (unsigned long long)t->size,
                          prts_encoder_last_error(t->enc));
    double t1 = now();

    size_t total = 0;
    /* room for a byte too many: it would show */
    if ((rc = prts_decoder_decode_into(t->dec, t->png, t->png_len, t->back,
                                       (size_t)t->size + 1, &total)))
        return prts__fail(e, rc, "decoding failed: %s", prts_decoder_last_error(t->dec));
    double t2 = now();

    if (total != t->size || memcmp(t->data, t->back, (size_t)t->size) != 0)
        return prts__fail(e, PRTS_E_HASH_MISMATCH,
                          "round trip of %llu bytes not verified: %llu bytes came back%s",
                          (unsigned long long)t->size, (unsigned long long)total,
                          total == t->size ? ", and they differ" : "");
    *enc_s = t1 - t0;
    *dec_s = t2 - t1;
    return PRTS_OK;
}

static void fill_pattern(uint8_t *p, uint64_t n, const char *pattern)
{
    if (strcmp(pattern, "zeros") == 0) {
        memset(p, 0, (size_t)n);
    } else if (strcmp(pattern, "ones") == 0) {
        memset(p, 0xFF, (size_t)n);
    } else if (strcmp(pattern, "sequential") == 0) {
        for (uint64_t i = 0; i < n; i++)
            p[i] = (uint8_t)i;
    } else { /* random: xorshift64, incompressible and the same every run */
        uint64_t x = 0x9e3779b97f4a7c15ull;
        for (uint64_t i = 0; i < n; i += 8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            memcpy(p + i, &x, n - i < 8 ? (size_t)(n - i) : 8);
        }
    }
}

/* "10MB" for 10 MiB (the guide's names), "4KB", "1000B". */
static void size_label(uint64_t n, char *buf, size_t len)
{
    if (n % (1u << 20) == 0)
        snprintf(buf, len, "%lluMB", (unsigned long long)(n >> 20));
    else if (n % 1024 == 0)
        snprintf(buf, len, "%lluKB", (unsigned long long)(n >> 10));
    else
        snprintf(buf, len, "%lluB", (unsigned long long)n);
}

/* Configure both handles like the benchmark; the level actually used in *level. */
static int setup(prts_bench *b, trip *t, int code_mode, int64_t *level)
{
    int rc;
    t->enc = prts_encoder_new();
    t->dec = prts_decoder_new();
    if (!t->enc || !t->dec)
        return prts__fail(&b->err, PRTS_E_NOMEM, "out of memory creating the handles");
    /* keep the round trip in RAM: what the buffer calls stage (a compressed or
     * code-mode payload's bytes) would spill past the default budget to a
     * temporary file, timing the disk instead */
    int64_t budget = (int64_t)t->size > PRTS__DEFAULT_BUDGET ? (int64_t)t->size
                                                             : PRTS__DEFAULT_BUDGET;
    if ((rc = prts_encoder_set_option(t->enc, PRTS_OPT_MEMORY_BUDGET, budget)) ||
        (rc = prts_encoder_set_option(t->enc, PRTS_OPT_MODE,
                                      code_mode ? PRTS_MODE_CODE : PRTS_MODE_STANDARD)) ||
        (b->preset && (rc = prts_encoder_set_preset(t->enc, (prts_preset)b->preset))) ||
        (b->level != LEVEL_UNSET &&
         (rc = prts_encoder_set_option(t->enc, PRTS_OPT_PNG_LEVEL, b->level))) ||
        (rc = prts_encoder_get_option(t->enc, PRTS_OPT_PNG_LEVEL, level)))
        return prts__fail(&b->err, rc, "encoder options: %s", prts_encoder_last_error(t->enc));
    if (b->backend && (rc = prts_encoder_set_backend(t->enc, b->backend)))
        return prts__fail(&b->err, rc, "%s", prts_encoder_last_error(t->enc));
    /* the decoder uses exactly the backend the encoder resolved to; every round trip is
     * compared byte for byte, so the decoder's own SHA-256 check (on by default since
     * issue 15) would only add its time and make the history incomparable with runs
     * measured before */
    if ((rc = prts_decoder_set_backend(t->dec, prts_encoder_backend(t->enc))) ||
        (rc = prts_decoder_set_option(t->dec, PRTS_OPT_MEMORY_BUDGET, budget)) ||
        (rc = prts_decoder_set_option(t->dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_OFF)))
        return prts__fail(&b->err, rc, "%s", prts_decoder_last_error(t->dec));
    return PRTS_OK;
}

/* The history object of a finished measurement. */
static json_t *describe(prts_bench *b, trip *t, const char *pattern, const char *mode,
                        int64_t level, double *enc, double *dec, double *tot, size_t k,
                        double peak_mb, double start_mb, const char *peak_method)
{
    char label[32], name[256], device[128] = "", stamp[32], cpu[256];
    struct utsname u;
    time_t clock = time(NULL);
    struct tm tm;

    size_label(t->size, label, sizeof label);
    if (b->test_name)
        snprintf(name, sizeof name, "%s", b->test_name);
    else
        snprintf(name, sizeof name, "encode_decode_%s_%s%s", pattern, label,
                 strcmp(mode, "code") == 0 ? "_code" : "");
    const char *backend = prts_encoder_backend(t->enc);
    prts_backend_describe(backend, device, sizeof device);
    gmtime_r(&clock, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (uname(&u) != 0)
        snprintf(u.machine, sizeof u.machine, "unknown");
    cpu_model(cpu, sizeof cpu, u.machine);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    int64_t grid = prts_grid_size_for(t->size);
    char *meta_text = prts_encoder_metadata_json(t->enc);
    json_t *meta = meta_text ? json_loads(meta_text, 0, NULL) : NULL;
    prts_free(meta_text);
    if (json_is_integer(json_object_get(meta, "grid_size")))
        grid = json_integer_value(json_object_get(meta, "grid_size"));
    json_decref(meta);

    double enc_med, dec_med, tot_med;
    json_t *s_enc = spread_of(enc, k, &enc_med);
    json_t *s_dec = spread_of(dec, k, &dec_med);
    json_t *s_tot = spread_of(tot, k, &tot_med); /* tot is sorted now */
    double mb = (double)t->size / 1e6;

    json_t *o = json_object();
    json_object_set_new(o, "test_name", json_string(name));
    json_object_set_new(o, "data_size", json_integer((json_int_t)t->size));
    json_object_set_new(o, "grid_size", json_integer(grid));
    json_object_set_new(o, "encode_time", json_real(enc_med));
    json_object_set_new(o, "decode_time", json_real(dec_med));
    json_object_set_new(o, "total_time", json_real(tot_med));
    json_object_set_new(o, "throughput_mb_sec", json_real(mb / tot_med));
    json_object_set_new(o, "peak_memory_mb", peak_mb >= 0 ? json_real(peak_mb) : json_null());
    json_t *run_meta = json_pack("{s:I, s:I, s:s, s:s}", "iterations", (json_int_t)k, "warmup",
                                 (json_int_t)b->warmup, "pattern", pattern, "mode", mode);
    if (b->alignment >= 0)
        json_object_set_new(run_meta, "alignment", json_integer((json_int_t)b->alignment));
    json_object_set_new(o, "metadata", run_meta);
    json_object_set_new(o, "timestamp", json_string(stamp));
    json_object_set_new(o, "version", json_string(prts_version_string()));
    json_object_set_new(o, "backend", json_string(backend));
    json_object_set_new(o, "device", json_string(device));
    json_object_set_new(o, "level", json_integer(level));
    json_object_set_new(o, "png_size", json_integer((json_int_t)t->png_len));
    json_object_set_new(o, "machine", json_pack("{s:s, s:I, s:s}", "cpu_model", cpu, "cores",
                                                (json_int_t)cores, "arch", u.machine));
    json_object_set_new(o, "spread",
                        json_pack("{s:o, s:o, s:o, s:{s:f, s:f}}", "encode_time", s_enc,
                                  "decode_time", s_dec, "total_time", s_tot,
                                  "throughput_mb_sec", "min", mb / tot[k - 1], "max",
                                  mb / (tot[0] > 0 ? tot[0] : 1e-9)));
    json_object_set_new(o, "peak_memory_method",
                        peak_method ? json_string(peak_method) : json_null());
    json_object_set_new(o, "rss_start_mb", start_mb >= 0 ? json_real(start_mb) : json_null());
    return o;
}

int prts_bench_run(prts_bench *b, uint64_t data_size, char **result_json)
{
    if (result_json)
        *result_json = NULL;
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    b->err.code = 0;
    b->err.msg[0] = '\0';
    if (data_size == 0 || data_size >= SIZE_MAX / 2)
        return prts__fail(&b->err, PRTS_E_INVALID_ARG, "cannot benchmark %llu bytes",
                          (unsigned long long)data_size);
    const char *pattern = b->pattern ? b->pattern : "random";
    const char *mode = b->mode ? b->mode : "standard";
    size_t k = (size_t)b->iterations;
    trip t = {.size = data_size};
    double *times = calloc(3 * k, sizeof *times);
    /* with PRTS_BENCH_ALIGNMENT the input starts that many bytes past a cache line (64
     * bytes), so that aligned and misaligned inputs can be compared; else where malloc puts
     * it, as a caller's buffer would be */
    uint8_t *data = NULL;
    if (b->alignment < 0)
        data = malloc((size_t)data_size);
    else if (posix_memalign((void **)&data, 64, (size_t)data_size + 64) != 0)
        data = NULL;
    uint8_t *input = data && b->alignment > 0 ? data + b->alignment : data;
    t.back = malloc((size_t)data_size + 1);
    t.data = input;
    int64_t level = 0;
    int rc = PRTS_OK;
    json_t *result = NULL;

    if (!times || !data || !t.back)
        rc = prts__fail(&b->err, PRTS_E_NOMEM, "cannot allocate 2 x %llu bytes to benchmark",
                        (unsigned long long)data_size);
    if (rc == PRTS_OK)
        rc = setup(b, &t, strcmp(mode, "code") == 0, &level);
    if (rc == PRTS_OK) {
        fill_pattern(input, data_size, pattern);
        double e, d;
        for (int64_t i = 0; rc == PRTS_OK && i < b->warmup; i++)
            rc = round_trip(&t, &e, &d, &b->err);
    }
    /* peak memory: the kernel's high-water mark, reset just before the
     * timed runs, so it is theirs and not the process's lifetime peak */
    const char *method = NULL;
    double start_mb = -1, peak_mb = -1;
    if (rc == PRTS_OK) {
        if (reset_peak_rss() == 0 && status_kib("VmHWM") >= 0) {
            method = "VmHWM reset by /proc/self/clear_refs: peak RSS of the process during the "
                     "timed runs (input, PNG and output buffers included)";
        } else if (status_kib("VmHWM") >= 0) {
            method = "VmHWM, not resettable here: peak RSS of the process since it started";
        } else {
            method = "getrusage ru_maxrss: peak RSS of the process since it started";
        }
        long rss = status_kib("VmRSS");
        start_mb = rss >= 0 ? (double)rss / 1024.0 : -1;
    }
    double *enc = times, *dec = times + k, *tot = times + 2 * k;
    for (size_t i = 0; rc == PRTS_OK && i < k; i++) {
        rc = round_trip(&t, &enc[i], &dec[i], &b->err);
        tot[i] = enc[i] + dec[i];
    }
    if (rc == PRTS_OK) {
        long hwm = status_kib("VmHWM");
        struct rusage ru;
        if (hwm >= 0)
            peak_mb = (double)hwm / 1024.0;
        else if (getrusage(RUSAGE_SELF, &ru) == 0)
            peak_mb = (double)ru.ru_maxrss / 1024.0;
        else
            method = NULL;
        result = describe(b, &t, pattern, mode, level, enc, dec, tot, k, peak_mb, start_mb,
                          method);
        if (!result)
            rc = prts__fail(&b->err, PRTS_E_NOMEM, "out of memory describing the result");
    }
    if (rc == PRTS_OK && b->output_dir && b->append_history)
        rc = prts__bench_history_append(b, result);
    if (rc == PRTS_OK && result_json) {
        *result_json = json_dumps(result, JSON_COMPACT);
        if (!*result_json)
            rc = prts__fail(&b->err, PRTS_E_NOMEM, "out of memory");
    }
    json_decref(result);
    prts_encoder_free(t.enc);
    prts_decoder_free(t.dec);
    prts_free(t.png);
    free(t.back);
    free(data);
    free(times);
    return rc;
}
