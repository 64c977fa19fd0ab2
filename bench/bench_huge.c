/* bench_huge.c: big files, file to file, against zlib alone (issue 3).
 *
 *   ninja -C build bench/bench_huge
 *   build/bench/bench_huge [--dir D] [--size MiB] [--kernel FILE] [--huge]
 *
 * Inputs (in D, default $TMPDIR or /tmp, created once and reused):
 *   random.bin   SIZE MiB (default 1024) of random bytes
 *   disk.bin     SIZE MiB "disk image": 1 MiB runs, zeros and random alternating
 *   kernel file  --kernel, else the largest of a few big system binaries
 * For each: encode (presets fast, default, small, and --level 1) and decode
 * file to file through the library, time, output size and peak RSS (each
 * operation runs in a forked child: its own maxrss); then the same bytes
 * through zlib alone on one thread: deflate L1 and L6 in 64 MiB pieces,
 * inflate of the L1 stream; and a 1 MiB range from the middle.  --huge also
 * encodes a 16 GiB sparse file of zeros (grid 65536) and times `info` on it.
 * Every number is measured here, on this machine; nothing is estimated. */
#include <fcntl.h>
#include <pixelrts/pixelrts.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "bench_util.h"

/* One operation in a child: seconds, and the child's peak RSS (MiB). */
typedef int (*op_fn)(void *arg);

static int run_child(op_fn fn, void *arg, double *secs, double *rss_mib)
{
    int pipefd[2];
    if (pipe(pipefd))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        double t0 = bench_now();
        int rc = fn(arg);
        double t = bench_now() - t0;
        if (write(pipefd[1], &t, sizeof t) != sizeof t)
            _exit(3);
        _exit(rc ? 1 : 0);
    }
    close(pipefd[1]);
    double t = 0;
    ssize_t got = read(pipefd[0], &t, sizeof t);
    close(pipefd[0]);
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    *secs = t;
    *rss_mib = ru.ru_maxrss / 1024.0;
    return got == sizeof t && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

typedef struct job {
    const char *in, *out;
    int preset;  /* 0 = explicit level */
    int level;
    uint64_t off; size_t len;
} job;

static int do_encode(void *arg)
{
    job *j = arg;
    prts_encoder *enc = prts_encoder_new();
    if (j->preset)
        prts_encoder_set_preset(enc, (prts_preset)j->preset);
    else
        prts_encoder_set_option(enc, PRTS_OPT_PNG_LEVEL, j->level);
    int rc = prts_encoder_encode_file(enc, j->in, j->out);
    if (rc)
        fprintf(stderr, "encode: %s\n", prts_encoder_last_error(enc));
    prts_encoder_free(enc);
    return rc;
}

static int do_decode(void *arg)
{
    job *j = arg;
    prts_decoder *dec = prts_decoder_new();
    int rc = prts_decoder_decode_file(dec, j->in, j->out);
    if (rc)
        fprintf(stderr, "decode: %s\n", prts_decoder_last_error(dec));
    prts_decoder_free(dec);
    return rc;
}

static int do_range(void *arg)
{
    job *j = arg;
    prts_decoder *dec = prts_decoder_new();
    uint8_t *buf = malloc(j->len);
    int rc = prts_decoder_decode_range(dec, j->in, j->off, buf, j->len);
    if (rc)
        fprintf(stderr, "range: %s\n", prts_decoder_last_error(dec));
    free(buf);
    prts_decoder_free(dec);
    return rc;
}

static int do_info(void *arg)
{
    job *j = arg;
    prts_decoder *dec = prts_decoder_new();
    int rc = prts_decoder_read_info(dec, j->in);
    prts_decoder_free(dec);
    return rc;
}

/* zlib alone over the mapped file, one thread: deflate at `level` (returns
 * output bytes), writing the stream to `out` when non-NULL. */
static uint64_t zlib_deflate(const uint8_t *d, uint64_t n, int level, FILE *out, double *secs)
{
    z_stream z = {0};
    deflateInit(&z, level);
    uint8_t *buf = malloc(1 << 20);
    uint64_t total = 0;
    double t0 = bench_now();
    const uint64_t piece = 64u << 20;
    for (uint64_t at = 0; at < n || at == 0; at += piece) {
        uint64_t take = n - at < piece ? n - at : piece;
        z.next_in = (Bytef *)d + at;
        z.avail_in = (uInt)take;
        int flush = at + take >= n ? Z_FINISH : Z_NO_FLUSH;
        int zrc;
        do {
            z.next_out = buf;
            z.avail_out = 1 << 20;
            zrc = deflate(&z, flush);
            total += (1 << 20) - z.avail_out;
            if (out)
                fwrite(buf, 1, (1 << 20) - z.avail_out, out);
        } while (z.avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
        if (at + take >= n)
            break;
    }
    *secs = bench_now() - t0;
    deflateEnd(&z);
    free(buf);
    return total;
}

static double zlib_inflate(const char *path, double *secs)
{
    uint64_t n = bench_file_size(path);
    int fd = open(path, O_RDONLY);
    const uint8_t *d = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
    z_stream z = {0};
    inflateInit(&z);
    uint8_t *buf = malloc(1 << 20);
    uint64_t total = 0;
    double t0 = bench_now();
    z.next_in = (Bytef *)d;
    uint64_t left = n;
    int zrc = Z_OK;
    while (zrc != Z_STREAM_END) {
        if (z.avail_in == 0) {
            uInt take = left > (1u << 30) ? (1u << 30) : (uInt)left;
            z.avail_in = take;
            left -= take;
        }
        z.next_out = buf;
        z.avail_out = 1 << 20;
        zrc = inflate(&z, Z_NO_FLUSH);
        total += (1 << 20) - z.avail_out;
        if (zrc != Z_OK && zrc != Z_STREAM_END)
            break;
    }
    *secs = bench_now() - t0;
    inflateEnd(&z);
    free(buf);
    munmap((void *)d, n);
    close(fd);
    return (double)total;
}

static double mbs(uint64_t bytes, double secs)
{
    return secs > 0 ? bytes / secs / 1e6 : 0;
}

static const char *pick_kernel(void)
{
    static const char *const cands[] = {"/boot/vmlinuz", "/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1",
                                        "/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1", "/usr/bin/bash"};
    for (size_t i = 0; i < sizeof cands / sizeof *cands; i++)
        if (bench_file_size(cands[i]))
            return cands[i];
    return "/bin/sh";
}

static void bench_input(const char *label, const char *in, const char *dir, int with_range)
{
    uint64_t n = bench_file_size(in);
    char png[4096], out[4096];
    snprintf(png, sizeof png, "%s/bench.rts.png", dir);
    snprintf(out, sizeof out, "%s/bench.out", dir);
    printf("\n### %s: %s, %.1f MiB\n\n", label, in, n / 1048576.0);
    printf("| operation | time (s) | MB/s | output (bytes) | output / input | peak RSS (MiB) |\n");
    printf("|---|---|---|---|---|---|\n");
    static const struct { const char *name; int preset, level; } modes[] = {
        {"encode --preset fast", PRTS_PRESET_FAST, 0},
        {"encode --preset default", PRTS_PRESET_DEFAULT, 0},
        {"encode --preset small", PRTS_PRESET_SMALL, 0},
        {"encode --level 1", 0, 1},
    };
    double t, rss, enc_default = 0, enc_l1 = 0, dec_default = 0;
    uint64_t size_default = 0;
    for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
        job j = {.in = in, .out = png, .preset = modes[m].preset, .level = modes[m].level};
        if (run_child(do_encode, &j, &t, &rss)) {
            printf("| %s | failed | | | | |\n", modes[m].name);
            continue;
        }
        uint64_t sz = bench_file_size(png);
        printf("| %s | %.3f | %.0f | %llu | %.5f | %.1f |\n", modes[m].name, t, mbs(n, t),
               (unsigned long long)sz, (double)sz / n, rss);
        if (modes[m].preset == PRTS_PRESET_DEFAULT)
            enc_default = mbs(n, t), size_default = sz;
        if (!modes[m].preset)
            enc_l1 = mbs(n, t);
        job d = {.in = png, .out = out};
        if (run_child(do_decode, &d, &t, &rss) == 0) {
            printf("| decode of that | %.3f | %.0f | | | %.1f |\n", t, mbs(n, t), rss);
            if (modes[m].preset == PRTS_PRESET_DEFAULT)
                dec_default = mbs(n, t);
        }
        if (modes[m].preset == PRTS_PRESET_DEFAULT && with_range) {
            double best = 1e9;
            job r = {.in = png, .off = n / 2, .len = 1 << 20};
            for (int k = 0; k < 5; k++)
                if (run_child(do_range, &r, &t, &rss) == 0 && t < best)
                    best = t;
            printf("| 1 MiB range from the middle (best of 5) | %.4f | | | | %.1f |\n", best, rss);
        }
        unlink(out);
    }
    /* zlib alone */
    int fd = open(in, O_RDONLY);
    const uint8_t *d = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
    char zpath[4096];
    snprintf(zpath, sizeof zpath, "%s/bench.zlib", dir);
    FILE *zf = fopen(zpath, "wb");
    double t1, t6, ti;
    uint64_t z1 = zlib_deflate(d, n, 1, zf, &t1);
    fclose(zf);
    uint64_t z6 = zlib_deflate(d, n, 6, NULL, &t6);
    zlib_inflate(zpath, &ti);
    unlink(zpath);
    munmap((void *)d, n);
    close(fd);
    printf("| zlib alone: deflate L1 | %.3f | %.0f | %llu | %.5f | |\n", t1, mbs(n, t1),
           (unsigned long long)z1, (double)z1 / n);
    printf("| zlib alone: deflate L6 | %.3f | %.0f | %llu | %.5f | |\n", t6, mbs(n, t6),
           (unsigned long long)z6, (double)z6 / n);
    printf("| zlib alone: inflate (of L1) | %.3f | %.0f | | | |\n", ti, mbs(n, ti));
    printf("\nratios: default encode / zlib L6 = %.1fx; --level 1 encode / zlib L1 = %.2fx; "
           "default decode / inflate alone = %.2fx; default size / zlib L6 size = %.3f\n",
           enc_default / mbs(n, t6), enc_l1 / mbs(n, t1), dec_default / mbs(n, ti),
           (double)size_default / z6);
    unlink(png);
    char side[4200];
    snprintf(side, sizeof side, "%s.meta.json", png);
    unlink(side);
}

int main(int argc, char **argv)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", *kernel = NULL;
    uint64_t mib = 1024;
    int huge = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--size") && i + 1 < argc)
            mib = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--kernel") && i + 1 < argc)
            kernel = argv[++i];
        else if (!strcmp(argv[i], "--huge"))
            huge = 1;
        else {
            fprintf(stderr, "usage: %s [--dir D] [--size MiB] [--kernel FILE] [--huge]\n", argv[0]);
            return 2;
        }
    }
    char rnd[4096], disk[4096];
    snprintf(rnd, sizeof rnd, "%s/bench-random-%lluM.bin", dir, (unsigned long long)mib);
    snprintf(disk, sizeof disk, "%s/bench-disk-%lluM.bin", dir, (unsigned long long)mib);
    bench_make_input(rnd, mib << 20, 0);
    bench_make_input(disk, mib << 20, 1);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("# bench_huge: libpixelrts %s, %ld CPUs\n", prts_version_string(), cpus);
    bench_input("random", rnd, dir, 1);
    bench_input("disk image (1 MiB runs: zeros / random)", disk, dir, 0);
    bench_input("kernel-sized binary", kernel ? kernel : pick_kernel(), dir, 0);
    if (huge) {
        char big[4096], png[4096], out[4096];
        snprintf(big, sizeof big, "%s/bench-sparse-16G.bin", dir);
        snprintf(png, sizeof png, "%s/bench-16G.rts.png", dir);
        snprintf(out, sizeof out, "%s/bench-16G.out", dir);
        int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || ftruncate(fd, 16ll << 30))
            return 1;
        close(fd);
        double t, rss;
        printf("\n### 16 GiB sparse file of zeros (grid 65536)\n\n| operation | time (s) | MB/s | "
               "output (bytes) | peak RSS (MiB) |\n|---|---|---|---|---|\n");
        job j = {.in = big, .out = png, .preset = PRTS_PRESET_DEFAULT};
        if (run_child(do_encode, &j, &t, &rss) == 0)
            printf("| encode --preset default | %.2f | %.0f | %llu | %.1f |\n", t,
                   mbs(16ull << 30, t), (unsigned long long)bench_file_size(png), rss);
        job i = {.in = png};
        double best = 1e9;
        for (int k = 0; k < 5; k++)
            if (run_child(do_info, &i, &t, &rss) == 0 && t < best)
                best = t;
        printf("| info (best of 5) | %.4f | | | %.1f |\n", best, rss);
        job r = {.in = png, .off = (8ull << 30) + 12345, .len = 1 << 20};
        if (run_child(do_range, &r, &t, &rss) == 0)
            printf("| 1 MiB range at 8 GiB | %.4f | | | %.1f |\n", t, rss);
        job d = {.in = png, .out = out};
        if (run_child(do_decode, &d, &t, &rss) == 0)
            printf("| decode (writes 16 GiB) | %.2f | %.0f | %llu | %.1f |\n", t,
                   mbs(16ull << 30, t), (unsigned long long)bench_file_size(out), rss);
        unlink(out);
        unlink(big);
        unlink(png);
        char side[4200];
        snprintf(side, sizeof side, "%s.meta.json", png);
        unlink(side);
    }
    return 0;
}
