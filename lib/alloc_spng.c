/* alloc_spng.c: libspng's allocations through the reader's prts_allocator.
 *
 * libspng's struct spng_alloc has malloc/realloc/calloc/free and no context
 * pointer, so the allocator to use travels in a thread-local that
 * png_read.c sets before each libspng call that may allocate
 * (prts__spng_alloc_use).  Each block carries a header naming the allocator
 * it came from and its size: realloc and free then need no thread-local
 * (a block may be freed on another thread than the one that allocated it),
 * and realloc can be built on alloc + copy + free. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <spng.h>

#include "alloc.h"

typedef union block_head {
    struct {
        const prts_allocator *alloc;
        size_t size;
    } h;
    max_align_t align; /* what follows stays aligned for any type */
} block_head;

static _Thread_local const prts_allocator *current;

void prts__spng_alloc_use(const prts_allocator *a)
{
    current = a;
}

static void *spng_malloc(size_t n)
{
    if (n > SIZE_MAX - sizeof(block_head))
        return NULL;
    block_head *b = prts__alloc(current, sizeof *b + n);
    if (!b)
        return NULL;
    b->h.alloc = current;
    b->h.size = n;
    return b + 1;
}

static void spng_free(void *p)
{
    if (p) {
        block_head *b = (block_head *)p - 1;
        prts__free(b->h.alloc, b);
    }
}

static void *spng_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = spng_malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

static void *spng_realloc(void *p, size_t n)
{
    if (!p)
        return spng_malloc(n);
    if (n > SIZE_MAX - sizeof(block_head))
        return NULL;
    block_head *b = (block_head *)p - 1;
    const prts_allocator *a = b->h.alloc;
    block_head *q = prts__realloc(a, b, sizeof *b + b->h.size, sizeof *b + n);
    if (!q)
        return NULL;
    q->h.size = n;
    return q + 1;
}

struct spng_alloc prts__spng_alloc = {spng_malloc, spng_realloc, spng_calloc, spng_free};
