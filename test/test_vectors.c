/* test_vectors.c: differential tests against the files the original PixelRTS
 * implementation wrote (test/vectors, MANIFEST.json).  Every PNG decodes to
 * its .bin; our encoding of each standard-mode (and code-mode) .bin has the
 * same RGBA pixels and the same metadata. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct vec {
    const char *name;
    uint64_t size;
    uint32_t grid;
    int mode;              /* prts_mode */
    bool compressed;
    json_t *metadata_in;   /* borrowed from the manifest; NULL if none */
    json_t *compression;   /* borrowed; NULL if none */
} vec;

/* ---- helpers ---------------------------------------------------------- */

static char *vfile(const vec *v, const char *suffix)
{
    char *n = tu_strdupf("%s%s", v->name, suffix);
    char *p = tu_vector_path(n);
    free(n);
    return p;
}

static uint8_t *vbin(const vec *v, size_t *len)
{
    char *p = vfile(v, ".bin");
    uint8_t *d = tu_read_file(p, len);
    free(p);
    assert_int_equal(*len, v->size);
    return d;
}

static uint8_t *vpng(const vec *v, size_t *len)
{
    char *p = vfile(v, ".rts.png");
    uint8_t *d = tu_read_file(p, len);
    free(p);
    return d;
}

static json_t *vmeta(const vec *v)
{
    char *p = vfile(v, ".rts.png.meta.json");
    json_t *j = tu_json_load_file(p);
    free(p);
    return j;
}

static void assert_json_equal(json_t *got, json_t *want, const char *what)
{
    if (json_equal(got, want))
        return;
    /* say which keys differ */
    const char *k;
    json_t *val;
    json_object_foreach(want, k, val) {
        json_t *g = json_object_get(got, k);
        if (!g) {
            print_error("%s: key \"%s\" missing\n", what, k);
        } else if (!json_equal(g, val)) {
            char *a = json_dumps(g, JSON_COMPACT | JSON_ENCODE_ANY);
            char *b = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
            print_error("%s: key \"%s\": got %s, expected %s\n", what, k, a, b);
            free(a);
            free(b);
        }
    }
    json_object_foreach(got, k, val) {
        if (!json_object_get(want, k))
            print_error("%s: unexpected key \"%s\"\n", what, k);
    }
    fail_msg("%s: metadata differs from the vector's", what);
}

/* Same keys in the same order, recursively (docs/format.md §5 fixes the order). */
static void assert_json_same_order(json_t *got, json_t *want, const char *path)
{
    if (!json_is_object(got) || !json_is_object(want))
        return;
    void *a = json_object_iter(got), *b = json_object_iter(want);
    int i = 0;
    while (a && b) {
        const char *ka = json_object_iter_key(a), *kb = json_object_iter_key(b);
        if (strcmp(ka, kb) != 0)
            fail_msg("%s: key #%d is \"%s\", expected \"%s\"", path, i, ka, kb);
        char *sub = tu_strdupf("%s.%s", path, ka);
        assert_json_same_order(json_object_iter_value(a), json_object_iter_value(b), sub);
        free(sub);
        a = json_object_iter_next(got, a);
        b = json_object_iter_next(want, b);
        i++;
    }
    if (a || b)
        fail_msg("%s: key count differs (extra key \"%s\")", path,
                 a ? json_object_iter_key(a) : json_object_iter_key(b));
}

static prts_decoder *new_decoder(void)
{
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    return dec;
}

static void decode_file_check(const vec *v, int read_sidecar, int verify, int want_source)
{
    size_t blen;
    uint8_t *bin = vbin(v, &blen);
    char *dir = tu_mkdtemp();
    char *out = tu_path(dir, "out.bin");
    char *in = vfile(v, ".rts.png");
    prts_decoder *dec = new_decoder();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_READ_SIDECAR, read_sidecar), PRTS_OK);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, verify), PRTS_OK);
    int r = prts_decoder_decode_file(dec, in, out);
    if (r != PRTS_OK)
        fail_msg("%s: prts_decoder_decode_file = %d (%s): %s", v->name, r, prts_strerror(r),
                 prts_decoder_last_error(dec));
    size_t olen;
    uint8_t *o = tu_read_file(out, &olen);
    tu_assert_bytes_equal(o, olen, bin, blen);

    int64_t val = -1;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &val), PRTS_OK);
    assert_int_equal(val, (int64_t)v->size);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_GRID_SIZE, &val), PRTS_OK);
    assert_int_equal(val, v->grid);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_METADATA_SOURCE, &val), PRTS_OK);
    assert_int_equal(val, want_source);
    /* only the output file is left in the directory */
    assert_int_equal(tu_dir_count(dir), 1);

    prts_decoder_free(dec);
    free(o);
    free(in);
    free(out);
    tu_rmtree(dir);
    free(dir);
    free(bin);
}

/* ---- decoding ------------------------------------------------------------ */

static void t_decode_file(void **state)
{
    decode_file_check(*state, 1, 0, PRTS_META_SIDECAR);
}

static void t_decode_file_chunk(void **state)
{
    decode_file_check(*state, 0, 0, PRTS_META_CHUNK);
}

static void t_decode_file_verify(void **state)
{
    decode_file_check(*state, 1, 1, PRTS_META_SIDECAR);
    decode_file_check(*state, 0, 1, PRTS_META_CHUNK);
}

static void stream_check(const vec *v, size_t max_read, bool random_read, size_t pull_cap,
                         bool pull_random, int verify)
{
    size_t blen, plen;
    uint8_t *bin = vbin(v, &blen);
    uint8_t *png = vpng(v, &plen);
    prts_decoder *dec = new_decoder();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, verify), PRTS_OK);
    tu_buf out = {0};
    int r = tu_decode_mem(dec, png, plen, max_read, random_read, pull_cap, pull_random, &out);
    if (r != PRTS_OK)
        fail_msg("%s: open/pull = %d (%s): %s", v->name, r, prts_strerror(r),
                 prts_decoder_last_error(dec));
    tu_assert_bytes_equal(out.data, out.len, bin, blen);
    int64_t val = -1;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_METADATA_SOURCE, &val), PRTS_OK);
    assert_int_equal(val, PRTS_META_CHUNK);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &val), PRTS_OK);
    assert_int_equal(val, (int64_t)v->size);
    tu_buf_free(&out);
    prts_decoder_free(dec);
    free(png);
    free(bin);
}

static void t_decode_stream(void **state)
{
    stream_check(*state, 0, false, 65536, false, 0);
}

static void t_decode_stream_short_reads(void **state)
{
    stream_check(*state, 7, true, 1000, true, 0);
    stream_check(*state, 1, false, 1, false, 0);
}

static void t_decode_stream_verify(void **state)
{
    stream_check(*state, 13, true, 333, true, 1);
}

static void t_metadata_and_info(void **state)
{
    const vec *v = *state;
    char *in = vfile(v, ".rts.png");
    json_t *want = vmeta(v);
    for (int sidecar = 0; sidecar <= 1; sidecar++) {
        prts_decoder *dec = new_decoder();
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_READ_SIDECAR, sidecar), PRTS_OK);
        int r = prts_decoder_read_info(dec, in);
        if (r != PRTS_OK)
            fail_msg("%s: prts_decoder_read_info = %d (%s): %s", v->name, r, prts_strerror(r),
                     prts_decoder_last_error(dec));
        int64_t val = -1;
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_GRID_SIZE, &val), PRTS_OK);
        assert_int_equal(val, v->grid);
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &val), PRTS_OK);
        assert_int_equal(val, (int64_t)v->size);
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_MODE, &val), PRTS_OK);
        assert_int_equal(val, v->mode);
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_COMPRESSED, &val), PRTS_OK);
        assert_int_equal(val, v->compressed ? 1 : 0);
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_ENCODED_SIZE, &val), PRTS_OK);
        if (v->compressed)
            assert_int_equal(val, json_integer_value(json_object_get(want, "encoded_size")));
        else if (v->mode == PRTS_MODE_STANDARD)
            assert_int_equal(val, (int64_t)v->size);
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_HAS_HASH, &val), PRTS_OK);
        assert_int_equal(val, 1);
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_SIDECAR_MISMATCH, &val), PRTS_OK);
        assert_int_equal(val, 0);
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_METADATA_SOURCE, &val), PRTS_OK);
        assert_int_equal(val, sidecar ? PRTS_META_SIDECAR : PRTS_META_CHUNK);
        char *js = prts_decoder_metadata_json(dec);
        assert_non_null(js);
        json_t *got = tu_json_parse(js);
        assert_json_equal(got, want, v->name);
        json_decref(got);
        prts_free(js);
        prts_decoder_free(dec);
    }
    json_decref(want);
    free(in);
}

/* ---- encoding ------------------------------------------------------------ */

static prts_encoder *vec_encoder(const vec *v)
{
    prts_encoder *enc = prts_encoder_new();
    assert_non_null(enc);
    if (v->metadata_in) {
        char *mj = json_dumps(v->metadata_in, JSON_COMPACT);
        int r = prts_encoder_set_metadata_json(enc, mj);
        if (r != PRTS_OK)
            fail_msg("%s: set_metadata_json(%s) = %d: %s", v->name, mj, r,
                     prts_encoder_last_error(enc));
        free(mj);
    }
    if (v->grid != prts_grid_size_for(v->size))
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, v->grid), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MODE, v->mode), PRTS_OK);
    return enc;
}

static void assert_same_pixels(const vec *v, const uint8_t *ours, size_t olen)
{
    size_t plen;
    uint8_t *png = vpng(v, &plen);
    uint32_t w1, h1, w2, h2;
    uint8_t *p1, *p2;
    assert_int_equal(tu_png_rgba(png, plen, &w1, &h1, &p1), 0);
    int r = tu_png_rgba(ours, olen, &w2, &h2, &p2);
    if (r)
        fail_msg("%s: libspng cannot decode our PNG (error %d)", v->name, r);
    assert_int_equal(w2, w1);
    assert_int_equal(h2, h1);
    size_t n = (size_t)w1 * h1 * 4;
    for (size_t i = 0; i < n; i++) {
        if (p1[i] != p2[i]) {
            size_t px = i / 4;
            fail_msg("%s: pixel (%zu,%zu) channel %zu: ours 0x%02x, original 0x%02x",
                     v->name, px % w1, px / w1, i % 4, p2[i], p1[i]);
        }
    }
    /* our PNG is 8-bit RGBA, not interlaced, with the metadata before IDAT */
    assert_true(olen > 33);
    assert_int_equal(ours[24], 8);  /* bit depth */
    assert_int_equal(ours[25], 6);  /* colour type RGBA */
    assert_int_equal(ours[28], 0);  /* interlace */
    long t = tu_png_find_chunk(ours, olen, "tEXt", 0);
    assert_true(t >= 0);
    assert_true(memcmp(ours + t + 8, "PixelRTS\0PixelRTS{", 18) == 0);
    assert_true(tu_png_chunk_index(ours, olen, "tEXt") < tu_png_chunk_index(ours, olen, "IDAT"));
    free(p1);
    free(p2);
    free(png);
}

/* The chunk text of our PNG: magic + compact ASCII JSON equal to the vector's. */
static void assert_chunk_metadata(const vec *v, const uint8_t *ours, size_t olen, json_t *want)
{
    char *text = tu_png_text(ours, olen, "PixelRTS");
    if (!text)
        fail_msg("%s: our PNG has no PixelRTS text chunk", v->name);
    assert_true(strncmp(text, "PixelRTS{", 9) == 0);
    bool in_str = false, esc = false;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c >= 0x80)
            fail_msg("%s: non-ASCII byte 0x%02x in the metadata chunk", v->name, *c);
        if (in_str) {
            if (esc) esc = false;
            else if (*c == '\\') esc = true;
            else if (*c == '"') in_str = false;
        } else if (*c == '"') {
            in_str = true;
        } else if (*c == ' ' || *c == '\n') {
            fail_msg("%s: metadata chunk JSON is not compact: <%s>", v->name, text);
        }
    }
    json_t *got = tu_json_parse(text + 8);
    assert_json_equal(got, want, v->name);
    json_decref(got);
    free(text);
}

static void t_encode_pixels(void **state)
{
    const vec *v = *state;
    size_t blen;
    uint8_t *bin = vbin(v, &blen);
    prts_encoder *enc = vec_encoder(v);
    tu_buf out = {0};
    int r = tu_encode_mem(enc, bin, blen, 4093, &out);
    if (r != PRTS_OK)
        fail_msg("%s: push/finish = %d (%s): %s", v->name, r, prts_strerror(r),
                 prts_encoder_last_error(enc));
    assert_same_pixels(v, out.data, out.len);
    tu_buf_free(&out);
    prts_encoder_free(enc);
    free(bin);
}

static void t_encode_metadata(void **state)
{
    const vec *v = *state;
    size_t blen;
    uint8_t *bin = vbin(v, &blen);
    prts_encoder *enc = vec_encoder(v);
    tu_buf out = {0};
    int r = tu_encode_mem(enc, bin, blen, 0, &out);
    if (r != PRTS_OK)
        fail_msg("%s: push/finish = %d (%s): %s", v->name, r, prts_strerror(r),
                 prts_encoder_last_error(enc));
    json_t *want = vmeta(v);
    char *js = prts_encoder_metadata_json(enc);
    assert_non_null(js);
    json_t *got = tu_json_parse(js);
    assert_json_equal(got, want, v->name);
    assert_chunk_metadata(v, out.data, out.len, want);
    json_decref(got);
    json_decref(want);
    prts_free(js);
    tu_buf_free(&out);
    prts_encoder_free(enc);
    free(bin);
}

static void t_encode_metadata_order(void **state)
{
    const vec *v = *state;
    size_t blen;
    uint8_t *bin = vbin(v, &blen);
    prts_encoder *enc = vec_encoder(v);
    tu_buf out = {0};
    assert_int_equal(tu_encode_mem(enc, bin, blen, 0, &out), PRTS_OK);
    json_t *want = vmeta(v);
    char *js = prts_encoder_metadata_json(enc);
    assert_non_null(js);
    json_t *got = tu_json_parse(js);
    assert_json_same_order(got, want, v->name);
    char *text = tu_png_text(out.data, out.len, "PixelRTS");
    assert_non_null(text);
    json_t *chunk = tu_json_parse(text + 8);
    assert_json_same_order(chunk, want, v->name);
    json_decref(chunk);
    free(text);
    json_decref(got);
    json_decref(want);
    prts_free(js);
    tu_buf_free(&out);
    prts_encoder_free(enc);
    free(bin);
}

/* The file API: same pixels, and a sidecar equal to the vector's, indented by 2. */
static void t_encode_file(void **state)
{
    const vec *v = *state;
    char *in = vfile(v, ".bin");
    char *dir = tu_mkdtemp();
    char *out = tu_path(dir, "x.rts.png");
    char *side = tu_path(dir, "x.rts.png.meta.json");
    prts_encoder *enc = vec_encoder(v);
    int r = prts_encoder_encode_file(enc, in, out);
    if (r != PRTS_OK)
        fail_msg("%s: prts_encoder_encode_file = %d (%s): %s", v->name, r, prts_strerror(r),
                 prts_encoder_last_error(enc));
    size_t olen;
    uint8_t *o = tu_read_file(out, &olen);
    assert_same_pixels(v, o, olen);
    json_t *want = vmeta(v);
    assert_chunk_metadata(v, o, olen, want);
    size_t slen;
    uint8_t *s = tu_try_read_file(side, &slen);
    if (!s)
        fail_msg("%s: sidecar %s not written", v->name, side);
    char *stext = malloc(slen + 1);
    memcpy(stext, s, slen);
    stext[slen] = 0;
    for (size_t i = 0; i < slen; i++)
        if (s[i] >= 0x80)
            fail_msg("%s: non-ASCII byte in the sidecar at %zu", v->name, i);
    assert_true(strncmp(stext, "{\n  \"format\": ", 14) == 0);
    json_t *got = tu_json_parse(stext);
    assert_json_equal(got, want, v->name);
    assert_json_same_order(got, want, v->name);
    /* only the PNG and its sidecar: no temporary left behind */
    assert_int_equal(tu_dir_count(dir), 2);
    json_decref(got);
    json_decref(want);
    free(stext);
    free(s);
    free(o);
    prts_encoder_free(enc);
    free(side);
    free(out);
    tu_rmtree(dir);
    free(dir);
    free(in);
}

/* Our own encoding of the vector decodes back to the .bin. */
static void t_encode_decode(void **state)
{
    const vec *v = *state;
    size_t blen;
    uint8_t *bin = vbin(v, &blen);
    prts_encoder *enc = vec_encoder(v);
    tu_buf png = {0};
    assert_int_equal(tu_encode_mem(enc, bin, blen, 1, &png), PRTS_OK);
    prts_decoder *dec = new_decoder();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
    tu_buf out = {0};
    int r = tu_decode_mem(dec, png.data, png.len, 0, false, 4096, false, &out);
    if (r != PRTS_OK)
        fail_msg("%s: decode of our encoding = %d (%s): %s", v->name, r, prts_strerror(r),
                 prts_decoder_last_error(dec));
    tu_assert_bytes_equal(out.data, out.len, bin, blen);
    tu_buf_free(&out);
    tu_buf_free(&png);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
    free(bin);
}

/* ---- docs/format.md worked examples --------------------------------------- */

/* §4: 10 bytes 00..09 → rows given in the spec; §5: the exact chunk text. */
static void t_worked_example(void **state)
{
    (void)state;
    uint8_t data[10];
    for (int i = 0; i < 10; i++)
        data[i] = (uint8_t)i;
    prts_encoder *enc = prts_encoder_new();
    assert_non_null(enc);
    tu_buf out = {0};
    assert_int_equal(tu_encode_mem(enc, data, 10, 3, &out), PRTS_OK);
    uint32_t w, h;
    uint8_t *px;
    assert_int_equal(tu_png_rgba(out.data, out.len, &w, &h, &px), 0);
    assert_int_equal(w, 4);
    assert_int_equal(h, 4);
    uint8_t want[64] = {0};
    memcpy(want, data, 8);           /* row 0: d0 (0,0), d1 (1,0) */
    want[16 + 4] = 8;                /* row 1: d2 (1,1) = 08 09 00 00 */
    want[16 + 5] = 9;
    tu_assert_bytes_equal(px, 64, want, 64);
    char *text = tu_png_text(out.data, out.len, "PixelRTS");
    assert_non_null(text);
    assert_string_equal(text,
        "PixelRTS{\"format\":\"PixelRTS-2.0\",\"format_version\":2,\"grid_size\":4,"
        "\"encoding\":{\"type\":\"RGBA-dense\",\"bytes_per_pixel\":4,"
        "\"mapping\":\"Hilbert space-filling curve\"},\"offsets\":{},\"hashes\":{},"
        "\"encoding_mode\":\"RGBA-dense\","
        "\"data_hash\":\"1f825aa2f0020ef7cf91dfa30da4668d791c5d4824fc8e41354b89ec05795ab3\","
        "\"data_size\":10}");
    free(text);
    free(px);
    tu_buf_free(&out);
    prts_encoder_free(enc);
}

/* §6: 00 61 73 6D | 01 00 00 00 | 01 02 03 04 in code mode. */
static void t_code_mode_example(void **state)
{
    (void)state;
    static const uint8_t data[12] = { 0x00, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 2, 3, 4 };
    prts_encoder *enc = prts_encoder_new();
    assert_non_null(enc);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MODE, PRTS_MODE_CODE), PRTS_OK);
    tu_buf out = {0};
    assert_int_equal(tu_encode_mem(enc, data, sizeof data, 0, &out), PRTS_OK);
    uint32_t w, h;
    uint8_t *px;
    assert_int_equal(tu_png_rgba(out.data, out.len, &w, &h, &px), 0);
    assert_int_equal(w, 4);
    static const uint8_t d0[4] = { 255, 0x61, 0x73, 255 }, d1[4] = { 0, 0, 0, 255 },
                         d2[4] = { 0, 2, 3, 255 };
    tu_assert_bytes_equal(px + 0, 4, d0, 4);           /* (0,0) */
    tu_assert_bytes_equal(px + 4, 4, d1, 4);           /* (1,0) */
    tu_assert_bytes_equal(px + 16 + 4, 4, d2, 4);      /* (1,1) */
    char *js = prts_encoder_metadata_json(enc);
    assert_non_null(js);
    json_t *m = tu_json_parse(js);
    assert_string_equal(json_string_value(json_object_get(m, "encoding_mode")), "RGBA-code");
    assert_string_equal(json_string_value(json_object_get(m, "original_data_b64")),
                        "AGFzbQEAAAABAgME");
    json_decref(m);
    prts_free(js);
    free(px);
    tu_buf_free(&out);
    prts_encoder_free(enc);
}

/* ---- main: one test case per (check, vector) --------------------------- */

int main(void)
{
    const char *vd = getenv("PRTS_VECTORS");
    if (!vd || !*vd) {
        fprintf(stderr, "PRTS_VECTORS is not set\n");
        return 1;
    }
    char *mp = tu_strdupf("%s/MANIFEST.json", vd);
    json_error_t err;
    json_t *man = json_load_file(mp, 0, &err);
    if (!json_is_array(man)) {
        fprintf(stderr, "cannot load %s: %s\n", mp, err.text);
        return 1;
    }
    free(mp);
    size_t nv = json_array_size(man);
    vec *vecs = calloc(nv, sizeof *vecs);
    for (size_t i = 0; i < nv; i++) {
        json_t *e = json_array_get(man, i);
        vecs[i].name = json_string_value(json_object_get(e, "name"));
        vecs[i].size = (uint64_t)json_integer_value(json_object_get(e, "size"));
        vecs[i].grid = (uint32_t)json_integer_value(json_object_get(e, "grid_size"));
        const char *mode = json_string_value(json_object_get(e, "mode"));
        vecs[i].mode = mode && !strcmp(mode, "code") ? PRTS_MODE_CODE : PRTS_MODE_STANDARD;
        vecs[i].compression = json_object_get(e, "compression");
        vecs[i].compressed = vecs[i].compression != NULL;
        vecs[i].metadata_in = json_object_get(e, "metadata_in");
        if (!vecs[i].name) {
            fprintf(stderr, "manifest entry %zu has no name\n", i);
            return 1;
        }
    }

    static const struct { const char *tag; CMUnitTestFunction fn; int which; } checks[] = {
        /* which: 0 = every vector, 1 = vectors we can re-encode (not compressed) */
        { "decode_file", t_decode_file, 0 },
        { "decode_file_chunk", t_decode_file_chunk, 0 },
        { "decode_file_verify", t_decode_file_verify, 0 },
        { "decode_stream", t_decode_stream, 0 },
        { "decode_stream_short_reads", t_decode_stream_short_reads, 0 },
        { "decode_stream_verify", t_decode_stream_verify, 0 },
        { "metadata_and_info", t_metadata_and_info, 0 },
        { "encode_pixels", t_encode_pixels, 1 },
        { "encode_metadata", t_encode_metadata, 1 },
        { "encode_metadata_key_order", t_encode_metadata_order, 1 },
        { "encode_file", t_encode_file, 1 },
        { "encode_decode", t_encode_decode, 1 },
    };
    size_t nc = sizeof checks / sizeof checks[0];
    struct CMUnitTest *tests = calloc(nc * nv + 2, sizeof *tests);
    size_t nt = 0;
    for (size_t c = 0; c < nc; c++) {
        for (size_t i = 0; i < nv; i++) {
            if (checks[c].which == 1 && vecs[i].compressed)
                /* decoded only: re-encoding would have to reproduce the original's
                 * compressed bytes (docs/format.md §7) */
                continue;
            tests[nt].name = tu_strdupf("%s/%s", checks[c].tag, vecs[i].name);
            tests[nt].test_func = checks[c].fn;
            tests[nt].initial_state = &vecs[i];
            nt++;
        }
    }
    tests[nt].name = "worked_example_10_bytes";
    tests[nt++].test_func = t_worked_example;
    tests[nt].name = "code_mode_example";
    tests[nt++].test_func = t_code_mode_example;

    int failed = _cmocka_run_group_tests("vectors", tests, nt, NULL, NULL);
    for (size_t i = 0; i + 2 < nt; i++)
        free((char *)tests[i].name);
    free(tests);
    free(vecs);
    json_decref(man);
    return failed;
}
