/* bench_transform.c: transform throughput of each backend against memcpy.
 *
 * Moves a payload (default 256 MiB of random bytes) into PNG rows and back
 * through every backend that can run here, one band at a time as the
 * encoder and decoder do, and prints GB/s next to memcpy of the same bytes
 * (the physical limit) on this machine.  Checks each backend's bytes
 * against scalar.  Usage: bench_transform [MiB] [memcpy repeats] */
#define PRTS_EXPERIMENTAL /* the experimental tier of pixelrts.h: measure, WASM histograms */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "bench_pass.h"

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

    double memcpy_gbs = bench_memcpy_gbs(back, payload, len, reps);
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
        /* the timing above is prts_backend_measure's, the code `pixelrts backends` runs;
         * these passes are for the byte checks */
        int ok = bench_pass(&p, payload, image, 1) >= 0 && bench_pass(&p, back, image, 0) >= 0 &&
                 memcmp(back, payload, len) == 0;
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
