/* png/spng_alloc.h: libspng's allocations through a handle's prts_allocator.
 *
 * Each reader owns an arena; pass &prts__spng_alloc to spng_ctx_new2 and call
 * prts__spng_use(arena) on the thread before every libspng call (its
 * allocator has no context pointer). */
#ifndef PRTS__SPNG_ALLOC_H
#define PRTS__SPNG_ALLOC_H

#include "common/alloc.h"

typedef struct prts__spng_arena {
    const prts_allocator *alloc;
    void *blocks;    /* every block libspng holds, linked */
    int failed;      /* an allocation ever failed: drop with prts__spng_release */
    int failed_now;  /* one failed since the last prts__spng_use: the error is NOMEM */
} prts__spng_arena;
struct spng_alloc;
extern struct spng_alloc prts__spng_alloc;
void prts__spng_use(prts__spng_arena *arena);
/* Free every block still held (instead of spng_ctx_free after a failure). */
void prts__spng_release(prts__spng_arena *arena);

#endif
