/* test_limits.c: hostile PNGs are refused quickly, in bounded memory.
 *
 * - A decompression bomb: a 16.6 MB PNG whose IDAT inflates to a 65536x65536
 *   image (16 GiB of zeros; deflate's best ratio, built bit by bit here).
 * - A 100 MB metadata chunk, and a 100 MB sidecar.
 * - A million tiny text chunks (libspng would keep every one).
 * - Metadata of 8 MB that is 4 million JSON values (~200 MB as jansson objects).
 * Each runs in a forked child that reports its status, its time and how much
 * its peak RSS grew (getrusage), so a regression shows as a number, not as a
 * machine that swaps.  Hostile streams are generated lazily by the read
 * callback: the test itself never holds them. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

/* Peak RSS growth allowed to a refused input (ASan builds included), and its time. */
#define MAX_RSS_GROWTH_KB (64 * 1024)
#define MAX_SECONDS 5.0

/* ---- a lazily generated PNG ------------------------------------------------------------ */

/* A chunk: prefix bytes, then `fill_len` copies of `fill`, then suffix bytes. */
typedef struct lazy_chunk {
    char type[5];
    uint8_t *prefix, *suffix;
    size_t prefix_len, suffix_len;
    uint64_t fill_len;
    uint8_t fill;
    uint32_t repeat;      /* the chunk is emitted this many times (>= 1) */
} lazy_chunk;

typedef struct lazy_png {
    lazy_chunk chunks[8];
    int n;
    /* emission state */
    int at_chunk;         /* -1: signature */
    uint32_t rep;
    int part;             /* 0 header, 1 prefix, 2 fill, 3 suffix, 4 crc */
    uint64_t off;
    uint32_t crc;
    uint8_t field[8];
    uint64_t emitted;
} lazy_png;

static uint64_t chunk_len(const lazy_chunk *c)
{
    return c->prefix_len + c->fill_len + c->suffix_len;
}

static void lazy_add(lazy_png *p, const char *type, const void *prefix, size_t prefix_len,
                     uint8_t fill, uint64_t fill_len, const void *suffix, size_t suffix_len,
                     uint32_t repeat)
{
    lazy_chunk *c = &p->chunks[p->n++];
    memset(c, 0, sizeof *c);
    memcpy(c->type, type, 4);
    c->prefix = malloc(prefix_len + 1);
    if (prefix_len)
        memcpy(c->prefix, prefix, prefix_len);
    c->prefix_len = prefix_len;
    c->suffix = malloc(suffix_len + 1);
    if (suffix_len)
        memcpy(c->suffix, suffix, suffix_len);
    c->suffix_len = suffix_len;
    c->fill = fill;
    c->fill_len = fill_len;
    c->repeat = repeat ? repeat : 1;
}

static void lazy_free(lazy_png *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->chunks[i].prefix);
        free(p->chunks[i].suffix);
    }
}

static void lazy_rewind(lazy_png *p)
{
    p->at_chunk = -1;
    p->rep = 0;
    p->part = 0;
    p->off = 0;
    p->emitted = 0;
}

static ptrdiff_t lazy_read(void *user, void *buf, size_t cap)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    lazy_png *p = user;
    uint8_t *out = buf;
    size_t n = 0;
    while (n < cap && p->at_chunk < p->n) {
        if (p->at_chunk < 0) {
            size_t take = 8 - p->off < cap - n ? 8 - p->off : cap - n;
            memcpy(out + n, sig + p->off, take);
            n += take;
            if ((p->off += take) == 8) {
                p->at_chunk = 0;
                p->off = 0;
            }
            continue;
        }
        lazy_chunk *c = &p->chunks[p->at_chunk];
        const uint8_t *src = NULL;
        uint64_t part_len;
        if (p->part == 0 && p->off == 0) {
            uint64_t len = chunk_len(c);
            p->field[0] = (uint8_t)(len >> 24);
            p->field[1] = (uint8_t)(len >> 16);
            p->field[2] = (uint8_t)(len >> 8);
            p->field[3] = (uint8_t)len;
            memcpy(p->field + 4, c->type, 4);
            p->crc = (uint32_t)crc32(0, (const Bytef *)c->type, 4);
        }
        if (p->part == 4 && p->off == 0) {
            p->field[0] = (uint8_t)(p->crc >> 24);
            p->field[1] = (uint8_t)(p->crc >> 16);
            p->field[2] = (uint8_t)(p->crc >> 8);
            p->field[3] = (uint8_t)p->crc;
        }
        switch (p->part) {
        case 0: src = p->field; part_len = 8; break;
        case 1: src = c->prefix; part_len = c->prefix_len; break;
        case 2: part_len = c->fill_len; break;
        case 3: src = c->suffix; part_len = c->suffix_len; break;
        default: src = p->field; part_len = 4; break;
        }
        uint64_t left = part_len - p->off;
        size_t take = left < cap - n ? (size_t)left : cap - n;
        if (src)
            memcpy(out + n, src + p->off, take);
        else
            memset(out + n, c->fill, take);
        if (p->part >= 1 && p->part <= 3)
            p->crc = (uint32_t)crc32(p->crc, out + n, (uInt)take);
        n += take;
        p->off += take;
        if (p->off == part_len) {
            p->off = 0;
            if (++p->part == 5) {
                p->part = 0;
                if (++p->rep == c->repeat) {
                    p->rep = 0;
                    p->at_chunk++;
                }
            }
        }
    }
    p->emitted += n;
    return (ptrdiff_t)n;
}

static void add_ihdr(lazy_png *p, uint32_t side)
{
    uint8_t h[13] = {0};
    for (int i = 0; i < 2; i++) {
        h[4 * i] = (uint8_t)(side >> 24);
        h[4 * i + 1] = (uint8_t)(side >> 16);
        h[4 * i + 2] = (uint8_t)(side >> 8);
        h[4 * i + 3] = (uint8_t)side;
    }
    h[8] = 8; /* bit depth */
    h[9] = 6; /* RGBA */
    lazy_add(p, "IHDR", h, sizeof h, 0, 0, NULL, 0, 1);
}

static void add_meta(lazy_png *p, uint32_t grid, uint64_t data_size)
{
    char *t = tu_strdupf("PixelRTS%cPixelRTS{\"format\":\"PixelRTS-2.0\",\"format_version\":2,"
                         "\"grid_size\":%u,\"encoding_mode\":\"RGBA-dense\",\"data_size\":%llu}",
                         0, grid, (unsigned long long)data_size);
    lazy_add(p, "tEXt", t, 9 + strlen(t + 9), 0, 0, NULL, 0, 1);
    free(t);
}

/* ---- the bomb: an all-zero image compressed at deflate's best ratio --------------------- */

typedef struct bits {
    uint8_t buf[256];
    size_t len;
    uint32_t acc;
    int n;
} bits;

static void put(bits *b, uint32_t value, int count) /* LSB first */
{
    for (int i = 0; i < count; i++) {
        b->acc |= ((value >> i) & 1u) << b->n;
        if (++b->n == 8) {
            b->buf[b->len++] = (uint8_t)b->acc;
            b->acc = 0;
            b->n = 0;
        }
    }
}

static void put_code(bits *b, uint32_t code, int len) /* Huffman codes go MSB first */
{
    for (int i = len - 1; i >= 0; i--)
        put(b, (code >> i) & 1u, 1);
}

/* IDAT for a side x side RGBA8 image of zeros: the raw stream (a 0 filter byte
 * then 4*side zero bytes per row) is all zeros, written as a literal 0 and
 * then matches of 258 at distance 1, each coded in 2 bits (dynamic Huffman
 * block: length code 285 and distance code 0 get 1-bit codes "0"), so the
 * body is a run of zero bytes. */
static void add_bomb_idat(lazy_png *p, uint32_t side)
{
    uint64_t raw = (uint64_t)side * (1 + 4ull * side);
    uint64_t matches = (raw - 1) / 258, tail = (raw - 1) % 258;
    bits b = {0};
    b.buf[b.len++] = 0x78; /* zlib header: deflate, 32K window, no dictionary */
    b.buf[b.len++] = 0x01;
    put(&b, 1, 1);  /* BFINAL */
    put(&b, 2, 2);  /* dynamic Huffman */
    put(&b, 29, 5); /* HLIT: 286 literal/length codes */
    put(&b, 0, 5);  /* HDIST: 1 distance code */
    put(&b, 14, 4); /* HCLEN: 18 code length codes */
    static const int order[18] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1};
    for (int i = 0; i < 18; i++)
        put(&b, order[i] == 18 ? 1 : order[i] == 1 || order[i] == 2 ? 2 : 0, 3);
    /* code length codes: 18 -> "0", 1 -> "10", 2 -> "11" */
    put_code(&b, 3, 2);                        /* literal 0: length 2 */
    put_code(&b, 0, 1); put(&b, 138 - 11, 7);  /* 1..138: unused */
    put_code(&b, 0, 1); put(&b, 117 - 11, 7);  /* 139..255: unused */
    put_code(&b, 3, 2);                        /* 256 (end of block): length 2 */
    put_code(&b, 0, 1); put(&b, 28 - 11, 7);   /* 257..284: unused */
    put_code(&b, 2, 2);                        /* 285 (length 258): length 1 */
    put_code(&b, 2, 2);                        /* distance 0: length 1 */
    /* literal/length codes: 285 -> "0", 0 -> "10", 256 -> "11"; distance 0 -> "0" */
    put_code(&b, 2, 2); /* the first zero, as a literal */
    /* 2 * matches zero bits: finish the current byte, then whole zero bytes */
    uint64_t zero_bits = 2 * matches;
    while (b.n != 0 && zero_bits > 0) {
        put(&b, 0, 1);
        zero_bits--;
    }
    uint8_t prefix[256];
    size_t prefix_len = b.len;
    memcpy(prefix, b.buf, b.len);
    uint64_t zero_bytes = zero_bits / 8;
    bits t = {0};
    put(&t, 0, (int)(zero_bits % 8));
    for (uint64_t i = 0; i < tail; i++)
        put_code(&t, 2, 2);
    put_code(&t, 3, 2); /* end of block */
    if (t.n)
        put(&t, 0, 8 - t.n);
    uint32_t adler = (uint32_t)((raw % 65521) << 16 | 1); /* all zeros: a = 1, b = raw */
    t.buf[t.len++] = (uint8_t)(adler >> 24);
    t.buf[t.len++] = (uint8_t)(adler >> 16);
    t.buf[t.len++] = (uint8_t)(adler >> 8);
    t.buf[t.len++] = (uint8_t)adler;
    lazy_add(p, "IDAT", prefix, prefix_len, 0, zero_bytes, t.buf, t.len, 1);
}

static void make_bomb(lazy_png *p, uint32_t side, uint32_t meta_grid, uint64_t meta_size)
{
    memset(p, 0, sizeof *p);
    add_ihdr(p, side);
    add_meta(p, meta_grid, meta_size);
    add_bomb_idat(p, side);
    lazy_add(p, "IEND", NULL, 0, 0, 0, NULL, 0, 1);
    lazy_rewind(p);
}

/* ---- running a hostile input in a child --------------------------------------------------- */

typedef struct outcome {
    int status;
    long rss_growth_kb;
    double seconds;
    uint64_t bytes_read;
} outcome;

typedef int (*hostile_fn)(void *arg, uint64_t *bytes_read);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static outcome run_child(hostile_fn fn, void *arg)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        struct rusage before, after;
        outcome o = {0};
        getrusage(RUSAGE_SELF, &before);
        double t0 = now();
        o.status = fn(arg, &o.bytes_read);
        o.seconds = now() - t0;
        getrusage(RUSAGE_SELF, &after);
        o.rss_growth_kb = after.ru_maxrss - before.ru_maxrss;
        ssize_t w = write(fds[1], &o, sizeof o);
        _exit(w == (ssize_t)sizeof o ? 0 : 1);
    }
    close(fds[1]);
    outcome o = {0};
    ssize_t r = read(fds[0], &o, sizeof o);
    close(fds[0]);
    int wst;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
    assert_int_equal(r, (ssize_t)sizeof o);
    print_message("    status %d (%s), %.3f s, peak RSS +%ld KiB, %llu bytes read\n", o.status,
                  prts_strerror(o.status), o.seconds, o.rss_growth_kb,
                  (unsigned long long)o.bytes_read);
    return o;
}

static void assert_refused(outcome o, int status)
{
    assert_int_equal(o.status, status);
    if (o.seconds > MAX_SECONDS)
        fail_msg("refusing took %.2f s", o.seconds);
    if (o.rss_growth_kb > MAX_RSS_GROWTH_KB)
        fail_msg("peak RSS grew by %ld KiB", o.rss_growth_kb);
}

typedef struct stream_case {
    lazy_png *png;
    int64_t max_grid;    /* 0: default */
    int64_t max_chunks;  /* 0: default */
} stream_case;

/* The hostile files carry no data_hash: decoders here do not ask for one, so that
 * nothing but the limit under test can refuse them. */
static prts_decoder *unverifying_decoder(void)
{
    prts_decoder *dec = prts_decoder_new();
    assert_non_null(dec);
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_VERIFY_HASH, PRTS_VERIFY_OFF), PRTS_OK);
    return dec;
}

static int decode_stream(void *arg, uint64_t *bytes_read)
{
    stream_case *c = arg;
    prts_decoder *dec = unverifying_decoder();
    if (c->max_grid)
        prts_decoder_set_option(dec, PRTS_OPT_MAX_GRID_SIZE, c->max_grid);
    if (c->max_chunks)
        prts_decoder_set_option(dec, PRTS_OPT_MAX_METADATA_CHUNKS, c->max_chunks);
    lazy_rewind(c->png);
    int rc = prts_decoder_open(dec, lazy_read, c->png);
    uint8_t buf[65536];
    size_t got = 1;
    while (rc == PRTS_OK && got > 0)
        rc = prts_decoder_pull(dec, buf, sizeof buf, &got);
    *bytes_read = c->png->emitted;
    if (rc != PRTS_OK)
        print_message("    %s\n", prts_decoder_last_error(dec));
    prts_decoder_free(dec);
    return rc;
}

typedef struct file_case {
    const char *in, *out;
} file_case;

static int decode_file(void *arg, uint64_t *bytes_read)
{
    file_case *c = arg;
    prts_decoder *dec = unverifying_decoder();
    int rc = prts_decoder_decode_file(dec, c->in, c->out);
    *bytes_read = 0;
    prts_decoder_free(dec);
    return rc;
}

static int read_info(void *arg, uint64_t *bytes_read)
{
    file_case *c = arg;
    prts_decoder *dec = prts_decoder_new();
    int rc = prts_decoder_read_info(dec, c->in);
    *bytes_read = 0;
    prts_decoder_free(dec);
    return rc;
}

/* Write a lazy PNG to a file. */
static void lazy_to_file(lazy_png *p, const char *path)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    static uint8_t buf[1 << 20];
    lazy_rewind(p);
    ptrdiff_t n;
    while ((n = lazy_read(p, buf, sizeof buf)) > 0)
        assert_int_equal(fwrite(buf, 1, (size_t)n, f), (size_t)n);
    assert_int_equal(fclose(f), 0);
}

/* ---- tests ---------------------------------------------------------------------------- */

/* The bomb construction is a real PNG: at a small size, libspng decodes it to zeros. */
static void t_bomb_construction(void **state)
{
    (void)state;
    lazy_png p;
    make_bomb(&p, 64, 4, 10);
    tu_buf png = {0};
    uint8_t buf[4096];
    ptrdiff_t n;
    while ((n = lazy_read(&p, buf, sizeof buf)) > 0)
        tu_buf_append(&png, buf, (size_t)n);
    uint32_t w, h;
    uint8_t *rgba = NULL;
    assert_int_equal(tu_png_rgba(png.data, png.len, &w, &h, &rgba), 0);
    assert_int_equal(w, 64);
    assert_int_equal(h, 64);
    for (size_t i = 0; i < 64 * 64 * 4; i++)
        if (rgba[i])
            fail_msg("pixel byte %zu is %d", i, rgba[i]);
    free(rgba);
    tu_buf_free(&png);
    lazy_free(&p);
    /* the real one: about 16.6 MB for 16 GiB of pixels */
    make_bomb(&p, 65536, 4, 10);
    uint64_t total = 0;
    static uint8_t big[1 << 20];
    while ((n = lazy_read(&p, big, sizeof big)) > 0)
        total += (uint64_t)n;
    print_message("    65536x65536 bomb: %llu bytes of PNG for %llu bytes of pixels\n",
                  (unsigned long long)total, 65536ull * 65536 * 4);
    assert_true(total < 17u << 20);
    lazy_free(&p);
}

/* A bomb `p` is refused with `status` at open, before any IDAT: streamed (nothing read
 * past the read-ahead), as a file, and by read_info when `info` (no output left). */
static void assert_bomb_refused(lazy_png *p, int status, int info)
{
    stream_case sc = {p, 0, 0};
    outcome o = run_child(decode_stream, &sc);
    assert_refused(o, status);
    assert_true(o.bytes_read < (1u << 20)); /* the read-ahead, no more */
    char *dir = tu_mkdtemp(), *in = tu_path(dir, "bomb.rts.png"), *out = tu_path(dir, "out");
    lazy_to_file(p, in);
    file_case fc = {in, out};
    assert_refused(run_child(decode_file, &fc), status);
    if (info)
        assert_refused(run_child(read_info, &fc), status);
    assert_false(tu_file_exists(out));
    assert_int_equal(tu_dir_count(dir), 1);
    tu_rmtree(dir);
    free(dir);
    free(in);
    free(out);
}

/* Metadata for a 10-byte payload on a 65536^2 image: refused at open, before any IDAT. */
static void t_bomb_small_claim(void **state)
{
    (void)state;
    lazy_png p;
    make_bomb(&p, 65536, 4, 10);
    assert_bomb_refused(&p, PRTS_E_DATA_SIZE, 1);
    lazy_free(&p);
}

/* A 1 MB file whose metadata records an explicit grid as large as the image (16384^2)
 * for a 100-byte payload: by the grid alone it was legitimate, and each extract inflated
 * 1 GiB of rows (2 s).  The work a file may ask for is bounded by its payload: refused at
 * open. */
static void t_bomb_explicit_grid(void **state)
{
    (void)state;
    lazy_png p;
    make_bomb(&p, 16384, 16384, 100);
    assert_bomb_refused(&p, PRTS_E_DATA_SIZE, 1);
    lazy_free(&p);
    /* an explicit grid a few sizes above the payload's own is still fine */
    make_bomb(&p, 256, 256, 100);
    stream_case sc = {&p, 0, 0};
    assert_int_equal(run_child(decode_stream, &sc).status, PRTS_OK);
    lazy_free(&p);
    /* and the encoder writes no file a decoder would refuse */
    uint8_t payload[100] = {1, 2, 3};
    for (int i = 0; i < 2; i++) {
        prts_encoder *enc = prts_encoder_new();
        assert_int_equal(prts_encoder_set_option(enc, PRTS_OPT_GRID_SIZE, i ? 1024 : 8192), PRTS_OK);
        tu_buf png = {0};
        int rc = tu_encode_mem(enc, payload, sizeof payload, 0, &png);
        if (rc != (i ? PRTS_OK : PRTS_E_INVALID_ARG))
            fail_msg("explicit grid %d for 100 bytes: %s", i ? 1024 : 8192,
                     prts_encoder_last_error(enc));
        if (i) {
            prts_decoder *dec = prts_decoder_new();
            tu_buf back = {0};
            assert_int_equal(tu_decode_mem(dec, png.data, png.len, 0, false, 4096, false, &back),
                             PRTS_OK);
            tu_assert_bytes_equal(back.data, back.len, payload, sizeof payload);
            tu_buf_free(&back);
            prts_decoder_free(dec);
        }
        tu_buf_free(&png);
        prts_encoder_free(enc);
    }
}

/* Metadata claiming the whole 16 GiB: a legitimate file by its own account, refused by the
 * grid limit a caller of untrusted input sets (PRTS_OPT_MAX_GRID_SIZE). */
static void t_bomb_full_claim(void **state)
{
    (void)state;
    lazy_png p;
    make_bomb(&p, 65536, 65536, 65536ull * 65536 * 4);
    stream_case sc = {&p, 16384, 0};
    assert_refused(run_child(decode_stream, &sc), PRTS_E_LIMIT);
    lazy_free(&p);
}

/* A 100 MB metadata chunk: refused from its length field, never read. */
static void t_huge_metadata_chunk(void **state)
{
    (void)state;
    lazy_png p;
    memset(&p, 0, sizeof p);
    add_ihdr(&p, 4);
    static const char head[] = "PixelRTS\0PixelRTS{\"data_size\":0,\"pad\":\"";
    lazy_add(&p, "tEXt", head, sizeof head - 1, 'a', 100000000, "\"}", 2, 1);
    lazy_add(&p, "IEND", NULL, 0, 0, 0, NULL, 0, 1);
    stream_case sc = {&p, 0, 0};
    outcome o = run_child(decode_stream, &sc);
    assert_refused(o, PRTS_E_LIMIT);
    assert_true(o.bytes_read < (1u << 20));
    lazy_free(&p);
}

/* A 100 MB sidecar (sparse): refused from its size. */
static void t_huge_sidecar(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp(), *in = tu_path(dir, "x.rts.png"), *side = tu_path(dir, "x.rts.png.meta.json");
    char *out = tu_path(dir, "out");
    prts_encoder *enc = prts_encoder_new();
    tu_buf png = {0};
    assert_int_equal(tu_encode_mem(enc, "hello", 5, 0, &png), PRTS_OK);
    prts_encoder_free(enc);
    tu_write_file(in, png.data, png.len);
    FILE *f = fopen(side, "wb");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), 100000000), 0);
    fclose(f);
    file_case fc = {in, out};
    assert_refused(run_child(read_info, &fc), PRTS_E_LIMIT);
    assert_refused(run_child(decode_file, &fc), PRTS_E_LIMIT);
    assert_false(tu_file_exists(out));
    tu_buf_free(&png);
    tu_rmtree(dir);
    free(dir);
    free(in);
    free(side);
    free(out);
}

/* A million 16-byte text chunks before the metadata: refused at the 65th. */
static void t_many_text_chunks(void **state)
{
    (void)state;
    lazy_png p;
    memset(&p, 0, sizeof p);
    add_ihdr(&p, 4);
    lazy_add(&p, "tEXt", "Comment\0x", 9, 0, 0, NULL, 0, 1000000);
    add_meta(&p, 4, 0);
    lazy_add(&p, "IEND", NULL, 0, 0, 0, NULL, 0, 1);
    stream_case sc = {&p, 0, 0};
    outcome o = run_child(decode_stream, &sc);
    assert_refused(o, PRTS_E_LIMIT);
    assert_true(o.bytes_read < (1u << 20));
    lazy_free(&p);
}

/* The chunk count limit is exact and settable: 64 text chunks pass by default, 65 do not,
 * unless the limit is raised. */
static void t_text_chunk_limit(void **state)
{
    (void)state;
    tu_text texts[66];
    char *meta = tu_strdupf("PixelRTS{\"grid_size\":4,\"data_size\":0,\"data_hash\":\"%s\"}",
                            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    uint8_t px[4 * 4 * 4] = {0};
    for (int i = 0; i < 66; i++)
        texts[i] = (tu_text){"Comment", "x"};
    for (int n = 63; n <= 65; n++) {
        texts[n] = (tu_text){"PixelRTS", meta}; /* n comments + the metadata */
        size_t len;
        uint8_t *png = tu_png_encode(4, 4, px, texts, n + 1, &len);
        for (int raised = 0; raised <= 1; raised++) {
            prts_decoder *dec = prts_decoder_new();
            if (raised)
                assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_MAX_METADATA_CHUNKS, 66),
                                 PRTS_OK);
            tu_buf out = {0};
            int rc = tu_decode_mem(dec, png, len, 0, false, 4096, false, &out);
            int want = n + 1 <= 64 || raised ? PRTS_OK : PRTS_E_LIMIT;
            if (rc != want)
                fail_msg("%d text chunks, limit %d: status %d (%s), expected %d", n + 1,
                         raised ? 66 : 64, rc, prts_decoder_last_error(dec), want);
            if (rc == PRTS_E_LIMIT)
                assert_non_null(strstr(prts_decoder_last_error(dec), "PRTS_OPT_MAX_METADATA_CHUNKS"));
            tu_buf_free(&out);
            prts_decoder_free(dec);
        }
        free(png);
        texts[n] = (tu_text){"Comment", "x"};
    }
    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_set_option(dec, PRTS_OPT_MAX_METADATA_CHUNKS, 0), PRTS_E_INVALID_ARG);
    prts_decoder_free(dec);
    free(meta);
}

/* "{"data_size":0,"x":[0,0,...]}" with n values. */
static char *many_values(size_t n)
{
    static const char head[] = "{\"data_size\":0,\"x\":[0", tail[] = "]}";
    size_t len = sizeof head - 1 + 2 * (n - 1) + sizeof tail;
    char *t = malloc(len);
    memcpy(t, head, sizeof head - 1);
    for (size_t i = 1; i < n; i++)
        memcpy(t + sizeof head - 1 + 2 * (i - 1), ",0", 2);
    memcpy(t + len - sizeof tail, tail, sizeof tail);
    return t;
}

static int read_info_mem(void *arg, uint64_t *bytes_read)
{
    tu_buf *png = arg;
    prts_decoder *dec = prts_decoder_new();
    tu_reader r;
    tu_reader_init(&r, png->data, png->len, 0, false);
    int rc = prts_decoder_open(dec, tu_read_cb, &r);
    *bytes_read = r.pos;
    prts_decoder_free(dec);
    return rc;
}

/* Millions of JSON values in a sidecar or a chunk within the size limit: PRTS_E_LIMIT
 * before jansson builds them; a million pass. */
static void t_json_value_count(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp(), *in = tu_path(dir, "x.rts.png"), *side = tu_path(dir, "x.rts.png.meta.json");
    char *out = tu_path(dir, "out");
    prts_encoder *enc = prts_encoder_new();
    tu_buf png = {0};
    assert_int_equal(tu_encode_mem(enc, "", 0, 0, &png), PRTS_OK);
    prts_encoder_free(enc);
    tu_write_file(in, png.data, png.len);
    tu_buf_free(&png);
    file_case fc = {in, out};
    char *text = many_values(4000000);
    tu_write_file(side, text, strlen(text));
    assert_refused(run_child(read_info, &fc), PRTS_E_LIMIT);
    free(text);
    text = many_values(999990); /* the object, the array and their values: within 1000000 */
    tu_write_file(side, text, strlen(text));
    assert_int_equal(run_child(read_info, &fc).status, PRTS_OK);
    free(text);
    /* the same in the PNG's chunk */
    text = many_values(4000000);
    char *chunk = tu_strdupf("PixelRTS%s", text);
    uint8_t px[4] = {0};
    tu_text t = {"PixelRTS", chunk};
    size_t len;
    png.data = tu_png_encode(1, 1, px, &t, 1, &len);
    png.len = len;
    assert_refused(run_child(read_info_mem, &png), PRTS_E_LIMIT);
    free(png.data);
    free(chunk);
    free(text);
    tu_rmtree(dir);
    free(dir);
    free(in);
    free(side);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_bomb_construction),
        cmocka_unit_test(t_bomb_small_claim),
        cmocka_unit_test(t_bomb_full_claim),
        cmocka_unit_test(t_bomb_explicit_grid),
        cmocka_unit_test(t_huge_metadata_chunk),
        cmocka_unit_test(t_huge_sidecar),
        cmocka_unit_test(t_many_text_chunks),
        cmocka_unit_test(t_text_chunk_limit),
        cmocka_unit_test(t_json_value_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
