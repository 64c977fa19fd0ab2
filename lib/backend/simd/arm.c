/* backend/simd/arm.c: the simd backend's AArch64 variant: NEON, from
 * backend/simd/template.h with its own two block moves (tbl for pshufb). */
#if !defined(__aarch64__) || !defined(__GNUC__)
#error "backend/simd/arm.c is for AArch64, built by GCC or clang"
#endif

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/simd/simd.h"
#include "common/cpu_features.h"

/* ---- NEON: like SSE4.1, with tbl for pshufb (out-of-range indices give 0) ---- */
static inline uint32x4_t gather_neon(const int32_t *base, uint32x4_t idx)
{
    const uint32_t *b = (const uint32_t *)base;
    uint32x4_t v = vdupq_n_u32(b[vgetq_lane_u32(idx, 0)]);
    v = vsetq_lane_u32(b[vgetq_lane_u32(idx, 1)], v, 1);
    v = vsetq_lane_u32(b[vgetq_lane_u32(idx, 2)], v, 2);
    return vsetq_lane_u32(b[vgetq_lane_u32(idx, 3)], v, 3);
}

static inline uint32x4_t shuffle2_neon(const uint32x4_t in[4], const uint8_t src[2],
                                       const uint8_t shuf[2][16])
{
    uint8x16_t a = vqtbl1q_u8(vreinterpretq_u8_u32(in[src[0]]), vld1q_u8(shuf[0]));
    uint8x16_t b = vqtbl1q_u8(vreinterpretq_u8_u32(in[src[1]]), vld1q_u8(shuf[1]));
    return vreinterpretq_u32_u8(vorrq_u8(a, b));
}

static inline void neon_encode_block(uint32x4_t px[4], uint8_t *row0, size_t stride,
                                     const simd_pattern *pt)
{
    for (int r = 0; r < 4; r++)
        vst1q_u32((uint32_t *)(row0 + r * stride), shuffle2_neon(px, pt->enc_src[r], pt->enc_shuf[r]));
}

static inline void neon_decode_block(const uint8_t *row0, size_t stride, uint8_t *dst,
                                     const simd_pattern *pt)
{
    uint32x4_t rows[4];
    for (int r = 0; r < 4; r++)
        rows[r] = vld1q_u32((const uint32_t *)(row0 + r * stride));
    for (int v = 0; v < 4; v++)
        vst1q_u32((uint32_t *)(dst + v * 16), shuffle2_neon(rows, pt->dec_src[v], pt->dec_shuf[v]));
}

#define SIMD_FN(name) neon_##name
#define SIMD_TARGET "+simd"
#define LANES 4
#define vec uint32x4_t
#define V_LOAD(p) vld1q_u32((const uint32_t *)(p))
#define V_STORE(p, v) vst1q_u32((uint32_t *)(p), (v))
#define V_GATHER(base, idx) gather_neon((const int32_t *)(base), (idx))
#define V_AND vandq_u32
#define V_OR vorrq_u32
#define V_SET1 vdupq_n_u32
#define V_SLLI vshlq_n_u32
#include "backend/simd/template.h"

const prts__simd_variant prts__simd_variants[] = {
    {"NEON", PRTS__CPU_NEON, neon_encode_tile, neon_decode_tile},
    {NULL, 0, NULL, NULL},
};

const char prts__simd_none_why[] = "NEON is turned off by PIXELRTS_SIMD_MAX=none";

void prts__simd_decode_done(void)
{
}

