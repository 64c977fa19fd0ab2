/* cli_yaml.c: a YAML document as a jansson value, for `convert --blueprint FILE.yaml`.
 *
 * A blueprint is an arbitrary tree, which libcyaml's fixed schemas cannot
 * describe, so this walks the events of libyaml (the parser libcyaml is
 * built on).  Plain scalars follow YAML's core schema: null, booleans,
 * integers and floats; quoted scalars are strings.  Aliases (see
 * CLI_YAML_NO_ALIASES) and multi-document streams are refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"

#define MAX_DEPTH 256

static json_t *plain_scalar(const char *s)
{
    if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return json_null();
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return json_true();
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return json_false();
    char *end;
    errno = 0;
    long long i = strtoll(s, &end, 10);
    if (!*end && errno == 0)
        return json_integer(i);
    double d = strtod(s, &end);
    if (!*end && end != s && strspn(s, "+-0123456789.eE") == strlen(s))
        return json_real(d);
    return json_string(s);
}

/* Attach `value` to the container on top of the stack (or make it the root). */
static int attach(json_t **stack, char **keys, int depth, json_t **root, json_t *value)
{
    if (!value)
        return -1;
    if (depth == 0) {
        *root = value;
        return 0;
    }
    json_t *top = stack[depth - 1];
    if (json_is_array(top))
        return json_array_append_new(top, value);
    if (!keys[depth - 1]) { /* this value is a key */
        if (!json_is_string(value)) {
            json_decref(value);
            return -1;
        }
        keys[depth - 1] = strdup(json_string_value(value));
        json_decref(value);
        return keys[depth - 1] ? 0 : -1;
    }
    int rc = json_object_set_new(top, keys[depth - 1], value);
    free(keys[depth - 1]);
    keys[depth - 1] = NULL;
    return rc;
}

json_t *cli_yaml_load(const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s", strerror(errno));
        return NULL;
    }
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    json_t *stack[MAX_DEPTH], *root = NULL;
    char *keys[MAX_DEPTH] = {0};
    int depth = 0, docs = 0, ok = 1, done = 0;
    while (ok && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            snprintf(err, err_len, "line %zu: %s", parser.problem_mark.line + 1,
                     parser.problem ? parser.problem : "YAML error");
            ok = 0;
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = 1; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                snprintf(err, err_len, "line %zu: one document expected",
                         ev.start_mark.line + 1);
                ok = 0;
            }
            break;
        case YAML_ALIAS_EVENT:
            snprintf(err, err_len, "line %zu: " CLI_YAML_NO_ALIASES, ev.start_mark.line + 1);
            ok = 0;
            break;
        case YAML_SCALAR_EVENT: {
            const char *v = (const char *)ev.data.scalar.value;
            json_t *value = ev.data.scalar.plain_implicit ? plain_scalar(v) : json_string(v);
            if (attach(stack, keys, depth, &root, value) != 0) {
                snprintf(err, err_len, "line %zu: a key must be a string", ev.start_mark.line + 1);
                ok = 0;
            }
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            json_t *c = ev.type == YAML_SEQUENCE_START_EVENT ? json_array() : json_object();
            if (depth >= MAX_DEPTH || attach(stack, keys, depth, &root, json_incref(c)) != 0) {
                json_decref(c);
                snprintf(err, err_len, "line %zu: nested too deeply or a non-string key",
                         ev.start_mark.line + 1);
                ok = 0;
                break;
            }
            stack[depth++] = c;
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            json_decref(stack[--depth]);
            break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    while (depth > 0) {
        free(keys[depth - 1]);
        json_decref(stack[--depth]);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    if (!root)
        snprintf(err, err_len, "empty document");
    return root;
}
