/* png/segments_index.h: the `prIX` chunk: where each deflate segment of IDAT starts.
 *
 * Written by our encoder after the last IDAT, before IEND.  Its name makes it
 * ancillary (readers that do not know it skip it), private, and not safe to
 * copy (an editor that rewrites the pixels must drop it, since the offsets
 * would be wrong).  Layout, big-endian:
 *
 *   u8  version (1)       u8[3] zero
 *   u32 segment count N   u32 image height
 *   u64 end: file offset just past the last IDAT chunk
 *   N x { u64 file offset of the segment's IDAT chunk (its length field),
 *         u32 first row of the segment,
 *         u32 Adler-32 of the segment's rows as inflated (filter bytes and
 *             filtered bytes), so that a byte range is checked without the
 *             rest of the image; a segment that disagrees is settled by the
 *             zlib stream's own Adler-32 (png/segments_read.h) }
 *   u32 length of this chunk's data (so that a reader finds the chunk from
 *       the end of the file: ... prIX data, CRC, IEND)
 *
 * Each segment is exactly one IDAT chunk holding an independent raw-deflate
 * run of whole rows (png/segments_write.h); the first chunk's data starts with the
 * 2-byte zlib header, the last one's ends with the 4-byte Adler-32. */
#ifndef PRTS__PNG_INDEX_H
#define PRTS__PNG_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

#define PRTS__INDEX_CHUNK "prIX"
#define PRTS__INDEX_HEAD 20
#define PRTS__INDEX_TAIL 4
#define PRTS__INDEX_ENTRY 16

typedef struct prts__seg_entry {
    uint64_t offset;
    uint32_t first_row;
    uint32_t adler;
} prts__seg_entry;

typedef struct prts__png_index {
    uint32_t count, height;
    uint64_t end;
    prts__seg_entry *seg; /* count entries */
    const prts_allocator *alloc; /* seg comes from here (NULL = malloc); set it before decode */
} prts__png_index;

/* Serialise (from ix->alloc, *len bytes); NULL when out of memory. */
uint8_t *prts__index_encode(const prts__png_index *ix, size_t *len);
/* Where the index chunk of a file of `file_len` bytes must start, from the
 * last 20 bytes of the file (`tail`); 0 if that tail is not ours. */
uint64_t prts__index_locate(const uint8_t tail[20], uint64_t file_len, uint32_t *data_len);
/* Parse and check the chunk's structure (counts, order, bounds against
 * `height` and `file_len`); -1 if it is not a usable index, -2 when out of
 * memory. */
int prts__index_decode(const uint8_t *data, size_t len, uint32_t height, uint64_t file_len,
                       prts__png_index *ix);
void prts__index_free(prts__png_index *ix);

#endif
