/* common/alloc.c: the per-handle allocator (see common/alloc.h). */
#include "common/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *std_alloc(void *opaque, size_t n)
{
    (void)opaque;
    return malloc(n ? n : 1);
}

static void std_free(void *opaque, void *p)
{
    (void)opaque;
    free(p);
}

static const prts_allocator std_allocator = {std_alloc, std_free, NULL};

prts_allocator prts__alloc_resolve(const prts_allocator *user)
{
    if (user && user->alloc && user->free)
        return *user;
    return std_allocator;
}

static const prts_allocator *or_std(const prts_allocator *a)
{
    return a ? a : &std_allocator;
}

void *prts__alloc(const prts_allocator *a, size_t n)
{
    a = or_std(a);
    return a->alloc(a->opaque, n ? n : 1); /* never ask for 0: NULL must mean failure */
}

void *prts__calloc(const prts_allocator *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = prts__alloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *prts__realloc(const prts_allocator *a, void *p, size_t old, size_t n)
{
    a = or_std(a);
    if (a->alloc == std_alloc)
        return realloc(p, n ? n : 1);
    void *q = a->alloc(a->opaque, n ? n : 1);
    if (!q)
        return NULL; /* p stays valid, as with realloc */
    if (p) {
        memcpy(q, p, old < n ? old : n);
        a->free(a->opaque, p);
    }
    return q;
}

void prts__free(const prts_allocator *a, void *p)
{
    if (p) {
        a = or_std(a);
        a->free(a->opaque, p);
    }
}

char *prts__strdup(const prts_allocator *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = prts__alloc(a, n);
    if (c)
        memcpy(c, s, n);
    return c;
}

void *prts__zalloc(void *opaque, unsigned items, unsigned size)
{
    return prts__calloc(opaque, items, size);
}

void prts__zfree(void *opaque, void *p)
{
    prts__free(opaque, p);
}

/* Memory the library hands back (its JSON texts) is released with free(). */
void prts_free(void *ptr)
{
    free(ptr);
}
