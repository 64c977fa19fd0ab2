/* format/json_text.c: JSON text of a jansson value, byte for byte as
 * json_dumps writes it, in a fraction of its time.
 *
 * jansson's dumper costs ~100 instructions a byte (a callback per run of
 * characters, a UTF-8 walk per character): for a 4 KiB file the metadata's
 * three texts (the chunk, the sidecar, the batch's result) cost more than
 * the pixels.  This writes the same bytes for the flags the library uses
 * (compact or indented, ASCII-only or not); a real is still formatted by
 * jansson itself, so its digits are jansson's whatever the version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/json_text.h"

typedef struct out {
    char *s;
    size_t len, cap;
    int failed;
} out;

static int grow(out *o, size_t n)
{
    if (o->failed)
        return -1;
    if (o->len + n + 1 <= o->cap)
        return 0;
    size_t cap = o->cap ? o->cap : 512;
    while (o->len + n + 1 > cap)
        cap *= 2;
    char *more = realloc(o->s, cap);
    if (!more) {
        o->failed = 1;
        return -1;
    }
    o->s = more;
    o->cap = cap;
    return 0;
}

static void put(out *o, const char *s, size_t n)
{
    if (grow(o, n))
        return;
    memcpy(o->s + o->len, s, n);
    o->len += n;
}

static void put_c(out *o, char c)
{
    if (grow(o, 1))
        return;
    o->s[o->len++] = c;
}

/* jansson's dump_indent: a new line and the indent, or a space between items */
static void indent(out *o, size_t flags, int depth, int space)
{
    int n = (int)(flags & JSON_MAX_INDENT);
    if (n > 0) {
        size_t k = (size_t)n * (size_t)depth;
        if (grow(o, k + 1))
            return;
        o->s[o->len++] = '\n';
        memset(o->s + o->len, ' ', k);
        o->len += k;
    } else if (space && !(flags & JSON_COMPACT)) {
        put_c(o, ' ');
    }
}

/* The code point of the UTF-8 sequence at p (n bytes left) and its length,
 * or 0 when jansson would call it invalid. */
static size_t utf8_next(const unsigned char *p, size_t n, unsigned *cp)
{
    unsigned c = p[0];
    size_t len;
    unsigned v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2 || c > 0xF4)
        return 0;
    len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (len > n)
        return 0;
    v = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10FFFF ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

static int put_string(out *o, const char *str, size_t n, size_t flags)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)str;
    int ascii = (flags & JSON_ENSURE_ASCII) != 0, slash = (flags & JSON_ESCAPE_SLASH) != 0;
    put_c(o, '"');
    size_t i = 0;
    while (i < n) {
        /* the run that needs no escape, copied at once */
        size_t run = i;
        while (run < n && p[run] >= 0x20 && p[run] != '"' && p[run] != '\\' &&
               p[run] < 0x80 && !(slash && p[run] == '/'))
            run++;
        if (run > i) {
            put(o, str + i, run - i);
            i = run;
            continue;
        }
        unsigned cp;
        size_t k = utf8_next(p + i, n - i, &cp);
        if (k == 0)
            return -1;
        if (cp >= 0x80 && !ascii) {
            put(o, str + i, k);
            i += k;
            continue;
        }
        i += k;
        char seq[13];
        switch (cp) {
        case '\\': put(o, "\\\\", 2); continue;
        case '"': put(o, "\\\"", 2); continue;
        case '\b': put(o, "\\b", 2); continue;
        case '\f': put(o, "\\f", 2); continue;
        case '\n': put(o, "\\n", 2); continue;
        case '\r': put(o, "\\r", 2); continue;
        case '\t': put(o, "\\t", 2); continue;
        case '/': put(o, "\\/", 2); continue;
        default: break;
        }
        if (cp < 0x10000) {
            seq[0] = '\\';
            seq[1] = 'u';
            for (int d = 0; d < 4; d++)
                seq[2 + d] = hex[(cp >> (12 - 4 * d)) & 15];
            put(o, seq, 6);
        } else {
            unsigned v = cp - 0x10000, hi = 0xD800 | (v >> 10), lo = 0xDC00 | (v & 0x3FF);
            seq[0] = '\\';
            seq[1] = 'u';
            seq[6] = '\\';
            seq[7] = 'u';
            for (int d = 0; d < 4; d++) {
                seq[2 + d] = hex[(hi >> (12 - 4 * d)) & 15];
                seq[8 + d] = hex[(lo >> (12 - 4 * d)) & 15];
            }
            put(o, seq, 12);
        }
    }
    put_c(o, '"');
    return 0;
}

static int dump(out *o, const json_t *v, size_t flags, int depth)
{
    char num[32];
    switch (json_typeof(v)) {
    case JSON_NULL:
        put(o, "null", 4);
        return 0;
    case JSON_TRUE:
        put(o, "true", 4);
        return 0;
    case JSON_FALSE:
        put(o, "false", 5);
        return 0;
    case JSON_INTEGER: {
        int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        put(o, num, (size_t)n);
        return 0;
    }
    case JSON_REAL: { /* jansson's digits, whatever its version and the locale */
        char *t = json_dumps(v, JSON_ENCODE_ANY | (flags & JSON_REAL_PRECISION(31)));
        if (!t)
            return -1;
        put(o, t, strlen(t));
        free(t);
        return 0;
    }
    case JSON_STRING:
        return put_string(o, json_string_value(v), json_string_length(v), flags);
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        if (n == 0) {
            put(o, "[]", 2);
            return 0;
        }
        put_c(o, '[');
        indent(o, flags, depth + 1, 0);
        for (size_t i = 0; i < n; i++) {
            if (dump(o, json_array_get(v, i), flags, depth + 1))
                return -1;
            if (i + 1 < n) {
                put_c(o, ',');
                indent(o, flags, depth + 1, 1);
            } else {
                indent(o, flags, depth, 0);
            }
        }
        put_c(o, ']');
        return 0;
    }
    case JSON_OBJECT: {
        void *it = json_object_iter((json_t *)v);
        if (!it) {
            put(o, "{}", 2);
            return 0;
        }
        const char *sep = flags & JSON_COMPACT ? ":" : ": ";
        size_t sep_len = flags & JSON_COMPACT ? 1 : 2;
        put_c(o, '{');
        indent(o, flags, depth + 1, 0);
        while (it) {
            const char *key = json_object_iter_key(it);
#if JANSSON_VERSION_HEX >= 0x020e00
            size_t key_len = json_object_iter_key_len(it);
#else
            size_t key_len = strlen(key);
#endif
            if (put_string(o, key, key_len, flags))
                return -1;
            put(o, sep, sep_len);
            if (dump(o, json_object_iter_value(it), flags, depth + 1))
                return -1;
            it = json_object_iter_next((json_t *)v, it);
            if (it) {
                put_c(o, ',');
                indent(o, flags, depth + 1, 1);
            } else {
                indent(o, flags, depth, 0);
            }
        }
        put_c(o, '}');
        return 0;
    }
    }
    return -1;
}

char *prts__json_text(const json_t *v, size_t flags, size_t *len)
{
    if (!v || (!(flags & JSON_ENCODE_ANY) && !json_is_object(v) && !json_is_array(v)) ||
        (flags & (JSON_SORT_KEYS | JSON_EMBED)))
        return NULL; /* not for these: json_dumps */
    out o = {0};
    if (grow(&o, 256))
        return NULL;
    if (dump(&o, v, flags, 0) || o.failed || grow(&o, 0)) {
        free(o.s);
        return NULL;
    }
    o.s[o.len] = '\0';
    if (len)
        *len = o.len;
    return o.s;
}
