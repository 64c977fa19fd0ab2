/* backend/pass.h: one pass over an image in bands of strips, driving a backend. */
#ifndef PRTS__TRANSFORM_H
#define PRTS__TRANSFORM_H

#include "backend/backend.h"
#include "layout/hilbert.h"
#include "layout/mirror.h"

typedef struct prts__pass {
    prts__layout lay;
    prts__band band;          /* the current band; rows and tiles owned here */
    const prts__backend *backend;
    uint32_t band_strips;     /* strips per band */
    uint8_t code_r[256], code_a[256];
    const prts_allocator *alloc; /* the band's rows and tiles come from here */
} prts__pass;

/* Prepare a pass over a g x g image holding `len` payload bytes; `code`
 * turns on the code-mode colouring (encode only). */
int prts__pass_init(prts__pass *p, const prts_allocator *a, const prts__backend *b, uint32_t g,
                    uint64_t len, int code, prts__err *e);
/* Plan the band that starts at strip `first`; returns its number of rows. */
uint32_t prts__pass_plan(prts__pass *p, uint32_t first);
int prts__pass_encode(prts__pass *p, const uint8_t *payload, prts__err *e);
int prts__pass_decode(prts__pass *p, uint8_t *payload, prts__err *e);
/* Upper bound of the payload bytes the current band made resident: each
 * tile's span is only 1 KiB, but it maps a whole page of a mapped file. */
uint64_t prts__pass_pages_touched(const prts__pass *p);
void prts__pass_free(prts__pass *p);

/* ---- a whole pass: the band loop both handles run ----------------------- */

/* The rows of a band: handed over (encoding) or to be filled (decoding). */
typedef int (*prts__rows_fn)(void *user, uint8_t *rows, size_t stride, uint32_t n,
                             prts__err *e);

typedef struct prts__pass_io {
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
    int code;                  /* code-mode colouring (encoding) */
    prts__rows_fn rows;        /* encoding: takes each band; decoding: fills it */
    void *rows_user;
    prts_progress_fn progress; /* after each band; non-zero cancels */
    void *progress_user;
} prts__pass_io;

/* Every band of a g x g image, in order, through backend `b`. */
int prts__pass_run(const prts_allocator *a, const prts__backend *b, uint32_t g,
                   const prts__pass_io *io, prts__err *e);

#endif
