/* bench_opencl.c: the OpenCL backend on its device, kernel time against
 * end-to-end time.
 *
 * Moves a payload (default 256 MiB of random bytes) into PNG rows and back
 * through the opencl backend, band by band as the encoder and decoder do,
 * and reports for each direction, best of N passes:
 *   - end to end: wall-clock time of the backend's calls (host packing of
 *     the tiles' spans, transfers both ways, kernels, host scatter);
 *   - kernel: the device time of the kernels alone (OpenCL profiling
 *     events), i.e. what the device could do if the data were already there;
 * next to memcpy and the simd backend on the same bytes, and checks the
 * bytes against scalar.  The device is the one the backend picks
 * (PIXELRTS_OPENCL_DEVICE=N chooses another).
 * Usage: bench_opencl [MiB] [passes] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "bench_pass.h"

/* Best-of-`reps` end-to-end and kernel seconds of one direction. */
static int best_of(prts__backend *b, prts__pass *p, uint8_t *payload, uint8_t *image, int encode,
                   int reps, double *wall, double *kernel)
{
    *wall = *kernel = 1e30;
    for (int r = 0; r < reps; r++) {
        if (b->ops == &prts__backend_opencl)
            prts__opencl_kernel_seconds(b->state, 1);
        double t = bench_pass(p, payload, image, encode);
        if (t < 0)
            return 1;
        double k = b->ops == &prts__backend_opencl ? prts__opencl_kernel_seconds(b->state, 1) : 0;
        if (t < *wall) {
            *wall = t;
            *kernel = k;
        }
    }
    return 0;
}

static int open_backend(const char *name, prts__backend *b)
{
    char why[256] = "";
    prts__err e = {0, ""};
    if (prts_backend_probe(name, why, sizeof why) != PRTS_OK) {
        printf("%-7s unavailable: %s\n", name, why);
        return 1;
    }
    if (prts__backend_open(name, b, &e)) {
        printf("%-7s unavailable: %s\n", name, e.msg);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    setenv("PIXELRTS_OPENCL_PROFILE", "1", 1); /* before the backend's state exists */
    uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 256;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    uint64_t len = mib << 20;
    uint32_t g = prts_grid_size_for(len);
    size_t image_len = (size_t)g * g * 4;
    uint8_t *payload = malloc(len), *back = malloc(len), *image = calloc(image_len, 1);
    uint8_t *reference = calloc(image_len, 1);
    if (!payload || !back || !image || !reference || g == 0 || reps < 1)
        return fprintf(stderr, "usage: bench_opencl [MiB] [passes]\n"), 1;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (uint64_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        payload[i] = (uint8_t)(x >> 32);
    }
    printf("payload %llu MiB, grid %u, best of %d passes; GB/s of payload\n",
           (unsigned long long)mib, g, reps);
    printf("memcpy  %.2f GB/s\n", bench_memcpy_gbs(back, payload, len, reps));

    const char *names[] = {"scalar", "simd", "opencl"};
    for (int n = 0; n < 3; n++) {
        prts__backend b;
        if (open_backend(names[n], &b))
            continue;
        prts__pass p;
        prts__err e = {0, ""};
        if (prts__pass_init(&p, NULL, &b, g, len, 0, &e))
            return fprintf(stderr, "bench_opencl: %s\n", e.msg), 1;
        char desc[256] = "";
        if (b.ops->describe)
            b.ops->describe(desc, sizeof desc);
        double ew, ek, dw, dk;
        memset(back, 0, len);
        if (best_of(&b, &p, payload, image, 1, reps, &ew, &ek) ||
            best_of(&b, &p, back, image, 0, reps, &dw, &dk))
            return 1;
        int ok = memcmp(back, payload, len) == 0;
        if (n == 0)
            memcpy(reference, image, image_len);
        else
            ok = ok && memcmp(reference, image, image_len) == 0;
        printf("%-7s encode %6.2f GB/s end to end", names[n], len / ew / 1e9);
        if (ek > 0)
            printf(", kernel %6.2f GB/s (%.0f %% of the time)", len / ek / 1e9, 100 * ek / ew);
        printf("\n        decode %6.2f GB/s end to end", len / dw / 1e9);
        if (dk > 0)
            printf(", kernel %6.2f GB/s (%.0f %% of the time)", len / dk / 1e9, 100 * dk / dw);
        printf("\n        on %s; bytes %s\n", desc, ok ? "same as scalar" : "DIFFER FROM SCALAR");
        prts__pass_free(&p);
        prts__backend_close(&b);
        if (!ok)
            return 1;
    }
    return 0;
}
