/* common/sha256.h: SHA-256 through OpenSSL's EVP (SHA-NI / AVX2 where the CPU has them). */
#ifndef PRTS__SHA256_H
#define PRTS__SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

typedef struct prts__sha256 {
    void *ctx; /* EVP_MD_CTX */
} prts__sha256;

int prts__sha256_init(prts__sha256 *h, prts__err *e);
void prts__sha256_update(prts__sha256 *h, const void *data, size_t len);
/* The same over a buffer that may be a file mapping (`mapped`): its pages
 * are released behind the hash as it goes (prts__for_slices). */
void prts__sha256_update_mapped(prts__sha256 *h, const uint8_t *data, uint64_t len, int mapped);
/* Writes 64 lowercase hex digits and a NUL; releases the context. */
void prts__sha256_final_hex(prts__sha256 *h, char hex[65]);
void prts__sha256_free(prts__sha256 *h);

#endif
