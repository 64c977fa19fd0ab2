/* backend/pass.h: one pass over an image in bands of strips, driving a backend. */
#ifndef PRTS__TRANSFORM_H
#define PRTS__TRANSFORM_H

#include "backend/backend.h"
#include "layout/hilbert.h"

/* The code-mode colour tables (docs/format.md §6): a pixel's R is red[b0], its A
 * alpha[b0].  They are the format's (format/code_mode.h: prts__code_tables):
 * the caller fills them and hands them in. */
typedef struct prts__code_colours {
    uint8_t red[256], alpha[256];
} prts__code_colours;

typedef struct prts__pass {
    prts__layout lay;
    prts__band band;          /* the current band; rows and tiles owned here */
    const prts__backend *backend;
    uint32_t band_strips;     /* strips per band */
    uint8_t code_r[256], code_a[256];
    const prts_allocator *alloc; /* the band's rows and tiles come from here */
} prts__pass;

/* Prepare a pass over a g x g image holding `len` payload bytes; `code`, the
 * colour tables (copied), turns on the code-mode colouring (encode only); NULL
 * for the standard mode. */
int prts__pass_init(prts__pass *p, const prts_allocator *a, const prts__backend *b, uint32_t g,
                    uint64_t len, const prts__code_colours *code, prts__err *e);
/* Plan the band that starts at strip `first`; returns its number of rows. */
uint32_t prts__pass_plan(prts__pass *p, uint32_t first);
int prts__pass_encode(prts__pass *p, const uint8_t *payload, prts__err *e);
int prts__pass_decode(prts__pass *p, uint8_t *payload, prts__err *e);
/* Upper bound of the payload bytes the current band made resident: each
 * tile's span is only 1 KiB, but it maps a whole page of a mapped file. */
uint64_t prts__pass_pages_touched(const prts__pass *p);
void prts__pass_free(prts__pass *p);

#endif
