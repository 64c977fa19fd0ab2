"""Every ```python block of the guide, unchanged.

Example blocks run in document order in one namespace and one folder holding the fixture
files they read, as a reader working through the guide would run them (a few blocks use names
an earlier block defined); then the files they wrote are checked.  API-reference blocks (class
outlines) are compared with the binding's classes: names, parameters, defaults, constants.
Blocks that use the benchmark API skip while the loaded library lacks it.
"""

import ast
import contextlib
import inspect
import io
import json
import os
import tempfile
import unittest

import support
from support import Png, WASM_ADD, bench_missing, sha256

import guide
import pixelrts

BENCH_NAMES = ("PixelRTSBenchmark", "BenchmarkDashboard")


def is_reference(block):
    tree = ast.parse(block.code)
    return bool(tree.body) and all(isinstance(n, ast.ClassDef) for n in tree.body)


PYTHON_BLOCKS = guide.blocks("python")
EXAMPLES = [b for b in PYTHON_BLOCKS if not is_reference(b)]
REFERENCES = [b for b in PYTHON_BLOCKS if is_reference(b)]


def read(path):
    with open(path, "rb") as f:
        return f.read()


class GuideExamples(unittest.TestCase):
    """test_b<NN>: the examples in order; test_c: the files they wrote."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="prts-guide-")
        cls.dir = cls._tmp.name
        guide.make_fixtures(cls.dir)
        cls.namespace = {"__name__": "__guide__"}
        cls.output = {}
        cls.ran = set()
        cls.old_cwd = os.getcwd()

    @classmethod
    def tearDownClass(cls):
        os.chdir(cls.old_cwd)
        cls._tmp.cleanup()

    def run_block(self, index, block):
        if any(name in block.code for name in BENCH_NAMES):
            reason = bench_missing()
            if reason:
                self.skipTest(reason)
        os.chdir(self.dir)
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(block.code, "guide line %d" % block.line, "exec"), self.namespace)
        finally:
            os.chdir(self.old_cwd)
            self.output[index] = out.getvalue()
        self.ran.add(index)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def printed(self, text):
        return any(text in out for out in self.output.values())

    def test_c_outputs(self):
        """The files the examples wrote hold what they should."""
        if len(self.ran) + sum(1 for b in EXAMPLES if any(n in b.code for n in BENCH_NAMES)) \
                < len(EXAMPLES):
            self.skipTest("an example failed or did not run; see its own test")
        P = self.path
        # Quick start: kernel.bin with metadata type kernel
        support.assert_standard_file(self, P("kernel.rts.png"), read(P("kernel.bin")),
                                     type="kernel")
        # huge_file.bin through the mmap encoder, name and version ("version" is kept as
        # content_version)
        meta = pixelrts.MMapPixelRTSDecoder().decode_file(P("huge.rts.png"), P("check.bin"),
                                                          verify_hash=True)
        self.assertEqual(read(P("check.bin")), read(P("huge_file.bin")))
        self.assertEqual((meta["name"], meta["content_version"]), ("Huge File", "1.0"))
        # the parallel examples: one <stem>.rts.png per input, with the file's name and type
        bins = sorted(n for n in os.listdir(P("binaries")) if n.endswith(".bin"))
        for name in bins:
            stem = name[:-4]
            support.assert_standard_file(self, P("rts_output", stem + ".rts.png"),
                                         read(P("binaries", name)), name=stem, type="binary")
        self.assertFalse(os.path.exists(P("rts_output", "readme.rts.png")))  # pattern *.bin
        for name in ("file1", "file2", "file3"):
            support.assert_standard_file(self, P("output", name + ".rts.png"),
                                         read(P(name + ".bin")), name=name, type="binary")
        self.assertTrue(self.printed("Converted %d/%d files" % (len(bins), len(bins))))
        self.assertTrue(self.printed("[100%] Processing "))
        # Example 3's summary
        with open(P("rts_output", "batch_summary.json")) as f:
            summary = json.load(f)
        self.assertEqual(len(summary), len(bins))
        for entry in summary:
            self.assertEqual(entry["hash"], sha256(read(P(entry["input"]))))
            self.assertEqual(entry["size"], os.path.getsize(P(entry["input"])))
        self.assertTrue(self.printed("Processed %d files" % len(bins)))
        # the dataset: last encoded by Example 2, decoded with verification by Example 4
        meta = pixelrts.MMapPixelRTSDecoder().get_info(P("dataset.rts.png"))
        self.assertEqual((meta["name"], meta["samples"], meta["description"]),
                         ("ML Training Data", 50000, "Image classification dataset"))
        self.assertEqual(read(P("recovered.bin")), read(P("large_dataset.bin")))
        self.assertTrue(self.printed("Decoding successful - hash verified!"))
        self.assertTrue(self.printed("Grid size: 4096x4096"))
        # code mode: colours per docs/format.md section 6, payload intact
        for name in ("module.rts.png", "module_visualized.rts.png"):
            png = Png(P(name))
            self.assertEqual(png.metadata()["encoding_mode"], "RGBA-code")
            self.assertEqual(png.pixel(0), bytes([255, 0x61, 0x73, 255]))
            self.assertEqual(pixelrts.PixelRTSDecoder().load(P(name), verify_hash=True), WASM_ADD)
        # troubleshooting: output.rts.png last written from input.bin on a 1024 grid
        meta = support.assert_standard_file(self, P("output.rts.png"), read(P("input.bin")))
        self.assertEqual(meta["grid_size"], 1024)
        self.assertTrue(self.printed("Expected hash: %s" % sha256(read(P("input.bin")))))
        self.assertTrue(self.printed("Format: PixelRTS-2.0"))
        self.assertFalse(self.printed("Use MMapPixelRTSEncoder"))  # large_file.bin is 4 KiB

    def test_a_blocks_found(self):
        self.assertGreaterEqual(len(EXAMPLES), 15)
        self.assertEqual(len(REFERENCES), 5)


def _make_block_test(index, block):
    def test(self):
        self.run_block(index, block)
    test.__doc__ = "guide line %d (%s)" % (block.line, block.section)
    return test


for _i, _block in enumerate(EXAMPLES):
    setattr(GuideExamples, "test_b%02d_line%d" % (_i, _block.line), _make_block_test(_i, _block))


class GuideReference(unittest.TestCase):
    """The API Reference section's class outlines against the binding's classes."""

    def check_class(self, node):
        cls = getattr(pixelrts, node.name)
        constants = {}
        for item in node.body:
            if isinstance(item, ast.Assign):
                value = eval(compile(ast.Expression(item.value), "<guide>", "eval"))
                for target in item.targets:
                    constants[target.id] = value
                    self.assertEqual(getattr(cls, target.id), value, target.id)
        for item in node.body:
            if not isinstance(item, ast.FunctionDef):
                continue
            with self.subTest(cls=node.name, method=item.name):
                ours = inspect.signature(getattr(cls, item.name))
                params = [p for p in ours.parameters.values() if p.name != "self"]
                args = item.args.args[1:]
                defaults = [None] * (len(args) - len(item.args.defaults)) + item.args.defaults
                for i, (arg, default) in enumerate(zip(args, defaults)):
                    self.assertLess(i, len(params), "missing parameter %s" % arg.arg)
                    p = params[i]
                    self.assertEqual(p.name, arg.arg)
                    self.assertIn(p.kind, (p.POSITIONAL_OR_KEYWORD,))
                    if default is None:
                        self.assertIs(p.default, p.empty, p.name)
                    else:
                        want = eval(compile(ast.Expression(default), "<guide>", "eval"),
                                    {}, dict(constants))
                        self.assertEqual(p.default, want, p.name)
                # anything we add beyond the guide is optional
                for p in params[len(args):]:
                    self.assertTrue(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) or
                                    p.default is not p.empty, p.name)
                if item.args.kwarg:
                    self.assertTrue(any(p.kind == p.VAR_KEYWORD for p in params))

    def test_reference_blocks(self):
        names = []
        for block in REFERENCES:
            for node in ast.parse(block.code).body:
                names.append(node.name)
                self.check_class(node)
        self.assertEqual(names, ["ParallelPixelRTSEncoder", "MMapPixelRTSEncoder",
                                 "MMapPixelRTSDecoder", "PixelRTSBenchmark",
                                 "BenchmarkDashboard"])


if __name__ == "__main__":
    unittest.main()
