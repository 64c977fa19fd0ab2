/* cli_convert.c: `pixelrts convert IN [OUT]`: file -> .rts.png through
 * prts_encoder_encode_file(); `-` for IN or OUT (standard input or output) through
 * the stream calls, prts_encoder_push() and prts_encoder_finish[_file]();
 * `pixelrts convert DIR OUTDIR --parallel`: every file of a folder through a
 * prts_batch. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    OPT_TYPE = 256,
    OPT_NAME,
    OPT_VERSION,
    OPT_DESCRIPTION,
    OPT_GRID_SIZE,
    OPT_LEVEL,
    OPT_MODE,
    OPT_NO_SIDECAR,
    OPT_BACKEND,
    OPT_COMPRESS,
    OPT_BLUEPRINT,
    OPT_PRESET,
    OPT_FILTER,
    OPT_THREADS,
    OPT_MEMORY,
};

static const struct option longopts[] = {
    {"type", required_argument, NULL, OPT_TYPE},
    {"name", required_argument, NULL, OPT_NAME},
    {"version", required_argument, NULL, OPT_VERSION},
    {"description", required_argument, NULL, OPT_DESCRIPTION},
    {"grid-size", required_argument, NULL, OPT_GRID_SIZE},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"mode", required_argument, NULL, OPT_MODE},
    {"no-sidecar", no_argument, NULL, OPT_NO_SIDECAR},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"compress", required_argument, NULL, OPT_COMPRESS},
    {"blueprint", required_argument, NULL, OPT_BLUEPRINT},
    {"preset", required_argument, NULL, OPT_PRESET},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"memory", required_argument, NULL, OPT_MEMORY},
    CLI_BATCH_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* User metadata keys, in the order they are stored. */
enum { META_TYPE, META_NAME, META_VERSION, META_DESCRIPTION, META_COUNT };
static const char *const meta_keys[META_COUNT] = {"type", "name", "version", "description"};

struct convert_args {
    const char *in, *out;
    const char *meta[META_COUNT];
    const char *backend;
    const char *grid_size, *level, *mode, *compress, *blueprint, *preset, *filter, *threads;
    const char *memory;
    int no_sidecar;
    struct cli_batch_args batch;
};

static int parse_args(const struct cli_command *cmd, int argc, char **argv,
                      struct convert_args *a, int *done)
{
    int c;

    memset(a, 0, sizeof *a);
    *done = 0;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_TYPE: a->meta[META_TYPE] = optarg; break;
        case OPT_NAME: a->meta[META_NAME] = optarg; break;
        case OPT_VERSION: a->meta[META_VERSION] = optarg; break;
        case OPT_DESCRIPTION: a->meta[META_DESCRIPTION] = optarg; break;
        case OPT_GRID_SIZE: a->grid_size = optarg; break;
        case OPT_LEVEL: a->level = optarg; break;
        case OPT_MODE: a->mode = optarg; break;
        case OPT_NO_SIDECAR: a->no_sidecar = 1; break;
        case OPT_BACKEND: a->backend = optarg; break;
        case OPT_COMPRESS: a->compress = optarg; break;
        case OPT_BLUEPRINT: a->blueprint = optarg; break;
        case OPT_PRESET: a->preset = optarg; break;
        case OPT_FILTER: a->filter = optarg; break;
        case OPT_THREADS: a->threads = optarg; break;
        case OPT_MEMORY: a->memory = optarg; break;
        case 'h': *done = 1; return cli_print_help(cmd);
        default:
            if (cli_batch_option(&a->batch, c, optarg))
                break;
            *done = 1;
            return cli_bad_option(cmd, c, argv);
        }
    }
    *done = 1;
    if (optind >= argc)
        return cli_usage_error(cmd, a->batch.parallel ? "missing input folder"
                                                      : "missing input file");
    a->in = argv[optind++];
    if (optind < argc)
        a->out = argv[optind++];
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (cli_batch_check(cmd, &a->batch) != CLI_OK)
        return CLI_USAGE;
    if (a->batch.parallel && !a->out)
        return cli_usage_error(cmd, "missing output folder (convert DIR OUTDIR --parallel)");
    if (a->batch.parallel && a->blueprint)
        return cli_usage_error(cmd, "--blueprint is for one file, not with --parallel");
    if (a->batch.parallel && (cli_is_stdio(a->in) || cli_is_stdio(a->out)))
        return cli_usage_error(cmd, "- is for one file, not with --parallel");
    if (cli_is_stdio(a->in) && !a->out)
        return cli_usage_error(cmd, "reading standard input: name the output (convert - "
                               "OUT.rts.png, or convert - - for standard output)");
    if (cli_is_stdio(a->out) && isatty(STDOUT_FILENO))
        return cli_usage_error(cmd, "standard output is a terminal: redirect or pipe it "
                               "(convert IN - > OUT.rts.png)");
    *done = 0;
    return CLI_OK;
}

/* Set an integer option given as text; a bad value is a usage error. */
static int set_int_option(const struct cli_command *cmd, prts_encoder *enc,
                          prts_option opt, const char *flag, const char *text)
{
    int64_t v, lo, hi;
    int st;

    if (cli_parse_i64(text, &v) != 0)
        return cli_usage_error(cmd, "%s wants an integer, got '%s'", flag, text);
    if (prts_option_bounds(opt, &lo, &hi) == PRTS_OK && (v < lo || v > hi))
        return cli_usage_error(cmd, "%s must be in %" PRId64 "..%" PRId64 ", got %" PRId64,
                               flag, lo, hi, v);
    st = prts_encoder_set_option(enc, opt, v);
    if (st != PRTS_OK) {
        const char *msg = prts_encoder_last_error(enc);
        return cli_usage_error(cmd, "%s %s: %s", flag, text, *msg ? msg : prts_strerror(st));
    }
    return CLI_OK;
}

/* The --type/--name/--version/--description keys as a JSON object text
 * (NULL when none is given); the caller frees it. */
static char *user_metadata(const struct convert_args *a)
{
    json_t *obj = json_object();
    char *text = NULL;
    int any = 0;

    if (!obj)
        return NULL;
    for (int i = 0; i < META_COUNT; i++) {
        if (a->meta[i]) {
            json_object_set_new(obj, meta_keys[i], json_string(a->meta[i]));
            any = 1;
        }
    }
    if (any)
        text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    return text;
}

/* Apply every option to the encoder.  Returns an exit code. */
/* --blueprint FILE.json|FILE.yaml: any object, carried into the PNG and beside it. */
static int set_blueprint(prts_encoder *enc, const char *path)
{
    char why[256] = "";
    json_t *bp;
    if (cli_ends_with(path, ".yaml") || cli_ends_with(path, ".yml")) {
        bp = cli_yaml_load(path, why, sizeof why);
    } else {
        json_error_t jerr;
        bp = json_load_file(path, 0, &jerr);
        if (!bp)
            snprintf(why, sizeof why, "%s (line %d)", jerr.text, jerr.line);
    }
    if (!json_is_object(bp)) {
        cli_error(path, "the blueprint must be a JSON or YAML object%s%s", why[0] ? ": " : "", why);
        json_decref(bp);
        return CLI_FAIL;
    }
    char *text = json_dumps(bp, JSON_COMPACT);
    json_decref(bp);
    int st = text ? prts_encoder_set_blueprint_json(enc, text) : PRTS_E_NOMEM;
    free(text);
    return st == PRTS_OK ? CLI_OK : cli_lib_error(path, st, prts_encoder_last_error(enc));
}

static int configure(const struct cli_command *cmd, prts_encoder *enc,
                     const struct convert_args *a)
{
    int rc = CLI_OK, st;
    char *meta;

    if (a->mode) {
        int64_t mode;
        if (strcmp(a->mode, "standard") == 0)
            mode = PRTS_MODE_STANDARD;
        else if (strcmp(a->mode, "code") == 0)
            mode = PRTS_MODE_CODE;
        else
            return cli_usage_error(cmd, "Invalid mode: %s. Must be 'standard' or 'code'", a->mode);
        if ((st = prts_encoder_set_option(enc, PRTS_OPT_MODE, mode)) != PRTS_OK)
            return cli_lib_error(a->in, st, prts_encoder_last_error(enc));
    }
    if (a->blueprint && (rc = set_blueprint(enc, a->blueprint)) != CLI_OK)
        return rc;
    /* a preset first, so that --compress, --level and --filter refine it */
    if (a->preset) {
        int preset = cli_parse_preset(a->preset);
        if (!preset)
            return cli_usage_error(cmd, "--preset must be fast, default, small or small-libpixelrts, got '%s'",
                                   a->preset);
        if ((st = prts_encoder_set_preset(enc, (prts_preset)preset)) != PRTS_OK)
            return cli_lib_error(a->in, st, prts_encoder_last_error(enc));
    }
    if (a->compress) {
        static const char *const names[] = {"none", "zlib", "zstd"}; /* prts_payload_codec order */
        int64_t type = -1;
        for (int i = 0; i < 3; i++)
            if (strcmp(a->compress, names[i]) == 0)
                type = i;
        if (type < 0)
            return cli_usage_error(cmd, "--compress must be none, zlib or zstd, got '%s'",
                                   a->compress);
        if ((st = prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, type)) != PRTS_OK)
            return cli_lib_error(a->in, st, prts_encoder_last_error(enc));
    }
    if (a->level && (rc = set_int_option(cmd, enc, PRTS_OPT_PNG_LEVEL, "--level",
                                         a->level)) != CLI_OK)
        return rc;
    if (a->filter) {
        int64_t f = strcmp(a->filter, "none") == 0 ? PRTS_FILTER_NONE
                    : strcmp(a->filter, "adaptive") == 0 ? PRTS_FILTER_ADAPTIVE : -1;
        if (f < 0)
            return cli_usage_error(cmd, "--filter must be none or adaptive, got '%s'", a->filter);
        if ((st = prts_encoder_set_option(enc, PRTS_OPT_FILTER, f)) != PRTS_OK)
            return cli_lib_error(a->in, st, prts_encoder_last_error(enc));
    }
    if (a->threads && (rc = set_int_option(cmd, enc, PRTS_OPT_THREADS, "--threads",
                                           a->threads)) != CLI_OK)
        return rc;
    if (a->grid_size && (rc = set_int_option(cmd, enc, PRTS_OPT_GRID_SIZE, "--grid-size",
                                             a->grid_size)) != CLI_OK)
        return rc;
    if (a->no_sidecar && (st = prts_encoder_set_option(enc, PRTS_OPT_WRITE_SIDECAR, 0)) != PRTS_OK)
        return cli_lib_error(a->in, st, prts_encoder_last_error(enc));
    int64_t budget;
    if ((rc = cli_parse_memory(cmd, a->memory, &budget)) != CLI_OK)
        return rc;
    if (budget >= 0 &&
        (st = prts_encoder_set_option(enc, PRTS_OPT_MEMORY_BUDGET, budget)) != PRTS_OK)
        return cli_lib_error(NULL, st, prts_encoder_last_error(enc));
    if (a->backend) {
        if (!cli_backend_known(a->backend))
            return cli_usage_error(cmd, "unknown backend '%s' (see `pixelrts backends`)",
                                   a->backend);
        if ((st = prts_encoder_set_backend(enc, a->backend)) != PRTS_OK)
            return cli_lib_error(NULL, st, prts_encoder_last_error(enc));
    }
    meta = user_metadata(a);
    if (meta) {
        st = prts_encoder_set_metadata_json(enc, meta);
        free(meta);
        if (st != PRTS_OK)
            return cli_lib_error(a->in, st, prts_encoder_last_error(enc));
    }
    return CLI_OK;
}

/* `in_size` -1: the payload's size from the metadata (a stream's). */
static void print_summary(const prts_encoder *enc, const char *in, int64_t in_size,
                          const char *out, double secs)
{
    char *meta_text = prts_encoder_metadata_json(enc);
    json_t *meta = cli_json_parse(meta_text);
    int64_t out_size = cli_file_size(out);
    int64_t grid = cli_json_int(meta, "grid_size", -1);
    char a[32], b[32];

    if (in_size < 0)
        in_size = cli_json_int(meta, "data_size", 0);
    cli_printf(stdout,
               "%s -> %s: %s in, grid %" PRId64 "x%" PRId64 ", %s out, %.3f s (%.1f MB/s, %s)\n",
               in, out, cli_human_size((uint64_t)in_size, a, sizeof a), grid, grid,
           cli_human_size(out_size < 0 ? 0 : (uint64_t)out_size, b, sizeof b), secs,
           cli_rate((uint64_t)in_size, secs), prts_encoder_backend(enc));
    json_decref(meta);
    prts_free(meta_text);
}

#define PUSH_CHUNK (1u << 20)

/* The bytes of `fd` (`name` in messages), pushed as they come: the library stages them (RAM
 * up to the memory budget, then an unlinked temporary file), so a pipe of any size fits. */
static int push_fd(prts_encoder *enc, int fd, const char *name)
{
    unsigned char *buf = malloc(PUSH_CHUNK);
    int rc = CLI_OK, st;

    if (!buf)
        return cli_lib_error(name, PRTS_E_NOMEM, NULL);
    for (;;) {
        ssize_t n = read(fd, buf, PUSH_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cli_error(name, "read failed: %s", strerror(errno));
            rc = CLI_FAIL;
            break;
        }
        if (n == 0)
            break;
        if ((st = prts_encoder_push(enc, buf, (size_t)n)) != PRTS_OK) {
            rc = cli_lib_error(name, st, prts_encoder_last_error(enc));
            break;
        }
    }
    free(buf);
    return rc;
}

/* `convert - OUT`, `convert IN -`, `convert - -`: the stream calls.  Standard output
 * gets the PNG alone (no sidecar: its metadata is in the PNG's chunk); a named OUT
 * gets its sidecars and the all-or-nothing placement of a file encode. */
static int convert_stream(prts_encoder *enc, const struct convert_args *a)
{
    const char *in_name = cli_is_stdio(a->in) ? CLI_STDIN_LABEL : a->in;
    int to_stdout = cli_is_stdio(a->out), fd = STDIN_FILENO, rc, st;
    struct cli_progress progress;
    double t0 = cli_now();

    if (!cli_is_stdio(a->in)) {
        /* named by the user and read in order: a pipe (convert <(cmd) -) is fine too */
        fd = open(a->in, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT)
                cli_error(a->in, "File not found: %s", a->in);
            else
                cli_error(a->in, "cannot open: %s", strerror(errno));
            return CLI_FAIL;
        }
    }
    rc = push_fd(enc, fd, in_name);
    if (fd != STDIN_FILENO)
        close(fd);
    if (rc != CLI_OK)
        return rc;
    cli_progress_encoder(&progress, enc, "encode");
    if (to_stdout)
        st = prts_encoder_finish(enc, cli_write_file, stdout);
    else
        st = prts_encoder_finish_file(enc, a->out);
    cli_progress_end(&progress);
    if (st == PRTS_E_CALLBACK) { /* our writer: standard output refused the bytes */
        cli_error(CLI_STDOUT_LABEL, "write failed: %s", strerror(errno));
        return CLI_FAIL;
    }
    if (st != PRTS_OK)
        return cli_lib_error(st == PRTS_E_OUTPUT ? a->out : in_name, st,
                             prts_encoder_last_error(enc));
    if (to_stdout) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_error(CLI_STDOUT_LABEL, "write failed: %s", strerror(errno));
            return CLI_FAIL;
        }
        return CLI_OK; /* nothing but the PNG on standard output */
    }
    print_summary(enc, in_name, cli_is_stdio(a->in) ? -1 : cli_file_size(a->in), a->out,
                  cli_now() - t0);
    return CLI_OK;
}

/* REL.rts.png, malloc'd. */
static char *converted_name(const char *rel)
{
    return cli_concat(rel, ".rts.png");
}

/* `convert DIR OUTDIR --parallel`: OUTDIR/<path relative to DIR>.rts.png
 * for every file listed, the options checked once on a probe encoder. */
static int convert_folder(const struct cli_command *cmd, const struct convert_args *a)
{
    const struct cli_batch_args *b = &a->batch;
    prts_encoder *probe;
    prts_batch *batch = NULL;
    char *meta = NULL;
    int rc, s;

    if ((rc = cli_check_folder(cmd, a->in, "converts")) != CLI_OK)
        return rc;
    probe = prts_encoder_new();
    if (!probe)
        return cli_lib_error(NULL, PRTS_E_NOMEM, NULL);
    rc = configure(cmd, probe, a);
    if (rc != CLI_OK) {
        prts_encoder_free(probe);
        return rc;
    }
    batch = prts_batch_new(PRTS_BATCH_ENCODE);
    meta = user_metadata(a);
    s = batch ? cli_batch_copy_options(batch, probe, a->backend) : PRTS_E_NOMEM;
    if (s == PRTS_OK && b->workers)
        s = prts_batch_set_workers(batch, b->workers);
    if (s == PRTS_OK && meta)
        s = prts_batch_set_metadata_json(batch, meta);
    prts_encoder_free(probe);
    free(meta);
    if (s != PRTS_OK) {
        prts_batch_free(batch);
        return cli_lib_error(NULL, s, NULL);
    }
    rc = cli_batch_folder(batch, a->in, a->out, b, b->pattern ? b->pattern : "*",
                          converted_name, "convert", "Converted");
    prts_batch_free(batch);
    return rc;
}

/* A folder given without --parallel: say how to convert it. */
static int is_folder(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cli_convert(const struct cli_command *cmd, int argc, char **argv)
{
    struct convert_args a;
    struct cli_progress progress;
    prts_encoder *enc;
    char *default_out = NULL;
    const char *out;
    int done, rc, st;
    double t0;

    rc = parse_args(cmd, argc, argv, &a, &done);
    if (done)
        return rc;
    if (a.batch.parallel)
        return convert_folder(cmd, &a);
    if (!cli_is_stdio(a.in) && is_folder(a.in))
        return cli_usage_error(cmd, "'%s' is a folder: add --parallel to convert every file in "
                               "it (convert DIR OUTDIR --parallel [--recursive])", a.in);
    enc = prts_encoder_new();
    if (!enc)
        return cli_lib_error(a.in, PRTS_E_NOMEM, NULL);
    rc = configure(cmd, enc, &a);
    if (rc != CLI_OK)
        goto out;
    if (cli_is_stdio(a.in) || cli_is_stdio(a.out)) {
        rc = convert_stream(enc, &a);
        goto out;
    }
    if (!a.out)
        default_out = cli_concat(a.in, ".rts.png");
    out = a.out ? a.out : default_out;

    cli_progress_encoder(&progress, enc, "encode");
    t0 = cli_now();
    st = prts_encoder_encode_file(enc, a.in, out);
    cli_progress_end(&progress);
    if (st != PRTS_OK) {
        rc = cli_lib_error(st == PRTS_E_OUTPUT ? out : a.in, st, prts_encoder_last_error(enc));
        goto out;
    }
    print_summary(enc, a.in, cli_file_size(a.in), out, cli_now() - t0);
out:
    free(default_out);
    prts_encoder_free(enc);
    return rc;
}
