/* png/write.h: our RGBA8 PNG writer, on zlib, with parallel deflate.
 *
 * libspng cannot compress runs of rows on several threads, switch levels
 * per run or align IDAT chunks to them (docs/architecture.md §11), so writing is ours:
 * signature, IHDR, the metadata tEXt chunks (before IDAT, like the
 * original), one IDAT chunk per deflate segment (png/segments_write.h), the segment
 * index (png/segments_index.h), IEND.  libspng remains the reader, and the tests check
 * every file written here with libspng and pngcheck. */
#ifndef PRTS__PNG_WRITE_H
#define PRTS__PNG_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

/* Rewrites `len` bytes written earlier at `offset` (an output file). */
typedef int (*prts__patch_fn)(void *user, uint64_t offset, const void *data, size_t len,
                              prts__err *e);

typedef struct prts__png_params {
    uint32_t grid;                /* image side */
    const char *meta_text;        /* `PixelRTS` tEXt chunk text */
    size_t meta_len;
    /* The payload's hash, known only after the pixels (it is computed beside
     * them): meta_text holds 64 placeholder characters at `hash_at` that
     * prts__png_write_hash fills in through `patch` (same `user` as the
     * write callback).  NULL: the text is final. */
    prts__patch_fn patch;
    size_t hash_at;
    const char *blueprint_text;   /* `PixelRTS-Blueprint` text, or NULL */
    size_t blueprint_len;
    int level;                    /* zlib level 0..9 */
    int adaptive;                 /* store the runs that look incompressible */
    int filter;                   /* prts_filter */
    int threads;                  /* deflate threads; 0 = one per CPU, 1 = this thread only */
    /* `write` may be called from the deflate threads (one at a time, in
     * order): a sink of the library's own, such as its output files, never a
     * caller's callback.  The caller's thread then spends no time writing. */
    int write_any_thread;
    const prts_allocator *alloc;  /* every buffer of the writer (NULL = malloc) */
    /* The deflater for the segments compressed on the caller's thread (an
     * image of one segment, or no pool): the caller's, kept from image to
     * image so that its state (~270 KiB of zlib, ~360 KiB of ISA-L) is built
     * once per handle, not per image; its alloc must outlive the writer.
     * NULL: the writer's own, freed with it. */
    struct prts__deflater *deflater;
} prts__png_params;

typedef struct prts__png_writer prts__png_writer;

/* Write everything before the pixels. */
int prts__png_write_begin(prts__png_writer **w, const prts__png_params *p, prts_write_fn write,
                          void *user, prts__err *e);
/* Append `nrows` rows of 4*grid bytes each, `stride` bytes apart. */
int prts__png_write_rows(prts__png_writer *w, const uint8_t *rows, uint32_t nrows, size_t stride,
                         prts__err *e);
/* After the last row: the remaining segments, the index, IEND. */
int prts__png_write_end(prts__png_writer *w, prts__err *e);
/* After the end, with params.patch: the 64 hex digits of the payload's
 * hash go into the metadata chunk (and its CRC is made right). */
int prts__png_write_hash(prts__png_writer *w, const char hex[64], prts__err *e);
void prts__png_write_free(prts__png_writer *w);

/* Bytes of raw (filtered) rows per segment: big enough that per-segment
 * costs vanish, small enough to bound memory and give ranges a fine grain. */
#define PRTS__SEGMENT_BYTES (1u << 20)

#endif
