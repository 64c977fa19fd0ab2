/* cli.h: pieces shared by the commands of the `pixelrts` command-line tool.
 *
 * The tool is a thin program over the public API (<pixelrts/pixelrts.h>)
 * plus jansson for building and printing metadata JSON. */
#ifndef PIXELRTS_CLI_H
#define PIXELRTS_CLI_H

#include <pixelrts/pixelrts.h>

#include <getopt.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

struct cli_command {
    const char *name;
    int (*run)(const struct cli_command *cmd, int argc, char **argv);
    const char *summary; /* one line for `pixelrts --help` */
    const char *help;    /* full text for `pixelrts COMMAND --help` */
};

/* The commands (one file each, except the small ones in pixelrts.c). */
int cli_convert(const struct cli_command *cmd, int argc, char **argv);
int cli_extract(const struct cli_command *cmd, int argc, char **argv);
int cli_info(const struct cli_command *cmd, int argc, char **argv);
int cli_verify(const struct cli_command *cmd, int argc, char **argv);

/* ---- messages ---------------------------------------------------- */

#if defined(__GNUC__)
#  define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#  define CLI_PRINTF(a, b)
#endif

/* "pixelrts: FILE: message" on stderr (FILE may be NULL). */
void cli_error(const char *file, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Report a library failure: the handle's detailed message, or the status
 * name when the message is empty.  Returns CLI_FAIL. */
int cli_lib_error(const char *file, int status, const char *detail);
/* "pixelrts CMD: message" plus a hint on stderr.  Returns CLI_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Report what getopt_long() rejected (call on '?' or ':'). */
int cli_bad_option(const struct cli_command *cmd, int c, char **argv);
/* Print the command's help on stdout.  Returns CLI_OK. */
int cli_print_help(const struct cli_command *cmd);

/* After getopt_long(): exactly one operand left, the input path; else a
 * usage error (returned). */
int cli_one_path(const struct cli_command *cmd, int argc, char **argv, const char **path);

/* Prepare getopt_long() for a command's argv (argv[0] = command name). */
void cli_getopt_reset(void);

/* ---- values ------------------------------------------------------ */

/* Whole decimal integer, nothing else.  0 on success, -1 otherwise. */
int cli_parse_i64(const char *s, int64_t *out);
/* Parse a JSON text from the library (NULL-safe); NULL on failure. */
json_t *cli_json_parse(const char *text);
/* Integer member of a JSON object, or `fallback`. */
int64_t cli_json_int(const json_t *obj, const char *key, int64_t fallback);
/* String member of a JSON object, or NULL. */
const char *cli_json_str(const json_t *obj, const char *key);

/* "1.2 MiB"-style size into buf. */
const char *cli_human_size(uint64_t n, char *buf, size_t len);
/* Monotonic clock in seconds. */
double cli_now(void);
/* MB/s (10^6 bytes) for n bytes in `secs`, 0 when too short to tell. */
double cli_rate(uint64_t n, double secs);
/* malloc'd a + b, or exits on OOM. */
char *cli_concat(const char *a, const char *b);
int cli_ends_with(const char *s, const char *suffix);
/* Is `name` a backend this library knows ("auto" included)? */
int cli_backend_known(const char *name);
/* Apply --backend NAME to a decoder: unknown name = usage error, known
 * but unusable here = failure.  Returns an exit code. */
int cli_decoder_backend(const struct cli_command *cmd, prts_decoder *dec, const char *name);
/* Size of a file, or -1. */
int64_t cli_file_size(const char *path);

/* A YAML file as a JSON value (cli_yaml.c); NULL with a message in err. */
json_t *cli_yaml_load(const char *path, char *err, size_t err_len);

/* ---- streaming helpers ------------------------------------------- */

/* prts_read_fn over a FILE*. */
ptrdiff_t cli_read_file(void *user, void *buf, size_t cap);

/* ---- progress bar (stderr, only when it is a terminal) ----------- */

struct cli_progress {
    const char *label;
    int last;  /* last drawn per-mille, -1 before the first */
    int drawn; /* something is on the line */
};

/* Install a progress bar on the handle when stderr is a terminal. */
void cli_progress_encoder(struct cli_progress *p, prts_encoder *enc, const char *label);
void cli_progress_decoder(struct cli_progress *p, prts_decoder *dec, const char *label);
/* Erase the bar, if one was drawn. */
void cli_progress_end(struct cli_progress *p);

#endif /* PIXELRTS_CLI_H */
