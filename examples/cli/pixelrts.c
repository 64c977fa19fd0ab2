/* pixelrts.c: the `pixelrts` command-line tool: command table, top-level
 * help, and the small commands (version, backends, help).
 *
 * Exit codes: 0 success, 1 failure, 2 usage error. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int cmd_version(const struct cli_command *cmd, int argc, char **argv);
static int cmd_backends(const struct cli_command *cmd, int argc, char **argv);
static int cmd_help(const struct cli_command *cmd, int argc, char **argv);

static const struct cli_command commands[] = {
    {"convert", cli_convert, "store a file inside a PNG (IN -> IN.rts.png)",
     "Usage: pixelrts convert IN [OUT] [options]\n"
     "       pixelrts convert - OUT [options]      (tar c dir | pixelrts convert - dir.rts.png)\n"
     "       pixelrts convert IN - [options]       (the PNG to standard output)\n"
     "       pixelrts convert DIR OUTDIR --parallel [--recursive] [--pattern GLOB]\n"
     "                        [--workers N] [--shard K/N] [--report F] [options]\n"
     "\n"
     "Store file IN inside PNG OUT (default: IN.rts.png) and write the\n"
     "metadata sidecar OUT.meta.json beside it.\n"
     "\n"
     "IN - reads standard input (then OUT must be named); OUT - writes the PNG\n"
     "to standard output, without a sidecar (the PNG's own chunk carries the\n"
     "metadata) and without the summary line.  A stream is staged (RAM up to\n"
     "--memory, then an unlinked temporary file in $TMPDIR), since no row of\n"
     "the image can be written before nearly all the payload is in.  A named\n"
     "OUT appears complete or not at all, whatever the input.\n"
     "\n"
     "With --parallel, convert every regular file of folder DIR whose name\n"
     "matches GLOB into OUTDIR/<path relative to DIR>.rts.png on a pool of\n"
     "worker threads; the options below apply to every file.  Failures are\n"
     "listed as they happen; exit 0 only when every file converted.  Symbolic\n"
     "links are skipped with a note unless --follow-symlinks.\n"
     "\n"
     "Options:\n"
     "  --type T            metadata key \"type\"\n"
     "  --name N            metadata key \"name\"\n"
     "  --version V         metadata key \"version\" (stored as content_version)\n"
     "  --description D     metadata key \"description\"\n"
     "  --grid-size N       image side N (a power of two; default: smallest that fits)\n"
     "  --preset P          what to optimise; every preset round-trips bit-exact:\n"
     "                        fast     store the payload, deflate only the zero\n"
     "                                 padding: fastest encode and decode, the\n"
     "                                 file is ~the payload's size; for data\n"
     "                                 that does not compress (media, archives)\n"
     "                        default  deflate (level 1) what compresses, store\n"
     "                                 what does not: near fast's speed, smaller\n"
     "                                 files on mixed data; pixels are the payload\n"
     "                                 as the original implementation places it\n"
     "                        small    zlib-compress the payload first: the\n"
     "                                 smallest file the original implementation\n"
     "                                 still decodes (about gzip -6's size: half\n"
     "                                 default's on binaries, a third on text);\n"
     "                                 1.5-3x default's time; no byte ranges\n"
     "                                 (extract --offset), pixels show no bytes\n"
     "                        small-libpixelrts\n"
     "                                 zstd-compress the payload first (level 9):\n"
     "                                 20-40 % smaller than small, decodes\n"
     "                                 faster, but ONLY libpixelrts can read it\n"
     "                      --compress, --level and --filter refine a preset\n"
     "  --level N           zlib level of the PNG: 0..9 for every byte, -9..-1 adaptive\n"
     "                      at level -N (default -1)\n"
     "  --filter F          none (default) or adaptive PNG row filters\n"
     "  --threads N         deflate threads (default 0: one per CPU)\n"
     "  --mode M            standard (default) or code (WASM colouring)\n"
     "  --compress C        none (default), zlib or zstd: compress the payload before\n"
     "                      placing it (zlib decodes with the original implementation)\n"
     "  --blueprint F       carry a blueprint (a JSON or YAML object, by extension) in the\n"
     "                      PNG and in OUT.blueprint.json\n"
     "  --no-sidecar        do not write OUT.meta.json (nor OUT.blueprint.json)\n"
     "  --backend NAME      pixel backend (see `pixelrts backends`; default auto)\n"
     "  --memory SIZE       RAM a stream (IN or OUT -) may stage before spilling to a\n"
     "                      temporary file (512K, 2M, 1G; default 32M)\n"
     "  -h, --help          show this help\n"
     "\n"
     "Folder options (with --parallel):\n"
     "  --parallel          IN is a folder, OUT the output folder\n"
     "  --workers N         worker threads (default: one per CPU)\n"
     "  --recursive         the whole tree (symlinked folders are not followed);\n"
     "                      relative folders are kept under OUTDIR\n"
     "  --pattern GLOB      only file names matching GLOB (default \"*\")\n"
     "  --follow-symlinks   also take symbolic links to files, wherever they point\n"
     "                      (default: skipped with a note; folder links never followed)\n"
     "  --shard K/N         only the files whose index i in the sorted list has\n"
     "                      i % N == K-1 (split one conversion across machines)\n"
     "  --report F          write the per-file results to F as they finish (a JSON\n"
     "                      array, one result per line, in completion order)\n"},
    {"extract", cli_extract, "get the original file back from a .rts.png",
     "Usage: pixelrts extract IN.rts.png [-o OUT | -o -] [--no-verify]\n"
     "       pixelrts extract - -o OUT | -o -   (standard input)\n"
     "       pixelrts extract IN.rts.png --offset N [--length M] [-o OUT | -o -]\n"
     "       pixelrts extract DIR OUTDIR --parallel [--recursive] [--pattern GLOB]\n"
     "                        [--workers N] [--shard K/N] [--report F] [--no-verify]\n"
     "\n"
     "Decode the payload of IN.rts.png into OUT (default: IN without .rts.png,\n"
     "or IN.bin when IN does not end in .rts.png).  With -o - the payload goes\n"
     "to standard output.  OUT appears complete or not at all.  IN - reads the\n"
     "PNG from standard input (then -o is needed; no sidecar is read, nor byte\n"
     "ranges: they need a file).\n"
     "\n"
     "Through a pipe (-o -, or IN -) the whole payload is decoded and checked\n"
     "(SHA-256, PNG checksums) before its first byte is written, staged in RAM\n"
     "up to --memory and beyond that in an unlinked temporary file: a bad file\n"
     "writes nothing.  A pipe cannot take back what it was given, though, so a\n"
     "consumer must still check the exit status (set -o pipefail): anything but\n"
     "0 means the output is incomplete or wrong (a write error, a kill).\n"
     "\n"
     "With --parallel, decode every file of folder DIR whose name matches GLOB\n"
     "(default \"*.rts.png\") into OUTDIR/<path relative to DIR without .rts.png>\n"
     "on a pool of worker threads.\n"
     "\n"
     "Options:\n"
     "  -o, --output OUT    output file, or - for standard output\n"
     "  --no-verify         do not check the SHA-256 against data_hash (by default it\n"
     "                      is checked before anything is written: on a mismatch, or\n"
     "                      for a file without data_hash, exit 1 and write nothing)\n"
     "  --verify            the default, accepted for compatibility\n"
     "  --backend NAME      pixel backend (default auto)\n"
     "  --offset N          only payload bytes N.. (with --length M: N..N+M-1); files\n"
     "                      written by libpixelrts are read only where those bytes lie;\n"
     "                      not checked against data_hash, which covers the whole payload\n"
     "  --length M          how many bytes from --offset (default: to the end; 1 GiB at most)\n"
     "  --memory SIZE       RAM a stream (IN or -o -) may stage before spilling to a\n"
     "                      temporary file (512K, 2M, 1G; default 32M)\n"
     "  -h, --help          show this help\n"
     "\n"
     "Folder options (with --parallel): --workers N, --recursive, --pattern GLOB,\n"
     "--follow-symlinks, --shard K/N, --report F, as for `pixelrts convert --help`.\n"},
    {"batch", cli_batch, "convert the files a YAML manifest lists, on worker threads",
     "Usage: pixelrts batch MANIFEST.yaml [--workers N] [--report F] [--shard K/N]\n"
     "                      [--output-dir DIR] [--allow-outside] [--dry-run]\n"
     "\n"
     "Convert the jobs of a YAML manifest as one batch on a pool of worker\n"
     "threads (see examples/manifest.yaml):\n"
     "\n"
     "  defaults:                   # optional: for every job\n"
     "    mode: standard            # or code\n"
     "    level: 1                  # zlib level of the PNG, 0..9\n"
     "    compress: none            # none, zlib or zstd\n"
     "    grid_size: 0              # power of two; 0 = smallest that fits\n"
     "    sidecar: true             # write OUT.meta.json\n"
     "    backend: auto\n"
     "    workers: 2                # 0 = one per CPU\n"
     "    metadata: {type: firmware, version: \"1.0\"}\n"
     "  jobs:\n"
     "    - input: kernels/*.bin    # a path or a glob, relative to the manifest\n"
     "      output: out/            # a folder (ends in /), or a file for one input\n"
     "      metadata: {name: kernel}  # overrides defaults.metadata key by key\n"
     "\n"
     "Metadata keys: type, name, version, description.  Unknown keys and YAML\n"
     "aliases are errors, reported with their line.  Two inputs written to the\n"
     "same output are an error.  Every output must stay inside the output folder\n"
     "(--output-dir, else the manifest's folder): a job whose output is absolute,\n"
     "climbs out with .., or goes through a symbolic link that leads outside fails\n"
     "alone, writing nothing.  Exit 0 only when every file converted.\n"
     "\n"
     "Options:\n"
     "  --workers N         worker threads (overrides defaults.workers)\n"
     "  --report F          write the per-file results to F as they finish (JSON)\n"
     "  --shard K/N         only the jobs whose index i (in manifest order, globs\n"
     "                      expanded and sorted) has i % N == K-1\n"
     "  --output-dir DIR    resolve relative outputs against DIR instead of the\n"
     "                      manifest's folder\n"
     "  --allow-outside     let outputs leave the output folder\n"
     "  --dry-run           print IN -> OUT for every job and convert nothing\n"
     "  -h, --help          show this help\n"},
    {"info", cli_info, "show the metadata of a .rts.png (no pixel decoding)",
     "Usage: pixelrts info IN.rts.png [--json]\n"
     "\n"
     "Show the metadata of IN.rts.png: format, grid, mode, payload size and\n"
     "hash, user keys, and where the metadata came from (sidecar or PNG\n"
     "chunk).  Only the header chunks are read, so it is instant on files of\n"
     "any size.  IN - reads standard input, only as far as the metadata (no\n"
     "sidecar).  A PNG without PixelRTS metadata is \"not a PixelRTS file\".\n"
     "\n"
     "Options:\n"
     "  --json              print the metadata JSON object (indented)\n"
     "  -h, --help          show this help\n"},
    {"verify", cli_verify, "decode a .rts.png and check its hash, grid and sizes",
     "Usage: pixelrts verify IN.rts.png\n"
     "       pixelrts verify -                  (standard input)\n"
     "\n"
     "Decode IN.rts.png without writing anything, and check the payload's\n"
     "SHA-256 against data_hash, the image side against grid_size, the\n"
     "decoded size against data_size, and that a sidecar agrees with the PNG\n"
     "chunk.  Prints OK, or each problem found (exit 1).  IN - reads standard\n"
     "input (no sidecar), staging the payload as extract - does.\n"
     "\n"
     "Options:\n"
     "  --backend NAME      pixel backend (default auto)\n"
     "  --memory SIZE       RAM the stream may stage (512K, 2M, 1G; default 32M)\n"
     "  -h, --help          show this help\n"},
    {"benchmark", cli_benchmark, "measure encode/decode speed; keep a history; find regressions",
     "Usage: pixelrts benchmark [--sizes N...] [--iterations K] [--warmup W]\n"
     "                          [--pattern random|zeros|ones|sequential]\n"
     "                          [--mode standard|code] [--backend NAME|all] [--preset P] [--level N]\n"
     "                          [--output DIR] [--no-history]\n"
     "                          [--check-regression [--threshold 0.10] [--baseline-runs N]]\n"
     "\n"
     "Measure in-memory round trips (encode, then decode) of each size through\n"
     "the library, every one verified byte for byte: the median and spread of\n"
     "K timed runs after W untimed warm-up runs, throughput (MB/s = 10^6 bytes\n"
     "per second of encode + decode) and the process's peak resident memory\n"
     "during the timed runs.  Each result is appended as one JSON line to\n"
     "DIR/benchmark_history.jsonl, with the backend used, its device, the\n"
     "level, the machine and the library version.\n"
     "\n"
     "With --check-regression the latest run of each test (same backend, level\n"
     "and mode) is compared with the median of the runs before it; a drop of\n"
     "more than the threshold that is also outside their noise band is a\n"
     "regression: the tests are listed and the exit status is 1.  Alone it\n"
     "only checks the history; with --sizes it measures first.\n"
     "\n"
     "Options:\n"
     "  --sizes N...        payload sizes in bytes (K, M, G suffixes: 1M = 1048576;\n"
     "                      several words or commas; default 1M 10M)\n"
     "  --iterations K      timed runs per size (default 5)\n"
     "  --warmup W          untimed runs before them (default 1)\n"
     "  --pattern P         random (default), zeros, ones (0xFF) or sequential\n"
     "  --mode M            standard (default) or code\n"
     "  --backend NAME      a backend, auto (default), or all: every backend that\n"
     "                      runs here, one after the other\n"
     "  --preset P          fast, default, small or small-libpixelrts (as for convert)\n"
     "  --level N           zlib level of the PNG, -9..9 (as for convert; default -1)\n"
     "  --output DIR        results folder (default benchmark_results)\n"
     "  --no-history        do not append to DIR/benchmark_history.jsonl\n"
     "  --check-regression  check DIR's history (exit 1 on a regression)\n"
     "  --threshold F       throughput fraction lost that counts (default 0.10)\n"
     "  --baseline-runs N   earlier runs forming the baseline (default 5)\n"
     "  -h, --help          show this help\n"},
    {"dashboard", cli_dashboard, "write the benchmark history as one offline HTML page",
     "Usage: pixelrts dashboard [--results-dir DIR] [--output F.html] [--chartjs FILE]\n"
     "                          [--threshold 0.10] [--baseline-runs N]\n"
     "\n"
     "Write ONE self-contained HTML file from DIR/benchmark_history.jsonl: stat\n"
     "cards, throughput over time per test, encode vs decode, throughput per\n"
     "backend, peak memory, a results table, regressions highlighted.  Chart.js\n"
     "is inlined (by default the copy libpixelrts-bench was built with: on Debian\n"
     "the package libjs-chart.js), so the page needs no network.\n"
     "\n"
     "Options:\n"
     "  --results-dir DIR   results folder (default benchmark_results)\n"
     "  -o, --output F      the HTML file (default benchmark_dashboard.html)\n"
     "  --chartjs FILE      Chart.js to inline (default: the library's, e.g.\n"
     "                      /usr/share/javascript/chart.js/chart.min.js)\n"
     "  --threshold F       regression threshold for highlighting (default 0.10)\n"
     "  --baseline-runs N   earlier runs forming the baseline (default 5)\n"
     "  -h, --help          show this help\n"},
    {"backends", cmd_backends, "list the pixel backends and whether they can run here",
     "Usage: pixelrts backends\n"
     "\n"
     "List the backends compiled into the library: whether each can run on\n"
     "this machine (and why not), what it runs on, its transform throughput\n"
     "measured here (64 MiB payload, both directions), and which one `auto`\n"
     "picks.\n"},
    {"version", cmd_version, "show the versions of the tool and of the library",
     "Usage: pixelrts version\n"
     "\n"
     "Show the version the tool was built against and the version of the\n"
     "libpixelrts actually loaded.\n"},
    {"help", cmd_help, "show help for a command",
     "Usage: pixelrts help [COMMAND]\n"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const struct cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_main_help(FILE *out)
{
    fputs("Usage: pixelrts COMMAND [ARGS...]\n"
          "\n"
          "Store any file inside a PNG (PixelRTS v2, .rts.png) and get it back bit-exact.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Run `pixelrts COMMAND --help` for the options of a command.\n"
          "Exit status: 0 success, 1 failure, 2 usage error.\n",
          out);
}

/* Commands without options still accept -h/--help and reject the rest. */
static int no_options(const struct cli_command *cmd, int argc, char **argv, int *done)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    *done = 0;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (c == 'h') {
            *done = 1;
            return cli_print_help(cmd);
        }
        *done = 1;
        return cli_bad_option(cmd, c, argv);
    }
    return CLI_OK;
}

static int cmd_version(const struct cli_command *cmd, int argc, char **argv)
{
    int done, rc = no_options(cmd, argc, argv, &done);

    if (done)
        return rc;
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    printf("pixelrts %s\n", PRTS_VERSION_STRING);
    printf("libpixelrts %s (built against %s)\n", prts_version_string(), PRTS_VERSION_STRING);
    return CLI_OK;
}

/* Payload bytes each backend is measured on by `pixelrts backends`. */
#define MEASURE_BYTES (64 << 20)

static int cmd_backends(const struct cli_command *cmd, int argc, char **argv)
{
    int done, rc = no_options(cmd, argc, argv, &done);
    prts_encoder *enc;

    if (done)
        return rc;
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    printf("%-8s %-6s %12s %12s  %s\n", "backend", "runs", "encode GB/s", "decode GB/s",
           "on");
    for (int i = 0; i < prts_backend_count(); i++) {
        const char *name = prts_backend_name(i);
        char why[256] = "", desc[128] = "";
        double enc_gbs = 0, dec_gbs = 0;

        if (prts_backend_probe(name, why, sizeof why) != PRTS_OK) {
            cli_printf(stdout, "%-8s %-6s %12s %12s  %s\n", name, "no", "-", "-",
                   why[0] ? why : "not usable here");
            continue;
        }
        prts_backend_describe(name, desc, sizeof desc);
        int st = prts_backend_measure(name, MEASURE_BYTES, &enc_gbs, &dec_gbs);
        if (st != PRTS_OK)
            cli_printf(stdout, "%-8s %-6s %12s %12s  %s (measuring failed: %s)\n", name, "yes",
                       "?", "?", desc, prts_strerror(st));
        else
            cli_printf(stdout, "%-8s %-6s %12.2f %12.2f  %s\n", name, "yes", enc_gbs, dec_gbs,
                       desc);
    }
    printf("(pixel transform, device transfers included; best of 3 over %d MiB of random "
           "payload on this machine)\n",
           MEASURE_BYTES >> 20);
    enc = prts_encoder_new();
    if (!enc)
        return cli_lib_error(NULL, PRTS_E_NOMEM, NULL);
    printf("auto -> %s%s\n", prts_encoder_backend(enc),
           getenv("PIXELRTS_BACKEND") ? " (from PIXELRTS_BACKEND)" : "");
    prts_encoder_free(enc);
    return CLI_OK;
}

static int cmd_help(const struct cli_command *cmd, int argc, char **argv)
{
    const struct cli_command *topic;

    if (argc < 2) {
        print_main_help(stdout);
        return CLI_OK;
    }
    if (argc > 2)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[2]);
    topic = find_command(argv[1]);
    if (!topic) {
        cli_error(NULL, "unknown command '%s'", argv[1]);
        print_main_help(stderr);
        return CLI_USAGE;
    }
    return cli_print_help(topic);
}

int main(int argc, char **argv)
{
    const struct cli_command *cmd;

    if (argc < 2) {
        print_main_help(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        print_main_help(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
        return cmd_version(find_command("version"), 1, argv + 1);
    cmd = find_command(argv[1]);
    if (!cmd) {
        cli_error(NULL, "unknown %s '%s'", argv[1][0] == '-' ? "option" : "command", argv[1]);
        fputs("Try 'pixelrts --help'.\n", stderr);
        return CLI_USAGE;
    }
    return cmd->run(cmd, argc - 1, argv + 1);
}
