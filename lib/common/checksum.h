/* common/checksum.h: CRC-32 (PNG chunks) and Adler-32 (zlib streams).
 *
 * libdeflate's versions run 4-6x faster than zlib's (docs/architecture.md §11: CRC-32
 * 2.1 vs 8.2 GB/s, Adler-32 1.5 vs 8.6 GB/s), and both are on the path of
 * every byte we write or read; zlib's are the fallback when the build has no
 * libdeflate.  Same values either way. */
#ifndef PRTS__CHECKSUM_H
#define PRTS__CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#ifdef PRTS_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

/* zlib's functions take a uInt length: feed big buffers in pieces. */
#define PRTS__CHECKSUM_PIECE ((size_t)1 << 30)

static inline uint32_t prts__crc32(uint32_t crc, const void *data, size_t len)
{
#ifdef PRTS_HAVE_LIBDEFLATE
    return len ? libdeflate_crc32(crc, data, len) : crc; /* (NULL, 0) would restart it */
#else
    const unsigned char *p = data;
    while (len) {
        size_t n = len < PRTS__CHECKSUM_PIECE ? len : PRTS__CHECKSUM_PIECE;
        crc = (uint32_t)crc32(crc, p, (uInt)n);
        p += n;
        len -= n;
    }
    return crc;
#endif
}

static inline uint32_t prts__adler32(uint32_t adler, const void *data, size_t len)
{
#ifdef PRTS_HAVE_LIBDEFLATE
    return len ? libdeflate_adler32(adler, data, len) : adler;
#else
    const unsigned char *p = data;
    while (len) {
        size_t n = len < PRTS__CHECKSUM_PIECE ? len : PRTS__CHECKSUM_PIECE;
        adler = (uint32_t)adler32(adler, p, (uInt)n);
        p += n;
        len -= n;
    }
    return adler;
#endif
}

/* CRC-32 of A followed by B, from crc(A), crc(B) and len(B). */
static inline uint32_t prts__crc32_combine(uint32_t a, uint32_t b, uint64_t len_b)
{
    return (uint32_t)crc32_combine64(a, b, (z_off64_t)len_b);
}

/* Adler-32 of A followed by B, from adler(A), adler(B) and len(B). */
static inline uint32_t prts__adler32_combine(uint32_t a, uint32_t b, uint64_t len_b)
{
    return (uint32_t)adler32_combine64(a, b, (z_off64_t)len_b);
}

#endif
