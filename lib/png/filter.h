/* png/filter.h: PNG row filters for RGBA8 rows (4 bytes per pixel).
 *
 * Our PNG writer filters rows itself (it compresses runs of rows on several
 * threads), the indexed reader unfilters the runs it inflates, and the
 * sequential reader filters libspng's rows again to check the zlib stream's
 * Adler-32 (png/read.h). */
#ifndef PRTS__PNG_FILTER_H
#define PRTS__PNG_FILTER_H

#include <stddef.h>
#include <stdint.h>

/* Write the filter byte and the filtered `len` bytes of `cur` to out[0..len].
 * adaptive = 0: filter None.  adaptive = 1: the filter with the smallest sum
 * of absolute (signed) values, the usual heuristic; `prev` is the previous
 * row, or NULL when the row must not depend on it (the first row of an
 * independently compressed run: None or Sub only).  `scratch` holds 4*len
 * bytes when adaptive. */
void prts__filter_row(uint8_t *out, const uint8_t *cur, const uint8_t *prev, size_t len,
                      int adaptive, uint8_t *scratch);

/* Filter `cur` with filter type `type` (0..4) into out[0..len) (no filter
 * byte); `prev` is the previous row (zeros for the first one). */
void prts__filter_row_as(uint8_t *out, const uint8_t *cur, const uint8_t *prev, size_t len,
                         int type);

/* Undo the filter of row[1..len] in place (row[0] is the filter type);
 * `prev` is the previous unfiltered row (its bytes, no filter byte) or
 * NULL for zeros.  -1 if the filter type is not 0..4. */
int prts__unfilter_row(uint8_t *row, const uint8_t *prev, size_t len);

#endif
