"""Shared helpers of the Python binding's tests (standard library only).

- makes `bindings/python` importable when the tests run straight from a checkout;
- an independent PNG + Hilbert reader (zlib, struct and docs/format.md only: no libpixelrts), to
  check that the files the binding writes hold the right pixels;
- the guide's fixture files, and whether libpixelrts-bench (the benchmark API) can be loaded.
"""

import hashlib
import json
import os
import random
import struct
import sys
import tempfile
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINDING = os.path.join(ROOT, "bindings", "python")
VECTORS = os.environ.get("PRTS_VECTORS", os.path.join(ROOT, "test", "vectors"))
GUIDE = os.path.join(HERE, "pixelrts-v2-performance-guide.md")
HEADER = os.path.join(ROOT, "include", "pixelrts", "pixelrts.h")
BENCH_HEADER = os.path.join(ROOT, "include", "pixelrts", "bench.h")

if BINDING not in sys.path:
    sys.path.insert(0, BINDING)


class TempDirTest(unittest.TestCase):
    """A test case with a fresh temporary folder `self.dir`, removed after each test."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="prts-py-")
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, *parts):
        return os.path.join(self.dir, *parts)


def child_env(**extra):
    """Environment for a child Python running the binding (CLI tests)."""
    env = dict(os.environ)
    paths = [BINDING] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def bench_missing():
    """Why the benchmark tests cannot run (libpixelrts-bench cannot be loaded), or None.
    Where the run names the library ($PIXELRTS_BENCH_LIBRARY: the meson test runs), it must
    load: ImportError rather than tests skipped."""
    from pixelrts import _lib
    reason = _lib.bench_unavailable()
    if reason and os.environ.get("PIXELRTS_BENCH_LIBRARY"):
        raise ImportError("$PIXELRTS_BENCH_LIBRARY is set but libpixelrts-bench does not load: "
                          + reason)
    return reason


def skip_without_bench(test):
    reason = bench_missing()
    return unittest.skip(reason)(test) if reason else test


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# Independent reader: PNG chunks, pixels, Hilbert order (docs/format.md sections 1, 3, 4)

class Png:
    def __init__(self, data):
        if isinstance(data, (str, os.PathLike)):
            with open(data, "rb") as f:
                data = f.read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
        self.chunks = []
        pos = 8
        while pos < len(data):
            (n,) = struct.unpack(">I", data[pos:pos + 4])
            kind = data[pos + 4:pos + 8]
            body = data[pos + 8:pos + 8 + n]
            (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
            assert zlib.crc32(kind + body) == crc, "CRC of %r" % kind
            self.chunks.append((kind.decode("ascii"), body))
            pos += 12 + n
        kinds = [k for k, _ in self.chunks]
        assert kinds[0] == "IHDR" and kinds[-1] == "IEND", kinds
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", self.chunks[0][1])
        assert (depth, ctype, interlace) == (8, 6, 0), "RGBA8 without interlacing expected"
        assert w == h, "square expected"
        self.side = w
        self.text = {}
        for kind, body in self.chunks:
            if kind == "tEXt":
                key, _, value = body.partition(b"\0")
                self.text[key.decode("latin-1")] = value.decode("latin-1")
        # metadata before the pixels, so that `info` needs only the head of a file
        first_idat = kinds.index("IDAT")
        if "tEXt" in kinds:
            assert kinds.index("tEXt") < first_idat, "metadata after the pixels"
        raw = zlib.decompress(b"".join(b for k, b in self.chunks if k == "IDAT"))
        stride = 4 * w
        self.rows = []
        prev = bytearray(stride)
        for y in range(h):
            at = y * (stride + 1)
            row = bytearray(raw[at + 1:at + 1 + stride])
            _unfilter(raw[at], row, prev)
            self.rows.append(row)
            prev = row

    def metadata(self):
        text = self.text.get("PixelRTS")
        assert text is not None and text.startswith("PixelRTS"), "no PixelRTS chunk"
        return json.loads(text[len("PixelRTS"):])

    def pixel(self, d):
        x, y = d2xy(self.side, d)
        return bytes(self.rows[y][4 * x:4 * x + 4])

    def payload(self, n):
        """The first n bytes along the Hilbert curve (standard mode)."""
        out = bytearray()
        for d in range((n + 3) // 4):
            out += self.pixel(d)
        return bytes(out[:n])

    def pixels(self):
        return b"".join(bytes(r) for r in self.rows)


def _unfilter(kind, row, prev):
    if kind == 0:
        return
    for i in range(len(row)):
        a = row[i - 4] if i >= 4 else 0
        b = prev[i]
        c = prev[i - 4] if i >= 4 else 0
        if kind == 1:
            row[i] = (row[i] + a) & 255
        elif kind == 2:
            row[i] = (row[i] + b) & 255
        elif kind == 3:
            row[i] = (row[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            row[i] = (row[i] + pred) & 255
        else:
            raise AssertionError("bad filter type %d" % kind)


def d2xy(n, d):
    """docs/format.md section 3, the classic iterative algorithm."""
    x = y = 0
    t = d
    s = 1
    while s < n:
        rx = 1 & (t >> 1)
        ry = 1 & (t ^ rx)
        if ry == 0:
            if rx == 1:
                x, y = s - 1 - x, s - 1 - y
            x, y = y, x
        x += s * rx
        y += s * ry
        t >>= 2
        s *= 2
    return x, y


def assert_standard_file(test, png_path, payload, **keys):
    """png_path holds `payload` in standard mode with the metadata keys given (checked by the
    independent reader), and its sidecar says the same as its chunk."""
    png = Png(png_path)
    meta = png.metadata()
    test.assertEqual(meta["data_size"], len(payload))
    test.assertEqual(meta["data_hash"], sha256(payload))
    test.assertEqual(meta["grid_size"], png.side)
    test.assertEqual(png.payload(len(payload)), payload)
    for k, v in keys.items():
        test.assertEqual(meta.get(k), v, k)
    with open(str(png_path) + ".meta.json") as f:
        test.assertEqual(json.load(f), meta)
    return meta


# ---------------------------------------------------------------------------------------------
# A small but real WebAssembly module (add two i32), as the code-mode examples encode

WASM_ADD = bytes.fromhex(
    "0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b")


def write_file(path, data):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def pseudo_random(n, seed):
    """Deterministic incompressible bytes (so a failing test can be replayed)."""
    return random.Random(seed).randbytes(n)


def rewrite_metadata(path, change):
    """Let change(metadata) alter the metadata of the PNG at `path`, in its own chunk (the
    pixels kept; the index chunk dropped) and in its sidecar where there is one: the PNG's
    chunk is authoritative, a sidecar that disagreed with it would be refused."""
    png = Png(path)
    meta = png.metadata()
    change(meta)
    text = "PixelRTS" + json.dumps(meta, separators=(",", ":"))
    with open(path, "wb") as f:
        f.write(make_png(png.side, png.side, rows=[bytes(r) for r in png.rows],
                         texts=[("PixelRTS", text)]))
    if os.path.exists(path + ".meta.json"):
        with open(path + ".meta.json", "w") as f:
            json.dump(meta, f, indent=2)


def make_png(width, height, rows=None, texts=()):
    """A minimal RGBA8 PNG (for inputs the library must refuse: not square, not a power of
    two, no metadata).  texts: (keyword, text) pairs written before IDAT."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body)))
    if rows is None:
        rows = [bytes(4 * width)] * height
    raw = b"".join(b"\0" + r for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6,
                                                            0, 0, 0))
    for key, text in texts:
        out += chunk(b"tEXt", key.encode("latin-1") + b"\0" + text.encode("latin-1"))
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
