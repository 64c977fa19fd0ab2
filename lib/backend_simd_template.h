/* backend_simd_template.h: the SIMD tile transforms, one body for every
 * instruction set.  Included by backend_simd.c once per variant with:
 *   SIMD_FN(name)   the variant's function name
 *   SIMD_TARGET     the target attribute string ("avx2", ...)
 *   LANES           32-bit lanes per vector
 *   vec             the vector type
 *   V_LOAD(p) V_STORE(p, v) V_GATHER(base, idx) V_AND(a, b) V_OR(a, b)
 *   V_SET1(x) V_SLLI(v, n) V_STREAM(p, v) (non-temporal store, p aligned)
 * A full 16x16 tile is 1 KiB of payload permuted by a 256-entry table:
 * encode gathers from the tile's contiguous payload span into its 16 row
 * segments; decode gathers from the row segments into the span, so both
 * directions store contiguously. */

#define TILE 16

/* Code-mode colouring of `LANES` pixels: R = red[b0], A = alpha[b0] << 24. */
__attribute__((target(SIMD_TARGET)))
static inline vec SIMD_FN(colour)(vec px, const int32_t *red, const int32_t *alpha)
{
    vec b0 = V_AND(px, V_SET1(0xff));
    vec keep = V_AND(px, V_SET1(0x00ffff00));
    return V_OR(V_OR(keep, V_GATHER(red, b0)), V_SLLI(V_GATHER(alpha, b0), 24));
}

__attribute__((target(SIMD_TARGET)))
static void SIMD_FN(encode_tile)(const int32_t *idx, const uint8_t *src, uint8_t *origin,
                                 size_t stride, const int32_t *red, const int32_t *alpha)
{
    for (uint32_t ly = 0; ly < TILE; ly++) {
        uint8_t *row = origin + ly * stride;
        for (uint32_t lx = 0; lx < TILE; lx += LANES) {
            vec v = V_GATHER((const int32_t *)src, V_LOAD(idx + ly * TILE + lx));
            if (red)
                v = SIMD_FN(colour)(v, red, alpha);
            V_STORE(row + lx * 4, v);
        }
    }
}

/* The span is written whole and not read again soon: when it is 64-byte
 * aligned, non-temporal stores skip reading its cache lines first. */
__attribute__((target(SIMD_TARGET)))
static void SIMD_FN(decode_tile)(const int32_t *idx, const uint8_t *origin, uint8_t *dst)
{
    if (((uintptr_t)dst & 63) == 0) {
        for (uint32_t j = 0; j < TILE * TILE; j += LANES)
            V_STREAM(dst + j * 4, V_GATHER((const int32_t *)origin, V_LOAD(idx + j)));
        return;
    }
    for (uint32_t j = 0; j < TILE * TILE; j += LANES)
        V_STORE(dst + j * 4, V_GATHER((const int32_t *)origin, V_LOAD(idx + j)));
}

#undef TILE
/* the variant's parameters end here, so the next variant can define its own */
#undef SIMD_FN
#undef SIMD_TARGET
#undef LANES
#undef vec
#undef V_LOAD
#undef V_STORE
#undef V_GATHER
#undef V_AND
#undef V_OR
#undef V_SET1
#undef V_SLLI
#undef V_STREAM
