/* backend/simd/simd.c: the simd backend: its vtable, the choice of a variant,
 * and the tile plans and band walk every variant shares.
 *
 * The variants are per architecture (backend/simd/x86.c: SSE4.1 / AVX2 /
 * AVX-512; backend/simd/arm.c: NEON), each from backend/simd/template.h (the
 * tile loops and the code-mode colouring).  Of the variants the CPU and OS
 * support, the fastest measured on this machine is used (measured once,
 * then cached: choose_variant).  Tiles holding the end of the
 * payload, tiles past it and grids smaller than one 16x16 tile use the scalar
 * code. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/simd/simd.h"
#include "common/cpu_features.h"
#include "common/fileio.h"

simd_pattern prts__simd_patterns[SIMD_MAX_PATTERNS];
static simd_tile_plan simd_plans[4];

typedef prts__simd_variant variant;
static const variant *const variants = prts__simd_variants;

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
 * col of curve offset j); its index in prts__simd_patterns, or -1. */
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
        if (memcmp(prts__simd_patterns[i].enc, pt.enc, sizeof pt.enc) == 0)
            return i;
    if (*npatterns == SIMD_MAX_PATTERNS)
        return -1;
    prts__simd_patterns[*npatterns] = pt;
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
 * 512-bit permutes cost more than they move), so where the CPU supports
 * more than one variant each is measured on a small payload (10-15 ms for
 * two) and the fastest kept.  That happens once per machine: the choice is
 * kept in the file `cache_path` names ($XDG_CACHE_HOME/pixelrts/simd-variant,
 * else ~/.cache/...), one line "<features> <variant>", and read by later
 * processes while the CPU's features are the same.  Deleting the file
 * measures again; PIXELRTS_SIMD_MAX bypasses it.  A cache that cannot be
 * read or written only means measuring in every process, as before. */
#define VARIANT_PROBE_BYTES (2u << 20)

static const variant *chosen;
static int plans_ok;
static pthread_once_t choose_once = PTHREAD_ONCE_INIT;

/* The cache file's path in buf, or 0 when there is no home for it. */
static int cache_path(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, len, "%s/pixelrts/simd-variant", xdg);
    else if (home && home[0] == '/')
        n = snprintf(buf, len, "%s/.cache/pixelrts/simd-variant", home);
    else
        return 0;
    return n > 0 && (size_t)n < len;
}

static const variant *cache_read(unsigned features)
{
    char path[4096], line[128];
    if (!cache_path(path, sizeof path))
        return NULL;
    /* as every input: without blocking, and only a regular file */
    int fd;
    struct stat st;
    prts__err ignored;
    if (prts__open_input(path, &fd, &st, &ignored) != PRTS_OK)
        return NULL;
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return NULL;
    }
    const variant *found = NULL;
    unsigned feat;
    char name[64];
    if (fgets(line, sizeof line, f) && sscanf(line, "%u %63s", &feat, name) == 2 &&
        feat == features)
        for (const variant *v = variants; v->name; v++)
            if (supported(v) && strcmp(v->name, name) == 0)
                found = v;
    fclose(f);
    return found;
}

/* Best effort, written whole under a temporary name then renamed. */
static void cache_write(unsigned features, const variant *v)
{
    char path[4096], tmp[4200];
    if (!cache_path(path, sizeof path))
        return;
    char *slash = strrchr(path, '/');
    *slash = '\0';
    char *parent = strrchr(path, '/');
    *parent = '\0';
    mkdir(path, 0700); /* the cache folder, then ours in it */
    *parent = '/';
    mkdir(path, 0700);
    *slash = '/';
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "we");
    if (!f)
        return;
    int ok = fprintf(f, "%u %s\n", features, v->name) > 0;
    if (fclose(f) != 0 || !ok || rename(tmp, path) != 0)
        unlink(tmp);
}

static void choose_variant(void)
{
    plans_ok = build_plans();
    if (!plans_ok)
        return;
    double best = -1;
    const char *cap = getenv("PIXELRTS_SIMD_MAX");
    int count = 0;
    for (const variant *v = variants; v->name; v++)
        count += supported(v);
    unsigned features = prts__cpu_features();
    if (count > 1 && !(cap && *cap) && (chosen = cache_read(features)))
        return;
    for (const variant *v = variants; v->name; v++) {
        if (!supported(v))
            continue;
        /* a forced cap means: run exactly the widest variant allowed; one
         * variant alone needs no measuring */
        if ((cap && *cap) || count == 1) {
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
    if (chosen)
        cache_write(features, chosen);
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
    snprintf(why, why_len, "%s", prts__simd_none_why);
    return 0;
}

static int simd_create(void **state, prts__err *e)
{
    const variant *v = best_variant();
    if (!v)
        return prts__fail(e, PRTS_E_BACKEND_UNAVAILABLE, "backend 'simd' is unavailable");
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
    prts__simd_decode_done();
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
