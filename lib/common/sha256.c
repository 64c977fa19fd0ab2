/* common/sha256.c: thin wrapper over OpenSSL EVP SHA-256. */
#include <openssl/evp.h>
#include <pthread.h>

#include "common/fileio.h"
#include "common/sha256.h"

/* OpenSSL 3 looks EVP_sha256() up among its providers at every
 * EVP_DigestInit_ex (a few microseconds, more than hashing 4 KiB): fetch it
 * once per process and keep it (read-only afterwards, never freed). */
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_fetched;

static void md_fetch(void)
{
    md_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256_md(void)
{
    pthread_once(&md_once, md_fetch);
    return md_fetched ? md_fetched : EVP_sha256();
}
#else
static const EVP_MD *sha256_md(void)
{
    return EVP_sha256();
}
#endif

int prts__sha256_init(prts__sha256 *h, prts__err *e)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, sha256_md(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        h->ctx = NULL;
        return prts__fail(e, PRTS_E_NOMEM, "cannot initialise SHA-256");
    }
    h->ctx = ctx;
    return PRTS_OK;
}

void prts__sha256_update(prts__sha256 *h, const void *data, size_t len)
{
    if (len)
        EVP_DigestUpdate(h->ctx, data, len);
}

static int update_slice(void *h, const uint8_t *data, size_t len, int last, prts__err *e)
{
    (void)last;
    (void)e;
    prts__sha256_update(h, data, len);
    return PRTS_OK;
}

void prts__sha256_update_mapped(prts__sha256 *h, const uint8_t *data, uint64_t len, int mapped)
{
    prts__for_slices(data, len, mapped, update_slice, h, NULL);
}

void prts__sha256_final_hex(prts__sha256 *h, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(h->ctx, md, &n);
    for (unsigned i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
    prts__sha256_free(h);
}

void prts__sha256_free(prts__sha256 *h)
{
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}
