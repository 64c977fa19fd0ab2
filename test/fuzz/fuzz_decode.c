/* fuzz_decode.c: any bytes as a .rts.png, through the public decoder.
 *
 * The input is decoded twice: streamed (prts_decoder_open + pull, over a
 * read callback with short reads of random length, pulls of random size:
 * libspng's sequential reader) and file to file (prts_decoder_decode_file: the
 * indexed reader when the file has a usable prIX chunk).  Every reader of
 * one file must see one image, so both must agree on the status; a success
 * must deliver exactly data_size bytes, the same both ways; a failure must
 * leave no output file behind.  A success is also checked against a
 * reference (fuzz_png.c): zlib alone must inflate the IDAT stream to its
 * end with a correct Adler-32, as PNG requires (no reader may hand back
 * pixels that fail it).  A successful input is then decoded once more both
 * ways with hash verification on, which again must agree.  Limits are kept
 * small (grid 1024, metadata 1 MiB) so that one input stays cheap.
 *
 * In the libFuzzer build, fuzz_mutate_png.c keeps mutated inputs' chunk
 * CRCs and index checksums valid so that they get this far. */
#define PRTS_EXPERIMENTAL /* the experimental tier of pixelrts.h: measure, WASM histograms */
#include "fuzz.h"
#include "fuzz_png.h"

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
        (void)prts_decoder_get_info(dec, (prts_info_key)k, &v);
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
        FUZZ_CHECK(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &data_size) == PRTS_OK);
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

int fuzz_decode_stream(const uint8_t *data, size_t size, fuzz_buf *out)
{
    return stream_decode(data, size, 0, out);
}

/* File to file; on success the payload is read back into *back.  Either
 * way nothing may be left in the folder. */
static int file_decode(const char *in, int verify, fuzz_buf *back)
{
    char *out = fuzz_path("out.bin");
    prts_decoder *dec = new_decoder(verify);
    int rc = prts_decoder_decode_file(dec, in, out);
    query(dec);
    prts_decoder_free(dec);
    if (rc == PRTS_OK) {
        FILE *f = fopen(out, "rb");
        FUZZ_CHECK(f != NULL);
        uint8_t buf[4096];
        for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;)
            FUZZ_CHECK(fuzz_buf_write(back, buf, n) == 0);
        fclose(f);
        unlink(out);
    }
    FUZZ_CHECK(fuzz_tmpdir_count() == 1); /* the input alone */
    free(out);
    return rc;
}

static int same(const fuzz_buf *a, const fuzz_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

const char *fuzz_status_name(int status)
{
    return prts_strerror(status);
}

int fuzz_one(const uint8_t *data, size_t size)
{
    fuzz_buf streamed = {0}, filed = {0};
    int rc = stream_decode(data, size, 0, &streamed);

    /* the file API on the same bytes: same verdict, same payload, no debris */
    char *in = fuzz_path("in.rts.png");
    fuzz_write_file(in, data, size);
    int frc = file_decode(in, 0, &filed);
    FUZZ_CHECK(frc == rc);
    FUZZ_CHECK(rc != PRTS_OK || same(&filed, &streamed));

    if (rc == PRTS_OK) {
        /* pixels that fail the stream's own checksum are not the file's */
        FUZZ_CHECK(fuzz_png_idat_ok(data, size, FUZZ_PNG_MAX_OUT) != 0);

        /* verification: the payload checks out, or it is a clean mismatch,
         * and the file API says the same */
        fuzz_buf again = {0}, again_filed = {0};
        int vrc = stream_decode(data, size, 1, &again);
        FUZZ_CHECK(vrc == PRTS_OK || vrc == PRTS_E_HASH_MISMATCH || vrc == PRTS_E_NO_HASH);
        if (vrc == PRTS_OK)
            FUZZ_CHECK(same(&again, &streamed));
        FUZZ_CHECK(file_decode(in, 1, &again_filed) == vrc);
        FUZZ_CHECK(vrc != PRTS_OK || same(&again_filed, &streamed));
        fuzz_buf_free(&again);
        fuzz_buf_free(&again_filed);
    }
    unlink(in);
    FUZZ_CHECK(fuzz_tmpdir_count() == 0);
    fuzz_buf_free(&streamed);
    fuzz_buf_free(&filed);
    free(in);
    return rc;
}
