/* format/payload.c: zlib payload inflation, base64 (OpenSSL), WASM colouring tables. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/alloc.h"
#include "format/payload.h"

#ifdef PRTS_HAVE_ZSTD
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem, stable since zstd 1.3 */
#include <zstd.h>
#include <zstd_errors.h>
#endif

#define INFLATE_CHUNK (1u << 20)
#define ZLIB_MAX_IN (1u << 30) /* zlib counts in 32-bit uInt */

/* Give zlib the next piece of input once it has used the last one. */
static void feed(z_stream *zs, const uint8_t **in, uint64_t *n)
{
    if (zs->avail_in == 0 && *n > 0) {
        zs->next_in = (uint8_t *)*in;
        zs->avail_in = *n > ZLIB_MAX_IN ? ZLIB_MAX_IN : (uInt)*n;
        *in += zs->avail_in;
        *n -= zs->avail_in;
    }
}

static int inflate_zlib(const prts_allocator *a, const uint8_t *in, uint64_t n, uint64_t expect,
                        prts__emit_fn emit, void *user, prts__err *e)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = prts__zalloc;
    zs.zfree = prts__zfree;
    zs.opaque = (void *)a;
    if (inflateInit(&zs) != Z_OK)
        return prts__fail(e, PRTS_E_NOMEM, "cannot initialise zlib");
    uint8_t *out = prts__alloc(a, INFLATE_CHUNK);
    if (!out) {
        inflateEnd(&zs);
        return prts__fail(e, PRTS_E_NOMEM, "out of memory");
    }
    uint64_t total = 0;
    int zrc = Z_OK, rc = PRTS_OK;
    while (zrc != Z_STREAM_END) {
        feed(&zs, &in, &n);
        zs.next_out = out;
        zs.avail_out = INFLATE_CHUNK;
        zrc = inflate(&zs, Z_NO_FLUSH);
        if (zrc == Z_MEM_ERROR) { /* the window is allocated at the first inflate() */
            rc = prts__fail(e, PRTS_E_NOMEM, "zlib: out of memory inflating the payload");
            break;
        }
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
    prts__free(a, out);
    inflateEnd(&zs);
    return rc;
}

static int size_mismatch(uint64_t total, uint64_t expect, prts__err *e)
{
    return prts__fail(e, PRTS_E_DECOMPRESS,
                      "compressed payload inflates to %s%llu bytes, metadata says %llu",
                      total > expect ? "more than " : "", (unsigned long long)total,
                      (unsigned long long)expect);
}

static int is_zstd(const uint8_t *in, uint64_t n)
{
    return n >= 4 && in[0] == 0x28 && in[1] == 0xB5 && in[2] == 0x2F && in[3] == 0xFD;
}

#ifdef PRTS_HAVE_ZSTD
static ZSTD_customMem zstd_mem(const prts_allocator *a)
{
    prts_allocator r = prts__alloc_resolve(a);
    return (ZSTD_customMem){r.alloc, r.free, r.opaque};
}

static int inflate_zstd(const prts_allocator *a, const uint8_t *in, uint64_t n, uint64_t expect,
                        prts__emit_fn emit, void *user, prts__err *e)
{
    ZSTD_DCtx *z = ZSTD_createDCtx_advanced(zstd_mem(a));
    uint8_t *out = prts__alloc(a, INFLATE_CHUNK);
    int rc = PRTS_OK;
    if (!z || !out) {
        rc = prts__fail(e, PRTS_E_NOMEM, "cannot create a zstd decoder");
        goto done;
    }
    /* a frame may claim any window; refuse ones larger than 128 MiB */
    ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 27);
    ZSTD_inBuffer src = {in, (size_t)n, 0};
    uint64_t total = 0;
    size_t left = 1;
    while (rc == PRTS_OK && left != 0) {
        ZSTD_outBuffer dst = {out, INFLATE_CHUNK, 0};
        left = ZSTD_decompressStream(z, &dst, &src);
        if (ZSTD_isError(left) && ZSTD_getErrorCode(left) == ZSTD_error_memory_allocation) {
            rc = prts__fail(e, PRTS_E_NOMEM, "zstd: out of memory decompressing the payload");
            break;
        }
        if (ZSTD_isError(left)) {
            rc = prts__fail(e, PRTS_E_DECOMPRESS, "compressed payload is corrupt: zstd: %s",
                            ZSTD_getErrorName(left));
            break;
        }
        total += dst.pos;
        if (total > expect)
            rc = size_mismatch(total, expect, e);
        else if (dst.pos)
            rc = emit(user, out, dst.pos);
        if (rc == PRTS_OK && left != 0 && src.pos == src.size && dst.pos < dst.size)
            rc = prts__fail(e, PRTS_E_DECOMPRESS, "compressed payload ends inside its zstd frame");
    }
    if (rc == PRTS_OK && total != expect)
        rc = size_mismatch(total, expect, e);
done:
    prts__free(a, out);
    ZSTD_freeDCtx(z);
    return rc;
}
#endif

int prts__decompress(const prts_allocator *a, const uint8_t *in, uint64_t n, uint64_t expect,
                     prts__emit_fn emit, void *user, prts__err *e)
{
    if (!is_zstd(in, n))
        return inflate_zlib(a, in, n, expect, emit, user, e);
#ifdef PRTS_HAVE_ZSTD
    return inflate_zstd(a, in, n, expect, emit, user, e);
#else
    return prts__fail(e, PRTS_E_UNSUPPORTED,
                      "the payload is zstd-compressed and this libpixelrts was built without libzstd");
#endif
}

const char *prts__compress_label(int type)
{
    return type == PRTS_COMPRESS_ZSTD ? "zstd" : "zlib";
}

int prts__compress_level(int type, int level)
{
    if (level > 0)
        return level;
    return type == PRTS_COMPRESS_ZSTD ? 3 : 6;
}

struct prts__compressor {
    int type;
    z_stream zs;
#ifdef PRTS_HAVE_ZSTD
    ZSTD_CCtx *zstd;
#endif
    uint8_t *out;
    prts__emit_fn emit;
    void *user;
    const prts_allocator *alloc;
};

int prts__compressor_new(prts__compressor **out, const prts_allocator *a, int type, int level,
                         uint64_t total, prts__emit_fn emit, void *user, prts__err *e)
{
    level = prts__compress_level(type, level);
    if (type == PRTS_COMPRESS_ZLIB && level > 9)
        return prts__fail(e, PRTS_E_INVALID_ARG, "zlib levels are 1..9, got %d", level);
#ifndef PRTS_HAVE_ZSTD
    if (type == PRTS_COMPRESS_ZSTD)
        return prts__fail(e, PRTS_E_UNSUPPORTED, "this libpixelrts was built without libzstd");
#endif
    prts__compressor *c = prts__calloc(a, 1, sizeof *c);
    if (!c || !(c->out = prts__alloc(a, INFLATE_CHUNK))) {
        prts__free(a, c);
        return prts__fail(e, PRTS_E_NOMEM, "cannot create a compressor");
    }
    c->type = type;
    c->alloc = a;
    c->zs.zalloc = prts__zalloc;
    c->zs.zfree = prts__zfree;
    c->zs.opaque = (void *)a;
    c->emit = emit;
    c->user = user;
    int ok;
#ifdef PRTS_HAVE_ZSTD
    if (type == PRTS_COMPRESS_ZSTD) {
        ok = (c->zstd = ZSTD_createCCtx_advanced(zstd_mem(a))) != NULL;
        if (ok) {
            ZSTD_CCtx_setParameter(c->zstd, ZSTD_c_compressionLevel, level);
            ZSTD_CCtx_setPledgedSrcSize(c->zstd, total); /* the frame records the size */
        }
    } else
#endif
    {
        (void)total;
        ok = deflateInit(&c->zs, level) == Z_OK;
        if (!ok)
            c->type = PRTS_COMPRESS_NONE; /* nothing for free() to end */
    }
    if (!ok) {
        prts__compressor_free(c);
        return prts__fail(e, PRTS_E_NOMEM, "cannot initialise %s", prts__compress_label(type));
    }
    *out = c;
    return PRTS_OK;
}

int prts__compressor_write(prts__compressor *c, const uint8_t *in, size_t n, int last,
                           prts__err *e)
{
    int rc = PRTS_OK;
#ifdef PRTS_HAVE_ZSTD
    if (c->type == PRTS_COMPRESS_ZSTD) {
        ZSTD_inBuffer src = {in, n, 0};
        size_t left = 1;
        while (rc == PRTS_OK && (last ? left != 0 : src.pos < src.size)) {
            ZSTD_outBuffer dst = {c->out, INFLATE_CHUNK, 0};
            left = ZSTD_compressStream2(c->zstd, &dst, &src, last ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(left)) /* its tables are allocated at the first call */
                rc = prts__fail(e, PRTS_E_NOMEM, "zstd: %s", ZSTD_getErrorName(left));
            else if (dst.pos)
                rc = c->emit(c->user, c->out, dst.pos);
        }
        return rc;
    }
#endif
    c->zs.next_in = (uint8_t *)in;
    c->zs.avail_in = (uInt)n; /* callers pass at most PRTS__RELEASE_EVERY bytes */
    int zrc = Z_OK;
    while (rc == PRTS_OK && (last ? zrc != Z_STREAM_END : c->zs.avail_in > 0)) {
        c->zs.next_out = c->out;
        c->zs.avail_out = INFLATE_CHUNK;
        zrc = deflate(&c->zs, last ? Z_FINISH : Z_NO_FLUSH);
        if (zrc == Z_STREAM_ERROR)
            rc = prts__fail(e, PRTS_E_NOMEM, "zlib deflate failed");
        else if (INFLATE_CHUNK - c->zs.avail_out)
            rc = c->emit(c->user, c->out, INFLATE_CHUNK - c->zs.avail_out);
    }
    return rc;
}

void prts__compressor_free(prts__compressor *c)
{
    if (!c)
        return;
#ifdef PRTS_HAVE_ZSTD
    ZSTD_freeCCtx(c->zstd);
#endif
    if (c->type == PRTS_COMPRESS_ZLIB)
        deflateEnd(&c->zs);
    prts__free(c->alloc, c->out);
    prts__free(c->alloc, c);
}

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

int prts__is_wasm(const uint8_t *data, uint64_t len)
{
    return len >= 4 && memcmp(data, "\0asm", 4) == 0;
}

static int in(int b, int lo, int hi)
{
    return b >= lo && b <= hi;
}

/* The opcode category of a byte (format.md §6; "variable" is the
 * local/global get/set range that the colouring weighs as memory). */
static int category(int b)
{
    if (in(b, 0x00, 0x05) || in(b, 0x0B, 0x11))
        return PRTS_WASM_CONTROL;
    if (in(b, 0x45, 0x66) || in(b, 0x6A, 0x78) || in(b, 0x7C, 0x8A) || in(b, 0x92, 0x97) ||
        in(b, 0xA0, 0xA5))
        return PRTS_WASM_ARITHMETIC;
    if (in(b, 0x20, 0x24))
        return PRTS_WASM_VARIABLE;
    if (in(b, 0x28, 0x40))
        return PRTS_WASM_MEMORY;
    if (b == 0x0A || b == 0x1B || b == 0x1C)
        return PRTS_WASM_PARAMETRIC;
    if (in(b, 0x41, 0x44))
        return PRTS_WASM_CONST;
    return PRTS_WASM_OTHER;
}

void prts__code_tables(uint8_t red[256], uint8_t alpha[256])
{
    for (int b = 0; b < 256; b++) {
        int c = category(b), w = 0;
        if (b == 0x00) w = 255;
        else if (in(b, 0x02, 0x04)) w = 200;
        else if (b == 0x0C || b == 0x0D || b == 0x0F || b == 0x10) w = 150;
        else if (b == 0x01) w = 0;
        else if (b == 0x05 || b == 0x0B || b == 0x0E || b == 0x11) w = 100;
        else if (c == PRTS_WASM_ARITHMETIC) w = 80;
        else if (c == PRTS_WASM_MEMORY || c == PRTS_WASM_VARIABLE) w = 50;
        else if (c == PRTS_WASM_CONST) w = 30;
        red[b] = (uint8_t)w;
        alpha[b] = c != PRTS_WASM_OTHER ? 255 : 0;
    }
}

int prts_wasm_histogram(const void *data, size_t len, uint64_t counts[PRTS_WASM_CATEGORY_COUNT])
{
    if ((!data && len) || !counts)
        return PRTS_E_INVALID_ARG;
    uint64_t by_byte[256] = {0};
    const uint8_t *p = data;
    for (size_t at = 0; at < len; at += 4)
        by_byte[p[at]]++;
    for (int c = 0; c < PRTS_WASM_CATEGORY_COUNT; c++)
        counts[c] = 0;
    for (int b = 0; b < 256; b++)
        counts[category(b)] += by_byte[b];
    return PRTS_OK;
}

const char *prts_wasm_category_name(int c)
{
    static const char *const names[PRTS_WASM_CATEGORY_COUNT] = {
        "control", "arithmetic", "memory", "parametric", "variable", "const", "other",
    };
    return c >= 0 && c < PRTS_WASM_CATEGORY_COUNT ? names[c] : NULL;
}
