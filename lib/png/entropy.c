/* png/entropy.c: whether a block of rows looks incompressible, which decides
 * between storing and deflating it (png/segments_write.c, adaptive mode). */
#include <math.h>
#include <pthread.h>
#include <stdint.h>

#include "png/entropy.h"

/* Deflate at any level costs ~20 ns per byte on random data and makes it
 * bigger (docs/architecture.md §11); storing costs a copy.  So each 1 KiB block
 * (PRTS__ENTROPY_BLOCK) is classified by the order-0 entropy of a 256-byte
 * sample (4 runs of 64 bytes spread over it).  On such a sample random bytes
 * measure 7.0-7.4 bits per byte, machine code (x86-64 /bin/bash) 5.4
 * typically and under 6.0 in 99% of its blocks, text 4-5, zero padding 0:
 * above 6.7 the block is stored.
 * Blocks this small follow the edges of the payload in partly filled rows
 * (a run of payload, then zero padding). */
enum { SAMPLE_RUN = 64, SAMPLE_RUNS = 4, SAMPLE = SAMPLE_RUN * SAMPLE_RUNS };
_Static_assert(SAMPLE == PRTS__ENTROPY_MIN, "the sample is the least judged");

static float clogc[SAMPLE + 1]; /* c * log2(c) */
static pthread_once_t clogc_once = PTHREAD_ONCE_INIT;

static void clogc_build(void)
{
    for (int c = 1; c <= SAMPLE; c++)
        clogc[c] = (float)(c * log2((double)c));
}

/* A set of byte values. */
typedef struct byteset {
    uint64_t bits[4];
} byteset;

static void byteset_add(byteset *s, uint8_t b)
{
    s->bits[b >> 6] |= 1ull << (b & 63);
}

static int byteset_count(const byteset *s)
{
    return __builtin_popcountll(s->bits[0]) + __builtin_popcountll(s->bits[1]) +
           __builtin_popcountll(s->bits[2]) + __builtin_popcountll(s->bits[3]);
}

/* Distinct byte values among 64 sampled bytes (4 runs of 16): random data
 * gives 57 typically and at least 46 (20,000 blocks measured), machine code
 * 31-34 typically, and 52 or more in under 1 % of its blocks.  Most blocks
 * are decided by this alone, at a quarter of the full test's cost. */
static int distinct64(const uint8_t *p, size_t n)
{
    byteset seen = {{0, 0, 0, 0}};
    size_t step = (n - 16) / 3;
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < 16; i++)
            byteset_add(&seen, p[(size_t)r * step + i]);
    return byteset_count(&seen);
}

int prts__few_look_random(const uint8_t *p, size_t n)
{
    /* n random bytes show 256 (1 - (255/256)^n) distinct values on average
     * (57 of 64, 162 of 256), code or text far fewer: take 80 % of that */
    byteset seen = {{0, 0, 0, 0}};
    for (size_t i = 0; i < n; i++)
        byteset_add(&seen, p[i]);
    float expect = 256.0f * (1.0f - expf((float)n * -0.0039138993f));
    return (float)byteset_count(&seen) >= 0.8f * expect;
}

/* The blocks are judged in order, on a compressor thread, in rows the
 * transform wrote moments before on the other core: each sampled line
 * comes from afar (~100 ns), and four lines 256 bytes apart are no stream
 * the hardware prefetcher follows.  So the lines the next two blocks will
 * sample are fetched while this one is judged (a third of the time of a
 * 10 MiB random encode's judging; a prefetch past the end is harmless). */
static void prefetch_next(const uint8_t *p, size_t n)
{
    size_t step = (n - 16) / 3;
    for (size_t ahead = n; ahead <= 2 * n; ahead += n)
        for (int r = 0; r < 4; r++)
            __builtin_prefetch(p + ahead + (size_t)r * step);
}

int prts__looks_random(const uint8_t *p, size_t n)
{
    if (n < SAMPLE)
        return 0; /* too little to judge; deflating it costs next to nothing */
    prefetch_next(p, n);
    int distinct = distinct64(p, n);
    if (distinct >= 52 || distinct <= 44)
        return distinct >= 52;
    pthread_once(&clogc_once, clogc_build);
    uint16_t hist[256] = {0};
    size_t step = (n - SAMPLE_RUN) / (SAMPLE_RUNS - 1);
    for (int r = 0; r < SAMPLE_RUNS; r++) {
        const uint8_t *s = p + (size_t)r * step;
        for (int i = 0; i < SAMPLE_RUN; i++)
            hist[s[i]]++;
    }
    /* H = log2(N) - sum(c log2 c) / N, N = 256: H > 6.7 <=> sum < 1.3 * 256 */
    float sum = 0;
    for (int b = 0; b < 256; b++)
        sum += clogc[hist[b]];
    return sum < 1.3f * SAMPLE;
}
