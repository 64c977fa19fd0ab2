/* common/fileio.h: mapped inputs, all-or-nothing outputs, page-cache hygiene. */
#ifndef PRTS__FILEIO_H
#define PRTS__FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/common.h"

/* A whole input file in memory (base is NULL for 0 bytes): small files are
 * read into a buffer (cheaper than a mapping, and immune to the file being
 * truncated meanwhile), larger ones are mapped read-only. */
typedef struct prts__map {
    const uint8_t *base;
    uint64_t len;
    int mapped;       /* base is a file mapping (its pages may be released) */
    int fd;           /* the file, kept open while mapped (else -1) */
    int64_t mtime_ns; /* when it was opened, to notice changes */
    struct stat st;   /* its status when opened (mode, identity) */
    const prts_allocator *alloc; /* a file read (not mapped) is held in memory from here */
} prts__map;

/* Decoded outputs up to this size are written through a mapping of the whole
 * file (decoder.c), bigger ones through a mirror (layout/mirror.h), whose
 * hash thread overlaps the SHA-256 with the decode (a 10 MiB extract --verify:
 * a fifth faster). */
#define PRTS__MAP_OUTPUT_MAX (4u << 20)
/* Inputs up to this size are read into memory; bigger ones are mapped, as
 * reading costs a copy and fresh pages to fault and zero (a tenth of a
 * 10 MiB encode). */
#define PRTS__MAP_INPUT_FROM (1u << 20)

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

/* The one loop over a buffer that may be a file mapping (hashing it,
 * compressing it): `fn` gets it in slices of PRTS__RELEASE_EVERY bytes
 * (`last` on the final one; an empty buffer is one empty slice, its `data`
 * possibly NULL), and when `mapped` each slice's pages are released once
 * `fn` had it, so that the pass does not keep the file resident.  Stops at
 * fn's first failure and returns it. */
typedef int (*prts__slice_fn)(void *user, const uint8_t *data, size_t len, int last,
                              prts__err *e);
int prts__for_slices(const uint8_t *data, uint64_t len, int mapped, prts__slice_fn fn,
                     void *user, prts__err *e);

/* Open `path` for reading: without blocking (a FIFO never hangs the
 * caller), and only if it is a regular file; *st receives its status.
 * PRTS_E_FILE_NOT_FOUND, PRTS_E_UNSUPPORTED (not a regular file: pipes are
 * read through the streaming API) or PRTS_E_IO; returns the descriptor via *fd. */
int prts__open_input(const char *path, int *fd, struct stat *st, prts__err *e);

/* An output that appears complete or not at all.  A regular file (or a new
 * name) is written as an unnamed temporary file in the output's folder
 * (O_TMPFILE; a hidden named one where the file system lacks it), so that a
 * process killed meanwhile leaves nothing behind, and is linked and renamed
 * over `path` only on commit; until then the existing `path` is untouched.
 * A device or FIFO at `path` is written in place ("direct"), as cp does:
 * it can be neither replaced nor rolled back. */
typedef struct prts__outfile {
    char *path;
    char *dir;    /* path's folder with its trailing '/', or "" */
    char *tmp;    /* the temporary's name once it has one (else NULL) */
    char *name;   /* room for that name */
    int fd;
    int direct;   /* a device or FIFO written in place */
    int unnamed;  /* fd is an O_TMPFILE, given a name at commit */
    int existed;  /* path existed when opened (to be exchanged with) */
    int regular_only; /* PRTS__OUT_REGULAR: anything but a regular file at path is refused */
    int unlooked; /* path not looked at when opened (a regular-only output):
                   * at commit, if the name is taken */
    int has_input; /* the input's identity, refused at path */
    dev_t input_dev;
    ino_t input_ino;
    uint8_t *buf; /* write buffer for the prts_write_fn adapter */
    size_t used;
    int failed_errno;
    const prts_allocator *alloc;
} prts__outfile;

/* Flags of prts__out_open. */
enum {
    PRTS__OUT_REGULAR = 1, /* refuse a device or FIFO at path (sidecars) */
};

/* Open an output.  `mode` holds the permission bits asked for (the process
 * umask applies, as for open(2)); `input`, when not NULL, is the status of
 * the file being read, refused as the output (the same file under this or
 * another name, which the output would destroy).  A directory at `path` is
 * refused, and a socket.  PRTS_E_OUTPUT names the reason. */
int prts__out_open(prts__outfile *o, const prts_allocator *a, const char *path, unsigned mode,
                   const struct stat *input, int flags, prts__err *e);
/* prts_write_fn over an outfile (buffered). */
int prts__out_write(void *outfile, const void *data, size_t len);
/* Overwrite bytes already written at `offset` (same length) of an outfile;
 * not on a direct output. */
int prts__out_patch(void *outfile, uint64_t offset, const void *data, size_t len, prts__err *e);
/* Put `n` outputs in place together, and move the files named in `drop`
 * (stale sidecars) out of the way: all of it, or, on any failure, none of
 * it: each output that replaced a file is exchanged back with it
 * (renameat2 RENAME_EXCHANGE; on a file system without it the renames are
 * plain and cannot be undone once made, so they come last of all the work).
 * Outputs are placed in array order: put the main file last.  Every
 * outfile is closed and released either way. */
int prts__out_commit_all(prts__outfile *const *outs, size_t n, const char *const *drop,
                         size_t ndrop, prts__err *e);
/* One output: prts__out_commit_all(&o, 1, NULL, 0, e). */
int prts__out_commit(prts__outfile *o, prts__err *e);
/* Close and delete the temporary file; safe to call after commit (no-op). */
void prts__out_abort(prts__outfile *o);

/* Read the first `len` bytes of `fd` (pread, from offset 0) in pieces,
 * handing each to `fn`; stops at fn's first failure. */
typedef int (*prts__piece_fn)(void *user, const uint8_t *data, size_t len, prts__err *e);
int prts__read_pieces(const prts_allocator *a, int fd, uint64_t len, prts__piece_fn fn,
                      void *user, prts__err *e);
/* Copy the first `len` bytes of `from` to `to`. */
int prts__copy_fd(const prts_allocator *a, int from, uint64_t len, int to, prts__err *e);

/* Give the file `fd` the length `len` (it may have it already) with its
 * space reserved (fallocate), so that writes through a mapping of it cannot
 * meet a full disk (which would be a SIGBUS, not an error); where the file
 * system cannot reserve, the file is only sized (ftruncate).  0, or -1
 * (errno: ENOSPC, EFBIG, ...). */
int prts__size_output(int fd, uint64_t len);

/* write() all of it, retrying on EINTR and short writes; 0 or -1 (errno). */
int prts__write_all(int fd, const void *data, size_t len);

/* Create an unlinked temporary file (O_TMPFILE, else mkstemp+unlink) in
 * $TMPDIR or /tmp; -1 with errno on failure. */
int prts__temp_fd(void);

#endif
