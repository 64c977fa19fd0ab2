/* png/filter.c: PNG filter types 0-4 (None, Sub, Up, Average, Paeth), bpp 4. */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "png/filter.h"

enum { BPP = 4 };

static inline uint8_t paeth(uint8_t a, uint8_t b, uint8_t c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Filter cur[from..to) with type f into out (no filter byte); prev non-NULL for 2-4. */
static void apply_range(uint8_t *out, const uint8_t *cur, const uint8_t *prev, size_t from,
                        size_t to, int f)
{
    size_t i;
    switch (f) {
    case 1:
        for (i = from; i < to; i++)
            out[i] = (uint8_t)(cur[i] - (i >= BPP ? cur[i - BPP] : 0));
        break;
    case 2:
        for (i = from; i < to; i++)
            out[i] = (uint8_t)(cur[i] - prev[i]);
        break;
    case 3:
        for (i = from; i < to; i++)
            out[i] = (uint8_t)(cur[i] - (((i >= BPP ? cur[i - BPP] : 0) + prev[i]) >> 1));
        break;
    case 4:
        for (i = from; i < to; i++)
            out[i] = (uint8_t)(cur[i] - paeth(i >= BPP ? cur[i - BPP] : 0, prev[i],
                                              i >= BPP ? prev[i - BPP] : 0));
        break;
    default:
        memcpy(out + from, cur + from, to - from);
    }
}

#ifdef __SSE2__
/* Filtering, unlike unfiltering, has no dependency along the row: every predictor
 * comes from unfiltered bytes (left, up, upper left), so 16 bytes go at a time.
 * The sequential reader filters every row again to check the zlib stream's
 * Adler-32 (png/read.h): scalar Paeth and Average cost a quarter of a decode. */
static inline __m128i abs16(__m128i x)
{
    return _mm_max_epi16(x, _mm_sub_epi16(_mm_setzero_si128(), x));
}

static inline __m128i select16(__m128i mask, __m128i yes, __m128i no)
{
    return _mm_or_si128(_mm_and_si128(mask, yes), _mm_andnot_si128(mask, no));
}

/* The predictors of 8 bytes, widened to 16 bits. */
static inline __m128i predict16(__m128i a, __m128i b, __m128i c, int f)
{
    if (f == 3)
        return _mm_srli_epi16(_mm_add_epi16(a, b), 1);
    __m128i pa = _mm_sub_epi16(b, c), pb = _mm_sub_epi16(a, c); /* p - a, p - b */
    __m128i pc = abs16(_mm_add_epi16(pa, pb));                  /* |p - c| */
    pa = abs16(pa);
    pb = abs16(pb);
    __m128i not_a = _mm_or_si128(_mm_cmpgt_epi16(pa, pb), _mm_cmpgt_epi16(pa, pc));
    return select16(not_a, select16(_mm_cmpgt_epi16(pb, pc), c, b), a);
}

/* Bytes [BPP, to) by 16: returns where the scalar loop takes over. */
static size_t apply_sse2(uint8_t *out, const uint8_t *cur, const uint8_t *prev, size_t to, int f)
{
    const __m128i zero = _mm_setzero_si128();
    size_t i = BPP;
    for (; i + 16 <= to; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(cur + i));
        __m128i a = _mm_loadu_si128((const __m128i *)(cur + i - BPP)), pred;
        if (f == 1) {
            pred = a;
        } else {
            __m128i b = _mm_loadu_si128((const __m128i *)(prev + i));
            if (f == 2) {
                pred = b;
            } else {
                __m128i c = _mm_loadu_si128((const __m128i *)(prev + i - BPP));
                __m128i lo = predict16(_mm_unpacklo_epi8(a, zero), _mm_unpacklo_epi8(b, zero),
                                       _mm_unpacklo_epi8(c, zero), f);
                __m128i hi = predict16(_mm_unpackhi_epi8(a, zero), _mm_unpackhi_epi8(b, zero),
                                       _mm_unpackhi_epi8(c, zero), f);
                pred = _mm_packus_epi16(lo, hi);
            }
        }
        _mm_storeu_si128((__m128i *)(out + i), _mm_sub_epi8(x, pred));
    }
    return i;
}
#endif

/* Filter `cur` with type f into out (no filter byte); prev non-NULL for 2-4. */
static void apply(uint8_t *out, const uint8_t *cur, const uint8_t *prev, size_t len, int f)
{
    size_t from = 0;
#ifdef __SSE2__
    if (f >= 1 && f <= 4 && len >= BPP + 16) {
        apply_range(out, cur, prev, 0, BPP, f); /* the first pixel has nothing to its left */
        from = apply_sse2(out, cur, prev, len, f);
    }
#endif
    apply_range(out, cur, prev, from, len, f);
}

void prts__filter_row_as(uint8_t *out, const uint8_t *cur, const uint8_t *prev, size_t len,
                         int type)
{
    apply(out, cur, prev, len, type);
}

static uint64_t cost(const uint8_t *v, size_t len)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += v[i] < 128 ? v[i] : 256 - v[i];
    return sum;
}

void prts__filter_row(uint8_t *out, const uint8_t *cur, const uint8_t *prev, size_t len,
                      int adaptive, uint8_t *scratch)
{
    if (!adaptive) {
        out[0] = 0;
        memcpy(out + 1, cur, len);
        return;
    }
    /* candidates: None straight into out, the others into scratch */
    int nfilters = prev ? 5 : 2;
    out[0] = 0;
    memcpy(out + 1, cur, len);
    uint64_t best_cost = cost(out + 1, len);
    int best = 0;
    for (int f = 1; f < nfilters; f++) {
        uint8_t *cand = scratch + (size_t)(f - 1) * len;
        apply(cand, cur, prev, len, f);
        uint64_t c = cost(cand, len);
        if (c < best_cost) {
            best_cost = c;
            best = f;
        }
    }
    if (best) {
        out[0] = (uint8_t)best;
        memcpy(out + 1, scratch + (size_t)(best - 1) * len, len);
    }
}

int prts__unfilter_row(uint8_t *row, const uint8_t *prev, size_t len)
{
    uint8_t *r = row + 1;
    size_t i;
    switch (row[0]) {
    case 0:
        return 0;
    case 1:
        for (i = BPP; i < len; i++)
            r[i] = (uint8_t)(r[i] + r[i - BPP]);
        return 0;
    case 2:
        if (prev)
            for (i = 0; i < len; i++)
                r[i] = (uint8_t)(r[i] + prev[i]);
        return 0;
    case 3:
        for (i = 0; i < len; i++) {
            int left = i >= BPP ? r[i - BPP] : 0, up = prev ? prev[i] : 0;
            r[i] = (uint8_t)(r[i] + ((left + up) >> 1));
        }
        return 0;
    case 4:
        for (i = 0; i < len; i++) {
            uint8_t a = i >= BPP ? r[i - BPP] : 0, b = prev ? prev[i] : 0;
            uint8_t c = prev && i >= BPP ? prev[i - BPP] : 0;
            r[i] = (uint8_t)(r[i] + paeth(a, b, c));
        }
        return 0;
    default:
        return -1;
    }
}
