/* fuzz_mutate_png.c: libFuzzer's custom mutator for the decode target.
 *
 * A byte mutation of a PNG almost always breaks a chunk CRC, and the reader
 * stops at the first bad CRC: a grown corpus held no input that decoded, so
 * the inflate, Hilbert, metadata and hash paths, and the differential
 * between the indexed and the sequential reader, were out of reach (issue
 * 15).  After libFuzzer's mutation this puts the framing back, so that what
 * is fuzzed is the content and not the checksums guarding it:
 *
 * - the prIX index's derived fields: segment offsets (the last `count`
 *   IDAT chunks before it, as our encoder lays them out), `end`, each
 *   segment's Adler-32 of its rows as they inflate, and the chunk length
 *   repeated at its end (its version, count, height and first rows stay as
 *   mutated);
 * - every chunk's CRC.
 *
 * Chosen from the seed, so that a run is reproducible: 1 input in 16 keeps
 * its checksums as mutated (the failure paths stay covered), 1 in 4 keeps
 * the index as mutated, 1 in 4 also gets the zlib Adler-32 at the end of
 * the IDAT stream recomputed (damaged pixels then pass every framing check:
 * only the metadata's hash can tell), and 1 in 8, instead of a byte
 * mutation, gets the metadata's data_hash set to the SHA-256 of what it
 * decodes to, so that verification succeeds on content no encoder wrote.
 *
 * PRTS_FUZZ_MUTATOR=0 in the environment leaves libFuzzer's mutation alone
 * (to measure what this adds). */
#include "fuzz.h"
#include "fuzz_png.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

/* The decode target's grid limit: no work on an image it refuses anyway. */
#define MAX_SIDE 1024

static int enabled(void)
{
    static int on = -1;
    if (on < 0) {
        const char *v = getenv("PRTS_FUZZ_MUTATOR");
        on = !(v && strcmp(v, "0") == 0);
    }
    return on;
}

static uint32_t image_side(const uint8_t *data, const fuzz_chunk *c, size_t n)
{
    if (n == 0 || !fuzz_png_is(&c[0], "IHDR") || c[0].len < 13)
        return 0;
    uint32_t side = fuzz_get32(data + c[0].at + 8);
    return side <= MAX_SIDE ? side : 0;
}

static void fix_index(uint8_t *data, const fuzz_chunk *c, size_t n)
{
    size_t ix = n, nidat = 0;
    for (size_t i = 0; i < n; i++)
        if (fuzz_png_is(&c[i], "prIX"))
            ix = i;
    if (ix == n || c[ix].len < 24)
        return;
    uint8_t *p = data + c[ix].at + 8;
    uint32_t len = c[ix].len;
    fuzz_put32(p + len - 4, len);
    uint32_t count = fuzz_get32(p + 4);
    if (count > (len - 24) / 16)
        count = (len - 24) / 16;
    size_t *idat = malloc((ix + 1) * sizeof *idat);
    if (!idat)
        abort();
    for (size_t i = 0; i < ix; i++)
        if (fuzz_png_is(&c[i], "IDAT"))
            idat[nidat++] = i;
    if (count == 0 || nidat < count) {
        free(idat);
        return;
    }
    const fuzz_chunk *seg = NULL;
    uint32_t side = image_side(data, c, n);
    size_t rowb = 1 + 4 * (size_t)side;
    for (uint32_t k = 0; k < count; k++) {
        seg = &c[idat[nidat - count + k]];
        uint8_t *q = p + 20 + (size_t)k * 16;
        fuzz_put32(q, (uint32_t)((uint64_t)seg->at >> 32));
        fuzz_put32(q + 4, (uint32_t)seg->at);
        /* rows first_row .. the next entry's (the image's end for the last) */
        uint32_t first = fuzz_get32(q + 8);
        uint32_t next = k + 1 < count ? fuzz_get32(q + 24) : side;
        if (!side || first >= next || next > side)
            continue;
        fuzz_inflated res;
        uint64_t want = (uint64_t)(next - first) * rowb;
        fuzz_png_inflate(data, seg, 1, k == 0 ? 2 : 0, 0, want, &res);
        if (res.out == want)
            fuzz_put32(q + 12, res.adler);
    }
    uint64_t end = seg->at + 12 + seg->len;
    fuzz_put32(p + 12, (uint32_t)(end >> 32));
    fuzz_put32(p + 16, (uint32_t)end);
    free(idat);
}

/* The zlib Adler-32 after the deflate data of the first run of IDAT chunks. */
static void fix_stream_adler(uint8_t *data, const fuzz_chunk *c, size_t n)
{
    size_t first = 0, run = 0;
    while (first < n && !fuzz_png_is(&c[first], "IDAT"))
        first++;
    while (first + run < n && fuzz_png_is(&c[first + run], "IDAT"))
        run++;
    fuzz_inflated res;
    if (!run)
        return;
    fuzz_png_inflate(data, c + first, run, 2, 0, FUZZ_PNG_MAX_OUT, &res);
    if (!res.end)
        return;
    size_t at[4];
    for (int i = 0; i < 4; i++)
        if (!(at[i] = fuzz_png_data_at(c + first, run, res.used + (uint64_t)i)))
            return;
    for (int i = 0; i < 4; i++)
        data[at[i]] = (uint8_t)(res.adler >> (24 - 8 * i));
}

/* data_hash in the PixelRTS text chunk := the SHA-256 of the payload the
 * input decodes to.  The input is one libFuzzer has just run (a corpus
 * entry or the previous step of a mutation chain), so decoding it here
 * cannot crash outside the target.  1 if the hash changed. */
static int fix_hash(uint8_t *data, size_t size)
{
    static const char key[] = "\"data_hash\"";
    size_t n;
    fuzz_chunk *c = fuzz_png_chunks(data, size, &n);
    uint8_t *hex = NULL;
    for (size_t i = 0; i < n && !hex; i++) {
        uint8_t *t = data + c[i].at + 8, *end = t + c[i].len;
        if (!fuzz_png_is(&c[i], "tEXt") || c[i].len < 9 || memcmp(t, "PixelRTS", 9) != 0)
            continue;
        for (uint8_t *k = t; !hex && (size_t)(end - k) >= sizeof key - 1; k++) {
            if (memcmp(k, key, sizeof key - 1) != 0)
                continue;
            uint8_t *v = k + sizeof key - 1;
            while (v < end && (*v == ' ' || *v == ':'))
                v++;
            if (end - v >= 66 && v[0] == '"' && v[65] == '"')
                hex = v + 1;
        }
    }
    free(c);
    if (!hex)
        return 0;
    fuzz_buf payload = {0};
    int rc = fuzz_decode_stream(data, size, &payload);
    uint8_t md[EVP_MAX_MD_SIZE];
    char digest[65];
    unsigned md_len = 0;
    if (rc == 0 && EVP_Digest(payload.len ? payload.data : (uint8_t *)"", payload.len, md,
                              &md_len, EVP_sha256(), NULL) == 1 && md_len == 32) {
        for (int i = 0; i < 32; i++) {
            digest[2 * i] = "0123456789abcdef"[md[i] >> 4];
            digest[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
        }
    } else {
        rc = -1;
    }
    fuzz_buf_free(&payload);
    if (rc != 0 || memcmp(hex, digest, 64) == 0)
        return 0;
    memcpy(hex, digest, 64);
    return 1;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    if (!enabled())
        return LLVMFuzzerMutate(data, size, max_size);
    fuzz_rng rng = {seed};
    uint64_t r = fuzz_rand(&rng);
    int hashed = r % 8 == 0 && fix_hash(data, size);
    if (!hashed)
        size = LLVMFuzzerMutate(data, size, max_size);
    if (!hashed && (r >> 8) % 16 == 0) /* a new hash is worth nothing behind a bad CRC */
        return size;
    size_t n;
    fuzz_chunk *c = fuzz_png_chunks(data, size, &n);
    if ((r >> 16) % 4 != 0)
        fix_index(data, c, n);
    if ((r >> 24) % 4 == 0)
        fix_stream_adler(data, c, n);
    for (size_t i = 0; i < n; i++)
        fuzz_put32(data + c[i].at + 8 + c[i].len,
                   (uint32_t)crc32(0, data + c[i].at + 4, (uInt)c[i].len + 4));
    free(c);
    return size;
}
