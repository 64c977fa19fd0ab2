/* png/segments_read.h: reading the rows of one of our PNGs through its segment
 * index (png/segments_index.h): segments are inflated, checked and unfiltered on a
 * pool of threads, ahead of the caller, or only those a byte range needs.
 * Files without the index (the original's, other tools') are read by the
 * sequential libspng path instead (png/read.h). */
#ifndef PRTS__PNG_SEGMENTS_H
#define PRTS__PNG_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

typedef struct prts__seg_reader prts__seg_reader;

/* Look for a usable index in the PNG file open on `fd` (`side` x `side`
 * RGBA8, non-interlaced, as its IHDR said; its first IDAT chunk at offset
 * `first_idat`, as a sequential reader found it).  *out is NULL, with
 * PRTS_OK, when the file has none, or when its index would not read exactly
 * the chunks a sequential reader reads: every IDAT chunk from the first one,
 * back to back, then the index chunk, then IEND at the end of the file. */
int prts__seg_reader_open(prts__seg_reader **out, const prts_allocator *a, int fd, uint32_t side,
                          uint64_t first_idat, int threads, const char *name, prts__err *e);
/* Copy rows [first, first + n) (4*side bytes each) to rows, `stride`
 * apart.  Calls in increasing row order read ahead on the threads, up to
 * the horizon (default: the last row). */
int prts__seg_reader_rows(prts__seg_reader *r, uint32_t first, uint32_t n, uint8_t *rows,
                          size_t stride, prts__err *e);
/* Read ahead no further than row `last` (for a byte range). */
void prts__seg_reader_horizon(prts__seg_reader *r, uint32_t last);
/* After every row was read in order: the zlib stream's Adler-32 check. */
int prts__seg_reader_finish(prts__seg_reader *r, prts__err *e);
/* 1 once a segment read so far disagrees with the index's checksum of it.
 * Not an error by itself (the index may be what is damaged): a whole read
 * is settled by the stream's own Adler-32 at prts__seg_reader_finish; a
 * partial read must be redone by a reader that can settle it. */
int prts__seg_reader_disagrees(const prts__seg_reader *r);
void prts__seg_reader_free(prts__seg_reader *r);

#endif
