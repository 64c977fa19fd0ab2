/* format/code_mode.h: code mode (docs/format.md §6): a WASM module's pixels are
 * coloured by opcode; the public prts_wasm_* queries live here too. */
#ifndef PRTS__CODE_MODE_H
#define PRTS__CODE_MODE_H

#include <stdint.h>

#include "common/common.h"

/* 1 if the payload is a WASM module (starts with "\0asm"). */
int prts__is_wasm(const uint8_t *data, uint64_t len);
/* The code-mode colour tables: R = weight(b0), A = 255 if b0 is a known opcode.
 * The encoder hands them to the band pass (backend/pass.h). */
void prts__code_tables(uint8_t red[256], uint8_t alpha[256]);

#endif
