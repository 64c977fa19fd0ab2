/* png/segments_read.c: indexed, parallel reading of IDAT segments. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#ifdef PRTS_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "common/alloc.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "common/cpu_features.h"
#include "common/fileio.h"
#include "common/pool.h"
#include "png/filter.h"
#include "png/read.h"
#include "png/segments_index.h"
#include "png/segments_read.h"
#include "png/segments_write.h" /* prts__all_zero */

enum { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

/* One thread's inflate state, reused from segment to segment: ISA-L's when
 * built with it (2-4x zlib's speed on Huffman-coded rows, measured on a
 * zlib-L1 stream of a 32 MiB binary), else zlib's.  Beside it, the deflate
 * data of the last segment it found to inflate to zeros only (see
 * zeros_again). */
typedef struct inflater {
#ifdef PRTS_HAVE_ISAL
    struct inflate_state *isal;
#else
    z_stream z;
    int zready;
#endif
    uint8_t *zero_in;
    size_t zero_in_len, zero_want;
} inflater;

/* The largest segment we accept (ours are ~1 MiB): bounds memory per slot. */
#define MAX_SEGMENT_BYTES ((uint64_t)64 << 20)

typedef struct slot {
    int64_t seg;        /* segment held, -1 none */
    int state;
    uint8_t *chunk;     /* the segment's IDAT chunk, read from the file */
    uint8_t *rows;      /* unfiltered rows, with their filter bytes */
    size_t zero_rows;   /* rows[0..zero_rows) are zeros, written so by zeros_again */
    uint32_t adler;     /* of the filtered rows */
    int disagrees;      /* adler is not the index's */
    int rc;
    prts__err err;
} slot;

/* Input is read with pread() into each slot, not mapped: a mapping of a
 * freshly written file maps whole large folios on each touch, which made a
 * walk over the chunk headers alone cost 75 MB of RSS. */
struct prts__seg_reader {
    const char *name;
    int fd;
    uint64_t file_len;
    uint32_t side;
    size_t row_len;      /* 4 * side */
    prts__png_index ix;
    uint32_t max_rows;   /* rows of the largest segment */
    uint32_t *chunk_len; /* IDAT data length of each segment */
    size_t max_chunk;
    uint32_t horizon;    /* last row worth reading ahead */
    uint32_t next_adler; /* segments folded into adler, in order */
    uint32_t adler;
    int disagrees;       /* a segment read so far is not what the index says */
    int in_order;        /* every request so far continued the previous one */
    uint32_t next_row;

    slot *slots;
    uint32_t nslots;
    prts__pool pool;     /* the inflaters, when nthreads */
    int nthreads;
    inflater inline_inf; /* when there are no threads */
    const prts_allocator *alloc;
};

static uint32_t seg_rows(const prts__seg_reader *r, uint32_t k)
{
    uint32_t end = k + 1 < r->ix.count ? r->ix.seg[k + 1].first_row : r->side;
    return end - r->ix.seg[k].first_row;
}

/* ---- inflating one segment's deflate data ------------------------------------
 * inflate_rows: in[0..n) must inflate to exactly want bytes of rows, then end:
 * with the final block when `last`, else at the end of the input (a sync
 * flush).  PRTS_OK, PRTS_E_NOMEM, or PRTS_E_PNG with *why saying what is
 * wrong. */
#ifdef PRTS_HAVE_ISAL
static const char *isal_why(int irc)
{
    switch (irc) {
    case ISAL_INVALID_BLOCK:
        return "invalid block";
    case ISAL_INVALID_SYMBOL:
        return "invalid code";
    case ISAL_INVALID_LOOKBACK:
        return "invalid distance too far back";
    default:
        return "invalid deflate data";
    }
}

/* A segment other than the last must end between two blocks, at a byte (our
 * writer ends each with a sync flush: an empty stored block): only then does
 * the next one, inflated alone from its first byte, read what the stream read
 * whole reads there.  A segment that ends on the head of a block, or on bits
 * of padding that the whole stream would read as the next head, passed every
 * other check, and the file API decoded rows that zlib, libspng and every
 * PNG reader refuse (test/fuzz/regressions/decode/segment-unended.png).  At
 * the end of the input ISA-L may already have moved to reading the next
 * header (ISAL_BLOCK_HDR) with nothing of it read. */
static int between_blocks(const struct inflate_state *st)
{
    return (st->block_state == ISAL_BLOCK_NEW_HDR ||
            (st->block_state == ISAL_BLOCK_HDR && st->tmp_in_size == 0)) &&
           st->read_in_length == 0;
}

static int inflate_rows(prts__seg_reader *r, inflater *f, const uint8_t *in, size_t n,
                        uint8_t *rows, size_t want, int last, const char **why)
{
    if (!f->isal && !(f->isal = prts__alloc(r->alloc, sizeof *f->isal)))
        return PRTS_E_NOMEM;
    struct inflate_state *st = f->isal;
    isal_inflate_init(st); /* raw deflate (crc_flag ISAL_DEFLATE), 32 KiB window */
    uint8_t spare;
    st->next_in = (uint8_t *)in;
    st->avail_in = (uint32_t)n;
    st->next_out = rows;
    st->avail_out = (uint32_t)want;
    int irc = isal_inflate(st);
    if (irc >= 0 && st->avail_out == 0 && st->block_state != ISAL_BLOCK_FINISH) {
        /* rows complete: what remains must be the end of the segment (an
         * empty stored block, or the final block's end code) */
        st->next_out = &spare;
        st->avail_out = 1;
        irc = isal_inflate(st);
        if (irc >= 0 && st->avail_out == 0) {
            *why = "more data than its rows";
            return PRTS_E_PNG;
        }
    }
    if (irc < 0) {
        *why = isal_why(irc);
        return PRTS_E_PNG;
    }
    int done = st->block_state == ISAL_BLOCK_FINISH;
    /* input after the end (at the end, ISA-L hands back whole bytes it read
     * ahead; the read_in test is in case a version does not) */
    int left = st->avail_in > 0 || st->read_in_length >= 8;
    if (st->avail_out != (st->next_out == &spare ? 1u : 0u) || done != last || left) {
        *why = done && (!last || left) ? "the stream ends early" : "wrong length";
        return PRTS_E_PNG;
    }
    if (!last && !between_blocks(st)) {
        *why = "it does not end where a block ends, at a byte";
        return PRTS_E_PNG;
    }
    return PRTS_OK;
}

static void inflater_free(prts__seg_reader *r, inflater *f)
{
    prts__free(r->alloc, f->isal);
    f->isal = NULL;
    prts__free(r->alloc, f->zero_in);
    f->zero_in = NULL;
}
#else
static int inflate_rows(prts__seg_reader *r, inflater *f, const uint8_t *in, size_t n,
                        uint8_t *rows, size_t want, int last, const char **why)
{
    z_stream *z = &f->z;
    if (!f->zready) {
        memset(z, 0, sizeof *z);
        z->zalloc = prts__zalloc;
        z->zfree = prts__zfree;
        z->opaque = (void *)r->alloc;
        if (inflateInit2(z, -15) != Z_OK)
            return PRTS_E_NOMEM;
        f->zready = 1;
    } else {
        inflateReset(z);
    }
    uint8_t spare;
    z->next_in = (Bytef *)in;
    z->avail_in = (uInt)n;
    z->next_out = rows;
    z->avail_out = (uInt)want;
    int zrc = inflate(z, Z_SYNC_FLUSH);
    if (zrc == Z_MEM_ERROR) /* the window is allocated at the first inflate() */
        return PRTS_E_NOMEM;
    if (zrc == Z_OK && z->avail_out == 0 && z->avail_in) {
        /* rows complete: what remains must be the end of the segment */
        z->next_out = &spare;
        z->avail_out = 1;
        zrc = inflate(z, Z_SYNC_FLUSH);
        if (z->avail_out == 0)
            zrc = Z_DATA_ERROR;
    }
    int ok = z->avail_in == 0 && z->avail_out == (z->next_out == &spare ? 1u : 0u) &&
             (last ? zrc == Z_STREAM_END : zrc == Z_OK || zrc == Z_BUF_ERROR);
    if (!ok) {
        *why = z->msg ? z->msg : zrc == Z_STREAM_END ? "the stream ends early" : "wrong length";
        return PRTS_E_PNG;
    }
    /* between two blocks, at a byte (see the ISA-L version): zlib's data_type
     * is then 128 (waiting for a block's head, no bits left over, not in the
     * last block) */
    if (!last && z->data_type != 128) {
        *why = "it does not end where a block ends, at a byte";
        return PRTS_E_PNG;
    }
    return PRTS_OK;
}

static void inflater_free(prts__seg_reader *r, inflater *f)
{
    (void)r;
    if (f->zready)
        inflateEnd(&f->z);
    f->zready = 0;
    prts__free(r->alloc, f->zero_in);
    f->zero_in = NULL;
}
#endif

/* ---- segments of zeros ------------------------------------------------------
 * The zero padding of a partial grid (up to three quarters of the image) comes
 * as whole segments of zero rows that our writer compresses to the same bytes
 * every time (png/write.c, zero_reuse), and inflating them is the costliest
 * part of decoding such a file: ISA-L inflates their runs at distance 1 at ~3 GB/s
 * (docs/architecture.md §11).  Inflating is a function of the input alone (each
 * segment starts from an empty window): deflate data byte for byte the same as
 * a segment that inflated to `want` zeros and passed every check, for the same
 * number of bytes and not the last segment, inflates to the same zeros and
 * passes the same checks.  So such a segment is compared, not inflated. */
enum { ZERO_MEMO_MAX = 64 * 1024 }; /* a segment of zeros compresses far below this */

static int zeros_again(const inflater *f, const uint8_t *in, size_t n, size_t want)
{
    return f->zero_in && f->zero_in_len == n && f->zero_want == want &&
           memcmp(f->zero_in, in, n) == 0;
}

/* Remember in[0..n) if its rows[0..want), just inflated and checked, are zeros. */
static void zeros_remember(prts__seg_reader *r, inflater *f, const uint8_t *in, size_t n,
                           const uint8_t *rows, size_t want)
{
    if (n > ZERO_MEMO_MAX || n * 16 > want || !prts__all_zero(rows, want))
        return; /* rows that compress less than 16:1 are not all zeros anyway */
    uint8_t *copy = prts__alloc(r->alloc, n ? n : 1);
    if (!copy)
        return; /* only a shortcut */
    memcpy(copy, in, n);
    prts__free(r->alloc, f->zero_in);
    f->zero_in = copy;
    f->zero_in_len = n;
    f->zero_want = want;
}

/* The Adler-32 of n zeros: a stays 1, b adds it n times. */
static uint32_t adler_of_zeros(uint64_t n)
{
    return (uint32_t)((n % 65521u) << 16) | 1u;
}

/* ---- one segment: CRC, inflate, unfilter (any thread) ---------------------- */

static int inflate_segment(prts__seg_reader *r, uint32_t k, slot *s, inflater *f)
{
    prts__err *e = &s->err;
    uint64_t at = r->ix.seg[k].offset;
    uint32_t len = r->chunk_len[k];
    uint32_t first = r->ix.seg[k].first_row, nrows = seg_rows(r, k);
    uint8_t *head = s->chunk;
    ssize_t got = pread(r->fd, head, (size_t)len + 12, (off_t)at);
    if (got != (ssize_t)len + 12)
        return prts__fail(e, got < 0 ? PRTS_E_IO : PRTS_E_TRUNCATED, "%s: cannot read the IDAT "
                          "chunk at offset %llu (rows %u-%u): %s", r->name, (unsigned long long)at,
                          first, first + nrows - 1, got < 0 ? strerror(errno) : "file too short");
    const uint8_t *data = head + 8;
    if (prts__get32(head) != len ||
        prts__crc32(prts__crc32(0, head + 4, 4), data, len) != prts__get32(data + len))
        return prts__fail(e, PRTS_E_CRC, "%s: IDAT chunk at offset %llu (rows %u-%u) fails its "
                          "CRC check", r->name, (unsigned long long)at, first, first + nrows - 1);
    const uint8_t *in = data;
    size_t in_len = len;
    if (k == 0) { /* zlib header, checked at open */
        in += 2;
        in_len -= 2;
    }
    if (k + 1 == r->ix.count)
        in_len -= 4; /* the Adler-32 trailer */
    size_t rowb = r->row_len + 1, want = (size_t)nrows * rowb;
    int last = k + 1 == r->ix.count;
    if (!last && zeros_again(f, in, in_len, want)) {
        if (s->zero_rows < want)
            memset(s->rows, 0, want);
        s->zero_rows = want;
        s->adler = adler_of_zeros(want);
        s->disagrees = s->adler != r->ix.seg[k].adler;
        return PRTS_OK; /* filter bytes 0: nothing to unfilter */
    }
    s->zero_rows = 0;
    const char *why = NULL;
    int rc = inflate_rows(r, f, in, in_len, s->rows, want, last, &why);
    if (rc == PRTS_E_NOMEM)
        return prts__fail(e, PRTS_E_NOMEM, "%s: out of memory inflating rows %u-%u", r->name,
                          first, first + nrows - 1);
    if (rc)
        return prts__fail(e, PRTS_E_PNG, "%s: the image data of rows %u-%u (IDAT chunk at offset "
                          "%llu) is corrupt: %s", r->name, first, first + nrows - 1,
                          (unsigned long long)at, why);
    s->adler = prts__adler32(1, s->rows, want);
    s->disagrees = s->adler != r->ix.seg[k].adler;
    if (!last)
        zeros_remember(r, f, in, in_len, s->rows, want);
    for (uint32_t i = 0; i < nrows; i++) {
        uint8_t *row = s->rows + (size_t)i * rowb;
        /* a segment cannot lean on the row before it: it was inflated apart */
        if (i == 0 && first > 0 && row[0] >= 2)
            return prts__fail(e, PRTS_E_PNG, "%s: row %u starts a segment but uses filter %u",
                              r->name, first, row[0]);
        if (prts__unfilter_row(row, i ? row - rowb + 1 : NULL, r->row_len))
            return prts__fail(e, PRTS_E_PNG, "%s: row %u has unknown filter type %u", r->name,
                              first + i, row[0]);
    }
    return PRTS_OK;
}

/* The pool's hooks (common/pool.h): the earliest segment queued goes
 * first, each thread with its own inflater. */
static void *worker_take(void *owner)
{
    prts__seg_reader *r = owner;
    slot *s = NULL;
    for (uint32_t i = 0; i < r->nslots; i++)
        if (r->slots[i].state == SLOT_QUEUED && (!s || r->slots[i].seg < s->seg))
            s = &r->slots[i];
    if (s)
        s->state = SLOT_RUNNING;
    return s;
}

static void worker_run(void *owner, void *task, void *local)
{
    slot *s = task;
    s->rc = inflate_segment(owner, (uint32_t)s->seg, s, local);
}

static int worker_finish(void *owner, void *task)
{
    (void)owner;
    ((slot *)task)->state = SLOT_DONE;
    return 1;
}

static void worker_end(void *owner, void *local)
{
    inflater_free(owner, local);
}

/* ---- scheduling (caller's thread) ----------------------------------------- */

/* Queue segment k in its slot unless it is there; caller holds the lock. */
static void queue(prts__seg_reader *r, uint32_t k)
{
    slot *s = &r->slots[k % r->nslots];
    if (s->seg == (int64_t)k)
        return;
    while (s->state == SLOT_QUEUED || s->state == SLOT_RUNNING) {
        if (s->state == SLOT_QUEUED) { /* not started: take it back */
            s->state = SLOT_FREE;
            break;
        }
        prts__pool_wait(&r->pool);
    }
    s->seg = k;
    s->state = SLOT_QUEUED;
    prts__pool_post(&r->pool);
}

/* Segment k, inflated: waits for it, reading ahead behind it. */
static int get_segment(prts__seg_reader *r, uint32_t k, slot **out, prts__err *e)
{
    slot *s = &r->slots[k % r->nslots];
    if (!r->nthreads) {
        if (s->seg != (int64_t)k) {
            s->seg = k;
            s->rc = inflate_segment(r, k, s, &r->inline_inf);
            s->state = SLOT_DONE;
        }
    } else {
        prts__pool_lock(&r->pool);
        queue(r, k);
        for (uint32_t a = k + 1; a < r->ix.count && a < k + r->nslots &&
                                 r->ix.seg[a].first_row <= r->horizon; a++)
            queue(r, a);
        while (s->state != SLOT_DONE)
            prts__pool_wait(&r->pool);
        prts__pool_unlock(&r->pool);
    }
    if (s->rc) {
        *e = s->err;
        return s->rc;
    }
    r->disagrees |= s->disagrees;
    if (k == r->next_adler) {
        r->adler = prts__adler32_combine(r->adler, s->adler,
                                         (uint64_t)seg_rows(r, k) * (r->row_len + 1));
        r->next_adler++;
    }
    *out = s;
    return PRTS_OK;
}

static uint32_t find_segment(const prts__seg_reader *r, uint32_t row)
{
    uint32_t lo = 0, hi = r->ix.count - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        if (r->ix.seg[mid].first_row <= row)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

int prts__seg_reader_rows(prts__seg_reader *r, uint32_t first, uint32_t n, uint8_t *rows,
                          size_t stride, prts__err *e)
{
    if (first != r->next_row)
        r->in_order = 0;
    r->next_row = first + n;
    while (n) {
        uint32_t k = find_segment(r, first);
        slot *s;
        int rc = get_segment(r, k, &s, e);
        if (rc)
            return rc;
        uint32_t base = r->ix.seg[k].first_row, have = base + seg_rows(r, k) - first;
        uint32_t take = have < n ? have : n;
        for (uint32_t i = 0; i < take; i++)
            memcpy(rows + (size_t)i * stride, s->rows + (size_t)(first - base + i) * (r->row_len + 1) + 1,
                   r->row_len);
        rows += (size_t)take * stride;
        first += take;
        n -= take;
    }
    return PRTS_OK;
}

void prts__seg_reader_horizon(prts__seg_reader *r, uint32_t last)
{
    r->horizon = last;
}

int prts__seg_reader_finish(prts__seg_reader *r, prts__err *e)
{
    if (!r->in_order || r->next_row != r->side || r->next_adler != r->ix.count)
        return prts__fail(e, PRTS_E_PNG, "%s: rows were not all read in order", r->name);
    /* the trailer: the last 4 data bytes of the last segment's chunk */
    uint32_t k = r->ix.count - 1;
    uint8_t tail[4];
    if (pread(r->fd, tail, 4, (off_t)(r->ix.seg[k].offset + 8 + r->chunk_len[k] - 4)) != 4)
        return prts__fail(e, PRTS_E_IO, "%s: cannot read the end of the image data", r->name);
    return prts__check_adler(prts__get32(tail), r->adler, r->name, e);
}

int prts__seg_reader_disagrees(const prts__seg_reader *r)
{
    return r->disagrees;
}

/* ---- opening -------------------------------------------------------------------- */

/* Every segment must be one whole IDAT chunk, back to back up to the end,
 * of a size its rows can explain (memory stays bounded whatever the index
 * says). */
static int chunks_match(prts__seg_reader *r)
{
    r->chunk_len = prts__calloc(r->alloc, r->ix.count, sizeof *r->chunk_len);
    if (!r->chunk_len)
        return -1; /* out of memory */
    for (uint32_t k = 0; k < r->ix.count; k++) {
        uint64_t at = r->ix.seg[k].offset;
        uint64_t next = k + 1 < r->ix.count ? r->ix.seg[k + 1].offset : r->ix.end;
        uint8_t h[10];
        if (pread(r->fd, h, sizeof h, (off_t)at) != (ssize_t)sizeof h)
            return 0;
        uint64_t len = prts__get32(h);
        uint64_t min = (k == 0 ? 2 : 0) + (k + 1 == r->ix.count ? 4 : 0);
        uint64_t raw = (uint64_t)seg_rows(r, k) * (r->row_len + 1);
        if (memcmp(h + 4, "IDAT", 4) != 0 || at + 12 + len != next || len < min ||
            raw > MAX_SEGMENT_BYTES || len > raw + raw / 16 + 1024)
            return 0;
        /* the zlib header: deflate, 32 KiB window at most, no preset dictionary */
        if (k == 0 && ((h[8] & 0x0f) != 8 || (h[8] >> 4) > 7 || (h[9] & 0x20) ||
                       ((h[8] << 8) | h[9]) % 31 != 0))
            return 0;
        r->chunk_len[k] = (uint32_t)len;
        if (len + 12 > r->max_chunk)
            r->max_chunk = (size_t)len + 12;
    }
    return 1;
}

int prts__seg_reader_open(prts__seg_reader **out, const prts_allocator *a, int fd, uint32_t side,
                          uint64_t first_idat, int threads, const char *name, prts__err *e)
{
    *out = NULL;
    struct stat st;
    if (!first_idat || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 64)
        return PRTS_OK;
    uint64_t file_len = (uint64_t)st.st_size;
    uint8_t tail[20];
    if (pread(fd, tail, sizeof tail, (off_t)(file_len - sizeof tail)) != (ssize_t)sizeof tail)
        return PRTS_OK;
    uint32_t ix_len;
    uint64_t ix_at = prts__index_locate(tail, file_len, &ix_len);
    if (!ix_at)
        return PRTS_OK;
    uint8_t *chunk = prts__alloc(a, (size_t)ix_len + 12);
    if (!chunk)
        return prts__fail(e, PRTS_E_NOMEM, "cannot read the segment index");
    int usable = pread(fd, chunk, (size_t)ix_len + 12, (off_t)ix_at) == (ssize_t)ix_len + 12 &&
                 prts__get32(chunk) == ix_len && memcmp(chunk + 4, PRTS__INDEX_CHUNK, 4) == 0 &&
                 prts__crc32(0, chunk + 4, (size_t)ix_len + 4) == prts__get32(chunk + 8 + ix_len);
    prts__seg_reader *r = prts__calloc(a, 1, sizeof *r);
    if (!r) {
        prts__free(a, chunk);
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate the segment reader");
    }
    r->name = name;
    r->side = side;
    r->row_len = (size_t)side * 4;
    r->file_len = file_len;
    r->adler = 1;
    r->in_order = 1;
    r->horizon = side - 1;
    r->fd = fd;
    r->alloc = a;
    r->ix.alloc = a;
    int ix_rc = usable ? prts__index_decode(chunk + 8, ix_len, side, ix_at, &r->ix) : -1;
    prts__free(a, chunk);
    /* The segments must be exactly the IDAT chunks a sequential reader inflates: from
     * the first one on, back to back (chunks_match) up to the index chunk, which IEND
     * follows at the end of the file.  Anything else (IDAT chunks the index skips,
     * before or after its own) is a second image for some reader. */
    int match = ix_rc == 0 && r->ix.seg[0].offset == first_idat && r->ix.end == ix_at
                    ? chunks_match(r) : 0;
    if (ix_rc == -2 || match < 0) {
        prts__seg_reader_free(r);
        return prts__fail(e, PRTS_E_NOMEM, "cannot read the segment index");
    }
    if (!match) {
        prts__seg_reader_free(r);
        return PRTS_OK;
    }
    for (uint32_t k = 0; k < r->ix.count; k++)
        if (seg_rows(r, k) > r->max_rows)
            r->max_rows = seg_rows(r, k);
    int n = prts__pool_threads(threads);
    r->nthreads = r->ix.count < 2 || n < 2 ? 0 : n;
    r->nslots = r->nthreads ? prts__pool_slots(r->nthreads, r->ix.count) : 1;
    r->slots = prts__calloc(a, r->nslots, sizeof *r->slots);
    if (!r->slots) {
        prts__seg_reader_free(r);
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate the segment reader");
    }
    size_t seg_bytes = (size_t)r->max_rows * (r->row_len + 1);
    for (uint32_t i = 0; i < r->nslots; i++) {
        r->slots[i].seg = -1;
        if (!(r->slots[i].rows = prts__alloc(a, seg_bytes)) ||
            !(r->slots[i].chunk = prts__alloc(a, r->max_chunk))) {
            prts__seg_reader_free(r);
            return prts__fail(e, PRTS_E_NOMEM, "cannot allocate %zu bytes of rows", seg_bytes);
        }
    }
    if (r->nthreads) {
        prts__pool_work work = {
            .owner = r, .local_size = sizeof(inflater), .take = worker_take,
            .run = worker_run, .finish = worker_finish, .end = worker_end,
        };
        if (prts__pool_start(&r->pool, a, &work, r->nthreads) < r->nthreads) {
            prts__seg_reader_free(r);
            return prts__fail(e, PRTS_E_NOMEM, "cannot start an inflate thread");
        }
    }
    *out = r;
    return PRTS_OK;
}

void prts__seg_reader_free(prts__seg_reader *r)
{
    if (!r)
        return;
    prts__pool_stop(&r->pool);
    for (uint32_t i = 0; r->slots && i < r->nslots; i++) {
        prts__free(r->alloc, r->slots[i].rows);
        prts__free(r->alloc, r->slots[i].chunk);
    }
    prts__free(r->alloc, r->chunk_len);
    prts__free(r->alloc, r->slots);
    inflater_free(r, &r->inline_inf);
    prts__index_free(&r->ix);
    prts__free(r->alloc, r);
}
