/* backend/bands.h: the loop over every band of an image, between a payload
 * and rows, that the encoder and the decoder both run (one pass of
 * backend/pass.h from the first strip to the last). */
#ifndef PRTS__BANDS_H
#define PRTS__BANDS_H

#include "backend/pass.h"
#include "layout/mirror.h"

/* The rows of a band: handed over (encoding) or to be filled (decoding). */
typedef int (*prts__rows_fn)(void *user, uint8_t *rows, size_t stride, uint32_t n,
                             prts__err *e);

typedef struct prts__bands_io {
    int decode;                /* rows -> payload; else payload -> rows */
    const uint8_t *src;        /* encoding: the payload (unless `mirror`) */
    uint8_t *dest;             /* decoding: where the payload goes (unless `mirror`);
                                  NULL: the rows are read and checked only */
    uint64_t len;              /* payload bytes */
    int mapped;                /* src / dest is a file mapping: its pages are
                                  released as the pass goes */
    prts__mirror *mirror;      /* or the payload of a file, through a mirror
                                  (layout/mirror.h): read in before each band
                                  (encoding), written out after it (decoding) */
    const prts__code_colours *code; /* code-mode colouring (encoding), or NULL */
    prts__rows_fn rows;        /* encoding: takes each band; decoding: fills it */
    void *rows_user;
    prts_progress_fn progress; /* after each band; non-zero cancels */
    void *progress_user;
} prts__bands_io;

/* Every band of a g x g image, in order, through backend `b`. */
int prts__bands_run(const prts_allocator *a, const prts__backend *b, uint32_t g,
                   const prts__bands_io *io, prts__err *e);

#endif
