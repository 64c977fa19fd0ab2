/* bench_floor.c: whole-process `pixelrts convert` and `pixelrts extract --verify` against
 * the floors of the same bytes: `openssl dgst -sha256 FILE` and `cp FILE` (issue 18).
 *
 *   ninja -C build bench/bench_floor
 *   build/bench/bench_floor [--dir D] [--sizes MiB,MiB,...] [--reps N]
 *                           [--cli PIXELRTS [--cli OTHER ...]]
 *
 * Inputs: random bytes, D/floor-random-SIZEM.bin (default D: /dev/shm when it has
 * room, else $TMPDIR or /tmp; default sizes 10, 17 and 1024 MiB: 17 MiB is the worst
 * case between, a payload just over a power of 4 MiB in a grid three quarters padding),
 * made once and reused.
 * Each command runs as a child process (fork, exec, wait4): wall time, user and
 * system CPU and peak RSS are the child's own.  Every round runs each command once,
 * the CLIs given by --cli alternating (a build before a change and one after, on
 * the same files in the same run); the table shows the median of N rounds (default
 * 3), its ratio to the sha256 floor, and the targets of issue 18: 1 GiB convert and
 * extract --verify at most 1.4x `openssl dgst -sha256`, 10 MiB at most 2.0x, peak
 * RSS at most 64 MiB.  The default --cli is build/examples/pixelrts beside this
 * program.  Nothing is estimated: every number is measured here. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#define MAX_CLIS 4
#define MAX_REPS 15
#define MAX_SIZES 8

typedef struct sample {
    double wall, user, sys, rss_mib;
    int ok;
} sample;

/* Run argv as a child, its standard output to /dev/null. */
static sample run(char *const argv[])
{
    sample s = {0};
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        execvp(argv[0], argv);
        fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
        return s;
    s.wall = bench_now() - t0;
    s.user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    s.sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    s.rss_mib = ru.ru_maxrss / 1024.0;
    s.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!s.ok)
        fprintf(stderr, "failed: %s ...\n", argv[0]);
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median sample (by wall time) of n. */
static sample median(sample *s, int n)
{
    double w[MAX_REPS];
    int k = 0;
    for (int i = 0; i < n; i++)
        if (s[i].ok)
            w[k++] = s[i].wall;
    if (!k)
        return (sample){0};
    qsort(w, (size_t)k, sizeof *w, cmp_double);
    for (int i = 0; i < n; i++)
        if (s[i].ok && s[i].wall == w[k / 2])
            return s[i];
    return (sample){0};
}

enum { OP_SHA, OP_CP, OP_CONVERT, OP_EXTRACT, OP_COUNT };

static void row(const char *what, const char *who, sample m, double floor, double target,
                int reps)
{
    if (!m.ok) {
        printf("| %s | %s | failed | | | | | |\n", what, who);
        return;
    }
    double ratio = floor > 0 ? m.wall / floor : 0;
    printf("| %s | %s | %.0f | %.2fx%s | %.0f | %.0f | %.1f%s | %d |\n", what, who,
           m.wall * 1e3, ratio, target > 0 ? (ratio <= target ? " (ok)" : " (over)") : "",
           m.user * 1e3, m.sys * 1e3, m.rss_mib,
           target > 0 ? (m.rss_mib <= 64 ? " (ok)" : " (over)") : "", reps);
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *clis[MAX_CLIS];
    int nclis = 0, reps = 3, nsizes = 0;
    uint64_t sizes[MAX_SIZES];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
            reps = reps < 1 ? 1 : reps > MAX_REPS ? MAX_REPS : reps;
        } else if (!strcmp(argv[i], "--cli") && i + 1 < argc && nclis < MAX_CLIS) {
            clis[nclis++] = argv[++i];
        } else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            char *p = argv[++i];
            while (*p && nsizes < MAX_SIZES) {
                sizes[nsizes++] = strtoull(p, &p, 10);
                if (*p == ',')
                    p++;
            }
        } else {
            fprintf(stderr, "usage: %s [--dir D] [--sizes MiB,...] [--reps N] "
                            "[--cli PIXELRTS ...]\n", argv[0]);
            return 2;
        }
    }
    if (!nsizes)
        sizes[nsizes++] = 10, sizes[nsizes++] = 17, sizes[nsizes++] = 1024;
    uint64_t biggest = 0;
    for (int i = 0; i < nsizes; i++)
        biggest = sizes[i] > biggest ? sizes[i] : biggest;
    struct statvfs vfs;
    if (!dir) /* the input, a PNG, a copy, an output: 4x the biggest, plus room */
        dir = statvfs("/dev/shm", &vfs) == 0 &&
                      (uint64_t)vfs.f_bavail * vfs.f_frsize > (biggest << 20) * 5
                  ? "/dev/shm"
                  : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    static char self_cli[4096];
    if (!nclis) {
        char exe[4000];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        snprintf(self_cli, sizeof self_cli, "%s/../examples/pixelrts", exe);
        clis[nclis++] = self_cli;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("# bench_floor: %ld CPUs, files in %s, median of %d rounds\n\n", cpus, dir, reps);
    for (int c = 0; c < nclis; c++)
        printf("- cli %c: %s\n", 'A' + c, clis[c]);
    for (int z = 0; z < nsizes; z++) {
        uint64_t mib = sizes[z];
        char in[4096], png[4096], out[4096], copy[4096], side[4200];
        snprintf(in, sizeof in, "%s/floor-random-%lluM.bin", dir, (unsigned long long)mib);
        snprintf(png, sizeof png, "%s/floor-%lluM.rts.png", dir, (unsigned long long)mib);
        snprintf(out, sizeof out, "%s/floor-%lluM.out", dir, (unsigned long long)mib);
        snprintf(copy, sizeof copy, "%s/floor-%lluM.cp", dir, (unsigned long long)mib);
        snprintf(side, sizeof side, "%s.meta.json", png);
        bench_make_input(in, mib << 20, 0);
        static sample s[MAX_CLIS][OP_COUNT][MAX_REPS];
        for (int r = 0; r < reps; r++) {
            char *sha[] = {"openssl", "dgst", "-sha256", in, NULL};
            char *cp[] = {"cp", in, copy, NULL};
            s[0][OP_SHA][r] = run(sha);
            s[0][OP_CP][r] = run(cp);
            unlink(copy);
            for (int c = 0; c < nclis; c++) {
                char *conv[] = {(char *)clis[c], "convert", in, png, NULL};
                char *ext[] = {(char *)clis[c], "extract", png, "-o", out, "--verify", NULL};
                s[c][OP_CONVERT][r] = run(conv);
                s[c][OP_EXTRACT][r] = run(ext);
                if (r == 0 && bench_file_size(out) != (mib << 20))
                    fprintf(stderr, "cli %c: extract wrote %llu bytes, not %llu\n", 'A' + c,
                            (unsigned long long)bench_file_size(out),
                            (unsigned long long)(mib << 20));
                unlink(out);
            }
        }
        sample sha = median(s[0][OP_SHA], reps), cp = median(s[0][OP_CP], reps);
        double target = mib >= 1024 ? 1.4 : 2.0;
        printf("\n### %llu MiB of random bytes (targets: %.1fx sha256, 64 MiB RSS)\n\n",
               (unsigned long long)mib, target);
        printf("| command | cli | wall (ms) | / sha256 | user (ms) | sys (ms) | peak RSS (MiB) "
               "| rounds |\n|---|---|---|---|---|---|---|---|\n");
        row("openssl dgst -sha256", "", sha, sha.wall, 0, reps);
        row("cp", "", cp, sha.wall, 0, reps);
        for (int c = 0; c < nclis; c++) {
            char who[8];
            snprintf(who, sizeof who, "%c", 'A' + c);
            row("pixelrts convert", who, median(s[c][OP_CONVERT], reps), sha.wall, target, reps);
        }
        for (int c = 0; c < nclis; c++) {
            char who[8];
            snprintf(who, sizeof who, "%c", 'A' + c);
            row("pixelrts extract --verify", who, median(s[c][OP_EXTRACT], reps), sha.wall,
                target, reps);
        }
        unlink(png);
        unlink(side);
    }
    return 0;
}
