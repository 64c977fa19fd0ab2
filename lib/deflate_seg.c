/* deflate_seg.c: segments of the IDAT stream, fixed-level or adaptive. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "checksum.h"
#include "deflate_seg.h"

int prts__buf_reserve(prts__buf *b, size_t cap, prts__err *e)
{
    if (cap <= b->cap)
        return PRTS_OK;
    uint8_t *p = prts__realloc(b->alloc, b->data, b->len, cap);
    if (!p)
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate a %zu-byte output buffer", cap);
    b->data = p;
    b->cap = cap;
    return PRTS_OK;
}

void prts__buf_free(prts__buf *b)
{
    const prts_allocator *a = b->alloc;
    prts__free(a, b->data);
    memset(b, 0, sizeof *b);
    b->alloc = a;
}

/* ---- the incompressibility test ------------------------------------------
 * Deflate at any level costs ~20 ns per byte on random data and makes it
 * bigger (performance.md); storing costs a copy.  So each 1 KiB block is
 * classified by the order-0 entropy of a 256-byte sample (4 runs of 64 bytes
 * spread over it).  On such a sample random bytes measure 7.0-7.4 bits per
 * byte, machine code (x86-64 /bin/bash) 5.4 typically and under 6.0 in 99%
 * of its blocks, text 4-5, zero padding 0: above 6.7 the block is stored.
 * Blocks this small follow the edges of the payload in partly filled rows
 * (a run of payload, then zero padding). */
enum { BLOCK = 1024, SAMPLE_RUN = 64, SAMPLE_RUNS = 4, SAMPLE = SAMPLE_RUN * SAMPLE_RUNS };

static float clogc[SAMPLE + 1]; /* c * log2(c) */
static pthread_once_t clogc_once = PTHREAD_ONCE_INIT;

static void clogc_build(void)
{
    for (int c = 1; c <= SAMPLE; c++)
        clogc[c] = (float)(c * log2((double)c));
}

/* Distinct byte values among 64 sampled bytes (4 runs of 16): random data
 * gives 57 typically and at least 46 (20,000 blocks measured), machine code
 * 31-34 typically, and 52 or more in under 1 % of its blocks.  Most blocks
 * are decided by this alone, at a quarter of the full test's cost. */
static int distinct64(const uint8_t *p, size_t n)
{
    uint64_t seen[4] = {0, 0, 0, 0};
    size_t step = (n - 16) / 3;
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < 16; i++) {
            uint8_t b = p[(size_t)r * step + i];
            seen[b >> 6] |= 1ull << (b & 63);
        }
    return __builtin_popcountll(seen[0]) + __builtin_popcountll(seen[1]) +
           __builtin_popcountll(seen[2]) + __builtin_popcountll(seen[3]);
}

int prts__looks_random(const uint8_t *p, size_t n)
{
    if (n < SAMPLE)
        return 0; /* too little to judge; deflating it costs next to nothing */
    int distinct = distinct64(p, n);
    if (distinct >= 52 || distinct <= 44)
        return distinct >= 52;
    pthread_once(&clogc_once, clogc_build);
    uint16_t hist[256] = {0};
    size_t step = (n - SAMPLE_RUN) / (SAMPLE_RUNS - 1);
    for (int r = 0; r < SAMPLE_RUNS; r++) {
        const uint8_t *s = p + (size_t)r * step;
        for (int i = 0; i < SAMPLE_RUN; i++)
            hist[s[i]]++;
    }
    /* H = log2(N) - sum(c log2 c) / N, N = 256: H > 6.7 <=> sum < 1.3 * 256 */
    float sum = 0;
    for (int b = 0; b < 256; b++)
        sum += clogc[hist[b]];
    return sum < 1.3f * SAMPLE;
}

/* ---- compression ---------------------------------------------------------- */

static int zfail(prts__err *e, int zrc, const char *what)
{
    if (zrc == Z_MEM_ERROR)
        return prts__fail(e, PRTS_E_NOMEM, "zlib: out of memory (%s)", what);
    return prts__fail(e, PRTS_E_PNG, "zlib %s failed (%d)", what, zrc);
}

/* Room for `extra` more bytes at the end of out, as zlib's avail_out. */
static int out_room(z_stream *z, prts__buf *out, size_t extra, prts__err *e)
{
    int rc = prts__buf_reserve(out, out->len + extra, e);
    if (rc)
        return rc;
    size_t room = out->cap - out->len;
    z->next_out = out->data + out->len;
    z->avail_out = (uInt)(room > (1u << 30) ? (1u << 30) : room);
    return PRTS_OK;
}

/* Feed in[0..n) at the stream's current level, ending with `flush`. */
static int feed(prts__deflater *d, const uint8_t *in, size_t n, int flush, prts__buf *out,
                prts__err *e)
{
    z_stream *z = &d->z;
    z->next_in = (Bytef *)in;
    size_t left = n;
    for (;;) {
        uInt take = left > (1u << 30) ? (1u << 30) : (uInt)left;
        z->avail_in = take;
        int fl = left == take ? flush : Z_NO_FLUSH;
        /* stored data grows by ~5 bytes per 64 KiB, Huffman-coded random
         * data by a little more: this is nearly always room enough */
        size_t extra = (size_t)take + take / 64 + 4096;
        do {
            int rc = out_room(z, out, extra, e);
            if (rc)
                return rc;
            uInt before = z->avail_out;
            int zrc = deflate(z, fl);
            out->len += before - z->avail_out;
            if (zrc == Z_STREAM_ERROR)
                return zfail(e, zrc, "deflate");
            extra = out->cap / 2 + 65536; /* if it was not enough: grow */
        } while (z->avail_out == 0);
        /* output room left over: all input taken and the flush complete */
        left -= take;
        if (left == 0)
            return PRTS_OK;
    }
}

static int set_level(prts__deflater *d, int level, prts__buf *out, prts__err *e)
{
    if (d->level == level)
        return PRTS_OK;
    /* deflateParams flushes what was fed at the old level into the output;
     * Z_BUF_ERROR means it needs more room for that: grow and call again */
    d->z.avail_in = 0;
    size_t extra = 256 * 1024;
    int zrc;
    do {
        int rc = out_room(&d->z, out, extra, e);
        if (rc)
            return rc;
        uInt before = d->z.avail_out;
        zrc = deflateParams(&d->z, level, Z_DEFAULT_STRATEGY);
        out->len += before - d->z.avail_out;
        extra = out->cap;
    } while (zrc == Z_BUF_ERROR);
    if (zrc != Z_OK)
        return zfail(e, zrc, "deflateParams");
    d->level = level;
    return PRTS_OK;
}

int prts__seg_compress(prts__deflater *d, const uint8_t *in, size_t n, int level, int adaptive,
                       int last, prts__buf *out, uint32_t *adler, prts__err *e)
{
    int zrc;
    if (!d->ready) {
        memset(&d->z, 0, sizeof d->z);
        d->z.zalloc = prts__zalloc;
        d->z.zfree = prts__zfree;
        d->z.opaque = (void *)d->alloc;
        zrc = deflateInit2(&d->z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
        if (zrc != Z_OK)
            return zfail(e, zrc, "deflateInit2");
        d->ready = 1;
        d->level = level;
    } else if ((zrc = deflateReset(&d->z)) != Z_OK) {
        return zfail(e, zrc, "deflateReset");
    }
    *adler = prts__adler32(1, in, n);
    int flush = last ? Z_FINISH : Z_SYNC_FLUSH;
    int rc = PRTS_OK;
    if (!adaptive || level == 0) {
        if ((rc = set_level(d, level, out, e)))
            return rc;
        return feed(d, in, n, flush, out, e);
    }
    /* runs of blocks of one class, each fed at its level */
    size_t at = 0;
    while (at < n) {
        size_t blk = n - at < BLOCK ? n - at : BLOCK;
        int store = prts__looks_random(in + at, blk);
        size_t end = at + blk;
        while (end < n) {
            size_t b = n - end < BLOCK ? n - end : BLOCK;
            if (prts__looks_random(in + end, b) != store)
                break;
            end += b;
        }
        if ((rc = set_level(d, store ? 0 : level, out, e)) ||
            (rc = feed(d, in + at, end - at, end == n ? flush : Z_NO_FLUSH, out, e)))
            return rc;
        at = end;
    }
    if (n == 0)
        rc = feed(d, in, 0, flush, out, e);
    return rc;
}

void prts__deflater_free(prts__deflater *d)
{
    if (d->ready)
        deflateEnd(&d->z);
    d->ready = 0;
}
