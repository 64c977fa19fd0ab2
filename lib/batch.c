/* batch.c: many files on a pool of worker threads (common/pool.h), one
 * handle per worker.
 *
 * Workers take the next job index under the pool's lock and fill the job's
 * own result slot, so converting a file takes no lock.  Finished indices go
 * through a small queue, under the same lock, to the thread in
 * prts_batch_run(), which reports progress (and, with a result callback,
 * hands each result over and drops it) in completion order.
 *
 * Results are JSON written here rather than built with jansson: a path is
 * any bytes, and jansson cannot hold one that is not UTF-8. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "backend/backend.h"
#include "common/alloc.h"
#include "common/common.h"
#include "common/cpu_features.h"
#include "common/pool.h"

/* With a result callback, a finished job keeps its paths and numbers only:
 * what grows with the number of files stays small (issue 15: 6.9 KB a file). */
typedef struct job {
    char *in, *out;
    json_t *metadata;     /* the job's own keys until it runs, or NULL */
    int ran;
    int status;
    char *error;          /* detailed message, or NULL (also once handed over) */
    char *result_meta;    /* the file's metadata, compact ASCII JSON from jansson's
                             malloc, or NULL (also once handed over) */
    double seconds;
    int64_t file_size;
} job;

struct prts_batch {
    uint32_t magic;
    prts_batch_kind kind;
    int workers;
    int64_t opts[PRTS__OPT_COUNT];
    int opt_set[PRTS__OPT_COUNT];
    char *backend;
    char *blueprint;      /* JSON text for every encode job, or NULL */
    char *root;           /* the folder outputs must stay in, or NULL */
    json_t *metadata;     /* defaults for every encode job */
    prts_batch_progress_fn progress;
    void *progress_user;
    prts_batch_result_fn on_result;
    void *result_user;
    job *jobs;
    size_t count, cap;
    size_t first;         /* first job of the current run */
    atomic_int cancelled;
    prts__pool pool;      /* the workers; its lock guards `next` and the queue */
    size_t next;          /* next job to take */
    size_t *done_queue;
    size_t done_head, done_tail;
    prts__err err;
    prts_allocator alloc; /* the batch's allocations and its jobs' handles' */
};

#define BATCH_MAGIC 0x50525442u /* "PRTB" */

static int valid(const prts_batch *b)
{
    return b && b->magic == BATCH_MAGIC;
}

prts_batch *prts_batch_new(prts_batch_kind kind)
{
    return prts_batch_new_with(kind, NULL);
}

prts_batch *prts_batch_new_with(prts_batch_kind kind, const prts_allocator *allocator)
{
    if (kind != PRTS_BATCH_ENCODE && kind != PRTS_BATCH_DECODE)
        return NULL;
    prts_allocator a = prts__alloc_resolve(allocator);
    prts_batch *b = prts__calloc(&a, 1, sizeof *b);
    if (!b)
        return NULL;
    b->alloc = a;
    b->magic = BATCH_MAGIC;
    b->kind = kind;
    prts__options_defaults(b->opts);
    return b;
}

void prts_batch_free(prts_batch *b)
{
    if (!valid(b))
        return;
    for (size_t i = 0; i < b->count; i++) {
        job *j = &b->jobs[i];
        prts__free(&b->alloc, j->in);
        prts__free(&b->alloc, j->out);
        prts__free(&b->alloc, j->error);
        json_decref(j->metadata);
        free(j->result_meta);
    }
    prts__free(&b->alloc, b->jobs);
    prts__free(&b->alloc, b->backend);
    prts__free(&b->alloc, b->blueprint);
    prts__free(&b->alloc, b->root);
    json_decref(b->metadata);
    b->magic = 0;
    prts_allocator a = b->alloc;
    prts__free(&a, b);
}

int prts_batch_set_workers(prts_batch *b, int workers)
{
    if (!valid(b) || workers < 0 || workers > 4096)
        return PRTS_E_INVALID_ARG;
    b->workers = workers;
    return PRTS_OK;
}

static int who(const prts_batch *b)
{
    return b->kind == PRTS_BATCH_ENCODE ? PRTS__FOR_ENCODER : PRTS__FOR_DECODER;
}

int prts_batch_set_option(prts_batch *b, prts_option option, int64_t value)
{
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    int rc = prts__option_set(b->opts, who(b), option, value, &b->err);
    if (rc == PRTS_OK)
        b->opt_set[option] = 1;
    return rc;
}

/* A JSON object from text (NULL text = none). */
/* Parse a caller's JSON object (NULL: none) into *out; failures name `what`. */
static int parse_object(prts_batch *b, const char *text, const char *what, json_t **out)
{
    *out = NULL;
    if (!text)
        return PRTS_OK;
    json_error_t jerr;
    json_t *obj = json_loads(text, 0, &jerr);
    if (!obj && json_error_code(&jerr) == json_error_out_of_memory)
        return prts__fail(&b->err, PRTS_E_NOMEM, "out of memory parsing JSON");
    if (!json_is_object(obj)) {
        json_decref(obj);
        return prts__fail(&b->err, PRTS_E_BAD_METADATA, "%s must be a JSON object", what);
    }
    *out = obj;
    return PRTS_OK;
}

const char *prts_batch_last_error(const prts_batch *b)
{
    return valid(b) ? b->err.msg : "invalid batch handle";
}

/* Replace *slot with a copy of text (NULL clears). */
static int set_text(prts_batch *b, char **slot, const char *text)
{
    char *copy = text ? prts__strdup(&b->alloc, text) : NULL;
    if (text && !copy)
        return prts__fail(&b->err, PRTS_E_NOMEM, "out of memory");
    prts__free(&b->alloc, *slot);
    *slot = copy;
    return PRTS_OK;
}

int prts_batch_set_blueprint_json(prts_batch *b, const char *json)
{
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    json_t *obj;
    int rc = parse_object(b, json, "the blueprint", &obj);
    if (rc)
        return rc;
    json_decref(obj);
    return set_text(b, &b->blueprint, json);
}

int prts_batch_set_backend(prts_batch *b, const char *name)
{
    if (!valid(b) || !name)
        return PRTS_E_INVALID_ARG;
    int rc = prts__backend_validate(name, &b->err);
    if (rc)
        return rc;
    return set_text(b, &b->backend, name);
}

int prts_batch_set_output_root(prts_batch *b, const char *dir)
{
    if (!valid(b) || (dir && !*dir))
        return PRTS_E_INVALID_ARG;
    return set_text(b, &b->root, dir);
}

int prts_batch_set_metadata_json(prts_batch *b, const char *json)
{
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    json_t *obj;
    int rc = parse_object(b, json, "metadata", &obj);
    if (rc)
        return rc;
    json_decref(b->metadata);
    b->metadata = obj;
    return PRTS_OK;
}

int prts_batch_set_progress(prts_batch *b, prts_batch_progress_fn fn, void *user)
{
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    b->progress = fn;
    b->progress_user = user;
    return PRTS_OK;
}

int prts_batch_set_result_callback(prts_batch *b, prts_batch_result_fn fn, void *user)
{
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    b->on_result = fn;
    b->result_user = user;
    return PRTS_OK;
}

/* Take every setting a handle of the batch's kind has (lib/encoder.c, lib/decoder.c
 * gather them); the options from the option table, whatever their number. */
static int take_settings(prts_batch *b, int kind, int rc, prts__handle_settings *s)
{
    if (rc == PRTS_E_INVALID_ARG)
        return prts__fail(&b->err, rc, "not a valid %s handle",
                          kind == PRTS_BATCH_ENCODE ? "encoder" : "decoder");
    if (rc == PRTS_OK && b->kind != (prts_batch_kind)kind)
        rc = prts__fail(&b->err, PRTS_E_INVALID_ARG, "a %s batch takes the settings of %s",
                        b->kind == PRTS_BATCH_ENCODE ? "encode" : "decode",
                        b->kind == PRTS_BATCH_ENCODE ? "an encoder" : "a decoder");
    else if (rc && s->refusal)
        rc = prts__fail(&b->err, rc, "the handle's backend was refused: %s", s->refusal);
    else if (rc)
        rc = prts__fail(&b->err, rc, "out of memory copying the handle's settings");
    json_t *meta = NULL;
    if (rc == PRTS_OK && kind == PRTS_BATCH_ENCODE)
        rc = parse_object(b, s->metadata_json, "metadata", &meta);
    /* all that can fail first: a failure changes nothing */
    char *backend = rc == PRTS_OK ? prts__strdup(&b->alloc, s->backend) : NULL;
    char *blueprint = rc == PRTS_OK && s->blueprint_json
                          ? prts__strdup(&b->alloc, s->blueprint_json) : NULL;
    if (rc == PRTS_OK && (!backend || (s->blueprint_json && !blueprint)))
        rc = prts__fail(&b->err, PRTS_E_NOMEM, "out of memory");
    if (rc == PRTS_OK) {
        for (int o = 1; o < PRTS__OPT_COUNT; o++) {
            if (prts__option_applies((prts_option)o, who(b))) {
                b->opts[o] = s->opts[o];
                b->opt_set[o] = 1;
            }
        }
        prts__free(&b->alloc, b->backend);
        b->backend = backend;
        backend = NULL;
        if (kind == PRTS_BATCH_ENCODE) {
            prts__free(&b->alloc, b->blueprint);
            b->blueprint = blueprint;
            blueprint = NULL;
            json_decref(b->metadata);
            b->metadata = meta;
            meta = NULL;
        }
    }
    prts__free(&b->alloc, backend);
    prts__free(&b->alloc, blueprint);
    json_decref(meta);
    free(s->metadata_json);
    free(s->blueprint_json);
    return rc;
}

int prts_batch_set_encoder_settings(prts_batch *b, const prts_encoder *from)
{
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    prts__handle_settings s = {0};
    return take_settings(b, PRTS_BATCH_ENCODE, prts__encoder_settings(from, &s), &s);
}

int prts_batch_set_decoder_settings(prts_batch *b, const prts_decoder *from)
{
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    prts__handle_settings s = {0};
    return take_settings(b, PRTS_BATCH_DECODE, prts__decoder_settings(from, &s), &s);
}

int prts_batch_add(prts_batch *b, const char *in, const char *out, const char *metadata_json)
{
    if (!valid(b) || !in || !out)
        return PRTS_E_INVALID_ARG;
    json_t *meta;
    int rc = parse_object(b, metadata_json, "a job's metadata", &meta);
    if (rc)
        return rc;
    if (b->count == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        job *jobs = prts__realloc(&b->alloc, b->jobs, b->count * sizeof *jobs, cap * sizeof *jobs);
        if (!jobs) {
            json_decref(meta);
            return PRTS_E_NOMEM;
        }
        b->jobs = jobs;
        b->cap = cap;
    }
    job *j = &b->jobs[b->count];
    memset(j, 0, sizeof *j);
    j->in = prts__strdup(&b->alloc, in);
    j->out = prts__strdup(&b->alloc, out);
    j->metadata = meta;
    if (!j->in || !j->out) {
        prts__free(&b->alloc, j->in);
        prts__free(&b->alloc, j->out);
        json_decref(meta);
        return PRTS_E_NOMEM;
    }
    b->count++;
    return PRTS_OK;
}

size_t prts_batch_size(const prts_batch *b)
{
    return valid(b) ? b->count : 0;
}

void prts_batch_cancel(prts_batch *b)
{
    if (valid(b))
        atomic_store(&b->cancelled, 1);
}

/* ------------------------------------------------------------------ */
/* Results                                                             */

/* Result JSON text, malloc'd like jansson's (the caller frees it with prts_free). */
typedef struct text {
    char *s;
    size_t len, cap;
    int failed;           /* out of memory: s is dropped at the end */
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (t->len + n + 1 > cap)
            cap *= 2;
        char *more = realloc(t->s, cap);
        if (!more) {
            t->failed = 1;
            return;
        }
        t->s = more;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void put_str(text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* The code point of the UTF-8 sequence at p (n bytes left) in *cp and its length,
 * or 0 when it is not valid UTF-8 (overlong, a surrogate, past U+10FFFF, cut short). */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : 0;
    uint32_t v = p[0] & (0x7F >> len);

    if (len == 0 || len > n || p[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3F);
    }
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* `s` as a JSON string, ASCII only like the rest of the results.  A byte that is
 * not part of valid UTF-8 (a file name is any bytes) becomes \udcXX, Python's
 * surrogateescape: json.loads then os.fsencode gives the name's bytes back.
 * (Strict parsers, jansson among them, refuse such a lone surrogate; a path
 * dropped or mangled would be worse.) */
static void put_json_string(text *t, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    char esc[16];

    put(t, "\"", 1);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k;
        if (p[i] == '"' || p[i] == '\\') {
            esc[0] = '\\';
            esc[1] = (char)p[i];
            put(t, esc, 2);
            i++;
        } else if (p[i] >= 0x20 && p[i] < 0x80) {
            put(t, s + i, 1);
            i++;
        } else if (p[i] < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", p[i]);
            put_str(t, esc);
            i++;
        } else if ((k = utf8_decode(p + i, n - i, &cp)) > 0) {
            if (cp >= 0x10000)
                snprintf(esc, sizeof esc, "\\u%04x\\u%04x", 0xD800 + ((cp - 0x10000) >> 10),
                         0xDC00 + ((cp - 0x10000) & 0x3FF));
            else
                snprintf(esc, sizeof esc, "\\u%04x", cp);
            put_str(t, esc);
            i += k;
        } else {
            snprintf(esc, sizeof esc, "\\udc%02x", p[i]);
            put_str(t, esc);
            i++;
        }
    }
    put(t, "\"", 1);
}

/* One job's result object (the guide's keys, in its order). */
static void put_result(text *t, const prts_batch *b, const job *j)
{
    char num[64];
    int ok = j->ran && j->status == PRTS_OK;

    put_str(t, "{\"input_path\":");
    put_json_string(t, j->in);
    put_str(t, ",\"output_path\":");
    put_json_string(t, j->out);
    put_str(t, ok ? ",\"success\":true" : ",\"success\":false");
    put_str(t, ",\"error\":");
    if (j->error)
        put_json_string(t, j->error);
    else
        put_str(t, "null");
    snprintf(num, sizeof num, ",\"status\":%d,\"metadata\":", j->ran ? j->status : 0);
    put_str(t, num);
    put_str(t, j->result_meta ? j->result_meta : "null");
    put_str(t, b->kind == PRTS_BATCH_ENCODE ? ",\"encode_time\":" : ",\"decode_time\":");
    /* jansson writes the real: the same digits as before, whatever the locale */
    json_t *secs = json_real(j->seconds);
    char *secs_text = secs ? json_dumps(secs, JSON_ENCODE_ANY) : NULL;
    if (!secs_text)
        t->failed = 1;
    else
        put_str(t, secs_text);
    free(secs_text);
    json_decref(secs);
    snprintf(num, sizeof num, ",\"file_size\":%lld}", (long long)j->file_size);
    put_str(t, num);
}

/* The text built, or NULL (and nothing held) when memory ran out. */
static char *text_take(text *t)
{
    if (t->failed) {
        free(t->s);
        return NULL;
    }
    return t->s;
}

/* ------------------------------------------------------------------ */
/* Workers                                                             */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* mkdir -p of the folder holding `path`: 0, -1 (errno), or PRTS_E_NOMEM.
 * `*made` is the folder this worker made (or found) last, or NULL: the same
 * folder again costs no call (a failed mkdir locks the folder above it, for
 * which the workers then queue); it becomes the folder made now. */
static int make_parents(const prts_allocator *a, const char *path, char **made)
{
    const char *last = strrchr(path, '/');
    if (last && *made && strlen(*made) == (size_t)(last - path) &&
        memcmp(*made, path, (size_t)(last - path)) == 0)
        return 0;
    char *dir = prts__strdup(a, path);
    if (!dir)
        return PRTS_E_NOMEM;
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash && slash != dir) {
        *slash = '\0';
        /* the folder itself first: in a batch it is there, or only it is
         * missing, nearly always (one mkdir, not one per level of the path) */
        if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
            prts__free(a, *made);
            *made = dir;
            return 0;
        }
        for (char *p = dir + 1; rc == 0 && *p; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            if (mkdir(dir, 0777) != 0 && errno != EEXIST)
                rc = -1;
            *p = '/';
        }
        if (rc == 0 && mkdir(dir, 0777) != 0 && errno != EEXIST)
            rc = -1;
        if (rc == 0) {
            prts__free(a, *made);
            *made = dir;
            return 0;
        }
    }
    prts__free(a, dir);
    return rc;
}

/* Where `path` leads today, into out: its longest existing head through
 * realpath() (symbolic links, "." and ".." resolved), then the names still to
 * be made.  NULL, or why it cannot be told: a "." or ".." among the names to
 * be made (mkdir -p would make the folder, then climb out of it), or a
 * dangling symbolic link (a write through it lands wherever it points).
 * *unknown is set instead when the path cannot be walked at all (a file
 * where a folder should be, no permission, too long): the write fails too. */
static const char *resolve_path(const char *path, char out[PATH_MAX], int *unknown)
{
    char head[PATH_MAX];
    size_t n = strlen(path), keep = n; /* head = the first `keep` bytes of path */
    struct stat st;

    *unknown = 0;
    if (n >= PATH_MAX) {
        *unknown = 1;
        return NULL;
    }
    memcpy(head, path, n + 1);
    for (int tries = 0; !realpath(keep ? head : ".", out);) {
        if (errno != ENOENT) {
            *unknown = 1;
            return NULL;
        }
        /* there after all: made meanwhile (another job's folder), else a link to nothing */
        if (keep && lstat(head, &st) == 0) {
            if (++tries < 3)
                continue;
            return "a dangling symbolic link on the way";
        }
        char *slash = strrchr(head, '/');
        const char *last = slash ? slash + 1 : head;
        if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
            return "'.' or '..' after a folder that does not exist yet";
        keep = !slash ? 0 : slash == head ? 1 : (size_t)(slash - head);
        head[keep] = '\0';
    }
    const char *rest = path + keep;
    while (*rest == '/')
        rest++;
    size_t len = strlen(out);
    if (*rest && snprintf(out + len, PATH_MAX - len, "%s%s", len > 1 ? "/" : "", rest) >=
                     (int)(PATH_MAX - len))
        *unknown = 1;
    return NULL;
}

/* PRTS_OK when output `out` stays inside the batch's root; else PRTS_E_OUTPUT
 * with the reason, naming the file, in e. */
static int check_confined(const prts_batch *b, const char *out, prts__err *e)
{
    char root[PATH_MAX], real[PATH_MAX];
    int unknown;
    const char *bad = resolve_path(b->root, root, &unknown);

    if (bad || unknown)
        return prts__fail(e, PRTS_E_OUTPUT, "%s: refused: the output folder %s cannot be "
                          "resolved (%s)", out, b->root, bad ? bad : "it cannot be walked");
    bad = resolve_path(out, real, &unknown);
    if (unknown)
        return PRTS_OK; /* the write cannot happen either, and will say why */
    size_t n = strlen(root);
    if (!bad && strncmp(real, root, n) == 0 && (real[n] == '/' || n == 1))
        return PRTS_OK;
    if (bad)
        return prts__fail(e, PRTS_E_OUTPUT, "%s: refused: it may lead outside the output "
                          "folder %s (%s)", out, b->root, bad);
    return prts__fail(e, PRTS_E_OUTPUT, "%s: refused: outside the output folder %s (it leads "
                      "to %s)", out, b->root, real);
}

/* One worker's handle, configured like the batch. */
typedef struct worker {
    prts_batch *batch;
    prts_encoder *enc;
    prts_decoder *dec;
    int setup_status;     /* a handle that could not be set up fails every job */
    char *made;           /* the output folder made (or found) last (make_parents) */
    char setup_error[PRTS__ERRMSG_MAX];
} worker;

static void setup_handle(worker *w)
{
    prts_batch *b = w->batch;
    int rc = PRTS_OK;
    const char *msg = "";
    if (b->kind == PRTS_BATCH_ENCODE) {
        w->enc = prts_encoder_new_with(&b->alloc);
        if (!w->enc)
            rc = PRTS_E_NOMEM;
        for (int o = 1; rc == PRTS_OK && o < PRTS__OPT_COUNT; o++)
            if (b->opt_set[o])
                rc = prts_encoder_set_option(w->enc, (prts_option)o, b->opts[o]);
        if (rc == PRTS_OK && b->backend)
            rc = prts_encoder_set_backend(w->enc, b->backend);
        if (rc == PRTS_OK && b->blueprint)
            rc = prts_encoder_set_blueprint_json(w->enc, b->blueprint);
        msg = w->enc ? prts_encoder_last_error(w->enc) : "";
    } else {
        w->dec = prts_decoder_new_with(&b->alloc);
        if (!w->dec)
            rc = PRTS_E_NOMEM;
        for (int o = 1; rc == PRTS_OK && o < PRTS__OPT_COUNT; o++)
            if (b->opt_set[o])
                rc = prts_decoder_set_option(w->dec, (prts_option)o, b->opts[o]);
        if (rc == PRTS_OK && b->backend)
            rc = prts_decoder_set_backend(w->dec, b->backend);
        msg = w->dec ? prts_decoder_last_error(w->dec) : "";
    }
    w->setup_status = rc;
    snprintf(w->setup_error, sizeof w->setup_error, "%s", *msg ? msg : prts_strerror(rc));
}

/* The job's metadata: the batch's keys, overridden by the job's own. */
static char *job_metadata(const prts_batch *b, const job *j)
{
    if (!b->metadata && !j->metadata)
        return NULL;
    json_t *merged = b->metadata ? json_deep_copy(b->metadata) : json_object();
    if (j->metadata)
        json_object_update(merged, j->metadata);
    char *text = json_dumps(merged, JSON_COMPACT);
    json_decref(merged);
    return text;
}

static void run_job(worker *w, job *j)
{
    prts_batch *b = w->batch;
    double t0 = now();
    int rc = w->setup_status;
    const char *msg = w->setup_error;
    char *meta = NULL;
    prts__err outside;
    /* before make_parents: no folder is made outside either */
    if (rc == PRTS_OK && b->root && (rc = check_confined(b, j->out, &outside)) != PRTS_OK)
        msg = outside.msg;
    int made = rc == PRTS_OK ? make_parents(&b->alloc, j->out, &w->made) : 0;
    if (made == PRTS_E_NOMEM) {
        rc = PRTS_E_NOMEM;
        msg = "out of memory";
    } else if (made != 0) {
        rc = PRTS_E_OUTPUT;
        msg = "cannot create the output folder";
    }
    if (rc == PRTS_OK && b->kind == PRTS_BATCH_ENCODE) {
        char *m = job_metadata(b, j);
        prts_encoder_reset(w->enc);
        if (!m && (b->metadata || j->metadata)) { /* jansson ran out of memory */
            rc = PRTS_E_NOMEM;
            msg = "out of memory merging the metadata";
        } else {
            rc = prts_encoder_set_metadata_json(w->enc, m);
            if (rc == PRTS_OK)
                rc = prts_encoder_encode_file(w->enc, j->in, j->out);
            msg = prts_encoder_last_error(w->enc);
        }
        free(m);
        if (rc == PRTS_OK)
            meta = prts_encoder_metadata_json(w->enc);
    } else if (rc == PRTS_OK) {
        rc = prts_decoder_decode_file(w->dec, j->in, j->out);
        msg = prts_decoder_last_error(w->dec);
        if (rc == PRTS_OK)
            meta = prts_decoder_metadata_json(w->dec);
    }
    j->seconds = now() - t0;
    j->status = rc;
    /* the status is what counts: a message that cannot be copied is left out */
    j->error = rc ? prts__strdup(&b->alloc, *msg ? msg : prts_strerror(rc)) : NULL;
    j->result_meta = meta;
    json_decref(j->metadata); /* read only by this run */
    j->metadata = NULL;
    struct stat st;
    j->file_size = rc == PRTS_OK && stat(j->out, &st) == 0 ? (int64_t)st.st_size : 0;
    j->ran = 1;
}

/* Give job i's result to the result callback, if one is set, and drop what only
 * the result needed.  Returns the callback's wish to cancel. */
static int hand_over(prts_batch *b, size_t i)
{
    if (!b->on_result)
        return 0;
    job *j = &b->jobs[i];
    text t = {0};
    put_result(&t, b, j);
    char *json = text_take(&t);
    int stop = b->on_result(b->result_user, i, j->status, j->in, j->out, j->error, json);
    free(json);
    prts__free(&b->alloc, j->error);
    j->error = NULL;
    free(j->result_meta);
    j->result_meta = NULL;
    return stop;
}

/* The pool's hooks (common/pool.h). */
static void worker_begin(void *owner, void *local)
{
    worker *w = local;
    w->batch = owner;
    setup_handle(w);
}

static void *worker_take(void *owner)
{
    prts_batch *b = owner;
    if (atomic_load(&b->cancelled) || b->next >= b->count)
        return NULL;
    return &b->jobs[b->next++];
}

static void worker_run(void *owner, void *task, void *local)
{
    (void)owner;
    run_job(local, task);
}

/* The owner reports results as they come, but a wake-up per quick file cost
 * it more than the file (4 KiB: two context switches and a futex call for
 * ~40 us of work): it is woken for a slow job's result at once, for quick
 * ones every WAKE_EVERY results, and when the workers run out of jobs. */
enum { WAKE_EVERY = 16 };
#define WAKE_SLOWER_THAN 0.001 /* seconds */

static int worker_finish(void *owner, void *task)
{
    prts_batch *b = owner;
    job *j = task;
    b->done_queue[b->done_tail++] = (size_t)(j - b->jobs);
    return j->seconds > WAKE_SLOWER_THAN || b->done_tail - b->done_head >= WAKE_EVERY;
}

static void worker_end(void *owner, void *local)
{
    (void)owner;
    worker *w = local;
    prts_encoder_free(w->enc);
    prts_decoder_free(w->dec);
    prts__free(&w->batch->alloc, w->made);
}

/* Locked: every job was taken (or the run cancelled) and every job taken finished. */
static int run_over(const prts_batch *b)
{
    return (atomic_load(&b->cancelled) || b->next >= b->count) &&
           b->done_tail == b->next - b->first;
}

int prts_batch_run(prts_batch *b)
{
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    size_t first = b->first, total = b->count - first;
    if (total == 0)
        return PRTS_OK;
    int n = b->workers ? b->workers : prts__online_cpus();
    if ((size_t)n > total)
        n = (int)total;
    b->next = first;
    atomic_store(&b->cancelled, 0);
    b->done_head = b->done_tail = 0;
    prts__pool_work work = {
        .owner = b, .local_size = sizeof(worker), .begin = worker_begin, .take = worker_take,
        .run = worker_run, .finish = worker_finish, .end = worker_end,
    };
    b->done_queue = prts__calloc(&b->alloc, b->count, sizeof *b->done_queue);
    int started = b->done_queue ? prts__pool_start(&b->pool, &b->alloc, &work, n) : -1;
    if (started < 0) {
        prts__pool_stop(&b->pool);
        prts__free(&b->alloc, b->done_queue);
        b->done_queue = NULL;
        return prts__fail(&b->err, PRTS_E_NOMEM, "cannot allocate the workers");
    }
    if (started == 0) /* no thread could start: do the work on this one */
        prts__pool_run_here(&b->pool);

    /* report completions, in completion order, from this thread */
    size_t reported = 0;
    prts__pool_lock(&b->pool);
    for (;;) {
        while (b->done_head == b->done_tail && !run_over(b))
            prts__pool_wait(&b->pool);
        if (b->done_head == b->done_tail)
            break;
        size_t i = b->done_queue[b->done_head++];
        prts__pool_unlock(&b->pool);
        reported++;
        int stop = hand_over(b, i);
        if (b->progress && b->progress(b->progress_user, reported, total, b->jobs[i].in))
            stop = 1;
        if (stop)
            atomic_store(&b->cancelled, 1);
        prts__pool_lock(&b->pool);
    }
    prts__pool_unlock(&b->pool);
    prts__pool_stop(&b->pool);
    prts__free(&b->alloc, b->done_queue);
    b->done_queue = NULL;

    int any_failed = 0, cancelled = 0;
    for (size_t i = first; i < b->count; i++) {
        job *j = &b->jobs[i];
        if (!j->ran) { /* never started: cancelled */
            j->ran = 1;
            j->status = PRTS_E_CANCELLED;
            j->error = prts__strdup(&b->alloc, "cancelled before it started");
            cancelled = 1;
            hand_over(b, i);
        } else if (j->status != PRTS_OK) {
            any_failed = 1;
        }
    }
    b->first = b->count;
    return cancelled ? PRTS_E_CANCELLED : any_failed ? PRTS_E_BATCH : PRTS_OK;
}

/* ------------------------------------------------------------------ */
/* Results, after a run                                                */

char *prts_batch_result_json(const prts_batch *b, size_t index)
{
    if (!valid(b) || index >= b->count)
        return NULL;
    text t = {0};
    put_result(&t, b, &b->jobs[index]);
    return text_take(&t);
}

char *prts_batch_results_json(const prts_batch *b)
{
    if (!valid(b))
        return NULL;
    text t = {0};
    put(&t, "[", 1);
    for (size_t i = 0; i < b->count; i++) {
        if (i)
            put(&t, ",", 1);
        put_result(&t, b, &b->jobs[i]);
    }
    put(&t, "]", 1);
    return text_take(&t);
}
