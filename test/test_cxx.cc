// test_cxx.cc: the public headers compile and link as C++ (extern "C",
// no C-only constructs), and the libraries are usable from C++.
#include <pixelrts/bench.h>
#include <pixelrts/pixelrts.h>

#include <cstdio>
#include <cstring>
#include <vector>

static int write_vec(void *user, const void *buf, size_t len)
{
    auto *v = static_cast<std::vector<unsigned char> *>(user);
    const auto *p = static_cast<const unsigned char *>(buf);
    v->insert(v->end(), p, p + len);
    return 0;
}

int main()
{
    if (prts_version_number() != PRTS_VERSION_NUMBER) {
        std::printf("version mismatch: %u != %d\n", prts_version_number(), PRTS_VERSION_NUMBER);
        return 1;
    }
    prts_encoder *enc = prts_encoder_new();
    if (!enc)
        return 1;
    int r = prts_encoder_set_option(enc, PRTS_OPT_PNG_LEVEL, 6);
    const char data[] = "hello from C++";
    if (r == PRTS_OK)
        r = prts_encoder_push(enc, data, sizeof data);
    std::vector<unsigned char> png;
    if (r == PRTS_OK)
        r = prts_encoder_finish(enc, write_vec, &png);
    if (r != PRTS_OK) {
        std::printf("encode failed: %s: %s\n", prts_strerror(r), prts_encoder_last_error(enc));
        prts_encoder_free(enc);
        return 1;
    }
    prts_encoder_free(enc);
    if (png.size() < 8 || std::memcmp(png.data(), "\x89PNG", 4) != 0) {
        std::printf("not a PNG\n");
        return 1;
    }
    // libpixelrts-bench: a handle, an option, a refused one
    prts_bench *b = prts_bench_new();
    if (!b || prts_bench_set_option(b, PRTS_BENCH_ITERATIONS, 2) != PRTS_OK ||
        prts_bench_set_option(b, PRTS_BENCH_ITERATIONS, 0) != PRTS_E_INVALID_ARG ||
        !*prts_bench_last_error(b)) {
        std::printf("bench handle from C++ failed\n");
        prts_bench_free(b);
        return 1;
    }
    prts_bench_free(b);
    prts_status s = PRTS_E_CANCELLED;
    prts_mode m = PRTS_MODE_CODE;
    prts_info_key k = PRTS_INFO_HAS_HASH;
    (void)s;
    (void)m;
    (void)k;
    std::printf("C++ OK: %zu-byte PNG, grid for 1 MiB = %u\n", png.size(),
                prts_grid_size_for(1u << 20));
    return 0;
}
