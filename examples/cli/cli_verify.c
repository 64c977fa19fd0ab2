/* cli_verify.c: `pixelrts verify IN.rts.png`: the library checks the file as a
 * decode would (structure, checksums, grid and sizes, sidecar agreement,
 * SHA-256) without writing the payload anywhere. */
#include "cli.h"

#include <inttypes.h>

enum { OPT_BACKEND = 256 };

static const struct option longopts[] = {
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int64_t info_value(prts_decoder *dec, prts_info_key key)
{
    int64_t v;

    return prts_decoder_get_info(dec, key, &v) == PRTS_OK ? v : -1;
}

/* Everything a decode checks, nothing written (prts_decoder_verify_file). */
static int verify_file(prts_decoder *dec, const char *path)
{
    struct cli_progress progress;
    char *text;
    json_t *meta;
    int st;

    cli_progress_decoder(&progress, dec, "verify");
    st = prts_decoder_verify_file(dec, path);
    cli_progress_end(&progress);
    if (st != PRTS_OK) {
        cli_lib_error(path, st, prts_decoder_last_error(dec));
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
