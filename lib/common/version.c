/* common/version.c: the library's version, asked without a handle. */
#include "common/common.h"

unsigned prts_version_number(void)
{
    return PRTS_VERSION_NUMBER;
}

const char *prts_version_string(void)
{
    return PRTS_VERSION_STRING;
}
