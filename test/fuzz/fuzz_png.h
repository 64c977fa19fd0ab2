/* fuzz_png.h: what the decode target (fuzz_decode.c) and its mutator
 * (fuzz_mutate_png.c) share: just enough PNG framing to walk the chunks and
 * inflate the IDAT data with zlib.  Written apart from lib/ on purpose: a
 * reference that shared the reader's code would share its bugs. */
#ifndef PRTS_FUZZ_PNG_H
#define PRTS_FUZZ_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"

/* In fuzz_decode.c: the payload `data` decodes to through the stream API,
 * verification off, appended to *out; the prts_status. */
int fuzz_decode_stream(const uint8_t *data, size_t size, fuzz_buf *out);

typedef struct fuzz_chunk {
    size_t at;       /* offset of the chunk's length field */
    uint32_t len;    /* data length */
    uint8_t type[4];
} fuzz_chunk;

/* The chunks after the PNG signature, in file order, up to IEND included or
 * to the first one that does not fit in the input; malloc'd, *n of them
 * (NULL when there are none: no signature, or nothing whole after it). */
fuzz_chunk *fuzz_png_chunks(const uint8_t *data, size_t size, size_t *n);
int fuzz_png_is(const fuzz_chunk *c, const char type[4]);

static inline uint32_t fuzz_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void fuzz_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* Where inflating stops: more than the largest image the decode target
 * allows (grid 1024: 1024 rows of 1 + 4 * 1024 bytes) ever needs, and a
 * bound on what a deflate bomb in one input costs. */
#define FUZZ_PNG_MAX_OUT ((uint64_t)8 << 20)

/* What inflating a run of IDAT data gave. */
typedef struct fuzz_inflated {
    int end;          /* the deflate stream ended (and, with a zlib header, its Adler-32 held) */
    uint64_t out;     /* bytes produced, up to the limit */
    uint32_t adler;   /* Adler-32 of the first `out` bytes */
    uint64_t used;    /* input bytes consumed, header and trailer included */
} fuzz_inflated;

/* Inflate the data of chunks c[0..n) as one stream, from byte `skip` of the
 * first, stopping after `max_out` bytes of output.  zlib = 1: a zlib stream
 * (header and Adler-32 checked by zlib); 0: raw deflate.  Output beyond
 * max_out is not counted, so a bomb costs at most max_out. */
void fuzz_png_inflate(const uint8_t *data, const fuzz_chunk *c, size_t n, size_t skip, int zlib,
                      uint64_t max_out, fuzz_inflated *res);

/* The file offset of byte `pos` of the concatenated data of c[0..n); 0 past the end. */
size_t fuzz_png_data_at(const fuzz_chunk *c, size_t n, uint64_t pos);

/* The reference check: the IDAT chunks, taken in file order as every PNG
 * reader takes them, hold a zlib stream that zlib inflates to its end with
 * a correct Adler-32; or, for a plain 8-bit RGBA image, whose rows readers
 * (libspng, PIL, ours) take from the start of the stream and ignore what
 * follows them, a stream whose first rows' worth of output sums to the
 * stream's last 4 bytes (its Adler-32).  1 yes, 0 no, -1 undecided (more
 * than max_out bytes of output). */
int fuzz_png_idat_ok(const uint8_t *data, size_t size, uint64_t max_out);

#endif
