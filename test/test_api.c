/* test_api.c: the public API's contracts: versions, status names, options
 * and their bounds, backends, handle states, reset, sidecars; the one-shot and
 * buffer calls, verify_file, user metadata, batch settings, the conventions. */
#define PRTS_EXPERIMENTAL /* the experimental tier's naming function follows the conventions */
#include "test_util.h"

#include <pthread.h>
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
    const char *names[31];
    for (int c = 0; c >= PRTS_E_BUFFER_TOO_SMALL; c--) {
        const char *s = prts_strerror(c);
        assert_non_null(s);
        assert_true(s[0] != 0);
        names[-c] = s;
        for (int k = 0; k < -c; k++)
            if (strcmp(names[k], s) == 0)
                fail_msg("prts_strerror(%d) == prts_strerror(%d) == \"%s\"", c, -k, s);
    }
    static const int unknown[] = { 1, 42, -31, -1000, 0x7fffffff, -0x7fffffff - 1 };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *s = prts_strerror(unknown[i]);
        assert_non_null(s);
        assert_string_equal(s, "unknown"); /* pixelrts.h: the naming functions' convention */
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
    assert_int_equal(PRTS_E_BACKEND_UNKNOWN, -20);
    assert_int_equal(PRTS_E_SIDECAR_MISMATCH, -24);
    assert_int_equal(PRTS_E_CANCELLED, -26);
    assert_int_equal(PRTS_E_CHANGED, -28);
    assert_int_equal(PRTS_E_BACKEND_UNAVAILABLE, -29);
    assert_int_equal(PRTS_E_BUFFER_TOO_SMALL, -30);
    assert_int_equal(PRTS_PAYLOAD_NONE, 0);
    assert_int_equal(PRTS_PAYLOAD_ZLIB, 1);
    assert_int_equal(PRTS_PAYLOAD_ZSTD, 2);
    assert_int_equal(PRTS_OPT_PNG_LEVEL, 2);
    assert_int_equal(PRTS_VERIFY_OFF, 0);
    assert_int_equal(PRTS_VERIFY_REQUIRED, 1);
    assert_int_equal(PRTS_VERIFY_IF_PRESENT, 2);
}

static const prts_option all_opts[] = {
    PRTS_OPT_MODE, PRTS_OPT_PNG_LEVEL, PRTS_OPT_FILTER, PRTS_OPT_GRID_SIZE,
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
        { PRTS_OPT_MODE, 0, 1 }, { PRTS_OPT_PNG_LEVEL, -9, 9 }, { PRTS_OPT_FILTER, 0, 1 },
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
        { PRTS_OPT_MODE, PRTS_MODE_STANDARD }, { PRTS_OPT_PNG_LEVEL, PRTS_LEVEL_ADAPTIVE(1) },
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
    assert_null(prts_decoder_metadata_json(dec));
    prts_decoder_free(dec);
}

/* Set every value at the bounds; one past them is INVALID_ARG and keeps the old value. */
static void t_set_get_options(void **state)
{
    (void)state;
    static const prts_option enc_opts[] = { PRTS_OPT_MODE, PRTS_OPT_PNG_LEVEL,
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
    static const prts_option eonly[] = { PRTS_OPT_MODE, PRTS_OPT_PNG_LEVEL,
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
    assert_string_equal(prts_backend_name(n), "unknown");
    assert_string_equal(prts_backend_name(-1), "unknown");
    char why[128] = "unchanged";
    assert_int_equal(prts_backend_probe("scalar", why, sizeof why), PRTS_OK);
    assert_int_equal(prts_backend_probe("scalar", NULL, 0), PRTS_OK);
    assert_int_equal(prts_backend_probe("nope", NULL, 0), PRTS_E_BACKEND_UNKNOWN);
    char small[4];
    memset(small, 'x', sizeof small);
    assert_int_equal(prts_backend_probe("nope", small, sizeof small), PRTS_E_BACKEND_UNKNOWN);
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
    assert_int_not_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
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
    int64_t vh = 0;
    assert_int_equal(prts_decoder_get_option(dec, PRTS_OPT_VERIFY_HASH, &vh), PRTS_OK);
    assert_int_equal(vh, PRTS_VERIFY_IF_PRESENT);
    assert_int_equal(tu_decode_mem(dec, png, n, 0, false, 64, false, &out), PRTS_OK);
    assert_int_equal(out.len, 10);
    tu_buf_free(&out);
    prts_decoder_free(dec);

    /* the encoder: a failed set_backend poisons until reset */
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PNG_LEVEL, 7), PRTS_OK);
    assert_int_equal(prts_encoder_set_backend(enc, "nope"), PRTS_E_BACKEND_UNKNOWN);
    assert_int_equal(prts_encoder_push(enc, "a", 1), PRTS_E_BAD_STATE);
    assert_int_equal(prts_encoder_reset(enc), PRTS_OK);
    assert_string_equal(prts_encoder_last_error(enc), "");
    int64_t lv = 0;
    assert_int_equal(prts_encoder_get_option(enc, PRTS_OPT_PNG_LEVEL, &lv), PRTS_OK);
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
    assert_int_equal(prts_decoder_decode_file(dec, a, out), PRTS_OK);
    assert_int_equal(prts_decoder_decode_file(dec, b, out), PRTS_OK);
    char *js = prts_decoder_metadata_json(dec);
    json_t *m = tu_json_parse(js);
    assert_null(json_object_get(m, "name"));
    assert_null(json_object_get(m, "content_version"));
    assert_int_equal(json_integer_value(json_object_get(m, "data_size")), 10);
    json_decref(m);
    prts_free(js);
    int64_t v;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
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
    assert_int_equal(prts_decoder_decode_file(dec, a, out), PRTS_OK);
    assert_int_equal(prts_decoder_decode_file(dec, nm, out), PRTS_E_NO_METADATA);
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
    assert_int_equal(prts_decoder_read_info(dec, a), PRTS_OK);
    assert_int_equal(prts_decoder_read_info(dec, b), PRTS_OK);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
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

/* An encoder used for many payloads writes, for each, exactly what a fresh
 * encoder with the same settings writes (it reuses its metadata object from
 * payload to payload, and must rebuild it whenever a setting changes). */
static void t_encoder_reuse_matches_fresh(void **state)
{
    (void)state;
    static const char *const metas[] = {NULL, "{\"name\":\"first\",\"version\":\"2\"}",
                                        "{\"segments\":{\"a\":{\"start\":0,\"size\":3}}}"};
    static const size_t sizes[] = {3, 4096, 100000, 10, 0, 70000};
    uint8_t *data = malloc(100000);
    uint64_t seed = 7;
    tu_random_bytes(&seed, data, 100000);
    prts_encoder *reused = prts_encoder_new();
    for (size_t m = 0; m < sizeof metas / sizeof *metas; m++) {
        for (int mode = 0; mode < 2; mode++) {
            for (int compressed = 0; compressed < 2; compressed++) {
                assert_int_equal(prts_encoder_set_metadata_json(reused, metas[m]), PRTS_OK);
                assert_int_equal(prts_encoder_set_option(reused, PRTS_OPT_MODE,
                                                         mode ? PRTS_MODE_CODE : PRTS_MODE_STANDARD),
                                 PRTS_OK);
                assert_int_equal(prts_encoder_set_option(reused, PRTS_OPT_PAYLOAD_COMPRESSION,
                                                         compressed ? PRTS_PAYLOAD_ZLIB
                                                                    : PRTS_PAYLOAD_NONE),
                                 PRTS_OK);
                for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
                    prts_encoder *fresh = prts_encoder_new();
                    assert_int_equal(prts_encoder_set_metadata_json(fresh, metas[m]), PRTS_OK);
                    assert_int_equal(prts_encoder_set_option(fresh, PRTS_OPT_MODE,
                                                             mode ? PRTS_MODE_CODE
                                                                  : PRTS_MODE_STANDARD),
                                     PRTS_OK);
                    assert_int_equal(prts_encoder_set_option(fresh, PRTS_OPT_PAYLOAD_COMPRESSION,
                                                             compressed ? PRTS_PAYLOAD_ZLIB
                                                                        : PRTS_PAYLOAD_NONE),
                                     PRTS_OK);
                    void *a = NULL, *b = NULL;
                    size_t alen = 0, blen = 0;
                    assert_int_equal(prts_encoder_encode(reused, data, sizes[k], &a, &alen),
                                     PRTS_OK);
                    assert_int_equal(prts_encoder_encode(fresh, data, sizes[k], &b, &blen),
                                     PRTS_OK);
                    tu_assert_bytes_equal(a, alen, b, blen);
                    char *ja = prts_encoder_metadata_json(reused);
                    char *jb = prts_encoder_metadata_json(fresh);
                    assert_string_equal(ja, jb);
                    prts_free(ja);
                    prts_free(jb);
                    prts_free(a);
                    prts_free(b);
                    prts_encoder_free(fresh);
                }
            }
        }
    }
    /* file to file, big enough for the hash taken beside the pixels (its
     * digits filled in last): the metadata given back holds the real hash */
    char *dir = tu_mkdtemp();
    char *in = tu_path(dir, "big.bin"), *out = tu_path(dir, "big.rts.png");
    size_t big = 5u << 20;
    uint8_t *bytes = tu_write_random_file(in, big, seed);
    char hex[65];
    tu_sha256_hex(bytes, big, hex);
    free(bytes);
    assert_int_equal(prts_encoder_set_option(reused, PRTS_OPT_MODE, PRTS_MODE_STANDARD), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(reused, PRTS_OPT_PAYLOAD_COMPRESSION,
                                             PRTS_PAYLOAD_NONE), PRTS_OK);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(prts_encoder_encode_file(reused, in, out), PRTS_OK);
        char *js = prts_encoder_metadata_json(reused);
        json_t *m = tu_json_parse(js);
        assert_string_equal(json_string_value(json_object_get(m, "data_hash")), hex);
        assert_int_equal(json_integer_value(json_object_get(m, "data_size")), (json_int_t)big);
        json_decref(m);
        prts_free(js);
        assert_int_equal(prts_encoder_reset(reused), PRTS_OK);
    }
    tu_rmtree(dir);
    free(in), free(out), free(dir);
    prts_encoder_free(reused);
    free(data);
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
    assert_int_equal(prts_decoder_read_info(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_METADATA_SOURCE, &v), PRTS_OK);
    assert_int_equal(v, PRTS_META_CHUNK);
    /* alternate sidecar name */
    copy_file(vs, alt);
    prts_decoder_reset(dec);
    assert_int_equal(prts_decoder_read_info(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_METADATA_SOURCE, &v), PRTS_OK);
    assert_int_equal(v, PRTS_META_ALT_SIDECAR);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_SIDECAR_MISMATCH, &v), PRTS_OK);
    assert_int_equal(v, 0);
    /* the main sidecar name wins */
    copy_file(vs, side);
    prts_decoder_reset(dec);
    assert_int_equal(prts_decoder_read_info(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_METADATA_SOURCE, &v), PRTS_OK);
    assert_int_equal(v, PRTS_META_SIDECAR);
    /* READ_SIDECAR=0: the chunk */
    prts_decoder_reset(dec);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_READ_SIDECAR, 0), PRTS_OK);
    assert_int_equal(prts_decoder_read_info(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_METADATA_SOURCE, &v), PRTS_OK);
    assert_int_equal(v, PRTS_META_CHUNK);
    prts_decoder_free(dec);
    /* a sidecar that disagrees with the chunk is reported */
    json_t *m = tu_json_load_file(vs);
    json_object_set_new(m, "name", json_string("someone_else"));
    assert_int_equal(json_dump_file(m, side, JSON_INDENT(2) | JSON_ENSURE_ASCII), 0);
    json_decref(m);
    dec = prts_decoder_new();
    assert_int_equal(prts_decoder_read_info(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_SIDECAR_MISMATCH, &v), PRTS_OK);
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


/* ---- the one-shot calls and the buffer calls ------------------------------ */

static uint8_t *payload(size_t n, uint64_t seed)
{
    uint8_t *p = malloc(n ? n : 1);
    tu_random_bytes(&seed, p, n);
    return p;
}

static void t_oneshot_file(void **state)
{
    tu_fx *f = *state;
    size_t n = 100000;
    uint8_t *data = payload(n, 1);
    char *in = tu_path(f->dir, "one.bin");
    char *png = tu_path(f->dir, "one.rts.png");
    char *side = tu_path(f->dir, "one.rts.png.meta.json");
    char *back = tu_path(f->dir, "one.out");
    tu_write_file(in, data, n);
    assert_int_equal(prts_encode_file(in, png), PRTS_OK);
    assert_true(tu_file_exists(png));
    assert_true(tu_file_exists(side)); /* the defaults: a sidecar */
    assert_int_equal(prts_decode_file(png, back), PRTS_OK);
    size_t got_len;
    uint8_t *got = tu_read_file(back, &got_len);
    tu_assert_bytes_equal(got, got_len, data, n);
    free(got);
    /* the same file as the handle call with the defaults */
    char *png2 = tu_path(f->dir, "two.rts.png");
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_encode_file(enc, in, png2), PRTS_OK);
    prts_encoder_free(enc);
    size_t a_len, b_len;
    uint8_t *a = tu_read_file(png, &a_len), *b = tu_read_file(png2, &b_len);
    tu_assert_bytes_equal(a, a_len, b, b_len);
    free(a);
    free(b);
    /* failures: a status, nothing written */
    char *missing = tu_path(f->dir, "missing.bin");
    char *none = tu_path(f->dir, "none.rts.png");
    assert_int_equal(prts_encode_file(missing, none), PRTS_E_FILE_NOT_FOUND);
    assert_false(tu_file_exists(none));
    assert_int_equal(prts_decode_file(in, none), PRTS_E_NOT_PNG);
    assert_false(tu_file_exists(none));
    assert_int_equal(prts_encode_file(NULL, png), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_decode_file(png, NULL), PRTS_E_INVALID_ARG);
    free(missing);
    free(none);
    free(png2);
    free(in);
    free(png);
    free(side);
    free(back);
    free(data);
}

static void t_oneshot_buffer(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 5, 1000, 300000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        uint8_t *data = payload(n, 2 + i);
        void *png = (void *)1, *back = (void *)1;
        size_t png_len = 1, back_len = 1;
        assert_int_equal(prts_encode(data, n, &png, &png_len), PRTS_OK);
        assert_non_null(png);
        assert_true(png_len > 8 && memcmp(png, "\x89PNG", 4) == 0);
        assert_int_equal(prts_decode(png, png_len, &back, &back_len), PRTS_OK);
        assert_non_null(back); /* also for an empty payload */
        tu_assert_bytes_equal(back, back_len, data, n);
        /* the same bytes as a pushed stream: one implementation */
        prts_encoder *enc = prts_encoder_new();
        tu_buf streamed = {0};
        assert_int_equal(tu_encode_mem(enc, data, n, 0, &streamed), PRTS_OK);
        tu_assert_bytes_equal(streamed.data, streamed.len, png, png_len);
        tu_buf_free(&streamed);
        prts_encoder_free(enc);
        prts_free(png);
        prts_free(back);
        free(data);
    }
    /* failures: NULL results, a status */
    void *out = (void *)1;
    size_t out_len = 7;
    assert_int_equal(prts_decode("not a png", 9, &out, &out_len), PRTS_E_NOT_PNG);
    assert_null(out);
    assert_int_equal(out_len, 0);
    assert_int_equal(prts_encode(NULL, 5, &out, &out_len), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_encode("x", 1, NULL, &out_len), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_decode("x", 1, &out, NULL), PRTS_E_INVALID_ARG);
}

/* The handle's buffer calls take its options: payload compression and code mode go
 * through the decoder's other path; a refused file leaves nothing behind. */
static void t_handle_buffer(void **state)
{
    (void)state;
    size_t n = 70000;
    uint8_t *data = payload(n, 9);
    memset(data, 'a', n / 2); /* compressible half */
    static const struct { prts_option o; int64_t v; } cases[] = {
        {PRTS_OPT_PAYLOAD_COMPRESSION, PRTS_PAYLOAD_ZLIB},
        {PRTS_OPT_MODE, PRTS_MODE_CODE},
        {PRTS_OPT_PNG_LEVEL, 9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        prts_encoder *enc = prts_encoder_new();
        prts_decoder *dec = prts_decoder_new();
        assert_int_equal(prts_encoder_set_option(enc, cases[i].o, cases[i].v), PRTS_OK);
        void *png, *back;
        size_t png_len, back_len;
        assert_int_equal(prts_encoder_encode(enc, data, n, &png, &png_len), PRTS_OK);
        char *meta = prts_encoder_metadata_json(enc);
        assert_non_null(meta);
        prts_free(meta);
        assert_int_equal(prts_decoder_decode(dec, png, png_len, &back, &back_len), PRTS_OK);
        tu_assert_bytes_equal(back, back_len, data, n);
        int64_t v = -1;
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
        assert_int_equal(v, n);
        prts_free(back);
        uint8_t *dst = malloc(n);
        size_t len = 0;
        assert_int_equal(prts_decoder_decode_into(dec, png, png_len, dst, n, &len), PRTS_OK);
        tu_assert_bytes_equal(dst, len, data, n);
        free(dst);
        prts_free(png);
        prts_encoder_free(enc);
        prts_decoder_free(dec);
    }
    /* a pushed stream in progress: the buffer call is out of order */
    prts_encoder *enc = prts_encoder_new();
    void *png = (void *)1;
    size_t png_len;
    assert_int_equal(prts_encoder_push(enc, data, 10), PRTS_OK);
    assert_int_equal(prts_encoder_encode(enc, data, n, &png, &png_len), PRTS_E_BAD_STATE);
    assert_null(png);
    assert_true(prts_encoder_last_error(enc)[0] != 0);
    prts_encoder_free(enc);
    free(data);
}

/* A PNG of `data` whose data_hash is wrong (one digit changed, CRC fixed). */
static void wrong_hash_png(const uint8_t *data, size_t n, tu_buf *out)
{
    void *png;
    size_t png_len;
    assert_int_equal(prts_encode(data, n, &png, &png_len), PRTS_OK);
    *out = (tu_buf){0};
    tu_buf_append(out, png, png_len);
    prts_free(png);
    long at = tu_png_find_chunk(out->data, out->len, "tEXt", 0);
    assert_true(at > 0);
    const uint8_t *p = out->data + at;
    size_t clen = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    char *text = (char *)out->data + at + 8, *hash = NULL;
    for (size_t i = 0; i + 13 <= clen && !hash; i++)
        if (memcmp(text + i, "\"data_hash\":\"", 13) == 0)
            hash = text + i + 13;
    assert_non_null(hash);
    *hash = *hash == '0' ? '1' : '0';
    tu_png_fix_crc(out->data, at);
}

static void t_decode_into(void **state)
{
    (void)state;
    size_t n = 12345;
    uint8_t *data = payload(n, 3);
    void *png;
    size_t png_len;
    assert_int_equal(prts_encode(data, n, &png, &png_len), PRTS_OK);
    /* a size query: no buffer */
    size_t len = 0;
    assert_int_equal(prts_decode_into(png, png_len, NULL, 0, &len), PRTS_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, n);
    /* too small: the size again, the buffer untouched */
    uint8_t *dst = malloc(n + 100);
    memset(dst, 0xAB, n + 100);
    len = 0;
    assert_int_equal(prts_decode_into(png, png_len, dst, n - 1, &len), PRTS_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, n);
    for (size_t i = 0; i < n + 100; i++)
        if (dst[i] != 0xAB)
            fail_msg("byte %zu of a too small buffer was written", i);
    /* exactly big enough, and bigger */
    assert_int_equal(prts_decode_into(png, png_len, dst, n, &len), PRTS_OK);
    tu_assert_bytes_equal(dst, len, data, n);
    memset(dst, 0xAB, n + 100);
    assert_int_equal(prts_decode_into(png, png_len, dst, n + 100, &len), PRTS_OK);
    tu_assert_bytes_equal(dst, len, data, n);
    assert_int_equal(dst[n], 0xAB); /* nothing past the payload */
    /* the handle: the query keeps the file's facts, the message says both sizes */
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_decode_into(dec, png, png_len, dst, 10, &len),
                     PRTS_E_BUFFER_TOO_SMALL);
    assert_non_null(strstr(prts_decoder_last_error(dec), "12345"));
    int64_t v = -1;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
    assert_int_equal(v, n);
    /* a wrong hash: refused (not a size answer), *len 0 */
    tu_buf bad;
    wrong_hash_png(data, n, &bad);
    len = 99;
    assert_int_equal(prts_decoder_decode_into(dec, bad.data, bad.len, dst, n, &len),
                     PRTS_E_HASH_MISMATCH);
    assert_int_equal(len, 0);
    void *out = (void *)1;
    assert_int_equal(prts_decoder_decode(dec, bad.data, bad.len, &out, &len), PRTS_E_HASH_MISMATCH);
    assert_null(out);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_OFF), PRTS_OK);
    assert_int_equal(prts_decoder_decode_into(dec, bad.data, bad.len, dst, n, &len), PRTS_OK);
    tu_assert_bytes_equal(dst, len, data, n);
    /* a truncated PNG: an error, not a size */
    assert_int_equal(prts_decode_into(png, png_len / 2, dst, n, &len), PRTS_E_TRUNCATED);
    assert_int_equal(len, 0);
    assert_int_equal(prts_decode_into(png, png_len, dst, n, NULL), PRTS_E_INVALID_ARG);
    tu_buf_free(&bad);
    prts_decoder_free(dec);
    free(dst);
    prts_free(png);
    free(data);
}

/* prts_decoder_pull_file: a stream's payload into a file, placed as decode_file places
 * it: bytes equal (plain, through the mirror beyond 16 MiB, compressed), nothing but the
 * old file after a hash mismatch, and the stream's states. */
static void t_pull_file(void **state)
{
    tu_fx *f = *state;
    static const size_t sizes[] = { 200000, (17u << 20) + 5 };
    char *out = tu_path(f->dir, "out.bin");
    for (int k = 0; k < 3; k++) {
        size_t n = sizes[k == 1];
        uint8_t *data = payload(n, 7);
        prts_encoder *enc = prts_encoder_new();
        if (k == 2)
            assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION,
                                                     PRTS_PAYLOAD_ZLIB), PRTS_OK);
        void *png;
        size_t len;
        assert_int_equal(prts_encoder_encode(enc, data, n, &png, &len), PRTS_OK);
        prts_encoder_free(enc);
        prts_decoder *dec = prts_decoder_new();
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_MEMORY_BUDGET, 1 << 20), PRTS_OK);
        tu_reader r;
        tu_reader_init(&r, png, len, 4096, true);
        assert_int_equal(prts_decoder_open(dec, tu_read_cb, &r), PRTS_OK);
        assert_int_equal(prts_decoder_pull_file(dec, out), PRTS_OK);
        size_t got_len;
        uint8_t *got = tu_read_file(out, &got_len);
        assert_int_equal(got_len, n);
        assert_memory_equal(got, data, n);
        free(got);
        uint8_t b[8];
        size_t got_n = 99;
        assert_int_equal(prts_decoder_pull(dec, b, sizeof b, &got_n), PRTS_OK); /* the end */
        assert_int_equal(got_n, 0);
        assert_int_equal(prts_decoder_pull_file(dec, out), PRTS_E_BAD_STATE);
        prts_decoder_free(dec);
        prts_free(png);
        free(data);
    }
    /* a pull first: pull_file would miss bytes, so it refuses */
    uint8_t *data = payload(1000, 3);
    void *png;
    size_t len;
    assert_int_equal(prts_encode(data, 1000, &png, &len), PRTS_OK);
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_pull_file(dec, out), PRTS_E_BAD_STATE); /* nothing open */
    tu_reader r;
    tu_reader_init(&r, png, len, 0, false);
    assert_int_equal(prts_decoder_open(dec, tu_read_cb, &r), PRTS_OK);
    uint8_t b[8];
    size_t got_n;
    assert_int_equal(prts_decoder_pull(dec, b, sizeof b, &got_n), PRTS_OK);
    assert_int_equal(prts_decoder_pull_file(dec, out), PRTS_E_BAD_STATE);
    assert_non_null(strstr(prts_decoder_last_error(dec), "before any pull"));
    prts_free(png);
    /* a wrong hash: refused, the old output intact, no other file */
    tu_buf bad;
    wrong_hash_png(data, 1000, &bad);
    tu_write_file(out, "old", 3);
    int files = tu_dir_count(f->dir);
    assert_int_equal(prts_decoder_reset(dec), PRTS_OK);
    tu_reader_init(&r, bad.data, bad.len, 0, false);
    assert_int_equal(prts_decoder_open(dec, tu_read_cb, &r), PRTS_OK);
    assert_int_equal(prts_decoder_pull_file(dec, out), PRTS_E_HASH_MISMATCH);
    assert_non_null(strstr(prts_decoder_last_error(dec), "stream: Hash mismatch"));
    size_t old_len;
    uint8_t *old = tu_read_file(out, &old_len);
    assert_int_equal(old_len, 3);
    assert_memory_equal(old, "old", 3);
    free(old);
    assert_int_equal(tu_dir_count(f->dir), files);
    assert_int_equal(prts_decoder_pull_file(dec, out), PRTS_E_BAD_STATE); /* poisoned */
    tu_buf_free(&bad);
    prts_decoder_free(dec);
    free(data);
    free(out);
}

static void t_verify_file(void **state)
{
    tu_fx *f = *state;
    size_t n = 200000;
    uint8_t *data = payload(n, 4);
    char *png = tu_path(f->dir, "v.rts.png");
    tu_buf ok = {0};
    void *bytes;
    size_t len;
    assert_int_equal(prts_encode(data, n, &bytes, &len), PRTS_OK);
    tu_buf_append(&ok, bytes, len);
    prts_free(bytes);
    tu_write_file(png, ok.data, ok.len);
    int files = tu_dir_count(f->dir);
    prts_decoder *dec = prts_decoder_new();
    /* success, in both kinds of payload path and with the hash on or off */
    assert_int_equal(prts_decoder_verify_file(dec, png), PRTS_OK);
    int64_t v = -1;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
    assert_int_equal(v, n);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_OFF), PRTS_OK);
    assert_int_equal(prts_decoder_verify_file(dec, png), PRTS_OK);
    assert_int_equal(tu_dir_count(f->dir), files); /* nothing written */
    /* a wrong hash: refused, named, nothing written; only with the check off it passes */
    tu_buf bad;
    wrong_hash_png(data, n, &bad);
    tu_write_file(png, bad.data, bad.len);
    assert_int_equal(prts_decoder_verify_file(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_REQUIRED),
                     PRTS_OK);
    assert_int_equal(prts_decoder_verify_file(dec, png), PRTS_E_HASH_MISMATCH);
    assert_non_null(strstr(prts_decoder_last_error(dec), "v.rts.png"));
    assert_non_null(strstr(prts_decoder_last_error(dec), "Hash mismatch"));
    assert_int_equal(tu_dir_count(f->dir), files);
    /* damaged pixels: what a decode finds, verify finds */
    tu_buf dam = {0};
    tu_buf_append(&dam, ok.data, ok.len);
    long idat = tu_png_find_chunk(dam.data, dam.len, "IDAT", 0);
    assert_true(idat > 0);
    dam.data[idat + 8 + 100] ^= 0x55;
    tu_write_file(png, dam.data, dam.len);
    char *out = tu_path(f->dir, "v.out");
    int want = prts_decoder_decode_file(dec, png, out);
    assert_true(want < 0);
    assert_int_equal(prts_decoder_verify_file(dec, png), want);
    assert_false(tu_file_exists(out));
    /* a compressed payload */
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, PRTS_PAYLOAD_ZLIB),
                     PRTS_OK);
    char *in = tu_path(f->dir, "v.bin");
    tu_write_file(in, data, n);
    assert_int_equal(prts_encoder_encode_file(enc, in, png), PRTS_OK);
    files = tu_dir_count(f->dir);
    assert_int_equal(prts_decoder_verify_file(dec, png), PRTS_OK);
    assert_int_equal(tu_dir_count(f->dir), files);
    /* a sidecar that contradicts the PNG's chunk: refused as a decode refuses it */
    char *side = tu_path(f->dir, "v.rts.png.meta.json");
    tu_write_file(side, "{\"data_size\": 1}", 16);
    assert_int_equal(prts_decoder_verify_file(dec, png), PRTS_E_SIDECAR_MISMATCH);
    assert_int_equal(prts_decoder_decode_file(dec, png, out), PRTS_E_SIDECAR_MISMATCH);
    assert_false(tu_file_exists(out));
    assert_int_equal(prts_decoder_read_info(dec, png), PRTS_OK); /* only noted there */
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_SIDECAR_MISMATCH, &v), PRTS_OK);
    assert_int_equal(v, 1);
    remove(side);
    free(side);
    assert_int_equal(prts_decoder_verify_file(dec, NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_decoder_verify_file(NULL, png), PRTS_E_INVALID_ARG);
    prts_encoder_free(enc);
    prts_decoder_free(dec);
    tu_buf_free(&ok);
    tu_buf_free(&bad);
    tu_buf_free(&dam);
    free(in);
    free(out);
    free(png);
    free(data);
}

static void t_user_metadata(void **state)
{
    tu_fx *f = *state;
    prts_decoder *dec = prts_decoder_new();
    /* no file yet: NULL, and why */
    assert_null(prts_decoder_user_metadata_json(dec));
    assert_true(prts_decoder_last_error(dec)[0] != 0);
    assert_null(prts_decoder_user_metadata_json(NULL));

    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_metadata_json(enc, "{\"author\":\"me\",\"n\":[1,2],"
                                                         "\"version\":\"3\",\"format\":\"x\"}"),
                     PRTS_OK);
    char *in = tu_path(f->dir, "u.bin");
    char *png = tu_path(f->dir, "u.rts.png");
    tu_write_file(in, "hello", 5);
    assert_int_equal(prts_encoder_encode_file(enc, in, png), PRTS_OK);
    assert_int_equal(prts_decoder_read_info(dec, png), PRTS_OK);
    char *js = prts_decoder_user_metadata_json(dec);
    assert_non_null(js);
    json_t *u = tu_json_parse(js);
    assert_int_equal(json_object_size(u), 3);
    assert_string_equal(json_string_value(json_object_get(u, "author")), "me");
    assert_non_null(json_object_get(u, "n"));
    assert_string_equal(json_string_value(json_object_get(u, "content_version")), "3");
    json_decref(u);
    prts_free(js);
    /* the full metadata has the format's keys, the user's none of them */
    js = prts_decoder_metadata_json(dec);
    json_t *all = tu_json_parse(js);
    assert_string_equal(json_string_value(json_object_get(all, "format")), "PixelRTS-2.0");
    json_decref(all);
    prts_free(js);
    /* no user keys: {} */
    assert_int_equal(prts_encoder_set_metadata_json(enc, NULL), PRTS_OK);
    assert_int_equal(prts_encoder_encode_file(enc, in, png), PRTS_OK);
    assert_int_equal(prts_decoder_read_info(dec, png), PRTS_OK);
    js = prts_decoder_user_metadata_json(dec);
    assert_string_equal(js, "{}");
    prts_free(js);
    prts_encoder_free(enc);
    prts_decoder_free(dec);
    free(in);
    free(png);
}

/* ---- batch settings ------------------------------------------------------ */

/* An allocator that notes which threads call it. */
typedef struct thread_log {
    pthread_mutex_t lock;
    pthread_t seen[256];
    int n;
} thread_log;

static void *logged_alloc(void *opaque, size_t size)
{
    thread_log *t = opaque;
    pthread_t me = pthread_self();
    pthread_mutex_lock(&t->lock);
    int known = 0;
    for (int i = 0; i < t->n && !known; i++)
        known = pthread_equal(t->seen[i], me);
    if (!known && t->n < 256)
        t->seen[t->n++] = me;
    pthread_mutex_unlock(&t->lock);
    return malloc(size);
}

static void logged_free(void *opaque, void *ptr)
{
    (void)opaque;
    free(ptr);
}

/* Threads that allocated while one encode batch job ran with `from`'s settings. */
static int batch_threads(tu_fx *f, const prts_encoder *from, const char *in, const char *out)
{
    thread_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    prts_allocator a = {logged_alloc, logged_free, &log};
    prts_batch *b = prts_batch_new_with(PRTS_BATCH_ENCODE, &a);
    (void)f;
    assert_int_equal(prts_batch_set_workers(b, 1), PRTS_OK);
    assert_int_equal(prts_batch_set_encoder_settings(b, from), PRTS_OK);
    assert_int_equal(prts_batch_add(b, in, out, NULL), PRTS_OK);
    assert_int_equal(prts_batch_run(b), PRTS_OK);
    prts_batch_free(b);
    return log.n;
}

static void t_batch_settings(void **state)
{
    tu_fx *f = *state;
    size_t n = 6u << 20; /* several deflate segments */
    uint8_t *data = payload(n, 5);
    char *in = tu_path(f->dir, "b.bin");
    char *out = tu_path(f->dir, "b.rts.png");
    char *side = tu_path(f->dir, "b.rts.png.meta.json");
    tu_write_file(in, data, n);

    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PNG_LEVEL, 0), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_WRITE_SIDECAR, 0), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_THREADS, 1), PRTS_OK);
    assert_int_equal(prts_encoder_set_metadata_json(enc, "{\"k\":\"v\"}"), PRTS_OK);
    assert_int_equal(prts_encoder_set_blueprint_json(enc, "{\"b\":1}"), PRTS_OK);
    assert_int_equal(prts_encoder_set_backend(enc, "scalar"), PRTS_OK);
    /* PRTS_OPT_THREADS 1: the job's worker alone (and this thread) allocate */
    int one = batch_threads(f, enc, in, out);
    assert_true(one <= 2);
    /* the options, metadata and blueprint came along */
    assert_false(tu_file_exists(side));
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_read_info(dec, out), PRTS_OK);
    char *js = prts_decoder_user_metadata_json(dec);
    assert_string_equal(js, "{\"k\":\"v\"}");
    prts_free(js);
    js = prts_decoder_blueprint_json(dec);
    assert_string_equal(js, "{\"b\":1}");
    prts_free(js);
    /* PRTS_OPT_THREADS 3: the deflate pool's threads allocate too */
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_THREADS, 3), PRTS_OK);
    int three = batch_threads(f, enc, in, out);
    print_message("threads allocating: %d with PRTS_OPT_THREADS 1, %d with 3\n", one, three);
    assert_true(three > one);

    /* a decoder's options: a limit that refuses the file */
    prts_decoder *strict = prts_decoder_new();
    assert_int_equal(prts_decoder_set_option(strict, PRTS_OPT_MAX_GRID_SIZE, 16), PRTS_OK);
    prts_batch *b = prts_batch_new(PRTS_BATCH_DECODE);
    char *back = tu_path(f->dir, "b.out");
    assert_int_equal(prts_batch_set_decoder_settings(b, strict), PRTS_OK);
    assert_int_equal(prts_batch_add(b, out, back, NULL), PRTS_OK);
    assert_int_equal(prts_batch_run(b), PRTS_E_BATCH);
    char *r = prts_batch_result_json(b, 0);
    json_t *res = tu_json_parse(r);
    assert_int_equal(json_integer_value(json_object_get(res, "status")), PRTS_E_LIMIT);
    json_decref(res);
    prts_free(r);
    prts_batch_free(b);
    assert_false(tu_file_exists(back));

    /* refusals: the wrong kind, a NULL handle, a refused backend; nothing changes */
    b = prts_batch_new(PRTS_BATCH_DECODE);
    assert_int_equal(prts_batch_set_encoder_settings(b, enc), PRTS_E_INVALID_ARG);
    assert_true(prts_batch_last_error(b)[0] != 0);
    assert_int_equal(prts_batch_set_decoder_settings(b, NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_set_decoder_settings(NULL, dec), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_decoder_set_backend(dec, "nope"), PRTS_E_BACKEND_UNKNOWN);
    assert_int_equal(prts_batch_set_decoder_settings(b, dec), PRTS_E_BACKEND_UNKNOWN);
    assert_non_null(strstr(prts_batch_last_error(b), "nope"));
    assert_int_equal(prts_decoder_reset(dec), PRTS_OK);
    assert_int_equal(prts_batch_set_decoder_settings(b, dec), PRTS_OK);
    assert_int_equal(prts_batch_add(b, out, back, NULL), PRTS_OK);
    assert_int_equal(prts_batch_run(b), PRTS_OK);
    size_t got_len;
    uint8_t *got = tu_read_file(back, &got_len);
    tu_assert_bytes_equal(got, got_len, data, n);
    free(got);
    prts_batch_free(b);

    prts_decoder_free(strict);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
    free(back);
    free(in);
    free(out);
    free(side);
    free(data);
}

/* ---- the conventions ------------------------------------------------------ */

static void t_backend_unknown_unavailable(void **state)
{
    (void)state;
    char why[256];
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    prts_batch *b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_int_equal(prts_backend_probe("nope", why, sizeof why), PRTS_E_BACKEND_UNKNOWN);
    assert_int_equal(prts_backend_describe("nope", why, sizeof why), PRTS_E_BACKEND_UNKNOWN);
    assert_int_equal(prts_encoder_set_backend(enc, "nope"), PRTS_E_BACKEND_UNKNOWN);
    assert_int_equal(prts_decoder_set_backend(dec, "nope"), PRTS_E_BACKEND_UNKNOWN);
    assert_int_equal(prts_batch_set_backend(b, "nope"), PRTS_E_BACKEND_UNKNOWN);
    /* a backend this library knows but cannot run: left out of this build, or its
     * probe fails here (opencl without a platform, simd capped) */
    static const char *const known[] = {"simd", "scalar", "opencl"};
    const char *unavailable = NULL;
    for (size_t i = 0; i < 3 && !unavailable; i++)
        if (prts_backend_probe(known[i], NULL, 0) != PRTS_OK)
            unavailable = known[i];
    if (unavailable) {
        print_message("%s is unavailable here\n", unavailable);
        assert_int_equal(prts_backend_probe(unavailable, why, sizeof why),
                         PRTS_E_BACKEND_UNAVAILABLE);
        assert_true(why[0] != 0);
        assert_int_equal(prts_backend_describe(unavailable, why, sizeof why),
                         PRTS_E_BACKEND_UNAVAILABLE);
        assert_int_equal(prts_encoder_set_backend(enc, unavailable), PRTS_E_BACKEND_UNAVAILABLE);
        assert_non_null(strstr(prts_encoder_last_error(enc), unavailable));
        assert_int_equal(prts_decoder_set_backend(dec, unavailable), PRTS_E_BACKEND_UNAVAILABLE);
        assert_int_equal(prts_batch_set_backend(b, unavailable), PRTS_E_BACKEND_UNAVAILABLE);
        /* the handle's next file call says the same */
        void *png;
        size_t len;
        assert_int_equal(prts_encoder_encode(enc, "x", 1, &png, &len), PRTS_E_BACKEND_UNAVAILABLE);
    } else {
        print_message("every backend this library knows runs here\n");
    }
    prts_batch_free(b);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
}

static int never(void *user, uint64_t done, uint64_t total)
{
    (void)user, (void)done, (void)total;
    return 0;
}

static int never_batch(void *user, size_t current, size_t total, const char *name)
{
    (void)user, (void)current, (void)total, (void)name;
    return 0;
}

static int never_result(void *user, size_t index, int status, const char *input,
                        const char *output, const char *error, const char *result_json)
{
    (void)user, (void)index, (void)status, (void)input, (void)output, (void)error;
    (void)result_json;
    return 0;
}

static void t_setters_status(void **state)
{
    (void)state;
    assert_int_equal(prts_encoder_set_progress(NULL, never, NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_decoder_set_progress(NULL, never, NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_set_progress(NULL, never_batch, NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_batch_set_result_callback(NULL, never_result, NULL),
                     PRTS_E_INVALID_ARG);
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    prts_batch *b = prts_batch_new(PRTS_BATCH_DECODE);
    assert_int_equal(prts_encoder_set_progress(enc, never, NULL), PRTS_OK);
    assert_int_equal(prts_encoder_set_progress(enc, NULL, NULL), PRTS_OK);
    assert_int_equal(prts_decoder_set_progress(dec, never, NULL), PRTS_OK);
    assert_int_equal(prts_batch_set_progress(b, never_batch, NULL), PRTS_OK);
    assert_int_equal(prts_batch_set_result_callback(b, never_result, NULL), PRTS_OK);
    prts_batch_free(b);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
}

static void t_unknown_values(void **state)
{
    (void)state;
    assert_string_equal(prts_strerror(12345), "unknown");
    assert_string_equal(prts_backend_name(prts_backend_count()), "unknown");
    assert_string_equal(prts_wasm_category_name(PRTS_WASM_CATEGORY_COUNT), "unknown");
    assert_string_equal(prts_wasm_category_name(-1), "unknown");
    /* last_error: never NULL */
    assert_non_null(prts_encoder_last_error(NULL));
    assert_true(prts_encoder_last_error(NULL)[0] != 0);
    assert_non_null(prts_decoder_last_error(NULL));
    assert_true(prts_decoder_last_error(NULL)[0] != 0);
    assert_non_null(prts_batch_last_error(NULL));
    assert_true(prts_batch_last_error(NULL)[0] != 0);
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    prts_batch *b = prts_batch_new(PRTS_BATCH_ENCODE);
    assert_string_equal(prts_encoder_last_error(enc), "");
    assert_string_equal(prts_decoder_last_error(dec), "");
    assert_string_equal(prts_batch_last_error(b), "");
    prts_batch_free(b);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
}

/* get_info and wasm_histogram keep their detailed error in last_error. */
static void t_get_info_errors(void **state)
{
    tu_fx *f = *state;
    prts_decoder *dec = prts_decoder_new();
    int64_t v;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_E_BAD_STATE);
    assert_true(prts_decoder_last_error(dec)[0] != 0);
    uint64_t counts[PRTS_WASM_CATEGORY_COUNT];
    assert_int_equal(prts_decoder_wasm_histogram(dec, counts), PRTS_E_BAD_STATE);
    assert_true(prts_decoder_last_error(dec)[0] != 0);
    char *in = tu_path(f->dir, "i.bin");
    char *png = tu_path(f->dir, "i.rts.png");
    tu_write_file(in, "abcdefgh", 8);
    assert_int_equal(prts_encode_file(in, png), PRTS_OK);
    assert_int_equal(prts_decoder_read_info(dec, png), PRTS_OK);
    assert_int_equal(prts_decoder_get_info(dec, (prts_info_key)999, &v), PRTS_E_INVALID_ARG);
    assert_non_null(strstr(prts_decoder_last_error(dec), "999"));
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, NULL), PRTS_E_INVALID_ARG);
    assert_true(prts_decoder_last_error(dec)[0] != 0);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
    assert_int_equal(v, 8);
    assert_int_equal(prts_decoder_wasm_histogram(dec, counts), PRTS_E_NO_ORIGINAL);
    assert_non_null(strstr(prts_decoder_last_error(dec), "original_data_b64"));
    assert_int_equal(prts_decoder_get_info(NULL, PRTS_INFO_DATA_SIZE, &v), PRTS_E_INVALID_ARG);
    prts_decoder_free(dec);
    free(in);
    free(png);
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
        cmocka_unit_test_setup_teardown(t_oneshot_file, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test(t_oneshot_buffer),
        cmocka_unit_test(t_handle_buffer),
        cmocka_unit_test(t_decode_into),
        cmocka_unit_test_setup_teardown(t_verify_file, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_pull_file, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_user_metadata, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_batch_settings, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test(t_backend_unknown_unavailable),
        cmocka_unit_test(t_encoder_reuse_matches_fresh),
        cmocka_unit_test(t_setters_status),
        cmocka_unit_test(t_unknown_values),
        cmocka_unit_test_setup_teardown(t_get_info_errors, tu_fx_setup, tu_fx_teardown),
    };
    return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
