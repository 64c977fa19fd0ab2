/* png_write.h: progressive RGBA8 PNG writing through libspng. */
#ifndef PRTS__PNG_WRITE_H
#define PRTS__PNG_WRITE_H

#include <spng.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

typedef struct prts__png_writer {
    spng_ctx *ctx;
    prts_write_fn write;
    void *user;
    int callback_failed;
} prts__png_writer;

/* Start a g x g RGBA8 PNG whose first ancillary chunk is the tEXt
 * `PixelRTS` chunk holding `meta_text`, followed by the `PixelRTS-Blueprint`
 * chunk when `blueprint_text` is non-NULL (both written before IDAT). */
int prts__png_write_begin(prts__png_writer *w, uint32_t g, char *meta_text, size_t meta_len,
                          char *blueprint_text, size_t blueprint_len, int level, int filter,
                          prts_write_fn write, void *user, prts__err *e);
/* Append one row of 4*g bytes; the last row also writes IEND. */
int prts__png_write_row(prts__png_writer *w, const uint8_t *row, size_t len, prts__err *e);
void prts__png_write_free(prts__png_writer *w);

#endif
