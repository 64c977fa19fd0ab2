"""PixelRTSEncoder / PixelRTSDecoder / calculate_grid_size: round trips over every kind of
buffer, the files they write (checked by an independent reader), the original's vectors, and
the original's exceptions and messages."""

import array
import base64
import json
import mmap
import os
import tempfile
import threading
import unittest

import support  # noqa: F401  (sys.path)
from support import (VECTORS, Png, TempDirTest, make_png, pseudo_random, rewrite_metadata, sha256,
                     WASM_ADD)

from pixelrts import (HashMismatchError, PixelRTSDecoder, PixelRTSEncoder, PixelRTSError,
                      PixelRTSValueError, Status, calculate_grid_size)
from pixelrts import _handles

FORMAT_KEYS = ["format", "format_version", "grid_size", "encoding", "offsets", "hashes",
               "encoding_mode"]


class GridSize(unittest.TestCase):
    def test_format_examples(self):
        # docs/format.md section 2
        cases = {0: 1, 1: 4, 64: 4, 65: 8, 256: 8, 257: 16, 1024: 16, 4096: 32, 4097: 64,
                 1 << 20: 512, 256 << 20: 8192, 1 << 30: 16384, 16 << 30: 65536}
        for n, g in cases.items():
            self.assertEqual(calculate_grid_size(n), g, n)

    def test_bytes_per_pixel(self):
        self.assertEqual(calculate_grid_size(100, bytes_per_pixel=1), 16)  # 100 pixels
        self.assertEqual(calculate_grid_size(4096, 4), 32)

    def test_negative(self):
        with self.assertRaises(ValueError):
            calculate_grid_size(-1)


class RoundTrip(unittest.TestCase):
    def test_sizes(self):
        enc, dec = PixelRTSEncoder(), PixelRTSDecoder()
        for n in (0, 1, 3, 4, 5, 10, 64, 65, 4097, 70000, 1 << 20):
            data = pseudo_random(n, n)
            png = enc.encode(data)
            self.assertIsInstance(png, bytes)
            out = dec.decode(png)
            self.assertIsInstance(out, bytes)
            self.assertEqual(out, data, n)
            meta = enc.get_metadata()
            self.assertEqual(meta["data_size"], n)
            self.assertEqual(meta["grid_size"], calculate_grid_size(n))
            self.assertEqual(dec.get_metadata(), meta)

    def test_buffer_kinds_in(self):
        data = pseudo_random(300001, 7)
        enc, dec = PixelRTSEncoder(), PixelRTSDecoder()
        with tempfile.TemporaryFile() as f:
            f.write(data)
            f.flush()
            ro = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            rw = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
            kinds = {
                "bytes": data, "bytearray": bytearray(data), "memoryview": memoryview(data),
                "slice": memoryview(b"xx" + data + b"yy")[2:-2],
                "array": array.array("B", data), "mmap-ro": ro, "mmap-rw": rw,
                "strided": memoryview(bytes(b for c in data for b in (c, 0)))[::2],
            }
            for kind, buf in kinds.items():
                png = enc.encode(buf)
                self.assertEqual(dec.decode(png), data, kind)
                self.assertEqual(dec.decode(bytearray(png)), data, kind)
                self.assertEqual(dec.decode(memoryview(b"." + png)[1:]), data, kind)
            ro.close()
            rw.close()
        # array of wider items: its bytes, as the buffer protocol presents them
        wide = array.array("I", range(1000))
        self.assertEqual(dec.decode(enc.encode(wide)), wide.tobytes())

    def test_str_refused(self):
        with self.assertRaises(TypeError):
            PixelRTSEncoder().encode("text")

    def test_bounce_buffer_slices(self):
        # a read-only buffer that is not bytes crosses in BOUNCE_SIZE slices
        data = pseudo_random(3 * 1024 * 1024 + 5, 3)
        old = _handles.BOUNCE_SIZE
        _handles.BOUNCE_SIZE = 1 << 20
        try:
            png = PixelRTSEncoder().encode(memoryview(b"-" + data)[1:])
        finally:
            _handles.BOUNCE_SIZE = old
        self.assertEqual(PixelRTSDecoder().decode(png), data)

    def test_threads(self):
        # separate encoders run in parallel threads (the GIL is released in the library)
        errors = []

        def work(seed):
            try:
                data = pseudo_random(200000 + seed, seed)
                png = PixelRTSEncoder().encode(data)
                if PixelRTSDecoder().decode(png) != data:
                    errors.append(seed)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)
        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_shared_encoder_between_threads(self):
        enc = PixelRTSEncoder()
        results = {}

        def work(seed):
            data = pseudo_random(50000, seed)
            results[seed] = (data, enc.encode(data))
        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for data, png in results.values():
            self.assertEqual(PixelRTSDecoder().decode(png), data)


class FilesWritten(TempDirTest):
    def test_worked_example_pixels(self):
        # docs/format.md section 4: 10 bytes 00..09
        png = Png(PixelRTSEncoder().encode(bytes(range(10))))
        self.assertEqual(png.side, 4)
        self.assertEqual(bytes(png.rows[0]), bytes.fromhex("00010203" "04050607") + bytes(8))
        self.assertEqual(bytes(png.rows[1]), bytes(4) + bytes.fromhex("08090000") + bytes(8))
        self.assertEqual(bytes(png.rows[2]) + bytes(png.rows[3]), bytes(32))

    def test_metadata_keys_and_order(self):
        enc = PixelRTSEncoder()
        png = enc.encode(b"abc", metadata={"type": "kernel", "version": "2.1", "zz": [1, 2],
                                           "format": "mine"})
        meta = Png(png).metadata()
        self.assertEqual(meta, enc.get_metadata())
        self.assertEqual(list(meta)[:7], FORMAT_KEYS)
        self.assertEqual(list(meta)[7:], ["type", "content_version", "zz", "data_hash",
                                          "data_size"])
        self.assertEqual(meta["format"], "PixelRTS-2.0")  # never overwritten by the caller
        self.assertEqual(meta["content_version"], "2.1")
        self.assertEqual(meta["encoding"], {"type": "RGBA-dense", "bytes_per_pixel": 4,
                                            "mapping": "Hilbert space-filling curve"})
        self.assertEqual(meta["data_hash"], sha256(b"abc"))

    def test_segments(self):
        segs = {"kernel": {"type": "kernel", "size": 3, "sha256": "ab" * 32}}
        meta = Png(PixelRTSEncoder().encode(b"abc", metadata={"segments": segs})).metadata()
        self.assertEqual(meta["offsets"], segs)
        self.assertEqual(meta["hashes"], {"kernel": "ab" * 32})
        self.assertEqual(meta["segments"], segs)

    def test_save_writes_png_and_sidecars(self):
        out = self.path("k.rts.png")
        data = pseudo_random(5000, 1)
        enc = PixelRTSEncoder()
        self.assertIsNone(enc.save(data, out, metadata={"type": "kernel"},
                                   blueprint={"system": "x"}))
        meta = support.assert_standard_file(self, out, data, type="kernel")
        with open(out + ".meta.json", "rb") as f:
            text = f.read()
        self.assertEqual(text, json.dumps(meta, indent=2).encode("ascii"))  # indent 2, ASCII
        with open(out + ".blueprint.json") as f:
            self.assertEqual(json.load(f), {"system": "x"})
        self.assertEqual(Png(out).text["PixelRTS-Blueprint"], 'PixelRTS-Blueprint{"system":"x"}')
        self.assertEqual(sorted(os.listdir(self.dir)),
                         ["k.rts.png", "k.rts.png.blueprint.json", "k.rts.png.meta.json"])
        mode = os.stat(out).st_mode & 0o777
        self.assertEqual(mode, 0o666 & ~support_umask())

    def test_save_without_sidecar_removes_stale_ones(self):
        out = self.path("k.rts.png")
        enc = PixelRTSEncoder()
        enc.save(b"old", out, blueprint={"a": 1})
        enc.save(b"new", out, sidecar=False)
        self.assertEqual(os.listdir(self.dir), ["k.rts.png"])
        self.assertEqual(PixelRTSDecoder().load(out), b"new")

    def test_failed_save_keeps_the_old_pair(self):
        # issue 15: a sidecar that cannot be written used to delete the PNG saved before
        out = self.path("k.rts.png")
        enc = PixelRTSEncoder()
        enc.save(b"old", out, sidecar=False)
        os.mkdir(out + ".meta.json")
        with self.assertRaises(Exception):
            enc.save(b"new", out)
        os.rmdir(out + ".meta.json")
        self.assertEqual(PixelRTSDecoder().load(out), b"old")
        self.assertEqual(sorted(os.listdir(self.dir)), ["k.rts.png"])

    def test_save_keeps_permissions_private_under_umask(self):
        out = self.path("p.rts.png")
        old = os.umask(0o077)
        try:
            PixelRTSEncoder().save(b"secret", out)
        finally:
            os.umask(old)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(out + ".meta.json").st_mode & 0o777, 0o600)

    def test_save_non_ascii_metadata(self):
        out = self.path("u.rts.png")
        PixelRTSEncoder().save(b"x", out, metadata={"description": "Unicode \u00e9\u4e2d"})
        with open(out + ".meta.json", "rb") as f:
            raw = f.read()
        self.assertIn(b"\\u00e9\\u4e2d", raw)
        chunk = Png(out).text["PixelRTS"]
        chunk.encode("ascii")  # escaped as \uXXXX (the library writes the hex in upper case)
        self.assertEqual(json.loads(chunk[8:])["description"], "Unicode \u00e9\u4e2d")
        self.assertEqual(PixelRTSDecoder().info(out)["description"], "Unicode \u00e9\u4e2d")

    def test_code_mode(self):
        # docs/format.md section 6 example
        data = bytes.fromhex("0061736d" "01000000" "01020304")
        enc = PixelRTSEncoder(mode="code")
        png = enc.encode(data)
        p = Png(png)
        self.assertEqual(p.pixel(0), bytes([255, 0x61, 0x73, 255]))
        self.assertEqual(p.pixel(1), bytes([0, 0, 0, 255]))
        self.assertEqual(p.pixel(2), bytes([0, 2, 3, 255]))
        meta = p.metadata()
        self.assertEqual(meta["encoding_mode"], "RGBA-code")
        self.assertEqual(base64.b64decode(meta["original_data_b64"]), data)
        self.assertEqual(list(meta)[-1], "original_data_b64")
        self.assertEqual(PixelRTSDecoder().decode(png), data)
        self.assertEqual(PixelRTSDecoder().decode(PixelRTSEncoder("code").encode(WASM_ADD)),
                         WASM_ADD)

    def test_payload_compression(self):
        data = b"compressible " * 5000
        for kind in ("zlib", "zstd"):
            enc = PixelRTSEncoder(compression=kind, compression_level="high")
            try:
                png = enc.encode(data)
            except PixelRTSError as e:  # a library built without libzstd
                self.assertEqual(e.code, Status.UNSUPPORTED)
                continue
            meta = enc.get_metadata()
            self.assertEqual(meta["compression"]["type"], kind)
            self.assertLess(meta["encoded_size"], len(data) // 10)
            self.assertEqual(PixelRTSDecoder().decode(png), data)
        with self.assertRaises(ValueError):
            PixelRTSEncoder(compression="lzma")
        # the original's names for what was a zlib stream
        for kind in ("auto", "zstd-h5"):
            enc = PixelRTSEncoder(compression=kind)
            png = enc.encode(data)
            self.assertEqual(enc.get_metadata()["compression"]["type"], "zlib")
            self.assertEqual(PixelRTSDecoder().decode(png), data)

    def test_level_and_backend_options(self):
        data = pseudo_random(20000, 9)
        a = PixelRTSEncoder(level=0, backend="scalar").encode(data)
        b = PixelRTSEncoder(level=9).encode(data)
        self.assertEqual(Png(a).pixels(), Png(b).pixels())
        with self.assertRaises(ValueError) as cm:
            PixelRTSEncoder(backend="no-such-backend")
        self.assertEqual(cm.exception.code, Status.BACKEND_UNKNOWN)


def support_umask():
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


class Vectors(TempDirTest):
    """Files written by the original implementation (test/vectors)."""

    def manifest(self):
        with open(os.path.join(VECTORS, "MANIFEST.json")) as f:
            return json.load(f)

    def vector(self, name, ext):
        return os.path.join(VECTORS, name + ext)

    def test_decode_the_originals_files(self):
        for v in self.manifest():
            png = self.vector(v["name"], ".rts.png")
            with open(self.vector(v["name"], ".bin"), "rb") as f:
                expected = f.read()
            dec = PixelRTSDecoder()
            self.assertEqual(dec.load(png, verify_hash=True), expected, v["name"])
            with open(png, "rb") as f:
                self.assertEqual(PixelRTSDecoder().decode(f.read()), expected, v["name"])
            with open(png + ".meta.json") as f:
                sidecar = json.load(f)
            self.assertEqual(dec.get_metadata(), sidecar)
            self.assertEqual(dec.info(png), sidecar)

    def test_encode_like_the_original(self):
        for v in self.manifest():
            if "compression" in v:
                continue  # the original's payload compressor is not reproduced byte for byte
            with open(self.vector(v["name"], ".bin"), "rb") as f:
                data = f.read()
            explicit = v["name"] == "grid-explicit-64"
            enc = PixelRTSEncoder(mode=v["mode"])
            png = enc.encode(data, metadata=v["metadata_in"] or None,
                             grid_size=v["grid_size"] if explicit else None)
            ours, theirs = Png(png), Png(self.vector(v["name"], ".rts.png"))
            self.assertEqual(ours.side, theirs.side, v["name"])
            self.assertEqual(ours.pixels(), theirs.pixels(), v["name"])
            with open(self.vector(v["name"], ".rts.png.meta.json")) as f:
                original = json.load(f)
            self.assertEqual(enc.get_metadata(), original, v["name"])
            self.assertEqual(list(enc.get_metadata()), list(original), v["name"])


class Errors(TempDirTest):
    def assertError(self, cm, cls, code, message):
        e = cm.exception
        self.assertIsInstance(e, cls)
        self.assertIsInstance(e, PixelRTSError)
        self.assertEqual(e.code, code)
        self.assertEqual(str(e), message)
        self.assertIn(message, e.detail)
        return e

    def test_invalid_mode(self):
        with self.assertRaises(ValueError) as cm:
            PixelRTSEncoder(mode="fast")
        self.assertError(cm, ValueError, Status.INVALID_ARG,
                         "Invalid mode: fast. Must be 'standard' or 'code'")

    def test_grid_not_power_of_two(self):
        with self.assertRaises(ValueError) as cm:
            PixelRTSEncoder().encode(b"abc", grid_size=100)
        self.assertError(cm, ValueError, Status.INVALID_ARG,
                         "Grid size must be power of 2, got 100")

    def test_grid_too_small(self):
        with self.assertRaises(ValueError) as cm:
            PixelRTSEncoder().encode(bytes(65), grid_size=4)
        e = cm.exception
        self.assertEqual(e.code, Status.GRID_TOO_SMALL)
        self.assertIn("64", str(e))  # names the capacity

    def test_not_png(self):
        with self.assertRaises(ValueError) as cm:
            PixelRTSDecoder().decode(b"definitely not a PNG")
        self.assertEqual(cm.exception.code, Status.NOT_PNG)

    # the shape is checked once the PNG claims to be a PixelRTS file (its metadata chunk)
    CLAIM = [("PixelRTS", 'PixelRTS{"format":"PixelRTS-2.0"}')]

    def test_not_square(self):
        with self.assertRaises(ValueError) as cm:
            PixelRTSDecoder().decode(make_png(8, 4, texts=self.CLAIM))
        self.assertError(cm, ValueError, Status.NOT_SQUARE, "Image must be square, got 8x4")

    def test_not_power_of_two_image(self):
        with self.assertRaises(ValueError) as cm:
            PixelRTSDecoder().decode(make_png(12, 12, texts=self.CLAIM))
        self.assertError(cm, ValueError, Status.GRID_NOT_POW2,
                         "Invalid grid size: 12 (not power of 2)")

    def refused_without_metadata(self, png, path):
        """`png` refused as having no PixelRTS metadata, in the original's words, by decode()
        and, written to `path`, by info() and load(); the details of the latter two."""
        with self.assertRaises(ValueError) as cm:
            PixelRTSDecoder().decode(png)
        self.assertError(cm, ValueError, Status.NO_METADATA, "No PixelRTS metadata found in PNG")
        with open(path, "wb") as f:
            f.write(png)
        details = []
        for call in (PixelRTSDecoder().info, PixelRTSDecoder().load):
            with self.assertRaises(ValueError) as cm:
                call(path)
            details.append(self.assertError(cm, ValueError, Status.NO_METADATA,
                                            "No PixelRTS metadata found in PNG").detail)
        return details

    def test_ordinary_png(self):
        # a photo (100x100, not a power of two, no metadata) is not a PixelRTS file: said so,
        # in the original's words, not "Invalid grid size: 100 (not power of 2)"
        photo = make_png(100, 100, texts=[("Software", "a camera")])
        path = self.path("photo.png")
        for detail in self.refused_without_metadata(photo, path):
            self.assertEqual(detail, path + ": not a PixelRTS file (no sidecar either): "
                             "No PixelRTS metadata found in PNG")

    def test_no_metadata(self):
        png = make_png(4, 4, texts=[("Comment", "hello")])
        path = self.path("plain.png")
        for detail in self.refused_without_metadata(png, path):
            self.assertIn(path, detail)

    def test_expected_size_without_metadata(self):
        # the original reads expected_size bytes along the curve when a PNG has no metadata
        data = bytes(range(10))
        rows = Png(PixelRTSEncoder().encode(data)).rows
        bare = make_png(4, 4, rows=[bytes(r) for r in rows])
        self.assertEqual(PixelRTSDecoder().decode(bare, expected_size=10), data)

    def test_file_not_found(self):
        missing = self.path("missing.rts.png")
        for call in (PixelRTSDecoder().load, PixelRTSDecoder().info):
            with self.assertRaises(FileNotFoundError) as cm:
                call(missing)
            self.assertError(cm, FileNotFoundError, Status.FILE_NOT_FOUND,
                             "File not found: %s" % missing)

    def test_hash_mismatch(self):
        out = self.path("k.rts.png")
        PixelRTSEncoder().save(b"payload", out)
        rewrite_metadata(out, lambda meta: meta.update(data_hash="0" * 64))
        dec = PixelRTSDecoder()
        with self.assertRaises(HashMismatchError):  # a hash present is checked either way
            dec.load(out)
        with self.assertRaises(ValueError) as cm:
            dec.load(out, verify_hash=True)
        e = self.assertError(cm, HashMismatchError, Status.HASH_MISMATCH,
                             "Hash mismatch: expected %s, got %s" % ("0" * 64, sha256(b"payload")))
        self.assertTrue(e.detail.startswith(out + ": "), e.detail)

    def test_verify_without_hash(self):
        out = self.path("k.rts.png")
        PixelRTSEncoder().save(b"payload", out)
        rewrite_metadata(out, lambda meta: meta.pop("data_hash"))
        with self.assertRaises(ValueError) as cm:
            PixelRTSDecoder().load(out, verify_hash=True)
        self.assertEqual(cm.exception.code, Status.NO_HASH)
        # verify_hash=False (PRTS_VERIFY_IF_PRESENT) decodes a file without data_hash
        self.assertEqual(PixelRTSDecoder().load(out), b"payload")
        with open(out, "rb") as f:
            self.assertEqual(PixelRTSDecoder().decode(f.read()), b"payload")

    def test_verify_values_match_the_header(self):
        self.assertEqual([int(v) for v in (_handles.Verify.OFF, _handles.Verify.REQUIRED,
                                           _handles.Verify.IF_PRESENT)], [0, 1, 2])
        self.assertEqual(_handles.verify_option(True), _handles.Verify.REQUIRED)
        self.assertEqual(_handles.verify_option(False), _handles.Verify.IF_PRESENT)

    def test_bad_metadata_argument(self):
        with self.assertRaises(TypeError):
            PixelRTSEncoder().encode(b"x", metadata=["not", "a", "dict"])
        with self.assertRaises(ValueError):
            PixelRTSEncoder().encode(b"x", metadata={"nan": float("nan")})

    def test_callback_exception_propagates(self):
        class Boom(Exception):
            pass

        def write(chunk):
            raise Boom("disk full")
        h = _handles.Encoder()
        h.push(b"abc")
        with self.assertRaises(Boom):
            h.finish(write)

    def test_code_mode_without_original(self):
        # metadata given without original_data_b64 takes it from the PNG's chunk, as the
        # original merged it; with none anywhere, the original's semantic decoder's ValueError
        # (test_compat_core has the messages)
        png = PixelRTSEncoder("code").encode(WASM_ADD)
        meta = Png(png).metadata()
        del meta["original_data_b64"]
        dec = PixelRTSDecoder()
        dec.set_metadata(meta)
        self.assertEqual(dec.decode(png), WASM_ADD)
        bare = make_png(Png(png).side, Png(png).side, rows=[bytes(r) for r in Png(png).rows],
                        texts=[("PixelRTS", "PixelRTS" + json.dumps(meta))])
        dec.set_metadata(None)
        with self.assertRaises(ValueError) as cm:
            dec.decode(bare)
        self.assertEqual(cm.exception.code, Status.NO_ORIGINAL)
        self.assertTrue(str(cm.exception).startswith("Semantic decoding failed: "))


class DecoderState(TempDirTest):
    def test_set_metadata_replaces_the_chunk(self):
        data = bytes(range(10))
        enc = PixelRTSEncoder()
        png = enc.encode(data)
        meta = enc.get_metadata()
        bare = make_png(4, 4, rows=[bytes(r) for r in Png(png).rows])
        dec = PixelRTSDecoder()
        dec.set_metadata(meta)
        self.assertEqual(dec.get_metadata(), meta)
        self.assertEqual(dec.decode(bare), data)
        self.assertEqual(dec.decode(png), data)
        short = dict(meta, data_size=4, data_hash=sha256(data[:4]))
        dec.set_metadata(short)
        self.assertEqual(dec.decode(png), data[:4])  # the given metadata wins, as a sidecar
        dec.set_metadata(None)
        self.assertEqual(dec.decode(png), data)

    def test_no_metadata_reused_between_files(self):
        enc, dec = PixelRTSEncoder(), PixelRTSDecoder()
        a, b = enc.encode(b"first file"), enc.encode(b"2nd")
        self.assertEqual(dec.decode(a), b"first file")
        self.assertEqual(dec.decode(b), b"2nd")
        self.assertEqual(dec.get_metadata()["data_size"], 3)

    def test_load_refuses_a_sidecar_that_disagrees(self):
        # the PNG's own chunk is authoritative (issue 15): a sidecar left from another file
        # no longer decodes it with its values
        out = self.path("k.rts.png")
        PixelRTSEncoder().save(b"0123456789", out)
        with open(out + ".meta.json") as f:
            meta = json.load(f)
        meta["data_size"] = 5
        meta["data_hash"] = sha256(b"01234")
        with open(out + ".meta.json", "w") as f:
            json.dump(meta, f)
        dec = PixelRTSDecoder()
        with self.assertRaises(PixelRTSValueError) as cm:
            dec.load(out, verify_hash=True)
        self.assertEqual(cm.exception.code, Status.SIDECAR_MISMATCH)
        self.assertIn("data_hash", str(cm.exception))
        self.assertEqual(dec.info(out)["data_size"], 10)  # the chunk's

    def test_load_with_a_sidecar_that_adds_keys(self):
        out = self.path("k.rts.png")
        PixelRTSEncoder().save(b"0123456789", out)
        with open(out + ".meta.json") as f:
            meta = json.load(f)
        meta["note"] = "only in the sidecar"
        with open(out + ".meta.json", "w") as f:
            json.dump(meta, f)
        dec = PixelRTSDecoder()
        self.assertEqual(dec.load(out, verify_hash=True), b"0123456789")
        self.assertEqual(dec.get_metadata()["note"], "only in the sidecar")

    def test_load_alternate_sidecar_name(self):
        # some original writers used k.rts.meta.json
        out = self.path("k.rts.png")
        PixelRTSEncoder().save(b"0123456789", out)
        os.rename(out + ".meta.json", self.path("k.rts.meta.json"))
        self.assertEqual(PixelRTSDecoder().load(out), b"0123456789")

    def test_verify_hash(self):
        dec = PixelRTSDecoder()
        self.assertTrue(dec.verify_hash(b"abc", sha256(b"abc")))
        self.assertTrue(dec.verify_hash(b"abc", sha256(b"abc").upper()))
        self.assertFalse(dec.verify_hash(b"abd", sha256(b"abc")))

    def test_large_payload_in_place(self):
        data = pseudo_random(5 * 1024 * 1024 + 3, 5)
        out = self.path("big.rts.png")
        PixelRTSEncoder().save(data, out)
        self.assertEqual(PixelRTSDecoder().load(out, verify_hash=True), data)


if __name__ == "__main__":
    unittest.main()
