/* common/version.c: library-level queries that need no handle. */
#include <stdlib.h>

#include "common/common.h"
#include "layout/hilbert.h"

unsigned prts_version_number(void)
{
    return PRTS_VERSION_NUMBER;
}

const char *prts_version_string(void)
{
    return PRTS_VERSION_STRING;
}

void prts_free(void *ptr)
{
    free(ptr);
}

uint32_t prts_grid_size_for(uint64_t n)
{
    return prts__grid_size(n);
}
