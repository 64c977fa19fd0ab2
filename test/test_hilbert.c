/* test_hilbert.c: white-box tests of the Hilbert mapping (docs/format.md §3), the
 * grid size rule (§2) and the strip-of-tiles layout (docs/architecture.md §3). */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "layout/hilbert.h"
#include "pixelrts/pixelrts.h"

typedef struct { uint64_t d; uint32_t x, y; } xyv;

static void check_vectors(uint32_t g, const xyv *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t x = 99999, y = 99999;
        prts__d2xy(g, v[i].d, &x, &y);
        if (x != v[i].x || y != v[i].y)
            fail_msg("g=%u d=%llu: expected (%u,%u), got (%u,%u)", g,
                     (unsigned long long)v[i].d, v[i].x, v[i].y, x, y);
        uint64_t d = prts__xy2d(g, v[i].x, v[i].y);
        if (d != v[i].d)
            fail_msg("xy2d g=%u (%u,%u): expected %llu, got %llu", g, v[i].x, v[i].y,
                     (unsigned long long)v[i].d, (unsigned long long)d);
    }
}

static void test_d2xy_g2(void **state)
{
    (void)state;
    static const xyv v[] = { {0, 0, 0}, {1, 0, 1}, {2, 1, 1}, {3, 1, 0} };
    check_vectors(2, v, 4);
}

static void test_d2xy_g4(void **state)
{
    (void)state;
    static const uint32_t xy[16][2] = {
        {0,0},{1,0},{1,1},{0,1},{0,2},{0,3},{1,3},{1,2},
        {2,2},{2,3},{3,3},{3,2},{3,1},{2,1},{2,0},{3,0} };
    xyv v[16];
    for (int d = 0; d < 16; d++)
        v[d] = (xyv){ (uint64_t)d, xy[d][0], xy[d][1] };
    check_vectors(4, v, 16);
}

static void test_d2xy_g8(void **state)
{
    (void)state;
    static const xyv v[] = { {7, 2, 1}, {15, 0, 3}, {16, 0, 4}, {32, 4, 4},
                             {48, 7, 3}, {63, 7, 0} };
    check_vectors(8, v, sizeof v / sizeof v[0]);
}

static void test_d2xy_g16(void **state)
{
    (void)state;
    static const xyv v[] = { {1, 1, 0}, {100, 4, 14}, {255, 15, 0} };
    check_vectors(16, v, sizeof v / sizeof v[0]);
}

static void test_g1(void **state)
{
    (void)state;
    uint32_t x = 7, y = 7;
    prts__d2xy(1, 0, &x, &y);
    assert_int_equal(x, 0);
    assert_int_equal(y, 0);
    assert_int_equal(prts__xy2d(1, 0, 0), 0);
}

/* Every curve starts at (0,0) and ends at (g-1, 0). */
static void test_curve_ends(void **state)
{
    (void)state;
    for (uint32_t g = 1; g <= (1u << 31) && g != 0; g <<= 1) {
        uint64_t last = (uint64_t)g * g - 1;
        uint32_t x, y;
        prts__d2xy(g, 0, &x, &y);
        assert_int_equal(x, 0);
        assert_int_equal(y, 0);
        prts__d2xy(g, last, &x, &y);
        if (x != g - 1 || y != 0)
            fail_msg("g=%u: last point (%u,%u), expected (%u,0)", g, x, y, g - 1);
        assert_true(prts__xy2d(g, g - 1, 0) == last);
    }
}

/* d2xy is a bijection onto the grid, consecutive points are neighbours,
 * and xy2d inverts it. */
static void test_bijection_small(void **state)
{
    (void)state;
    for (uint32_t g = 1; g <= 256; g <<= 1) {
        uint64_t n = (uint64_t)g * g;
        uint8_t *seen = calloc(n, 1);
        assert_non_null(seen);
        uint32_t px = 0, py = 0;
        for (uint64_t d = 0; d < n; d++) {
            uint32_t x, y;
            prts__d2xy(g, d, &x, &y);
            assert_true(x < g && y < g);
            if (seen[(uint64_t)y * g + x])
                fail_msg("g=%u: (%u,%u) visited twice (d=%llu)", g, x, y, (unsigned long long)d);
            seen[(uint64_t)y * g + x] = 1;
            if (d > 0) {
                uint32_t dist = (x > px ? x - px : px - x) + (y > py ? y - py : py - y);
                if (dist != 1)
                    fail_msg("g=%u: d=%llu not adjacent to d-1", g, (unsigned long long)d);
            }
            px = x;
            py = y;
            uint64_t back = prts__xy2d(g, x, y);
            if (back != d)
                fail_msg("g=%u: xy2d(d2xy(%llu)) = %llu", g, (unsigned long long)d,
                         (unsigned long long)back);
        }
        free(seen);
    }
}

static void test_inverse_large_random(void **state)
{
    (void)state;
    uint64_t rng = 42;
    for (uint32_t g = 512; g <= (1u << 31) && g != 0; g <<= 1) {
        uint64_t n = (uint64_t)g * g;
        for (int i = 0; i < 2000; i++) {
            uint64_t d = tu_rand_next(&rng) % n;
            uint32_t x, y;
            prts__d2xy(g, d, &x, &y);
            assert_true(x < g && y < g);
            if (prts__xy2d(g, x, y) != d)
                fail_msg("g=%u d=%llu: inverse failed", g, (unsigned long long)d);
        }
    }
}

static void test_grid_sizes(void **state)
{
    (void)state;
    static const struct { uint64_t n; uint32_t g; } v[] = {
        {0, 1}, {1, 4}, {2, 4}, {63, 4}, {64, 4}, {65, 8}, {255, 8}, {256, 8}, {257, 16},
        {1023, 16}, {1024, 16}, {1025, 32}, {4095, 32}, {4096, 32}, {4097, 64},
        {1ull << 20, 512}, {(1ull << 20) + 1, 1024}, {256ull << 20, 8192},
        {1ull << 30, 16384}, {16ull << 30, 65536},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint32_t a = prts_grid_size_for(v[i].n);
        uint32_t b = prts__grid_size(v[i].n);
        if (a != v[i].g)
            fail_msg("prts_grid_size_for(%llu): expected %u, got %u",
                     (unsigned long long)v[i].n, v[i].g, a);
        if (b != v[i].g)
            fail_msg("prts__grid_size(%llu): expected %u, got %u",
                     (unsigned long long)v[i].n, v[i].g, b);
    }
    /* the rule itself: smallest power of two >= 4 with 4*g*g >= n */
    for (uint64_t n = 1; n <= 70000; n++) {
        uint32_t g = prts_grid_size_for(n);
        assert_true(g >= 4 && (g & (g - 1)) == 0);
        assert_true(4ull * g * g >= n);
        assert_true(g == 4 || 4ull * (g / 2) * (g / 2) < n);
    }
}

static void test_is_pow2(void **state)
{
    (void)state;
    assert_true(prts__is_pow2(1));
    assert_true(prts__is_pow2(2));
    assert_true(prts__is_pow2(4096));
    assert_true(prts__is_pow2(1ull << 40));
    assert_false(prts__is_pow2(0));
    assert_false(prts__is_pow2(3));
    assert_false(prts__is_pow2(12));
    assert_false(prts__is_pow2(65535));
}

/* The strip-of-tiles layout gives, for every pixel, the same index d as
 * the per-pixel curve. */
static void test_layout_matches_d2xy(void **state)
{
    (void)state;
    for (uint32_t g = 1; g <= 2048; g <<= 1) {
        uint64_t n = (uint64_t)g * g;
        uint32_t *ref = malloc(n * sizeof *ref);
        assert_non_null(ref);
        for (uint64_t d = 0; d < n; d++) {
            uint32_t x, y;
            prts__d2xy(g, d, &x, &y);
            ref[(uint64_t)y * g + x] = (uint32_t)d;
        }
        prts__layout *lay = malloc(sizeof *lay);
        assert_non_null(lay);
        prts__layout_init(lay, g);
        uint32_t t = g < PRTS__TILE_MAX ? g : PRTS__TILE_MAX;
        assert_int_equal(lay->grid, g);
        assert_int_equal(lay->tile, t);
        assert_int_equal(1u << lay->tile_log2, t);
        assert_int_equal(lay->strips, g / t);
        assert_int_equal(lay->tiles, g / t);
        prts__tile *tiles = calloc(lay->tiles, sizeof *tiles);
        assert_non_null(tiles);
        for (uint32_t s = 0; s < lay->strips; s++) {
            prts__layout_strip(lay, s, tiles);
            for (uint32_t i = 0; i < lay->tiles; i++) {
                assert_true(tiles[i].orient < 4);
                assert_true(tiles[i].d0 % ((uint64_t)t * t) == 0);
                for (uint32_t ly = 0; ly < t; ly++) {
                    for (uint32_t lx = 0; lx < t; lx++) {
                        uint32_t x = i * t + lx, y = s * t + ly;
                        uint64_t d = tiles[i].d0 + lay->inv[tiles[i].orient][ly * t + lx];
                        if (d != ref[(uint64_t)y * g + x])
                            fail_msg("g=%u strip %u tile %u (orient %u): pixel (%u,%u) "
                                     "layout d=%llu, d2xy d=%u", g, s, i, tiles[i].orient, x, y,
                                     (unsigned long long)d, ref[(uint64_t)y * g + x]);
                    }
                }
            }
        }
        free(tiles);
        free(lay);
        free(ref);
    }
}

/* Larger grids: check a sample of strips (first, last, a few random). */
static void test_layout_sampled_large(void **state)
{
    (void)state;
    uint64_t rng = 7;
    for (uint32_t g = 4096; g <= 65536; g <<= 1) {
        prts__layout *lay = malloc(sizeof *lay);
        assert_non_null(lay);
        prts__layout_init(lay, g);
        uint32_t t = lay->tile;
        assert_int_equal(t, PRTS__TILE_MAX);
        prts__tile *tiles = calloc(lay->tiles, sizeof *tiles);
        assert_non_null(tiles);
        uint32_t strips[6] = { 0, lay->strips - 1, lay->strips / 2, 0, 0, 0 };
        for (int k = 3; k < 6; k++)
            strips[k] = (uint32_t)(tu_rand_next(&rng) % lay->strips);
        for (int k = 0; k < 6; k++) {
            uint32_t s = strips[k];
            prts__layout_strip(lay, s, tiles);
            for (uint32_t i = 0; i < lay->tiles; i++) {
                for (int probe = 0; probe < 4; probe++) {
                    uint32_t lx = (uint32_t)(tu_rand_next(&rng) % t);
                    uint32_t ly = (uint32_t)(tu_rand_next(&rng) % t);
                    uint32_t x = i * t + lx, y = s * t + ly;
                    uint64_t d = tiles[i].d0 + lay->inv[tiles[i].orient][ly * t + lx];
                    uint32_t cx, cy;
                    prts__d2xy(g, d, &cx, &cy);
                    if (cx != x || cy != y)
                        fail_msg("g=%u strip %u tile %u: (%u,%u) -> d=%llu -> (%u,%u)",
                                 g, s, i, x, y, (unsigned long long)d, cx, cy);
                }
            }
        }
        free(tiles);
        free(lay);
    }
}

/* The public calls: the g=4 curve of docs/format.md §3 in one call, the
 * inverse of every point of g=64, and the refusals. */
static void test_public_calls(void **state)
{
    (void)state;
    static const uint32_t want[32] = {0,0, 1,0, 1,1, 0,1, 0,2, 0,3, 1,3, 1,2,
                                      2,2, 2,3, 3,3, 3,2, 3,1, 2,1, 2,0, 3,0};
    uint32_t xy[32];
    assert_int_equal(prts_hilbert_coords(4, 0, 16, xy), PRTS_OK);
    assert_memory_equal(xy, want, sizeof want);
    assert_int_equal(prts_hilbert_coords(4, 5, 2, xy), PRTS_OK);
    assert_memory_equal(xy, want + 10, 4 * sizeof *xy);
    uint32_t *all = malloc(2 * 64 * 64 * sizeof *all);
    assert_int_equal(prts_hilbert_coords(64, 0, 64 * 64, all), PRTS_OK);
    for (uint64_t d = 0; d < 64 * 64; d++) {
        uint64_t back = 0;
        assert_int_equal(prts_hilbert_index(64, all[2 * d], all[2 * d + 1], &back), PRTS_OK);
        assert_int_equal(back, d);
    }
    free(all);
    uint64_t d;
    assert_int_equal(prts_hilbert_coords(6, 0, 1, xy), PRTS_E_INVALID_ARG);   /* not 2^k */
    assert_int_equal(prts_hilbert_coords(0, 0, 0, xy), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_hilbert_coords(4, 15, 2, xy), PRTS_E_INVALID_ARG);  /* past the end */
    assert_int_equal(prts_hilbert_coords(4, 0, 1, NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_hilbert_coords(4, 16, 0, NULL), PRTS_OK);           /* nothing asked */
    assert_int_equal(prts_hilbert_index(4, 4, 0, &d), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_hilbert_index(4, 0, 0, NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_hilbert_index(3, 0, 0, &d), PRTS_E_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_d2xy_g2),
        cmocka_unit_test(test_d2xy_g4),
        cmocka_unit_test(test_d2xy_g8),
        cmocka_unit_test(test_d2xy_g16),
        cmocka_unit_test(test_g1),
        cmocka_unit_test(test_curve_ends),
        cmocka_unit_test(test_bijection_small),
        cmocka_unit_test(test_inverse_large_random),
        cmocka_unit_test(test_grid_sizes),
        cmocka_unit_test(test_is_pow2),
        cmocka_unit_test(test_layout_matches_d2xy),
        cmocka_unit_test(test_layout_sampled_large),
        cmocka_unit_test(test_public_calls),
    };
    return cmocka_run_group_tests_name("hilbert", tests, NULL, NULL);
}
