/* backend/simd/x86.c: the simd backend's x86-64 variants: SSE4.1, AVX2 and
 * AVX-512.  Each is backend/simd/template.h compiled with its target attribute
 * (not with flags for the whole library) and its own two block moves, written
 * with its own permute instructions. */
#if !defined(__x86_64__) || !defined(__GNUC__)
#error "backend/simd/x86.c is for x86-64, built by GCC or clang"
#endif

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/simd/simd.h"
#include "common/cpu_features.h"

/* ---- SSE4.1 (with SSSE3's pshufb): four 4-pixel vectors per block ---- */
__attribute__((target("sse4.1")))
static inline __m128i gather_sse41(const int32_t *base, __m128i idx)
{
    return _mm_setr_epi32(base[_mm_extract_epi32(idx, 0)], base[_mm_extract_epi32(idx, 1)],
                          base[_mm_extract_epi32(idx, 2)], base[_mm_extract_epi32(idx, 3)]);
}

__attribute__((target("sse4.1")))
static inline __m128i shuffle2_sse41(const __m128i in[4], const uint8_t src[2],
                                     const uint8_t shuf[2][16])
{
    return _mm_or_si128(_mm_shuffle_epi8(in[src[0]], _mm_loadu_si128((const __m128i *)shuf[0])),
                        _mm_shuffle_epi8(in[src[1]], _mm_loadu_si128((const __m128i *)shuf[1])));
}

__attribute__((target("sse4.1")))
static inline void sse41_encode_block(__m128i px[4], uint8_t *row0, size_t stride,
                                      const simd_pattern *pt)
{
    for (int r = 0; r < 4; r++)
        _mm_storeu_si128((__m128i *)(row0 + r * stride),
                         shuffle2_sse41(px, pt->enc_src[r], pt->enc_shuf[r]));
}

__attribute__((target("sse4.1")))
static inline void sse41_decode_block(const uint8_t *row0, size_t stride, uint8_t *dst,
                                      const simd_pattern *pt)
{
    __m128i rows[4];
    for (int r = 0; r < 4; r++)
        rows[r] = _mm_loadu_si128((const __m128i *)(row0 + r * stride));
    for (int v = 0; v < 4; v++)
        _mm_storeu_si128((__m128i *)(dst + v * 16), shuffle2_sse41(rows, pt->dec_src[v], pt->dec_shuf[v]));
}

#define SIMD_FN(name) sse41_##name
#define SIMD_TARGET "sse4.1"
#define LANES 4
#define vec __m128i
#define V_LOAD(p) _mm_loadu_si128((const __m128i *)(p))
#define V_STORE(p, v) _mm_storeu_si128((__m128i *)(p), (v))
#define V_GATHER(base, idx) gather_sse41((base), (idx))
#define V_AND _mm_and_si128
#define V_OR _mm_or_si128
#define V_SET1 _mm_set1_epi32
#define V_SLLI _mm_slli_epi32
#include "backend/simd/template.h"

/* ---- AVX2: two 8-pixel vectors per block; each output vector picks its
 * lanes from both inputs (two vpermd and a blend) ---- */
__attribute__((target("avx2")))
static inline __m256i permute16_avx2(__m256i lo, __m256i hi, const int32_t *idx, const int32_t *sel)
{
    __m256i i = _mm256_loadu_si256((const __m256i *)idx);
    return _mm256_blendv_epi8(_mm256_permutevar8x32_epi32(lo, i), _mm256_permutevar8x32_epi32(hi, i),
                              _mm256_loadu_si256((const __m256i *)sel));
}

__attribute__((target("avx2")))
static inline void avx2_encode_block(__m256i px[2], uint8_t *row0, size_t stride,
                                     const simd_pattern *pt)
{
    for (int half = 0; half < 2; half++) {
        __m256i rows = permute16_avx2(px[0], px[1], pt->enc + 8 * half, pt->enc_sel + 8 * half);
        uint8_t *at = row0 + 2 * half * stride;
        _mm_storeu_si128((__m128i *)at, _mm256_castsi256_si128(rows));
        _mm_storeu_si128((__m128i *)(at + stride), _mm256_extracti128_si256(rows, 1));
    }
}

__attribute__((target("avx2")))
static inline void avx2_decode_block(const uint8_t *row0, size_t stride, uint8_t *dst,
                                     const simd_pattern *pt)
{
    __m256i r01 = _mm256_loadu2_m128i((const __m128i *)(row0 + stride), (const __m128i *)row0);
    __m256i r23 = _mm256_loadu2_m128i((const __m128i *)(row0 + 3 * stride),
                                      (const __m128i *)(row0 + 2 * stride));
    __m256i lo = permute16_avx2(r01, r23, pt->dec, pt->dec_sel);
    __m256i hi = permute16_avx2(r01, r23, pt->dec + 8, pt->dec_sel + 8);
    if (((uintptr_t)dst & 63) == 0) { /* see avx512_decode_block */
        _mm256_stream_si256((__m256i *)dst, lo);
        _mm256_stream_si256((__m256i *)(dst + 32), hi);
    } else {
        _mm256_storeu_si256((__m256i *)dst, lo);
        _mm256_storeu_si256((__m256i *)(dst + 32), hi);
    }
}

#define SIMD_FN(name) avx2_##name
#define SIMD_TARGET "avx2"
#define LANES 8
#define vec __m256i
#define V_LOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define V_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), (v))
#define V_GATHER(base, idx) _mm256_i32gather_epi32((const int *)(base), (idx), 4)
#define V_AND _mm256_and_si256
#define V_OR _mm256_or_si256
#define V_SET1 _mm256_set1_epi32
#define V_SLLI _mm256_slli_epi32
#include "backend/simd/template.h"

/* ---- AVX-512: a block is one vector, moved by one vpermd ---- */
#define AVX512_TARGET "avx512f,avx512bw,avx512vl"

__attribute__((target(AVX512_TARGET)))
static inline void avx512_encode_block(__m512i px[1], uint8_t *row0, size_t stride,
                                       const simd_pattern *pt)
{
    __m512i rows = _mm512_permutexvar_epi32(_mm512_load_si512(pt->enc), px[0]);
    _mm_storeu_si128((__m128i *)row0, _mm512_castsi512_si128(rows));
    _mm_storeu_si128((__m128i *)(row0 + stride), _mm512_extracti32x4_epi32(rows, 1));
    _mm_storeu_si128((__m128i *)(row0 + 2 * stride), _mm512_extracti32x4_epi32(rows, 2));
    _mm_storeu_si128((__m128i *)(row0 + 3 * stride), _mm512_extracti32x4_epi32(rows, 3));
}

/* The payload is written whole and not read again soon: when it is 64-byte
 * aligned, a non-temporal store skips reading its cache line first. */
__attribute__((target(AVX512_TARGET)))
static inline void avx512_decode_block(const uint8_t *row0, size_t stride, uint8_t *dst,
                                       const simd_pattern *pt)
{
    __m512i rows = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)row0));
    rows = _mm512_inserti32x4(rows, _mm_loadu_si128((const __m128i *)(row0 + stride)), 1);
    rows = _mm512_inserti32x4(rows, _mm_loadu_si128((const __m128i *)(row0 + 2 * stride)), 2);
    rows = _mm512_inserti32x4(rows, _mm_loadu_si128((const __m128i *)(row0 + 3 * stride)), 3);
    __m512i px = _mm512_permutexvar_epi32(_mm512_load_si512(pt->dec), rows);
    if (((uintptr_t)dst & 63) == 0)
        _mm512_stream_si512((void *)dst, px);
    else
        _mm512_storeu_si512((void *)dst, px);
}

#define SIMD_FN(name) avx512_##name
#define SIMD_TARGET AVX512_TARGET
#define LANES 16
#define vec __m512i
#define V_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define V_STORE(p, v) _mm512_storeu_si512((void *)(p), (v))
#define V_GATHER(base, idx) _mm512_i32gather_epi32((idx), (const void *)(base), 4)
#define V_AND _mm512_and_si512
#define V_OR _mm512_or_si512
#define V_SET1 _mm512_set1_epi32
#define V_SLLI _mm512_slli_epi32
#include "backend/simd/template.h"

/* Best first. */
const prts__simd_variant prts__simd_variants[] = {
    {"AVX-512", PRTS__CPU_AVX512, avx512_encode_tile, avx512_decode_tile},
    {"AVX2", PRTS__CPU_AVX2, avx2_encode_tile, avx2_decode_tile},
    {"SSE4.1", PRTS__CPU_SSE41, sse41_encode_tile, sse41_decode_tile},
    {NULL, 0, NULL, NULL},
};

const char prts__simd_none_why[] = "the CPU (or the OS, or PIXELRTS_SIMD_MAX) offers none of "
                                   "SSE4.1, AVX2, AVX-512";

void prts__simd_decode_done(void)
{
    _mm_sfence(); /* order the non-temporal stores before the caller reads the payload */
}

