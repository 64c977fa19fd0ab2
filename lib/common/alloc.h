/* common/alloc.h: every allocation a handle makes goes through its prts_allocator.
 *
 * A handle keeps a resolved copy (prts__alloc_resolve: NULL or an incomplete
 * allocator = malloc/free) and hands its address to whatever it creates, so
 * internal code never calls malloc itself.  A NULL `a` below means
 * malloc/free too, for process-wide paths outside any handle (bench, probes). */
#ifndef PRTS__ALLOC_H
#define PRTS__ALLOC_H

#include <stddef.h>

#include "common/common.h"

/* `user`, or malloc/free when it is NULL or lacks either function. */
prts_allocator prts__alloc_resolve(const prts_allocator *user);

void *prts__alloc(const prts_allocator *a, size_t n);
/* Zero-filled; NULL if n * size overflows. */
void *prts__calloc(const prts_allocator *a, size_t n, size_t size);
/* Grow or shrink p (which holds `old` bytes) to n bytes: a caller's allocator
 * has no realloc, so this is alloc + copy + free unless `a` is malloc's. */
void *prts__realloc(const prts_allocator *a, void *p, size_t old, size_t n);
void prts__free(const prts_allocator *a, void *p);
char *prts__strdup(const prts_allocator *a, const char *s);

/* zlib's z_stream hooks: set z.zalloc = prts__zalloc, z.zfree = prts__zfree,
 * z.opaque = (void *)a. */
void *prts__zalloc(void *opaque, unsigned items, unsigned size);
void prts__zfree(void *opaque, void *p);

#endif
