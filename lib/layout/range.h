/* layout/range.h: which rows a byte range of the payload lives in, and gathering
 * those bytes back out of the rows (prts_decoder_decode_range). */
#ifndef PRTS__RANGE_H
#define PRTS__RANGE_H

#include <stddef.h>
#include <stdint.h>

#include "layout/hilbert.h"

/* First and last image row holding payload bytes [a, b), b > a. */
void prts__range_rows(uint32_t g, uint64_t a, uint64_t b, uint32_t *first, uint32_t *last);

/* Copy the bytes of [a, b) that strip `strip` holds from its rows (tile-side
 * rows, `stride` apart) to out[byte - a]. */
void prts__range_gather(const prts__layout *lay, uint32_t strip, prts__tile *tiles,
                        const uint8_t *rows, size_t stride, uint64_t a, uint64_t b, uint8_t *out);

#endif
