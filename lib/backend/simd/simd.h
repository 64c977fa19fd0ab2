/* backend/simd/simd.h: what the simd backend's shared part (backend/simd/simd.c)
 * and its per-architecture variants (backend/simd/x86.c, backend/simd/arm.c)
 * share: the block patterns and tile plans the variants move pixels by, and
 * the list each architecture's file gives of its variants. */
#ifndef PRTS__SIMD_H
#define PRTS__SIMD_H

#include <stddef.h>
#include <stdint.h>

/* internal to the library (not exported), and reached without the GOT */
#define PRTS__SIMD_HIDDEN __attribute__((visibility("hidden")))

/* How the 16 consecutive pixels of an aligned 4x4 block sit on its 4 rows:
 * one of a few patterns (the curve's symmetries), precomputed for each way
 * the variants permute (see the template's comment). */
typedef struct simd_pattern {
    /* 8- and 16-lane ISAs: output lane -> input lane (0..15) of the 16
     * pixels, and -1 where that input lane is in the second 8-lane vector */
    int32_t enc[16], enc_sel[16]; /* block position q = 4*row + col -> curve offset */
    int32_t dec[16], dec_sel[16]; /* curve offset -> block position */
    /* 4-lane ISAs: each output vector is two byte shuffles of input vectors */
    uint8_t enc_src[4][2], dec_src[4][2];
    uint8_t enc_shuf[4][2][16], dec_shuf[4][2][16];
} __attribute__((aligned(64))) simd_pattern;

/* A 16x16 tile under one orientation: its 16 blocks in curve order. */
typedef struct simd_tile_plan {
    struct {
        uint8_t x, y, pattern;
    } block[16];
} simd_tile_plan;

#define SIMD_MAX_PATTERNS 16
/* Built once by backend/simd/simd.c before any variant runs. */
extern PRTS__SIMD_HIDDEN simd_pattern prts__simd_patterns[SIMD_MAX_PATTERNS];

/* One full 16x16 tile: src is its 1 KiB span of payload, origin its top-left
 * pixel in the band's rows; red/alpha: code-mode colouring (red NULL: none). */
typedef void (*prts__simd_encode_tile_fn)(const simd_tile_plan *plan, const uint8_t *src,
                                          uint8_t *origin, size_t stride, const int32_t *red,
                                          const int32_t *alpha);
typedef void (*prts__simd_decode_tile_fn)(const simd_tile_plan *plan, const uint8_t *origin,
                                          size_t stride, uint8_t *dst);

typedef struct prts__simd_variant {
    const char *name;
    unsigned needs;   /* PRTS__CPU_* bits (common/cpu_features.h) */
    prts__simd_encode_tile_fn encode_tile;
    prts__simd_decode_tile_fn decode_tile;
} prts__simd_variant;

/* Given by the architecture's file: its variants, best first, ending with a
 * NULL name; why none of them can run, when none can; and what must follow a
 * band's decode before the caller reads the payload (a store fence after
 * non-temporal stores, or nothing). */
extern PRTS__SIMD_HIDDEN const prts__simd_variant prts__simd_variants[];
extern PRTS__SIMD_HIDDEN const char prts__simd_none_why[];
PRTS__SIMD_HIDDEN void prts__simd_decode_done(void);

#endif
