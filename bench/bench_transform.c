/* bench_transform.c: transform throughput of each backend against memcpy.
 *
 * Moves a payload (default 256 MiB of random bytes) into PNG rows and back
 * through every backend that can run here, one band at a time as the
 * encoder and decoder do, and prints GB/s next to memcpy of the same bytes
 * (the physical limit) on this machine.  Checks each backend's bytes
 * against scalar.  Usage: bench_transform [MiB] [memcpy repeats] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "transform.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One whole-image pass through `image`, for the byte checks (the timing
 * is prts_backend_measure's, the same code `pixelrts backends` reports). */
static void run(prts__pass *p, uint8_t *payload, uint8_t *image, int encode)
{
    prts__err e = {0, ""};
    size_t row_len = (size_t)p->lay.grid * 4; /* the band's rows may be further apart */
    for (uint32_t s = 0; s < p->lay.strips; s += p->band.nstrips) {
        uint32_t rows = prts__pass_plan(p, s);
        uint8_t *at = image + (size_t)s * p->lay.tile * row_len;
        if (!encode)
            for (uint32_t r = 0; r < rows; r++)
                memcpy(p->band.rows + r * p->band.stride, at + r * row_len, row_len);
        if (encode ? prts__pass_encode(p, payload, &e) : prts__pass_decode(p, payload, &e))
            break;
        if (encode)
            for (uint32_t r = 0; r < rows; r++)
                memcpy(at + r * row_len, p->band.rows + r * p->band.stride, row_len);
    }
    if (e.code)
        fprintf(stderr, "backend failed: %s\n", e.msg);
}

int main(int argc, char **argv)
{
    uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 256;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    uint64_t len = mib << 20;
    uint32_t g = prts_grid_size_for(len);
    size_t image_len = (size_t)g * g * 4;
    uint8_t *payload = malloc(len), *back = malloc(len), *image = malloc(image_len);
    uint8_t *reference = malloc(image_len);
    if (!payload || !back || !image || !reference)
        return 1;
    srand(1);
    for (uint64_t i = 0; i < len; i++)
        payload[i] = (uint8_t)rand();
    memset(image, 0, image_len);
    memset(back, 0, len);

    double best = 1e9;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        memcpy(back, payload, len);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    double memcpy_gbs = len / best / 1e9;
    printf("payload %llu MiB, grid %u, best of %d\n", (unsigned long long)mib, g, reps);
    printf("%-8s %-28s %10s %10s %8s\n", "backend", "runs on", "encode", "decode", "check");
    printf("%-8s %-28s %8.2f GB/s %6.2f GB/s\n", "memcpy", "this CPU", memcpy_gbs, memcpy_gbs);

    /* scalar first: it is the reference the others must match */
    for (int b = -1; b < prts_backend_count(); b++) {
        const char *name = b < 0 ? "scalar" : prts_backend_name(b);
        if (b >= 0 && strcmp(name, "scalar") == 0)
            continue;
        char why[256];
        if (prts_backend_probe(name, why, sizeof why) != PRTS_OK) {
            printf("%-8s unavailable: %s\n", name, why);
            continue;
        }
        prts__backend be;
        prts__err e = {0, ""};
        if (prts__backend_open(name, &be, &e)) {
            printf("%-8s unavailable: %s\n", name, e.msg);
            continue;
        }
        char desc[128] = "";
        if (be.ops->describe)
            be.ops->describe(desc, sizeof desc);
        prts__pass p;
        if (prts__pass_init(&p, NULL, &be, g, len, 0, &e))
            return 1;
        double enc_gbs = 0, dec_gbs = 0;
        if (prts_backend_measure(name, len, &enc_gbs, &dec_gbs) != PRTS_OK)
            return 1;
        memset(back, 0, len);
        run(&p, payload, image, 1);
        run(&p, back, image, 0);
        int ok = memcmp(back, payload, len) == 0;
        if (strcmp(name, "scalar") == 0)
            memcpy(reference, image, image_len);
        else
            ok = ok && memcmp(reference, image, image_len) == 0;
        printf("%-8s %-28s %8.2f GB/s %6.2f GB/s %8s\n", name, desc, enc_gbs, dec_gbs,
               ok ? "same as scalar" : "MISMATCH");
        prts__pass_free(&p);
        prts__backend_close(&be);
        if (!ok)
            return 1;
    }
    return 0;
}
