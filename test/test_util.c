/* test_util.c: helpers shared by the cmocka tests. */
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <spng.h>
#include <zlib.h>

/* ---- byte buffers ---------------------------------------------------- */

void tu_buf_append(tu_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        assert_non_null(d);
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void tu_buf_free(tu_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- files and directories ------------------------------------------ */

uint8_t *tu_try_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    tu_buf b = {0};
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        tu_buf_append(&b, tmp, n);
    fclose(f);
    if (!b.data)
        b.data = malloc(1);
    *len = b.len;
    return b.data;
}

uint8_t *tu_read_file(const char *path, size_t *len)
{
    uint8_t *d = tu_try_read_file(path, len);
    if (!d)
        fail_msg("cannot read %s: %s", path, strerror(errno));
    return d;
}

void tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot create %s: %s", path, strerror(errno));
    if (len && fwrite(data, 1, len, f) != len)
        fail_msg("cannot write %s", path);
    if (fclose(f) != 0)
        fail_msg("cannot close %s", path);
}

bool tu_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int tu_dir_count(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    }
    closedir(d);
    return n;
}

char *tu_strdupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    assert_non_null(s);
    return s;
}

char *tu_path(const char *dir, const char *name)
{
    return tu_strdupf("%s/%s", dir, name);
}

char *tu_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    char *t = tu_strdupf("%s/prts-test-XXXXXX", base);
    if (!mkdtemp(t))
        fail_msg("mkdtemp(%s): %s", t, strerror(errno));
    return t;
}

void tu_rmtree(const char *dir)
{
    if (!dir)
        return;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *p = tu_path(dir, e->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                tu_rmtree(p);
            else
                unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

int tu_fx_setup(void **state)
{
    tu_fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tu_mkdtemp();
    *state = f;
    return 0;
}

int tu_fx_teardown(void **state)
{
    tu_fx *f = *state;
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

const char *tu_vectors_dir(void)
{
    const char *v = getenv("PRTS_VECTORS");
    if (!v || !*v)
        fail_msg("PRTS_VECTORS is not set (run through meson test)");
    return v;
}

char *tu_vector_path(const char *name)
{
    return tu_path(tu_vectors_dir(), name);
}

json_t *tu_json_parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fail_msg("JSON parse error at %d: %s in <%.200s>", err.position, err.text, text);
    return j;
}

json_t *tu_json_load_file(const char *path)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        fail_msg("JSON parse error in %s line %d: %s", path, err.line, err.text);
    return j;
}

json_t *tu_manifest(void)
{
    char *p = tu_vector_path("MANIFEST.json");
    json_t *j = tu_json_load_file(p);
    free(p);
    assert_true(json_is_array(j));
    return j;
}

/* ---- data ------------------------------------------------------------ */

uint64_t tu_rand_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

void tu_random_bytes(uint64_t *state, void *out, size_t n)
{
    uint8_t *o = out;
    while (n >= 8) {
        uint64_t v = tu_rand_next(state);
        memcpy(o, &v, 8);
        o += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = tu_rand_next(state);
        memcpy(o, &v, n);
    }
}

uint8_t *tu_write_random_file(const char *path, size_t n, uint64_t seed)
{
    uint8_t *data = malloc(n ? n : 1);
    assert_non_null(data);
    tu_random_bytes(&seed, data, n);
    tu_write_file(path, data, n);
    return data;
}

void tu_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    assert_int_equal(EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL), 1);
    assert_int_equal(mdlen, 32);
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
    out[64] = 0;
}

void tu_assert_bytes_equal_(const void *a, size_t alen, const void *b, size_t blen,
                            const char *file, int line)
{
    const uint8_t *x = a, *y = b;
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            print_error("%s:%d: bytes differ at offset %zu: 0x%02x != 0x%02x (lengths %zu, %zu)\n",
                        file, line, i, x[i], y[i], alen, blen);
            _fail(file, line);
        }
    }
    if (alen != blen) {
        print_error("%s:%d: lengths differ: %zu != %zu (common prefix equal)\n",
                    file, line, alen, blen);
        _fail(file, line);
    }
}

/* ---- PNG through libspng ---------------------------------------------- */

int tu_png_rgba(const void *png, size_t len, uint32_t *w, uint32_t *h, uint8_t **rgba)
{
    *rgba = NULL;
    spng_ctx *ctx = spng_ctx_new(0);
    assert_non_null(ctx);
    int r = spng_set_png_buffer(ctx, png, len);
    struct spng_ihdr ihdr;
    if (!r)
        r = spng_get_ihdr(ctx, &ihdr);
    size_t sz = 0;
    if (!r)
        r = spng_decoded_image_size(ctx, SPNG_FMT_RGBA8, &sz);
    if (!r) {
        *rgba = malloc(sz ? sz : 1);
        assert_non_null(*rgba);
        r = spng_decode_image(ctx, *rgba, sz, SPNG_FMT_RGBA8, 0);
    }
    if (!r) {
        *w = ihdr.width;
        *h = ihdr.height;
    } else {
        free(*rgba);
        *rgba = NULL;
    }
    spng_ctx_free(ctx);
    return r;
}

char *tu_png_text(const void *png, size_t len, const char *keyword)
{
    spng_ctx *ctx = spng_ctx_new(0);
    assert_non_null(ctx);
    char *res = NULL;
    uint32_t n = 0;
    int r = spng_set_png_buffer(ctx, png, len);
    if (!r) {
        /* text chunks before IDAT are read with the header; decode the
         * image too so that chunks after IDAT are seen as well */
        size_t sz = 0;
        r = spng_decoded_image_size(ctx, SPNG_FMT_RGBA8, &sz);
        if (!r) {
            void *img = malloc(sz ? sz : 1);
            spng_decode_image(ctx, img, sz, SPNG_FMT_RGBA8, 0);
            free(img);
        }
    }
    if (spng_get_text(ctx, NULL, &n) == 0 && n > 0) {
        struct spng_text *t = calloc(n, sizeof *t);
        assert_non_null(t);
        if (spng_get_text(ctx, t, &n) == 0) {
            for (uint32_t i = 0; i < n; i++) {
                if (strcmp(t[i].keyword, keyword) == 0) {
                    res = malloc(t[i].length + 1);
                    memcpy(res, t[i].text, t[i].length);
                    res[t[i].length] = 0;
                    break;
                }
            }
        }
        free(t);
    }
    spng_ctx_free(ctx);
    return res;
}

uint8_t *tu_png_encode(uint32_t w, uint32_t h, const uint8_t *rgba,
                       const tu_text *texts, int n_texts, size_t *len)
{
    spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
    assert_non_null(ctx);
    assert_int_equal(spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1), 0);
    struct spng_ihdr ihdr = {0};
    ihdr.width = w;
    ihdr.height = h;
    ihdr.bit_depth = 8;
    ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
    assert_int_equal(spng_set_ihdr(ctx, &ihdr), 0);
    if (n_texts > 0) {
        struct spng_text *t = calloc((size_t)n_texts, sizeof *t);
        assert_non_null(t);
        for (int i = 0; i < n_texts; i++) {
            snprintf(t[i].keyword, sizeof t[i].keyword, "%s", texts[i].keyword);
            t[i].type = SPNG_TEXT;
            t[i].length = strlen(texts[i].text);
            t[i].text = (char *)texts[i].text;
        }
        int r = spng_set_text(ctx, t, (uint32_t)n_texts);
        if (r)
            fail_msg("spng_set_text: %s", spng_strerror(r));
        free(t);
    }
    int r = spng_encode_image(ctx, rgba, (size_t)w * h * 4, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
    if (r)
        fail_msg("spng_encode_image: %s", spng_strerror(r));
    int err = 0;
    uint8_t *png = spng_get_png_buffer(ctx, len, &err);
    if (!png || err)
        fail_msg("spng_get_png_buffer: %s", spng_strerror(err));
    spng_ctx_free(ctx);
    return png;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

long tu_png_find_chunk(const uint8_t *png, size_t len, const char *type, int nth)
{
    size_t p = 8;
    while (p + 12 <= len) {
        uint32_t l = be32(png + p);
        if (memcmp(png + p + 4, type, 4) == 0 && nth-- == 0)
            return (long)p;
        if ((uint64_t)p + 12 + l > len)
            break;
        p += 12 + (size_t)l;
    }
    return -1;
}

int tu_png_chunk_index(const uint8_t *png, size_t len, const char *type)
{
    size_t p = 8;
    int i = 0;
    while (p + 12 <= len) {
        uint32_t l = be32(png + p);
        if (memcmp(png + p + 4, type, 4) == 0)
            return i;
        if ((uint64_t)p + 12 + l > len)
            break;
        p += 12 + (size_t)l;
        i++;
    }
    return -1;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

void tu_png_fix_crc(uint8_t *png, long at)
{
    uint32_t len = be32(png + at);
    put_be32(png + at + 8 + len, (uint32_t)crc32(0, png + at + 4, len + 4));
}

void tu_png_insert_chunk(tu_buf *png, size_t at, const char *type, const void *data,
                         uint32_t len)
{
    assert_true(at <= png->len);
    tu_buf out = {0};
    uint8_t head[8];
    put_be32(head, len);
    memcpy(head + 4, type, 4);
    tu_buf_append(&out, png->data, at);
    tu_buf_append(&out, head, 8);
    tu_buf_append(&out, data, len);
    tu_buf_append(&out, head, 4); /* room for the CRC */
    tu_buf_append(&out, png->data + at, png->len - at);
    tu_png_fix_crc(out.data, (long)at);
    tu_buf_free(png);
    *png = out;
}

void tu_png_remove_chunk(tu_buf *png, size_t at)
{
    size_t n = (size_t)be32(png->data + at) + 12;
    assert_true(at + n <= png->len);
    memmove(png->data + at, png->data + at + n, png->len - at - n);
    png->len -= n;
}

/* ---- library callbacks ---------------------------------------------- */

int tu_write_cb(void *user, const void *buf, size_t len)
{
    tu_buf_append(user, buf, len);
    return 0;
}

void tu_reader_init(tu_reader *r, const void *data, size_t len, size_t max_read, bool random_len)
{
    memset(r, 0, sizeof *r);
    r->data = data;
    r->len = len;
    r->max_read = max_read;
    r->random_len = random_len;
    r->rng = 0x9E3779B97F4A7C15ull;
}

ptrdiff_t tu_read_cb(void *user, void *buf, size_t cap)
{
    tu_reader *r = user;
    r->calls++;
    if (r->fail_after > 0 && r->calls > r->fail_after)
        return -1;
    size_t n = r->len - r->pos;
    if (n > cap)
        n = cap;
    if (r->max_read && n > 0) {
        size_t lim = r->max_read;
        if (r->random_len)
            lim = 1 + (size_t)(tu_rand_next(&r->rng) % r->max_read);
        if (n > lim)
            n = lim;
    }
    memcpy(buf, r->data + r->pos, n);
    r->pos += n;
    return (ptrdiff_t)n;
}

int tu_encode_mem(prts_encoder *enc, const void *data, size_t len, size_t chunk, tu_buf *out)
{
    const uint8_t *p = data;
    if (chunk == 0)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        int r = prts_encoder_push(enc, p + off, n);
        if (r != PRTS_OK)
            return r;
    }
    return prts_encoder_finish(enc, tu_write_cb, out);
}

int tu_decode_mem(prts_decoder *dec, const void *png, size_t len, size_t max_read,
                  bool random_read, size_t pull_cap, bool pull_random, tu_buf *out)
{
    tu_reader rd;
    tu_reader_init(&rd, png, len, max_read, random_read);
    int r = prts_decoder_open(dec, tu_read_cb, &rd);
    if (r != PRTS_OK)
        return r;
    uint64_t rng = 12345;
    uint8_t *tmp = malloc(pull_cap ? pull_cap : 1);
    assert_non_null(tmp);
    for (;;) {
        size_t cap = pull_cap;
        if (pull_random)
            cap = 1 + (size_t)(tu_rand_next(&rng) % pull_cap);
        size_t got = (size_t)-1;
        r = prts_decoder_pull(dec, tmp, cap, &got);
        if (r != PRTS_OK)
            break;
        if (got > cap)
            fail_msg("pull returned got=%zu > cap=%zu", got, cap);
        if (got == 0)
            break;
        tu_buf_append(out, tmp, got);
        if (out->len > ((size_t)1 << 32))
            fail_msg("pull delivered more than 4 GiB: no end of stream?");
    }
    free(tmp);
    return r;
}
