/* cli_verify.c: `pixelrts verify IN.rts.png`: decode into a throwaway
 * buffer (open/pull, hash verification on) and check hash, grid, sizes
 * and sidecar agreement, reporting every problem found. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_BACKEND = 256 };

static const struct option longopts[] = {
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

#define PULL_CHUNK (1u << 20)

/* What the metadata claims (from prts_decoder_read_info: the PNG's chunk, with what a sidecar
 * adds). */
struct claims {
    int64_t grid, data_size, encoded_size;
    int has_hash, mismatch;
    char hash[65];
};

struct verify_state {
    const char *path;
    int problems;
};

static void problem(struct verify_state *vs, const char *msg)
{
    cli_error(vs->path, "%s", msg);
    vs->problems++;
}

static int64_t info_value(prts_decoder *dec, prts_info_key key, int64_t fallback)
{
    int64_t v;

    return prts_decoder_get_info(dec, key, &v) == PRTS_OK ? v : fallback;
}

/* Step 1: metadata only.  Returns a library status. */
static int read_claims(prts_decoder *dec, const char *path, struct claims *c)
{
    int st = prts_decoder_read_info(dec, path);
    char *text;
    json_t *meta;
    const char *hash;

    memset(c, 0, sizeof *c);
    if (st != PRTS_OK)
        return st;
    text = prts_decoder_metadata_json(dec);
    meta = cli_json_parse(text);
    c->grid = cli_json_int(meta, "grid_size", -1);
    c->data_size = info_value(dec, PRTS_INFO_DATA_SIZE, -1);
    c->encoded_size = info_value(dec, PRTS_INFO_ENCODED_SIZE, c->data_size);
    c->has_hash = (int)info_value(dec, PRTS_INFO_HAS_HASH, 0);
    c->mismatch = (int)info_value(dec, PRTS_INFO_SIDECAR_MISMATCH, 0);
    hash = cli_json_str(meta, "data_hash");
    if (hash)
        snprintf(c->hash, sizeof c->hash, "%s", hash);
    json_decref(meta);
    prts_free(text);
    return PRTS_OK;
}

/* Step 2: the pixels.  Decodes the PNG stream and counts the payload;
 * *decoded = -1 if decoding failed (already reported). */
static void decode_all(struct verify_state *vs, prts_decoder *dec, FILE *f,
                       int64_t *grid, int64_t *decoded)
{
    unsigned char *buf = malloc(PULL_CHUNK);
    size_t got;
    int st;

    *grid = -1;
    *decoded = -1;
    if (!buf) {
        problem(vs, prts_strerror(PRTS_E_NOMEM));
        return;
    }
    st = prts_decoder_open(dec, cli_read_file, f);
    if (st == PRTS_OK) {
        *grid = info_value(dec, PRTS_INFO_GRID_SIZE, -1);
        *decoded = 0;
        while ((st = prts_decoder_pull(dec, buf, PULL_CHUNK, &got)) == PRTS_OK && got)
            *decoded += (int64_t)got;
    }
    if (st != PRTS_OK) {
        const char *msg = prts_decoder_last_error(dec);
        problem(vs, *msg ? msg : prts_strerror(st));
        *decoded = -1;
    }
    free(buf);
}

/* Compare what the metadata claims with what the pixels gave. */
static void check(struct verify_state *vs, const struct claims *c, int64_t grid,
                  int64_t decoded)
{
    char msg[256];

    if (c->grid >= 0 && grid >= 0 && c->grid != grid) {
        snprintf(msg, sizeof msg, "grid: metadata says %" PRId64 ", the image is %" PRId64
                 "x%" PRId64, c->grid, grid, grid);
        problem(vs, msg);
    }
    if (grid > 0 && c->encoded_size > 4 * grid * grid) {
        snprintf(msg, sizeof msg, "size: %" PRId64 " bytes claimed, but a %" PRId64 "x%" PRId64
                 " grid holds at most %" PRId64, c->encoded_size, grid, grid, 4 * grid * grid);
        problem(vs, msg);
    }
    if (decoded >= 0 && c->data_size >= 0 && decoded != c->data_size) {
        snprintf(msg, sizeof msg, "size: metadata says %" PRId64 " bytes, decoded %" PRId64,
                 c->data_size, decoded);
        problem(vs, msg);
    }
}

static int verify_file(prts_decoder *dec, const char *path)
{
    struct verify_state vs = {path, 0};
    struct cli_progress progress;
    struct claims c;
    int64_t grid, decoded;
    FILE *f;
    int st;

    if ((st = read_claims(dec, path, &c)) != PRTS_OK)
        return cli_lib_error(path, st, prts_decoder_last_error(dec));
    if (c.mismatch)
        problem(&vs, "the sidecar and the PNG chunk disagree");
    if (!c.has_hash)
        problem(&vs, "no data_hash in the metadata: the payload cannot be checked");

    /* The stream reads the PNG's own chunk; a sidecar was checked above. */
    prts_decoder_reset(dec);
    /* a missing data_hash is reported above, as one problem among the others */
    if ((st = prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_IF_PRESENT)) != PRTS_OK)
        return cli_lib_error(path, st, prts_decoder_last_error(dec));
    f = fopen(path, "rb");
    if (!f) {
        cli_error(path, "cannot open: %s", strerror(errno));
        return CLI_FAIL;
    }
    cli_progress_decoder(&progress, dec, "verify");
    decode_all(&vs, dec, f, &grid, &decoded);
    cli_progress_end(&progress);
    fclose(f);
    check(&vs, &c, grid, decoded);

    if (vs.problems) {
        cli_printf(stdout, "%s: FAILED (%d problem%s)\n", path, vs.problems,
                   vs.problems > 1 ? "s" : "");
        return CLI_FAIL;
    }
    cli_printf(stdout, "%s: OK (%" PRId64 " bytes, grid %" PRId64 "x%" PRId64 ", sha256 %s)\n",
               path, decoded, grid, grid, c.hash);
    return CLI_OK;
}

int cli_verify(const struct cli_command *cmd, int argc, char **argv)
{
    const char *path, *backend = NULL;
    prts_decoder *dec;
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_BACKEND: backend = optarg; break;
        case 'h': return cli_print_help(cmd);
        default: return cli_bad_option(cmd, c, argv);
        }
    }
    if ((rc = cli_one_path(cmd, argc, argv, &path)) != CLI_OK)
        return rc;

    dec = prts_decoder_new();
    if (!dec)
        return cli_lib_error(path, PRTS_E_NOMEM, NULL);
    rc = cli_decoder_backend(cmd, dec, backend);
    if (rc == CLI_OK)
        rc = verify_file(dec, path);
    prts_decoder_free(dec);
    return rc;
}
