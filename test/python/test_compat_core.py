"""The original's modules pixelrts_v2_core and pixelrts_mmap, as code written for them imports
them (systems.pixel_compiler.<module>, pixel_compiler.<module>): every public name they define
for PixelRTS v2, checked against the original's documented behaviour (its docstrings and its own
tests), and against what the library writes."""

import json
import os
import struct
import unittest

import support  # noqa: F401  (sys.path)
from support import (Png, TempDirTest, WASM_ADD, make_png, pseudo_random, rewrite_metadata,
                     sha256)

import pixel_compiler.pixelrts_mmap as mmap_mod
import pixel_compiler.pixelrts_v2_core as core_plain
import systems.pixel_compiler.pixelrts_v2_core as core
from systems.pixel_compiler.pixelrts_v2_core import (COMPRESSION_AVAILABLE, LAYOUT_AVAILABLE,
                                                     WASM_VISUALIZER_AVAILABLE, HilbertCurve,
                                                     PixelRTSDecoder, PixelRTSEncoder,
                                                     PixelRTSMetadata, calculate_grid_size)
from pixel_compiler.pixelrts_mmap import MMapPixelRTSDecoder, MMapPixelRTSEncoder

from pixelrts import HashMismatchError, PixelRTSError, Status

# docs/format.md section 5.2: the whole chunk text of the 10 bytes 00..09
TEN_BYTES_CHUNK = (
    'PixelRTS{"format":"PixelRTS-2.0","format_version":2,"grid_size":4,"encoding":{"type":'
    '"RGBA-dense","bytes_per_pixel":4,"mapping":"Hilbert space-filling curve"},"offsets":{},'
    '"hashes":{},"encoding_mode":"RGBA-dense","data_hash":'
    '"1f825aa2f0020ef7cf91dfa30da4668d791c5d4824fc8e41354b89ec05795ab3","data_size":10}')

# the original's semantic decoder's message for a code-mode file without original_data_b64
SEMANTIC = ("Semantic decoding failed: Decoded data is not valid WASM (missing magic number "
            "b'\\x00asm', got %s). This cartridge uses semantic encoding without "
            "original_data_b64. Please re-encode with the current version.")


def without_original(png):
    """The code-mode PNG `png` with original_data_b64 taken out of its chunk (as the original's
    first code-mode writers made them); the pixels kept."""
    p = Png(png)
    meta = p.metadata()
    del meta["original_data_b64"]
    text = "PixelRTS" + json.dumps(meta, separators=(",", ":"))
    return make_png(p.side, p.side, rows=[bytes(r) for r in p.rows], texts=[("PixelRTS", text)])


def relabelled(png, **changes):
    """`png` with metadata keys changed in its chunk (None deletes a key); pixels kept."""
    p = Png(png)
    meta = p.metadata()
    for k, v in changes.items():
        if v is None:
            meta.pop(k, None)
        else:
            meta[k] = v
    text = "PixelRTS" + json.dumps(meta, separators=(",", ":"))
    return make_png(p.side, p.side, rows=[bytes(r) for r in p.rows], texts=[("PixelRTS", text)])


class Modules(unittest.TestCase):
    def test_names(self):
        # the same objects under both package roots, and those of the pixelrts package
        import pixelrts
        for name in ("HilbertCurve", "PixelRTSMetadata", "PixelRTSEncoder", "PixelRTSDecoder",
                     "calculate_grid_size"):
            self.assertIs(getattr(core, name), getattr(core_plain, name))
            self.assertIs(getattr(core, name), getattr(pixelrts, name))
        # pixelrts_mmap imported these from pixelrts_v2_core
        self.assertIs(mmap_mod.HilbertCurve, HilbertCurve)
        self.assertIs(mmap_mod.PixelRTSMetadata, PixelRTSMetadata)
        self.assertIs(mmap_mod.calculate_grid_size, calculate_grid_size)

    def test_availability_flags(self):
        # code mode colours WASM and the semantic decoder's reading is there; payloads
        # compress; there is no layout optimiser (use_layout is ignored, as without it)
        self.assertIs(WASM_VISUALIZER_AVAILABLE, True)
        self.assertIs(COMPRESSION_AVAILABLE, True)
        self.assertIs(LAYOUT_AVAILABLE, False)


class Hilbert(unittest.TestCase):
    # the original's tests/test_pixelrts_v2_core.py, and docs/format.md section 3
    ORDER2 = [(0, 0), (1, 0), (1, 1), (0, 1), (0, 2), (0, 3), (1, 3), (1, 2),
              (2, 2), (2, 3), (3, 3), (3, 2), (3, 1), (2, 1), (2, 0), (3, 0)]

    def test_order_2(self):
        lut = HilbertCurve(order=2).generate_lut()
        self.assertEqual(lut, self.ORDER2)
        self.assertEqual(len(lut), 16)

    def test_order_3(self):
        h = HilbertCurve(order=3)
        self.assertEqual(h.index_to_coord(0), (0, 0))
        self.assertEqual(h.index_to_coord(63), (7, 0))
        for idx in (0, 15, 31, 47, 63):
            x, y = h.index_to_coord(idx)
            self.assertEqual(h.coord_to_index(x, y), idx)
        lut = h.generate_lut()
        self.assertEqual(len(lut), 64)
        self.assertEqual(lut[:4], [(0, 0), (0, 1), (1, 1), (1, 0)])
        self.assertEqual(lut[63], (7, 0))
        self.assertEqual([lut[d] for d in (7, 15, 16, 32, 48)],
                         [(2, 1), (0, 3), (0, 4), (4, 4), (7, 3)])

    def test_order_1_and_4(self):
        self.assertEqual(HilbertCurve(1).generate_lut(), [(0, 0), (0, 1), (1, 1), (1, 0)])
        h = HilbertCurve(4)
        self.assertEqual([h.index_to_coord(d) for d in (1, 100, 255)],
                         [(1, 0), (4, 14), (15, 0)])
        lut = h.generate_lut()
        self.assertEqual(len(set(lut)), 256)
        self.assertTrue(all(0 <= x < 16 and 0 <= y < 16 for x, y in lut))

    def test_order_0(self):
        h = HilbertCurve(0)
        self.assertEqual((h.order, h.grid_size), (0, 1))
        self.assertEqual(h.generate_lut(), [(0, 0)])
        self.assertEqual(h.coord_to_index(0, 0), 0)

    def test_attributes_and_cache(self):
        for order, side in ((2, 4), (3, 8), (10, 1024)):
            h = HilbertCurve(order=order)
            self.assertEqual((h.order, h.grid_size), (order, side))
        h = HilbertCurve(order=2)
        first = h.generate_lut()
        self.assertIs(h.generate_lut(), first)

    def test_lut_is_index_to_coord(self):
        for order in range(0, 7):
            lut = HilbertCurve(order).generate_lut()
            fresh = HilbertCurve(order)
            self.assertEqual(lut, [fresh.index_to_coord(d) for d in range(len(lut))], order)

    def test_coord_to_index_everywhere(self):
        for order in (2, 5):
            h = HilbertCurve(order)
            for idx, (x, y) in enumerate(h.generate_lut()):
                self.assertEqual(h.coord_to_index(x, y), idx)

    def test_out_of_range(self):
        # the original indexed and searched a list: IndexError, and ValueError "... is not in
        # list"; a negative index counts from the end
        h = HilbertCurve(2)
        with self.assertRaises(IndexError) as cm:
            h.index_to_coord(16)
        self.assertEqual(str(cm.exception), "list index out of range")
        self.assertEqual(h.index_to_coord(-1), (3, 0))
        with self.assertRaises(ValueError) as cm:
            h.coord_to_index(4, 0)
        self.assertEqual(str(cm.exception), "(4, 0) is not in list")
        h.generate_lut()
        with self.assertRaises(IndexError):
            h.index_to_coord(16)
        self.assertEqual(h.index_to_coord(-16), (0, 0))

    def test_where_the_library_puts_bytes(self):
        # pixel d of a 16x16 grid holds d (4 bytes, big-endian): each lies at the LUT's (x, y)
        g = 16
        data = b"".join(struct.pack(">I", d) for d in range(g * g))
        png = Png(PixelRTSEncoder().encode(data))
        self.assertEqual(png.side, g)
        for d, (x, y) in enumerate(HilbertCurve(4).generate_lut()):
            self.assertEqual(bytes(png.rows[y][4 * x:4 * x + 4]), struct.pack(">I", d))


class Metadata(unittest.TestCase):
    def test_constants(self):
        self.assertEqual(PixelRTSMetadata.MAGIC, b"PixelRTS")
        self.assertEqual(PixelRTSMetadata.VERSION, 2)
        self.assertEqual(PixelRTSMetadata.BLUEPRINT_MAGIC, b"PixelRTS-Blueprint")

    def test_create_metadata(self):
        self.assertEqual(PixelRTSMetadata.create_metadata(4), {
            "format": "PixelRTS-2.0", "format_version": 2, "grid_size": 4,
            "encoding": {"type": "RGBA-dense", "bytes_per_pixel": 4,
                         "mapping": "Hilbert space-filling curve"},
            "offsets": {}, "hashes": {}})
        segs = {"kernel": {"type": "kernel", "size": 10, "sha256": "ab" * 32},
                "initrd": {"type": "initrd", "size": 5}}
        m = PixelRTSMetadata.create_metadata(64, encoding_mode="RGBA-code", segments=segs)
        self.assertEqual(list(m), ["format", "format_version", "grid_size", "encoding",
                                   "offsets", "hashes"])
        self.assertEqual(m["encoding"]["type"], "RGBA-code")
        self.assertEqual(m["offsets"], segs)
        self.assertEqual(m["hashes"], {"kernel": "ab" * 32})

    def test_create_metadata_is_what_the_library_writes(self):
        # the first six keys of every file, in the library's order and with its values
        segs = {"kernel": {"type": "kernel", "size": 3, "sha256": sha256(b"abc")}}
        for mode, kind in (("standard", "RGBA-dense"), ("code", "RGBA-code")):
            enc = PixelRTSEncoder(mode=mode)
            png = enc.encode(bytes(100), metadata={"segments": segs, "name": "k"})
            written = Png(png).metadata()
            expected = PixelRTSMetadata.create_metadata(8, kind, segs)
            self.assertEqual(list(written)[:6], list(expected))
            self.assertEqual({k: written[k] for k in expected}, expected)

    def test_hash_data(self):
        self.assertEqual(PixelRTSMetadata.hash_data(b""),
                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        self.assertEqual(PixelRTSMetadata.hash_data(bytes(range(10))),
                         "1f825aa2f0020ef7cf91dfa30da4668d791c5d4824fc8e41354b89ec05795ab3")
        self.assertEqual(PixelRTSMetadata.hash_data(bytearray(range(10))),
                         PixelRTSMetadata.hash_data(memoryview(bytes(range(10)))))
        enc = PixelRTSEncoder()
        data = pseudo_random(5000, 3)
        enc.encode(data)
        self.assertEqual(PixelRTSMetadata.hash_data(data), enc.get_metadata()["data_hash"])

    def test_png_text(self):
        enc = PixelRTSEncoder()
        png = enc.encode(bytes(range(10)))
        meta = enc.get_metadata()
        text = PixelRTSMetadata.encode_png_text(meta)
        self.assertIsInstance(text, bytes)
        self.assertEqual(text.decode("ascii"), TEN_BYTES_CHUNK)
        self.assertEqual(text, Png(png).text["PixelRTS"].encode("latin-1"))  # the library's
        self.assertEqual(PixelRTSMetadata.decode_png_text(text), meta)
        # non-ASCII is escaped: ASCII text, the same JSON
        text = PixelRTSMetadata.encode_png_text({"name": "k\u00e9"})
        self.assertEqual(text, b'PixelRTS{"name":"k\\u00e9"}')
        self.assertEqual(PixelRTSMetadata.decode_png_text(text), {"name": "k\u00e9"})

    def test_decode_png_text_errors(self):
        for bad in (b"", b"pixelrts{}", b"{}", b"Pixel"):
            with self.assertRaises(ValueError) as cm:
                PixelRTSMetadata.decode_png_text(bad)
            self.assertEqual(str(cm.exception), "Not a PixelRTS v2 container")
            self.assertIsInstance(cm.exception, PixelRTSError)
        with self.assertRaises(json.JSONDecodeError):
            PixelRTSMetadata.decode_png_text(b"PixelRTS{not json")

    def test_blueprint(self):
        bp = {"name": "k", "components": [{"id": "boot", "type": "executable"}]}
        text = PixelRTSMetadata.encode_blueprint(bp)
        self.assertEqual(text, b'PixelRTS-Blueprint{"name":"k","components":'
                               b'[{"id":"boot","type":"executable"}]}')
        self.assertEqual(PixelRTSMetadata.decode_blueprint(text), bp)

        class Blueprint:
            def to_dict(self):
                return bp
        self.assertEqual(PixelRTSMetadata.encode_blueprint(Blueprint()), text)
        # what the library writes in the blueprint chunk, given the dict or the object
        for given in (bp, Blueprint()):
            png = PixelRTSEncoder().encode(b"abc", blueprint=given)
            self.assertEqual(Png(png).text["PixelRTS-Blueprint"].encode("latin-1"), text)
        with self.assertRaises(ValueError) as cm:
            PixelRTSMetadata.decode_blueprint(b'PixelRTS{"name":"k"}')
        self.assertEqual(str(cm.exception), "Not a PixelRTS blueprint")


class DecodeRange(unittest.TestCase):
    def setUp(self):
        self.data = pseudo_random(5000, 11)
        enc = PixelRTSEncoder()
        self.png = enc.encode(self.data)
        self.meta = enc.get_metadata()

    def test_ranges(self):
        dec = PixelRTSDecoder()
        d = self.data
        self.assertEqual(dec.decode_range(self.png, 0, 1), d[:1])
        self.assertEqual(dec.get_metadata(), self.meta)
        for start, count in ((0, 4), (1, 3), (100, 37), (4095, 2), (0, 5000), (4990, 10)):
            self.assertEqual(dec.decode_range(self.png, start, count), d[start:start + count])
        # cut at the end of the data, nothing from there on
        self.assertEqual(dec.decode_range(self.png, 4990, 100), d[4990:])
        self.assertEqual(dec.decode_range(self.png, 5000, 10), b"")
        self.assertEqual(dec.decode_range(self.png, 9999, 1), b"")
        self.assertEqual(dec.decode_range(self.png, 10, 0), b"")
        self.assertEqual(dec.decode_range(bytearray(self.png), 7, 9), d[7:16])

    def test_negative(self):
        dec = PixelRTSDecoder()
        with self.assertRaises(ValueError) as cm:
            dec.decode_range(self.png, -1, 5)
        self.assertEqual(str(cm.exception), "Negative start_byte: -1")
        with self.assertRaises(ValueError) as cm:
            dec.decode_range(self.png, 0, -5)
        self.assertEqual(str(cm.exception), "Negative count: -5")

    def test_given_metadata(self):
        # set_metadata's metadata bounds the range, as the original's
        dec = PixelRTSDecoder()
        dec.set_metadata(dict(self.meta, data_size=4, data_hash=sha256(self.data[:4])))
        self.assertEqual(dec.decode_range(self.png, 0, 100), self.data[:4])
        self.assertEqual(dec.decode_range(self.png, 4, 1), b"")
        self.assertEqual(dec.get_metadata()["data_size"], 4)

    def test_code_mode(self):
        # cut from the payload (original_data_b64); the original returned the coloured pixels
        for data in (WASM_ADD, b"not wasm at all, just text"):
            png = PixelRTSEncoder(mode="code").encode(data)
            dec = PixelRTSDecoder()
            self.assertEqual(dec.decode_range(png, 3, 10), data[3:13])
            self.assertEqual(dec.decode_range(png, len(data) - 2, 10), data[-2:])

    def test_compressed(self):
        png = PixelRTSEncoder(compression="zlib").encode(bytes(4000))
        with self.assertRaises(ValueError) as cm:
            PixelRTSDecoder().decode_range(png, 0, 10)
        self.assertEqual(cm.exception.code, Status.UNSUPPORTED)
        self.assertEqual(str(cm.exception), "stream: a byte range needs a standard-mode file "
                                            "without payload compression")

    def test_no_metadata(self):
        bare = make_png(4, 4)
        with self.assertRaises(ValueError) as cm:
            PixelRTSDecoder().decode_range(bare, 0, 4)
        self.assertEqual(str(cm.exception), "No PixelRTS metadata found in PNG")
        self.assertEqual(cm.exception.code, Status.NO_METADATA)


class CodeModeMetadata(TempDirTest):
    """Code mode and where its original_data_b64 comes from (docs/format.md section 6)."""

    def setUp(self):
        super().setUp()
        enc = PixelRTSEncoder(mode="code")
        self.png = enc.encode(WASM_ADD)
        self.meta = enc.get_metadata()

    def test_older_sidecar_given(self):
        # the original merged original_data_b64 from the PNG's chunk into the metadata given
        # (an older sidecar) that lacked it; the chunk also supplies data_size and the rest
        older = dict(self.meta)
        del older["original_data_b64"]
        first = {k: self.meta[k] for k in ("format", "grid_size", "encoding")}
        for given in (older, first):
            dec = PixelRTSDecoder()
            dec.set_metadata(given)
            self.assertEqual(dec.decode(self.png), WASM_ADD)
            self.assertEqual(dec.get_metadata()["original_data_b64"],
                             self.meta["original_data_b64"])

    def test_older_sidecar_file(self):
        path = self.path("k.rts.png")
        PixelRTSEncoder(mode="code").save(WASM_ADD, path)
        with open(path + ".meta.json") as f:
            older = json.load(f)
        del older["original_data_b64"]
        with open(path + ".meta.json", "w") as f:
            json.dump(older, f, indent=2)
        self.assertEqual(PixelRTSDecoder().load(path, verify_hash=True), WASM_ADD)
        out = self.path("k.out")
        MMapPixelRTSDecoder().decode_file(path, out, verify_hash=True)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), WASM_ADD)

    def test_semantic_without_original(self):
        # a WASM cartridge's pixels are coloured: the original's semantic decoder found no
        # magic in them (pixel 0 of 00 61 73 6d is (255, 0x61, 0x73, 255))
        bare = without_original(self.png)
        message = SEMANTIC % r"b'\xffas\xff'"
        dec = PixelRTSDecoder()
        with self.assertRaises(ValueError) as cm:
            dec.decode(bare)
        self.assertEqual(str(cm.exception), message)
        self.assertEqual(cm.exception.code, Status.NO_ORIGINAL)
        self.assertIn("original_data_b64", cm.exception.detail)
        self.assertNotIn("pixelrts-", cm.exception.detail)  # no private temporary path
        # the same through load(), and with the metadata given
        path = self.path("bare.rts.png")
        with open(path, "wb") as f:
            f.write(bare)
        with self.assertRaises(ValueError) as cm:
            dec.load(path)
        self.assertEqual(str(cm.exception), message)
        self.assertEqual(cm.exception.code, Status.NO_ORIGINAL)
        older = dict(self.meta)
        del older["original_data_b64"]
        dec.set_metadata(older)
        with self.assertRaises(ValueError) as cm:
            dec.decode(bare)
        self.assertEqual(str(cm.exception), message)

    def test_semantic_not_wasm(self):
        data = b"hello, world: not WASM"
        bare = without_original(PixelRTSEncoder(mode="code").encode(data))
        with self.assertRaises(ValueError) as cm:
            PixelRTSDecoder().decode(bare)
        self.assertEqual(str(cm.exception), SEMANTIC % "b'hell'")

    def test_semantic_older_writer(self):
        # the original's first code mode placed the bytes as standard mode does and kept no
        # original_data_b64: its semantic decoder read them back, as here (hash checked)
        png = relabelled(PixelRTSEncoder().encode(WASM_ADD), encoding_mode="RGBA-code",
                         encoding={"type": "RGBA-code", "bytes_per_pixel": 4,
                                   "mapping": "Hilbert space-filling curve"})
        dec = PixelRTSDecoder()
        self.assertEqual(dec.decode(png), WASM_ADD)
        path = self.path("old.rts.png")
        with open(path, "wb") as f:
            f.write(png)
        self.assertEqual(dec.load(path, verify_hash=True), WASM_ADD)
        wrong = relabelled(png, data_hash=sha256(b"something else"))
        with self.assertRaises(HashMismatchError):
            dec.decode(wrong)
        # fewer than 4 bytes: nothing to check the magic of (placed as they are)
        short = without_original(PixelRTSEncoder(mode="code").encode(b"ab\x01"))
        self.assertEqual(dec.decode(short), b"ab\x01")

    def test_info_without_original(self):
        # the metadata of such a file is still shown
        bare = without_original(self.png)
        path = self.path("bare.rts.png")
        with open(path, "wb") as f:
            f.write(bare)
        expected = dict(self.meta)
        del expected["original_data_b64"]
        self.assertEqual(PixelRTSDecoder().info(path), expected)
        self.assertEqual(MMapPixelRTSDecoder().get_info(path), expected)


class EncoderDecoder(TempDirTest):
    """PixelRTSEncoder / PixelRTSDecoder as the original documents them (their other
    behaviour: test_core)."""

    def test_encoder_attributes(self):
        enc = PixelRTSEncoder()
        self.assertEqual((enc.mode, enc.compression, enc.compression_level, enc.use_layout),
                         ("standard", None, "medium", False))
        enc = PixelRTSEncoder(mode="code", compression="zlib", compression_level="high",
                              use_layout=True)
        self.assertEqual((enc.mode, enc.compression, enc.compression_level, enc.use_layout),
                         ("code", "zlib", "high", True))
        with self.assertRaises(ValueError) as cm:
            PixelRTSEncoder(mode="dense")
        self.assertEqual(str(cm.exception), "Invalid mode: dense. Must be 'standard' or 'code'")

    def test_round_trip_and_metadata(self):
        enc, dec = PixelRTSEncoder(), PixelRTSDecoder()
        self.assertIsNone(enc.get_metadata())
        data = pseudo_random(1000, 5)
        png = enc.encode(data, metadata={"type": "kernel", "version": "1.0"})
        meta = enc.get_metadata()
        self.assertEqual(meta["content_version"], "1.0")
        self.assertEqual(meta["type"], "kernel")
        self.assertEqual(meta["format_version"], PixelRTSMetadata.VERSION)
        self.assertEqual(meta["grid_size"], calculate_grid_size(1000))
        self.assertEqual(dec.decode(png), data)
        self.assertEqual(dec.get_metadata(), meta)
        self.assertTrue(dec.verify_hash(data, meta["data_hash"]))
        self.assertFalse(dec.verify_hash(data + b"x", meta["data_hash"]))
        path = self.path("k.rts.png")
        enc.save(data, path, metadata={"type": "kernel"})
        self.assertEqual(dec.load(path, verify_hash=True), data)
        self.assertEqual(dec.info(path)["data_hash"], meta["data_hash"])

    def test_calculate_grid_size(self):
        # the original's: 1 for no data, else a power of two (the library's minimum is 4)
        self.assertEqual(calculate_grid_size(0), 1)
        self.assertEqual(calculate_grid_size(4096), 32)
        self.assertEqual(calculate_grid_size(4097), 64)
        self.assertEqual(calculate_grid_size(100, bytes_per_pixel=1), 16)


class MMap(TempDirTest):
    def test_encoder(self):
        self.assertEqual(MMapPixelRTSEncoder.DEFAULT_CHUNK_SIZE, 64 * 1024 * 1024)
        enc = MMapPixelRTSEncoder()
        self.assertEqual((enc.mode, enc.chunk_size), ("standard", 64 * 1024 * 1024))
        self.assertIsNone(enc.get_metadata())
        enc = MMapPixelRTSEncoder(mode="code", chunk_size=4096)
        self.assertEqual((enc.mode, enc.chunk_size), ("code", 4096))
        with self.assertRaises(ValueError) as cm:
            MMapPixelRTSEncoder(mode="x")
        self.assertEqual(str(cm.exception), "Invalid mode: x. Must be 'standard' or 'code'")

    def test_round_trip(self):
        data = pseudo_random(70000, 9)
        src, png, out = self.path("k.bin"), self.path("k.rts.png"), self.path("k.out")
        with open(src, "wb") as f:
            f.write(data)
        enc = MMapPixelRTSEncoder()
        meta = enc.encode_file(src, png, metadata={"type": "kernel", "version": "2"})
        self.assertEqual(enc.get_metadata(), meta)
        self.assertEqual((meta["data_size"], meta["data_hash"], meta["grid_size"],
                          meta["encoding_mode"], meta["content_version"]),
                         (70000, sha256(data), 256, "RGBA-dense", "2"))
        with open(png + ".meta.json") as f:
            self.assertEqual(json.load(f), meta)
        dec = MMapPixelRTSDecoder()
        self.assertIsNone(dec.get_metadata())
        self.assertEqual(dec.decode_file(png, out, verify_hash=True), meta)
        self.assertEqual(dec.get_metadata(), meta)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(dec.get_info(png), meta)
        with self.assertRaises(ValueError) as cm:
            enc.encode_file(src, self.path("g.rts.png"), grid_size=300)
        self.assertEqual(str(cm.exception), "Grid size must be power of 2, got 300")

    def test_keywords_code_mode_and_info_without_sidecar(self):
        # the original's tests/test_pixelrts_mmap.py calls
        src, png, out = self.path("w.bin"), self.path("w.rts.png"), self.path("w.out")
        data = b"\x00asm\x01\x00\x00\x00" + bytes(1024)
        with open(src, "wb") as f:
            f.write(data)
        meta = MMapPixelRTSEncoder(mode="code", chunk_size=1024).encode_file(
            input_path=src, output_path=png, metadata={"type": "test", "name": "w"})
        self.assertEqual(meta["encoding_mode"], "RGBA-code")
        os.remove(png + ".meta.json")
        info = MMapPixelRTSDecoder().get_info(png)  # from the PNG's chunk
        self.assertEqual((info["type"], info["name"]), ("test", "w"))
        self.assertEqual(info, meta)
        MMapPixelRTSDecoder().decode_file(input_path=png, output_path=out, verify_hash=True)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)

    def test_errors(self):
        bare = self.path("bare.png")
        with open(bare, "wb") as f:
            f.write(make_png(4, 4))
        with self.assertRaises(ValueError) as cm:
            MMapPixelRTSDecoder().get_info(bare)
        self.assertEqual(str(cm.exception), "No PixelRTS metadata found in PNG")
        png = self.path("k.rts.png")
        src = self.path("k.bin")
        with open(src, "wb") as f:
            f.write(b"payload")
        MMapPixelRTSEncoder().encode_file(src, png)
        rewrite_metadata(png, lambda m: m.update(data_hash=sha256(b"other")))
        with self.assertRaises(ValueError) as cm:
            MMapPixelRTSDecoder().decode_file(png, self.path("k.out"), verify_hash=True)
        self.assertEqual(str(cm.exception), "Hash mismatch: expected %s, got %s"
                         % (sha256(b"other"), sha256(b"payload")))
        self.assertFalse(os.path.exists(self.path("k.out")))


if __name__ == "__main__":
    unittest.main()
