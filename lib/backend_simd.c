/* backend_simd.c: x86-64 SSE4.1 / AVX2 / AVX-512 and AArch64 NEON transforms.
 *
 * The variants come from backend_simd_template.h, compiled once per
 * instruction set with a target attribute (not with flags for the whole
 * library); of those the CPU and OS support, the fastest measured here is
 * used.  Tiles holding the end of the payload, tiles past it
 * and grids smaller than one 16x16 tile use the scalar code. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cpu_features.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PRTS__SIMD_X86 1

/* ---- SSE4.1: no gather instruction; four scalar loads per vector ---- */
__attribute__((target("sse4.1")))
static inline __m128i gather_sse41(const int32_t *base, __m128i idx)
{
    return _mm_setr_epi32(base[_mm_extract_epi32(idx, 0)], base[_mm_extract_epi32(idx, 1)],
                          base[_mm_extract_epi32(idx, 2)], base[_mm_extract_epi32(idx, 3)]);
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
#define V_STREAM(p, v) _mm_stream_si128((__m128i *)(p), (v))
#include "backend_simd_template.h"

/* ---- AVX2: 8-lane gathers ---- */
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
#define V_STREAM(p, v) _mm256_stream_si256((__m256i *)(p), (v))
#include "backend_simd_template.h"

/* ---- AVX-512: 16-lane gathers, one tile row per vector ---- */
#define SIMD_FN(name) avx512_##name
#define SIMD_TARGET "avx512f,avx512bw,avx512vl"
#define LANES 16
#define vec __m512i
#define V_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define V_STORE(p, v) _mm512_storeu_si512((void *)(p), (v))
#define V_GATHER(base, idx) _mm512_i32gather_epi32((idx), (const void *)(base), 4)
#define V_AND _mm512_and_si512
#define V_OR _mm512_or_si512
#define V_SET1 _mm512_set1_epi32
#define V_SLLI _mm512_slli_epi32
#define V_STREAM(p, v) _mm512_stream_si512((void *)(p), (v))
#include "backend_simd_template.h"
#endif /* x86-64 */

#if defined(__aarch64__) && defined(__GNUC__)
#include <arm_neon.h>
#define PRTS__SIMD_NEON 1

/* ---- NEON: no gather instruction; four lane loads per vector ---- */
static inline uint32x4_t gather_neon(const int32_t *base, uint32x4_t idx)
{
    const uint32_t *b = (const uint32_t *)base;
    uint32x4_t v = vdupq_n_u32(b[vgetq_lane_u32(idx, 0)]);
    v = vsetq_lane_u32(b[vgetq_lane_u32(idx, 1)], v, 1);
    v = vsetq_lane_u32(b[vgetq_lane_u32(idx, 2)], v, 2);
    return vsetq_lane_u32(b[vgetq_lane_u32(idx, 3)], v, 3);
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
#define V_STREAM V_STORE
#include "backend_simd_template.h"
#endif /* AArch64 */

typedef void (*encode_tile_fn)(const int32_t *idx, const uint8_t *src, uint8_t *origin,
                               size_t stride, const int32_t *red, const int32_t *alpha);
typedef void (*decode_tile_fn)(const int32_t *idx, const uint8_t *origin, uint8_t *dst);

typedef struct variant {
    const char *name;
    unsigned needs;
    encode_tile_fn encode_tile;
    decode_tile_fn decode_tile;
} variant;

/* Best first. */
static const variant variants[] = {
#ifdef PRTS__SIMD_X86
    {"AVX-512", PRTS__CPU_AVX512, avx512_encode_tile, avx512_decode_tile},
    {"AVX2", PRTS__CPU_AVX2, avx2_encode_tile, avx2_decode_tile},
    {"SSE4.1", PRTS__CPU_SSE41, sse41_encode_tile, sse41_decode_tile},
#endif
#ifdef PRTS__SIMD_NEON
    {"NEON", PRTS__CPU_NEON, neon_encode_tile, neon_decode_tile},
#endif
    {NULL, 0, NULL, NULL},
};

static int supported(const variant *v)
{
    return (prts__cpu_features() & v->needs) == v->needs;
}

/* The widest instructions are not always the fastest: gathers are slow on
 * some CPUs, where four scalar loads per SSE vector win.  So the variant is
 * chosen once per process by measuring each one the CPU supports on a small
 * payload (a few milliseconds), exactly as `auto` chooses a backend. */
#define VARIANT_PROBE_BYTES (2u << 20)

static const variant *chosen;
static pthread_once_t choose_once = PTHREAD_ONCE_INIT;

static void choose_variant(void)
{
    double best = -1;
    const char *cap = getenv("PIXELRTS_SIMD_MAX");
    for (const variant *v = variants; v->name; v++) {
        if (!supported(v))
            continue;
        if (cap && *cap) { /* a forced cap means: run exactly the widest variant allowed */
            chosen = v;
            return;
        }
        prts__backend b = {.ops = &prts__backend_simd, .state = (void *)v};
        prts__err e = {0, ""};
        double enc = 0, dec = 0;
        if (prts__backend_measure(&b, VARIANT_PROBE_BYTES, 2, &enc, &dec, &e) != PRTS_OK)
            continue;
        if (enc + dec > best) {
            best = enc + dec;
            chosen = v;
        }
    }
}

static const variant *best_variant(void)
{
    for (const variant *v = variants; v->name; v++)
        if (supported(v)) {
            pthread_once(&choose_once, choose_variant);
            return chosen;
        }
    return NULL;
}

static int simd_probe(char *why, size_t why_len)
{
    if (best_variant())
        return 1;
#if defined(PRTS__SIMD_X86)
    snprintf(why, why_len, "the CPU (or the OS, or PIXELRTS_SIMD_MAX) offers none of "
                           "SSE4.1, AVX2, AVX-512");
#elif defined(PRTS__SIMD_NEON)
    snprintf(why, why_len, "NEON is turned off by PIXELRTS_SIMD_MAX=none");
#else
    snprintf(why, why_len, "no SIMD variant is built for this architecture");
#endif
    return 0;
}

static int simd_create(void **state, prts__err *e)
{
    const variant *v = best_variant();
    if (!v)
        return prts__fail(e, PRTS_E_BACKEND, "backend 'simd' is unavailable");
    *state = (void *)v;
    return PRTS_OK;
}

static void simd_describe(char *buf, size_t len)
{
    const variant *v = best_variant();
    snprintf(buf, len, "%s", v ? v->name : "none");
}

/* Whether tile k of the band is a full 16x16 tile of payload pixels. */
static int full_tile(const prts__band *band, const prts__tile *tile)
{
    return band->lay->tile == 16 && tile->d0 + 256 <= band->len / 4;
}

/* How many tiles ahead the encoder prefetches a tile's 1 KiB span. */
#define PREFETCH_TILES 4

static void prefetch_span(const uint8_t *span)
{
    for (int line = 0; line < 1024; line += 64)
        __builtin_prefetch(span + line);
}

static int simd_encode(void *state, const prts__band *band, const uint8_t *payload, prts__err *e)
{
    (void)e;
    const variant *v = state;
    const prts__layout *lay = band->lay;
    int32_t idx[4][256], red[256], alpha[256];
    for (int o = 0; o < 4; o++)
        for (int p = 0; p < 256; p++)
            idx[o][p] = lay->inv[o][p];
    if (band->code_r)
        for (int b = 0; b < 256; b++) {
            red[b] = band->code_r[b];
            alpha[b] = band->code_a[b];
        }
    for (uint32_t s = 0; s < band->nstrips; s++) {
        uint8_t *strip = band->rows + (size_t)s * lay->tile * band->stride;
        for (uint32_t i = 0; i < lay->tiles; i++) {
            const prts__tile *tile = &band->tiles[(size_t)s * lay->tiles + i];
            if (!full_tile(band, tile)) {
                prts__scalar_encode_tile(band, s, i, payload);
                continue;
            }
            /* the spans of successive tiles are far apart: fetch ahead */
            if (i + PREFETCH_TILES < lay->tiles && full_tile(band, tile + PREFETCH_TILES))
                prefetch_span(payload + tile[PREFETCH_TILES].d0 * 4);
            v->encode_tile(idx[tile->orient], payload + tile->d0 * 4, strip + (size_t)i * 64,
                           band->stride, band->code_r ? red : NULL, alpha);
        }
    }
    return PRTS_OK;
}

static int simd_decode(void *state, const prts__band *band, uint8_t *payload, prts__err *e)
{
    (void)e;
    const variant *v = state;
    const prts__layout *lay = band->lay;
    /* gather offsets, in pixels, from a tile's top-left corner in the rows */
    int32_t idx[4][256];
    size_t row_pixels = band->stride / 4;
    for (int o = 0; o < 4; o++)
        for (uint32_t p = 0; p < 256 && lay->tile == 16; p++)
            idx[o][lay->inv[o][p]] = (int32_t)((p >> 4) * row_pixels + (p & 15));
    for (uint32_t s = 0; s < band->nstrips; s++) {
        const uint8_t *strip = band->rows + (size_t)s * lay->tile * band->stride;
        for (uint32_t i = 0; i < lay->tiles; i++) {
            const prts__tile *tile = &band->tiles[(size_t)s * lay->tiles + i];
            if (!full_tile(band, tile)) {
                prts__scalar_decode_tile(band, s, i, payload);
                continue;
            }
            v->decode_tile(idx[tile->orient], strip + (size_t)i * 64, payload + tile->d0 * 4);
        }
    }
#ifdef PRTS__SIMD_X86
    _mm_sfence(); /* order the non-temporal stores before the caller reads the payload */
#endif
    return PRTS_OK;
}

const prts__backend_ops prts__backend_simd = {
    .name = "simd",
    .host_cpu = 1,
    .probe = simd_probe,
    .create = simd_create,
    .encode = simd_encode,
    .decode = simd_decode,
    .describe = simd_describe,
};
