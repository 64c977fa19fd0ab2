/* pixelrts.h: public API of libpixelrts, the PixelRTS v2 (.rts.png) codec.
 *
 * libpixelrts stores any byte string inside an ordinary RGBA PNG, placing
 * byte k of the payload in channel k%4 of pixel k/4 along a Hilbert curve,
 * and records its size and SHA-256 in a `PixelRTS` tEXt chunk written before
 * the pixels.  Decoding returns the payload bit-exact.
 *
 * The header goes from simple to advanced: versions and status codes; the
 * one-shot calls (no handle, the library's defaults); handles and their
 * options; streaming; batches; the advanced calls (allocators, backends,
 * option bounds, grid sizes); and, only when PRTS_EXPERIMENTAL is defined
 * before this header is included, an experimental tier whose calls may
 * change or go in any release (exported under the version node
 * PIXELRTS_EXPERIMENTAL, not PIXELRTS_1.0).
 *
 * Conventions
 * - Every function that can fail returns an `int` status: PRTS_OK (0) or a
 *   negative `prts_status`.  prts_strerror() names a status; the handle's
 *   *_last_error() call gives the detailed message (which file, which size,
 *   which limit).  A call given a NULL handle returns PRTS_E_INVALID_ARG
 *   (setters included); one returning a pointer returns NULL.
 * - *_last_error() never returns NULL: "" when there was no error, a fixed
 *   message for a NULL handle.
 * - The functions that name a value (prts_strerror, prts_backend_name,
 *   prts_wasm_category_name) return the static string "unknown" for a value
 *   they do not know: never NULL, so that their result can always be printed.
 * - Memory the library hands out (JSON text, prts_encode/prts_decode
 *   results) comes from malloc, whatever the handle's allocator, and is
 *   released with prts_free().
 * - A fatal error in a stream (push/finish, open/pull) poisons it: later
 *   stream calls return PRTS_E_BAD_STATE until *_reset().  The whole-file
 *   and whole-buffer calls (encode_file, encode, decode_file, decode,
 *   verify_file, read_info, ...) start afresh each time, so one bad file
 *   never blocks the next.
 * - Passing NULL to *_free() is a no-op.
 * - Sizes and offsets are 64-bit.
 *
 * Threads
 * - A handle (encoder, decoder, batch) is used by one thread at a time;
 *   prts_batch_cancel() alone may be called from any thread.  Distinct
 *   handles may be used from any threads at the same time, and so may the
 *   calls without a handle (the one-shot calls make a handle of their own).
 * - Process-wide state is only what is set up once, under pthread_once, by
 *   the first call that needs it, and read-only afterwards: the CPU's SIMD
 *   features (capped by $PIXELRTS_SIMD_MAX); the simd backend's variant and
 *   the `auto` backend choice (simd where the CPU has its instructions, else
 *   scalar: nothing measured); the Hilbert-curve and entropy tables; and, for
 *   the OpenCL backend, its platform/device probe and one context and
 *   program shared by the handles that use it (each handle has its own queue
 *   and buffers).  Nothing else is shared: no lock is held across calls, no
 *   cache grows.
 * - Per-machine state: where the CPU has more than one SIMD variant (x86-64
 *   with AVX2), the fastest is measured once (10-15 ms) and the choice kept
 *   in one line of $XDG_CACHE_HOME/pixelrts/simd-variant (else
 *   ~/.cache/pixelrts/simd-variant), read by later processes while the CPU's
 *   features match.  Delete the file to measure again; $PIXELRTS_SIMD_MAX or
 *   $PIXELRTS_BACKEND=scalar bypass it.  Unwritable, it is measured per
 *   process.
 * - The library reads the environment ($PIXELRTS_BACKEND when a handle is
 *   made, $PIXELRTS_SIMD_MAX, $PIXELRTS_OPENCL_*, $TMPDIR, $XDG_CACHE_HOME,
 *   $HOME) with getenv():
 *   do not change it while other threads use the library.
 * - It installs no allocator hooks, signal handlers or locale: jansson and
 *   OpenSSL allocate through their process-wide functions as the application
 *   set them (see prts_allocator), and initialise themselves (OpenSSL's
 *   OPENSSL_init_crypto, jansson's hash seed) thread-safely.  A handle's
 *   allocator is called from its worker threads concurrently.
 *
 * Everything here is "Since 1.0" unless it says otherwise.
 */
#ifndef PIXELRTS_PIXELRTS_H
#define PIXELRTS_PIXELRTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Export macro: the library's own build defines PRTS__BUILDING_LIBRARY and
 * compiles with -fvisibility=hidden, so only PRTS_API symbols are exported. */
#ifndef PRTS_API
#  if defined(PRTS__BUILDING_LIBRARY) && defined(__GNUC__)
#    define PRTS_API __attribute__((visibility("default")))
#  else
#    define PRTS_API
#  endif
#endif

/* ================================================================== */
/* Versions, status codes, memory                                      */
/* ================================================================== */

#define PRTS_VERSION_MAJOR 1
#define PRTS_VERSION_MINOR 0
#define PRTS_VERSION_PATCH 0
#define PRTS_VERSION_NUMBER \
    (PRTS_VERSION_MAJOR * 10000 + PRTS_VERSION_MINOR * 100 + PRTS_VERSION_PATCH)
#define PRTS_VERSION_STRING "1.0.0"

/* Version of the library actually loaded (compare with PRTS_VERSION_NUMBER). */
PRTS_API unsigned prts_version_number(void);
PRTS_API const char *prts_version_string(void);

/* Status codes.  Values are pinned: they never change meaning. */
typedef enum prts_status {
    PRTS_OK = 0,
    PRTS_E_INVALID_ARG = -1,      /* bad argument or option value */
    PRTS_E_NOMEM = -2,            /* allocation failed */
    PRTS_E_IO = -3,               /* read/write/mmap failed (errno in message) */
    PRTS_E_FILE_NOT_FOUND = -4,   /* input file does not exist */
    PRTS_E_NOT_PNG = -5,          /* no PNG signature */
    PRTS_E_TRUNCATED = -6,        /* PNG or payload ends early */
    PRTS_E_CRC = -7,              /* a PNG chunk fails its CRC */
    PRTS_E_PNG = -8,              /* other malformed PNG */
    PRTS_E_NOT_SQUARE = -9,       /* image is not square */
    PRTS_E_GRID_NOT_POW2 = -10,   /* grid side is not a power of two */
    PRTS_E_NO_METADATA = -11,     /* no PixelRTS metadata found */
    PRTS_E_BAD_METADATA = -12,    /* metadata is not valid JSON / has bad keys */
    PRTS_E_DATA_SIZE = -13,       /* data_size/encoded_size exceeds the grid, or the image is
                                     larger than the metadata accounts for */
    PRTS_E_GRID_TOO_SMALL = -14,  /* explicit grid cannot hold the payload */
    PRTS_E_HASH_MISMATCH = -15,   /* SHA-256 of the payload != data_hash */
    PRTS_E_NO_HASH = -16,         /* verification required (the default), but no data_hash */
    PRTS_E_LIMIT = -17,           /* a configured limit was exceeded */
    PRTS_E_BAD_STATE = -18,       /* call out of order, or handle poisoned */
    PRTS_E_UNSUPPORTED = -19,     /* valid input this build cannot handle */
    PRTS_E_BACKEND_UNKNOWN = -20, /* no backend has that name */
    PRTS_E_CALLBACK = -21,        /* a user read/write callback failed */
    PRTS_E_DECOMPRESS = -22,      /* compressed payload is corrupt */
    PRTS_E_NO_ORIGINAL = -23,     /* code-mode file lacks original_data_b64 */
    PRTS_E_SIDECAR_MISMATCH = -24,/* sidecar and PNG chunk hold different values for a key */
    PRTS_E_OUTPUT = -25,          /* output path cannot be created */
    PRTS_E_CANCELLED = -26,       /* progress callback asked to stop */
    PRTS_E_BATCH = -27,           /* some jobs of a batch failed (see their results) */
    PRTS_E_CHANGED = -28,         /* the input changed while it was being read */
    PRTS_E_BACKEND_UNAVAILABLE = -29, /* a known backend that cannot run here (not compiled
                                         in, CPU or device lacking, device set-up failed) */
    PRTS_E_BUFFER_TOO_SMALL = -30 /* the caller's buffer cannot hold the result: *len says
                                     how many bytes it needs (prts_decode_into) */
} prts_status;


/* Static English name of a status; "unknown" for a code it does not know. */
PRTS_API const char *prts_strerror(int status);

/* Release memory returned by the library (JSON text, prts_encode and
 * prts_decode results).  NULL is a no-op. */
PRTS_API void prts_free(void *ptr);

/* ================================================================== */
/* One-shot calls: no handle, the library's defaults                   */
/* ================================================================== */

/* Each of these makes a handle with the defaults (prts_encoder_new(),
 * prts_decoder_new(): the backend of $PIXELRTS_BACKEND, else "auto"), makes
 * the call of the same name on it (prts_encoder_encode_file, ...) and frees
 * it: everything said there holds here.  The detailed message is lost with
 * the handle: use the handle calls to show it. */

/* File `in` into the PixelRTS PNG `out`, with its sidecar `out`.meta.json. */
PRTS_API int prts_encode_file(const char *in, const char *out);
/* The PixelRTS PNG `in` into the file `out`, its SHA-256 verified (a file
 * without data_hash is refused: PRTS_E_NO_HASH). */
PRTS_API int prts_decode_file(const char *in, const char *out);

/* `len` bytes at `data` into a PNG in memory: *png (from malloc; release it
 * with prts_free) holds *png_len bytes.  On failure *png is NULL. */
PRTS_API int prts_encode(const void *data, size_t len, void **png, size_t *png_len);
/* The PNG of `png_len` bytes at `png` back into its payload: *data (from
 * malloc, release it with prts_free; non-NULL even for an empty payload)
 * holds *len bytes, verified.  On failure *data is NULL. */
PRTS_API int prts_decode(const void *png, size_t png_len, void **data, size_t *len);
/* The same into the caller's buffer `dst` of `cap` bytes.  *len gets the
 * payload's size, from the metadata: when `dst` is NULL or `cap` is smaller,
 * nothing is decoded and the call returns PRTS_E_BUFFER_TOO_SMALL (a size
 * query, reading only the PNG's header and metadata: call again with a
 * buffer that big).  PRTS_OK: the payload is in dst[0 .. *len), verified.
 * On any other failure the contents of `dst` are unspecified. */
PRTS_API int prts_decode_into(const void *png, size_t png_len, void *dst, size_t cap,
                              size_t *len);

/* ================================================================== */
/* Handles and options                                                 */
/* ================================================================== */

typedef struct prts_encoder prts_encoder;
typedef struct prts_decoder prts_decoder;

typedef enum prts_mode {
    PRTS_MODE_STANDARD = 0,       /* RGBA-dense */
    PRTS_MODE_CODE = 1            /* RGBA-code: WASM colouring, payload kept as base64 */
} prts_mode;

/* Values of PRTS_OPT_PAYLOAD_COMPRESSION (docs/format.md §7). */
typedef enum prts_payload_codec {
    PRTS_PAYLOAD_NONE = 0,        /* payload bytes go into the pixels as they are */
    PRTS_PAYLOAD_ZLIB = 1,        /* deflated first (type "zlib"): the original decodes it */
    PRTS_PAYLOAD_ZSTD = 2         /* Zstandard first (type "zstd"): smaller and faster; needs
                                     a libpixelrts built with libzstd to read */
} prts_payload_codec;

typedef enum prts_filter {
    PRTS_FILTER_NONE = 0,         /* fastest, and best for binary payloads */
    PRTS_FILTER_ADAPTIVE = 1      /* per row, the filter of the five with the smallest sum of
                                     absolute values (the usual heuristic) */
} prts_filter;

/* PRTS_OPT_PNG_LEVEL: 0..9 deflates every byte of the image at that zlib
 * level; a negative level -k is adaptive: each 1 KiB block of rows that
 * looks incompressible (random, already compressed) is stored, the rest is
 * deflated at level k.  Incompressible data deflated at any level is 10x
 * slower than storing it and comes out bigger. */
#define PRTS_LEVEL_ADAPTIVE(k) (-(k))

/* Values of PRTS_OPT_VERIFY_HASH: whether a decoder checks the payload's
 * SHA-256 against the metadata's data_hash before any byte is delivered (a
 * file output appears only after the check passed). */
typedef enum prts_verify {
    PRTS_VERIFY_OFF = 0,          /* no check */
    PRTS_VERIFY_REQUIRED = 1,     /* the default: check, and refuse a file whose metadata has
                                     no data_hash (PRTS_E_NO_HASH) */
    PRTS_VERIFY_IF_PRESENT = 2    /* check when the metadata has data_hash */
} prts_verify;

/* Presets: the PNG level, the filter and the payload compression chosen
 * together (prts_encoder_set_preset sets all four options).  Sizes and
 * times for a 20 MiB shared library / tar of headers: docs/architecture.md §11. */
typedef enum prts_preset {
    PRTS_PRESET_FAST = 1,         /* store (level 0) all but the zero padding, which is
                                     deflated: I/O speed, no size gain on the payload */
    PRTS_PRESET_DEFAULT = 2,      /* adaptive level 1, filter NONE: store what does not
                                     compress, deflate the rest quickly; the pixels are
                                     the payload's bytes, as the original places them */
    PRTS_PRESET_SMALL = 3,        /* payload compressed with zlib (level 6; libdeflate
                                     where built) before it is placed: the smallest file
                                     the original implementation still decodes */
    PRTS_PRESET_SMALL_LIBPIXELRTS = 4 /* payload compressed with zstd (level 9): smaller
                                     and faster to decode than SMALL, but only libpixelrts
                                     reads it (the original knows no zstd).
                                     PRTS_E_UNSUPPORTED when built without libzstd */
} prts_preset;

/* Options are 64-bit integers keyed by this enum; prts_option_bounds()
 * tells the valid range.  "E" = encoder, "D" = decoder. */
typedef enum prts_option {
    PRTS_OPT_MODE = 1,              /* E: prts_mode.  Default STANDARD */
    PRTS_OPT_PNG_LEVEL = 2,         /* E: deflate level of the PNG's image data: zlib level
                                       0..9 (0 stores all but runs of zeros, which it
                                       deflates), or -9..-1 adaptive (PRTS_LEVEL_ADAPTIVE).
                                       Default -1 */
    PRTS_OPT_FILTER = 3,            /* E: prts_filter.  Default NONE */
    PRTS_OPT_GRID_SIZE = 4,         /* E: explicit side (power of two), 0 = smallest that fits.
                                       An explicit grid larger than the payload needs makes an
                                       image of at most 16 times the payload or 64 MiB (4096^2),
                                       whichever is more: decoders refuse larger ones (a small
                                       file must not make them inflate any size), so encoding
                                       fails with PRTS_E_INVALID_ARG.  Default 0 */
    PRTS_OPT_MEMORY_BUDGET = 5,     /* E,D: bytes a push/pull stream may stage in RAM before it
                                       spills to an unlinked temporary file.  Default 32 MiB
                                       (a stream then stays under 64 MiB of RSS) */
    PRTS_OPT_WRITE_SIDECAR = 6,     /* E: 1 = file API also writes OUT.meta.json.  Default 1 */
    PRTS_OPT_VERIFY_HASH = 7,       /* D: prts_verify: check SHA-256 before any byte is delivered.
                                       Default PRTS_VERIFY_REQUIRED (set PRTS_VERIFY_OFF to
                                       skip it, PRTS_VERIFY_IF_PRESENT for files that may
                                       lack data_hash) */
    PRTS_OPT_READ_SIDECAR = 8,      /* D: 1 = the file API also reads a sidecar (OUT.meta.json):
                                       it may add keys the PNG's chunk lacks; a key both hold
                                       with different values fails the decoder's
                                       decode_file, decode_range and verify_file
                                       (PRTS_E_SIDECAR_MISMATCH; read_info notes it:
                                       PRTS_INFO_SIDECAR_MISMATCH).  Default 1 */
    PRTS_OPT_MAX_GRID_SIZE = 9,     /* D: largest accepted image side.  Default 65536 */
    PRTS_OPT_MAX_METADATA_SIZE = 10,/* D: largest accepted text chunk / sidecar, checked before it
                                       is read.  Default 64 MiB (a code-mode file carries its
                                       payload in base64 there: raise it for payloads over 48 MiB) */
    PRTS_OPT_PAYLOAD_COMPRESSION = 11,/* E: prts_payload_codec of the payload before it is placed
                                         (docs/format.md §7); the PNG then stores the compressed
                                         bytes and deflates only the padding.  Default NONE */
    PRTS_OPT_PAYLOAD_LEVEL = 12,    /* E: level of that compression: zlib 1..9, zstd 1..19;
                                       0 = the library's default (zlib 6, zstd 3).  Default 0 */
    PRTS_OPT_THREADS = 13,          /* E,D: threads that deflate / inflate the image's segments:
                                       0 = one per online CPU, 1 = the calling thread only.
                                       Default 0 */
    PRTS_OPT_MAX_METADATA_CHUNKS = 14 /* D: most text chunks (tEXt, zTXt, iTXt) a PNG may carry;
                                         one more is PRTS_E_LIMIT before it is stored.
                                         Default 64 */
} prts_option;

/* Progress: `done` out of `total` units (payload bytes).  Return 0 to go
 * on, non-zero to cancel (the call then fails with PRTS_E_CANCELLED). */
typedef int (*prts_progress_fn)(void *user, uint64_t done, uint64_t total);

/* ------------------------------------------------------------------ */
/* Encoder                                                             */
/* ------------------------------------------------------------------ */

/* New encoder with default options and the backend named by the
 * PIXELRTS_BACKEND environment variable, or "auto": simd where the CPU has
 * its instructions (never slower than scalar), else scalar.
 * NULL on OOM.  (prts_encoder_new_with, below: with an allocator.) */
PRTS_API prts_encoder *prts_encoder_new(void);
PRTS_API void prts_encoder_free(prts_encoder *enc);
/* Forget pushed data, metadata result and errors; keep options. */
PRTS_API int prts_encoder_reset(prts_encoder *enc);

PRTS_API int prts_encoder_set_option(prts_encoder *enc, prts_option option, int64_t value);
PRTS_API int prts_encoder_get_option(const prts_encoder *enc, prts_option option, int64_t *value);
/* Set PRTS_OPT_PNG_LEVEL, PRTS_OPT_FILTER, PRTS_OPT_PAYLOAD_COMPRESSION and
 * PRTS_OPT_PAYLOAD_LEVEL to a prts_preset.  PRTS_E_INVALID_ARG for an
 * unknown preset, PRTS_E_UNSUPPORTED for one this build cannot write. */
PRTS_API int prts_encoder_set_preset(prts_encoder *enc, prts_preset preset);

/* Caller's metadata: a JSON object (UTF-8) whose keys are stored after the
 * format keys (docs/format.md §5: `version` becomes `content_version`, a
 * `segments` object also fills `offsets` and `hashes`).  NULL or "{}"
 * clears it.  PRTS_E_BAD_METADATA if it is not a JSON object. */
PRTS_API int prts_encoder_set_metadata_json(prts_encoder *enc, const char *json);

/* Optional blueprint (a JSON object, carried, not interpreted): written as
 * the `PixelRTS-Blueprint` tEXt chunk and, by the file calls, as
 * OUT.blueprint.json.  NULL or "{}" clears it. */
PRTS_API int prts_encoder_set_blueprint_json(prts_encoder *enc, const char *json);

/* Progress of the encode calls (fn NULL: none). */
PRTS_API int prts_encoder_set_progress(prts_encoder *enc, prts_progress_fn fn, void *user);

/* Encode file `in` into PNG `out` (and `out`.meta.json unless the sidecar
 * option is off).  The input is memory-mapped and rows are gathered from it
 * one strip at a time, so memory stays bounded by a strip whatever the file
 * size.
 *
 * Outputs: `out` and its sidecars appear together and complete, or not at
 * all: they are written as unnamed temporary files in `out`'s folder and
 * renamed into place only once all of them are written; any failure
 * (including one renaming the second of them) leaves every existing file as
 * it was.  Without sidecars, stale `out`.meta.json / `out`.blueprint.json
 * (and `out` with .png replaced by .meta.json) are removed in the same step.
 * The PNG and its sidecars get the input's permission bits, less the umask.
 * Refused with PRTS_E_OUTPUT: `out` (or a sidecar name) being the input
 * itself, a directory or a socket.  A device or FIFO at `out` is written
 * in place (as cp does), without sidecars.  An input that is not a regular
 * file is PRTS_E_UNSUPPORTED (push a pipe's bytes instead). */
PRTS_API int prts_encoder_encode_file(prts_encoder *enc, const char *in, const char *out);

/* Encode `len` bytes at `data` into a PNG in memory: *png (from malloc,
 * release it with prts_free) holds *png_len bytes; NULL on failure.  No
 * sidecar.  PRTS_E_BAD_STATE while a pushed stream is in progress. */
PRTS_API int prts_encoder_encode(prts_encoder *enc, const void *data, size_t len, void **png,
                                 size_t *png_len);

/* The metadata written by the last successful encode (encode_file, encode,
 * finish, finish_file), as compact JSON; caller releases it with
 * prts_free().  NULL if none. */
PRTS_API char *prts_encoder_metadata_json(const prts_encoder *enc);

/* Detailed message of the last failure ("" if none; never NULL).  Valid
 * until the next call on the handle. */
PRTS_API const char *prts_encoder_last_error(const prts_encoder *enc);

/* ------------------------------------------------------------------ */
/* Decoder                                                             */
/* ------------------------------------------------------------------ */

typedef enum prts_info_key {
    PRTS_INFO_GRID_SIZE = 1,       /* image side in pixels, from the PNG header */
    PRTS_INFO_DATA_SIZE = 2,       /* payload bytes (after decompression) */
    PRTS_INFO_ENCODED_SIZE = 3,    /* bytes held in the pixels */
    PRTS_INFO_MODE = 4,            /* prts_mode */
    PRTS_INFO_COMPRESSED = 5,      /* 1 if the payload was compressed before placement */
    PRTS_INFO_METADATA_SOURCE = 6, /* prts_metadata_source */
    PRTS_INFO_SIDECAR_MISMATCH = 7,/* 1 if a sidecar and the PNG chunk hold different values
                                      for a key (decoding refuses such a pair; the metadata
                                      shown is the chunk's) */
    PRTS_INFO_HAS_HASH = 8,        /* 1 if the metadata carries data_hash */
    PRTS_INFO_METADATA_GRID_SIZE = 9 /* grid_size recorded in the metadata (0 if absent);
                                        `verify` checks it equals PRTS_INFO_GRID_SIZE */
} prts_info_key;

/* Where the metadata came from.  With a sidecar, the PNG's own chunk still
 * has the last word on every key it holds: the sidecar adds the others. */
typedef enum prts_metadata_source {
    PRTS_META_CHUNK = 0,           /* the PNG's PixelRTS text chunk alone */
    PRTS_META_SIDECAR = 1,         /* the chunk (if any) and X.meta.json */
    PRTS_META_ALT_SIDECAR = 2      /* the chunk (if any) and X with .png replaced by .meta.json */
} prts_metadata_source;

/* New decoder with default options and the backend of $PIXELRTS_BACKEND, or
 * "auto".  NULL on OOM.  (prts_decoder_new_with, below: with an allocator.) */
PRTS_API prts_decoder *prts_decoder_new(void);
PRTS_API void prts_decoder_free(prts_decoder *dec);
/* Forget the current file (its metadata included) and errors; keep options. */
PRTS_API int prts_decoder_reset(prts_decoder *dec);

PRTS_API int prts_decoder_set_option(prts_decoder *dec, prts_option option, int64_t value);
PRTS_API int prts_decoder_get_option(const prts_decoder *dec, prts_option option, int64_t *value);
/* Progress of the decode calls (fn NULL: none). */
PRTS_API int prts_decoder_set_progress(prts_decoder *dec, prts_progress_fn fn, void *user);

/* Decode PNG `in` into file `out`: decoded rows are scattered straight into
 * the (memory-mapped) output, so memory stays bounded by a strip.  `out`
 * appears complete or not at all; it appears only after the hash check
 * (PRTS_OPT_VERIFY_HASH, on by default) passed. */
PRTS_API int prts_decoder_decode_file(prts_decoder *dec, const char *in, const char *out);

/* Decode the PNG of `png_len` bytes at `png` (no sidecar is read): *data
 * (from malloc, release it with prts_free; non-NULL even for an empty
 * payload) holds the *len payload bytes, verified as PRTS_OPT_VERIFY_HASH
 * says; NULL on failure. */
PRTS_API int prts_decoder_decode(prts_decoder *dec, const void *png, size_t png_len, void **data,
                                 size_t *len);
/* The same into the caller's buffer: prts_decode_into() with this handle's
 * options (a size query when `dst` is NULL or `cap` too small:
 * PRTS_E_BUFFER_TOO_SMALL, *len = the payload's size). */
PRTS_API int prts_decoder_decode_into(prts_decoder *dec, const void *png, size_t png_len,
                                      void *dst, size_t cap, size_t *len);

/* Check the PixelRTS PNG at `path` as prts_decoder_decode_file() would
 * decode it (its sidecar, PNG structure, CRCs and Adler-32s, grid and sizes,
 * the SHA-256 as PRTS_OPT_VERIFY_HASH says, a compressed payload's stream),
 * writing and handing out nothing: PRTS_OK when a decode would succeed.
 * The payload streams through: memory stays bounded as for decode_file
 * (what the hash needs in payload order is staged: RAM up to
 * PRTS_OPT_MEMORY_BUDGET, then an unlinked temporary file).  The file's
 * facts and metadata stay available, as after read_info. */
PRTS_API int prts_decoder_verify_file(prts_decoder *dec, const char *path);

/* Decode payload bytes [offset, offset + len) of the PixelRTS PNG at `path`
 * into buf, reading only the image rows they live in when the file carries
 * our segment index (files written by libpixelrts 1.0 and later), else every
 * row up to them.  The payload must be stored as it is (standard mode, no
 * payload compression): PRTS_E_UNSUPPORTED otherwise; PRTS_E_INVALID_ARG if
 * the range passes data_size.  No hash check, whatever PRTS_OPT_VERIFY_HASH
 * says: the hash covers the whole payload (decode_file checks it). */
PRTS_API int prts_decoder_decode_range(prts_decoder *dec, const char *path, uint64_t offset,
                                       void *buf, size_t len);
/* The same range into the file `out`, placed as prts_decoder_decode_file()
 * places its output (complete or not at all; a device or FIFO written in
 * place; never the input itself).  Holds the range in memory. */
PRTS_API int prts_decoder_decode_range_file(prts_decoder *dec, const char *in, uint64_t offset,
                                            uint64_t len, const char *out);

/* Read only the metadata of `path` (the text chunks before IDAT, with what a
 * sidecar adds where allowed): no pixel is decoded.  A sidecar that
 * disagrees with the chunk is not an error here (PRTS_INFO_SIDECAR_MISMATCH
 * says so; the chunk's values are kept), so that a tool can show it; nor is
 * a code-mode file without original_data_b64 (decoding it is
 * PRTS_E_NO_ORIGINAL). */
PRTS_API int prts_decoder_read_info(prts_decoder *dec, const char *path);

/* Facts about the current file (after open, decode_file, decode,
 * verify_file or read_info).  PRTS_E_BAD_STATE when there is none,
 * PRTS_E_INVALID_ARG for an unknown key; the reason in last_error(). */
PRTS_API int prts_decoder_get_info(prts_decoder *dec, prts_info_key key, int64_t *value);
/* Its metadata as compact JSON (caller frees with prts_free); NULL if none. */
PRTS_API char *prts_decoder_metadata_json(const prts_decoder *dec);
/* Only the caller's keys of that metadata (those prts_encoder_set_metadata_json
 * gave, as stored: `version` as `content_version`), without the keys the
 * format reserves (docs/format.md §5), as a compact JSON object, "{}" when
 * there are none; caller frees with prts_free.  NULL (reason in
 * last_error()) when there is no current file or memory ran out. */
PRTS_API char *prts_decoder_user_metadata_json(prts_decoder *dec);
/* Its blueprint (PixelRTS-Blueprint chunk, else X.blueprint.json for the
 * file calls) as compact JSON, caller frees with prts_free; NULL if none. */
PRTS_API char *prts_decoder_blueprint_json(const prts_decoder *dec);
/* Detailed message of the last failure ("" if none; never NULL). */
PRTS_API const char *prts_decoder_last_error(const prts_decoder *dec);

/* ================================================================== */
/* Streaming                                                           */
/* ================================================================== */

/* Write callback: consume all `len` bytes; return 0, or any negative value
 * to abort (the operation then fails with PRTS_E_CALLBACK). */
typedef int (*prts_write_fn)(void *user, const void *buf, size_t len);

/* Read callback: copy up to `cap` bytes into `buf` and return how many.
 * A short read is NOT end of stream: the library simply calls again.
 * Return 0 only at end of stream, and a negative value on error. */
typedef ptrdiff_t (*prts_read_fn)(void *user, void *buf, size_t cap);

/* Streaming encode.  Push the payload in chunks of any size (zero-length
 * pushes are fine), then finish(): the whole PNG is written through
 * `write`.  Pushed data beyond the memory budget is staged in an unlinked
 * temporary file, so the payload may be larger than RAM.  After finish()
 * (success or failure) the encoder must be reset before the next push. */
PRTS_API int prts_encoder_push(prts_encoder *enc, const void *data, size_t len);
PRTS_API int prts_encoder_finish(prts_encoder *enc, prts_write_fn write, void *user);
/* Finish a pushed stream into the file `out`, with the sidecars and the
 * all-or-nothing placement of prts_encoder_encode_file() (permissions: 0666
 * less the umask).  Like prts_encoder_finish(), the encoder must then be
 * reset. */
PRTS_API int prts_encoder_finish_file(prts_encoder *enc, const char *out);

/* Streaming decode.  open() reads the PNG header and metadata through
 * `read` (the callback stays in use until the end of the stream); pull()
 * then copies up to `cap` payload bytes into `buf` and stores the count in
 * `*got`.  End-of-stream rule: pull() returns PRTS_OK with *got == 0 exactly
 * once the whole payload has been delivered, and every byte before that
 * has been delivered in order; *got < cap does not mean the end.  Rows are
 * staged (RAM up to the budget, then a temporary file) because payload
 * order and PNG row order differ.  The hash is checked before the first
 * byte is delivered (PRTS_OPT_VERIFY_HASH; by default a stream without
 * data_hash fails at the first pull with PRTS_E_NO_HASH). */
PRTS_API int prts_decoder_open(prts_decoder *dec, prts_read_fn read, void *user);
PRTS_API int prts_decoder_pull(prts_decoder *dec, void *buf, size_t cap, size_t *got);
/* After open() and before any pull: decode the stream's whole payload into
 * the file `out`, placed as prts_decoder_decode_file() places its output
 * (complete and verified, or not at all; a device or FIFO written in place
 * once the payload is whole and verified; permissions 0666 less the umask).
 * The rows go straight into the file as decode_file's do (a payload stored
 * as it is needs no stage), so memory stays bounded as for decode_file.
 * The stream is then at its end (a pull gets
 * 0 bytes); PRTS_E_BAD_STATE when no stream is open or a pull came first. */
PRTS_API int prts_decoder_pull_file(prts_decoder *dec, const char *out);

/* ================================================================== */
/* Batches                                                             */
/* ================================================================== */

/* Many files converted on a pool of worker threads.  Each worker owns one
 * encoder or decoder, reused from file to file, and takes the next job
 * from a shared counter: no lock while a file is converted.  One failing
 * job never stops the others; each job's output appears complete or not
 * at all.  A batch is used by one thread at a time, except
 * prts_batch_cancel(), which any thread may call. */
typedef struct prts_batch prts_batch;

typedef enum prts_batch_kind {
    PRTS_BATCH_ENCODE = 0,        /* files -> .rts.png */
    PRTS_BATCH_DECODE = 1         /* .rts.png -> files */
} prts_batch_kind;

/* Progress: called from the thread running prts_batch_run(), once per
 * finished job, in completion order: `current` of `total` done, `name` the
 * job's input.  Return non-zero to cancel the jobs not yet started. */
typedef int (*prts_batch_progress_fn)(void *user, size_t current, size_t total,
                                      const char *name);

/* NULL for an unknown kind or on OOM.  (prts_batch_new_with, below: with an
 * allocator.) */
PRTS_API prts_batch *prts_batch_new(prts_batch_kind kind);
PRTS_API void prts_batch_free(prts_batch *batch);
/* Worker threads; 0 (the default) = the number of online CPUs. */
PRTS_API int prts_batch_set_workers(prts_batch *batch, int workers);
/* An option for every job's handle (the encoder's or decoder's keys). */
PRTS_API int prts_batch_set_option(prts_batch *batch, prts_option option, int64_t value);
/* Every setting of a configured handle for every job, at once: all its
 * options (every key of the batch's kind), its backend (as asked for: "auto"
 * stays "auto"), and for an encoder its metadata and blueprint (NULL when it
 * has none: the batch's are cleared).  The batch must be of the handle's
 * kind (PRTS_E_INVALID_ARG otherwise).  When the handle's last set_backend
 * was refused, that status (PRTS_E_BACKEND_UNKNOWN, _UNAVAILABLE) and its
 * reason in prts_batch_last_error().  A failure changes nothing. */
PRTS_API int prts_batch_set_encoder_settings(prts_batch *batch, const prts_encoder *from);
PRTS_API int prts_batch_set_decoder_settings(prts_batch *batch, const prts_decoder *from);
/* A blueprint (JSON object) for every encode job (NULL clears it). */
PRTS_API int prts_batch_set_blueprint_json(prts_batch *batch, const char *json);
/* Metadata (a JSON object) every encode job starts from; a job's own keys
 * override these (NULL clears it). */
PRTS_API int prts_batch_set_metadata_json(prts_batch *batch, const char *json);
/* Confine every job's output to folder `dir` (NULL, the default: anywhere).
 * Before a job writes anything, its missing folders included, its output
 * path is resolved as the kernel would follow it (symbolic links, "." and
 * ".."); one that leads outside `dir`, that climbs with ".." out of folders
 * still to be made, or that goes through a dangling symbolic link fails with
 * PRTS_E_OUTPUT, and the other jobs run.  The check precedes the write: it
 * stops paths that lead outside, not someone swapping folders meanwhile. */
PRTS_API int prts_batch_set_output_root(prts_batch *batch, const char *dir);
PRTS_API int prts_batch_set_progress(prts_batch *batch, prts_batch_progress_fn fn, void *user);
/* Results as they come, so that a batch of any size holds no result: called
 * from the thread running prts_batch_run(), once per job, in completion
 * order (then the jobs cancelled before they started), before the progress
 * callback, with the job's index (queue order), its status, its input and
 * output paths, its message (NULL on success) and its result object as
 * prts_batch_result_json() gives it (NULL if memory ran out); all valid
 * during the call only.  Return non-zero to cancel the jobs not yet started.
 * A result handed over is not kept: prts_batch_result_json() then gives the
 * job's paths, success, status, time and size, with null error and metadata. */
typedef int (*prts_batch_result_fn)(void *user, size_t index, int status, const char *input,
                                    const char *output, const char *error,
                                    const char *result_json);
PRTS_API int prts_batch_set_result_callback(prts_batch *batch, prts_batch_result_fn fn,
                                            void *user);
/* Why the last setter on the batch failed ("" if none; never NULL). */
PRTS_API const char *prts_batch_last_error(const prts_batch *batch);
/* Queue a job: input, output (missing parent folders are created), and
 * for encoding an optional JSON object of metadata overriding the batch's. */
PRTS_API int prts_batch_add(prts_batch *batch, const char *in, const char *out,
                            const char *metadata_json);
PRTS_API size_t prts_batch_size(const prts_batch *batch);
/* Run every queued job that has not run yet.  PRTS_OK if all succeeded,
 * PRTS_E_BATCH if any failed, PRTS_E_CANCELLED if cancelled. */
PRTS_API int prts_batch_run(prts_batch *batch);
/* Ask a running batch to start no further job (any thread, any time). */
PRTS_API void prts_batch_cancel(prts_batch *batch);
/* Result of job `index` (queue order) as a JSON object with the guide's
 * keys: input_path, output_path, success, error, status, metadata (the
 * file's metadata: data_size, data_hash, grid_size, ...), encode_time
 * (seconds; decode_time for decode batches) and file_size (bytes of the
 * output).  ASCII text; a byte of a path or message that is not valid UTF-8
 * is written \udcXX (Python's surrogateescape: os.fsencode() restores the
 * name; parsers that refuse lone surrogates, jansson's among them, refuse
 * such a result).  Caller frees with prts_free; NULL if index is out of
 * range. */
PRTS_API char *prts_batch_result_json(const prts_batch *batch, size_t index);
/* All results as a JSON array, in queue order. */
PRTS_API char *prts_batch_results_json(const prts_batch *batch);

/* ================================================================== */
/* Advanced                                                            */
/* ================================================================== */

/* ------------------------------------------------------------------ */
/* Allocators                                                          */
/* ------------------------------------------------------------------ */

/* A per-handle allocator (like zstd's ZSTD_customMem): `alloc` returns
 * `size` bytes (size > 0) aligned for any type, or NULL; `free` releases a
 * block `alloc` returned (never called with NULL).  `opaque` is passed to
 * both.  They may be called from the library's worker threads at the same
 * time, so they must be thread-safe.  The library never asks for realloc: it
 * allocates, copies and frees.
 *
 * Goes through it: the handle itself and everything it allocates while it
 * lives: staged payloads, the PNG writer and readers (row and segment
 * buffers, the segment index), zlib's deflate and inflate state, zstd's
 * contexts, libspng's context and buffers, transform bands, metadata chunk
 * text, sidecar and output-file buffers, inputs small enough to be read
 * rather than mapped; for a batch, its job list, its workers and every
 * job's encoder or decoder.
 *
 * Does not go through it: jansson (metadata and blueprint JSON objects,
 * their text) and OpenSSL (SHA-256 contexts) allocate through their
 * process-wide hooks (json_set_alloc_funcs, CRYPTO_set_mem_functions),
 * which an embeddable library must not take over; a failure there is still
 * reported as PRTS_E_NOMEM.  Nor do thread stacks (pthread_create), the
 * OpenCL backend's device state and driver, and the once-only measurement
 * that picks the SIMD variant.  Big data that is mapped
 * rather than allocated (a mapped input file, the sparse anonymous mirror
 * of a big payload, a payload staged in a temporary file past the memory
 * budget) is not allocated either.
 *
 * An allocator without both functions means malloc/free.  It must outlive
 * the handle.  When an allocation fails, the operation returns PRTS_E_NOMEM
 * (a batch job: that status, and prts_batch_run PRTS_E_BATCH), frees what
 * it had allocated and leaves no output file. */
typedef void *(*prts_alloc_fn)(void *opaque, size_t size);
typedef void (*prts_free_fn)(void *opaque, void *ptr);
typedef struct prts_allocator {
    prts_alloc_fn alloc;
    prts_free_fn free;
    void *opaque;
} prts_allocator;

/* prts_encoder_new(), prts_decoder_new(), prts_batch_new() allocating
 * through `allocator` (copied; NULL = malloc/free).  NULL if the handle
 * itself cannot be allocated.  A batch's allocator serves the batch, its
 * job list, its workers and every job's encoder or decoder. */
PRTS_API prts_encoder *prts_encoder_new_with(const prts_allocator *allocator);
PRTS_API prts_decoder *prts_decoder_new_with(const prts_allocator *allocator);
PRTS_API prts_batch *prts_batch_new_with(prts_batch_kind kind, const prts_allocator *allocator);

/* ------------------------------------------------------------------ */
/* Backends                                                            */
/* ------------------------------------------------------------------ */

/* Number of backends compiled in, and the name of the i-th ("simd",
 * "scalar", "opencl"); "unknown" for an index outside [0, count). */
PRTS_API int prts_backend_count(void);
PRTS_API const char *prts_backend_name(int index);
/* PRTS_OK if the named backend can run here; otherwise
 * PRTS_E_BACKEND_UNKNOWN (no backend has that name) or
 * PRTS_E_BACKEND_UNAVAILABLE (a backend this library knows that cannot run
 * here, or that this build left out) and, if `why` is non-NULL, the reason
 * in `why` (NUL-terminated, truncated). */
PRTS_API int prts_backend_probe(const char *name, char *why, size_t why_len);
/* What the named backend runs on here ("AVX-512", an OpenCL device name):
 * PRTS_OK, or the status of prts_backend_probe(). */
PRTS_API int prts_backend_describe(const char *name, char *buf, size_t len);

/* Choose a handle's backend by name ("scalar", ..., or "auto").
 * PRTS_E_BACKEND_UNKNOWN or PRTS_E_BACKEND_UNAVAILABLE, with the reason in
 * last_error(), if it is unknown or cannot run here.  There is never a
 * silent fallback: after such a failure the handle's stream calls return
 * PRTS_E_BAD_STATE and its file and buffer calls that status until a
 * successful set_backend or a reset (which returns to the last backend
 * accepted).  A batch checks the name at once and gives it to every job's
 * handle. */
PRTS_API int prts_encoder_set_backend(prts_encoder *enc, const char *name);
PRTS_API int prts_decoder_set_backend(prts_decoder *dec, const char *name);
PRTS_API int prts_batch_set_backend(prts_batch *batch, const char *name);
/* Name of the backend a handle uses (never "auto"); NULL for a bad handle. */
PRTS_API const char *prts_encoder_backend(const prts_encoder *enc);
PRTS_API const char *prts_decoder_backend(const prts_decoder *dec);

/* ------------------------------------------------------------------ */
/* Option bounds, grid sizes                                           */
/* ------------------------------------------------------------------ */

/* Valid range of an option (inclusive).  PRTS_E_INVALID_ARG for unknown keys. */
PRTS_API int prts_option_bounds(prts_option option, int64_t *min, int64_t *max);

/* Smallest grid side for an n-byte payload (docs/format.md §2): 1 for 0 bytes,
 * else the smallest power of two g >= 4 with 4*g*g >= n. */
PRTS_API uint32_t prts_grid_size_for(uint64_t n);

/* The Hilbert curve the payload follows on a grid of side `grid` (a power of
 * two, docs/format.md §3): pixel index d -> (x, y), x the column, y the row.
 * prts_hilbert_coords writes the (x, y) of indices first .. first+count-1 to
 * xy[0], xy[1], xy[2], ...; prts_hilbert_index is the inverse.
 * PRTS_E_INVALID_ARG for a grid that is not a power of two,
 * an index or point off the grid, or a NULL output. */
PRTS_API int prts_hilbert_coords(uint32_t grid, uint64_t first, uint64_t count, uint32_t *xy);
PRTS_API int prts_hilbert_index(uint32_t grid, uint32_t x, uint32_t y, uint64_t *d);

#ifdef __cplusplus
}
#endif

#endif /* PIXELRTS_PIXELRTS_H */

/* ================================================================== */
/* Experimental: define PRTS_EXPERIMENTAL before including this header */
/* ================================================================== */

/* These calls are not part of the frozen 1.0 interface: they are exported
 * under the version node PIXELRTS_EXPERIMENTAL, and may change or go in any
 * release (a program using them must be rebuilt with the release it runs
 * with).  Outside this block's own guard so that a file may include the
 * header again with PRTS_EXPERIMENTAL defined. */
#if defined(PRTS_EXPERIMENTAL) && !defined(PIXELRTS_PIXELRTS_H_EXPERIMENTAL)
#define PIXELRTS_PIXELRTS_H_EXPERIMENTAL

#ifdef __cplusplus
extern "C" {
#endif

/* Measure the named backend's transform throughput on this machine: best of
 * three passes over `bytes` of incompressible payload in each direction, in
 * payload GB/s (10^9 bytes per second), transfers to a device included.
 * Slow for big sizes; meant for reports and benchmarks.  The status of
 * prts_backend_probe() for a backend that cannot run. */
PRTS_API int prts_backend_measure(const char *name, uint64_t bytes, double *encode_gbs,
                                  double *decode_gbs);

/* Opcode categories of the code-mode visualisation (docs/format.md §6). */
typedef enum prts_wasm_category {
    PRTS_WASM_CONTROL = 0,    /* 0x00-0x05, 0x0B-0x11 */
    PRTS_WASM_ARITHMETIC = 1, /* 0x45-0x66, 0x6A-0x78, 0x7C-0x8A, 0x92-0x97, 0xA0-0xA5 */
    PRTS_WASM_MEMORY = 2,     /* 0x28-0x40 */
    PRTS_WASM_PARAMETRIC = 3, /* 0x0A, 0x1B, 0x1C */
    PRTS_WASM_VARIABLE = 4,   /* 0x20-0x24 */
    PRTS_WASM_CONST = 5,      /* 0x41-0x44 */
    PRTS_WASM_OTHER = 6,      /* everything else */
    PRTS_WASM_CATEGORY_COUNT = 7
} prts_wasm_category;

/* Count the 4-byte groups of `data` (one per pixel, as code mode colours
 * them) by the category of their first byte; a last partial group counts. */
PRTS_API int prts_wasm_histogram(const void *data, size_t len,
                                 uint64_t counts[PRTS_WASM_CATEGORY_COUNT]);
/* "control", "arithmetic", ...; "unknown" for a category it does not know. */
PRTS_API const char *prts_wasm_category_name(int category);
/* The histogram of the current code-mode file's payload, from its
 * original_data_b64 (works after prts_decoder_read_info: no pixel is
 * decoded).  PRTS_E_NO_ORIGINAL if the metadata carries no payload copy;
 * the reason of any failure in last_error(). */
PRTS_API int prts_decoder_wasm_histogram(prts_decoder *dec,
                                         uint64_t counts[PRTS_WASM_CATEGORY_COUNT]);

#ifdef __cplusplus
}
#endif

#endif /* PRTS_EXPERIMENTAL */
