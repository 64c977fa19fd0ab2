/* common/stage.h: a byte buffer in RAM up to a budget, else in an unlinked temp file.
 *
 * The Hilbert layout means no PNG row can be written before most of the
 * payload is known, and no payload byte can be handed out in order before
 * most rows are decoded (docs/architecture.md §2): streams stage their data here. */
#ifndef PRTS__STAGE_H
#define PRTS__STAGE_H

#include <stdint.h>

#include "common/common.h"

typedef struct prts__stage {
    uint8_t *base;   /* valid after prts__stage_map() or a fixed-size alloc */
    uint64_t len;    /* bytes held */
    uint64_t cap;    /* RAM capacity (RAM mode) */
    uint64_t budget; /* RAM limit before spilling */
    int fd;          /* temp file, -1 while in RAM */
    int mapped;      /* base is an mmap of fd */
    const prts_allocator *alloc; /* the owning handle's (NULL = malloc) */
} prts__stage;

void prts__stage_init(prts__stage *s, uint64_t budget, const prts_allocator *alloc);
/* Append bytes (growing stage). */
int prts__stage_append(prts__stage *s, const void *data, uint64_t len, prts__err *e);
/* Make base/len readable after the appends. */
int prts__stage_map(prts__stage *s, prts__err *e);
/* Fixed-size, zero-filled, writable stage of `len` bytes. */
int prts__stage_alloc(prts__stage *s, uint64_t len, prts__err *e);
/* Whether base is a file mapping whose pages should be released now and then. */
static inline int prts__stage_is_file(const prts__stage *s) { return s->fd >= 0; }
void prts__stage_free(prts__stage *s);

#endif
