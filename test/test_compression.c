/* test_compression.c: payload compression (docs/format.md §7) and code mode (§6).
 *
 * - Every compression type (none, zlib, zstd) round-trips through push/finish +
 *   open/pull and through the file API, with the metadata of §5/§7 exact: keys
 *   and their order, levels, sizes, ratio, grid; the pixels (or, in code mode,
 *   original_data_b64) hold exactly the compressed stream, which zlib/libzstd
 *   themselves inflate to the original.
 * - The original's compressed vector decodes.
 * - A zlib level out of range is refused before anything is written.
 * - Bad input fails with its exact code, leaves no output, and is fast and
 *   bounded: invalid base64, base64 of the wrong length, payloads that inflate
 *   to another size, zstd/zlib bombs, corrupt streams.
 * - The WASM opcode histogram, alone and through a decoder.
 */
#define PRTS_EXPERIMENTAL /* the experimental tier of pixelrts.h: measure, WASM histograms */
#include "test_util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#define MIB ((size_t)1 << 20)

static const char *const type_label[] = { "none", "zlib", "zstd" };

/* ---- data ---------------------------------------------------------------- */

/* Text-like bytes: numbered lines of words from a small vocabulary. */
static uint8_t *text_data(size_t n, uint64_t seed)
{
    static const char *const words[] = {
        "pixel", "hilbert", "curve", "payload", "the", "of", "a", "grid", "chunk", "metadata",
        "zlib", "zstd", "encode", "decode", "row", "byte", "and", "is", "to", "in",
    };
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    uint64_t s = seed;
    size_t at = 0;
    unsigned line = 0;
    while (at < n) {
        char tmp[64];
        int k;
        if (tu_rand_next(&s) % 12 == 0)
            k = snprintf(tmp, sizeof tmp, "\nline %u: ", line++);
        else
            k = snprintf(tmp, sizeof tmp, "%s ", words[tu_rand_next(&s) % 20]);
        size_t take = (size_t)k < n - at ? (size_t)k : n - at;
        memcpy(d + at, tmp, take);
        at += take;
    }
    return d;
}

static uint8_t *random_data(size_t n, uint64_t seed)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    uint64_t s = seed;
    tu_random_bytes(&s, d, n);
    return d;
}

typedef struct dataset {
    const char *name;
    size_t n;
    bool random;
} dataset;

static const dataset datasets[] = {
    { "empty", 0, false },         { "1 byte", 1, false },
    { "100 bytes text", 100, false }, { "4097 bytes text", 4097, false },
    { "1 MiB text", MIB, false },  { "1 MiB random", MIB, true },
};
#define NDATASETS (sizeof datasets / sizeof datasets[0])

static uint8_t *dataset_bytes(const dataset *ds, uint64_t seed)
{
    return ds->random ? random_data(ds->n, seed) : text_data(ds->n, seed);
}

/* ---- helpers --------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static char *b64_encode(const uint8_t *d, size_t n)
{
    char *s = malloc(4 * ((n + 2) / 3) + 1);
    assert_non_null(s);
    int k = EVP_EncodeBlock((unsigned char *)s, d, (int)n);
    s[k] = 0;
    return s;
}

/* Standard base64 with padding (fails the test if malformed). */
static uint8_t *b64_decode(const char *s, size_t *n)
{
    size_t len = strlen(s);
    if (len % 4 != 0)
        fail_msg("original_data_b64 has %zu characters, not a multiple of 4", len);
    uint8_t *out = malloc(len / 4 * 3 + 1);
    assert_non_null(out);
    int r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
    if (r < 0)
        fail_msg("original_data_b64 is not valid base64");
    size_t pad = 0;
    if (len >= 1 && s[len - 1] == '=')
        pad = (len >= 2 && s[len - 2] == '=') ? 2 : 1;
    *n = (size_t)r - pad;
    return out;
}

/* Does this libpixelrts write (and so read) zstd?  A build without libzstd
 * refuses it with PRTS_E_UNSUPPORTED. */
static bool lib_has_zstd(void)
{
    static int known = -1;
    if (known < 0) {
        prts_encoder *enc = prts_encoder_new();
        assert_non_null(enc);
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION,
                                                 PRTS_PAYLOAD_ZSTD), PRTS_OK);
        tu_buf png = {0};
        int r = tu_encode_mem(enc, "x", 1, 0, &png);
        if (r != PRTS_OK && r != PRTS_E_UNSUPPORTED)
            fail_msg("zstd probe: %d (%s): %s", r, prts_strerror(r), prts_encoder_last_error(enc));
        known = r == PRTS_OK;
        if (!known)
            print_message("libpixelrts built without libzstd: zstd payloads must be refused\n");
        tu_buf_free(&png);
        prts_encoder_free(enc);
    }
    return known == 1;
}

static int default_level(int type)
{
    return type == PRTS_PAYLOAD_ZSTD ? 3 : 6;
}

/* `c` (clen bytes) is a `type` stream, written at `level`, that zlib or
 * libzstd itself inflates to exactly `data` (n bytes). */
static void check_stream(const uint8_t *c, size_t clen, int type, int level, const uint8_t *data,
                         size_t n)
{
    uint8_t *out = malloc(n ? n : 1);
    assert_non_null(out);
    if (type == PRTS_PAYLOAD_ZLIB) {
        assert_true(clen >= 6);
        /* RFC 1950 header: deflate, 32 KiB window, FLEVEL from the level */
        assert_int_equal(c[0], 0x78);
        assert_int_equal((c[0] * 256 + c[1]) % 31, 0);
        int flevel = level <= 1 ? 0 : level <= 5 ? 1 : level == 6 ? 2 : 3;
        if ((c[1] >> 6) != flevel)
            fail_msg("zlib header says FLEVEL %d, level %d gives %d", c[1] >> 6, level, flevel);
        uLongf got = (uLongf)n;
        int zr = uncompress(out, &got, c, (uLong)clen);
        if (zr != Z_OK)
            fail_msg("zlib cannot inflate the payload stream: %d", zr);
        tu_assert_bytes_equal(out, got, data, n);
    } else {
        assert_true(clen >= 4);
        assert_true(c[0] == 0x28 && c[1] == 0xB5 && c[2] == 0x2F && c[3] == 0xFD);
        assert_int_equal(ZSTD_findFrameCompressedSize(c, clen), clen);
        size_t got = ZSTD_decompress(out, n, c, clen);
        if (ZSTD_isError(got))
            fail_msg("libzstd cannot inflate the payload stream: %s", ZSTD_getErrorName(got));
        tu_assert_bytes_equal(out, got, data, n);
    }
    free(out);
}

/* Check the metadata JSON `js` (released here) of `data` (n bytes) written
 * in `mode` with compression `type` at `level`: keys and order per
 * docs/format.md §5, values per §6/§7.  Returns encoded_size (n when
 * uncompressed); *keep (if non-NULL) gets the parsed object. */
static uint64_t check_meta(char *js, const uint8_t *data, size_t n, int type, int level, int mode,
                           json_t **keep)
{
    assert_non_null(js);
    json_t *m = tu_json_parse(js);
    prts_free(js);

    const char *want[16];
    int nw = 0;
    static const char *const head[] = { "format", "format_version", "grid_size", "encoding",
                                        "offsets", "hashes", "encoding_mode", "data_hash",
                                        "data_size" };
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        want[nw++] = head[i];
    if (type != PRTS_PAYLOAD_NONE) {
        want[nw++] = "compression";
        want[nw++] = "encoded_size";
    }
    if (mode == PRTS_MODE_CODE)
        want[nw++] = "original_data_b64";
    int i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(m, key, v) {
        if (i >= nw)
            fail_msg("unexpected metadata key '%s' after '%s'", key, want[nw - 1]);
        if (strcmp(key, want[i]) != 0)
            fail_msg("metadata key %d is '%s', docs/format.md §5 wants '%s'", i, key, want[i]);
        i++;
    }
    if (i != nw)
        fail_msg("metadata has %d keys, expected %d (missing '%s')", i, nw, want[i]);

    char hex[65];
    tu_sha256_hex(data, n, hex);
    assert_string_equal(json_string_value(json_object_get(m, "data_hash")), hex);
    assert_true(json_is_integer(json_object_get(m, "data_size")));
    assert_int_equal(json_integer_value(json_object_get(m, "data_size")), n);
    assert_string_equal(json_string_value(json_object_get(m, "encoding_mode")),
                        mode == PRTS_MODE_CODE ? "RGBA-code" : "RGBA-dense");

    uint64_t es = n;
    if (type != PRTS_PAYLOAD_NONE) {
        json_t *c = json_object_get(m, "compression");
        assert_true(json_is_object(c));
        static const char *const ckeys[] = { "type", "level", "original_size",
                                             "compressed_size", "ratio" };
        int k = 0;
        json_object_foreach(c, key, v) {
            if (k >= 5 || strcmp(key, ckeys[k]) != 0)
                fail_msg("compression key %d is '%s', expected '%s'", k, key,
                         k < 5 ? ckeys[k] : "(none)");
            k++;
        }
        assert_int_equal(k, 5);
        assert_string_equal(json_string_value(json_object_get(c, "type")), type_label[type]);
        assert_true(json_is_integer(json_object_get(c, "level")));
        assert_int_equal(json_integer_value(json_object_get(c, "level")), level);
        assert_true(json_is_integer(json_object_get(c, "original_size")));
        assert_int_equal(json_integer_value(json_object_get(c, "original_size")), n);
        json_t *esj = json_object_get(m, "encoded_size");
        assert_true(json_is_integer(esj));
        assert_true(json_integer_value(esj) > 0);
        es = (uint64_t)json_integer_value(esj);
        assert_true(json_is_integer(json_object_get(c, "compressed_size")));
        assert_int_equal(json_integer_value(json_object_get(c, "compressed_size")), es);
        json_t *ratio = json_object_get(c, "ratio");
        assert_true(json_is_number(ratio));
        if (n > 0) {
            double want_r = (double)es / (double)n, got_r = json_number_value(ratio);
            double diff = got_r > want_r ? got_r - want_r : want_r - got_r;
            if (diff > 1e-9 * (want_r > 1 ? want_r : 1))
                fail_msg("ratio %.17g, compressed/original = %.17g", got_r, want_r);
        }
    }
    assert_true(json_is_integer(json_object_get(m, "grid_size")));
    assert_int_equal(json_integer_value(json_object_get(m, "grid_size")), prts_grid_size_for(es));

    if (mode == PRTS_MODE_CODE) {
        const char *b64 = json_string_value(json_object_get(m, "original_data_b64"));
        assert_non_null(b64);
        size_t bn;
        uint8_t *b = b64_decode(b64, &bn);
        if (bn != es)
            fail_msg("original_data_b64 holds %zu bytes, encoded_size is %llu", bn,
                     (unsigned long long)es);
        if (type == PRTS_PAYLOAD_NONE)
            tu_assert_bytes_equal(b, bn, data, n);
        else
            check_stream(b, bn, type, level, data, n);
        free(b);
    }
    if (keep)
        *keep = m;
    else
        json_decref(m);
    return es;
}

static void check_info(prts_decoder *dec, size_t n, uint64_t es, int type, int mode)
{
    int64_t v = -1;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
    assert_int_equal(v, (int64_t)n);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_ENCODED_SIZE, &v), PRTS_OK);
    assert_int_equal(v, (int64_t)es);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_COMPRESSED, &v), PRTS_OK);
    assert_int_equal(v, type != PRTS_PAYLOAD_NONE);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_GRID_SIZE, &v), PRTS_OK);
    assert_int_equal(v, prts_grid_size_for(es));
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_MODE, &v), PRTS_OK);
    assert_int_equal(v, mode);
}

/* The metadata object of the PNG's PixelRTS chunk. */
static json_t *chunk_meta(const uint8_t *png, size_t len)
{
    char *text = tu_png_text(png, len, "PixelRTS");
    assert_non_null(text);
    assert_memory_equal(text, "PixelRTS", 8);
    json_t *j = tu_json_parse(text + 8);
    free(text);
    return j;
}

/* The same pixels under metadata `meta` ("PixelRTS" + compact ASCII JSON). */
static uint8_t *repack(const uint8_t *png, size_t len, const json_t *meta, size_t *out_len)
{
    uint32_t w, h;
    uint8_t *px;
    assert_int_equal(tu_png_rgba(png, len, &w, &h, &px), 0);
    char *js = json_dumps(meta, JSON_COMPACT | JSON_ENSURE_ASCII);
    assert_non_null(js);
    char *text = tu_strdupf("PixelRTS%s", js);
    tu_text t = { "PixelRTS", text };
    uint8_t *out = tu_png_encode(w, h, px, &t, 1, out_len);
    free(text);
    free(js);
    free(px);
    return out;
}

/* The bytes the pixels of a standard-mode PNG hold (its encoded_size bytes),
 * read back by the library under metadata that calls them the payload. */
static uint8_t *pixel_bytes(const uint8_t *png, size_t len, const json_t *meta, uint64_t es)
{
    json_t *m = json_deep_copy(meta);
    json_object_del(m, "compression");
    json_object_del(m, "encoded_size");
    json_object_del(m, "data_hash");
    json_object_set_new(m, "data_size", json_integer((json_int_t)es));
    size_t plen;
    uint8_t *p = repack(png, len, m, &plen);
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    /* data_hash was dropped with the payload's meaning */
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_OFF), PRTS_OK);
    tu_buf out = {0};
    int r = tu_decode_mem(dec, p, plen, 0, false, 65536, false, &out);
    if (r != PRTS_OK)
        fail_msg("reading the pixels back: %d (%s): %s", r, prts_strerror(r),
                 prts_decoder_last_error(dec));
    assert_int_equal(out.len, es);
    prts_decoder_free(dec);
    free(p);
    json_decref(m);
    if (!out.data)
        out.data = malloc(1);
    return out.data;
}

static prts_encoder *new_encoder(int type, int level_opt, int mode)
{
    prts_encoder *enc = prts_encoder_new();
    assert_non_null(enc);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, type), PRTS_OK);
    if (level_opt)
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_LEVEL, level_opt), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MODE, mode), PRTS_OK);
    return enc;
}

/* Memory budget of the decoders below (0: the default). */
static int64_t decoder_budget;

static prts_decoder *new_decoder(int verify)
{
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, verify), PRTS_OK);
    if (decoder_budget)
        assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_MEMORY_BUDGET, decoder_budget),
                         PRTS_OK);
    return dec;
}

/* While a bomb is decoded: staging spills to disk after 1 MiB, and no file
 * may grow past 32 MiB (a write beyond fails with EFBIG, so a decoder that
 * inflated the bomb to the end would fail with PRTS_E_IO, not the status
 * expected).  Together with the peak-RSS check this bounds the work done. */
static struct rlimit saved_fsize;

static void bomb_limits_on(void)
{
    decoder_budget = (int64_t)MIB;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved_fsize), 0);
    struct rlimit rl = saved_fsize;
    rl.rlim_cur = 32 * MIB;
    if (saved_fsize.rlim_max != RLIM_INFINITY && rl.rlim_cur > saved_fsize.rlim_max)
        rl.rlim_cur = saved_fsize.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static void bomb_limits_off(void)
{
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved_fsize), 0);
    signal(SIGXFSZ, SIG_DFL);
    decoder_budget = 0;
}

/* ---- 1, 2: round trips ------------------------------------------------------ */

/* push/finish, then open/pull (whole reads, then short reads and random pulls
 * for small payloads), hash verified. */
static void roundtrip_stream(int type, int level_opt, int mode, const uint8_t *d, size_t n)
{
    int level = level_opt ? level_opt : default_level(type);
    prts_encoder *enc = new_encoder(type, level_opt, mode);
    tu_buf png = {0};
    int r = tu_encode_mem(enc, d, n, 65536, &png);
    if (r != PRTS_OK)
        fail_msg("push/finish (%s, %zu bytes) = %d (%s): %s", type_label[type], n, r,
                 prts_strerror(r), prts_encoder_last_error(enc));
    json_t *m;
    uint64_t es = check_meta(prts_encoder_metadata_json(enc), d, n, type, level, mode, &m);
    json_t *c = chunk_meta(png.data, png.len);
    if (!json_equal(c, m))
        fail_msg("the PNG chunk and prts_encoder_metadata_json() differ");
    json_decref(c);
    if (type != PRTS_PAYLOAD_NONE) {
        /* compressed payloads are stored in the PNG (adaptive), not deflated again */
        uint64_t g = prts_grid_size_for(es);
        if (png.len < es)
            fail_msg("PNG of %zu bytes for %llu compressed bytes (grid %llu): not stored",
                     png.len, (unsigned long long)es, (unsigned long long)g);
        if (mode == PRTS_MODE_STANDARD) {
            uint8_t *px = pixel_bytes(png.data, png.len, m, es);
            check_stream(px, es, type, level, d, n);
            free(px);
        }
    }
    for (int pass = 0; pass < (n <= 65536 ? 2 : 1); pass++) {
        prts_decoder *dec = new_decoder(1);
        tu_buf out = {0};
        r = pass == 0 ? tu_decode_mem(dec, png.data, png.len, 0, false, 65536, false, &out)
                      : tu_decode_mem(dec, png.data, png.len, 7, true, 5, true, &out);
        if (r != PRTS_OK)
            fail_msg("open/pull pass %d (%s, %zu bytes) = %d (%s): %s", pass, type_label[type], n,
                     r, prts_strerror(r), prts_decoder_last_error(dec));
        tu_assert_bytes_equal(out.data, out.len, d, n);
        check_meta(prts_decoder_metadata_json(dec), d, n, type, level, mode, NULL);
        check_info(dec, n, es, type, mode);
        tu_buf_free(&out);
        prts_decoder_free(dec);
    }
    json_decref(m);
    tu_buf_free(&png);
    prts_encoder_free(enc);
}

/* prts_encoder_encode_file + prts_decoder_decode_file (VERIFY_HASH=1); sidecar, chunk and
 * encoder agree; read_info tells the same; the WASM histogram in code mode. */
static void roundtrip_file(int type, int level_opt, int mode, const uint8_t *d, size_t n)
{
    int level = level_opt ? level_opt : default_level(type);
    char *dir = tu_mkdtemp();
    char *in = tu_path(dir, "in.bin");
    char *png = tu_path(dir, "in.rts.png");
    char *side = tu_path(dir, "in.rts.png.meta.json");
    char *out = tu_path(dir, "out.bin");
    tu_write_file(in, d, n);
    prts_encoder *enc = new_encoder(type, level_opt, mode);
    int r = prts_encoder_encode_file(enc, in, png);
    if (r != PRTS_OK)
        fail_msg("encode_file (%s, %zu bytes) = %d (%s): %s", type_label[type], n, r,
                 prts_strerror(r), prts_encoder_last_error(enc));
    json_t *m;
    uint64_t es = check_meta(prts_encoder_metadata_json(enc), d, n, type, level, mode, &m);
    json_t *sj = tu_json_load_file(side);
    if (!json_equal(sj, m))
        fail_msg("the sidecar and prts_encoder_metadata_json() differ");
    json_decref(sj);
    size_t plen;
    uint8_t *pb = tu_read_file(png, &plen);
    json_t *cj = chunk_meta(pb, plen);
    if (!json_equal(cj, m))
        fail_msg("the PNG chunk and prts_encoder_metadata_json() differ");
    json_decref(cj);
    free(pb);

    prts_decoder *dec = new_decoder(1);
    r = prts_decoder_decode_file(dec, png, out);
    if (r != PRTS_OK)
        fail_msg("decode_file (%s, %zu bytes) = %d (%s): %s", type_label[type], n, r,
                 prts_strerror(r), prts_decoder_last_error(dec));
    size_t olen;
    uint8_t *o = tu_read_file(out, &olen);
    tu_assert_bytes_equal(o, olen, d, n);
    free(o);
    check_meta(prts_decoder_metadata_json(dec), d, n, type, level, mode, NULL);
    check_info(dec, n, es, type, mode);
    prts_decoder_free(dec);

    dec = new_decoder(0);
    assert_int_equal(prts_decoder_read_info(dec, png), PRTS_OK);
    check_info(dec, n, es, type, mode);
    uint64_t got[PRTS_WASM_CATEGORY_COUNT], want[PRTS_WASM_CATEGORY_COUNT];
    r = prts_decoder_wasm_histogram(dec, got);
    if (mode == PRTS_MODE_CODE) {
        /* counted over the payload, not over its compressed form */
        if (r != PRTS_OK)
            fail_msg("wasm histogram (%s, %zu bytes) = %d (%s)", type_label[type], n, r,
                     prts_strerror(r));
        assert_int_equal(prts_wasm_histogram(d, n, want), PRTS_OK);
        assert_memory_equal(got, want, sizeof want);
    } else {
        assert_int_equal(r, PRTS_E_NO_ORIGINAL);
    }
    prts_decoder_free(dec);

    json_decref(m);
    prts_encoder_free(enc);
    free(in);
    free(png);
    free(side);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

static void roundtrip_type(int type)
{
    if (type == PRTS_PAYLOAD_ZSTD && !lib_has_zstd())
        skip();
    for (size_t i = 0; i < NDATASETS; i++) {
        uint8_t *d = dataset_bytes(&datasets[i], 1000 + i);
        roundtrip_stream(type, 0, PRTS_MODE_STANDARD, d, datasets[i].n);
        roundtrip_file(type, 0, PRTS_MODE_STANDARD, d, datasets[i].n);
        free(d);
    }
}

static void t_roundtrip_none(void **state)
{
    (void)state;
    roundtrip_type(PRTS_PAYLOAD_NONE);
}

static void t_roundtrip_zlib(void **state)
{
    (void)state;
    roundtrip_type(PRTS_PAYLOAD_ZLIB);
}

static void t_roundtrip_zstd(void **state)
{
    (void)state;
    roundtrip_type(PRTS_PAYLOAD_ZSTD);
}

/* Compressible text really shrinks. */
static void t_text_shrinks(void **state)
{
    (void)state;
    uint8_t *d = text_data(MIB, 42);
    for (int type = PRTS_PAYLOAD_ZLIB; type <= PRTS_PAYLOAD_ZSTD; type++) {
        if (type == PRTS_PAYLOAD_ZSTD && !lib_has_zstd())
            continue;
        prts_encoder *enc = new_encoder(type, 0, PRTS_MODE_STANDARD);
        tu_buf png = {0};
        assert_int_equal(tu_encode_mem(enc, d, MIB, 0, &png), PRTS_OK);
        uint64_t es = check_meta(prts_encoder_metadata_json(enc), d, MIB, type,
                                 default_level(type), PRTS_MODE_STANDARD, NULL);
        if (es * 2 > MIB)
            fail_msg("%s: 1 MiB of text compressed to %llu bytes", type_label[type],
                     (unsigned long long)es);
        if (png.len * 2 > MIB)
            fail_msg("%s: 1 MiB of text gave a PNG of %zu bytes", type_label[type], png.len);
        tu_buf_free(&png);
        prts_encoder_free(enc);
    }
    free(d);
}

/* An explicit PRTS_OPT_PAYLOAD_LEVEL is used and recorded. */
static void t_explicit_levels(void **state)
{
    (void)state;
    static const struct { int type, level; } cases[] = {
        { PRTS_PAYLOAD_ZLIB, 1 }, { PRTS_PAYLOAD_ZLIB, 4 }, { PRTS_PAYLOAD_ZLIB, 9 },
        { PRTS_PAYLOAD_ZSTD, 1 }, { PRTS_PAYLOAD_ZSTD, 15 }, { PRTS_PAYLOAD_ZSTD, 19 },
    };
    uint8_t *d = text_data(100000, 7);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].type == PRTS_PAYLOAD_ZSTD && !lib_has_zstd())
            continue;
        roundtrip_stream(cases[i].type, cases[i].level, PRTS_MODE_STANDARD, d, 100000);
        roundtrip_file(cases[i].type, cases[i].level, PRTS_MODE_STANDARD, d, 4097);
    }
    free(d);
}

/* Code mode, WASM and not, with and without compression. */
static void t_code_mode(void **state)
{
    (void)state;
    static const size_t cs[] = { 0, 3, 4, 41, 100, 4097, 70000 };
    for (int type = PRTS_PAYLOAD_NONE; type <= PRTS_PAYLOAD_ZSTD; type++) {
        if (type == PRTS_PAYLOAD_ZSTD && !lib_has_zstd())
            continue;
        for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
            for (int wasm = 0; wasm <= 1; wasm++) {
                size_t n = cs[i];
                if (wasm && n < 4)
                    continue;
                uint8_t *d = i % 2 ? random_data(n, 300 + i) : text_data(n, 300 + i);
                if (wasm)
                    memcpy(d, "\0asm", 4);
                else if (n >= 4 && memcmp(d, "\0asm", 4) == 0)
                    d[0] = 1;
                roundtrip_stream(type, 0, PRTS_MODE_CODE, d, n);
                roundtrip_file(type, 0, PRTS_MODE_CODE, d, n);
                free(d);
            }
        }
        /* the original's WASM vector as payload */
        char *p = tu_vector_path("code-wasm.bin");
        size_t n;
        uint8_t *d = tu_read_file(p, &n);
        roundtrip_stream(type, 0, PRTS_MODE_CODE, d, n);
        roundtrip_file(type, 0, PRTS_MODE_CODE, d, n);
        free(d);
        free(p);
    }
}

/* ---- 3: the original's compressed vector ------------------------------------- */

static void t_vector_compressed_text(void **state)
{
    (void)state;
    char *pp = tu_vector_path("compressed-text.rts.png");
    char *bp = tu_vector_path("compressed-text.bin");
    size_t plen, blen;
    uint8_t *png = tu_read_file(pp, &plen);
    uint8_t *bin = tu_read_file(bp, &blen);
    for (int pass = 0; pass < 2; pass++) {
        prts_decoder *dec = new_decoder(1);
        tu_buf out = {0};
        int r = pass == 0 ? tu_decode_mem(dec, png, plen, 0, false, 65536, false, &out)
                          : tu_decode_mem(dec, png, plen, 3, true, 7, true, &out);
        if (r != PRTS_OK)
            fail_msg("compressed-text, open/pull pass %d: %d (%s): %s", pass, r, prts_strerror(r),
                     prts_decoder_last_error(dec));
        tu_assert_bytes_equal(out.data, out.len, bin, blen);
        int64_t v = -1;
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_COMPRESSED, &v), PRTS_OK);
        assert_int_equal(v, 1);
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
        assert_int_equal(v, 9900);
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_ENCODED_SIZE, &v), PRTS_OK);
        assert_int_equal(v, 87);
        tu_buf_free(&out);
        prts_decoder_free(dec);
    }
    /* and through the file API (the vector's sidecar is read) */
    char *dir = tu_mkdtemp();
    char *out = tu_path(dir, "out.bin");
    prts_decoder *dec = new_decoder(1);
    int r = prts_decoder_decode_file(dec, pp, out);
    if (r != PRTS_OK)
        fail_msg("compressed-text, decode_file: %d (%s): %s", r, prts_strerror(r),
                 prts_decoder_last_error(dec));
    size_t olen;
    uint8_t *o = tu_read_file(out, &olen);
    tu_assert_bytes_equal(o, olen, bin, blen);
    free(o);
    prts_decoder_free(dec);
    tu_rmtree(dir);
    free(dir);
    free(out);
    free(png);
    free(bin);
    free(pp);
    free(bp);
}

/* ---- 4: options ----------------------------------------------------------------- */

static void t_options(void **state)
{
    (void)state;
    int64_t lo = -1, hi = -1;
    assert_int_equal(prts_option_bounds(PRTS_OPT_PAYLOAD_COMPRESSION, &lo, &hi), PRTS_OK);
    assert_int_equal(lo, PRTS_PAYLOAD_NONE);
    assert_int_equal(hi, PRTS_PAYLOAD_ZSTD);
    assert_int_equal(prts_option_bounds(PRTS_OPT_PAYLOAD_LEVEL, &lo, &hi), PRTS_OK);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 19);
    prts_encoder *enc = prts_encoder_new();
    assert_non_null(enc);
    int64_t v = -1;
    assert_int_equal(prts_encoder_get_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, &v), PRTS_OK);
    assert_int_equal(v, PRTS_PAYLOAD_NONE);
    assert_int_equal(prts_encoder_get_option(enc, PRTS_OPT_PAYLOAD_LEVEL, &v), PRTS_OK);
    assert_int_equal(v, 0);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, 3),
                     PRTS_E_INVALID_ARG);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, -1),
                     PRTS_E_INVALID_ARG);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_LEVEL, 20), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_LEVEL, -1), PRTS_E_INVALID_ARG);
    prts_encoder_free(enc);
    /* the payload options are the encoder's, not the decoder's */
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_PAYLOAD_COMPRESSION, 1),
                     PRTS_E_INVALID_ARG);
    prts_decoder_free(dec);
}

/* zlib levels are 1..9: 10 and 15 are refused at encode time with nothing written. */
static void t_zlib_level_out_of_range(void **state)
{
    (void)state;
    static const int levels[] = { 10, 15, 19 };
    uint8_t *d = text_data(5000, 3);
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        for (int order = 0; order < 2; order++) {
            char *dir = tu_mkdtemp();
            char *in = tu_path(dir, "in.bin");
            char *png = tu_path(dir, "in.rts.png");
            char *side = tu_path(dir, "in.rts.png.meta.json");
            tu_write_file(in, d, 5000);
            prts_encoder *enc = prts_encoder_new();
            assert_non_null(enc);
            /* valid for zstd, so the option itself is accepted in either order */
            if (order == 0) {
                assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION,
                                                         PRTS_PAYLOAD_ZLIB), PRTS_OK);
                assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_LEVEL, levels[i]),
                                 PRTS_OK);
            } else {
                assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_LEVEL, levels[i]),
                                 PRTS_OK);
                assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION,
                                                         PRTS_PAYLOAD_ZLIB), PRTS_OK);
            }
            int r = prts_encoder_encode_file(enc, in, png);
            if (r != PRTS_E_INVALID_ARG)
                fail_msg("zlib level %d: encode_file expected %d (%s), got %d (%s): %s", levels[i],
                         PRTS_E_INVALID_ARG, prts_strerror(PRTS_E_INVALID_ARG), r,
                         prts_strerror(r), prts_encoder_last_error(enc));
            assert_true(prts_encoder_last_error(enc)[0] != 0);
            if (tu_file_exists(png) || tu_file_exists(side))
                fail_msg("zlib level %d: a refused encode left output behind", levels[i]);
            assert_int_equal(tu_dir_count(dir), 1);
            assert_null(prts_encoder_metadata_json(enc));
            /* the stream API refuses it too */
            tu_buf out = {0};
            r = tu_encode_mem(enc, d, 5000, 0, &out);
            if (r != PRTS_E_INVALID_ARG)
                fail_msg("zlib level %d: push/finish expected %d, got %d (%s): %s", levels[i],
                         PRTS_E_INVALID_ARG, r, prts_strerror(r), prts_encoder_last_error(enc));
            tu_buf_free(&out);
            prts_encoder_free(enc);
            tu_rmtree(dir);
            free(dir);
            free(in);
            free(png);
            free(side);
        }
    }
    free(d);
}

/* ---- 5: bad input --------------------------------------------------------------- */

typedef tu_fx fx;

static int teardown(void **state)
{
    if (decoder_budget)  /* a bomb test failed half-way */
        bomb_limits_off();
    return tu_fx_teardown(state);
}

/* Decoding `png` must fail with `want` through prts_decoder_decode_file (the bytes
 * written to dir/NAME without sidecar: no output left, nothing else in the
 * directory) and through open/pull (whole reads, then short reads and small
 * pulls), each within max_s seconds (0: no limit). */
static void expect_fail(const char *dir, const uint8_t *png, size_t len, int want, int verify,
                        double max_s, const char *what)
{
    char *path = tu_path(dir, "bad.rts.png");
    char *out = tu_path(dir, "out.bin");
    tu_write_file(path, png, len);
    int before = tu_dir_count(dir);
    prts_decoder *dec = new_decoder(verify);
    double t0 = now_s();
    int r = prts_decoder_decode_file(dec, path, out);
    double dt = now_s() - t0;
    if (r != want)
        fail_msg("%s: decode_file expected %d (%s), got %d (%s): \"%s\"", what, want,
                 prts_strerror(want), r, prts_strerror(r), prts_decoder_last_error(dec));
    if (max_s > 0 && dt > max_s)
        fail_msg("%s: decode_file took %.3f s (limit %.3f s)", what, dt, max_s);
    assert_true(prts_decoder_last_error(dec)[0] != 0);
    if (tu_file_exists(out))
        fail_msg("%s: decode_file failed but left %s behind", what, out);
    if (tu_dir_count(dir) != before)
        fail_msg("%s: decode_file failed but the directory went from %d to %d entries", what,
                 before, tu_dir_count(dir));
    prts_decoder_free(dec);
    for (int pass = 0; pass < 2; pass++) {
        dec = new_decoder(verify);
        tu_buf o = {0};
        t0 = now_s();
        r = pass == 0 ? tu_decode_mem(dec, png, len, 0, false, 65536, false, &o)
                      : tu_decode_mem(dec, png, len, 5, true, 3, true, &o);
        dt = now_s() - t0;
        if (r != want)
            fail_msg("%s: open/pull pass %d expected %d (%s), got %d (%s): \"%s\"", what, pass,
                     want, prts_strerror(want), r, prts_strerror(r), prts_decoder_last_error(dec));
        if (max_s > 0 && dt > max_s)
            fail_msg("%s: open/pull pass %d took %.3f s (limit %.3f s)", what, pass, dt, max_s);
        assert_true(prts_decoder_last_error(dec)[0] != 0);
        tu_buf_free(&o);
        prts_decoder_free(dec);
    }
    unlink(path);
    free(path);
    free(out);
}

/* Encode `bytes` as they are (no payload compression) in `mode`; *meta gets
 * the metadata written. */
static void encode_plain(const uint8_t *bytes, size_t n, int mode, tu_buf *png, json_t **meta)
{
    prts_encoder *enc = new_encoder(PRTS_PAYLOAD_NONE, 0, mode);
    assert_int_equal(tu_encode_mem(enc, bytes, n, 0, png), PRTS_OK);
    char *js = prts_encoder_metadata_json(enc);
    *meta = tu_json_parse(js);
    prts_free(js);
    prts_encoder_free(enc);
}

/* The original's WASM vector (returned, *n bytes) encoded in code mode: *png, *meta. */
static uint8_t *code_vector(size_t *n, tu_buf *png, json_t **meta)
{
    char *vp = tu_vector_path("code-wasm.bin");
    uint8_t *d = tu_read_file(vp, n);
    free(vp);
    encode_plain(d, *n, PRTS_MODE_CODE, png, meta);
    return d;
}

/* Rewrite `m` as the encoder writes a compressed payload: data_size, then
 * compression {type, level, original_size, compressed_size, ratio} and
 * encoded_size, then original_data_b64 if present. */
static void set_compression(json_t *m, const char *type, uint64_t data_size, uint64_t encoded)
{
    json_t *b64 = json_incref(json_object_get(m, "original_data_b64"));
    json_object_del(m, "original_data_b64");
    json_object_del(m, "compression");
    json_object_del(m, "encoded_size");
    json_object_set_new(m, "data_size", json_integer((json_int_t)data_size));
    json_object_set_new(m, "compression",
                        json_pack("{s:s, s:i, s:I, s:I, s:f}", "type", type, "level", 3,
                                  "original_size", (json_int_t)data_size, "compressed_size",
                                  (json_int_t)encoded, "ratio",
                                  data_size ? (double)encoded / (double)data_size : 0.0));
    json_object_set_new(m, "encoded_size", json_integer((json_int_t)encoded));
    if (b64)
        json_object_set_new(m, "original_data_b64", b64);
}

/* A PNG whose pixels (and, in code mode, original_data_b64) hold `c` (clen
 * bytes), with metadata calling it a `type` stream of a `data_size`-byte
 * payload whose hash is `hash_hex`. */
static uint8_t *craft_compressed(const uint8_t *c, size_t clen, int mode, const char *type,
                                 uint64_t data_size, const char *hash_hex, size_t *len)
{
    tu_buf png = {0};
    json_t *m;
    encode_plain(c, clen, mode, &png, &m);
    set_compression(m, type, data_size, clen);
    json_object_set_new(m, "data_hash", json_string(hash_hex));
    uint8_t *out = repack(png.data, png.len, m, len);
    json_decref(m);
    tu_buf_free(&png);
    return out;
}

/* Crafted PNGs that are fine must decode (so that the failures below are
 * about what was changed, not about the crafting). */
static void expect_ok(const uint8_t *png, size_t len, const uint8_t *d, size_t n, const char *what)
{
    prts_decoder *dec = new_decoder(1);
    tu_buf o = {0};
    int r = tu_decode_mem(dec, png, len, 0, false, 65536, false, &o);
    if (r != PRTS_OK)
        fail_msg("%s (control): open/pull = %d (%s): %s", what, r, prts_strerror(r),
                 prts_decoder_last_error(dec));
    tu_assert_bytes_equal(o.data, o.len, d, n);
    tu_buf_free(&o);
    prts_decoder_free(dec);
}

static uint8_t *zlib_compress(const uint8_t *d, size_t n, int level, size_t *clen)
{
    uLongf cap = compressBound((uLong)n);
    uint8_t *c = malloc(cap);
    assert_non_null(c);
    assert_int_equal(compress2(c, &cap, d, (uLong)n, level), Z_OK);
    *clen = cap;
    return c;
}

static uint8_t *zstd_compress(const uint8_t *d, size_t n, int checksum, size_t *clen)
{
    size_t cap = ZSTD_compressBound(n);
    uint8_t *c = malloc(cap);
    assert_non_null(c);
    ZSTD_CCtx *z = ZSTD_createCCtx();
    assert_non_null(z);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, 3)));
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, checksum)));
    size_t k = ZSTD_compress2(z, c, cap, d, n);
    assert_false(ZSTD_isError(k));
    ZSTD_freeCCtx(z);
    *clen = k;
    return c;
}

/* Code mode and sidecars, as the original reads them: an older sidecar that
 * lacks original_data_b64 beside a PNG whose chunk carries it takes it from the
 * chunk (the chunk supplies what the sidecar lacks); a file whose metadata has
 * no original_data_b64 anywhere still shows its metadata (read_info), and only
 * decoding it fails (PRTS_E_NO_ORIGINAL). */
static void t_code_mode_sidecar(void **state)
{
    fx *f = *state;
    size_t n;
    tu_buf png = {0};
    json_t *m;
    uint8_t *d = code_vector(&n, &png, &m);
    char *p = tu_path(f->dir, "k.rts.png");
    char *side = tu_path(f->dir, "k.rts.png.meta.json");
    char *out = tu_path(f->dir, "k.out");
    tu_write_file(p, png.data, png.len);

    /* the older sidecar: the chunk's metadata without original_data_b64, or with
     * only the format keys of the first versions (no data_size nor data_hash) */
    json_t *older = json_deep_copy(m);
    json_object_del(older, "original_data_b64");
    json_t *oldest = json_pack("{s:s, s:i, s:O}", "format", "PixelRTS-2.0", "grid_size",
                               json_integer_value(json_object_get(m, "grid_size")),
                               "encoding", json_object_get(m, "encoding"));
    json_t *sides[] = { older, oldest };
    for (size_t i = 0; i < 2; i++) {
        char *js = json_dumps(sides[i], JSON_INDENT(2) | JSON_ENSURE_ASCII);
        tu_write_file(side, js, strlen(js));
        free(js);
        prts_decoder *dec = new_decoder(PRTS_VERIFY_REQUIRED);
        int r = prts_decoder_decode_file(dec, p, out);
        if (r != PRTS_OK)
            fail_msg("sidecar %zu: decode_file = %d (%s): %s", i, r, prts_strerror(r),
                     prts_decoder_last_error(dec));
        size_t olen;
        uint8_t *o = tu_read_file(out, &olen);
        tu_assert_bytes_equal(o, olen, d, n);
        free(o);
        int64_t src = -1;
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_METADATA_SOURCE, &src), PRTS_OK);
        assert_int_equal(src, PRTS_META_SIDECAR);
        prts_decoder_free(dec);
        remove(out);
    }
    remove(side);

    /* no original_data_b64 in the chunk, no sidecar */
    json_object_del(m, "original_data_b64");
    size_t len;
    uint8_t *bare = repack(png.data, png.len, m, &len);
    tu_write_file(p, bare, len);
    prts_decoder *dec = new_decoder(PRTS_VERIFY_REQUIRED);
    assert_int_equal(prts_decoder_read_info(dec, p), PRTS_OK);
    int64_t v = -1;
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_MODE, &v), PRTS_OK);
    assert_int_equal(v, PRTS_MODE_CODE);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
    assert_int_equal(v, (int64_t)n);
    char *js = prts_decoder_metadata_json(dec);
    json_t *shown = tu_json_parse(js);
    prts_free(js);
    assert_true(json_equal(shown, m));
    json_decref(shown);
    uint64_t counts[PRTS_WASM_CATEGORY_COUNT];
    assert_int_equal(prts_decoder_wasm_histogram(dec, counts), PRTS_E_NO_ORIGINAL);
    assert_int_equal(prts_decoder_decode_file(dec, p, out), PRTS_E_NO_ORIGINAL);
    assert_non_null(strstr(prts_decoder_last_error(dec), "no original_data_b64"));
    assert_false(tu_file_exists(out));
    assert_int_equal(prts_decoder_verify_file(dec, p), PRTS_E_NO_ORIGINAL);
    uint8_t byte;
    assert_int_equal(prts_decoder_decode_range(dec, p, 0, &byte, 1), PRTS_E_NO_ORIGINAL);
    tu_reader rd;
    tu_reader_init(&rd, bare, len, 0, false);
    assert_int_equal(prts_decoder_reset(dec), PRTS_OK); /* a failed call poisons the handle */
    assert_int_equal(prts_decoder_open(dec, tu_read_cb, &rd), PRTS_E_NO_ORIGINAL);
    prts_decoder_free(dec);

    free(bare);
    json_decref(older);
    json_decref(oldest);
    json_decref(m);
    tu_buf_free(&png);
    free(d);
    free(p);
    free(side);
    free(out);
}

/* original_data_b64 that is not valid base64 → PRTS_E_BAD_METADATA. */
static void t_bad_base64(void **state)
{
    fx *f = *state;
    size_t n;
    tu_buf png = {0};
    json_t *m;
    uint8_t *d = code_vector(&n, &png, &m);
    static const char *const bad[] = {
        "A",                 /* one character */
        "AGFzb",             /* not a multiple of 4 */
        "AGFzbQ=",           /* padding cut short */
        "AGFz!bQ==",         /* a character outside the alphabet */
        "@@@@",              /* nothing but such characters */
        "AGFzbQEAAAAB=wcB",  /* padding in the middle */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int comp = 0; comp < 2; comp++) {
            json_t *c = json_deep_copy(m);
            json_object_set_new(c, "original_data_b64", json_string(bad[i]));
            if (comp)  /* claimed to be a compressed payload: base64 comes first */
                set_compression(c, "zlib", n, 20);
            size_t len;
            uint8_t *p = repack(png.data, png.len, c, &len);
            char *what = tu_strdupf("original_data_b64 \"%s\"%s", bad[i],
                                    comp ? " (compressed)" : "");
            expect_fail(f->dir, p, len, PRTS_E_BAD_METADATA, 0, 0, what);
            /* the histogram reads it too */
            char *path = tu_path(f->dir, "h.rts.png");
            tu_write_file(path, p, len);
            prts_decoder *dec = new_decoder(0);
            int r = prts_decoder_read_info(dec, path);
            if (r == PRTS_OK) {
                uint64_t counts[PRTS_WASM_CATEGORY_COUNT];
                r = prts_decoder_wasm_histogram(dec, counts);
            }
            if (r != PRTS_E_BAD_METADATA)
                fail_msg("%s: read_info + wasm histogram expected %d, got %d (%s)", what,
                         PRTS_E_BAD_METADATA, r, prts_strerror(r));
            prts_decoder_free(dec);
            unlink(path);
            free(path);
            free(what);
            free(p);
            json_decref(c);
        }
    }
    /* not a string at all */
    json_t *c = json_deep_copy(m);
    json_object_set_new(c, "original_data_b64", json_integer(5));
    size_t len;
    uint8_t *p = repack(png.data, png.len, c, &len);
    expect_fail(f->dir, p, len, PRTS_E_BAD_METADATA, 0, 0, "original_data_b64 = 5");
    free(p);
    json_decref(c);

    /* through a sidecar, which adds the key to a chunk that lacks it (the file API
     * merges the two; the chunk wins where both have a key) */
    char *in = tu_path(f->dir, "w.bin");
    char *pp = tu_path(f->dir, "w.rts.png");
    char *sp = tu_path(f->dir, "w.rts.png.meta.json");
    char *out = tu_path(f->dir, "w.out");
    tu_write_file(in, d, n);
    prts_encoder *enc = new_encoder(PRTS_PAYLOAD_NONE, 0, PRTS_MODE_CODE);
    assert_int_equal(prts_encoder_encode_file(enc, in, pp), PRTS_OK);
    prts_encoder_free(enc);
    json_t *lacking = json_deep_copy(m);
    json_object_del(lacking, "original_data_b64");
    size_t plen;
    uint8_t *pbytes = tu_read_file(pp, &plen);
    uint8_t *repacked = repack(pbytes, plen, lacking, &plen);
    tu_write_file(pp, repacked, plen);
    free(repacked);
    free(pbytes);
    json_decref(lacking);
    json_t *s = tu_json_load_file(sp);
    json_object_set_new(s, "original_data_b64", json_string("AGFz!bQ=="));
    assert_int_equal(json_dump_file(s, sp, JSON_INDENT(2) | JSON_ENSURE_ASCII), 0);
    json_decref(s);
    prts_decoder *dec = new_decoder(0);
    int r = prts_decoder_decode_file(dec, pp, out);
    if (r != PRTS_E_BAD_METADATA)
        fail_msg("sidecar with invalid original_data_b64: expected %d, got %d (%s): %s",
                 PRTS_E_BAD_METADATA, r, prts_strerror(r), prts_decoder_last_error(dec));
    assert_false(tu_file_exists(out));
    prts_decoder_free(dec);
    free(in);
    free(pp);
    free(sp);
    free(out);

    json_decref(m);
    tu_buf_free(&png);
    free(d);
}

/* original_data_b64 whose length disagrees with data_size (or, compressed,
 * with encoded_size) → PRTS_E_BAD_METADATA. */
static void t_base64_length(void **state)
{
    fx *f = *state;
    size_t n;
    tu_buf png = {0};
    json_t *m;
    uint8_t *d = code_vector(&n, &png, &m);
    assert_int_equal(n, 41);
    {
        size_t len;
        uint8_t *p = repack(png.data, png.len, m, &len);
        expect_ok(p, len, d, n, "code-wasm repacked");
        free(p);
    }
    /* data_size says more or less than the base64 holds */
    static const int64_t sizes[] = { 0, 1, 40, 42, 44, 1000 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        json_t *c = json_deep_copy(m);
        json_object_set_new(c, "data_size", json_integer(sizes[i]));
        size_t len;
        uint8_t *p = repack(png.data, png.len, c, &len);
        char *what = tu_strdupf("41 bytes of base64, data_size %lld", (long long)sizes[i]);
        expect_fail(f->dir, p, len, PRTS_E_BAD_METADATA, 0, 0, what);
        free(what);
        free(p);
        json_decref(c);
    }
    /* base64 of 40 and 44 bytes with data_size 41 */
    static const size_t blens[] = { 40, 44 };
    for (size_t i = 0; i < 2; i++) {
        uint8_t buf[44] = {0};
        memcpy(buf, d, n);
        char *b = b64_encode(buf, blens[i]);
        json_t *c = json_deep_copy(m);
        json_object_set_new(c, "original_data_b64", json_string(b));
        size_t len;
        uint8_t *p = repack(png.data, png.len, c, &len);
        char *what = tu_strdupf("%zu bytes of base64, data_size 41", blens[i]);
        expect_fail(f->dir, p, len, PRTS_E_BAD_METADATA, 0, 0, what);
        free(what);
        free(p);
        json_decref(c);
        free(b);
    }
    json_decref(m);
    tu_buf_free(&png);

    /* compressed code mode: base64 of the zlib stream, encoded_size off by one */
    size_t clen;
    uint8_t *cz = zlib_compress(d, n, 6, &clen);
    assert_int_not_equal(clen, n); /* else the base64 would pass for the plain payload */
    char hex[65];
    tu_sha256_hex(d, n, hex);
    size_t len;
    uint8_t *p = craft_compressed(cz, clen, PRTS_MODE_CODE, "zlib", n, hex, &len);
    expect_ok(p, len, d, n, "code mode, zlib base64");
    free(p);
    for (int delta = -1; delta <= 1; delta += 2) {
        tu_buf pl = {0};
        encode_plain(cz, clen, PRTS_MODE_CODE, &pl, &m);
        set_compression(m, "zlib", n, clen + (size_t)delta);
        json_object_set_new(m, "data_hash", json_string(hex));
        p = repack(pl.data, pl.len, m, &len);
        char *what = tu_strdupf("code mode, %zu bytes of zlib in base64, encoded_size %zu", clen,
                                clen + (size_t)delta);
        expect_fail(f->dir, p, len, PRTS_E_BAD_METADATA, 0, 0, what);
        free(what);
        free(p);
        json_decref(m);
        tu_buf_free(&pl);
    }
    free(cz);
    free(d);
}

/* A compressed payload that inflates to another size than data_size →
 * PRTS_E_DECOMPRESS, in standard and code mode, zlib and zstd. */
static void t_inflates_to_wrong_size(void **state)
{
    fx *f = *state;
    const size_t n = 5000;
    uint8_t *d = text_data(n, 11);
    char hex[65];
    tu_sha256_hex(d, n, hex);
    for (int type = PRTS_PAYLOAD_ZLIB; type <= PRTS_PAYLOAD_ZSTD; type++) {
        size_t clen;
        uint8_t *c = type == PRTS_PAYLOAD_ZLIB ? zlib_compress(d, n, 6, &clen)
                                                : zstd_compress(d, n, 0, &clen);
        int bad = PRTS_E_DECOMPRESS;
        if (type == PRTS_PAYLOAD_ZSTD && !lib_has_zstd())
            bad = PRTS_E_UNSUPPORTED;
        for (int mode = PRTS_MODE_STANDARD; mode <= PRTS_MODE_CODE; mode++) {
            size_t len;
            uint8_t *p = craft_compressed(c, clen, mode, type_label[type], n, hex, &len);
            char *what = tu_strdupf("%s, mode %d, data_size %zu (right)", type_label[type], mode,
                                    n);
            if (bad == PRTS_E_DECOMPRESS)
                expect_ok(p, len, d, n, what);
            else
                expect_fail(f->dir, p, len, bad, 0, 0, what);
            free(what);
            free(p);
            static const size_t sizes[] = { 0, 1, 4999, 5001, 100000 };
            for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
                for (int verify = 0; verify <= 1; verify++) {
                    p = craft_compressed(c, clen, mode, type_label[type], sizes[i], hex, &len);
                    what = tu_strdupf("%s, mode %d, inflates to %zu, data_size %zu, verify %d",
                                      type_label[type], mode, n, sizes[i], verify);
                    expect_fail(f->dir, p, len, bad, verify, 0, what);
                    free(what);
                    free(p);
                }
            }
        }
        free(c);
    }
    free(d);
}

/* RLE blocks of zeros as a zstd frame: `total` bytes (a multiple of 128 KiB)
 * in 4 bytes per 128 KiB, no content size in the header. */
static uint8_t *zstd_zero_bomb(uint64_t total, size_t *len)
{
    const uint32_t block = 128 * 1024;
    uint64_t nblocks = total / block;
    size_t n = 6 + (size_t)nblocks * 4;
    uint8_t *b = malloc(n);
    assert_non_null(b);
    size_t at = 0;
    b[at++] = 0x28; b[at++] = 0xB5; b[at++] = 0x2F; b[at++] = 0xFD;
    b[at++] = 0x00;            /* frame header: no content size, no checksum, not single segment */
    b[at++] = (17 - 10) << 3;  /* window descriptor: 128 KiB */
    for (uint64_t i = 0; i < nblocks; i++) {
        uint32_t last = i + 1 == nblocks;
        uint32_t h = last | (1u << 1) /* RLE */ | (block << 3);
        b[at++] = (uint8_t)h;
        b[at++] = (uint8_t)(h >> 8);
        b[at++] = (uint8_t)(h >> 16);
        b[at++] = 0x00;        /* the byte repeated */
    }
    assert_int_equal(at, n);
    /* libzstd agrees it is one well-formed frame of unknown size */
    assert_int_equal(ZSTD_findFrameCompressedSize(b, n), n);
    assert_true(ZSTD_getFrameContentSize(b, n) == ZSTD_CONTENTSIZE_UNKNOWN);
    *len = n;
    return b;
}

/* A zstd frame of 16 KiB that inflates to 512 MiB, data_size 1000 →
 * PRTS_E_DECOMPRESS, fast, with no output and bounded memory. */
static void t_zstd_bomb(void **state)
{
    fx *f = *state;
    size_t blen;
    uint8_t *bomb = zstd_zero_bomb((uint64_t)512 * MIB, &blen);
    print_message("zstd bomb: %zu bytes inflating to 512 MiB\n", blen);
    /* check the crafting: libzstd itself inflates its start to zeros */
    {
        ZSTD_DCtx *z = ZSTD_createDCtx();
        uint8_t *o = malloc(MIB);
        ZSTD_inBuffer src = { bomb, blen, 0 };
        ZSTD_outBuffer dst = { o, MIB, 0 };
        size_t r = ZSTD_decompressStream(z, &dst, &src);
        assert_false(ZSTD_isError(r));
        assert_int_equal(dst.pos, MIB);
        for (size_t i = 0; i < MIB; i++)
            if (o[i] != 0)
                fail_msg("bomb byte %zu is %d", i, o[i]);
        free(o);
        ZSTD_freeDCtx(z);
    }
    int want = lib_has_zstd() ? PRTS_E_DECOMPRESS : PRTS_E_UNSUPPORTED;
    uint8_t zeros[1000] = {0};
    char hex[65];
    tu_sha256_hex(zeros, sizeof zeros, hex);
    long rss0 = maxrss_kib();
    bomb_limits_on();
    for (int mode = PRTS_MODE_STANDARD; mode <= PRTS_MODE_CODE; mode++) {
        for (int verify = 0; verify <= 1; verify++) {
            size_t len;
            uint8_t *p = craft_compressed(bomb, blen, mode, "zstd", 1000, hex, &len);
            char *what = tu_strdupf("zstd bomb, mode %d, verify %d", mode, verify);
            expect_fail(f->dir, p, len, want, verify, 1.0, what);
            free(what);
            if (mode == PRTS_MODE_CODE) {
                char *path = tu_path(f->dir, "bomb.rts.png");
                tu_write_file(path, p, len);
                prts_decoder *dec = new_decoder(0);
                assert_int_equal(prts_decoder_read_info(dec, path), PRTS_OK);
                uint64_t counts[PRTS_WASM_CATEGORY_COUNT];
                double t0 = now_s();
                int r = prts_decoder_wasm_histogram(dec, counts);
                double dt = now_s() - t0;
                if (r != want)
                    fail_msg("zstd bomb: wasm histogram expected %d, got %d (%s)", want, r,
                             prts_strerror(r));
                if (dt > 1.0)
                    fail_msg("zstd bomb: wasm histogram took %.3f s", dt);
                prts_decoder_free(dec);
                unlink(path);
                free(path);
            }
            free(p);
        }
    }
    bomb_limits_off();
    long grown = maxrss_kib() - rss0;
    if (grown > 128 * 1024)
        fail_msg("zstd bomb: peak memory grew by %ld KiB", grown);
    free(bomb);
}

/* The same with zlib: 64 MiB of zeros deflated, data_size 1000. */
static void t_zlib_bomb(void **state)
{
    fx *f = *state;
    uint8_t *zeros = calloc(1, 64 * MIB);
    assert_non_null(zeros);
    size_t clen;
    uint8_t *c = zlib_compress(zeros, 64 * MIB, 9, &clen);
    free(zeros);
    print_message("zlib bomb: %zu bytes inflating to 64 MiB\n", clen);
    uint8_t small[1000] = {0};
    char hex[65];
    tu_sha256_hex(small, sizeof small, hex);
    long rss0 = maxrss_kib();
    bomb_limits_on();
    for (int mode = PRTS_MODE_STANDARD; mode <= PRTS_MODE_CODE; mode++) {
        size_t len;
        uint8_t *p = craft_compressed(c, clen, mode, "zlib", 1000, hex, &len);
        char *what = tu_strdupf("zlib bomb, mode %d", mode);
        expect_fail(f->dir, p, len, PRTS_E_DECOMPRESS, 0, 1.0, what);
        free(what);
        free(p);
    }
    bomb_limits_off();
    long grown = maxrss_kib() - rss0;
    if (grown > 32 * 1024)
        fail_msg("zlib bomb: peak memory grew by %ld KiB", grown);
    free(c);
}

/* Corrupt or truncated streams → PRTS_E_DECOMPRESS. */
static void t_corrupt_streams(void **state)
{
    fx *f = *state;
    const size_t n = 5000;
    uint8_t *d = text_data(n, 12);
    char hex[65];
    tu_sha256_hex(d, n, hex);
    size_t zlen;
    uint8_t *z = zlib_compress(d, n, 6, &zlen);
    size_t slen;
    uint8_t *s = zstd_compress(d, n, 1, &slen);
    int zstd_bad = lib_has_zstd() ? PRTS_E_DECOMPRESS : PRTS_E_UNSUPPORTED;

    struct variant {
        const char *what;
        const char *type;
        int want;
        uint8_t *bytes;
        size_t len;
    } v[8];
    int nv = 0;
#define ADD(w, t, bad, src, srclen)                                   \
    do {                                                              \
        v[nv].what = (w);                                             \
        v[nv].type = (t);                                             \
        v[nv].want = (bad);                                           \
        v[nv].len = (srclen);                                         \
        v[nv].bytes = malloc((srclen) ? (srclen) : 1);                \
        memcpy(v[nv].bytes, (src), (srclen));                         \
        nv++;                                                         \
    } while (0)
    ADD("zlib, a byte flipped in the middle", "zlib", PRTS_E_DECOMPRESS, z, zlen);
    v[nv - 1].bytes[zlen / 2] ^= 0x55;
    ADD("zlib, adler32 broken", "zlib", PRTS_E_DECOMPRESS, z, zlen);
    v[nv - 1].bytes[zlen - 1] ^= 0x01;
    ADD("zlib, truncated", "zlib", PRTS_E_DECOMPRESS, z, zlen - 10);
    ADD("zlib, bad header", "zlib", PRTS_E_DECOMPRESS, z, zlen);
    v[nv - 1].bytes[0] = 0x79;
    uint8_t junk[100];
    uint64_t st = 99;
    tu_random_bytes(&st, junk, sizeof junk);
    junk[0] = 0x12;
    ADD("neither zlib nor zstd", "zlib", PRTS_E_DECOMPRESS, junk, sizeof junk);
    ADD("zstd, truncated", "zstd", zstd_bad, s, slen - 10);
    ADD("zstd, checksum broken", "zstd", zstd_bad, s, slen);
    v[nv - 1].bytes[slen - 1] ^= 0x01;
    ADD("zstd, magic only", "zstd", zstd_bad, s, 4);
#undef ADD
    assert_int_equal(nv, 8);

    for (int mode = PRTS_MODE_STANDARD; mode <= PRTS_MODE_CODE; mode++) {
        size_t len;
        uint8_t *p = craft_compressed(z, zlen, mode, "zlib", n, hex, &len);
        expect_ok(p, len, d, n, "zlib, intact");
        free(p);
        if (lib_has_zstd()) {
            p = craft_compressed(s, slen, mode, "zstd", n, hex, &len);
            expect_ok(p, len, d, n, "zstd with checksum, intact");
            free(p);
        }
        for (int i = 0; i < nv; i++) {
            p = craft_compressed(v[i].bytes, v[i].len, mode, v[i].type, n, hex, &len);
            char *what = tu_strdupf("%s, mode %d", v[i].what, mode);
            expect_fail(f->dir, p, len, v[i].want, 0, 0, what);
            free(what);
            free(p);
        }
    }
    for (int i = 0; i < nv; i++)
        free(v[i].bytes);
    free(z);
    free(s);
    free(d);
}

/* ---- 6: WASM histogram ------------------------------------------------------------ */

static int ref_category(int b)
{
#define IN(lo, hi) (b >= (lo) && b <= (hi))
    if (IN(0x00, 0x05) || IN(0x0B, 0x11))
        return PRTS_WASM_CONTROL;
    if (IN(0x45, 0x66) || IN(0x6A, 0x78) || IN(0x7C, 0x8A) || IN(0x92, 0x97) || IN(0xA0, 0xA5))
        return PRTS_WASM_ARITHMETIC;
    if (IN(0x28, 0x40))
        return PRTS_WASM_MEMORY;
    if (b == 0x0A || b == 0x1B || b == 0x1C)
        return PRTS_WASM_PARAMETRIC;
    if (IN(0x20, 0x24))
        return PRTS_WASM_VARIABLE;
    if (IN(0x41, 0x44))
        return PRTS_WASM_CONST;
    return PRTS_WASM_OTHER;
#undef IN
}

static void t_histogram(void **state)
{
    (void)state;
    /* first bytes of the groups decide; the other three bytes are decoys */
    static const uint8_t buf[] = {
        0x00, 0x6A, 0x28, 0x1B,   /* control */
        0x6A, 0x00, 0x00, 0x00,   /* arithmetic */
        0x6A, 0x41, 0x41, 0x41,   /* arithmetic */
        0x28, 0xFF, 0xFF, 0xFF,   /* memory */
        0x28, 0x20, 0x20, 0x20,   /* memory */
        0x28, 0x00, 0x00, 0x00,   /* memory */
        0x1B, 0x6A, 0x6A, 0x6A,   /* parametric */
        0x20, 0x00, 0x00, 0x00,   /* variable */
        0x20, 0x28, 0x28, 0x28,   /* variable */
        0x41, 0x00, 0x00, 0x00,   /* const */
        0xFF, 0x00, 0x6A, 0x28,   /* other */
        0xFF, 0x00, 0x00, 0x00,   /* other */
        0xFF, 0x00, 0x00, 0x00,   /* other */
        0xFF, 0x00, 0x00, 0x00,   /* other */
        0x41, 0x6A,               /* const: a trailing partial group */
    };
    uint64_t counts[PRTS_WASM_CATEGORY_COUNT];
    memset(counts, 0xAB, sizeof counts);
    assert_int_equal(prts_wasm_histogram(buf, sizeof buf, counts), PRTS_OK);
    assert_int_equal(counts[PRTS_WASM_CONTROL], 1);
    assert_int_equal(counts[PRTS_WASM_ARITHMETIC], 2);
    assert_int_equal(counts[PRTS_WASM_MEMORY], 3);
    assert_int_equal(counts[PRTS_WASM_PARAMETRIC], 1);
    assert_int_equal(counts[PRTS_WASM_VARIABLE], 2);
    assert_int_equal(counts[PRTS_WASM_CONST], 2);
    assert_int_equal(counts[PRTS_WASM_OTHER], 4);
    /* partial groups of 1..3 bytes count once */
    for (size_t len = 1; len <= 3; len++) {
        memset(counts, 0xAB, sizeof counts);
        assert_int_equal(prts_wasm_histogram(buf + 4, len, counts), PRTS_OK);
        for (int c = 0; c < PRTS_WASM_CATEGORY_COUNT; c++)
            assert_int_equal(counts[c], c == PRTS_WASM_ARITHMETIC ? 1 : 0);
    }
    /* every first byte, against the ranges of pixelrts.h / docs/format.md §6 */
    for (int b = 0; b < 256; b++) {
        uint8_t g[4] = { (uint8_t)b, 0x00, 0x6A, 0xFF };
        memset(counts, 0xAB, sizeof counts);
        assert_int_equal(prts_wasm_histogram(g, 4, counts), PRTS_OK);
        for (int c = 0; c < PRTS_WASM_CATEGORY_COUNT; c++)
            if (counts[c] != (uint64_t)(c == ref_category(b)))
                fail_msg("byte 0x%02X: category %d counts %llu, expected category %d", b, c,
                         (unsigned long long)counts[c], ref_category(b));
    }
    /* empty input: all zero */
    memset(counts, 0xAB, sizeof counts);
    assert_int_equal(prts_wasm_histogram(buf, 0, counts), PRTS_OK);
    for (int c = 0; c < PRTS_WASM_CATEGORY_COUNT; c++)
        assert_int_equal(counts[c], 0);
    /* invalid arguments */
    assert_int_equal(prts_wasm_histogram(buf, sizeof buf, NULL), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_wasm_histogram(NULL, 4, counts), PRTS_E_INVALID_ARG);

    /* names */
    static const char *const names[] = { "control", "arithmetic", "memory", "parametric",
                                         "variable", "const", "other" };
    for (int c = 0; c < PRTS_WASM_CATEGORY_COUNT; c++) {
        assert_non_null(prts_wasm_category_name(c));
        assert_string_equal(prts_wasm_category_name(c), names[c]);
    }
    assert_string_equal(prts_wasm_category_name(-1), "unknown"); /* pixelrts.h: unknown values */
    assert_string_equal(prts_wasm_category_name(PRTS_WASM_CATEGORY_COUNT), "unknown");
    assert_string_equal(prts_wasm_category_name(1000), "unknown");
}

static void t_decoder_histogram(void **state)
{
    (void)state;
    uint64_t counts[PRTS_WASM_CATEGORY_COUNT], want[PRTS_WASM_CATEGORY_COUNT];
    assert_int_equal(prts_decoder_wasm_histogram(NULL, counts), PRTS_E_INVALID_ARG);
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    assert_int_equal(prts_decoder_wasm_histogram(dec, NULL), PRTS_E_INVALID_ARG);
    /* no file yet */
    assert_true(prts_decoder_wasm_histogram(dec, counts) < 0);

    static const struct { const char *png, *bin; } vec[] = {
        { "code-wasm.rts.png", "code-wasm.bin" },
        { "code-notwasm.rts.png", "code-notwasm.bin" },
    };
    for (int i = 0; i < 2; i++) {
        for (int sidecar = 0; sidecar <= 1; sidecar++) {
            char *p = tu_vector_path(vec[i].png);
            char *b = tu_vector_path(vec[i].bin);
            assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_READ_SIDECAR, sidecar), PRTS_OK);
            assert_int_equal(prts_decoder_read_info(dec, p), PRTS_OK);
            memset(counts, 0xAB, sizeof counts);
            assert_int_equal(prts_decoder_wasm_histogram(dec, counts), PRTS_OK);
            size_t n;
            uint8_t *d = tu_read_file(b, &n);
            uint64_t sum = 0;
            for (int c = 0; c < PRTS_WASM_CATEGORY_COUNT; c++)
                sum += counts[c];
            assert_int_equal(sum, (n + 3) / 4);
            if (i == 0) {
                assert_int_equal(n, 41);
                assert_int_equal(sum, 11);
            }
            assert_int_equal(prts_wasm_histogram(d, n, want), PRTS_OK);
            assert_memory_equal(counts, want, sizeof want);
            free(d);
            free(p);
            free(b);
        }
    }
    /* a standard-mode file has no payload copy */
    char *p = tu_vector_path("std-10.rts.png");
    assert_int_equal(prts_decoder_read_info(dec, p), PRTS_OK);
    assert_int_equal(prts_decoder_wasm_histogram(dec, counts), PRTS_E_NO_ORIGINAL);
    free(p);
    p = tu_vector_path("compressed-text.rts.png");
    assert_int_equal(prts_decoder_read_info(dec, p), PRTS_OK);
    assert_int_equal(prts_decoder_wasm_histogram(dec, counts), PRTS_E_NO_ORIGINAL);
    free(p);
    prts_decoder_free(dec);
}

/* `test_compression --decode-child PNG OUT`: decode with a 1 MiB memory
 * budget, exit 0 on success (the child of decode_rss_kib).  The scalar
 * backend whatever the suite's: what is measured is the staging of the
 * compressed payload, not an OpenCL driver's buffers. */
static int decode_child(const char *png, const char *out)
{
    prts_decoder *dec = prts_decoder_new();
    prts_decoder_set_backend(dec, "scalar");
    prts_decoder_set_option(dec, PRTS_OPT_MEMORY_BUDGET, 1 << 20);
    int rc = prts_decoder_decode_file(dec, png, out);
    prts_decoder_free(dec);
    return rc == PRTS_OK ? 0 : 1;
}

/* Peak RSS (KiB) of a child process decoding `png` to `out` with a 1 MiB
 * memory budget; the decode must succeed.  The child is this program run
 * afresh: a forked copy of it, while an OpenCL driver's threads run here
 * (the suite's opencl pass), would wait forever on their locks. */
static long decode_rss_kib(const char *png, const char *out)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", "test_compression", "--decode-child", png, out, (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return ru.ru_maxrss;
}

/* Encode `n` random bytes with zlib payload compression into dir/NAME.rts.png
 * (the input kept as dir/NAME.bin); returns the PNG's path. */
static char *compressed_png(const char *dir, const char *name, size_t n, uint64_t seed)
{
    char *in = tu_strdupf("%s/%s.bin", dir, name), *png = tu_strdupf("%s/%s.rts.png", dir, name);
    free(tu_write_random_file(in, n, seed));
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, PRTS_PAYLOAD_ZLIB),
                     PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PAYLOAD_LEVEL, 1), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_WRITE_SIDECAR, 0), PRTS_OK);
    assert_int_equal(prts_encoder_encode_file(enc, in, png), PRTS_OK);
    prts_encoder_free(enc);
    free(in);
    return png;
}

/* A compressed payload bigger than the memory budget is staged in a file and
 * decompressed from a mapping of it: the pages read are given back behind
 * the reading, so decoding 48 MiB holds about what decoding 2 MiB holds, not
 * the payload (a 256 MiB payload once took 263 MiB of RSS).  Each decode
 * runs in a child, whose peak RSS is its own; the small one is the baseline
 * (a sanitizer build has a bigger one). */
static void t_compressed_decode_bounded(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *small = compressed_png(dir, "small", 2u << 20, 30);
    char *big = compressed_png(dir, "big", 48u << 20, 31);
    char *out = tu_path(dir, "out");
    long base = decode_rss_kib(small, out);
    long peak = decode_rss_kib(big, out);
    char *in = tu_path(dir, "big.bin");
    size_t a_len, b_len;
    uint8_t *a = tu_read_file(in, &a_len), *b = tu_read_file(out, &b_len);
    tu_assert_bytes_equal(a, a_len, b, b_len);
    free(a), free(b);
    print_message("peak RSS decoding compressed payloads: 2 MiB %ld KiB, 48 MiB %ld KiB\n", base,
                  peak);
    assert_true(peak < base + 20 * 1024);
    tu_rmtree(dir);
    free(small), free(big), free(out), free(in), free(dir);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--decode-child") == 0)
        return decode_child(argv[2], argv[3]);
#define T(fn) cmocka_unit_test_setup_teardown(fn, tu_fx_setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_roundtrip_none),
        cmocka_unit_test(t_roundtrip_zlib),
        cmocka_unit_test(t_roundtrip_zstd),
        cmocka_unit_test(t_text_shrinks),
        cmocka_unit_test(t_explicit_levels),
        cmocka_unit_test(t_code_mode),
        cmocka_unit_test(t_vector_compressed_text),
        cmocka_unit_test(t_options),
        cmocka_unit_test(t_zlib_level_out_of_range),
        T(t_code_mode_sidecar),
        T(t_bad_base64),
        T(t_base64_length),
        T(t_inflates_to_wrong_size),
        T(t_zstd_bomb),
        T(t_zlib_bomb),
        T(t_corrupt_streams),
        cmocka_unit_test(t_histogram),
        cmocka_unit_test(t_decoder_histogram),
        cmocka_unit_test(t_compressed_decode_bounded),
    };
#undef T
    return cmocka_run_group_tests_name("compression", tests, NULL, NULL);
}
