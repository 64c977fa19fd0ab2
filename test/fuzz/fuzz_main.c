/* fuzz_main.c: replay a fuzz target's inputs as ordinary cmocka tests.
 *
 *   fuzz_main DIR            one case per file of DIR, asserting the status
 *                            recorded for it in DIR.status
 *   fuzz_main --print DIR    print DIR.status as it would be now (to record
 *                            new seeds or a fixed crasher; review the diff)
 *   fuzz_main FILE...        run the files, print their statuses (triage)
 *
 * DIR.status has one line per file: "NAME STATUS", '#' starts a comment.
 * A file without a line, or a line without a file, fails the run: every
 * input committed is checked, with the exact status expected. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "fuzz.h"

typedef struct input {
    char *name, *path;
    int expected;
    int has_expected;
} input;

static input *inputs;
static size_t n_inputs;

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            uint8_t *more = realloc(buf, cap *= 2);
            if (!more)
                free(buf);
            buf = more;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static int run_file(const char *path, int *status)
{
    size_t len;
    uint8_t *data = read_all(path, &len);
    if (!data)
        return -1;
    *status = fuzz_one(data, len);
    free(data);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const input *)a)->name, ((const input *)b)->name);
}

static int load_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "fuzz_main: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (struct dirent *ent; (ent = readdir(d));) {
        if (ent->d_name[0] == '.')
            continue;
        inputs = realloc(inputs, (n_inputs + 1) * sizeof *inputs);
        input *in = &inputs[n_inputs++];
        memset(in, 0, sizeof *in);
        in->name = strdup(ent->d_name);
        in->path = malloc(strlen(dir) + strlen(ent->d_name) + 2);
        sprintf(in->path, "%s/%s", dir, ent->d_name);
    }
    closedir(d);
    if (n_inputs)
        qsort(inputs, n_inputs, sizeof *inputs, by_name);
    return 0;
}

/* Read DIR.status; names without a file are reported and counted. */
static int load_status(const char *dir, int *orphans)
{
    char *path = malloc(strlen(dir) + 8);
    sprintf(path, "%s.status", dir);
    FILE *f = fopen(path, "r");
    *orphans = 0;
    if (!f) {
        fprintf(stderr, "fuzz_main: %s: %s\n", path, strerror(errno));
        free(path);
        return -1;
    }
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        char name[512];
        int status;
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        if (sscanf(line, "%511s %d", name, &status) != 2)
            continue;
        input key = {.name = name}, *in = n_inputs ? bsearch(&key, inputs, n_inputs, sizeof *inputs, by_name) : NULL;
        if (!in) {
            fprintf(stderr, "%s:%d: no file %s\n", path, lineno, name);
            ++*orphans;
            continue;
        }
        in->expected = status;
        in->has_expected = 1;
    }
    fclose(f);
    free(path);
    return 0;
}

static void t_input(void **state)
{
    const input *in = *state;
    int status;
    if (!in->has_expected)
        fail_msg("%s has no line in the .status file (run fuzz_main --print DIR)", in->path);
    assert_int_equal(run_file(in->path, &status), 0);
    if (status != in->expected)
        fail_msg("%s: status %d (%s), expected %d (%s)", in->path, status,
                 fuzz_status_name(status), in->expected, fuzz_status_name(in->expected));
}

static void t_no_orphans(void **state)
{
    int orphans = *(int *)*state;
    if (orphans)
        fail_msg("%d line(s) of the .status file name no file", orphans);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--print") == 0) {
        if (load_dir(argv[2]) != 0)
            return 1;
        for (size_t i = 0; i < n_inputs; i++) {
            int status;
            if (run_file(inputs[i].path, &status) != 0)
                return 1;
            printf("%s %d # %s\n", inputs[i].name, status, fuzz_status_name(status));
        }
        return 0;
    }
    struct stat st;
    if (argc == 2 && stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode)) {
        int orphans;
        if (load_dir(argv[1]) != 0 || load_status(argv[1], &orphans) != 0)
            return 1;
        struct CMUnitTest *tests = calloc(n_inputs + 1, sizeof *tests);
        for (size_t i = 0; i < n_inputs; i++) {
            tests[i].name = inputs[i].name;
            tests[i].test_func = t_input;
            tests[i].initial_state = &inputs[i];
        }
        tests[n_inputs].name = "status file names only existing inputs";
        tests[n_inputs].test_func = t_no_orphans;
        tests[n_inputs].initial_state = &orphans;
        return _cmocka_run_group_tests(argv[1], tests, n_inputs + 1, NULL, NULL);
    }
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR | --print DIR | FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        int status;
        if (run_file(argv[i], &status) != 0) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            return 1;
        }
        printf("%s %d # %s\n", argv[i], status, fuzz_status_name(status));
    }
    return 0;
}
