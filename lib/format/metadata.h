/* format/metadata.h: the PixelRTS metadata object (format.md §5): build, parse, sidecars. */
#ifndef PRTS__METADATA_H
#define PRTS__METADATA_H

#include <jansson.h>
#include <stdint.h>

#include "common/common.h"
#include "common/fileio.h"

/* Most JSON values a metadata text, blueprint or sidecar may hold (PRTS_E_LIMIT beyond):
 * bounds jansson's memory to ~50 MB whatever PRTS_OPT_MAX_METADATA_SIZE allows. */
#define PRTS__MAX_JSON_VALUES 1000000

#define PRTS__MAGIC "PixelRTS"
#define PRTS__MAGIC_LEN 8

/* What a decoder needs from a metadata object (pointers into `obj`). */
typedef struct prts__meta {
    json_t *obj;             /* owned reference */
    int mode;                /* prts_mode */
    uint32_t grid;           /* grid_size as recorded (0 if absent) */
    uint64_t data_size;      /* payload bytes */
    uint64_t encoded_size;   /* bytes in the pixels (== data_size unless compressed) */
    int compressed;
    int has_hash;
    char hash[65];
    const char *b64;         /* original_data_b64 or NULL */
    size_t b64_len;
} prts__meta;

/* The full object for an encoded payload, keys in format order; `user` may
 * be NULL; `compression` (the §7 object, taken over) is NULL for a payload
 * placed as it is, else `encoded_size` is the bytes in the pixels; `b64` is
 * the code-mode copy of the bytes in the pixels, or NULL. */
json_t *prts__meta_build(const json_t *user, uint32_t grid, int mode, const char *hash_hex,
                         uint64_t size, json_t *compression, uint64_t encoded_size,
                         const char *b64, prts__err *e);

/* "PixelRTS" + compact ASCII JSON (the tEXt chunk text); from `a`. */
char *prts__meta_chunk_text(const prts_allocator *a, const json_t *meta, size_t *len);

/* 1 if text is a metadata chunk text: the magic followed by a JSON object. */
int prts__meta_is_chunk_text(const char *text, size_t len);
/* Parse a chunk text (magic + JSON object). */
int prts__meta_parse_chunk(const char *text, size_t len, json_t **out, prts__err *e);

/* Extract and validate the decoder's fields; takes a reference to obj. */
int prts__meta_interpret(json_t *obj, prts__meta *m, prts__err *e);
void prts__meta_clear(prts__meta *m);

/* The blueprint (format.md §5): carried, not interpreted.  Chunk text is
 * "PixelRTS-Blueprint" + compact JSON; the sidecar is OUTPUT.blueprint.json. */
#define PRTS__BLUEPRINT_MAGIC "PixelRTS-Blueprint"
int prts__blueprint_is_chunk_text(const char *text, size_t len);
int prts__blueprint_parse_chunk(const char *text, size_t len, json_t **out, prts__err *e);
char *prts__blueprint_chunk_text(const prts_allocator *a, const json_t *blueprint, size_t *len);

/* Sidecar beside a PNG: tries PATH.meta.json, then PATH with .png -> .meta.json.
 * Returns PRTS_OK with *out == NULL when neither exists; *source gets a
 * prts_metadata_source. */
int prts__sidecar_read(const prts_allocator *a, const char *png_path, uint64_t max_size,
                       json_t **out, int *source, prts__err *e);
/* Open the output PATH + suffix (".meta.json", ".blueprint.json") and
 * write `obj` into it (indent 2, ASCII); the caller commits it together
 * with the PNG (prts__out_commit_all).  `mode` and `input` as for
 * prts__out_open (a sidecar gets the PNG's permissions: it holds its hash,
 * and in code mode the whole payload). */
int prts__sidecar_open(const prts_allocator *a, prts__outfile *out, const char *png_path,
                       const char *suffix, const json_t *obj, unsigned mode,
                       const struct stat *input, prts__err *e);
/* PATH + suffix in new memory from `a` (NULL when out of memory). */
char *prts__suffixed_name(const prts_allocator *a, const char *png_path, const char *suffix);
/* The name of the sidecar `source` (PRTS_META_SIDECAR or PRTS_META_ALT_SIDECAR)
 * of png_path, from `a`; NULL when out of memory, or for ALT_SIDECAR when the
 * name does not end in ".png". */
char *prts__sidecar_name(const prts_allocator *a, const char *png_path, int source);
/* 1 if png_path has an alternate sidecar name (it ends in ".png"). */
int prts__has_alt_sidecar(const char *png_path);
/* A PNG's metadata with its sidecar's (format.md §5): the PNG's own chunk is
 * authoritative; the sidecar may add keys the chunk lacks (an older writer's
 * sidecar, or one that alone keeps original_data_b64), but a key both hold
 * must have equal values.  Returns the chunk plus the sidecar's other keys (a
 * new reference; NULL when out of memory) and sets *differs to the first key,
 * in the chunk's order, whose values differ (NULL when none does). */
json_t *prts__meta_merge(json_t *chunk, json_t *sidecar, const char **differs);
/* Read PATH + suffix if it exists (*out NULL when not). */
int prts__sidecar_read_json(const prts_allocator *a, const char *png_path, const char *suffix,
                            uint64_t max_size, json_t **out, prts__err *e);

#endif
