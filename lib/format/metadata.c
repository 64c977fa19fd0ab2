/* format/metadata.c: the PixelRTS metadata object (docs/format.md §5): building it,
 * its chunk text, finding it among a PNG's text chunks, parsing, validating, and
 * merging it with a sidecar's (the sidecar files themselves: format/sidecar.c). */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "format/metadata.h"

/* Keys the format owns: the caller's metadata never overrides them. */
static const char *const reserved_keys[] = {
    "format", "format_version", "grid_size", "encoding", "offsets", "hashes",
    "encoding_mode", "data_hash", "data_size", "compression", "encoded_size",
    "original_data_b64",
};

static int is_reserved(const char *key)
{
    for (size_t i = 0; i < sizeof reserved_keys / sizeof reserved_keys[0]; i++)
        if (strcmp(key, reserved_keys[i]) == 0)
            return 1;
    return 0;
}

json_t *prts__meta_user_keys(const json_t *meta)
{
    json_t *out = json_object();
    const char *key;
    json_t *value;
    if (!out)
        return NULL;
    json_object_foreach((json_t *)meta, key, value) {
        if (!is_reserved(key) && json_object_set(out, key, value) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

static const char *mode_label(int mode)
{
    return mode == PRTS_MODE_CODE ? "RGBA-code" : "RGBA-dense";
}

/* `hashes`: each segment's "sha256", for the segments that carry one. */
static json_t *segment_hashes(json_t *segments)
{
    json_t *hashes = json_object();
    const char *name;
    json_t *seg;
    if (json_is_object(segments)) {
        json_object_foreach(segments, name, seg) {
            json_t *h = json_object_get(seg, "sha256");
            if (h)
                json_object_set(hashes, name, h);
        }
    }
    return hashes;
}

int prts__meta_update(json_t *meta, uint32_t grid, const char *hash_hex, uint64_t size)
{
    return json_integer_set(json_object_get(meta, "grid_size"), grid) ||
           json_string_set(json_object_get(meta, "data_hash"), hash_hex) ||
           json_integer_set(json_object_get(meta, "data_size"), (json_int_t)size) ? -1 : 0;
}

json_t *prts__meta_build(const json_t *user, uint32_t grid, int mode, const char *hash_hex,
                         uint64_t size, json_t *compression, uint64_t encoded_size,
                         const char *b64, prts__err *e)
{
    json_t *segments = user ? json_object_get(user, "segments") : NULL;
    json_t *m = json_object();
    json_t *enc = json_pack("{s:s, s:i, s:s}", "type", mode_label(mode), "bytes_per_pixel", 4,
                            "mapping", "Hilbert space-filling curve");
    if (!m || !enc)
        goto oom;
    json_object_set_new(m, "format", json_string("PixelRTS-2.0"));
    json_object_set_new(m, "format_version", json_integer(2));
    json_object_set_new(m, "grid_size", json_integer(grid));
    json_object_set_new(m, "encoding", enc);
    enc = NULL;
    json_object_set_new(m, "offsets", json_is_object(segments) ? json_deep_copy(segments)
                                                               : json_object());
    json_object_set_new(m, "hashes", segment_hashes(segments));
    json_object_set_new(m, "encoding_mode", json_string(mode_label(mode)));
    if (user) {
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)user, key, value) {
            if (is_reserved(key))
                continue;
            json_object_set_new(m, strcmp(key, "version") == 0 ? "content_version" : key,
                                json_deep_copy(value));
        }
    }
    json_object_set_new(m, "data_hash", json_string(hash_hex));
    json_object_set_new(m, "data_size", json_integer((json_int_t)size));
    if (compression) {
        json_object_set_new(m, "compression", compression);
        compression = NULL;
        json_object_set_new(m, "encoded_size", json_integer((json_int_t)encoded_size));
    }
    if (b64 && json_object_set_new(m, "original_data_b64", json_string(b64)) != 0)
        goto oom;
    return m;
oom:
    json_decref(compression);
    json_decref(enc);
    json_decref(m);
    prts__fail(e, PRTS_E_NOMEM, "cannot build the metadata");
    return NULL;
}

/* 1 if s holds a byte outside ASCII */
static int has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

char *prts__json_dump_ascii(const json_t *obj, size_t flags)
{
    /* jansson escapes non-ASCII by decoding every string character by
     * character (JSON_ENSURE_ASCII), a third of a 4 KiB file's encode; where
     * there is nothing to escape, the plain dump is the same text */
    char *json = json_dumps(obj, flags);
    if (json && has_non_ascii(json)) {
        free(json);
        json = json_dumps(obj, flags | JSON_ENSURE_ASCII);
    }
    return json;
}

/* magic + compact ASCII JSON, from `a` */
static char *chunk_text(const prts_allocator *a, const char *magic, const json_t *obj, size_t *len)
{
    char *json = prts__json_dump_ascii(obj, JSON_COMPACT);
    if (!json)
        return NULL;
    size_t m = strlen(magic), n = strlen(json);
    char *text = prts__alloc(a, m + n + 1);
    if (text) {
        memcpy(text, magic, m);
        memcpy(text + m, json, n + 1);
        *len = m + n;
    }
    free(json);
    return text;
}

/* 1 if text is `magic` followed (after blanks) by a JSON object */
static int is_chunk_text(const char *magic, const char *text, size_t len)
{
    size_t m = strlen(magic);
    if (len < m + 1 || memcmp(text, magic, m) != 0)
        return 0;
    for (size_t i = m; i < len; i++) {
        if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')
            continue;
        return text[i] == '{';
    }
    return 0;
}

/* A value costs ~48 bytes in memory against 2 in the text ("0,"), so a
 * metadata text within PRTS_OPT_MAX_METADATA_SIZE could otherwise take 24
 * times its size.  Counts the tokens that open a value ('[', '{', ',')
 * outside strings: an upper bound of the values less one. */
int prts__json_check_values(const char *text, size_t len, const char *what, prts__err *e)
{
    uint64_t values = 1;
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == ',' || c == '[' || c == '{') {
            if (++values > PRTS__MAX_JSON_VALUES)
                return prts__fail(e, PRTS_E_LIMIT, "%s has more than %d JSON values", what,
                                  PRTS__MAX_JSON_VALUES);
        }
    }
    return PRTS_OK;
}

static int parse_chunk(const char *magic, const char *what, const char *text, size_t len,
                       json_t **out, prts__err *e)
{
    json_error_t jerr;
    size_t m = strlen(magic);
    *out = NULL;
    int rc = prts__json_check_values(text + m, len - m, what, e);
    if (rc)
        return rc;
    *out = json_loadb(text + m, len - m, 0, &jerr);
    if (!*out && json_error_code(&jerr) == json_error_out_of_memory)
        return prts__fail(e, PRTS_E_NOMEM, "%s chunk: out of memory parsing it", what);
    if (!*out)
        return prts__fail(e, PRTS_E_BAD_METADATA,
                          "%s chunk is not valid JSON: %s (line %d, column %d)", what, jerr.text,
                          jerr.line, jerr.column);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return prts__fail(e, PRTS_E_BAD_METADATA, "%s is not a JSON object", what);
    }
    return PRTS_OK;
}

char *prts__meta_chunk_text(const prts_allocator *a, const json_t *meta, size_t *len)
{
    return chunk_text(a, PRTS__MAGIC, meta, len);
}

int prts__meta_is_chunk_text(const char *text, size_t len)
{
    return is_chunk_text(PRTS__MAGIC, text, len);
}

int prts__meta_parse_chunk(const char *text, size_t len, json_t **out, prts__err *e)
{
    return parse_chunk(PRTS__MAGIC, "PixelRTS metadata", text, len, out, e);
}

char *prts__blueprint_chunk_text(const prts_allocator *a, const json_t *blueprint, size_t *len)
{
    return chunk_text(a, PRTS__BLUEPRINT_MAGIC, blueprint, len);
}

int prts__blueprint_is_chunk_text(const char *text, size_t len)
{
    return is_chunk_text(PRTS__BLUEPRINT_MAGIC, text, len);
}

int prts__blueprint_parse_chunk(const char *text, size_t len, json_t **out, prts__err *e)
{
    return parse_chunk(PRTS__BLUEPRINT_MAGIC, "PixelRTS-Blueprint", text, len, out, e);
}

int prts__meta_text_seen(void *user, const char *keyword, const char *text, size_t len,
                         prts__err *e)
{
    prts__meta_texts *t = user;
    (void)keyword; /* ours are known by their text (its magic), whatever the keyword */
    if (prts__meta_is_chunk_text(text, len)) {
        if (t->count++ == 0) {
            t->text = text;
            t->len = len;
            return PRTS_OK;
        }
        /* one reader takes the first, others (PIL) the last: one file, two readings */
        return prts__fail(e, PRTS_E_BAD_METADATA, "%s: two PixelRTS metadata chunks: readers "
                          "disagree on which one counts, so neither is used", t->name);
    }
    if (!t->blueprint && prts__blueprint_is_chunk_text(text, len)) {
        t->blueprint = text;
        t->blueprint_len = len;
    }
    return PRTS_OK;
}

int prts__meta_texts_need(const prts__meta_texts *t, prts__err *e)
{
    if (t->count)
        return PRTS_OK;
    return prts__fail(e, PRTS_E_NO_METADATA, "%s: not a PixelRTS file: " PRTS__NO_METADATA,
                      t->name);
}

/* A non-negative integer member, or -1 with an error if absent/invalid. */
static int get_size(json_t *obj, const char *key, uint64_t *out, prts__err *e)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return prts__fail(e, PRTS_E_BAD_METADATA, "metadata key '%s' is %s", key,
                          v ? "not a non-negative integer" : "missing");
    *out = (uint64_t)json_integer_value(v);
    return PRTS_OK;
}

static int is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]))
            return 0;
    return 1;
}

int prts__meta_interpret(json_t *obj, prts__meta *m, prts__err *e)
{
    memset(m, 0, sizeof *m);
    m->obj = json_incref(obj);
    json_t *mode = json_object_get(obj, "encoding_mode");
    if (!mode)
        mode = json_object_get(json_object_get(obj, "encoding"), "type");
    const char *label = json_string_value(mode);
    if (label && strcmp(label, "RGBA-code") == 0)
        m->mode = PRTS_MODE_CODE;
    else if (label && strcmp(label, "RGBA-dense") != 0)
        return prts__fail(e, PRTS_E_BAD_METADATA, "unknown encoding '%s'", label);

    int rc = get_size(obj, "data_size", &m->data_size, e);
    if (rc)
        return rc;
    m->encoded_size = m->data_size;
    json_t *comp = json_object_get(obj, "compression");
    if (comp && !json_is_null(comp)) {
        if (!json_is_object(comp))
            return prts__fail(e, PRTS_E_BAD_METADATA, "metadata key 'compression' is not an object");
        m->compressed = 1;
        if ((rc = get_size(obj, "encoded_size", &m->encoded_size, e)))
            return rc;
    }
    json_t *grid = json_object_get(obj, "grid_size");
    if (grid && (!json_is_integer(grid) || json_integer_value(grid) <= 0 ||
                 json_integer_value(grid) > UINT32_MAX))
        return prts__fail(e, PRTS_E_BAD_METADATA, "metadata key 'grid_size' is not a positive "
                          "integer side");
    m->grid = grid ? (uint32_t)json_integer_value(grid) : 0;

    const char *hash = json_string_value(json_object_get(obj, "data_hash"));
    if (hash) {
        if (!is_hex64(hash))
            return prts__fail(e, PRTS_E_BAD_METADATA, "data_hash '%.80s' is not 64 hex digits", hash);
        m->has_hash = 1;
        for (int i = 0; i < 65; i++)
            m->hash[i] = (char)(hash[i] >= 'A' && hash[i] <= 'F' ? hash[i] + 32 : hash[i]);
    }
    json_t *b64 = json_object_get(obj, "original_data_b64");
    if (b64 && !json_is_string(b64))
        return prts__fail(e, PRTS_E_BAD_METADATA, "original_data_b64 is not a string");
    m->b64 = json_string_value(b64);
    m->b64_len = b64 ? json_string_length(b64) : 0;
    return PRTS_OK;
}

void prts__meta_clear(prts__meta *m)
{
    json_decref(m->obj);
    memset(m, 0, sizeof *m);
}

json_t *prts__meta_merge(json_t *chunk, json_t *sidecar, const char **differs)
{
    const char *key;
    json_t *value;
    *differs = NULL;
    json_object_foreach(chunk, key, value) {
        json_t *other = json_object_get(sidecar, key);
        if (other && !json_equal(value, other)) {
            *differs = key;
            break;
        }
    }
    json_t *merged = json_copy(chunk); /* shallow: values are shared, never changed */
    if (!merged)
        return NULL;
    json_object_foreach(sidecar, key, value) {
        if (!json_object_get(chunk, key) && json_object_set(merged, key, value) != 0) {
            json_decref(merged);
            return NULL;
        }
    }
    return merged;
}

/* Where the digits of the top-level "data_hash" lie in a metadata chunk
 * text (magic + compact JSON): found by depth, outside strings, since the
 * caller's keys may nest a "data_hash" of their own.  0: nowhere. */
size_t prts__meta_hash_digits_at(const char *text, size_t len)
{
    static const char key[] = "\"data_hash\":\"";
    size_t klen = sizeof key - 1;
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '{' || text[i] == '[') {
            depth++;
        } else if (text[i] == '}' || text[i] == ']') {
            depth--;
        } else if (text[i] == '"') {
            if (depth == 1 && len - i >= klen + 64 && memcmp(text + i, key, klen) == 0)
                return i + klen;
            for (i++; i < len && text[i] != '"'; i++)
                if (text[i] == '\\')
                    i++;
        }
    }
    return 0;
}
