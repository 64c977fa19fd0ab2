/* format/json_text.h: JSON text of a jansson value, as json_dumps writes it, faster. */
#ifndef PRTS__JSON_TEXT_H
#define PRTS__JSON_TEXT_H

#include <stddef.h>

#include <jansson.h>

/* The text json_dumps(v, flags) returns, byte for byte, malloc'd (free()),
 * its length in *len if len is not NULL; NULL when out of memory, when a
 * string is not valid UTF-8 (as json_dumps), or for flags it does not
 * take: JSON_SORT_KEYS, JSON_EMBED. */
char *prts__json_text(const json_t *v, size_t flags, size_t *len);

#endif
