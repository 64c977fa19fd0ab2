/* test_api.c: the public API's contracts: versions, status names, options
 * and their bounds, backends, handle states, reset, sidecars. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void t_version(void **state)
{
    (void)state;
    assert_int_equal(prts_version_number(), PRTS_VERSION_NUMBER);
    assert_int_equal(PRTS_VERSION_NUMBER,
                     PRTS_VERSION_MAJOR * 10000 + PRTS_VERSION_MINOR * 100 + PRTS_VERSION_PATCH);
    assert_non_null(prts_version_string());
    assert_string_equal(prts_version_string(), PRTS_VERSION_STRING);
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", PRTS_VERSION_MAJOR, PRTS_VERSION_MINOR,
             PRTS_VERSION_PATCH);
    assert_string_equal(buf, PRTS_VERSION_STRING);
}

static void t_strerror(void **state)
{
    (void)state;
    const char *names[27];
    for (int c = 0; c >= PRTS_E_CANCELLED; c--) {
        const char *s = prts_strerror(c);
        assert_non_null(s);
        assert_true(s[0] != 0);
        names[-c] = s;
        for (int k = 0; k < -c; k++)
            if (strcmp(names[k], s) == 0)
                fail_msg("prts_strerror(%d) == prts_strerror(%d) == \"%s\"", c, -k, s);
    }
    static const int unknown[] = { 1, 42, -27, -1000, 0x7fffffff, -0x7fffffff - 1 };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *s = prts_strerror(unknown[i]);
        assert_non_null(s);
        assert_true(s[0] != 0);
    }
}

static void t_status_values_pinned(void **state)
{
    (void)state;
    assert_int_equal(PRTS_OK, 0);
    assert_int_equal(PRTS_E_INVALID_ARG, -1);
    assert_int_equal(PRTS_E_NOT_PNG, -5);
    assert_int_equal(PRTS_E_HASH_MISMATCH, -15);
    assert_int_equal(PRTS_E_BAD_STATE, -18);
    assert_int_equal(PRTS_E_CANCELLED, -26);
    assert_int_equal(PRTS_VERIFY_OFF, 0);
    assert_int_equal(PRTS_VERIFY_REQUIRED, 1);
    assert_int_equal(PRTS_VERIFY_IF_PRESENT, 2);
}

static const prts_option all_opts[] = {
    PRTS_OPT_MODE, PRTS_OPT_COMPRESSION_LEVEL, PRTS_OPT_FILTER, PRTS_OPT_GRID_SIZE,
    PRTS_OPT_MEMORY_BUDGET, PRTS_OPT_WRITE_SIDECAR, PRTS_OPT_VERIFY_HASH,
    PRTS_OPT_READ_SIDECAR, PRTS_OPT_MAX_GRID_SIZE, PRTS_OPT_MAX_METADATA_SIZE,
    PRTS_OPT_MAX_METADATA_CHUNKS,
};
#define NOPTS (sizeof all_opts / sizeof all_opts[0])

static void t_option_bounds(void **state)
{
    (void)state;
    int64_t mn, mx;
    for (size_t i = 0; i < NOPTS; i++) {
        mn = 12345;
        mx = -12345;
        assert_int_equal(prts_option_bounds(all_opts[i], &mn, &mx), PRTS_OK);
        assert_true(mn <= mx);
    }
    static const struct { prts_option o; int64_t mn, mx; } exact[] = {
        { PRTS_OPT_MODE, 0, 1 }, { PRTS_OPT_COMPRESSION_LEVEL, -9, 9 }, { PRTS_OPT_FILTER, 0, 1 },
        { PRTS_OPT_WRITE_SIDECAR, 0, 1 }, { PRTS_OPT_VERIFY_HASH, 0, 2 },
        { PRTS_OPT_READ_SIDECAR, 0, 1 },
    };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        assert_int_equal(prts_option_bounds(exact[i].o, &mn, &mx), PRTS_OK);
        assert_int_equal(mn, exact[i].mn);
        assert_int_equal(mx, exact[i].mx);
    }
    assert_int_equal(prts_option_bounds(PRTS_OPT_GRID_SIZE, &mn, &mx), PRTS_OK);
    assert_int_equal(mn, 0);
    assert_true(mx >= 65536);
    assert_int_equal(prts_option_bounds(PRTS_OPT_MAX_GRID_SIZE, &mn, &mx), PRTS_OK);
    assert_true(mn <= 4 && mx >= 65536);
    assert_int_equal(prts_option_bounds(PRTS_OPT_MEMORY_BUDGET, &mn, &mx), PRTS_OK);
    assert_true(mn <= (64 << 20) && mx >= (64 << 20));
    assert_int_equal(prts_option_bounds(PRTS_OPT_MAX_METADATA_SIZE, &mn, &mx), PRTS_OK);
    assert_true(mn <= 4096 && mx >= (1 << 30));
    /* unknown keys */
    assert_int_equal(prts_option_bounds((prts_option)0, &mn, &mx), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_option_bounds(PRTS_OPT_MAX_METADATA_CHUNKS, &mn, &mx), PRTS_OK);
    assert_true(mn == 1 && mx >= 65536);
    assert_int_equal(prts_option_bounds((prts_option)15, &mn, &mx), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_option_bounds(PRTS_OPT_THREADS, &mn, &mx), PRTS_OK);
    assert_true(mn == 0 && mx >= 2);
    assert_int_equal(prts_option_bounds((prts_option)-1, &mn, &mx), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_option_bounds((prts_option)1000, &mn, &mx), PRTS_E_INVALID_ARG);
}

static void t_encoder_defaults(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    assert_non_null(enc);
    int64_t v;
    static const struct { prts_option o; int64_t v; } d[] = {
        { PRTS_OPT_MODE, PRTS_MODE_STANDARD }, { PRTS_OPT_COMPRESSION_LEVEL, PRTS_LEVEL_ADAPTIVE(1) },
        { PRTS_OPT_FILTER, PRTS_FILTER_NONE }, { PRTS_OPT_GRID_SIZE, 0 },
        { PRTS_OPT_MEMORY_BUDGET, 32ll << 20 }, { PRTS_OPT_WRITE_SIDECAR, 1 },
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        v = -999;
        assert_int_equal(prts_encoder_get_option(enc, d[i].o, &v), PRTS_OK);
        if (v != d[i].v)
            fail_msg("encoder option %d: default %lld, expected %lld", d[i].o, (long long)v,
                     (long long)d[i].v);
    }
    assert_string_equal(prts_encoder_last_error(enc), "");
    assert_null(prts_encoder_metadata_json(enc));
    prts_encoder_free(enc);
}

static void t_decoder_defaults(void **state)
{
    (void)state;
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    int64_t v;
    static const struct { prts_option o; int64_t v; } d[] = {
        { PRTS_OPT_MEMORY_BUDGET, 32ll << 20 }, { PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_REQUIRED },
        { PRTS_OPT_READ_SIDECAR, 1 }, { PRTS_OPT_MAX_GRID_SIZE, 65536 },
        { PRTS_OPT_MAX_METADATA_SIZE, 64ll << 20 }, { PRTS_OPT_MAX_METADATA_CHUNKS, 64 },
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        v = -999;
        assert_int_equal(prts_decoder_get_option(dec, d[i].o, &v), PRTS_OK);
        if (v != d[i].v)
            fail_msg("decoder option %d: default %lld, expected %lld", d[i].o, (long long)v,
                     (long long)d[i].v);
    }
    assert_string_equal(prts_decoder_last_error(dec), "");
    assert_null(prts_decoder_metadata_json(dec));
    prts_decoder_free(dec);
}

/* Set every value at the bounds; one past them is INVALID_ARG and keeps the old value. */
static void t_set_get_options(void **state)
{
    (void)state;
    static const prts_option enc_opts[] = { PRTS_OPT_MODE, PRTS_OPT_COMPRESSION_LEVEL,
        PRTS_OPT_FILTER, PRTS_OPT_MEMORY_BUDGET, PRTS_OPT_WRITE_SIDECAR };
    static const prts_option dec_opts[] = { PRTS_OPT_MEMORY_BUDGET, PRTS_OPT_VERIFY_HASH,
        PRTS_OPT_READ_SIDECAR, PRTS_OPT_MAX_GRID_SIZE, PRTS_OPT_MAX_METADATA_SIZE,
        PRTS_OPT_MAX_METADATA_CHUNKS };
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    for (size_t i = 0; i < sizeof enc_opts / sizeof enc_opts[0]; i++) {
        int64_t mn, mx, v;
        prts_option o = enc_opts[i];
        assert_int_equal(prts_option_bounds(o, &mn, &mx), PRTS_OK);
        assert_int_equal(prts_encoder_set_option(enc, o, mx), PRTS_OK);
        assert_int_equal(prts_encoder_get_option(enc, o, &v), PRTS_OK);
        assert_true(v == mx);
        assert_int_equal(prts_encoder_set_option(enc, o, mn), PRTS_OK);
        assert_int_equal(prts_encoder_get_option(enc, o, &v), PRTS_OK);
        assert_true(v == mn);
        if (mx < INT64_MAX)
            assert_int_equal(prts_encoder_set_option(enc, o, mx + 1), PRTS_E_INVALID_ARG);
        if (mn > INT64_MIN)
            assert_int_equal(prts_encoder_set_option(enc, o, mn - 1), PRTS_E_INVALID_ARG);
        assert_int_equal(prts_encoder_get_option(enc, o, &v), PRTS_OK);
        assert_true(v == mn);
    }
    for (size_t i = 0; i < sizeof dec_opts / sizeof dec_opts[0]; i++) {
        int64_t mn, mx, v;
        prts_option o = dec_opts[i];
        assert_int_equal(prts_option_bounds(o, &mn, &mx), PRTS_OK);
        assert_int_equal(prts_decoder_set_option(dec, o, mx), PRTS_OK);
        assert_int_equal(prts_decoder_get_option(dec, o, &v), PRTS_OK);
        assert_true(v == mx);
        assert_int_equal(prts_decoder_set_option(dec, o, mn), PRTS_OK);
        assert_int_equal(prts_decoder_get_option(dec, o, &v), PRTS_OK);
        assert_true(v == mn);
        if (mx < INT64_MAX)
            assert_int_equal(prts_decoder_set_option(dec, o, mx + 1), PRTS_E_INVALID_ARG);
        if (mn > INT64_MIN)
            assert_int_equal(prts_decoder_set_option(dec, o, mn - 1), PRTS_E_INVALID_ARG);
        assert_int_equal(prts_decoder_get_option(dec, o, &v), PRTS_OK);
        assert_true(v == mn);
    }
    /* grid sizes: powers of two accepted, others not */
    int64_t v;
    for (int64_t g = 1; g <= 65536; g *= 2) {
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, g), PRTS_OK);
        assert_int_equal(prts_encoder_get_option(enc, PRTS_OPT_GRID_SIZE, &v), PRTS_OK);
        assert_true(v == g);
    }
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, 0), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, 48), PRTS_E_INVALID_ARG);
    /* unknown keys */
    assert_int_equal(prts_encoder_set_option(enc, (prts_option)0, 1), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_encoder_set_option(enc, (prts_option)99, 1), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_decoder_set_option(dec, (prts_option)99, 1), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_encoder_get_option(enc, (prts_option)99, &v), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_decoder_get_option(dec, (prts_option)99, &v), PRTS_E_INVALID_ARG);
    /* NULL handles / out pointers */
    assert_int_equal(prts_encoder_set_option(NULL, PRTS_OPT_MODE, 0), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_decoder_set_option(NULL, PRTS_OPT_VERIFY_HASH, 0), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_encoder_get_option(enc, PRTS_OPT_MODE, NULL), PRTS_E_INVALID_ARG);
    prts_encoder_free(enc);
    prts_decoder_free(dec);
}

/* Options meant for the other handle type are refused. */
static void t_options_per_handle(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    static const prts_option donly[] = { PRTS_OPT_VERIFY_HASH, PRTS_OPT_READ_SIDECAR,
        PRTS_OPT_MAX_GRID_SIZE, PRTS_OPT_MAX_METADATA_SIZE, PRTS_OPT_MAX_METADATA_CHUNKS };
    static const prts_option eonly[] = { PRTS_OPT_MODE, PRTS_OPT_COMPRESSION_LEVEL,
        PRTS_OPT_FILTER, PRTS_OPT_GRID_SIZE, PRTS_OPT_WRITE_SIDECAR };
    for (size_t i = 0; i < sizeof donly / sizeof donly[0]; i++)
        if (prts_encoder_set_option(enc, donly[i], 1) != PRTS_E_INVALID_ARG)
            fail_msg("encoder accepted decoder-only option %d", donly[i]);
    for (size_t i = 0; i < 5; i++)
        if (prts_decoder_set_option(dec, eonly[i], 1) != PRTS_E_INVALID_ARG)
            fail_msg("decoder accepted encoder-only option %d", eonly[i]);
    prts_encoder_free(enc);
    prts_decoder_free(dec);
}

static void t_free_null(void **state)
{
    (void)state;
    prts_encoder_free(NULL);
    prts_decoder_free(NULL);
    prts_free(NULL);
}

static void t_metadata_json_arg(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_metadata_json(enc, "[1,2]"), PRTS_E_BAD_METADATA);
    prts_encoder_reset(enc);
    assert_int_equal(prts_encoder_set_metadata_json(enc, "{not json"), PRTS_E_BAD_METADATA);
    prts_encoder_reset(enc);
    assert_int_equal(prts_encoder_set_metadata_json(enc, "\"str\""), PRTS_E_BAD_METADATA);
    prts_encoder_reset(enc);
    assert_int_equal(prts_encoder_set_metadata_json(enc, "{\"a\":1}"), PRTS_OK);
    assert_int_equal(prts_encoder_set_metadata_json(enc, NULL), PRTS_OK);   /* clears */
    tu_buf out = {0};
    assert_int_equal(tu_encode_mem(enc, "x", 1, 0, &out), PRTS_OK);
    char *js = prts_encoder_metadata_json(enc);
    json_t *m = tu_json_parse(js);
    assert_null(json_object_get(m, "a"));
    json_decref(m);
    prts_free(js);
    tu_buf_free(&out);
    /* "{}" clears too */
    prts_encoder_reset(enc);
    assert_int_equal(prts_encoder_set_metadata_json(enc, "{\"a\":1}"), PRTS_OK);
    assert_int_equal(prts_encoder_set_metadata_json(enc, "{}"), PRTS_OK);
    assert_int_equal(tu_encode_mem(enc, "x", 1, 0, &out), PRTS_OK);
    js = prts_encoder_metadata_json(enc);
    m = tu_json_parse(js);
    assert_null(json_object_get(m, "a"));
    json_decref(m);
    prts_free(js);
    tu_buf_free(&out);
    prts_encoder_free(enc);
}

/* ---- backends ------------------------------------------------------------ */

static void t_backends(void **state)
{
    (void)state;
    int n = prts_backend_count();
    assert_true(n >= 1);
    bool scalar = false;
    for (int i = 0; i < n; i++) {
        const char *name = prts_backend_name(i);
        assert_non_null(name);
        assert_true(name[0] != 0);
        assert_string_not_equal(name, "auto");
        if (!strcmp(name, "scalar"))
            scalar = true;
    }
    assert_true(scalar);
    assert_null(prts_backend_name(n));
    assert_null(prts_backend_name(-1));
    char why[128] = "unchanged";
    assert_int_equal(prts_backend_probe("scalar", why, sizeof why), PRTS_OK);
    assert_int_equal(prts_backend_probe("scalar", NULL, 0), PRTS_OK);
    assert_int_equal(prts_backend_probe("nope", NULL, 0), PRTS_E_BACKEND);
    char small[4];
    memset(small, 'x', sizeof small);
    assert_int_equal(prts_backend_probe("nope", small, sizeof small), PRTS_E_BACKEND);
    assert_int_equal(small[3], 0);  /* truncated and terminated */
}

static void t_handle_backend(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    const char *b = prts_encoder_backend(enc);
    assert_non_null(b);
    assert_string_not_equal(b, "auto");
    b = prts_decoder_backend(dec);
    assert_non_null(b);
    assert_string_not_equal(b, "auto");
    assert_int_equal(prts_encoder_set_backend(enc, "scalar"), PRTS_OK);
    assert_string_equal(prts_encoder_backend(enc), "scalar");
    assert_int_equal(prts_decoder_set_backend(dec, "scalar"), PRTS_OK);
    assert_string_equal(prts_decoder_backend(dec), "scalar");
    assert_int_equal(prts_encoder_set_backend(enc, "auto"), PRTS_OK);
    assert_string_not_equal(prts_encoder_backend(enc), "auto");
    /* scalar round trip */
    assert_int_equal(prts_encoder_set_backend(enc, "scalar"), PRTS_OK);
    uint8_t d[5000];
    uint64_t s = 3;
    tu_random_bytes(&s, d, sizeof d);
    tu_buf png = {0}, out = {0};
    assert_int_equal(tu_encode_mem(enc, d, sizeof d, 999, &png), PRTS_OK);
    assert_int_equal(tu_decode_mem(dec, png.data, png.len, 0, false, 1000, false, &out), PRTS_OK);
    tu_assert_bytes_equal(out.data, out.len, d, sizeof d);
    assert_string_equal(prts_encoder_backend(enc), "scalar");
    assert_string_equal(prts_decoder_backend(dec), "scalar");
    tu_buf_free(&png);
    tu_buf_free(&out);
    prts_encoder_free(enc);
    prts_decoder_free(dec);
}

static void t_backend_env(void **state)
{
    (void)state;
    char *old = getenv("PIXELRTS_BACKEND") ? strdup(getenv("PIXELRTS_BACKEND")) : NULL;
    setenv("PIXELRTS_BACKEND", "scalar", 1);
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(enc);
    assert_non_null(dec);
    assert_string_equal(prts_encoder_backend(enc), "scalar");
    assert_string_equal(prts_decoder_backend(dec), "scalar");
    prts_encoder_free(enc);
    prts_decoder_free(dec);
    if (old) {
        setenv("PIXELRTS_BACKEND", old, 1);
        free(old);
    } else {
        unsetenv("PIXELRTS_BACKEND");
    }
}

/* Every compiled-in backend that probes OK gives the same PNG pixels and the
 * same payload as scalar. */
static void t_backends_agree(void **state)
{
    (void)state;
    size_t n = 300000;
    uint8_t *d = malloc(n);
    uint64_t s = 11;
    tu_random_bytes(&s, d, n);
    tu_buf ref = {0};
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_backend(enc, "scalar"), PRTS_OK);
    assert_int_equal(tu_encode_mem(enc, d, n, 0, &ref), PRTS_OK);
    prts_encoder_free(enc);
    for (int i = 0; i < prts_backend_count(); i++) {
        const char *name = prts_backend_name(i);
        if (prts_backend_probe(name, NULL, 0) != PRTS_OK)
            continue;
        for (int mode = 0; mode <= 1; mode++) {
            tu_buf a = {0}, b = {0}, out = {0};
            enc = prts_encoder_new();
            assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MODE, mode), PRTS_OK);
            assert_int_equal(prts_encoder_set_backend(enc, "scalar"), PRTS_OK);
            if (mode == 1)
                memcpy(d, "\0asm", 4);
            assert_int_equal(tu_encode_mem(enc, d, n, 0, &a), PRTS_OK);
            prts_encoder_reset(enc);
            assert_int_equal(prts_encoder_set_backend(enc, name), PRTS_OK);
            assert_int_equal(tu_encode_mem(enc, d, n, 0, &b), PRTS_OK);
            if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
                fail_msg("backend %s (mode %d) writes a different PNG than scalar", name, mode);
            prts_decoder *dec = prts_decoder_new();
            assert_int_equal(prts_decoder_set_backend(dec, name), PRTS_OK);
            assert_int_equal(tu_decode_mem(dec, b.data, b.len, 0, false, 65536, false, &out),
                             PRTS_OK);
            tu_assert_bytes_equal(out.data, out.len, d, n);
            prts_decoder_free(dec);
            prts_encoder_free(enc);
            tu_buf_free(&a);
            tu_buf_free(&b);
            tu_buf_free(&out);
        }
    }
    tu_buf_free(&ref);
    free(d);
}

/* ---- states ---------------------------------------------------------------- */

static void t_pull_before_open(void **state)
{
    (void)state;
    prts_decoder *dec = prts_decoder_new();
    uint8_t b[8];
    size_t got = 77;
    assert_int_equal(prts_decoder_pull(dec, b, sizeof b, &got), PRTS_E_BAD_STATE);
    int64_t v;
    assert_int_not_equal(prts_decoder_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
    assert_null(prts_decoder_metadata_json(dec));
    prts_decoder_free(dec);
}

static void t_encoder_states(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    tu_buf out = {0};
    /* finish with nothing pushed: the empty payload, 1x1 grid */
    assert_int_equal(prts_encoder_finish(enc, tu_write_cb, &out), PRTS_OK);
    char *js = prts_encoder_metadata_json(enc);
    json_t *m = tu_json_parse(js);
    assert_int_equal(json_integer_value(json_object_get(m, "data_size")), 0);
    assert_int_equal(json_integer_value(json_object_get(m, "grid_size")), 1);
    json_decref(m);
    prts_free(js);
    uint32_t w, h;
    uint8_t *px;
    assert_int_equal(tu_png_rgba(out.data, out.len, &w, &h, &px), 0);
    assert_int_equal(w, 1);
    assert_int_equal(h, 1);
    free(px);
    /* after finish: push and finish are out of order until reset */
    assert_int_equal(prts_encoder_push(enc, "a", 1), PRTS_E_BAD_STATE);
    assert_int_equal(prts_encoder_finish(enc, tu_write_cb, &out), PRTS_E_BAD_STATE);
    tu_buf_free(&out);
    assert_int_equal(prts_encoder_reset(enc), PRTS_OK);
    assert_null(prts_encoder_metadata_json(enc));
    assert_int_equal(prts_encoder_push(enc, "", 0), PRTS_OK);
    assert_int_equal(prts_encoder_push(enc, "abc", 3), PRTS_OK);
    assert_int_equal(prts_encoder_push(enc, NULL, 0), PRTS_OK);
    assert_int_equal(prts_encoder_finish(enc, tu_write_cb, &out), PRTS_OK);
    prts_decoder *dec = prts_decoder_new();
    tu_buf got = {0};
    assert_int_equal(tu_decode_mem(dec, out.data, out.len, 0, false, 10, false, &got), PRTS_OK);
    tu_assert_bytes_equal(got.data, got.len, "abc", 3);
    /* bad arguments */
    prts_encoder_reset(enc);
    assert_int_equal(prts_encoder_push(enc, NULL, 5), PRTS_E_INVALID_ARG);
    prts_encoder_reset(enc);
    assert_int_equal(prts_encoder_finish(enc, NULL, NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_encoder_push(NULL, "a", 1), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_decoder_open(NULL, tu_read_cb, NULL), PRTS_E_INVALID_ARG);
    prts_decoder_free(dec);
    tu_buf_free(&got);
    tu_buf_free(&out);
    prts_encoder_free(enc);
}

/* A fatal error poisons the handle; reset clears it and keeps options. */
static void t_poison_and_reset(void **state)
{
    (void)state;
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_IF_PRESENT),
                     PRTS_OK);
    static const char junk[] = "definitely not a png file";
    tu_buf out = {0};
    assert_int_equal(tu_decode_mem(dec, junk, sizeof junk, 0, false, 64, false, &out),
                     PRTS_E_NOT_PNG);
    assert_true(prts_decoder_last_error(dec)[0] != 0);
    uint8_t b[8];
    size_t got;
    assert_int_equal(prts_decoder_pull(dec, b, sizeof b, &got), PRTS_E_BAD_STATE);
    char *v = tu_vector_path("std-10.rts.png");
    size_t n;
    uint8_t *png = tu_read_file(v, &n);
    tu_reader rd;
    tu_reader_init(&rd, png, n, 0, false);
    assert_int_equal(prts_decoder_open(dec, tu_read_cb, &rd), PRTS_E_BAD_STATE);
    assert_int_equal(prts_decoder_reset(dec), PRTS_OK);
    assert_string_equal(prts_decoder_last_error(dec), "");
    int64_t vh = 0;
    assert_int_equal(prts_decoder_get_option(dec, PRTS_OPT_VERIFY_HASH, &vh), PRTS_OK);
    assert_int_equal(vh, PRTS_VERIFY_IF_PRESENT);
    assert_int_equal(tu_decode_mem(dec, png, n, 0, false, 64, false, &out), PRTS_OK);
    assert_int_equal(out.len, 10);
    tu_buf_free(&out);
    prts_decoder_free(dec);

    /* the encoder: a failed set_backend poisons until reset */
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_COMPRESSION_LEVEL, 7), PRTS_OK);
    assert_int_equal(prts_encoder_set_backend(enc, "nope"), PRTS_E_BACKEND);
    assert_int_equal(prts_encoder_push(enc, "a", 1), PRTS_E_BAD_STATE);
    assert_int_equal(prts_encoder_reset(enc), PRTS_OK);
    assert_string_equal(prts_encoder_last_error(enc), "");
    int64_t lv = 0;
    assert_int_equal(prts_encoder_get_option(enc, PRTS_OPT_COMPRESSION_LEVEL, &lv), PRTS_OK);
    assert_int_equal(lv, 7);
    assert_int_equal(tu_encode_mem(enc, "abc", 3, 1, &out), PRTS_OK);
    tu_buf_free(&out);
    prts_encoder_free(enc);
    free(png);
    free(v);
}

/* Reset mid-stream forgets pushed data / the open file. */
static void t_reset_midstream(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_push(enc, "XXXXXXXXXX", 10), PRTS_OK);
    assert_int_equal(prts_encoder_reset(enc), PRTS_OK);
    tu_buf png = {0}, out = {0};
    assert_int_equal(tu_encode_mem(enc, "hello", 5, 2, &png), PRTS_OK);
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(tu_decode_mem(dec, png.data, png.len, 0, false, 2, false, &out), PRTS_OK);
    tu_assert_bytes_equal(out.data, out.len, "hello", 5);
    /* decoder: open, pull a little, reset, decode another stream fully */
    tu_buf out2 = {0};
    char *v = tu_vector_path("std-4097-seq.rts.png");
    size_t n;
    uint8_t *vp = tu_read_file(v, &n);
    prts_decoder_reset(dec);
    tu_reader rd;
    tu_reader_init(&rd, vp, n, 0, false);
    assert_int_equal(prts_decoder_open(dec, tu_read_cb, &rd), PRTS_OK);
    uint8_t b[100];
    size_t got;
    assert_int_equal(prts_decoder_pull(dec, b, sizeof b, &got), PRTS_OK);
    assert_int_equal(prts_decoder_reset(dec), PRTS_OK);
    assert_null(prts_decoder_metadata_json(dec));
    assert_int_equal(tu_decode_mem(dec, png.data, png.len, 0, false, 3, false, &out2), PRTS_OK);
    tu_assert_bytes_equal(out2.data, out2.len, "hello", 5);
    tu_buf_free(&out2);
    tu_buf_free(&out);
    tu_buf_free(&png);
    free(vp);
    free(v);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
}

/* A decoder never reuses one file's metadata for the next. */
static void t_no_metadata_reuse(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *out = tu_path(dir, "o.bin");
    char *a = tu_vector_path("meta-kernel.rts.png");
    char *b = tu_vector_path("std-10.rts.png");
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decode_file(dec, a, out), PRTS_OK);
    assert_int_equal(prts_decode_file(dec, b, out), PRTS_OK);
    char *js = prts_decoder_metadata_json(dec);
    json_t *m = tu_json_parse(js);
    assert_null(json_object_get(m, "name"));
    assert_null(json_object_get(m, "content_version"));
    assert_int_equal(json_integer_value(json_object_get(m, "data_size")), 10);
    json_decref(m);
    prts_free(js);
    int64_t v;
    assert_int_equal(prts_decoder_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
    assert_int_equal(v, 10);
    size_t olen;
    uint8_t *o = tu_read_file(out, &olen);
    assert_int_equal(olen, 10);
    free(o);

    /* a file without metadata after one with it: NO_METADATA, not the old one */
    uint8_t px[64] = {0};
    size_t plen;
    uint8_t *png = tu_png_encode(4, 4, px, NULL, 0, &plen);
    char *nm = tu_path(dir, "nometa.rts.png");
    tu_write_file(nm, png, plen);
    prts_decoder_reset(dec);
    assert_int_equal(prts_decode_file(dec, a, out), PRTS_OK);
    assert_int_equal(prts_decode_file(dec, nm, out), PRTS_E_NO_METADATA);
    assert_null(prts_decoder_metadata_json(dec));
    /* the same through open/pull */
    prts_decoder_reset(dec);
    tu_buf got = {0};
    size_t an;
    uint8_t *ap = tu_read_file(a, &an);
    assert_int_equal(tu_decode_mem(dec, ap, an, 0, false, 4096, false, &got), PRTS_OK);
    tu_buf_free(&got);
    prts_decoder_reset(dec);
    assert_int_equal(tu_decode_mem(dec, png, plen, 0, false, 4096, false, &got), PRTS_E_NO_METADATA);
    assert_null(prts_decoder_metadata_json(dec));
    /* read_info too */
    prts_decoder_reset(dec);
    assert_int_equal(prts_read_info(dec, a), PRTS_OK);
    assert_int_equal(prts_read_info(dec, b), PRTS_OK);
    assert_int_equal(prts_decoder_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
    assert_int_equal(v, 10);
    tu_buf_free(&got);
    free(ap);
    free(png);
    free(nm);
    prts_decoder_free(dec);
    free(a);
    free(b);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* Reading the metadata back after encode_file; reuse of the encoder after reset. */
static void t_encoder_reuse(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_metadata_json(enc, "{\"name\":\"first\"}"), PRTS_OK);
    tu_buf png = {0};
    assert_int_equal(tu_encode_mem(enc, "one", 3, 0, &png), PRTS_OK);
    tu_buf_free(&png);
    assert_int_equal(prts_encoder_reset(enc), PRTS_OK);
    assert_null(prts_encoder_metadata_json(enc));
    assert_int_equal(tu_encode_mem(enc, "second!", 7, 0, &png), PRTS_OK);
    char *js = prts_encoder_metadata_json(enc);
    json_t *m = tu_json_parse(js);
    assert_int_equal(json_integer_value(json_object_get(m, "data_size")), 7);
    json_decref(m);
    prts_free(js);
    prts_decoder *dec = prts_decoder_new();
    tu_buf out = {0};
    assert_int_equal(tu_decode_mem(dec, png.data, png.len, 0, false, 100, false, &out), PRTS_OK);
    tu_assert_bytes_equal(out.data, out.len, "second!", 7);
    tu_buf_free(&out);
    tu_buf_free(&png);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
}

/* ---- sidecars ---------------------------------------------------------------- */

static void copy_file(const char *from, const char *to)
{
    size_t n;
    uint8_t *d = tu_read_file(from, &n);
    tu_write_file(to, d, n);
    free(d);
}

static void t_sidecar_sources(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *vp = tu_vector_path("meta-kernel.rts.png");
    char *vs = tu_vector_path("meta-kernel.rts.png.meta.json");
    char *png = tu_path(dir, "k.rts.png");
    char *side = tu_path(dir, "k.rts.png.meta.json");
    char *alt = tu_path(dir, "k.rts.meta.json");
    copy_file(vp, png);
    int64_t v;
    prts_decoder *dec = prts_decoder_new();
    /* chunk only */
    assert_int_equal(prts_read_info(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_info(dec, PRTS_INFO_METADATA_SOURCE, &v), PRTS_OK);
    assert_int_equal(v, PRTS_META_CHUNK);
    /* alternate sidecar name */
    copy_file(vs, alt);
    prts_decoder_reset(dec);
    assert_int_equal(prts_read_info(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_info(dec, PRTS_INFO_METADATA_SOURCE, &v), PRTS_OK);
    assert_int_equal(v, PRTS_META_ALT_SIDECAR);
    assert_int_equal(prts_decoder_info(dec, PRTS_INFO_SIDECAR_MISMATCH, &v), PRTS_OK);
    assert_int_equal(v, 0);
    /* the main sidecar name wins */
    copy_file(vs, side);
    prts_decoder_reset(dec);
    assert_int_equal(prts_read_info(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_info(dec, PRTS_INFO_METADATA_SOURCE, &v), PRTS_OK);
    assert_int_equal(v, PRTS_META_SIDECAR);
    /* READ_SIDECAR=0: the chunk */
    prts_decoder_reset(dec);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_READ_SIDECAR, 0), PRTS_OK);
    assert_int_equal(prts_read_info(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_info(dec, PRTS_INFO_METADATA_SOURCE, &v), PRTS_OK);
    assert_int_equal(v, PRTS_META_CHUNK);
    prts_decoder_free(dec);
    /* a sidecar that disagrees with the chunk is reported */
    json_t *m = tu_json_load_file(vs);
    json_object_set_new(m, "name", json_string("someone_else"));
    assert_int_equal(json_dump_file(m, side, JSON_INDENT(2) | JSON_ENSURE_ASCII), 0);
    json_decref(m);
    dec = prts_decoder_new();
    assert_int_equal(prts_read_info(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_info(dec, PRTS_INFO_SIDECAR_MISMATCH, &v), PRTS_OK);
    assert_int_equal(v, 1);
    prts_decoder_free(dec);
    free(vp);
    free(vs);
    free(png);
    free(side);
    free(alt);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_version),
        cmocka_unit_test(t_strerror),
        cmocka_unit_test(t_status_values_pinned),
        cmocka_unit_test(t_option_bounds),
        cmocka_unit_test(t_encoder_defaults),
        cmocka_unit_test(t_decoder_defaults),
        cmocka_unit_test(t_set_get_options),
        cmocka_unit_test(t_options_per_handle),
        cmocka_unit_test(t_free_null),
        cmocka_unit_test(t_metadata_json_arg),
        cmocka_unit_test(t_backends),
        cmocka_unit_test(t_handle_backend),
        cmocka_unit_test(t_backend_env),
        cmocka_unit_test(t_backends_agree),
        cmocka_unit_test(t_pull_before_open),
        cmocka_unit_test(t_encoder_states),
        cmocka_unit_test(t_poison_and_reset),
        cmocka_unit_test(t_reset_midstream),
        cmocka_unit_test(t_no_metadata_reuse),
        cmocka_unit_test(t_encoder_reuse),
        cmocka_unit_test(t_sidecar_sources),
    };
    return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
