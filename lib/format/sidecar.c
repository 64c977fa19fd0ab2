/* format/sidecar.c: the sidecar files beside a PNG: their names, reading one
 * (size- and value-bounded) and opening one for writing with the PNG. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "format/metadata.h"
#include "format/sidecar.h"

static int load_json_file(const prts_allocator *a, const char *path, uint64_t max_size,
                          json_t **out, prts__err *e)
{
    struct stat st;
    int fd;
    /* a FIFO or device under a sidecar's name is refused, never waited on */
    int rc = prts__open_input(path, &fd, &st, e);
    if (rc)
        return rc;
    if ((uint64_t)st.st_size > max_size) {
        close(fd);
        return prts__fail(e, PRTS_E_LIMIT, "%s: sidecar of %lld bytes exceeds the %llu-byte limit",
                          path, (long long)st.st_size, (unsigned long long)max_size);
    }
    /* read whole (the size is within the limit) to count its values first */
    size_t size = (size_t)st.st_size;
    char *text = prts__alloc(a, size ? size : 1);
    if (!text) {
        close(fd);
        return prts__fail(e, PRTS_E_NOMEM, "%s: cannot allocate %zu bytes", path, size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, text + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != size) {
        prts__free(a, text);
        return prts__fail(e, PRTS_E_IO, "%s: read failed", path);
    }
    rc = prts__json_check_values(text, size, path, e);
    if (rc) {
        prts__free(a, text);
        return rc;
    }
    json_error_t jerr;
    *out = json_loadb(text, size, 0, &jerr);
    prts__free(a, text);
    if (!*out && json_error_code(&jerr) == json_error_out_of_memory)
        return prts__fail(e, PRTS_E_NOMEM, "%s: out of memory parsing it", path);
    if (!*out || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return prts__fail(e, PRTS_E_BAD_METADATA, "%s: not a JSON object: %s (line %d)", path,
                          jerr.text, jerr.line);
    }
    return PRTS_OK;
}

int prts__has_alt_sidecar(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcmp(path + n - 4, ".png") == 0;
}

char *prts__sidecar_name(const prts_allocator *a, const char *png_path, int source)
{
    size_t n = strlen(png_path);
    int alt = source == PRTS_META_ALT_SIDECAR;
    if (alt && !prts__has_alt_sidecar(png_path))
        return NULL;
    char *name = prts__alloc(a, n + 16);
    if (name)
        snprintf(name, n + 16, "%.*s.meta.json", (int)(alt ? n - 4 : n), png_path);
    return name;
}

int prts__sidecar_read(const prts_allocator *a, const char *png_path, uint64_t max_size,
                       json_t **out, int *source, prts__err *e)
{
    int rc = PRTS_E_FILE_NOT_FOUND;
    *out = NULL;
    for (int src = PRTS_META_SIDECAR; rc == PRTS_E_FILE_NOT_FOUND && src <= PRTS_META_ALT_SIDECAR;
         src++) {
        if (src == PRTS_META_ALT_SIDECAR && !prts__has_alt_sidecar(png_path))
            break; /* no alternate name */
        char *name = prts__sidecar_name(a, png_path, src);
        if (!name)
            return prts__fail(e, PRTS_E_NOMEM, "out of memory");
        rc = load_json_file(a, name, max_size, out, e);
        *source = src;
        prts__free(a, name);
    }
    return rc == PRTS_E_FILE_NOT_FOUND ? PRTS_OK : rc;
}

char *prts__suffixed_name(const prts_allocator *a, const char *png_path, const char *suffix)
{
    size_t n = strlen(png_path) + strlen(suffix) + 1;
    char *name = prts__alloc(a, n);
    if (name)
        snprintf(name, n, "%s%s", png_path, suffix);
    return name;
}

/* The original writes sidecars with Python's json (ASCII): its \u escapes
 * have lowercase hex digits, jansson's uppercase.  Same JSON, same bytes. */
static void lowercase_escapes(char *text)
{
    for (char *p = text; *p; p++) {
        if (*p != '\\')
            continue;
        if (p[1] == 'u')
            for (int i = 2; i < 6 && p[i]; i++)
                if (p[i] >= 'A' && p[i] <= 'F')
                    p[i] = (char)(p[i] - 'A' + 'a');
        if (p[1])
            p++; /* the escaped character is not itself an escape */
    }
}

int prts__sidecar_open(const prts_allocator *a, prts__outfile *out, const char *png_path,
                       const char *suffix, const json_t *obj, unsigned mode,
                       const struct stat *input, prts__err *e)
{
    char *name = prts__suffixed_name(a, png_path, suffix);
    char *text = prts__json_dump_ascii(obj, JSON_INDENT(2));
    int rc;
    if (text)
        lowercase_escapes(text);
    if (!name || !text)
        rc = prts__fail(e, PRTS_E_NOMEM, "out of memory writing the sidecar");
    else if ((rc = prts__out_open(out, a, name, mode, input, PRTS__OUT_REGULAR, e)) == PRTS_OK)
        (void)prts__out_write(out, text, strlen(text)); /* the commit reports a failed write */
    prts__free(a, name);
    free(text); /* json_dumps' */
    return rc;
}

int prts__sidecar_read_json(const prts_allocator *a, const char *png_path, const char *suffix,
                            uint64_t max_size, json_t **out, prts__err *e)
{
    size_t n = strlen(png_path) + strlen(suffix) + 1;
    char *name = prts__alloc(a, n);
    *out = NULL;
    if (!name)
        return prts__fail(e, PRTS_E_NOMEM, "out of memory");
    snprintf(name, n, "%s%s", png_path, suffix);
    int rc = load_json_file(a, name, max_size, out, e);
    prts__free(a, name);
    return rc == PRTS_E_FILE_NOT_FOUND ? PRTS_OK : rc;
}
