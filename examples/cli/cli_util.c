/* cli_util.c: messages, number parsing, JSON access, progress bar and other
 * helpers shared by the pixelrts commands. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

/* ---- quoting ----------------------------------------------------- */

/* C.UTF-8 for decoding names whatever the user's locale (terminals are UTF-8
 * nowadays), or 0 where the C library lacks it: then every byte >= 0x80 is
 * escaped. */
static locale_t utf8_locale(void)
{
    static locale_t loc;
    static int tried;

    if (!tried) {
        tried = 1;
        loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    }
    return loc;
}

/* Bytes of the printable character at p (n bytes left) in valid UTF-8, or 0:
 * invalid or cut sequences, and what the C library does not call printable,
 * the C1 controls U+0080..U+009F (which terminals obey like ESC sequences)
 * among them.  Call under uselocale(utf8_locale()). */
static size_t printable_utf8(const unsigned char *p, size_t n)
{
    mbstate_t state;
    wchar_t wc;

    memset(&state, 0, sizeof state);
    size_t len = mbrtowc(&wc, (const char *)p, n, &state);
    if (len == 0 || len > n || !iswprint((wint_t)wc))
        return 0;
    return len;
}

static _Noreturn void out_of_memory(void)
{
    fputs("pixelrts: out of memory\n", stderr); /* cli_error would allocate */
    exit(CLI_FAIL);
}

/* n bytes of s quoted (see cli.h), malloc'd. */
static char *quote_n(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    char *buf = NULL;
    size_t len = 0, i = 0;
    FILE *out = open_memstream(&buf, &len);
    locale_t utf8 = utf8_locale();
    locale_t old = utf8 ? uselocale(utf8) : (locale_t)0;

    if (!out)
        out_of_memory();
    while (i < n) {
        size_t run = i; /* printable bytes, copied as they are */
        for (;;) {
            size_t k;
            if (run < n && p[run] >= 0x20 && p[run] < 0x7F && p[run] != '\\')
                run++;
            else if (run < n && p[run] >= 0x80 && utf8 &&
                     (k = printable_utf8(p + run, n - run)) > 0)
                run += k;
            else
                break;
        }
        fwrite(s + i, 1, run - i, out);
        if (run == n)
            break;
        /* here: a control, DEL, a backslash, or a byte of C1 or invalid UTF-8 */
        const char *named = strchr("\aa\bb\tt\nn\vv\ff\rr", p[run]);
        if (p[run] == '\\')
            fputs("\\\\", out);
        else if (p[run] < 0x20 && named) /* "\aa": the control, then its letter */
            fprintf(out, "\\%c", named[1]);
        else
            fprintf(out, "\\%03o", p[run]);
        i = run + 1;
    }
    if (utf8)
        uselocale(old);
    if (fclose(out) != 0 || !buf)
        out_of_memory();
    return buf;
}

char *cli_quote(const char *s)
{
    return quote_n(s, strlen(s));
}

/* fmt formatted into a malloc'd string. */
static char *format_v(const char *fmt, va_list ap)
{
    char *s;

    if (vasprintf(&s, fmt, ap) < 0)
        out_of_memory();
    return s;
}

/* Write msg quoted, a newline at its end kept as the line's end. */
static void put_quoted(FILE *f, const char *msg)
{
    size_t n = strlen(msg);
    int newline = n > 0 && msg[n - 1] == '\n';
    char *quoted = quote_n(msg, n - (size_t)newline);

    fputs(quoted, f);
    if (newline)
        fputc('\n', f);
    free(quoted);
}

void cli_printf(FILE *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    char *msg = format_v(fmt, ap);
    va_end(ap);
    put_quoted(f, msg);
    free(msg);
}

/* ---- messages ---------------------------------------------------- */

void cli_error(const char *file, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    char *msg = format_v(fmt, ap);
    va_end(ap);
    fflush(stdout);
    if (file)
        cli_printf(stderr, "pixelrts: %s: %s\n", file, msg);
    else
        cli_printf(stderr, "pixelrts: %s\n", msg);
    free(msg);
}

int cli_lib_error(const char *file, int status, const char *detail)
{
    size_t n = file ? strlen(file) : 0;

    /* The library's message often starts with the file name already. */
    if (detail && *detail && file && strncmp(detail, file, n) == 0 && detail[n] == ':')
        cli_error(NULL, "%s", detail);
    else if (detail && *detail)
        cli_error(file, "%s", detail);
    else
        cli_error(file, "%s", prts_strerror(status));
    return CLI_FAIL;
}

int cli_stream_error(const char *name, int status, const char *detail)
{
    static const char stream[] = "stream: ";

    if (detail && strncmp(detail, stream, sizeof stream - 1) == 0)
        detail += sizeof stream - 1;
    return cli_lib_error(name, status, detail);
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    char *msg = format_v(fmt, ap);
    va_end(ap);
    fflush(stdout);
    cli_printf(stderr, "pixelrts %s: %s\n", cmd->name, msg);
    fprintf(stderr, "Try 'pixelrts %s --help'.\n", cmd->name);
    free(msg);
    return CLI_USAGE;
}

int cli_bad_option(const struct cli_command *cmd, int c, char **argv)
{
    const char *word = argv[optind - 1];
    char shortopt[3] = {'-', (char)optopt, '\0'};

    /* For a short option inside a cluster, argv[optind-1] is the cluster;
     * name the option itself then. */
    if (optopt > 0 && optopt < 128 && word[0] == '-' && word[1] != '-')
        word = shortopt;
    if (c == ':')
        return cli_usage_error(cmd, "option '%s' needs an argument", word);
    return cli_usage_error(cmd, "unknown option '%s'", word);
}

int cli_print_help(const struct cli_command *cmd)
{
    fputs(cmd->help, stdout);
    return CLI_OK;
}

void cli_getopt_reset(void)
{
    optind = 0; /* glibc: full re-initialisation */
    opterr = 0; /* we print our own messages */
}

/* ---- values ------------------------------------------------------ */

int cli_check_folder(const struct cli_command *cmd, const char *path, const char *verb)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_error(path, "%s", errno == ENOENT ? "folder not found" : strerror(errno));
        return CLI_FAIL;
    }
    if (!S_ISDIR(st.st_mode))
        return cli_usage_error(cmd, "'%s' is not a folder (--parallel %s the files of a folder; "
                               "drop --parallel for one file)", path, verb);
    return CLI_OK;
}

int cli_parse_preset(const char *name)
{
    static const char *const names[] = {"fast", "default", "small",
                                        "small-libpixelrts"}; /* prts_preset order */
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(name, names[i]) == 0)
            return PRTS_PRESET_FAST + i;
    return 0;
}

int cli_parse_i64(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end != '\0')
        return -1;
    *out = (int64_t)v;
    return 0;
}

json_t *cli_json_parse(const char *text)
{
    json_error_t err;

    if (!text)
        return NULL;
    return json_loads(text, JSON_DECODE_ANY, &err);
}

int64_t cli_json_int(const json_t *obj, const char *key, int64_t fallback)
{
    json_t *v = json_object_get(obj, key);

    return json_is_integer(v) ? (int64_t)json_integer_value(v) : fallback;
}

const char *cli_json_str(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *cli_human_size(uint64_t n, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    unsigned u = 0;

    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%" PRIu64 " B", n);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
    return buf;
}

double cli_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double cli_rate(uint64_t n, double secs)
{
    return secs > 1e-6 ? (double)n / secs / 1e6 : 0.0;
}

char *cli_concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);

    if (!s) {
        cli_error(NULL, "out of memory");
        exit(CLI_FAIL);
    }
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    return s;
}

int cli_ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);

    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

int64_t cli_file_size(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return -1;
    return (int64_t)st.st_size;
}

/* Is `name` a backend this library knows ("auto" included)? */
int cli_backend_known(const char *name)
{
    if (strcmp(name, "auto") == 0)
        return 1;
    for (int i = 0; i < prts_backend_count(); i++)
        if (strcmp(prts_backend_name(i), name) == 0)
            return 1;
    return 0;
}

int cli_decoder_backend(const struct cli_command *cmd, prts_decoder *dec, const char *name)
{
    int st;

    if (!name)
        return CLI_OK;
    if (!cli_backend_known(name))
        return cli_usage_error(cmd, "unknown backend '%s' (see `pixelrts backends`)", name);
    st = prts_decoder_set_backend(dec, name);
    if (st != PRTS_OK)
        return cli_lib_error(NULL, st, prts_decoder_last_error(dec));
    return CLI_OK;
}

/* ---- streaming helpers ------------------------------------------- */

ptrdiff_t cli_read_file(void *user, void *buf, size_t cap)
{
    FILE *f = user;
    size_t n = fread(buf, 1, cap, f);

    if (n == 0 && ferror(f))
        return -1;
    return (ptrdiff_t)n;
}

int cli_write_file(void *user, const void *buf, size_t len)
{
    return fwrite(buf, 1, len, user) == len ? 0 : -1;
}

int cli_is_stdio(const char *name)
{
    return name && strcmp(name, "-") == 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    int shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10, end++; break;
    case 'm': case 'M': shift = 20, end++; break;
    case 'g': case 'G': shift = 30, end++; break;
    default: return -1;
    }
    if ((*end == 'i' || *end == 'I') && shift)
        end++; /* 1MiB */
    if ((*end == 'b' || *end == 'B') && shift)
        end++; /* 1MB, 1MiB */
    if (*end != '\0' || v == 0 || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int cli_parse_memory(const struct cli_command *cmd, const char *text, int64_t *budget)
{
    uint64_t v;
    int64_t lo, hi;

    *budget = -1;
    if (!text)
        return CLI_OK;
    if (cli_parse_size(text, &v) != 0 ||
        (prts_option_bounds(PRTS_OPT_MEMORY_BUDGET, &lo, &hi) == PRTS_OK &&
         (v > (uint64_t)hi || (int64_t)v < lo)))
        return cli_usage_error(cmd, "--memory wants a size in bytes (512K, 2M, 1G), got '%s'",
                               text);
    *budget = (int64_t)v;
    return CLI_OK;
}

/* ---- progress bar ------------------------------------------------ */

#define BAR_WIDTH 32

static int progress_draw(void *user, uint64_t done, uint64_t total)
{
    static const char hashes[BAR_WIDTH + 1] = "################################";
    struct cli_progress *p = user;
    int permille = total ? (int)(done >= total ? 1000 : done * 1000 / total) : 1000;
    int filled = permille * BAR_WIDTH / 1000;
    char a[32], b[32];

    if (permille == p->last)
        return 0;
    p->last = permille;
    p->drawn = 1;
    double secs = cli_now() - p->start;
    fprintf(stderr, "\r%-8s [%.*s%*s] %5.1f%%  %s / %s  %.0f MB/s ", p->label, filled, hashes,
            BAR_WIDTH - filled, "", permille / 10.0, cli_human_size(done, a, sizeof a),
            cli_human_size(total, b, sizeof b), secs > 0 ? done / secs / 1e6 : 0.0);
    fflush(stderr);
    return 0;
}

static int progress_begin(struct cli_progress *p, const char *label)
{
    p->label = label;
    p->start = cli_now();
    p->last = -1;
    p->drawn = 0;
    return isatty(STDERR_FILENO);
}

void cli_progress_encoder(struct cli_progress *p, prts_encoder *enc, const char *label)
{
    if (progress_begin(p, label))
        prts_encoder_set_progress(enc, progress_draw, p);
}

void cli_progress_decoder(struct cli_progress *p, prts_decoder *dec, const char *label)
{
    if (progress_begin(p, label))
        prts_decoder_set_progress(dec, progress_draw, p);
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = 0;
    }
}

int cli_one_path(const struct cli_command *cmd, int argc, char **argv, const char **path)
{
    if (optind >= argc)
        return cli_usage_error(cmd, "missing input file");
    *path = argv[optind++];
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return CLI_OK;
}
