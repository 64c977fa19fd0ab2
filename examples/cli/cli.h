/* cli.h: pieces shared by the commands of the `pixelrts` command-line tool.
 *
 * The tool is a thin program over the public API (<pixelrts/pixelrts.h>)
 * plus jansson for building and printing metadata JSON. */
#ifndef PIXELRTS_CLI_H
#define PIXELRTS_CLI_H

/* the CLI uses the experimental tier: prts_backend_measure, the WASM histogram */
#define PRTS_EXPERIMENTAL
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
int cli_batch(const struct cli_command *cmd, int argc, char **argv);
int cli_benchmark(const struct cli_command *cmd, int argc, char **argv);
int cli_dashboard(const struct cli_command *cmd, int argc, char **argv);

/* ---- messages ---------------------------------------------------- */

#if defined(__GNUC__)
#  define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#  define CLI_PRINTF(a, b)
#endif

/* Names and metadata come from whoever made the file; printed raw, they could
 * set the terminal's title, clear it or forge lines.  Every human-readable
 * line goes through cli_printf() or cli_error(), which quote like `ls -b`
 * (coreutils' escape style): C0 controls and DEL as \a \b \t \n \v \f \r or
 * \ooo, a backslash as \\, and each byte of invalid UTF-8 or of a character
 * the C library's C.UTF-8 does not call printable (the C1 controls
 * U+0080..U+009F among them) as \ooo; printable UTF-8 is kept.  JSON
 * output is escaped by jansson instead. */
/* s quoted, malloc'd (exits on OOM). */
char *cli_quote(const char *s);
/* printf to f, the formatted text quoted except a newline at its end. */
void cli_printf(FILE *f, const char *fmt, ...) CLI_PRINTF(2, 3);

/* "pixelrts: FILE: message" on stderr (FILE may be NULL), quoted. */
void cli_error(const char *file, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Report a library failure: the handle's detailed message, or the status
 * name when the message is empty.  Returns CLI_FAIL. */
int cli_lib_error(const char *file, int status, const char *detail);
/* cli_lib_error for a failure of the stream calls (prts_decoder_open/pull,
 * whose messages name the input "stream"): named `name` instead. */
int cli_stream_error(const char *name, int status, const char *detail);
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
/* CLI_OK if `path` is a folder; else an error (usage error when it exists
 * but is not a folder: `verb` says what --parallel would have done). */
int cli_check_folder(const struct cli_command *cmd, const char *path, const char *verb);
/* "fast" | "default" | "small" -> prts_preset; 0 for anything else. */
int cli_parse_preset(const char *name);
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

/* Read and check a `pixelrts batch` manifest without expanding or running
 * its jobs (cli_manifest.c; the manifest fuzzer's entry point): the exit
 * code, with the message on stderr. */
int cli_manifest_check(const char *file);

/* Both YAML readers refuse aliases (manifests through libcyaml's
 * CYAML_CFG_NO_ALIAS, blueprints on libyaml's alias event), with these words:
 * each alias repeats its anchor's whole value, so a small file can expand
 * without bound (1.09 MB of manifest took 1.24 GB to load). */
#define CLI_YAML_NO_ALIASES "aliases are not supported (write the value out)"

/* A YAML file as a JSON value (cli_yaml.c); NULL with a message in err. */
json_t *cli_yaml_load(const char *path, char *err, size_t err_len);

/* ---- streaming helpers ------------------------------------------- */

/* prts_read_fn over a FILE*. */
ptrdiff_t cli_read_file(void *user, void *buf, size_t cap);
/* prts_write_fn over a FILE*. */
int cli_write_file(void *user, const void *buf, size_t len);

/* `-` names standard input (an input) or standard output (an output), as
 * for cat, tar and gzip; messages call them "(stdin)" and "(stdout)". */
int cli_is_stdio(const char *name);
#define CLI_STDIN_LABEL "(stdin)"
#define CLI_STDOUT_LABEL "(stdout)"

/* "1048576", "1M", "512K", "1G" (binary multiples, a trailing "iB"/"B"
 * allowed), at least 1: 0 on success, -1 otherwise. */
int cli_parse_size(const char *s, uint64_t *out);
/* --memory SIZE (NULL: not given, *budget = -1) as a PRTS_OPT_MEMORY_BUDGET
 * value; a bad size is a usage error.  Returns an exit code. */
int cli_parse_memory(const struct cli_command *cmd, const char *text, int64_t *budget);

/* ---- progress bar (stderr, only when it is a terminal) ----------- */

struct cli_progress {
    const char *label;
    int last;  /* last drawn per-mille, -1 before the first */
    int drawn; /* something is on the line */
    double start; /* cli_now() when it began, for the rate */
};

/* Install a progress bar on the handle when stderr is a terminal. */
void cli_progress_encoder(struct cli_progress *p, prts_encoder *enc, const char *label);
void cli_progress_decoder(struct cli_progress *p, prts_decoder *dec, const char *label);
/* Erase the bar, if one was drawn. */
void cli_progress_end(struct cli_progress *p);

/* ---- batches (cli_batch.c) -------------------------------------- */

/* The options `convert` and `extract` share for a folder (--parallel ...):
 * add CLI_BATCH_LONGOPTS to a command's getopt table and pass every
 * option to cli_batch_option(). */
enum {
    CLI_OPT_PARALLEL = 512,
    CLI_OPT_WORKERS,
    CLI_OPT_RECURSIVE,
    CLI_OPT_PATTERN,
    CLI_OPT_REPORT,
    CLI_OPT_SHARD,
    CLI_OPT_FOLLOW_SYMLINKS,
};

#define CLI_BATCH_LONGOPTS                                        \
    {"parallel", no_argument, NULL, CLI_OPT_PARALLEL},            \
    {"workers", required_argument, NULL, CLI_OPT_WORKERS},        \
    {"recursive", no_argument, NULL, CLI_OPT_RECURSIVE},          \
    {"pattern", required_argument, NULL, CLI_OPT_PATTERN},        \
    {"report", required_argument, NULL, CLI_OPT_REPORT},          \
    {"shard", required_argument, NULL, CLI_OPT_SHARD},            \
    {"follow-symlinks", no_argument, NULL, CLI_OPT_FOLLOW_SYMLINKS}

struct cli_batch_args {
    int parallel, recursive, follow_symlinks;
    const char *workers_text, *pattern, *report, *shard_text;
    int workers;          /* 0 = online CPUs */
    size_t shard_k, shard_n; /* keep index i when i % n == k - 1; 1/1 = all */
};

/* Take option `c` (with `arg`) if it is one of CLI_BATCH_LONGOPTS: 1 if so. */
int cli_batch_option(struct cli_batch_args *b, int c, const char *arg);
/* After getopt: batch options without --parallel are usage errors; parse
 * --workers and --shard.  Returns an exit code. */
int cli_batch_check(const struct cli_command *cmd, struct cli_batch_args *b);
/* Parse "K/N" (1 <= K <= N).  0 on success, -1 otherwise. */
int cli_parse_shard(const char *text, size_t *k, size_t *n);
/* Parse a worker count 0..4096 (0 = online CPUs).  0 on success, -1 otherwise. */
int cli_parse_workers(const char *text, int *workers);

/* malloc'd "a/b" (no doubled slash), or exits on OOM. */
char *cli_path_join(const char *a, const char *b);

/* `convert`/`extract DIR OUTDIR --parallel`: the regular files of `dir`
 * (b->recursive: the whole tree, `out_dir` left out) whose name matches
 * `pattern` (fnmatch), sorted by relative path REL (byte order) and kept to
 * b's shard, each queued as DIR/REL -> OUTDIR/out_name(REL) (malloc'd), then
 * cli_batch_run().  A symbolic link may lead anywhere (out of `dir`, into
 * /dev): links to folders are never followed, other links are skipped with a
 * note on stderr unless b->follow_symlinks (then links to files and dangling
 * links are listed, the latter to fail with a clear message).  FIFOs,
 * sockets and devices are never listed.  Returns an exit code (CLI_FAIL also
 * when a folder could not be read). */
int cli_batch_folder(prts_batch *batch, const char *dir, const char *out_dir,
                     const struct cli_batch_args *b, const char *pattern,
                     char *(*out_name)(const char *rel), const char *label, const char *verb);

/* Copy an encoder's settings (validated there, with its messages) to an
 * encode batch (prts_batch_set_encoder_settings), plus `backend` when not
 * NULL.  PRTS status. */
int cli_batch_copy_options(prts_batch *batch, const prts_encoder *enc, const char *backend);

/* Run a batch: a progress line (`label`, files done, the last name) on a
 * terminal, Ctrl-C cancels the jobs not yet started, each failure on stderr
 * as it happens ("pixelrts: FILE: message"), a summary line ("Converted S/T
 * files, F failed, in X s (Y files/s)", `verb` first), and, when `report` is
 * not NULL, the results written there as the files finish: a JSON array, one
 * result per line, in completion order (a report that cannot be opened fails
 * before any work).  No result is kept, so memory does not grow with the
 * number of files beyond the batch's paths.  Returns CLI_OK only when every
 * job succeeded. */
int cli_batch_run(prts_batch *batch, const char *label, const char *verb,
                  const char *report);

#endif /* PIXELRTS_CLI_H */
