/* test_roundtrip.c: encode then decode returns the input bit-exact, through
 * the file API and through push/pull with odd chunk sizes and short reads. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const size_t sizes[] = { 0, 1, 3, 4, 63, 64, 65, 4095, 4096, 4097 };
#define NSIZES (sizeof sizes / sizeof sizes[0])
#define BIG_SIZE ((size_t)3 * 1024 * 1024 + 12345)

static uint8_t *make_data(size_t n, uint64_t seed)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    uint64_t s = seed;
    tu_random_bytes(&s, d, n);
    return d;
}

/* Metadata of a decoder/encoder: data_size, grid_size, data_hash as expected. */
static void check_meta_json(char *js, const uint8_t *data, size_t n, uint32_t grid)
{
    assert_non_null(js);
    json_t *m = tu_json_parse(js);
    json_t *ds = json_object_get(m, "data_size");
    json_t *gs = json_object_get(m, "grid_size");
    assert_true(json_is_integer(ds));
    assert_true(json_is_integer(gs));
    assert_int_equal(json_integer_value(ds), n);
    assert_int_equal(json_integer_value(gs), grid);
    char hex[65];
    tu_sha256_hex(data, n, hex);
    const char *h = json_string_value(json_object_get(m, "data_hash"));
    assert_non_null(h);
    assert_string_equal(h, hex);
    json_decref(m);
    prts_free(js);
}

static void check_dec_info(prts_decoder *dec, size_t n, uint32_t grid)
{
    int64_t v = -1;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
    assert_int_equal(v, (int64_t)n);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_GRID_SIZE, &v), PRTS_OK);
    assert_int_equal(v, grid);
}

/* File API round trip of `data` with encoder options already set on `enc`. */
static void file_roundtrip(prts_encoder *enc, prts_decoder *dec, const uint8_t *data, size_t n,
                           uint32_t grid)
{
    char *dir = tu_mkdtemp();
    char *in = tu_path(dir, "in.bin");
    char *png = tu_path(dir, "in.bin.rts.png");
    char *out = tu_path(dir, "out.bin");
    tu_write_file(in, data, n);
    int r = prts_encoder_encode_file(enc, in, png);
    if (r != PRTS_OK)
        fail_msg("encode_file(%zu bytes) = %d (%s): %s", n, r, prts_strerror(r),
                 prts_encoder_last_error(enc));
    check_meta_json(prts_encoder_metadata_json(enc), data, n, grid);
    r = prts_decoder_decode_file(dec, png, out);
    if (r != PRTS_OK)
        fail_msg("decode_file(%zu bytes) = %d (%s): %s", n, r, prts_strerror(r),
                 prts_decoder_last_error(dec));
    size_t olen;
    uint8_t *o = tu_read_file(out, &olen);
    tu_assert_bytes_equal(o, olen, data, n);
    check_dec_info(dec, n, grid);
    check_meta_json(prts_decoder_metadata_json(dec), data, n, grid);
    /* the PNG really is grid x grid */
    size_t plen;
    uint8_t *p = tu_read_file(png, &plen);
    uint32_t w, h;
    uint8_t *px;
    assert_int_equal(tu_png_rgba(p, plen, &w, &h, &px), 0);
    assert_int_equal(w, grid);
    assert_int_equal(h, grid);
    free(px);
    free(p);
    free(o);
    free(in);
    free(png);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

static void t_file_sizes(void **state)
{
    (void)state;
    for (size_t i = 0; i < NSIZES; i++) {
        uint8_t *d = make_data(sizes[i], 100 + i);
        prts_encoder *enc = prts_encoder_new();
        prts_decoder *dec = prts_decoder_new();
        assert_non_null(enc);
        assert_non_null(dec);
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
        file_roundtrip(enc, dec, d, sizes[i], prts_grid_size_for(sizes[i]));
        prts_encoder_free(enc);
        prts_decoder_free(dec);
        free(d);
    }
}

static void t_file_big(void **state)
{
    (void)state;
    uint8_t *d = make_data(BIG_SIZE, 77);
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(enc);
    assert_non_null(dec);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
    file_roundtrip(enc, dec, d, BIG_SIZE, prts_grid_size_for(BIG_SIZE));
    prts_encoder_free(enc);
    prts_decoder_free(dec);
    free(d);
}

/* push in `chunk`-byte pieces, pull with reads of random length up to
 * max_read and pulls of pull_cap (random 1..pull_cap if pull_random). */
static void stream_roundtrip(prts_encoder *enc, prts_decoder *dec, const uint8_t *data, size_t n,
                             size_t chunk, size_t max_read, size_t pull_cap, bool pull_random,
                             uint32_t grid)
{
    tu_buf png = {0}, out = {0};
    int r = tu_encode_mem(enc, data, n, chunk, &png);
    if (r != PRTS_OK)
        fail_msg("push(%zu-byte chunks of %zu)/finish = %d (%s): %s", chunk, n, r,
                 prts_strerror(r), prts_encoder_last_error(enc));
    check_meta_json(prts_encoder_metadata_json(enc), data, n, grid);
    r = tu_decode_mem(dec, png.data, png.len, max_read, max_read != 0, pull_cap, pull_random, &out);
    if (r != PRTS_OK)
        fail_msg("open/pull(%zu bytes, pull cap %zu) = %d (%s): %s", n, pull_cap, r,
                 prts_strerror(r), prts_decoder_last_error(dec));
    tu_assert_bytes_equal(out.data, out.len, data, n);
    check_dec_info(dec, n, grid);
    check_meta_json(prts_decoder_metadata_json(dec), data, n, grid);
    tu_buf_free(&png);
    tu_buf_free(&out);
}

static void stream_sizes(size_t chunk, size_t max_read, size_t pull_cap, bool pull_random,
                         int verify)
{
    for (size_t i = 0; i < NSIZES; i++) {
        uint8_t *d = make_data(sizes[i], 200 + i);
        prts_encoder *enc = prts_encoder_new();
        prts_decoder *dec = prts_decoder_new();
        assert_non_null(enc);
        assert_non_null(dec);
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, verify), PRTS_OK);
        stream_roundtrip(enc, dec, d, sizes[i], chunk, max_read, pull_cap, pull_random,
                         prts_grid_size_for(sizes[i]));
        prts_encoder_free(enc);
        prts_decoder_free(dec);
        free(d);
    }
}

static void t_stream_chunk1(void **state)
{
    (void)state;
    stream_sizes(1, 0, 1, false, 0);
}

static void t_stream_chunk7(void **state)
{
    (void)state;
    stream_sizes(7, 7, 7, true, 1);
}

static void t_stream_chunk64k(void **state)
{
    (void)state;
    stream_sizes(65536, 0, 65536, false, 1);
}

static void t_stream_short_reads(void **state)
{
    (void)state;
    stream_sizes(13, 3, 1001, true, 0);
}

static void big_stream(size_t chunk, size_t max_read, size_t pull_cap, bool pull_random,
                       int64_t budget)
{
    uint8_t *d = make_data(BIG_SIZE, 99);
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(enc);
    assert_non_null(dec);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
    if (budget >= 0) {
        int64_t mn, mx;
        assert_int_equal(prts_option_bounds(PRTS_OPT_MEMORY_BUDGET, &mn, &mx), PRTS_OK);
        if (budget < mn)
            budget = mn;
        assert_true(budget < (int64_t)BIG_SIZE / 4);
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MEMORY_BUDGET, budget), PRTS_OK);
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_MEMORY_BUDGET, budget), PRTS_OK);
    }
    stream_roundtrip(enc, dec, d, BIG_SIZE, chunk, max_read, pull_cap, pull_random,
                     prts_grid_size_for(BIG_SIZE));
    prts_encoder_free(enc);
    prts_decoder_free(dec);
    free(d);
}

static void t_big_chunk1(void **state)
{
    (void)state;
    big_stream(1, 0, 65537, false, -1);
}

static void t_big_chunk7(void **state)
{
    (void)state;
    big_stream(7, 4099, 7, false, -1);
}

static void t_big_chunk64k(void **state)
{
    (void)state;
    big_stream(65536, 10007, 65536, true, -1);
}

/* A tiny memory budget forces both handles to stage in a temporary file. */
static void t_big_small_budget(void **state)
{
    (void)state;
    big_stream(65536 + 3, 5003, 9999, true, 4096);
}

static void t_small_budget_sizes(void **state)
{
    (void)state;
    int64_t mn, mx;
    assert_int_equal(prts_option_bounds(PRTS_OPT_MEMORY_BUDGET, &mn, &mx), PRTS_OK);
    int64_t budget = mn > 4096 ? mn : 4096;
    for (size_t i = 0; i < NSIZES; i++) {
        uint8_t *d = make_data(sizes[i], 300 + i);
        prts_encoder *enc = prts_encoder_new();
        prts_decoder *dec = prts_decoder_new();
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MEMORY_BUDGET, budget), PRTS_OK);
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_MEMORY_BUDGET, budget), PRTS_OK);
        stream_roundtrip(enc, dec, d, sizes[i], 7, 5, 11, true, prts_grid_size_for(sizes[i]));
        prts_encoder_free(enc);
        prts_decoder_free(dec);
        free(d);
    }
}

/* Encoding options that must not change the payload. */
static void options_roundtrip(prts_option opt, int64_t value, size_t n)
{
    uint8_t *d = make_data(n, 400 + (uint64_t)value);
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_encoder_set_option(enc, opt, value), PRTS_OK);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
    uint32_t grid = prts_grid_size_for(n);
    file_roundtrip(enc, dec, d, n, grid);
    prts_decoder_reset(dec);
    prts_encoder_reset(enc);
    stream_roundtrip(enc, dec, d, n, 4093, 0, 8191, false, grid);
    prts_encoder_free(enc);
    prts_decoder_free(dec);
    free(d);
}

static void t_level0(void **state)
{
    (void)state;
    options_roundtrip(PRTS_OPT_PNG_LEVEL, 0, 300000);
}

static void t_level9(void **state)
{
    (void)state;
    options_roundtrip(PRTS_OPT_PNG_LEVEL, 9, 300000);
}

static void t_filter_adaptive(void **state)
{
    (void)state;
    options_roundtrip(PRTS_OPT_FILTER, PRTS_FILTER_ADAPTIVE, 300000);
}

/* Level 9 makes a compressible payload smaller than level 0. */
static void t_level_affects_size(void **state)
{
    (void)state;
    size_t n = 200000;
    uint8_t *d = malloc(n);
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)(i % 7);
    size_t len[2];
    int64_t lv[2] = { 0, 9 };
    for (int k = 0; k < 2; k++) {
        prts_encoder *enc = prts_encoder_new();
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PNG_LEVEL, lv[k]), PRTS_OK);
        tu_buf png = {0};
        assert_int_equal(tu_encode_mem(enc, d, n, 0, &png), PRTS_OK);
        len[k] = png.len;
        tu_buf_free(&png);
        prts_encoder_free(enc);
    }
    assert_true(len[0] > n);          /* level 0 stores */
    assert_true(len[1] < len[0] / 4); /* level 9 deflates */
    free(d);
}

/* Code mode keeps the payload in original_data_b64: WASM and non-WASM. */
static void t_code_mode(void **state)
{
    (void)state;
    static const size_t cs[] = { 0, 1, 4, 41, 300, 4097 };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        for (int wasm = 0; wasm <= 1; wasm++) {
            size_t n = cs[i];
            uint8_t *d = make_data(n, 500 + i);
            if (wasm && n >= 4)
                memcpy(d, "\0asm", 4);
            prts_encoder *enc = prts_encoder_new();
            prts_decoder *dec = prts_decoder_new();
            assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MODE, PRTS_MODE_CODE), PRTS_OK);
            assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
            uint32_t grid = prts_grid_size_for(n);
            file_roundtrip(enc, dec, d, n, grid);
            int64_t mode = -1;
            assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_MODE, &mode), PRTS_OK);
            assert_int_equal(mode, PRTS_MODE_CODE);
            char *js = prts_encoder_metadata_json(enc);
            json_t *m = tu_json_parse(js);
            assert_string_equal(json_string_value(json_object_get(m, "encoding_mode")), "RGBA-code");
            assert_true(json_is_string(json_object_get(m, "original_data_b64")));
            json_decref(m);
            prts_free(js);
            prts_encoder_reset(enc);
            prts_decoder_reset(dec);
            stream_roundtrip(enc, dec, d, n, 7, 3, 5, true, grid);
            prts_encoder_free(enc);
            prts_decoder_free(dec);
            free(d);
        }
    }
}

/* An explicit grid larger than needed. */
static void t_explicit_grid(void **state)
{
    (void)state;
    static const struct { size_t n; uint32_t g; } c[] = {
        { 0, 4 }, { 10, 64 }, { 1000, 64 }, { 4096, 256 }, { 100, 8 }, { 64, 4 },
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        uint8_t *d = make_data(c[i].n, 600 + i);
        prts_encoder *enc = prts_encoder_new();
        prts_decoder *dec = prts_decoder_new();
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, c[i].g), PRTS_OK);
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
        file_roundtrip(enc, dec, d, c[i].n, c[i].g);
        prts_encoder_reset(enc);
        prts_decoder_reset(dec);
        stream_roundtrip(enc, dec, d, c[i].n, 7, 0, 100, true, c[i].g);
        prts_encoder_free(enc);
        prts_decoder_free(dec);
        free(d);
    }
}

/* User metadata survives the round trip, version → content_version. */
static void t_user_metadata(void **state)
{
    (void)state;
    uint8_t *d = make_data(1234, 700);
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_metadata_json(enc,
        "{\"type\":\"blob\",\"name\":\"x\",\"version\":\"2.1\",\"n\":5,\"list\":[1,2]}"), PRTS_OK);
    tu_buf png = {0}, out = {0};
    assert_int_equal(tu_encode_mem(enc, d, 1234, 100, &png), PRTS_OK);
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(tu_decode_mem(dec, png.data, png.len, 0, false, 4096, false, &out), PRTS_OK);
    tu_assert_bytes_equal(out.data, out.len, d, 1234);
    char *js = prts_decoder_metadata_json(dec);
    assert_non_null(js);
    json_t *m = tu_json_parse(js);
    assert_string_equal(json_string_value(json_object_get(m, "type")), "blob");
    assert_string_equal(json_string_value(json_object_get(m, "name")), "x");
    assert_string_equal(json_string_value(json_object_get(m, "content_version")), "2.1");
    assert_null(json_object_get(m, "version"));
    assert_int_equal(json_integer_value(json_object_get(m, "n")), 5);
    assert_int_equal(json_array_size(json_object_get(m, "list")), 2);
    assert_string_equal(json_string_value(json_object_get(m, "format")), "PixelRTS-2.0");
    assert_int_equal(json_integer_value(json_object_get(m, "format_version")), 2);
    json_decref(m);
    prts_free(js);
    tu_buf_free(&png);
    tu_buf_free(&out);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
    free(d);
}

/* User keys never overwrite the format keys 1-7. */
static void t_user_metadata_cannot_override(void **state)
{
    (void)state;
    uint8_t d[100] = {1, 2, 3};
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_metadata_json(enc,
        "{\"format\":\"evil\",\"grid_size\":1024,\"encoding_mode\":\"x\",\"format_version\":9}"),
        PRTS_OK);
    tu_buf png = {0}, out = {0};
    assert_int_equal(tu_encode_mem(enc, d, sizeof d, 0, &png), PRTS_OK);
    char *js = prts_encoder_metadata_json(enc);
    json_t *m = tu_json_parse(js);
    assert_string_equal(json_string_value(json_object_get(m, "format")), "PixelRTS-2.0");
    assert_int_equal(json_integer_value(json_object_get(m, "grid_size")), 8);
    assert_int_equal(json_integer_value(json_object_get(m, "format_version")), 2);
    assert_string_equal(json_string_value(json_object_get(m, "encoding_mode")), "RGBA-dense");
    json_decref(m);
    prts_free(js);
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
    assert_int_equal(tu_decode_mem(dec, png.data, png.len, 0, false, 50, false, &out), PRTS_OK);
    tu_assert_bytes_equal(out.data, out.len, d, sizeof d);
    tu_buf_free(&png);
    tu_buf_free(&out);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
}

/* Without the sidecar option the file API writes the PNG only. */
static void t_no_sidecar(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *in = tu_path(dir, "a.bin");
    char *png = tu_path(dir, "a.rts.png");
    char *side = tu_path(dir, "a.rts.png.meta.json");
    char *out = tu_path(dir, "b.bin");
    uint8_t *d = make_data(5000, 800);
    tu_write_file(in, d, 5000);
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_WRITE_SIDECAR, 0), PRTS_OK);
    assert_int_equal(prts_encoder_encode_file(enc, in, png), PRTS_OK);
    assert_true(tu_file_exists(png));
    assert_false(tu_file_exists(side));
    assert_int_equal(tu_dir_count(dir), 2);
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_decode_file(dec, png, out), PRTS_OK);
    int64_t src = -1;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_METADATA_SOURCE, &src), PRTS_OK);
    assert_int_equal(src, PRTS_META_CHUNK);
    size_t olen;
    uint8_t *o = tu_read_file(out, &olen);
    tu_assert_bytes_equal(o, olen, d, 5000);
    free(o);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
    free(d);
    free(in);
    free(png);
    free(side);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* Output files are replaced, not appended to. */
static void t_overwrite_output(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *in = tu_path(dir, "a.bin");
    char *png = tu_path(dir, "a.rts.png");
    char *out = tu_path(dir, "b.bin");
    uint8_t *big = make_data(100000, 900);
    uint8_t *small = make_data(10, 901);
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    tu_write_file(in, big, 100000);
    assert_int_equal(prts_encoder_encode_file(enc, in, png), PRTS_OK);
    assert_int_equal(prts_decoder_decode_file(dec, png, out), PRTS_OK);
    tu_write_file(in, small, 10);
    prts_encoder_reset(enc);
    prts_decoder_reset(dec);
    assert_int_equal(prts_encoder_encode_file(enc, in, png), PRTS_OK);
    assert_int_equal(prts_decoder_decode_file(dec, png, out), PRTS_OK);
    size_t olen;
    uint8_t *o = tu_read_file(out, &olen);
    tu_assert_bytes_equal(o, olen, small, 10);
    free(o);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
    free(big);
    free(small);
    free(in);
    free(png);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* Progress reports reach total; cancelling fails with PRTS_E_CANCELLED. */
typedef struct { uint64_t last_done, total; int calls; int cancel_at; bool monotonic; } prog;

static int progress_cb(void *user, uint64_t done, uint64_t total)
{
    prog *p = user;
    if (p->calls > 0 && done < p->last_done)
        p->monotonic = false;
    if (done > total)
        p->monotonic = false;
    p->last_done = done;
    p->total = total;
    p->calls++;
    return p->cancel_at > 0 && p->calls >= p->cancel_at;
}

static void t_progress(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *in = tu_path(dir, "a.bin");
    char *png = tu_path(dir, "a.rts.png");
    char *out = tu_path(dir, "b.bin");
    size_t n = 2000000;
    uint8_t *d = make_data(n, 1000);
    tu_write_file(in, d, n);
    prts_encoder *enc = prts_encoder_new();
    prog pe = { .monotonic = true };
    prts_encoder_set_progress(enc, progress_cb, &pe);
    assert_int_equal(prts_encoder_encode_file(enc, in, png), PRTS_OK);
    assert_true(pe.calls > 0);
    assert_true(pe.monotonic);
    assert_int_equal(pe.total, n);
    assert_int_equal(pe.last_done, n);
    prts_decoder *dec = prts_decoder_new();
    prog pd = { .monotonic = true };
    prts_decoder_set_progress(dec, progress_cb, &pd);
    assert_int_equal(prts_decoder_decode_file(dec, png, out), PRTS_OK);
    assert_true(pd.calls > 0);
    assert_true(pd.monotonic);
    assert_int_equal(pd.total, n);
    assert_int_equal(pd.last_done, n);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
    free(d);
    free(in);
    free(png);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_file_sizes),
        cmocka_unit_test(t_file_big),
        cmocka_unit_test(t_stream_chunk1),
        cmocka_unit_test(t_stream_chunk7),
        cmocka_unit_test(t_stream_chunk64k),
        cmocka_unit_test(t_stream_short_reads),
        cmocka_unit_test(t_big_chunk1),
        cmocka_unit_test(t_big_chunk7),
        cmocka_unit_test(t_big_chunk64k),
        cmocka_unit_test(t_big_small_budget),
        cmocka_unit_test(t_small_budget_sizes),
        cmocka_unit_test(t_level0),
        cmocka_unit_test(t_level9),
        cmocka_unit_test(t_filter_adaptive),
        cmocka_unit_test(t_level_affects_size),
        cmocka_unit_test(t_code_mode),
        cmocka_unit_test(t_explicit_grid),
        cmocka_unit_test(t_user_metadata),
        cmocka_unit_test(t_user_metadata_cannot_override),
        cmocka_unit_test(t_no_sidecar),
        cmocka_unit_test(t_overwrite_output),
        cmocka_unit_test(t_progress),
    };
    return cmocka_run_group_tests_name("roundtrip", tests, NULL, NULL);
}
