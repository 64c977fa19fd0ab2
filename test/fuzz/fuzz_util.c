/* fuzz_util.c: helpers shared by the fuzz targets (see fuzz.h). */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fuzz_violation(const char *what, const char *file, int line)
{
    fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
    abort();
}

static char *tmpdir;

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *ent;
    while (d && (ent = readdir(d))) {
        if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) {
            char *p = fuzz_path(ent->d_name);
            unlink(p);
            free(p);
        }
    }
    if (d)
        closedir(d);
    rmdir(tmpdir);
    free(tmpdir);
    tmpdir = NULL;
}

const char *fuzz_tmpdir(void)
{
    if (tmpdir)
        return tmpdir;
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/prts-fuzz-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    tmpdir = strdup(tmpl);
    atexit(remove_tmpdir);
    return tmpdir;
}

char *fuzz_path(const char *name)
{
    const char *dir = fuzz_tmpdir();
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void fuzz_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const uint8_t *p = data;
    FUZZ_CHECK(fd >= 0);
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        FUZZ_CHECK(n > 0);
        p += n;
        len -= (size_t)n;
    }
    close(fd);
}

int fuzz_tmpdir_count(void)
{
    DIR *d = opendir(fuzz_tmpdir());
    struct dirent *ent;
    int n = 0;
    FUZZ_CHECK(d != NULL);
    while ((ent = readdir(d)))
        n += strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..");
    closedir(d);
    return n;
}

uint64_t fuzz_rand(fuzz_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

size_t fuzz_range(fuzz_rng *r, size_t lo, size_t hi)
{
    return hi <= lo ? lo : lo + (size_t)(fuzz_rand(r) % (uint64_t)(hi - lo + 1));
}

int fuzz_buf_write(void *user, const void *buf, size_t len)
{
    fuzz_buf *b = user;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, buf, len);
    b->len += len;
    return 0;
}

void fuzz_buf_free(fuzz_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

ptrdiff_t fuzz_read(void *user, void *buf, size_t cap)
{
    fuzz_reader *r = user;
    size_t left = r->len - r->pos;
    size_t n = fuzz_range(&r->rng, 1, r->max_read ? r->max_read : 1);
    if (n > cap)
        n = cap;
    if (n > left)
        n = left;
    if (n)
        memcpy(buf, r->data + r->pos, n);
    r->pos += n;
    return (ptrdiff_t)n;
}
