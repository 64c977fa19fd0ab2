/* layout/mirror.c: a payload shown band by band in a sparse mirror (layout/mirror.h). */
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
    m->wfd = -1;
    m->in_place = -1;
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

/* Note square run [at, at + n) as written, and advance the complete prefix. */
static void mark_written(prts__mirror *m, uint64_t at, uint64_t n)
{
    uint64_t bytes = (uint64_t)m->side * m->side * 4;
    for (uint64_t q = at / bytes; q * bytes < at + n && q < m->squares; q++)
        m->written[q >> 3] |= (uint8_t)(1u << (q & 7));
    while (m->first_gap < m->squares && (m->written[m->first_gap >> 3] >> (m->first_gap & 7) & 1))
        m->first_gap++;
    uint64_t c = m->first_gap * bytes;
    m->complete = c > m->len ? m->len : c;
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

/* Each square of the bands from *band on that start below row_end, through
 * fn; *band then names the first band not done. */
static int each_band(prts__mirror *m, uint32_t *band, uint32_t row_end,
                     int (*fn)(prts__mirror *, uint64_t, uint64_t, prts__err *), prts__err *e)
{
    for (; (uint64_t)*band * m->side < row_end && *band * m->side < m->grid; (*band)++) {
        int rc = each_square(m, *band, fn, e);
        if (rc)
            return rc;
    }
    return PRTS_OK;
}

static int note_written(prts__mirror *m, uint64_t at, uint64_t n, prts__err *e)
{
    (void)e;
    mark_written(m, at, n);
    return PRTS_OK;
}

static int write_tracked(prts__mirror *m, uint64_t at, uint64_t n, prts__err *e)
{
    int rc = write_run(m, at, n, e);
    if (rc == PRTS_OK)
        mark_written(m, at, n);
    return rc;
}

/* Back to the bare reservation, in one call: drops every page and mapping
 * the mirror holds (and merges the split mappings again). */
static int reset(prts__mirror *m, prts__err *e)
{
    void *p = mmap(m->base, m->len ? m->len : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED)
        return prts__fail(e, PRTS_E_NOMEM, "cannot reset the mirror: %s", strerror(errno));
    return PRTS_OK;
}

int prts__mirror_flush(prts__mirror *m, uint32_t row_end, prts__err *e)
{
    int flushed = 0;
    while ((uint64_t)(m->next + 1) * m->side <= row_end && m->next * m->side < m->grid) {
        int rc = m->in_place == 1 ? (m->written ? each_square(m, m->next, note_written, e) : 0)
                                  : each_square(m, m->next, m->written ? write_tracked : write_run, e);
        if (rc)
            return rc;
        m->next++;
        flushed++;
    }
    if (flushed && m->written && m->on_complete)
        m->on_complete(m->on_complete_user, m->complete);
    if (flushed && m->wfd >= 0 && m->next >= m->mapped_to) {
        /* every square mapped is written: back to the bare reservation (one
         * call), and the window's pages are free for the next bands */
        int rc = reset(m, e);
        if (rc)
            return rc;
        m->wused = 0;
    } else if (flushed && m->wfd < 0) {
        /* everything written so far is in the file, or on its way to it
         * (in place: its page cache keeps the pages, only unmapped) */
        madvise(m->base, m->len ? m->len : 1, MADV_DONTNEED);
    }
    return PRTS_OK;
}

/* Map [pend_at, pend_at + pend) of the mirror: the window's pages from
 * wused on, populated in the call (no fault per page as the backend writes
 * them); or, the mirror being the file in place, the file's pages there are
 * populated (MADV_POPULATE_READ/WRITE, Linux 5.14; on older kernels the
 * backend's accesses fault them in). */
static int map_pending(prts__mirror *m, prts__err *e)
{
    uint64_t size = m->pend;
    if (!size)
        return PRTS_OK;
    m->pend = 0;
    if (m->in_place == 1) {
#ifdef MADV_POPULATE_READ
        int reading = m->populate == MADV_POPULATE_READ;
        if (madvise(m->base + m->pend_at, size, m->populate) != 0 && !(reading && errno == EINVAL)) {
            unsigned long long at = m->pend_at;
            if (!reading) /* the page cache could not take a page: a full file system */
                return prts__fail(e, PRTS_E_IO, "cannot write the output at byte %llu: %s", at,
                                  errno == EFAULT ? "no space left on the file system"
                                                  : strerror(errno));
            return errno == EFAULT ? prts__fail(e, PRTS_E_CHANGED, "the input became shorter "
                                                "while it was read (%llu bytes expected)",
                                                (unsigned long long)m->len)
                                   : prts__fail(e, PRTS_E_IO, "read failed at byte %llu: %s", at,
                                                strerror(errno));
        }
#endif
        return PRTS_OK;
    }
    if (m->wused + size > m->wsize) {
        if (ftruncate(m->wfd, (off_t)(m->wused + size)) != 0)
            return prts__fail(e, PRTS_E_NOMEM, "cannot grow the mirror's window to %llu bytes: "
                              "%s", (unsigned long long)(m->wused + size), strerror(errno));
        m->wsize = m->wused + size;
    }
    void *p = mmap(m->base + m->pend_at, size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED | MAP_POPULATE, m->wfd, (off_t)m->wused);
    if (p == MAP_FAILED)
        return prts__fail(e, PRTS_E_NOMEM, "cannot map the mirror's window: %s", strerror(errno));
    m->wused += size;
    return PRTS_OK;
}

/* [at, at + n) of the mirror gets window pages: runs that follow each other
 * (squares next to each other on the curve) are mapped in one call. */
static int map_run(prts__mirror *m, uint64_t at, uint64_t n, prts__err *e)
{
    uint64_t size = (n + 4095) & ~(uint64_t)4095;
    if (m->pend && m->pend_at + m->pend == at) {
        m->pend += size;
        return PRTS_OK;
    }
    int rc = map_pending(m, e);
    m->pend_at = at;
    m->pend = size;
    return rc;
}

int prts__mirror_in_place(prts__mirror *m, prts__err *e)
{
#ifdef MADV_POPULATE_WRITE
    void *p = mmap(m->base, m->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, m->fd, 0);
    if (p != MAP_FAILED && madvise(m->base, 1, MADV_POPULATE_WRITE) == 0) {
        m->in_place = 1;
        m->wfd = -2; /* no window */
        m->populate = MADV_POPULATE_WRITE;
        return PRTS_OK;
    }
    /* no mapping, or a kernel without MADV_POPULATE_WRITE (5.14): the
     * window; a failed MAP_FIXED may also have left a hole */
    return reset(m, e);
#else
    (void)e;
    return PRTS_OK;
#endif
}

int prts__mirror_prepare(prts__mirror *m, uint32_t row_end, prts__err *e)
{
    if (m->in_place != 1 && m->wfd == -1) { /* first band: the window, if the system has memfds */
#ifdef MFD_CLOEXEC
        m->wfd = memfd_create("pixelrts-mirror", MFD_CLOEXEC);
#endif
        if (m->wfd < 0)
            m->wfd = -2; /* fresh anonymous pages then, faulted in by the decode */
    }
    if (m->wfd < 0 && m->in_place != 1)
        return PRTS_OK;
    int rc = each_band(m, &m->mapped_to, row_end, map_run, e);
    return rc ? rc : map_pending(m, e);
}

int prts__mirror_track(prts__mirror *m, const prts_allocator *a, prts__err *e)
{
    uint64_t per_side = m->grid / m->side, bytes = (uint64_t)m->side * m->side * 4;
    m->squares = per_side * per_side;
    if (m->squares > (m->len + bytes - 1) / bytes)
        m->squares = (m->len + bytes - 1) / bytes; /* past the payload: padding only */
    m->written = prts__calloc(a, (size_t)(m->squares / 8 + 1), 1);
    if (!m->written)
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate %llu bytes to track the output",
                          (unsigned long long)(m->squares / 8 + 1));
    m->alloc = a;
    m->first_gap = 0;
    m->complete = 0;
    return PRTS_OK;
}

/* Encoding: [at, at + n) of the payload, from the file into the mirror. */
static int need_run(prts__mirror *m, uint64_t at, uint64_t n, prts__err *e)
{
    return m->in_place == 1 ? map_run(m, at, n, e) : read_run(m, at, n, e);
}

int prts__mirror_need(prts__mirror *m, uint32_t row_end, prts__err *e)
{
    if (m->in_place == -1) {
        /* encoding: the file itself over the reservation (read-only; bands
         * read through it and drop its pages again); else preads into it */
        void *p = mmap(m->base, m->len, PROT_READ, MAP_SHARED | MAP_FIXED, m->fd, 0);
        m->in_place = p != MAP_FAILED;
#ifdef MADV_POPULATE_READ
        m->populate = MADV_POPULATE_READ;
#endif
        int rc = m->in_place ? PRTS_OK : reset(m, e); /* a failed MAP_FIXED may leave a hole */
        if (rc)
            return rc;
    }
    int rc = each_band(m, &m->next, row_end, need_run, e);
    return rc ? rc : map_pending(m, e);
}

void prts__mirror_done(prts__mirror *m, uint32_t row)
{
    uint32_t band = row / m->side;
    if (band > m->released && band >= m->next) {
        /* every band read so far is done: drop them all in one call (the
         * kernel skips the unpopulated page tables quickly; the file's pages
         * stay in its page cache, only unmapped) */
        madvise(m->base, m->len ? m->len : 1, MADV_DONTNEED);
        m->released = band;
    }
}

void prts__mirror_close(prts__mirror *m)
{
    if (m->base)
        munmap(m->base, m->len ? m->len : 1);
    if (m->written)
        prts__free(m->alloc, m->written);
    if (m->base && m->wfd >= 0) /* a mirror never opened has no window */
        close(m->wfd);
    memset(m, 0, sizeof *m);
    m->fd = -1;
}
