/* common/errors.c: status names and the detailed-message helpers. */
#include <stdio.h>
#include <string.h>

#include "common/common.h"

const char *prts_strerror(int status)
{
    switch (status) {
    case PRTS_OK: return "success";
    case PRTS_E_INVALID_ARG: return "invalid argument";
    case PRTS_E_NOMEM: return "out of memory";
    case PRTS_E_IO: return "input/output error";
    case PRTS_E_FILE_NOT_FOUND: return "file not found";
    case PRTS_E_NOT_PNG: return "not a PNG file";
    case PRTS_E_TRUNCATED: return "truncated file";
    case PRTS_E_CRC: return "PNG chunk CRC mismatch";
    case PRTS_E_PNG: return "malformed PNG";
    case PRTS_E_NOT_SQUARE: return "image is not square";
    case PRTS_E_GRID_NOT_POW2: return "grid size is not a power of two";
    case PRTS_E_NO_METADATA: return "no PixelRTS metadata found";
    case PRTS_E_BAD_METADATA: return "invalid PixelRTS metadata";
    case PRTS_E_DATA_SIZE: return "payload size exceeds the grid";
    case PRTS_E_GRID_TOO_SMALL: return "grid too small for the payload";
    case PRTS_E_HASH_MISMATCH: return "SHA-256 hash mismatch";
    case PRTS_E_NO_HASH: return "no data_hash to verify against";
    case PRTS_E_LIMIT: return "limit exceeded";
    case PRTS_E_BAD_STATE: return "call out of order or handle in error state";
    case PRTS_E_UNSUPPORTED: return "unsupported input";
    case PRTS_E_BACKEND_UNKNOWN: return "unknown backend";
    case PRTS_E_CALLBACK: return "user callback failed";
    case PRTS_E_DECOMPRESS: return "compressed payload is corrupt";
    case PRTS_E_NO_ORIGINAL: return "code-mode file lacks original_data_b64";
    case PRTS_E_SIDECAR_MISMATCH: return "sidecar metadata disagrees with the PNG";
    case PRTS_E_OUTPUT: return "cannot create output file";
    case PRTS_E_CANCELLED: return "cancelled";
    case PRTS_E_BATCH: return "some jobs of the batch failed";
    case PRTS_E_CHANGED: return "input changed while being read";
    case PRTS_E_BACKEND_UNAVAILABLE: return "backend unavailable here";
    case PRTS_E_BUFFER_TOO_SMALL: return "buffer too small";
    default: return "unknown"; /* pixelrts.h: every naming function's word for a value it does not know */
    }
}

int prts__fail(prts__err *e, int code, const char *fmt, ...)
{
    va_list ap;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

int prts__fail_path(prts__err *e, const char *path)
{
    size_t n = strlen(path);
    if (strncmp(e->msg, path, n) == 0 && e->msg[n] == ':')
        return e->code; /* already names it */
    char old[PRTS__ERRMSG_MAX];
    memcpy(old, e->msg, sizeof old);
    if (snprintf(e->msg, sizeof e->msg, "%s: %s", path, old) >= (int)sizeof e->msg)
        memcpy(e->msg + sizeof e->msg - 4, "...", 4); /* truncated: say so */
    return e->code;
}
