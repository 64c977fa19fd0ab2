/* test_json_text.c: format/json_text.c writes the bytes json_dumps writes, for
 * random values and every flag set the library uses (and a few more). */
#include "test_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/json_text.h"

static uint64_t rng = 88172645463325252ull;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* a string of ASCII, control characters, escapes and UTF-8 up to 4 bytes */
static json_t *random_string(char *buf, size_t *n)
{
    static const char *pieces[] = {"a", "Z", "0", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r",
                                   "\t", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xdf\xbf",
                                   "\xe2\x82\xac", "\xef\xbf\xbf", "\xf0\x9f\x98\x80",
                                   "\xf4\x8f\xbf\xbf", "key", "data_hash", "."};
    size_t len = 0, k = next() % 12;
    for (size_t i = 0; i < k; i++) {
        const char *p = pieces[next() % (sizeof pieces / sizeof *pieces)];
        memcpy(buf + len, p, strlen(p));
        len += strlen(p);
    }
    if (next() % 16 == 0)
        buf[len++] = '\0'; /* an embedded NUL */
    buf[len] = '\0';
    *n = len;
    return json_stringn(buf, len);
}

static json_t *random_value(int depth)
{
    char buf[128];
    size_t n;
    switch (next() % (depth > 4 ? 6 : 8)) {
    case 0: return json_null();
    case 1: return json_true();
    case 2: return json_false();
    case 3: {
        json_int_t v = (json_int_t)((uint64_t)next() << 32 | next());
        return json_integer(next() % 2 ? v : v % 1000);
    }
    case 4: {
        double d = (double)(int32_t)next() / (double)(next() | 1);
        return json_real(next() % 4 ? d : next() % 2 ? 1e300 * d : 0.5);
    }
    case 5: return random_string(buf, &n);
    case 6: {
        json_t *a = json_array();
        for (int i = (int)(next() % 5); i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (int i = (int)(next() % 6); i > 0; i--) {
            random_string(buf, &n);
            json_object_setn_new(o, buf, n, random_value(depth + 1));
        }
        return o;
    }
    }
}

static void compare(const json_t *v, size_t flags)
{
    char *want = json_dumps(v, flags);
    size_t len = 0;
    char *got = prts__json_text(v, flags, &len);
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    if (strcmp(want, got) != 0 || len != strlen(want))
        fail_msg("flags %#zx:\njansson: %s\nours:    %s", flags, want, got);
    free(want);
    free(got);
}

static void test_random_values(void **state)
{
    (void)state;
    static const size_t flags[] = {
        JSON_COMPACT | JSON_ENSURE_ASCII, JSON_INDENT(2) | JSON_ENSURE_ASCII, JSON_COMPACT,
        0, JSON_INDENT(4), JSON_INDENT(1) | JSON_COMPACT, JSON_ENSURE_ASCII | JSON_ESCAPE_SLASH,
        JSON_COMPACT | JSON_REAL_PRECISION(5), JSON_ENCODE_ANY | JSON_COMPACT,
    };
    for (int i = 0; i < 20000; i++) {
        json_t *v = random_value(0);
        for (size_t f = 0; f < sizeof flags / sizeof *flags; f++)
            compare(v, flags[f]);
        json_decref(v);
    }
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char *bad[] = {"\xc0\x80", "\xed\xa0\x80", "\xf5\x80\x80\x80", "\xe2\x82",
                                "\x80", "\xf0\x8f\xbf\xbf"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *o = json_object();
        json_object_set_new_nocheck(o, "k", json_string_nocheck(bad[i]));
        compare(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        compare(o, JSON_COMPACT);
        json_decref(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_values),
        cmocka_unit_test(test_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
