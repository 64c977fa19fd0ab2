/* hilbert.c: Hilbert curve primitives and the strip-of-tiles layout. */
#include "hilbert.h"

void prts__d2xy(uint32_t g, uint64_t d, uint32_t *px, uint32_t *py)
{
    uint64_t x = 0, y = 0, t = d;
    for (uint64_t s = 1; s < g; s <<= 1) {
        uint64_t rx = 1 & (t >> 1);
        uint64_t ry = 1 & (t ^ rx);
        if (ry == 0) {
            if (rx == 1) {
                x = s - 1 - x;
                y = s - 1 - y;
            }
            uint64_t tmp = x;
            x = y;
            y = tmp;
        }
        x += s * rx;
        y += s * ry;
        t >>= 2;
    }
    *px = (uint32_t)x;
    *py = (uint32_t)y;
}

uint64_t prts__xy2d(uint32_t g, uint32_t px, uint32_t py)
{
    uint64_t x = px, y = py, d = 0;
    for (uint64_t s = (uint64_t)g / 2; s > 0; s >>= 1) {
        uint64_t rx = (x & s) > 0;
        uint64_t ry = (y & s) > 0;
        d += s * s * ((3 * rx) ^ ry);
        /* rotate the quadrant so the sub-curve is in base orientation */
        if (ry == 0) {
            if (rx == 1) {
                x = s - 1 - (x & (s - 1));
                y = s - 1 - (y & (s - 1));
            }
            uint64_t tmp = x;
            x = y;
            y = tmp;
        }
        x &= s - 1;
        y &= s - 1;
    }
    return d;
}

int prts__is_pow2(uint64_t g)
{
    return g != 0 && (g & (g - 1)) == 0;
}

uint32_t prts__grid_size(uint64_t n)
{
    if (n == 0)
        return 1;
    uint64_t g = 4;
    while (4 * g * g < n) {
        g <<= 1;
        if (g > (1ull << 31))
            return 0;
    }
    return (uint32_t)g;
}

/* Where a base-curve point (x, y) of a t x t tile lands under orientation o. */
static void orient_point(int o, uint32_t t, uint32_t x, uint32_t y, uint32_t *ox, uint32_t *oy)
{
    switch (o) {
    case PRTS__ORIENT_ID:     *ox = x;         *oy = y;         break;
    case PRTS__ORIENT_T:      *ox = y;         *oy = x;         break;
    case PRTS__ORIENT_ANTI_T: *ox = t - 1 - y; *oy = t - 1 - x; break;
    default:                  *ox = t - 1 - x; *oy = t - 1 - y; break;
    }
}

void prts__layout_init(prts__layout *lay, uint32_t g)
{
    uint32_t t = g < PRTS__TILE_MAX ? g : PRTS__TILE_MAX;
    uint32_t k = 0;
    while ((1u << k) < t)
        k++;
    lay->grid = g;
    lay->tile = t;
    lay->tile_log2 = k;
    lay->strips = g / t;
    lay->tiles = g / t;
    for (int o = 0; o < 4; o++) {
        for (uint32_t j = 0; j < t * t; j++) {
            uint32_t bx, by, lx, ly;
            prts__d2xy(t, j, &bx, &by);
            orient_point(o, t, bx, by, &lx, &ly);
            lay->inv[o][ly * t + lx] = (uint8_t)j;
        }
    }
}

/* The orientation follows from where the curve enters and leaves the block
 * (local coordinates): the base curve runs from (0,0) to (t-1,0). */
static uint8_t tile_orientation(uint32_t entry_x, uint32_t exit_x, uint32_t exit_y)
{
    if (entry_x == 0)                 /* enters at (0,0): leaves at (t-1,0) or (0,t-1) */
        return exit_y == 0 ? PRTS__ORIENT_ID : PRTS__ORIENT_T;
    /* enters at (t-1,t-1): leaves at (t-1,0) or (0,t-1) */
    return exit_x == 0 ? PRTS__ORIENT_ROT180 : PRTS__ORIENT_ANTI_T;
}

void prts__layout_strip(const prts__layout *lay, uint32_t strip, prts__tile *tiles)
{
    uint32_t g = lay->grid, t = lay->tile;
    uint64_t area = (uint64_t)t * t;
    uint32_t oy = strip * t;
    for (uint32_t i = 0; i < lay->tiles; i++) {
        uint32_t ox = i * t;
        uint64_t d0 = prts__xy2d(g, ox, oy) & ~(area - 1);
        uint32_t ex, ey, xx, xy;  /* entry and exit points */
        prts__d2xy(g, d0, &ex, &ey);
        prts__d2xy(g, d0 + area - 1, &xx, &xy);
        tiles[i].d0 = d0;
        tiles[i].orient = t == 1 ? PRTS__ORIENT_ID
                                 : tile_orientation(ex - ox, xx - ox, xy - oy);
    }
}
