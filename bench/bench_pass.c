/* bench_pass.c: see bench_pass.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_pass.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double bench_memcpy_gbs(void *dst, const void *src, size_t len, int reps)
{
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        memcpy(dst, src, len);
        double t = bench_now() - t0;
        best = t < best ? t : best;
    }
    return (double)len / best / 1e9;
}

double bench_pass(prts__pass *p, uint8_t *payload, uint8_t *image, int encode)
{
    prts__err e = {0, ""};
    size_t row_len = (size_t)p->lay.grid * 4;
    double spent = 0;
    for (uint32_t s = 0; s < p->lay.strips; s += p->band.nstrips) {
        double t0 = bench_now();
        uint32_t rows = prts__pass_plan(p, s);
        spent += bench_now() - t0;
        uint8_t *at = image + (size_t)s * p->lay.tile * row_len;
        if (!encode)
            for (uint32_t r = 0; r < rows; r++)
                memcpy(p->band.rows + r * p->band.stride, at + r * row_len, row_len);
        t0 = bench_now();
        int rc = encode ? prts__pass_encode(p, payload, &e) : prts__pass_decode(p, payload, &e);
        spent += bench_now() - t0;
        if (rc) {
            fprintf(stderr, "backend '%s' failed: %s\n", p->backend->ops->name, e.msg);
            return -1;
        }
        if (encode)
            for (uint32_t r = 0; r < rows; r++)
                memcpy(at + r * row_len, p->band.rows + r * p->band.stride, row_len);
    }
    return spent;
}
