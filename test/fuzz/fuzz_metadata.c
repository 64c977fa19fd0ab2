/* fuzz_metadata.c: any bytes as PixelRTS metadata JSON, both ways in.
 *
 * 1. As the text of a `PixelRTS` chunk and of a `PixelRTS-Blueprint` chunk,
 *    through the library's internal parser and interpreter (linked from the
 *    static library).
 * 2. As the sidecar of a valid 16x16 .rts.png (X.meta.json and
 *    X.blueprint.json), through prts_read_info() and prts_decode_file():
 *    the sidecar is preferred to the chunk, so its claims (data_size,
 *    compression, code mode, hashes) meet real pixels.
 * The status is the first failure of read_info, else decode_file's.  A
 * failure must leave no output file; a success must deliver data_size
 * bytes. */
#include "fuzz.h"

#include <pixelrts/pixelrts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metadata.h"

static char *png_path, *meta_path, *blueprint_path, *out_path;

/* The carrier: 700 bytes (a 16x16 grid) encoded once per process. */
static void make_carrier(void)
{
    uint8_t payload[700];
    fuzz_buf png = {0};
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    prts_encoder *enc = prts_encoder_new();
    FUZZ_CHECK(enc != NULL);
    FUZZ_CHECK(prts_encoder_push(enc, payload, sizeof payload) == PRTS_OK);
    FUZZ_CHECK(prts_encoder_finish(enc, fuzz_buf_write, &png) == PRTS_OK);
    prts_encoder_free(enc);
    png_path = fuzz_path("carrier.rts.png");
    meta_path = fuzz_path("carrier.rts.png.meta.json");
    blueprint_path = fuzz_path("carrier.rts.png.blueprint.json");
    out_path = fuzz_path("out.bin");
    fuzz_write_file(png_path, png.data, png.len);
    fuzz_buf_free(&png);
}

/* The chunk parsers, on "MAGIC" + data. */
static void parse_chunks(const uint8_t *data, size_t size)
{
    static const char *const magics[] = {PRTS__MAGIC, PRTS__BLUEPRINT_MAGIC};
    for (int i = 0; i < 2; i++) {
        size_t m = strlen(magics[i]);
        char *text = malloc(m + size + 1);
        FUZZ_CHECK(text != NULL);
        memcpy(text, magics[i], m);
        if (size)
            memcpy(text + m, data, size);
        text[m + size] = '\0';
        json_t *obj = NULL;
        prts__err e = {0, ""};
        int rc;
        if (i == 0) {
            (void)prts__meta_is_chunk_text(text, m + size);
            rc = prts__meta_parse_chunk(text, m + size, &obj, &e);
            if (rc == PRTS_OK) {
                prts__meta meta;
                (void)prts__meta_interpret(obj, &meta, &e);
                prts__meta_clear(&meta);
            }
        } else {
            (void)prts__blueprint_is_chunk_text(text, m + size);
            rc = prts__blueprint_parse_chunk(text, m + size, &obj, &e);
        }
        FUZZ_CHECK((rc == PRTS_OK) == (obj != NULL));
        FUZZ_CHECK(rc == PRTS_OK || e.msg[0] != '\0');
        json_decref(obj);
        free(text);
    }
}

const char *fuzz_status_name(int status)
{
    return prts_strerror(status);
}

int fuzz_one(const uint8_t *data, size_t size)
{
    if (!png_path)
        make_carrier();
    parse_chunks(data, size);

    fuzz_write_file(meta_path, data, size);
    fuzz_write_file(blueprint_path, data, size);
    prts_decoder *dec = prts_decoder_new();
    FUZZ_CHECK(dec != NULL);
    FUZZ_CHECK(prts_decoder_set_option(dec, PRTS_OPT_MAX_METADATA_SIZE, 1 << 20) == PRTS_OK);
    int rc = prts_read_info(dec, png_path);
    if (rc == PRTS_OK) {
        int64_t v, data_size = -1;
        uint64_t counts[PRTS_WASM_CATEGORY_COUNT];
        for (int k = PRTS_INFO_GRID_SIZE; k <= PRTS_INFO_METADATA_GRID_SIZE; k++)
            FUZZ_CHECK(prts_decoder_info(dec, (prts_info_key)k, &v) == PRTS_OK);
        FUZZ_CHECK(prts_decoder_info(dec, PRTS_INFO_DATA_SIZE, &data_size) == PRTS_OK);
        prts_free(prts_decoder_metadata_json(dec));
        prts_free(prts_decoder_blueprint_json(dec));
        (void)prts_decoder_wasm_histogram(dec, counts);

        rc = prts_decode_file(dec, png_path, out_path);
        struct stat st;
        int exists = stat(out_path, &st) == 0;
        FUZZ_CHECK(exists == (rc == PRTS_OK));
        if (exists) {
            FUZZ_CHECK((uint64_t)st.st_size == (uint64_t)data_size);
            unlink(out_path);
        }
    }
    prts_decoder_free(dec);
    unlink(meta_path);
    unlink(blueprint_path);
    FUZZ_CHECK(fuzz_tmpdir_count() == 1); /* the carrier alone */
    return rc;
}
