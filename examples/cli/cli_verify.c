/* cli_verify.c: `pixelrts verify IN.rts.png`: the library checks the file as a
 * decode would (structure, checksums, grid and sizes, sidecar agreement,
 * SHA-256) without writing the payload anywhere; `verify -`: standard input
 * through open/pull, the payload pulled and dropped (the first pull checks
 * everything; the stream stages the payload: RAM up to --memory, then an
 * unlinked temporary file). */
#include "cli.h"

#include <inttypes.h>

#include <stdlib.h>

enum { OPT_BACKEND = 256, OPT_MEMORY };

static const struct option longopts[] = {
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int64_t info_value(prts_decoder *dec, prts_info_key key)
{
    int64_t v;

    return prts_decoder_get_info(dec, key, &v) == PRTS_OK ? v : -1;
}

/* Standard input: open, then pull and drop the payload; a status. */
static int verify_stdin(prts_decoder *dec)
{
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    size_t got = 0;
    int st;

    if (!buf)
        return PRTS_E_NOMEM;
    st = prts_decoder_open(dec, cli_read_file, stdin);
    while (st == PRTS_OK && (st = prts_decoder_pull(dec, buf, CHUNK, &got)) == PRTS_OK && got)
        ;
    free(buf);
    return st;
}

/* Everything a decode checks, nothing written (prts_decoder_verify_file). */
static int verify_file(prts_decoder *dec, const char *path)
{
    struct cli_progress progress;
    char *text;
    json_t *meta;
    int st;

    cli_progress_decoder(&progress, dec, "verify");
    st = cli_is_stdio(path) ? verify_stdin(dec) : prts_decoder_verify_file(dec, path);
    cli_progress_end(&progress);
    if (cli_is_stdio(path))
        path = CLI_STDIN_LABEL;
    if (st != PRTS_OK) {
        cli_stream_error(path, st, prts_decoder_last_error(dec));
        cli_printf(stdout, "%s: FAILED\n", path);
        return CLI_FAIL;
    }
    text = prts_decoder_metadata_json(dec);
    meta = cli_json_parse(text);
    cli_printf(stdout, "%s: OK (%" PRId64 " bytes, grid %" PRId64 "x%" PRId64 ", sha256 %s)\n",
               path, info_value(dec, PRTS_INFO_DATA_SIZE), info_value(dec, PRTS_INFO_GRID_SIZE),
               info_value(dec, PRTS_INFO_GRID_SIZE), cli_json_str(meta, "data_hash"));
    json_decref(meta);
    prts_free(text);
    return CLI_OK;
}

int cli_verify(const struct cli_command *cmd, int argc, char **argv)
{
    const char *path, *backend = NULL, *memory = NULL;
    prts_decoder *dec;
    int64_t budget;
    int c, rc, st;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_BACKEND: backend = optarg; break;
        case OPT_MEMORY: memory = optarg; break;
        case 'h': return cli_print_help(cmd);
        default: return cli_bad_option(cmd, c, argv);
        }
    }
    if ((rc = cli_one_path(cmd, argc, argv, &path)) != CLI_OK ||
        (rc = cli_parse_memory(cmd, memory, &budget)) != CLI_OK)
        return rc;

    dec = prts_decoder_new();
    if (!dec)
        return cli_lib_error(path, PRTS_E_NOMEM, NULL);
    rc = cli_decoder_backend(cmd, dec, backend);
    if (rc == CLI_OK && budget >= 0 &&
        (st = prts_decoder_set_option(dec, PRTS_OPT_MEMORY_BUDGET, budget)) != PRTS_OK)
        rc = cli_lib_error(NULL, st, prts_decoder_last_error(dec));
    if (rc == CLI_OK)
        rc = verify_file(dec, path);
    prts_decoder_free(dec);
    return rc;
}
