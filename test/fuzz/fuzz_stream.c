/* fuzz_stream.c: push/pull round trip with random chunk and buffer sizes
 * (after zstd's tests/fuzz/stream_round_trip.c).
 *
 * The first 8 bytes choose the options and seed the sizes; the rest is the
 * payload.  It is pushed in pieces of random size (zero included), encoded
 * with random mode / payload compression / PNG level / filter / grid /
 * memory budget (a tiny budget stages through temporary files), then
 * decoded through a read callback with short reads and pulls of random
 * size (zero included), with or without hash verification.  Everything
 * must succeed and the bytes must come back exactly. */
#include "fuzz.h"

#include <pixelrts/pixelrts.h>
#include <stdlib.h>
#include <string.h>

#define PARAMS 8

static const int64_t budgets[] = {64ll << 20, 0, 1, 4096, 65536};

const char *fuzz_status_name(int status)
{
    return prts_strerror(status);
}

int fuzz_one(const uint8_t *data, size_t size)
{
    uint8_t p[PARAMS] = {0};
    memcpy(p, data, size < PARAMS ? size : PARAMS);
    const uint8_t *payload = size > PARAMS ? data + PARAMS : NULL;
    size_t len = size > PARAMS ? size - PARAMS : 0;
    fuzz_rng rng = {(uint64_t)p[2] << 8 | p[3] | (uint64_t)size << 16};
    int64_t budget = budgets[p[1] % (sizeof budgets / sizeof budgets[0])];
    size_t max_piece = 1 + (size_t)p[4] * 64;

    prts_encoder *enc = prts_encoder_new();
    FUZZ_CHECK(enc != NULL);
    FUZZ_CHECK(prts_encoder_set_option(enc, PRTS_OPT_MODE, p[0] & 1) == PRTS_OK);
    FUZZ_CHECK(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, (p[0] >> 1) % 3) ==
               PRTS_OK);
    FUZZ_CHECK(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_LEVEL, (p[0] >> 3) & 3) == PRTS_OK);
    FUZZ_CHECK(prts_encoder_set_option(enc, PRTS_OPT_PNG_LEVEL, p[5] % 10) == PRTS_OK);
    FUZZ_CHECK(prts_encoder_set_option(enc, PRTS_OPT_FILTER, (p[5] >> 4) & 1) == PRTS_OK);
    FUZZ_CHECK(prts_encoder_set_option(enc, PRTS_OPT_MEMORY_BUDGET, budget) == PRTS_OK);
    if (p[5] & 0x20) /* an explicit grid one size up from the smallest */
        FUZZ_CHECK(prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE,
                                           2 * prts_grid_size_for(len + len / 2 + 64)) == PRTS_OK);
    if (p[5] & 0x40)
        FUZZ_CHECK(prts_encoder_set_metadata_json(enc, "{\"name\":\"fuzz\",\"version\":\"1\"}") ==
                   PRTS_OK);

    /* push in random pieces, zero-length ones included */
    for (size_t at = 0; at < len;) {
        size_t n = fuzz_range(&rng, 0, max_piece);
        if (n > len - at)
            n = len - at;
        FUZZ_CHECK(prts_encoder_push(enc, n ? payload + at : NULL, n) == PRTS_OK);
        at += n;
    }
    if (fuzz_range(&rng, 0, 1))
        FUZZ_CHECK(prts_encoder_push(enc, NULL, 0) == PRTS_OK);
    fuzz_buf png = {0};
    int rc = prts_encoder_finish(enc, fuzz_buf_write, &png);
    FUZZ_CHECK(rc == PRTS_OK);
    prts_encoder_free(enc);

    /* pull it back in random pieces */
    prts_decoder *dec = prts_decoder_new();
    FUZZ_CHECK(dec != NULL);
    FUZZ_CHECK(prts_decoder_set_option(dec, PRTS_OPT_MEMORY_BUDGET, budget) == PRTS_OK);
    FUZZ_CHECK(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, p[0] >> 7) == PRTS_OK);
    fuzz_reader rd = {png.data, png.len, 0, 1 + (size_t)p[6] * 97, {(uint64_t)p[7] + 1}};
    FUZZ_CHECK(prts_decoder_open(dec, fuzz_read, &rd) == PRTS_OK);
    int64_t v;
    FUZZ_CHECK(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v) == PRTS_OK && (uint64_t)v == len);
    uint8_t *back = malloc(len + 1);
    FUZZ_CHECK(back != NULL);
    size_t have = 0, max_pull = 1 + (size_t)p[4] * 33;
    uint8_t *scratch = malloc(max_pull);
    FUZZ_CHECK(scratch != NULL);
    for (;;) {
        size_t cap = fuzz_range(&rng, 0, max_pull), got = 0;
        FUZZ_CHECK(prts_decoder_pull(dec, cap ? scratch : NULL, cap, &got) == PRTS_OK);
        FUZZ_CHECK(got <= cap && have + got <= len);
        if (got == 0 && cap > 0)
            break;
        memcpy(back + have, scratch, got);
        have += got;
    }
    FUZZ_CHECK(have == len && (len == 0 || memcmp(back, payload, len) == 0));
    prts_decoder_free(dec);
    free(scratch);
    free(back);
    fuzz_buf_free(&png);
    return rc;
}
