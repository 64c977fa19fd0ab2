/* encoder.c: the encoder handle: options, push/finish streaming, file to file, buffer to
 * buffer; the one-shot encode calls (a default handle, made and freed). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/bands.h"
#include "common/alloc.h"
#include "common/fileio.h"
#include "common/sha256.h"
#include "common/stage.h"
#include "format/base64.h"
#include "format/code_mode.h"
#include "format/compress.h"
#include "format/metadata.h"
#include "format/sidecar.h"
#include "layout/hilbert.h"
#include "layout/mirror.h"
#include "png/segments_write.h"
#include "png/write.h"

enum { ENC_IDLE, ENC_PUSHING, ENC_DONE, ENC_FAILED };

struct prts_encoder {
    uint32_t magic;
    int state;
    int64_t opts[PRTS__OPT_COUNT];
    json_t *user_meta;                /* caller's keys, or NULL */
    json_t *blueprint;                /* caller's blueprint, or NULL */
    prts__backend backend;            /* ops NULL if the requested one cannot run */
    prts_progress_fn progress;
    void *progress_user;
    prts__stage stage;                /* pushed payload */
    prts__sha256 sha;                 /* hash of the pushed payload so far */
    json_t *result;                   /* metadata of the last encode */
    char *result_text;                /* the PNG chunk's text: magic + its compact ASCII JSON */
    /* The last plain payload's metadata object (no payload compression, no
     * code mode copy), built from the settings in force, or NULL: the next
     * plain encode updates its per-payload keys in place (prts__meta_update)
     * instead of building it again (a tenth of a 4 KiB file's encode).
     * Dropped by every setting that changes; kept by a reset (batches reset
     * their encoders between files). */
    json_t *reuse;
    prts__err err;
    prts_allocator alloc;             /* every allocation of the handle (common/alloc.h) */
    prts__deflater deflater;          /* the PNG writer's on this thread, kept between images
                                       * (state built at the first, reset per segment) */
};

static int valid(const prts_encoder *enc)
{
    return enc && enc->magic == PRTS__MAGIC_ENCODER;
}

/* No metadata of a last encode (a reset, a failure, a new encode). */
static void drop_result(prts_encoder *enc)
{
    json_decref(enc->result);
    enc->result = NULL;
    prts__free(&enc->alloc, enc->result_text);
    enc->result_text = NULL;
}

/* A setting changed: the metadata is built anew. */
static void drop_reuse(prts_encoder *enc)
{
    json_decref(enc->reuse);
    enc->reuse = NULL;
}

prts_encoder *prts_encoder_new(void)
{
    return prts_encoder_new_with(NULL);
}

prts_encoder *prts_encoder_new_with(const prts_allocator *allocator)
{
    prts_allocator a = prts__alloc_resolve(allocator);
    prts_encoder *enc = prts__calloc(&a, 1, sizeof *enc);
    if (!enc)
        return NULL;
    enc->alloc = a;
    enc->deflater.alloc = &enc->alloc;
    enc->magic = PRTS__MAGIC_ENCODER;
    prts__options_defaults(enc->opts);
    prts__stage_init(&enc->stage, (uint64_t)enc->opts[PRTS_OPT_MEMORY_BUDGET], &enc->alloc);
    prts_encoder_set_backend(enc, prts__backend_default_name());
    enc->state = ENC_IDLE; /* a bad $PIXELRTS_BACKEND is reported by the first operation */
    enc->err.code = 0;
    enc->err.msg[0] = '\0';
    return enc;
}

static void drop_stream(prts_encoder *enc)
{
    prts__stage_free(&enc->stage);
    prts__sha256_free(&enc->sha);
}

void prts_encoder_free(prts_encoder *enc)
{
    if (!valid(enc))
        return;
    drop_stream(enc);
    json_decref(enc->user_meta);
    json_decref(enc->blueprint);
    drop_result(enc);
    drop_reuse(enc);
    prts__backend_close(&enc->backend);
    prts__deflater_free(&enc->deflater);
    enc->magic = 0;
    prts_allocator a = enc->alloc;
    prts__free(&a, enc);
}

int prts_encoder_reset(prts_encoder *enc)
{
    if (!valid(enc))
        return PRTS_E_INVALID_ARG;
    drop_stream(enc);
    drop_result(enc);
    enc->state = ENC_IDLE;
    prts__backend_forgive(&enc->backend);
    enc->err.code = 0;
    enc->err.msg[0] = '\0';
    return PRTS_OK;
}

int prts_encoder_set_option(prts_encoder *enc, prts_option option, int64_t value)
{
    if (!valid(enc))
        return PRTS_E_INVALID_ARG;
    drop_reuse(enc);
    return prts__option_set(enc->opts, PRTS__FOR_ENCODER, option, value, &enc->err);
}

int prts_encoder_set_preset(prts_encoder *enc, prts_preset preset)
{
    if (!valid(enc))
        return PRTS_E_INVALID_ARG;
    static const struct { int level, filter, payload, payload_level; } presets[] = {
        /* fast: level 0 still deflates the runs of zeros (png/segments_write.h) */
        [PRTS_PRESET_FAST] = {0, PRTS_FILTER_NONE, PRTS_PAYLOAD_NONE, 0},
        [PRTS_PRESET_DEFAULT] = {PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, PRTS_PAYLOAD_NONE, 0},
        /* compressing the payload before placing it beats deflating the
         * placed pixels at any PNG level: deflate sees the bytes in order
         * with its whole window, not Hilbert-cut pieces of rows (20 MiB of
         * libLLVM: 5.75 MB through libdeflate 6, against 11.6 MB for PNG
         * adaptive level 9, at 1/15 of its time).  Not adaptive filters:
         * on binary payloads they make the file bigger. */
        [PRTS_PRESET_SMALL] = {PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, PRTS_PAYLOAD_ZLIB, 6},
        /* zstd 9: 18 % smaller than zlib 6 on libLLVM; 19 would be 8 % smaller
         * again at 13x the time */
        [PRTS_PRESET_SMALL_LIBPIXELRTS] = {PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE,
                                           PRTS_PAYLOAD_ZSTD, 9},
    };
    if ((int)preset < PRTS_PRESET_FAST || (int)preset > PRTS_PRESET_SMALL_LIBPIXELRTS)
        return prts__fail(&enc->err, PRTS_E_INVALID_ARG, "unknown preset %d", (int)preset);
#ifndef PRTS_HAVE_ZSTD
    if (presets[preset].payload == PRTS_PAYLOAD_ZSTD)
        return prts__fail(&enc->err, PRTS_E_UNSUPPORTED,
                          "this libpixelrts was built without libzstd");
#endif
    drop_reuse(enc);
    enc->opts[PRTS_OPT_PNG_LEVEL] = presets[preset].level;
    enc->opts[PRTS_OPT_FILTER] = presets[preset].filter;
    enc->opts[PRTS_OPT_PAYLOAD_COMPRESSION] = presets[preset].payload;
    enc->opts[PRTS_OPT_PAYLOAD_LEVEL] = presets[preset].payload_level;
    return PRTS_OK;
}

int prts_encoder_get_option(const prts_encoder *enc, prts_option option, int64_t *value)
{
    if (!valid(enc))
        return PRTS_E_INVALID_ARG;
    return prts__option_get(enc->opts, PRTS__FOR_ENCODER, option, value);
}

/* Parse a caller's JSON object (NULL or "{}" = none) into *slot. */
static int set_json_object(prts_encoder *enc, const char *json, const char *what, json_t **slot)
{
    json_t *obj = NULL;
    if (json) {
        json_error_t jerr;
        obj = json_loads(json, 0, &jerr);
        if (!obj && json_error_code(&jerr) == json_error_out_of_memory)
            return prts__fail(&enc->err, PRTS_E_NOMEM, "out of memory parsing %s", what);
        if (!json_is_object(obj)) {
            json_decref(obj);
            return prts__fail(&enc->err, PRTS_E_BAD_METADATA, "%s must be a JSON object: %s",
                              what, obj ? "got another type" : jerr.text);
        }
        if (json_object_size(obj) == 0) {
            json_decref(obj);
            obj = NULL;
        }
    }
    if (!(obj == *slot || (obj && *slot && json_equal(obj, *slot))))
        drop_reuse(enc); /* the same again (a batch's every file) keeps it */
    json_decref(*slot);
    *slot = obj;
    return PRTS_OK;
}

int prts_encoder_set_metadata_json(prts_encoder *enc, const char *json)
{
    if (!valid(enc))
        return PRTS_E_INVALID_ARG;
    return set_json_object(enc, json, "metadata", &enc->user_meta);
}

int prts_encoder_set_blueprint_json(prts_encoder *enc, const char *json)
{
    if (!valid(enc))
        return PRTS_E_INVALID_ARG;
    return set_json_object(enc, json, "the blueprint", &enc->blueprint);
}

int prts_encoder_set_backend(prts_encoder *enc, const char *name)
{
    if (!valid(enc))
        return PRTS_E_INVALID_ARG;
    int rc = prts__backend_switch(&enc->backend, name, &enc->err);
    if (rc)
        enc->state = ENC_FAILED; /* stream calls: BAD_STATE until reset */
    return rc;
}

const char *prts_encoder_backend(const prts_encoder *enc)
{
    return valid(enc) ? prts__backend_name(&enc->backend) : NULL;
}

int prts_encoder_set_progress(prts_encoder *enc, prts_progress_fn fn, void *user)
{
    if (!valid(enc))
        return PRTS_E_INVALID_ARG;
    enc->progress = fn;
    enc->progress_user = user;
    return PRTS_OK;
}

const char *prts_encoder_last_error(const prts_encoder *enc)
{
    return valid(enc) ? enc->err.msg : "invalid encoder handle";
}

char *prts_encoder_metadata_json(const prts_encoder *enc)
{
    /* the metadata's text as its PNG chunk holds it, after the magic */
    if (!valid(enc) || !enc->result_text)
        return NULL;
    return strdup(enc->result_text + strlen(PRTS__MAGIC));
}

int prts__encoder_settings(const prts_encoder *enc, prts__handle_settings *out)
{
    if (!valid(enc) || !out)
        return PRTS_E_INVALID_ARG;
    memcpy(out->opts, enc->opts, sizeof out->opts);
    out->metadata_json = NULL;
    out->blueprint_json = NULL;
    int rc = prts__backend_requested(&enc->backend, &out->backend, &out->refusal);
    if (rc)
        return rc;
    if ((enc->user_meta && !(out->metadata_json = json_dumps(enc->user_meta, JSON_COMPACT))) ||
        (enc->blueprint && !(out->blueprint_json = json_dumps(enc->blueprint, JSON_COMPACT)))) {
        free(out->metadata_json);
        out->metadata_json = NULL;
        return PRTS_E_NOMEM;
    }
    return PRTS_OK;
}

/* SHA-256 of a (possibly mapped) buffer, releasing mapped pages behind it. */
static int hash_buffer(const uint8_t *data, uint64_t len, int mapped, char hex[65], prts__err *e)
{
    prts__sha256 h;
    int rc = prts__sha256_init(&h, e);
    if (rc)
        return rc;
    prts__sha256_update_mapped(&h, data, len, mapped);
    prts__sha256_final_hex(&h, hex);
    return PRTS_OK;
}

static int choose_grid(const prts_encoder *enc, uint64_t len, uint32_t *grid, prts__err *e)
{
    uint64_t g = (uint64_t)enc->opts[PRTS_OPT_GRID_SIZE];
    if (g == 0) {
        g = prts__grid_size(len);
        if (g == 0)
            return prts__fail(e, PRTS_E_LIMIT, "a %llu-byte payload is too large for any grid",
                              (unsigned long long)len);
    } else if (4 * g * g < len) {
        return prts__fail(e, PRTS_E_GRID_TOO_SMALL,
                          "grid %llux%llu holds %llu bytes, the payload has %llu bytes (needs grid %u)",
                          (unsigned long long)g, (unsigned long long)g,
                          (unsigned long long)(4 * g * g), (unsigned long long)len,
                          prts__grid_size(len));
    } else {
        uint64_t max;
        if (!prts__grid_allowed(g, len, &max)) /* decoders would refuse the file */
            return prts__fail(e, PRTS_E_INVALID_ARG,
                              "grid %llux%llu is too large for a payload of %llu bytes: an "
                              "explicit grid may make at most %llu bytes of pixels (the "
                              "payload's own grid is %u)", (unsigned long long)g,
                              (unsigned long long)g, (unsigned long long)len,
                              (unsigned long long)max, prts__grid_size(len));
    }
    *grid = (uint32_t)g;
    return PRTS_OK;
}

static int put_rows(void *png, uint8_t *rows, size_t stride, uint32_t n, prts__err *e)
{
    return prts__png_write_rows(png, rows, n, stride, e);
}

/* Write the rows of the image (backend/bands.h).  A payload in a file
 * (`fd` >= 0: the input, or a staged stream) is read band by band into a
 * mirror (layout/mirror.h), else used where it is. */
static int write_pixels(prts_encoder *enc, prts__png_writer *png, uint32_t g, const uint8_t *data,
                        uint64_t len, int mapped, int fd, prts__err *e)
{
    prts__code_colours colours, *code = NULL; /* code mode: the format's colour tables */
    if (enc->opts[PRTS_OPT_MODE] == PRTS_MODE_CODE && prts__is_wasm(data, len)) {
        prts__code_tables(colours.red, colours.alpha);
        code = &colours;
    }
    prts__mirror mirror = {.fd = -1};
    if (fd >= 0 && len > 0) {
        int rc = prts__mirror_open(&mirror, fd, len, g, e);
        if (rc)
            return rc;
    }
    prts__bands_io io = {
        .src = data, .len = len, .mapped = mapped, .mirror = mirror.base ? &mirror : NULL,
        .code = code,
        .rows = put_rows, .rows_user = png,
        .progress = enc->progress, .progress_user = enc->progress_user,
    };
    int rc = prts__bands_run(&enc->alloc, &enc->backend, g, &io, e);
    if (rc == PRTS_OK)
        rc = prts__png_write_end(png, e);
    prts__mirror_close(&mirror);
    return rc;
}

typedef struct stage_sink {
    prts__stage *stage;
    prts__err *e;
} stage_sink;

static int append_to_stage(void *user, const uint8_t *data, size_t len)
{
    stage_sink *s = user;
    return prts__stage_append(s->stage, data, len, s->e);
}

static int compress_slice(void *c, const uint8_t *data, size_t len, int last, prts__err *e)
{
    return prts__compressor_write(c, data, len, last, e);
}

/* Compress the payload into `packed` when the options ask for it
 * (docs/format.md §7); *compression gets the metadata object, else NULL.  A
 * mapped input is fed in slices and released behind, like the hash pass. */
static int pack_payload(prts_encoder *enc, const uint8_t *data, uint64_t len, int mapped,
                        prts__stage *packed, json_t **compression, prts__err *e)
{
    int type = (int)enc->opts[PRTS_OPT_PAYLOAD_COMPRESSION];
    *compression = NULL;
    if (type == PRTS_PAYLOAD_NONE)
        return PRTS_OK;
    int level = prts__compress_level(type, (int)enc->opts[PRTS_OPT_PAYLOAD_LEVEL]);
    stage_sink sink = {packed, e};
    prts__compressor *c = NULL;
    int rc = prts__compressor_new(&c, &enc->alloc, type, level, len,
                                  (uint64_t)enc->opts[PRTS_OPT_MEMORY_BUDGET], append_to_stage,
                                  &sink, e);
    if (rc == PRTS_OK)
        rc = prts__for_slices(data, len, mapped, compress_slice, c, e);
    prts__compressor_free(c);
    if (rc || (rc = prts__stage_map(packed, e)))
        return rc;
    *compression = json_pack("{s:s, s:i, s:I, s:I, s:f}", "type", prts__compress_label(type),
                             "level", level, "original_size", (json_int_t)len,
                             "compressed_size", (json_int_t)packed->len,
                             "ratio", len ? (double)packed->len / (double)len : 0.0);
    return *compression ? PRTS_OK : prts__fail(e, PRTS_E_NOMEM, "cannot build the metadata");
}

/* ---- hashing beside the pixels -------------------------------------------
 * The metadata chunk, which holds the SHA-256, comes before the pixels.  A
 * file output can be rewritten afterwards, and the hash has a fixed length:
 * so for big files the hash runs on its own thread while the pixels are
 * written, with a placeholder in the chunk that the PNG writer fills in at
 * the end (prts__png_write_hash). */
#define OVERLAP_MIN ((uint64_t)4 << 20)

typedef struct hash_job {
    const uint8_t *data;
    uint64_t len;
    int mapped;
    char hex[65];
    int rc;
    prts__err err;
    pthread_t thread;
} hash_job;

static void *hash_thread(void *arg)
{
    hash_job *j = arg;
    j->rc = hash_buffer(j->data, j->len, j->mapped, j->hex, &j->err);
    return NULL;
}

/* Encode `len` bytes at `data` (hash_hex may be precomputed) as a PNG
 * written through `write`; on success enc->result holds the metadata.
 * `rewritable`: write is prts__out_write on a file (`user`) that the PNG
 * writer may rewrite (prts__out_patch). */
static int encode_buffer(prts_encoder *enc, const uint8_t *data, uint64_t len, int mapped,
                         int fd, const char *hash_hex, prts_write_fn write, void *user,
                         int rewritable, prts__err *e)
{
    char hex[65];
    hash_job hj = {.data = data, .len = len, .mapped = mapped};
    int hashing = 0;
    int rc = prts__backend_check(&enc->backend, e);
    if (rc == PRTS_OK && !hash_hex && rewritable && len >= OVERLAP_MIN &&
        enc->opts[PRTS_OPT_PAYLOAD_COMPRESSION] == PRTS_PAYLOAD_NONE &&
        pthread_create(&hj.thread, NULL, hash_thread, &hj) == 0) {
        hashing = 1;
        memset(hex, '0', 64);
        hex[64] = '\0';
        hash_hex = hex; /* the placeholder */
    }
    if (rc == PRTS_OK && !hash_hex && (rc = hash_buffer(data, len, mapped, hex, e)) == PRTS_OK)
        hash_hex = hex;
    if (rc)
        return rc;

    /* the bytes that go into the pixels: the payload, or its compressed form */
    prts__stage packed;
    prts__stage_init(&packed, (uint64_t)enc->opts[PRTS_OPT_MEMORY_BUDGET], &enc->alloc);
    json_t *compression = NULL;
    if ((rc = pack_payload(enc, data, len, mapped, &packed, &compression, e))) {
        prts__stage_free(&packed);
        return rc;
    }
    const uint8_t *pixels = compression ? packed.base : data;
    uint64_t npix = compression ? packed.len : len;
    int pixels_mapped = compression ? prts__stage_is_file(&packed) : mapped;
    int pixels_fd = compression ? packed.fd : fd;
    /* compressed bytes do not compress again: adaptive, the PNG stores them
     * and deflates only the zero padding after them */
    int png_level = compression ? PRTS_LEVEL_ADAPTIVE(1) : (int)enc->opts[PRTS_OPT_PNG_LEVEL];

    uint32_t g = 0;
    int mode = (int)enc->opts[PRTS_OPT_MODE];
    char *b64 = NULL, *text = NULL, *bp_text = NULL;
    json_t *meta = NULL;
    size_t text_len = 0, bp_len = 0;
    if ((rc = choose_grid(enc, npix, &g, e)))
        goto done;
    if (mode == PRTS_MODE_CODE && !(b64 = prts__base64_encode(&enc->alloc, pixels, npix))) {
        rc = prts__fail(e, PRTS_E_NOMEM, "cannot base64-encode %llu bytes", (unsigned long long)npix);
        goto done;
    }
    int plain = !compression && !b64;
    drop_result(enc); /* not the last encode's any more, whatever happens */
    if (plain && enc->reuse) {
        meta = enc->reuse; /* the settings' metadata again: only the payload's keys change */
        enc->reuse = NULL;
        if (prts__meta_update(meta, g, hash_hex, len) != 0) {
            rc = prts__fail(e, PRTS_E_NOMEM, "cannot build the metadata");
            goto done;
        }
    } else {
        meta = prts__meta_build(enc->user_meta, g, mode, hash_hex, len, compression, npix, b64, e);
        compression = NULL; /* taken over */
        if (!meta) {
            rc = e->code;
            goto done;
        }
    }
    if (!(text = prts__meta_chunk_text(&enc->alloc, meta, &text_len)) ||
        (enc->blueprint &&
         !(bp_text = prts__blueprint_chunk_text(&enc->alloc, enc->blueprint, &bp_len)))) {
        rc = prts__fail(e, PRTS_E_NOMEM, "cannot serialise the metadata");
        goto done;
    }
    prts__png_writer *png = NULL;
    prts__png_params params = {
        .grid = g, .meta_text = text, .meta_len = text_len,
        .patch = hashing ? prts__out_patch : NULL,
        .hash_at = hashing ? prts__meta_hash_digits_at(text, text_len) : 0,
        .blueprint_text = bp_text, .blueprint_len = bp_len,
        .level = png_level < 0 ? -png_level : png_level, .adaptive = png_level < 0,
        .filter = (int)enc->opts[PRTS_OPT_FILTER], .threads = (int)enc->opts[PRTS_OPT_THREADS],
        .write_any_thread = write == prts__out_write,
        .alloc = &enc->alloc, .deflater = &enc->deflater,
    };
    if (hashing && !params.hash_at) {
        rc = prts__fail(e, PRTS_E_BAD_METADATA, "the metadata has no data_hash");
        goto done;
    }
    rc = prts__png_write_begin(&png, &params, write, user, e);
    if (rc == PRTS_OK)
        rc = write_pixels(enc, png, g, pixels, npix, pixels_mapped, pixels_fd, e);
    if (hashing) {
        pthread_join(hj.thread, NULL);
        hashing = 0;
        if (rc == PRTS_OK && hj.rc)
            *e = hj.err, rc = hj.rc;
        if (rc == PRTS_OK)
            rc = prts__png_write_hash(png, hj.hex, e);
        if (rc == PRTS_OK && json_object_set_new(meta, "data_hash", json_string(hj.hex)) != 0)
            rc = prts__fail(e, PRTS_E_NOMEM, "cannot build the metadata");
        if (rc == PRTS_OK) /* the text too, as the chunk */
            memcpy(text + params.hash_at, hj.hex, 64);
    }
    prts__png_write_free(png);
    if (rc == PRTS_OK) {
        enc->result = meta;
        enc->reuse = plain ? json_incref(meta) : NULL;
        /* the chunk's text holds the metadata's compact ASCII text: kept for
         * prts_encoder_metadata_json (a batch asks for it after every file) */
        enc->result_text = text;
        text = NULL;
        meta = NULL;
    }
done:
    if (hashing)
        pthread_join(hj.thread, NULL);
    json_decref(compression);
    json_decref(meta);
    prts__free(&enc->alloc, text);
    prts__free(&enc->alloc, bp_text);
    prts__free(&enc->alloc, b64);
    prts__stage_free(&packed);
    return rc;
}

static int begin_operation(prts_encoder *enc)
{
    if (enc->state == ENC_DONE || enc->state == ENC_FAILED)
        return prts__fail(&enc->err, PRTS_E_BAD_STATE,
                          "the encoder has finished; call prts_encoder_reset() first");
    return PRTS_OK;
}

int prts_encoder_push(prts_encoder *enc, const void *data, size_t len)
{
    if (!valid(enc) || (!data && len))
        return PRTS_E_INVALID_ARG;
    int rc = begin_operation(enc);
    if (rc)
        return rc;
    if (enc->state == ENC_IDLE) {
        prts__stage_init(&enc->stage, (uint64_t)enc->opts[PRTS_OPT_MEMORY_BUDGET], &enc->alloc);
        if ((rc = prts__sha256_init(&enc->sha, &enc->err))) {
            enc->state = ENC_FAILED;
            return rc;
        }
        enc->state = ENC_PUSHING;
    }
    if ((rc = prts__stage_append(&enc->stage, data, len, &enc->err))) {
        enc->state = ENC_FAILED;
        drop_stream(enc);
        return rc;
    }
    prts__sha256_update(&enc->sha, data, len);
    return PRTS_OK;
}

/* The stream pushed so far, encoded through `write` (rewritable: as for
 * encode_buffer); the handle is done (or failed) afterwards. */
static int finish_stream(prts_encoder *enc, prts_write_fn write, void *user, int rewritable)
{
    int rc = begin_operation(enc);
    if (rc)
        return rc;
    if (enc->state == ENC_IDLE && (rc = prts_encoder_push(enc, NULL, 0)))
        return rc;
    char hex[65];
    prts__sha256_final_hex(&enc->sha, hex);
    rc = prts__stage_map(&enc->stage, &enc->err);
    if (rc == PRTS_OK)
        rc = encode_buffer(enc, enc->stage.base, enc->stage.len, prts__stage_is_file(&enc->stage),
                           enc->stage.fd, hex, write, user, rewritable, &enc->err);
    drop_stream(enc);
    enc->state = rc ? ENC_FAILED : ENC_DONE;
    return rc;
}

int prts_encoder_finish(prts_encoder *enc, prts_write_fn write, void *user)
{
    if (!valid(enc) || !write)
        return PRTS_E_INVALID_ARG;
    return finish_stream(enc, write, user, 0);
}

/* Put the finished PNG in `png` in place at `out`, with the sidecars asked
 * for, all at once: a failure anywhere leaves every existing file as it
 * was.  Without sidecars, stale ones are dropped in the same step (readers
 * would take their keys).  A device or FIFO gets no sidecar beside it. */
static int commit_outputs(prts_encoder *enc, prts__outfile *png, const char *out, unsigned mode,
                          const struct stat *input)
{
    prts__err *e = &enc->err;
    if (png->direct)
        return prts__out_commit(png, e);
    int sidecars = (int)enc->opts[PRTS_OPT_WRITE_SIDECAR];
    prts__outfile side[2];
    prts__outfile *outs[3];
    char *drop[3] = {0};
    size_t nout = 0, ndrop = 0;
    int rc = PRTS_OK;
    if (sidecars) {
        rc = prts__sidecar_open(&enc->alloc, &side[0], out, ".meta.json", enc->result, mode,
                                input, e);
        if (rc == PRTS_OK)
            outs[nout++] = &side[0];
        if (rc == PRTS_OK && enc->blueprint &&
            (rc = prts__sidecar_open(&enc->alloc, &side[1], out, ".blueprint.json",
                                     enc->blueprint, mode, input, e)) == PRTS_OK)
            outs[nout++] = &side[1];
    } else {
        drop[ndrop++] = prts__sidecar_name(&enc->alloc, out, PRTS_META_SIDECAR);
        if (prts__has_alt_sidecar(out)) /* the reader's second sidecar name */
            drop[ndrop++] = prts__sidecar_name(&enc->alloc, out, PRTS_META_ALT_SIDECAR);
    }
    if (!sidecars || !enc->blueprint)
        drop[ndrop++] = prts__suffixed_name(&enc->alloc, out, ".blueprint.json");
    for (size_t i = 0; i < ndrop; i++)
        if (!drop[i] && rc == PRTS_OK)
            rc = prts__fail(e, PRTS_E_NOMEM, "out of memory");
    outs[nout++] = png; /* last: the sidecars are in place before the PNG is */
    if (rc == PRTS_OK)
        rc = prts__out_commit_all(outs, nout, (const char *const *)drop, ndrop, e);
    else
        for (size_t i = 0; i < nout; i++)
            prts__out_abort(outs[i]);
    for (size_t i = 0; i < ndrop; i++)
        prts__free(&enc->alloc, drop[i]);
    return rc;
}

int prts_encoder_finish_file(prts_encoder *enc, const char *out)
{
    if (!valid(enc) || !out)
        return PRTS_E_INVALID_ARG;
    int rc = begin_operation(enc);
    if (rc)
        return rc;
    prts__outfile o;
    if ((rc = prts__out_open(&o, &enc->alloc, out, 0666, NULL, 0, &enc->err))) {
        drop_stream(enc);
        enc->state = ENC_FAILED;
        return rc;
    }
    rc = finish_stream(enc, prts__out_write, &o, !o.direct);
    if (rc) {
        if (rc == PRTS_E_CALLBACK)
            rc = prts__fail(&enc->err, PRTS_E_IO, "%s: write failed: %s", out,
                            strerror(o.failed_errno ? o.failed_errno : EIO));
        prts__out_abort(&o);
        return rc;
    }
    if ((rc = commit_outputs(enc, &o, out, 0666, NULL)))
        enc->state = ENC_FAILED;
    return rc;
}

int prts_encoder_encode_file(prts_encoder *enc, const char *in, const char *out)
{
    if (!valid(enc) || !in || !out)
        return PRTS_E_INVALID_ARG;
    if (enc->state == ENC_PUSHING)
        return prts__fail(&enc->err, PRTS_E_BAD_STATE, "a pushed stream is in progress");
    prts__err *e = &enc->err;
    prts__map map;
    int rc = prts__map_input(in, &map, &enc->alloc, e);
    if (rc)
        return rc;
    /* the output is as private as the input (a 0600 secret stays 0600) */
    unsigned mode = (unsigned)map.st.st_mode & 0666;
    struct stat input = map.st;
    prts__outfile o;
    if ((rc = prts__out_open(&o, &enc->alloc, out, mode, &input, 0, e))) {
        prts__unmap(&map);
        return rc;
    }
    /* a device or FIFO cannot be rewritten: the hash goes in first */
    rc = encode_buffer(enc, map.base, map.len, map.mapped, map.fd, NULL, prts__out_write, &o,
                       !o.direct, e);
    if (rc == PRTS_OK && map.mapped)
        rc = prts__map_check_unchanged(in, &map, e);
    prts__unmap(&map);
    if (rc) {
        if (rc != PRTS_E_CALLBACK)
            prts__fail_path(e, in);
        else
            prts__fail(e, PRTS_E_IO, "%s: write failed: %s", out,
                       strerror(o.failed_errno ? o.failed_errno : EIO));
        prts__out_abort(&o);
        return rc == PRTS_E_CALLBACK ? PRTS_E_IO : rc;
    }
    return commit_outputs(enc, &o, out, mode, &input);
}

/* The PNG gathered in memory, from malloc: it is handed to the caller (prts_free). */
typedef struct mem_sink {
    uint8_t *base;
    size_t len, cap;
} mem_sink;

static int mem_write(void *user, const void *buf, size_t len)
{
    mem_sink *m = user;
    if (len > m->cap - m->len) {
        size_t cap = m->cap ? m->cap : 4096;
        while (len > cap - m->len) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        uint8_t *more = realloc(m->base, cap);
        if (!more)
            return -1;
        m->base = more;
        m->cap = cap;
    }
    memcpy(m->base + m->len, buf, len);
    m->len += len;
    return 0;
}

int prts_encoder_encode(prts_encoder *enc, const void *data, size_t len, void **png,
                        size_t *png_len)
{
    if (png)
        *png = NULL;
    if (png_len)
        *png_len = 0;
    if (!valid(enc) || (!data && len) || !png || !png_len)
        return PRTS_E_INVALID_ARG;
    if (enc->state == ENC_PUSHING)
        return prts__fail(&enc->err, PRTS_E_BAD_STATE, "a pushed stream is in progress");
    mem_sink m = {0};
    /* the PNG is about as big as the payload (stored), plus its metadata */
    size_t guess = len < SIZE_MAX - 65536 ? len + 65536 : len;
    if ((m.base = malloc(guess)) != NULL)
        m.cap = guess;
    static const uint8_t none[1];
    int rc = encode_buffer(enc, len ? data : none, len, 0, -1, NULL, mem_write, &m, 0, &enc->err);
    if (rc == PRTS_E_CALLBACK)
        rc = prts__fail(&enc->err, PRTS_E_NOMEM, "cannot hold a PNG of %zu bytes in memory",
                        m.len);
    if (rc) {
        free(m.base);
        return rc;
    }
    uint8_t *fit = m.len < m.cap ? realloc(m.base, m.len ? m.len : 1) : NULL;
    *png = fit ? fit : m.base;
    *png_len = m.len;
    return PRTS_OK;
}

int prts_encode(const void *data, size_t len, void **png, size_t *png_len)
{
    prts_encoder *enc = prts_encoder_new();
    int rc = enc ? prts_encoder_encode(enc, data, len, png, png_len) : PRTS_E_NOMEM;
    prts_encoder_free(enc);
    return rc;
}

int prts_encode_file(const char *in, const char *out)
{
    prts_encoder *enc = prts_encoder_new();
    int rc = enc ? prts_encoder_encode_file(enc, in, out) : PRTS_E_NOMEM;
    prts_encoder_free(enc);
    return rc;
}
