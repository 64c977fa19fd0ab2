/* bench/history.c: the benchmark history, OUTPUT_DIR/benchmark_history.jsonl:
 * one JSON object per line, appended one whole line per write, read back
 * oldest first with every line checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench.h"

static int valid(const prts_bench *b)
{
    return b && b->magic == PRTS__MAGIC_BENCH;
}

char *prts__bench_history_path(prts_bench *b)
{
    if (!b->output_dir) {
        prts__fail(&b->err, PRTS_E_INVALID_ARG,
                   "no output folder set (PRTS_BENCH_OUTPUT_DIR)");
        return NULL;
    }
    size_t n = strlen(b->output_dir) + sizeof "/" PRTS__BENCH_HISTORY_FILE;
    char *path = malloc(n);
    if (!path) {
        prts__fail(&b->err, PRTS_E_NOMEM, "out of memory");
        return NULL;
    }
    snprintf(path, n, "%s/%s", b->output_dir, PRTS__BENCH_HISTORY_FILE);
    return path;
}

/* mkdir -p */
static int make_dirs(const char *dir, prts__err *e)
{
    char *p = strdup(dir);
    if (!p)
        return prts__fail(e, PRTS_E_NOMEM, "out of memory");
    int rc = PRTS_OK;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            rc = prts__fail(e, PRTS_E_OUTPUT, "%s: cannot create the folder: %s", p,
                            strerror(errno));
            break;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

int prts__bench_history_append(prts_bench *b, const json_t *obj)
{
    char *path = prts__bench_history_path(b);
    if (!path)
        return b->err.code;
    int rc = make_dirs(b->output_dir, &b->err);
    char *text = rc ? NULL : json_dumps(obj, JSON_COMPACT);
    size_t len = text ? strlen(text) : 0;
    if (rc == PRTS_OK && !text)
        rc = prts__fail(&b->err, PRTS_E_NOMEM, "out of memory");
    if (rc == PRTS_OK) {
        text[len++] = '\n'; /* replaces the NUL: the line goes out in one write */
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            rc = prts__fail(&b->err, PRTS_E_OUTPUT, "%s: cannot open the history: %s", path,
                            strerror(errno));
        } else {
            size_t done = 0;
            while (rc == PRTS_OK && done < len) {
                ssize_t w = write(fd, text + done, len - done);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    rc = prts__fail(&b->err, PRTS_E_IO, "%s: cannot append: %s", path,
                                    w < 0 ? strerror(errno) : "no space written");
                else
                    done += (size_t)w;
            }
            if (close(fd) != 0 && rc == PRTS_OK)
                rc = prts__fail(&b->err, PRTS_E_IO, "%s: %s", path, strerror(errno));
        }
    }
    free(text);
    free(path);
    return rc;
}

/* The keys of the guide every line must carry, and their JSON kinds. */
static const char *check_line(const json_t *o)
{
    static const char *const numbers[] = {"data_size", "encode_time", "decode_time",
                                          "total_time", "throughput_mb_sec", NULL};
    if (!json_is_object(o))
        return "not a JSON object";
    if (!json_is_string(json_object_get(o, "test_name")))
        return "no test_name string";
    for (const char *const *k = numbers; *k; k++)
        if (!json_is_number(json_object_get(o, *k)))
            return *k;
    return NULL;
}

int prts__bench_history_load(prts_bench *b, json_t **history)
{
    *history = NULL;
    char *path = prts__bench_history_path(b);
    if (!path)
        return b->err.code;
    json_t *all = json_array();
    if (!all) {
        free(path);
        return prts__fail(&b->err, PRTS_E_NOMEM, "out of memory");
    }
    int rc = PRTS_OK;
    FILE *f = fopen(path, "re");
    if (!f && errno != ENOENT)
        rc = prts__fail(&b->err, PRTS_E_IO, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    while (f && rc == PRTS_OK && getline(&line, &cap, f) >= 0) {
        lineno++;
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue; /* blank lines are allowed */
        json_error_t jerr;
        json_t *o = json_loads(line, 0, &jerr);
        const char *bad = o ? check_line(o) : jerr.text;
        if (bad) {
            rc = prts__fail(&b->err, PRTS_E_BAD_METADATA,
                            "%s:%ld: not a benchmark result (%s%s)", path, lineno, bad,
                            o && strchr(bad, ' ') == NULL ? " missing or not a number" : "");
            json_decref(o);
        } else if (json_array_append_new(all, o) != 0) {
            rc = prts__fail(&b->err, PRTS_E_NOMEM, "out of memory");
        }
    }
    if (f && rc == PRTS_OK && ferror(f))
        rc = prts__fail(&b->err, PRTS_E_IO, "%s: read error", path);
    if (f)
        fclose(f);
    free(line);
    free(path);
    if (rc) {
        json_decref(all);
        return rc;
    }
    *history = all;
    return PRTS_OK;
}

int prts_bench_load_history(prts_bench *b, char **history_json)
{
    if (history_json)
        *history_json = NULL;
    if (!valid(b) || !history_json)
        return PRTS_E_INVALID_ARG;
    json_t *all;
    int rc = prts__bench_history_load(b, &all);
    if (rc)
        return rc;
    *history_json = json_dumps(all, JSON_COMPACT);
    json_decref(all);
    return *history_json ? PRTS_OK : prts__fail(&b->err, PRTS_E_NOMEM, "out of memory");
}
