/* format/base64.h: standard base64 with padding, for the code-mode copy of the
 * payload in the metadata's original_data_b64 (docs/format.md §6). */
#ifndef PRTS__BASE64_H
#define PRTS__BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

/* Encode; from `a`, NUL-terminated (NULL when out of memory). */
char *prts__base64_encode(const prts_allocator *a, const uint8_t *data, uint64_t len);
/* Decode into a buffer from `a`; PRTS_E_BAD_METADATA if malformed. */
int prts__base64_decode(const prts_allocator *a, const char *text, size_t len, uint8_t **out, uint64_t *out_len,
                        prts__err *e);

#endif
