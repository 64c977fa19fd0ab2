/* backend/simd/simd.c: x86-64 SSE4.1 / AVX2 / AVX-512 and AArch64 NEON transforms.
 *
 * The variants come from backend/simd/template.h (the tile loops and the
 * code-mode colouring), compiled once per instruction set with a target
 * attribute (not with flags for the whole library); each variant brings
 * its two block moves, written with its own permute instructions.  Of the
 * variants the CPU and OS support, the fastest measured here is used.
 * Tiles holding the end of the payload, tiles past it and grids smaller
 * than one 16x16 tile use the scalar code. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "common/cpu_features.h"

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
static simd_pattern simd_patterns[SIMD_MAX_PATTERNS];
static simd_tile_plan simd_plans[4];

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PRTS__SIMD_X86 1

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
#endif /* x86-64 */

#if defined(__aarch64__) && defined(__GNUC__)
#include <arm_neon.h>
#define PRTS__SIMD_NEON 1

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
#endif /* AArch64 */

typedef void (*encode_tile_fn)(const simd_tile_plan *plan, const uint8_t *src, uint8_t *origin,
                               size_t stride, const int32_t *red, const int32_t *alpha);
typedef void (*decode_tile_fn)(const simd_tile_plan *plan, const uint8_t *origin, size_t stride,
                               uint8_t *dst);

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

/* ---- the plans, derived once from the curve's own 16x16 tables ---- */

/* For 4-lane ISAs: output vector o of 4 lanes takes lane l from input lane
 * map[4*o + l] (0..15, in 4-lane vectors); the lanes come from at most two
 * input vectors.  0 if they do not (never, for this curve). */
static int build_shuffles(const int32_t map[16], uint8_t src[4][2], uint8_t shuf[4][2][16])
{
    for (int o = 0; o < 4; o++) {
        int first = map[4 * o] >> 2, second = -1;
        for (int l = 0; l < 4; l++) {
            int v = map[4 * o + l] >> 2;
            if (v != first && second < 0)
                second = v;
            else if (v != first && v != second)
                return 0;
        }
        src[o][0] = (uint8_t)first;
        src[o][1] = (uint8_t)(second < 0 ? first : second);
        memset(shuf[o], 0x80, sizeof shuf[o]); /* 0x80: pshufb / tbl give 0 */
        for (int l = 0; l < 4; l++) {
            int v = map[4 * o + l] >> 2, lane = map[4 * o + l] & 3;
            for (int b = 0; b < 4; b++)
                shuf[o][v == first ? 0 : 1][4 * l + b] = (uint8_t)(4 * lane + b);
        }
    }
    return 1;
}

/* One pattern from the positions of a block's 16 pixels (pos[j] = 4*row +
 * col of curve offset j); its index in simd_patterns, or -1. */
static int add_pattern(const int32_t pos[16], int *npatterns)
{
    simd_pattern pt;
    memset(&pt, 0, sizeof pt);
    for (int j = 0; j < 16; j++) {
        pt.dec[j] = pos[j];
        pt.dec_sel[j] = pos[j] >= 8 ? -1 : 0;
        pt.enc[pos[j]] = j;
        pt.enc_sel[pos[j]] = j >= 8 ? -1 : 0;
    }
    if (!build_shuffles(pt.enc, pt.enc_src, pt.enc_shuf) ||
        !build_shuffles(pt.dec, pt.dec_src, pt.dec_shuf))
        return -1;
    for (int i = 0; i < *npatterns; i++)
        if (memcmp(simd_patterns[i].enc, pt.enc, sizeof pt.enc) == 0)
            return i;
    if (*npatterns == SIMD_MAX_PATTERNS)
        return -1;
    simd_patterns[*npatterns] = pt;
    return (*npatterns)++;
}

/* Cut each orientation's 16x16 tile into its 16 blocks.  Checks what the
 * block moves rely on: every run of 16 curve offsets fills one aligned 4x4
 * block.  0 if it does not (a broken table), and the backend is then off. */
static int build_plans(void)
{
    prts__layout lay;
    prts__layout_init(&lay, 16);
    int npatterns = 0;
    for (int o = 0; o < 4; o++) {
        int32_t pos[16][16];
        int bx[16], by[16], seen[16] = {0};
        for (int p = 0; p < 256; p++) {
            int j = lay.inv[o][p], k = j >> 4, x = p & 15, y = p >> 4;
            if (seen[k]++ == 0) {
                bx[k] = x & ~3;
                by[k] = y & ~3;
            } else if ((x & ~3) != bx[k] || (y & ~3) != by[k]) {
                return 0;
            }
            pos[k][j & 15] = 4 * (y & 3) + (x & 3);
        }
        for (int k = 0; k < 16; k++) {
            int pt = add_pattern(pos[k], &npatterns);
            if (pt < 0)
                return 0;
            simd_plans[o].block[k].x = (uint8_t)bx[k];
            simd_plans[o].block[k].y = (uint8_t)by[k];
            simd_plans[o].block[k].pattern = (uint8_t)pt;
        }
    }
    return 1;
}

static int supported(const variant *v)
{
    return (prts__cpu_features() & v->needs) == v->needs;
}

/* The widest instructions are not always the fastest (on some CPUs 256- or
 * 512-bit permutes cost more than they move), so the variant is chosen once
 * per process by measuring each one the CPU supports on a small payload (a
 * few milliseconds), exactly as `auto` chooses a backend. */
#define VARIANT_PROBE_BYTES (2u << 20)

static const variant *chosen;
static int plans_ok;
static pthread_once_t choose_once = PTHREAD_ONCE_INIT;

static void choose_variant(void)
{
    plans_ok = build_plans();
    if (!plans_ok)
        return;
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
    if (!plans_ok && variants[0].name && supported(&variants[0])) {
        snprintf(why, why_len, "the curve's 16x16 tables do not split into 4x4 blocks");
        return 0;
    }
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

/* Bands of 8 strips are whole aligned 128x128 squares, and each square's
 * 64 tiles are one contiguous 64 KiB run of payload.  Moving a square's
 * tiles in payload order streams the payload, where one strip at a time
 * jumps to a new 1 KiB span for every tile (measured here on 256 MiB:
 * decode 5.7 -> 11.5 GB/s; with 64x64 squares 10.6, with 32x32 9.0). */
#define SQUARE_STRIPS 8
#define SQUARE_TILES (SQUARE_STRIPS * SQUARE_STRIPS)
/* ...as long as the band stays small: up to 8 MiB of rows (grids up to
 * 16384, 1 GiB of payload).  Bigger grids keep one strip per band, so the
 * encoder's and decoder's memory stays bounded by a strip there. */
#define SQUARE_BAND_MAX ((size_t)8 << 20)

static uint32_t simd_band_strips(void *state, const prts__layout *lay)
{
    (void)state;
    size_t band_bytes = (size_t)SQUARE_STRIPS * 16 * lay->grid * 4;
    return lay->tile == 16 && lay->strips >= SQUARE_STRIPS && band_bytes <= SQUARE_BAND_MAX
               ? SQUARE_STRIPS
               : 1;
}

/* The tiles of square `sq` of a square band in payload order: indices
 * into band->tiles. */
static void square_order(const prts__band *band, uint32_t sq, uint32_t order[SQUARE_TILES])
{
    uint32_t tiles = band->lay->tiles;
    for (uint32_t s = 0; s < SQUARE_STRIPS; s++)
        for (uint32_t c = 0; c < SQUARE_STRIPS; c++) {
            uint32_t k = s * tiles + sq * SQUARE_STRIPS + c;
            order[(band->tiles[k].d0 >> 8) & (SQUARE_TILES - 1)] = k;
        }
}

/* Calls fn(band, k, ahead, ctx) for every tile k of the band: square by
 * square in payload order when the band is whole squares, else strip by
 * strip; `ahead` is a tile to prefetch for (UINT32_MAX if none): the one
 * at the same place in the next square, or 16 tiles later in the strip. */
typedef void (*tile_fn)(const prts__band *band, uint32_t k, uint32_t ahead, void *ctx);

static void visit_tiles(const prts__band *band, tile_fn fn, void *ctx)
{
    uint32_t n = band->nstrips * band->lay->tiles;
    if (band->nstrips != SQUARE_STRIPS) {
        for (uint32_t k = 0; k < n; k++)
            fn(band, k, k + 16 < n ? k + 16 : UINT32_MAX, ctx);
        return;
    }
    uint32_t squares = band->lay->tiles / SQUARE_STRIPS, cur[SQUARE_TILES], next[SQUARE_TILES];
    square_order(band, 0, next);
    for (uint32_t sq = 0; sq < squares; sq++) {
        memcpy(cur, next, sizeof cur);
        if (sq + 1 < squares)
            square_order(band, sq + 1, next);
        for (int k = 0; k < SQUARE_TILES; k++)
            fn(band, cur[k], sq + 1 < squares ? next[k] : UINT32_MAX, ctx);
    }
}

static uint8_t *tile_origin(const prts__band *band, uint32_t k)
{
    uint32_t tiles = band->lay->tiles, s = k / tiles, i = k % tiles;
    return band->rows + (size_t)s * band->lay->tile * band->stride + (size_t)i * 64;
}

typedef struct encode_ctx {
    const variant *v;
    const uint8_t *payload;
    const int32_t *red, *alpha;
} encode_ctx;

static void encode_one(const prts__band *band, uint32_t k, uint32_t ahead, void *vctx)
{
    const encode_ctx *c = vctx;
    const prts__tile *tile = &band->tiles[k];
    if (!full_tile(band, tile)) {
        prts__scalar_encode_tile(band, k / band->lay->tiles, k % band->lay->tiles, c->payload);
        return;
    }
    /* squares (and a strip's tiles) lie far apart in the payload: fetch
     * a span ahead into L2 (measured: +40 % over none) */
    if (ahead != UINT32_MAX && full_tile(band, &band->tiles[ahead]))
        for (int line = 0; line < 1024; line += 64)
            __builtin_prefetch(c->payload + band->tiles[ahead].d0 * 4 + line, 0, 1);
    c->v->encode_tile(&simd_plans[tile->orient], c->payload + tile->d0 * 4, tile_origin(band, k),
                      band->stride, c->red, c->alpha);
}

static int simd_encode(void *state, const prts__band *band, const uint8_t *payload, prts__err *e)
{
    (void)e;
    int32_t red[256], alpha[256];
    encode_ctx c = {state, payload, NULL, alpha};
    if (band->code_r) {
        for (int b = 0; b < 256; b++) {
            red[b] = band->code_r[b];
            alpha[b] = band->code_a[b];
        }
        c.red = red;
    }
    visit_tiles(band, encode_one, &c);
    return PRTS_OK;
}

typedef struct decode_ctx {
    const variant *v;
    uint8_t *payload;
} decode_ctx;

static void decode_one(const prts__band *band, uint32_t k, uint32_t ahead, void *vctx)
{
    (void)ahead; /* the band's rows are already in cache */
    const decode_ctx *c = vctx;
    const prts__tile *tile = &band->tiles[k];
    if (!full_tile(band, tile)) {
        prts__scalar_decode_tile(band, k / band->lay->tiles, k % band->lay->tiles, c->payload);
        return;
    }
    c->v->decode_tile(&simd_plans[tile->orient], tile_origin(band, k), band->stride,
                      c->payload + tile->d0 * 4);
}

static int simd_decode(void *state, const prts__band *band, uint8_t *payload, prts__err *e)
{
    (void)e;
    decode_ctx c = {state, payload};
    visit_tiles(band, decode_one, &c);
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
    .band_strips = simd_band_strips,
};
