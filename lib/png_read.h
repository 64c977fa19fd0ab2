/* png_read.h: PNG reading through libspng: header, metadata text, rows. */
#ifndef PRTS__PNG_READ_H
#define PRTS__PNG_READ_H

#include <spng.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

typedef struct prts__png_reader {
    spng_ctx *ctx;
    prts_read_fn read;
    void *user;
    const char *name;      /* for messages: the file name or "stream" */
    uint8_t *buf;          /* read-ahead buffer over the callback */
    size_t pos, fill;
    int eof;
    int callback_failed;
    uint32_t side;         /* image width == height */
    uint8_t *image;        /* whole image, only for interlaced files */
    uint32_t next_row;
} prts__png_reader;

/* Read the signature and IHDR; check the image is square, a power of two
 * and within max_side; limit text chunks to max_chunk bytes. */
int prts__png_read_open(prts__png_reader *r, prts_read_fn read, void *user, const char *name,
                        uint32_t max_side, uint64_t max_chunk, prts__err *e);
/* The first text chunk holding PixelRTS metadata (chunks before IDAT);
 * *text points into the reader.  PRTS_E_NO_METADATA if there is none. */
int prts__png_read_metadata(prts__png_reader *r, const char **text, size_t *len, prts__err *e);
/* Start pixel decoding (RGBA8 whatever the file's colour type). */
int prts__png_read_begin(prts__png_reader *r, prts__err *e);
/* Decode the next `n` rows into rows[0], rows[stride], ... */
int prts__png_read_rows(prts__png_reader *r, uint8_t *rows, size_t stride, uint32_t n,
                        prts__err *e);
void prts__png_read_free(prts__png_reader *r);

/* prts_read_fn over a file descriptor (user = pointer to int fd). */
ptrdiff_t prts__fd_read(void *user, void *buf, size_t cap);

#endif
