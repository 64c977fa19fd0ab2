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

#define PRTS__DEFAULT_BUDGET (32ll << 20) /* with the rest, a stream stays under 64 MiB of RSS */

#endif
