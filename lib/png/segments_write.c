/* png/segments_write.c: segments of the IDAT stream, fixed-level or adaptive. */
#include <stdlib.h>
#include <string.h>

#ifdef PRTS_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "common/alloc.h"
#include "common/checksum.h"
#include "png/entropy.h"
#include "png/segments_write.h"

enum { BLOCK = PRTS__ENTROPY_BLOCK }; /* the adaptive mode's unit: stored or deflated */
/* level 0's unit: all zeros (deflated) or not (stored).  Finer than BLOCK:
 * where a row is part payload, part padding, what a block of payload
 * straddles is stored; each switch costs ~10 bytes */
enum { ZBLOCK = 64 };

int prts__all_zero(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        uint64_t w[8], acc = 0;
        memcpy(w, p + i, sizeof w);
        for (int k = 0; k < 8; k++)
            acc |= w[k];
        if (acc)
            return 0;
    }
    for (; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

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

/* ---- ISA-L: level 1 ----------------------------------------------------------
 * igzip's level 1 deflates random bytes at ~0.9 GB/s (zlib L1: 54 MB/s,
 * docs/architecture.md §11) and machine code at ~510 MB/s (zlib L1: 100 MB/s), for
 * 1-5 % more output.  Its level 3 is bigger than zlib's level 3 (0.373 vs
 * 0.367 of a 32 MiB binary in 1 MiB pieces), so zlib keeps the other levels. */
#ifdef PRTS_HAVE_ISAL

/* The stream and its level buffer, allocated once per deflater. */
static int isal_ready(prts__deflater *d, prts__err *e)
{
    if (d->isal)
        return PRTS_OK;
    struct isal_zstream *s = prts__alloc(d->alloc, sizeof *s);
    uint8_t *buf = s ? prts__alloc(d->alloc, ISAL_DEF_LVL1_DEFAULT) : NULL;
    if (!buf) {
        prts__free(d->alloc, s);
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate an ISA-L deflate stream");
    }
    isal_deflate_init(s);
    d->isal = s;
    d->isal_buf = buf;
    return PRTS_OK;
}

/* ISA-L's level-1 matchers, entered on a stream with no history, hash the
 * third input position from bits 16..47 of the isal_zstream's own address
 * instead of from the data (write_first_byte in igzip_icf_body.asm: tmp2
 * still holds the stream pointer; 2.30's SSE, AVX and AVX2 bodies alike).
 * The output stays valid deflate (every candidate match is compared byte for
 * byte), but which matches it finds then depends on where the stream lives
 * in memory: on which thread's arena allocated it, and on ASLR.  A stream
 * with history never takes that path.  So a piece never starts ISA-L cold:
 * its first byte goes out as a stored block of its own, and is then ISA-L's
 * dictionary (a back-reference to it stays inside the piece).  Cost: 6 bytes
 * a piece, and the first ISA-L block of a piece is coded even where storing
 * it would be smaller (ISA-L compresses it through its internal buffer); no
 * measurable time.  test_huge's t_piece_independent_of_state_address. */
enum { ISAL_LEAD = 1 };

/* A stored block of in[0..n) (n <= 65535), starting byte-aligned. */
static int put_stored(const uint8_t *in, size_t n, int final, prts__buf *out, prts__err *e)
{
    int rc = prts__buf_reserve(out, out->len + 5 + n, e);
    if (rc)
        return rc;
    uint8_t *p = out->data + out->len;
    p[0] = (uint8_t)(final ? 1 : 0); /* BFINAL, BTYPE 00, padding to the byte */
    p[1] = (uint8_t)n;
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)~n;
    p[4] = (uint8_t)(~n >> 8);
    memcpy(p + 5, in, n);
    out->len += 5 + n;
    return PRTS_OK;
}

/* in[0..n) (n > 0) stored, as zlib's level 0 writes it when it has the
 * room: blocks of 65535 bytes and the rest (the last one final when `end`),
 * then, unless `end`, the empty stored block of a sync flush.  Between ISA-L
 * pieces the zlib stream only stores and always starts byte-aligned with
 * nothing pending (deflate_stored in zlib's deflate.c), so these are its
 * bytes, without a zlib stream to reset for every segment (clearing its
 * 64 KiB hash table cost more than the rest of a 4 KiB file's pixels). */
static int stored_run(const uint8_t *in, size_t n, int end, prts__buf *out, prts__err *e)
{
    int rc;
    do {
        size_t k = n < 65535 ? n : 65535;
        if ((rc = put_stored(in, k, end && k == n, out, e)))
            return rc;
        in += k;
        n -= k;
    } while (n);
    return end ? PRTS_OK : put_stored(in, 0, 0, out, e);
}

/* Append in[0..n) (n > 0) as one independent raw-deflate piece at ISA-L
 * level 1: no back-reference before in, ending byte-aligned on a sync flush,
 * or with the final block when `end`.  Starts byte-aligned. */
static int isal_piece(prts__deflater *d, const uint8_t *in, size_t n, int end, prts__buf *out,
                      prts__err *e)
{
    int rc = isal_ready(d, e);
    if (rc)
        return rc;
    /* the lead (see ISAL_LEAD) */
    if ((rc = put_stored(in, ISAL_LEAD, end && n == ISAL_LEAD, out, e)) || n == ISAL_LEAD)
        return rc;
    struct isal_zstream *s = d->isal;
    isal_deflate_reset(s); /* forgets the history: the piece stands alone */
    s->level = 1;
    s->level_buf = d->isal_buf;
    s->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    s->gzip_flag = IGZIP_DEFLATE;
    s->hist_bits = 0; /* 32 KiB, as the zlib header says */
    if (isal_deflate_set_dict(s, (uint8_t *)in, ISAL_LEAD) != COMP_OK)
        return prts__fail(e, PRTS_E_PNG, "ISA-L refused a dictionary");
    in += ISAL_LEAD;
    n -= ISAL_LEAD;
    s->next_in = (uint8_t *)in;
    size_t left = n;
    do {
        uint32_t take = left > (1u << 30) ? (1u << 30) : (uint32_t)left;
        s->avail_in = take;
        int final = take == left;
        s->flush = final ? SYNC_FLUSH : NO_FLUSH;
        s->end_of_stream = (uint16_t)(final && end);
        size_t extra = (size_t)take + take / 64 + 4096;
        do { /* as feed(): output room left over means all taken and flushed */
            if ((rc = prts__buf_reserve(out, out->len + extra, e)))
                return rc;
            size_t room = out->cap - out->len;
            s->next_out = out->data + out->len;
            s->avail_out = (uint32_t)(room > (1u << 30) ? (1u << 30) : room);
            uint32_t before = s->avail_out;
            int irc = isal_deflate(s);
            out->len += before - s->avail_out;
            if (irc != COMP_OK)
                return prts__fail(e, PRTS_E_PNG, "ISA-L deflate failed (%d)", irc);
            extra = out->cap / 2 + 65536;
        } while (s->avail_out == 0 || s->avail_in);
        left -= take;
    } while (left);
    if (end && s->internal_state.state != ZSTATE_END)
        return prts__fail(e, PRTS_E_PNG, "ISA-L deflate did not end the stream");
    return PRTS_OK;
}
#endif

/* Whether `level` is ISA-L's, in this build. */
static int isal_level(int level)
{
#ifdef PRTS_HAVE_ISAL
    return level == 1;
#else
    (void)level;
    return 0;
#endif
}

/* in[0..n) at `level`, ending with `flush`: in the zlib stream, or, when
 * the segment is made of pieces and level is ISA-L's, as a piece of its own. */
static int deflate_run(prts__deflater *d, const uint8_t *in, size_t n, int level, int flush,
                       int pieces, prts__buf *out, prts__err *e)
{
#ifdef PRTS_HAVE_ISAL
    if (pieces && isal_level(level))
        return isal_piece(d, in, n, flush == Z_FINISH, out, e);
    if (pieces) /* level 0, n > 0, a sync flush or the end: the zlib stream's only use */
        return stored_run(in, n, flush == Z_FINISH, out, e);
#else
    (void)pieces;
#endif
    int rc = set_level(d, level, out, e);
    return rc ? rc : feed(d, in, n, flush, out, e);
}

/* ---- level 0: stored blocks, and runs of zeros in fixed-Huffman blocks ------
 * Written here, bit by bit, without zlib: storing is a copy, and a run of
 * zeros is a literal 0 then matches of 258 (put_zeros), far cheaper than
 * any matcher looking at every byte. */
typedef struct bits {
    uint8_t *p;    /* next byte out */
    uint64_t acc;  /* pending bits, LSB first */
    int n;         /* how many */
} bits;

static void bits_put(bits *b, uint32_t v, int n)
{
    b->acc |= (uint64_t)v << b->n;
    b->n += n;
    while (b->n >= 8) {
        *b->p++ = (uint8_t)b->acc;
        b->acc >>= 8;
        b->n -= 8;
    }
}

static void bits_align(bits *b)
{
    if (b->n)
        bits_put(b, 0, 8 - b->n);
}

/* A fixed-Huffman literal/length symbol (RFC 1951 3.2.6), sent MSB first. */
static void put_fixed(bits *b, int sym)
{
    uint32_t code;
    int len;
    if (sym < 144)
        code = 0x30u + (uint32_t)sym, len = 8;
    else if (sym < 256)
        code = 0x190u + (uint32_t)(sym - 144), len = 9;
    else if (sym < 280)
        code = (uint32_t)(sym - 256), len = 7;
    else
        code = 0xc0u + (uint32_t)(sym - 280), len = 8;
    uint32_t rev = 0;
    for (int i = 0; i < len; i++)
        rev |= ((code >> i) & 1u) << (len - 1 - i);
    bits_put(b, rev, len);
}

/* A match of `len` (3..258) at distance 1 (distance code 0) or ZERO_DIST (code 11:
 * 49-64, 4 extra bits); the 5-bit distance code is sent MSB first. */
enum { ZERO_DIST = 64 };
static void put_match(bits *b, size_t len, int far)
{
    static const uint16_t base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const uint8_t extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    int c = 28;
    while (base[c] > len)
        c--;
    put_fixed(b, 257 + c);
    if (extra[c])
        bits_put(b, (uint32_t)(len - base[c]), extra[c]);
    if (far) {
        bits_put(b, 0x1a, 5); /* code 11 (01011), bits reversed */
        bits_put(b, ZERO_DIST - 49, 4);
    } else {
        bits_put(b, 0, 5);
    }
}

/* Whether in[0..k) is zeros: payload fails on its first word, mostly. */
static inline int zero_block(const uint8_t *p, size_t k)
{
    uint64_t w;
    if (k >= sizeof w) {
        memcpy(&w, p, sizeof w);
        if (w)
            return 0;
    }
    return prts__all_zero(p, k);
}

/* `n` (> 0) zeros as one fixed-Huffman block, not final: a literal 0, a
 * match at distance 1 up to ZERO_DIST zeros, then matches at distance ZERO_DIST.  Every
 * inflater copies a match at distance 1 byte by byte (48 MiB of zeros: ISA-L
 * 18 ms, zlib 110 ms) and one at distance 64 in wide words (5 ms, 6 ms): 4
 * bits more per 258 zeros (17 bits in all, 0.8 % of the run) make the zero
 * padding of a partial grid 3-18x faster to read for every reader. */
static void put_zeros(bits *b, size_t n)
{
    bits_put(b, 2, 3); /* BFINAL 0, BTYPE 01 (fixed) */
    put_fixed(b, 0);
    size_t done = 1;
    while (done < n) {
        size_t left = n - done;
        /* the first match makes ZERO_DIST zeros to copy from, when there is room */
        size_t m = done < ZERO_DIST ? ZERO_DIST - done : 258;
        if (m > left)
            m = left;
        if (m < 3) { /* 1 or 2 zeros: literals */
            put_fixed(b, 0);
            m = 1;
        } else if (left - m > 0 && left - m < 3) {
            m = left - 3; /* leave a match's worth for the end */
        }
        if (m >= 3)
            put_match(b, m, done >= ZERO_DIST);
        done += m;
    }
    put_fixed(b, 256);
}

/* The end of a run written bit by bit: the stream's final block (an empty
 * fixed one) when `last`, else a sync flush (an empty stored block), which
 * leaves the stream byte-aligned. */
static void put_run_end(bits *b, int last)
{
    if (last) {
        bits_put(b, 3, 3);
        put_fixed(b, 256);
        bits_align(b);
    } else {
        bits_put(b, 0, 3);
        bits_align(b);
        memcpy(b->p, "\0\0\xff\xff", 4);
        b->p += 4;
    }
}

static int store_but_zeros(const uint8_t *in, size_t n, int last, prts__buf *out, prts__err *e)
{
    /* a run of either kind costs at most 6 bytes more than its length (a
     * stored block's head and alignment; a fixed block's head, literal and
     * end, its 13 bits per 258 zeros well under the zeros' own size), and
     * runs are at least ZBLOCK bytes but the last */
    int rc = prts__buf_reserve(out, out->len + n + (n / ZBLOCK + 2) * 8 + 64, e);
    if (rc)
        return rc;
    bits b = {out->data + out->len, 0, 0};
    size_t at = 0;
    while (at < n) {
        size_t blk = n - at < ZBLOCK ? n - at : ZBLOCK;
        int zero = zero_block(in + at, blk);
        size_t end = at + blk;
        while (end < n) {
            size_t k = n - end < ZBLOCK ? n - end : ZBLOCK;
            if (zero_block(in + end, k) != zero)
                break;
            end += k;
        }
        /* the boundary to the byte: zeros at the edge of the stored run go
         * with the zero run next to it (payload ends inside a 64-byte piece) */
        if (zero)
            while (end < n && !in[end])
                end++;
        else if (end < n)
            while (end > at + 1 && !in[end - 1])
                end--;
        if (zero) {
            put_zeros(&b, end - at);
        } else {
            for (size_t s = at; s < end;) {
                size_t k = end - s > 65535 ? 65535 : end - s;
                bits_put(&b, 0, 3); /* BFINAL 0, BTYPE 00 (stored) */
                bits_align(&b);
                b.p[0] = (uint8_t)k;
                b.p[1] = (uint8_t)(k >> 8);
                b.p[2] = (uint8_t)~k;
                b.p[3] = (uint8_t)(~k >> 8);
                memcpy(b.p + 4, in + s, k);
                b.p += 4 + k;
                s += k;
            }
        }
        at = end;
    }
    put_run_end(&b, last);
    out->len = (size_t)(b.p - out->data);
    return PRTS_OK;
}

#ifdef PRTS_HAVE_ISAL
/* Where a row is part payload, part padding, the runs of blocks to deflate
 * between stored ones are mostly zeros with pieces of random payload at
 * tile edges (64 bytes and up).  As an ISA-L piece each such run cost a
 * Huffman table of its own (a quarter of a 10 MiB random encode's CPU
 * time) to code bytes that do not compress anyway; written as level 0
 * writes (store_but_zeros: the zeros as matches, the rest stored) it costs
 * a scan and a copy.  Its matches cost 17 bits per 258 zeros, ISA-L's
 * table ~60 bytes and then next to nothing, so from ~8 KiB of zeros on
 * ISA-L is smaller; but ISA-L's matches are at distance 1, which every
 * inflater copies byte by byte.  Up to 32 KiB (half a row of the largest
 * grid) the zeros are ours: on 100 MiB of random payload (an 8192 grid,
 * half rows of 16 KiB of zeros) the file is 0.8 % bigger and its image data
 * inflates 3x faster with ISA-L, 4x with zlib (docs/architecture.md §11).  Whether
 * in[0..n) is such a run: it has all-zero 64-byte pieces, at most
 * ZEROS_AS_MATCHES_MAX bytes of them, and its other nonzero bytes (up to
 * 256 of them) look random by the distinct values among them; under 32
 * there is nothing for deflate to gain. */
enum { ZEROS_AS_MATCHES_MAX = 32768 };
static int random_around_zeros(const uint8_t *in, size_t n)
{
    uint8_t nonzero[256];
    size_t zeros = 0, got = 0;
    for (size_t k = 0; k < n; k += ZBLOCK) {
        size_t w = n - k < ZBLOCK ? n - k : ZBLOCK;
        if (zero_block(in + k, w)) {
            zeros++;
            continue;
        }
        for (size_t i = 0; i < w && got < sizeof nonzero; i++)
            if (in[k + i])
                nonzero[got++] = in[k + i];
    }
    if (!zeros || zeros * ZBLOCK > ZEROS_AS_MATCHES_MAX)
        return 0;
    return got < 32 || prts__few_look_random(nonzero, got);
}
#endif

/* The adaptive mode's block at `at`: BLOCK bytes, or all that is left where
 * the rest after it would be too few to judge (a segment's last bytes): a
 * tail of a few random bytes, deflated alone, cost an ISA-L Huffman table
 * (a fifth of a 4 KiB file's encode) for nothing. */
static size_t block_at(size_t at, size_t n)
{
    return n - at < BLOCK + PRTS__ENTROPY_MIN ? n - at : BLOCK;
}

int prts__seg_compress(prts__deflater *d, const uint8_t *in, size_t n, int level, int adaptive,
                       int last, prts__buf *out, uint32_t *adler, prts__err *e)
{
    int zrc;
    if (level == 0 && n > 0) { /* stored, and the zero runs as matches: no zlib */
        *adler = prts__adler32(1, in, n);
        return store_but_zeros(in, n, last, out, e);
    }
    /* ISA-L pieces: between them the zlib stream only stores (level 0:
     * nothing refers back) and ends each of its runs byte-aligned too */
    int pieces = isal_level(level) && n > 0;
    if (pieces) {
        /* no zlib stream: the stored runs are written as it would (stored_run) */
    } else if (!d->ready) {
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
    if (!adaptive || level == 0)
        return deflate_run(d, in, n, level, flush, pieces, out, e);
    /* runs of blocks of one class, each fed at its level */
    size_t at = 0;
    int judged = -1; /* the class of the block at `at`, when the last run already judged it */
    while (at < n) {
        size_t blk = block_at(at, n);
        int store = judged >= 0 ? judged : prts__looks_random(in + at, blk);
        size_t end = at + blk;
        for (judged = -1; end < n; end += block_at(end, n))
            if ((judged = prts__looks_random(in + end, block_at(end, n))) != store)
                break;
        int fl = end == n ? flush : pieces ? Z_SYNC_FLUSH : Z_NO_FLUSH;
#ifdef PRTS_HAVE_ISAL
        if (pieces && !store && random_around_zeros(in + at, end - at)) {
            if ((rc = store_but_zeros(in + at, end - at, fl == Z_FINISH, out, e)))
                return rc;
            at = end;
            continue;
        }
#endif
        if ((rc = deflate_run(d, in + at, end - at, store ? 0 : level, fl, pieces, out, e)))
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
    prts__free(d->alloc, d->isal);
    prts__free(d->alloc, d->isal_buf);
    d->isal = d->isal_buf = NULL;
}
