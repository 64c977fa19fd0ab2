/* common/common.h: internal definitions shared by every library source file. */
#ifndef PRTS__COMMON_H
#define PRTS__COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "pixelrts/pixelrts.h"

#define PRTS__ERRMSG_MAX 1024
#define PRTS__MAGIC_ENCODER 0x50525445u /* "PRTE" */
#define PRTS__MAGIC_DECODER 0x50525444u /* "PRTD" */

/* The detailed error of an operation: a status and a message naming the
 * file, chunk or limit involved.  Every internal function that can fail
 * takes one of these and returns the status it recorded. */
typedef struct prts__err {
    int code;
    char msg[PRTS__ERRMSG_MAX];
} prts__err;

/* Record `code` and a printf-style message in `e`; returns `code`. */
int prts__fail(prts__err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the message already in `e` with "PATH: " unless it starts so (keeps the code). */
int prts__fail_path(prts__err *e, const char *path);

/* ------------------------------------------------------------------ */
/* Options, shared by both handle types                                */

#define PRTS__OPT_COUNT 15 /* highest prts_option + 1 */

enum { PRTS__FOR_ENCODER = 1, PRTS__FOR_DECODER = 2 };

/* Default value of every option (unused slots included). */
void prts__options_defaults(int64_t opts[PRTS__OPT_COUNT]);
/* Validate and store one option; fails with PRTS_E_INVALID_ARG. */
int prts__option_set(int64_t opts[PRTS__OPT_COUNT], int who, prts_option option,
                     int64_t value, prts__err *e);
int prts__option_get(const int64_t opts[PRTS__OPT_COUNT], int who, prts_option option,
                     int64_t *value);
/* 1 if `option` is a key of the handles in `who` (iterate 1 .. PRTS__OPT_COUNT - 1). */
int prts__option_applies(prts_option option, int who);

/* ------------------------------------------------------------------ */
/* What a batch copies from a handle (lib/encoder.c, lib/decoder.c)    */

/* Every setting of a handle: its options, the backend as asked for ("auto"
 * unresolved), and an encoder's metadata and blueprint as compact JSON from
 * jansson's malloc (NULL when none; the caller frees them with free()).
 * PRTS_E_INVALID_ARG for a bad handle, PRTS_E_NOMEM, or the status of the
 * refusal of its last choice of backend (its message in `refusal`). */
typedef struct prts__handle_settings {
    int64_t opts[PRTS__OPT_COUNT];
    const char *backend;  /* the handle's; valid while it lives unchanged */
    const char *refusal;  /* why its backend was refused, or NULL */
    char *metadata_json;
    char *blueprint_json;
} prts__handle_settings;
int prts__encoder_settings(const prts_encoder *enc, prts__handle_settings *out);
int prts__decoder_settings(const prts_decoder *dec, prts__handle_settings *out);

#define PRTS__DEFAULT_BUDGET (32ll << 20) /* with the rest, a stream stays under 64 MiB of RSS */

#endif
