/* cli_batch.c: what `convert --parallel`, `extract --parallel` and `batch`
 * share: the batch options, listing a folder's files (sorted, filtered,
 * sharded), and running a prts_batch with progress, per-file errors, a
 * summary line and a JSON report. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- options ----------------------------------------------------- */

int cli_batch_option(struct cli_batch_args *b, int c, const char *arg)
{
    switch (c) {
    case CLI_OPT_PARALLEL: b->parallel = 1; return 1;
    case CLI_OPT_WORKERS: b->workers_text = arg; return 1;
    case CLI_OPT_RECURSIVE: b->recursive = 1; return 1;
    case CLI_OPT_PATTERN: b->pattern = arg; return 1;
    case CLI_OPT_REPORT: b->report = arg; return 1;
    case CLI_OPT_SHARD: b->shard_text = arg; return 1;
    case CLI_OPT_FOLLOW_SYMLINKS: b->follow_symlinks = 1; return 1;
    default: return 0;
    }
}

int cli_parse_workers(const char *text, int *workers)
{
    int64_t v;

    if (cli_parse_i64(text, &v) != 0 || v < 0 || v > 4096)
        return -1;
    *workers = (int)v;
    return 0;
}

int cli_parse_shard(const char *text, size_t *k, size_t *n)
{
    const char *slash = strchr(text, '/');
    char head[32];
    int64_t vk, vn;

    if (!slash || (size_t)(slash - text) >= sizeof head)
        return -1;
    memcpy(head, text, (size_t)(slash - text));
    head[slash - text] = '\0';
    if (cli_parse_i64(head, &vk) != 0 || cli_parse_i64(slash + 1, &vn) != 0)
        return -1;
    if (vn < 1 || vk < 1 || vk > vn)
        return -1;
    *k = (size_t)vk;
    *n = (size_t)vn;
    return 0;
}

int cli_batch_check(const struct cli_command *cmd, struct cli_batch_args *b)
{
    b->workers = 0;
    b->shard_k = b->shard_n = 1;
    if (!b->parallel) {
        const char *flag = b->workers_text ? "--workers"
                           : b->recursive  ? "--recursive"
                           : b->pattern    ? "--pattern"
                           : b->report     ? "--report"
                           : b->shard_text ? "--shard"
                           : b->follow_symlinks ? "--follow-symlinks"
                                           : NULL;
        if (flag)
            return cli_usage_error(cmd, "%s goes with --parallel (a folder of files)", flag);
        return CLI_OK;
    }
    if (b->workers_text && cli_parse_workers(b->workers_text, &b->workers) != 0)
        return cli_usage_error(cmd, "--workers wants 0..4096 (0 = one per CPU), got '%s'",
                               b->workers_text);
    if (b->shard_text && cli_parse_shard(b->shard_text, &b->shard_k, &b->shard_n) != 0)
        return cli_usage_error(cmd, "--shard wants K/N with 1 <= K <= N, got '%s'",
                               b->shard_text);
    if (b->pattern && !*b->pattern)
        return cli_usage_error(cmd, "empty --pattern");
    return CLI_OK;
}

/* ---- listing ----------------------------------------------------- */

char *cli_path_join(const char *a, const char *b)
{
    if (!*a)
        return cli_concat(b, "");
    if (cli_ends_with(a, "/"))
        return cli_concat(a, b);
    char *head = cli_concat(a, "/");
    char *all = cli_concat(head, b);
    free(head);
    return all;
}

/* Relative paths of the files of a folder, sorted (strcmp). */
struct file_list {
    char **rel;
    size_t count, cap;
    int errors;           /* folders that could not be read (already reported) */
};

static void list_add(struct file_list *l, char *rel)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **more = realloc(l->rel, cap * sizeof *more);
        if (!more) {
            cli_error(NULL, "out of memory");
            exit(CLI_FAIL);
        }
        l->rel = more;
        l->cap = cap;
    }
    l->rel[l->count++] = rel;
}

struct walk {
    int recursive, follow;
    const char *pattern;
    int have_skip;
    dev_t skip_dev;
    ino_t skip_ino;
    struct file_list *list;
};

/* List folder `path` (relative name `rel`, "" at the top). */
static int walk_dir(struct walk *w, const char *path, const char *rel)
{
    DIR *d = opendir(path);
    struct dirent *e;

    if (!d) {
        cli_error(path, "cannot read the folder: %s", strerror(errno));
        w->list->errors++;
        return -1;
    }
    while ((errno = 0, e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        struct stat st, target;
        char *full, *sub;

        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        full = cli_path_join(path, name);
        sub = *rel ? cli_path_join(rel, name) : cli_concat(name, "");
#ifdef DT_REG
        if (e->d_type == DT_REG) { /* the folder says what it is: no lstat per file */
            if (fnmatch(w->pattern, name, 0) == 0)
                list_add(w->list, sub);
            else
                free(sub);
            free(full);
            continue;
        }
#endif
        if (lstat(full, &st) != 0) { /* vanished meanwhile */
            free(full);
            free(sub);
            continue;
        }
        int to_dir = S_ISLNK(st.st_mode) && stat(full, &target) == 0 &&
                     S_ISDIR(target.st_mode);
        if (S_ISDIR(st.st_mode)) {
            if (w->recursive &&
                !(w->have_skip && st.st_dev == w->skip_dev && st.st_ino == w->skip_ino))
                walk_dir(w, full, sub);
            free(sub);
        } else if (to_dir) {
            if (w->recursive)
                cli_error(full, "skipped: a symbolic link to a folder (never followed)");
            free(sub);
        } else if (fnmatch(w->pattern, name, 0) != 0) {
            free(sub);
        } else if (S_ISLNK(st.st_mode) && !w->follow) {
            cli_error(full, "skipped: a symbolic link (--follow-symlinks takes links to files)");
            free(sub);
        } else if (S_ISREG(st.st_mode) ||
                   /* followed: to a file, or dangling (then the job says so); never
                    * to a FIFO or a device */
                   (S_ISLNK(st.st_mode) &&
                    (stat(full, &target) != 0 ? errno == ENOENT : S_ISREG(target.st_mode)))) {
            list_add(w->list, sub);
        } else {
            free(sub);
        }
        free(full);
    }
    if (errno) {
        cli_error(path, "cannot read the folder: %s", strerror(errno));
        w->list->errors++;
    }
    closedir(d);
    return 0;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files cli_batch_folder() queues, relative to `dir`; `skip` a folder
 * left out (the output folder) or NULL.  Returns an exit code (CLI_FAIL when
 * `dir` itself cannot be read). */
static int list_files(const char *dir, const char *skip, const struct cli_batch_args *b,
                      const char *pattern, struct file_list *list)
{
    struct walk w = {.recursive = b->recursive, .follow = b->follow_symlinks, .pattern = pattern,
                     .list = list};
    size_t shard_k = b->shard_k, shard_n = b->shard_n;
    struct stat st;
    size_t kept = 0;

    memset(list, 0, sizeof *list);
    if (skip && stat(skip, &st) == 0 && S_ISDIR(st.st_mode)) {
        w.have_skip = 1;
        w.skip_dev = st.st_dev;
        w.skip_ino = st.st_ino;
    }
    if (walk_dir(&w, dir, "") != 0)
        return CLI_FAIL;
    qsort(list->rel, list->count, sizeof *list->rel, compare_paths);
    for (size_t i = 0; i < list->count; i++) {
        if (i % shard_n == shard_k - 1)
            list->rel[kept++] = list->rel[i];
        else
            free(list->rel[i]);
    }
    list->count = kept;
    return CLI_OK;
}

static void file_list_free(struct file_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->rel[i]);
    free(list->rel);
    memset(list, 0, sizeof *list);
}

int cli_batch_folder(prts_batch *batch, const char *dir, const char *out_dir,
                     const struct cli_batch_args *b, const char *pattern,
                     char *(*out_name)(const char *rel), const char *label, const char *verb)
{
    struct file_list list;
    int rc = list_files(dir, out_dir, b, pattern, &list);

    for (size_t i = 0; rc == CLI_OK && i < list.count; i++) {
        char *in = cli_path_join(dir, list.rel[i]);
        char *rel_out = out_name(list.rel[i]);
        char *out = cli_path_join(out_dir, rel_out);
        int s = prts_batch_add(batch, in, out, NULL);
        free(in);
        free(rel_out);
        free(out);
        if (s != PRTS_OK)
            rc = cli_lib_error(NULL, s, NULL);
    }
    /* the batch holds the paths now: the list goes before the run */
    size_t listed = list.count;
    int list_errors = list.errors;
    file_list_free(&list);
    if (rc != CLI_OK)
        return rc;
    if (listed == 0 && !list_errors && b->shard_n == 1)
        cli_error(dir, "no file matches '%s'", pattern);
    rc = cli_batch_run(batch, label, verb, b->report);
    return list_errors ? CLI_FAIL : rc;
}

/* ---- options of a batch ------------------------------------------ */

int cli_batch_copy_options(prts_batch *batch, const prts_encoder *enc, const char *backend)
{
    /* every option (PRTS_OPT_THREADS included), the backend, metadata and blueprint */
    int st = prts_batch_set_encoder_settings(batch, enc);

    if (st == PRTS_OK && backend)
        st = prts_batch_set_backend(batch, backend);
    return st;
}

/* ---- running ----------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1; /* SA_RESETHAND: a second Ctrl-C ends the process */
}

struct batch_progress {
    const char *label;
    int tty;
    int drawn;
    double last;  /* when the line was last drawn */
};

#define BAR_WIDTH 24
#define NAME_WIDTH 40

static int batch_progress(void *user, size_t current, size_t total, const char *name)
{
    static const char hashes[BAR_WIDTH + 1] = "########################";
    struct batch_progress *p = user;

    if (p->tty && (current == total || cli_now() - p->last >= 0.05)) {
        char *quoted = cli_quote(name);
        size_t len = strlen(quoted);
        int filled = total ? (int)(current * BAR_WIDTH / total) : BAR_WIDTH;
        /* the end of a long name is the informative part (from a character's first byte) */
        const char *shown = len > NAME_WIDTH ? quoted + len - (NAME_WIDTH - 3) : quoted;
        while ((*shown & 0xC0) == 0x80)
            shown++;

        fprintf(stderr, "\r\033[K%-8s [%.*s%*s] %zu/%zu  %s%s", p->label, filled, hashes,
                BAR_WIDTH - filled, "", current, total, len > NAME_WIDTH ? "..." : "", shown);
        fflush(stderr);
        free(quoted);
        p->drawn = 1;
        p->last = cli_now();
    }
    return interrupted;
}

/* What the result callback keeps: counts, and the report open for writing. */
struct batch_tally {
    struct batch_progress *progress;
    size_t ok, failed, cancelled;
    FILE *report;
    const char *report_path;
    size_t entries;       /* results written to the report */
    int report_broken;    /* a result could not be written (already said) */
};

/* Each result as it comes: a failure on stderr at once (the progress line erased
 * first), and the result appended to the report, so nothing grows with the number
 * of files. */
static int batch_result(void *user, size_t index, int status, const char *in, const char *out,
                        const char *error, const char *json)
{
    struct batch_tally *t = user;

    (void)index;
    if (status == PRTS_OK) {
        t->ok++;
    } else if (status == PRTS_E_CANCELLED) {
        t->cancelled++;
    } else {
        t->failed++;
        if (t->progress->drawn) {
            fputs("\r\033[K", stderr);
            t->progress->drawn = 0;
        }
        cli_lib_error(status == PRTS_E_OUTPUT ? out : in, status, error);
    }
    if (t->report && !t->report_broken) {
        if (!json) {
            cli_error(t->report_path, "out of memory: the report lacks %s", in);
            t->report_broken = 1;
        } else {
            /* one result per line: the report stays valid JSON, easy to grep and split */
            fputs(t->entries++ ? ",\n" : "", t->report);
            fputs(json, t->report);
        }
    }
    return interrupted;
}

int cli_batch_run(prts_batch *batch, const char *label, const char *verb, const char *report)
{
    struct batch_progress progress = {.label = label, .tty = isatty(STDERR_FILENO)};
    struct batch_tally tally = {.progress = &progress, .report_path = report};
    struct sigaction sa, old;
    size_t total = prts_batch_size(batch);
    double t0, secs;
    int st, rc = CLI_OK;

    /* the report is written as the files finish: a path it cannot take fails now,
     * before any work */
    if (report && !(tally.report = fopen(report, "w"))) {
        cli_error(report, "cannot write the report: %s", strerror(errno));
        return CLI_FAIL;
    }
    if (tally.report)
        fputs("[\n", tally.report);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sa.sa_flags = (int)SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old);
    prts_batch_set_progress(batch, batch_progress, &progress);
    prts_batch_set_result_callback(batch, batch_result, &tally);
    t0 = cli_now();
    st = prts_batch_run(batch);
    secs = cli_now() - t0;
    sigaction(SIGINT, &old, NULL);
    if (progress.drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    if (tally.report) {
        fputs(tally.entries ? "\n]\n" : "]\n", tally.report);
        if (ferror(tally.report) | fclose(tally.report)) {
            cli_error(report, "cannot write the report: %s", strerror(errno ? errno : EIO));
            rc = CLI_FAIL;
        }
        if (tally.report_broken)
            rc = CLI_FAIL;
    }
    if (st != PRTS_OK && st != PRTS_E_BATCH && st != PRTS_E_CANCELLED)
        return cli_lib_error(NULL, st, NULL);

    fflush(stderr);
    printf("%s %zu/%zu files, %zu failed", verb, tally.ok, total, tally.failed);
    if (tally.cancelled)
        printf(", %zu not started (interrupted)", tally.cancelled);
    printf(", in %.3f s (%.1f files/s)\n", secs,
           secs > 1e-6 ? (double)(tally.ok + tally.failed) / secs : 0.0);
    fflush(stdout);
    if (tally.failed || tally.cancelled)
        rc = CLI_FAIL;
    return rc;
}
