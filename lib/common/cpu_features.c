/* common/cpu_features.c: CPUID/XGETBV feature detection, initialised once with
 * pthread_once; how many CPUs there are to use. */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* XCR0: which register states the OS saves on context switch.  A CPU that
 * has AVX is useless for it if the OS does not save the YMM/ZMM halves. */
static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static unsigned detect(void)
{
    unsigned a, b, c, d, f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (c & bit_SSE4_1)
        f |= PRTS__CPU_SSE41;
    int osxsave = (c & bit_OSXSAVE) != 0, avx = (c & bit_AVX) != 0;
    if (!osxsave || !avx || !__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return f;
    uint64_t xcr0 = read_xcr0();
    int ymm = (xcr0 & 0x6) == 0x6;      /* SSE + AVX state */
    int zmm = (xcr0 & 0xe6) == 0xe6;    /* + opmask, ZMM_Hi256, Hi16_ZMM */
    if (ymm && (b & bit_AVX2))
        f |= PRTS__CPU_AVX2;
    if (zmm && (b & bit_AVX512F) && (b & bit_AVX512BW) && (b & bit_AVX512VL))
        f |= PRTS__CPU_AVX512;
    return f;
}
#elif defined(__aarch64__)
static unsigned detect(void)
{
    return PRTS__CPU_NEON; /* Advanced SIMD is mandatory in ARMv8-A */
}
#else
static unsigned detect(void)
{
    return 0;
}
#endif

static unsigned features;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
    unsigned f = detect();
    const char *cap = getenv("PIXELRTS_SIMD_MAX");
    if (cap && strcmp(cap, "sse4.1") == 0)
        f &= PRTS__CPU_SSE41;
    else if (cap && strcmp(cap, "avx2") == 0)
        f &= PRTS__CPU_SSE41 | PRTS__CPU_AVX2;
    else if (cap && strcmp(cap, "none") == 0)
        f = 0;
    features = f;
}

unsigned prts__cpu_features(void)
{
    pthread_once(&once, init);
    return features;
}

int prts__online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)(n < INT_MAX ? n : INT_MAX) : 1;
}

int prts__pool_threads(int threads_opt)
{
    int n = threads_opt > 0 ? threads_opt : prts__online_cpus();
    return n > 64 ? 64 : n;
}
