/* fileio.c: mapped inputs, temporary-then-rename outputs, temp files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <limits.h>

#include "alloc.h"
#include "fileio.h"

#define OUT_BUF_SIZE (1u << 20)

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Read exactly m->len bytes; one more byte available means it grew. */
static int read_whole(int fd, const char *path, prts__map *m, prts__err *e)
{
    uint8_t *buf = prts__alloc(m->alloc, m->len + 1);
    if (!buf)
        return prts__fail(e, PRTS_E_NOMEM, "%s: cannot allocate %llu bytes", path,
                          (unsigned long long)m->len);
    uint64_t got = 0;
    for (;;) {
        ssize_t n = read(fd, buf + got, m->len + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            prts__free(m->alloc, buf);
            return prts__fail(e, PRTS_E_IO, "%s: read failed: %s", path, strerror(err));
        }
        if (n == 0 || (got += (uint64_t)n) > m->len)
            break;
    }
    if (got != m->len) {
        prts__free(m->alloc, buf);
        return prts__fail(e, PRTS_E_CHANGED, "%s: changed size while being read (%llu bytes, "
                          "then %s%llu)", path, (unsigned long long)m->len,
                          got > m->len ? "more than " : "", (unsigned long long)got);
    }
    m->base = buf;
    return PRTS_OK;
}

int prts__map_input(const char *path, prts__map *m, const prts_allocator *a, prts__err *e)
{
    memset(m, 0, sizeof *m);
    m->fd = -1;
    m->alloc = a;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return prts__fail(e, PRTS_E_FILE_NOT_FOUND, "File not found: %s", path);
        return prts__fail(e, PRTS_E_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return prts__fail(e, PRTS_E_UNSUPPORTED, "%s: not a regular file", path);
    }
    m->len = (uint64_t)st.st_size;
    m->mtime_ns = mtime_ns(&st);
    int rc = PRTS_OK;
    if (m->len > 0 && m->len <= PRTS__READ_LIMIT) {
        rc = read_whole(fd, path, m, e);
    } else if (m->len > 0) {
        void *p = mmap(NULL, m->len, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            rc = prts__fail(e, PRTS_E_IO, "%s: cannot map %llu bytes: %s", path,
                            (unsigned long long)m->len, strerror(errno));
        } else {
            madvise(p, m->len, MADV_WILLNEED);
            m->base = p;
            m->mapped = 1;
            m->fd = fd;
        }
    }
    if (m->fd < 0)
        close(fd);
    return rc;
}

int prts__map_check_unchanged(const char *path, const prts__map *m, prts__err *e)
{
    struct stat st;
    if (stat(path, &st) != 0 || (uint64_t)st.st_size != m->len || mtime_ns(&st) != m->mtime_ns)
        return prts__fail(e, PRTS_E_CHANGED, "%s: changed while being read", path);
    return PRTS_OK;
}

void prts__unmap(prts__map *m)
{
    if (m->mapped)
        munmap((void *)m->base, m->len);
    else
        prts__free(m->alloc, (void *)m->base);
    if (m->fd >= 0)
        close(m->fd);
    const prts_allocator *a = m->alloc;
    memset(m, 0, sizeof *m);
    m->fd = -1;
    m->alloc = a;
}

void prts__release_pages(const void *base, uint64_t len)
{
    if (!base || !len)
        return;
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)base & ~(uintptr_t)(page - 1);
    uintptr_t end = (uintptr_t)base + len;
    madvise((void *)start, end - start, MADV_DONTNEED);
}

int prts__write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int prts__temp_fd(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    char tmpl[PATH_MAX]; /* no allocation: stages of every handle come here */
    if ((size_t)snprintf(tmpl, sizeof tmpl, "%s/pixelrts-XXXXXX", dir) >= sizeof tmpl) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(tmpl, O_CLOEXEC);
    if (fd >= 0)
        unlink(tmpl);
    return fd;
}

int prts__out_open(prts__outfile *o, const prts_allocator *a, const char *path, prts__err *e)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->alloc = a;
    size_t n = strlen(path);
    o->path = prts__strdup(a, path);
    o->tmp = prts__alloc(a, n + 16);
    o->buf = prts__alloc(a, OUT_BUF_SIZE);
    if (!o->path || !o->tmp || !o->buf) {
        prts__out_abort(o);
        return prts__fail(e, PRTS_E_NOMEM, "%s: out of memory", path);
    }
    snprintf(o->tmp, n + 16, "%s.tmp.XXXXXX", path);
    o->fd = mkostemp(o->tmp, O_CLOEXEC);
    if (o->fd < 0) {
        int err = errno;
        prts__free(o->alloc, o->tmp);
        o->tmp = NULL; /* nothing to delete */
        prts__out_abort(o);
        return prts__fail(e, PRTS_E_OUTPUT, "%s: cannot create output: %s", path,
                          strerror(err));
    }
    fchmod(o->fd, 0644); /* mkstemp makes 0600; outputs are ordinary shareable files */
    return PRTS_OK;
}

static int out_flush(prts__outfile *o)
{
    if (o->used && prts__write_all(o->fd, o->buf, o->used) != 0) {
        o->failed_errno = errno;
        return -1;
    }
    o->used = 0;
    return 0;
}

int prts__out_write(void *outfile, const void *data, size_t len)
{
    prts__outfile *o = outfile;
    if (o->failed_errno)
        return -1;
    if (o->used + len > OUT_BUF_SIZE && out_flush(o) != 0)
        return -1;
    if (len >= OUT_BUF_SIZE) {
        if (prts__write_all(o->fd, data, len) != 0) {
            o->failed_errno = errno;
            return -1;
        }
        return 0;
    }
    memcpy(o->buf + o->used, data, len);
    o->used += len;
    return 0;
}

int prts__out_patch(prts__outfile *o, uint64_t offset, const void *data, size_t len,
                    prts__err *e)
{
    const uint8_t *p = data;
    if (out_flush(o) != 0)
        return prts__fail(e, PRTS_E_IO, "%s: write failed: %s", o->path, strerror(o->failed_errno));
    while (len) {
        ssize_t n = pwrite(o->fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            o->failed_errno = n < 0 ? errno : EIO;
            return prts__fail(e, PRTS_E_IO, "%s: write failed: %s", o->path,
                              strerror(o->failed_errno));
        }
        p += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return PRTS_OK;
}

int prts__out_commit(prts__outfile *o, prts__err *e)
{
    if (out_flush(o) != 0 || o->failed_errno) {
        int err = o->failed_errno;
        prts__out_abort(o);
        return prts__fail(e, PRTS_E_IO, "%s: write failed: %s", o->path ? o->path : "",
                          strerror(err));
    }
    if (close(o->fd) != 0) {
        o->fd = -1;
        int err = errno;
        prts__out_abort(o);
        return prts__fail(e, PRTS_E_IO, "%s: close failed: %s", o->path, strerror(err));
    }
    o->fd = -1;
    if (rename(o->tmp, o->path) != 0) {
        int err = errno;
        prts__out_abort(o);
        return prts__fail(e, PRTS_E_OUTPUT, "%s: cannot rename into place: %s", o->path,
                          strerror(err));
    }
    prts__free(o->alloc, o->tmp);
    o->tmp = NULL;
    prts__out_abort(o); /* frees the rest */
    return PRTS_OK;
}

void prts__out_abort(prts__outfile *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp)
        unlink(o->tmp);
    prts__free(o->alloc, o->tmp);
    prts__free(o->alloc, o->path);
    prts__free(o->alloc, o->buf);
    o->tmp = o->path = NULL;
    o->buf = NULL;
}
