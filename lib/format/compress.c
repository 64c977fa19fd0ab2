/* format/compress.c: payload compression (docs/format.md §7): the streaming zlib / zstd
 * compressor and the bounded decompressor. */
#include <string.h>
#include <zlib.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "format/compress.h"

#ifdef PRTS_HAVE_ZSTD
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem, stable since zstd 1.3 */
#include <zstd.h>
#include <zstd_errors.h>
#endif

#ifdef PRTS_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#define INFLATE_CHUNK (1u << 20)
/* Built with libdeflate, a zlib payload up to this size, and whose copy and
 * output fit the memory the caller allows, is compressed by libdeflate in
 * one call (the slices gathered first: libdeflate does not stream): 3-4x
 * zlib's speed at its level 6, and a little smaller.  Bigger ones stream
 * through zlib in bounded memory. */
#define LIBDEFLATE_MAX ((uint64_t)256 << 20)
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

/* A mapped input (a stage that spilled to a file): its pages before `done`
 * given back every PRTS__RELEASE_EVERY bytes, or decompressing a big payload
 * would map all of it (a 256 MiB one took 263 MiB of RSS). */
static void release_behind(const uint8_t *start, uint64_t done, uint64_t *released, int mapped)
{
    if (mapped && done - *released >= PRTS__RELEASE_EVERY) {
        prts__release_pages(start + *released, done - *released);
        *released = done;
    }
}

static int inflate_zlib(const prts_allocator *a, const uint8_t *in, uint64_t n, uint64_t expect,
                        int mapped, prts__emit_fn emit, void *user, prts__err *e)
{
    const uint8_t *start = in;
    uint64_t released = 0;
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
        release_behind(start, (uint64_t)(zs.next_in - start), &released, mapped);
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
                        int mapped, prts__emit_fn emit, void *user, prts__err *e)
{
    uint64_t released = 0;
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
        release_behind(in, src.pos, &released, mapped);
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
                     int mapped, prts__emit_fn emit, void *user, prts__err *e)
{
    if (!is_zstd(in, n))
        return inflate_zlib(a, in, n, expect, mapped, emit, user, e);
#ifdef PRTS_HAVE_ZSTD
    return inflate_zstd(a, in, n, expect, mapped, emit, user, e);
#else
    return prts__fail(e, PRTS_E_UNSUPPORTED,
                      "the payload is zstd-compressed and this libpixelrts was built without libzstd");
#endif
}

const char *prts__compress_label(int type)
{
    return type == PRTS_PAYLOAD_ZSTD ? "zstd" : "zlib";
}

int prts__compress_level(int type, int level)
{
    if (level > 0)
        return level;
    return type == PRTS_PAYLOAD_ZSTD ? 3 : 6;
}

struct prts__compressor {
    int type;
    z_stream zs;
#ifdef PRTS_HAVE_ZSTD
    ZSTD_CCtx *zstd;
#endif
    uint8_t *out;
    uint8_t *whole;    /* libdeflate: the payload gathered, else NULL */
    uint64_t have, total;
    int level;
    prts__emit_fn emit;
    void *user;
    const prts_allocator *alloc;
};

int prts__compressor_new(prts__compressor **out, const prts_allocator *a, int type, int level,
                         uint64_t total, uint64_t memory, prts__emit_fn emit, void *user,
                         prts__err *e)
{
    level = prts__compress_level(type, level);
    if (type == PRTS_PAYLOAD_ZLIB && level > 9)
        return prts__fail(e, PRTS_E_INVALID_ARG, "zlib levels are 1..9, got %d", level);
#ifndef PRTS_HAVE_ZSTD
    if (type == PRTS_PAYLOAD_ZSTD)
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
    c->level = level;
    c->total = total;
#ifdef PRTS_HAVE_LIBDEFLATE
    if (type == PRTS_PAYLOAD_ZLIB && total <= LIBDEFLATE_MAX && total <= memory / 2) {
        c->whole = prts__alloc(a, total ? (size_t)total : 1);
        if (!c->whole) {
            c->type = PRTS_PAYLOAD_NONE; /* nothing for free() to end */
            prts__compressor_free(c);
            return prts__fail(e, PRTS_E_NOMEM, "cannot allocate %llu bytes to compress",
                              (unsigned long long)total);
        }
        *out = c;
        return PRTS_OK;
    }
#endif
#ifdef PRTS_HAVE_ZSTD
    if (type == PRTS_PAYLOAD_ZSTD) {
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
            c->type = PRTS_PAYLOAD_NONE; /* nothing for free() to end */
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
    if (c->type == PRTS_PAYLOAD_ZSTD) {
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
#ifdef PRTS_HAVE_LIBDEFLATE
    if (c->whole) {
        if (n > c->total - c->have)
            return prts__fail(e, PRTS_E_INVALID_ARG, "more payload than announced");
        if (n) /* an empty payload comes as (NULL, 0) */
            memcpy(c->whole + c->have, in, n);
        c->have += n;
        if (!last)
            return PRTS_OK;
        struct libdeflate_compressor *ld = libdeflate_alloc_compressor(c->level);
        size_t bound = ld ? libdeflate_zlib_compress_bound(ld, (size_t)c->have) : 0;
        uint8_t *dst = bound ? prts__alloc(c->alloc, bound) : NULL;
        size_t got = dst ? libdeflate_zlib_compress(ld, c->whole, (size_t)c->have, dst, bound) : 0;
        libdeflate_free_compressor(ld);
        rc = got ? c->emit(c->user, dst, got)
                 : prts__fail(e, PRTS_E_NOMEM, "cannot compress with libdeflate");
        prts__free(c->alloc, dst);
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
    if (c->type == PRTS_PAYLOAD_ZLIB && !c->whole)
        deflateEnd(&c->zs);
    prts__free(c->alloc, c->whole);
    prts__free(c->alloc, c->out);
    prts__free(c->alloc, c);
}
