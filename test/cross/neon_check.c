/* neon_check.c: the simd backend's NEON variant against scalar, byte for
 * byte, built for AArch64 and run under qemu-user by neon_cross_test.sh
 * (this machine has no ARM CPU).  It links the transform sources alone
 * (no PNG, no hashing), moves payloads of full, almost full and a third of
 * the capacity through every grid from 1 to 1024 in both directions and in
 * code mode, and checks each backend's rows and decoded payloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "bench_pass.h"

/* The real colour tables are the format's (format/code_mode.c, handed to the
 * pass by the encoder); any tables serve to compare two backends' colouring. */
static prts__code_colours colours;

static void make_colours(void)
{
    for (int b = 0; b < 256; b++) {
        colours.red[b] = (uint8_t)(b * 7 + 3);
        colours.alpha[b] = b & 1 ? 255 : 0;
    }
}

/* Encode (and, in standard mode, decode) the whole image band by band,
 * through bench/bench_pass.c: rows into `image`, the payload into `back`. */
static int run(const prts__backend *b, uint32_t g, uint64_t len, const uint8_t *payload,
               uint8_t *image, uint8_t *back, int code)
{
    prts__err e = {0, ""};
    prts__pass p;
    if (prts__pass_init(&p, NULL, b, g, len, code ? &colours : NULL, &e))
        return fprintf(stderr, "%s\n", e.msg), 1;
    int failed = bench_pass(&p, (uint8_t *)payload, image, 1) < 0 ||
                 (!code && bench_pass(&p, back, image, 0) < 0);
    prts__pass_free(&p);
    return failed;
}

int main(void)
{
    char why[256] = "", what[64] = "";
    prts__backend scalar = {.ops = &prts__backend_scalar}, simd = {.ops = &prts__backend_simd};
    prts__err e = {0, ""};
    make_colours();
    if (!prts__backend_simd.probe(why, sizeof why) || prts__backend_simd.create(&simd.state, &e))
        return printf("simd is unavailable: %s%s\n", why, e.msg), 1;
    prts__backend_simd.describe(what, sizeof what);
    int cases = 0, bad = 0;
    for (uint32_t g = 1; g <= 1024; g *= 2)
        for (int code = 0; code < 2; code++)
            for (int k = 0; k < 3; k++) {
                uint64_t cap = (uint64_t)g * g * 4;
                uint64_t len = k == 0 ? cap : k == 1 ? (cap > 5 ? cap - 5 : 1) : cap / 3 + 1;
                uint8_t *payload = malloc(len), *img_a = calloc(cap, 1), *img_b = calloc(cap, 1);
                uint8_t *back_a = calloc(len, 1), *back_b = calloc(len, 1);
                if (!payload || !img_a || !img_b || !back_a || !back_b)
                    return puts("out of memory"), 1;
                for (uint64_t i = 0; i < len; i++)
                    payload[i] = (uint8_t)((i * 2654435761u) >> 11);
                int failed = run(&scalar, g, len, payload, img_a, back_a, code) ||
                             run(&simd, g, len, payload, img_b, back_b, code);
                if (failed || memcmp(img_a, img_b, cap) ||
                    (!code && (memcmp(back_a, payload, len) || memcmp(back_b, payload, len)))) {
                    printf("MISMATCH: %s, grid %u, %llu bytes, %s mode\n", what, g,
                           (unsigned long long)len, code ? "code" : "standard");
                    bad++;
                }
                cases++;
                free(payload), free(img_a), free(img_b), free(back_a), free(back_b);
            }
    printf("%s against scalar: %d cases, %d mismatched\n", what, cases, bad);
    return bad != 0;
}
