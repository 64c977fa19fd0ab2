/* common/bytes.h: big-endian 32-bit fields (PNG chunk lengths and CRCs, the
 * segment index). */
#ifndef PRTS__BYTES_H
#define PRTS__BYTES_H

#include <stdint.h>

static inline void prts__put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}
static inline uint32_t prts__get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
