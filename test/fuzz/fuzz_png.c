/* fuzz_png.c: PNG framing for the decode target's reference check and
 * mutator (fuzz_png.h), with zlib only. */
#include "fuzz_png.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

fuzz_chunk *fuzz_png_chunks(const uint8_t *data, size_t size, size_t *n)
{
    fuzz_chunk *c = NULL;
    size_t cap = 0;
    *n = 0;
    if (size < sizeof png_sig || memcmp(data, png_sig, sizeof png_sig) != 0)
        return NULL;
    for (size_t at = sizeof png_sig; size - at >= 12;) {
        uint32_t len = fuzz_get32(data + at);
        if (len > size - at - 12)
            break;
        if (*n == cap) {
            fuzz_chunk *more = realloc(c, (cap = cap ? 2 * cap : 16) * sizeof *c);
            if (!more)
                abort();
            c = more;
        }
        fuzz_chunk *k = &c[(*n)++];
        k->at = at;
        k->len = len;
        memcpy(k->type, data + at + 4, 4);
        if (fuzz_png_is(k, "IEND"))
            break;
        at += (size_t)len + 12;
    }
    return c;
}

int fuzz_png_is(const fuzz_chunk *c, const char type[4])
{
    return memcmp(c->type, type, 4) == 0;
}

void fuzz_png_inflate(const uint8_t *data, const fuzz_chunk *c, size_t n, size_t skip, int zlib,
                      uint64_t max_out, fuzz_inflated *res)
{
    /* the output is only summed up (length, Adler-32): a small window of
     * it is enough, whatever the image size */
    static uint8_t buf[1 << 16];
    z_stream z;
    memset(res, 0, sizeof *res);
    res->adler = 1;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, zlib ? 15 : -15) != Z_OK)
        abort();
    int zrc = Z_OK;
    for (size_t i = 0; i < n && zrc == Z_OK; i++) {
        size_t from = i == 0 ? skip : 0;
        if (from > c[i].len)
            break;
        z.next_in = (Bytef *)(data + c[i].at + 8 + from);
        z.avail_in = (uInt)(c[i].len - from);
        /* on after the input is used up while the buffer came back full:
         * zlib may hold output back */
        while (zrc == Z_OK && (z.avail_in || z.avail_out == 0) && res->out < max_out) {
            z.next_out = buf;
            z.avail_out = sizeof buf;
            zrc = inflate(&z, Z_NO_FLUSH);
            size_t got = sizeof buf - z.avail_out;
            if (got > max_out - res->out)
                got = (size_t)(max_out - res->out);
            res->adler = (uint32_t)adler32(res->adler, buf, (uInt)got);
            res->out += got;
            if (zrc == Z_BUF_ERROR) /* no progress: the rest of this chunk is needed */
                zrc = Z_OK;
        }
        if (res->out >= max_out)
            break;
    }
    res->end = zrc == Z_STREAM_END;
    res->used = skip + z.total_in;
    inflateEnd(&z);
}

size_t fuzz_png_data_at(const fuzz_chunk *c, size_t n, uint64_t pos)
{
    for (size_t i = 0; i < n; pos -= c[i].len, i++)
        if (pos < c[i].len)
            return c[i].at + 8 + (size_t)pos;
    return 0;
}

int fuzz_png_idat_ok(const uint8_t *data, size_t size, uint64_t max_out)
{
    size_t n, first = 0, run = 0;
    fuzz_chunk *c = fuzz_png_chunks(data, size, &n);
    while (first < n && !fuzz_png_is(&c[first], "IDAT"))
        first++;
    while (first + run < n && fuzz_png_is(&c[first + run], "IDAT"))
        run++;
    fuzz_inflated res = {0};
    if (run)
        fuzz_png_inflate(data, c + first, run, 0, 1, max_out, &res);
    int ok = res.end ? 1 : res.out >= max_out ? -1 : 0;
    /* plain RGBA8 (IHDR: depth 8, colour type 6, no interlace): the rows alone */
    const uint8_t *ihdr = n && fuzz_png_is(&c[0], "IHDR") && c[0].len == 13 ? data + c[0].at + 8
                                                                               : NULL;
    if (ok != 1 && run && ihdr && ihdr[8] == 8 && ihdr[9] == 6 && ihdr[12] == 0) {
        uint64_t side = fuzz_get32(ihdr), rows = side * (1 + 4 * side);
        uint64_t total = 0;
        for (size_t i = first; i < first + run; i++)
            total += c[i].len;
        if (rows <= max_out && total >= 4) {
            uint8_t tail[4]; /* the stream's last 4 bytes, which may span chunks */
            for (int k = 0; k < 4; k++)
                tail[k] = data[fuzz_png_data_at(c + first, run, total - 4 + (uint64_t)k)];
            fuzz_png_inflate(data, c + first, run, 0, 1, rows, &res);
            ok = res.out == rows && res.adler == fuzz_get32(tail);
        }
    }
    free(c);
    return ok;
}
