/* png/read.h: PNG reading through libspng: header, text chunks, rows. */
#ifndef PRTS__PNG_READ_H
#define PRTS__PNG_READ_H

#include <spng.h>
#include <zlib.h>
#include <stddef.h>
#include <stdint.h>

#include "common/common.h"
#include "png/spng_alloc.h"

/* Follows the chunk framing of the bytes handed to libspng and checks each
 * chunk's CRC itself, so that a damaged chunk is reported as a CRC error
 * even when libspng trips over its contents (an inflate error) before it
 * reaches the chunk's CRC field. */
typedef struct prts__crc_tracker {
    int phase;             /* signature, header, data or crc */
    uint32_t left;         /* bytes left in this phase */
    uint8_t field[8];      /* chunk header or CRC being collected */
    uint32_t crc;          /* running CRC of type + data */
    uint64_t offset;       /* bytes seen so far */
    uint64_t chunk_at;     /* offset of the current chunk */
    char type[5];
    int bad;               /* a chunk failed its CRC: type/chunk_at name it */
    uint32_t texts;        /* text chunks (tEXt, zTXt, iTXt) seen so far */
    uint64_t max_text;     /* a longer text chunk sets text_too_big (checked before */
    int text_too_big;      /* its data is read: libspng would read it all) */
    uint32_t text_len;
    int idat;              /* the current chunk is an IDAT */
    uint8_t idat_tail[4];  /* the last 4 bytes of image data so far: at the end, the
                              zlib stream's Adler-32 (prts__png_read_end checks it) */
    struct z_stream_s *zcheck; /* files whose rows we cannot filter again (not plain
                              RGBA8): the image data inflated by zlib alone, the output
                              dropped, to check the stream whole: its end and Adler-32 */
    int zstate;            /* ZCHECK_* */
} prts__crc_tracker;

typedef struct prts__png_reader {
    spng_ctx *ctx;
    prts_read_fn read;
    void *user;
    const char *name;      /* for messages: the file name or "stream" */
    uint8_t *buf;          /* read-ahead buffer over the callback */
    size_t pos, fill;
    int eof;
    int callback_failed;
    uint32_t max_texts;    /* more text chunks than this: PRTS_E_LIMIT */
    uint64_t max_chunk;    /* largest text chunk (for messages) */
    int too_many_texts;
    prts__crc_tracker crc;
    uint32_t side;         /* image width (== height once prts__png_read_check_grid passed) */
    uint32_t height;
    int plain_rgba8;       /* 8-bit RGBA, not interlaced: rows are the pixels as they are */
    uint8_t *image;        /* whole image, only for interlaced files */
    uint32_t next_row;
    /* The zlib stream's Adler-32, checked by us for plain RGBA8 files: libspng skips
     * the check under SPNG_CRC_USE (which our tracker needs), and even with it on,
     * checks only when the stream's last 4 bytes arrive in the same read as the last
     * row.  The inflated stream is each row's filter byte and filtered bytes, so the
     * rows libspng hands out are filtered again (png/filter.h) and summed. */
    int check_adler;
    uint32_t adler;        /* of the inflated stream so far */
    uint8_t *last_row;     /* the row before the next one (zeros before row 0) */
    uint8_t *filtered;     /* a row filtered again */
    const prts_allocator *alloc; /* our allocations */
    prts__spng_arena spng_mem;   /* libspng's (spng_alloc.c) */
} prts__png_reader;

/* Read the signature and IHDR; check both sides are within max_side; limit
 * text chunks to max_chunk bytes each and to max_texts chunks.  The image's
 * shape is not checked here: see prts__png_read_check_grid. */
int prts__png_read_open(prts__png_reader *r, const prts_allocator *a, prts_read_fn read,
                        void *user, const char *name, uint32_t max_side, uint64_t max_chunk,
                        uint32_t max_texts, prts__err *e);
/* The image is a grid: square, its side a power of two (PRTS_E_NOT_SQUARE,
 * PRTS_E_GRID_NOT_POW2 otherwise, in the original's words).  Apart from
 * opening so that the caller asks it only of a PNG that claims to be a
 * PixelRTS file: a photo without metadata is "not a PixelRTS file", not
 * "Invalid grid size: 100".  Call it before any row is read. */
int prts__png_read_check_grid(const prts__png_reader *r, prts__err *e);
/* Receives one text chunk (tEXt, zTXt or iTXt, its text inflated): its keyword, and
 * its text of `len` bytes, which stays in the reader's memory until
 * prts__png_read_free; returns PRTS_OK to go on, or a prts_status recorded in `e`,
 * which stops the reading.  Which texts matter is the caller's business (the
 * format layer: format/metadata.h, prts__meta_text_seen). */
typedef int (*prts__png_text_fn)(void *user, const char *keyword, const char *text, size_t len,
                                 prts__err *e);
/* Hand every text chunk read so far (before the first IDAT, until rows are read)
 * to `fn`, in file order; the first status other than PRTS_OK is returned. */
int prts__png_read_texts(prts__png_reader *r, prts__png_text_fn fn, void *user, prts__err *e);
/* Start pixel decoding (RGBA8 whatever the file's colour type). */
int prts__png_read_begin(prts__png_reader *r, prts__err *e);
/* Decode the next `n` rows into rows[0], rows[stride], ... */
int prts__png_read_rows(prts__png_reader *r, uint8_t *rows, size_t stride, uint32_t n,
                        prts__err *e);
/* Read the chunks after the image, through IEND, checking their CRCs and that
 * nothing follows IEND; then hand every text chunk of the file, those after
 * the image included, to `fn` (unless NULL) as prts__png_read_texts does; then
 * check (plain RGBA8 files, every row read) the zlib stream's Adler-32. */
int prts__png_read_end(prts__png_reader *r, prts__png_text_fn fn, void *user, prts__err *e);
void prts__png_read_free(prts__png_reader *r);
/* Offset of the first IDAT chunk, once the text chunks were read and before any
 * row; 0 when the reader is not there. */
uint64_t prts__png_read_first_idat(const prts__png_reader *r);
/* The zlib stream's Adler-32 check (both readers): PRTS_OK if `stored`, the
 * stream's last 4 bytes, is `computed`, else PRTS_E_PNG naming `name`. */
int prts__check_adler(uint32_t stored, uint32_t computed, const char *name, prts__err *e);

/* prts_read_fn over a file descriptor (user = pointer to int fd). */
ptrdiff_t prts__fd_read(void *user, void *buf, size_t cap);

#endif
