"""The cffi declarations shipped with the binding (pixelrts/_cdef.h for pixelrts.h,
pixelrts/_cdef_bench.h for pixelrts/bench.h): generated from the current headers, the same
functions, and usable by cffi (Debian python3-cffi) to load the libraries, round-trip a buffer
through the streaming API and run a benchmark through libpixelrts-bench.

The cffi tests skip where cffi is not installed, except when PIXELRTS_REQUIRE_CFFI=1 (the
meson test run with /usr/bin/python3 sets it: Debian's python3-cffi must work)."""

import importlib.util
import os
import re
import unittest

import json

import support
from support import BENCH_HEADER, HEADER, pseudo_random, sha256

import pixelrts
from pixelrts import _lib

GEN = os.path.join(support.BINDING, "gen_cdef.py")
CDEF = os.path.join(support.BINDING, "pixelrts", "_cdef.h")
BENCH_CDEF = os.path.join(support.BINDING, "pixelrts", "_cdef_bench.h")
# header, its cdef file, the minimum number of functions it declares
PAIRS = ((HEADER, CDEF, 60), (BENCH_HEADER, BENCH_CDEF, 10))
API_FUNCTION = re.compile(r"\bPRTS_API\b[^;{]*?\b(prts_\w+)\s*\(")
DECLARED_FUNCTION = re.compile(r"\b(prts_\w+)\s*\(")


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_cdef", GEN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class CdefFile(unittest.TestCase):
    def test_matches_the_header(self):
        for header, cdef, _ in PAIRS:
            name = os.path.basename(header)
            expected = load_generator().convert(read(header), name)
            self.assertEqual(read(cdef), expected,
                             "pixelrts/%s is stale: run python3 bindings/python/gen_cdef.py "
                             "include/pixelrts/%s > bindings/python/pixelrts/%s"
                             % (os.path.basename(cdef), name, os.path.basename(cdef)))

    def test_same_functions(self):
        seen = set()
        for header, cdef, least in PAIRS:
            text = load_generator().strip_comments(read(header))
            ours = set(DECLARED_FUNCTION.findall(load_generator().strip_comments(read(cdef))))
            self.assertEqual(ours, set(API_FUNCTION.findall(text)))
            self.assertGreaterEqual(len(ours), least)
            self.assertFalse(ours & seen)  # each function in one header only
            seen |= ours
        # the benchmarks are libpixelrts-bench's alone
        bench = {f for f in seen if f.startswith("prts_bench_")}
        self.assertEqual(bench, set(DECLARED_FUNCTION.findall(read(BENCH_CDEF))))

    def test_shipped_in_the_package(self):
        self.assertEqual(pixelrts.cffi_cdef(), read(CDEF))
        self.assertEqual(pixelrts.cffi_cdef(bench=True), read(BENCH_CDEF))


def have_cffi():
    """False where cffi is missing, unless this run requires it (then ImportError)."""
    if importlib.util.find_spec("cffi") is not None:
        return True
    if os.environ.get("PIXELRTS_REQUIRE_CFFI") == "1":
        raise ImportError("cffi is required for this run (Debian: apt-get install python3-cffi)")
    return False


class Cffi(unittest.TestCase):
    def setUp(self):
        if not have_cffi():
            self.skipTest("cffi is not installed for this interpreter (Debian: python3-cffi)")
        import cffi
        self.ffi = cffi.FFI()
        self.ffi.cdef(pixelrts.cffi_cdef())
        self.lib = self.ffi.dlopen(pixelrts.library_path)

    def test_constants_and_version(self):
        lib, ffi = self.lib, self.ffi
        self.assertEqual(ffi.string(lib.prts_version_string()).decode(), pixelrts.library_version())
        self.assertEqual(lib.PRTS_VERSION_MAJOR, 1)
        self.assertEqual(lib.PRTS_E_HASH_MISMATCH, -15)
        self.assertEqual(lib.PRTS_OPT_VERIFY_HASH, 7)
        self.assertEqual((lib.PRTS_VERIFY_OFF, lib.PRTS_VERIFY_REQUIRED, lib.PRTS_VERIFY_IF_PRESENT),
                         (0, 1, 2))
        self.assertEqual(lib.prts_grid_size_for(4097), 64)
        self.assertEqual(ffi.string(lib.prts_strerror(lib.PRTS_E_NOT_PNG)), b"not a PNG file")

    def test_round_trip_a_buffer(self):
        lib, ffi = self.lib, self.ffi
        data = pseudo_random(1000003, 42)
        chunks = []

        @ffi.callback("prts_write_fn")
        def write(user, buf, n):
            chunks.append(ffi.buffer(buf, n)[:])
            return 0

        enc = ffi.gc(lib.prts_encoder_new(), lib.prts_encoder_free)
        self.assertEqual(lib.prts_encoder_set_metadata_json(enc, b'{"type":"cffi"}'), 0)
        self.assertEqual(lib.prts_encoder_push(enc, ffi.from_buffer(data), len(data)), 0)
        self.assertEqual(lib.prts_encoder_finish(enc, write, ffi.NULL), 0)
        png = b"".join(chunks)
        meta = ffi.string(lib.prts_encoder_metadata_json(enc))
        self.assertIn(b'"type":"cffi"', meta)
        self.assertIn(sha256(data).encode(), meta)
        self.assertEqual(pixelrts.PixelRTSDecoder().decode(png), data)  # ctypes agrees

        pos = [0]

        @ffi.callback("prts_read_fn")
        def read(user, buf, cap):
            k = min(cap, len(png) - pos[0])
            ffi.memmove(buf, png[pos[0]:pos[0] + k], k)
            pos[0] += k
            return k

        dec = ffi.gc(lib.prts_decoder_new(), lib.prts_decoder_free)
        self.assertEqual(lib.prts_decoder_set_option(dec, lib.PRTS_OPT_VERIFY_HASH, 1), 0)
        self.assertEqual(lib.prts_decoder_open(dec, read, ffi.NULL), 0)
        size = ffi.new("int64_t *")
        self.assertEqual(lib.prts_decoder_get_info(dec, lib.PRTS_INFO_DATA_SIZE, size), 0)
        self.assertEqual(size[0], len(data))
        out = bytearray(len(data))
        got = ffi.new("size_t *")
        done = 0
        while True:
            view = ffi.from_buffer(out)
            self.assertEqual(lib.prts_decoder_pull(dec, view + done, len(out) - done, got), 0)
            if got[0] == 0:
                break
            done += got[0]
        self.assertEqual(bytes(out), data)

    def test_bench_through_cffi(self):
        # both headers in one FFI; libpixelrts-bench opened beside libpixelrts
        lib, ffi = self.lib, self.ffi
        ffi.cdef(pixelrts.cffi_cdef(bench=True))
        bench_lib = ffi.dlopen(_lib.bench("test_cdef").path)
        b = ffi.gc(bench_lib.prts_bench_new(), bench_lib.prts_bench_free)
        self.assertEqual(bench_lib.prts_bench_set_option(b, bench_lib.PRTS_BENCH_ITERATIONS, 0),
                         lib.PRTS_E_INVALID_ARG)
        self.assertIn(b"iterations", ffi.string(bench_lib.prts_bench_last_error(b)))
        self.assertEqual(bench_lib.prts_bench_set_option(b, bench_lib.PRTS_BENCH_ITERATIONS, 1), 0)
        self.assertEqual(bench_lib.prts_bench_set_string(b, bench_lib.PRTS_BENCH_PATTERN,
                                                         b"zeros"), 0)
        out = ffi.new("char **")
        self.assertEqual(bench_lib.prts_bench_run(b, 4096, out), 0)
        try:
            result = json.loads(ffi.string(out[0]).decode())
        finally:
            lib.prts_free(out[0])
        self.assertEqual(result["test_name"], "encode_decode_zeros_4KB")
        self.assertEqual(result["version"], ffi.string(lib.prts_version_string()).decode())
        # no output folder: the history calls say so in the library's terms
        self.assertEqual(bench_lib.prts_bench_load_history(b, out), lib.PRTS_E_INVALID_ARG)
        self.assertIn(b"PRTS_BENCH_OUTPUT_DIR", ffi.string(bench_lib.prts_bench_last_error(b)))

    def test_errors_through_cffi(self):
        lib, ffi = self.lib, self.ffi
        dec = ffi.gc(lib.prts_decoder_new(), lib.prts_decoder_free)
        rc = lib.prts_decoder_read_info(dec, b"/nonexistent/x.rts.png")
        self.assertEqual(rc, lib.PRTS_E_FILE_NOT_FOUND)
        self.assertEqual(ffi.string(lib.prts_decoder_last_error(dec)),
                         b"File not found: /nonexistent/x.rts.png")


if __name__ == "__main__":
    unittest.main()
