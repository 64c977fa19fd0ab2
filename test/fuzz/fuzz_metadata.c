/* fuzz_metadata.c: any bytes as PixelRTS metadata JSON, both ways in.
 *
 * 1. As the text of a `PixelRTS` chunk and of a `PixelRTS-Blueprint` chunk,
 *    through the library's internal parser and interpreter (linked from the
 *    static library).
 * 2. As the sidecar (X.meta.json and X.blueprint.json) of two valid
 *    .rts.png, grids 4 and 16, through prts_decoder_read_info() and
 *    prts_decoder_decode_file(): the carriers have no metadata chunk (a chunk would
 *    have the last word on every key it holds), so the sidecar's claims
 *    (data_size, compression, code mode, hashes) meet real pixels, and a
 *    small claim fits one grid or the other (the decoder refuses an image
 *    larger than the metadata accounts for).  The hash is checked where the
 *    sidecar has one (PRTS_VERIFY_IF_PRESENT).
 * For each carrier the status is the first failure of read_info, else
 * decode_file's; fuzz_one returns both, as 100 * -grid4 + -grid16.  A
 * failure must leave no output file; a success must deliver data_size
 * bytes. */
#define PRTS_EXPERIMENTAL /* the experimental tier of pixelrts.h: measure, WASM histograms */
#include "fuzz.h"

#include <pixelrts/pixelrts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/metadata.h"

typedef struct carrier {
    char *png, *meta, *blueprint;
} carrier;

static carrier carriers[2];
static char *out_path;

/* A carrier: n bytes encoded once per process (grid 4 for 60, 16 for 700). */
static void make_carrier(carrier *c, size_t n)
{
    uint8_t payload[700];
    char name[64];
    fuzz_buf png = {0};
    for (size_t i = 0; i < n; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    prts_encoder *enc = prts_encoder_new();
    FUZZ_CHECK(enc != NULL);
    void *bytes = NULL;
    FUZZ_CHECK(prts_encoder_encode(enc, payload, n, &bytes, &png.len) == PRTS_OK);
    png.data = bytes; /* from malloc: fuzz_buf_free releases it */
    png.cap = png.len;
    prts_encoder_free(enc);
    /* drop the metadata chunk (the first tEXt; the index then no longer matches the
     * chunks, and is not used) */
    size_t at = 8;
    while (at + 12 <= png.len && memcmp(png.data + at + 4, "tEXt", 4) != 0)
        at += 12 + ((size_t)png.data[at] << 24 | (size_t)png.data[at + 1] << 16 |
                    (size_t)png.data[at + 2] << 8 | png.data[at + 3]);
    FUZZ_CHECK(at + 12 <= png.len);
    size_t chunk = 12 + ((size_t)png.data[at] << 24 | (size_t)png.data[at + 1] << 16 |
                         (size_t)png.data[at + 2] << 8 | png.data[at + 3]);
    memmove(png.data + at, png.data + at + chunk, png.len - at - chunk);
    png.len -= chunk;
    snprintf(name, sizeof name, "carrier%zu.rts.png", n);
    c->png = fuzz_path(name);
    snprintf(name, sizeof name, "carrier%zu.rts.png.meta.json", n);
    c->meta = fuzz_path(name);
    snprintf(name, sizeof name, "carrier%zu.rts.png.blueprint.json", n);
    c->blueprint = fuzz_path(name);
    fuzz_write_file(c->png, png.data, png.len);
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
    static char text[160];
    snprintf(text, sizeof text, "grid 4: %s; grid 16: %s", prts_strerror(-(status / 100)),
             prts_strerror(-(status % 100)));
    return text;
}

/* The sidecar `data` beside carrier `c`: read_info, then decode_file. */
static int through_sidecar(const carrier *c, const uint8_t *data, size_t size)
{
    fuzz_write_file(c->meta, data, size);
    fuzz_write_file(c->blueprint, data, size);
    prts_decoder *dec = prts_decoder_new();
    FUZZ_CHECK(dec != NULL);
    FUZZ_CHECK(prts_decoder_set_option(dec, PRTS_OPT_MAX_METADATA_SIZE, 1 << 20) == PRTS_OK);
    FUZZ_CHECK(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_IF_PRESENT) ==
               PRTS_OK);
    int rc = prts_decoder_read_info(dec, c->png);
    if (rc == PRTS_OK) {
        int64_t v, data_size = -1;
        uint64_t counts[PRTS_WASM_CATEGORY_COUNT];
        for (int k = PRTS_INFO_GRID_SIZE; k <= PRTS_INFO_METADATA_GRID_SIZE; k++)
            FUZZ_CHECK(prts_decoder_get_info(dec, (prts_info_key)k, &v) == PRTS_OK);
        FUZZ_CHECK(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &data_size) == PRTS_OK);
        prts_free(prts_decoder_metadata_json(dec));
        prts_free(prts_decoder_blueprint_json(dec));
        (void)prts_decoder_wasm_histogram(dec, counts);

        rc = prts_decoder_decode_file(dec, c->png, out_path);
        struct stat st;
        int exists = stat(out_path, &st) == 0;
        FUZZ_CHECK(exists == (rc == PRTS_OK));
        if (exists) {
            FUZZ_CHECK((uint64_t)st.st_size == (uint64_t)data_size);
            unlink(out_path);
        }
    }
    prts_decoder_free(dec);
    unlink(c->meta);
    unlink(c->blueprint);
    FUZZ_CHECK(fuzz_tmpdir_count() == 2); /* the carriers alone */
    return rc;
}

int fuzz_one(const uint8_t *data, size_t size)
{
    if (!out_path) {
        make_carrier(&carriers[0], 60);
        make_carrier(&carriers[1], 700);
        out_path = fuzz_path("out.bin");
    }
    parse_chunks(data, size);
    int small = through_sidecar(&carriers[0], data, size);
    int big = through_sidecar(&carriers[1], data, size);
    return -small * 100 + -big;
}
