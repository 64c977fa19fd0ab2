/* backend/bands.c: every band of an image through a backend, in order
 * (backend/bands.h). */
#include "backend/bands.h"
#include "common/fileio.h"

int prts__bands_run(const prts_allocator *a, const prts__backend *b, uint32_t g,
                   const prts__bands_io *io, prts__err *e)
{
    prts__pass pass;
    int rc = prts__pass_init(&pass, a, b, g, io->len, io->code, e);
    if (rc)
        return rc;
    prts__mirror *m = io->mirror;
    const uint8_t *src = m ? m->base : io->src;
    uint8_t *dest = m ? m->base : io->dest;
    uint64_t touched = 0;
    for (uint32_t s = 0; rc == PRTS_OK && s < pass.lay.strips; s += pass.band.nstrips) {
        uint32_t rows = prts__pass_plan(&pass, s), row_end = s * pass.lay.tile + rows;
        if (io->decode) {
            if ((rc = io->rows(io->rows_user, pass.band.rows, pass.band.stride, rows, e)) ||
                (m && (rc = prts__mirror_prepare(m, row_end, e))) ||
                (dest && (rc = prts__pass_decode(&pass, dest, e))) ||
                (m && (rc = prts__mirror_flush(m, row_end, e))))
                break;
        } else {
            if ((m && (rc = prts__mirror_need(m, row_end, e))) ||
                (rc = prts__pass_encode(&pass, src, e)) ||
                (rc = io->rows(io->rows_user, pass.band.rows, pass.band.stride, rows, e)))
                break;
            if (m)
                prts__mirror_done(m, row_end);
        }
        /* a mirror gives its bands back itself; a mapping is released every
         * few MiB of pages the bands touched (the tiles' spans are scattered) */
        if (!m && io->mapped && (touched += prts__pass_pages_touched(&pass)) >= PRTS__RELEASE_EVERY) {
            prts__release_pages(io->decode ? dest : src, io->len);
            touched = 0;
        }
        uint64_t done = io->len * (s + pass.band.nstrips) / pass.lay.strips;
        if (io->progress && io->progress(io->progress_user, done, io->len) != 0)
            rc = prts__fail(e, PRTS_E_CANCELLED, "cancelled by the progress callback");
    }
    prts__pass_free(&pass);
    return rc;
}
