/* test_faults.c: I/O that fails part way gives a clean error and no debris.
 *
 * - Write callbacks failing at byte k, for every k of small encodes: finish()
 *   returns PRTS_E_CALLBACK, the handle is poisoned until reset, and after a
 *   reset the same encode gives the same bytes.
 * - Read callbacks failing at byte k (PRTS_E_CALLBACK), ending at byte k
 *   (PRTS_E_TRUNCATED, or PRTS_E_NOT_PNG before any byte), or returning one
 *   byte at a time (success, same payload), for every k of small files.
 * - The file entry points with a file size limit (RLIMIT_FSIZE, in a forked
 *   child) at byte k: prts_encoder_encode_file and prts_decoder_decode_file return
 *   PRTS_E_IO and leave nothing in the output folder.
 * - prts_decoder_decode_file on a file cut at byte k: PRTS_E_TRUNCATED (PRTS_E_NOT_PNG when empty),
 *   nothing in the output folder. */
#include "test_util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- callbacks ------------------------------------------------------------------------ */

typedef struct failing_writer {
    tu_buf out;
    size_t fail_at;       /* the call that would take the total past this byte fails */
    int failed;
} failing_writer;

static int failing_write(void *user, const void *buf, size_t len)
{
    failing_writer *w = user;
    if (w->out.len + len > w->fail_at) {
        w->failed++;
        return -1;
    }
    tu_buf_append(&w->out, buf, len);
    return 0;
}

typedef struct faulty_reader {
    const uint8_t *data;
    size_t len, pos;
    size_t stop_at;       /* no byte at or past this offset is delivered */
    int fail;             /* at stop_at: fail (1) or end of stream (0) */
    size_t max_read;      /* 0: whatever fits */
} faulty_reader;

static ptrdiff_t faulty_read(void *user, void *buf, size_t cap)
{
    faulty_reader *r = user;
    size_t end = r->stop_at < r->len ? r->stop_at : r->len;
    if (r->pos >= end)
        return r->fail && r->stop_at < r->len ? -1 : 0;
    size_t n = end - r->pos;
    if (n > cap)
        n = cap;
    if (r->max_read && n > r->max_read)
        n = r->max_read;
    memcpy(buf, r->data + r->pos, n);
    r->pos += n;
    return (ptrdiff_t)n;
}

/* ---- payloads and configurations ------------------------------------------------------- */

typedef struct config {
    const char *name;
    int64_t compression;  /* PRTS_OPT_PAYLOAD_COMPRESSION */
    int64_t mode;
    const char *blueprint;
} config;

static const config configs[] = {
    {"standard", PRTS_PAYLOAD_NONE, PRTS_MODE_STANDARD, NULL},
    {"zstd + blueprint", PRTS_PAYLOAD_ZSTD, PRTS_MODE_STANDARD, "{\"arch\":\"wasm32\"}"},
    {"code mode, zlib", PRTS_PAYLOAD_ZLIB, PRTS_MODE_CODE, NULL},
};
#define NCONFIGS (sizeof configs / sizeof configs[0])

static prts_encoder *new_encoder(const config *c)
{
    prts_encoder *enc = prts_encoder_new();
    assert_non_null(enc);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, c->compression),
                     PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MODE, c->mode), PRTS_OK);
    if (c->blueprint)
        assert_int_equal(prts_encoder_set_blueprint_json(enc, c->blueprint), PRTS_OK);
    return enc;
}

static uint8_t *payload(size_t n)
{
    uint64_t rng = 42;
    uint8_t *p = malloc(n);
    tu_random_bytes(&rng, p, n / 2);
    memset(p + n / 2, 'z', n - n / 2); /* half compressible */
    return p;
}

#define PAYLOAD 3000

/* ---- write faults ------------------------------------------------------------------------ */

static void t_write_fails_at_every_byte(void **state)
{
    (void)state;
    uint8_t *data = payload(PAYLOAD);
    for (size_t c = 0; c < NCONFIGS; c++) {
        prts_encoder *enc = new_encoder(&configs[c]);
        tu_buf good = {0};
        assert_int_equal(tu_encode_mem(enc, data, PAYLOAD, 0, &good), PRTS_OK);
        for (size_t k = 0; k < good.len; k++) {
            failing_writer w = {.fail_at = k};
            assert_int_equal(prts_encoder_reset(enc), PRTS_OK);
            assert_int_equal(prts_encoder_push(enc, data, PAYLOAD), PRTS_OK);
            int rc = prts_encoder_finish(enc, failing_write, &w);
            if (rc != PRTS_E_CALLBACK)
                fail_msg("%s: write failing at byte %zu of %zu: status %d (%s)", configs[c].name,
                         k, good.len, rc, prts_encoder_last_error(enc));
            assert_int_equal(w.failed, 1); /* no write after the failure */
            assert_true(strlen(prts_encoder_last_error(enc)) > 0);
            assert_int_equal(prts_encoder_push(enc, data, 1), PRTS_E_BAD_STATE);
            assert_null(prts_encoder_metadata_json(enc));
            tu_buf_free(&w.out);
        }
        /* after all that, a reset encoder writes the same file */
        tu_buf again = {0};
        assert_int_equal(prts_encoder_reset(enc), PRTS_OK);
        assert_int_equal(tu_encode_mem(enc, data, PAYLOAD, 0, &again), PRTS_OK);
        tu_assert_bytes_equal(again.data, again.len, good.data, good.len);
        print_message("    %s: %zu write faults, each PRTS_E_CALLBACK\n", configs[c].name, good.len);
        tu_buf_free(&again);
        tu_buf_free(&good);
        prts_encoder_free(enc);
    }
    free(data);
}

/* ---- read faults ------------------------------------------------------------------------- */

static int pull_all(prts_decoder *dec, faulty_reader *r, tu_buf *out)
{
    int rc = prts_decoder_open(dec, faulty_read, r);
    uint8_t buf[777];
    size_t got = 1;
    while (rc == PRTS_OK && got > 0) {
        rc = prts_decoder_pull(dec, buf, sizeof buf, &got);
        if (rc == PRTS_OK)
            tu_buf_append(out, buf, got);
    }
    return rc;
}

static void t_read_faults_at_every_byte(void **state)
{
    (void)state;
    uint8_t *data = payload(PAYLOAD);
    for (size_t c = 0; c < NCONFIGS; c++) {
        prts_encoder *enc = new_encoder(&configs[c]);
        tu_buf png = {0};
        assert_int_equal(tu_encode_mem(enc, data, PAYLOAD, 0, &png), PRTS_OK);
        prts_encoder_free(enc);
        prts_decoder *dec = prts_decoder_new();
        /* one byte per read: same payload */
        faulty_reader one = {png.data, png.len, 0, SIZE_MAX, 0, 1};
        tu_buf out = {0};
        assert_int_equal(pull_all(dec, &one, &out), PRTS_OK);
        tu_assert_bytes_equal(out.data, out.len, data, PAYLOAD);
        tu_buf_free(&out);
        for (size_t k = 0; k <= png.len; k++) {
            for (int fail = 0; fail <= 1; fail++) {
                faulty_reader r = {png.data, png.len, 0, k, fail, k % 3 ? 0 : 1 + k % 97};
                assert_int_equal(prts_decoder_reset(dec), PRTS_OK);
                int rc = pull_all(dec, &r, &out);
                int want = k == png.len ? PRTS_OK
                           : fail       ? PRTS_E_CALLBACK
                           : k == 0     ? PRTS_E_NOT_PNG
                                        : PRTS_E_TRUNCATED;
                if (rc != want)
                    fail_msg("%s: read %s at byte %zu of %zu: status %d (%s), expected %d",
                             configs[c].name, fail ? "failing" : "ending", k, png.len, rc,
                             prts_decoder_last_error(dec), want);
                if (rc == PRTS_OK)
                    tu_assert_bytes_equal(out.data, out.len, data, PAYLOAD);
                else
                    assert_true(strlen(prts_decoder_last_error(dec)) > 0);
                tu_buf_free(&out);
            }
        }
        print_message("    %s: %zu read faults and %zu truncations, each a clean error\n",
                      configs[c].name, png.len, png.len);
        prts_decoder_free(dec);
        tu_buf_free(&png);
    }
    free(data);
}

/* ---- file entry points with a file size limit ------------------------------------------------ */

/* In a child limited to `limit` bytes per file written: status of the call. */
static int limited(size_t limit, int decode, const char *in, const char *out, const config *c)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN); /* writes past the limit fail with EFBIG instead */
        struct rlimit rl = {limit, limit};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(200);
        int rc;
        if (decode) {
            prts_decoder *dec = prts_decoder_new();
            rc = prts_decoder_decode_file(dec, in, out);
            prts_decoder_free(dec);
        } else {
            prts_encoder *enc = new_encoder(c);
            rc = prts_encoder_encode_file(enc, in, out);
            prts_encoder_free(enc);
        }
        _exit(-rc);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_not_equal(WEXITSTATUS(st), 200);
    return -WEXITSTATUS(st);
}

/* Limits to try for an output of n bytes: every byte up to 64, then a spread, the edges. */
static size_t next_limit(size_t k, size_t n)
{
    if (k < 64 || k + 2 >= n)
        return k + 1;
    size_t step = (n - 64) / 40 + 1;
    return k + step < n - 2 ? k + step : n - 2;
}

static void t_file_writes_fail(void **state)
{
    (void)state;
    uint8_t *data = payload(200000);
    char *dir = tu_mkdtemp(), *src = tu_mkdtemp();
    char *in = tu_path(src, "in.bin"), *png = tu_path(src, "in.rts.png");
    char *out = tu_path(dir, "out.rts.png"), *back = tu_path(dir, "back.bin");
    tu_write_file(in, data, 200000);
    for (size_t c = 0; c < NCONFIGS; c++) {
        /* the full sizes: the PNG, and its sidecars (the largest file written) */
        prts_encoder *enc = new_encoder(&configs[c]);
        assert_int_equal(prts_encoder_encode_file(enc, in, png), PRTS_OK);
        prts_encoder_free(enc);
        size_t png_len;
        free(tu_read_file(png, &png_len));
        int tries = 0;
        for (size_t k = 0; k < png_len; k = next_limit(k, png_len), tries++) {
            int rc = limited(k, 0, in, out, &configs[c]);
            if (rc != PRTS_E_IO)
                fail_msg("%s: encode_file with files limited to %zu bytes (the PNG has %zu): "
                         "status %d, expected PRTS_E_IO", configs[c].name, k, png_len, rc);
            if (tu_dir_count(dir) != 0)
                fail_msg("%s: encode_file limited to %zu bytes left %d file(s)", configs[c].name,
                         k, tu_dir_count(dir));
        }
        assert_int_equal(limited(png_len + 100000, 0, in, out, &configs[c]), PRTS_OK);
        tu_rmtree(dir);
        assert_int_equal(mkdir(dir, 0700), 0);
        /* decoding: the output is the 200000-byte payload */
        for (size_t k = 0; k < 200000; k = next_limit(k, 200000), tries++) {
            int rc = limited(k, 1, png, back, &configs[c]);
            if (rc != PRTS_E_IO)
                fail_msg("%s: decode_file with files limited to %zu bytes: status %d, expected "
                         "PRTS_E_IO", configs[c].name, k, rc);
            if (tu_dir_count(dir) != 0)
                fail_msg("%s: decode_file limited to %zu bytes left %d file(s)", configs[c].name,
                         k, tu_dir_count(dir));
        }
        assert_int_equal(limited(200000, 1, png, back, &configs[c]), PRTS_OK);
        size_t got_len;
        uint8_t *got = tu_read_file(back, &got_len);
        tu_assert_bytes_equal(got, got_len, data, 200000);
        free(got);
        tu_rmtree(dir);
        assert_int_equal(mkdir(dir, 0700), 0);
        print_message("    %s: %d limited runs, each PRTS_E_IO and no file left\n",
                      configs[c].name, tries);
    }
    tu_rmtree(dir);
    tu_rmtree(src);
    free(dir);
    free(src);
    free(in);
    free(png);
    free(out);
    free(back);
    free(data);
}

static void t_file_reads_cut(void **state)
{
    (void)state;
    uint8_t *data = payload(PAYLOAD);
    char *dir = tu_mkdtemp(), *src = tu_mkdtemp();
    char *in = tu_path(src, "cut.rts.png"), *out = tu_path(dir, "out.bin");
    for (size_t c = 0; c < NCONFIGS; c++) {
        prts_encoder *enc = new_encoder(&configs[c]);
        tu_buf png = {0};
        assert_int_equal(tu_encode_mem(enc, data, PAYLOAD, 0, &png), PRTS_OK);
        prts_encoder_free(enc);
        prts_decoder *dec = prts_decoder_new();
        int tries = 0;
        for (size_t k = 0; k < png.len; k = next_limit(k, png.len), tries++) {
            tu_write_file(in, png.data, k);
            int rc = prts_decoder_decode_file(dec, in, out);
            int want = k == 0 ? PRTS_E_NOT_PNG : PRTS_E_TRUNCATED;
            if (rc != want)
                fail_msg("%s: decode_file of the first %zu of %zu bytes: status %d (%s), "
                         "expected %d", configs[c].name, k, png.len, rc,
                         prts_decoder_last_error(dec), want);
            if (tu_dir_count(dir) != 0)
                fail_msg("%s: decode_file of a file cut at %zu left %d file(s)", configs[c].name,
                         k, tu_dir_count(dir));
        }
        prts_decoder_free(dec);
        print_message("    %s: %d cut files, each a clean error and no output\n",
                      configs[c].name, tries);
        tu_buf_free(&png);
    }
    tu_rmtree(dir);
    tu_rmtree(src);
    free(dir);
    free(src);
    free(in);
    free(out);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_write_fails_at_every_byte),
        cmocka_unit_test(t_read_faults_at_every_byte),
        cmocka_unit_test(t_file_writes_fail),
        cmocka_unit_test(t_file_reads_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
