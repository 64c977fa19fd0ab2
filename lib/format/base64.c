/* format/base64.c: standard base64 with padding (OpenSSL's EVP coder), for the
 * code-mode copy of the payload (docs/format.md §6). */
#include <openssl/evp.h>

#include "common/alloc.h"
#include "format/base64.h"

char *prts__base64_encode(const prts_allocator *a, const uint8_t *data, uint64_t len)
{
    uint64_t n = 4 * ((len + 2) / 3);
    char *out = prts__alloc(a, n + 1);
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

int prts__base64_decode(const prts_allocator *a, const char *text, size_t len, uint8_t **out,
                        uint64_t *out_len, prts__err *e)
{
    uint8_t *buf = prts__alloc(a, len / 4 * 3 + 3);
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    if (!buf || !ctx) {
        prts__free(a, buf);
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
        prts__free(a, buf);
        return prts__fail(e, PRTS_E_BAD_METADATA, "original_data_b64 is not valid base64");
    }
    *out = buf;
    *out_len = total;
    return PRTS_OK;
}
