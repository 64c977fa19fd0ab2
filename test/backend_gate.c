/* backend_gate.c: runs a test program under a backend, or skips it.
 *
 * Usage: backend_gate PROGRAM [ARGS...]
 *
 * The per-backend copies of the unit suite (test/meson.build) set
 * PIXELRTS_BACKEND=<name> and, for the simd variants, PIXELRTS_SIMD_MAX=<cap>.
 * Whether a backend can run is a run-time fact (no OpenCL platform, a CPU
 * without AVX2, ...), so this gate asks the library first:
 *  - PIXELRTS_BACKEND names a backend that prts_backend_probe() rejects
 *    (unknown to this build, or unavailable here): print why, exit 77, which
 *    meson counts as "skipped";
 *  - PIXELRTS_BACKEND=simd with PIXELRTS_SIMD_MAX=sse4.1|avx2|avx512: the
 *    variant the simd backend runs (prts_backend_describe) must be exactly
 *    that one, else the CPU lacks it and the copy would only repeat another
 *    one: skip as well;
 * otherwise exec PROGRAM with the same environment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pixelrts/pixelrts.h"

#define SKIP 77

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PROGRAM [ARGS...]\n", argv[0]);
        return 2;
    }
    const char *name = getenv("PIXELRTS_BACKEND");
    if (name && *name && strcmp(name, "auto") != 0) {
        char why[256] = "";
        if (prts_backend_probe(name, why, sizeof why) != PRTS_OK) {
            printf("SKIP: backend '%s' cannot run here: %s\n", name, why);
            return SKIP;
        }
        char what[256] = "";
        prts_backend_describe(name, what, sizeof what);
        const char *cap = getenv("PIXELRTS_SIMD_MAX");
        if (strcmp(name, "simd") == 0 && cap && *cap && strcmp(cap, "none") != 0) {
            static const struct {
                const char *cap, *variant;
            } caps[] = {{"sse4.1", "SSE4.1"}, {"avx2", "AVX2"}, {"avx512", "AVX-512"}};
            const char *want = NULL;
            for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
                if (strcmp(cap, caps[i].cap) == 0)
                    want = caps[i].variant;
            if (!want) {
                fprintf(stderr, "backend_gate: unknown PIXELRTS_SIMD_MAX=%s\n", cap);
                return 2;
            }
            if (strcasecmp(what, want) != 0) {
                printf("SKIP: PIXELRTS_SIMD_MAX=%s, but simd runs %s here (the CPU or OS "
                       "lacks %s)\n",
                       cap, what, want);
                return SKIP;
            }
        }
        printf("backend_gate: PIXELRTS_BACKEND=%s (%s)%s%s\n", name, what,
               getenv("PIXELRTS_SIMD_MAX") ? ", PIXELRTS_SIMD_MAX=" : "",
               getenv("PIXELRTS_SIMD_MAX") ? getenv("PIXELRTS_SIMD_MAX") : "");
        fflush(stdout);
    }
    execv(argv[1], argv + 1);
    fprintf(stderr, "backend_gate: cannot run %s: %s\n", argv[1], strerror(errno));
    return 2;
}
