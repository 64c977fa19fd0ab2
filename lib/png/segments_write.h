/* png/segments_write.h: one run of PNG rows as an independent raw-deflate segment.
 *
 * Our PNG's zlib stream is a 2-byte header, then one segment per run of
 * rows, each compressed on its own (no back-reference into an earlier
 * segment, ends byte-aligned on a sync flush; the last one ends the stream),
 * then the Adler-32 of all rows (combined from the segments').  Segments can
 * therefore be compressed on several threads (the pigz technique) and, with
 * the index chunk recording where each starts, inflated on several threads
 * or alone for a byte range. */
#ifndef PRTS__DEFLATE_SEG_H
#define PRTS__DEFLATE_SEG_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "common/buffer.h"
#include "common/common.h"

/* A reusable raw-deflate state (zlib allocates ~270 KiB per stream, ISA-L's
 * level 1 ~360 KiB: keep one per thread, reset between segments).  Start it
 * zeroed apart from alloc. */
typedef struct prts__deflater {
    z_stream z;
    int ready;
    int level; /* level the stream is set to now */
    const prts_allocator *alloc; /* zlib's and ISA-L's state come from here (NULL = malloc) */
    void *isal;     /* struct isal_zstream, allocated at first use (PRTS_HAVE_ISAL) */
    void *isal_buf; /* its level-1 buffer */
} prts__deflater;

/* Whether in[0..n) is all zero bytes. */
int prts__all_zero(const uint8_t *p, size_t n);

/* Append the raw deflate of in[0..n) to out.  level 1..9 compresses every
 * byte at that level; level 0 stores every byte except runs of all-zero
 * 64-byte blocks (the padding after a payload), written as fixed-Huffman
 * blocks of matches (without zlib: put_zeros); adaptive: blocks that look
 * incompressible (their sampled byte entropy is near 8 bits) are stored and
 * the rest compressed at `level`, switching with deflateParams inside the one
 * stream.  `last` ends the stream (final block), else it ends on a sync
 * flush.  *adler receives the Adler-32 of in[0..n).
 *
 * Built with ISA-L, level 1 is ISA-L's level 1 instead (5x zlib's speed on
 * machine code, 16x on random bytes, for 1-5 % more output).  In adaptive
 * mode the segment is then a sequence of pieces, each produced on its own
 * and ending byte-aligned on a sync flush (the last one as above): runs of
 * stored blocks (as zlib's level 0 writes them, without a zlib stream), runs
 * of compressed ones from ISA-L.  An ISA-L
 * piece is its first byte in a stored block, then ISA-L's blocks for the rest
 * with that byte as their dictionary (png/segments_write.c, ISAL_LEAD: ISA-L
 * started without history writes bytes that depend on the address of its
 * state).
 * Which bytes go in which piece, and every byte written, depend on the data
 * and the options alone, not on the thread or the memory doing the work: the
 * output is the same on any number of threads and from run to run. */
int prts__seg_compress(prts__deflater *d, const uint8_t *in, size_t n, int level, int adaptive,
                       int last, prts__buf *out, uint32_t *adler, prts__err *e);
void prts__deflater_free(prts__deflater *d);

#endif
