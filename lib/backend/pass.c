/* backend/pass.c: bands of strips: allocation, planning, dispatch to the backend. */
#include <stdlib.h>
#include <string.h>

#include "backend/pass.h"
#include "common/alloc.h"

int prts__pass_init(prts__pass *p, const prts_allocator *a, const prts__backend *b, uint32_t g,
                    uint64_t len, const prts__code_colours *code, prts__err *e)
{
    p->alloc = a;
    prts__layout_init(&p->lay, g);
    p->backend = b;
    p->band_strips = b->ops->band_strips ? b->ops->band_strips(b->state, &p->lay) : 1;
    if (p->band_strips < 1)
        p->band_strips = 1;
    if (p->band_strips > p->lay.strips)
        p->band_strips = p->lay.strips;
    prts__band *band = &p->band;
    band->lay = &p->lay;
    /* Rows a power of two bytes apart put a tile's 16 row segments in one
     * L1 set (16 lines in an 8-way set), so they evict each other while
     * the tile is moved: a spare cache line per row spreads them over 16
     * sets (measured: +20 % on the SIMD transforms).  Device backends copy
     * the band in one piece, so theirs stay contiguous. */
    band->stride = (size_t)g * 4 + (b->ops->host_cpu && g >= 256 ? 64 : 0);
    band->len = len;
    band->code_r = band->code_a = NULL;
    if (code) {
        memcpy(p->code_r, code->red, sizeof p->code_r);
        memcpy(p->code_a, code->alpha, sizeof p->code_a);
        band->code_r = p->code_r;
        band->code_a = p->code_a;
    }
    size_t rows = band->stride * p->lay.tile * p->band_strips;
    band->rows = prts__alloc(a, rows);
    band->tiles = prts__calloc(a, (size_t)p->lay.tiles * p->band_strips, sizeof(prts__tile));
    if (!band->rows || !band->tiles) {
        prts__pass_free(p);
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate a %zu-byte band of rows", rows);
    }
    return PRTS_OK;
}

uint32_t prts__pass_plan(prts__pass *p, uint32_t first)
{
    uint32_t n = p->lay.strips - first;
    if (n > p->band_strips)
        n = p->band_strips;
    prts__tile *tiles = (prts__tile *)p->band.tiles;
    for (uint32_t s = 0; s < n; s++)
        prts__layout_strip(&p->lay, first + s, tiles + (size_t)s * p->lay.tiles);
    p->band.first_strip = first;
    p->band.nstrips = n;
    return n * p->lay.tile;
}

int prts__pass_encode(prts__pass *p, const uint8_t *payload, prts__err *e)
{
    return p->backend->ops->encode(p->backend->state, &p->band, payload, e);
}

int prts__pass_decode(prts__pass *p, uint8_t *payload, prts__err *e)
{
    return p->backend->ops->decode(p->backend->state, &p->band, payload, e);
}

uint64_t prts__pass_pages_touched(const prts__pass *p)
{
    uint64_t span = (uint64_t)p->lay.tile * p->lay.tile * 4;
    uint64_t page = span < 4096 ? 4096 : span;
    return (uint64_t)p->band.nstrips * p->lay.tiles * page;
}

void prts__pass_free(prts__pass *p)
{
    prts__free(p->alloc, p->band.rows);
    prts__free(p->alloc, (void *)p->band.tiles);
    p->band.rows = NULL;
    p->band.tiles = NULL;
}
