/* format/code_mode.c: code mode (docs/format.md §6): what is a WASM module, the opcode
 * categories, and the colour tables the pixels of a code-mode image get. */
#include <string.h>

#include "format/code_mode.h"

int prts__is_wasm(const uint8_t *data, uint64_t len)
{
    return len >= 4 && memcmp(data, "\0asm", 4) == 0;
}

static int in(int b, int lo, int hi)
{
    return b >= lo && b <= hi;
}

/* The opcode category of a byte (docs/format.md §6; "variable" is the
 * local/global get/set range that the colouring weighs as memory). */
static int category(int b)
{
    if (in(b, 0x00, 0x05) || in(b, 0x0B, 0x11))
        return PRTS_WASM_CONTROL;
    if (in(b, 0x45, 0x66) || in(b, 0x6A, 0x78) || in(b, 0x7C, 0x8A) || in(b, 0x92, 0x97) ||
        in(b, 0xA0, 0xA5))
        return PRTS_WASM_ARITHMETIC;
    if (in(b, 0x20, 0x24))
        return PRTS_WASM_VARIABLE;
    if (in(b, 0x28, 0x40))
        return PRTS_WASM_MEMORY;
    if (b == 0x0A || b == 0x1B || b == 0x1C)
        return PRTS_WASM_PARAMETRIC;
    if (in(b, 0x41, 0x44))
        return PRTS_WASM_CONST;
    return PRTS_WASM_OTHER;
}

void prts__code_tables(uint8_t red[256], uint8_t alpha[256])
{
    for (int b = 0; b < 256; b++) {
        int c = category(b), w = 0;
        if (b == 0x00) w = 255;
        else if (in(b, 0x02, 0x04)) w = 200;
        else if (b == 0x0C || b == 0x0D || b == 0x0F || b == 0x10) w = 150;
        else if (b == 0x01) w = 0;
        else if (b == 0x05 || b == 0x0B || b == 0x0E || b == 0x11) w = 100;
        else if (c == PRTS_WASM_ARITHMETIC) w = 80;
        else if (c == PRTS_WASM_MEMORY || c == PRTS_WASM_VARIABLE) w = 50;
        else if (c == PRTS_WASM_CONST) w = 30;
        red[b] = (uint8_t)w;
        alpha[b] = c != PRTS_WASM_OTHER ? 255 : 0;
    }
}

int prts_wasm_histogram(const void *data, size_t len, uint64_t counts[PRTS_WASM_CATEGORY_COUNT])
{
    if ((!data && len) || !counts)
        return PRTS_E_INVALID_ARG;
    uint64_t by_byte[256] = {0};
    const uint8_t *p = data;
    for (size_t at = 0; at < len; at += 4)
        by_byte[p[at]]++;
    for (int c = 0; c < PRTS_WASM_CATEGORY_COUNT; c++)
        counts[c] = 0;
    for (int b = 0; b < 256; b++)
        counts[category(b)] += by_byte[b];
    return PRTS_OK;
}

const char *prts_wasm_category_name(int c)
{
    static const char *const names[PRTS_WASM_CATEGORY_COUNT] = {
        "control", "arithmetic", "memory", "parametric", "variable", "const", "other",
    };
    return c >= 0 && c < PRTS_WASM_CATEGORY_COUNT ? names[c] : "unknown";
}
