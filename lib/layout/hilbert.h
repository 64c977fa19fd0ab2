/* layout/hilbert.h: the Hilbert layout of PixelRTS v2 as strips of tiles
 * (docs/architecture.md §3). */
#ifndef PRTS__HILBERT_H
#define PRTS__HILBERT_H

#include <stdint.h>

/* Largest tile side: a 16x16 tile is 256 pixels = 1 KiB of payload, and
 * its permutation tables (4 x 256 bytes) stay in L1 cache. */
#define PRTS__TILE_MAX 16

/* The four symmetries of the square under which the base curve appears
 * inside an aligned block (identity, transpose, anti-transpose, 180°). */
enum { PRTS__ORIENT_ID, PRTS__ORIENT_T, PRTS__ORIENT_ANTI_T, PRTS__ORIENT_ROT180 };

/* One aligned t x t block of a strip: its pixels are the contiguous indices
 * d0 .. d0 + t*t - 1, laid out by the base curve under `orient`. */
typedef struct prts__tile {
    uint64_t d0;
    uint8_t orient;
} prts__tile;

/* Everything needed to transform one grid; built once per image. */
typedef struct prts__layout {
    uint32_t grid;       /* image side g (power of two) */
    uint32_t tile;       /* tile side t = min(g, PRTS__TILE_MAX); also rows per strip */
    uint32_t tile_log2;
    uint32_t strips;     /* g / t */
    uint32_t tiles;      /* tiles per strip: g / t */
    /* inv[o][ly*t + lx] = local curve index j of that pixel, for orientation
     * o: tables shared by every layout of the same tile side, built once */
    const uint8_t (*inv)[PRTS__TILE_MAX * PRTS__TILE_MAX];
} prts__layout;

/* Classic iterative d2xy / xy2d (docs/format.md §3); y is the PNG row. */
void prts__d2xy(uint32_t g, uint64_t d, uint32_t *x, uint32_t *y);
uint64_t prts__xy2d(uint32_t g, uint32_t x, uint32_t y);

/* Smallest grid side for n payload bytes (docs/format.md §2); 0 if too large. */
uint32_t prts__grid_size(uint64_t n);

/* 1 if an explicit grid g may hold a payload of n bytes: it holds them, and its image
 * is no larger than the larger of 16 times the payload (two grid sizes above the
 * payload's own) and 64 MiB of pixels (4096x4096, a few tens of ms to inflate).
 * Decoders refuse a larger image, since a small file could otherwise make them
 * inflate any size; encoders refuse to write one.  *max_bytes: that bound. */
int prts__grid_allowed(uint64_t g, uint64_t n, uint64_t *max_bytes);

/* 1 if g is a power of two (1 included). */
int prts__is_pow2(uint64_t g);

/* Build the layout of a g x g grid (g a power of two). */
void prts__layout_init(prts__layout *lay, uint32_t g);

/* Fill tiles[0 .. lay->tiles-1] with strip `strip`'s blocks, left to right. */
void prts__layout_strip(const prts__layout *lay, uint32_t strip, prts__tile *tiles);

#endif
