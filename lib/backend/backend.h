/* backend/backend.h: the pixel-transform backends and their vtable (docs/architecture.md §4).
 *
 * A backend moves a band of strips (each strip = tile-side rows) between
 * payload order and PNG row order.  The core plans the band (which
 * contiguous payload span and which orientation each tile has); the backend
 * does the byte moving.  Every backend must give exactly the bytes the
 * scalar backend gives. */
#ifndef PRTS__BACKEND_H
#define PRTS__BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"
#include "layout/hilbert.h"

typedef struct prts__band {
    const prts__layout *lay;
    const prts__tile *tiles; /* nstrips * lay->tiles entries, strip by strip, left to right */
    uint32_t first_strip;
    uint32_t nstrips;
    uint8_t *rows;           /* nstrips * lay->tile rows of 4*grid bytes */
    size_t stride;           /* bytes from one row to the next */
    uint64_t len;            /* payload bytes held by the pixels */
    /* Code mode (encode only): colour each data pixel as
     * (code_r[b0], b1, b2, code_a[b0]); NULL for standard mode. */
    const uint8_t *code_r, *code_a;
} prts__band;

typedef struct prts__backend_ops {
    const char *name;
    int host_cpu;  /* runs on the host CPU (a candidate for `auto`) */
    /* 1 if usable here; else 0 and a reason in `why`. Never crashes or hangs. */
    int (*probe)(char *why, size_t why_len);
    /* Optional per-handle state (devices, buffers); NULL members = none. */
    int (*create)(void **state, prts__err *e);
    void (*destroy)(void *state);
    /* Strips per call that suit this backend for a grid (>= 1). */
    uint32_t (*band_strips)(void *state, const prts__layout *lay);
    /* payload -> rows; pixels past the payload become (0,0,0,0) */
    int (*encode)(void *state, const prts__band *band, const uint8_t *payload, prts__err *e);
    /* rows -> payload; only payload bytes [0, len) are written */
    int (*decode)(void *state, const prts__band *band, uint8_t *payload, prts__err *e);
    /* Optional: what it runs on ("AVX2", a device name), for reports. */
    void (*describe)(char *buf, size_t len);
} prts__backend_ops;

/* A handle's backend: the ops and their per-handle state, and why the last
 * choice asked for was refused ("" when the current choice stands). */
typedef struct prts__backend {
    const prts__backend_ops *ops;
    void *state;
    int lazy_auto; /* "auto" asked for, resolved (measured) at the first transform */
    int refused_code; /* the status of that refusal */
    char refused[PRTS__ERRMSG_MAX];
} prts__backend;

extern const prts__backend_ops prts__backend_scalar;
#ifdef PRTS_HAVE_SIMD
extern const prts__backend_ops prts__backend_simd;
#endif
#ifdef PRTS_HAVE_OPENCL
extern const prts__backend_ops prts__backend_opencl;
/* Device time of the kernels an opencl state ran since the last reset, in
 * seconds; 0 unless PIXELRTS_OPENCL_PROFILE=1 was set before the state was
 * created (bench_opencl). */
double prts__opencl_kernel_seconds(void *state, int reset);
#endif

/* The portable per-band transforms, also the fallback of other backends
 * for partial tiles (those holding the end of the payload). */
void prts__scalar_encode_tile(const prts__band *band, uint32_t strip, uint32_t i,
                              const uint8_t *payload);
void prts__scalar_decode_tile(const prts__band *band, uint32_t strip, uint32_t i,
                              uint8_t *payload);

/* Resolve `name` ("auto" or NULL = best available; else exact) to a backend
 * that can run here, and create its state.  PRTS_E_BACKEND_UNKNOWN (no such
 * name) or PRTS_E_BACKEND_UNAVAILABLE (it cannot run here) with the reason
 * otherwise. */
int prts__backend_open(const char *name, prts__backend *out, prts__err *e);
void prts__backend_close(prts__backend *b);
/* PRTS_OK if `name` names a backend that can run here (nothing is created). */
int prts__backend_validate(const char *name, prts__err *e);

/* A handle's choice of backend.  There is never a silent fallback: when
 * `name` cannot run, *cur keeps its previous backend but remembers the
 * refusal, so that prts__backend_check() fails until a later switch
 * succeeds or the handle is reset (prts__backend_forgive). */
int prts__backend_switch(prts__backend *cur, const char *name, prts__err *e);
/* PRTS_OK if the handle may transform with its backend, else the status of
 * its refusal (PRTS_E_BACKEND_UNKNOWN or _UNAVAILABLE).
 * "auto" is resolved here, at the first transform: measuring the backends
 * takes milliseconds that a handle used only for metadata (info) never pays. */
int prts__backend_check(prts__backend *cur, prts__err *e);
/* The backend's name as asked for ("auto" not resolved: a batch hands it on): PRTS_OK,
 * or the status of the refusal of the last choice, its message in *refusal. */
int prts__backend_requested(const prts__backend *cur, const char **name,
                            const char **refusal);
/* The backend's name ("auto" resolved), or NULL. */
const char *prts__backend_name(const prts__backend *cur);
/* Reset: back to the last backend accepted, if there is one. */
void prts__backend_forgive(prts__backend *cur);

/* Best-of-`repeats` transform throughput (payload GB/s) of a backend on
 * `bytes` of incompressible data, in both directions. */
int prts__backend_measure(const prts__backend *b, uint64_t bytes, int repeats, double *encode_gbs,
                          double *decode_gbs, prts__err *e);

/* The initial choice of a new handle: $PIXELRTS_BACKEND if set, else auto.
 * An unusable $PIXELRTS_BACKEND is reported by the first operation. */
const char *prts__backend_default_name(void);

#endif
