/* backend/scalar.c: portable C transforms, the reference for all other backends. */
#include <string.h>

#include "backend/backend.h"

static int scalar_probe(char *why, size_t why_len)
{
    (void)why;
    (void)why_len;
    return 1;
}

/* Top-left byte of tile i of the band's strip s. */
static uint8_t *tile_origin(const prts__band *band, uint32_t s, uint32_t i)
{
    uint32_t t = band->lay->tile;
    return band->rows + (size_t)s * t * band->stride + (size_t)i * t * 4;
}

/* Copy the bytes of pixel d (possibly partial, possibly past the end). */
static void load_pixel(const uint8_t *payload, uint64_t len, uint64_t d, uint8_t px[4])
{
    uint64_t at = d * 4;
    memset(px, 0, 4);
    if (at < len)
        memcpy(px, payload + at, len - at < 4 ? (size_t)(len - at) : 4);
}

void prts__scalar_encode_tile(const prts__band *band, uint32_t s, uint32_t i,
                              const uint8_t *payload)
{
    const prts__layout *lay = band->lay;
    const prts__tile *tile = &band->tiles[(size_t)s * lay->tiles + i];
    uint32_t t = lay->tile, k = lay->tile_log2, area = t * t;
    uint64_t full = band->len / 4;       /* pixels holding 4 payload bytes */
    uint64_t used = (band->len + 3) / 4; /* pixels holding any payload byte */
    uint8_t *origin = tile_origin(band, s, i);
    if (tile->d0 >= used) { /* all padding */
        for (uint32_t ly = 0; ly < t; ly++)
            memset(origin + ly * band->stride, 0, (size_t)t * 4);
        return;
    }
    const uint8_t *inv = lay->inv[tile->orient];
    const uint8_t *src = payload + tile->d0 * 4;
    int whole = tile->d0 + area <= full;
    for (uint32_t p = 0; p < area; p++) {
        uint8_t *dst = origin + (p >> k) * band->stride + (p & (t - 1)) * 4;
        uint64_t d = tile->d0 + inv[p];
        if (whole)
            memcpy(dst, src + (size_t)inv[p] * 4, 4);
        else
            load_pixel(payload, band->len, d, dst);
        if (band->code_r && d < used) {
            uint8_t b0 = dst[0];
            dst[0] = band->code_r[b0];
            dst[3] = band->code_a[b0];
        }
    }
}

void prts__scalar_decode_tile(const prts__band *band, uint32_t s, uint32_t i, uint8_t *payload)
{
    const prts__layout *lay = band->lay;
    const prts__tile *tile = &band->tiles[(size_t)s * lay->tiles + i];
    uint32_t t = lay->tile, k = lay->tile_log2, area = t * t;
    uint64_t full = band->len / 4;
    uint64_t used = (band->len + 3) / 4;
    if (tile->d0 >= used)
        return;
    const uint8_t *inv = lay->inv[tile->orient];
    const uint8_t *origin = tile_origin(band, s, i);
    uint8_t *dst = payload + tile->d0 * 4;
    int whole = tile->d0 + area <= full;
    for (uint32_t p = 0; p < area; p++) {
        const uint8_t *src = origin + (p >> k) * band->stride + (p & (t - 1)) * 4;
        uint64_t d = tile->d0 + inv[p];
        if (whole)
            memcpy(dst + (size_t)inv[p] * 4, src, 4);
        else if (d < used)
            memcpy(payload + d * 4, src, d < full ? 4 : (size_t)(band->len - d * 4));
    }
}

static int scalar_encode(void *state, const prts__band *band, const uint8_t *payload,
                         prts__err *e)
{
    (void)state;
    (void)e;
    for (uint32_t s = 0; s < band->nstrips; s++)
        for (uint32_t i = 0; i < band->lay->tiles; i++)
            prts__scalar_encode_tile(band, s, i, payload);
    return PRTS_OK;
}

static int scalar_decode(void *state, const prts__band *band, uint8_t *payload, prts__err *e)
{
    (void)state;
    (void)e;
    for (uint32_t s = 0; s < band->nstrips; s++)
        for (uint32_t i = 0; i < band->lay->tiles; i++)
            prts__scalar_decode_tile(band, s, i, payload);
    return PRTS_OK;
}

static void scalar_describe(char *buf, size_t len)
{
    strncpy(buf, "portable C, one core", len);
    if (len)
        buf[len - 1] = '\0';
}

const prts__backend_ops prts__backend_scalar = {
    .name = "scalar",
    .host_cpu = 1,
    .probe = scalar_probe,
    .encode = scalar_encode,
    .decode = scalar_decode,
    .describe = scalar_describe,
};
