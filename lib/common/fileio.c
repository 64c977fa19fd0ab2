/* common/fileio.c: mapped inputs, temporary-then-rename outputs, temp files. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <limits.h>
#include <sys/random.h>
#include <time.h>

#include "common/alloc.h"
#include "common/fileio.h"

#define OUT_BUF_SIZE (1u << 20)
#define OUT_DIRECT (64u << 10) /* written without the buffer from this size on */

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Read exactly m->len bytes; one more byte available means it grew. */
static int read_whole(int fd, const char *path, prts__map *m, prts__err *e)
{
    uint8_t *buf = prts__alloc(m->alloc, m->len + 1);
    if (!buf)
        return prts__fail(e, PRTS_E_NOMEM, "%s: cannot allocate %llu bytes", path,
                          (unsigned long long)m->len);
    uint64_t got = 0;
    for (;;) {
        ssize_t n = read(fd, buf + got, m->len + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            prts__free(m->alloc, buf);
            return prts__fail(e, PRTS_E_IO, "%s: read failed: %s", path, strerror(err));
        }
        /* a short read of a regular file is its end: no call to hear it again */
        uint64_t asked = m->len + 1 - got;
        if (n == 0 || (got += (uint64_t)n) > m->len || (uint64_t)n < asked)
            break;
    }
    if (got != m->len) {
        prts__free(m->alloc, buf);
        return prts__fail(e, PRTS_E_CHANGED, "%s: changed size while being read (%llu bytes, "
                          "then %s%llu)", path, (unsigned long long)m->len,
                          got > m->len ? "more than " : "", (unsigned long long)got);
    }
    m->base = buf;
    return PRTS_OK;
}

int prts__open_input(const char *path, int *fd, struct stat *st, prts__err *e)
{
    /* O_NONBLOCK: opening a FIFO for reading would wait for a writer */
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (*fd < 0) {
        if (errno == ENOENT)
            return prts__fail(e, PRTS_E_FILE_NOT_FOUND, "File not found: %s", path);
        if (errno == ENAMETOOLONG) /* cannot exist (a sidecar's name may be too long) */
            return prts__fail(e, PRTS_E_FILE_NOT_FOUND, "File not found: %s: %s", path,
                              strerror(errno));
        return prts__fail(e, PRTS_E_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    int rc = PRTS_OK;
    if (fstat(*fd, st) != 0)
        rc = prts__fail(e, PRTS_E_IO, "%s: cannot stat: %s", path, strerror(errno));
    else if (!S_ISREG(st->st_mode))
        rc = prts__fail(e, PRTS_E_UNSUPPORTED, "%s: not a regular file (%s)", path,
                        S_ISDIR(st->st_mode) ? "a directory" : S_ISFIFO(st->st_mode) ? "a FIFO"
                        : S_ISSOCK(st->st_mode) ? "a socket" : "a device");
    else if (fcntl(*fd, F_SETFL, 0) != 0) /* back to ordinary blocking reads */
        rc = prts__fail(e, PRTS_E_IO, "%s: fcntl: %s", path, strerror(errno));
    if (rc) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}

int prts__map_input(const char *path, prts__map *m, const prts_allocator *a, prts__err *e)
{
    memset(m, 0, sizeof *m);
    m->fd = -1;
    m->alloc = a;
    int fd;
    int rc = prts__open_input(path, &fd, &m->st, e);
    if (rc)
        return rc;
    m->len = (uint64_t)m->st.st_size;
    m->mtime_ns = mtime_ns(&m->st);
    if (m->len > 0 && m->len < PRTS__MAP_INPUT_FROM) {
        rc = read_whole(fd, path, m, e);
    } else if (m->len > 0) {
        void *p = mmap(NULL, m->len, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            rc = prts__fail(e, PRTS_E_IO, "%s: cannot map %llu bytes: %s", path,
                            (unsigned long long)m->len, strerror(errno));
        } else {
            madvise(p, m->len, MADV_WILLNEED);
            m->base = p;
            m->mapped = 1;
            m->fd = fd;
        }
    }
    if (m->fd < 0)
        close(fd);
    return rc;
}

int prts__map_check_unchanged(const char *path, const prts__map *m, prts__err *e)
{
    struct stat st;
    if (stat(path, &st) != 0 || (uint64_t)st.st_size != m->len || mtime_ns(&st) != m->mtime_ns)
        return prts__fail(e, PRTS_E_CHANGED, "%s: changed while being read", path);
    return PRTS_OK;
}

void prts__unmap(prts__map *m)
{
    if (m->mapped)
        munmap((void *)m->base, m->len);
    else
        prts__free(m->alloc, (void *)m->base);
    if (m->fd >= 0)
        close(m->fd);
    const prts_allocator *a = m->alloc;
    memset(m, 0, sizeof *m);
    m->fd = -1;
    m->alloc = a;
}

void prts__release_pages(const void *base, uint64_t len)
{
    if (!base || !len)
        return;
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)base & ~(uintptr_t)(page - 1);
    uintptr_t end = (uintptr_t)base + len;
    madvise((void *)start, end - start, MADV_DONTNEED);
}

int prts__for_slices(const uint8_t *data, uint64_t len, int mapped, prts__slice_fn fn,
                     void *user, prts__err *e)
{
    for (uint64_t at = 0;; at += PRTS__RELEASE_EVERY) {
        uint64_t n = len - at < PRTS__RELEASE_EVERY ? len - at : PRTS__RELEASE_EVERY;
        const uint8_t *slice = n ? data + at : data; /* data is NULL for an empty buffer */
        int last = at + n == len;
        int rc = fn(user, slice, (size_t)n, last, e);
        if (mapped)
            prts__release_pages(slice, n);
        if (rc || last)
            return rc;
    }
}

int prts__size_output(int fd, uint64_t len)
{
    int rc;
    while ((rc = fallocate(fd, 0, 0, (off_t)len)) != 0 && errno == EINTR)
        ;
    if (rc == 0 || (errno != EOPNOTSUPP && errno != ENOSYS))
        return rc;
    return ftruncate(fd, (off_t)len);
}

int prts__write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int prts__temp_fd(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    char tmpl[PATH_MAX]; /* no allocation: stages of every handle come here */
    if ((size_t)snprintf(tmpl, sizeof tmpl, "%s/pixelrts-XXXXXX", dir) >= sizeof tmpl) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(tmpl, O_CLOEXEC);
    if (fd >= 0)
        unlink(tmpl);
    return fd;
}

/* ------------------------------------------------------------------ */
/* All-or-nothing outputs                                              */

/* This thread's generator of names; 0: not seeded yet.  A forked child goes
 * on with its parent's sequence: a name taken is only tried again with the
 * next (O_EXCL, linkat), so that costs a retry at worst, never a file. */
static _Thread_local uint64_t name_state;

/* splitmix64: the next 64 bits of this thread's generator */
static uint64_t name_bits(void)
{
    uint64_t z = (name_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A fresh hidden name in o->dir, short whatever the output's name (a
 * temporary named after a 250-byte output would exceed NAME_MAX). */
static void temp_name(const char *dir, size_t dir_len, char *name, size_t cap)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz234567";
    uint8_t r[10];
    /* the kernel's random bits once per thread, not once per name: a batch
     * of small files made three getrandom calls a file */
    if (name_state) {
        uint64_t a = name_bits(), b = name_bits();
        memcpy(r, &a, 8);
        memcpy(r + 8, &b, 2);
    } else if (getrandom(r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r) {
        memcpy(&name_state, r, 8);
        name_state |= 1;
    } else {
        /* early boot: the entropy pool; any distinct bits do, O_EXCL decides */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid() ^
                     ((uint64_t)(uintptr_t)name << 20);
        memcpy(r, &x, 8);
        r[8] = r[9] = (uint8_t)ts.tv_sec;
    }
    char tag[sizeof r + 1];
    for (size_t i = 0; i < sizeof r; i++)
        tag[i] = digits[r[i] & 31];
    tag[sizeof r] = '\0';
    snprintf(name, cap, "%.*s.pixelrts-%s.tmp", (int)dir_len, dir, tag);
}

/* Room for temp_name(): the folder plus ".pixelrts-" + 10 + ".tmp". */
#define TEMP_NAME_EXTRA 32

/* Whether linkat(fd, "", ..., AT_EMPTY_PATH) works for this process (it needs
 * CAP_DAC_READ_SEARCH): 1 yes, 0 no, -1 not tried.  Where it does it is the
 * cheaper call: no walk through /proc/self/fd. */
static atomic_int link_by_fd = -1;

/* Give the unnamed temporary `o` the name `name`: 0, or -1 (errno). */
static int link_unnamed(prts__outfile *o, const char *name)
{
    int by_fd = atomic_load_explicit(&link_by_fd, memory_order_relaxed);
    if (by_fd != 0) {
        if (linkat(o->fd, "", AT_FDCWD, name, AT_EMPTY_PATH) == 0) {
            atomic_store_explicit(&link_by_fd, 1, memory_order_relaxed);
            return 0;
        }
        if (errno != EPERM && errno != ENOENT && errno != EINVAL)
            return -1; /* the name's own trouble (EEXIST, ENOSPC, ...) */
        atomic_store_explicit(&link_by_fd, 0, memory_order_relaxed);
    }
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
    return linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW);
}

/* Give the temporary a name in the output's folder: create one (no
 * O_TMPFILE here), or link the unnamed one; retried on a name taken. */
static int name_temp(prts__outfile *o, unsigned mode)
{
    size_t cap = strlen(o->dir) + TEMP_NAME_EXTRA;
    for (int attempt = 0; attempt < 100; attempt++) {
        temp_name(o->dir, strlen(o->dir), o->name, cap);
        int rc;
        if (o->unnamed) {
            rc = link_unnamed(o, o->name);
        } else {
            rc = o->fd = open(o->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        }
        if (rc >= 0) {
            o->tmp = o->name;
            return 0;
        }
        if (errno != EEXIST)
            break;
    }
    return -1;
}

static const char *file_kind(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m) || S_ISBLK(m) ? "a device" : "not a regular file";
}

/* PRTS_E_OUTPUT (in e) if what is at o->path, of status `st`, cannot be the
 * output: the input itself, a directory, a socket, or, for a regular-only
 * output, anything but a regular file.  PRTS_OK: a regular file to replace,
 * or a device or FIFO to write into. */
static int refuse_taken(const prts__outfile *o, const struct stat *st, prts__err *e)
{
    if (o->has_input && st->st_dev == o->input_dev && st->st_ino == o->input_ino)
        return prts__fail(e, PRTS_E_OUTPUT, "%s: is the input file itself (writing it would "
                          "destroy what is being read)", o->path);
    if (S_ISDIR(st->st_mode) || S_ISSOCK(st->st_mode) ||
        (!S_ISREG(st->st_mode) && o->regular_only))
        return prts__fail(e, PRTS_E_OUTPUT, "%s: cannot write to it: it is %s", o->path,
                          file_kind(st->st_mode));
    return PRTS_OK;
}

/* A device or FIFO already at o->path: written in place. */
static int open_direct(prts__outfile *o, prts__err *e)
{
    o->fd = open(o->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (o->fd < 0)
        return prts__fail(e, PRTS_E_OUTPUT, "%s: cannot write to it: %s", o->path,
                          errno == ENXIO ? "it is a socket" : strerror(errno));
    struct stat st;
    if (fstat(o->fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        /* replaced by a regular file since stat(): never write over one in place */
        close(o->fd);
        o->fd = -1;
        return prts__fail(e, PRTS_E_OUTPUT, "%s: changed while being opened", o->path);
    }
    o->direct = 1;
    return PRTS_OK;
}

int prts__out_open(prts__outfile *o, const prts_allocator *a, const char *path, unsigned mode,
                   const struct stat *input, int flags, prts__err *e)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->alloc = a;
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    o->path = prts__strdup(a, path);
    o->dir = prts__alloc(a, dir_len + 1);
    o->name = prts__alloc(a, dir_len + TEMP_NAME_EXTRA); /* now: a commit never allocates */
    o->buf = prts__alloc(a, OUT_BUF_SIZE);
    if (!o->path || !o->dir || !o->name || !o->buf) {
        prts__out_abort(o);
        return prts__fail(e, PRTS_E_NOMEM, "%s: out of memory", path);
    }
    memcpy(o->dir, path, dir_len);
    o->dir[dir_len] = '\0';
    o->regular_only = (flags & PRTS__OUT_REGULAR) != 0;
    if (input) {
        o->has_input = 1;
        o->input_dev = input->st_dev;
        o->input_ino = input->st_ino;
    }

    mode &= 0666;
#ifdef O_TMPFILE
    if (o->regular_only) {
        /* only ever a regular file: what is at path now is looked at when the
         * output is placed (prts__out_commit_all), and only if something is
         * there, instead of a stat per output here */
        o->fd = open(dir_len ? o->dir : ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
        if (o->fd >= 0) {
            o->unnamed = o->unlooked = 1;
            return PRTS_OK;
        }
    }
#endif
    struct stat st;
    int rc = PRTS_OK;
    if (stat(path, &st) == 0) {
        o->existed = 1;
        if ((rc = refuse_taken(o, &st, e)) == PRTS_OK && !S_ISREG(st.st_mode))
            rc = open_direct(o, e);
        if (rc || o->direct) {
            if (rc)
                prts__out_abort(o);
            return rc;
        }
    }
#ifdef O_TMPFILE
    o->fd = open(dir_len ? o->dir : ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
    if (o->fd >= 0)
        o->unnamed = 1;
    else if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        goto fail; /* no such folder, no permission: a named file would fail alike */
#endif
    if (o->fd < 0 && name_temp(o, mode) != 0)
        goto fail;
    return PRTS_OK;
fail:;
    int err = errno;
    prts__out_abort(o);
    return prts__fail(e, PRTS_E_OUTPUT, "%s: cannot create output: %s", path, strerror(err));
}

static int out_flush(prts__outfile *o)
{
    if (o->used && prts__write_all(o->fd, o->buf, o->used) != 0) {
        o->failed_errno = errno;
        return -1;
    }
    o->used = 0;
    return 0;
}

int prts__out_write(void *outfile, const void *data, size_t len)
{
    prts__outfile *o = outfile;
    if (o->failed_errno)
        return -1;
    /* big pieces (a segment's IDAT chunk) go straight to the file: copying
     * them through the buffer costs more than the system call saved */
    if ((o->used + len > OUT_BUF_SIZE || len >= OUT_DIRECT) && out_flush(o) != 0)
        return -1;
    if (len >= OUT_DIRECT) {
        if (prts__write_all(o->fd, data, len) != 0) {
            o->failed_errno = errno;
            return -1;
        }
        return 0;
    }
    memcpy(o->buf + o->used, data, len);
    o->used += len;
    return 0;
}

int prts__out_patch(void *outfile, uint64_t offset, const void *data, size_t len, prts__err *e)
{
    prts__outfile *o = outfile;
    const uint8_t *p = data;
    if (o->direct)
        return prts__fail(e, PRTS_E_IO, "%s: cannot rewrite a device or FIFO", o->path);
    if (out_flush(o) != 0)
        return prts__fail(e, PRTS_E_IO, "%s: write failed: %s", o->path, strerror(o->failed_errno));
    while (len) {
        ssize_t n = pwrite(o->fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            o->failed_errno = n < 0 ? errno : EIO;
            return prts__fail(e, PRTS_E_IO, "%s: write failed: %s", o->path,
                              strerror(o->failed_errno));
        }
        p += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return PRTS_OK;
}

/* Written out (a direct output: done). */
static int out_finish(prts__outfile *o, prts__err *e)
{
    if (out_flush(o) != 0 || o->failed_errno)
        return prts__fail(e, PRTS_E_IO, "%s: write failed: %s", o->path,
                          strerror(o->failed_errno));
    return PRTS_OK;
}

/* What commit did to one name, to be undone on a later failure. */
enum { PLACED_NONE, PLACED_EXCHANGED, PLACED_CREATED, PLACED_LINKED, PLACED_FINAL,
       PLACED_DROPPED };

/* Rename tmp over path, keeping what was there under tmp when the file
 * system can exchange the two. */
static int place(const char *tmp, const char *path, int existed, int *how)
{
    /* a new name (as open found it) first tries to stay new: one call */
    if (!existed && renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) {
        *how = PLACED_CREATED;
        return 0;
    }
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
        *how = PLACED_EXCHANGED;
        return 0;
    }
    if (errno == ENOENT && renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) {
        *how = PLACED_CREATED;
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return -1;
    *how = PLACED_FINAL; /* no exchange here: replaced for good */
    return rename(tmp, path);
}

int prts__out_commit_all(prts__outfile *const *outs, size_t n, const char *const *drop,
                         size_t ndrop, prts__err *e)
{
    enum { MAX_NAMES = 8 };
    int how[MAX_NAMES] = {0};
    char *dropped[MAX_NAMES] = {0}; /* where each dropped file waits until success */
    int rc = PRTS_OK;
    size_t i = 0, j = 0;
    const prts_allocator *alloc = n ? outs[n - 1]->alloc : NULL;
    if (n == 0 || n + ndrop > MAX_NAMES) {
        rc = prts__fail(e, PRTS_E_INVALID_ARG, "too many outputs in one commit");
        goto undo;
    }
    for (i = 0; i < n && rc == PRTS_OK; i++)
        rc = out_finish(outs[i], e);
    if (rc)
        goto undo;
    for (j = 0; j < ndrop; j++)
        if (!(dropped[j] = prts__alloc(alloc, strlen(drop[j]) + TEMP_NAME_EXTRA))) {
            rc = prts__fail(e, PRTS_E_NOMEM, "out of memory");
            j = 0;
            goto undo;
        }
    /* the stale files first (kept aside), then the outputs in order */
    for (j = 0; j < ndrop; j++) {
        const char *slash = strrchr(drop[j], '/');
        int moved, tries = 0;
        do { /* a name taken (EEXIST): the next one */
            temp_name(drop[j], slash ? (size_t)(slash - drop[j]) + 1 : 0, dropped[j],
                      strlen(drop[j]) + TEMP_NAME_EXTRA);
            moved = renameat2(AT_FDCWD, drop[j], AT_FDCWD, dropped[j], RENAME_NOREPLACE) == 0;
        } while (!moved && errno == EEXIST && ++tries < 100);
        if (moved) {
            how[n + j] = PLACED_DROPPED;
        } else if (errno != ENOENT && errno != ENAMETOOLONG) { /* too long: cannot exist */
            rc = prts__fail(e, PRTS_E_OUTPUT, "%s: cannot remove the stale file: %s", drop[j],
                            strerror(errno));
            j++;
            goto undo;
        }
    }
    for (i = 0; i < n; i++) {
        prts__outfile *o = outs[i];
        if (o->direct)
            continue;
        /* an unnamed temporary for a name that was free: linked straight to
         * it (one call where naming it and renaming it took two), unless the
         * name was taken meanwhile */
        if (o->unnamed && !o->existed && link_unnamed(o, o->path) == 0) {
            how[i] = PLACED_LINKED;
            continue;
        }
        struct stat st;
        if (o->unlooked && stat(o->path, &st) == 0) { /* taken: by what (as prts__out_open) */
            if ((rc = refuse_taken(o, &st, e)))
                goto undo;
            o->existed = 1;
        }
        if (o->unnamed && !o->tmp && name_temp(o, 0) != 0) {
            rc = prts__fail(e, PRTS_E_OUTPUT, "%s: cannot name the temporary file: %s",
                            o->path, strerror(errno));
            goto undo;
        }
        if (place(o->tmp, o->path, o->existed, &how[i]) != 0) {
            rc = prts__fail(e, PRTS_E_OUTPUT, "%s: cannot rename into place: %s", o->path,
                            strerror(errno));
            how[i] = PLACED_NONE;
            i++;
            goto undo;
        }
    }
    /* every output placed: closed now (where a file system reports a failed
     * write only at close, the outputs are taken back) */
    for (i = 0; i < n; i++) {
        if (outs[i]->fd < 0)
            continue;
        int closed = close(outs[i]->fd);
        outs[i]->fd = -1;
        if (closed != 0 && rc == PRTS_OK)
            rc = prts__fail(e, PRTS_E_IO, "%s: close failed: %s", outs[i]->path,
                            strerror(errno));
    }
    if (rc) {
        i = n;
        goto undo;
    }
    /* done: what was exchanged out, and the dropped files, go now */
    for (i = 0; i < n; i++) {
        if (how[i] == PLACED_EXCHANGED)
            unlink(outs[i]->tmp);
        if (how[i] != PLACED_NONE)
            outs[i]->tmp = NULL; /* in place: abort must not delete it */
    }
    for (j = 0; j < ndrop; j++)
        if (how[n + j] == PLACED_DROPPED)
            unlink(dropped[j]);
    goto release;
undo:
    /* put back what was done, newest first (a direct output cannot be) */
    while (i-- > 0) {
        if (how[i] == PLACED_EXCHANGED)
            renameat2(AT_FDCWD, outs[i]->tmp, AT_FDCWD, outs[i]->path, RENAME_EXCHANGE);
        else if (how[i] == PLACED_CREATED)
            rename(outs[i]->path, outs[i]->tmp);
        else if (how[i] == PLACED_LINKED)
            unlink(outs[i]->path);
        else if (how[i] == PLACED_FINAL)
            outs[i]->tmp = NULL; /* the new file stays: nothing to put back */
    }
    while (j-- > 0)
        if (how[n + j] == PLACED_DROPPED)
            rename(dropped[j], drop[j]);
release:
    for (i = 0; i < n; i++)
        prts__out_abort(outs[i]);
    for (size_t k = 0; k < ndrop && k < MAX_NAMES; k++)
        if (dropped[k])
            prts__free(alloc, dropped[k]);
    return rc;
}

int prts__out_commit(prts__outfile *o, prts__err *e)
{
    return prts__out_commit_all(&o, 1, NULL, 0, e);
}

void prts__out_abort(prts__outfile *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp)
        unlink(o->tmp);
    prts__free(o->alloc, o->name);
    prts__free(o->alloc, o->path);
    prts__free(o->alloc, o->dir);
    prts__free(o->alloc, o->buf);
    o->tmp = o->name = o->path = o->dir = NULL;
    o->buf = NULL;
}

int prts__read_pieces(const prts_allocator *a, int fd, uint64_t len, prts__piece_fn fn,
                      void *user, prts__err *e)
{
    enum { PIECE = 1 << 20 };
    uint8_t *buf = prts__alloc(a, PIECE);
    if (!buf)
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate a read buffer");
    int rc = PRTS_OK;
    for (uint64_t at = 0; rc == PRTS_OK && at < len;) {
        size_t want = len - at < PIECE ? (size_t)(len - at) : PIECE;
        ssize_t got = pread(fd, buf, want, (off_t)at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            rc = prts__fail(e, PRTS_E_IO, "read failed: %s",
                            got < 0 ? strerror(errno) : "the file is short");
        else if ((rc = fn(user, buf, (size_t)got, e)) == PRTS_OK)
            at += (uint64_t)got;
    }
    prts__free(a, buf);
    return rc;
}

static int write_piece(void *user, const uint8_t *data, size_t len, prts__err *e)
{
    if (prts__write_all(*(int *)user, data, len) != 0)
        return prts__fail(e, PRTS_E_IO, "write failed: %s", strerror(errno));
    return PRTS_OK;
}

int prts__copy_fd(const prts_allocator *a, int from, uint64_t len, int to, prts__err *e)
{
    return prts__read_pieces(a, from, len, write_piece, &to, e);
}
