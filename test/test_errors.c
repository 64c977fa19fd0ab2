/* test_errors.c: every bad input fails with its exact status code, through the
 * file API and through open/pull, and leaves no output behind. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* ---- helpers ------------------------------------------------------------ */

typedef tu_fx fx;

/* Metadata text as docs/format.md §5 writes it, for a payload of n bytes with
 * this hash (NULL: no data_hash key) in a grid of side g. */
static char *meta_text(uint32_t g, uint64_t n, const char *hash, const char *mode)
{
    json_t *m = json_object();
    json_object_set_new(m, "format", json_string("PixelRTS-2.0"));
    json_object_set_new(m, "format_version", json_integer(2));
    json_object_set_new(m, "grid_size", json_integer(g));
    json_t *e = json_object();
    json_object_set_new(e, "type", json_string(mode));
    json_object_set_new(e, "bytes_per_pixel", json_integer(4));
    json_object_set_new(e, "mapping", json_string("Hilbert space-filling curve"));
    json_object_set_new(m, "encoding", e);
    json_object_set_new(m, "offsets", json_object());
    json_object_set_new(m, "hashes", json_object());
    json_object_set_new(m, "encoding_mode", json_string(mode));
    if (hash)
        json_object_set_new(m, "data_hash", json_string(hash));
    json_object_set_new(m, "data_size", json_integer((json_int_t)n));
    char *js = json_dumps(m, JSON_COMPACT | JSON_ENSURE_ASCII);
    char *t = tu_strdupf("PixelRTS%s", js);
    free(js);
    json_decref(m);
    return t;
}

/* A w x h PNG of zero pixels carrying `text` (NULL: no text chunk) under
 * keyword PixelRTS; written to dir/name; returns the malloc'd path. */
static char *craft(const char *dir, const char *name, uint32_t w, uint32_t h, const char *text,
                   uint8_t **png_out, size_t *len_out)
{
    uint8_t *px = calloc((size_t)w * h * 4 + 1, 1);
    tu_text t = { "PixelRTS", text };
    size_t len;
    uint8_t *png = tu_png_encode(w, h, px, &t, text ? 1 : 0, &len);
    char *path = tu_path(dir, name);
    tu_write_file(path, png, len);
    free(px);
    if (png_out) {
        *png_out = png;
        *len_out = len;
    } else {
        free(png);
    }
    return path;
}

static char *copy_vector(const char *dir, const char *vname, const char *as, uint8_t **data,
                         size_t *len)
{
    char *src = tu_vector_path(vname);
    size_t n;
    uint8_t *d = tu_read_file(src, &n);
    char *dst = tu_path(dir, as);
    tu_write_file(dst, d, n);
    free(src);
    if (data) {
        *data = d;
        *len = n;
    } else {
        free(d);
    }
    return dst;
}

/* prts_decoder_decode_file(in → dir/out.bin) must fail with `want`, leave no output,
 * and give a non-empty message. */
static void expect_decode_file(const char *dir, const char *in, int want, int verify)
{
    char *out = tu_path(dir, "out.bin");
    int before = tu_dir_count(dir);
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, verify), PRTS_OK);
    int r = prts_decoder_decode_file(dec, in, out);
    if (r != want)
        fail_msg("decode_file(%s): expected %d (%s), got %d (%s): \"%s\"", in, want,
                 prts_strerror(want), r, prts_strerror(r), prts_decoder_last_error(dec));
    const char *msg = prts_decoder_last_error(dec);
    assert_non_null(msg);
    assert_true(msg[0] != 0);
    const char *base = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;
    if (!strstr(msg, base))
        fail_msg("decode_file error message does not name the file %s: \"%s\"", base, msg);
    if (tu_file_exists(out))
        fail_msg("decode_file failed with %d but left %s behind", r, out);
    if (tu_dir_count(dir) != before)
        fail_msg("decode_file failed but the directory went from %d to %d entries", before,
                 tu_dir_count(dir));
    prts_decoder_free(dec);
    free(out);
}

/* open + pull over the bytes must fail with `want` (at open or at pull),
 * and deliver nothing when the failure is a hash mismatch. */
static void expect_decode_stream(const uint8_t *png, size_t len, int want, int verify)
{
    for (int pass = 0; pass < 2; pass++) {
        prts_decoder *dec = prts_decoder_new();
        assert_non_null(dec);
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, verify), PRTS_OK);
        tu_buf out = {0};
        int r = pass == 0 ? tu_decode_mem(dec, png, len, 0, false, 65536, false, &out)
                          : tu_decode_mem(dec, png, len, 5, true, 3, false, &out);
        if (r != want)
            fail_msg("open/pull (pass %d): expected %d (%s), got %d (%s): \"%s\"", pass, want,
                     prts_strerror(want), r, prts_strerror(r), prts_decoder_last_error(dec));
        const char *msg = prts_decoder_last_error(dec);
        assert_non_null(msg);
        assert_true(msg[0] != 0);
        if (want == PRTS_E_HASH_MISMATCH && out.len != 0)
            fail_msg("hash mismatch, yet %zu bytes were delivered before it", out.len);
        /* the handle is poisoned until reset */
        uint8_t b[16];
        size_t got = 99;
        assert_int_equal(prts_decoder_pull(dec, b, sizeof b, &got), PRTS_E_BAD_STATE);
        tu_buf_free(&out);
        prts_decoder_free(dec);
    }
}

static void expect_both(fx *f, const char *path, const uint8_t *png, size_t len, int want,
                        int verify)
{
    expect_decode_file(f->dir, path, want, verify);
    expect_decode_stream(png, len, want, verify);
}

/* ---- not a PNG, truncated, CRC ------------------------------------------- */

static void t_not_png(void **state)
{
    fx *f = *state;
    static const char txt[] = "this is plainly not a PNG file, just some text......\n";
    char *p = tu_path(f->dir, "text.rts.png");
    tu_write_file(p, txt, sizeof txt - 1);
    expect_both(f, p, (const uint8_t *)txt, sizeof txt - 1, PRTS_E_NOT_PNG, 0);
    /* a JPEG signature */
    static const uint8_t jpg[32] = { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F' };
    tu_write_file(p, jpg, sizeof jpg);
    expect_both(f, p, jpg, sizeof jpg, PRTS_E_NOT_PNG, 0);
    /* shorter than a PNG header, still plainly not a PNG */
    static const char shorttxt[] = "not a png, 26 bytes long!";
    tu_write_file(p, shorttxt, sizeof shorttxt - 1);
    expect_both(f, p, (const uint8_t *)shorttxt, sizeof shorttxt - 1, PRTS_E_NOT_PNG, 0);
    tu_write_file(p, "GIF89a", 6);
    expect_both(f, p, (const uint8_t *)"GIF89a", 6, PRTS_E_NOT_PNG, 0);
    /* the PNG signature with one byte wrong */
    size_t n;
    uint8_t *d;
    char *v = copy_vector(f->dir, "std-10.rts.png", "v.rts.png", &d, &n);
    d[1] ^= 0x20;  /* 'P' -> 'p' */
    tu_write_file(v, d, n);
    expect_both(f, v, d, n, PRTS_E_NOT_PNG, 0);
    free(d);
    free(v);
    free(p);
}

static void t_truncated(void **state)
{
    fx *f = *state;
    size_t n;
    uint8_t *d;
    char *v = copy_vector(f->dir, "std-100000-random.rts.png", "t.rts.png", &d, &n);
    long text = tu_png_find_chunk(d, n, "tEXt", 0);
    long idat = tu_png_find_chunk(d, n, "IDAT", 0);
    assert_true(text > 0 && idat > text);
    size_t cuts[] = { n / 2, (size_t)idat + 100, n - 30, (size_t)text + 40, 33, 8 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        tu_write_file(v, d, cuts[i]);
        expect_both(f, v, d, cuts[i], PRTS_E_TRUNCATED, 0);
    }
    free(d);
    free(v);
}

static void flip_in_chunk(fx *f, const char *vname, const char *type, size_t at)
{
    size_t n;
    uint8_t *d;
    char *v = copy_vector(f->dir, vname, "c.rts.png", &d, &n);
    long c = tu_png_find_chunk(d, n, type, 0);
    assert_true(c > 0);
    d[(size_t)c + 8 + at] ^= 0x01;
    tu_write_file(v, d, n);
    expect_both(f, v, d, n, PRTS_E_CRC, 0);
    free(d);
    free(v);
}

static void t_crc_idat(void **state)
{
    flip_in_chunk(*state, "std-10.rts.png", "IDAT", 10);
    flip_in_chunk(*state, "std-100000-random.rts.png", "IDAT", 5000);
}

static void t_crc_text(void **state)
{
    flip_in_chunk(*state, "std-10.rts.png", "tEXt", 30);
}

/* The stored CRC itself is wrong (the chunk data is intact). */
static void flip_crc(fx *f, const char *vname, const char *type)
{
    size_t n;
    uint8_t *d;
    char *v = copy_vector(f->dir, vname, "c.rts.png", &d, &n);
    long c = tu_png_find_chunk(d, n, type, 0);
    assert_true(c > 0);
    uint32_t len = (uint32_t)d[c] << 24 | (uint32_t)d[c + 1] << 16 | (uint32_t)d[c + 2] << 8 | d[c + 3];
    d[(size_t)c + 8 + len + 2] ^= 0x10;
    tu_write_file(v, d, n);
    expect_both(f, v, d, n, PRTS_E_CRC, 0);
    free(d);
    free(v);
}

static void t_crc_ihdr(void **state)
{
    flip_crc(*state, "std-10.rts.png", "IHDR");
    flip_in_chunk(*state, "std-10.rts.png", "IHDR", 12);  /* interlace 0 -> 1: still a valid IHDR */
}

static void t_crc_field(void **state)
{
    flip_crc(*state, "std-10.rts.png", "tEXt");
    flip_crc(*state, "std-10.rts.png", "IDAT");
    flip_crc(*state, "std-100000-random.rts.png", "IDAT");
}

/* ---- geometry ------------------------------------------------------------ */

static void t_not_square(void **state)
{
    fx *f = *state;
    char hex[65];
    tu_sha256_hex("", 0, hex);
    char *m = meta_text(8, 0, hex, "RGBA-dense");
    uint8_t *png;
    size_t len;
    char *p = craft(f->dir, "ns.rts.png", 8, 4, m, &png, &len);
    expect_both(f, p, png, len, PRTS_E_NOT_SQUARE, 0);
    free(png);
    free(p);
    p = craft(f->dir, "ns2.rts.png", 4, 8, m, &png, &len);
    expect_both(f, p, png, len, PRTS_E_NOT_SQUARE, 0);
    free(png);
    free(p);
    free(m);
}

static void t_not_pow2(void **state)
{
    fx *f = *state;
    char hex[65];
    tu_sha256_hex("", 0, hex);
    static const uint32_t sides[] = { 12, 3, 100 };
    for (size_t i = 0; i < 3; i++) {
        char *m = meta_text(sides[i], 0, hex, "RGBA-dense");
        uint8_t *png;
        size_t len;
        char *p = craft(f->dir, "np.rts.png", sides[i], sides[i], m, &png, &len);
        expect_both(f, p, png, len, PRTS_E_GRID_NOT_POW2, 0);
        free(png);
        free(p);
        free(m);
    }
}

/* ---- metadata ------------------------------------------------------------ */

static void t_no_metadata(void **state)
{
    fx *f = *state;
    uint8_t *png;
    size_t len;
    char *p = craft(f->dir, "nm.rts.png", 4, 4, NULL, &png, &len);
    expect_both(f, p, png, len, PRTS_E_NO_METADATA, 0);
    free(png);
    free(p);
    /* other text chunks, a Blueprint among them, are not metadata */
    uint8_t px[64] = {0};
    tu_text t[2] = { { "Comment", "hello" },
                     { "PixelRTS-Blueprint", "PixelRTS-Blueprint{\"a\":1}" } };
    png = tu_png_encode(4, 4, px, t, 2, &len);
    p = tu_path(f->dir, "nm2.rts.png");
    tu_write_file(p, png, len);
    expect_both(f, p, png, len, PRTS_E_NO_METADATA, 0);
    free(png);
    free(p);
}

/* An ordinary PNG (a photo: 100x100, or 8x4, no PixelRTS metadata, no sidecar) is "not a
 * PixelRTS file", whatever its shape: its shape is a PixelRTS file's business, and
 * "Invalid grid size: 100 (not power of 2)" would send its owner looking for a broken file. */
static void t_ordinary_png(void **state)
{
    fx *f = *state;
    static const uint32_t shapes[][2] = { { 100, 100 }, { 8, 4 }, { 3, 3 } };
    for (size_t i = 0; i < 3; i++) {
        uint8_t *png;
        size_t len;
        char *p = craft(f->dir, "photo.png", shapes[i][0], shapes[i][1], NULL, &png, &len);
        expect_both(f, p, png, len, PRTS_E_NO_METADATA, 0);
        char want[512];
        prts_decoder *dec = prts_decoder_new();
        assert_int_equal(prts_decoder_read_info(dec, p), PRTS_E_NO_METADATA);
        snprintf(want, sizeof want, "%s: not a PixelRTS file (no sidecar either): No PixelRTS "
                 "metadata found in PNG", p);
        assert_string_equal(prts_decoder_last_error(dec), want);
        assert_int_equal(prts_decoder_verify_file(dec, p), PRTS_E_NO_METADATA);
        assert_string_equal(prts_decoder_last_error(dec), want);
        /* not reading sidecars, or a stream: no sidecar to speak of */
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_READ_SIDECAR, 0), PRTS_OK);
        assert_int_equal(prts_decoder_read_info(dec, p), PRTS_E_NO_METADATA);
        snprintf(want, sizeof want, "%s: not a PixelRTS file: No PixelRTS metadata found in PNG", p);
        assert_string_equal(prts_decoder_last_error(dec), want);
        prts_decoder_reset(dec);
        tu_buf out = {0};
        assert_int_equal(tu_decode_mem(dec, png, len, 0, false, 4096, false, &out),
                         PRTS_E_NO_METADATA);
        assert_string_equal(prts_decoder_last_error(dec),
                            "stream: not a PixelRTS file: No PixelRTS metadata found in PNG");
        tu_buf_free(&out);
        prts_decoder_free(dec);
        free(png);
        free(p);
    }
}

static void bad_meta(fx *f, const char *text, int want)
{
    uint8_t *png;
    size_t len;
    char *p = craft(f->dir, "bm.rts.png", 4, 4, text, &png, &len);
    expect_both(f, p, png, len, want, 0);
    /* read_info says the same */
    prts_decoder *dec = prts_decoder_new();
    int r = prts_decoder_read_info(dec, p);
    if (r != want)
        fail_msg("read_info(<%s>): expected %d, got %d (%s)", text, want, r,
                 prts_decoder_last_error(dec));
    prts_decoder_free(dec);
    free(png);
    free(p);
}

static void t_bad_metadata_json(void **state)
{
    bad_meta(*state, "PixelRTS{not json", PRTS_E_BAD_METADATA);
    bad_meta(*state, "PixelRTS{\"format\":\"PixelRTS-2.0\",\"grid_size\":4,", PRTS_E_BAD_METADATA);
}

static void t_bad_metadata_keys(void **state)
{
    fx *f = *state;
    char hex[65];
    tu_sha256_hex("", 0, hex);
    char *m = meta_text(4, 0, hex, "RGBA-dense");
    /* data_size of the wrong type / negative */
    char *s = strstr(m, "\"data_size\":0");
    assert_non_null(s);
    char *a = tu_strdupf("%.*s\"data_size\":\"ten\"}", (int)(s - m), m);
    char *b = tu_strdupf("%.*s\"data_size\":-5}", (int)(s - m), m);
    bad_meta(f, a, PRTS_E_BAD_METADATA);
    bad_meta(f, b, PRTS_E_BAD_METADATA);
    free(a);
    free(b);
    free(m);
}

static void t_data_size_too_large(void **state)
{
    fx *f = *state;
    char hex[65];
    tu_sha256_hex("", 0, hex);
    static const uint64_t sizes[] = { 65, 1000, 1ull << 40, 1ull << 62 };
    for (size_t i = 0; i < 4; i++) {
        char *m = meta_text(4, sizes[i], hex, "RGBA-dense");
        uint8_t *png;
        size_t len;
        char *p = craft(f->dir, "ds.rts.png", 4, 4, m, &png, &len);
        expect_both(f, p, png, len, PRTS_E_DATA_SIZE, 0);
        free(png);
        free(p);
        free(m);
    }
}

/* A valid std-10 whose pixel (0,0) R changed, CRCs valid, metadata original. */
static uint8_t *tampered_std10(size_t *len)
{
    char *src = tu_vector_path("std-10.rts.png");
    size_t n;
    uint8_t *d = tu_read_file(src, &n);
    char *text = tu_png_text(d, n, "PixelRTS");
    assert_non_null(text);
    uint32_t w, h;
    uint8_t *px;
    assert_int_equal(tu_png_rgba(d, n, &w, &h, &px), 0);
    assert_int_equal(px[0], 0x00);
    px[0] = 0x01;
    tu_text t = { "PixelRTS", text };
    uint8_t *png = tu_png_encode(w, h, px, &t, 1, len);
    free(px);
    free(text);
    free(d);
    free(src);
    return png;
}

static void t_hash_mismatch(void **state)
{
    fx *f = *state;
    size_t len;
    uint8_t *png = tampered_std10(&len);
    char *p = tu_path(f->dir, "hm.rts.png");
    tu_write_file(p, png, len);
    expect_both(f, p, png, len, PRTS_E_HASH_MISMATCH, 1);
    /* the message names both hashes */
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1), PRTS_OK);
    char *out = tu_path(f->dir, "o.bin");
    assert_int_equal(prts_decoder_decode_file(dec, p, out), PRTS_E_HASH_MISMATCH);
    const char *msg = prts_decoder_last_error(dec);
    if (!strstr(msg, "1f825aa2f0020ef7cf91dfa30da4668d791c5d4824fc8e41354b89ec05795ab3"))
        fail_msg("hash mismatch message lacks the expected hash: \"%s\"", msg);
    uint8_t bad[10] = { 1, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    char hex[65];
    tu_sha256_hex(bad, 10, hex);
    if (!strstr(msg, hex))
        fail_msg("hash mismatch message lacks the actual hash %s: \"%s\"", hex, msg);
    assert_false(tu_file_exists(out));
    prts_decoder_free(dec);
    /* only with verification turned off (it is on by default) it decodes, to the
     * tampered bytes */
    dec = prts_decoder_new();
    assert_int_equal(prts_decoder_decode_file(dec, p, out), PRTS_E_HASH_MISMATCH);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_OFF), PRTS_OK);
    assert_int_equal(prts_decoder_decode_file(dec, p, out), PRTS_OK);
    size_t olen;
    uint8_t *o = tu_read_file(out, &olen);
    tu_assert_bytes_equal(o, olen, bad, 10);
    free(o);
    prts_decoder_free(dec);
    free(out);
    free(p);
    free(png);
}

/* Hash mismatch on a big file: the output must not appear even partially. */
static void t_hash_mismatch_big(void **state)
{
    fx *f = *state;
    size_t n;
    uint8_t *d;
    char *v = copy_vector(f->dir, "std-100000-random.rts.png", "big.rts.png", &d, &n);
    char *text = tu_png_text(d, n, "PixelRTS");
    uint32_t w, h;
    uint8_t *px;
    assert_int_equal(tu_png_rgba(d, n, &w, &h, &px), 0);
    px[0] ^= 0xFF;  /* pixel (0,0) is d=0 for every grid: payload byte 0 */
    tu_text t = { "PixelRTS", text };
    size_t len;
    uint8_t *png = tu_png_encode(w, h, px, &t, 1, &len);
    tu_write_file(v, png, len);
    expect_both(f, v, png, len, PRTS_E_HASH_MISMATCH, 1);
    free(png);
    free(px);
    free(text);
    free(d);
    free(v);
}

static void t_no_hash(void **state)
{
    fx *f = *state;
    char *m = meta_text(4, 10, NULL, "RGBA-dense");
    uint8_t *png;
    size_t len;
    char *p = craft(f->dir, "nh.rts.png", 4, 4, m, &png, &len);
    expect_both(f, p, png, len, PRTS_E_NO_HASH, 1);
    /* refused by default; without verification (or when only a present hash is
     * checked) it decodes: 10 zero bytes */
    prts_decoder *dec = prts_decoder_new();
    char *out = tu_path(f->dir, "o.bin");
    assert_int_equal(prts_decoder_decode_file(dec, p, out), PRTS_E_NO_HASH);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_IF_PRESENT),
                     PRTS_OK);
    assert_int_equal(prts_decoder_decode_file(dec, p, out), PRTS_OK);
    int64_t v = -1;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_HAS_HASH, &v), PRTS_OK);
    assert_int_equal(v, 0);
    size_t olen;
    uint8_t *o = tu_read_file(out, &olen);
    uint8_t zero[10] = {0};
    tu_assert_bytes_equal(o, olen, zero, 10);
    free(o);
    free(out);
    prts_decoder_free(dec);
    free(png);
    free(p);
    free(m);
}

/* Re-encode a vector's pixels with its metadata changed by `edit`. */
static char *revector(fx *f, const char *vname, void (*edit)(json_t *), void (*pix)(uint8_t *, size_t),
                      uint8_t **png_out, size_t *len_out)
{
    char *src = tu_vector_path(vname);
    size_t n;
    uint8_t *d = tu_read_file(src, &n);
    char *text = tu_png_text(d, n, "PixelRTS");
    assert_non_null(text);
    json_t *m = tu_json_parse(text + 8);
    edit(m);
    char *js = json_dumps(m, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    char *nt = tu_strdupf("PixelRTS%s", js);
    uint32_t w, h;
    uint8_t *px;
    assert_int_equal(tu_png_rgba(d, n, &w, &h, &px), 0);
    if (pix)
        pix(px, (size_t)w * h * 4);
    tu_text t = { "PixelRTS", nt };
    uint8_t *png = tu_png_encode(w, h, px, &t, 1, len_out);
    char *p = tu_path(f->dir, "re.rts.png");
    tu_write_file(p, png, *len_out);
    *png_out = png;
    free(px);
    free(nt);
    free(js);
    json_decref(m);
    free(text);
    free(d);
    free(src);
    return p;
}

static void drop_b64(json_t *m)
{
    assert_int_equal(json_object_del(m, "original_data_b64"), 0);
}

static void t_code_no_original(void **state)
{
    fx *f = *state;
    uint8_t *png;
    size_t len;
    char *p = revector(f, "code-wasm.rts.png", drop_b64, NULL, &png, &len);
    expect_both(f, p, png, len, PRTS_E_NO_ORIGINAL, 0);
    free(png);
    free(p);
    p = revector(f, "code-notwasm.rts.png", drop_b64, NULL, &png, &len);
    expect_both(f, p, png, len, PRTS_E_NO_ORIGINAL, 0);
    free(png);
    free(p);
}

static void no_edit(json_t *m)
{
    (void)m;
}

static void garble(uint8_t *px, size_t n)
{
    for (size_t i = 0; i < n; i++)
        px[i] = (uint8_t)(0xA5 ^ (i * 31));
}

static void t_decompress_corrupt(void **state)
{
    fx *f = *state;
    uint8_t *png;
    size_t len;
    char *p = revector(f, "compressed-text.rts.png", no_edit, garble, &png, &len);
    expect_both(f, p, png, len, PRTS_E_DECOMPRESS, 0);
    free(png);
    free(p);
}

/* ---- limits ---------------------------------------------------------------- */

static void t_limit_grid(void **state)
{
    fx *f = *state;
    char *p = copy_vector(f->dir, "std-4097-seq.rts.png", "g.rts.png", NULL, NULL);
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_MAX_GRID_SIZE, 32), PRTS_OK);
    char *out = tu_path(f->dir, "o.bin");
    int r = prts_decoder_decode_file(dec, p, out);
    if (r != PRTS_E_LIMIT)
        fail_msg("grid 64 > max 32: expected %d, got %d (%s)", PRTS_E_LIMIT, r,
                 prts_decoder_last_error(dec));
    assert_false(tu_file_exists(out));
    prts_decoder_free(dec);
    free(out);
    free(p);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void add_chunk(tu_buf *b, const char *type, const void *data, uint32_t n)
{
    uint8_t hdr[8];
    put32(hdr, n);
    memcpy(hdr + 4, type, 4);
    tu_buf_append(b, hdr, 8);
    tu_buf_append(b, data, n);
    uLong crc = crc32(0, (const Bytef *)type, 4);
    crc = crc32(crc, data, n);
    uint8_t c[4];
    put32(c, (uint32_t)crc);
    tu_buf_append(b, c, 4);
}

/* A PNG claiming a 131072 x 131072 grid (with matching metadata): refused by
 * the default limit, without allocating for it. */
static void t_limit_huge_claim(void **state)
{
    fx *f = *state;
    tu_buf b = {0};
    tu_buf_append(&b, "\x89PNG\r\n\x1a\n", 8);
    uint8_t ihdr[13] = {0};
    put32(ihdr, 131072);
    put32(ihdr + 4, 131072);
    ihdr[8] = 8;
    ihdr[9] = 6;
    add_chunk(&b, "IHDR", ihdr, 13);
    char hex[65];
    tu_sha256_hex("", 0, hex);
    char *m = meta_text(131072, 100, hex, "RGBA-dense");
    tu_buf t = {0};
    tu_buf_append(&t, "PixelRTS", 9);  /* keyword + NUL */
    tu_buf_append(&t, m, strlen(m));
    add_chunk(&b, "tEXt", t.data, (uint32_t)t.len);
    uint8_t z[64];
    uLongf zl = sizeof z;
    uint8_t row[5] = {0};
    assert_int_equal(compress(z, &zl, row, sizeof row), Z_OK);
    add_chunk(&b, "IDAT", z, (uint32_t)zl);
    add_chunk(&b, "IEND", "", 0);
    char *p = tu_path(f->dir, "huge.rts.png");
    tu_write_file(p, b.data, b.len);
    expect_both(f, p, b.data, b.len, PRTS_E_LIMIT, 0);
    free(p);
    free(m);
    tu_buf_free(&t);
    tu_buf_free(&b);
}

static void t_limit_metadata(void **state)
{
    fx *f = *state;
    int64_t mn, mx;
    assert_int_equal(prts_option_bounds(PRTS_OPT_MAX_METADATA_SIZE, &mn, &mx), PRTS_OK);
    int64_t lim = mn > 64 ? mn : 64;
    if (lim >= 300)
        skip();
    char *p = copy_vector(f->dir, "std-10.rts.png", "m.rts.png", NULL, NULL);
    for (int sidecar = 0; sidecar <= 1; sidecar++) {
        if (sidecar) {
            char *s = copy_vector(f->dir, "std-10.rts.png.meta.json", "m.rts.png.meta.json",
                                  NULL, NULL);
            free(s);
        }
        prts_decoder *dec = prts_decoder_new();
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_MAX_METADATA_SIZE, lim), PRTS_OK);
        int r = prts_decoder_read_info(dec, p);
        if (r != PRTS_E_LIMIT)
            fail_msg("metadata (%s) > %lld bytes: expected %d, got %d (%s)",
                     sidecar ? "sidecar" : "chunk", (long long)lim, PRTS_E_LIMIT, r,
                     prts_decoder_last_error(dec));
        prts_decoder_free(dec);
    }
    free(p);
}

/* ---- encoder errors ------------------------------------------------------ */

static void t_grid_too_small(void **state)
{
    fx *f = *state;
    uint8_t d[65];
    memset(d, 0x5A, sizeof d);
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, 4), PRTS_OK);
    tu_buf out = {0};
    int r = tu_encode_mem(enc, d, sizeof d, 0, &out);
    if (r != PRTS_E_GRID_TOO_SMALL)
        fail_msg("65 bytes in grid 4: expected %d, got %d (%s)", PRTS_E_GRID_TOO_SMALL, r,
                 prts_encoder_last_error(enc));
    const char *msg = prts_encoder_last_error(enc);
    if (!strstr(msg, "65") || !strstr(msg, "64"))
        fail_msg("message should name the size (65) and capacity (64): \"%s\"", msg);
    assert_null(prts_encoder_metadata_json(enc));
    tu_buf_free(&out);
    /* file API: no output, no sidecar */
    char *in = tu_path(f->dir, "in.bin");
    char *png = tu_path(f->dir, "in.rts.png");
    tu_write_file(in, d, sizeof d);
    prts_encoder_reset(enc);
    r = prts_encoder_encode_file(enc, in, png);
    assert_int_equal(r, PRTS_E_GRID_TOO_SMALL);
    assert_int_equal(tu_dir_count(f->dir), 1);
    /* byte-at-a-time pushes, grid 8 with 257 bytes */
    prts_encoder_reset(enc);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, 8), PRTS_OK);
    uint8_t big[257] = {0};
    r = tu_encode_mem(enc, big, sizeof big, 1, &out);
    assert_int_equal(r, PRTS_E_GRID_TOO_SMALL);
    tu_buf_free(&out);
    prts_encoder_free(enc);
    free(in);
    free(png);
}

static void t_grid_not_pow2_option(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    static const int64_t bad[] = { 3, 12, 100, 65535, -4 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, bad[i]);
        if (r != PRTS_E_INVALID_ARG)
            fail_msg("GRID_SIZE=%lld: expected %d, got %d", (long long)bad[i],
                     PRTS_E_INVALID_ARG, r);
        const char *msg = prts_encoder_last_error(enc);
        assert_true(msg && msg[0]);
    }
    int64_t v = -1;
    assert_int_equal(prts_encoder_get_option(enc, PRTS_OPT_GRID_SIZE, &v), PRTS_OK);
    assert_int_equal(v, 0);
    /* INVALID_ARG on a setter does not poison the handle */
    tu_buf out = {0};
    assert_int_equal(tu_encode_mem(enc, "abc", 3, 0, &out), PRTS_OK);
    tu_buf_free(&out);
    prts_encoder_free(enc);
}

static void t_missing_input(void **state)
{
    fx *f = *state;
    char *missing = tu_path(f->dir, "does-not-exist.rts.png");
    char *out = tu_path(f->dir, "o.bin");
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_decode_file(dec, missing, out), PRTS_E_FILE_NOT_FOUND);
    if (!strstr(prts_decoder_last_error(dec), "does-not-exist.rts.png"))
        fail_msg("message does not name the file: \"%s\"", prts_decoder_last_error(dec));
    prts_decoder_reset(dec);
    assert_int_equal(prts_decoder_read_info(dec, missing), PRTS_E_FILE_NOT_FOUND);
    assert_non_null(strstr(prts_decoder_last_error(dec), "does-not-exist.rts.png"));
    prts_decoder_free(dec);
    prts_encoder *enc = prts_encoder_new();
    char *png = tu_path(f->dir, "o.rts.png");
    assert_int_equal(prts_encoder_encode_file(enc, missing, png), PRTS_E_FILE_NOT_FOUND);
    assert_non_null(strstr(prts_encoder_last_error(enc), "does-not-exist.rts.png"));
    prts_encoder_free(enc);
    assert_int_equal(tu_dir_count(f->dir), 0);
    free(png);
    free(out);
    free(missing);
}

static void t_unwritable_output(void **state)
{
    fx *f = *state;
    const char *bad = "/nonexistent-dir-prts/x.rts.png";
    char *in = tu_path(f->dir, "in.bin");
    tu_write_file(in, "hello", 5);
    prts_encoder *enc = prts_encoder_new();
    int r = prts_encoder_encode_file(enc, in, bad);
    if (r != PRTS_E_OUTPUT)
        fail_msg("encode_file to %s: expected %d, got %d (%s)", bad, PRTS_E_OUTPUT, r,
                 prts_encoder_last_error(enc));
    if (!strstr(prts_encoder_last_error(enc), "nonexistent-dir-prts"))
        fail_msg("message does not name the output: \"%s\"", prts_encoder_last_error(enc));
    prts_encoder_free(enc);
    prts_decoder *dec = prts_decoder_new();
    char *v = tu_vector_path("std-10.rts.png");
    r = prts_decoder_decode_file(dec, v, "/nonexistent-dir-prts/x.bin");
    if (r != PRTS_E_OUTPUT)
        fail_msg("decode_file to /nonexistent-dir-prts/x.bin: expected %d, got %d (%s)",
                 PRTS_E_OUTPUT, r, prts_decoder_last_error(dec));
    assert_non_null(strstr(prts_decoder_last_error(dec), "nonexistent-dir-prts"));
    /* an output path that is a directory */
    prts_decoder_reset(dec);
    r = prts_decoder_decode_file(dec, v, f->dir);
    assert_int_equal(r, PRTS_E_OUTPUT);
    prts_decoder_free(dec);
    free(v);
    free(in);
}

static void t_bad_backend(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_backend(enc, "nope"), PRTS_E_BACKEND_UNKNOWN);
    assert_non_null(strstr(prts_encoder_last_error(enc), "nope"));
    prts_encoder_free(enc);
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_set_backend(dec, "nope"), PRTS_E_BACKEND_UNKNOWN);
    assert_non_null(strstr(prts_decoder_last_error(dec), "nope"));
    prts_decoder_free(dec);
    char why[256] = "";
    assert_int_equal(prts_backend_probe("nope", why, sizeof why), PRTS_E_BACKEND_UNKNOWN);
    assert_true(why[0] != 0);
}

/* ---- callbacks and cancellation ------------------------------------------ */

static int failing_write(void *user, const void *buf, size_t len)
{
    (void)user;
    (void)buf;
    (void)len;
    return -1;
}

static ptrdiff_t failing_read(void *user, void *buf, size_t cap)
{
    (void)user;
    (void)buf;
    (void)cap;
    return -1;
}

static void t_callback_errors(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_push(enc, "abcdef", 6), PRTS_OK);
    assert_int_equal(prts_encoder_finish(enc, failing_write, NULL), PRTS_E_CALLBACK);
    assert_null(prts_encoder_metadata_json(enc));
    prts_encoder_free(enc);

    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_open(dec, failing_read, NULL), PRTS_E_CALLBACK);
    prts_decoder_free(dec);

    /* the read callback fails after the header: pull reports it */
    char *v = tu_vector_path("std-100000-random.rts.png");
    size_t n;
    uint8_t *d = tu_read_file(v, &n);
    tu_reader rd;
    tu_reader_init(&rd, d, n, 16, false);
    rd.fail_after = 200;  /* 3200 bytes: past IHDR + tEXt, far before the end */
    dec = prts_decoder_new();
    int r = prts_decoder_open(dec, tu_read_cb, &rd);
    uint8_t buf[4096];
    size_t got;
    while (r == PRTS_OK) {  /* at open (if it reads ahead) or at a pull */
        r = prts_decoder_pull(dec, buf, sizeof buf, &got);
        if (r == PRTS_OK && got == 0)
            fail_msg("end of stream reached although the read callback failed");
    }
    assert_int_equal(r, PRTS_E_CALLBACK);
    prts_decoder_free(dec);
    free(d);
    free(v);
}

static int cancel_progress(void *user, uint64_t done, uint64_t total)
{
    (void)done;
    (void)total;
    int *calls = user;
    (*calls)++;
    return 1;
}

static void t_cancel(void **state)
{
    fx *f = *state;
    char *in = tu_path(f->dir, "in.bin");
    char *png = tu_path(f->dir, "in.rts.png");
    size_t n = 2000000;
    uint8_t *d = malloc(n);
    uint64_t s = 5;
    tu_random_bytes(&s, d, n);
    tu_write_file(in, d, n);
    prts_encoder *enc = prts_encoder_new();
    int calls = 0;
    prts_encoder_set_progress(enc, cancel_progress, &calls);
    assert_int_equal(prts_encoder_encode_file(enc, in, png), PRTS_E_CANCELLED);
    assert_true(calls >= 1);
    assert_int_equal(tu_dir_count(f->dir), 1);
    /* make the PNG for the decode side */
    prts_encoder_reset(enc);
    prts_encoder_set_progress(enc, NULL, NULL);
    assert_int_equal(prts_encoder_encode_file(enc, in, png), PRTS_OK);
    prts_encoder_free(enc);
    int before = tu_dir_count(f->dir);
    prts_decoder *dec = prts_decoder_new();
    calls = 0;
    prts_decoder_set_progress(dec, cancel_progress, &calls);
    char *out = tu_path(f->dir, "out.bin");
    assert_int_equal(prts_decoder_decode_file(dec, png, out), PRTS_E_CANCELLED);
    assert_true(calls >= 1);
    assert_false(tu_file_exists(out));
    assert_int_equal(tu_dir_count(f->dir), before);
    prts_decoder_free(dec);
    free(out);
    free(d);
    free(in);
    free(png);
}

/* ---- info reads the header only ------------------------------------------- */

static void t_info_header_only(void **state)
{
    fx *f = *state;
    size_t n;
    uint8_t *d;
    char *v = copy_vector(f->dir, "std-100000-random.rts.png", "h.rts.png", &d, &n);
    long idat = tu_png_find_chunk(d, n, "IDAT", 0);
    tu_write_file(v, d, (size_t)idat + 200);  /* pixels cut short */
    prts_decoder *dec = prts_decoder_new();
    int r = prts_decoder_read_info(dec, v);
    if (r != PRTS_OK)
        fail_msg("read_info on a file with cut pixels: %d (%s)", r, prts_decoder_last_error(dec));
    int64_t val = -1;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &val), PRTS_OK);
    assert_int_equal(val, 100000);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_GRID_SIZE, &val), PRTS_OK);
    assert_int_equal(val, 256);
    prts_decoder_free(dec);
    free(d);
    free(v);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tu_fx_setup, tu_fx_teardown)
    const struct CMUnitTest tests[] = {
        T(t_not_png),
        T(t_truncated),
        T(t_crc_idat),
        T(t_crc_text),
        T(t_crc_ihdr),
        T(t_crc_field),
        T(t_not_square),
        T(t_not_pow2),
        T(t_no_metadata),
        T(t_ordinary_png),
        T(t_bad_metadata_json),
        T(t_bad_metadata_keys),
        T(t_data_size_too_large),
        T(t_hash_mismatch),
        T(t_hash_mismatch_big),
        T(t_no_hash),
        T(t_code_no_original),
        T(t_decompress_corrupt),
        T(t_limit_grid),
        T(t_limit_huge_claim),
        T(t_limit_metadata),
        T(t_grid_too_small),
        T(t_grid_not_pow2_option),
        T(t_missing_input),
        T(t_unwritable_output),
        T(t_bad_backend),
        T(t_callback_errors),
        T(t_cancel),
        T(t_info_header_only),
    };
    return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
