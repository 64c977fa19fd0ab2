/* fuzz.h: the contract between a fuzz target and its two drivers.
 *
 * Each target (fuzz_*.c) defines fuzz_one(), which runs one input through
 * the code under test and returns its status: a prts_status for the library
 * targets, the CLI exit code for the manifest target.  A broken invariant
 * (a crash the sanitizers would not see: wrong bytes back, an output file
 * left after a failure) calls FUZZ_CHECK, which aborts.
 *
 * Two drivers run fuzz_one():
 * - fuzz_libfuzzer.c: LLVMFuzzerTestOneInput for clang -fsanitize=fuzzer
 *   (scripts/sanitize.sh runs each fuzzer for a bounded time);
 * - fuzz_main.c: a plain cmocka program (any compiler) that replays the
 *   committed corpus and regressions as `meson test` cases, each asserting
 *   the status recorded in the folder's .status file. */
#ifndef PRTS_FUZZ_H
#define PRTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int fuzz_one(const uint8_t *data, size_t size);
/* A few words naming a status of this target (for .status comments). */
const char *fuzz_status_name(int status);

/* Abort with a message when an invariant does not hold. */
#define FUZZ_CHECK(cond) \
    ((cond) ? (void)0 : fuzz_violation(#cond, __FILE__, __LINE__))
void fuzz_violation(const char *what, const char *file, int line) __attribute__((noreturn));

/* A private folder for this process, created on first use and removed at exit. */
const char *fuzz_tmpdir(void);
/* malloc'd fuzz_tmpdir()/name */
char *fuzz_path(const char *name);
/* Write a whole file (aborts if it cannot). */
void fuzz_write_file(const char *path, const void *data, size_t len);
/* Entries in fuzz_tmpdir() (to check that failures leave nothing behind). */
int fuzz_tmpdir_count(void);

/* Deterministic pseudo-random numbers (splitmix64) seeded from the input. */
typedef struct fuzz_rng {
    uint64_t s;
} fuzz_rng;
uint64_t fuzz_rand(fuzz_rng *r);
/* Uniform-ish in [lo, hi]. */
size_t fuzz_range(fuzz_rng *r, size_t lo, size_t hi);

/* A growing byte buffer, and a prts_write_fn appending to it. */
typedef struct fuzz_buf {
    uint8_t *data;
    size_t len, cap;
} fuzz_buf;
int fuzz_buf_write(void *user, const void *buf, size_t len);
void fuzz_buf_free(fuzz_buf *b);

/* A prts_read_fn over memory handing out short reads of pseudo-random
 * length (1..max_read) so that every refill path of the reader is taken. */
typedef struct fuzz_reader {
    const uint8_t *data;
    size_t len, pos, max_read;
    fuzz_rng rng;
} fuzz_reader;
ptrdiff_t fuzz_read(void *user, void *buf, size_t cap);

#endif
