/* png_filter.c: PNG filter types 0-4 (None, Sub, Up, Average, Paeth), bpp 4. */
#include <stdlib.h>
#include <string.h>

#include "png_filter.h"

enum { BPP = 4 };

static inline uint8_t paeth(uint8_t a, uint8_t b, uint8_t c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Filter `cur` with type f into out (no filter byte); prev non-NULL for 2-4. */
static void apply(uint8_t *out, const uint8_t *cur, const uint8_t *prev, size_t len, int f)
{
    size_t i;
    switch (f) {
    case 1:
        for (i = 0; i < len; i++)
            out[i] = (uint8_t)(cur[i] - (i >= BPP ? cur[i - BPP] : 0));
        break;
    case 2:
        for (i = 0; i < len; i++)
            out[i] = (uint8_t)(cur[i] - prev[i]);
        break;
    case 3:
        for (i = 0; i < len; i++)
            out[i] = (uint8_t)(cur[i] - (((i >= BPP ? cur[i - BPP] : 0) + prev[i]) >> 1));
        break;
    case 4:
        for (i = 0; i < len; i++)
            out[i] = (uint8_t)(cur[i] - paeth(i >= BPP ? cur[i - BPP] : 0, prev[i],
                                              i >= BPP ? prev[i - BPP] : 0));
        break;
    default:
        memcpy(out, cur, len);
    }
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
