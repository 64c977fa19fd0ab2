/* test_outputs.c: what the file calls do to the files around them.  An
 * existing output survives every failure (sidecar included); the PNG and
 * its sidecars appear together; the input is never its own output; devices
 * and FIFOs are written into, not replaced; FIFOs never hang a reader;
 * permissions follow the input and the umask; an interrupted process leaves
 * no temporary file behind; a big decode whose hash does not match leaves
 * nothing, not even bytes in a FIFO. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

typedef struct fixture {
    char *dir;
    char *a, *b;   /* two inputs of different content */
    size_t alen, blen;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    f->a = tu_path(f->dir, "a.bin");
    f->b = tu_path(f->dir, "b.bin");
    uint64_t seed = 11;
    uint8_t buf[50001];
    tu_random_bytes(&seed, buf, sizeof buf);
    f->alen = 30000;
    f->blen = 50000;
    tu_write_file(f->a, buf, f->alen);
    tu_write_file(f->b, buf + 1, f->blen);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->a);
    free(f->b);
    free(f);
    return 0;
}

static int encode(const char *in, const char *out, int sidecar, char *err, size_t errlen)
{
    prts_encoder *enc = prts_encoder_new();
    prts_encoder_set_option(enc, PRTS_OPT_WRITE_SIDECAR, sidecar);
    int rc = prts_encoder_encode_file(enc, in, out);
    if (err)
        snprintf(err, errlen, "%s", prts_encoder_last_error(enc));
    prts_encoder_free(enc);
    return rc;
}

static int decode(const char *in, const char *out, char *err, size_t errlen)
{
    prts_decoder *dec = prts_decoder_new();
    int rc = prts_decoder_decode_file(dec, in, out);
    if (err)
        snprintf(err, errlen, "%s", prts_decoder_last_error(dec));
    prts_decoder_free(dec);
    return rc;
}

/* The file at `png` decodes to the bytes of file `want`. */
static void assert_decodes_to(const char *dir, const char *png, const char *want)
{
    char *out = tu_path(dir, "check.out");
    assert_int_equal(decode(png, out, NULL, 0), PRTS_OK);
    size_t n, m;
    uint8_t *got = tu_read_file(out, &n), *exp = tu_read_file(want, &m);
    tu_assert_bytes_equal(got, n, exp, m);
    unlink(out);
    free(out);
    free(got);
    free(exp);
}

/* No ".pixelrts-*.tmp" (or any "*.tmp*") file in dir. */
static void assert_no_temp(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -q 'tmp' && exit 1; exit 0", dir);
    if (system(cmd) != 0) {
        snprintf(cmd, sizeof cmd, "ls -lA '%s' >&2", dir);
        (void)system(cmd);
        fail_msg("a temporary file was left in %s", dir);
    }
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* 1. A failed convert keeps the existing OUT and its sidecar. */

static void t_long_name_keeps_out(void **state)
{
    fixture *f = *state;
    /* a legal name whose sidecar name is too long (244 + ".meta.json" > NAME_MAX is fine:
     * 254; 250 is not): the encode with sidecar must fail and keep OUT */
    char name[251];
    memset(name, 'n', 250);
    name[250] = '\0';
    char *out = tu_path(f->dir, name);
    assert_int_equal(encode(f->b, out, 0, NULL, 0), PRTS_OK);
    char err[1100];
    assert_int_not_equal(encode(f->a, out, 1, err, sizeof err), PRTS_OK);
    assert_non_null(strstr(err, name)); /* names the file, never "(null)" */
    assert_null(strstr(err, "(null)"));
    assert_decodes_to(f->dir, out, f->b);
    assert_no_temp(f->dir);
    free(out);

    /* 244 bytes: the temporary names no longer grow with OUT's name, so this works */
    name[244] = '\0';
    out = tu_path(f->dir, name);
    assert_int_equal(encode(f->b, out, 0, NULL, 0), PRTS_OK);
    assert_int_equal(encode(f->a, out, 1, err, sizeof err), PRTS_OK);
    assert_decodes_to(f->dir, out, f->a);
    char *side = tu_strdupf("%s.meta.json", out);
    assert_true(tu_file_exists(side));
    free(side);
    free(out);
    assert_no_temp(f->dir);
}

static void t_sidecar_is_directory_keeps_out(void **state)
{
    fixture *f = *state;
    char *out = tu_path(f->dir, "x.rts.png");
    char *side = tu_strdupf("%s.meta.json", out);
    assert_int_equal(encode(f->b, out, 0, NULL, 0), PRTS_OK);
    assert_int_equal(mkdir(side, 0755), 0);
    char err[1100];
    assert_int_equal(encode(f->a, out, 1, err, sizeof err), PRTS_E_OUTPUT);
    assert_non_null(strstr(err, "directory"));
    struct stat st;
    assert_int_equal(stat(side, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_no_temp(f->dir);
    /* a directory is not a sidecar: the reader refuses it too, and reads on without it */
    char *got = tu_path(f->dir, "got");
    assert_int_equal(decode(out, got, err, sizeof err), PRTS_E_UNSUPPORTED);
    free(got);
    rmdir(side);
    assert_decodes_to(f->dir, out, f->b);
    free(out);
    free(side);
}

/* The old PNG and the old sidecar both survive a write that fails (file
 * size limit: EFBIG, as ENOSPC would). */
static void t_write_failure_keeps_pair(void **state)
{
    fixture *f = *state;
    char *out = tu_path(f->dir, "y.rts.png");
    char *side = tu_strdupf("%s.meta.json", out);
    assert_int_equal(encode(f->a, out, 1, NULL, 0), PRTS_OK);
    size_t n0, s0;
    uint8_t *png0 = tu_read_file(out, &n0), *side0 = tu_read_file(side, &s0);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {20000, 20000}; /* b's PNG is larger */
        setrlimit(RLIMIT_FSIZE, &rl);
        char err[1100];
        int rc = encode(f->b, out, 1, err, sizeof err);
        _exit(rc == PRTS_E_IO && strstr(err, "y.rts.png") && !strstr(err, "(null)") ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    size_t n1, s1;
    uint8_t *png1 = tu_read_file(out, &n1), *side1 = tu_read_file(side, &s1);
    tu_assert_bytes_equal(png1, n1, png0, n0);
    tu_assert_bytes_equal(side1, s1, side0, s0);
    assert_no_temp(f->dir);
    free(png0), free(png1), free(side0), free(side1), free(out), free(side);
}

/* Without sidecars, a stale one goes in the same step as the PNG arrives;
 * and when the PNG cannot be written, the stale sidecar stays with its PNG. */
static void t_no_sidecar_drops_stale_ones(void **state)
{
    fixture *f = *state;
    char *out = tu_path(f->dir, "z.rts.png");
    char *side = tu_strdupf("%s.meta.json", out);
    char *alt = tu_path(f->dir, "z.rts.meta.json");
    assert_int_equal(encode(f->a, out, 1, NULL, 0), PRTS_OK);
    tu_write_file(alt, "{}", 2);
    assert_int_equal(encode(f->b, out, 0, NULL, 0), PRTS_OK);
    assert_false(tu_file_exists(side));
    assert_false(tu_file_exists(alt));
    assert_decodes_to(f->dir, out, f->b);
    assert_no_temp(f->dir);
    free(out), free(side), free(alt);
}

/* Renames onto this name fail (EIO): the library's renameat2 calls resolve to
 * this definition, the executable's, before the C library's. */
static const char *fail_rename_onto;

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
              unsigned int flags)
{
    if (fail_rename_onto && strcmp(newpath, fail_rename_onto) == 0) {
        errno = EIO;
        return -1;
    }
    return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}

/* Links onto this name fail (EIO), as renames onto fail_rename_onto do. */
static const char *fail_link_onto;

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    if (fail_link_onto && strcmp(newpath, fail_link_onto) == 0) {
        errno = EIO;
        return -1;
    }
    return (int)syscall(SYS_linkat, olddirfd, oldpath, newdirfd, newpath, flags);
}

/* A fresh pair is linked straight to its names: when the PNG cannot be, the
 * sidecar already linked goes again, and nothing is left; then it works. */
static void t_failed_link_leaves_nothing(void **state)
{
    fixture *f = *state;
    char *out = tu_path(f->dir, "l.rts.png");
    char *side = tu_strdupf("%s.meta.json", out);
    fail_link_onto = out;
    fail_rename_onto = out; /* the fallback through a temporary name fails too */
    char err[1100];
    int rc = encode(f->a, out, 1, err, sizeof err);
    fail_link_onto = fail_rename_onto = NULL;
    assert_int_equal(rc, PRTS_E_OUTPUT);
    assert_non_null(strstr(err, "l.rts.png"));
    assert_false(tu_file_exists(out));
    assert_false(tu_file_exists(side));
    assert_no_temp(f->dir);
    assert_int_equal(encode(f->a, out, 1, NULL, 0), PRTS_OK);
    assert_true(tu_file_exists(side));
    assert_decodes_to(f->dir, out, f->a);
    assert_no_temp(f->dir);
    free(out), free(side);
}

/* The PNG's rename fails after its sidecar was placed: the sidecar is put
 * back, so the old pair is whole; with --no-sidecar, the stale sidecar that
 * was moved aside comes back too. */
static void t_failed_rename_rolls_back(void **state)
{
    fixture *f = *state;
    char *out = tu_path(f->dir, "r.rts.png");
    char *side = tu_strdupf("%s.meta.json", out);
    for (int sidecar = 1; sidecar >= 0; sidecar--) {
        assert_int_equal(encode(f->a, out, 1, NULL, 0), PRTS_OK);
        size_t n0, s0;
        uint8_t *png0 = tu_read_file(out, &n0), *side0 = tu_read_file(side, &s0);
        fail_rename_onto = out;
        char err[1100];
        int rc = encode(f->b, out, sidecar, err, sizeof err);
        fail_rename_onto = NULL;
        assert_int_equal(rc, PRTS_E_OUTPUT);
        assert_non_null(strstr(err, "r.rts.png"));
        size_t n1, s1;
        uint8_t *png1 = tu_read_file(out, &n1), *side1 = tu_read_file(side, &s1);
        tu_assert_bytes_equal(png1, n1, png0, n0);
        tu_assert_bytes_equal(side1, s1, side0, s0);
        assert_decodes_to(f->dir, out, f->a);
        assert_no_temp(f->dir);
        free(png0), free(png1), free(side0), free(side1);
    }
    free(out), free(side);
}

/* 2. Devices and FIFOs are written into, never replaced. */

typedef struct drain {
    const char *path;
    tu_buf got;
} drain;

static void *drain_fifo(void *arg)
{
    drain *d = arg;
    int fd = open(d->path, O_RDONLY);
    uint8_t buf[65536];
    ssize_t n;
    while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
        tu_buf_append(&d->got, buf, (size_t)n);
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void assert_fifo(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
}

static void t_fifo_output(void **state)
{
    fixture *f = *state;
    char *fifo = tu_path(f->dir, "pipe");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    drain d = {.path = fifo};
    pthread_t t;
    pthread_create(&t, NULL, drain_fifo, &d);
    assert_int_equal(encode(f->a, fifo, 1, NULL, 0), PRTS_OK);
    pthread_join(t, NULL);
    assert_fifo(fifo);
    char *meta = tu_strdupf("%s.meta.json", fifo);
    assert_false(tu_file_exists(meta)); /* no sidecar beside a FIFO */
    /* what came out of the FIFO is the PNG: decode it */
    char *png = tu_path(f->dir, "from-fifo.rts.png");
    tu_write_file(png, d.got.data, d.got.len);
    assert_decodes_to(f->dir, png, f->a);

    /* extract into the FIFO */
    tu_buf_free(&d.got);
    pthread_create(&t, NULL, drain_fifo, &d);
    assert_int_equal(decode(png, fifo, NULL, 0), PRTS_OK);
    pthread_join(t, NULL);
    assert_fifo(fifo);
    size_t n;
    uint8_t *want = tu_read_file(f->a, &n);
    tu_assert_bytes_equal(d.got.data, d.got.len, want, n);
    free(want);
    tu_buf_free(&d.got);
    assert_no_temp(f->dir);
    free(fifo), free(meta), free(png);
}

static void t_device_output(void **state)
{
    fixture *f = *state;
    /* our own null device node in the test folder (root only): never a system path */
    char *dev = tu_path(f->dir, "null");
    if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) != 0) {
        free(dev);
        skip();
    }
    char *png = tu_path(f->dir, "a.rts.png");
    assert_int_equal(encode(f->a, png, 1, NULL, 0), PRTS_OK);
    assert_int_equal(encode(f->a, dev, 1, NULL, 0), PRTS_OK);
    assert_int_equal(decode(png, dev, NULL, 0), PRTS_OK);
    struct stat st;
    assert_int_equal(lstat(dev, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    char *meta = tu_strdupf("%s.meta.json", dev);
    assert_false(tu_file_exists(meta));
    assert_no_temp(f->dir);
    free(dev), free(png), free(meta);
}

static void t_socket_and_directory_output_refused(void **state)
{
    fixture *f = *state;
    char *sock = tu_path(f->dir, "sock");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock);
    assert_int_equal(bind(s, (struct sockaddr *)&addr, sizeof addr), 0);
    char err[1100];
    assert_int_equal(encode(f->a, sock, 1, err, sizeof err), PRTS_E_OUTPUT);
    assert_non_null(strstr(err, "socket"));
    close(s);
    char *sub = tu_path(f->dir, "sub");
    mkdir(sub, 0755);
    assert_int_equal(encode(f->a, sub, 1, err, sizeof err), PRTS_E_OUTPUT);
    assert_non_null(strstr(err, "directory"));
    assert_no_temp(f->dir);
    free(sock), free(sub);
}

/* 3. The same file in and out is refused, and left alone. */

static void t_same_file_refused(void **state)
{
    fixture *f = *state;
    size_t n0;
    uint8_t *a0 = tu_read_file(f->a, &n0);
    char err[1100];
    assert_int_equal(encode(f->a, f->a, 1, err, sizeof err), PRTS_E_OUTPUT);
    assert_non_null(strstr(err, "input"));
    /* a hard link is the same file under another name */
    char *link_name = tu_path(f->dir, "a-link.bin");
    assert_int_equal(link(f->a, link_name), 0);
    assert_int_equal(encode(f->a, link_name, 1, NULL, 0), PRTS_E_OUTPUT);
    size_t n1;
    uint8_t *a1 = tu_read_file(f->a, &n1);
    tu_assert_bytes_equal(a1, n1, a0, n0);

    /* convert z.rts.png.meta.json z.rts.png: the input is the sidecar to be written */
    char *png = tu_path(f->dir, "z.rts.png");
    char *side = tu_strdupf("%s.meta.json", png);
    assert_int_equal(encode(f->a, png, 1, NULL, 0), PRTS_OK);
    size_t s0;
    uint8_t *side0 = tu_read_file(side, &s0);
    assert_int_equal(encode(side, png, 1, err, sizeof err), PRTS_E_OUTPUT);
    size_t s1;
    uint8_t *side1 = tu_read_file(side, &s1);
    tu_assert_bytes_equal(side1, s1, side0, s0);
    assert_decodes_to(f->dir, png, f->a);

    /* extract x.rts.png -o x.rts.png */
    size_t p0;
    uint8_t *png0 = tu_read_file(png, &p0);
    assert_int_equal(decode(png, png, err, sizeof err), PRTS_E_OUTPUT);
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_decode_range_file(dec, png, 0, 10, png), PRTS_E_OUTPUT);
    /* a range into a file of its own: the bytes, with the input's permissions */
    char *range = tu_path(f->dir, "range.bin");
    chmod(png, 0640);
    assert_int_equal(prts_decoder_decode_range_file(dec, png, 100, 1000, range), PRTS_OK);
    size_t rn;
    uint8_t *r = tu_read_file(range, &rn);
    tu_assert_bytes_equal(r, rn, a0 + 100, 1000);
    assert_int_equal(mode_of(range) & 0077 & ~0040, 0); /* never more open than the input */
    free(r), free(range);
    prts_decoder_free(dec);
    size_t p1;
    uint8_t *png1 = tu_read_file(png, &p1);
    tu_assert_bytes_equal(png1, p1, png0, p0);
    assert_no_temp(f->dir);
    free(a0), free(a1), free(link_name), free(png), free(side), free(side0), free(side1);
    free(png0), free(png1);
}

/* 8. FIFOs as inputs or sidecars are refused at once, never waited on. */

static void t_fifo_inputs_never_hang(void **state)
{
    fixture *f = *state;
    alarm(20); /* a hang fails the test instead of stalling the suite */
    char *fifo = tu_path(f->dir, "in.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *out = tu_path(f->dir, "o.rts.png");
    char err[1100];
    assert_int_equal(encode(fifo, out, 1, err, sizeof err), PRTS_E_UNSUPPORTED);
    assert_non_null(strstr(err, "FIFO"));
    assert_int_equal(decode(fifo, out, err, sizeof err), PRTS_E_UNSUPPORTED);

    /* a FIFO named like the sidecar */
    char *png = tu_path(f->dir, "s.rts.png");
    assert_int_equal(encode(f->a, png, 0, NULL, 0), PRTS_OK);
    char *side = tu_strdupf("%s.meta.json", png);
    assert_int_equal(mkfifo(side, 0600), 0);
    char *got = tu_path(f->dir, "s.out");
    assert_int_equal(decode(png, got, err, sizeof err), PRTS_E_UNSUPPORTED);
    assert_non_null(strstr(err, "meta.json"));
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_read_info(dec, png), PRTS_E_UNSUPPORTED);
    prts_decoder_free(dec);
    /* the encoder refuses to replace it with a sidecar */
    assert_int_equal(encode(f->a, png, 1, err, sizeof err), PRTS_E_OUTPUT);
    assert_fifo(side);
    alarm(0);
    free(fifo), free(out), free(png), free(side), free(got);
}

/* 9. Permissions: the input's, less the umask. */

static void t_permissions(void **state)
{
    fixture *f = *state;
    mode_t old = umask(022);
    char *png = tu_path(f->dir, "secret.rts.png");
    char *side = tu_strdupf("%s.meta.json", png);
    char *back = tu_path(f->dir, "secret.out");
    chmod(f->a, 0600);
    assert_int_equal(encode(f->a, png, 1, NULL, 0), PRTS_OK);
    assert_int_equal(mode_of(png), 0600);
    assert_int_equal(mode_of(side), 0600);
    assert_int_equal(decode(png, back, NULL, 0), PRTS_OK);
    assert_int_equal(mode_of(back), 0600);

    chmod(f->a, 0644);
    umask(077);
    assert_int_equal(encode(f->a, png, 1, NULL, 0), PRTS_OK);
    assert_int_equal(mode_of(png), 0600);
    umask(022);
    assert_int_equal(encode(f->a, png, 1, NULL, 0), PRTS_OK);
    assert_int_equal(mode_of(png), 0644);
    assert_int_equal(mode_of(side), 0644);

    /* a stream into a file: 0666 less the umask */
    prts_encoder *enc = prts_encoder_new();
    umask(027);
    assert_int_equal(prts_encoder_push(enc, "abc", 3), PRTS_OK);
    assert_int_equal(prts_encoder_finish_file(enc, png), PRTS_OK);
    assert_int_equal(mode_of(png), 0640);
    assert_int_equal(mode_of(side), 0640);
    prts_encoder_free(enc);
    umask(old);
    free(png), free(side), free(back);
}

/* 13. An interrupted encode or decode leaves no temporary file. */

static int die_halfway(void *user, uint64_t done, uint64_t total)
{
    (void)user;
    if (done * 2 >= total && total)
        raise(SIGTERM);
    return 0;
}

static void t_interrupt_leaves_nothing(void **state)
{
    fixture *f = *state;
    char *big = tu_path(f->dir, "big.bin");
    char *png = tu_path(f->dir, "big.rts.png");
    size_t n = 24u << 20;
    free(tu_write_random_file(big, n, 5));
    assert_int_equal(encode(big, png, 1, NULL, 0), PRTS_OK);
    unlink(png);
    char *side = tu_strdupf("%s.meta.json", png);
    unlink(side);
    for (int decoding = 0; decoding < 2; decoding++) {
        if (decoding)
            assert_int_equal(encode(big, png, 1, NULL, 0), PRTS_OK);
        int before = tu_dir_count(f->dir);
        pid_t pid = fork();
        if (pid == 0) {
            if (decoding) {
                prts_decoder *dec = prts_decoder_new();
                prts_decoder_set_progress(dec, die_halfway, NULL);
                char *out = tu_path(f->dir, "big.out");
                prts_decoder_decode_file(dec, png, out);
            } else {
                prts_encoder *enc = prts_encoder_new();
                prts_encoder_set_progress(enc, die_halfway, NULL);
                prts_encoder_encode_file(enc, big, png);
            }
            _exit(0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
        assert_int_equal(tu_dir_count(f->dir), before);
        assert_no_temp(f->dir);
    }
    free(big), free(png), free(side);
}

/* 9. A big decode (through the mirror, hashed beside the decode) whose hash
 * does not match leaves nothing: no file, an existing OUT untouched, no byte
 * into a FIFO; the same file with its true hash decodes whole. */

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c >> 1 ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* Change one digit of the 64-digit `hex` where it occurs in the PNG at `png`,
 * and fix the CRC of the chunk holding it. */
static void tamper_hash(const char *png, const char *hex)
{
    size_t n;
    uint8_t *b = tu_read_file(png, &n);
    size_t at = 8, hit = 0;
    for (size_t i = 0; i + 64 <= n && !hit; i++)
        if (memcmp(b + i, hex, 64) == 0)
            hit = i;
    assert_true(hit > 0);
    b[hit] = b[hit] == '0' ? '1' : '0';
    while (at + 12 <= n) {
        uint32_t len = (uint32_t)b[at] << 24 | (uint32_t)b[at + 1] << 16 |
                       (uint32_t)b[at + 2] << 8 | b[at + 3];
        if (hit >= at + 8 && hit < at + 8 + len) {
            uint32_t c = crc32_of(b + at + 4, 4 + (size_t)len);
            uint8_t *q = b + at + 8 + len;
            q[0] = (uint8_t)(c >> 24), q[1] = (uint8_t)(c >> 16), q[2] = (uint8_t)(c >> 8),
            q[3] = (uint8_t)c;
            break;
        }
        at += 12 + (size_t)len;
    }
    tu_write_file(png, b, n);
    free(b);
}

static void t_big_hash_mismatch_leaves_nothing(void **state)
{
    fixture *f = *state;
    char *big = tu_path(f->dir, "big.bin");
    char *png = tu_path(f->dir, "big.rts.png");
    char *out = tu_path(f->dir, "big.out");
    char *fifo = tu_path(f->dir, "big.pipe");
    size_t n = 24u << 20; /* above the 4 MiB of an output written through a mapping */
    uint8_t *data = tu_write_random_file(big, n, 18);
    char hex[65];
    tu_sha256_hex(data, n, hex);
    free(data);
    assert_int_equal(encode(big, png, 0, NULL, 0), PRTS_OK);
    assert_decodes_to(f->dir, png, big);
    tamper_hash(png, hex);
    char err[512];
    assert_int_equal(decode(png, out, err, sizeof err), PRTS_E_HASH_MISMATCH);
    assert_non_null(strstr(err, hex)); /* the payload's true hash, computed */
    assert_false(tu_file_exists(out));
    tu_write_file(out, "keep", 4);
    assert_int_equal(decode(png, out, NULL, 0), PRTS_E_HASH_MISMATCH);
    size_t kn;
    uint8_t *kept = tu_read_file(out, &kn);
    tu_assert_bytes_equal(kept, kn, "keep", 4);
    free(kept);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    drain d = {.path = fifo};
    pthread_t t;
    pthread_create(&t, NULL, drain_fifo, &d);
    assert_int_equal(decode(png, fifo, NULL, 0), PRTS_E_HASH_MISMATCH);
    pthread_join(t, NULL);
    assert_int_equal(d.got.len, 0); /* not one byte before verification */
    tu_buf_free(&d.got);
    assert_fifo(fifo);
    assert_no_temp(f->dir);
    free(big), free(png), free(out), free(fifo);
}

/* An output that cannot get its space (here the file size limit: EFBIG, as
 * a full disk gives ENOSPC) fails with an error before any byte is decoded
 * into it, both where it is written through a mapping (small) and in place
 * (big): never a SIGBUS from a write through a mapping; the old file stays. */
static void t_output_without_space_fails_cleanly(void **state)
{
    fixture *f = *state;
    static const size_t sizes[] = {4u << 20, 24u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        char *in = tu_path(f->dir, "space.bin");
        char *png = tu_path(f->dir, "space.rts.png");
        char *out = tu_path(f->dir, "space.out");
        free(tu_write_random_file(in, sizes[i], 19 + i));
        assert_int_equal(encode(in, png, 0, NULL, 0), PRTS_OK);
        tu_write_file(out, "keep", 4);
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl = {1u << 20, 1u << 20};
            setrlimit(RLIMIT_FSIZE, &rl);
            char err[1100];
            int rc = decode(png, out, err, sizeof err);
            _exit(rc == PRTS_E_IO && strstr(err, "cannot size the output") ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        size_t kn;
        uint8_t *kept = tu_read_file(out, &kn);
        tu_assert_bytes_equal(kept, kn, "keep", 4);
        free(kept);
        assert_no_temp(f->dir);
        free(in), free(png), free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(t_long_name_keeps_out, setup, teardown),
        cmocka_unit_test_setup_teardown(t_sidecar_is_directory_keeps_out, setup, teardown),
        cmocka_unit_test_setup_teardown(t_write_failure_keeps_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(t_no_sidecar_drops_stale_ones, setup, teardown),
        cmocka_unit_test_setup_teardown(t_failed_rename_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(t_fifo_output, setup, teardown),
        cmocka_unit_test_setup_teardown(t_device_output, setup, teardown),
        cmocka_unit_test_setup_teardown(t_socket_and_directory_output_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(t_same_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(t_fifo_inputs_never_hang, setup, teardown),
        cmocka_unit_test_setup_teardown(t_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(t_interrupt_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(t_big_hash_mismatch_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(t_output_without_space_fails_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(t_failed_link_leaves_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
