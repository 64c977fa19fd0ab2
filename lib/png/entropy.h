/* png/entropy.h: the incompressibility test of the adaptive deflate. */
#ifndef PRTS__ENTROPY_H
#define PRTS__ENTROPY_H

#include <stddef.h>
#include <stdint.h>

/* The block the test is tuned for: the adaptive deflate classifies its rows
 * block by block (see png/entropy.c). */
#define PRTS__ENTROPY_BLOCK 1024

/* Fewer bytes than this are too few to judge: prts__looks_random says 0. */
#define PRTS__ENTROPY_MIN 256

/* 1 if the n bytes at p (too few for prts__looks_random: any count up to a
 * few hundred) look random by the distinct values among them. */
int prts__few_look_random(const uint8_t *p, size_t n);

/* 1 if the n bytes at p look incompressible (their sampled byte entropy is
 * near 8 bits): such a block is stored rather than deflated. */
int prts__looks_random(const uint8_t *p, size_t n);

#endif
