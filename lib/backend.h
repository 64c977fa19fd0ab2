/* backend.h: the pixel-transform backends and their vtable (design.md §3).
 *
 * A backend moves one strip (tile-side rows) between payload order and PNG
 * row order.  The core plans the strip (which contiguous payload span and
 * which orientation each tile has); the backend does the byte moving. */
#ifndef PRTS__BACKEND_H
#define PRTS__BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "hilbert.h"

typedef struct prts__strip_job {
    const prts__layout *lay;
    const prts__tile *tiles; /* lay->tiles entries, left to right */
    uint8_t *rows;           /* lay->tile rows of 4*grid bytes */
    size_t stride;           /* bytes from one row to the next */
    uint64_t len;            /* payload bytes held by the pixels */
    /* Code mode (encode only): colour each data pixel as
     * (code_r[b0], b1, b2, code_a[b0]); NULL for standard mode. */
    const uint8_t *code_r, *code_a;
} prts__strip_job;

typedef struct prts__backend_ops {
    const char *name;
    /* 1 if usable here; else 0 and a reason in `why`. Never crashes or hangs. */
    int (*probe)(char *why, size_t why_len);
    /* payload -> rows; pixels past the payload become (0,0,0,0) */
    void (*encode_strip)(const prts__strip_job *job, const uint8_t *payload);
    /* rows -> payload; only payload bytes [0, len) are written */
    void (*decode_strip)(const prts__strip_job *job, uint8_t *payload);
} prts__backend_ops;

extern const prts__backend_ops prts__backend_scalar;

/* Resolve `name` ("auto" or NULL = best available; else exact) to a backend
 * that can run here.  PRTS_E_BACKEND with the reason otherwise. */
int prts__backend_select(const char *name, const prts__backend_ops **out, prts__err *e);

/* The initial choice of a new handle: $PIXELRTS_BACKEND if set, else auto.
 * An unusable $PIXELRTS_BACKEND is reported by the first operation. */
const char *prts__backend_default_name(void);

#endif
