/* backend/registry.c: the backend registry, probing and selection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "backend/backend.h"

/* In order of preference for "auto". */
static const prts__backend_ops *const registry[] = {
#ifdef PRTS_HAVE_SIMD
    &prts__backend_simd,
#endif
    &prts__backend_scalar,
#ifdef PRTS_HAVE_OPENCL
    &prts__backend_opencl,
#endif
};
#define REGISTRY_COUNT ((int)(sizeof registry / sizeof registry[0]))

int prts_backend_count(void)
{
    return REGISTRY_COUNT;
}

const char *prts_backend_name(int index)
{
    return index >= 0 && index < REGISTRY_COUNT ? registry[index]->name : "unknown";
}

/* Every backend this library knows, compiled in or not: a name among these that
 * the registry lacks is unavailable (this build left it out), not unknown. */
static const char *const known_names[] = {"simd", "scalar", "opencl"};

static int is_known_name(const char *name)
{
    for (size_t i = 0; i < sizeof known_names / sizeof known_names[0]; i++)
        if (strcmp(known_names[i], name) == 0)
            return 1;
    return 0;
}

static const prts__backend_ops *find(const char *name)
{
    for (int i = 0; i < REGISTRY_COUNT; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

/* Why `name` (not NULL) cannot run here, in why: PRTS_OK when it can. */
static int probe_name(const char *name, const prts__backend_ops **out, char *why, size_t why_len)
{
    const prts__backend_ops *b = find(name);
    *out = b;
    if (b)
        return b->probe(why, why_len) ? PRTS_OK : PRTS_E_BACKEND_UNAVAILABLE;
    if (is_known_name(name)) {
        snprintf(why, why_len, "this libpixelrts was built without the %s backend", name);
        return PRTS_E_BACKEND_UNAVAILABLE;
    }
    char known[256] = "";
    for (int i = 0; i < REGISTRY_COUNT; i++) {
        strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
        strncat(known, registry[i]->name, sizeof known - strlen(known) - 1);
    }
    snprintf(why, why_len, "unknown backend '%s' (known: %s, auto)", name, known);
    return PRTS_E_BACKEND_UNKNOWN;
}

int prts_backend_probe(const char *name, char *why, size_t why_len)
{
    char buf[256] = "";
    const prts__backend_ops *b;
    int rc = name ? probe_name(name, &b, buf, sizeof buf) : PRTS_E_BACKEND_UNKNOWN;
    if (!name)
        snprintf(buf, sizeof buf, "unknown backend '(null)'");
    if (why && why_len)
        snprintf(why, why_len, "%s", rc == PRTS_OK ? "" : buf);
    return rc;
}

/* `auto` is the first backend of the registry (simd, then scalar) that runs
 * on the host CPU, decided without measuring: the simd backend runs only
 * where the CPU and the OS have its instructions, and there it is never
 * slower than scalar (bench/bench_transform: 2-5x scalar's throughput on
 * every variant and machine measured, docs/architecture.md §4).  Measuring
 * each backend once per process cost 3-5 % of a 10 MiB encode.  Device
 * backends (OpenCL) are never chosen by auto: their set-up alone costs more
 * than the whole transform of a typical file, and for this memory-bound
 * permutation the transfers outweigh the kernel (see `pixelrts backends`). */
static const prts__backend_ops *auto_choice;
static pthread_once_t auto_once = PTHREAD_ONCE_INIT;

static void choose_auto(void)
{
    char why[256];
    for (int i = 0; i < REGISTRY_COUNT && !auto_choice; i++)
        if (registry[i]->host_cpu && registry[i]->probe(why, sizeof why))
            auto_choice = registry[i];
}

static int select_ops(const char *name, const prts__backend_ops **out, prts__err *e)
{
    char why[256] = "";
    if (!name || strcmp(name, "auto") == 0) {
        pthread_once(&auto_once, choose_auto);
        if (!auto_choice)
            return prts__fail(e, PRTS_E_BACKEND_UNAVAILABLE, "no backend can run on this machine");
        *out = auto_choice;
        return PRTS_OK;
    }
    const prts__backend_ops *b;
    int rc = probe_name(name, &b, why, sizeof why);
    if (rc == PRTS_E_BACKEND_UNKNOWN)
        return prts__fail(e, rc, "%s", why);
    if (rc)
        return prts__fail(e, rc, "backend '%s' is unavailable: %s", name, why);
    *out = b;
    return PRTS_OK;
}

int prts__backend_validate(const char *name, prts__err *e)
{
    const prts__backend_ops *ops;
    return select_ops(name, &ops, e);
}

int prts__backend_open(const char *name, prts__backend *out, prts__err *e)
{
    const prts__backend_ops *ops = NULL;
    void *state = NULL;
    int rc = select_ops(name, &ops, e);
    if (rc == PRTS_OK && ops->create)
        rc = ops->create(&state, e);
    if (rc)
        return rc;
    out->ops = ops;
    out->state = state;
    out->refused[0] = '\0';
    return PRTS_OK;
}

int prts_backend_describe(const char *name, char *buf, size_t len)
{
    if (!name || !buf || !len)
        return PRTS_E_INVALID_ARG;
    buf[0] = '\0';
    char why[256];
    const prts__backend_ops *b;
    int rc = probe_name(name, &b, why, sizeof why);
    if (rc)
        return rc;
    if (b->describe)
        b->describe(buf, len);
    return PRTS_OK;
}

int prts_backend_measure(const char *name, uint64_t bytes, double *encode_gbs, double *decode_gbs)
{
    if (!name || !encode_gbs || !decode_gbs)
        return PRTS_E_INVALID_ARG;
    prts__backend b;
    prts__err e = {0, ""};
    int rc = prts__backend_open(name, &b, &e);
    if (rc == PRTS_OK) {
        rc = prts__backend_measure(&b, bytes, 3, encode_gbs, decode_gbs, &e);
        prts__backend_close(&b);
    }
    return rc;
}

void prts__backend_close(prts__backend *b)
{
    if (b->ops && b->ops->destroy)
        b->ops->destroy(b->state);
    b->ops = NULL;
    b->state = NULL;
    b->lazy_auto = 0;
}

int prts__backend_switch(prts__backend *cur, const char *name, prts__err *e)
{
    if (!name || strcmp(name, "auto") == 0) { /* resolved by prts__backend_check */
        prts__backend_close(cur);
        cur->lazy_auto = 1;
        cur->refused[0] = '\0';
        return PRTS_OK;
    }
    prts__backend next = {0};
    int rc = prts__backend_open(name, &next, e);
    if (rc) {
        memcpy(cur->refused, e->msg, sizeof cur->refused);
        cur->refused_code = rc;
        return rc;
    }
    prts__backend_close(cur);
    *cur = next;
    cur->refused[0] = '\0';
    return PRTS_OK;
}

int prts__backend_check(prts__backend *cur, prts__err *e)
{
    if (cur->lazy_auto && !cur->refused[0]) {
        prts__backend next = {0};
        int rc = prts__backend_open(NULL, &next, e);
        if (rc)
            return rc;
        *cur = next;
    }
    if (cur->ops && !cur->refused[0])
        return PRTS_OK;
    if (cur->refused[0])
        return prts__fail(e, cur->refused_code, "%s", cur->refused);
    return prts__fail(e, PRTS_E_BACKEND_UNAVAILABLE, "no backend");
}

void prts__backend_forgive(prts__backend *cur)
{
    if (cur->ops || cur->lazy_auto)
        cur->refused[0] = '\0';
}

int prts__backend_requested(const prts__backend *cur, const char **name, const char **refusal)
{
    *name = NULL;
    *refusal = NULL;
    if (cur->refused[0]) {
        *refusal = cur->refused;
        return cur->refused_code;
    }
    *name = cur->lazy_auto ? "auto" : cur->ops ? cur->ops->name : NULL;
    if (!*name) {
        *refusal = "no backend";
        return PRTS_E_BACKEND_UNAVAILABLE;
    }
    return PRTS_OK;
}

const char *prts__backend_name(const prts__backend *cur)
{
    if (cur->ops)
        return cur->ops->name;
    if (!cur->lazy_auto)
        return NULL;
    pthread_once(&auto_once, choose_auto);
    return auto_choice ? auto_choice->name : NULL;
}

const char *prts__backend_default_name(void)
{
    const char *env = getenv("PIXELRTS_BACKEND");
    return env && *env ? env : "auto";
}
