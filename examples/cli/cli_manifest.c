/* cli_manifest.c: `pixelrts batch MANIFEST.yaml`: a YAML manifest of jobs
 * (read with libcyaml against a fixed schema) run as one prts_batch.
 *
 *   defaults:                    # optional
 *     mode: standard|code
 *     level: -9..9               # zlib level of the PNG (negative: adaptive)
 *     compress: none|zlib|zstd
 *     grid_size: N               # power of two; 0 = smallest that fits
 *     sidecar: true|false        # write OUT.meta.json (default true)
 *     backend: NAME
 *     workers: N                 # 0 = one per CPU
 *     metadata: {type, name, version, description}
 *   jobs:                        # at least one
 *     - input: PATH-OR-GLOB      # relative to the manifest's folder
 *       output: FOLDER/ | FILE   # a folder (ends in /) or, for one input, a file
 *       metadata: {...}          # optional, overrides defaults.metadata key by key
 *
 * Outputs stay inside the output folder (--output-dir, else the manifest's
 * folder) unless --allow-outside: a manifest may come from anyone.
 *
 * libcyaml schemas are fixed, so metadata takes the four known string keys
 * (a free-form map cannot be described).  Unknown keys and aliases are
 * errors.  Every error names the manifest's line: libcyaml's log (which
 * carries a backtrace with line and column) is captured and condensed, and a
 * libyaml pass over the file finds the exact line of an unexpected key, of a
 * YAML syntax error, and of values checked after loading. */
#include "cli.h"

#include <cyaml/cyaml.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

/* ---- schema ------------------------------------------------------ */

struct m_meta {
    char *type, *name, *version, *description;
};

struct m_defaults {
    int *mode, *compress;
    int *level, *grid_size, *workers;
    bool *sidecar;
    char *backend;
    struct m_meta *metadata;
};

struct m_job {
    char *input, *output;
    struct m_meta *metadata;
};

struct m_manifest {
    struct m_defaults *defaults;
    struct m_job *jobs;
    unsigned jobs_count;
};

#define OPT (CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER)

static const cyaml_strval_t mode_names[] = {
    {"standard", PRTS_MODE_STANDARD},
    {"code", PRTS_MODE_CODE},
};

static const cyaml_strval_t compress_names[] = {
    {"none", PRTS_PAYLOAD_NONE},
    {"zlib", PRTS_PAYLOAD_ZLIB},
    {"zstd", PRTS_PAYLOAD_ZSTD},
};

static const cyaml_schema_field_t meta_fields[] = {
    CYAML_FIELD_STRING_PTR("type", OPT, struct m_meta, type, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("name", OPT, struct m_meta, name, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("version", OPT, struct m_meta, version, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("description", OPT, struct m_meta, description, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t defaults_fields[] = {
    CYAML_FIELD_ENUM_PTR("mode", OPT | CYAML_FLAG_STRICT, struct m_defaults, mode, mode_names,
                         CYAML_ARRAY_LEN(mode_names)),
    CYAML_FIELD_INT_PTR("level", OPT, struct m_defaults, level),
    CYAML_FIELD_ENUM_PTR("compress", OPT | CYAML_FLAG_STRICT, struct m_defaults, compress,
                         compress_names, CYAML_ARRAY_LEN(compress_names)),
    CYAML_FIELD_INT_PTR("grid_size", OPT, struct m_defaults, grid_size),
    CYAML_FIELD_BOOL_PTR("sidecar", OPT, struct m_defaults, sidecar),
    CYAML_FIELD_STRING_PTR("backend", OPT, struct m_defaults, backend, 1, CYAML_UNLIMITED),
    CYAML_FIELD_INT_PTR("workers", OPT, struct m_defaults, workers),
    CYAML_FIELD_MAPPING_PTR("metadata", OPT, struct m_defaults, metadata, meta_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t job_fields[] = {
    CYAML_FIELD_STRING_PTR("input", CYAML_FLAG_POINTER, struct m_job, input, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("output", CYAML_FLAG_POINTER, struct m_job, output, 1,
                           CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("metadata", OPT, struct m_job, metadata, meta_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t job_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct m_job, job_fields),
};

static const cyaml_schema_field_t manifest_fields[] = {
    CYAML_FIELD_MAPPING_PTR("defaults", OPT, struct m_manifest, defaults, defaults_fields),
    CYAML_FIELD_SEQUENCE("jobs", CYAML_FLAG_POINTER, struct m_manifest, jobs, &job_schema, 1,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t manifest_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct m_manifest, manifest_fields),
};

/* ---- where things are: a libyaml pass ------------------------------ */

#define MAX_DEPTH 64
#define PATH_MAX_LEN 1024

struct frame {
    int seq;            /* sequence (else mapping) */
    unsigned index;     /* entries seen (sequence), 1-based like libcyaml's backtrace */
    int want_key;       /* mapping: the next scalar is a key */
    char key[256];      /* mapping: the key of the value to come */
    size_t path_len;    /* length of this node's path */
};

struct locate {
    unsigned line, column;  /* 1-based; 0 = not found */
    char syntax[256];       /* a YAML syntax error, if the pass hit one */
};

/* Find the node at `want` ("jobs[2].input"; "" = the document) in the YAML
 * file: the line of its key when it is a mapping value, else of the node. */
static void locate(const char *file, const char *want, struct locate *loc)
{
    FILE *f = fopen(file, "rb");
    yaml_parser_t parser;
    struct frame st[MAX_DEPTH];
    char path[PATH_MAX_LEN] = "";
    int depth = 0, done = 0;

    memset(loc, 0, sizeof *loc);
    if (!f)
        return;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    while (!done) {
        yaml_event_t ev;
        size_t len = strlen(path);
        int node = 0;

        if (!yaml_parser_parse(&parser, &ev)) {
            snprintf(loc->syntax, sizeof loc->syntax, "%s%s%s",
                     parser.problem ? parser.problem : "YAML error",
                     parser.context ? " " : "", parser.context ? parser.context : "");
            loc->line = (unsigned)parser.problem_mark.line + 1;
            loc->column = (unsigned)parser.problem_mark.column + 1;
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = 1; break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: node = 1; break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (depth > 0)
                path[st[--depth].path_len] = '\0';
            break;
        default: break;
        }
        if (node) {
            struct frame *parent = depth > 0 ? &st[depth - 1] : NULL;
            int is_key = 0;

            /* this node's path, from its parent's */
            if (parent && parent->seq) {
                snprintf(path + len, sizeof path - len, "[%u]", ++parent->index);
            } else if (parent && parent->want_key) {
                const char *k = ev.type == YAML_SCALAR_EVENT ? (const char *)ev.data.scalar.value
                                                             : "?";
                snprintf(parent->key, sizeof parent->key, "%s", k);
                snprintf(path + len, sizeof path - len, "%s%s", len ? "." : "", k);
                parent->want_key = 0;
                is_key = 1;
            } else if (parent) {
                snprintf(path + len, sizeof path - len, "%s%s", len ? "." : "", parent->key);
                parent->want_key = 1;
            }
            if (strcmp(path, want) == 0 && !loc->line) {
                loc->line = (unsigned)ev.start_mark.line + 1;
                loc->column = (unsigned)ev.start_mark.column + 1;
                done = 1;
            }
            if (is_key || ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT) {
                path[len] = '\0';
            } else if (depth < MAX_DEPTH) {
                struct frame *fr = &st[depth++];
                memset(fr, 0, sizeof *fr);
                fr->seq = ev.type == YAML_SEQUENCE_START_EVENT;
                fr->want_key = !fr->seq;
                fr->path_len = len;
            } else {
                done = 1;
            }
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    fclose(f);
}

/* "jobs[2].metadata" -> "jobs entry 2, metadata" for messages. */
static void readable_path(const char *path, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (const char *p = path; *p && n + 16 < len; p++) {
        if (*p == '[')
            n += (size_t)snprintf(buf + n, len - n, " entry ");
        else if (*p == ']')
            continue;
        else if (*p == '.')
            n += (size_t)snprintf(buf + n, len - n, ", ");
        else
            buf[n++] = *p, buf[n] = '\0';
    }
}

/* ---- messages ---------------------------------------------------- */

struct manifest_ctx {
    const char *file;
    char log[4096];     /* libcyaml's log lines */
    size_t log_len;
};

static void capture_log(cyaml_log_t level, void *user, const char *fmt, va_list args)
{
    struct manifest_ctx *m = user;

    (void)level;
    if (m->log_len + 1 < sizeof m->log) {
        int n = vsnprintf(m->log + m->log_len, sizeof m->log - m->log_len, fmt, args);
        if (n > 0)
            m->log_len += (size_t)n < sizeof m->log - m->log_len ? (size_t)n
                                                                  : sizeof m->log - m->log_len - 1;
    }
}

/* "pixelrts: FILE:LINE: message (in PATH)" for the node at `path`. */
static int manifest_error(const struct manifest_ctx *m, const char *path, const char *fmt, ...)
    CLI_PRINTF(3, 4);

static int manifest_error(const struct manifest_ctx *m, const char *path, const char *fmt, ...)
{
    struct locate loc;
    char where[PATH_MAX_LEN + 64], msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    locate(m->file, path, &loc);
    readable_path(path, where, sizeof where);
    fflush(stdout);
    if (loc.line)
        cli_printf(stderr, "pixelrts: %s:%u: %s%s%s%s\n", m->file, loc.line, msg,
                *where ? " (in " : "", where, *where ? ")" : "");
    else
        cli_printf(stderr, "pixelrts: %s: %s%s%s%s\n", m->file, msg, *where ? " (in " : "", where,
                *where ? ")" : "");
    return CLI_FAIL;
}

/* Turn libcyaml's log ("Load: PROBLEM", "Load: Backtrace:", then
 * "  in mapping field 'X' (line: L, column: C)" innermost first) into one
 * message naming the line. */
static int load_error(struct manifest_ctx *m, cyaml_err_t err)
{
    char problem[512] = "", path[PATH_MAX_LEN] = "", where[PATH_MAX_LEN + 64];
    char *parts[MAX_DEPTH];
    unsigned line = 0, column = 0;
    int nparts = 0, innermost_field = 0;
    struct locate loc;

    if (err == CYAML_ERR_LIBYAML_PARSER) { /* a syntax error: libyaml says where */
        locate(m->file, "\x01", &loc);
        if (loc.syntax[0]) {
            fflush(stdout);
            cli_printf(stderr, "pixelrts: %s:%u:%u: YAML syntax error: %s\n", m->file, loc.line,
                    loc.column, loc.syntax);
            return CLI_FAIL;
        }
    }
    for (char *l = strtok(m->log, "\n"); l; l = strtok(NULL, "\n")) {
        char *in = strstr(l, "  in ");
        if (strncmp(l, "Load: ", 6) == 0 && !in) {
            if (!problem[0] && strcmp(l + 6, "Backtrace:") != 0)
                snprintf(problem, sizeof problem, "%s", l + 6);
            continue;
        }
        if (!in || nparts == MAX_DEPTH)
            continue;
        unsigned ln, col;
        char *pos = strstr(in, "(line: ");
        if (pos && sscanf(pos, "(line: %u, column: %u)", &ln, &col) == 2 && !line) {
            line = ln;
            column = col;
        }
        parts[nparts++] = in + 5;
    }
    /* outermost first: "mapping field 'jobs'", "sequence entry '2'", ... */
    for (int i = nparts - 1; i >= 0; i--) {
        char name[256];
        size_t n = strlen(path);
        if (sscanf(parts[i], "mapping field '%255[^']'", name) == 1) {
            if (i == 0)
                innermost_field = 1;
            snprintf(path + n, sizeof path - n, "%s%s", n ? "." : "", name);
        } else if (sscanf(parts[i], "sequence entry '%255[^']'", name) == 1 &&
                   strcmp(name, "0") != 0) { /* '0': before the first entry */
            snprintf(path + n, sizeof path - n, "[%s]", name);
        }
    }
    if (err == CYAML_ERR_ALIAS) /* the blueprints' words */
        snprintf(problem, sizeof problem, "%s", CLI_YAML_NO_ALIASES);
    if (!problem[0])
        snprintf(problem, sizeof problem, "%s", cyaml_strerror(err));
    if (strncmp(problem, "Invalid ENUM value", 18) == 0) {
        size_t n = strlen(problem);
        const char *hint = cli_ends_with(path, ".mode")       ? " (standard or code)"
                           : cli_ends_with(path, ".compress") ? " (none, zlib or zstd)"
                                                              : "";
        snprintf(problem + n, sizeof problem - n, "%s", hint);
    }
    if (strncmp(problem, "Unexpected key: ", 16) == 0) {
        /* the backtrace points at the previous value; find the key itself */
        char keypath[PATH_MAX_LEN + 300];
        snprintf(keypath, sizeof keypath, "%s%s%s", path, *path ? "." : "", problem + 16);
        locate(m->file, keypath, &loc);
        if (loc.line) {
            line = loc.line;
            column = loc.column;
        }
    } else if (strncmp(problem, "Missing required mapping field", 30) == 0 && innermost_field) {
        char *dot = strrchr(path, '.'); /* the field last read is not the culprit */
        if (dot)
            *dot = '\0';
        else if (!strchr(path, '['))
            path[0] = '\0';
    }
    if (!line) {
        locate(m->file, path, &loc);
        line = loc.line;
        column = loc.column;
    }
    readable_path(path, where, sizeof where);
    fflush(stdout);
    if (line)
        cli_printf(stderr, "pixelrts: %s:%u:%u: %s%s%s%s\n", m->file, line, column, problem,
                *where ? " (in " : "", where, *where ? ")" : "");
    else
        cli_printf(stderr, "pixelrts: %s: %s%s%s%s\n", m->file, problem, *where ? " (in " : "",
                where, *where ? ")" : "");
    return CLI_FAIL;
}

/* ---- building the batch ------------------------------------------ */

static char *meta_json(const struct m_meta *m)
{
    json_t *obj;
    char *text;

    if (!m)
        return NULL;
    obj = json_object();
    if (m->type)
        json_object_set_new(obj, "type", json_string(m->type));
    if (m->name)
        json_object_set_new(obj, "name", json_string(m->name));
    if (m->version)
        json_object_set_new(obj, "version", json_string(m->version));
    if (m->description)
        json_object_set_new(obj, "description", json_string(m->description));
    text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    return text;
}

/* Check the defaults on a probe encoder (its messages, the manifest's
 * lines), then copy them to the batch. */
static int apply_defaults(const struct manifest_ctx *m, const struct m_defaults *d,
                          prts_batch *batch, int workers_override)
{
    prts_encoder *probe = prts_encoder_new();
    int rc = CLI_OK, st = PRTS_OK;
    char *meta;

    if (!probe)
        return cli_lib_error(NULL, PRTS_E_NOMEM, NULL);
    struct {
        const char *key;
        prts_option opt;
        const int *value;
    } ints[] = {
        {"mode", PRTS_OPT_MODE, d ? d->mode : NULL},
        {"level", PRTS_OPT_PNG_LEVEL, d ? d->level : NULL},
        {"compress", PRTS_OPT_PAYLOAD_COMPRESSION, d ? d->compress : NULL},
        {"grid_size", PRTS_OPT_GRID_SIZE, d ? d->grid_size : NULL},
    };
    for (size_t i = 0; rc == CLI_OK && i < sizeof ints / sizeof ints[0]; i++) {
        char path[64];
        int64_t lo, hi;
        if (!ints[i].value)
            continue;
        snprintf(path, sizeof path, "defaults.%s", ints[i].key);
        if (prts_option_bounds(ints[i].opt, &lo, &hi) == PRTS_OK &&
            (*ints[i].value < lo || *ints[i].value > hi))
            rc = manifest_error(m, path, "%s must be in %lld..%lld, got %d", ints[i].key,
                                (long long)lo, (long long)hi, *ints[i].value);
        else if ((st = prts_encoder_set_option(probe, ints[i].opt, *ints[i].value)) != PRTS_OK)
            rc = manifest_error(m, path, "%s: %s", ints[i].key,
                                *prts_encoder_last_error(probe) ? prts_encoder_last_error(probe)
                                                                 : prts_strerror(st));
    }
    if (rc == CLI_OK && d && d->sidecar)
        prts_encoder_set_option(probe, PRTS_OPT_WRITE_SIDECAR, *d->sidecar ? 1 : 0);
    if (rc == CLI_OK && d && d->backend) {
        if (!cli_backend_known(d->backend))
            rc = manifest_error(m, "defaults.backend",
                                "unknown backend '%s' (see `pixelrts backends`)", d->backend);
        else if ((st = prts_encoder_set_backend(probe, d->backend)) != PRTS_OK)
            rc = manifest_error(m, "defaults.backend", "%s", prts_encoder_last_error(probe));
    }
    if (rc == CLI_OK && d && d->workers && workers_override < 0 &&
        (*d->workers < 0 || *d->workers > 4096))
        rc = manifest_error(m, "defaults.workers", "workers must be in 0..4096, got %d",
                            *d->workers);
    if (rc == CLI_OK) {
        st = cli_batch_copy_options(batch, probe, d ? d->backend : NULL);
        if (st == PRTS_OK && workers_override >= 0)
            st = prts_batch_set_workers(batch, workers_override);
        else if (st == PRTS_OK && d && d->workers)
            st = prts_batch_set_workers(batch, *d->workers);
        meta = meta_json(d ? d->metadata : NULL);
        if (st == PRTS_OK && meta)
            st = prts_batch_set_metadata_json(batch, meta);
        free(meta);
        if (st != PRTS_OK)
            rc = cli_lib_error(m->file, st, NULL);
    }
    prts_encoder_free(probe);
    return rc;
}

struct planned {
    char *in, *out;
    unsigned job;       /* 1-based manifest entry */
};

struct plan {
    struct planned *items;
    size_t count, cap;
};

static void plan_add(struct plan *p, char *in, char *out, unsigned job)
{
    if (p->count == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        struct planned *more = realloc(p->items, cap * sizeof *more);
        if (!more) {
            cli_error(NULL, "out of memory");
            exit(CLI_FAIL);
        }
        p->items = more;
        p->cap = cap;
    }
    p->items[p->count++] = (struct planned){in, out, job};
}

static void plan_free(struct plan *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->items[i].in);
        free(p->items[i].out);
    }
    free(p->items);
}

/* `rel` against folder `base` ("" = the current folder), unless absolute. */
static char *resolve(const char *base, const char *rel)
{
    return rel[0] == '/' ? cli_concat(rel, "") : cli_path_join(base, rel);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The files of job `k` (1-based) and their outputs. */
static int expand_job(const struct manifest_ctx *m, const struct m_job *j, unsigned k,
                      const char *in_base, const char *out_base, struct plan *p)
{
    char path[64];
    char *pattern = resolve(in_base, j->input);
    char *out = resolve(out_base, j->output);
    int folder = cli_ends_with(j->output, "/"), rc = CLI_OK;

    if (strpbrk(j->input, "*?[")) {
        glob_t g;
        size_t found = 0;
        int st = glob(pattern, GLOB_MARK, NULL, &g);

        snprintf(path, sizeof path, "jobs[%u].output", k);
        if (!folder) {
            rc = manifest_error(m, path, "output '%s' must be a folder (end in /) for the "
                                "glob '%s'", j->output, j->input);
        } else if (st == 0) {
            for (size_t i = 0; i < g.gl_pathc; i++) {
                const char *f = g.gl_pathv[i];
                if (cli_ends_with(f, "/")) /* GLOB_MARK: a folder */
                    continue;
                char *name = cli_concat(base_name(f), ".rts.png");
                plan_add(p, cli_concat(f, ""), cli_path_join(out, name), k);
                free(name);
                found++;
            }
        }
        if (st == 0 || st == GLOB_NOMATCH)
            globfree(&g);
        snprintf(path, sizeof path, "jobs[%u].input", k);
        if (rc == CLI_OK && st != 0 && st != GLOB_NOMATCH)
            rc = manifest_error(m, path, "cannot expand '%s'", j->input);
        else if (rc == CLI_OK && found == 0)
            rc = manifest_error(m, path, "'%s' matches no file", j->input);
    } else if (folder) {
        char *name = cli_concat(base_name(pattern), ".rts.png");
        plan_add(p, cli_concat(pattern, ""), cli_path_join(out, name), k);
        free(name);
    } else {
        plan_add(p, cli_concat(pattern, ""), cli_concat(out, ""), k);
    }
    free(pattern);
    free(out);
    return rc;
}

static int compare_planned(const void *a, const void *b)
{
    const struct planned *x = *(struct planned *const *)a, *y = *(struct planned *const *)b;
    int c = strcmp(x->out, y->out);
    return c ? c : (x->job > y->job) - (x->job < y->job);
}

/* Two jobs writing the same file would silently overwrite each other. */
static int check_collisions(const struct manifest_ctx *m, const struct plan *p)
{
    struct planned **sorted = malloc((p->count ? p->count : 1) * sizeof *sorted);
    int rc = CLI_OK;

    if (!sorted)
        return cli_lib_error(NULL, PRTS_E_NOMEM, NULL);
    for (size_t i = 0; i < p->count; i++)
        sorted[i] = &p->items[i];
    qsort(sorted, p->count, sizeof *sorted, compare_planned);
    for (size_t i = 1; i < p->count && rc == CLI_OK; i++) {
        if (strcmp(sorted[i - 1]->out, sorted[i]->out) == 0) {
            char path[64];
            snprintf(path, sizeof path, "jobs[%u].output", sorted[i]->job);
            rc = manifest_error(m, path, "%s and %s would both be written to %s",
                                sorted[i - 1]->in, sorted[i]->in, sorted[i]->out);
        }
    }
    free(sorted);
    return rc;
}

/* ---- the command ------------------------------------------------- */

/* A manifest read and checked: its document, and a batch carrying its defaults. */
struct loaded {
    struct manifest_ctx *m;
    cyaml_config_t config;
    struct m_manifest *doc;
    prts_batch *batch;
};

/* Read `file` against the schema and apply its defaults to a new batch
 * (`workers` >= 0 overrides defaults.workers).  Returns an exit code; on
 * failure the message is printed and `l` still needs manifest_unload(). */
static int manifest_load(const char *file, int workers, struct loaded *l)
{
    cyaml_err_t err;

    memset(l, 0, sizeof *l);
    l->m = calloc(1, sizeof *l->m);
    if (!l->m)
        return cli_lib_error(NULL, PRTS_E_NOMEM, NULL);
    l->m->file = file;
    l->config.log_fn = capture_log;
    l->config.log_ctx = l->m;
    l->config.mem_fn = cyaml_mem;
    l->config.log_level = CYAML_LOG_ERROR;
    /* unknown keys are errors; aliases too (CLI_YAML_NO_ALIASES), and no anchor is kept */
    l->config.flags = CYAML_CFG_DEFAULT | CYAML_CFG_NO_ALIAS;
    err = cyaml_load_file(file, &l->config, &manifest_schema, (cyaml_data_t **)&l->doc, NULL);
    if (err != CYAML_OK)
        return load_error(l->m, err);
    if (!l->doc)
        return manifest_error(l->m, "", "empty manifest (a `jobs:` list is needed)");
    l->batch = prts_batch_new(PRTS_BATCH_ENCODE);
    if (!l->batch)
        return cli_lib_error(NULL, PRTS_E_NOMEM, NULL);
    return apply_defaults(l->m, l->doc->defaults, l->batch, workers);
}

static void manifest_unload(struct loaded *l)
{
    prts_batch_free(l->batch);
    if (l->doc)
        cyaml_free(&l->config, &manifest_schema, l->doc, 0);
    free(l->m);
    memset(l, 0, sizeof *l);
}

int cli_manifest_check(const char *file)
{
    struct loaded l;
    int rc = manifest_load(file, -1, &l);

    manifest_unload(&l);
    return rc;
}

enum { OPT_WORKERS = 256, OPT_REPORT, OPT_SHARD, OPT_OUTPUT_DIR, OPT_ALLOW_OUTSIDE, OPT_DRY_RUN };

static const struct option longopts[] = {
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"report", required_argument, NULL, OPT_REPORT},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"output-dir", required_argument, NULL, OPT_OUTPUT_DIR},
    {"allow-outside", no_argument, NULL, OPT_ALLOW_OUTSIDE},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cli_batch(const struct cli_command *cmd, int argc, char **argv)
{
    const char *file, *report = NULL, *output_dir = NULL;
    int workers = -1, dry_run = 0, allow_outside = 0, rc, c;
    size_t shard_k = 1, shard_n = 1;
    struct manifest_ctx *m;
    struct m_manifest *doc;
    struct loaded l = {0};
    prts_batch *batch;
    struct plan plan = {0};
    char *dir_copy = NULL, *in_base = NULL;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_WORKERS:
            if (cli_parse_workers(optarg, &workers) != 0)
                return cli_usage_error(cmd, "--workers wants 0..4096 (0 = one per CPU), got '%s'",
                                       optarg);
            break;
        case OPT_REPORT: report = optarg; break;
        case OPT_SHARD:
            if (cli_parse_shard(optarg, &shard_k, &shard_n) != 0)
                return cli_usage_error(cmd, "--shard wants K/N with 1 <= K <= N, got '%s'",
                                       optarg);
            break;
        case OPT_OUTPUT_DIR: output_dir = optarg; break;
        case OPT_ALLOW_OUTSIDE: allow_outside = 1; break;
        case OPT_DRY_RUN: dry_run = 1; break;
        case 'h': return cli_print_help(cmd);
        default: return cli_bad_option(cmd, c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error(cmd, "missing manifest file");
    file = argv[optind++];
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (access(file, R_OK) != 0) {
        cli_error(file, "%s", errno == ENOENT ? "File not found" : strerror(errno));
        return CLI_FAIL;
    }

    rc = manifest_load(file, workers, &l);
    if (rc != CLI_OK)
        goto out;
    m = l.m;
    doc = l.doc;
    batch = l.batch;

    /* inputs are relative to the manifest's folder, outputs too unless --output-dir */
    dir_copy = cli_concat(file, "");
    {
        const char *d = dirname(dir_copy);
        in_base = cli_concat(strcmp(d, ".") == 0 ? "" : d, "");
    }
    /* a manifest may come from anyone: its outputs stay in the output folder
     * (the library checks each job's path as it starts: "..", absolute paths,
     * symbolic links) unless the user lets them out */
    if (!allow_outside) {
        const char *root = output_dir ? output_dir : *in_base ? in_base : ".";
        int st = prts_batch_set_output_root(batch, root);
        if (st != PRTS_OK)
            rc = cli_lib_error(root, st, NULL);
    }
    for (unsigned k = 0; rc == CLI_OK && k < doc->jobs_count; k++)
        rc = expand_job(m, &doc->jobs[k], k + 1, in_base, output_dir ? output_dir : in_base,
                        &plan);
    if (rc == CLI_OK)
        rc = check_collisions(m, &plan);
    for (size_t i = 0; rc == CLI_OK && i < plan.count; i++) {
        const struct planned *it = &plan.items[i];
        char *meta;
        int st;

        if (i % shard_n != shard_k - 1)
            continue;
        if (dry_run) {
            cli_printf(stdout, "%s -> %s\n", it->in, it->out);
            continue;
        }
        meta = meta_json(doc->jobs[it->job - 1].metadata);
        st = prts_batch_add(batch, it->in, it->out, meta);
        free(meta);
        if (st != PRTS_OK)
            rc = cli_lib_error(it->in, st, NULL);
    }
    plan_free(&plan); /* the batch holds the paths now */
    memset(&plan, 0, sizeof plan);
    if (rc == CLI_OK && !dry_run)
        rc = cli_batch_run(batch, "batch", "Converted", report);
out:
    plan_free(&plan);
    manifest_unload(&l);
    free(dir_copy);
    free(in_base);
    return rc;
}
