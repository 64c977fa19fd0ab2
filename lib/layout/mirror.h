/* layout/mirror.h: the payload of a file, read band by band into a sparse copy.
 *
 * A strip of rows takes its pixels from payload bytes spread over the whole
 * file (one 1 KiB run per 16x16 tile).  Reading them through a mapping of
 * the file made the kernel map whole page-cache folios around each run
 * (tens of KiB to MiB): 40-200 MB of RSS for big grids.  Instead, a virtual
 * (MAP_NORESERVE) anonymous mirror as long as the payload gets, before each
 * band of 64 rows, exactly the bytes those rows need: one aligned 64x64
 * square of the curve is one contiguous 16 KiB run, at the same offset in
 * the file as in the mirror.  Encoding, the mirror is the file mapped in
 * place, and before each band exactly those runs are populated
 * (MADV_POPULATE_READ: no fault-around, no copy, no fresh pages to zero);
 * where the file system cannot map it, they are read with pread.  The
 * backends see an ordinary payload pointer; memory in use is one band's
 * payload (16 MiB at grid 65536), released after the band.  Decoding, the
 * mirror is the output file mapped in place as well (prts__mirror_in_place),
 * each band's squares populated for writing; where that cannot be, they are
 * backed by one window of pages reused from band to band and written out
 * with pwrite.  Either way the mirror can report the prefix of the payload
 * already whole in the file (prts__mirror_track), so its hash is taken
 * beside the decode. */
#ifndef PRTS__MIRROR_H
#define PRTS__MIRROR_H

#include <stdint.h>

#include "common/alloc.h"
#include "common/common.h"

/* Rows per band of the mirror (the side of the squares read). */
#define PRTS__MIRROR_ROWS 64u

typedef struct prts__mirror {
    int fd;
    uint8_t *base;       /* the mirror: payload byte k at base[k] */
    uint64_t len;
    uint32_t grid;
    uint32_t side;       /* min(grid, PRTS__MIRROR_ROWS) */
    uint32_t next;       /* first band (of `side` rows) not read yet */
    uint32_t released;   /* bands below this were released */
    /* Decoding, when tracked (prts__mirror_track): which squares (in curve
     * order) were written to the file, and how long a prefix of the payload
     * is complete there. */
    uint8_t *written;    /* one bit per square, or NULL */
    uint64_t squares;    /* bits in `written` */
    uint64_t first_gap;  /* first square not written */
    uint64_t complete;   /* payload bytes [0, complete) are all in the file */
    const prts_allocator *alloc; /* of `written` */
    /* Decoding: a window of reusable pages (a memfd) mapped over the squares of
     * the bands being decoded, instead of fresh anonymous pages each band
     * (allocating, zeroing and freeing 1 GiB of pages cost more than the
     * transform).  -1: not tried yet; -2: none (fresh pages, or the file in
     * place). */
    int wfd;
    /* 1 when the mirror is the file itself, mapped over the reservation:
     * encoding, read in place (no copy, no fresh pages); decoding
     * (prts__mirror_in_place), written in place (no window, no pwrite).
     * 0 where it is not (encoding: pread fills fresh pages), -1 not tried. */
    int in_place;
    int populate; /* the madvise that populates a run in place */
    uint64_t wused, wsize; /* window bytes mapped now, its size */
    uint64_t pend_at, pend; /* a run of the mirror still to be mapped */
    uint32_t mapped_to;  /* first band not mapped yet */
    void (*on_complete)(void *user, uint64_t complete); /* after a flush that tracked */
    void *on_complete_user;
} prts__mirror;

/* A mirror of the `len` payload bytes of `fd` laid out on a `grid` image. */
int prts__mirror_open(prts__mirror *m, int fd, uint64_t len, uint32_t grid, prts__err *e);
/* Make the payload of rows [0, row_end) readable (reads what is missing). */
int prts__mirror_need(prts__mirror *m, uint32_t row_end, prts__err *e);
/* Rows below `row` will not be needed again: give back their memory. */
void prts__mirror_done(prts__mirror *m, uint32_t row);

/* Decoding into the file `fd` (sized): decode into the file's own pages.
 * Each band's squares are populated for writing before the band is decoded
 * (MADV_POPULATE_WRITE), which takes the pages from the file system there
 * and then: a full file system is an error from that call, never a SIGBUS
 * from a write through the mapping.  Without MADV_POPULATE_WRITE, or where
 * the file cannot be mapped, the mirror stays as it was (a window, then
 * pwrite). */
int prts__mirror_in_place(prts__mirror *m, prts__err *e);
/* Decoding: make the payload of rows [0, row_end) writable before the band is
 * decoded into it (in place: populates the file's pages there; else maps
 * window pages over its squares). */
int prts__mirror_prepare(prts__mirror *m, uint32_t row_end, prts__err *e);
/* The other direction (decoding into the file `fd`): the payload of rows
 * [0, row_end) is complete in the mirror: pwrite it to the file and give
 * back its memory. */
int prts__mirror_flush(prts__mirror *m, uint32_t row_end, prts__err *e);
/* Keep m->complete up to date as bands are flushed: the payload's prefix
 * that is whole in the file (its hash can be taken in payload order while
 * the rest is decoded).  Costs one bit per 64x64 square (128 KiB at grid
 * 65536). */
int prts__mirror_track(prts__mirror *m, const prts_allocator *a, prts__err *e);
void prts__mirror_close(prts__mirror *m);

#endif
