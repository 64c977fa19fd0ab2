/* decoder.c: the decoder handle: metadata lookup, open/pull streaming, file to file, buffer to
 * buffer, verification, ranges; the one-shot decode calls (a default handle, made and freed). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/bands.h"
#include "common/alloc.h"
#include "common/fileio.h"
#include "common/sha256.h"
#include "common/stage.h"
#include "format/base64.h"
#include "format/compress.h"
#include "format/metadata.h"
#include "format/sidecar.h"
#include "layout/hilbert.h"
#include "layout/mirror.h"
#include "layout/range.h"
#include "png/read.h"
#include "png/segments_read.h"

enum { DEC_IDLE, DEC_OPEN, DEC_READY, DEC_FAILED };

struct prts_decoder {
    uint32_t magic;
    int state;
    int64_t opts[PRTS__OPT_COUNT];
    prts__backend backend;
    prts_progress_fn progress;
    void *progress_user;
    prts__png_reader png;  /* open while pixels remain to be read */
    int png_open;
    uint32_t side;         /* image side of the current file */
    int fd;                /* input file of the file API, else -1 */
    struct stat in_st;     /* its status (mode, identity) for outputs; kept after close */
    prts__meta meta;       /* metadata of the current file */
    int have_meta;
    int meta_source;
    int sidecar_mismatch;
    json_t *blueprint;     /* the file's blueprint, or NULL */
    prts__stage payload;   /* pull API: the whole payload, staged */
    uint64_t pos;          /* pull API: bytes delivered */
    prts__err err;
    prts_allocator alloc;  /* every allocation of the handle (common/alloc.h) */
};

static int valid(const prts_decoder *dec)
{
    return dec && dec->magic == PRTS__MAGIC_DECODER;
}

/* Close the current PNG; its facts and metadata stay. */
static void close_input(prts_decoder *dec)
{
    if (dec->png_open)
        prts__png_read_free(&dec->png);
    dec->png_open = 0;
    if (dec->fd >= 0)
        close(dec->fd);
    dec->fd = -1;
}

/* Forget the current file; keep options, backend and callbacks. */
static void close_file(prts_decoder *dec)
{
    close_input(dec);
    prts__meta_clear(&dec->meta);
    dec->have_meta = 0;
    dec->meta_source = PRTS_META_CHUNK;
    dec->sidecar_mismatch = 0;
    json_decref(dec->blueprint);
    dec->blueprint = NULL;
    prts__stage_free(&dec->payload);
    dec->pos = 0;
}

prts_decoder *prts_decoder_new(void)
{
    return prts_decoder_new_with(NULL);
}

prts_decoder *prts_decoder_new_with(const prts_allocator *allocator)
{
    prts_allocator a = prts__alloc_resolve(allocator);
    prts_decoder *dec = prts__calloc(&a, 1, sizeof *dec);
    if (!dec)
        return NULL;
    dec->alloc = a;
    dec->magic = PRTS__MAGIC_DECODER;
    dec->fd = -1;
    prts__options_defaults(dec->opts);
    prts__stage_init(&dec->payload, (uint64_t)dec->opts[PRTS_OPT_MEMORY_BUDGET], &dec->alloc);
    prts_decoder_set_backend(dec, prts__backend_default_name());
    dec->state = DEC_IDLE; /* a bad $PIXELRTS_BACKEND is reported by the first operation */
    dec->err.code = 0;
    dec->err.msg[0] = '\0';
    return dec;
}

void prts_decoder_free(prts_decoder *dec)
{
    if (!valid(dec))
        return;
    close_file(dec);
    prts__backend_close(&dec->backend);
    dec->magic = 0;
    prts_allocator a = dec->alloc;
    prts__free(&a, dec);
}

int prts_decoder_reset(prts_decoder *dec)
{
    if (!valid(dec))
        return PRTS_E_INVALID_ARG;
    close_file(dec);
    dec->state = DEC_IDLE;
    prts__backend_forgive(&dec->backend);
    dec->err.code = 0;
    dec->err.msg[0] = '\0';
    return PRTS_OK;
}

int prts_decoder_set_option(prts_decoder *dec, prts_option option, int64_t value)
{
    if (!valid(dec))
        return PRTS_E_INVALID_ARG;
    return prts__option_set(dec->opts, PRTS__FOR_DECODER, option, value, &dec->err);
}

int prts_decoder_get_option(const prts_decoder *dec, prts_option option, int64_t *value)
{
    if (!valid(dec))
        return PRTS_E_INVALID_ARG;
    return prts__option_get(dec->opts, PRTS__FOR_DECODER, option, value);
}

int prts_decoder_set_backend(prts_decoder *dec, const char *name)
{
    if (!valid(dec))
        return PRTS_E_INVALID_ARG;
    int rc = prts__backend_switch(&dec->backend, name, &dec->err);
    if (rc)
        dec->state = DEC_FAILED; /* stream calls: BAD_STATE until reset */
    return rc;
}

const char *prts_decoder_backend(const prts_decoder *dec)
{
    return valid(dec) ? prts__backend_name(&dec->backend) : NULL;
}

int prts_decoder_set_progress(prts_decoder *dec, prts_progress_fn fn, void *user)
{
    if (!valid(dec))
        return PRTS_E_INVALID_ARG;
    dec->progress = fn;
    dec->progress_user = user;
    return PRTS_OK;
}

int prts__decoder_settings(const prts_decoder *dec, prts__handle_settings *out)
{
    if (!valid(dec) || !out)
        return PRTS_E_INVALID_ARG;
    memcpy(out->opts, dec->opts, sizeof out->opts);
    out->metadata_json = NULL;
    out->blueprint_json = NULL;
    return prts__backend_requested(&dec->backend, &out->backend, &out->refusal);
}

const char *prts_decoder_last_error(const prts_decoder *dec)
{
    return valid(dec) ? dec->err.msg : "invalid decoder handle";
}

char *prts_decoder_metadata_json(const prts_decoder *dec)
{
    if (!valid(dec) || !dec->have_meta)
        return NULL;
    return prts__json_dump_ascii(dec->meta.obj, JSON_COMPACT);
}

/* PRTS_OK when the handle holds a file's metadata, else PRTS_E_BAD_STATE in dec->err. */
static int need_metadata(prts_decoder *dec)
{
    if (dec->have_meta && dec->meta.obj)
        return PRTS_OK;
    return prts__fail(&dec->err, PRTS_E_BAD_STATE, "no current file: open, decode, verify or "
                      "read the info of one first");
}

char *prts_decoder_user_metadata_json(prts_decoder *dec)
{
    if (!valid(dec) || need_metadata(dec))
        return NULL;
    json_t *user = prts__meta_user_keys(dec->meta.obj);
    char *text = user ? json_dumps(user, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(user);
    if (!text)
        prts__fail(&dec->err, PRTS_E_NOMEM, "out of memory writing the metadata");
    return text;
}

char *prts_decoder_blueprint_json(const prts_decoder *dec)
{
    if (!valid(dec) || !dec->blueprint)
        return NULL;
    return json_dumps(dec->blueprint, JSON_COMPACT | JSON_ENSURE_ASCII);
}

int prts_decoder_get_info(prts_decoder *dec, prts_info_key key, int64_t *value)
{
    if (!valid(dec))
        return PRTS_E_INVALID_ARG;
    if (!value)
        return prts__fail(&dec->err, PRTS_E_INVALID_ARG, "get_info: `value` is NULL");
    int rc = need_metadata(dec);
    if (rc)
        return rc;
    const prts__meta *m = &dec->meta;
    switch (key) {
    case PRTS_INFO_GRID_SIZE: *value = dec->side; break;
    case PRTS_INFO_METADATA_GRID_SIZE: *value = m->grid; break;
    case PRTS_INFO_DATA_SIZE: *value = (int64_t)m->data_size; break;
    case PRTS_INFO_ENCODED_SIZE: *value = (int64_t)m->encoded_size; break;
    case PRTS_INFO_MODE: *value = m->mode; break;
    case PRTS_INFO_COMPRESSED: *value = m->compressed; break;
    case PRTS_INFO_METADATA_SOURCE: *value = dec->meta_source; break;
    case PRTS_INFO_SIDECAR_MISMATCH: *value = dec->sidecar_mismatch; break;
    case PRTS_INFO_HAS_HASH: *value = m->has_hash; break;
    default: return prts__fail(&dec->err, PRTS_E_INVALID_ARG, "unknown info key %d", (int)key);
    }
    return PRTS_OK;
}

/* ------------------------------------------------------------------ */
/* Reading the header and choosing the metadata                        */

static int open_png(prts_decoder *dec, prts_read_fn read, void *user, const char *name)
{
    int rc = prts__png_read_open(&dec->png, &dec->alloc, read, user, name,
                                 (uint32_t)dec->opts[PRTS_OPT_MAX_GRID_SIZE],
                                 (uint64_t)dec->opts[PRTS_OPT_MAX_METADATA_SIZE],
                                 (uint32_t)dec->opts[PRTS_OPT_MAX_METADATA_CHUNKS], &dec->err);
    dec->png_open = 1;
    dec->side = dec->png.side;
    return rc;
}

/* Parse the PNG's metadata chunk into *out (NULL on failure, error in e),
 * and keep its blueprint chunk, if any (a broken blueprint is ignored: it
 * is carried, not interpreted, and never stops a decode). */
static int chunk_metadata(prts_decoder *dec, json_t **out, prts__err *e)
{
    prts__meta_texts t = {.name = dec->png.name};
    *out = NULL;
    int rc = prts__png_read_texts(&dec->png, prts__meta_text_seen, &t, e);
    if (rc == PRTS_OK)
        rc = prts__meta_texts_need(&t, e);
    if (rc == PRTS_OK && t.blueprint && !dec->blueprint) {
        prts__err ignored;
        prts__blueprint_parse_chunk(t.blueprint, t.blueprint_len, &dec->blueprint, &ignored);
    }
    return rc ? rc : prts__meta_parse_chunk(t.text, t.len, out, e);
}

/* Check the metadata against the image and what this decoder can do. */
static int check_metadata(prts_decoder *dec, const char *name, int decoding)
{
    const prts__meta *m = &dec->meta;
    uint64_t g = dec->png.side;
    /* A decompression bomb: a small file whose IDAT inflates to a huge image
     * (every row is inflated to reach IEND and check the stream).  No writer
     * makes the image larger than its payload needs, except for an explicit
     * grid, which the metadata records; and that one within bounds (a 1 MB
     * file recording grid_size 16384 for 100 bytes inflated 1 GiB per extract). */
    uint64_t payload = m->encoded_size > m->data_size ? m->encoded_size : m->data_size;
    uint64_t need = prts_grid_size_for(payload), allowed;
    int explicit_ok = prts__grid_allowed(g, payload, &allowed);
    if (g > need && (m->grid < g || !explicit_ok))
        return prts__fail(&dec->err, PRTS_E_DATA_SIZE,
                          "%s: the image is %llux%llu, but its metadata (data_size %llu, "
                          "grid_size %u) accounts for a %llux%llu grid (an explicit grid_size "
                          "may make it larger, up to %llu bytes of pixels)",
                          name, (unsigned long long)g, (unsigned long long)g,
                          (unsigned long long)m->data_size, m->grid, (unsigned long long)need,
                          (unsigned long long)need, (unsigned long long)allowed);
    if (m->mode == PRTS_MODE_CODE) {
        /* read_info (not `decoding`) still reports such a file's metadata, as the
         * original's info() did: only its payload is out of reach */
        if (!m->b64 && decoding)
            return prts__fail(&dec->err, PRTS_E_NO_ORIGINAL,
                              "%s: code-mode file has no original_data_b64: its pixels are lossy "
                              "and cannot be decoded", name);
        return PRTS_OK;
    }
    if (m->encoded_size > 4 * g * g) /* a PNG side is below 2^31, so g <= 2^30: no wrap */
        return prts__fail(&dec->err, PRTS_E_DATA_SIZE,
                          "%s: metadata claims %llu bytes, a %llux%llu grid holds at most %llu",
                          name, (unsigned long long)m->encoded_size, (unsigned long long)g,
                          (unsigned long long)g, (unsigned long long)(4 * g * g));
    return PRTS_OK;
}

/* The metadata of `path` from its chunk `chunk` and its sidecar `side` (either may be
 * NULL, not both): the chunk wins, the sidecar may add keys (prts__meta_merge).  A key
 * both hold with different values is PRTS_E_SIDECAR_MISMATCH when `decoding`; for
 * info it is only noted (PRTS_INFO_SIDECAR_MISMATCH), and the chunk's value shown. */
static int settle_metadata(prts_decoder *dec, const char *path, json_t *chunk, json_t *side,
                           int decoding, json_t **use)
{
    if (!side || !chunk) { /* a PNG without a chunk has only its sidecar to go by */
        *use = json_incref(side ? side : chunk);
        return PRTS_OK;
    }
    const char *key;
    *use = prts__meta_merge(chunk, side, &key);
    if (!*use)
        return prts__fail(&dec->err, PRTS_E_NOMEM, "%s: out of memory merging its sidecar", path);
    dec->sidecar_mismatch = key != NULL;
    if (!key || !decoding)
        return PRTS_OK;
    char *name = prts__sidecar_name(&dec->alloc, path, dec->meta_source);
    int rc = prts__fail(&dec->err, PRTS_E_SIDECAR_MISMATCH,
                        "%s: its sidecar %s says another '%s' than the PNG's own metadata (the "
                        "PNG is authoritative: delete or rewrite the sidecar, or stop reading "
                        "sidecars with PRTS_OPT_READ_SIDECAR 0)", path, name ? name : "", key);
    prts__free(&dec->alloc, name);
    json_decref(*use);
    *use = NULL;
    return rc;
}

/* Open `path` and settle its metadata: the PNG's chunk, with what its sidecar adds
 * (when sidecars are read); `decoding`: refuse a sidecar that disagrees. */
static int load_file(prts_decoder *dec, const char *path, int decoding)
{
    prts__err *e = &dec->err;
    int rc = prts__open_input(path, &dec->fd, &dec->in_st, e);
    if (rc)
        return rc;
    rc = open_png(dec, prts__fd_read, &dec->fd, path);
    if (rc)
        return rc;
    json_t *side = NULL, *chunk = NULL, *use = NULL;
    if (dec->opts[PRTS_OPT_READ_SIDECAR] &&
        (rc = prts__sidecar_read(&dec->alloc, path, (uint64_t)dec->opts[PRTS_OPT_MAX_METADATA_SIZE],
                                 &side, &dec->meta_source, e)))
        return rc;
    prts__err chunk_err = {0, ""};
    int chunk_rc = chunk_metadata(dec, &chunk, &chunk_err);
    if (!side)
        dec->meta_source = PRTS_META_CHUNK;
    /* only a missing chunk leaves the sidecar alone: a damaged one is still the PNG's word */
    if (chunk_rc == PRTS_E_NO_METADATA && !side && dec->opts[PRTS_OPT_READ_SIDECAR])
        return prts__fail(e, chunk_rc, "%s: not a PixelRTS file (no sidecar either): "
                          PRTS__NO_METADATA, path);
    if (chunk_rc && (chunk_rc != PRTS_E_NO_METADATA || !side)) {
        json_decref(side);
        *e = chunk_err;
        return prts__fail_path(e, path);
    }
    /* a PixelRTS file (its chunk or sidecar says so): now its image must be a grid */
    if ((rc = prts__png_read_check_grid(&dec->png, e))) {
        json_decref(side);
        json_decref(chunk);
        return rc;
    }
    if ((rc = settle_metadata(dec, path, chunk, side, decoding, &use)) == PRTS_OK &&
        !dec->blueprint && dec->opts[PRTS_OPT_READ_SIDECAR])
        rc = prts__sidecar_read_json(&dec->alloc, path, ".blueprint.json",
                                     (uint64_t)dec->opts[PRTS_OPT_MAX_METADATA_SIZE],
                                     &dec->blueprint, e);
    json_decref(side);
    json_decref(chunk);
    if (rc) {
        json_decref(use);
        return rc;
    }
    rc = prts__meta_interpret(use, &dec->meta, e);
    dec->have_meta = 1;
    json_decref(use);
    if (rc)
        return prts__fail_path(e, path);
    return check_metadata(dec, path, decoding);
}

/* ------------------------------------------------------------------ */
/* Pixels to payload                                                   */

/* The rows of the image come from the segment index on several threads when
 * the input is one of our files on disk, else from libspng in order.
 *
 * The index (png/segments_index.h) is a shortcut our encoder leaves beside the
 * PNG, not part of it: a PNG whose index is wrong (a segment that leans on the
 * row or the deflate data before it, a checksum that disagrees) may still be a
 * sound PNG, and the stream API, which never sees the index, decodes it.  So
 * when reading through the index fails, the file is read again in order and
 * libspng's verdict stands: every reader of one file sees one image. */
typedef struct row_source {
    prts__seg_reader *segs; /* NULL: libspng */
    uint32_t next;
    int index_failed;       /* reading through segs failed: read again in order */
} row_source;

/* `use_index`: 0 reads in order even where the file has an index. */
static int rows_begin(prts_decoder *dec, row_source *src, int use_index)
{
    src->segs = NULL;
    src->next = 0;
    src->index_failed = 0;
    if (use_index && dec->fd >= 0 && dec->png.plain_rgba8) {
        int rc = prts__seg_reader_open(&src->segs, &dec->alloc, dec->fd, dec->png.side,
                                       prts__png_read_first_idat(&dec->png),
                                       (int)dec->opts[PRTS_OPT_THREADS], dec->png.name, &dec->err);
        if (rc || src->segs)
            return rc;
    }
    return prts__png_read_begin(&dec->png, &dec->err);
}

/* Note a failure of the index (out of memory is not the file's fault). */
static int index_verdict(row_source *src, int rc)
{
    if (rc && rc != PRTS_E_NOMEM && src->segs)
        src->index_failed = 1;
    return rc;
}

static int rows_read(prts_decoder *dec, row_source *src, uint8_t *rows, size_t stride, uint32_t n)
{
    int rc = src->segs ? prts__seg_reader_rows(src->segs, src->next, n, rows, stride, &dec->err)
                       : prts__png_read_rows(&dec->png, rows, stride, n, &dec->err);
    src->next += n;
    return index_verdict(src, rc);
}

static int rows_end(prts_decoder *dec, row_source *src)
{
    prts__meta_texts t = {.name = dec->png.name}; /* a second metadata chunk after the pixels */
    return index_verdict(src, src->segs ? prts__seg_reader_finish(src->segs, &dec->err)
                                        : prts__png_read_end(&dec->png, prts__meta_text_seen, &t,
                                                             &dec->err));
}

typedef struct band_source {
    prts_decoder *dec;
    row_source *src;
} band_source;

static int get_rows(void *user, uint8_t *rows, size_t stride, uint32_t n, prts__err *e)
{
    band_source *b = user;
    (void)e; /* dec->err */
    return rows_read(b->dec, b->src, rows, stride, n);
}

/* Decode every row (backend/bands.h); scatter the payload into dest (NULL:
 * validate only), or, with a mirror (layout/mirror.h), into the mirror,
 * each finished band of rows written to the mirror's file.  *again: 1 when
 * reading through the segment index failed (row_source): the caller decodes
 * again with use_index 0, whose status stands. */
static int read_pixels_to(prts_decoder *dec, uint8_t *dest, int mapped, prts__mirror *mirror,
                          int use_index, int *again)
{
    prts__err *e = &dec->err;
    row_source src;
    *again = 0;
    int rc = prts__backend_check(&dec->backend, e);
    if (rc || (rc = rows_begin(dec, &src, use_index)))
        return rc;
    band_source from = {dec, &src};
    prts__bands_io io = {
        .decode = 1, .dest = dest, .len = dec->meta.encoded_size, .mapped = mapped,
        .mirror = mirror, .rows = get_rows, .rows_user = &from,
        .progress = dec->progress, .progress_user = dec->progress_user,
    };
    rc = prts__bands_run(&dec->alloc, &dec->backend, dec->png.side, &io, e);
    if (rc == PRTS_OK)
        rc = rows_end(dec, &src);
    *again = src.index_failed;
    prts__seg_reader_free(src.segs);
    return rc;
}

/* The status of the read in order that followed a failed read through the index
 * (`index_rc`, its message in `index_err`): it stands, but where it is the same failure
 * the index's message, which names the rows, is kept. */
static int in_order_verdict(prts_decoder *dec, int index_rc, const prts__err *index_err, int rc)
{
    if (rc && rc == index_rc)
        dec->err = *index_err;
    return rc;
}

/* read_pixels_to without a mirror: dest is rewritten whole by a second pass */
static int read_pixels(prts_decoder *dec, uint8_t *dest, int mapped)
{
    int again;
    int rc = read_pixels_to(dec, dest, mapped, NULL, 1, &again);
    if (!again)
        return rc;
    prts__err index_err = dec->err;
    return in_order_verdict(dec, rc, &index_err,
                            read_pixels_to(dec, dest, mapped, NULL, 0, &again));
}

/* Where the final payload bytes go: a hash, and a file or a stage. */
typedef struct sink {
    int fd;               /* file output, or -1 */
    prts__stage *stage;   /* pull output, or NULL */
    uint8_t *mem;         /* buffer output (mem_cap bytes), or NULL; none of the three:
                             the bytes are only hashed */
    uint64_t mem_cap, mem_len;
    prts__sha256 *sha;    /* NULL unless verifying */
} sink;

static int sink_emit(void *user, const uint8_t *data, size_t len)
{
    sink *s = user;
    if (s->sha)
        prts__sha256_update(s->sha, data, len);
    if (s->fd >= 0)
        return prts__write_all(s->fd, data, len) ? PRTS_E_IO : PRTS_OK;
    if (s->mem) {
        if (len > s->mem_cap - s->mem_len)
            return PRTS_E_BAD_METADATA; /* more than data_size: produce_indirect says so */
        memcpy(s->mem + s->mem_len, data, len);
        s->mem_len += len;
        return PRTS_OK;
    }
    if (!s->stage)
        return PRTS_OK;
    prts__err ignored;
    return prts__stage_append(s->stage, data, len, &ignored);
}

/* Payloads that are not simply the pixels: compressed or code mode.  The
 * encoded bytes are staged, then inflated or copied into the sink. */
static int produce_indirect(prts_decoder *dec, sink *out)
{
    prts__err *e = &dec->err;
    const prts__meta *m = &dec->meta;
    uint8_t *bytes = NULL;
    uint64_t n = 0;
    prts__stage enc;
    prts__stage_init(&enc, (uint64_t)dec->opts[PRTS_OPT_MEMORY_BUDGET], &dec->alloc);
    int rc;
    if (m->mode == PRTS_MODE_CODE) {
        /* the pixels are lossy; still read them so a damaged file is noticed */
        if ((rc = read_pixels(dec, NULL, 0)) ||
            (rc = prts__base64_decode(&dec->alloc, m->b64, m->b64_len, &bytes, &n, e)))
            goto done;
    } else {
        if ((rc = prts__stage_alloc(&enc, m->encoded_size, e)) ||
            (rc = read_pixels(dec, enc.base, prts__stage_is_file(&enc))))
            goto done;
        bytes = enc.base;
        n = enc.len;
    }
    /* the original's code mode keeps the compressed bytes in base64 */
    if (m->compressed && (m->mode != PRTS_MODE_CODE || n == m->encoded_size))
        rc = prts__decompress(&dec->alloc, bytes, n, m->data_size,
                              bytes == enc.base && prts__stage_is_file(&enc), sink_emit, out, e);
    else if (n != m->data_size)
        rc = prts__fail(e, PRTS_E_BAD_METADATA, "payload has %llu bytes, data_size says %llu",
                        (unsigned long long)n, (unsigned long long)m->data_size);
    else
        rc = sink_emit(out, bytes, n);
    if (rc == PRTS_E_IO)
        rc = prts__fail(e, PRTS_E_IO, "write failed: %s", strerror(errno));
    else if (rc == PRTS_E_BAD_METADATA && out->mem)
        rc = prts__fail(e, rc, "the payload has more bytes than data_size says (%llu)",
                        (unsigned long long)m->data_size);
done:
    if (bytes != enc.base)
        prts__free(&dec->alloc, bytes);
    prts__stage_free(&enc);
    return rc;
}

/* Compare the payload's hash with data_hash when verification is on. */
static int verify(prts_decoder *dec, prts__sha256 *sha, const char *name)
{
    char got[65];
    prts__sha256_final_hex(sha, got);
    if (strcmp(got, dec->meta.hash) != 0)
        return prts__fail(&dec->err, PRTS_E_HASH_MISMATCH, "%s: Hash mismatch: expected %s, got %s",
                          name, dec->meta.hash, got);
    return PRTS_OK;
}

/* Start hashing the payload when PRTS_OPT_VERIFY_HASH asks for it (sha->ctx stays NULL
 * otherwise); before any output is opened, so that a refused file leaves nothing. */
static int start_verify(prts_decoder *dec, prts__sha256 *sha, const char *name)
{
    int64_t mode = dec->opts[PRTS_OPT_VERIFY_HASH];
    if (mode == PRTS_VERIFY_OFF || (mode == PRTS_VERIFY_IF_PRESENT && !dec->meta.has_hash))
        return PRTS_OK;
    if (!dec->meta.has_hash)
        return prts__fail(&dec->err, PRTS_E_NO_HASH,
                          "%s: the metadata has no data_hash to verify the payload with (to "
                          "decode it unverified, set PRTS_OPT_VERIFY_HASH to PRTS_VERIFY_OFF, or "
                          "to PRTS_VERIFY_IF_PRESENT)", name);
    return prts__sha256_init(sha, &dec->err);
}

static int hash_piece(void *sha, const uint8_t *data, size_t len, prts__err *e)
{
    (void)e;
    prts__sha256_update(sha, data, len);
    return PRTS_OK;
}

/* SHA-256 of the first len bytes of fd, read back in pieces. */
static int hash_fd(const prts_allocator *a, prts__sha256 *sha, int fd, uint64_t len, prts__err *e)
{
    return prts__read_pieces(a, fd, len, hash_piece, sha, e);
}

/* The hash of a big output taken in payload order beside the decode: a thread
 * follows the prefix of the file that the mirror reports complete
 * (prts__mirror_track) and hashes it from the page cache, so the hash is ready
 * when the last band is written instead of costing a pass over the file
 * afterwards.  Nothing is published before verify() passes: the output is a
 * temporary file until then. */
#define FOLLOW_PIECE ((size_t)PRTS__RELEASE_EVERY)

typedef struct follower {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t avail;        /* [0, avail) of the file may be hashed (under mu) */
    int stop;              /* 1: avail is final; 2: give up (under mu) */
    prts__sha256 *sha;     /* the thread's alone until joined */
    uint64_t hashed;
    int fd;                /* the output */
    const uint8_t *map;    /* the output, mapped read-only */
    uint64_t map_len;
} follower;

static void follow_publish(void *user, uint64_t complete)
{
    follower *f = user;
    pthread_mutex_lock(&f->mu);
    if (complete > f->avail) {
        f->avail = complete;
        pthread_cond_signal(&f->cv);
    }
    pthread_mutex_unlock(&f->mu);
}

static void *follow_main(void *arg)
{
    follower *f = arg;
    /* Before the first prefix is whole, take the output's pages from the file
     * system in one call: faster than the page by page of the bands'
     * MADV_POPULATE_WRITE (which skips pages this gave, and gives what this
     * has not yet: the two may race), off the decoding thread.  Only for
     * speed: a full file system is the bands' error either way. */
    (void)prts__size_output(f->fd, f->map_len);
    for (;;) {
        pthread_mutex_lock(&f->mu);
        while (f->hashed == f->avail && !f->stop)
            pthread_cond_wait(&f->cv, &f->mu);
        uint64_t to = f->avail;
        int stop = f->stop;
        pthread_mutex_unlock(&f->mu);
        if (stop == 2 || (stop && f->hashed == to))
            return NULL;
        while (f->hashed < to) {
            if (__atomic_load_n(&f->stop, __ATOMIC_RELAXED) == 2)
                return NULL;
            size_t n = to - f->hashed < FOLLOW_PIECE ? (size_t)(to - f->hashed) : FOLLOW_PIECE;
            /* straight from the page cache: no copy */
            prts__sha256_update_mapped(f->sha, f->map + f->hashed, n, 1);
            f->hashed += n;
        }
    }
}

/* 1 when the thread runs (it then owns sha until follow_end), 0 to hash
 * afterwards (hash_fd: no mapping or no thread to be had). */
static int follow_start(follower *f, int fd, prts__sha256 *sha, prts__mirror *m)
{
    memset(f, 0, sizeof *f);
    f->sha = sha;
    f->fd = fd;
    f->map_len = m->len;
    void *map = mmap(NULL, m->len, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return 0;
    f->map = map;
    if (pthread_mutex_init(&f->mu, NULL) == 0) {
        if (pthread_cond_init(&f->cv, NULL) == 0) {
            if (pthread_create(&f->thread, NULL, follow_main, f) == 0) {
                m->on_complete = follow_publish;
                m->on_complete_user = f;
                return 1;
            }
            pthread_cond_destroy(&f->cv);
        }
        pthread_mutex_destroy(&f->mu);
    }
    munmap(map, m->len);
    return 0;
}

/* Let the thread hash up to `len` (or, `abandon`, stop at once), join it. */
static int follow_end(follower *f, uint64_t len, int abandon, prts__err *e)
{
    pthread_mutex_lock(&f->mu);
    if (!abandon && len > f->avail)
        f->avail = len;
    __atomic_store_n(&f->stop, abandon ? 2 : 1, __ATOMIC_RELAXED);
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    munmap((void *)f->map, f->map_len);
    if (!abandon && f->hashed != len)
        return prts__fail(e, PRTS_E_IO, "hashed %llu of %llu bytes of the output",
                          (unsigned long long)f->hashed, (unsigned long long)len);
    return PRTS_OK;
}

/* A big plain payload into the fresh output file fd (sized to len) through a
 * mirror (layout/mirror.h), band by band: the file's own pages, each band's
 * taken from the file system before it is decoded into them, else a window
 * written out; hashed beside the decode when verifying.  use_index, *again:
 * read_pixels_to's. */
static int decode_big(prts_decoder *dec, int fd, uint64_t len, prts__sha256 *sha, int use_index,
                      int *again)
{
    prts__err *e = &dec->err;
    prts__mirror m;
    follower f;
    int following = 0;
    *again = 0;
    int rc = prts__mirror_open(&m, fd, len, dec->png.side, e);
    if (rc == PRTS_OK)
        rc = prts__mirror_in_place(&m, e);
    if (rc == PRTS_OK && sha->ctx && (rc = prts__mirror_track(&m, &dec->alloc, e)) == PRTS_OK)
        following = follow_start(&f, fd, sha, &m);
    if (rc == PRTS_OK)
        rc = read_pixels_to(dec, m.base, 0, &m, use_index, again);
    prts__mirror_close(&m);
    if (following) {
        int frc = follow_end(&f, rc == PRTS_OK ? len : 0, rc != PRTS_OK, e);
        rc = rc ? rc : frc;
    } else if (rc == PRTS_OK && sha->ctx) { /* no thread: one pass at the end */
        rc = hash_fd(&dec->alloc, sha, fd, len, e);
    }
    return rc;
}

/* Plain payload straight into a fresh output file. */
static int decode_into_fd(prts_decoder *dec, int fd, prts__sha256 *sha)
{
    prts__err *e = &dec->err;
    uint64_t len = dec->meta.data_size;
    if (len == 0)
        return read_pixels(dec, NULL, 0);
    if (len > PRTS__MAP_OUTPUT_MAX) {
        if (ftruncate(fd, (off_t)len) != 0)
            return prts__fail(e, PRTS_E_IO, "cannot size the output to %llu bytes: %s",
                              (unsigned long long)len, strerror(errno));
        int again, rc = decode_big(dec, fd, len, sha, 1, &again);
        if (!again)
            return rc;
        prts__err index_err = dec->err;
        if (sha->ctx) { /* the hash had taken some of the first pass's bytes */
            prts__sha256_free(sha);
            int src = prts__sha256_init(sha, e);
            if (src)
                return src;
        }
        return in_order_verdict(dec, rc, &index_err, decode_big(dec, fd, len, sha, 0, &again));
    }
    /* small: through a mapping of the whole output, its space reserved first
     * (a write through a mapping cannot report a full disk) */
    if (prts__size_output(fd, len) < 0)
        return prts__fail(e, PRTS_E_IO, "cannot size the output to %llu bytes: %s",
                          (unsigned long long)len, strerror(errno));
    uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return prts__fail(e, PRTS_E_IO, "cannot map the output: %s", strerror(errno));
    int rc = read_pixels(dec, map, 1);
    if (rc == PRTS_OK && sha->ctx)
        prts__sha256_update_mapped(sha, map, len, 1);
    munmap(map, len);
    return rc;
}

/* The payload into `fd` (a fresh, empty regular file), verified when asked. */
static int decode_to(prts_decoder *dec, int fd, prts__sha256 *sha, const char *in)
{
    int rc;
    if (dec->meta.mode == PRTS_MODE_STANDARD && !dec->meta.compressed) {
        rc = decode_into_fd(dec, fd, sha);
    } else {
        sink s = {.fd = fd, .sha = sha->ctx ? sha : NULL};
        rc = produce_indirect(dec, &s);
    }
    if (rc)
        return prts__fail_path(&dec->err, in);
    return sha->ctx ? verify(dec, sha, in) : PRTS_OK;
}

/* The payload into the opened output `o` (decode_file, pull_file), verified when asked:
 * straight into a fresh file; a device or FIFO is written once the payload is whole and
 * verified, from an unlinked temporary file, so that its reader never sees bytes that turn
 * out wrong.  `in` and `out` name them in messages. */
static int decode_to_output(prts_decoder *dec, prts__outfile *o, prts__sha256 *sha,
                            const char *in, const char *out)
{
    if (!o->direct)
        return decode_to(dec, o->fd, sha, in);
    int staged = prts__temp_fd();
    if (staged < 0)
        return prts__fail(&dec->err, PRTS_E_IO, "cannot create a temporary file: %s",
                          strerror(errno));
    off_t len = 0;
    int rc = decode_to(dec, staged, sha, in);
    if (rc == PRTS_OK && (len = lseek(staged, 0, SEEK_END)) < 0)
        rc = prts__fail(&dec->err, PRTS_E_IO, "%s: lseek: %s", in, strerror(errno));
    if (rc == PRTS_OK && (rc = prts__copy_fd(&dec->alloc, staged, (uint64_t)len, o->fd, &dec->err)))
        prts__fail_path(&dec->err, out);
    close(staged);
    return rc;
}

int prts_decoder_decode_file(prts_decoder *dec, const char *in, const char *out)
{
    if (!valid(dec) || !in || !out)
        return PRTS_E_INVALID_ARG;
    close_file(dec);
    dec->state = DEC_IDLE;
    prts__sha256 sha = {0};
    prts__outfile o = {.fd = -1};
    int rc;
    if ((rc = load_file(dec, in, 1)) || (rc = start_verify(dec, &sha, in)) ||
        (rc = prts__out_open(&o, &dec->alloc, out, (unsigned)dec->in_st.st_mode & 0666,
                             &dec->in_st, 0, &dec->err)) ||
        (rc = decode_to_output(dec, &o, &sha, in, out)) || (rc = prts__out_commit(&o, &dec->err)))
        goto fail;
    prts__png_read_free(&dec->png);
    dec->png_open = 0;
    close(dec->fd);
    dec->fd = -1;
    return PRTS_OK;
fail:
    prts__sha256_free(&sha);
    prts__out_abort(&o);
    dec->state = DEC_FAILED;
    return rc;
}

/* Rows [first, first + n) for a range: from the index when there is one,
 * else by reading (and dropping) every row before them in order. */
static int range_rows(prts_decoder *dec, row_source *src, uint32_t first, uint32_t n,
                      uint8_t *rows, size_t stride)
{
    if (src->segs)
        return index_verdict(src, prts__seg_reader_rows(src->segs, first, n, rows, stride,
                                                        &dec->err));
    while (src->next < first) {
        uint32_t skip = first - src->next < n ? first - src->next : n;
        int rc = rows_read(dec, src, rows, stride, skip);
        if (rc)
            return rc;
    }
    return rows_read(dec, src, rows, stride, n);
}

int prts_decoder_decode_range(prts_decoder *dec, const char *path, uint64_t offset, void *buf, size_t len)
{
    if (!valid(dec) || !path || (!buf && len))
        return PRTS_E_INVALID_ARG;
    close_file(dec);
    dec->state = DEC_IDLE;
    prts__err *e = &dec->err;
    int rc = load_file(dec, path, 1);
    const prts__meta *m = &dec->meta;
    if (rc == PRTS_OK && (m->mode != PRTS_MODE_STANDARD || m->compressed))
        rc = prts__fail(e, PRTS_E_UNSUPPORTED, "%s: a byte range needs a standard-mode file "
                        "without payload compression", path);
    if (rc == PRTS_OK && (offset > m->data_size || len > m->data_size - offset))
        rc = prts__fail(e, PRTS_E_INVALID_ARG, "%s: bytes %llu..%llu are past the payload's "
                        "%llu bytes", path, (unsigned long long)offset,
                        (unsigned long long)(offset + len), (unsigned long long)m->data_size);
    if (rc || len == 0) {
        close_file(dec);
        dec->state = rc ? DEC_FAILED : DEC_IDLE;
        return rc;
    }
    uint32_t g = dec->png.side, first, last;
    prts__range_rows(g, offset, offset + len, &first, &last);
    prts__layout lay;
    prts__layout_init(&lay, g);
    size_t stride = (size_t)g * 4;
    uint8_t *rows = prts__alloc(&dec->alloc, stride * lay.tile);
    prts__tile *tiles = prts__calloc(&dec->alloc, lay.tiles, sizeof *tiles);
    row_source src = {0};
    if (!rows || !tiles)
        rc = prts__fail(e, PRTS_E_NOMEM, "cannot allocate a strip of %zu bytes", stride * lay.tile);
    else
        rc = rows_begin(dec, &src, 1);
    if (rc == PRTS_OK && src.segs)
        prts__seg_reader_horizon(src.segs, last);
    int redo = 0, index_rc = PRTS_OK;
    prts__err index_err;
    while (rc == PRTS_OK) {
        for (uint32_t s = first / lay.tile; rc == PRTS_OK && s <= last / lay.tile; s++) {
            if ((rc = range_rows(dec, &src, s * lay.tile, lay.tile, rows, stride)) == PRTS_OK)
                prts__range_gather(&lay, s, tiles, rows, stride, offset, offset + len, buf);
        }
        if (!src.segs || !(rc ? src.index_failed : prts__seg_reader_disagrees(src.segs)))
            break;
        /* A segment disagrees with the index's checksum of it, or could not be read
         * through the index: the index or the rows are damaged, and only the PNG's own
         * stream can tell which (row_source).  Read the range again in order, then the
         * rest of the image to check it. */
        index_rc = rc;
        index_err = dec->err;
        prts__seg_reader_free(src.segs);
        redo = 1;
        rc = rows_begin(dec, &src, 0);
    }
    while (rc == PRTS_OK && redo && src.next < g)
        rc = rows_read(dec, &src, rows, stride, g - src.next < lay.tile ? g - src.next : lay.tile);
    if (rc == PRTS_OK && redo)
        rc = rows_end(dec, &src);
    if (redo)
        rc = in_order_verdict(dec, index_rc, &index_err, rc);
    if (rc)
        prts__fail_path(e, path);
    prts__seg_reader_free(src.segs);
    prts__free(&dec->alloc, rows);
    prts__free(&dec->alloc, tiles);
    close_file(dec);
    dec->state = rc ? DEC_FAILED : DEC_IDLE;
    return rc;
}

int prts_decoder_decode_range_file(prts_decoder *dec, const char *in, uint64_t offset, uint64_t len,
                           const char *out)
{
    if (!valid(dec) || !in || !out)
        return PRTS_E_INVALID_ARG;
    if (len > SIZE_MAX)
        return prts__fail(&dec->err, PRTS_E_LIMIT, "%s: a range of %llu bytes does not fit in "
                          "memory here", in, (unsigned long long)len);
    uint8_t *buf = prts__alloc(&dec->alloc, len ? (size_t)len : 1);
    if (!buf)
        return prts__fail(&dec->err, PRTS_E_NOMEM, "%s: cannot allocate %llu bytes for the range",
                          in, (unsigned long long)len);
    prts__outfile o = {.fd = -1};
    int rc = prts_decoder_decode_range(dec, in, offset, buf, (size_t)len);
    if (rc == PRTS_OK) /* dec->in_st: the input as the range read it */
        rc = prts__out_open(&o, &dec->alloc, out, (unsigned)dec->in_st.st_mode & 0666,
                            &dec->in_st, 0, &dec->err);
    if (rc == PRTS_OK) {
        (void)prts__out_write(&o, buf, (size_t)len); /* the commit reports a failed write */
        rc = prts__out_commit(&o, &dec->err);
    }
    prts__free(&dec->alloc, buf);
    return rc;
}

int prts_decoder_read_info(prts_decoder *dec, const char *path)
{
    if (!valid(dec) || !path)
        return PRTS_E_INVALID_ARG;
    close_file(dec);
    int rc = load_file(dec, path, 0);
    dec->state = rc ? DEC_FAILED : DEC_IDLE;
    return rc;
}

/* ------------------------------------------------------------------ */
/* Streaming                                                           */

/* Read the header and metadata of a PNG coming through `read` (no sidecar), and check
 * them; `name` for messages. */
static int open_stream(prts_decoder *dec, prts_read_fn read, void *user, const char *name)
{
    json_t *obj = NULL;
    int rc;
    if ((rc = open_png(dec, read, user, name)) || (rc = chunk_metadata(dec, &obj, &dec->err)) ||
        (rc = prts__png_read_check_grid(&dec->png, &dec->err))) {
        json_decref(obj);
        return rc;
    }
    rc = prts__meta_interpret(obj, &dec->meta, &dec->err);
    dec->have_meta = 1;
    json_decref(obj);
    return rc ? rc : check_metadata(dec, name, 1);
}

int prts_decoder_open(prts_decoder *dec, prts_read_fn read, void *user)
{
    if (!valid(dec) || !read)
        return PRTS_E_INVALID_ARG;
    if (dec->state == DEC_FAILED)
        return prts__fail(&dec->err, PRTS_E_BAD_STATE,
                          "the last stream failed; call prts_decoder_reset() first");
    close_file(dec);
    int rc = open_stream(dec, read, user, "stream");
    dec->state = rc ? DEC_FAILED : DEC_OPEN;
    return rc;
}

/* Decode the whole payload and verify it before the first byte goes out
 * (payload order and row order differ): into the stage when `keep`, else
 * nowhere (verify_file: only what the hash needs in payload order is staged,
 * then dropped).  `name` for messages. */
static int materialise(prts_decoder *dec, const char *name, int keep)
{
    prts__sha256 sha = {0};
    int rc = start_verify(dec, &sha, name);
    if (rc)
        return rc;
    prts__stage_init(&dec->payload, (uint64_t)dec->opts[PRTS_OPT_MEMORY_BUDGET], &dec->alloc);
    if (dec->meta.mode == PRTS_MODE_STANDARD && !dec->meta.compressed && !keep && !sha.ctx) {
        rc = read_pixels(dec, NULL, 0); /* every row decoded and checked, nothing kept */
    } else if (dec->meta.mode == PRTS_MODE_STANDARD && !dec->meta.compressed) {
        rc = prts__stage_alloc(&dec->payload, dec->meta.data_size, &dec->err);
        if (rc == PRTS_OK)
            rc = read_pixels(dec, dec->payload.base, prts__stage_is_file(&dec->payload));
        if (rc == PRTS_OK && sha.ctx)
            prts__sha256_update_mapped(&sha, dec->payload.base, dec->payload.len,
                                       prts__stage_is_file(&dec->payload));
    } else {
        sink s = {.fd = -1, .stage = keep ? &dec->payload : NULL, .sha = sha.ctx ? &sha : NULL};
        rc = produce_indirect(dec, &s);
        if (rc == PRTS_OK && keep)
            rc = prts__stage_map(&dec->payload, &dec->err);
    }
    if (rc == PRTS_OK && sha.ctx)
        rc = verify(dec, &sha, name);
    prts__sha256_free(&sha);
    prts__png_read_free(&dec->png);
    dec->png_open = 0;
    if (!keep)
        prts__stage_free(&dec->payload);
    return rc;
}

int prts_decoder_pull(prts_decoder *dec, void *buf, size_t cap, size_t *got)
{
    if (!valid(dec) || !got || (!buf && cap))
        return PRTS_E_INVALID_ARG;
    *got = 0;
    if (dec->state == DEC_OPEN) {
        int rc = materialise(dec, "stream", 1);
        if (rc) {
            dec->state = DEC_FAILED;
            return rc;
        }
        dec->state = DEC_READY;
    }
    if (dec->state != DEC_READY)
        return prts__fail(&dec->err, PRTS_E_BAD_STATE,
                          dec->state == DEC_FAILED ? "the decoder failed; reset it or open another stream"
                                                   : "no stream is open: call prts_decoder_open() first");
    uint64_t left = dec->payload.len - dec->pos;
    size_t n = left < cap ? (size_t)left : cap;
    if (n)
        memcpy(buf, dec->payload.base + dec->pos, n);
    /* a stage that spilled to a file is a mapping of it: what was handed out is not read
     * again, so its pages leave the process every few MiB (else the pulls would make the
     * whole payload resident, the memory budget notwithstanding) */
    if (prts__stage_is_file(&dec->payload) &&
        (dec->pos + n) / PRTS__RELEASE_EVERY != dec->pos / PRTS__RELEASE_EVERY)
        prts__release_pages(dec->payload.base, dec->pos + n);
    dec->pos += n;
    *got = n;
    return PRTS_OK;
}

int prts_decoder_pull_file(prts_decoder *dec, const char *out)
{
    if (!valid(dec) || !out)
        return PRTS_E_INVALID_ARG;
    if (dec->state != DEC_OPEN)
        return prts__fail(&dec->err, PRTS_E_BAD_STATE,
                          dec->state == DEC_READY ? "pull_file takes the whole payload: call it "
                                                    "after prts_decoder_open(), before any pull"
                          : dec->state == DEC_FAILED ? "the decoder failed; reset it or open "
                                                       "another stream"
                                                     : "no stream is open: call "
                                                       "prts_decoder_open() first");
    /* the rows go straight into the output file, as decode_file's do: no stage */
    prts__sha256 sha = {0};
    prts__outfile o = {.fd = -1};
    int rc;
    if ((rc = start_verify(dec, &sha, "stream")) ||
        (rc = prts__out_open(&o, &dec->alloc, out, 0666, NULL, 0, &dec->err)) ||
        (rc = decode_to_output(dec, &o, &sha, "stream", out)) ||
        (rc = prts__out_commit(&o, &dec->err))) {
        prts__sha256_free(&sha);
        prts__out_abort(&o);
        dec->state = DEC_FAILED;
        return rc;
    }
    prts__png_read_free(&dec->png);
    dec->png_open = 0;
    dec->state = DEC_READY; /* at the end: a pull now gets 0 bytes */
    return PRTS_OK;
}

/* ------------------------------------------------------------------ */
/* Code mode                                                           */

static int append_stage(void *user, const uint8_t *data, size_t len)
{
    prts__err ignored;
    return prts__stage_append(user, data, len, &ignored);
}

int prts_decoder_wasm_histogram(prts_decoder *dec, uint64_t counts[PRTS_WASM_CATEGORY_COUNT])
{
    if (!valid(dec))
        return PRTS_E_INVALID_ARG;
    if (!counts)
        return prts__fail(&dec->err, PRTS_E_INVALID_ARG, "wasm_histogram: `counts` is NULL");
    int rc = need_metadata(dec);
    if (rc)
        return rc;
    const prts__meta *m = &dec->meta;
    if (!m->b64)
        return prts__fail(&dec->err, PRTS_E_NO_ORIGINAL, "the metadata carries no "
                          "original_data_b64 (only code-mode files do)");
    prts__err *e = &dec->err;
    uint8_t *bytes = NULL;
    uint64_t n = 0;
    rc = prts__base64_decode(&dec->alloc, m->b64, m->b64_len, &bytes, &n, e);
    if (rc)
        return rc;
    prts__stage plain;
    prts__stage_init(&plain, (uint64_t)dec->opts[PRTS_OPT_MEMORY_BUDGET], &dec->alloc);
    /* the original keeps the compressed bytes in base64: count the payload's */
    if (m->compressed && n == m->encoded_size &&
        (rc = prts__decompress(&dec->alloc, bytes, n, m->data_size, 0, append_stage, &plain,
                               e)) == PRTS_OK &&
        (rc = prts__stage_map(&plain, e)) == PRTS_OK)
        rc = prts_wasm_histogram(plain.base, (size_t)plain.len, counts);
    else if (rc == PRTS_OK)
        rc = prts_wasm_histogram(bytes, (size_t)n, counts);
    prts__stage_free(&plain);
    prts__free(&dec->alloc, bytes);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Verification without output                                         */

int prts_decoder_verify_file(prts_decoder *dec, const char *path)
{
    if (!valid(dec) || !path)
        return PRTS_E_INVALID_ARG;
    close_file(dec);
    dec->state = DEC_IDLE;
    int rc = load_file(dec, path, 1);
    if (rc == PRTS_OK && (rc = materialise(dec, path, 0)))
        prts__fail_path(&dec->err, path);
    close_input(dec); /* the facts and metadata stay, as after read_info */
    dec->state = rc ? DEC_FAILED : DEC_IDLE;
    return rc;
}

/* ------------------------------------------------------------------ */
/* Buffer to buffer                                                    */

typedef struct mem_source {
    const uint8_t *p;
    size_t len, pos;
} mem_source;

static ptrdiff_t mem_read(void *user, void *buf, size_t cap)
{
    mem_source *m = user;
    size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
    if (n > PTRDIFF_MAX)
        n = PTRDIFF_MAX;
    if (n)
        memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    return (ptrdiff_t)n;
}

/* The current file's payload into dst (data_size bytes), verified. */
static int decode_to_memory(prts_decoder *dec, uint8_t *dst, const char *name)
{
    prts__sha256 sha = {0};
    uint64_t len = dec->meta.data_size;
    int rc = start_verify(dec, &sha, name);
    if (rc)
        return rc;
    if (dec->meta.mode == PRTS_MODE_STANDARD && !dec->meta.compressed) {
        rc = read_pixels(dec, dst, 0);
        if (rc == PRTS_OK && sha.ctx)
            prts__sha256_update(&sha, dst, (size_t)len);
    } else {
        sink s = {.fd = -1, .mem = dst, .mem_cap = len, .sha = sha.ctx ? &sha : NULL};
        rc = produce_indirect(dec, &s);
        if (rc == PRTS_OK && s.mem_len != len)
            rc = prts__fail(&dec->err, PRTS_E_BAD_METADATA, "the payload has %llu bytes, "
                            "data_size says %llu", (unsigned long long)s.mem_len,
                            (unsigned long long)len);
    }
    if (rc == PRTS_OK && sha.ctx)
        rc = verify(dec, &sha, name);
    prts__sha256_free(&sha);
    return rc;
}

/* The PNG at png into dst (cap bytes) or, with `owned`, into a buffer from malloc
 * handed over in *owned; *len = the payload's size (also on PRTS_E_BUFFER_TOO_SMALL). */
static int decode_memory(prts_decoder *dec, const void *png, size_t png_len, uint8_t *dst,
                         size_t cap, uint8_t **owned, size_t *len)
{
    static const char name[] = "buffer";
    mem_source src = {png, png_len, 0};
    close_file(dec);
    dec->state = DEC_IDLE;
    int rc = open_stream(dec, mem_read, &src, name);
    uint64_t size = dec->meta.data_size;
    if (rc == PRTS_OK && size >= SIZE_MAX)
        rc = prts__fail(&dec->err, PRTS_E_LIMIT, "%s: a payload of %llu bytes does not fit in "
                        "memory here", name, (unsigned long long)size);
    if (rc == PRTS_OK && owned) {
        dst = *owned = malloc(size ? (size_t)size : 1);
        if (!dst)
            rc = prts__fail(&dec->err, PRTS_E_NOMEM, "%s: cannot allocate %llu bytes for the "
                            "payload", name, (unsigned long long)size);
    } else if (rc == PRTS_OK && (!dst || cap < size)) {
        *len = (size_t)size; /* a size query: the metadata stays, nothing is decoded */
        prts__png_read_free(&dec->png);
        dec->png_open = 0;
        return prts__fail(&dec->err, PRTS_E_BUFFER_TOO_SMALL, "%s: the payload has %llu bytes, "
                          "the buffer holds %zu", name, (unsigned long long)size,
                          dst ? cap : (size_t)0);
    }
    if (rc == PRTS_OK)
        rc = decode_to_memory(dec, dst, name);
    if (dec->png_open)
        prts__png_read_free(&dec->png);
    dec->png_open = 0;
    if (rc && owned) {
        free(*owned);
        *owned = NULL;
    }
    *len = rc ? 0 : (size_t)size;
    dec->state = rc ? DEC_FAILED : DEC_IDLE;
    return rc;
}

int prts_decoder_decode_into(prts_decoder *dec, const void *png, size_t png_len, void *dst,
                             size_t cap, size_t *len)
{
    if (len)
        *len = 0;
    if (!valid(dec) || (!png && png_len) || !len)
        return PRTS_E_INVALID_ARG;
    return decode_memory(dec, png, png_len, dst, cap, NULL, len);
}

int prts_decoder_decode(prts_decoder *dec, const void *png, size_t png_len, void **data,
                        size_t *len)
{
    if (data)
        *data = NULL;
    if (len)
        *len = 0;
    if (!valid(dec) || (!png && png_len) || !data || !len)
        return PRTS_E_INVALID_ARG;
    uint8_t *owned = NULL;
    int rc = decode_memory(dec, png, png_len, NULL, 0, &owned, len);
    *data = owned;
    return rc;
}

/* ------------------------------------------------------------------ */
/* One-shot calls: a default handle, made, used and freed              */

int prts_decode(const void *png, size_t png_len, void **data, size_t *len)
{
    prts_decoder *dec = prts_decoder_new();
    int rc = dec ? prts_decoder_decode(dec, png, png_len, data, len) : PRTS_E_NOMEM;
    prts_decoder_free(dec);
    return rc;
}

int prts_decode_into(const void *png, size_t png_len, void *dst, size_t cap, size_t *len)
{
    prts_decoder *dec = prts_decoder_new();
    int rc = dec ? prts_decoder_decode_into(dec, png, png_len, dst, cap, len) : PRTS_E_NOMEM;
    prts_decoder_free(dec);
    return rc;
}

int prts_decode_file(const char *in, const char *out)
{
    prts_decoder *dec = prts_decoder_new();
    int rc = dec ? prts_decoder_decode_file(dec, in, out) : PRTS_E_NOMEM;
    prts_decoder_free(dec);
    return rc;
}
