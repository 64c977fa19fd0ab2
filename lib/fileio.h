/* fileio.h: mapped inputs, all-or-nothing outputs, page-cache hygiene. */
#ifndef PRTS__FILEIO_H
#define PRTS__FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* A whole input file in memory (base is NULL for 0 bytes): small files are
 * read into a buffer (cheaper than a mapping, and immune to the file being
 * truncated meanwhile), larger ones are mapped read-only. */
typedef struct prts__map {
    const uint8_t *base;
    uint64_t len;
    int mapped;       /* base is a file mapping (its pages may be released) */
    int fd;           /* the file, kept open while mapped (else -1) */
    int64_t mtime_ns; /* when it was opened, to notice changes */
    const prts_allocator *alloc; /* a file read (not mapped) is held in memory from here */
} prts__map;

/* Files up to this size are read, not mapped. */
#define PRTS__READ_LIMIT (16u << 20)

/* Open `path`.  PRTS_E_FILE_NOT_FOUND if it does not exist;
 * PRTS_E_UNSUPPORTED if it is not a regular file (pipes are read through the
 * push API); PRTS_E_CHANGED if it changes size while being read. */
int prts__map_input(const char *path, prts__map *m, const prts_allocator *a, prts__err *e);
/* PRTS_E_CHANGED if the file's size or modification time differ from when
 * it was opened (a mapped file was being written to meanwhile). */
int prts__map_check_unchanged(const char *path, const prts__map *m, prts__err *e);
void prts__unmap(prts__map *m);

/* Drop the page-table entries of [base, base+len) so that a long pass over
 * a mapped file does not keep it all resident (the data stays in the page
 * cache, and dirty shared pages are still written back). */
void prts__release_pages(const void *base, uint64_t len);

/* Bytes of mapped data a pass may touch before it releases its pages. */
#define PRTS__RELEASE_EVERY (8u << 20)

/* An output that appears complete or not at all: written under a temporary
 * name in the same directory, renamed over `path` on commit. */
typedef struct prts__outfile {
    char *path;
    char *tmp;
    int fd;
    uint8_t *buf; /* write buffer for the prts_write_fn adapter */
    size_t used;
    int failed_errno;
    const prts_allocator *alloc;
} prts__outfile;

int prts__out_open(prts__outfile *o, const prts_allocator *a, const char *path, prts__err *e);
/* prts_write_fn over an outfile (buffered). */
int prts__out_write(void *outfile, const void *data, size_t len);
int prts__out_commit(prts__outfile *o, prts__err *e);
/* Overwrite bytes already written at `offset` (same length). */
int prts__out_patch(prts__outfile *o, uint64_t offset, const void *data, size_t len,
                    prts__err *e);
/* Close and delete the temporary file; safe to call after commit (no-op). */
void prts__out_abort(prts__outfile *o);

/* write() all of it, retrying on EINTR and short writes; 0 or -1 (errno). */
int prts__write_all(int fd, const void *data, size_t len);

/* Create an unlinked temporary file (O_TMPFILE, else mkstemp+unlink) in
 * $TMPDIR or /tmp; -1 with errno on failure. */
int prts__temp_fd(void);

#endif
