/* png/write.c: PNG framing, segments compressed on a pool of threads and
 * written in order, the segment index, a hash filled in last. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "common/cpu_features.h"
#include "common/pool.h"
#include "png/filter.h"
#include "png/segments_index.h"
#include "png/segments_write.h"
#include "png/write.h"

static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
/* CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (check bits; the level hint
 * says "fastest", which is informative only) */
static const uint8_t zlib_header[2] = {0x78, 0x01};

enum { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };
enum { CHUNK_HEAD = 8 }; /* length + type, before a chunk's data */
#define NO_HASH SIZE_MAX

/* One segment on its way: filtered rows in, a complete IDAT chunk out
 * (length and CRC filled in when it is written, in order). */
typedef struct slot {
    uint8_t *raw;        /* filtered rows */
    size_t raw_len;
    uint32_t first_row;
    int first, last;     /* first / last segment of the stream */
    int state;
    prts__buf out;       /* CHUNK_HEAD + [zlib header] + deflate (+ trailer + CRC later) */
    uint32_t adler;      /* of raw */
    uint32_t crc;        /* of the chunk type and data so far */
    int rc;
    prts__err err;
} slot;

struct prts__png_writer {
    prts_write_fn write;
    void *user;
    int callback_failed;
    uint32_t grid;
    size_t row_len;      /* 4 * grid */
    int level, adaptive, filter;
    uint32_t rows_per_seg;
    uint32_t rows_in;    /* rows received */
    uint8_t *prev_row;   /* last row received (adaptive filters), else NULL */
    uint8_t *scratch;    /* filter candidates */
    uint64_t offset;     /* bytes written */
    uint32_t adler;      /* of every filtered row written so far */
    prts__png_index index;
    uint32_t index_cap;

    /* segments: sequence number s lives in slots[s % nslots] */
    slot *slots;
    uint32_t nslots;
    uint64_t filled;     /* segments handed to the compressors */
    uint64_t taken;      /* segments a worker has started */
    uint64_t emitted;    /* segments written */
    prts__deflater inline_def; /* own, when params.deflater is NULL */
    prts__deflater *inline_use; /* params.deflater, else &inline_def */
    const prts_allocator *alloc;

    /* An all-zero segment (the padding after the payload) compresses to the
     * same bytes each time: the first one compressed is kept and copied for
     * the others of its length (neither the stream's first nor its last) */
    prts__buf zero_out;  /* its IDAT chunk up to the CRC, as compress_slot made it */
    size_t zero_raw_len; /* its length in filtered bytes; 0: none kept yet */
    uint32_t zero_crc;

    prts__pool pool;     /* the compressors, when nthreads */
    int nthreads;        /* 0: compress on the caller's thread */
    /* params.write_any_thread (with a pool): the segments are written, in
     * order, by the compressor that finds the next one done, not by the
     * caller's thread (which then only waits for a free slot).  Under the
     * pool's lock: */
    int any_thread;
    int emitting;        /* a compressor is writing segments now */
    int emit_rc;         /* the first failure writing them, and its message */
    prts__err emit_err;

    /* the hash to come (params.patch): where its digits and the metadata
     * chunk's CRC lie in the output, and that CRC's parts around the digits */
    prts__patch_fn patch;
    int ended;           /* IEND written */
    uint64_t hash_offset, crc_offset;
    uint32_t crc_head, crc_tail;
    size_t tail_len;
};

/* ---- output ---------------------------------------------------------------- */

static int put(prts__png_writer *w, const void *data, size_t len, prts__err *e)
{
    if (w->write(w->user, data, len) != 0) {
        w->callback_failed = 1;
        return prts__fail(e, PRTS_E_CALLBACK, "the output write callback failed");
    }
    w->offset += len;
    return PRTS_OK;
}

static int put_chunk(prts__png_writer *w, const char type[4], const uint8_t *data, size_t len,
                     prts__err *e)
{
    uint8_t head[CHUNK_HEAD], tail[4];
    prts__put32(head, (uint32_t)len);
    memcpy(head + 4, type, 4);
    prts__put32(tail, prts__crc32(prts__crc32(0, type, 4), data, len));
    int rc = put(w, head, sizeof head, e);
    if (rc == PRTS_OK && len)
        rc = put(w, data, len, e);
    return rc ? rc : put(w, tail, sizeof tail, e);
}

/* A whole tEXt chunk (length, type, keyword, text, CRC), from `a`. */
static uint8_t *text_chunk(const prts_allocator *a, const char *keyword, const char *text,
                           size_t len, size_t *out_len)
{
    size_t klen = strlen(keyword), data_len = klen + 1 + len;
    uint8_t *c = prts__alloc(a, data_len + 12);
    if (!c)
        return NULL;
    prts__put32(c, (uint32_t)data_len);
    memcpy(c + 4, "tEXt", 4);
    memcpy(c + 8, keyword, klen + 1);
    memcpy(c + 8 + klen + 1, text, len);
    prts__put32(c + 8 + data_len, prts__crc32(0, c + 4, data_len + 4));
    *out_len = data_len + 12;
    return c;
}

/* A tEXt chunk; unless `hash_at` is NO_HASH, the text holds a hash to come
 * there, and the writer notes where (prts__png_write_hash). */
static int put_text(prts__png_writer *w, const char *keyword, const char *text, size_t len,
                    size_t hash_at, prts__err *e)
{
    size_t n;
    uint8_t *c = text_chunk(w->alloc, keyword, text, len, &n);
    if (!c)
        return prts__fail(e, PRTS_E_NOMEM, "cannot build the %s chunk", keyword);
    if (hash_at != NO_HASH) {
        /* the CRC covers type and data: what lies before the digits and
         * after them is known now, the digits are combined in later */
        size_t at = CHUNK_HEAD + strlen(keyword) + 1 + hash_at, end = n - 4;
        w->hash_offset = w->offset + at;
        w->crc_offset = w->offset + end;
        w->crc_head = prts__crc32(0, c + 4, at - 4);
        w->tail_len = end - (at + 64);
        w->crc_tail = prts__crc32(0, c + at + 64, w->tail_len);
    }
    int rc = put(w, c, n, e);
    prts__free(w->alloc, c);
    return rc;
}

int prts__png_write_hash(prts__png_writer *w, const char hex[64], prts__err *e)
{
    if (!w->patch || !w->ended)
        return prts__fail(e, PRTS_E_PNG, "no hash to fill in");
    uint32_t crc = prts__crc32_combine(w->crc_head, prts__crc32(0, hex, 64), 64);
    uint8_t be[4];
    prts__put32(be, prts__crc32_combine(crc, w->crc_tail, w->tail_len));
    int rc = w->patch(w->user, w->hash_offset, hex, 64, e);
    return rc ? rc : w->patch(w->user, w->crc_offset, be, sizeof be, e);
}

/* ---- compressing a segment (any thread) ------------------------------------ */

static void zero_lock(prts__png_writer *w)
{
    if (w->nthreads)
        prts__pool_lock(&w->pool);
}

static void zero_unlock(prts__png_writer *w)
{
    if (w->nthreads)
        prts__pool_unlock(&w->pool);
}

/* A copy of the kept all-zero segment into s, if s is one like it. */
static int zero_reuse(prts__png_writer *w, slot *s)
{
    zero_lock(w);
    int hit = w->zero_raw_len == s->raw_len && s->raw_len;
    if (hit) {
        s->rc = prts__buf_reserve(&s->out, w->zero_out.len, &s->err);
        if (s->rc == PRTS_OK) {
            memcpy(s->out.data, w->zero_out.data, w->zero_out.len);
            s->out.len = w->zero_out.len;
            s->crc = w->zero_crc;
            /* the Adler-32 of n zeros: a = 1, b = n (mod 65521) */
            s->adler = (uint32_t)((s->raw_len % 65521u) << 16) | 1u;
        }
    }
    zero_unlock(w);
    return hit;
}

/* Keep s, an all-zero segment just compressed, for the next ones. */
static void zero_keep(prts__png_writer *w, slot *s)
{
    zero_lock(w);
    if (w->zero_raw_len == 0) {
        s->rc = prts__buf_reserve(&w->zero_out, s->out.len, &s->err);
        if (s->rc == PRTS_OK) {
            memcpy(w->zero_out.data, s->out.data, s->out.len);
            w->zero_out.len = s->out.len;
            w->zero_crc = s->crc;
            w->zero_raw_len = s->raw_len;
        }
    }
    zero_unlock(w);
}

static void compress_slot(prts__png_writer *w, slot *s, prts__deflater *d)
{
    int zero = !s->first && !s->last && prts__all_zero(s->raw, s->raw_len);
    if (zero && zero_reuse(w, s))
        return;
    s->out.len = 0;
    s->rc = prts__buf_reserve(&s->out, s->raw_len + s->raw_len / 64 + 4096, &s->err);
    if (s->rc)
        return;
    memcpy(s->out.data + 4, "IDAT", 4);
    s->out.len = CHUNK_HEAD;
    if (s->first) {
        memcpy(s->out.data + s->out.len, zlib_header, sizeof zlib_header);
        s->out.len += sizeof zlib_header;
    }
    s->rc = prts__seg_compress(d, s->raw, s->raw_len, w->level, w->adaptive, s->last, &s->out,
                               &s->adler, &s->err);
    if (s->rc == PRTS_OK)
        s->crc = prts__crc32(0, s->out.data + 4, s->out.len - 4);
    if (s->rc == PRTS_OK && zero)
        zero_keep(w, s);
}

/* The pool's hooks (common/pool.h): segments are compressed in the order
 * they were filled, each thread with its own deflater. */
static void worker_begin(void *owner, void *local)
{
    prts__png_writer *w = owner;
    ((prts__deflater *)local)->alloc = w->alloc;
}

static void *worker_take(void *owner)
{
    prts__png_writer *w = owner;
    if (w->taken == w->filled)
        return NULL;
    slot *s = &w->slots[w->taken++ % w->nslots];
    s->state = SLOT_RUNNING;
    return s;
}

static int write_slot(prts__png_writer *w, slot *s, prts__err *e);

static void worker_run(void *owner, void *task, void *local)
{
    prts__png_writer *w = owner;
    compress_slot(w, task, local);
    if (!w->any_thread)
        return;
    /* the segments in order, written by whichever compressor finds the next
     * one done while no other is writing: checked under the lock on both
     * sides, so a segment done is always written by someone */
    prts__pool_lock(&w->pool);
    ((slot *)task)->state = SLOT_DONE;
    while (!w->emitting && !w->emit_rc && w->emitted < w->filled) {
        slot *s = &w->slots[w->emitted % w->nslots];
        if (s->state != SLOT_DONE)
            break;
        w->emitting = 1;
        prts__pool_unlock(&w->pool);
        prts__err err;
        int rc = write_slot(w, s, &err);
        prts__pool_lock(&w->pool);
        w->emitting = 0;
        if (rc) {
            w->emit_rc = rc;
            w->emit_err = err;
        }
        w->emitted++;
        s->state = SLOT_FREE;
    }
    prts__pool_unlock(&w->pool);
}

static int worker_finish(void *owner, void *task)
{
    prts__png_writer *w = owner;
    if (!w->any_thread) /* else run() marked it, and it may be written already */
        ((slot *)task)->state = SLOT_DONE;
    return 1;
}

static void worker_end(void *owner, void *local)
{
    (void)owner;
    prts__deflater_free(local);
}

/* ---- writing segments in order (caller's thread) --------------------------- */

static int index_add(prts__png_writer *w, uint32_t first_row, uint32_t adler, prts__err *e)
{
    prts__png_index *ix = &w->index;
    if (ix->count == w->index_cap) {
        uint32_t cap = w->index_cap ? 2 * w->index_cap : 64;
        prts__seg_entry *p = prts__realloc(w->alloc, ix->seg, sizeof *p * ix->count, sizeof *p * cap);
        if (!p)
            return prts__fail(e, PRTS_E_NOMEM, "cannot grow the segment index");
        ix->seg = p;
        w->index_cap = cap;
    }
    ix->seg[ix->count].offset = w->offset;
    ix->seg[ix->count].first_row = first_row;
    ix->seg[ix->count].adler = adler;
    ix->count++;
    return PRTS_OK;
}

/* Wait until fewer than `busy` segments are in flight (any_thread: the
 * compressors write them), or one failed. */
static int wait_written(prts__png_writer *w, uint64_t busy, prts__err *e)
{
    prts__pool_lock(&w->pool);
    while (w->filled - w->emitted >= busy && !w->emit_rc)
        prts__pool_wait(&w->pool);
    int rc = w->emit_rc;
    if (rc)
        *e = w->emit_err;
    prts__pool_unlock(&w->pool);
    return rc;
}

/* Write the oldest segment in flight, waiting for its compression. */
static int emit_one(prts__png_writer *w, prts__err *e)
{
    slot *s = &w->slots[w->emitted % w->nslots];
    if (w->nthreads) {
        prts__pool_lock(&w->pool);
        while (s->state != SLOT_DONE)
            prts__pool_wait(&w->pool);
        prts__pool_unlock(&w->pool);
    }
    w->emitted++;
    s->state = SLOT_FREE;
    return write_slot(w, s, e);
}

/* Write segment s, the next in order: its chunk, the stream's Adler-32 so
 * far, its index entry; or give its compression's failure. */
static int write_slot(prts__png_writer *w, slot *s, prts__err *e)
{
    if (s->rc) {
        *e = s->err;
        return s->rc;
    }
    w->adler = prts__adler32_combine(w->adler, s->adler, s->raw_len);
    uint8_t tail[8];
    size_t ntail = 0;
    if (s->last) { /* the zlib trailer ends the stream, inside this chunk */
        prts__put32(tail, w->adler);
        s->crc = prts__crc32(s->crc, tail, 4);
        ntail = 4;
    }
    size_t data_len = s->out.len - CHUNK_HEAD + ntail;
    if (data_len > 0x7fffffffu)
        return prts__fail(e, PRTS_E_PNG, "a %zu-byte IDAT chunk is too long", data_len);
    prts__put32(s->out.data, (uint32_t)data_len);
    prts__put32(tail + ntail, s->crc);
    ntail += 4;
    int rc = index_add(w, s->first_row, s->adler, e);
    if (rc == PRTS_OK)
        rc = put(w, s->out.data, s->out.len, e);
    return rc ? rc : put(w, tail, ntail, e);
}

/* Hand the segment in slot `filled` to the compressors. */
static int submit(prts__png_writer *w, prts__err *e)
{
    slot *s = &w->slots[w->filled % w->nslots];
    s->last = w->rows_in == w->grid;
    if (!w->nthreads) {
        w->filled++;
        compress_slot(w, s, w->inline_use);
        s->state = SLOT_DONE;
        return emit_one(w, e);
    }
    prts__pool_lock(&w->pool);
    s->state = SLOT_QUEUED;
    w->filled++;
    prts__pool_post(&w->pool);
    prts__pool_unlock(&w->pool);
    return PRTS_OK;
}

/* The slot the next rows go to; writes the oldest segment if all are busy. */
static int next_slot(prts__png_writer *w, slot **out, prts__err *e)
{
    if (w->any_thread) {
        int rc = wait_written(w, w->nslots, e);
        if (rc)
            return rc;
    } else if (w->filled - w->emitted == w->nslots) {
        int rc = emit_one(w, e);
        if (rc)
            return rc;
    }
    *out = &w->slots[w->filled % w->nslots];
    return PRTS_OK;
}

int prts__png_write_rows(prts__png_writer *w, const uint8_t *rows, uint32_t nrows, size_t stride,
                         prts__err *e)
{
    size_t rowb = w->row_len + 1;
    for (uint32_t r = 0; r < nrows; r++) {
        if (w->rows_in >= w->grid)
            return prts__fail(e, PRTS_E_PNG, "more rows than the image has");
        slot *s;
        int rc = next_slot(w, &s, e);
        if (rc)
            return rc;
        uint32_t in_seg = w->rows_in % w->rows_per_seg;
        if (in_seg == 0) {
            s->raw_len = 0;
            s->first_row = w->rows_in;
            s->first = w->rows_in == 0;
        }
        const uint8_t *cur = rows + (size_t)r * stride;
        /* a segment's first row never refers to the row before it, so that
         * segments inflate on their own (png/filter.h) */
        prts__filter_row(s->raw + s->raw_len, cur, in_seg ? w->prev_row : NULL, w->row_len,
                         w->filter == PRTS_FILTER_ADAPTIVE, w->scratch);
        if (w->prev_row)
            memcpy(w->prev_row, cur, w->row_len);
        s->raw_len += rowb;
        w->rows_in++;
        if (w->rows_in % w->rows_per_seg == 0 || w->rows_in == w->grid)
            if ((rc = submit(w, e)))
                return rc;
    }
    return PRTS_OK;
}

/* The compressors and their buffers, needed no more after the last
 * segment (a writer may live on a while to fill in the hash). */
static void drop_segments(prts__png_writer *w)
{
    prts__pool_stop(&w->pool);
    for (uint32_t i = 0; w->slots && i < w->nslots; i++) {
        prts__free(w->alloc, w->slots[i].raw);
        prts__buf_free(&w->slots[i].out);
    }
    prts__free(w->alloc, w->slots);
    w->slots = NULL;
    prts__buf_free(&w->zero_out);
    w->zero_raw_len = 0;
    prts__free(w->alloc, w->prev_row);
    prts__free(w->alloc, w->scratch);
    w->prev_row = w->scratch = NULL;
    prts__deflater_free(&w->inline_def);
}

int prts__png_write_end(prts__png_writer *w, prts__err *e)
{
    if (w->rows_in != w->grid)
        return prts__fail(e, PRTS_E_PNG, "%u of %u rows written", w->rows_in, w->grid);
    int rc = w->any_thread ? wait_written(w, 1, e) : PRTS_OK;
    while (rc == PRTS_OK && w->emitted < w->filled)
        rc = emit_one(w, e);
    if (rc)
        return rc;
    drop_segments(w);
    w->index.end = w->offset;
    size_t len;
    uint8_t *ix = prts__index_encode(&w->index, &len);
    if (!ix)
        return prts__fail(e, PRTS_E_NOMEM, "cannot serialise the segment index");
    rc = put_chunk(w, PRTS__INDEX_CHUNK, ix, len, e);
    prts__free(w->alloc, ix);
    if (rc == PRTS_OK && (rc = put_chunk(w, "IEND", NULL, 0, e)) == PRTS_OK)
        w->ended = 1;
    return rc;
}

/* ---- set-up ------------------------------------------------------------------ */

int prts__png_write_begin(prts__png_writer **out, const prts__png_params *p, prts_write_fn write,
                          void *user, prts__err *e)
{
    *out = NULL;
    if (p->patch && (p->hash_at > p->meta_len || p->meta_len - p->hash_at < 64))
        return prts__fail(e, PRTS_E_BAD_METADATA, "no room for the hash in the metadata");
    prts__png_writer *w = prts__calloc(p->alloc, 1, sizeof *w);
    if (!w)
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate the PNG writer");
    w->alloc = p->alloc;
    w->inline_def.alloc = p->alloc;
    w->inline_use = p->deflater ? p->deflater : &w->inline_def;
    w->zero_out.alloc = p->alloc;
    w->index.alloc = p->alloc;
    w->write = write;
    w->user = user;
    w->patch = p->patch;
    w->grid = p->grid;
    w->row_len = (size_t)p->grid * 4;
    w->level = p->level;
    w->adaptive = p->adaptive;
    w->filter = p->filter;
    w->adler = 1;
    w->index.height = p->grid;
    size_t rowb = w->row_len + 1;
    w->rows_per_seg = (uint32_t)(PRTS__SEGMENT_BYTES / rowb);
    if (w->rows_per_seg < 1)
        w->rows_per_seg = 1;
    if (w->rows_per_seg > p->grid)
        w->rows_per_seg = p->grid;
    uint32_t nseg = (p->grid + w->rows_per_seg - 1) / w->rows_per_seg;

    /* threads only pay when there are segments to share out (and one
     * segment needs no count of the CPUs: that reads sysfs) */
    int threads = nseg < 2 ? 0 : prts__pool_threads(p->threads);
    w->nthreads = threads < 2 ? 0 : threads;
    w->any_thread = p->write_any_thread && w->nthreads; /* before the threads start */
    w->nslots = w->nthreads ? prts__pool_slots(w->nthreads, nseg) : 1;
    *out = w;

    w->slots = prts__calloc(w->alloc, w->nslots, sizeof *w->slots);
    if (!w->slots)
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate the PNG writer");
    for (uint32_t i = 0; i < w->nslots; i++)
        w->slots[i].out.alloc = w->alloc;
    for (uint32_t i = 0; i < w->nslots; i++)
        if (!(w->slots[i].raw = prts__alloc(w->alloc, (size_t)w->rows_per_seg * rowb)))
            return prts__fail(e, PRTS_E_NOMEM, "cannot allocate %zu bytes of rows",
                              (size_t)w->rows_per_seg * rowb);
    if (p->filter == PRTS_FILTER_ADAPTIVE &&
        (!(w->prev_row = prts__alloc(w->alloc, w->row_len)) ||
         !(w->scratch = prts__alloc(w->alloc, 4 * w->row_len))))
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate the filter buffers");
    if (w->nthreads) {
        prts__pool_work work = {
            .owner = w, .local_size = sizeof(prts__deflater), .begin = worker_begin,
            .take = worker_take, .run = worker_run, .finish = worker_finish, .end = worker_end,
        };
        int started = prts__pool_start(&w->pool, w->alloc, &work, w->nthreads);
        if (started < w->nthreads) /* the ones started are joined by free */
            return prts__fail(e, PRTS_E_NOMEM, started < 0 ? "cannot allocate the PNG writer"
                                                           : "cannot start a compression thread");
    }

    uint8_t ihdr[13];
    prts__put32(ihdr, p->grid);
    prts__put32(ihdr + 4, p->grid);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 6;  /* RGBA */
    ihdr[10] = ihdr[11] = ihdr[12] = 0; /* deflate, adaptive filtering, no interlace */
    int rc = put(w, signature, sizeof signature, e);
    if (rc == PRTS_OK)
        rc = put_chunk(w, "IHDR", ihdr, sizeof ihdr, e);
    if (rc == PRTS_OK)
        rc = put_text(w, "PixelRTS", p->meta_text, p->meta_len, p->patch ? p->hash_at : NO_HASH, e);
    if (rc == PRTS_OK && p->blueprint_text)
        rc = put_text(w, "PixelRTS-Blueprint", p->blueprint_text, p->blueprint_len, NO_HASH, e);
    return rc;
}

void prts__png_write_free(prts__png_writer *w)
{
    if (!w)
        return;
    drop_segments(w);
    prts__index_free(&w->index);
    prts__free(w->alloc, w);
}
