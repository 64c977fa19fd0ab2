/* backend/measure.c: transform throughput of a backend, measured on this machine.
 *
 * Used by `auto` (pick the fastest CPU backend, measured once per process),
 * by prts_backend_measure() (`pixelrts backends`) and by the benchmarks. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/backend.h"
#include "backend/pass.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One pass over the whole image in one direction; seconds, or < 0 on error. */
static double timed_pass(prts__pass *p, uint8_t *payload, int encode, prts__err *e)
{
    double t0 = now();
    for (uint32_t s = 0; s < p->lay.strips; s += p->band.nstrips) {
        prts__pass_plan(p, s);
        int rc = encode ? prts__pass_encode(p, payload, e) : prts__pass_decode(p, payload, e);
        if (rc)
            return -1;
    }
    return now() - t0;
}

int prts__backend_measure(const prts__backend *b, uint64_t bytes, int repeats, double *encode_gbs,
                          double *decode_gbs, prts__err *e)
{
    uint32_t g = prts__grid_size(bytes);
    if (bytes == 0 || g == 0 || bytes > SIZE_MAX)
        return prts__fail(e, PRTS_E_INVALID_ARG, "cannot measure on %llu bytes",
                          (unsigned long long)bytes);
    uint8_t *payload = malloc((size_t)bytes);
    if (!payload)
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate %llu bytes to measure",
                          (unsigned long long)bytes);
    uint64_t x = 0x9e3779b97f4a7c15ull; /* xorshift: incompressible, reproducible */
    for (uint64_t i = 0; i < bytes; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(payload + i, &x, bytes - i < 8 ? (size_t)(bytes - i) : 8);
    }
    prts__pass pass;
    int rc = prts__pass_init(&pass, NULL, b, g, bytes, 0, e);
    double enc = 1e30, dec = 1e30;
    for (int r = 0; rc == PRTS_OK && r < (repeats > 0 ? repeats : 1); r++) {
        double te = timed_pass(&pass, payload, 1, e);
        double td = te < 0 ? -1 : timed_pass(&pass, payload, 0, e);
        if (te < 0 || td < 0)
            rc = e->code;
        enc = te < enc ? te : enc;
        dec = td < dec ? td : dec;
    }
    prts__pass_free(&pass);
    free(payload);
    if (rc)
        return rc;
    *encode_gbs = (double)bytes / (enc > 1e-9 ? enc : 1e-9) / 1e9;
    *decode_gbs = (double)bytes / (dec > 1e-9 ? dec : 1e-9) / 1e9;
    return PRTS_OK;
}
