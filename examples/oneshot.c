/* oneshot.c: the one-shot calls: a payload to a PNG in memory and back, then a file
 * to a PNG file and back, each with the library's defaults (no handle).
 * The README's first C example is this program. */
#include <pixelrts/pixelrts.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    static const char payload[] = "any bytes at all: a kernel, a disk image, a WASM module";
    void *png = NULL, *back = NULL;
    size_t png_len = 0, back_len = 0;

    int st = prts_encode(payload, sizeof payload, &png, &png_len);    /* a PNG in memory */
    if (st == PRTS_OK)
        st = prts_decode(png, png_len, &back, &back_len);             /* SHA-256 verified */
    if (st == PRTS_OK)
        printf("%zu bytes -> %zu-byte PNG -> %zu bytes, %s\n", sizeof payload, png_len, back_len,
               memcmp(back, payload, sizeof payload) == 0 ? "identical" : "DIFFERENT");
    else
        fprintf(stderr, "pixelrts: %s\n", prts_strerror(st));
    prts_free(png);
    prts_free(back);

    /* files: OUT plus its OUT.meta.json sidecar, and back */
    if (st == PRTS_OK)
        st = prts_encode_file("/bin/sh", "sh.rts.png");
    if (st == PRTS_OK)
        st = prts_decode_file("sh.rts.png", "sh.out");
    return st == PRTS_OK ? 0 : 1;
}
