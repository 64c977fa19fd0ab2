/* common/stage.c: RAM-then-temp-file staging buffer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "common/stage.h"

void prts__stage_init(prts__stage *s, uint64_t budget, const prts_allocator *alloc)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->budget = budget;
    s->alloc = alloc;
}

static int spill(prts__stage *s, prts__err *e)
{
    s->fd = prts__temp_fd();
    if (s->fd < 0)
        return prts__fail(e, PRTS_E_IO, "cannot create a temporary file to stage %llu bytes: %s",
                          (unsigned long long)s->len, strerror(errno));
    if (prts__write_all(s->fd, s->base, s->len) != 0)
        return prts__fail(e, PRTS_E_IO, "cannot write the staging file: %s", strerror(errno));
    prts__free(s->alloc, s->base);
    s->base = NULL;
    s->cap = 0;
    return PRTS_OK;
}

int prts__stage_append(prts__stage *s, const void *data, uint64_t len, prts__err *e)
{
    if (len == 0)
        return PRTS_OK;
    if (s->fd < 0 && s->len + len > s->budget) {
        int rc = spill(s, e);
        if (rc)
            return rc;
    }
    if (s->fd >= 0) {
        if (prts__write_all(s->fd, data, len) != 0)
            return prts__fail(e, PRTS_E_IO, "cannot write the staging file: %s", strerror(errno));
        s->len += len;
        return PRTS_OK;
    }
    if (s->len + len > s->cap) {
        uint64_t cap = s->cap ? s->cap : 65536;
        while (cap < s->len + len)
            cap *= 2;
        if (cap > s->budget)
            cap = s->budget;
        uint8_t *p = prts__realloc(s->alloc, s->base, s->len, cap);
        if (!p)
            return prts__fail(e, PRTS_E_NOMEM, "cannot stage %llu bytes in memory",
                              (unsigned long long)cap);
        s->base = p;
        s->cap = cap;
    }
    memcpy(s->base + s->len, data, len);
    s->len += len;
    return PRTS_OK;
}

static int map_fd(prts__stage *s, int prot, prts__err *e)
{
    if (s->len == 0)
        return PRTS_OK;
    void *p = mmap(NULL, s->len, prot, MAP_SHARED, s->fd, 0);
    if (p == MAP_FAILED)
        return prts__fail(e, PRTS_E_IO, "cannot map the %llu-byte staging file: %s",
                          (unsigned long long)s->len, strerror(errno));
    s->base = p;
    s->mapped = 1;
    return PRTS_OK;
}

int prts__stage_map(prts__stage *s, prts__err *e)
{
    if (s->fd < 0 || s->mapped)
        return PRTS_OK;
    return map_fd(s, PROT_READ, e);
}

int prts__stage_alloc(prts__stage *s, uint64_t len, prts__err *e)
{
    s->len = len;
    if (len <= s->budget) {
        s->base = prts__calloc(s->alloc, 1, len ? len : 1);
        if (!s->base)
            return prts__fail(e, PRTS_E_NOMEM, "cannot allocate %llu bytes",
                              (unsigned long long)len);
        s->cap = len;
        return PRTS_OK;
    }
    s->fd = prts__temp_fd();
    if (s->fd < 0 || ftruncate(s->fd, (off_t)len) != 0)
        return prts__fail(e, PRTS_E_IO, "cannot create a %llu-byte staging file: %s",
                          (unsigned long long)len, strerror(errno));
    return map_fd(s, PROT_READ | PROT_WRITE, e);
}

void prts__stage_free(prts__stage *s)
{
    if (s->mapped)
        munmap(s->base, s->len);
    else
        prts__free(s->alloc, s->base);
    if (s->fd >= 0)
        close(s->fd);
    prts__stage_init(s, s->budget, s->alloc);
}
