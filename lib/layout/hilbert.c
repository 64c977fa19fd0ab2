/* layout/hilbert.c: Hilbert curve primitives and the strip-of-tiles layout. */
#include <pthread.h>

#include "layout/hilbert.h"
#include "pixelrts/pixelrts.h"

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

/* The classic xy2d walk (docs/format.md section 3), level by level from the top. */
uint64_t prts__xy2d(uint32_t g, uint32_t x, uint32_t y)
{
    uint64_t d = 0, px = x, py = y;
    for (uint64_t s = (uint64_t)g / 2; s > 0; s >>= 1) {
        uint64_t rx = (px & s) > 0;
        uint64_t ry = (py & s) > 0;
        d += s * s * ((3 * rx) ^ ry);
        /* rotate the quadrant so the sub-curve is in base orientation */
        if (ry == 0) {
            if (rx == 1) {
                px = s - 1 - (px & (s - 1));
                py = s - 1 - (py & (s - 1));
            }
            uint64_t tmp = px;
            px = py;
            py = tmp;
        }
        px &= s - 1;
        py &= s - 1;
    }
    return d;
}

int prts__is_pow2(uint64_t g)
{
    return g != 0 && (g & (g - 1)) == 0;
}

int prts__grid_allowed(uint64_t g, uint64_t n, uint64_t *max_bytes)
{
    uint64_t image = g > (1u << 30) ? UINT64_MAX : 4 * g * g; /* no 64-bit wrap */
    uint64_t max = n > UINT64_MAX / 16 ? UINT64_MAX : 16 * n;
    if (max < (64u << 20))
        max = 64u << 20;
    if (max_bytes)
        *max_bytes = max;
    return image >= n && (g <= prts__grid_size(n) || image <= max);
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

uint32_t prts_grid_size_for(uint64_t n)
{
    return prts__grid_size(n);
}

static int curve_grid(uint32_t grid)
{
    return grid >= 1 && prts__is_pow2(grid); /* a uint32_t power of two: up to 2^31 */
}

int prts_hilbert_coords(uint32_t grid, uint64_t first, uint64_t count, uint32_t *xy)
{
    uint64_t n = (uint64_t)grid * grid;
    if (!curve_grid(grid) || first > n || count > n - first || (count && !xy))
        return PRTS_E_INVALID_ARG;
    for (uint64_t i = 0; i < count; i++)
        prts__d2xy(grid, first + i, &xy[2 * i], &xy[2 * i + 1]);
    return PRTS_OK;
}

int prts_hilbert_index(uint32_t grid, uint32_t x, uint32_t y, uint64_t *d)
{
    if (!curve_grid(grid) || x >= grid || y >= grid || !d)
        return PRTS_E_INVALID_ARG;
    *d = prts__xy2d(grid, x, y);
    return PRTS_OK;
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

/* inv tables per tile side 1, 2, 4, 8, 16 (index = log2 of the side). */
static uint8_t inv_tables[5][4][PRTS__TILE_MAX * PRTS__TILE_MAX];
static pthread_once_t inv_once = PTHREAD_ONCE_INIT;

static void build_inv_tables(void)
{
    for (uint32_t k = 0; k < 5; k++) {
        uint32_t t = 1u << k;
        for (int o = 0; o < 4; o++) {
            for (uint32_t j = 0; j < t * t; j++) {
                uint32_t bx, by, lx, ly;
                prts__d2xy(t, j, &bx, &by);
                orient_point(o, t, bx, by, &lx, &ly);
                inv_tables[k][o][ly * t + lx] = (uint8_t)j;
            }
        }
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
    pthread_once(&inv_once, build_inv_tables);
    lay->inv = (const uint8_t (*)[PRTS__TILE_MAX * PRTS__TILE_MAX])inv_tables[k];
}

/* A strip's tiles, by descending the curve's quadrant tree only into the
 * blocks that cross the strip: about two blocks per level, so a strip of n
 * tiles costs about 2n steps instead of n walks from the top (which was a
 * tenth of a transform's time on big grids).
 *
 * A block of side `side` at (bx, by) holds indices d .. d + side^2 - 1,
 * laid out by the base curve under symmetry o.  The base curve visits its
 * quadrants at (0,0), (0,1), (1,1), (1,0), the first transposed and the last
 * anti-transposed (the rotations of d2xy).  The four symmetries form a
 * commutative group in which each is its own inverse; numbered as in
 * layout/hilbert.h, composing two is XOR of their numbers, and each maps aligned
 * sub-blocks to aligned sub-blocks, acting inside them as itself. */
static const uint8_t child_orient[4] = {PRTS__ORIENT_T, PRTS__ORIENT_ID, PRTS__ORIENT_ID,
                                        PRTS__ORIENT_ANTI_T};
/* child_at[o][q]: quadrant q's corner (bit 0 = x, bit 1 = y) under symmetry o */
static uint8_t child_at[4][4];
static pthread_once_t child_once = PTHREAD_ONCE_INIT;

static void build_child_at(void)
{
    static const uint8_t qx[4] = {0, 0, 1, 1}, qy[4] = {0, 1, 1, 0};
    for (int o = 0; o < 4; o++)
        for (int q = 0; q < 4; q++) {
            uint32_t cx, cy;
            orient_point(o, 2, qx[q], qy[q], &cx, &cy);
            child_at[o][q] = (uint8_t)(cx | cy << 1);
        }
}

static void strip_walk(uint32_t bx, uint32_t by, uint32_t side, uint64_t d, int o, uint32_t t,
                       uint32_t row, prts__tile *tiles)
{
    if (side == t) {
        tiles[bx / t].d0 = d;
        tiles[bx / t].orient = (uint8_t)o;
        return;
    }
    uint32_t h = side / 2;
    uint64_t area = (uint64_t)h * h;
    uint32_t lower = row >= by + h; /* which half of the block the strip crosses */
    for (int q = 0; q < 4; q++) {
        uint32_t at = child_at[o][q];
        if ((at >> 1) == lower)
            strip_walk(bx + (at & 1) * h, by + lower * h, h, d + q * area, o ^ child_orient[q], t,
                       row, tiles);
    }
}

void prts__layout_strip(const prts__layout *lay, uint32_t strip, prts__tile *tiles)
{
    pthread_once(&child_once, build_child_at);
    strip_walk(0, 0, lay->grid, 0, PRTS__ORIENT_ID, lay->tile, strip * lay->tile, tiles);
}
