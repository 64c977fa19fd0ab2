/* cli_info.c: `pixelrts info IN.rts.png [--json]`: metadata only, through
 * prts_decoder_read_info() (no pixel is decoded, so it is instant on any size);
 * `info -`: standard input through prts_decoder_open(), which reads as far as the
 * metadata (a stream has no sidecar). */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_JSON = 256 };

static const struct option longopts[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int64_t info_value(prts_decoder *dec, prts_info_key key, int64_t fallback)
{
    int64_t v;

    return prts_decoder_get_info(dec, key, &v) == PRTS_OK ? v : fallback;
}

/* Where the metadata came from, as a phrase. */
static void print_source(const char *path, int64_t source)
{
    size_t n = strlen(path);

    switch (source) {
    case PRTS_META_SIDECAR:
        cli_printf(stdout, "sidecar %s.meta.json\n", path);
        break;
    case PRTS_META_ALT_SIDECAR:
        if (cli_ends_with(path, ".png"))
            cli_printf(stdout, "sidecar %.*s.meta.json\n", (int)(n - 4), path);
        else
            printf("alternate sidecar\n");
        break;
    case PRTS_META_CHUNK:
        printf("PNG tEXt chunk\n");
        break;
    default:
        printf("unknown (%" PRId64 ")\n", source);
        break;
    }
}

/* One user key: strings as they are, anything else as compact JSON. */
static void print_user_key(const char *key, const json_t *value)
{
    const int max = 100;
    char *text;

    if (json_is_string(value)) {
        cli_printf(stdout, "  %s: %s\n", key, json_string_value(value));
        return;
    }
    text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return;
    if ((int)strlen(text) > max)
        cli_printf(stdout, "  %s: %.*s...\n", key, max, text);
    else
        cli_printf(stdout, "  %s: %s\n", key, text);
    free(text);
}

/* Code mode: the opcode categories of the payload (from its base64 copy in
 * the metadata, so still no pixel is decoded). */
static void print_wasm_histogram(prts_decoder *dec)
{
    uint64_t counts[PRTS_WASM_CATEGORY_COUNT], total = 0;
    if (prts_decoder_wasm_histogram(dec, counts) != PRTS_OK)
        return;
    for (int c = 0; c < PRTS_WASM_CATEGORY_COUNT; c++)
        total += counts[c];
    printf("opcodes:     (first byte of each 4-byte pixel group)\n");
    for (int c = 0; c < PRTS_WASM_CATEGORY_COUNT; c++)
        printf("  %-11s %10" PRIu64 "  %5.1f%%\n", prts_wasm_category_name(c), counts[c],
               total ? 100.0 * (double)counts[c] / (double)total : 0.0);
}

static void print_human(const char *path, prts_decoder *dec, const json_t *meta)
{
    int64_t grid = info_value(dec, PRTS_INFO_GRID_SIZE, cli_json_int(meta, "grid_size", 0));
    int64_t size = info_value(dec, PRTS_INFO_DATA_SIZE, 0);
    int64_t mode = info_value(dec, PRTS_INFO_MODE, PRTS_MODE_STANDARD);
    const char *format = cli_json_str(meta, "format");
    const char *encoding = cli_json_str(meta, "encoding_mode");
    const char *hash = cli_json_str(meta, "data_hash");
    const char *key;
    json_t *value;
    char h[32];
    int users = 0;

    cli_printf(stdout, "file:        %s\n", cli_is_stdio(path) ? CLI_STDIN_LABEL : path);
    cli_printf(stdout, "format:      %s (format_version %" PRId64 ")\n", format ? format : "?",
               cli_json_int(meta, "format_version", 0));
    printf("grid:        %" PRId64 " x %" PRId64 "\n", grid, grid);
    cli_printf(stdout, "mode:        %s (%s)\n", mode == PRTS_MODE_CODE ? "code" : "standard",
               encoding ? encoding : "?");
    printf("data size:   %" PRId64 " bytes (%s)\n", size, cli_human_size((uint64_t)size, h, sizeof h));
    if (info_value(dec, PRTS_INFO_COMPRESSED, 0)) {
        const char *type = cli_json_str(json_object_get(meta, "compression"), "type");
        cli_printf(stdout, "compressed:  %s, %" PRId64 " bytes in the pixels\n",
                   type ? type : "yes", info_value(dec, PRTS_INFO_ENCODED_SIZE, 0));
    }
    cli_printf(stdout, "sha256:      %s\n", hash ? hash : "(none: the file cannot be verified)");
    printf("metadata:    ");
    print_source(path, info_value(dec, PRTS_INFO_METADATA_SOURCE, PRTS_META_CHUNK));
    /* the library knows which keys are the format's */
    char *user_text = prts_decoder_user_metadata_json(dec);
    json_t *user = cli_json_parse(user_text);
    json_object_foreach(user, key, value) {
        if (!users++)
            printf("user keys:\n");
        print_user_key(key, value);
    }
    if (!users)
        printf("user keys:   (none)\n");
    json_decref(user);
    prts_free(user_text);
    if (mode == PRTS_MODE_CODE)
        print_wasm_histogram(dec);
    char *blueprint = prts_decoder_blueprint_json(dec);
    if (blueprint)
        cli_printf(stdout, "blueprint:   %s\n", blueprint);
    prts_free(blueprint);
    if (info_value(dec, PRTS_INFO_SIDECAR_MISMATCH, 0))
        printf("warning:     the sidecar and the PNG chunk disagree (shown: the PNG chunk; "
               "extract refuses the file until the sidecar is removed)\n");
}

int cli_info(const struct cli_command *cmd, int argc, char **argv)
{
    const char *path;
    prts_decoder *dec;
    char *text = NULL;
    json_t *meta = NULL;
    int c, json = 0, rc = CLI_OK, st;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON: json = 1; break;
        case 'h': return cli_print_help(cmd);
        default: return cli_bad_option(cmd, c, argv);
        }
    }
    if ((rc = cli_one_path(cmd, argc, argv, &path)) != CLI_OK)
        return rc;

    dec = prts_decoder_new();
    if (!dec)
        return cli_lib_error(path, PRTS_E_NOMEM, NULL);
    if (cli_is_stdio(path)) {
        if ((st = prts_decoder_open(dec, cli_read_file, stdin)) != PRTS_OK) {
            rc = cli_stream_error(CLI_STDIN_LABEL, st, prts_decoder_last_error(dec));
            goto out;
        }
    } else if ((st = prts_decoder_read_info(dec, path)) != PRTS_OK) {
        rc = cli_lib_error(path, st, prts_decoder_last_error(dec));
        goto out;
    }
    text = prts_decoder_metadata_json(dec);
    meta = cli_json_parse(text);
    if (!json_is_object(meta)) {
        rc = cli_lib_error(path, PRTS_E_BAD_METADATA, "metadata is not a JSON object");
        goto out;
    }
    if (json) {
        /* Same shape as the sidecar: indented by 2, ASCII. */
        char *pretty = json_dumps(meta, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        if (!pretty) {
            rc = cli_lib_error(path, PRTS_E_NOMEM, NULL);
            goto out;
        }
        puts(pretty);
        free(pretty);
        if (info_value(dec, PRTS_INFO_SIDECAR_MISMATCH, 0))
            cli_error(path, "warning: the sidecar and the PNG chunk disagree (shown: the PNG chunk; "
                      "extract refuses the file until the sidecar is removed)");
    } else {
        print_human(path, dec, meta);
    }
out:
    json_decref(meta);
    prts_free(text);
    prts_decoder_free(dec);
    return rc;
}
