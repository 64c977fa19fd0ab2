/* png/read.c: PNG reading through libspng with limits for untrusted input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "png/filter.h"
#include "png/read.h"

#define READ_BUF_SIZE (256u << 10)
/* Interlaced files cannot be read a strip at a time; up to this size they
 * are decoded whole, larger ones are refused. */
#define MAX_INTERLACED_BYTES (256ull << 20)

ptrdiff_t prts__fd_read(void *user, void *buf, size_t cap)
{
    int fd = *(int *)user;
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

enum { PHASE_SIGNATURE, PHASE_HEADER, PHASE_DATA, PHASE_CRC };
enum { ZCHECK_RUNNING, ZCHECK_ENDED, ZCHECK_CORRUPT, ZCHECK_TRAILING };

/* Inflate image data into a scratch buffer only to check the stream: it must
 * end, with its Adler-32 right, exactly where the image data ends. */
static void zcheck_feed(prts__crc_tracker *t, const uint8_t *p, size_t n)
{
    uint8_t scratch[16384];
    if (t->zstate == ZCHECK_ENDED && n) {
        t->zstate = ZCHECK_TRAILING;
        return;
    }
    t->zcheck->next_in = (Bytef *)p;
    t->zcheck->avail_in = (uInt)n;
    while (t->zstate == ZCHECK_RUNNING && t->zcheck->avail_in) {
        t->zcheck->next_out = scratch;
        t->zcheck->avail_out = sizeof scratch;
        int ret = inflate(t->zcheck, Z_NO_FLUSH);
        if (ret == Z_STREAM_END)
            t->zstate = t->zcheck->avail_in ? ZCHECK_TRAILING : ZCHECK_ENDED;
        else if (ret != Z_OK && ret != Z_BUF_ERROR)
            t->zstate = ZCHECK_CORRUPT;
    }
}

static void keep_idat_tail(prts__crc_tracker *t, const uint8_t *p, size_t n)
{
    if (n >= 4) {
        memcpy(t->idat_tail, p + n - 4, 4);
    } else {
        memmove(t->idat_tail, t->idat_tail + n, 4 - n);
        memcpy(t->idat_tail + 4 - n, p, n);
    }
}

static void crc_track(prts__crc_tracker *t, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t take = n < t->left ? n : t->left;
        switch (t->phase) {
        case PHASE_SIGNATURE:
            break;
        case PHASE_HEADER:
        case PHASE_CRC:
            memcpy(t->field + (t->phase == PHASE_HEADER ? 8 : 4) - t->left, p, take);
            break;
        case PHASE_DATA:
            t->crc = prts__crc32(t->crc, p, take);
            if (t->idat)
                keep_idat_tail(t, p, take);
            if (t->idat && t->zcheck)
                zcheck_feed(t, p, take);
            break;
        }
        p += take;
        n -= take;
        t->offset += take;
        if ((t->left -= (uint32_t)take) > 0)
            continue;
        if (t->phase == PHASE_HEADER) {
            memcpy(t->type, t->field + 4, 4);
            t->type[4] = '\0';
            t->crc = prts__crc32(0, t->field + 4, 4);
            t->left = prts__get32(t->field);
            t->idat = !strcmp(t->type, "IDAT");
            if (!strcmp(t->type, "tEXt") || !strcmp(t->type, "zTXt") || !strcmp(t->type, "iTXt")) {
                t->texts++;
                if (t->left > t->max_text) {
                    t->text_too_big = 1;
                    t->text_len = t->left;
                }
            }
            t->phase = t->left ? PHASE_DATA : PHASE_CRC;
            if (!t->left)
                t->left = 4;
            continue;
        }
        if (t->phase == PHASE_DATA) {
            t->phase = PHASE_CRC;
            t->left = 4;
            continue;
        }
        if (t->phase == PHASE_CRC && prts__get32(t->field) != t->crc)
            t->bad = 1;
        if (t->bad)
            return; /* keep the damaged chunk's name and offset */
        t->chunk_at = t->offset;
        t->phase = PHASE_HEADER;
        t->left = 8;
    }
}

/* Refill the read-ahead buffer; 1 if bytes are available, 0 at EOF, -1 on error. */
static int refill(prts__png_reader *r)
{
    if (r->pos < r->fill)
        return 1;
    if (r->eof)
        return 0;
    ptrdiff_t n = r->read(r->user, r->buf, READ_BUF_SIZE);
    if (n < 0) {
        r->callback_failed = 1;
        return -1;
    }
    if (n == 0) {
        r->eof = 1;
        return 0;
    }
    r->pos = 0;
    r->fill = (size_t)n;
    return 1;
}

/* libspng wants exactly `length` bytes; the user callback may return less. */
static int read_cb(spng_ctx *ctx, void *user, void *dst, size_t length)
{
    (void)ctx;
    prts__png_reader *r = user;
    uint8_t *out = dst;
    while (length > 0) {
        int got = refill(r);
        if (got <= 0)
            return got < 0 ? SPNG_IO_ERROR : SPNG_IO_EOF;
        size_t take = r->fill - r->pos < length ? r->fill - r->pos : length;
        memcpy(out, r->buf + r->pos, take);
        crc_track(&r->crc, out, take);
        if (r->crc.bad)
            return SPNG_IO_ERROR;
        if (r->crc.texts > r->max_texts) /* libspng would store them all */
            r->too_many_texts = 1;
        if (r->too_many_texts || r->crc.text_too_big)
            return SPNG_IO_ERROR;
        r->pos += take;
        out += take;
        length -= take;
    }
    return 0;
}

/* After libspng rejected a chunk's contents, read on to the end of that
 * chunk: if its CRC fails, the real problem is damage, not a bad encoder. */
static void drain_current_chunk(prts__png_reader *r)
{
    prts__crc_tracker *t = &r->crc;
    uint64_t chunk = t->chunk_at;
    while (!t->bad && t->chunk_at == chunk && t->phase != PHASE_SIGNATURE && refill(r) > 0) {
        size_t take = r->fill - r->pos;
        uint64_t rest = (uint64_t)t->left + (t->phase == PHASE_DATA ? 4 : 0); /* no 32-bit wrap */
        if (take > rest)
            take = (size_t)rest;
        crc_track(t, r->buf + r->pos, take);
        r->pos += take;
    }
}

/* Check the signature before libspng asks for signature + IHDR at once, so
 * that a short file that is not a PNG is "not a PNG", not "truncated". */
static int check_signature(prts__png_reader *r, prts__err *e)
{
    while (r->fill < sizeof png_signature && !r->eof) {
        ptrdiff_t n = r->read(r->user, r->buf + r->fill, READ_BUF_SIZE - r->fill);
        if (n < 0) {
            r->callback_failed = 1;
            return prts__fail(e, PRTS_E_CALLBACK, "%s: the read callback failed", r->name);
        }
        if (n == 0)
            r->eof = 1;
        r->fill += (size_t)n;
    }
    size_t n = r->fill < sizeof png_signature ? r->fill : sizeof png_signature;
    if (memcmp(r->buf, png_signature, n) != 0 || n == 0)
        return prts__fail(e, PRTS_E_NOT_PNG, "%s: not a PNG file (bad signature)", r->name);
    if (n < sizeof png_signature)
        return prts__fail(e, PRTS_E_TRUNCATED, "%s: PNG is truncated (%zu bytes)", r->name, n);
    return PRTS_OK;
}

static int spng_fail(prts__png_reader *r, int rc, prts__err *e)
{
    const char *n = r->name;
    int limit = rc == SPNG_EUSER_WIDTH || rc == SPNG_EUSER_HEIGHT || rc == SPNG_ECHUNK_LIMITS ||
                rc == SPNG_EMEM;
    if (!r->crc.bad && !r->callback_failed && rc > 0 && !limit)
        drain_current_chunk(r);
    if (r->crc.bad)
        return prts__fail(e, PRTS_E_CRC, "%s: %s chunk at offset %llu fails its CRC check", n,
                          r->crc.type, (unsigned long long)r->crc.chunk_at);
    if (r->callback_failed)
        return prts__fail(e, PRTS_E_CALLBACK, "%s: the read callback failed", n);
    if (r->crc.text_too_big)
        return prts__fail(e, PRTS_E_LIMIT, "%s: %s chunk of %u bytes at offset %llu exceeds the "
                          "limit of %llu bytes (PRTS_OPT_MAX_METADATA_SIZE)", n, r->crc.type,
                          r->crc.text_len, (unsigned long long)r->crc.chunk_at,
                          (unsigned long long)r->max_chunk);
    if (r->too_many_texts)
        return prts__fail(e, PRTS_E_LIMIT, "%s: more than %u text chunks (the limit, "
                          "PRTS_OPT_MAX_METADATA_CHUNKS)", n, r->max_texts);
    if (r->spng_mem.failed_now)
        return prts__fail(e, PRTS_E_NOMEM, "%s: out of memory while decoding the PNG (%s)", n,
                          spng_strerror(rc));
    switch (rc) {
    case SPNG_ESIGNATURE:
        return prts__fail(e, PRTS_E_NOT_PNG, "%s: not a PNG file (bad signature)", n);
    case SPNG_IO_EOF:
    case SPNG_EOF:
    case SPNG_EIDAT_TOO_SHORT:
        return prts__fail(e, PRTS_E_TRUNCATED, "%s: PNG is truncated (%s)", n, spng_strerror(rc));
    case SPNG_ECHUNK_CRC:
        return prts__fail(e, PRTS_E_CRC, "%s: a PNG chunk fails its CRC check", n);
    case SPNG_ECHUNK_LIMITS:
        return prts__fail(e, PRTS_E_LIMIT, "%s: a PNG chunk exceeds the limit of %llu bytes "
                          "(PRTS_OPT_MAX_METADATA_SIZE)", n, (unsigned long long)r->max_chunk);
    case SPNG_EUSER_WIDTH:
    case SPNG_EUSER_HEIGHT:
        return prts__fail(e, PRTS_E_LIMIT, "%s: PNG exceeds a configured limit (%s)", n,
                          spng_strerror(rc));
    case SPNG_EMEM:
        return prts__fail(e, PRTS_E_NOMEM, "%s: out of memory while decoding the PNG", n);
    default:
        return prts__fail(e, PRTS_E_PNG, "%s: malformed PNG: %s", n, spng_strerror(rc));
    }
}

int prts__png_read_open(prts__png_reader *r, const prts_allocator *a, prts_read_fn read,
                        void *user, const char *name, uint32_t max_side, uint64_t max_chunk,
                        uint32_t max_texts, prts__err *e)
{
    memset(r, 0, sizeof *r);
    r->alloc = a;
    r->spng_mem.alloc = a;
    prts__spng_use(&r->spng_mem);
    r->max_texts = max_texts;
    r->max_chunk = max_chunk;
    r->read = read;
    r->user = user;
    r->name = name;
    r->buf = prts__alloc(a, READ_BUF_SIZE);
    r->ctx = spng_ctx_new2(&prts__spng_alloc, 0);
    if (!r->buf || !r->ctx)
        return prts__fail(e, PRTS_E_NOMEM, "%s: cannot create a PNG decoder", name);
    r->crc.phase = PHASE_SIGNATURE;
    r->crc.max_text = max_chunk;
    r->crc.left = sizeof png_signature;
    struct spng_ihdr ihdr;
    int rc = check_signature(r, e);
    if (rc)
        return rc;
    /* CRCs are checked by our tracker (see prts__crc_tracker) */
    if ((rc = spng_set_png_stream(r->ctx, read_cb, r)) ||
        (rc = spng_set_crc_action(r->ctx, SPNG_CRC_USE, SPNG_CRC_USE)) ||
        (rc = spng_set_chunk_limits(r->ctx, max_chunk, 2 * max_chunk)) ||
        (rc = spng_get_ihdr(r->ctx, &ihdr)))
        return spng_fail(r, rc, e);
    /* The shape (square, a power of two) is checked later, by prts__png_read_check_grid,
     * once the caller knows whether this is a PixelRTS file at all; the limit stays here,
     * on both sides, before anything sized by the image is read. */
    if (ihdr.width > max_side || ihdr.height > max_side)
        return prts__fail(e, PRTS_E_LIMIT, "%s: grid %ux%u exceeds the limit of %u", name,
                          ihdr.width, ihdr.height, max_side);
    if (ihdr.interlace_method && (uint64_t)ihdr.width * ihdr.height * 4 > MAX_INTERLACED_BYTES)
        return prts__fail(e, PRTS_E_UNSUPPORTED,
                          "%s: interlaced %ux%u image is larger than %llu MiB; re-save it "
                          "without interlacing", name, ihdr.width, ihdr.height,
                          MAX_INTERLACED_BYTES >> 20);
    r->side = ihdr.width;
    r->height = ihdr.height;
    r->plain_rgba8 = ihdr.bit_depth == 8 && ihdr.color_type == SPNG_COLOR_TYPE_TRUECOLOR_ALPHA &&
                     !ihdr.interlace_method;
    /* Other files' rows come out converted, so they cannot be filtered again to check
     * the Adler-32 (see check_adler): zlib inflates their image data a second time
     * (no PixelRTS writer makes such files: their cost does not matter).  libspng's
     * own check would not do: it runs only when the stream's last bytes arrive in the
     * same read as the last row, and never looks past the rows. */
    r->check_adler = r->plain_rgba8;
    if (!r->check_adler) {
        z_stream *z = prts__calloc(a, 1, sizeof *z);
        if (!z)
            return prts__fail(e, PRTS_E_NOMEM, "%s: cannot create a PNG decoder", name);
        z->zalloc = prts__zalloc;
        z->zfree = prts__zfree;
        z->opaque = (void *)a;
        if (inflateInit(z) != Z_OK) {
            prts__free(a, z);
            return prts__fail(e, PRTS_E_NOMEM, "%s: cannot create a PNG decoder", name);
        }
        r->crc.zcheck = z;
    }
    return PRTS_OK;
}

int prts__png_read_check_grid(const prts__png_reader *r, prts__err *e)
{
    if (r->side != r->height)
        return prts__fail(e, PRTS_E_NOT_SQUARE, "%s: Image must be square, got %ux%u", r->name,
                          r->side, r->height);
    if ((r->side & (r->side - 1)) != 0)
        return prts__fail(e, PRTS_E_GRID_NOT_POW2, "%s: Invalid grid size: %u (not power of 2)",
                          r->name, r->side);
    return PRTS_OK;
}

int prts__png_read_texts(prts__png_reader *r, prts__png_text_fn fn, void *user, prts__err *e)
{
    uint32_t n = 0;
    prts__spng_use(&r->spng_mem);
    int rc = spng_get_text(r->ctx, NULL, &n);
    if (rc == SPNG_ECHUNKAVAIL || (rc == 0 && n == 0))
        return PRTS_OK;
    if (rc)
        return spng_fail(r, rc, e);
    struct spng_text *texts = prts__calloc(r->alloc, n, sizeof *texts);
    if (!texts)
        return prts__fail(e, PRTS_E_NOMEM, "%s: out of memory", r->name);
    rc = spng_get_text(r->ctx, texts, &n);
    if (rc) {
        prts__free(r->alloc, texts);
        return spng_fail(r, rc, e);
    }
    int status = PRTS_OK;
    for (uint32_t i = 0; status == PRTS_OK && i < n; i++)
        status = fn(user, texts[i].keyword, texts[i].text, texts[i].length, e);
    prts__free(r->alloc, texts);
    return status;
}

int prts__png_read_begin(prts__png_reader *r, prts__err *e)
{
    struct spng_ihdr ihdr;
    prts__spng_use(&r->spng_mem);
    spng_get_ihdr(r->ctx, &ihdr);
    int rc;
    if (ihdr.interlace_method) {
        size_t size = (size_t)r->side * r->side * 4;
        r->image = prts__alloc(r->alloc, size ? size : 1);
        if (!r->image)
            return prts__fail(e, PRTS_E_NOMEM, "%s: cannot allocate %zu bytes", r->name, size);
        rc = spng_decode_image(r->ctx, r->image, size, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS);
    } else {
        rc = spng_decode_image(r->ctx, NULL, 0, SPNG_FMT_RGBA8,
                               SPNG_DECODE_TRNS | SPNG_DECODE_PROGRESSIVE);
    }
    if (rc)
        return spng_fail(r, rc, e);
    if (r->check_adler) {
        size_t row_len = (size_t)r->side * 4;
        r->adler = 1;
        r->last_row = prts__calloc(r->alloc, row_len, 1);
        r->filtered = prts__alloc(r->alloc, row_len);
        if (!r->last_row || !r->filtered)
            return prts__fail(e, PRTS_E_NOMEM, "%s: cannot allocate %zu bytes", r->name,
                              2 * row_len);
    }
    return PRTS_OK;
}

/* Fold one row, as the zlib stream holds it, into the Adler-32. */
static void adler_row(prts__png_reader *r, const uint8_t *row, const uint8_t *prev,
                      uint8_t filter)
{
    size_t len = (size_t)r->side * 4;
    r->adler = prts__adler32(r->adler, &filter, 1);
    if (filter != 0) {
        prts__filter_row_as(r->filtered, row, prev, len, filter);
        row = r->filtered;
    }
    r->adler = prts__adler32(r->adler, row, len);
}

int prts__png_read_rows(prts__png_reader *r, uint8_t *rows, size_t stride, uint32_t n,
                        prts__err *e)
{
    size_t row_len = (size_t)r->side * 4;
    prts__spng_use(&r->spng_mem);
    for (uint32_t i = 0; i < n; i++, r->next_row++) {
        uint8_t *row = rows + i * stride;
        if (r->image) {
            memcpy(row, r->image + (size_t)r->next_row * row_len, row_len);
            continue;
        }
        struct spng_row_info info = {0};
        if (r->check_adler)
            spng_get_row_info(r->ctx, &info); /* the filter of the row to come */
        int rc = spng_decode_row(r->ctx, row, row_len);
        if (rc != 0 && rc != SPNG_EOI)
            return spng_fail(r, rc, e);
        if (r->check_adler)
            adler_row(r, row, i ? row - stride : r->last_row, info.filter);
    }
    if (r->check_adler && n)
        memcpy(r->last_row, rows + (size_t)(n - 1) * stride, row_len);
    return PRTS_OK;
}

int prts__png_read_end(prts__png_reader *r, prts__png_text_fn fn, void *user, prts__err *e)
{
    /* the last IDAT's CRC and IEND are only read when asked for */
    prts__spng_use(&r->spng_mem);
    int rc = spng_decode_chunks(r->ctx);
    if (rc)
        return spng_fail(r, rc, e);
    /* libspng may stop after IEND's header: its CRC, the file's last 4 bytes, is then ours
     * to read (a stream cut there would otherwise pass) */
    if (r->crc.phase != PHASE_HEADER)
        drain_current_chunk(r);
    if (r->crc.bad)
        return prts__fail(e, PRTS_E_CRC, "%s: %s chunk at offset %llu fails its CRC check",
                          r->name, r->crc.type, (unsigned long long)r->crc.chunk_at);
    if (r->callback_failed)
        return prts__fail(e, PRTS_E_CALLBACK, "%s: the read callback failed", r->name);
    if (r->crc.phase != PHASE_HEADER || r->crc.left != 8 || strcmp(r->crc.type, "IEND") != 0)
        return prts__fail(e, PRTS_E_TRUNCATED, "%s: PNG is truncated (in its %s chunk)", r->name,
                          r->crc.type);
    /* A PNG ends at IEND.  What follows is refused rather than ignored: another reader
     * may make something of it (a second image), and every reader must see one file. */
    int more = refill(r);
    if (more < 0)
        return prts__fail(e, PRTS_E_CALLBACK, "%s: the read callback failed", r->name);
    if (more > 0)
        return prts__fail(e, PRTS_E_PNG, "%s: data after the IEND chunk (from offset %llu): a "
                          "PNG ends at IEND", r->name, (unsigned long long)r->crc.offset);
    /* every text chunk once more, those after the pixels included (a second metadata chunk) */
    if (fn && (rc = prts__png_read_texts(r, fn, user, e)))
        return rc;
    if (r->check_adler && r->next_row == r->side)
        return prts__check_adler(prts__get32(r->crc.idat_tail), r->adler, r->name, e);
    if (r->crc.zcheck && r->crc.zstate != ZCHECK_ENDED)
        return prts__fail(e, PRTS_E_PNG, "%s: the image data is corrupt: its zlib stream %s",
                          r->name, r->crc.zstate == ZCHECK_CORRUPT ? "fails to inflate (or its "
                          "Adler-32 is wrong)" : r->crc.zstate == ZCHECK_TRAILING
                          ? "is followed by more data" : "does not end");
    return PRTS_OK;
}

int prts__check_adler(uint32_t stored, uint32_t computed, const char *name, prts__err *e)
{
    if (stored == computed)
        return PRTS_OK;
    return prts__fail(e, PRTS_E_PNG, "%s: the image data is corrupt: zlib Adler-32 mismatch (the "
                      "zlib stream ends with %08x, its rows give %08x: damaged rows, or data "
                      "after the end of the stream)", name, stored, computed);
}

uint64_t prts__png_read_first_idat(const prts__png_reader *r)
{
    /* libspng stops reading at the first IDAT chunk's header until rows are asked for */
    return r->crc.idat && !r->crc.bad && r->next_row == 0 && !r->image ? r->crc.chunk_at : 0;
}

void prts__png_read_free(prts__png_reader *r)
{
    if (r->spng_mem.failed) /* see spng_alloc.c */
        prts__spng_release(&r->spng_mem);
    else
        spng_ctx_free(r->ctx);
    prts__free(r->alloc, r->buf);
    prts__free(r->alloc, r->image);
    prts__free(r->alloc, r->last_row);
    prts__free(r->alloc, r->filtered);
    if (r->crc.zcheck) {
        inflateEnd(r->crc.zcheck);
        prts__free(r->alloc, r->crc.zcheck);
    }
    memset(r, 0, sizeof *r);
}
