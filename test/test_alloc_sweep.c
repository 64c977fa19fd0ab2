/* test_alloc_sweep.c: every allocation a handle makes can fail, cleanly.
 *
 * Each operation runs with a counting allocator (prts_*_new_with) that
 * fails its k-th allocation, for k = 1, 2, ... until a run makes fewer than
 * k allocations, i.e. succeeds with no failure injected.  Every run that had
 * a failure injected must return PRTS_E_NOMEM (a batch: PRTS_E_NOMEM, or
 * PRTS_E_BATCH with every failed job at PRTS_E_NOMEM; creating a handle:
 * NULL), free every block it got once its handle is freed, and leave no
 * output file (nor sidecar) behind.  The final run must give the right
 * bytes.  Operations: encode through push/finish and prts_encoder_encode_file
 * (plain, zlib + metadata + blueprint + sidecar, zstd, code mode), decode
 * through open/pull and prts_decoder_decode_file (one file of each kind), and a
 * small encode batch and decode batch.  One deflate/inflate thread per
 * handle and one batch worker, so that the k-th allocation is the same one
 * from run to run; then a payload of several segments with two threads per
 * handle (which allocation is k-th varies, every outcome must still be
 * clean).  The payloads are small: the sweep also runs under ASan. */
#include "test_util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the counting allocator ------------------------------------------------------------- */

typedef struct counting {
    atomic_long calls;  /* alloc calls so far */
    atomic_long live;   /* blocks handed out and not freed yet */
    long fail_at;       /* the call that fails (1-based); 0 = none */
    atomic_int failed;  /* a failure was injected */
} counting;

static void *count_alloc(void *opaque, size_t size)
{
    counting *c = opaque;
    long k = atomic_fetch_add(&c->calls, 1) + 1;
    if (k == c->fail_at) {
        atomic_store(&c->failed, 1);
        return NULL;
    }
    assert_true(size > 0); /* the library never asks for 0 bytes */
    void *p = malloc(size);
    if (p)
        atomic_fetch_add(&c->live, 1);
    return p;
}

static void count_free(void *opaque, void *p)
{
    counting *c = opaque;
    assert_non_null(p);
    atomic_fetch_sub(&c->live, 1);
    free(p);
}

/* ---- what is swept ------------------------------------------------------------------------ */

/* BIG: several segments, swept with two threads per handle (test_threaded) */
enum kind { PLAIN, ZLIB_META, ZSTD, CODE, BIG, KINDS };
static const char *kind_names[KINDS] = {"plain", "zlib+metadata+blueprint+sidecar", "zstd",
                                        "code mode", "3 MiB, 2 threads"};

typedef struct fixture {
    char *dir;
    uint8_t *payload[KINDS];
    size_t len[KINDS];
    char *in[KINDS];      /* the payload as a file */
    char *png[KINDS];     /* its encoding, as a file */
    uint8_t *png_mem[KINDS];
    size_t png_len[KINDS];
    char *out;            /* where the swept operation writes */
    enum kind k;
} fixture;

static int threads_for(enum kind k)
{
    return k == BIG ? 2 : 1;
}

static void configure_encoder(prts_encoder *enc, enum kind k)
{
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_THREADS, threads_for(k)), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_WRITE_SIDECAR, k == ZLIB_META), PRTS_OK);
    if (k == ZLIB_META) {
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION,
                                                 PRTS_PAYLOAD_ZLIB), PRTS_OK);
        assert_int_equal(prts_encoder_set_metadata_json(enc, "{\"name\":\"sweep\"}"), PRTS_OK);
        assert_int_equal(prts_encoder_set_blueprint_json(enc, "{\"regions\":[]}"), PRTS_OK);
    } else if (k == ZSTD) {
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION,
                                                 PRTS_PAYLOAD_ZSTD), PRTS_OK);
    } else if (k == CODE) {
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MODE, PRTS_MODE_CODE), PRTS_OK);
    }
}

static bool exists_with(const char *path, const char *suffix)
{
    char *p = tu_strdupf("%s%s", path, suffix);
    bool e = tu_file_exists(p);
    free(p);
    return e;
}

static void assert_no_output(const fixture *f)
{
    assert_false(tu_file_exists(f->out));
    assert_false(exists_with(f->out, ".meta.json"));
    assert_false(exists_with(f->out, ".blueprint.json"));
}

static void remove_output(const fixture *f)
{
    unlink(f->out);
    char *p = tu_strdupf("%s.meta.json", f->out);
    unlink(p);
    free(p);
    p = tu_strdupf("%s.blueprint.json", f->out);
    unlink(p);
    free(p);
}

/* Decode a PNG in memory with the default allocator (checks a swept encode). */
static void assert_decodes_to(const uint8_t *png, size_t len, const uint8_t *want, size_t want_len)
{
    prts_decoder *dec = prts_decoder_new();
    tu_buf out = {0};
    assert_int_equal(tu_decode_mem(dec, png, len, 0, false, 1 << 16, false, &out), PRTS_OK);
    tu_assert_bytes_equal(out.data, out.len, want, want_len);
    tu_buf_free(&out);
    prts_decoder_free(dec);
}

/* An operation: PRTS_OK, or its status (PRTS_E_NOMEM when a handle cannot be created). */
typedef int (*op_fn)(const prts_allocator *a, fixture *f, int injected);

static int op_encode_push(const prts_allocator *a, fixture *f, int injected)
{
    (void)injected;
    prts_encoder *enc = prts_encoder_new_with(a);
    if (!enc)
        return PRTS_E_NOMEM;
    configure_encoder(enc, f->k);
    tu_buf out = {0};
    int rc = tu_encode_mem(enc, f->payload[f->k], f->len[f->k], 1000, &out);
    prts_encoder_free(enc);
    if (rc == PRTS_OK)
        assert_decodes_to(out.data, out.len, f->payload[f->k], f->len[f->k]);
    tu_buf_free(&out);
    return rc;
}

static int op_encode_file(const prts_allocator *a, fixture *f, int injected)
{
    (void)injected;
    remove_output(f);
    prts_encoder *enc = prts_encoder_new_with(a);
    if (!enc)
        return PRTS_E_NOMEM;
    configure_encoder(enc, f->k);
    int rc = prts_encoder_encode_file(enc, f->in[f->k], f->out);
    prts_encoder_free(enc);
    if (rc == PRTS_OK) {
        size_t n;
        uint8_t *png = tu_read_file(f->out, &n);
        assert_decodes_to(png, n, f->payload[f->k], f->len[f->k]);
        free(png);
        assert_true(exists_with(f->out, ".meta.json") == (f->k == ZLIB_META));
        remove_output(f);
    } else {
        assert_no_output(f);
    }
    return rc;
}

static prts_decoder *new_decoder(const prts_allocator *a, enum kind k)
{
    prts_decoder *dec = prts_decoder_new_with(a);
    if (dec) {
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_THREADS, threads_for(k)), PRTS_OK);
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
    }
    return dec;
}

static int op_decode_pull(const prts_allocator *a, fixture *f, int injected)
{
    (void)injected;
    prts_decoder *dec = new_decoder(a, f->k);
    if (!dec)
        return PRTS_E_NOMEM;
    tu_buf out = {0};
    int rc = tu_decode_mem(dec, f->png_mem[f->k], f->png_len[f->k], 0, false, 4096, false, &out);
    prts_decoder_free(dec);
    if (rc == PRTS_OK)
        tu_assert_bytes_equal(out.data, out.len, f->payload[f->k], f->len[f->k]);
    tu_buf_free(&out);
    return rc;
}

static int op_decode_file(const prts_allocator *a, fixture *f, int injected)
{
    (void)injected;
    unlink(f->out);
    prts_decoder *dec = new_decoder(a, f->k);
    if (!dec)
        return PRTS_E_NOMEM;
    int rc = prts_decoder_decode_file(dec, f->png[f->k], f->out);
    prts_decoder_free(dec);
    if (rc == PRTS_OK) {
        size_t n;
        uint8_t *got = tu_read_file(f->out, &n);
        tu_assert_bytes_equal(got, n, f->payload[f->k], f->len[f->k]);
        free(got);
        unlink(f->out);
    } else {
        assert_false(tu_file_exists(f->out));
    }
    return rc;
}

/* A batch's outcome: PRTS_OK; PRTS_E_NOMEM from the batch itself; or
 * PRTS_E_BATCH, each failed job at PRTS_E_NOMEM and without its output. */
static int batch_outcome(prts_batch *b, int rc, char **outs, int njobs)
{
    if (rc != PRTS_E_BATCH)
        return rc;
    char *text = prts_batch_results_json(b);
    assert_non_null(text);
    json_t *all = tu_json_parse(text);
    prts_free(text);
    for (int i = 0; i < njobs; i++) {
        json_t *r = json_array_get(all, (size_t)i);
        int status = (int)json_integer_value(json_object_get(r, "status"));
        if (status != PRTS_OK) {
            if (status != PRTS_E_NOMEM)
                print_error("job %d: status %d (%s)\n", i, status,
                            json_string_value(json_object_get(r, "error")));
            assert_int_equal(status, PRTS_E_NOMEM);
            assert_false(tu_file_exists(outs[i]));
            assert_false(exists_with(outs[i], ".meta.json"));
        }
    }
    json_decref(all);
    return PRTS_E_NOMEM;
}

static int op_batch(const prts_allocator *a, fixture *f, prts_batch_kind kind)
{
    enum { JOBS = 2 };
    static const enum kind kinds[JOBS] = {PLAIN, ZLIB_META};
    char *outs[JOBS];
    for (int i = 0; i < JOBS; i++) {
        outs[i] = tu_strdupf("%s/batch/%d.out", f->dir, i);
        unlink(outs[i]);
        char *side = tu_strdupf("%s.meta.json", outs[i]);
        unlink(side);
        free(side);
    }
    int rc = PRTS_E_NOMEM;
    prts_batch *b = prts_batch_new_with(kind, a);
    if (b) {
        assert_int_equal(prts_batch_set_workers(b, 1), PRTS_OK);
        assert_int_equal(prts_batch_set_option(b, PRTS_OPT_THREADS, 1), PRTS_OK);
        if (kind == PRTS_BATCH_ENCODE)
            assert_int_equal(prts_batch_set_metadata_json(b, "{\"batch\":1}"), PRTS_OK);
        rc = kind == PRTS_BATCH_ENCODE ? prts_batch_set_backend(b, "scalar") : PRTS_OK;
        for (int i = 0; rc == PRTS_OK && i < JOBS; i++)
            rc = prts_batch_add(b, kind == PRTS_BATCH_ENCODE ? f->in[kinds[i]] : f->png[kinds[i]],
                                outs[i], NULL);
        if (rc == PRTS_OK)
            rc = prts_batch_run(b);
        rc = batch_outcome(b, rc, outs, JOBS);
        prts_batch_free(b);
    }
    for (int i = 0; i < JOBS; i++) {
        if (rc == PRTS_OK && kind == PRTS_BATCH_DECODE) {
            size_t n;
            uint8_t *got = tu_read_file(outs[i], &n);
            tu_assert_bytes_equal(got, n, f->payload[kinds[i]], f->len[kinds[i]]);
            free(got);
        } else if (rc == PRTS_OK) {
            size_t n;
            uint8_t *png = tu_read_file(outs[i], &n);
            assert_decodes_to(png, n, f->payload[kinds[i]], f->len[kinds[i]]);
            free(png);
        } else if (rc != PRTS_E_NOMEM) {
            print_error("batch: status %d\n", rc);
        }
        free(outs[i]);
    }
    return rc;
}

static int op_batch_encode(const prts_allocator *a, fixture *f, int injected)
{
    (void)injected;
    return op_batch(a, f, PRTS_BATCH_ENCODE);
}

static int op_batch_decode(const prts_allocator *a, fixture *f, int injected)
{
    (void)injected;
    return op_batch(a, f, PRTS_BATCH_DECODE);
}

/* Fail allocation k for k = 1, 2, ... until a run succeeds with none failed;
 * returns how many runs had a failure injected (= the allocations of a
 * successful run). */
static long sweep(const char *what, op_fn op, fixture *f)
{
    for (long k = 1;; k++) {
        counting c = {.fail_at = k};
        prts_allocator a = {count_alloc, count_free, &c};
        int rc = op(&a, f, 1);
        if (atomic_load(&c.live) != 0)
            print_error("%s, allocation %ld failed: %ld blocks leaked (rc %d)\n", what, k,
                        atomic_load(&c.live), rc);
        assert_int_equal(atomic_load(&c.live), 0);
        if (!atomic_load(&c.failed)) {
            if (rc != PRTS_OK)
                print_error("%s: %d with no failure injected\n", what, rc);
            assert_int_equal(rc, PRTS_OK);
            print_message("%-48s %4ld allocations, each failed in turn\n", what, k - 1);
            return k - 1;
        }
        if (rc != PRTS_E_NOMEM)
            print_error("%s, allocation %ld of %ld failed: status %d (%s)\n", what, k,
                        atomic_load(&c.calls), rc, prts_strerror(rc));
        assert_int_equal(rc, PRTS_E_NOMEM);
        assert_true(k < 100000);
    }
}

/* ---- fixture ------------------------------------------------------------------------------ */

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    f->out = tu_path(f->dir, "out.rts.png");
    uint64_t rng = 0x5eed;
    for (int k = 0; k < KINDS; k++) {
        size_t n = k == PLAIN ? 5000 : k == BIG ? (size_t)3 << 20 : 3000;
        f->payload[k] = malloc(n);
        if (k == PLAIN || k == BIG) {
            tu_random_bytes(&rng, f->payload[k], n);
        } else { /* compressible text, or a WASM module for code mode */
            for (size_t i = 0; i < n; i++)
                f->payload[k][i] = (uint8_t)"pixelrts allocation sweep "[i % 26];
            if (k == CODE)
                memcpy(f->payload[k], "\0asm\1\0\0\0", 8);
        }
        f->len[k] = n;
        char *name = tu_strdupf("in%d.bin", k);
        f->in[k] = tu_path(f->dir, name);
        free(name);
        tu_write_file(f->in[k], f->payload[k], n);
        name = tu_strdupf("in%d.rts.png", k);
        f->png[k] = tu_path(f->dir, name);
        free(name);
        prts_encoder *enc = prts_encoder_new();
        configure_encoder(enc, (enum kind)k);
        assert_int_equal(prts_encoder_encode_file(enc, f->in[k], f->png[k]), PRTS_OK);
        prts_encoder_free(enc);
        f->png_mem[k] = tu_read_file(f->png[k], &f->png_len[k]);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tu_rmtree(f->dir);
    for (int k = 0; k < KINDS; k++) {
        free(f->payload[k]);
        free(f->in[k]);
        free(f->png[k]);
        free(f->png_mem[k]);
    }
    free(f->out);
    free(f->dir);
    free(f);
    return 0;
}

static void sweep_kinds(fixture *f, const char *what, op_fn op)
{
    for (int k = 0; k < BIG; k++) {
        f->k = (enum kind)k;
        char *label = tu_strdupf("%s (%s)", what, kind_names[k]);
        assert_true(sweep(label, op, f) > 0);
        free(label);
    }
}

static void test_encode_push(void **state) { sweep_kinds(*state, "encode push/finish", op_encode_push); }
static void test_encode_file(void **state) { sweep_kinds(*state, "prts_encoder_encode_file", op_encode_file); }
static void test_decode_pull(void **state) { sweep_kinds(*state, "decode open/pull", op_decode_pull); }
static void test_decode_file(void **state) { sweep_kinds(*state, "prts_decoder_decode_file", op_decode_file); }

static void test_batch(void **state)
{
    assert_true(sweep("batch encode (2 jobs, 1 worker)", op_batch_encode, *state) > 0);
    assert_true(sweep("batch decode (2 jobs, 1 worker)", op_batch_decode, *state) > 0);
}

/* Several segments, two threads per handle: the writer's and the segment
 * reader's workers allocate too, in an order that varies. */
static void test_threaded(void **state)
{
    fixture *f = *state;
    f->k = BIG;
    static const struct { const char *what; op_fn op; } ops[] = {
        {"encode push/finish (3 MiB, 2 threads)", op_encode_push},
        {"prts_encoder_encode_file (3 MiB, 2 threads)", op_encode_file},
        {"decode open/pull (3 MiB, 2 threads)", op_decode_pull},
        {"prts_decoder_decode_file (3 MiB, 2 threads)", op_decode_file},
    };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        assert_true(sweep(ops[i].what, ops[i].op, f) > 0);
}

/* NULL, or an allocator missing a function, means malloc/free. */
static void test_default_allocator(void **state)
{
    fixture *f = *state;
    prts_allocator half = {count_alloc, NULL, NULL};
    prts_encoder *enc = prts_encoder_new_with(&half);
    assert_non_null(enc);
    f->k = PLAIN;
    tu_buf out = {0};
    assert_int_equal(tu_encode_mem(enc, f->payload[PLAIN], f->len[PLAIN], 0, &out), PRTS_OK);
    prts_encoder_free(enc);
    prts_decoder *dec = prts_decoder_new_with(NULL);
    assert_non_null(dec);
    tu_buf back = {0};
    assert_int_equal(tu_decode_mem(dec, out.data, out.len, 0, false, 4096, false, &back), PRTS_OK);
    tu_assert_bytes_equal(back.data, back.len, f->payload[PLAIN], f->len[PLAIN]);
    prts_decoder_free(dec);
    tu_buf_free(&out);
    tu_buf_free(&back);
    prts_batch *b = prts_batch_new_with(PRTS_BATCH_DECODE, NULL);
    assert_non_null(b);
    prts_batch_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_allocator),
        cmocka_unit_test(test_encode_push),
        cmocka_unit_test(test_encode_file),
        cmocka_unit_test(test_decode_pull),
        cmocka_unit_test(test_decode_file),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_threaded),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
