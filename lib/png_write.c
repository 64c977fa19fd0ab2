/* png_write.c: progressive PNG writing through libspng (metadata before IDAT). */
#include <string.h>

#include "png_write.h"

static int write_cb(spng_ctx *ctx, void *user, void *src, size_t len)
{
    (void)ctx;
    prts__png_writer *w = user;
    if (w->write(w->user, src, len) != 0) {
        w->callback_failed = 1;
        return SPNG_IO_ERROR;
    }
    return 0;
}

static int spng_fail(prts__png_writer *w, int rc, prts__err *e)
{
    if (w->callback_failed)
        return prts__fail(e, PRTS_E_CALLBACK, "the output write callback failed");
    if (rc == SPNG_EMEM)
        return prts__fail(e, PRTS_E_NOMEM, "libspng: out of memory");
    return prts__fail(e, PRTS_E_PNG, "libspng encoder: %s", spng_strerror(rc));
}

int prts__png_write_begin(prts__png_writer *w, uint32_t g, char *meta_text, size_t meta_len,
                          char *blueprint_text, size_t blueprint_len, int level, int filter,
                          prts_write_fn write, void *user, prts__err *e)
{
    memset(w, 0, sizeof *w);
    w->write = write;
    w->user = user;
    w->ctx = spng_ctx_new(SPNG_CTX_ENCODER);
    if (!w->ctx)
        return prts__fail(e, PRTS_E_NOMEM, "libspng: cannot create an encoder");
    struct spng_ihdr ihdr = {
        .width = g, .height = g, .bit_depth = 8, .color_type = SPNG_COLOR_TYPE_TRUECOLOR_ALPHA,
    };
    struct spng_text text[2] = {
        {.keyword = "PixelRTS", .type = SPNG_TEXT, .length = meta_len, .text = meta_text},
        {.keyword = "PixelRTS-Blueprint", .type = SPNG_TEXT, .length = blueprint_len,
         .text = blueprint_text},
    };
    int rc;
    if ((rc = spng_set_png_stream(w->ctx, write_cb, w)) ||
        (rc = spng_set_ihdr(w->ctx, &ihdr)) ||
        (rc = spng_set_text(w->ctx, text, blueprint_text ? 2 : 1)) ||
        (rc = spng_set_option(w->ctx, SPNG_IMG_COMPRESSION_LEVEL, level)) ||
        (rc = spng_set_option(w->ctx, SPNG_FILTER_CHOICE, filter == PRTS_FILTER_NONE
                                                              ? SPNG_FILTER_CHOICE_NONE
                                                              : SPNG_FILTER_CHOICE_ALL)) ||
        (rc = spng_encode_image(w->ctx, NULL, 0, SPNG_FMT_PNG,
                                SPNG_ENCODE_PROGRESSIVE | SPNG_ENCODE_FINALIZE)))
        return spng_fail(w, rc, e);
    return PRTS_OK;
}

int prts__png_write_row(prts__png_writer *w, const uint8_t *row, size_t len, prts__err *e)
{
    int rc = spng_encode_row(w->ctx, row, len);
    if (rc == SPNG_OK || rc == SPNG_EOI)
        return PRTS_OK;
    return spng_fail(w, rc, e);
}

void prts__png_write_free(prts__png_writer *w)
{
    spng_ctx_free(w->ctx);
    w->ctx = NULL;
}
