/* fuzz_decode.c: any bytes as a .rts.png, through the public decoder.
 *
 * The input is decoded twice: streamed (prts_decoder_open + pull, over a
 * read callback with short reads of random length, pulls of random size)
 * and file to file (prts_decode_file).  Both must agree on the status; a
 * success must deliver exactly data_size bytes, the same both ways; a
 * failure must leave no output file behind.  A successful stream is read
 * once more with hash verification on.  Limits are kept small (grid 1024,
 * metadata 1 MiB) so that one input stays cheap. */
#include "fuzz.h"

#include <pixelrts/pixelrts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static prts_decoder *new_decoder(int verify)
{
    prts_decoder *dec = prts_decoder_new();
    FUZZ_CHECK(dec != NULL);
    FUZZ_CHECK(prts_decoder_set_option(dec, PRTS_OPT_MAX_GRID_SIZE, 1024) == PRTS_OK);
    FUZZ_CHECK(prts_decoder_set_option(dec, PRTS_OPT_MAX_METADATA_SIZE, 1 << 20) == PRTS_OK);
    FUZZ_CHECK(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, verify) == PRTS_OK);
    return dec;
}

/* Everything the decoder can tell about the current file must be readable. */
static void query(prts_decoder *dec)
{
    int64_t v;
    uint64_t counts[PRTS_WASM_CATEGORY_COUNT];
    for (int k = PRTS_INFO_GRID_SIZE; k <= PRTS_INFO_METADATA_GRID_SIZE; k++)
        (void)prts_decoder_info(dec, (prts_info_key)k, &v);
    prts_free(prts_decoder_metadata_json(dec));
    prts_free(prts_decoder_blueprint_json(dec));
    (void)prts_decoder_wasm_histogram(dec, counts);
    FUZZ_CHECK(prts_decoder_last_error(dec) != NULL);
}

/* Stream decode; the payload goes to *out.  Returns the first failure. */
static int stream_decode(const uint8_t *data, size_t size, int verify, fuzz_buf *out)
{
    prts_decoder *dec = new_decoder(verify);
    fuzz_reader rd = {data, size, 0, 1 + size % 8191, {size * 31 + 7}};
    fuzz_rng pulls = {size};
    uint8_t buf[4096];
    int64_t data_size = -1;
    int rc = prts_decoder_open(dec, fuzz_read, &rd);
    if (rc == PRTS_OK) {
        FUZZ_CHECK(prts_decoder_info(dec, PRTS_INFO_DATA_SIZE, &data_size) == PRTS_OK);
        for (;;) {
            size_t got = 0, cap = fuzz_range(&pulls, 0, sizeof buf);
            rc = prts_decoder_pull(dec, cap ? buf : NULL, cap, &got);
            if (rc != PRTS_OK)
                break;
            FUZZ_CHECK(got <= cap);
            if (got == 0 && cap > 0)
                break;
            FUZZ_CHECK(fuzz_buf_write(out, buf, got) == 0);
            FUZZ_CHECK(out->len <= (uint64_t)data_size);
        }
        /* after the end: the stream stays at its end */
        if (rc == PRTS_OK) {
            size_t got = 1;
            FUZZ_CHECK(prts_decoder_pull(dec, buf, sizeof buf, &got) == PRTS_OK && got == 0);
            FUZZ_CHECK(out->len == (uint64_t)data_size);
        }
    }
    query(dec);
    if (rc != PRTS_OK) {
        size_t got;
        FUZZ_CHECK(prts_decoder_pull(dec, buf, sizeof buf, &got) == PRTS_E_BAD_STATE);
    }
    prts_decoder_free(dec);
    return rc;
}

const char *fuzz_status_name(int status)
{
    return prts_strerror(status);
}

int fuzz_one(const uint8_t *data, size_t size)
{
    fuzz_buf streamed = {0};
    int rc = stream_decode(data, size, 0, &streamed);

    /* the file API on the same bytes: same verdict, same payload, no debris */
    char *in = fuzz_path("in.rts.png"), *out = fuzz_path("out.bin");
    fuzz_write_file(in, data, size);
    prts_decoder *dec = new_decoder(0);
    int frc = prts_decode_file(dec, in, out);
    query(dec);
    prts_decoder_free(dec);
    FUZZ_CHECK(frc == rc);
    if (frc == PRTS_OK) {
        FILE *f = fopen(out, "rb");
        FUZZ_CHECK(f != NULL);
        uint8_t *back = malloc(streamed.len + 1);
        FUZZ_CHECK(back != NULL);
        size_t n = fread(back, 1, streamed.len + 1, f);
        fclose(f);
        FUZZ_CHECK(n == streamed.len && (n == 0 || memcmp(back, streamed.data, n) == 0));
        free(back);
        unlink(out);
    }
    unlink(in);
    FUZZ_CHECK(fuzz_tmpdir_count() == 0);

    /* verification: the payload checks out, or it is a clean mismatch */
    if (rc == PRTS_OK) {
        fuzz_buf again = {0};
        int vrc = stream_decode(data, size, 1, &again);
        FUZZ_CHECK(vrc == PRTS_OK || vrc == PRTS_E_HASH_MISMATCH || vrc == PRTS_E_NO_HASH);
        if (vrc == PRTS_OK)
            FUZZ_CHECK(again.len == streamed.len &&
                       (again.len == 0 || memcmp(again.data, streamed.data, again.len) == 0));
        fuzz_buf_free(&again);
    }
    fuzz_buf_free(&streamed);
    free(in);
    free(out);
    return rc;
}
