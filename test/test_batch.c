/* test_batch.c: batches (prts_batch_*) through the public API.
 *
 * Failure isolation: in one batch, good files of several sizes (an empty
 * one and one above the 16 MiB read/map threshold included), a missing
 * file, a dangling symlink, an unreadable file (mode 000, or a symlink loop
 * when running as root, whom mode 000 does not stop), a path through a
 * regular file, a directory, an output whose parent is a regular file and
 * a file whose size changes while it is read: every good file converts and
 * decodes back bit-exact, every failure has its status and a message, no
 * partial output exists anywhere, and the results are the same with 1 and
 * 4 workers.  Also: a write limit (RLIMIT_FSIZE) hit in the middle of an
 * output, inputs truncated/extended/appended to while the batch runs,
 * progress (once per job, 1..total, from the caller's thread),
 * cancellation (from the callback and from another thread), decode
 * batches, metadata defaults and per-job overrides, blueprints, the results
 * JSON, options and backends. */
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

static uint8_t *make_data(size_t n, uint64_t seed)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    uint64_t s = seed;
    tu_random_bytes(&s, d, n);
    return d;
}

static void write_random(const char *path, size_t n, uint64_t seed)
{
    uint8_t *d = make_data(n, seed);
    tu_write_file(path, d, n);
    free(d);
}

/* Number of files below `dir` (recursively) whose name contains ".tmp."
 * (the library's temporary outputs); prints them. */
static int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = tu_path(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_tmp(p);
        else if (strstr(e->d_name, ".tmp.")) {
            print_message("leftover temporary file: %s\n", p);
            n++;
        }
        free(p);
    }
    closedir(d);
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of `dir`, joined by '\n' (malloc'd). */
static char *dir_listing(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return strdup("");
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    tu_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        tu_buf_append(&b, names[i], strlen(names[i]));
        tu_buf_append(&b, "\n", 1);
        free(names[i]);
    }
    free(names);
    tu_buf_append(&b, "", 1);
    return (char *)b.data;
}

static json_t *results_of(prts_batch *b)
{
    char *text = prts_batch_results_json(b);
    assert_non_null(text);
    json_t *r = tu_json_parse(text);
    prts_free(text);
    assert_true(json_is_array(r));
    assert_int_equal(json_array_size(r), prts_batch_size(b));
    return r;
}

static int status_of(json_t *res)
{
    json_t *s = json_object_get(res, "status");
    assert_true(json_is_integer(s));
    return (int)json_integer_value(s);
}

static const char *error_of(json_t *res)
{
    json_t *e = json_object_get(res, "error");
    return json_is_string(e) ? json_string_value(e) : NULL;
}

/* Every key of the guide's result object is present with its type; the
 * fields agree with the status. */
static void check_result_shape(json_t *res, prts_batch_kind kind)
{
    static const char *const keys[] = { "input_path", "output_path", "success", "error",
                                        "status", "metadata", "file_size" };
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (!json_object_get(res, keys[k]))
            fail_msg("result lacks \"%s\": %s", keys[k], json_dumps(res, JSON_COMPACT));
    const char *time_key = kind == PRTS_BATCH_ENCODE ? "encode_time" : "decode_time";
    json_t *t = json_object_get(res, time_key);
    if (!json_is_number(t))
        fail_msg("result lacks a number \"%s\"", time_key);
    assert_true(json_number_value(t) >= 0.0);
    assert_true(json_is_string(json_object_get(res, "input_path")));
    assert_true(json_is_string(json_object_get(res, "output_path")));
    assert_true(json_is_integer(json_object_get(res, "file_size")));
    int st = status_of(res);
    json_t *ok = json_object_get(res, "success");
    assert_true(json_is_boolean(ok));
    if (st == PRTS_OK) {
        assert_true(json_is_true(ok));
        assert_true(json_is_null(json_object_get(res, "error")));
        json_t *m = json_object_get(res, "metadata");
        assert_true(json_is_object(m));
        assert_true(json_is_integer(json_object_get(m, "data_size")));
        assert_true(json_is_integer(json_object_get(m, "grid_size")));
        assert_true(json_is_string(json_object_get(m, "data_hash")));
    } else {
        assert_true(json_is_false(ok));
        const char *e = error_of(res);
        if (!e || !*e)
            fail_msg("failed job (%d) without a message", st);
        assert_true(json_is_null(json_object_get(res, "metadata")));
        assert_int_equal(json_integer_value(json_object_get(res, "file_size")), 0);
    }
}

/* An encode result of `data` (n bytes) whose output is `out`: metadata,
 * file size, and the PNG decodes back bit-exact (hash verified). */
static void check_good_encode(json_t *res, const char *out, const uint8_t *data, size_t n)
{
    if (status_of(res) != PRTS_OK)
        fail_msg("%s failed: %d (%s): %s", json_string_value(json_object_get(res, "input_path")),
                 status_of(res), prts_strerror(status_of(res)), error_of(res));
    json_t *m = json_object_get(res, "metadata");
    assert_int_equal(json_integer_value(json_object_get(m, "data_size")), (int64_t)n);
    assert_int_equal(json_integer_value(json_object_get(m, "grid_size")), prts_grid_size_for(n));
    char hex[65];
    tu_sha256_hex(data, n, hex);
    assert_string_equal(json_string_value(json_object_get(m, "data_hash")), hex);
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(json_integer_value(json_object_get(res, "file_size")), (int64_t)st.st_size);

    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_READ_SIDECAR, 0), PRTS_OK);
    char *back = tu_strdupf("%s.back", out);
    int r = prts_decoder_decode_file(dec, out, back);
    if (r != PRTS_OK)
        fail_msg("decode %s: %d: %s", out, r, prts_decoder_last_error(dec));
    size_t blen;
    uint8_t *b = tu_read_file(back, &blen);
    tu_assert_bytes_equal(b, blen, data, n);
    free(b);
    unlink(back);
    free(back);
    prts_decoder_free(dec);
}

/* ---- progress recording --------------------------------------------------- */

typedef struct progress_log {
    pthread_t caller;
    int wrong_thread;
    size_t calls;
    size_t last_total;
    int out_of_order;     /* current was not calls+1 */
    char **names;
    size_t cancel_at;     /* return non-zero when current == cancel_at (0 = never) */
    atomic_size_t seen;   /* for another thread to watch */
} progress_log;

static int progress_cb(void *user, size_t current, size_t total, const char *name)
{
    progress_log *p = user;
    if (!pthread_equal(pthread_self(), p->caller))
        p->wrong_thread = 1;
    if (current != p->calls + 1)
        p->out_of_order = 1;
    p->calls++;
    p->last_total = total;
    p->names = realloc(p->names, p->calls * sizeof *p->names);
    p->names[p->calls - 1] = strdup(name ? name : "(null)");
    atomic_store(&p->seen, p->calls);
    return p->cancel_at && current == p->cancel_at;
}

static void progress_free(progress_log *p)
{
    for (size_t i = 0; i < p->calls; i++)
        free(p->names[i]);
    free(p->names);
}

/* Each job's input was named exactly once (as a multiset). */
static void check_progress_names(progress_log *p, json_t *results, int only_ran)
{
    size_t n = 0;
    char **want = calloc(json_array_size(results) + 1, sizeof *want);
    for (size_t i = 0; i < json_array_size(results); i++) {
        json_t *r = json_array_get(results, i);
        if (only_ran && status_of(r) == PRTS_E_CANCELLED)
            continue;
        want[n++] = (char *)json_string_value(json_object_get(r, "input_path"));
    }
    assert_int_equal(p->calls, n);
    char **got = calloc(n + 1, sizeof *got);
    memcpy(got, p->names, n * sizeof *got);
    qsort(want, n, sizeof *want, cmp_str);
    qsort(got, n, sizeof *got, cmp_str);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(got[i], want[i]);
    free(want);
    free(got);
}

/* ---- failure isolation ------------------------------------------------------ */

typedef struct spec {
    const char *label;
    char *in;             /* input path */
    char *out_name;       /* output path relative to the run's output folder */
    int expect;           /* status */
    uint8_t *data;        /* good jobs: the content */
    size_t len;
} spec;

/* A sysfs attribute: stat says 4096 bytes, a read gives a few: to the
 * library (which reads small files whole and compares the count with the
 * size it saw) a file whose size changed while it was read, every time. */
static const char *size_changing_file(void)
{
    static const char *const candidates[] = {
        "/sys/devices/system/cpu/online",
        "/sys/devices/system/cpu/possible",
        "/sys/kernel/mm/transparent_hugepage/enabled",
        "/sys/power/state",
    };
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        struct stat st;
        if (stat(candidates[i], &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
            continue;
        size_t len;
        uint8_t *d = tu_try_read_file(candidates[i], &len);
        if (!d)
            continue;
        free(d);
        if (len != (size_t)st.st_size)
            return candidates[i];
    }
    return NULL;
}

static const size_t good_sizes[] = { 0, 1, 4095, 4096, 65537, (1u << 20) + 3,
                                     (16u << 20) + 4097 /* mapped, not read */ };
#define NGOOD (sizeof good_sizes / sizeof good_sizes[0])

typedef struct iso {
    char *root, *in;
    spec specs[32];
    size_t n;
} iso;

static spec *add_spec(iso *f, const char *label, char *in, const char *out_name, int expect)
{
    assert_true(f->n < sizeof f->specs / sizeof f->specs[0]);
    spec *s = &f->specs[f->n++];
    s->label = label;
    s->in = in;
    s->out_name = strdup(out_name);
    s->expect = expect;
    return s;
}

static void iso_build(iso *f)
{
    f->root = tu_mkdtemp();
    f->in = tu_path(f->root, "in");
    assert_int_equal(mkdir(f->in, 0755), 0);
    for (size_t i = 0; i < NGOOD; i++) {
        char name[64];
        snprintf(name, sizeof name, "good%zu.bin", i);
        spec *s = add_spec(f, i == 0 ? "empty file" : "good file", tu_path(f->in, name), name,
                           PRTS_OK);
        s->len = good_sizes[i];
        s->data = make_data(s->len, 1000 + i);
        tu_write_file(s->in, s->data, s->len);
    }
    add_spec(f, "missing file", tu_path(f->in, "missing.bin"), "missing.bin",
             PRTS_E_FILE_NOT_FOUND);

    char *dangling = tu_path(f->in, "dangling.bin");
    assert_int_equal(symlink("does-not-exist", dangling), 0);
    add_spec(f, "dangling symlink", dangling, "dangling.bin", PRTS_E_FILE_NOT_FOUND);

    char *unreadable = tu_path(f->in, "unreadable.bin");
    if (geteuid() != 0) {
        write_random(unreadable, 1000, 7);
        assert_int_equal(chmod(unreadable, 0), 0);
        add_spec(f, "unreadable file (mode 000)", unreadable, "unreadable.bin", PRTS_E_IO);
    } else {
        /* mode 000 does not stop root; a symlink to itself fails to open (ELOOP) for anyone */
        assert_int_equal(symlink("unreadable.bin", unreadable), 0);
        add_spec(f, "unreadable file (symlink loop)", unreadable, "unreadable.bin", PRTS_E_IO);
    }
    add_spec(f, "path through a regular file", tu_path(f->specs[1].in, "inner"), "inner.bin",
             PRTS_E_IO);

    char *dir = tu_path(f->in, "a-directory");
    assert_int_equal(mkdir(dir, 0755), 0);
    add_spec(f, "directory", dir, "a-directory", PRTS_E_UNSUPPORTED);

    /* output whose parent is a regular file (a read-only folder does not stop root) */
    spec *s = add_spec(f, "unwritable output", tu_path(f->in, "good-for-blocked.bin"),
                       "blocker/x.bin", PRTS_E_OUTPUT);
    write_random(s->in, 5000, 99);

    const char *changing = size_changing_file();
    if (changing)
        add_spec(f, "size changes while read (sysfs)", strdup(changing), "changing.bin",
                 PRTS_E_CHANGED);
    else
        print_message("no sysfs file reports a size other than its content: "
                      "the size-change job is left out of this batch\n");
    /* good again, after the failures */
    s = add_spec(f, "good file after failures", tu_path(f->in, "last.bin"), "last.bin", PRTS_OK);
    s->len = 12345;
    s->data = make_data(s->len, 4242);
    tu_write_file(s->in, s->data, s->len);
}

static void iso_free(iso *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->specs[i].in);
        free(f->specs[i].out_name);
        free(f->specs[i].data);
    }
    tu_rmtree(f->root);
    free(f->root);
    free(f->in);
}

static char *spec_out(const char *outdir, const spec *s)
{
    return tu_strdupf("%s/%s.rts.png", outdir, s->out_name);
}

/* Run the isolation batch with `workers` into root/<tag>; returns the
 * results (caller decrefs) and the output folder in *outdir. */
static json_t *iso_run(iso *f, int workers, const char *tag, char **outdir)
{
    *outdir = tu_path(f->root, tag);
    assert_int_equal(mkdir(*outdir, 0755), 0);
    /* the unwritable output: "blocker" is a regular file */
    char *blocker = tu_path(*outdir, "blocker");
    tu_write_file(blocker, "x", 1);

    prts_batch *b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_non_null(b);
    assert_int_equal(prts_batch_set_workers(b, workers), PRTS_OK);
    progress_log p = { .caller = pthread_self() };
    prts_batch_set_progress(b, progress_cb, &p);
    for (size_t i = 0; i < f->n; i++) {
        char *out = spec_out(*outdir, &f->specs[i]);
        assert_int_equal(prts_batch_add(b, f->specs[i].in, out, NULL), PRTS_OK);
        free(out);
    }
    assert_int_equal(prts_batch_size(b), f->n);
    int rc = prts_batch_run(b);
    assert_int_equal(rc, PRTS_E_BATCH);
    json_t *res = results_of(b);

    /* progress: once per job, 1..total in order, on this thread */
    assert_int_equal(p.calls, f->n);
    assert_int_equal(p.last_total, f->n);
    assert_false(p.out_of_order);
    assert_false(p.wrong_thread);
    check_progress_names(&p, res, 0);
    progress_free(&p);

    for (size_t i = 0; i < f->n; i++) {
        spec *s = &f->specs[i];
        json_t *r = json_array_get(res, i);
        check_result_shape(r, PRTS_BATCH_ENCODE);
        char *out = spec_out(*outdir, s);
        assert_string_equal(json_string_value(json_object_get(r, "input_path")), s->in);
        assert_string_equal(json_string_value(json_object_get(r, "output_path")), out);
        int st = status_of(r);
        print_message("  %d worker(s): %-34s -> %3d %-22s %s\n", workers, s->label, st,
                      prts_strerror(st), st ? error_of(r) : "");
        if (st != s->expect)
            fail_msg("%s (%s): status %d (%s), expected %d (%s): %s", s->label, s->in, st,
                     prts_strerror(st), s->expect, prts_strerror(s->expect), error_of(r));
        char *sidecar = tu_strdupf("%s.meta.json", out);
        if (st == PRTS_OK) {
            check_good_encode(r, out, s->data, s->len);
            assert_true(tu_file_exists(sidecar));
        } else {
            if (tu_file_exists(out))
                fail_msg("%s failed but %s exists", s->label, out);
            if (tu_file_exists(sidecar))
                fail_msg("%s failed but %s exists", s->label, sidecar);
        }
        free(sidecar);
        free(out);
    }
    /* nothing else in the output folder: outputs and sidecars of the good jobs, "blocker" */
    size_t expected_entries = 1;
    for (size_t i = 0; i < f->n; i++)
        expected_entries += f->specs[i].expect == PRTS_OK ? 2 : 0;
    if ((size_t)tu_dir_count(*outdir) != expected_entries) {
        char *l = dir_listing(*outdir);
        fail_msg("%s holds %d entries, expected %zu:\n%s", *outdir, tu_dir_count(*outdir),
                 expected_entries, l);
    }
    assert_int_equal(count_tmp(f->root), 0);
    prts_batch_free(b);
    free(blocker);
    return res;
}

/* `s` with every occurrence of `from` replaced by `to` (malloc'd). */
static char *replace_all(const char *s, const char *from, const char *to)
{
    tu_buf b = {0};
    size_t fl = strlen(from);
    const char *p;
    while ((p = strstr(s, from)) != NULL) {
        tu_buf_append(&b, s, (size_t)(p - s));
        tu_buf_append(&b, to, strlen(to));
        s = p + fl;
    }
    tu_buf_append(&b, s, strlen(s) + 1);
    return (char *)b.data;
}

static void t_failure_isolation(void **state)
{
    (void)state;
    iso f = {0};
    iso_build(&f);
    char *out1, *out4;
    json_t *r1 = iso_run(&f, 1, "out1", &out1);
    json_t *r4 = iso_run(&f, 4, "out4", &out4);

    /* identical with 1 and 4 workers: statuses, messages, metadata, output bytes */
    for (size_t i = 0; i < f.n; i++) {
        json_t *a = json_array_get(r1, i), *b = json_array_get(r4, i);
        assert_int_equal(status_of(a), status_of(b));
        if (status_of(a) != PRTS_OK) {
            char *ea = replace_all(error_of(a), out1, "OUT");
            char *eb = replace_all(error_of(b), out4, "OUT");
            assert_string_equal(ea, eb);
            free(ea);
            free(eb);
            continue;
        }
        if (!json_equal(json_object_get(a, "metadata"), json_object_get(b, "metadata")))
            fail_msg("metadata of %s differs between 1 and 4 workers", f.specs[i].label);
        assert_int_equal(json_integer_value(json_object_get(a, "file_size")),
                         json_integer_value(json_object_get(b, "file_size")));
        char *pa = spec_out(out1, &f.specs[i]), *pb = spec_out(out4, &f.specs[i]);
        size_t la, lb;
        uint8_t *da = tu_read_file(pa, &la), *db = tu_read_file(pb, &lb);
        tu_assert_bytes_equal(da, la, db, lb);
        free(da);
        free(db);
        char *sa = tu_strdupf("%s.meta.json", pa), *sb = tu_strdupf("%s.meta.json", pb);
        da = tu_read_file(sa, &la);
        db = tu_read_file(sb, &lb);
        tu_assert_bytes_equal(da, la, db, lb);
        free(da);
        free(db);
        free(sa);
        free(sb);
        free(pa);
        free(pb);
    }
    json_decref(r1);
    json_decref(r4);
    free(out1);
    free(out4);
    iso_free(&f);
}

/* ---- a write limit hit in the middle of an output --------------------------- */

/* Child side: run `b`, write "STATUS\nRESULTS\n" to fd. */
static void child_run(prts_batch *b, int fd)
{
    int rc = prts_batch_run(b);
    char *text = prts_batch_results_json(b);
    char head[32];
    int hl = snprintf(head, sizeof head, "%d\n", rc);
    if (write(fd, head, (size_t)hl) != hl || !text ||
        write(fd, text, strlen(text)) != (ssize_t)strlen(text) || write(fd, "\n", 1) != 1)
        _exit(4);
    prts_free(text);
}

/* Parent side: the next "STATUS\nRESULTS\n" of the child's output. */
static json_t *parse_child(char **cursor, int *rc)
{
    char *nl = strchr(*cursor, '\n');
    assert_non_null(nl);
    *rc = atoi(*cursor);
    char *end = strchr(nl + 1, '\n');
    assert_non_null(end);
    *end = 0;
    json_t *res = tu_json_parse(nl + 1);
    *cursor = end + 1;
    return res;
}

/* In a child with RLIMIT_FSIZE = 256 KiB (and SIGXFSZ ignored, so that the
 * write fails with EFBIG instead of killing it): a 1 MiB incompressible
 * input cannot be encoded, nor a 1 MiB payload decoded; small ones can;
 * nothing partial remains. */
static void t_write_limit(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    char *big = tu_path(root, "big.bin"), *small = tu_path(root, "small.bin");
    char *big_png = tu_path(root, "big.rts.png");
    char *big_out = tu_path(root, "out/big.rts.png"), *small_out = tu_path(root, "out/small.rts.png");
    char *small2_out = tu_path(root, "out/small2.rts.png");
    char *big_back = tu_path(root, "back/big.bin"), *small_back = tu_path(root, "back/small.bin");
    uint8_t *small_data = make_data(3000, 5);
    write_random(big, 1u << 20, 6);
    tu_write_file(small, small_data, 3000);
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_encode_file(enc, big, big_png), PRTS_OK);
    prts_encoder_free(enc);

    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl;
        getrlimit(RLIMIT_FSIZE, &rl);
        rl.rlim_cur = 256 * 1024;
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(3);
        prts_batch *b = prts_batch_new(PRTS_BATCH_ENCODE);
        prts_batch_set_workers(b, 2);
        prts_batch_add(b, small, small_out, NULL);
        prts_batch_add(b, big, big_out, NULL);
        prts_batch_add(b, small, small2_out, NULL);
        child_run(b, pfd[1]);
        prts_batch_free(b);
        b = prts_batch_new(PRTS_BATCH_DECODE);
        prts_batch_set_workers(b, 2);
        prts_batch_add(b, big_png, big_back, NULL);
        prts_batch_add(b, small_out, small_back, NULL);
        child_run(b, pfd[1]);
        prts_batch_free(b);
        _exit(0);
    }
    close(pfd[1]);
    tu_buf buf = {0};
    char tmp[4096];
    ssize_t n;
    while ((n = read(pfd[0], tmp, sizeof tmp)) > 0)
        tu_buf_append(&buf, tmp, (size_t)n);
    close(pfd[0]);
    tu_buf_append(&buf, "", 1);
    int wst;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
        fail_msg("child ended badly (status 0x%x)", wst);
    char *cursor = (char *)buf.data;
    int rc;

    json_t *res = parse_child(&cursor, &rc);
    assert_int_equal(rc, PRTS_E_BATCH);
    assert_int_equal(json_array_size(res), 3);
    for (size_t i = 0; i < 3; i++)
        check_result_shape(json_array_get(res, i), PRTS_BATCH_ENCODE);
    json_t *rb = json_array_get(res, 1);
    print_message("  encode over the write limit: %d (%s): %s\n", status_of(rb),
                  prts_strerror(status_of(rb)), error_of(rb));
    assert_int_equal(status_of(rb), PRTS_E_IO);
    assert_non_null(strstr(error_of(rb), big_out));
    assert_false(tu_file_exists(big_out));
    char *big_side = tu_strdupf("%s.meta.json", big_out);
    assert_false(tu_file_exists(big_side));
    free(big_side);
    check_good_encode(json_array_get(res, 0), small_out, small_data, 3000);
    check_good_encode(json_array_get(res, 2), small2_out, small_data, 3000);
    json_decref(res);

    res = parse_child(&cursor, &rc);
    assert_int_equal(rc, PRTS_E_BATCH);
    assert_int_equal(json_array_size(res), 2);
    check_result_shape(json_array_get(res, 0), PRTS_BATCH_DECODE);
    check_result_shape(json_array_get(res, 1), PRTS_BATCH_DECODE);
    rb = json_array_get(res, 0);
    print_message("  decode over the write limit: %d (%s): %s\n", status_of(rb),
                  prts_strerror(status_of(rb)), error_of(rb));
    assert_int_equal(status_of(rb), PRTS_E_IO);
    assert_false(tu_file_exists(big_back));
    assert_int_equal(status_of(json_array_get(res, 1)), PRTS_OK);
    size_t len;
    uint8_t *got = tu_read_file(small_back, &len);
    tu_assert_bytes_equal(got, len, small_data, 3000);
    free(got);
    json_decref(res);

    assert_int_equal(count_tmp(root), 0);
    tu_buf_free(&buf);
    free(small_data);
    free(big);
    free(small);
    free(big_png);
    free(big_out);
    free(small_out);
    free(small2_out);
    free(big_back);
    free(small_back);
    tu_rmtree(root);
    free(root);
}

/* ---- inputs that change while the batch runs -------------------------------- */

static uint8_t pattern_byte(uint64_t i)
{
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull;
    x ^= x >> 29;
    return (uint8_t)(x * 0xBF58476D1CE4E5B9ull >> 56);
}

static void fill_pattern(uint8_t *d, uint64_t from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = pattern_byte(from + i);
}

typedef struct mutator {
    const char *path;
    size_t small, large;  /* flip: truncate to small, rewrite to large */
    int append;           /* else: append pattern bytes */
    atomic_int stop;
    long changes;
} mutator;

static void *mutator_main(void *arg)
{
    mutator *m = arg;
    int fd = open(m->path, O_WRONLY);
    if (fd < 0)
        return NULL;
    struct stat st;
    fstat(fd, &st);
    uint64_t size = (uint64_t)st.st_size;
    uint8_t *full = malloc(m->large ? m->large : 512);
    if (!m->append)
        fill_pattern(full, 0, m->large);
    struct timespec pause = { 0, 50 * 1000 };
    while (!atomic_load(&m->stop)) {
        if (m->append) {
            fill_pattern(full, size, 512);
            if (pwrite(fd, full, 512, (off_t)size) == 512)
                size += 512;
        } else {
            if (ftruncate(fd, (off_t)m->small) != 0)
                break;
            nanosleep(&pause, NULL);
            if (pwrite(fd, full, m->large, 0) != (ssize_t)m->large)
                break;
        }
        m->changes++;
        nanosleep(&pause, NULL);
    }
    free(full);
    close(fd);
    return NULL;
}

/* Jobs on a file being changed: each either fails with PRTS_E_CHANGED and
 * leaves nothing, or succeeds with an output that decodes (hash verified)
 * to a prefix of the pattern whose size is within [min_size, max_size].
 * The library detects changes of size only (the count read against the
 * size it saw): a read that overlaps a write in progress may return zeros
 * for pages not yet filled while the size is already final; such outputs
 * are counted in *n_zero_filled, not failed (they are not the library's to
 * detect, and their hash still matches their content). */
static void run_changing(const char *root, const char *in, size_t jobs, int workers,
                         size_t min_size, size_t max_size, mutator *m, int *n_ok, int *n_changed,
                         int *n_zero_filled)
{
    char *outdir = tu_path(root, "out");
    prts_batch *b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_non_null(b);
    assert_int_equal(prts_batch_set_workers(b, workers), PRTS_OK);
    for (size_t i = 0; i < jobs; i++) {
        char *out = tu_strdupf("%s/%zu.rts.png", outdir, i);
        assert_int_equal(prts_batch_add(b, in, out, NULL), PRTS_OK);
        free(out);
    }
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, mutator_main, m), 0);
    int rc = prts_batch_run(b);
    atomic_store(&m->stop, 1);
    pthread_join(th, NULL);
    json_t *res = results_of(b);
    *n_ok = *n_changed = *n_zero_filled = 0;
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
    uint8_t *want = malloc(max_size);
    fill_pattern(want, 0, max_size);
    for (size_t i = 0; i < jobs; i++) {
        json_t *r = json_array_get(res, i);
        check_result_shape(r, PRTS_BATCH_ENCODE);
        char *out = tu_strdupf("%s/%zu.rts.png", outdir, i);
        int st = status_of(r);
        if (st == PRTS_E_CHANGED) {
            (*n_changed)++;
            assert_false(tu_file_exists(out));
        } else if (st == PRTS_OK) {
            (*n_ok)++;
            char *back = tu_strdupf("%s.back", out);
            int d = prts_decoder_decode_file(dec, out, back);
            if (d != PRTS_OK)
                fail_msg("job %zu: output does not decode: %d: %s", i, d,
                         prts_decoder_last_error(dec));
            size_t len;
            uint8_t *got = tu_read_file(back, &len);
            if (len < min_size || len > max_size)
                fail_msg("job %zu: %zu bytes, not within [%zu, %zu]", i, len, min_size, max_size);
            /* the file only ever holds pattern bytes, and zeros where the kernel
             * shows pages of a write in progress (the size already final) */
            size_t zeros = 0;
            for (size_t k = 0; k < len; k++) {
                if (got[k] == want[k])
                    continue;
                if (got[k] != 0)
                    fail_msg("job %zu: byte %zu is 0x%02x, neither the file's 0x%02x nor 0", i, k,
                             got[k], want[k]);
                zeros++;
            }
            if (zeros)
                (*n_zero_filled)++;
            int64_t ds = json_integer_value(
                json_object_get(json_object_get(r, "metadata"), "data_size"));
            assert_int_equal(ds, (int64_t)len);
            free(got);
            unlink(back);
            free(back);
        } else {
            fail_msg("job %zu on a changing file: %d (%s): %s", i, st, prts_strerror(st),
                     error_of(r));
        }
        free(out);
    }
    assert_int_equal(rc, *n_changed ? PRTS_E_BATCH : PRTS_OK);
    assert_int_equal(count_tmp(root), 0);
    free(want);
    prts_decoder_free(dec);
    json_decref(res);
    prts_batch_free(b);
    tu_rmtree(outdir);
    free(outdir);
}

/* A small file (read whole) truncated and rewritten in a loop. */
static void t_changing_small(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    char *in = tu_path(root, "flip.bin");
    const size_t small = 24 * 1024, large = 256 * 1024;
    uint8_t *d = malloc(large);
    fill_pattern(d, 0, large);
    tu_write_file(in, d, large);
    free(d);
    mutator m = { .path = in, .small = small, .large = large };
    int ok, changed, zero_filled;
    run_changing(root, in, 400, 2, small, large, &m, &ok, &changed, &zero_filled);
    print_message("  small file truncated/rewritten %ld times: %d OK (%d of them with zeros "
                  "read from a write in progress), %d PRTS_E_CHANGED\n",
                  m.changes, ok, zero_filled, changed);
    free(in);
    tu_rmtree(root);
    free(root);
}

/* A file above the 16 MiB threshold (mapped) appended to while it is encoded. */
static void t_changing_big(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    char *in = tu_path(root, "grow.bin");
    const size_t start = (16u << 20) + 1000;
    uint8_t *d = malloc(start);
    fill_pattern(d, 0, start);
    tu_write_file(in, d, start);
    free(d);
    mutator m = { .path = in, .append = 1 };
    int ok, changed, zero_filled;
    run_changing(root, in, 4, 1, start, (size_t)200 << 20, &m, &ok, &changed, &zero_filled);
    print_message("  big file appended to %ld times: %d OK, %d PRTS_E_CHANGED\n", m.changes, ok,
                  changed);
    assert_int_equal(zero_filled, 0); /* the mapped part never changes */
    free(in);
    tu_rmtree(root);
    free(root);
}

/* ---- cancellation ------------------------------------------------------------ */

#define CANCEL_JOBS 64

typedef struct cancel_fx {
    char *root, *in, *outdir;
    prts_batch *b;
} cancel_fx;

static void cancel_setup(cancel_fx *c, int workers)
{
    c->root = tu_mkdtemp();
    c->in = tu_path(c->root, "in.bin");
    c->outdir = tu_path(c->root, "out");
    write_random(c->in, 1u << 20, 31);
    c->b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_non_null(c->b);
    assert_int_equal(prts_batch_set_workers(c->b, workers), PRTS_OK);
    /* level 9 over incompressible data: each job takes a while */
    assert_int_equal(prts_batch_set_option(c->b, PRTS_OPT_PNG_LEVEL, 9), PRTS_OK);
    for (int i = 0; i < CANCEL_JOBS; i++) {
        char *out = tu_strdupf("%s/%d.rts.png", c->outdir, i);
        assert_int_equal(prts_batch_add(c->b, c->in, out, NULL), PRTS_OK);
        free(out);
    }
}

/* After a cancelled run: jobs that ran succeeded and have their output;
 * the others are PRTS_E_CANCELLED with a message and no output. */
static void cancel_check(cancel_fx *c, progress_log *p, size_t min_ran)
{
    json_t *res = results_of(c->b);
    size_t ran = 0, cancelled = 0;
    for (size_t i = 0; i < CANCEL_JOBS; i++) {
        json_t *r = json_array_get(res, i);
        check_result_shape(r, PRTS_BATCH_ENCODE);
        char *out = tu_strdupf("%s/%zu.rts.png", c->outdir, i);
        int st = status_of(r);
        if (st == PRTS_OK) {
            ran++;
            assert_true(tu_file_exists(out));
        } else if (st == PRTS_E_CANCELLED) {
            cancelled++;
            assert_false(tu_file_exists(out));
            char *side = tu_strdupf("%s.meta.json", out);
            assert_false(tu_file_exists(side));
            free(side);
        } else {
            fail_msg("job %zu: %d (%s): %s", i, st, prts_strerror(st), error_of(r));
        }
        free(out);
    }
    print_message("  %zu jobs ran, %zu cancelled, %zu progress calls\n", ran, cancelled, p->calls);
    assert_true(ran >= min_ran);
    assert_true(cancelled >= 1);
    assert_int_equal(ran + cancelled, CANCEL_JOBS);
    /* progress: once per job that ran, none for the cancelled ones */
    assert_int_equal(p->calls, ran);
    assert_int_equal(p->last_total, CANCEL_JOBS);
    assert_false(p->out_of_order);
    assert_false(p->wrong_thread);
    check_progress_names(p, res, 1);
    assert_int_equal((size_t)tu_dir_count(c->outdir), 2 * ran);
    assert_int_equal(count_tmp(c->root), 0);
    json_decref(res);
}

static void cancel_free(cancel_fx *c)
{
    prts_batch_free(c->b);
    tu_rmtree(c->root);
    free(c->root);
    free(c->in);
    free(c->outdir);
}

static void t_cancel_from_progress(void **state)
{
    (void)state;
    for (int workers = 1; workers <= 2; workers++) {
        cancel_fx c;
        cancel_setup(&c, workers);
        progress_log p = { .caller = pthread_self(), .cancel_at = 3 };
        prts_batch_set_progress(c.b, progress_cb, &p);
        assert_int_equal(prts_batch_run(c.b), PRTS_E_CANCELLED);
        cancel_check(&c, &p, 3);
        /* nothing left to run: a second run has no job */
        assert_int_equal(prts_batch_run(c.b), PRTS_OK);
        progress_free(&p);
        cancel_free(&c);
    }
}

typedef struct canceller {
    prts_batch *b;
    progress_log *p;
} canceller;

static void *canceller_main(void *arg)
{
    canceller *c = arg;
    struct timespec pause = { 0, 200 * 1000 };
    while (atomic_load(&c->p->seen) < 2)
        nanosleep(&pause, NULL);
    prts_batch_cancel(c->b);
    return NULL;
}

static void t_cancel_from_thread(void **state)
{
    (void)state;
    cancel_fx c;
    cancel_setup(&c, 2);
    progress_log p = { .caller = pthread_self() };
    prts_batch_set_progress(c.b, progress_cb, &p);
    canceller cc = { c.b, &p };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, canceller_main, &cc), 0);
    assert_int_equal(prts_batch_run(c.b), PRTS_E_CANCELLED);
    pthread_join(th, NULL);
    cancel_check(&c, &p, 2);
    progress_free(&p);
    cancel_free(&c);
}

/* ---- decode batches --------------------------------------------------------- */

static void t_decode_batch(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    enum { N = 5 };
    static const size_t sizes[N] = { 0, 17, 4096, 100001, (1u << 20) + 5 };
    uint8_t *data[N];
    prts_batch *enc = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_non_null(enc);
    char *in_dir = tu_path(root, "in");
    for (int i = 0; i < N; i++) {
        data[i] = make_data(sizes[i], 500 + (uint64_t)i);
        char *in = tu_strdupf("%s/in/%d.bin", root, i);
        char *out = tu_strdupf("%s/png/sub%d/%d.rts.png", root, i % 2, i);
        if (i == 0)
            assert_int_equal(mkdir(in_dir, 0755), 0);
        tu_write_file(in, data[i], sizes[i]);
        assert_int_equal(prts_batch_add(enc, in, out, NULL), PRTS_OK);
        free(in);
        free(out);
    }
    assert_int_equal(prts_batch_run(enc), PRTS_OK);
    prts_batch_free(enc);
    free(in_dir);

    /* a non-PNG, a corrupt PNG (one IDAT byte flipped: CRC), a missing file */
    char *notpng = tu_path(root, "png/not.png");
    tu_write_file(notpng, "hello, not a png", 16);
    char *corrupt = tu_path(root, "png/corrupt.rts.png");
    {
        char *src = tu_strdupf("%s/png/sub0/4.rts.png", root);
        size_t len;
        uint8_t *d = tu_read_file(src, &len);
        long at = tu_png_find_chunk(d, len, "IDAT", 0);
        assert_true(at > 0);
        d[at + 8 + 100] ^= 0x55;
        tu_write_file(corrupt, d, len);
        free(d);
        free(src);
    }
    char *missing = tu_path(root, "png/missing.rts.png");

    for (int workers = 1; workers <= 3; workers += 2) {
        prts_batch *dec = prts_batch_new(PRTS_BATCH_DECODE);
        assert_non_null(dec);
        assert_int_equal(prts_batch_set_workers(dec, workers), PRTS_OK);
        assert_int_equal(prts_batch_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
        /* an encoder-only option is refused for a decode batch */
        assert_int_equal(prts_batch_set_option(dec, PRTS_OPT_PNG_LEVEL, 3),
                         PRTS_E_INVALID_ARG);
        progress_log p = { .caller = pthread_self() };
        prts_batch_set_progress(dec, progress_cb, &p);
        for (int i = 0; i < N; i++) {
            char *in = tu_strdupf("%s/png/sub%d/%d.rts.png", root, i % 2, i);
            char *out = tu_strdupf("%s/back%d/deep/%d.bin", root, workers, i);
            assert_int_equal(prts_batch_add(dec, in, out, NULL), PRTS_OK);
            free(in);
            free(out);
        }
        char *o1 = tu_strdupf("%s/back%d/not.bin", root, workers);
        char *o2 = tu_strdupf("%s/back%d/corrupt.bin", root, workers);
        char *o3 = tu_strdupf("%s/back%d/missing.bin", root, workers);
        prts_batch_add(dec, notpng, o1, NULL);
        prts_batch_add(dec, corrupt, o2, NULL);
        prts_batch_add(dec, missing, o3, NULL);
        assert_int_equal(prts_batch_run(dec), PRTS_E_BATCH);
        json_t *res = results_of(dec);
        assert_int_equal(p.calls, N + 3);
        assert_false(p.out_of_order);
        assert_false(p.wrong_thread);
        for (int i = 0; i < N; i++) {
            json_t *r = json_array_get(res, (size_t)i);
            check_result_shape(r, PRTS_BATCH_DECODE);
            assert_int_equal(status_of(r), PRTS_OK);
            json_t *m = json_object_get(r, "metadata");
            assert_int_equal(json_integer_value(json_object_get(m, "data_size")), sizes[i]);
            char hex[65];
            tu_sha256_hex(data[i], sizes[i], hex);
            assert_string_equal(json_string_value(json_object_get(m, "data_hash")), hex);
            char *out = tu_strdupf("%s/back%d/deep/%d.bin", root, workers, i);
            size_t len;
            uint8_t *got = tu_read_file(out, &len);
            tu_assert_bytes_equal(got, len, data[i], sizes[i]);
            assert_int_equal(json_integer_value(json_object_get(r, "file_size")), sizes[i]);
            free(got);
            free(out);
        }
        const int expect[3] = { PRTS_E_NOT_PNG, PRTS_E_CRC, PRTS_E_FILE_NOT_FOUND };
        char *outs[3] = { o1, o2, o3 };
        for (int k = 0; k < 3; k++) {
            json_t *r = json_array_get(res, (size_t)(N + k));
            check_result_shape(r, PRTS_BATCH_DECODE);
            print_message("  decode, %d worker(s): %d (%s): %s\n", workers, status_of(r),
                          prts_strerror(status_of(r)), error_of(r));
            assert_int_equal(status_of(r), expect[k]);
            assert_false(tu_file_exists(outs[k]));
        }
        assert_int_equal(count_tmp(root), 0);
        json_decref(res);
        progress_free(&p);
        prts_batch_free(dec);
        free(o1);
        free(o2);
        free(o3);
    }
    for (int i = 0; i < N; i++)
        free(data[i]);
    free(notpng);
    free(corrupt);
    free(missing);
    tu_rmtree(root);
    free(root);
}

/* ---- metadata defaults and per-job overrides ------------------------------ */

static void t_metadata_override(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    char *in = tu_path(root, "in.bin");
    write_random(in, 777, 3);
    prts_batch *b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_non_null(b);
    assert_int_equal(prts_batch_set_metadata_json(b, "[1, 2]"), PRTS_E_BAD_METADATA);
    assert_int_equal(prts_batch_set_metadata_json(b, "{not json"), PRTS_E_BAD_METADATA);
    assert_int_equal(prts_batch_set_metadata_json(
                         b, "{\"author\":\"batch\",\"project\":\"p\",\"n\":1}"), PRTS_OK);
    assert_int_equal(prts_batch_add(b, in, "x", "\"a string\""), PRTS_E_BAD_METADATA);
    assert_int_equal(prts_batch_add(b, in, "x", "{broken"), PRTS_E_BAD_METADATA);
    assert_int_equal(prts_batch_size(b), 0);
    const char *job_meta[3] = { "{\"author\":\"job0\"}", NULL,
                                "{\"project\":\"q\",\"extra\":[1,2]}" };
    for (int i = 0; i < 3; i++) {
        char *out = tu_strdupf("%s/out/%d.rts.png", root, i);
        assert_int_equal(prts_batch_add(b, in, out, job_meta[i]), PRTS_OK);
        free(out);
    }
    assert_int_equal(prts_batch_run(b), PRTS_OK);
    json_t *res = results_of(b);
    const char *want_author[3] = { "job0", "batch", "batch" };
    const char *want_project[3] = { "p", "p", "q" };
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_READ_SIDECAR, 0), PRTS_OK);
    for (int i = 0; i < 3; i++) {
        json_t *r = json_array_get(res, (size_t)i);
        check_result_shape(r, PRTS_BATCH_ENCODE);
        /* in the results, and in the PNG's own chunk */
        char *out = tu_strdupf("%s/out/%d.rts.png", root, i);
        assert_int_equal(prts_decoder_read_info(dec, out), PRTS_OK);
        char *text = prts_decoder_metadata_json(dec);
        json_t *chunk = tu_json_parse(text);
        prts_free(text);
        json_t *ms[2] = { json_object_get(r, "metadata"), chunk };
        for (int k = 0; k < 2; k++) {
            json_t *m = ms[k];
            assert_string_equal(json_string_value(json_object_get(m, "author")), want_author[i]);
            assert_string_equal(json_string_value(json_object_get(m, "project")), want_project[i]);
            assert_int_equal(json_integer_value(json_object_get(m, "n")), 1);
            assert_int_equal(json_integer_value(json_object_get(m, "data_size")), 777);
            if (i == 2)
                assert_int_equal(json_array_size(json_object_get(m, "extra")), 2);
            else
                assert_null(json_object_get(m, "extra"));
        }
        json_decref(chunk);
        free(out);
    }
    prts_decoder_free(dec);
    json_decref(res);
    prts_batch_free(b);

    /* a blueprint for every job: the PNG's PixelRTS-Blueprint chunk and OUT.blueprint.json */
    b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_int_equal(prts_batch_set_blueprint_json(b, "[1]"), PRTS_E_BAD_METADATA);
    assert_true(strlen(prts_batch_last_error(b)) > 0);
    assert_int_equal(prts_batch_set_metadata_json(b, "[1]"), PRTS_E_BAD_METADATA);
    assert_true(strlen(prts_batch_last_error(b)) > 0);
    assert_int_equal(prts_batch_set_blueprint_json(b, "{\"name\":\"bp\",\"parts\":[1,2]}"),
                     PRTS_OK);
    for (int i = 0; i < 2; i++) {
        char *out = tu_strdupf("%s/bp/%d.rts.png", root, i);
        assert_int_equal(prts_batch_add(b, in, out, NULL), PRTS_OK);
        free(out);
    }
    assert_int_equal(prts_batch_run(b), PRTS_OK);
    dec = prts_decoder_new();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_READ_SIDECAR, 0), PRTS_OK);
    for (int i = 0; i < 2; i++) {
        char *out = tu_strdupf("%s/bp/%d.rts.png", root, i);
        char *side = tu_strdupf("%s.blueprint.json", out);
        assert_true(tu_file_exists(side));
        json_t *sj = tu_json_load_file(side);
        assert_string_equal(json_string_value(json_object_get(sj, "name")), "bp");
        json_decref(sj);
        assert_int_equal(prts_decoder_read_info(dec, out), PRTS_OK);
        char *text = prts_decoder_blueprint_json(dec);
        assert_non_null(text);
        json_t *bj = tu_json_parse(text);
        prts_free(text);
        assert_string_equal(json_string_value(json_object_get(bj, "name")), "bp");
        assert_int_equal(json_array_size(json_object_get(bj, "parts")), 2);
        json_decref(bj);
        free(side);
        free(out);
    }
    prts_decoder_free(dec);
    prts_batch_free(b);
    free(in);
    tu_rmtree(root);
    free(root);
}

/* ---- options, backends, results, incremental runs ------------------------- */

static json_t *run_simple(const char *in, const char *outdir, prts_batch *b, int expect_rc)
{
    char *out = tu_strdupf("%s/z.rts.png", outdir);
    assert_int_equal(prts_batch_add(b, in, out, NULL), PRTS_OK);
    free(out);
    assert_int_equal(prts_batch_run(b), expect_rc);
    char *text = prts_batch_result_json(b, prts_batch_size(b) - 1);
    assert_non_null(text);
    json_t *r = tu_json_parse(text);
    prts_free(text);
    check_result_shape(r, PRTS_BATCH_ENCODE);
    return r;
}

static void t_options_backend(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    char *in = tu_path(root, "zeros.bin");
    size_t n = 256 * 1024;
    uint8_t *zeros = calloc(1, n);
    /* not zeros: level 0 deflates runs of zeros too; one repeated byte is
     * stored at level 0 and all but vanishes at the default level */
    memset(zeros, 0x5a, n);
    tu_write_file(in, zeros, n);
    char *d_def = tu_path(root, "def"), *d_l0 = tu_path(root, "l0"), *d_bad = tu_path(root, "bad");

    prts_batch *b = prts_batch_new(PRTS_BATCH_ENCODE);
    json_t *r_def = run_simple(in, d_def, b, PRTS_OK);
    prts_batch_free(b);

    b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_int_equal(prts_batch_set_option(b, PRTS_OPT_PNG_LEVEL, 10), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_set_option(b, (prts_option)999, 1), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_set_option(b, PRTS_OPT_VERIFY_HASH, 1), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_set_option(b, PRTS_OPT_PNG_LEVEL, 0), PRTS_OK);
    assert_int_equal(prts_batch_set_option(b, PRTS_OPT_WRITE_SIDECAR, 0), PRTS_OK);
    json_t *r_l0 = run_simple(in, d_l0, b, PRTS_OK);
    prts_batch_free(b);
    int64_t s_def = json_integer_value(json_object_get(r_def, "file_size"));
    int64_t s_l0 = json_integer_value(json_object_get(r_l0, "file_size"));
    print_message("  256 KiB of one byte: level default %lld bytes, level 0 %lld bytes\n",
                  (long long)s_def, (long long)s_l0);
    assert_true(s_l0 > (int64_t)n);
    assert_true(s_def < (int64_t)n / 10);
    char *out_def = tu_path(d_def, "z.rts.png"), *out_l0 = tu_path(d_l0, "z.rts.png");
    check_good_encode(r_def, out_def, zeros, n);
    check_good_encode(r_l0, out_l0, zeros, n);
    char *side = tu_strdupf("%s.meta.json", out_l0);
    assert_false(tu_file_exists(side)); /* PRTS_OPT_WRITE_SIDECAR 0 reached the workers */
    free(side);
    side = tu_strdupf("%s.meta.json", out_def);
    assert_true(tu_file_exists(side));
    free(side);

    /* an unknown backend is refused by prts_batch_set_backend, with the reason; the batch
     * keeps its backend (no silent fallback: the name simply was not taken) */
    b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_string_equal(prts_batch_last_error(b), "");
    assert_int_equal(prts_batch_set_backend(b, "nope"), PRTS_E_BACKEND_UNKNOWN);
    print_message("  backend \"nope\": %s\n", prts_batch_last_error(b));
    assert_non_null(strstr(prts_batch_last_error(b), "nope"));
    assert_int_equal(prts_batch_set_workers(b, 2), PRTS_OK);
    for (int i = 0; i < 3; i++) {
        char *out = tu_strdupf("%s/%d.rts.png", d_bad, i);
        assert_int_equal(prts_batch_add(b, in, out, NULL), PRTS_OK);
        free(out);
    }
    assert_int_equal(prts_batch_run(b), PRTS_OK);
    json_t *res = results_of(b);
    for (int i = 0; i < 3; i++) {
        char *out = tu_strdupf("%s/%d.rts.png", d_bad, i);
        check_result_shape(json_array_get(res, (size_t)i), PRTS_BATCH_ENCODE);
        check_good_encode(json_array_get(res, (size_t)i), out, zeros, n);
        free(out);
    }
    json_decref(res);
    prts_batch_free(b);
    b = prts_batch_new(PRTS_BATCH_DECODE);
    assert_int_equal(prts_batch_set_backend(b, "nope"), PRTS_E_BACKEND_UNKNOWN);
    assert_non_null(strstr(prts_batch_last_error(b), "nope"));
    prts_batch_free(b);

    /* a backend that exists is accepted: "scalar" round-trips */
    b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_int_equal(prts_batch_set_backend(b, "scalar"), PRTS_OK);
    char *d_sc = tu_path(root, "scalar");
    json_t *r_sc = run_simple(in, d_sc, b, PRTS_OK);
    char *out_sc = tu_path(d_sc, "z.rts.png");
    check_good_encode(r_sc, out_sc, zeros, n);
    /* incremental: a second run runs only the jobs added since */
    assert_int_equal(prts_batch_run(b), PRTS_OK);
    char *d_sc2 = tu_path(root, "scalar2");
    json_t *r_sc2 = run_simple(in, d_sc2, b, PRTS_OK);
    assert_int_equal(prts_batch_size(b), 2);
    assert_null(prts_batch_result_json(b, 2));
    json_decref(r_sc2);
    json_decref(r_sc);
    prts_batch_free(b);

    /* argument checks */
    assert_null(prts_batch_new((prts_batch_kind)7));
    b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_int_equal(prts_batch_set_workers(b, -1), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_add(b, NULL, "x", NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_add(b, "x", NULL, NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_set_backend(b, NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_run(b), PRTS_OK); /* no job */
    char *empty = prts_batch_results_json(b);
    assert_string_equal(empty, "[]");
    prts_free(empty);
    prts_batch_free(b);
    prts_batch_free(NULL);
    prts_batch_cancel(NULL);
    assert_int_equal(prts_batch_run(NULL), PRTS_E_INVALID_ARG);
    assert_non_null(prts_batch_last_error(NULL));

    json_decref(r_def);
    json_decref(r_l0);
    free(out_def);
    free(out_l0);
    free(out_sc);
    free(zeros);
    free(in);
    free(d_def);
    free(d_l0);
    free(d_bad);
    free(d_sc);
    free(d_sc2);
    tu_rmtree(root);
    free(root);
}

/* Default workers (online CPUs) over many small files: all succeed, each
 * output decodes back. */
static void t_many_small(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    enum { N = 300 };
    prts_batch *b = prts_batch_new(PRTS_BATCH_ENCODE);
    progress_log p = { .caller = pthread_self() };
    prts_batch_set_progress(b, progress_cb, &p);
    for (int i = 0; i < N; i++) {
        char *in = tu_strdupf("%s/in%d.bin", root, i);
        char *out = tu_strdupf("%s/out/%d/%d.rts.png", root, i % 7, i);
        write_random(in, (size_t)i * 37, 9000 + (uint64_t)i);
        assert_int_equal(prts_batch_add(b, in, out, NULL), PRTS_OK);
        free(in);
        free(out);
    }
    assert_int_equal(prts_batch_run(b), PRTS_OK);
    assert_int_equal(p.calls, N);
    assert_false(p.out_of_order);
    assert_false(p.wrong_thread);
    json_t *res = results_of(b);
    check_progress_names(&p, res, 0);
    for (int i = 0; i < N; i++) {
        uint8_t *d = make_data((size_t)i * 37, 9000 + (uint64_t)i);
        char *out = tu_strdupf("%s/out/%d/%d.rts.png", root, i % 7, i);
        json_t *r = json_array_get(res, (size_t)i);
        check_result_shape(r, PRTS_BATCH_ENCODE);
        check_good_encode(r, out, d, (size_t)i * 37);
        free(out);
        free(d);
    }
    json_decref(res);
    progress_free(&p);
    prts_batch_free(b);
    tu_rmtree(root);
    free(root);
}

/* Names that are not UTF-8 (any bytes but '/' and NUL are a valid Linux name) keep
 * their input_path and output_path: each byte outside valid UTF-8 becomes \udcXX,
 * Python's surrogateescape (os.fsencode(json.loads(...)) gives the bytes back), and the
 * rest of the text is escaped as JSON wants (ASCII only). */
static void t_names_not_utf8(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    /* \xff: never UTF-8; \xc3\xa9: é; \xed\xa0\x80: an encoded surrogate (invalid) */
    static const char *const names[] = {"bad\377name", "caf\xc3\xa9", "sur\xed\xa0\x80",
                                        "q\"b\\s"};
    static const char *const shown[] = {"bad\\udcffname", "caf\\u00e9",
                                        "sur\\udced\\udca0\\udc80", "q\\\"b\\\\s"};
    enum { N = sizeof names / sizeof names[0] };
    prts_batch *b = prts_batch_new(PRTS_BATCH_ENCODE);
    for (int i = 0; i < N; i++) {
        char *in = tu_path(root, names[i]);
        char *out = tu_strdupf("%s/out/%s.rts.png", root, names[i]);
        write_random(in, 10 + (size_t)i, 77 + (uint64_t)i);
        assert_int_equal(prts_batch_add(b, in, out, NULL), PRTS_OK);
        free(in);
        free(out);
    }
    char *missing = tu_strdupf("%s/gone\xfe", root); /* a failure: its message names the file */
    assert_int_equal(prts_batch_add(b, missing, missing, NULL), PRTS_OK);
    assert_int_equal(prts_batch_run(b), PRTS_E_BATCH);
    char *all = prts_batch_results_json(b);
    assert_non_null(all);
    for (int i = 0; i < N; i++) {
        char *text = prts_batch_result_json(b, (size_t)i);
        char *want_in = tu_strdupf("\"input_path\":\"%s/%s\"", root, shown[i]);
        char *want_out = tu_strdupf("\"output_path\":\"%s/out/%s.rts.png\"", root, shown[i]);
        if (!strstr(text, want_in) || !strstr(text, want_out))
            fail_msg("job %d: %s and %s expected in %s", i, want_in, want_out, text);
        assert_non_null(strstr(all, want_in));
        for (const char *c = text; *c; c++)
            assert_true(*c >= 0x20 && *c < 0x7f);
        if (i == 1 || i == 3) { /* UTF-8 names: jansson reads them back */
            json_t *parsed = tu_json_parse(text);
            check_result_shape(parsed, PRTS_BATCH_ENCODE);
            json_decref(parsed);
        }
        free(want_in);
        free(want_out);
        prts_free(text);
    }
    char *text = prts_batch_result_json(b, N);
    if (!strstr(text, "\"error\":\"") || !strstr(text, "gone\\udcfe"))
        fail_msg("the failure's message lost its name: %s", text);
    prts_free(text);
    prts_free(all);
    free(missing);
    prts_batch_free(b);
    tu_rmtree(root);
    free(root);
}

/* ---- results handed over as they come ------------------------------------ */

typedef struct handed {
    pthread_t caller;
    int wrong_thread, progress_before_result;
    size_t calls, progress_calls, cancel_after;
    int *seen;            /* calls per index */
    int *status;
    char **json;          /* each result's text */
} handed;

static int handed_cb(void *user, size_t index, int status, const char *in, const char *out,
                     const char *error, const char *json)
{
    handed *h = user;
    if (!pthread_equal(pthread_self(), h->caller))
        h->wrong_thread = 1;
    if (h->progress_calls != h->calls && status != PRTS_E_CANCELLED) /* those: no progress */
        h->progress_before_result = 1;
    h->calls++;
    h->seen[index]++;
    h->status[index] = status;
    assert_non_null(json);
    h->json[index] = strdup(json);
    json_t *r = tu_json_parse(json);
    assert_string_equal(json_string_value(json_object_get(r, "input_path")), in);
    assert_string_equal(json_string_value(json_object_get(r, "output_path")), out);
    assert_int_equal(status_of(r), status);
    if (status == PRTS_OK)
        assert_null(error);
    else
        assert_string_equal(error_of(r), error);
    json_decref(r);
    return h->cancel_after && h->calls == h->cancel_after;
}

static int handed_progress(void *user, size_t current, size_t total, const char *name)
{
    (void)current, (void)total, (void)name;
    ((handed *)user)->progress_calls++;
    return 0;
}

/* A result callback gets every job once (failures included), from the caller's thread,
 * before the progress callback; the batch then keeps no metadata nor message. */
static void t_result_callback(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    enum { N = 40 };
    handed h = { .caller = pthread_self() };
    h.seen = calloc(N, sizeof *h.seen);
    h.status = calloc(N, sizeof *h.status);
    h.json = calloc(N, sizeof *h.json);
    prts_batch *b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_int_equal(prts_batch_set_workers(b, 3), PRTS_OK);
    prts_batch_set_result_callback(b, handed_cb, &h);
    prts_batch_set_progress(b, handed_progress, &h);
    for (int i = 0; i < N; i++) {
        char *in = tu_strdupf("%s/in%d.bin", root, i);
        char *out = tu_strdupf("%s/out/%d.rts.png", root, i);
        if (i % 7 != 3) /* every 7th input is missing */
            write_random(in, (size_t)i * 11, 500 + (uint64_t)i);
        assert_int_equal(prts_batch_add(b, in, out, "{\"name\":\"job\"}"), PRTS_OK);
        free(in);
        free(out);
    }
    assert_int_equal(prts_batch_run(b), PRTS_E_BATCH);
    assert_int_equal(h.calls, N);
    assert_false(h.wrong_thread);
    assert_false(h.progress_before_result);
    for (int i = 0; i < N; i++) {
        assert_int_equal(h.seen[i], 1);
        json_t *given = tu_json_parse(h.json[i]);
        check_result_shape(given, PRTS_BATCH_ENCODE);
        assert_int_equal(h.status[i], i % 7 == 3 ? PRTS_E_FILE_NOT_FOUND : PRTS_OK);
        /* afterwards: paths and numbers only */
        char *text = prts_batch_result_json(b, (size_t)i);
        json_t *kept = tu_json_parse(text);
        prts_free(text);
        static const char *const same[] = {"input_path", "output_path", "success", "status",
                                           "encode_time", "file_size"};
        for (size_t k = 0; k < sizeof same / sizeof same[0]; k++)
            assert_true(json_equal(json_object_get(kept, same[k]),
                                   json_object_get(given, same[k])));
        assert_true(json_is_null(json_object_get(kept, "metadata")));
        assert_true(json_is_null(json_object_get(kept, "error")));
        json_decref(kept);
        json_decref(given);
        free(h.json[i]);
    }
    prts_batch_free(b);
    free(h.seen);
    free(h.status);
    free(h.json);
    tu_rmtree(root);
    free(root);
}

/* Its return cancels like the progress callback's; the jobs cancelled before they
 * started are handed over too. */
static void t_result_callback_cancel(void **state)
{
    (void)state;
    cancel_fx c;
    cancel_setup(&c, 1);
    handed h = { .caller = pthread_self(), .cancel_after = 2 };
    h.seen = calloc(CANCEL_JOBS, sizeof *h.seen);
    h.status = calloc(CANCEL_JOBS, sizeof *h.status);
    h.json = calloc(CANCEL_JOBS, sizeof *h.json);
    prts_batch_set_result_callback(c.b, handed_cb, &h);
    assert_int_equal(prts_batch_run(c.b), PRTS_E_CANCELLED);
    assert_int_equal(h.calls, CANCEL_JOBS);
    size_t ran = 0, cancelled = 0;
    for (size_t i = 0; i < CANCEL_JOBS; i++) {
        assert_int_equal(h.seen[i], 1);
        if (h.status[i] == PRTS_OK)
            ran++;
        else if (h.status[i] == PRTS_E_CANCELLED)
            cancelled++;
        else
            fail_msg("job %zu: status %d", i, h.status[i]);
        free(h.json[i]);
    }
    assert_true(ran >= 2);
    assert_true(cancelled >= 1);
    cancel_free(&c);
    free(h.seen);
    free(h.status);
    free(h.json);
}

/* prts_batch_set_output_root: a job whose output leads outside the folder (by "..", an
 * absolute path, a symbolic link, a ".." after folders still to be made, a dangling link)
 * fails alone with PRTS_E_OUTPUT and writes nothing, no folder included; links that stay
 * inside are fine, and so is a root that does not exist yet. */
static void t_output_root(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    char *in = tu_path(root, "in.bin");
    write_random(in, 300, 4242);
    char *od = tu_path(root, "od"), *outside = tu_path(root, "outside");
    assert_int_equal(mkdir(outside, 0777), 0);
    char *inside_dir = tu_strdupf("%s/od/made/inner", root);
    struct {
        const char *fmt; /* %1$s: root */
        int status;
    } jobs[] = {
        {"%s/od/a.rts.png", PRTS_OK},
        {"%s/od/deep/er/b.rts.png", PRTS_OK},
        {"%s/od/../outside/c.rts.png", PRTS_E_OUTPUT},
        {"%s/outside/d.rts.png", PRTS_E_OUTPUT},
        {"%s/od/link/e.rts.png", PRTS_E_OUTPUT},   /* link -> ../outside */
        {"%s/od/new/../../outside/f.rts.png", PRTS_E_OUTPUT},
        {"%s/od/dangling/g.rts.png", PRTS_E_OUTPUT},
        {"%s/od/inlink/h.rts.png", PRTS_OK},       /* inlink -> made/inner, inside */
        {"%s/od/./made/../i.rts.png", PRTS_OK},
    };
    enum { N = sizeof jobs / sizeof jobs[0] };
    prts_batch *b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_int_equal(prts_batch_set_output_root(b, ""), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_set_output_root(NULL, od), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_set_output_root(b, od), PRTS_OK);
    assert_int_equal(prts_batch_set_workers(b, 2), PRTS_OK);
    for (int i = 0; i < N; i++) {
        char *out = tu_strdupf(jobs[i].fmt, root);
        assert_int_equal(prts_batch_add(b, in, out, NULL), PRTS_OK);
        free(out);
        if (i == 1) { /* the root exists now: its links */
            assert_int_equal(prts_batch_run(b), PRTS_OK);
            char *link = tu_path(od, "link"), *inlink = tu_path(od, "inlink");
            char *dangling = tu_path(od, "dangling");
            assert_int_equal(symlink("../outside", link), 0);
            char *made_dir = tu_path(od, "made");
            assert_int_equal(mkdir(made_dir, 0777), 0);
            assert_int_equal(mkdir(inside_dir, 0777), 0);
            free(made_dir);
            assert_int_equal(symlink("made/inner", inlink), 0);
            assert_int_equal(symlink("../nowhere", dangling), 0);
            free(link);
            free(inlink);
            free(dangling);
        }
    }
    assert_int_equal(prts_batch_run(b), PRTS_E_BATCH);
    for (int i = 0; i < N; i++) {
        char *text = prts_batch_result_json(b, (size_t)i);
        json_t *r = tu_json_parse(text);
        prts_free(text);
        check_result_shape(r, PRTS_BATCH_ENCODE);
        if (status_of(r) != jobs[i].status)
            fail_msg("job %d (%s): status %d: %s", i, jobs[i].fmt, status_of(r), error_of(r));
        if (jobs[i].status != PRTS_OK) {
            print_message("  %s\n", error_of(r));
            assert_non_null(strstr(error_of(r), "refused"));
        }
        json_decref(r);
    }
    char *listing = dir_listing(outside);
    assert_string_equal(listing, "");   /* nothing written outside */
    free(listing);
    char *made = tu_path(od, "new");
    assert_false(tu_file_exists(made)); /* no folder made for a refused job */
    free(made);
    char *h = tu_strdupf("%s/h.rts.png", inside_dir);
    assert_true(tu_file_exists(h));
    free(h);
    prts_batch_free(b);
    free(inside_dir);
    free(od);
    free(outside);
    free(in);
    tu_rmtree(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_failure_isolation),
        cmocka_unit_test(t_write_limit),
        cmocka_unit_test(t_changing_small),
        cmocka_unit_test(t_changing_big),
        cmocka_unit_test(t_cancel_from_progress),
        cmocka_unit_test(t_cancel_from_thread),
        cmocka_unit_test(t_decode_batch),
        cmocka_unit_test(t_metadata_override),
        cmocka_unit_test(t_options_backend),
        cmocka_unit_test(t_many_small),
        cmocka_unit_test(t_names_not_utf8),
        cmocka_unit_test(t_result_callback),
        cmocka_unit_test(t_result_callback_cancel),
        cmocka_unit_test(t_output_root),
    };
    /* PRTS_TEST_FILTER=t_changing_* runs only the matching tests */
    const char *filter = getenv("PRTS_TEST_FILTER");
    if (filter && *filter)
        cmocka_set_test_filter(filter);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
