/* layout/range.c: byte ranges of the payload in the Hilbert layout.
 *
 * An aligned run of 4^k pixels of the curve fills an aligned 2^k x 2^k
 * square, so a range splits into a few such runs whose squares bound the
 * rows; a 1 MiB range of a 16384^2 image spans 512-1024 of its rows. */
#include <string.h>

#include "layout/range.h"

void prts__range_rows(uint32_t g, uint64_t a, uint64_t b, uint32_t *first, uint32_t *last)
{
    uint64_t d = a / 4, end = (b + 3) / 4; /* pixels [d, end) */
    uint32_t lo = g, hi = 0;
    while (d < end) {
        /* the largest aligned run starting at d that stays inside */
        uint64_t run = 1;
        uint32_t side = 1;
        while (side < g && (d & (4 * run - 1)) == 0 && d + 4 * run <= end) {
            run *= 4;
            side *= 2;
        }
        uint32_t x, y;
        prts__d2xy(g, d, &x, &y);
        uint32_t y0 = y & ~(side - 1);
        if (y0 < lo)
            lo = y0;
        if (y0 + side - 1 > hi)
            hi = y0 + side - 1;
        d += run;
    }
    *first = lo;
    *last = hi;
}

void prts__range_gather(const prts__layout *lay, uint32_t strip, prts__tile *tiles,
                        const uint8_t *rows, size_t stride, uint64_t a, uint64_t b, uint8_t *out)
{
    uint32_t t = lay->tile;
    uint64_t area = (uint64_t)t * t, plo = a / 4, phi = (b - 1) / 4;
    prts__layout_strip(lay, strip, tiles);
    for (uint32_t i = 0; i < lay->tiles; i++) {
        const prts__tile *tile = &tiles[i];
        if (tile->d0 > phi || tile->d0 + area <= plo)
            continue;
        const uint8_t *inv = lay->inv[tile->orient];
        for (uint32_t ly = 0; ly < t; ly++)
            for (uint32_t lx = 0; lx < t; lx++) {
                uint64_t d = tile->d0 + inv[ly * t + lx];
                if (d < plo || d > phi)
                    continue;
                const uint8_t *px = rows + (size_t)ly * stride + ((size_t)i * t + lx) * 4;
                uint64_t from = d * 4, to = from + 4;
                uint64_t s = from < a ? a : from, e = to > b ? b : to;
                memcpy(out + (s - a), px + (s - from), (size_t)(e - s));
            }
    }
}
