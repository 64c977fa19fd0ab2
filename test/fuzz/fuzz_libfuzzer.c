/* fuzz_libfuzzer.c: the libFuzzer entry point over a target's fuzz_one()
 * (built only with -Dfuzzing=true, clang -fsanitize=fuzzer). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)fuzz_one(data, size);
    return 0;
}
