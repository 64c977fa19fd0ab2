/* bench_util.h: what the benchmark programs share: a monotonic clock, file sizes and
 * reproducible random inputs.  Not part of the library. */
#ifndef PRTS_BENCH_UTIL_H
#define PRTS_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);
/* Size of the file at `path`, 0 when it cannot be stat'ed. */
uint64_t bench_file_size(const char *path);
/* n bytes (a multiple of 8) of xorshift64 output from state *s, which advances. */
void bench_fill_random(uint8_t *p, size_t n, uint64_t *s);
/* `size` bytes at `path`, kept when a file of that size is there already: random, or with
 * `disk`, 1 MiB runs of random bytes and zeros alternating.  Exits on an I/O error. */
void bench_make_input(const char *path, uint64_t size, int disk);

#endif
