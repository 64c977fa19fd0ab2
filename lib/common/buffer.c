/* common/buffer.c: a growable byte buffer (see common/buffer.h). */
#include <string.h>

#include "common/alloc.h"
#include "common/buffer.h"

int prts__buf_reserve(prts__buf *b, size_t cap, prts__err *e)
{
    if (cap <= b->cap)
        return PRTS_OK;
    uint8_t *p = prts__realloc(b->alloc, b->data, b->len, cap);
    if (!p)
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate a %zu-byte output buffer", cap);
    b->data = p;
    b->cap = cap;
    return PRTS_OK;
}

void prts__buf_free(prts__buf *b)
{
    const prts_allocator *a = b->alloc;
    prts__free(a, b->data);
    memset(b, 0, sizeof *b);
    b->alloc = a;
}
