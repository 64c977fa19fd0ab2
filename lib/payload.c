/* payload.c: zlib payload inflation, base64 (OpenSSL), WASM colouring tables. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "payload.h"

#define INFLATE_CHUNK (1u << 20)

int prts__inflate(const uint8_t *in, uint64_t n, uint64_t expect, prts__emit_fn emit,
                  void *user, prts__err *e)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK)
        return prts__fail(e, PRTS_E_NOMEM, "cannot initialise zlib");
    uint8_t *out = malloc(INFLATE_CHUNK);
    if (!out) {
        inflateEnd(&zs);
        return prts__fail(e, PRTS_E_NOMEM, "out of memory");
    }
    uint64_t total = 0;
    int zrc = Z_OK, rc = PRTS_OK;
    while (zrc != Z_STREAM_END) {
        if (zs.avail_in == 0 && n > 0) {
            zs.next_in = (uint8_t *)in;
            zs.avail_in = n > (1u << 30) ? (1u << 30) : (uInt)n;
            in += zs.avail_in;
            n -= zs.avail_in;
        }
        zs.next_out = out;
        zs.avail_out = INFLATE_CHUNK;
        zrc = inflate(&zs, Z_NO_FLUSH);
        if (zrc != Z_OK && zrc != Z_STREAM_END) {
            rc = prts__fail(e, PRTS_E_DECOMPRESS, "compressed payload is corrupt: %s",
                            zs.msg ? zs.msg : (zrc == Z_BUF_ERROR ? "stream ends early" : "zlib error"));
            break;
        }
        size_t got = INFLATE_CHUNK - zs.avail_out;
        total += got;
        if (total > expect) {
            rc = prts__fail(e, PRTS_E_DECOMPRESS,
                            "compressed payload inflates past its recorded size of %llu bytes",
                            (unsigned long long)expect);
            break;
        }
        if (got && (rc = emit(user, out, got)) != 0)
            break;
    }
    if (rc == PRTS_OK && total != expect)
        rc = prts__fail(e, PRTS_E_DECOMPRESS,
                        "compressed payload inflates to %llu bytes, metadata says %llu",
                        (unsigned long long)total, (unsigned long long)expect);
    free(out);
    inflateEnd(&zs);
    return rc;
}

char *prts__base64_encode(const uint8_t *data, uint64_t len)
{
    uint64_t n = 4 * ((len + 2) / 3);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    /* EVP_EncodeBlock takes an int length: feed it in multiples of 3 bytes */
    const uint64_t step = 3u << 20;
    char *p = out;
    for (uint64_t at = 0; at < len; at += step) {
        uint64_t take = len - at < step ? len - at : step;
        p += EVP_EncodeBlock((unsigned char *)p, data + at, (int)take);
    }
    *p = '\0';
    return out;
}

int prts__base64_decode(const char *text, size_t len, uint8_t **out, uint64_t *out_len,
                        prts__err *e)
{
    uint8_t *buf = malloc(len / 4 * 3 + 3);
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    if (!buf || !ctx) {
        free(buf);
        EVP_ENCODE_CTX_free(ctx);
        return prts__fail(e, PRTS_E_NOMEM, "out of memory decoding original_data_b64");
    }
    EVP_DecodeInit(ctx);
    uint64_t total = 0;
    int ok = 1, n = 0;
    const size_t step = 1u << 24;
    for (size_t at = 0; ok && at < len; at += step) {
        size_t take = len - at < step ? len - at : step;
        ok = EVP_DecodeUpdate(ctx, buf + total, &n, (const unsigned char *)text + at, (int)take) >= 0;
        total += (uint64_t)n;
    }
    if (ok) {
        ok = EVP_DecodeFinal(ctx, buf + total, &n) == 1;
        total += (uint64_t)n;
    }
    EVP_ENCODE_CTX_free(ctx);
    if (!ok) {
        free(buf);
        return prts__fail(e, PRTS_E_BAD_METADATA, "original_data_b64 is not valid base64");
    }
    *out = buf;
    *out_len = total;
    return PRTS_OK;
}

int prts__is_wasm(const uint8_t *data, uint64_t len)
{
    return len >= 4 && memcmp(data, "\0asm", 4) == 0;
}

static int in(int b, int lo, int hi)
{
    return b >= lo && b <= hi;
}

void prts__code_tables(uint8_t red[256], uint8_t alpha[256])
{
    for (int b = 0; b < 256; b++) {
        int control = in(b, 0x00, 0x05) || in(b, 0x0B, 0x11);
        int arith = in(b, 0x45, 0x66) || in(b, 0x6A, 0x78) || in(b, 0x7C, 0x8A) ||
                    in(b, 0x92, 0x97) || in(b, 0xA0, 0xA5);
        int memory = in(b, 0x20, 0x24) || in(b, 0x28, 0x40);
        int parametric = b == 0x0A || b == 0x1B || b == 0x1C;
        int constant = in(b, 0x41, 0x44);
        int w = 0;
        if (b == 0x00) w = 255;
        else if (in(b, 0x02, 0x04)) w = 200;
        else if (b == 0x0C || b == 0x0D || b == 0x0F || b == 0x10) w = 150;
        else if (b == 0x01) w = 0;
        else if (b == 0x05 || b == 0x0B || b == 0x0E || b == 0x11) w = 100;
        else if (arith) w = 80;
        else if (memory) w = 50;
        else if (constant) w = 30;
        red[b] = (uint8_t)w;
        alpha[b] = control || arith || memory || parametric || constant ? 255 : 0;
    }
}
