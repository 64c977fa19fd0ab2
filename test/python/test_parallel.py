"""ParallelPixelRTSEncoder / parallel_decode_batch on libpixelrts batches: the original's result
dicts, ordering, output names, per-file metadata, progress callback arguments and errors."""

import json
import os
import unittest
from pathlib import Path

import support  # noqa: F401
from support import Png, TempDirTest, pseudo_random, sha256, write_file

from pixelrts import ParallelPixelRTSEncoder, PixelRTSError, parallel_decode_batch

RESULT_KEYS = ["input_path", "output_path", "success", "error", "metadata", "encode_time",
               "file_size"]


class Parallel(TempDirTest):
    def setUp(self):
        super().setUp()
        self.files = {}
        for i, name in enumerate(["b.bin", "a.bin", "c.wasm", "d.so", "e.txt", "empty.bin"]):
            data = b"" if name == "empty.bin" else pseudo_random(1000 * (i + 1) + i, i)
            self.files[name] = data
            write_file(self.path("in", name), data)
        write_file(self.path("in", "sub", "deep.bin"), b"deep file")
        os.mkdir(self.path("in", "folder.bin"))  # a folder matching the pattern is skipped

    def test_encode_batch(self):
        calls = []
        inputs = [self.path("in", n) for n in ["b.bin", "a.bin", "c.wasm", "missing.bin"]]
        enc = ParallelPixelRTSEncoder(workers=3)
        self.assertEqual(enc.workers, 3)
        results = enc.encode_batch(inputs, self.path("out"), metadata={"type": "kernel",
                                                                       "version": "2"},
                                   progress_callback=lambda *a: calls.append(a))
        self.assertEqual([r["input_path"] for r in results], sorted(inputs))
        for r in results:
            self.assertEqual(list(r), RESULT_KEYS)
        by_name = {Path(r["input_path"]).name: r for r in results}
        for name, kind in (("a.bin", "binary"), ("b.bin", "binary"), ("c.wasm", "wasm")):
            r = by_name[name]
            self.assertTrue(r["success"], r)
            self.assertIsNone(r["error"])
            stem = Path(name).stem
            self.assertEqual(r["output_path"], self.path("out", stem + ".rts.png"))
            self.assertEqual(r["file_size"], len(self.files[name]))
            self.assertIsInstance(r["encode_time"], float)
            meta = r["metadata"]
            # the original: batch metadata, then the file's own name and type
            self.assertEqual(meta["name"], stem)
            self.assertEqual(meta["type"], kind)
            self.assertEqual(meta["content_version"], "2")
            self.assertEqual(meta["data_hash"], sha256(self.files[name]))
            support.assert_standard_file(self, r["output_path"], self.files[name],
                                         name=stem, type=kind)
        bad = by_name["missing.bin"]
        self.assertFalse(bad["success"])
        self.assertEqual(bad["error"], "File not found: %s" % self.path("in", "missing.bin"))
        self.assertIsNone(bad["output_path"])
        self.assertIsNone(bad["metadata"])
        self.assertIsNone(bad["file_size"])
        # progress: once per file, current counting up to total, the file's name
        self.assertEqual([c[0] for c in calls], [1, 2, 3, 4])
        self.assertTrue(all(c[1] == 4 for c in calls))
        self.assertEqual(sorted(c[2] for c in calls),
                         sorted(["b.bin", "a.bin", "c.wasm", "missing.bin"]))

    def test_empty_batch(self):
        calls = []
        self.assertEqual(ParallelPixelRTSEncoder().encode_batch([], self.path("none"),
                                                                progress_callback=calls.append),
                         [])
        self.assertEqual(calls, [])
        self.assertEqual(parallel_decode_batch([], self.path("none")), [])

    def test_output_pattern(self):
        results = ParallelPixelRTSEncoder(workers=1).encode_batch(
            [self.path("in", "a.bin")], self.path("out2"), pattern="*.png")
        self.assertEqual(results[0]["output_path"], self.path("out2", "a.png"))
        self.assertTrue(os.path.exists(self.path("out2", "a.png.meta.json")))
        with self.assertRaises(ValueError):
            ParallelPixelRTSEncoder().encode_batch([self.path("in", "a.bin")], self.path("o"),
                                                   pattern="fixed.png")

    def test_encode_directory(self):
        enc = ParallelPixelRTSEncoder(workers=2, mode="standard", use_mmap=True,
                                      mmap_threshold=100 * 1024 * 1024)
        results = enc.encode_directory(self.path("in"), self.path("out"), pattern="*.bin")
        names = [Path(r["input_path"]).name for r in results]
        self.assertEqual(names, ["a.bin", "b.bin", "empty.bin"])
        self.assertTrue(all(r["success"] for r in results))
        self.assertEqual(Png(self.path("out", "empty.rts.png")).side, 1)
        deep = enc.encode_directory(self.path("in"), self.path("out3"), pattern="*.bin",
                                    recursive=True)
        self.assertEqual([Path(r["input_path"]).name for r in deep],
                         ["a.bin", "b.bin", "empty.bin", "deep.bin"])
        self.assertTrue(os.path.exists(self.path("out3", "deep.rts.png")))
        everything = enc.encode_directory(self.path("in"), self.path("out4"))
        self.assertEqual(len(everything), 6)
        # kwargs go to encode_batch
        seen = []
        enc.encode_directory(self.path("in"), self.path("out5"), pattern="a.*",
                             metadata={"project": "x"},
                             progress_callback=lambda c, t, f: seen.append((c, t, f)))
        self.assertEqual(seen, [(1, 1, "a.bin")])
        with open(self.path("out5", "a.rts.png.meta.json")) as f:
            self.assertEqual(json.load(f)["project"], "x")

    def test_missing_directory(self):
        missing = self.path("nowhere")
        with self.assertRaises(ValueError) as cm:
            ParallelPixelRTSEncoder().encode_directory(missing, self.path("out"))
        self.assertEqual(str(cm.exception), "Input directory does not exist: %s" % missing)
        self.assertIsInstance(cm.exception, PixelRTSError)

    def test_defaults(self):
        enc = ParallelPixelRTSEncoder()
        self.assertEqual(enc.workers, os.cpu_count())
        self.assertEqual(enc.mode, "standard")
        self.assertTrue(enc.use_mmap)
        self.assertEqual(enc.mmap_threshold, ParallelPixelRTSEncoder.MMAP_THRESHOLD)
        with self.assertRaises(ValueError) as cm:
            ParallelPixelRTSEncoder(mode="x")
        self.assertEqual(str(cm.exception), "Invalid mode: x. Must be 'standard' or 'code'")

    def test_code_mode_and_workers_agree(self):
        inputs = [self.path("in", n) for n in sorted(self.files)]
        one = ParallelPixelRTSEncoder(workers=1, mode="code").encode_batch(inputs,
                                                                           self.path("w1"))
        four = ParallelPixelRTSEncoder(workers=4, mode="code").encode_batch(inputs,
                                                                            self.path("w4"))
        for a, b in zip(one, four):
            self.assertTrue(a["success"] and b["success"])
            self.assertEqual(a["metadata"]["encoding_mode"], "RGBA-code")
            self.assertEqual(Png(a["output_path"]).pixels(), Png(b["output_path"]).pixels())

    def test_failing_callback_stops_the_batch(self):
        class Stop(Exception):
            pass

        def cb(current, total, name):
            raise Stop(name)
        inputs = [self.path("in", n) for n in sorted(self.files)]
        with self.assertRaises(Stop):
            ParallelPixelRTSEncoder(workers=1).encode_batch(inputs, self.path("o"),
                                                            progress_callback=cb)

    def test_corrupt_input_reports_the_original_error_style(self):
        write_file(self.path("bad", "x.bin"), b"abc")
        enc = ParallelPixelRTSEncoder(workers=1)
        enc.encode_batch([self.path("bad", "x.bin")], self.path("bad"))
        png = self.path("bad", "x.rts.png")
        with open(png, "r+b") as f:
            f.truncate(60)
        os.unlink(png + ".meta.json")
        results = parallel_decode_batch([png, self.path("bad", "none.rts.png")],
                                        self.path("dec"))
        self.assertEqual([list(r) for r in results],
                         [["input_path", "output_path", "success", "error"]] * 2)
        errors = {Path(r["input_path"]).name: r["error"] for r in results}
        self.assertTrue(errors["x.rts.png"].startswith("ValueError: "), errors)
        self.assertEqual(errors["none.rts.png"],
                         "File not found: %s" % self.path("bad", "none.rts.png"))

    def test_parallel_decode_batch(self):
        inputs = [self.path("in", n) for n in ["a.bin", "b.bin"]]
        ParallelPixelRTSEncoder(workers=2).encode_batch(inputs, self.path("out"))
        pngs = [self.path("out", "a.rts.png"), self.path("out", "b.rts.png")]
        results = parallel_decode_batch(pngs, self.path("dec"), workers=2, verify_hash=True)
        self.assertTrue(all(r["success"] for r in results), results)
        for r, name in zip(results, ["a.bin", "b.bin"]):
            # the stem of a.rts.png is a.rts: the original's naming
            self.assertEqual(r["output_path"], self.path("dec", Path(name).stem + ".rts.bin"))
            with open(r["output_path"], "rb") as f:
                self.assertEqual(f.read(), self.files[name])


if __name__ == "__main__":
    unittest.main()
