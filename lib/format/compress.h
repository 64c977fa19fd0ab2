/* format/compress.h: payload compression (docs/format.md §7): a payload compressed
 * before it is placed in the pixels is a zlib stream or a zstd frame. */
#ifndef PRTS__COMPRESS_H
#define PRTS__COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

/* Receives decoded bytes; returns 0 or a negative prts_status. */
typedef int (*prts__emit_fn)(void *user, const uint8_t *data, size_t len);

/* Decompress a payload of `n` bytes (a zstd frame if it starts with the
 * zstd magic, else a zlib stream: docs/format.md §7), emitting exactly `expect`
 * bytes; PRTS_E_DECOMPRESS if it is corrupt or inflates to another length
 * (it stops as soon as it passes `expect`: bombs cost no memory).  `mapped`:
 * `in` is a file mapping, whose pages are released behind the reading. */
int prts__decompress(const prts_allocator *a, const uint8_t *in, uint64_t n, uint64_t expect,
                     int mapped, prts__emit_fn emit, void *user, prts__err *e);

/* A streaming compressor (`type` PRTS_PAYLOAD_ZLIB or _ZSTD, `level` 0 =
 * default) for a payload of `total` bytes, emitting the compressed stream.
 * It is fed in slices, so a caller reading a mapped file can release the
 * pages behind it; the last slice (possibly empty) has `last` set.  `memory`:
 * the bytes it may hold at once (the handle's budget); zlib through
 * libdeflate holds the payload and its output whole, so only when they fit. */
typedef struct prts__compressor prts__compressor;
int prts__compressor_new(prts__compressor **c, const prts_allocator *a, int type, int level,
                         uint64_t total, uint64_t memory, prts__emit_fn emit, void *user,
                         prts__err *e);
int prts__compressor_write(prts__compressor *c, const uint8_t *in, size_t n, int last,
                           prts__err *e);
void prts__compressor_free(prts__compressor *c);
/* The level prts__compress uses for `level` 0, and the metadata label. */
int prts__compress_level(int type, int level);
const char *prts__compress_label(int type);

#endif
