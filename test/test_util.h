/* test_util.h: helpers shared by the cmocka tests (files, temp dirs, random
 * bytes, PNG pixels through libspng, memory read/write callbacks). */
#ifndef PRTS_TEST_UTIL_H
#define PRTS_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <sys/types.h>
#include <cmocka.h>

#include <jansson.h>

#include "pixelrts/pixelrts.h"

/* ---- byte buffers ---------------------------------------------------- */

typedef struct tu_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} tu_buf;

void tu_buf_append(tu_buf *b, const void *p, size_t n);
void tu_buf_free(tu_buf *b);

/* ---- files and directories ------------------------------------------ */

/* Whole file into memory (fails the test if it cannot be read). */
uint8_t *tu_read_file(const char *path, size_t *len);
/* Same, but returns NULL (no failure) if the file cannot be read. */
uint8_t *tu_try_read_file(const char *path, size_t *len);
void tu_write_file(const char *path, const void *data, size_t len);
bool tu_file_exists(const char *path);
/* Number of entries in a directory ("." and ".." excluded). */
int tu_dir_count(const char *dir);

/* A fresh directory under $TMPDIR (or /tmp); remove it with tu_rmtree. */
char *tu_mkdtemp(void);
void tu_rmtree(const char *dir);
/* malloc'd "a/b" */
char *tu_path(const char *dir, const char *name);
/* malloc'd printf */
char *tu_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A cmocka fixture: setup makes *state a tu_fx holding a fresh temporary
 * folder, teardown removes both. */
typedef struct tu_fx {
    char *dir;
} tu_fx;
int tu_fx_setup(void **state);
int tu_fx_teardown(void **state);

/* $PRTS_VECTORS (fails the test if unset). */
const char *tu_vectors_dir(void);
/* malloc'd path of a file inside the vectors directory. */
char *tu_vector_path(const char *name);
/* MANIFEST.json, parsed (caller json_decref). */
json_t *tu_manifest(void);

/* ---- data ------------------------------------------------------------ */

/* Deterministic pseudo-random bytes (xorshift64*; seed != 0). */
void tu_random_bytes(uint64_t *state, void *out, size_t n);
/* `n` pseudo-random bytes from `seed` written to `path`; returns them (free()). */
uint8_t *tu_write_random_file(const char *path, size_t n, uint64_t seed);
uint64_t tu_rand_next(uint64_t *state);
/* Lowercase hex SHA-256 into out[65]. */
void tu_sha256_hex(const void *data, size_t len, char out[65]);

/* Fail with the first differing offset (cmocka's memory compare floods
 * the log on big buffers). */
#define tu_assert_bytes_equal(a, alen, b, blen) \
    tu_assert_bytes_equal_(a, alen, b, blen, __FILE__, __LINE__)
void tu_assert_bytes_equal_(const void *a, size_t alen, const void *b, size_t blen,
                            const char *file, int line);

/* ---- PNG through libspng ---------------------------------------------- */

typedef struct tu_text {
    const char *keyword;
    const char *text;   /* NUL-terminated */
} tu_text;

/* Decode a PNG in memory to RGBA8; returns 0 and fills *w, *h, *rgba
 * (malloc'd), or the libspng error code. */
int tu_png_rgba(const void *png, size_t len, uint32_t *w, uint32_t *h, uint8_t **rgba);
/* Text of the first tEXt/zTXt/iTXt chunk with this keyword (malloc'd), NULL if none. */
char *tu_png_text(const void *png, size_t len, const char *keyword);
/* Encode a w x h RGBA8 image with the given tEXt chunks; malloc'd PNG. */
uint8_t *tu_png_encode(uint32_t w, uint32_t h, const uint8_t *rgba,
                       const tu_text *texts, int n_texts, size_t *len);

/* Walk raw PNG chunks: offset of the n-th (0-based) chunk of `type`
 * (its length field), or -1. */
long tu_png_find_chunk(const uint8_t *png, size_t len, const char *type, int nth);
/* Index (in file order) of the first chunk of `type`, or -1. */
int tu_png_chunk_index(const uint8_t *png, size_t len, const char *type);
/* Rewrite the CRC of the chunk at offset `at` after a change to its data. */
void tu_png_fix_crc(uint8_t *png, long at);
/* Insert a chunk (valid CRC) at offset `at` of the tu_buf holding a PNG. */
void tu_png_insert_chunk(tu_buf *png, size_t at, const char *type, const void *data,
                         uint32_t len);
/* Remove the chunk at offset `at` of the tu_buf holding a PNG. */
void tu_png_remove_chunk(tu_buf *png, size_t at);

/* ---- library callbacks ---------------------------------------------- */

/* prts_write_fn appending to a tu_buf. */
int tu_write_cb(void *user, const void *buf, size_t len);

/* Read source over memory; max_read 0 = give all that fits, else short
 * reads of random length in 1..max_read (if random_len) or exactly max_read. */
typedef struct tu_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    size_t max_read;
    bool random_len;
    uint64_t rng;
    int fail_after;   /* >0: return -1 once this many calls were made */
    int calls;
} tu_reader;

void tu_reader_init(tu_reader *r, const void *data, size_t len, size_t max_read, bool random_len);
ptrdiff_t tu_read_cb(void *user, void *buf, size_t cap);

/* Encode `data` with `enc` through push (chunks of `chunk` bytes, 0 = one
 * push) + finish into *out.  Returns the first non-OK status. */
int tu_encode_mem(prts_encoder *enc, const void *data, size_t len, size_t chunk, tu_buf *out);
/* Decode a PNG in memory through open + pull (reads as in tu_reader with
 * max_read/random_len, pulls of `pull_cap` bytes or random 1..pull_cap if
 * pull_random).  Returns the first non-OK status; *out gets the payload. */
int tu_decode_mem(prts_decoder *dec, const void *png, size_t len, size_t max_read,
                  bool random_read, size_t pull_cap, bool pull_random, tu_buf *out);

/* Parse a JSON text (fails the test on error). */
json_t *tu_json_parse(const char *text);
json_t *tu_json_load_file(const char *path);

#endif
