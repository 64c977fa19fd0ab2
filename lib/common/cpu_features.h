/* common/cpu_features.h: x86-64 SIMD detection (CPUID + the OS's register state), done
 * once; the CPU count thread pools size themselves by. */
#ifndef PRTS__CPU_FEATURES_H
#define PRTS__CPU_FEATURES_H

enum {
    PRTS__CPU_SSE41 = 1 << 0,
    PRTS__CPU_AVX2 = 1 << 1,
    PRTS__CPU_AVX512 = 1 << 2, /* F + BW + VL, with ZMM state enabled by the OS */
    PRTS__CPU_NEON = 1 << 3,   /* AArch64 Advanced SIMD (part of every ARMv8-A CPU) */
};

/* Usable features, detected once per process (thread-safe).  The
 * environment variable PIXELRTS_SIMD_MAX=sse4.1|avx2|avx512|none caps them
 * (on AArch64, `none` turns NEON off),
 * and the simd backend then runs the widest variant left instead of
 * measuring which is fastest, so tests can run every variant on one machine. */
unsigned prts__cpu_features(void);

/* Online CPUs, at least 1. */
int prts__online_cpus(void);
/* Threads for a handle's deflate / inflate pool from PRTS_OPT_THREADS
 * (0 = one per online CPU), at most 64 (the option's bound). */
int prts__pool_threads(int threads_opt);

#endif
