/* png/segments_index.c: the segment index chunk (png/segments_index.h). */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/bytes.h"
#include "png/segments_index.h"

/* Empty the index but keep its allocator: the segment table comes from it. */
static void clear(prts__png_index *ix)
{
    const prts_allocator *a = ix->alloc;
    memset(ix, 0, sizeof *ix);
    ix->alloc = a;
}

uint8_t *prts__index_encode(const prts__png_index *ix, size_t *len)
{
    *len = PRTS__INDEX_HEAD + (size_t)ix->count * PRTS__INDEX_ENTRY + PRTS__INDEX_TAIL;
    uint8_t *p = prts__calloc(ix->alloc, 1, *len);
    if (!p)
        return NULL;
    p[0] = 1;
    prts__put32(p + 4, ix->count);
    prts__put32(p + 8, ix->height);
    prts__put32(p + 12, (uint32_t)(ix->end >> 32));
    prts__put32(p + 16, (uint32_t)ix->end);
    for (uint32_t i = 0; i < ix->count; i++) {
        uint8_t *q = p + PRTS__INDEX_HEAD + (size_t)i * PRTS__INDEX_ENTRY;
        prts__put32(q, (uint32_t)(ix->seg[i].offset >> 32));
        prts__put32(q + 4, (uint32_t)ix->seg[i].offset);
        prts__put32(q + 8, ix->seg[i].first_row);
        prts__put32(q + 12, ix->seg[i].adler);
    }
    prts__put32(p + *len - PRTS__INDEX_TAIL, (uint32_t)*len);
    return p;
}

uint64_t prts__index_locate(const uint8_t tail[20], uint64_t file_len, uint32_t *data_len)
{
    /* tail: [u32 data length][u32 CRC] then IEND: [u32 0]["IEND"][u32 CRC] */
    static const uint8_t iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    if (memcmp(tail + 8, iend, sizeof iend) != 0)
        return 0;
    uint32_t len = prts__get32(tail);
    if (len < PRTS__INDEX_HEAD + PRTS__INDEX_TAIL || (uint64_t)len + 8 + 4 + 12 + 8 > file_len)
        return 0;
    *data_len = len;
    return file_len - 12 - 4 - len - 8;
}

int prts__index_decode(const uint8_t *data, size_t len, uint32_t height, uint64_t file_len,
                       prts__png_index *ix)
{
    clear(ix);
    if (len < PRTS__INDEX_HEAD || data[0] != 1 || data[1] || data[2] || data[3])
        return -1;
    uint32_t count = prts__get32(data + 4);
    if (count == 0 || count > height || prts__get32(data + 8) != height ||
        len != PRTS__INDEX_HEAD + (size_t)count * PRTS__INDEX_ENTRY + PRTS__INDEX_TAIL ||
        prts__get32(data + len - PRTS__INDEX_TAIL) != len)
        return -1;
    uint64_t end = (uint64_t)prts__get32(data + 12) << 32 | prts__get32(data + 16);
    if (end > file_len)
        return -1;
    prts__seg_entry *seg = prts__calloc(ix->alloc, count, sizeof *seg);
    if (!seg)
        return -2;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *q = data + PRTS__INDEX_HEAD + (size_t)i * PRTS__INDEX_ENTRY;
        seg[i].offset = (uint64_t)prts__get32(q) << 32 | prts__get32(q + 4);
        seg[i].first_row = prts__get32(q + 8);
        seg[i].adler = prts__get32(q + 12);
        /* rows start at 0 and grow; chunks are in file order, 12+ bytes apart */
        int bad = i == 0 ? seg[i].first_row != 0
                         : seg[i].first_row <= seg[i - 1].first_row ||
                               seg[i].offset < seg[i - 1].offset + 12;
        if (bad || seg[i].first_row >= height || seg[i].offset + 12 > end) {
            prts__free(ix->alloc, seg);
            return -1;
        }
    }
    ix->count = count;
    ix->height = height;
    ix->end = end;
    ix->seg = seg;
    return 0;
}

void prts__index_free(prts__png_index *ix)
{
    prts__free(ix->alloc, ix->seg);
    clear(ix);
}
