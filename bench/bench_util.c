/* bench_util.c: the helpers every benchmark program shares (bench_util.h). */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t bench_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

void bench_fill_random(uint8_t *p, size_t n, uint64_t *s)
{
    for (size_t i = 0; i + 8 <= n; i += 8) {
        *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
        memcpy(p + i, s, 8);
    }
}

void bench_make_input(const char *path, uint64_t size, int disk)
{
    if (bench_file_size(path) == size)
        return;
    FILE *f = fopen(path, "wb");
    uint8_t *buf = malloc(1 << 20);
    if (!f || !buf) {
        perror(path);
        exit(1);
    }
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (uint64_t at = 0, k = 0; at < size; at += 1 << 20, k++) {
        if (disk && (k & 1))
            memset(buf, 0, 1 << 20);
        else
            bench_fill_random(buf, 1 << 20, &s);
        size_t n = size - at < (1 << 20) ? (size_t)(size - at) : (size_t)1 << 20;
        if (fwrite(buf, 1, n, f) != n) {
            perror(path);
            exit(1);
        }
    }
    free(buf);
    if (fclose(f)) {
        perror(path);
        exit(1);
    }
}
