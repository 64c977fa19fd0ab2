/* backend_scalar.c: portable C strip transforms, the reference for all others. */
#include <string.h>

#include "backend.h"

static int scalar_probe(char *why, size_t why_len)
{
    (void)why;
    (void)why_len;
    return 1;
}

/* Copy the bytes of pixel d (possibly partial, possibly past the end). */
static void load_pixel(const uint8_t *payload, uint64_t len, uint64_t d, uint8_t px[4])
{
    uint64_t at = d * 4;
    memset(px, 0, 4);
    if (at < len)
        memcpy(px, payload + at, len - at < 4 ? (size_t)(len - at) : 4);
}

static void colour(const prts__strip_job *job, uint8_t *px)
{
    uint8_t b0 = px[0];
    px[0] = job->code_r[b0];
    px[3] = job->code_a[b0];
}

static void scalar_encode_strip(const prts__strip_job *job, const uint8_t *payload)
{
    const prts__layout *lay = job->lay;
    uint32_t t = lay->tile, k = lay->tile_log2, area = t * t;
    uint64_t full = job->len / 4;          /* pixels holding 4 payload bytes */
    uint64_t used = (job->len + 3) / 4;    /* pixels holding any payload byte */
    for (uint32_t i = 0; i < lay->tiles; i++) {
        const prts__tile *tile = &job->tiles[i];
        const uint8_t *inv = lay->inv[tile->orient];
        uint8_t *col = job->rows + (size_t)i * t * 4;
        if (tile->d0 >= used) {                       /* all padding */
            for (uint32_t ly = 0; ly < t; ly++)
                memset(col + ly * job->stride, 0, (size_t)t * 4);
            continue;
        }
        const uint8_t *src = payload + tile->d0 * 4;
        int whole = tile->d0 + area <= full;
        for (uint32_t p = 0; p < area; p++) {
            uint8_t *dst = col + (p >> k) * job->stride + (p & (t - 1)) * 4;
            uint64_t d = tile->d0 + inv[p];
            if (whole)
                memcpy(dst, src + (size_t)inv[p] * 4, 4);
            else
                load_pixel(payload, job->len, d, dst);
            if (job->code_r && d < used)
                colour(job, dst);
        }
    }
}

static void scalar_decode_strip(const prts__strip_job *job, uint8_t *payload)
{
    const prts__layout *lay = job->lay;
    uint32_t t = lay->tile, k = lay->tile_log2, area = t * t;
    uint64_t full = job->len / 4;
    uint64_t used = (job->len + 3) / 4;
    for (uint32_t i = 0; i < lay->tiles; i++) {
        const prts__tile *tile = &job->tiles[i];
        if (tile->d0 >= used)
            continue;
        const uint8_t *inv = lay->inv[tile->orient];
        const uint8_t *col = job->rows + (size_t)i * t * 4;
        uint8_t *dst = payload + tile->d0 * 4;
        int whole = tile->d0 + area <= full;
        for (uint32_t p = 0; p < area; p++) {
            const uint8_t *src = col + (p >> k) * job->stride + (p & (t - 1)) * 4;
            uint64_t d = tile->d0 + inv[p];
            if (whole)
                memcpy(dst + (size_t)inv[p] * 4, src, 4);
            else if (d < used)
                memcpy(payload + d * 4, src, d < full ? 4 : (size_t)(job->len - d * 4));
        }
    }
}

const prts__backend_ops prts__backend_scalar = {
    .name = "scalar",
    .probe = scalar_probe,
    .encode_strip = scalar_encode_strip,
    .decode_strip = scalar_decode_strip,
};
