/* format/metadata.h: the PixelRTS metadata object (docs/format.md §5): build, find among
 * a PNG's text chunks, parse, validate, merge with a sidecar's (format/sidecar.h). */
#ifndef PRTS__METADATA_H
#define PRTS__METADATA_H

#include <jansson.h>
#include <stdint.h>

#include "common/common.h"

/* Most JSON values a metadata text, blueprint or sidecar may hold (PRTS_E_LIMIT beyond):
 * bounds jansson's memory to ~50 MB whatever PRTS_OPT_MAX_METADATA_SIZE allows. */
#define PRTS__MAX_JSON_VALUES 1000000

#define PRTS__MAGIC "PixelRTS"
#define PRTS__MAGIC_LEN 8

/* A PNG without metadata, in the original's words, which end every such message (the
 * Python binding raises them from there): "X: not a PixelRTS file: " PRTS__NO_METADATA. */
#define PRTS__NO_METADATA "No PixelRTS metadata found in PNG"

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

/* json_dumps(obj, flags | JSON_ENSURE_ASCII), the same text, faster where
 * nothing needs escaping (free() it). */
char *prts__json_dump_ascii(const json_t *obj, size_t flags);

/* A plain payload's metadata object from prts__meta_build (no compression,
 * no base64 copy) made that of another payload with the same settings: its
 * grid_size, data_hash and data_size set in place, keys and their order
 * unchanged.  0, or -1 when out of memory. */
int prts__meta_update(json_t *meta, uint32_t grid, const char *hash_hex, uint64_t size);

/* The caller's keys of a metadata object: a new object without the keys the format
 * reserves (the one list of them, in metadata.c); NULL when out of memory. */
json_t *prts__meta_user_keys(const json_t *meta);

/* "PixelRTS" + compact ASCII JSON (the tEXt chunk text); from `a`. */
char *prts__meta_chunk_text(const prts_allocator *a, const json_t *meta, size_t *len);

/* 1 if text is a metadata chunk text: the magic followed by a JSON object. */
int prts__meta_is_chunk_text(const char *text, size_t len);
/* Parse a chunk text (magic + JSON object). */
int prts__meta_parse_chunk(const char *text, size_t len, json_t **out, prts__err *e);

/* Refuse JSON text with more than PRTS__MAX_JSON_VALUES values (PRTS_E_LIMIT, the
 * message naming `what`) before jansson builds it. */
int prts__json_check_values(const char *text, size_t len, const char *what, prts__err *e);

/* Which of a PNG's text chunks are ours.  The PNG layer hands over every text
 * chunk (png/read.h: prts__png_read_texts, prts__png_read_end) to
 * prts__meta_text_seen with a prts__meta_texts as `user`, zeroed apart from
 * `name`; the texts are the reader's (valid while it is open). */
typedef struct prts__meta_texts {
    const char *name;          /* the file, for messages */
    const char *text;          /* the first metadata text, or NULL */
    size_t len;
    const char *blueprint;     /* the first blueprint text, or NULL */
    size_t blueprint_len;
    uint32_t count;            /* metadata texts seen */
} prts__meta_texts;
/* Takes note of one text chunk (a png/read.h prts__png_text_fn); a second
 * metadata text is PRTS_E_BAD_METADATA: readers disagree on which one counts. */
int prts__meta_text_seen(void *user, const char *keyword, const char *text, size_t len,
                         prts__err *e);
/* PRTS_E_NO_METADATA ("not a PixelRTS file") when no metadata text was seen. */
int prts__meta_texts_need(const prts__meta_texts *t, prts__err *e);

/* Extract and validate the decoder's fields; takes a reference to obj. */
int prts__meta_interpret(json_t *obj, prts__meta *m, prts__err *e);
void prts__meta_clear(prts__meta *m);

/* The blueprint (docs/format.md §5): carried, not interpreted.  Chunk text is
 * "PixelRTS-Blueprint" + compact JSON; the sidecar is OUTPUT.blueprint.json. */
#define PRTS__BLUEPRINT_MAGIC "PixelRTS-Blueprint"
int prts__blueprint_is_chunk_text(const char *text, size_t len);
int prts__blueprint_parse_chunk(const char *text, size_t len, json_t **out, prts__err *e);
char *prts__blueprint_chunk_text(const prts_allocator *a, const json_t *blueprint, size_t *len);

/* A PNG's metadata with its sidecar's (docs/format.md §5): the PNG's own chunk is
 * authoritative; the sidecar may add keys the chunk lacks (an older writer's
 * sidecar, or one that alone keeps original_data_b64), but a key both hold
 * must have equal values.  Returns the chunk plus the sidecar's other keys (a
 * new reference; NULL when out of memory) and sets *differs to the first key,
 * in the chunk's order, whose values differ (NULL when none does). */
json_t *prts__meta_merge(json_t *chunk, json_t *sidecar, const char **differs);

/* Where the 64 digits of the top-level "data_hash" lie in a metadata chunk
 * text (magic + compact JSON), found by depth outside strings, since the
 * caller's keys may nest a "data_hash" of their own; 0: nowhere.  The PNG
 * writer fills them in once the hash is known. */
size_t prts__meta_hash_digits_at(const char *text, size_t len);

#endif
