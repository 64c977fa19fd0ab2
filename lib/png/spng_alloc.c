/* png/spng_alloc.c: libspng's allocations through the reader's prts_allocator.
 *
 * libspng's struct spng_alloc has malloc/realloc/calloc/free and no context
 * pointer, so the arena to allocate from travels in a thread-local that
 * png/read.c sets before each libspng call (prts__spng_use).  Each block
 * carries a header naming its arena and size and linking it into the
 * arena's list: realloc and free need no thread-local, realloc is built on
 * alloc + copy + free, and the arena can free everything libspng holds.
 *
 * That last part is needed: libspng 0.7.3 counts a text chunk before it
 * grows its text list, so when that realloc fails spng_ctx_free() frees
 * pointers read past the end of the list.  After any failed allocation the
 * reader therefore drops the context by freeing the arena's blocks
 * (prts__spng_release) instead of calling spng_ctx_free(); libspng holds no
 * other resource (its input is our callback). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <spng.h>

#include "png/spng_alloc.h"

typedef union block_head {
    struct {
        prts__spng_arena *arena;
        size_t size;
        union block_head *prev, *next;
    } h;
    max_align_t align; /* what follows stays aligned for any type */
} block_head;

static _Thread_local prts__spng_arena *current;

void prts__spng_use(prts__spng_arena *arena)
{
    current = arena;
    arena->failed_now = 0;
}

static void *fail(prts__spng_arena *a)
{
    if (a) {
        a->failed = 1;
        a->failed_now = 1;
    }
    return NULL;
}

static void link_block(prts__spng_arena *a, block_head *b)
{
    b->h.arena = a;
    b->h.prev = NULL;
    b->h.next = a->blocks;
    if (a->blocks)
        ((block_head *)a->blocks)->h.prev = b;
    a->blocks = b;
}

static void unlink_block(block_head *b)
{
    prts__spng_arena *a = b->h.arena;
    if (b->h.prev)
        b->h.prev->h.next = b->h.next;
    else
        a->blocks = b->h.next;
    if (b->h.next)
        b->h.next->h.prev = b->h.prev;
}

static void *spng_malloc(size_t n)
{
    prts__spng_arena *a = current;
    if (!a || n > SIZE_MAX - sizeof(block_head))
        return fail(a);
    block_head *b = prts__alloc(a->alloc, sizeof *b + n);
    if (!b)
        return fail(a);
    b->h.size = n;
    link_block(a, b);
    return b + 1;
}

static void spng_free(void *p)
{
    if (p) {
        block_head *b = (block_head *)p - 1;
        const prts_allocator *alloc = b->h.arena->alloc;
        unlink_block(b);
        prts__free(alloc, b);
    }
}

static void *spng_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return fail(current);
    void *p = spng_malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

static void *spng_realloc(void *p, size_t n)
{
    if (!p)
        return spng_malloc(n);
    block_head *b = (block_head *)p - 1;
    prts__spng_arena *a = b->h.arena;
    if (n > SIZE_MAX - sizeof(block_head))
        return fail(a);
    block_head *q = prts__alloc(a->alloc, sizeof *q + n);
    if (!q)
        return fail(a); /* p stays valid */
    memcpy(q + 1, p, b->h.size < n ? b->h.size : n);
    q->h.size = n;
    unlink_block(b);
    prts__free(a->alloc, b);
    link_block(a, q);
    return q + 1;
}

struct spng_alloc prts__spng_alloc = {spng_malloc, spng_realloc, spng_calloc, spng_free};

void prts__spng_release(prts__spng_arena *a)
{
    while (a->blocks) {
        block_head *b = a->blocks;
        a->blocks = b->h.next;
        prts__free(a->alloc, b);
    }
}
