"""MMapPixelRTSEncoder / MMapPixelRTSDecoder: file to file, sidecars, info without decoding,
hash verification that leaves no output, and the original's messages."""

import json
import os
import unittest

import support  # noqa: F401
from support import Png, TempDirTest, pseudo_random, rewrite_metadata, sha256, WASM_ADD, write_file

from pixelrts import (MMapPixelRTSDecoder, MMapPixelRTSEncoder, PixelRTSDecoder, PixelRTSError,
                      Status)


class FileApi(TempDirTest):
    def test_encode_decode(self):
        data = pseudo_random(3 * 1024 * 1024 + 1, 11)
        src, png, back = self.path("in.bin"), self.path("in.rts.png"), self.path("back.bin")
        write_file(src, data)
        enc = MMapPixelRTSEncoder()
        self.assertIsNone(enc.get_metadata())
        self.assertEqual(enc.chunk_size, MMapPixelRTSEncoder.DEFAULT_CHUNK_SIZE)
        meta = enc.encode_file(src, png, metadata={"name": "Huge File", "version": "1.0"})
        self.assertEqual(meta, enc.get_metadata())
        self.assertEqual(meta["data_size"], len(data))
        self.assertEqual(meta["data_hash"], sha256(data))
        self.assertEqual(meta["grid_size"], 1024)
        self.assertEqual(meta["content_version"], "1.0")
        self.assertEqual(meta["name"], "Huge File")
        with open(png + ".meta.json") as f:
            self.assertEqual(json.load(f), meta)
        self.assertEqual(Png(png).metadata(), meta)
        dec = MMapPixelRTSDecoder()
        self.assertIsNone(dec.get_metadata())
        got = dec.decode_file(png, back, verify_hash=True)
        self.assertEqual(got, meta)
        self.assertEqual(dec.get_metadata(), meta)
        with open(back, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(dec.get_info(png), meta)
        # accepts path-like objects
        import pathlib
        enc.encode_file(pathlib.Path(src), pathlib.Path(self.path("p.rts.png")))
        dec.decode_file(pathlib.Path(self.path("p.rts.png")), pathlib.Path(back))

    def test_presets_and_ranges(self):
        # half zeros, half random: each preset stores or compresses, and all decode the same
        data = bytes(600 * 1024) + pseudo_random(600 * 1024, 5)
        src = self.path("mixed.bin")
        write_file(src, data)
        sizes = {}
        for preset in ("fast", "default", "small", "small-libpixelrts"):
            png = self.path(preset + ".rts.png")
            MMapPixelRTSEncoder(preset=preset).encode_file(src, png)
            sizes[preset] = os.path.getsize(png)
            dec = MMapPixelRTSDecoder()
            back = self.path(preset + ".back")
            dec.decode_file(png, back, verify_hash=True)
            with open(back, "rb") as f:
                self.assertEqual(f.read(), data)
            if preset.startswith("small"):
                # the payload is compressed before placement: no byte ranges
                with self.assertRaises(ValueError):
                    dec.decode_range(png, 0)
                continue
            self.assertEqual(dec.decode_range(png, 0), data)
            for offset, length in ((0, 1), (599 * 1024, 2048), (len(data) - 7, 7), (12345, 0)):
                self.assertEqual(dec.decode_range(png, offset, length),
                                 data[offset:offset + length])
            self.assertEqual(dec.decode_range(png, 1000), data[1000:])
            with self.assertRaises(ValueError):
                dec.decode_range(png, len(data) - 3, 4)
            with self.assertRaises(ValueError):
                dec.decode_range(png, -1, 4)
        # fast stores the random half and deflates the zeros
        self.assertGreater(sizes["fast"], 600 * 1024)
        self.assertLess(sizes["fast"], 0.6 * len(data))
        self.assertLess(sizes["default"], 0.6 * len(data))
        # small is far smaller where the payload compresses; here (half random, half zeros)
        # default stores the random half and writes zero runs as matches, and the two end
        # within a few hundred bytes of each other
        self.assertLessEqual(sizes["small"], sizes["default"] * 1.001)
        # a level given with a preset overrides the preset's
        png = self.path("level0.rts.png")
        MMapPixelRTSEncoder(preset="default", level=0).encode_file(src, png)
        self.assertEqual(os.path.getsize(png), sizes["fast"])
        with self.assertRaises(ValueError):
            MMapPixelRTSEncoder(preset="tiny")

    def test_small_file_independent_check(self):
        data = pseudo_random(7001, 2)
        src, png = self.path("s.bin"), self.path("s.rts.png")
        write_file(src, data)
        MMapPixelRTSEncoder(chunk_size=16 * 1024 * 1024).encode_file(src, png,
                                                                     metadata={"type": "t"})
        support.assert_standard_file(self, png, data, type="t")

    def test_explicit_grid(self):
        src, png = self.path("g.bin"), self.path("g.rts.png")
        write_file(src, b"x" * 1000)
        meta = MMapPixelRTSEncoder().encode_file(src, png, grid_size=1024)
        self.assertEqual(meta["grid_size"], 1024)
        self.assertEqual(Png(png).side, 1024)
        with self.assertRaises(ValueError) as cm:
            MMapPixelRTSEncoder().encode_file(src, png, grid_size=1000)
        self.assertEqual(str(cm.exception), "Grid size must be power of 2, got 1000")
        with self.assertRaises(ValueError) as cm:
            MMapPixelRTSEncoder().encode_file(src, png, grid_size=8)
        self.assertEqual(cm.exception.code, Status.GRID_TOO_SMALL)

    def test_code_mode(self):
        src, png, back = self.path("m.wasm"), self.path("m.rts.png"), self.path("m.out")
        write_file(src, WASM_ADD)
        meta = MMapPixelRTSEncoder(mode="code").encode_file(src, png, metadata={"type": "wasm"})
        self.assertEqual(meta["encoding_mode"], "RGBA-code")
        self.assertIn("original_data_b64", meta)
        MMapPixelRTSDecoder().decode_file(png, back, verify_hash=True)
        with open(back, "rb") as f:
            self.assertEqual(f.read(), WASM_ADD)
        with self.assertRaises(ValueError) as cm:
            MMapPixelRTSEncoder(mode="turbo")
        self.assertEqual(str(cm.exception), "Invalid mode: turbo. Must be 'standard' or 'code'")

    def test_hash_mismatch_leaves_no_output(self):
        src, png, back = self.path("h.bin"), self.path("h.rts.png"), self.path("h.out")
        write_file(src, b"payload bytes")
        MMapPixelRTSEncoder().encode_file(src, png)
        rewrite_metadata(png, lambda meta: meta.update(data_hash="f" * 64))
        with self.assertRaises(ValueError) as cm:
            MMapPixelRTSDecoder().decode_file(png, back, verify_hash=True)
        e = cm.exception
        self.assertIsInstance(e, PixelRTSError)
        self.assertEqual(e.code, Status.HASH_MISMATCH)
        self.assertEqual(str(e), "Hash mismatch: expected %s, got %s"
                         % ("f" * 64, sha256(b"payload bytes")))
        self.assertFalse(os.path.exists(back))
        # verify_hash=False still checks a hash the metadata has (the library's default
        # verifies; False only tolerates files without data_hash)
        with self.assertRaises(ValueError):
            MMapPixelRTSDecoder().decode_file(png, back)
        self.assertFalse(os.path.exists(back))

    def test_missing_files(self):
        missing = self.path("nope.bin")
        with self.assertRaises(FileNotFoundError) as cm:
            MMapPixelRTSEncoder().encode_file(missing, self.path("x.rts.png"))
        self.assertEqual(str(cm.exception), "File not found: %s" % missing)
        self.assertEqual(cm.exception.code, Status.FILE_NOT_FOUND)
        for call in (lambda: MMapPixelRTSDecoder().decode_file(missing, self.path("o")),
                     lambda: MMapPixelRTSDecoder().get_info(missing)):
            with self.assertRaises(FileNotFoundError):
                call()

    def test_no_metadata(self):
        png = self.path("plain.png")
        write_file(png, support.make_png(4, 4))
        with self.assertRaises(ValueError) as cm:
            MMapPixelRTSDecoder().get_info(png)
        self.assertEqual(str(cm.exception), "No PixelRTS metadata found in PNG")
        self.assertIn(png, cm.exception.detail)

    def test_info_reads_no_pixels(self):
        # a PNG whose pixels are cut off still answers get_info from its head
        src, png = self.path("i.bin"), self.path("i.rts.png")
        write_file(src, pseudo_random(200000, 4))
        meta = MMapPixelRTSEncoder().encode_file(src, png)
        os.unlink(png + ".meta.json")
        with open(png, "rb") as f:
            head = f.read(2000)
        write_file(png, head)
        self.assertEqual(MMapPixelRTSDecoder().get_info(png), meta)
        with self.assertRaises(ValueError) as cm:
            MMapPixelRTSDecoder().decode_file(png, self.path("o"))
        self.assertEqual(cm.exception.code, Status.TRUNCATED)

    def test_unwritable_output(self):
        src = self.path("u.bin")
        write_file(src, b"abc")
        with self.assertRaises(OSError) as cm:
            MMapPixelRTSEncoder().encode_file(src, self.path("no/such/dir/u.rts.png"))
        self.assertIsInstance(cm.exception, PixelRTSError)

    def test_interoperates_with_the_in_memory_api(self):
        data = pseudo_random(12345, 8)
        src, png = self.path("a.bin"), self.path("a.rts.png")
        write_file(src, data)
        MMapPixelRTSEncoder().encode_file(src, png)
        self.assertEqual(PixelRTSDecoder().load(png, verify_hash=True), data)


if __name__ == "__main__":
    unittest.main()
