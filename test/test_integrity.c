/* test_integrity.c: no path returns wrong bytes with success (issue 15).
 *
 * Every file here passes its chunk CRCs: the damage or the lie is inside, in
 * the zlib stream, the segment index, the metadata or its sidecar, where only
 * the library's own checks can notice it.  Each case is tried through every
 * reader it reaches: the indexed file path, the sequential file path (the
 * same file without its index chunk) and open/pull. */
#include "test_util.h"

#include "png/filter.h"
#include "png/segments_index.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* ---- fixtures ------------------------------------------------------------------------ */

typedef tu_fx fx;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t *random_payload(size_t n, uint64_t seed)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    tu_random_bytes(&seed, d, n);
    return d;
}

/* `data` as a PixelRTS PNG in memory, its image deflated at `level` with `filter`. */
static void encode(const uint8_t *data, size_t n, int64_t level, int64_t filter, tu_buf *png)
{
    prts_encoder *enc = prts_encoder_new();
    assert_non_null(enc);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_PNG_LEVEL, level), PRTS_OK);
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_FILTER, filter), PRTS_OK);
    assert_int_equal(tu_encode_mem(enc, data, n, 0, png), PRTS_OK);
    prts_encoder_free(enc);
}

static void remove_index(tu_buf *png)
{
    long at = tu_png_find_chunk(png->data, png->len, "prIX", 0);
    assert_true(at > 0);
    tu_png_remove_chunk(png, (size_t)at);
}

/* ---- decoding, expecting success or one status --------------------------------------- */

static prts_decoder *decoder(int64_t verify)
{
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, verify), PRTS_OK);
    return dec;
}

static void check_outcome(const char *how, int rc, int want, const char *msg, const char *needle)
{
    if (rc != want)
        fail_msg("%s: expected %d (%s), got %d (%s): \"%s\"", how, want, prts_strerror(want), rc,
                 prts_strerror(rc), msg);
    if (needle && !strstr(msg, needle))
        fail_msg("%s: the message does not say \"%s\": \"%s\"", how, needle, msg);
}

/* prts_decoder_decode_file of `png` (written to dir/in.rts.png); on success the output must be
 * `want_data`, on failure nothing may be left.  `needle`: a phrase the error must hold. */
static void expect_file(const char *dir, const tu_buf *png, int64_t verify, int want,
                        const char *needle, const uint8_t *want_data, size_t want_len)
{
    char *in = tu_path(dir, "in.rts.png"), *out = tu_path(dir, "out.bin");
    tu_write_file(in, png->data, png->len);
    unlink(out);
    prts_decoder *dec = decoder(verify);
    int rc = prts_decoder_decode_file(dec, in, out);
    const char *msg = prts_decoder_last_error(dec);
    check_outcome("decode_file", rc, want, msg, needle);
    if (rc == PRTS_OK) {
        size_t n;
        uint8_t *back = tu_read_file(out, &n);
        tu_assert_bytes_equal(back, n, want_data, want_len);
        free(back);
    } else {
        if (!strstr(msg, "in.rts.png"))
            fail_msg("decode_file: the message does not name the file: \"%s\"", msg);
        assert_false(tu_file_exists(out));
    }
    prts_decoder_free(dec);
    free(in);
    free(out);
}

/* open + pull of `png` (short reads and pulls, then one big read). */
static void expect_stream(const tu_buf *png, int64_t verify, int want, const char *needle,
                          const uint8_t *want_data, size_t want_len)
{
    for (int pass = 0; pass < 2; pass++) {
        prts_decoder *dec = decoder(verify);
        tu_buf out = {0};
        int rc = pass ? tu_decode_mem(dec, png->data, png->len, 0, false, 1 << 20, false, &out)
                      : tu_decode_mem(dec, png->data, png->len, 4099, true, 777, true, &out);
        check_outcome(pass ? "open/pull" : "open/pull (short reads)", rc, want,
                      prts_decoder_last_error(dec), needle);
        if (rc == PRTS_OK)
            tu_assert_bytes_equal(out.data, out.len, want_data, want_len);
        else
            assert_int_equal(out.len, 0);
        tu_buf_free(&out);
        prts_decoder_free(dec);
    }
}

static void expect_all(const char *dir, const tu_buf *png, int64_t verify, int want,
                       const char *needle, const uint8_t *data, size_t len)
{
    expect_file(dir, png, verify, want, needle, data, len);
    expect_stream(png, verify, want, needle, data, len);
}

/* ---- 4. the zlib stream's Adler-32 ----------------------------------------------------- */

/* Flip one byte inside the largest stored deflate block before the padding (a byte of
 * the rows: the stream stays well-formed, only its Adler-32 can tell) and fix the CRC
 * of the IDAT chunk holding it. */
static void flip_stored_byte(tu_buf *png)
{
    /* the IDAT data as one stream, and where each piece of it lies in the file */
    tu_buf z = {0};
    size_t starts[4096], at_file[4096];
    int pieces = 0;
    for (int i = 0;; i++) {
        long at = tu_png_find_chunk(png->data, png->len, "IDAT", i);
        if (at < 0)
            break;
        assert_true(pieces < 4096);
        starts[pieces] = z.len;
        at_file[pieces++] = (size_t)at + 8;
        tu_buf_append(&z, png->data + at + 8, be32(png->data + at));
    }
    assert_true(pieces > 0);
    size_t best = 0, best_len = 0;
    /* after the zlib header: the stored blocks of the rows, up to the first
     * block that is not stored (level 0 deflates runs of zeros: the padding) */
    for (size_t p = 2; p + 4 < z.len;) {
        uint8_t head = z.data[p];
        if ((head >> 1 & 3) != 0) {
            if (best_len == 0)
                fail_msg("the image data starts unstored (block type %d at %zu)", head >> 1 & 3,
                         p);
            break;
        }
        size_t len = (size_t)z.data[p + 1] | (size_t)z.data[p + 2] << 8;
        if (len > best_len)
            best = p + 5, best_len = len;
        p += 5 + len;
        if (head & 1)
            break; /* final block */
    }
    assert_true(best_len > 16);
    size_t pos = best + best_len / 2;
    int k = pieces - 1;
    while (starts[k] > pos)
        k--;
    size_t file_pos = at_file[k] + (pos - starts[k]);
    png->data[file_pos] ^= 0x01;
    tu_png_fix_crc(png->data, (long)at_file[k] - 8);
    tu_buf_free(&z);
}

/* Move the last `n` bytes of the last IDAT chunk into an IDAT chunk of their own. */
static void split_last_idat(tu_buf *png, uint32_t n)
{
    long last = -1;
    for (int i = 0; tu_png_find_chunk(png->data, png->len, "IDAT", i) >= 0; i++)
        last = tu_png_find_chunk(png->data, png->len, "IDAT", i);
    assert_true(last > 0);
    uint32_t len = be32(png->data + last);
    assert_true(len > n);
    uint8_t tail[16];
    memcpy(tail, png->data + last + 8 + len - n, n);
    /* shorten the chunk: length, then the CRC where the data now ends */
    uint32_t shorter = len - n;
    uint8_t *p = png->data + last;
    p[0] = (uint8_t)(shorter >> 24), p[1] = (uint8_t)(shorter >> 16);
    p[2] = (uint8_t)(shorter >> 8), p[3] = (uint8_t)shorter;
    memmove(p + 8 + shorter + 4, p + 8 + len + 4, png->len - ((size_t)last + 12 + len));
    png->len -= n;
    tu_png_fix_crc(png->data, last);
    tu_png_insert_chunk(png, (size_t)last + 12 + shorter, "IDAT", tail, n);
}

/* The sequential reader's Adler-32 rests on filtering libspng's rows again exactly as
 * they were filtered: every type, row lengths around the vector width, undone by the
 * unfilter the indexed reader uses. */
static void t_filter_round_trip(void **state)
{
    (void)state;
    uint64_t rng = 16;
    uint8_t prev[300], cur[300], row[301], zeros[300] = {0};
    for (size_t len = 4; len <= sizeof cur; len += len < 48 ? 4 : 36) {
        for (int type = 0; type <= 4; type++) {
            for (int first = 0; first <= 1; first++) {
                tu_random_bytes(&rng, prev, len);
                tu_random_bytes(&rng, cur, len);
                if (rng & 1) /* runs of equal bytes take Paeth's other branches */
                    memset(cur + len / 3, cur[0], len / 3);
                const uint8_t *up = first ? zeros : prev;
                prts__filter_row_as(row + 1, cur, up, len, type);
                row[0] = (uint8_t)type;
                assert_int_equal(prts__unfilter_row(row, first ? NULL : prev, len), 0);
                tu_assert_bytes_equal(row + 1, len, cur, len);
            }
        }
    }
}

/* A byte of the rows changed, every CRC valid: refused by every reader, hash
 * verification off (only the zlib stream's own check can tell). */
static void t_adler_damaged_rows(void **state)
{
    fx *f = *state;
    size_t n = 300000;
    uint8_t *data = random_payload(n, 4);
    for (int filter = 0; filter <= 1; filter++) {
        tu_buf png = {0};
        encode(data, n, 0, filter, &png);
        flip_stored_byte(&png);
        expect_all(f->dir, &png, PRTS_VERIFY_OFF, PRTS_E_PNG, "Adler-32", data, n); /* indexed */
        remove_index(&png); /* as any PNG tool that rewrites the file leaves it */
        expect_all(f->dir, &png, PRTS_VERIFY_OFF, PRTS_E_PNG, "Adler-32", data, n);
        tu_buf_free(&png);
    }
    free(data);
}

/* The stream's last 4 bytes in an IDAT chunk of their own (as some writers do): libspng
 * alone checks the Adler-32 only when it arrives with the last row; ours always does,
 * and an intact file still decodes. */
static void t_adler_trailer_apart(void **state)
{
    fx *f = *state;
    size_t n = 100000;
    uint8_t *data = random_payload(n, 5);
    for (int damaged = 0; damaged <= 1; damaged++) {
        tu_buf png = {0};
        encode(data, n, 0, PRTS_FILTER_NONE, &png);
        remove_index(&png);
        if (damaged)
            flip_stored_byte(&png);
        split_last_idat(&png, 4);
        int want = damaged ? PRTS_E_PNG : PRTS_OK;
        expect_all(f->dir, &png, PRTS_VERIFY_OFF, want, damaged ? "Adler-32" : NULL, data, n);
        tu_buf_free(&png);
    }
    free(data);
}

/* ---- 6. the segment index tells the same story as the chunks ---------------------------- */

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* Offsets of the IDAT chunks of `png` from `first` on, and how many. */
static int idat_chunks(const tu_buf *png, long *at, int max)
{
    int n = 0;
    while (n < max && (at[n] = tu_png_find_chunk(png->data, png->len, "IDAT", n)) >= 0)
        n++;
    return n;
}

/* Shift every file offset the index records by `by` bytes (fixing its CRC). */
static void shift_index(tu_buf *png, int64_t by)
{
    long at = tu_png_find_chunk(png->data, png->len, "prIX", 0);
    assert_true(at > 0);
    uint8_t *d = png->data + at + 8;
    uint32_t count = be32(d + 4);
    put64(d + 12, be64(d + 12) + (uint64_t)by);
    for (uint32_t i = 0; i < count; i++)
        put64(d + 20 + 16 * i, be64(d + 20 + 16 * i) + (uint64_t)by);
    tu_png_fix_crc(png->data, at);
}

/* Image X's whole IDAT stream, then image Y's, with Y's metadata and an index that
 * points at Y's: the indexed reader read Y while every other reader reads X.  Now no
 * reader yields Y: the index is not used (its first segment is not the first IDAT),
 * and the sequential reader refuses the file, hash verification on or off, since X's
 * zlib stream is followed by Y's (the last 4 bytes are not X's Adler-32). */
static void t_index_other_image(void **state)
{
    fx *f = *state;
    size_t n = 150000;
    uint8_t *x = random_payload(n, 6), *y = random_payload(n, 7);
    tu_buf px = {0}, py = {0};
    encode(x, n, PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, &px);
    encode(y, n, PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, &py);
    long xi[64], yi[64];
    int nx = idat_chunks(&px, xi, 64), ny = idat_chunks(&py, yi, 64);
    assert_true(nx > 0 && nx < 64 && ny > 0 && ny < 64);
    size_t x_len = (size_t)(xi[nx - 1] + 12 + be32(px.data + xi[nx - 1])) - (size_t)xi[0];

    /* X's IDATs before Y's */
    tu_buf png = {0};
    tu_buf_append(&png, py.data, (size_t)yi[0]);
    tu_buf_append(&png, px.data + xi[0], x_len);
    tu_buf_append(&png, py.data + yi[0], py.len - (size_t)yi[0]);
    shift_index(&png, (int64_t)x_len);
    expect_all(f->dir, &png, PRTS_VERIFY_OFF, PRTS_E_PNG, "Adler-32", y, n);
    expect_all(f->dir, &png, PRTS_VERIFY_REQUIRED, PRTS_E_PNG, "Adler-32", y, n);
    /* and a byte range never comes from Y either */
    char *in = tu_path(f->dir, "in.rts.png");
    tu_write_file(in, png.data, png.len);
    prts_decoder *dec = decoder(PRTS_VERIFY_OFF);
    uint8_t buf[64];
    int rc = prts_decoder_decode_range(dec, in, 1000, buf, sizeof buf);
    if (rc == PRTS_OK && memcmp(buf, y + 1000, sizeof buf) == 0)
        fail_msg("decode_range returned image Y's bytes");
    prts_decoder_free(dec);
    tu_buf_free(&png);

    /* Y's IDATs, then X's after them (before the index): the index covers Y's alone */
    png = (tu_buf){0};
    long ypix = tu_png_find_chunk(py.data, py.len, "prIX", 0);
    tu_buf_append(&png, py.data, (size_t)ypix);
    tu_buf_append(&png, px.data + xi[0], x_len);
    tu_buf_append(&png, py.data + ypix, py.len - (size_t)ypix);
    expect_all(f->dir, &png, PRTS_VERIFY_OFF, PRTS_E_PNG, "Adler-32", y, n);

    free(in);
    tu_buf_free(&png);
    tu_buf_free(&px);
    tu_buf_free(&py);
    free(x);
    free(y);
}

/* Only the index's own checksum of a segment is wrong: the rows are intact, as the
 * zlib stream's Adler-32 proves, so every reader decodes the file (extract used to
 * fail where verify passed), byte ranges included. */
static void t_index_checksum_only(void **state)
{
    fx *f = *state;
    size_t n = 3u << 20;
    uint8_t *data = random_payload(n, 8);
    tu_buf png = {0};
    encode(data, n, PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, &png);
    long at = tu_png_find_chunk(png.data, png.len, "prIX", 0);
    uint8_t *d = png.data + at + 8;
    assert_true(be32(d + 4) >= 3);
    d[20 + 16 * 1 + 12] ^= 0x40; /* segment 1's Adler-32 */
    tu_png_fix_crc(png.data, at);
    expect_all(f->dir, &png, PRTS_VERIFY_OFF, PRTS_OK, NULL, data, n);
    char *in = tu_path(f->dir, "in.rts.png");
    tu_write_file(in, png.data, png.len);
    size_t len = 1u << 20;
    uint8_t *buf = malloc(len);
    for (uint64_t off = 0; off < n; off += len / 2) {
        size_t take = n - off < len ? n - off : len;
        prts_decoder *dec = decoder(PRTS_VERIFY_OFF);
        int rc = prts_decoder_decode_range(dec, in, off, buf, take);
        check_outcome("decode_range", rc, PRTS_OK, prts_decoder_last_error(dec), NULL);
        tu_assert_bytes_equal(buf, take, data + off, take);
        prts_decoder_free(dec);
    }
    /* the same file with one row really damaged (a stored byte, so that it still
     * inflates): the stream's Adler-32 refuses it */
    tu_buf bad = {0};
    encode(data, n, 0, PRTS_FILTER_NONE, &bad);
    flip_stored_byte(&bad);
    expect_all(f->dir, &bad, PRTS_VERIFY_OFF, PRTS_E_PNG, "Adler-32", data, n);
    tu_write_file(in, bad.data, bad.len);
    int refused = 0;
    for (uint64_t off = 0; off < n; off += len / 2) {
        size_t take = n - off < len ? n - off : len;
        prts_decoder *dec = decoder(PRTS_VERIFY_OFF);
        int rc = prts_decoder_decode_range(dec, in, off, buf, take);
        if (rc == PRTS_OK && memcmp(buf, data + off, take) != 0)
            fail_msg("decode_range at %llu returned damaged bytes with success",
                     (unsigned long long)off);
        refused += rc != PRTS_OK;
        prts_decoder_free(dec);
    }
    assert_true(refused > 0);
    tu_buf_free(&bad);
    free(buf);
    free(in);
    tu_buf_free(&png);
    free(data);
}

/* The image data of `png` deflated again as one segment per entry of its index, with
 * `flush` between segments (Z_FULL_FLUSH: each stands alone, as our encoder writes them;
 * Z_SYNC_FLUSH: each may refer back into the one before), and, with `up`, segment 1's
 * first row filtered Up (same pixels: the row before it is subtracted first); with
 * `unended`, segment 0 loses the 4 length bytes of the flush's empty stored block, so
 * that it ends on the head of a block the next segment does not continue.  The
 * index's offsets and Adler-32s and every CRC are rewritten to match: a sound PNG
 * whose index names segments that do not all stand alone. */
static void resegment(tu_buf *png, int flush, int up, int unended)
{
    long ihdr = tu_png_find_chunk(png->data, png->len, "IHDR", 0);
    uint32_t side = be32(png->data + ihdr + 8);
    size_t rowb = 1 + 4 * (size_t)side, raw_len = rowb * side;
    long idat[256];
    int nidat = idat_chunks(png, idat, 256);
    assert_true(nidat > 0 && nidat < 256);
    tu_buf z = {0};
    for (int i = 0; i < nidat; i++)
        tu_buf_append(&z, png->data + idat[i] + 8, be32(png->data + idat[i]));
    uint8_t *raw = malloc(raw_len);
    uLongf got = raw_len;
    assert_int_equal(uncompress(raw, &got, z.data, z.len), Z_OK);
    assert_int_equal(got, raw_len);

    long ix = tu_png_find_chunk(png->data, png->len, "prIX", 0);
    uint32_t ix_len = be32(png->data + ix);
    uint8_t *d = malloc(ix_len);
    memcpy(d, png->data + ix + 8, ix_len);
    uint32_t count = be32(d + 4);
    assert_true(count >= 2);
    if (up) {
        uint8_t *row = raw + be32(d + 20 + 16 + 8) * rowb, *prev = row - rowb;
        assert_int_equal(row[0], 0);
        assert_int_equal(prev[0], 0);
        for (size_t i = 1; i < rowb; i++)
            row[i] = (uint8_t)(row[i] - prev[i]);
        row[0] = 2;
    }
    tu_buf out = {0};
    tu_buf_append(&out, png->data, (size_t)idat[0]);
    z_stream zs = {0};
    assert_int_equal(deflateInit(&zs, 6), Z_OK);
    size_t cap = compressBound(raw_len) + 64;
    uint8_t *seg = malloc(cap);
    for (uint32_t k = 0; k < count; k++) {
        size_t first = be32(d + 20 + 16 * k + 8) * rowb;
        size_t end = k + 1 < count ? be32(d + 20 + 16 * (k + 1) + 8) * rowb : raw_len;
        zs.next_in = raw + first;
        zs.avail_in = (uInt)(end - first);
        zs.next_out = seg;
        zs.avail_out = (uInt)cap;
        assert_int_equal(deflate(&zs, k + 1 < count ? flush : Z_FINISH),
                         k + 1 < count ? Z_OK : Z_STREAM_END);
        size_t n = cap - zs.avail_out;
        if (unended && k == 0) {
            assert_memory_equal(seg + n - 4, "\0\0\xff\xff", 4);
            n -= 4;
        }
        put64(d + 20 + 16 * k, out.len);
        uint8_t be[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
        uint32_t adler = (uint32_t)adler32(1, raw + first, (uInt)(end - first));
        for (int i = 0; i < 4; i++)
            d[20 + 16 * k + 12 + i] = (uint8_t)(adler >> (24 - 8 * i));
        tu_buf_append(&out, be, 4);
        tu_buf_append(&out, "IDAT", 4);
        tu_buf_append(&out, seg, n);
        tu_buf_append(&out, "CRC!", 4);
        tu_png_fix_crc(out.data, (long)(out.len - n - 12));
    }
    deflateEnd(&zs);
    put64(d + 12, out.len);
    size_t at = out.len;
    tu_buf_append(&out, png->data + ix, 8);
    tu_buf_append(&out, d, ix_len);
    tu_buf_append(&out, "CRC!", 4);
    tu_png_fix_crc(out.data, (long)at);
    tu_buf_append(&out, png->data + ix + 12 + ix_len, png->len - (size_t)(ix + 12 + ix_len));
    tu_buf_free(png);
    *png = out;
    free(seg);
    free(d);
    free(raw);
    tu_buf_free(&z);
}

/* A payload deflate compresses by referring back, of a size either side (`big`) of the
 * 4 MiB that sends a decoded file through the in-place mirror. */
static uint8_t *compressible_payload(int big, size_t *n)
{
    *n = big ? 6u << 20 : 3u << 20;
    uint8_t *data = malloc(*n);
    assert_non_null(data);
    for (size_t i = 0; i < *n; i++)
        data[i] = (uint8_t)(i % 251 * 7 + i / 4093);
    return data;
}

/* The index is a shortcut beside the PNG: a sound PNG whose index names segments that
 * do not stand alone (found by fuzzing: a segment's first row filtered Up, a segment's
 * deflate data referring back into the one before) decodes the same through every API,
 * as libspng and any PNG reader decode it, verified or not, small or big (the big output
 * is decoded in place with its hash beside: both start again), byte ranges too.  Before,
 * the file API refused what the stream API decoded. */
static void t_index_segments_not_alone(void **state)
{
    fx *f = *state;
    for (int big = 0; big < 2; big++) {
        size_t n;
        uint8_t *data = compressible_payload(big, &n);
        for (int up = 0; up < 2; up++) {
            tu_buf png = {0};
            encode(data, n, PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, &png);
            resegment(&png, up ? Z_FULL_FLUSH : Z_SYNC_FLUSH, up, 0);
            expect_all(f->dir, &png, PRTS_VERIFY_OFF, PRTS_OK, NULL, data, n);
            expect_all(f->dir, &png, PRTS_VERIFY_REQUIRED, PRTS_OK, NULL, data, n);
            char *in = tu_path(f->dir, "in.rts.png");
            tu_write_file(in, png.data, png.len);
            uint8_t buf[4096];
            for (uint64_t off = 0; off + sizeof buf <= n; off += n / 7) {
                prts_decoder *dec = decoder(PRTS_VERIFY_OFF);
                int rc = prts_decoder_decode_range(dec, in, off, buf, sizeof buf);
                check_outcome("decode_range", rc, PRTS_OK, prts_decoder_last_error(dec), NULL);
                tu_assert_bytes_equal(buf, sizeof buf, data + off, sizeof buf);
                prts_decoder_free(dec);
            }
            free(in);
            tu_buf_free(&png);
        }
        free(data);
    }
}

/* The zero padding of a partial grid: segments of zero rows compressed to the same bytes,
 * which the indexed reader inflates once and then only compares (png/segments_read.c).
 * A 4 MiB payload fills a quarter of its 2048 grid: its bottom half is such segments.
 * They decode right, and one of them changed by a bit (its CRC fixed) is not taken for
 * zeros: every API refuses the file as libspng does with the index removed (that bit
 * makes the deflate data end early: "IDAT stream too short"). */
static void t_zero_segments(void **state)
{
    fx *f = *state;
    size_t n = (4u << 20) + 4096;
    uint8_t *data = random_payload(n, 11);
    tu_buf png = {0};
    encode(data, n, PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, &png);
    expect_all(f->dir, &png, PRTS_VERIFY_REQUIRED, PRTS_OK, NULL, data, n);
    expect_all(f->dir, &png, PRTS_VERIFY_OFF, PRTS_OK, NULL, data, n);

    /* the last IDAT chunk but one that repeats an earlier one byte for byte */
    long at[64];
    int count = idat_chunks(&png, at, 64), same = 0, victim = -1;
    for (int k = 1; k + 1 < count; k++)
        for (int j = 1; j < k; j++)
            if (be32(png.data + at[j]) == be32(png.data + at[k]) &&
                memcmp(png.data + at[j], png.data + at[k], be32(png.data + at[k]) + 12) == 0) {
                same++;
                victim = k;
                break;
            }
    assert_true(same >= 3); /* the padding: one inflated, the others compared */
    uint32_t len = be32(png.data + at[victim]);
    png.data[at[victim] + 8 + len / 2] ^= 0x10;
    tu_png_fix_crc(png.data, at[victim]);
    expect_all(f->dir, &png, PRTS_VERIFY_OFF, PRTS_E_TRUNCATED, "too short", data, n);
    expect_all(f->dir, &png, PRTS_VERIFY_REQUIRED, PRTS_E_TRUNCATED, "too short", data, n);
    remove_index(&png);
    expect_all(f->dir, &png, PRTS_VERIFY_OFF, PRTS_E_TRUNCATED, "too short", data, n);
    tu_buf_free(&png);
    free(data);
}

/* The other way round: segment 0 ends on the head of a stored block whose lengths are
 * missing.  Segment 1, inflated alone, gives the right rows and every checksum holds, so
 * the indexed reader decoded the file, while the stream read whole is corrupt, as zlib,
 * libspng and every PNG reader say: now every API refuses it. */
static void t_index_segment_unended(void **state)
{
    fx *f = *state;
    for (int big = 0; big < 2; big++) {
        size_t n;
        uint8_t *data = compressible_payload(big, &n);
        tu_buf png = {0};
        encode(data, n, PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, &png);
        resegment(&png, Z_FULL_FLUSH, 0, 1);
        expect_all(f->dir, &png, PRTS_VERIFY_OFF, PRTS_E_PNG, NULL, data, n);
        expect_all(f->dir, &png, PRTS_VERIFY_REQUIRED, PRTS_E_PNG, NULL, data, n);
        char *in = tu_path(f->dir, "in.rts.png");
        tu_write_file(in, png.data, png.len);
        /* a byte range in segment 0 (payload byte 0 is pixel (0, 0)); one elsewhere
         * reads its own segments alone, by design (format §11) */
        uint8_t buf[4096];
        prts_decoder *dec = decoder(PRTS_VERIFY_OFF);
        int rc = prts_decoder_decode_range(dec, in, 0, buf, sizeof buf);
        check_outcome("decode_range", rc, PRTS_E_PNG, prts_decoder_last_error(dec), NULL);
        prts_decoder_free(dec);
        free(in);
        tu_buf_free(&png);
        free(data);
    }
}

/* ---- 5. a PNG and its sidecar that disagree -------------------------------------------- */

/* Encode `data` to dir/name (and its sidecar) with metadata `meta_json` (may be NULL). */
static char *encode_file(const char *dir, const char *name, const uint8_t *data, size_t n,
                         int64_t mode, const char *meta_json)
{
    char *bin = tu_path(dir, "payload.bin"), *png = tu_path(dir, name);
    tu_write_file(bin, data, n);
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_MODE, mode), PRTS_OK);
    if (meta_json)
        assert_int_equal(prts_encoder_set_metadata_json(enc, meta_json), PRTS_OK);
    assert_int_equal(prts_encoder_encode_file(enc, bin, png), PRTS_OK);
    prts_encoder_free(enc);
    unlink(bin);
    free(bin);
    return png;
}

/* Replace the PNG's PixelRTS metadata chunk by `meta` (in place, valid CRC). */
static void rewrite_chunk_metadata(const char *path, json_t *meta)
{
    size_t n;
    uint8_t *d = tu_read_file(path, &n);
    tu_buf png = {d, n, n};
    long at = tu_png_find_chunk(png.data, png.len, "tEXt", 0);
    assert_true(at > 0);
    assert_memory_equal(png.data + at + 8, "PixelRTS\0PixelRTS", 17);
    tu_png_remove_chunk(&png, (size_t)at);
    char *js = json_dumps(meta, JSON_COMPACT | JSON_ENSURE_ASCII);
    char *text = tu_strdupf("PixelRTS%cPixelRTS%s", 0, js);
    size_t len = 9 + strlen(text + 9);
    tu_png_insert_chunk(&png, (size_t)at, "tEXt", text, (uint32_t)len);
    tu_write_file(path, png.data, png.len);
    free(js);
    free(text);
    tu_buf_free(&png);
}

static json_t *chunk_metadata_of(const char *path)
{
    size_t n;
    uint8_t *d = tu_read_file(path, &n);
    char *text = tu_png_text(d, n, "PixelRTS");
    assert_non_null(text);
    json_t *m = tu_json_parse(text + 8);
    free(text);
    free(d);
    return m;
}

static void expect_pair(const char *dir, const char *png, int want, const char *needle,
                        const uint8_t *data, size_t n)
{
    char *out = tu_path(dir, "out.bin");
    unlink(out);
    prts_decoder *dec = decoder(PRTS_VERIFY_REQUIRED);
    int rc = prts_decoder_decode_file(dec, png, out);
    const char *msg = prts_decoder_last_error(dec);
    check_outcome("decode_file", rc, want, msg, needle);
    if (rc == PRTS_OK) {
        size_t got;
        uint8_t *back = tu_read_file(out, &got);
        tu_assert_bytes_equal(back, got, data, n);
        free(back);
    } else {
        assert_false(tu_file_exists(out));
    }
    uint8_t b[4];
    rc = prts_decoder_decode_range(dec, png, 0, b, n < 4 ? n : 4);
    /* a range needs a standard-mode file: anything but a refused pair is fine there */
    if (want == PRTS_E_SIDECAR_MISMATCH)
        check_outcome("decode_range", rc, want, prts_decoder_last_error(dec), needle);
    prts_decoder_free(dec);
    free(out);
}

/* `cp b.rts.png a.rts.png` beside a.rts.png.meta.json (or two converts racing to one
 * OUT): the PNG's own chunk wins, decoding refuses the pair, naming the first key that
 * differs and both files; info still reads it and reports the mismatch. */
static void t_sidecar_other_file(void **state)
{
    fx *f = *state;
    size_t na = 1000, nb = 900; /* one grid: the sidecar's size used to be believed */
    uint8_t *a = random_payload(na, 9), *b = random_payload(nb, 10);
    char *pa = encode_file(f->dir, "a.rts.png", a, na, PRTS_MODE_STANDARD, NULL);
    char *pb = encode_file(f->dir, "b.rts.png", b, nb, PRTS_MODE_STANDARD, NULL);
    size_t len;
    uint8_t *bytes = tu_read_file(pb, &len);
    tu_write_file(pa, bytes, len); /* a.rts.png is now b's PNG, with a's sidecar */
    free(bytes);
    expect_pair(f->dir, pa, PRTS_E_SIDECAR_MISMATCH, "data_hash", NULL, 0);
    prts_decoder *dec = decoder(PRTS_VERIFY_REQUIRED);
    assert_int_equal(prts_decoder_decode_file(dec, pa, "/nonexistent/out"), PRTS_E_SIDECAR_MISMATCH);
    const char *msg = prts_decoder_last_error(dec);
    if (!strstr(msg, "a.rts.png:") || !strstr(msg, "a.rts.png.meta.json"))
        fail_msg("the message does not name both files: %s", msg);
    /* info: the chunk's values, and the mismatch */
    int64_t v;
    assert_int_equal(prts_decoder_read_info(dec, pa), PRTS_OK);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_SIDECAR_MISMATCH, &v), PRTS_OK);
    assert_int_equal(v, 1);
    assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_DATA_SIZE, &v), PRTS_OK);
    assert_int_equal(v, (int64_t)nb);
    /* without the sidecar, the PNG alone decodes */
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_READ_SIDECAR, 0), PRTS_OK);
    char *out = tu_path(f->dir, "out.bin");
    assert_int_equal(prts_decoder_decode_file(dec, pa, out), PRTS_OK);
    size_t got;
    uint8_t *back = tu_read_file(out, &got);
    tu_assert_bytes_equal(back, got, b, nb);
    free(back);
    free(out);
    prts_decoder_free(dec);
    free(pa);
    free(pb);
    free(a);
    free(b);
}

/* A sidecar may add keys the chunk lacks, and lack keys the chunk has: decoded with
 * both (original_data_b64 from either side, in code mode). */
static void t_sidecar_adds_keys(void **state)
{
    fx *f = *state;
    static const uint8_t wasm[] = {0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 2, 3, 4, 0x41, 0x2a};
    for (int where = 0; where < 2; where++) {
        char *png = encode_file(f->dir, "c.rts.png", wasm, sizeof wasm, PRTS_MODE_CODE,
                                "{\"name\":\"k\"}");
        char *side = tu_strdupf("%s.meta.json", png);
        json_t *chunk = chunk_metadata_of(png), *meta = tu_json_load_file(side);
        assert_non_null(json_object_get(chunk, "original_data_b64"));
        if (where == 0) { /* the chunk lacks it, the sidecar has it */
            json_object_del(chunk, "original_data_b64");
            rewrite_chunk_metadata(png, chunk);
        } else { /* an older sidecar lacks it (and a user key), and adds one */
            json_object_del(meta, "original_data_b64");
            json_object_del(meta, "name");
        }
        json_object_set_new(meta, "note", json_string("from the sidecar"));
        assert_int_equal(json_dump_file(meta, side, JSON_INDENT(2) | JSON_ENSURE_ASCII), 0);
        expect_pair(f->dir, png, PRTS_OK, NULL, wasm, sizeof wasm);
        prts_decoder *dec = decoder(PRTS_VERIFY_REQUIRED);
        assert_int_equal(prts_decoder_read_info(dec, png), PRTS_OK);
        int64_t v;
        assert_int_equal(prts_decoder_get_info(dec, PRTS_INFO_SIDECAR_MISMATCH, &v), PRTS_OK);
        assert_int_equal(v, 0);
        char *js = prts_decoder_metadata_json(dec);
        json_t *got = tu_json_parse(js);
        assert_string_equal(json_string_value(json_object_get(got, "note")), "from the sidecar");
        assert_string_equal(json_string_value(json_object_get(got, "name")), "k");
        assert_non_null(json_object_get(got, "original_data_b64"));
        json_decref(got);
        prts_free(js);
        prts_decoder_free(dec);
        json_decref(chunk);
        json_decref(meta);
        free(side);
        free(png);
    }
}

/* ---- 7. hash verification by default ---------------------------------------------------- */

/* Encode `data` (no sidecar) with its chunk's metadata changed by `change`. */
static void encode_with_metadata(const uint8_t *data, size_t n, void (*change)(json_t *),
                                 tu_buf *png)
{
    encode(data, n, PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, png);
    char *dir = tu_mkdtemp(), *path = tu_path(dir, "m.rts.png");
    tu_write_file(path, png->data, png->len);
    json_t *meta = chunk_metadata_of(path);
    change(meta);
    rewrite_chunk_metadata(path, meta);
    json_decref(meta);
    tu_buf_free(png);
    png->data = tu_read_file(path, &png->len);
    png->cap = png->len;
    tu_rmtree(dir);
    free(dir);
    free(path);
}

static void wrong_hash(json_t *m)
{
    json_object_set_new(m, "data_hash", json_string("00000000000000000000000000000000"
                                                    "00000000000000000000000000000000"));
}

static void no_hash(json_t *m)
{
    json_object_del(m, "data_hash");
}

/* A decoder as it comes (PRTS_VERIFY_REQUIRED): a wrong data_hash is refused before any
 * output, a missing one is PRTS_E_NO_HASH saying how to skip the check; IF_PRESENT and
 * OFF decode a file without data_hash. */
static void t_verify_by_default(void **state)
{
    fx *f = *state;
    size_t n = 50000;
    uint8_t *data = random_payload(n, 11);
    prts_decoder *dec = prts_decoder_new();
    int64_t v = -1;
    assert_int_equal(prts_decoder_get_option(dec, PRTS_OPT_VERIFY_HASH, &v), PRTS_OK);
    assert_int_equal(v, PRTS_VERIFY_REQUIRED);
    prts_decoder_free(dec);

    tu_buf png = {0};
    encode_with_metadata(data, n, wrong_hash, &png);
    expect_all(f->dir, &png, PRTS_VERIFY_REQUIRED, PRTS_E_HASH_MISMATCH, "Hash mismatch", data, n);
    expect_all(f->dir, &png, PRTS_VERIFY_IF_PRESENT, PRTS_E_HASH_MISMATCH, NULL, data, n);
    tu_buf_free(&png);

    encode_with_metadata(data, n, no_hash, &png);
    expect_all(f->dir, &png, PRTS_VERIFY_REQUIRED, PRTS_E_NO_HASH, "PRTS_VERIFY_OFF", data, n);
    expect_all(f->dir, &png, PRTS_VERIFY_IF_PRESENT, PRTS_OK, NULL, data, n);
    expect_all(f->dir, &png, PRTS_VERIFY_OFF, PRTS_OK, NULL, data, n);
    /* the default is REQUIRED: a fresh decoder refuses it too */
    char *in = tu_path(f->dir, "in.rts.png"), *out = tu_path(f->dir, "out.bin");
    tu_write_file(in, png.data, png.len);
    unlink(out);
    dec = prts_decoder_new();
    assert_int_equal(prts_decoder_decode_file(dec, in, out), PRTS_E_NO_HASH);
    assert_false(tu_file_exists(out));
    prts_decoder_free(dec);
    free(in);
    free(out);
    tu_buf_free(&png);
    free(data);
}

/* ---- one image for every reader: what follows IEND, two metadata chunks ----------------- */

/* Bytes after IEND: every reader must see one file, so they are refused, by their name
 * (they were reported as "PNG is truncated (in its ageg chunk)"). */
static void t_data_after_iend(void **state)
{
    fx *f = *state;
    size_t n = 20000;
    uint8_t *data = random_payload(n, 12);
    static const char *const tails[] = {"ageg junk after iend", "\0", "\x89PNG\r\n\x1a\n"};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        tu_buf png = {0};
        encode(data, n, PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, &png);
        size_t tail = strlen(tails[i]) ? strlen(tails[i]) : 1;
        tu_buf_append(&png, tails[i], tail);
        expect_all(f->dir, &png, PRTS_VERIFY_REQUIRED, PRTS_E_PNG, "after the IEND chunk", data, n);
        /* the same file cut inside IEND is still truncated */
        png.len -= tail + 2;
        expect_all(f->dir, &png, PRTS_VERIFY_REQUIRED, PRTS_E_TRUNCATED, "truncated", data, n);
        tu_buf_free(&png);
    }
    free(data);
}

/* A second PixelRTS metadata chunk: ours used the first, PIL the last.  Refused, whether
 * it precedes the pixels or follows them, and by info too when it precedes them. */
static void t_two_metadata_chunks(void **state)
{
    fx *f = *state;
    size_t n = 5000;
    uint8_t *data = random_payload(n, 13);
    for (int where = 0; where < 3; where++) {
        tu_buf png = {0};
        encode(data, n, PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, &png);
        long text = tu_png_find_chunk(png.data, png.len, "tEXt", 0);
        uint32_t len = be32(png.data + text);
        uint8_t *copy = malloc(len);
        memcpy(copy, png.data + text + 8, len);
        if (where == 2) /* another keyword, the same text: it counts as metadata too */
            memcpy(copy, "Software", 8);
        else
            copy[len - 2] ^= 1; /* a digit of the last value: another payload size or hash */
        long at = where == 1 ? tu_png_find_chunk(png.data, png.len, "IEND", 0)
                             : text + 12 + (long)len;
        tu_png_insert_chunk(&png, (size_t)at, "tEXt", copy, len);
        if (where == 1)
            remove_index(&png); /* nothing may sit between our index and IEND */
        print_message("    second metadata chunk: %s\n", where == 0 ? "before the pixels"
                      : where == 1 ? "after the pixels" : "under another keyword");
        expect_all(f->dir, &png, PRTS_VERIFY_REQUIRED, PRTS_E_BAD_METADATA,
                   "two PixelRTS metadata chunks", data, n);
        if (where != 1) {
            char *in = tu_path(f->dir, "in.rts.png");
            prts_decoder *dec = decoder(PRTS_VERIFY_REQUIRED);
            check_outcome("read_info", prts_decoder_read_info(dec, in), PRTS_E_BAD_METADATA,
                          prts_decoder_last_error(dec), "two PixelRTS metadata chunks");
            prts_decoder_free(dec);
            free(in);
        }
        free(copy);
        tu_buf_free(&png);
    }
    free(data);
}

/* ---- metadata values a decoder must not take ----------------------------------------- */

static void set_grid_minus_5(json_t *m) { json_object_set_new(m, "grid_size", json_integer(-5)); }
static void set_grid_zero(json_t *m) { json_object_set_new(m, "grid_size", json_integer(0)); }
static void set_grid_real(json_t *m) { json_object_set_new(m, "grid_size", json_real(16.0)); }
static void set_grid_text(json_t *m) { json_object_set_new(m, "grid_size", json_string("16")); }
static void set_grid_huge(json_t *m) { json_object_set_new(m, "grid_size", json_integer(1ll << 40)); }
static void set_size_minus(json_t *m) { json_object_set_new(m, "data_size", json_integer(-1)); }
static void set_size_real(json_t *m) { json_object_set_new(m, "data_size", json_real(5000.0)); }
static void set_encoded_minus(json_t *m)
{
    json_object_set_new(m, "compression", json_pack("{s:s}", "type", "zlib"));
    json_object_set_new(m, "encoded_size", json_integer(-3));
}

/* `pixelrts verify` accepted grid_size -5: sizes and grids must be positive integers
 * (data_size may be 0: an empty payload), or the metadata is refused, info included. */
static void t_bad_sizes(void **state)
{
    fx *f = *state;
    size_t n = 5000;
    uint8_t *data = random_payload(n, 14);
    void (*const edits[])(json_t *) = {set_grid_minus_5, set_grid_zero, set_grid_real,
                                       set_grid_text, set_grid_huge, set_size_minus,
                                       set_size_real, set_encoded_minus};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        tu_buf png = {0};
        encode_with_metadata(data, n, edits[i], &png);
        expect_all(f->dir, &png, PRTS_VERIFY_REQUIRED, PRTS_E_BAD_METADATA, NULL, data, n);
        char *in = tu_path(f->dir, "in.rts.png");
        prts_decoder *dec = decoder(PRTS_VERIFY_REQUIRED);
        check_outcome("read_info", prts_decoder_read_info(dec, in), PRTS_E_BAD_METADATA,
                      prts_decoder_last_error(dec), NULL);
        prts_decoder_free(dec);
        free(in);
        tu_buf_free(&png);
    }
    free(data);
}

/* ---- the segment index through the handle's allocator -------------------------------- */

/* An allocator that counts, and remembers whether it saw a block of `watch` bytes. */
typedef struct counting {
    pthread_mutex_t lock;
    size_t allocs, frees, watch, watched;
} counting;

static void *count_alloc(void *opaque, size_t size)
{
    counting *c = opaque;
    pthread_mutex_lock(&c->lock);
    c->allocs++;
    c->watched += size == c->watch;
    pthread_mutex_unlock(&c->lock);
    return malloc(size);
}

static void count_free(void *opaque, void *ptr)
{
    counting *c = opaque;
    pthread_mutex_lock(&c->lock);
    c->frees++;
    pthread_mutex_unlock(&c->lock);
    free(ptr);
}

/* prts__index_decode cleared the index, allocator included, so the segment table came
 * from malloc whatever allocator the handle had. */
static void t_index_allocator(void **state)
{
    fx *f = *state;
    counting c = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0};
    prts_allocator a = {count_alloc, count_free, &c};
    prts__seg_entry seg[3] = {{100, 0, 1}, {200, 10, 1}, {300, 20, 1}};
    prts__png_index ix = {3, 30, 400, seg, &a};
    size_t len;
    uint8_t *chunk = prts__index_encode(&ix, &len);
    assert_non_null(chunk);
    prts__png_index back = {0};
    back.alloc = &a;
    size_t before = c.allocs;
    assert_int_equal(prts__index_decode(chunk, len, 30, 1000, &back), 0);
    assert_int_equal(back.count, 3);
    assert_ptr_equal(back.alloc, &a);
    assert_int_equal(c.allocs, before + 1);
    before = c.frees;
    prts__index_free(&back);
    assert_int_equal(c.frees, before + 1);
    assert_ptr_equal(back.alloc, &a);
    count_free(&c, chunk);
    assert_int_equal(c.allocs, c.frees);

    /* and through a decoder: the table of an indexed file comes from its allocator */
    size_t n = 3u << 20;
    uint8_t *data = random_payload(n, 15);
    tu_buf png = {0};
    encode(data, n, PRTS_LEVEL_ADAPTIVE(1), PRTS_FILTER_NONE, &png);
    long at = tu_png_find_chunk(png.data, png.len, "prIX", 0);
    c.watch = be32(png.data + at + 8 + 4) * sizeof(prts__seg_entry);
    assert_true(c.watch >= 2 * sizeof(prts__seg_entry));
    char *in = tu_path(f->dir, "in.rts.png"), *out = tu_path(f->dir, "out.bin");
    tu_write_file(in, png.data, png.len);
    prts_decoder *dec = prts_decoder_new_with(&a);
    assert_int_equal(prts_decoder_decode_file(dec, in, out), PRTS_OK);
    prts_decoder_free(dec);
    assert_true(c.watched > 0);
    assert_int_equal(c.allocs, c.frees);
    free(in);
    free(out);
    tu_buf_free(&png);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_filter_round_trip),
        cmocka_unit_test_setup_teardown(t_adler_damaged_rows, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_adler_trailer_apart, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_index_other_image, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_index_checksum_only, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_index_segments_not_alone, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_index_segment_unended, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_zero_segments, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_sidecar_other_file, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_sidecar_adds_keys, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_verify_by_default, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_data_after_iend, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_two_metadata_chunks, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_bad_sizes, tu_fx_setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(t_index_allocator, tu_fx_setup, tu_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
