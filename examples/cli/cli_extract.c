/* cli_extract.c: `pixelrts extract IN.rts.png [-o OUT | -o -] [--no-verify]`:
 * prts_decoder_decode_file() to a file, or open/pull to standard output; `extract -`
 * reads standard input (open, then pull_file into OUT or pull to standard output); the
 * SHA-256 checked first, before any byte is written (the library's default; --verify is
 * kept as a no-op);
 * `pixelrts extract DIR OUTDIR --parallel`: every .rts.png of a folder
 * through a prts_batch. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OPT_VERIFY = 256, OPT_NO_VERIFY, OPT_BACKEND, OPT_OFFSET, OPT_LENGTH, OPT_MEMORY };

static const struct option longopts[] = {
    {"output", required_argument, NULL, 'o'},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"no-verify", no_argument, NULL, OPT_NO_VERIFY},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"offset", required_argument, NULL, OPT_OFFSET},
    {"length", required_argument, NULL, OPT_LENGTH},
    {"memory", required_argument, NULL, OPT_MEMORY},
    CLI_BATCH_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

#define SUFFIX ".rts.png"
#define PULL_CHUNK (1u << 20)

struct extract_args {
    const char *in, *out, *backend, *offset, *length, *memory;
    int verify;    /* --verify given: the default anyway, refused with a range */
    int no_verify; /* --no-verify */
    struct cli_batch_args batch;
};

static int parse_args(const struct cli_command *cmd, int argc, char **argv,
                      struct extract_args *a, int *done)
{
    int c;

    memset(a, 0, sizeof *a);
    *done = 1;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': a->out = optarg; break;
        case OPT_VERIFY: a->verify = 1; break;
        case OPT_NO_VERIFY: a->no_verify = 1; break;
        case OPT_BACKEND: a->backend = optarg; break;
        case OPT_OFFSET: a->offset = optarg; break;
        case OPT_LENGTH: a->length = optarg; break;
        case OPT_MEMORY: a->memory = optarg; break;
        case 'h': return cli_print_help(cmd);
        default:
            if (cli_batch_option(&a->batch, c, optarg))
                break;
            return cli_bad_option(cmd, c, argv);
        }
    }
    if (cli_batch_check(cmd, &a->batch) != CLI_OK)
        return CLI_USAGE;
    if (optind >= argc)
        return cli_usage_error(cmd, a->batch.parallel ? "missing input folder"
                                                      : "missing input file");
    a->in = argv[optind++];
    if (a->batch.parallel) { /* extract DIR OUTDIR --parallel, or DIR -o OUTDIR */
        if (optind < argc && !a->out)
            a->out = argv[optind++];
        if (optind < argc)
            return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        if (!a->out || !*a->out)
            return cli_usage_error(cmd, "missing output folder (extract DIR OUTDIR --parallel)");
        if (cli_is_stdio(a->out) || cli_is_stdio(a->in))
            return cli_usage_error(cmd, "- is for one file, not with --parallel");
        *done = 0;
        return CLI_OK;
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s' (use -o OUT for the output)",
                               argv[optind]);
    if (a->verify && a->no_verify)
        return cli_usage_error(cmd, "--verify and --no-verify contradict each other");
    if ((a->offset || a->length) && a->verify)
        return cli_usage_error(cmd, "--verify checks the whole payload, not a range");
    if (a->out && !*a->out)
        return cli_usage_error(cmd, "empty output name");
    if (cli_is_stdio(a->in) && !a->out)
        return cli_usage_error(cmd, "reading standard input: name the output with -o OUT "
                               "(or -o - for standard output)");
    if (cli_is_stdio(a->in) && (a->offset || a->length))
        return cli_usage_error(cmd, "--offset/--length read only the rows of a range from a "
                               "file: not from standard input");
    *done = 0;
    return CLI_OK;
}

/* IN without ".rts.png", or IN + ".bin" when it does not end so. */
static char *default_output(const char *in)
{
    size_t n = strlen(in), k = strlen(SUFFIX);
    char *out;

    if (n > k && cli_ends_with(in, SUFFIX) && in[n - k - 1] != '/') {
        out = cli_concat(in, "");
        out[n - k] = '\0';
        return out;
    }
    return cli_concat(in, ".bin");
}

/* After PRTS_E_NO_HASH (the library's message names its option): the CLI's way out. */
static void no_hash_hint(int status)
{
    if (status == PRTS_E_NO_HASH)
        fprintf(stderr, "pixelrts: to extract it without verification, add --no-verify\n");
}

/* Stream the payload of `f` (`name` in messages) to standard output; *n = bytes
 * written.  The first pull decodes and verifies the whole payload (staged: RAM up to the
 * memory budget, then an unlinked temporary file), so a bad file writes nothing. */
static int pull_to_stdout(prts_decoder *dec, FILE *f, const char *name, uint64_t *n)
{
    unsigned char *buf = NULL;
    int rc = CLI_OK, st;
    size_t got;

    *n = 0;
    buf = malloc(PULL_CHUNK);
    if (!buf)
        return cli_lib_error(name, PRTS_E_NOMEM, NULL);
    if ((st = prts_decoder_open(dec, cli_read_file, f)) != PRTS_OK) {
        rc = cli_stream_error(name, st, prts_decoder_last_error(dec));
        goto out;
    }
    for (;;) {
        if ((st = prts_decoder_pull(dec, buf, PULL_CHUNK, &got)) != PRTS_OK) {
            rc = cli_stream_error(name, st, prts_decoder_last_error(dec));
            no_hash_hint(st);
            goto out;
        }
        if (got == 0)
            break;
        if (fwrite(buf, 1, got, stdout) != got)
            break;
        *n += got;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error(CLI_STDOUT_LABEL, "write failed: %s", strerror(errno));
        rc = CLI_FAIL;
    }
out:
    free(buf);
    return rc;
}

/* `extract IN.rts.png -o -`: a file read as a stream. */
static int extract_to_stdout(prts_decoder *dec, const char *in, uint64_t *n)
{
    FILE *f = fopen(in, "rb");
    int rc;

    *n = 0;
    if (!f) {
        if (errno == ENOENT)
            cli_error(in, "File not found: %s", in);
        else
            cli_error(in, "cannot open: %s", strerror(errno));
        return CLI_FAIL;
    }
    rc = pull_to_stdout(dec, f, in, n);
    fclose(f);
    return rc;
}

/* Largest --length: the range is decoded into memory. */
#define RANGE_MAX ((uint64_t)1 << 30)

/* `extract IN --offset N --length M`: only the rows the range lives in are
 * decoded (prts_decoder_decode_range); to OUT (prts_decoder_decode_range_file), or stdout. */
static int extract_range(const struct cli_command *cmd, prts_decoder *dec,
                         const struct extract_args *a, const char *out, int to_stdout)
{
    int64_t off = 0, len = 0;
    if (a->offset && (cli_parse_i64(a->offset, &off) != 0 || off < 0))
        return cli_usage_error(cmd, "--offset wants a byte offset, got '%s'", a->offset);
    if (!a->length) {
        int st = prts_decoder_read_info(dec, a->in);
        if (st != PRTS_OK)
            return cli_lib_error(a->in, st, prts_decoder_last_error(dec));
        prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &len);
        len = len > off ? len - off : 0;
    } else if (cli_parse_i64(a->length, &len) != 0 || len < 0) {
        return cli_usage_error(cmd, "--length wants a byte count, got '%s'", a->length);
    }
    if ((uint64_t)len > RANGE_MAX)
        return cli_usage_error(cmd, "--length is at most %llu bytes (use extract without a "
                               "range for the whole payload)", (unsigned long long)RANGE_MAX);
    double t0 = cli_now();
    int st, rc = CLI_OK;
    if (!to_stdout) {
        st = prts_decoder_decode_range_file(dec, a->in, (uint64_t)off, (uint64_t)len, out);
        if (st != PRTS_OK)
            return cli_lib_error(a->in, st, prts_decoder_last_error(dec));
        cli_printf(stdout, "%s -> %s: bytes %" PRId64 "..%" PRId64 ", %.4f s\n", a->in, out, off,
                   off + len, cli_now() - t0);
        return CLI_OK;
    }
    unsigned char *buf = malloc(len ? (size_t)len : 1);
    if (!buf)
        return cli_lib_error(a->in, PRTS_E_NOMEM, NULL);
    st = prts_decoder_decode_range(dec, a->in, (uint64_t)off, buf, (size_t)len);
    if (st != PRTS_OK) {
        rc = cli_lib_error(a->in, st, prts_decoder_last_error(dec));
    } else if (fwrite(buf, 1, (size_t)len, stdout) != (size_t)len || fflush(stdout) != 0) {
        cli_error("(stdout)", "write failed: %s", strerror(errno));
        rc = CLI_FAIL;
    }
    free(buf);
    return rc;
}

/* `extract DIR OUTDIR --parallel`: OUTDIR/<path relative to DIR without
 * .rts.png> for every file listed. */
static int extract_folder(const struct cli_command *cmd, const struct extract_args *a)
{
    const struct cli_batch_args *b = &a->batch;
    const char *pattern = b->pattern ? b->pattern : "*" SUFFIX;
    prts_decoder *probe;
    prts_batch *batch;
    int rc, s;

    if ((rc = cli_check_folder(cmd, a->in, "extracts")) != CLI_OK)
        return rc;
    /* the backend is checked once here, with the decoder's message */
    probe = prts_decoder_new();
    if (!probe)
        return cli_lib_error(NULL, PRTS_E_NOMEM, NULL);
    rc = cli_decoder_backend(cmd, probe, a->backend);
    prts_decoder_free(probe);
    if (rc != CLI_OK)
        return rc;
    batch = prts_batch_new(PRTS_BATCH_DECODE);
    s = batch ? PRTS_OK : PRTS_E_NOMEM;
    if (s == PRTS_OK && a->no_verify)
        s = prts_batch_set_option(batch, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_OFF);
    if (s == PRTS_OK && a->backend)
        s = prts_batch_set_backend(batch, a->backend);
    if (s == PRTS_OK && b->workers)
        s = prts_batch_set_workers(batch, b->workers);
    if (s != PRTS_OK) {
        prts_batch_free(batch);
        return cli_lib_error(NULL, s, NULL);
    }
    rc = cli_batch_folder(batch, a->in, a->out, b, pattern, default_output, "extract",
                          "Extracted");
    prts_batch_free(batch);
    return rc;
}

int cli_extract(const struct cli_command *cmd, int argc, char **argv)
{
    struct extract_args a;
    struct cli_progress progress;
    prts_decoder *dec;
    char *default_out = NULL;
    const char *out;
    int done, rc, st, to_stdout;
    uint64_t n = 0;
    double t0;

    rc = parse_args(cmd, argc, argv, &a, &done);
    if (done)
        return rc;
    if (a.batch.parallel)
        return extract_folder(cmd, &a);
    {
        struct stat st;
        if (!cli_is_stdio(a.in) && stat(a.in, &st) == 0 && S_ISDIR(st.st_mode))
            return cli_usage_error(cmd, "'%s' is a folder: add --parallel to extract every "
                                   ".rts.png in it (extract DIR OUTDIR --parallel)", a.in);
    }
    dec = prts_decoder_new();
    if (!dec)
        return cli_lib_error(a.in, PRTS_E_NOMEM, NULL);
    if ((rc = cli_decoder_backend(cmd, dec, a.backend)) != CLI_OK)
        goto out;
    if (a.no_verify &&
        (st = prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_OFF)) != PRTS_OK) {
        rc = cli_lib_error(a.in, st, prts_decoder_last_error(dec));
        goto out;
    }
    {
        int64_t budget;
        if ((rc = cli_parse_memory(cmd, a.memory, &budget)) != CLI_OK)
            goto out;
        if (budget >= 0 &&
            (st = prts_decoder_set_option(dec, PRTS_OPT_MEMORY_BUDGET, budget)) != PRTS_OK) {
            rc = cli_lib_error(NULL, st, prts_decoder_last_error(dec));
            goto out;
        }
    }
    to_stdout = cli_is_stdio(a.out);
    if (!a.out)
        default_out = default_output(a.in);
    out = a.out ? a.out : default_out;

    if (a.offset || a.length) {
        rc = extract_range(cmd, dec, &a, out, to_stdout);
        goto out;
    }
    cli_progress_decoder(&progress, dec, "decode");
    t0 = cli_now();
    if (cli_is_stdio(a.in) && to_stdout) {
        rc = pull_to_stdout(dec, stdin, CLI_STDIN_LABEL, &n);
        cli_progress_end(&progress);
        goto out;
    }
    if (cli_is_stdio(a.in)) {
        /* into OUT as decode_file places it: verified first, complete or not at all */
        st = prts_decoder_open(dec, cli_read_file, stdin);
        if (st == PRTS_OK)
            st = prts_decoder_pull_file(dec, out);
        cli_progress_end(&progress);
        if (st != PRTS_OK) {
            rc = st == PRTS_E_OUTPUT ? cli_lib_error(out, st, prts_decoder_last_error(dec))
                                     : cli_stream_error(CLI_STDIN_LABEL, st,
                                                        prts_decoder_last_error(dec));
            no_hash_hint(st);
            goto out;
        }
        goto summary;
    }
    if (to_stdout) {
        rc = extract_to_stdout(dec, a.in, &n);
        cli_progress_end(&progress);
        goto out; /* nothing but the payload on stdout */
    }
    st = prts_decoder_decode_file(dec, a.in, out);
    cli_progress_end(&progress);
    if (st != PRTS_OK) {
        rc = cli_lib_error(st == PRTS_E_OUTPUT ? out : a.in, st, prts_decoder_last_error(dec));
        no_hash_hint(st);
        goto out;
    }
summary:
    {
        int64_t size = 0;
        double secs = cli_now() - t0;
        char h[32];

        prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &size);
        cli_printf(stdout, "%s -> %s: %s%s, %.3f s (%.1f MB/s)\n",
                   cli_is_stdio(a.in) ? CLI_STDIN_LABEL : a.in, out,
               cli_human_size((uint64_t)size, h, sizeof h),
               a.no_verify ? "" : ", sha256 verified", secs, cli_rate((uint64_t)size, secs));
    }
out:
    free(default_out);
    prts_decoder_free(dec);
    return rc;
}
