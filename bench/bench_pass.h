/* bench_pass.h: one whole-image pass of a backend, shared by the transform benchmarks. */
#ifndef PRTS_BENCH_PASS_H
#define PRTS_BENCH_PASS_H

#include "backend/pass.h"

/* Seconds of a monotonic clock. */
double bench_now(void);

/* Best-of-`reps` memcpy of `len` bytes from src to dst (the physical limit
 * of a transform on this machine), in GB/s. */
double bench_memcpy_gbs(void *dst, const void *src, size_t len, int reps);

/* Moves the payload into `image` (encode) or back out of it (decode), band
 * by band as the encoder and decoder do; `image` holds g*4 bytes a row (the
 * band's rows may lie further apart).  Returns the seconds spent planning
 * and transforming the bands, not copying them to or from `image` (which is
 * only there to check the bytes), or -1 after printing the backend's error. */
double bench_pass(prts__pass *p, uint8_t *payload, uint8_t *image, int encode);

#endif
