/* layout/mirror.c: band-by-band pread of a payload into a sparse mirror (layout/mirror.h). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "layout/hilbert.h"
#include "layout/mirror.h"

int prts__mirror_open(prts__mirror *m, int fd, uint64_t len, uint32_t grid, prts__err *e)
{
    memset(m, 0, sizeof *m);
    m->fd = fd;
    m->len = len;
    m->grid = grid;
    m->side = grid < PRTS__MIRROR_ROWS ? grid : PRTS__MIRROR_ROWS;
    void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return prts__fail(e, PRTS_E_NOMEM, "cannot reserve %llu bytes of address space: %s",
                          (unsigned long long)len, strerror(errno));
    m->base = p;
    return PRTS_OK;
}

/* pread all of [at, at + n) into the mirror. */
static int read_run(prts__mirror *m, uint64_t at, uint64_t n, prts__err *e)
{
    while (n) {
        ssize_t got = pread(m->fd, m->base + at, n, (off_t)at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return got < 0 ? prts__fail(e, PRTS_E_IO, "read failed at byte %llu: %s",
                                        (unsigned long long)at, strerror(errno))
                           : prts__fail(e, PRTS_E_CHANGED, "the input became shorter while it "
                                        "was read (%llu bytes expected)",
                                        (unsigned long long)m->len);
        at += (uint64_t)got;
        n -= (uint64_t)got;
    }
    return PRTS_OK;
}

/* pwrite all of [at, at + n) from the mirror. */
static int write_run(prts__mirror *m, uint64_t at, uint64_t n, prts__err *e)
{
    while (n) {
        ssize_t put = pwrite(m->fd, m->base + at, n, (off_t)at);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return prts__fail(e, PRTS_E_IO, "write failed at byte %llu: %s",
                              (unsigned long long)at, strerror(put < 0 ? errno : EIO));
        at += (uint64_t)put;
        n -= (uint64_t)put;
    }
    return PRTS_OK;
}

/* Each square of band `b` that holds payload: its byte run [from, to). */
static int each_square(prts__mirror *m, uint32_t b, int (*fn)(prts__mirror *, uint64_t, uint64_t,
                                                             prts__err *), prts__err *e)
{
    uint64_t area = (uint64_t)m->side * m->side; /* pixels per square */
    uint32_t y = b * m->side;
    for (uint32_t x = 0; x < m->grid; x += m->side) {
        uint64_t d0 = prts__xy2d(m->grid, x, y) & ~(area - 1);
        uint64_t from = d0 * 4, to = (d0 + area) * 4;
        if (from >= m->len)
            continue; /* padding */
        int rc = fn(m, from, (to > m->len ? m->len : to) - from, e);
        if (rc)
            return rc;
    }
    return PRTS_OK;
}

int prts__mirror_flush(prts__mirror *m, uint32_t row_end, prts__err *e)
{
    int flushed = 0;
    while ((uint64_t)(m->next + 1) * m->side <= row_end && m->next * m->side < m->grid) {
        int rc = each_square(m, m->next, write_run, e);
        if (rc)
            return rc;
        m->next++;
        flushed = 1;
    }
    if (flushed) /* everything written so far is on its way to the file */
        madvise(m->base, m->len ? m->len : 1, MADV_DONTNEED);
    return PRTS_OK;
}

int prts__mirror_need(prts__mirror *m, uint32_t row_end, prts__err *e)
{
    while ((uint64_t)m->next * m->side < row_end && m->next * m->side < m->grid) {
        int rc = each_square(m, m->next, read_run, e);
        if (rc)
            return rc;
        m->next++;
    }
    return PRTS_OK;
}

void prts__mirror_done(prts__mirror *m, uint32_t row)
{
    uint32_t band = row / m->side;
    if (band > m->released && band >= m->next) {
        /* every band read so far is done: drop them all in one call (the
         * kernel skips the unpopulated page tables quickly) */
        madvise(m->base, m->len ? m->len : 1, MADV_DONTNEED);
        m->released = band;
    }
}

void prts__mirror_close(prts__mirror *m)
{
    if (m->base)
        munmap(m->base, m->len ? m->len : 1);
    memset(m, 0, sizeof *m);
    m->fd = -1;
}
