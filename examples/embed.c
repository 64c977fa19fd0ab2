/* embed.c: libpixelrts streaming API in one page.
 *
 * Encodes a generated payload with push/finish, writing the PNG through a
 * callback into a FILE*, then decodes it with open/pull, reading through a
 * callback, and compares the bytes.  Exits 0 when they match.
 *
 * Build against an installed library:
 *     cc embed.c $(pkg-config --cflags --libs pixelrts) -o embed
 * Usage: embed [OUT.rts.png]   (default: an anonymous temporary file) */
#include <pixelrts/pixelrts.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAYLOAD_SIZE 100000

static int write_cb(void *user, const void *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)user) == len ? 0 : -1;
}

static ptrdiff_t read_cb(void *user, void *buf, size_t cap)
{
    FILE *f = user;
    size_t n = fread(buf, 1, cap, f);

    return (n == 0 && ferror(f)) ? -1 : (ptrdiff_t)n;
}

static int fail(const char *what, int status, const char *detail)
{
    fprintf(stderr, "embed: %s: %s (%s)\n", what, detail && *detail ? detail : "",
            prts_strerror(status));
    return 1;
}

/* Push the payload in odd-sized chunks, then write the PNG to `png`. */
static int encode(const unsigned char *data, size_t size, FILE *png)
{
    prts_encoder *enc = prts_encoder_new();
    int st = enc ? PRTS_OK : PRTS_E_NOMEM;

    if (st == PRTS_OK)
        st = prts_encoder_set_metadata_json(enc, "{\"type\":\"example\",\"name\":\"embed\"}");
    for (size_t off = 0; st == PRTS_OK && off < size; off += 7777) {
        size_t n = size - off < 7777 ? size - off : 7777;
        st = prts_encoder_push(enc, data + off, n);
    }
    if (st == PRTS_OK)
        st = prts_encoder_finish(enc, write_cb, png);
    if (st != PRTS_OK) {
        fail("encode", st, enc ? prts_encoder_last_error(enc) : NULL);
        prts_encoder_free(enc);
        return -1;
    }
    prts_encoder_free(enc);
    return 0;
}

/* Read the PNG back from `png`, checking the SHA-256, and compare. */
static int decode_and_compare(FILE *png, const unsigned char *want, size_t size)
{
    prts_decoder *dec = prts_decoder_new();
    unsigned char buf[4096];
    size_t got, total = 0;
    int st = dec ? PRTS_OK : PRTS_E_NOMEM;

    if (st == PRTS_OK)
        st = prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_REQUIRED);
    if (st == PRTS_OK)
        st = prts_decoder_open(dec, read_cb, png);
    /* End of stream: PRTS_OK with got == 0 (a short pull is not the end). */
    while (st == PRTS_OK && (st = prts_decoder_pull(dec, buf, sizeof buf, &got)) == PRTS_OK &&
           got > 0) {
        if (total + got > size || memcmp(buf, want + total, got) != 0) {
            fprintf(stderr, "embed: decoded bytes differ near offset %zu\n", total);
            prts_decoder_free(dec);
            return -1;
        }
        total += got;
    }
    if (st != PRTS_OK) {
        fail("decode", st, dec ? prts_decoder_last_error(dec) : NULL);
        prts_decoder_free(dec);
        return -1;
    }
    prts_decoder_free(dec);
    if (total != size) {
        fprintf(stderr, "embed: decoded %zu bytes, expected %zu\n", total, size);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned char *data = malloc(PAYLOAD_SIZE);
    FILE *png = argc > 1 ? fopen(argv[1], "w+b") : tmpfile();
    uint32_t x = 12345;
    int rc = 1;

    if (!data || !png) {
        perror("embed");
        return 1;
    }
    for (size_t i = 0; i < PAYLOAD_SIZE; i++) { /* xorshift32: reproducible bytes */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (unsigned char)x;
    }
    if (encode(data, PAYLOAD_SIZE, png) == 0 && fflush(png) == 0) {
        rewind(png);
        if (decode_and_compare(png, data, PAYLOAD_SIZE) == 0) {
            printf("embed: %d bytes round-tripped through a PNG with libpixelrts %s\n",
                   PAYLOAD_SIZE, prts_version_string());
            rc = 0;
        }
    }
    fclose(png);
    free(data);
    return rc;
}
