/* common/buffer.h: a growable byte buffer. */
#ifndef PRTS__BUFFER_H
#define PRTS__BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

/* A growable output buffer. */
typedef struct prts__buf {
    uint8_t *data;
    size_t len, cap;
    const prts_allocator *alloc; /* set before the first reserve (NULL = malloc) */
} prts__buf;

/* Room for `cap` bytes in all (len unchanged); PRTS_E_NOMEM when out of memory. */
int prts__buf_reserve(prts__buf *b, size_t cap, prts__err *e);
/* Release the bytes; the buffer is left empty, its allocator kept. */
void prts__buf_free(prts__buf *b);

#endif
