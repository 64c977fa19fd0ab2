/* backend.c: the backend registry, probing and selection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

/* In order of preference for "auto". */
static const prts__backend_ops *const registry[] = {
#ifdef PRTS_HAVE_SIMD
    &prts__backend_simd,
#endif
    &prts__backend_scalar,
};
#define REGISTRY_COUNT ((int)(sizeof registry / sizeof registry[0]))

int prts_backend_count(void)
{
    return REGISTRY_COUNT;
}

const char *prts_backend_name(int index)
{
    return index >= 0 && index < REGISTRY_COUNT ? registry[index]->name : NULL;
}

static const prts__backend_ops *find(const char *name)
{
    for (int i = 0; i < REGISTRY_COUNT; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

int prts_backend_probe(const char *name, char *why, size_t why_len)
{
    char buf[256] = "";
    const prts__backend_ops *b = name ? find(name) : NULL;
    int ok = b && b->probe(buf, sizeof buf);
    if (!b)
        snprintf(buf, sizeof buf, "unknown backend '%s'", name ? name : "(null)");
    if (why && why_len)
        snprintf(why, why_len, "%s", ok ? "" : buf);
    return ok ? PRTS_OK : PRTS_E_BACKEND;
}

static int select_ops(const char *name, const prts__backend_ops **out, prts__err *e)
{
    char why[256] = "";
    if (!name || strcmp(name, "auto") == 0) {
        for (int i = 0; i < REGISTRY_COUNT; i++) {
            if (registry[i]->probe(why, sizeof why)) {
                *out = registry[i];
                return PRTS_OK;
            }
        }
        return prts__fail(e, PRTS_E_BACKEND, "no backend can run on this machine");
    }
    const prts__backend_ops *b = find(name);
    if (!b) {
        char known[256] = "";
        for (int i = 0; i < REGISTRY_COUNT; i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, registry[i]->name, sizeof known - strlen(known) - 1);
        }
        return prts__fail(e, PRTS_E_BACKEND, "unknown backend '%s' (known: %s, auto)", name,
                          known);
    }
    if (!b->probe(why, sizeof why))
        return prts__fail(e, PRTS_E_BACKEND, "backend '%s' is unavailable: %s", name, why);
    *out = b;
    return PRTS_OK;
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
    return PRTS_OK;
}

void prts__backend_close(prts__backend *b)
{
    if (b->ops && b->ops->destroy)
        b->ops->destroy(b->state);
    b->ops = NULL;
    b->state = NULL;
}

const char *prts__backend_default_name(void)
{
    const char *env = getenv("PIXELRTS_BACKEND");
    return env && *env ? env : "auto";
}
