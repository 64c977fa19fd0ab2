/* backend/simd/template.h: the SIMD tile transforms, one body for every
 * instruction set.  Included by backend/simd/x86.c and backend/simd/arm.c once
 * per variant with:
 *   SIMD_FN(name)   the variant's function name
 *   SIMD_TARGET     the target attribute string ("avx2", ...)
 *   LANES           32-bit lanes per vector
 *   vec             the vector type
 *   V_LOAD(p) V_STORE(p, v) V_GATHER(base, idx) V_AND(a, b) V_OR(a, b)
 *   V_SET1(x) V_SLLI(v, n)
 * and, defined before the include, the variant's two block moves:
 *   SIMD_FN(encode_block)(vec px[16 / LANES], uint8_t *row0, size_t stride,
 *                         const simd_pattern *pt)
 *   SIMD_FN(decode_block)(const uint8_t *row0, size_t stride, uint8_t *dst,
 *                         const simd_pattern *pt)
 *
 * Why blocks: the curve fills every aligned 4x4 block with 16 consecutive
 * pixels, so a 16x16 tile is 16 blocks of 64 contiguous payload bytes, each
 * of which lands on 4 rows as 4 runs of 16 bytes.  Moving a block is one
 * in-register permutation between 64 contiguous bytes and those 4 runs:
 * every load and store is a whole vector, nothing is gathered from memory. */

#define BLOCK_VECS (16 / LANES)

/* Code-mode colouring of `LANES` pixels: R = red[b0], A = alpha[b0] << 24. */
__attribute__((target(SIMD_TARGET)))
static inline vec SIMD_FN(colour)(vec px, const int32_t *red, const int32_t *alpha)
{
    vec b0 = V_AND(px, V_SET1(0xff));
    vec keep = V_AND(px, V_SET1(0x00ffff00));
    return V_OR(V_OR(keep, V_GATHER(red, b0)), V_SLLI(V_GATHER(alpha, b0), 24));
}

/* One full tile: src is its 1 KiB span, origin its top-left pixel. */
__attribute__((target(SIMD_TARGET)))
static void SIMD_FN(encode_tile)(const simd_tile_plan *plan, const uint8_t *src, uint8_t *origin,
                                 size_t stride, const int32_t *red, const int32_t *alpha)
{
    for (int k = 0; k < 16; k++, src += 64) {
        vec px[BLOCK_VECS];
        for (int v = 0; v < BLOCK_VECS; v++) {
            px[v] = V_LOAD(src + v * LANES * 4);
            if (red)
                px[v] = SIMD_FN(colour)(px[v], red, alpha);
        }
        SIMD_FN(encode_block)(px, origin + plan->block[k].y * stride + plan->block[k].x * 4,
                              stride, &prts__simd_patterns[plan->block[k].pattern]);
    }
}

__attribute__((target(SIMD_TARGET)))
static void SIMD_FN(decode_tile)(const simd_tile_plan *plan, const uint8_t *origin, size_t stride,
                                 uint8_t *dst)
{
    for (int k = 0; k < 16; k++, dst += 64)
        SIMD_FN(decode_block)(origin + plan->block[k].y * stride + plan->block[k].x * 4, stride,
                              dst, &prts__simd_patterns[plan->block[k].pattern]);
}

#undef BLOCK_VECS
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
