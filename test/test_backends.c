/* test_backends.c: every backend that runs here gives exactly what `scalar`
 * gives: the same PNG pixels (and the same PNG bytes, all other options being
 * equal) when encoding, and the same payload when decoding scalar's PNG, for
 * many payload sizes and explicit grids, in standard and code mode; forcing a
 * backend that is unknown or cannot run is an error, never a silent fallback.
 *
 * The backends compared are those the library lists (prts_backend_count /
 * prts_backend_name) that probe available, so a backend added to the build is
 * picked up without touching this file.  With PIXELRTS_BACKEND=<name> in the
 * environment (the per-backend copies in meson.build) only that backend is
 * compared with scalar.  An optional argument is a cmocka test-name filter
 * (glob): "t_cmp_*" runs the comparisons only.  With PIXELRTS_SIMD_MAX=none
 * only the refusal tests run, simd's included. */
#define PRTS_EXPERIMENTAL /* the experimental tier of pixelrts.h: measure, WASM histograms */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BACKENDS 16
#define MAX_REPORTS 25 /* mismatch lines printed per test before going quiet */

typedef enum flavour {
    STANDARD,   /* PRTS_MODE_STANDARD */
    CODE_WASM,  /* PRTS_MODE_CODE, payload starts with "\0asm": the colouring runs */
    CODE_PLAIN, /* PRTS_MODE_CODE, any other payload */
} flavour;

static const char *const flavour_names[] = {"standard", "code(wasm)", "code(non-wasm)"};

typedef enum api { API_STREAM, API_FILE } api;
static const char *const api_names[] = {"push/pull", "file"};

/* Backends compared with scalar, and the temporary directory of the file API. */
static const char *others[MAX_BACKENDS];
static char others_what[MAX_BACKENDS][128];
static int n_others;
static char *tmpdir;
static int mismatches; /* in the current test */

static int group_setup(void **state)
{
    (void)state;
    const char *only = getenv("PIXELRTS_BACKEND");
    if (only && (!*only || strcmp(only, "auto") == 0))
        only = NULL;
    print_message("backends compiled in:");
    for (int i = 0; i < prts_backend_count(); i++) {
        const char *name = prts_backend_name(i);
        char why[256] = "", what[128] = "";
        int ok = prts_backend_probe(name, why, sizeof why) == PRTS_OK;
        if (ok)
            prts_backend_describe(name, what, sizeof what);
        print_message(" %s (%s)", name, ok ? what : why);
        if (!ok || strcmp(name, "scalar") == 0 || (only && strcmp(name, only) != 0))
            continue;
        if (n_others < MAX_BACKENDS) {
            snprintf(others_what[n_others], sizeof others_what[n_others], "%s", what);
            others[n_others++] = name;
        }
    }
    print_message("\ncompared with scalar:");
    for (int i = 0; i < n_others; i++)
        print_message(" %s", others[i]);
    print_message("%s\n", n_others ? "" : " none");
    tmpdir = tu_mkdtemp();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tu_rmtree(tmpdir);
    free(tmpdir);
    return 0;
}

static void need_others(void)
{
    mismatches = 0;
    if (n_others == 0) {
        print_message("no backend other than scalar runs here: nothing to compare\n");
        skip();
    }
}

static uint8_t *make_payload(size_t n, flavour f, uint64_t seed)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    tu_random_bytes(&s, d, n);
    if (f == CODE_WASM && n >= 4)
        memcpy(d, "\0asm", 4);
    else if (n >= 4 && memcmp(d, "\0asm", 4) == 0)
        d[0] = 1;
    return d;
}

/* One description of a case for the messages. */
typedef struct tcase {
    const char *backend;
    const char *what; /* the backend's describe() */
    size_t n;
    uint32_t grid;    /* explicit grid, 0 = smallest */
    flavour f;
} tcase;

#define CASE_FMT "backend %s (%s), size %zu, grid %u%s, mode %s"
#define CASE_ARGS(c) (c)->backend, (c)->what, (c)->n, (c)->grid ? (c)->grid : prts_grid_size_for((c)->n), \
                     (c)->grid ? " (explicit)" : "", flavour_names[(c)->f]

static void mismatch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mismatch(const char *fmt, ...)
{
    if (++mismatches > MAX_REPORTS)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    print_error("MISMATCH: %s\n", buf);
}

static void end_test(void)
{
    if (mismatches) {
        int m = mismatches;
        mismatches = 0;
        fail_msg("%d mismatch(es) with scalar (the first %d are listed above)", m,
                 m < MAX_REPORTS ? m : MAX_REPORTS);
    }
}

/* Hilbert index of pixel (x, y) on a g x g grid (docs/format.md §3, the classic
 * xy2d): payload byte k lies in channel k%4 of the pixel whose index is k/4.
 * Used to name the payload byte behind a differing pixel. */
static uint64_t xy2d(uint32_t g, uint32_t px, uint32_t py)
{
    uint64_t x = px, y = py, d = 0;
    for (uint64_t s = (uint64_t)g / 2; s > 0; s /= 2) {
        uint64_t rx = (x & s) > 0, ry = (y & s) > 0;
        d += s * s * ((3 * rx) ^ ry);
        if (ry == 0) {
            if (rx == 1) {
                x = s - 1 - x;
                y = s - 1 - y;
            }
            uint64_t t = x;
            x = y;
            y = t;
        }
    }
    return d;
}

static void set_encoder(prts_encoder *enc, const char *backend, flavour f, uint32_t grid)
{
    int r = prts_encoder_set_backend(enc, backend);
    if (r != PRTS_OK)
        fail_msg("set_backend(%s) = %d: %s", backend, r, prts_encoder_last_error(enc));
    assert_string_equal(prts_encoder_backend(enc), backend);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PNG_LEVEL, 0), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MODE,
                                             f == STANDARD ? PRTS_MODE_STANDARD : PRTS_MODE_CODE),
                     PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, grid), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_WRITE_SIDECAR, 0), PRTS_OK);
}

/* Encode `data` with `backend`; the PNG goes to *png.  `in` is the payload's
 * file for the file API. */
static void encode(const char *backend, flavour f, uint32_t grid, const uint8_t *data, size_t n,
                   api a, const char *in, tu_buf *png)
{
    prts_encoder *enc = prts_encoder_new();
    assert_non_null(enc);
    set_encoder(enc, backend, f, grid);
    int r;
    if (a == API_STREAM) {
        /* pushes of an odd size, so the stage sees several */
        r = tu_encode_mem(enc, data, n, ((size_t)1 << 20) + 7, png);
    } else {
        char *out = tu_path(tmpdir, "out.png");
        r = prts_encoder_encode_file(enc, in, out);
        if (r == PRTS_OK) {
            png->data = tu_read_file(out, &png->len);
            png->cap = png->len;
        }
        remove(out);
        free(out);
    }
    if (r != PRTS_OK)
        fail_msg("%s encode with %s (size %zu, grid %u, mode %s) = %d (%s): %s", api_names[a],
                 backend, n, grid, flavour_names[f], r, prts_strerror(r),
                 prts_encoder_last_error(enc));
    assert_string_equal(prts_encoder_backend(enc), backend);
    prts_encoder_free(enc);
}

/* PNG of the case against scalar's: pixels, then bytes. */
static void compare_png(const tcase *c, api a, const uint8_t *ref_px, uint32_t ref_w,
                        const tu_buf *ref_png, const tu_buf *png)
{
    uint32_t w = 0, h = 0;
    uint8_t *px = NULL;
    int r = tu_png_rgba(png->data, png->len, &w, &h, &px);
    if (r != 0) {
        mismatch(CASE_FMT ", %s API: its PNG does not decode with libspng (error %d)",
                 CASE_ARGS(c), api_names[a], r);
        return;
    }
    if (w != ref_w || h != ref_w) {
        mismatch(CASE_FMT ", %s API: image is %ux%u, scalar's %ux%u", CASE_ARGS(c), api_names[a],
                 w, h, ref_w, ref_w);
    } else {
        size_t npx = (size_t)w * h * 4;
        if (memcmp(px, ref_px, npx) != 0) {
            size_t i = 0, ndiff = 0;
            while (px[i] == ref_px[i])
                i++;
            for (size_t j = i; j < npx; j++)
                ndiff += px[j] != ref_px[j];
            size_t p = i / 4;
            uint64_t k = 4 * xy2d(w, (uint32_t)(p % w), (uint32_t)(p / w)) + i % 4;
            char where[64];
            if (k < c->n)
                snprintf(where, sizeof where, "payload byte %llu", (unsigned long long)k);
            else
                snprintf(where, sizeof where, "padding, past the payload");
            mismatch(CASE_FMT ", %s API: PNG pixels differ first at RGBA byte offset %zu "
                     "(pixel x=%zu y=%zu channel %zu = %s: 0x%02x, scalar 0x%02x), %zu byte(s) "
                     "differ",
                     CASE_ARGS(c), api_names[a], i, p % w, p / w, i % 4, where, px[i], ref_px[i],
                     ndiff);
        }
    }
    free(px);
    if (png->len != ref_png->len || memcmp(png->data, ref_png->data, png->len) != 0) {
        size_t m = png->len < ref_png->len ? png->len : ref_png->len, i = 0;
        while (i < m && png->data[i] == ref_png->data[i])
            i++;
        mismatch(CASE_FMT ", %s API: PNG bytes differ first at file offset %zu (lengths %zu, "
                 "scalar %zu)",
                 CASE_ARGS(c), api_names[a], i, png->len, ref_png->len);
    }
}

/* Decode scalar's PNG with the case's backend through `a`; compare with data. */
static void check_decode(const tcase *c, api a, const tu_buf *ref_png, const char *png_path,
                         const uint8_t *data)
{
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    int r = prts_decoder_set_backend(dec, c->backend);
    if (r != PRTS_OK)
        fail_msg("decoder set_backend(%s) = %d: %s", c->backend, r, prts_decoder_last_error(dec));
    tu_buf out = {0};
    if (a == API_STREAM) {
        /* short reads of the PNG, pulls of an odd size */
        r = tu_decode_mem(dec, ref_png->data, ref_png->len, 1 << 20, false, 300007, false, &out);
    } else {
        char *o = tu_path(tmpdir, "out.bin");
        r = prts_decoder_decode_file(dec, png_path, o);
        if (r == PRTS_OK) {
            out.data = tu_read_file(o, &out.len);
            out.cap = out.len;
        }
        remove(o);
        free(o);
    }
    if (r != PRTS_OK) {
        mismatch(CASE_FMT ", %s API: decoding scalar's PNG fails: %d (%s): %s", CASE_ARGS(c),
                 api_names[a], r, prts_strerror(r), prts_decoder_last_error(dec));
    } else if (out.len != c->n || (c->n && memcmp(out.data, data, c->n) != 0)) {
        size_t m = out.len < c->n ? out.len : c->n, i = 0;
        while (i < m && out.data[i] == data[i])
            i++;
        mismatch(CASE_FMT ", %s API: decoded payload differs first at offset %zu (got %zu "
                 "bytes, expected %zu)",
                 CASE_ARGS(c), api_names[a], i, out.len, c->n);
    }
    assert_string_equal(prts_decoder_backend(dec), c->backend);
    tu_buf_free(&out);
    prts_decoder_free(dec);
}

/* Largest payload for which the file API is exercised too (the push/pull
 * path always is). */
#define FILE_API_MAX ((size_t)8 << 20)

/* A code-mode file is decoded from its original_data_b64, not from its pixels,
 * so decoding a big one with each backend would only time the base64 and JSON
 * code again: above this size code mode is compared in the encode direction. */
#define CODE_DECODE_MAX ((size_t)8 << 20)

/* One payload: scalar's PNG against every other backend's, both APIs, and
 * every backend decoding scalar's PNG. */
static void run_case(size_t n, uint32_t grid, flavour f, uint64_t seed)
{
    if (f == CODE_WASM && n < 4)
        return; /* no room for "\0asm": the same as CODE_PLAIN */
    uint8_t *data = make_payload(n, f, seed);
    tu_buf ref = {0};
    encode("scalar", f, grid, data, n, API_STREAM, NULL, &ref);
    uint32_t w = 0, h = 0;
    uint8_t *ref_px = NULL;
    int r = tu_png_rgba(ref.data, ref.len, &w, &h, &ref_px);
    if (r != 0)
        fail_msg("scalar's PNG (size %zu, grid %u, %s) does not decode with libspng: %d", n, grid,
                 flavour_names[f], r);
    assert_int_equal(w, grid ? grid : prts_grid_size_for(n));
    assert_int_equal(h, w);

    bool file_api = n <= FILE_API_MAX;
    char *in = NULL, *ref_path = NULL;
    if (file_api) {
        in = tu_path(tmpdir, "in.bin");
        ref_path = tu_path(tmpdir, "ref.png");
        tu_write_file(in, data, n);
        tu_write_file(ref_path, ref.data, ref.len);
    }
    for (int b = 0; b < n_others; b++) {
        tcase c = {others[b], others_what[b], n, grid, f};
        for (api a = API_STREAM; a <= (file_api ? API_FILE : API_STREAM); a++) {
            tu_buf png = {0};
            encode(c.backend, f, grid, data, n, a, in, &png);
            compare_png(&c, a, ref_px, w, &ref, &png);
            tu_buf_free(&png);
            if (f == STANDARD || n <= CODE_DECODE_MAX)
                check_decode(&c, a, &ref, ref_path, data);
        }
    }
    if (file_api) {
        remove(in);
        remove(ref_path);
    }
    free(in);
    free(ref_path);
    free(ref_px);
    tu_buf_free(&ref);
    free(data);
}

/* ---- payload sizes (smallest grid) ------------------------------------------------------- */

static const size_t fixed_sizes[] = {
    0, 1, 3, 4, 5, 63, 64, 65, 255, 256, 257, 1023, 1024, 1025, 4095, 4096, 4097,
    65535, 65536, 65537, (size_t)1 << 20, ((size_t)3 << 20) + 7,
};
#define N_FIXED (sizeof fixed_sizes / sizeof fixed_sizes[0])

static void sizes(flavour f)
{
    need_others();
    for (size_t i = 0; i < N_FIXED; i++)
        run_case(fixed_sizes[i], 0, f, 100 + i);
    end_test();
}

static void t_cmp_sizes_standard(void **state)
{
    (void)state;
    sizes(STANDARD);
}

static void t_cmp_sizes_code_wasm(void **state)
{
    (void)state;
    sizes(CODE_WASM);
}

static void t_cmp_sizes_code_plain(void **state)
{
    (void)state;
    sizes(CODE_PLAIN);
}

/* ~20 random sizes from a fixed seed, log-uniform up to 4 MiB, each flavour. */
static void t_cmp_random_sizes(void **state)
{
    (void)state;
    need_others();
    uint64_t s = 0xB4C0FFEEull;
    for (int i = 0; i < 21; i++) {
        unsigned bits = (unsigned)(tu_rand_next(&s) % 23);
        size_t n = (size_t)(tu_rand_next(&s) % ((uint64_t)1 << bits)) + 1;
        run_case(n, 0, (flavour)(i % 3), 1000 + (uint64_t)i);
    }
    end_test();
}

/* ---- explicit grids ------------------------------------------------------------------- */

/* Each grid 1, 2, 4, ..., max_grid with a payload that fills it exactly,
 * one that fills it partly (5/8 and a few bytes: partial tile and padding
 * tiles) and a single byte (almost all padding); from `exact_only` up, only
 * the exact fill (code mode stores the payload again as base64 JSON, which
 * makes the biggest grids slow for reasons that have nothing to do with the
 * backends).  A grid the encoder does not accept as an explicit size is
 * skipped. */
static void grids(flavour f, uint32_t max_grid, uint32_t exact_only)
{
    need_others();
    for (uint32_t g = 1; g <= max_grid; g *= 2) {
        prts_encoder *enc = prts_encoder_new();
        int r = prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, g);
        prts_encoder_free(enc);
        if (r != PRTS_OK) {
            print_message("grid %u is not accepted as an explicit grid (%d): skipped\n", g, r);
            continue;
        }
        size_t cap = (size_t)4 * g * g;
        size_t partial = cap > 8 ? cap / 8 * 5 + 3 : cap - 1;
        run_case(cap, g, f, g);
        if (g >= exact_only)
            continue;
        run_case(partial, g, f, g + 1);
        if (partial != 1)
            run_case(1, g, f, g + 2);
    }
    end_test();
}

static void t_cmp_grids_standard(void **state)
{
    (void)state;
    grids(STANDARD, 4096, UINT32_MAX);
}

static void t_cmp_grids_code_wasm(void **state)
{
    (void)state;
    grids(CODE_WASM, 4096, 4096);
}

/* Without "\0asm" code mode places the bytes as standard mode does (no
 * colouring): grids up to 2048 are enough. */
static void t_cmp_grids_code_plain(void **state)
{
    (void)state;
    grids(CODE_PLAIN, 2048, UINT32_MAX);
}

/* The reference itself follows the format: scalar puts payload byte k in
 * channel k%4 of pixel xy2d^-1(k/4), padding is (0,0,0,0); this also checks
 * the xy2d the mismatch messages use. */
static void t_scalar_layout(void **state)
{
    (void)state;
    static const size_t ns[] = {0, 1, 5, 4096, 16381, 65536};
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        size_t n = ns[t];
        uint8_t *data = make_payload(n, STANDARD, 7 + t);
        tu_buf png = {0};
        encode("scalar", STANDARD, 128, data, n, API_STREAM, NULL, &png);
        uint32_t w, h;
        uint8_t *px;
        assert_int_equal(tu_png_rgba(png.data, png.len, &w, &h, &px), 0);
        assert_int_equal(w, 128);
        assert_int_equal(h, 128);
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++)
                for (uint32_t ch = 0; ch < 4; ch++) {
                    uint64_t k = 4 * xy2d(w, x, y) + ch;
                    uint8_t want = k < n ? data[k] : 0;
                    if (px[((size_t)y * w + x) * 4 + ch] != want)
                        fail_msg("size %zu: pixel (%u,%u) channel %u = 0x%02x, expected 0x%02x "
                                 "(payload byte %llu)", n, x, y, ch,
                                 px[((size_t)y * w + x) * 4 + ch], want, (unsigned long long)k);
                }
        free(px);
        tu_buf_free(&png);
        free(data);
    }
}

/* ---- describe, measure, the handle's backend, auto ------------------------------------- */

static void t_describe_measure(void **state)
{
    (void)state;
    for (int i = 0; i < prts_backend_count(); i++) {
        const char *name = prts_backend_name(i);
        char buf[256];
        double e = -1, d = -1;
        if (prts_backend_probe(name, NULL, 0) != PRTS_OK) {
            assert_int_equal(prts_backend_describe(name, buf, sizeof buf),
                             PRTS_E_BACKEND_UNAVAILABLE);
            assert_int_equal(prts_backend_measure(name, 1 << 20, &e, &d),
                             PRTS_E_BACKEND_UNAVAILABLE);
            continue;
        }
        memset(buf, 'x', sizeof buf);
        assert_int_equal(prts_backend_describe(name, buf, sizeof buf), PRTS_OK);
        assert_non_null(memchr(buf, 0, sizeof buf));
        int r = prts_backend_measure(name, 1 << 20, &e, &d);
        if (r != PRTS_OK)
            fail_msg("measure(%s) = %d (%s)", name, r, prts_strerror(r));
        print_message("%-8s %-40s encode %7.2f GB/s, decode %7.2f GB/s (1 MiB)\n", name, buf, e,
                      d);
        assert_true(isfinite(e) && e > 0);
        assert_true(isfinite(d) && d > 0);
    }
    double e, d;
    assert_int_not_equal(prts_backend_measure("nope", 1 << 20, &e, &d), PRTS_OK);
    char buf[64];
    assert_int_not_equal(prts_backend_describe("nope", buf, sizeof buf), PRTS_OK);
}

static bool registered(const char *name)
{
    for (int i = 0; i < prts_backend_count(); i++)
        if (strcmp(prts_backend_name(i), name) == 0)
            return true;
    return false;
}

static void t_handle_backend(void **state)
{
    (void)state;
    for (int i = 0; i < prts_backend_count(); i++) {
        const char *name = prts_backend_name(i);
        if (prts_backend_probe(name, NULL, 0) != PRTS_OK)
            continue;
        prts_encoder *enc = prts_encoder_new();
        prts_decoder *dec = prts_decoder_new();
        assert_int_equal(prts_encoder_set_backend(enc, name), PRTS_OK);
        assert_int_equal(prts_decoder_set_backend(dec, name), PRTS_OK);
        assert_string_equal(prts_encoder_backend(enc), name);
        assert_string_equal(prts_decoder_backend(dec), name);
        /* a reset keeps it, and so does a round trip */
        assert_int_equal(prts_encoder_reset(enc), PRTS_OK);
        assert_int_equal(prts_decoder_reset(dec), PRTS_OK);
        assert_string_equal(prts_encoder_backend(enc), name);
        assert_string_equal(prts_decoder_backend(dec), name);
        uint8_t d[3001];
        uint64_t s = 5;
        tu_random_bytes(&s, d, sizeof d);
        tu_buf png = {0}, out = {0};
        assert_int_equal(tu_encode_mem(enc, d, sizeof d, 0, &png), PRTS_OK);
        assert_int_equal(tu_decode_mem(dec, png.data, png.len, 0, false, 4096, false, &out),
                         PRTS_OK);
        tu_assert_bytes_equal(out.data, out.len, d, sizeof d);
        assert_string_equal(prts_encoder_backend(enc), name);
        assert_string_equal(prts_decoder_backend(dec), name);
        tu_buf_free(&png);
        tu_buf_free(&out);
        prts_encoder_free(enc);
        prts_decoder_free(dec);
    }
}

/* "auto" resolves to a named backend that runs here, on the host CPU (never
 * a device backend such as opencl, and never "auto" itself). */
static void check_auto_name(const char *b)
{
    assert_non_null(b);
    assert_string_not_equal(b, "auto");
    assert_true(registered(b));
    assert_int_equal(prts_backend_probe(b, NULL, 0), PRTS_OK);
    assert_string_not_equal(b, "opencl");
}

static void t_auto(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_encoder_set_backend(enc, "auto"), PRTS_OK);
    assert_int_equal(prts_decoder_set_backend(dec, "auto"), PRTS_OK);
    const char *a = prts_encoder_backend(enc);
    check_auto_name(a);
    check_auto_name(prts_decoder_backend(dec));
    /* one choice per process */
    assert_string_equal(prts_decoder_backend(dec), a);
    print_message("auto = %s\n", a);
    /* a new handle without PIXELRTS_BACKEND takes the same */
    const char *env = getenv("PIXELRTS_BACKEND");
    if (!env || !*env || strcmp(env, "auto") == 0) {
        prts_encoder *e2 = prts_encoder_new();
        assert_string_equal(prts_encoder_backend(e2), a);
        prts_encoder_free(e2);
    }
    prts_encoder_free(enc);
    prts_decoder_free(dec);
}

/* ---- unknown and unavailable backends ------------------------------------------------- */

static uint8_t small_payload[777];

static void scalar_png(tu_buf *png)
{
    uint64_t s = 77;
    tu_random_bytes(&s, small_payload, sizeof small_payload);
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_backend(enc, "scalar"), PRTS_OK);
    assert_int_equal(tu_encode_mem(enc, small_payload, sizeof small_payload, 0, png), PRTS_OK);
    prts_encoder_free(enc);
}

static void assert_mentions(const char *msg, const char *what)
{
    assert_non_null(msg);
    if (!strstr(msg, what))
        fail_msg("message <%s> does not mention <%s>", msg, what);
}

/* set_backend(name) must fail with `want` (PRTS_E_BACKEND_UNKNOWN or _UNAVAILABLE) and a
 * message, and the handle must then refuse to work instead of using another backend. */
static void check_refused(const char *name, const char *why, int want)
{
    char *in = tu_path(tmpdir, "refused.bin");
    char *out = tu_path(tmpdir, "refused.png");
    char *back = tu_path(tmpdir, "refused.out");
    tu_write_file(in, small_payload, sizeof small_payload);
    tu_buf ref = {0};
    scalar_png(&ref);
    char *ref_path = tu_path(tmpdir, "refused-ref.png");
    tu_write_file(ref_path, ref.data, ref.len);

    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_backend(enc, "scalar"), PRTS_OK);
    assert_int_equal(prts_encoder_set_backend(enc, name), want);
    const char *msg = prts_encoder_last_error(enc);
    print_message("set_backend(%s): %s\n", name, msg);
    assert_true(msg[0] != 0);
    assert_mentions(msg, name);
    if (why && *why)
        assert_mentions(msg, why);
    /* stream calls: BAD_STATE, file calls: BACKEND; nothing written */
    tu_buf png = {0};
    assert_int_equal(prts_encoder_push(enc, small_payload, 10), PRTS_E_BAD_STATE);
    assert_int_equal(prts_encoder_finish(enc, tu_write_cb, &png), PRTS_E_BAD_STATE);
    assert_int_equal(png.len, 0);
    assert_int_equal(prts_encoder_encode_file(enc, in, out), want);
    assert_true(prts_encoder_last_error(enc)[0] != 0);
    assert_false(tu_file_exists(out));
    /* a reset returns to the last backend accepted */
    assert_int_equal(prts_encoder_reset(enc), PRTS_OK);
    assert_string_equal(prts_encoder_backend(enc), "scalar");
    assert_int_equal(tu_encode_mem(enc, small_payload, sizeof small_payload, 0, &png), PRTS_OK);
    tu_buf_free(&png);
    prts_encoder_free(enc);

    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_set_backend(dec, "scalar"), PRTS_OK);
    assert_int_equal(prts_decoder_set_backend(dec, name), want);
    msg = prts_decoder_last_error(dec);
    assert_true(msg[0] != 0);
    assert_mentions(msg, name);
    if (why && *why)
        assert_mentions(msg, why);
    tu_buf got = {0};
    int r = tu_decode_mem(dec, ref.data, ref.len, 0, false, 4096, false, &got);
    assert_int_equal(r, PRTS_E_BAD_STATE);
    assert_int_equal(got.len, 0);
    assert_int_equal(prts_decoder_decode_file(dec, ref_path, back), want);
    assert_false(tu_file_exists(back));
    assert_int_equal(prts_decoder_reset(dec), PRTS_OK);
    assert_string_equal(prts_decoder_backend(dec), "scalar");
    assert_int_equal(tu_decode_mem(dec, ref.data, ref.len, 0, false, 4096, false, &got), PRTS_OK);
    tu_assert_bytes_equal(got.data, got.len, small_payload, sizeof small_payload);
    tu_buf_free(&got);
    prts_decoder_free(dec);

    tu_buf_free(&ref);
    remove(in);
    remove(ref_path);
    free(in);
    free(out);
    free(back);
    free(ref_path);
}

/* PIXELRTS_BACKEND=name: a new handle must fail its first operation with
 * `want`, and write or deliver nothing. */
static void check_env_refused(const char *name, int want)
{
    char *old = getenv("PIXELRTS_BACKEND") ? strdup(getenv("PIXELRTS_BACKEND")) : NULL;
    tu_buf ref = {0};
    scalar_png(&ref);
    char *in = tu_path(tmpdir, "env.bin");
    char *out = tu_path(tmpdir, "env.png");
    char *ref_path = tu_path(tmpdir, "env-ref.png");
    char *back = tu_path(tmpdir, "env.out");
    tu_write_file(in, small_payload, sizeof small_payload);
    tu_write_file(ref_path, ref.data, ref.len);
    setenv("PIXELRTS_BACKEND", name, 1);

    prts_encoder *enc = prts_encoder_new();
    assert_non_null(enc);
    tu_buf png = {0};
    int r = tu_encode_mem(enc, small_payload, sizeof small_payload, 0, &png);
    print_message("PIXELRTS_BACKEND=%s: encode = %d: %s\n", name, r, prts_encoder_last_error(enc));
    assert_int_equal(r, want);
    assert_mentions(prts_encoder_last_error(enc), name);
    assert_int_equal(png.len, 0);
    prts_encoder_free(enc);
    enc = prts_encoder_new();
    assert_int_equal(prts_encoder_encode_file(enc, in, out), want);
    assert_mentions(prts_encoder_last_error(enc), name);
    assert_false(tu_file_exists(out));
    prts_encoder_free(enc);

    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    tu_buf got = {0};
    r = tu_decode_mem(dec, ref.data, ref.len, 0, false, 4096, false, &got);
    assert_int_equal(r, want);
    assert_mentions(prts_decoder_last_error(dec), name);
    assert_int_equal(got.len, 0);
    prts_decoder_free(dec);
    dec = prts_decoder_new();
    assert_int_equal(prts_decoder_decode_file(dec, ref_path, back), want);
    assert_mentions(prts_decoder_last_error(dec), name);
    assert_false(tu_file_exists(back));
    prts_decoder_free(dec);

    if (old) {
        setenv("PIXELRTS_BACKEND", old, 1);
        free(old);
    } else {
        unsetenv("PIXELRTS_BACKEND");
    }
    tu_buf_free(&ref);
    remove(in);
    remove(ref_path);
    free(in);
    free(out);
    free(ref_path);
    free(back);
}

static void t_unavail_unknown(void **state)
{
    (void)state;
    char why[256] = "";
    assert_int_equal(prts_backend_probe("nope", why, sizeof why), PRTS_E_BACKEND_UNKNOWN);
    assert_true(why[0] != 0);
    check_refused("nope", NULL, PRTS_E_BACKEND_UNKNOWN);
    check_refused("", NULL, PRTS_E_BACKEND_UNKNOWN);
    check_env_refused("nope", PRTS_E_BACKEND_UNKNOWN);
}

/* Every compiled-in backend that cannot run here (opencl without a platform,
 * simd capped to none, ...) is refused with the probe's reason. */
static void t_unavail_registered(void **state)
{
    (void)state;
    int n = 0;
    for (int i = 0; i < prts_backend_count(); i++) {
        const char *name = prts_backend_name(i);
        char why[256] = "";
        if (prts_backend_probe(name, why, sizeof why) == PRTS_OK)
            continue;
        n++;
        assert_true(why[0] != 0);
        print_message("%s is unavailable: %s\n", name, why);
        check_refused(name, why, PRTS_E_BACKEND_UNAVAILABLE);
        check_env_refused(name, PRTS_E_BACKEND_UNAVAILABLE);
    }
    if (n == 0) {
        print_message("every compiled-in backend runs here\n");
        skip();
    }
}

/* Run with PIXELRTS_SIMD_MAX=none (a separate meson test: the cap is read
 * once per process): simd is compiled in but must be refused. */
static void t_unavail_simd_capped(void **state)
{
    (void)state;
    if (!registered("simd")) {
        print_message("the simd backend is not compiled in\n");
        skip();
    }
    char why[256] = "";
    assert_int_equal(prts_backend_probe("simd", why, sizeof why), PRTS_E_BACKEND_UNAVAILABLE);
    assert_true(why[0] != 0);
    check_refused("simd", why, PRTS_E_BACKEND_UNAVAILABLE);
    check_env_refused("simd", PRTS_E_BACKEND_UNAVAILABLE);
    /* auto then picks another host backend */
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_backend(enc, "auto"), PRTS_OK);
    check_auto_name(prts_encoder_backend(enc));
    assert_string_not_equal(prts_encoder_backend(enc), "simd");
    prts_encoder_free(enc);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_unavail_unknown),
        cmocka_unit_test(t_unavail_registered),
        cmocka_unit_test(t_scalar_layout),
        cmocka_unit_test(t_describe_measure),
        cmocka_unit_test(t_handle_backend),
        cmocka_unit_test(t_auto),
        cmocka_unit_test(t_cmp_sizes_standard),
        cmocka_unit_test(t_cmp_sizes_code_wasm),
        cmocka_unit_test(t_cmp_sizes_code_plain),
        cmocka_unit_test(t_cmp_random_sizes),
        cmocka_unit_test(t_cmp_grids_standard),
        cmocka_unit_test(t_cmp_grids_code_wasm),
        cmocka_unit_test(t_cmp_grids_code_plain),
    };
    /* only meaningful in a process started with the cap (meson: backends-simd-none) */
    const struct CMUnitTest capped_tests[] = {
        cmocka_unit_test(t_unavail_unknown),
        cmocka_unit_test(t_unavail_registered),
        cmocka_unit_test(t_unavail_simd_capped),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const char *cap = getenv("PIXELRTS_SIMD_MAX");
    if (cap && strcmp(cap, "none") == 0)
        return cmocka_run_group_tests_name("backends", capped_tests, group_setup, group_teardown);
    return cmocka_run_group_tests_name("backends", tests, group_setup, group_teardown);
}
