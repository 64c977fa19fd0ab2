/* test_huge.c: the segmented, multi-threaded PNG path (issue 3): identical
 * output on any number of threads, every preset readable by libspng (and
 * pngcheck), indexed and sequential decoding, byte ranges, corruption in the
 * middle, staging through temporary files, and 64-bit payload offsets. */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "backend/backend.h"
#include "png/segments_write.h"
#include "layout/range.h"
#include "test_util.h"
#include "backend/pass.h"

/* Half random, then text-like bytes, then zeros: every adaptive decision. */
static uint8_t *mixed_payload(size_t n, uint64_t seed)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    uint64_t rng = seed;
    tu_random_bytes(&rng, d, n / 2);
    for (size_t i = n / 2; i < n - n / 8; i++)
        d[i] = "the quick brown fox jumps over the lazy dog "[i % 44];
    memset(d + n - n / 8, 0, n / 8);
    return d;
}

static prts_encoder *encoder(int64_t level, int64_t filter, int64_t threads)
{
    prts_encoder *enc = prts_encoder_new();
    assert_non_null(enc);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PNG_LEVEL, level), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_FILTER, filter), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_THREADS, threads), PRTS_OK);
    return enc;
}

static int have_pngcheck(void)
{
    return system("command -v pngcheck >/dev/null 2>&1") == 0;
}

static void pngcheck_ok(const void *png, size_t len)
{
    if (!have_pngcheck())
        return;
    char *dir = tu_mkdtemp(), *p = tu_path(dir, "x.png");
    tu_write_file(p, png, len);
    char *cmd = tu_strdupf("pngcheck -q '%s' >/dev/null", p);
    if (system(cmd) != 0)
        fail_msg("pngcheck rejects a file we wrote (%zu bytes)", len);
    free(cmd);
    free(p);
    tu_rmtree(dir);
    free(dir);
}

/* Any level / filter: 1 and 2 threads write the same bytes; libspng (the
 * pull path) decodes them; pngcheck accepts them. */
static void t_threads_identical(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 4999, (1u << 20) + 7, 3u << 20};
    static const struct { int64_t level, filter; } modes[] = {
        {0, PRTS_FILTER_NONE}, {1, PRTS_FILTER_NONE}, {PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE},
        {6, PRTS_FILTER_ADAPTIVE}, {PRTS_LEVEL_ADAPTIVE(9), PRTS_FILTER_ADAPTIVE},
    };
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        uint8_t *d = mixed_payload(sizes[s], 7 + s);
        for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
            tu_buf one = {0}, two = {0}, back = {0};
            prts_encoder *e1 = encoder(modes[m].level, modes[m].filter, 1);
            prts_encoder *e2 = encoder(modes[m].level, modes[m].filter, 2);
            assert_int_equal(tu_encode_mem(e1, d, sizes[s], 100000, &one), PRTS_OK);
            assert_int_equal(tu_encode_mem(e2, d, sizes[s], 0, &two), PRTS_OK);
            tu_assert_bytes_equal_(one.data, one.len, two.data, two.len, __FILE__, __LINE__);
            prts_decoder *dec = prts_decoder_new();
            assert_int_equal(tu_decode_mem(dec, two.data, two.len, 65536, true, 1 << 20, true,
                                           &back), PRTS_OK);
            tu_assert_bytes_equal_(back.data, back.len, d, sizes[s], __FILE__, __LINE__);
            if (s == 3)
                pngcheck_ok(two.data, two.len);
            prts_decoder_free(dec);
            prts_encoder_free(e1);
            prts_encoder_free(e2);
            tu_buf_free(&one);
            tu_buf_free(&two);
            tu_buf_free(&back);
        }
        free(d);
    }
}

/* CRC-32C as x86's crc32 instruction computes it from 0 (no inversion): the
 * hash ISA-L's level-1 matcher puts a position's next 4 bytes through. */
static uint32_t crc32c_raw(uint32_t v)
{
    uint32_t c = 0;
    for (int i = 0; i < 4; i++) {
        c ^= (v >> (8 * i)) & 0xff;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    }
    return c;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The bytes of a piece may not depend on where the compressor's state lives.
 * ISA-L's level-1 matchers (2.30's SSE, AVX and AVX2 bodies alike), entered
 * with no history, hash the piece's third position from bits 16..47 of the
 * isal_zstream's own address instead of from the data (write_first_byte in
 * igzip_icf_body.asm: its tmp2 still holds the stream pointer).  Deflaters
 * on different threads have their streams at different addresses, so the
 * segments of 1 and 2 threads came out different -- valid deflate, but not
 * the same bytes.  The input is built so that the address decides: position
 * 2's bytes come back at position Q, and they hash to the slot deflater A's
 * address sends position 2 to, not B's; A then finds the match at Q, B does
 * not.  Without ISA-L (or with the fix) the two agree. */
static void t_piece_independent_of_state_address(void **state)
{
    (void)state;
    enum { N = 8192, Q = 48, REP = 24, MASK = 0x1fff /* ISA-L's level-1 hash mask */ };
    uint8_t warm[N];
    uint64_t rng = 99;
    tu_random_bytes(&rng, warm, sizeof warm);
    /* deflaters whose ISA-L streams hash to different slots */
    prts__deflater d[8] = {{.ready = 0}};
    uint32_t slot[8];
    prts__err e;
    int a = 0, b = -1;
    for (int i = 0; i < 8 && b < 0; i++) {
        prts__buf out = {0};
        uint32_t adler;
        assert_int_equal(prts__seg_compress(&d[i], warm, sizeof warm, 1, 0, 0, &out, &adler, &e),
                         PRTS_OK);
        prts__buf_free(&out);
        slot[i] = crc32c_raw((uint32_t)((uintptr_t)d[i].isal >> 16)) & MASK;
        if (i > 0 && (!d[i].isal || slot[i] != slot[a]))
            b = i;
    }
    assert_true(b > 0);
    /* 4 random bits a byte (so that deflate codes them rather than storing
     * them); bytes 2..5 hash to A's slot, and nothing else before Q does */
    uint8_t in[N];
    for (;;) {
        tu_random_bytes(&rng, in, sizeof in);
        for (size_t i = 0; i < sizeof in; i++)
            in[i] &= 0x0f;
        uint32_t v;
        do {
            v = (uint32_t)tu_rand_next(&rng);
        } while ((crc32c_raw(v) & MASK) != slot[a]);
        memcpy(in + 2, &v, 4); /* little-endian, as the matcher loads it */
        assert_int_equal(le32(in + 2), v);
        int clash = 0;
        for (int p = 0; p < Q; p++)
            if (p != 2 && (crc32c_raw(le32(in + p)) & MASK) == slot[a])
                clash = 1;
        if (!clash)
            break;
    }
    memcpy(in + Q, in + 2, REP);
    prts__buf oa = {0}, ob = {0};
    uint32_t aa, ab;
    assert_int_equal(prts__seg_compress(&d[a], in, sizeof in, 1, 0, 0, &oa, &aa, &e), PRTS_OK);
    assert_int_equal(prts__seg_compress(&d[b], in, sizeof in, 1, 0, 0, &ob, &ab, &e), PRTS_OK);
    assert_int_equal(aa, ab);
    tu_assert_bytes_equal_(oa.data, oa.len, ob.data, ob.len, __FILE__, __LINE__);
    prts__buf_free(&oa);
    prts__buf_free(&ob);
    for (int i = 0; i < 8; i++)
        prts__deflater_free(&d[i]);
}

/* Adaptive stores what does not compress: random data costs no more than
 * storing, a zero-padded grid shrinks to about zlib's size. */
static void t_adaptive_sizes(void **state)
{
    (void)state;
    size_t n = 3u << 20;
    uint8_t *d = malloc(n);
    uint64_t rng = 3;
    tu_random_bytes(&rng, d, n);
    tu_buf stored = {0}, adaptive = {0}, l1 = {0};
    prts_encoder *e0 = encoder(0, 0, 0), *ea = encoder(PRTS_LEVEL_ADAPTIVE(1), 0, 0),
                 *e1 = encoder(1, 0, 0);
    assert_int_equal(tu_encode_mem(e0, d, n, 0, &stored), PRTS_OK);
    assert_int_equal(tu_encode_mem(ea, d, n, 0, &adaptive), PRTS_OK);
    assert_int_equal(tu_encode_mem(e1, d, n, 0, &l1), PRTS_OK);
    /* grid 1024: 4 MiB of pixels, 3 MiB random + 1 MiB zero padding */
    /* half the rows of the bottom half are 2 KiB of payload, then 2 KiB of
     * zeros: each switch between storing and deflating costs ~25 bytes */
    if (adaptive.len > n + n / 50)
        fail_msg("adaptive: %zu bytes for %zu random bytes", adaptive.len, n);
    if (adaptive.len > l1.len + l1.len / 100)
        fail_msg("adaptive %zu bytes, level 1 %zu bytes", adaptive.len, l1.len);
    /* level 0 stores the payload but deflates the 1 KiB blocks of zero
     * padding: the 3 MiB of random bytes stay, the whole rows of zeros vanish
     * (the 2 KiB runs beside payload, off the 1 KiB grid, are partly stored) */
    if (stored.len < n || stored.len > n + (1u << 20) * 3 / 5)
        fail_msg("level 0: %zu bytes for %zu random bytes + 1 MiB of zeros", stored.len, n);
    prts_encoder_free(e0);
    prts_encoder_free(ea);
    prts_encoder_free(e1);
    tu_buf_free(&stored);
    tu_buf_free(&adaptive);
    tu_buf_free(&l1);
    free(d);
}

/* Level 0 writes its own blocks (stored, and fixed-Huffman runs of zeros):
 * every run length and ending inflates back to the input, with zlib. */
static void t_level0_zero_runs(void **state)
{
    (void)state;
    enum { CAP = 1 << 20 };
    uint8_t *in = malloc(CAP), *back = malloc(CAP);
    assert_non_null(in);
    assert_non_null(back);
    uint64_t rng = 9;
    for (int tail = 0; tail < 300; tail += 7)
        for (int last = 0; last < 2; last++) {
            size_t n = 0;
            for (size_t k = 1; k <= 40; k++) { /* zero runs of 64k bytes, payload between */
                tu_random_bytes(&rng, in + n, 64 * (k % 3 + 1) + k % 5);
                n += 64 * (k % 3 + 1) + k % 5;
                memset(in + n, 0, 64 * k + (size_t)tail % 3);
                n += 64 * k + (size_t)tail % 3;
            }
            memset(in + n, 0, (size_t)tail); /* a run at the very end */
            n += (size_t)tail;
            prts__deflater d = {0};
            prts__buf out = {0};
            prts__err e = {0, ""};
            uint32_t adler;
            assert_int_equal(prts__seg_compress(&d, in, n, 0, 0, last, &out, &adler, &e), PRTS_OK);
            assert_true(out.len < n); /* the zeros shrank */
            z_stream z = {0};
            assert_int_equal(inflateInit2(&z, -15), Z_OK);
            z.next_in = out.data;
            z.avail_in = (uInt)out.len;
            z.next_out = back;
            z.avail_out = CAP;
            int zrc = inflate(&z, Z_SYNC_FLUSH);
            assert_true(last ? zrc == Z_STREAM_END : zrc == Z_OK);
            assert_int_equal(z.avail_in, 0);
            tu_assert_bytes_equal_(back, z.total_out, in, n, __FILE__, __LINE__);
            assert_int_equal(adler, (uint32_t)adler32(1, in, (uInt)n));
            inflateEnd(&z);
            prts__buf_free(&out);
            prts__deflater_free(&d);
        }
    free(in);
    free(back);
}

static void t_presets(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    int64_t level, filter, payload;
    assert_int_equal(prts_encoder_set_preset(enc, PRTS_PRESET_SMALL), PRTS_OK);
    prts_encoder_get_option(enc, PRTS_OPT_PNG_LEVEL, &level);
    prts_encoder_get_option(enc, PRTS_OPT_FILTER, &filter);
    prts_encoder_get_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, &payload);
    assert_int_equal(level, PRTS_LEVEL_ADAPTIVE(1));
    assert_int_equal(filter, PRTS_FILTER_NONE);
    assert_int_equal(payload, PRTS_PAYLOAD_ZLIB); /* what the original decodes */
    assert_int_equal(prts_encoder_set_preset(enc, PRTS_PRESET_SMALL_LIBPIXELRTS), PRTS_OK);
    prts_encoder_get_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, &payload);
    assert_int_equal(payload, PRTS_PAYLOAD_ZSTD);
    assert_int_equal(prts_encoder_set_preset(enc, PRTS_PRESET_FAST), PRTS_OK);
    prts_encoder_get_option(enc, PRTS_OPT_PNG_LEVEL, &level);
    prts_encoder_get_option(enc, PRTS_OPT_PAYLOAD_COMPRESSION, &payload);
    assert_int_equal(level, 0);
    assert_int_equal(payload, PRTS_PAYLOAD_NONE); /* a preset sets every option it names */
    assert_int_equal(prts_encoder_set_preset(enc, PRTS_PRESET_DEFAULT), PRTS_OK);
    prts_encoder_get_option(enc, PRTS_OPT_PNG_LEVEL, &level);
    assert_int_equal(level, PRTS_LEVEL_ADAPTIVE(1));
    assert_int_equal(prts_encoder_set_preset(enc, (prts_preset)0), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_encoder_set_preset(enc, (prts_preset)5), PRTS_E_INVALID_ARG);
    prts_encoder_free(enc);
}

/* Each preset round-trips, and each is smaller than the one before it on
 * compressible data with zero padding: fast > default > small >
 * small-libpixelrts; only small-libpixelrts's metadata names zstd. */
static void t_preset_sizes(void **state)
{
    (void)state;
    size_t n = (3u << 20) + 12345;
    uint8_t *d = malloc(n);
    assert_non_null(d);
    uint64_t rng = 11;
    for (size_t i = 0; i < n; i += 64) { /* machine-code-like: words from a small set */
        uint64_t r;
        tu_random_bytes(&rng, &r, sizeof r);
        for (size_t k = 0; k < 64 && i + k < n; k++)
            d[i + k] = "mov rax, [rbp-8]; call 0x401000; ret; push rbx; xor eax, eax"
                [(r >> (k % 8)) % 58 + k % 3];
    }
    static const prts_preset presets[] = {PRTS_PRESET_FAST, PRTS_PRESET_DEFAULT,
                                          PRTS_PRESET_SMALL, PRTS_PRESET_SMALL_LIBPIXELRTS};
    size_t sizes[4];
    for (int i = 0; i < 4; i++) {
        prts_encoder *enc = prts_encoder_new();
        int rc = prts_encoder_set_preset(enc, presets[i]);
        if (rc == PRTS_E_UNSUPPORTED) { /* built without libzstd */
            sizes[i] = sizes[i - 1] - 1;
            prts_encoder_free(enc);
            continue;
        }
        assert_int_equal(rc, PRTS_OK);
        tu_buf png = {0}, back = {0};
        assert_int_equal(tu_encode_mem(enc, d, n, 0, &png), PRTS_OK);
        char *meta = prts_encoder_metadata_json(enc);
        assert_non_null(meta);
        assert_true((strstr(meta, "\"zstd\"") != NULL) == (presets[i] == PRTS_PRESET_SMALL_LIBPIXELRTS));
        assert_true((strstr(meta, "\"zlib\"") != NULL) == (presets[i] == PRTS_PRESET_SMALL));
        prts_free(meta);
        prts_decoder *dec = prts_decoder_new();
        assert_int_equal(tu_decode_mem(dec, png.data, png.len, 65536, true, 1 << 20, true, &back),
                         PRTS_OK);
        tu_assert_bytes_equal_(back.data, back.len, d, n, __FILE__, __LINE__);
        pngcheck_ok(png.data, png.len);
        sizes[i] = png.len;
        prts_decoder_free(dec);
        prts_encoder_free(enc);
        tu_buf_free(&png);
        tu_buf_free(&back);
    }
    for (int i = 1; i < 4; i++)
        if (sizes[i] >= sizes[i - 1])
            fail_msg("preset %d: %zu bytes, not below preset %d's %zu", (int)presets[i],
                     sizes[i], (int)presets[i - 1], sizes[i - 1]);
    /* fast stores the payload but not the padding (grid 1024: 4 MiB of pixels) */
    if (sizes[0] > n + n / 20)
        fail_msg("fast: %zu bytes for a %zu-byte payload", sizes[0], n);
    free(d);
}

/* A small payload in a big grid: most segments are all zeros, compressed
 * once and copied.  Same bytes on 1, 2 and 3 threads (on one thread every
 * copy follows the compressed original; on more, several may compress it at
 * once); valid Adler-32s, index and stream (two decodes, libspng, pngcheck). */
static void t_zero_segments(void **state)
{
    (void)state;
    size_t n = 300000;
    uint8_t *d = mixed_payload(n, 5);
    static const int64_t levels[] = {0, PRTS_LEVEL_ADAPTIVE(1), 1, PRTS_LEVEL_ADAPTIVE(9)};
    for (size_t l = 0; l < sizeof levels / sizeof *levels; l++) {
        tu_buf ref = {0};
        for (int64_t t = 1; t <= 3; t++) {
            prts_encoder *enc = encoder(levels[l], PRTS_FILTER_NONE, t);
            /* grid 2048: 16 MiB of pixels, 16 segments, 15 of them zeros */
            assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, 2048), PRTS_OK);
            tu_buf png = {0}, back = {0}, seq = {0};
            assert_int_equal(tu_encode_mem(enc, d, n, 0, &png), PRTS_OK);
            if (t == 1) {
                tu_buf_append(&ref, png.data, png.len);
                pngcheck_ok(png.data, png.len);
                /* the padding costs next to nothing at any level */
                if (png.len > n + n / 20 + 100000)
                    fail_msg("level %lld: %zu bytes for %zu bytes in 16 MiB of pixels",
                             (long long)levels[l], png.len, n);
            } else {
                tu_assert_bytes_equal_(png.data, png.len, ref.data, ref.len, __FILE__, __LINE__);
            }
            prts_decoder *dec = prts_decoder_new();
            assert_int_equal(tu_decode_mem(dec, png.data, png.len, 65536, true, 1 << 20, true,
                                           &back), PRTS_OK); /* indexed, threads */
            tu_assert_bytes_equal_(back.data, back.len, d, n, __FILE__, __LINE__);
            assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_THREADS, 1), PRTS_OK);
            assert_int_equal(tu_decode_mem(dec, png.data, png.len, 4096, true, 1 << 16, false,
                                           &seq), PRTS_OK);
            tu_assert_bytes_equal_(seq.data, seq.len, d, n, __FILE__, __LINE__);
            uint32_t w, h;
            uint8_t *rgba = NULL;
            assert_int_equal(tu_png_rgba(png.data, png.len, &w, &h, &rgba), 0); /* libspng */
            assert_int_equal(w, 2048);
            free(rgba);
            prts_decoder_free(dec);
            prts_encoder_free(enc);
            tu_buf_free(&png);
            tu_buf_free(&back);
            tu_buf_free(&seq);
        }
        tu_buf_free(&ref);
    }
    free(d);
}


typedef struct fixture {
    char *dir, *in, *png, *out;
    uint8_t *data;
    size_t len;
} fixture;

static void fixture_make(fixture *f, size_t len, int64_t level, int64_t threads)
{
    f->dir = tu_mkdtemp();
    f->in = tu_path(f->dir, "in.bin");
    f->png = tu_path(f->dir, "in.rts.png");
    f->out = tu_path(f->dir, "out.bin");
    f->len = len;
    f->data = mixed_payload(len, len);
    tu_write_file(f->in, f->data, len);
    prts_encoder *enc = encoder(level, PRTS_FILTER_NONE, threads);
    assert_int_equal(prts_encoder_encode_file(enc, f->in, f->png), PRTS_OK);
    prts_encoder_free(enc);
}

static void fixture_free(fixture *f)
{
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->in);
    free(f->png);
    free(f->out);
    free(f->data);
}

static void decode_with_threads(const fixture *f, int64_t threads)
{
    prts_decoder *dec = prts_decoder_new();
    prts_decoder_set_option(dec, PRTS_OPT_THREADS, threads);
    prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, 1);
    int rc = prts_decoder_decode_file(dec, f->png, f->out);
    if (rc)
        fail_msg("decode (%lld threads): %s", (long long)threads, prts_decoder_last_error(dec));
    size_t n;
    uint8_t *back = tu_read_file(f->out, &n);
    tu_assert_bytes_equal_(back, n, f->data, f->len, __FILE__, __LINE__);
    free(back);
    unlink(f->out);
    prts_decoder_free(dec);
}

/* Through the index on 1, 2 and 3 threads; and with the index chunk cut out
 * (a reader that never saw it), sequentially. */
static void t_indexed_decode(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, (5u << 20) + 3, PRTS_LEVEL_ADAPTIVE(1), 0);
    for (int t = 1; t <= 3; t++)
        decode_with_threads(&f, t);
    size_t n;
    uint8_t *png = tu_read_file(f.png, &n);
    long at = tu_png_find_chunk(png, n, "prIX", 0);
    assert_true(at > 0);
    uint32_t clen = (uint32_t)png[at] << 24 | png[at + 1] << 16 | png[at + 2] << 8 | png[at + 3];
    memmove(png + at, png + at + 12 + clen, n - (size_t)at - 12 - clen);
    tu_write_file(f.png, png, n - 12 - clen);
    decode_with_threads(&f, 2);
    free(png);
    fixture_free(&f);
}

static void check_range(const char *png, const uint8_t *data, uint64_t off, size_t len)
{
    prts_decoder *dec = prts_decoder_new();
    uint8_t *buf = malloc(len ? len : 1);
    int rc = prts_decoder_decode_range(dec, png, off, buf, len);
    if (rc)
        fail_msg("range %llu+%zu: %s", (unsigned long long)off, len, prts_decoder_last_error(dec));
    tu_assert_bytes_equal_(buf, len, data + off, len, __FILE__, __LINE__);
    free(buf);
    prts_decoder_free(dec);
}

static void t_ranges(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, (3u << 20) + 123, PRTS_LEVEL_ADAPTIVE(1), 0);
    uint64_t rng = 11;
    check_range(f.png, f.data, 0, f.len);
    check_range(f.png, f.data, 0, 1);
    check_range(f.png, f.data, f.len - 1, 1);
    check_range(f.png, f.data, f.len, 0);
    for (int i = 0; i < 40; i++) {
        size_t len = 1 + tu_rand_next(&rng) % (i < 20 ? 5000 : 1u << 20);
        uint64_t off = tu_rand_next(&rng) % (f.len - len + 1);
        check_range(f.png, f.data, off, len);
    }
    /* errors */
    prts_decoder *dec = prts_decoder_new();
    uint8_t b[8];
    assert_int_equal(prts_decoder_decode_range(dec, f.png, f.len - 4, b, 8), PRTS_E_INVALID_ARG);
    assert_int_equal(prts_decoder_decode_range(dec, f.png, UINT64_MAX, b, 1), PRTS_E_INVALID_ARG);
    char *missing = tu_path(f.dir, "missing.png");
    assert_int_equal(prts_decoder_decode_range(dec, missing, 0, b, 1), PRTS_E_FILE_NOT_FOUND);
    free(missing);
    char *cpng = tu_vector_path("compressed-text.rts.png");
    assert_int_equal(prts_decoder_decode_range(dec, cpng, 0, b, 1), PRTS_E_UNSUPPORTED);
    free(cpng);
    prts_decoder_free(dec);
    fixture_free(&f);
}

/* The original's files have no index: ranges read the rows in order. */
static void t_ranges_without_index(void **state)
{
    (void)state;
    char *png = tu_vector_path("std-100000-random.rts.png");
    char *bin = tu_vector_path("std-100000-random.bin");
    size_t n;
    uint8_t *data = tu_read_file(bin, &n);
    uint64_t rng = 5;
    for (int i = 0; i < 20; i++) {
        size_t len = 1 + tu_rand_next(&rng) % 20000;
        uint64_t off = tu_rand_next(&rng) % (n - len + 1);
        check_range(png, data, off, len);
    }
    free(data);
    free(png);
    free(bin);
}

/* Damage in the middle of a file: a clear error naming the rows; no output. */
static void t_corrupt_middle(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, 6u << 20, 1, 0);
    size_t n;
    uint8_t *png = tu_read_file(f.png, &n);
    long at = tu_png_find_chunk(png, n, "IDAT", 3);
    assert_true(at > 0);
    for (int pass = 0; pass < 2; pass++) {
        uint8_t *copy = malloc(n);
        memcpy(copy, png, n);
        copy[at + 8 + 100] ^= 0x5a; /* deflate data of the 4th segment */
        if (pass == 1)
            tu_png_fix_crc(copy, at);
        tu_write_file(f.png, copy, n);
        prts_decoder *dec = prts_decoder_new();
        int rc = prts_decoder_decode_file(dec, f.png, f.out);
        assert_int_equal(rc, pass == 0 ? PRTS_E_CRC : PRTS_E_PNG);
        const char *msg = prts_decoder_last_error(dec);
        if (!strstr(msg, "rows "))
            fail_msg("the error does not name the rows: %s", msg);
        assert_false(tu_file_exists(f.out));
        assert_int_equal(tu_dir_count(f.dir), 3); /* in.bin, in.rts.png, its sidecar */
        prts_decoder_free(dec);
        free(copy);
    }
    free(png);
    fixture_free(&f);
}

typedef struct failing_sink {
    size_t left;
} failing_sink;

static int fail_after(void *user, const void *buf, size_t len)
{
    (void)buf;
    failing_sink *s = user;
    if (len > s->left)
        return -1;
    s->left -= len;
    return 0;
}

/* A budget below the payload stages pushes and pulls in temporary files,
 * which never outlive the call, also when the encode fails midway. */
static void t_budget_temp_files(void **state)
{
    (void)state;
    char *tmp = tu_mkdtemp();
    setenv("TMPDIR", tmp, 1);
    size_t n = (2u << 20) + 77;
    uint8_t *d = mixed_payload(n, 99);
    prts_encoder *enc = encoder(PRTS_LEVEL_ADAPTIVE(1), 0, 2);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MEMORY_BUDGET, 64 * 1024), PRTS_OK);
    tu_buf png = {0}, back = {0};
    assert_int_equal(tu_encode_mem(enc, d, n, 4096, &png), PRTS_OK);
    assert_int_equal(tu_dir_count(tmp), 0);
    prts_encoder_reset(enc);
    failing_sink sink = {png.len / 2};
    assert_int_equal(prts_encoder_push(enc, d, n), PRTS_OK);
    assert_int_equal(prts_encoder_finish(enc, fail_after, &sink), PRTS_E_CALLBACK);
    assert_int_equal(tu_dir_count(tmp), 0);

    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_MEMORY_BUDGET, 4096), PRTS_OK);
    assert_int_equal(tu_decode_mem(dec, png.data, png.len, 1000, true, 7, true, &back), PRTS_OK);
    tu_assert_bytes_equal_(back.data, back.len, d, n, __FILE__, __LINE__);
    prts_decoder_free(dec);
    assert_int_equal(tu_dir_count(tmp), 0);
    unsetenv("TMPDIR");
    prts_encoder_free(enc);
    tu_buf_free(&png);
    tu_buf_free(&back);
    free(d);
    tu_rmtree(tmp);
    free(tmp);
}

/* Payload offsets past 4 GiB: a sparse 5 GiB payload, mapped (nothing is
 * written to disk); the strip holding bytes near its end is transformed and
 * gathered back through the range code. */
static void t_offsets_above_4g(void **state)
{
    (void)state;
    const uint64_t size = 5ull << 30, mark_at = size - (1u << 20) - 12345;
    char *dir = tu_mkdtemp(), *path = tu_path(dir, "sparse.bin");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    uint8_t mark[6000];
    uint64_t rng = 42;
    tu_random_bytes(&rng, mark, sizeof mark);
    assert_int_equal(pwrite(fd, mark, sizeof mark, (off_t)mark_at), (ssize_t)sizeof mark);
    const uint8_t *payload = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    assert_true(payload != MAP_FAILED);

    uint32_t g = prts_grid_size_for(size), first, last;
    assert_int_equal(g, 65536);
    prts__range_rows(g, mark_at, mark_at + sizeof mark, &first, &last);
    assert_true(first <= last && last < g);
    prts__backend b;
    prts__err e;
    assert_int_equal(prts__backend_open("scalar", &b, &e), PRTS_OK);
    prts__pass pass;
    assert_int_equal(prts__pass_init(&pass, NULL, &b, g, size, 0, &e), PRTS_OK);
    uint8_t got[sizeof mark];
    memset(got, 0xee, sizeof got);
    prts__tile *tiles = malloc(sizeof *tiles * pass.lay.tiles);
    for (uint32_t s = first / pass.lay.tile; s <= last / pass.lay.tile; s += pass.band.nstrips) {
        uint32_t rows = prts__pass_plan(&pass, s);
        assert_int_equal(prts__pass_encode(&pass, payload, &e), PRTS_OK);
        for (uint32_t k = 0; k < rows / pass.lay.tile; k++)
            prts__range_gather(&pass.lay, s + k, tiles,
                               pass.band.rows + (size_t)k * pass.lay.tile * pass.band.stride,
                               pass.band.stride, mark_at, mark_at + sizeof mark, got);
    }
    tu_assert_bytes_equal_(got, sizeof got, mark, sizeof mark, __FILE__, __LINE__);
    /* and one pixel by the classic curve */
    uint32_t x, y;
    prts__d2xy(g, mark_at / 4 + 1, &x, &y);
    assert_int_equal(prts__xy2d(g, x, y), mark_at / 4 + 1);
    free(tiles);
    prts__pass_free(&pass);
    prts__backend_close(&b);
    munmap((void *)payload, size);
    close(fd);
    tu_rmtree(dir);
    free(dir);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_threads_identical),
        cmocka_unit_test(t_piece_independent_of_state_address),
        cmocka_unit_test(t_adaptive_sizes),
        cmocka_unit_test(t_level0_zero_runs),
        cmocka_unit_test(t_presets),
        cmocka_unit_test(t_preset_sizes),
        cmocka_unit_test(t_zero_segments),
        cmocka_unit_test(t_indexed_decode),
        cmocka_unit_test(t_ranges),
        cmocka_unit_test(t_ranges_without_index),
        cmocka_unit_test(t_corrupt_middle),
        cmocka_unit_test(t_budget_temp_files),
        cmocka_unit_test(t_offsets_above_4g),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
