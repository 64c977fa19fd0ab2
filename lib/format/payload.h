/* format/payload.h: what sits between the pixels and the user's bytes: compressed
 * payloads (format.md §7), code-mode base64 copies and colouring (§6). */
#ifndef PRTS__PAYLOAD_H
#define PRTS__PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

/* Receives decoded bytes; returns 0 or a negative prts_status. */
typedef int (*prts__emit_fn)(void *user, const uint8_t *data, size_t len);

/* Decompress a payload of `n` bytes (a zstd frame if it starts with the
 * zstd magic, else a zlib stream: format.md §7), emitting exactly `expect`
 * bytes; PRTS_E_DECOMPRESS if it is corrupt or inflates to another length
 * (it stops as soon as it passes `expect`: bombs cost no memory). */
int prts__decompress(const prts_allocator *a, const uint8_t *in, uint64_t n, uint64_t expect,
                     prts__emit_fn emit, void *user, prts__err *e);

/* A streaming compressor (`type` PRTS_COMPRESS_ZLIB or _ZSTD, `level` 0 =
 * default) for a payload of `total` bytes, emitting the compressed stream.
 * It is fed in slices, so a caller reading a mapped file can release the
 * pages behind it; the last slice (possibly empty) has `last` set. */
typedef struct prts__compressor prts__compressor;
int prts__compressor_new(prts__compressor **c, const prts_allocator *a, int type, int level,
                         uint64_t total, prts__emit_fn emit, void *user, prts__err *e);
int prts__compressor_write(prts__compressor *c, const uint8_t *in, size_t n, int last,
                           prts__err *e);
void prts__compressor_free(prts__compressor *c);
/* The level prts__compress uses for `level` 0, and the metadata label. */
int prts__compress_level(int type, int level);
const char *prts__compress_label(int type);

/* Standard base64 with padding; from `a`, NUL-terminated. */
char *prts__base64_encode(const prts_allocator *a, const uint8_t *data, uint64_t len);
/* Decode into a buffer from `a`; PRTS_E_BAD_METADATA if malformed. */
int prts__base64_decode(const prts_allocator *a, const char *text, size_t len, uint8_t **out, uint64_t *out_len,
                        prts__err *e);

/* 1 if the payload is a WASM module (starts with "\0asm"). */
int prts__is_wasm(const uint8_t *data, uint64_t len);
/* The code-mode colour tables: R = weight(b0), A = 255 if b0 is a known opcode. */
void prts__code_tables(uint8_t red[256], uint8_t alpha[256]);

#endif
