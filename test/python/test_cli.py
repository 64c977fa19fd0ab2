"""Every command of the guide that runs a Python module (python3 -m systems.pixel_compiler...),
as written, in a folder holding the files it reads; then the files and output it produced.
`python3` is the interpreter running these tests."""

import os
import shlex
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import support
from support import Png, TempDirTest, bench_missing, child_env, sha256

import guide

COMMANDS = guide.shell_commands()
BENCH_MODULES = ("benchmark_pixelrts", "benchmark_dashboard")


def is_bench(argv):
    return argv[1].rsplit(".", 1)[-1] in BENCH_MODULES or argv[2] in ("benchmark", "dashboard")


def read(path):
    with open(path, "rb") as f:
        return f.read()


class GuideCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="prts-cli-")
        cls.dir = cls._tmp.name
        guide.make_fixtures(cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def run_cli(self, argv):
        return subprocess.run([sys.executable] + argv, cwd=self.dir, env=child_env(),
                              capture_output=True, text=True, timeout=600)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def test_commands_found(self):
        self.assertEqual(len(COMMANDS), 17)

    def test_guide_commands(self):
        """Each command in order; checks follow the command's kind."""
        bench_reason = bench_missing()
        for line, command in COMMANDS:
            argv = shlex.split(command)[1:]  # drop "python3": this interpreter runs them
            with self.subTest(line=line, command=command):
                if is_bench(argv) and bench_reason:
                    continue  # reported by test_benchmark_commands_skip
                proc = self.run_cli(argv)
                # --check-regression exits 1 when it finds one, which timing noise on a busy
                # machine can cause between the guide's repeated runs: both answers are valid
                allowed = (0, 1) if "--check-regression" in argv else (0,)
                self.assertIn(proc.returncode, allowed, "%s\nstdout:\n%s\nstderr:\n%s"
                              % (command, proc.stdout, proc.stderr))
                self.check(argv, proc.stdout)

    def test_benchmark_commands_skip(self):
        reason = bench_missing()
        if reason:
            self.skipTest(reason)

    def check(self, argv, stdout):
        module = argv[1].rsplit(".", 1)[-1]
        if module == "pixelrts_cli" and argv[2] == "convert":
            self.check_convert(argv[3:], stdout)
        elif module == "pixelrts_cli" and argv[2] == "info":
            self.check_info(argv[3], stdout)
        elif "--output" in argv and (module == "benchmark_dashboard" or argv[2] == "dashboard"):
            out = argv[argv.index("--output") + 1]
            with open(self.path(out), encoding="utf-8") as f:
                self.assertIn("<html", f.read().lower())
            self.assertIn("Dashboard generated: %s" % out, stdout)
        elif "--check-regression" in argv:
            self.assertTrue("No regressions detected" in stdout or
                            stdout.startswith("Performance regressions detected:\n  "), stdout)
        elif "--sizes" in argv:
            self.assertIn("=== Benchmark Results ===", stdout)
            self.assertIn("Throughput:", stdout)

    def check_convert(self, args, stdout):
        src, dst = args[0], args[1]  # every convert example names both first
        if "--parallel" not in args:
            data = read(self.path(src))
            meta = support.assert_standard_file(self, self.path(dst), data)
            name = args[args.index("--name") + 1] if "--name" in args else Path(src).stem
            # the original records the file as one segment, with its hash
            self.assertEqual(meta["segments"], {name: {"type": meta.get("type", "binary"),
                                                       "size": len(data),
                                                       "sha256": sha256(data)}})
            if "--type" in args:
                self.assertEqual(meta["type"], args[args.index("--type") + 1])
                self.assertEqual(meta["name"], name)
                self.assertEqual(meta["content_version"], args[args.index("--version") + 1])
            self.assertIn("Successfully created: %s" % dst, stdout)
            self.assertIn("Grid:   %dx%d" % (meta["grid_size"], meta["grid_size"]), stdout)
            return
        pattern = args[args.index("--pattern") + 1] if "--pattern" in args else "*"
        root = Path(self.path(src))
        found = root.rglob(pattern) if "--recursive" in args else root.glob(pattern)
        inputs = sorted(p for p in found if p.is_file())
        self.assertTrue(inputs)
        for p in inputs:
            support.assert_standard_file(self, self.path(dst, p.stem + ".rts.png"), read(p),
                                         name=p.stem)
        self.assertIn("Converted %d/%d files" % (len(inputs), len(inputs)), stdout)

    def check_info(self, target, stdout):
        meta = support.Png(self.path(target)).metadata()
        self.assertIn("File: %s" % target, stdout)
        self.assertIn("Format: PixelRTS-2.0", stdout)
        self.assertIn("Grid Size: %d" % meta["grid_size"], stdout)
        self.assertIn("Data Size: %d bytes" % meta["data_size"], stdout)
        self.assertIn("Encoding: RGBA-dense", stdout)
        for name, seg in meta["segments"].items():
            self.assertIn("  %s:\n    Type: %s\n    Size: %d bytes\n    Hash: %s...\n"
                          % (name, seg["type"], seg["size"], seg["sha256"][:16]), stdout)


class CliBehaviour(TempDirTest):
    def run_cli(self, *args, module="systems.pixel_compiler.pixelrts_cli"):
        return subprocess.run([sys.executable, "-m", module] + list(args), cwd=self.dir,
                              env=child_env(), capture_output=True, text=True, timeout=300)

    def test_import_paths(self):
        # the original's module names, under both package roots, are the binding's classes
        code = ("import pixelrts, pixel_compiler.pixelrts_mmap as a, "
                "systems.pixel_compiler.pixelrts_mmap as b, "
                "pixel_compiler.pixelrts_v2_core as c, systems.pixel_compiler.pixelrts_parallel"
                " as d, pixel_compiler.benchmark_pixelrts as e, "
                "systems.pixel_compiler.benchmark_dashboard as f;"
                "assert a.MMapPixelRTSEncoder is b.MMapPixelRTSEncoder is "
                "pixelrts.MMapPixelRTSEncoder;"
                "assert c.PixelRTSEncoder is pixelrts.PixelRTSEncoder;"
                "assert d.ParallelPixelRTSEncoder is pixelrts.ParallelPixelRTSEncoder;"
                "assert e.PixelRTSBenchmark is pixelrts.PixelRTSBenchmark;"
                "assert f.BenchmarkDashboard is pixelrts.BenchmarkDashboard; print('ok')")
        proc = subprocess.run([sys.executable, "-c", code], cwd=self.dir, env=child_env(),
                              capture_output=True, text=True)
        self.assertEqual((proc.returncode, proc.stdout.strip()), (0, "ok"), proc.stderr)

    def test_default_output_name(self):
        support.write_file(os.path.join(self.dir, "fw.img"), b"firmware")
        proc = self.run_cli("convert", "fw.img", "--mode", "code")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        png = Png(os.path.join(self.dir, "fw.rts.png"))
        self.assertEqual(png.metadata()["encoding_mode"], "RGBA-code")

    def test_errors(self):
        proc = self.run_cli("convert", "missing.bin", "out.rts.png")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("Error: Input file not found: missing.bin", proc.stderr)
        proc = self.run_cli("info", "missing.rts.png")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("Error: File not found: missing.rts.png", proc.stderr)
        support.write_file(os.path.join(self.dir, "plain.png"), support.make_png(4, 4))
        proc = self.run_cli("info", "plain.png")
        self.assertEqual((proc.returncode, proc.stderr.strip()),
                         (1, "Error: No PixelRTS metadata found in PNG"))
        support.write_file(os.path.join(self.dir, "x.bin"), b"x" * 100)
        proc = self.run_cli("convert", "x.bin", "x.rts.png", "--grid-size", "3")
        self.assertEqual((proc.returncode, proc.stderr.strip()),
                         (1, "Error: Grid size must be power of 2, got 3"))
        proc = self.run_cli("convert", "nodir", "out", "--parallel", "--recursive")
        self.assertEqual((proc.returncode, proc.stderr.strip()),
                         (1, "Error: Input directory does not exist: nodir"))
        proc = self.run_cli()
        self.assertEqual(proc.returncode, 1)
        self.assertIn("convert", proc.stdout)

    def test_parallel_failures_are_listed(self):
        support.write_file(os.path.join(self.dir, "in", "ok.bin"), b"fine")
        os.symlink("/nonexistent/target", os.path.join(self.dir, "in", "dangling.bin"))
        proc = self.run_cli("convert", "in", "out", "--parallel", "--pattern", "*.bin")
        # the dangling link is not a file: skipped, as by the original (Path.is_file)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("Converted 1/1 files", proc.stdout)

    def test_benchmark_without_the_api(self):
        reason = bench_missing()
        if not reason:
            self.skipTest("the library has the benchmark API")
        for args, module in ((["benchmark", "--sizes", "1024"],
                              "systems.pixel_compiler.pixelrts_cli"),
                             (["--sizes", "1024"], "systems.pixel_compiler.benchmark_pixelrts"),
                             (["--output", "d.html"], "systems.pixel_compiler.benchmark_dashboard")):
            proc = self.run_cli(*args, module=module)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("prts_bench_new", proc.stderr)


class OriginalModules(unittest.TestCase):
    """pixel_compiler.<module> and systems.pixel_compiler.<module>: made from the one table
    pixelrts._original.MODULES, under both package roots."""

    def test_every_module_of_the_table(self):
        import importlib

        import pixelrts
        from pixelrts import _original
        for package in _original.PACKAGES:
            for module in _original.MODULES:
                mod = importlib.import_module("%s.%s" % (package, module))
                names = [name for name, _, _ in _original.exports(module)]
                self.assertEqual(mod.__all__, names)
                for name, where, attr in _original.exports(module):
                    source = importlib.import_module("pixelrts." + where)
                    self.assertIs(getattr(mod, name), getattr(source, attr), (mod, name))
                    if name != "main" and hasattr(pixelrts, name):
                        self.assertIs(getattr(mod, name), getattr(pixelrts, name))
                self.assertIs(getattr(importlib.import_module(package), module), mod)

    def test_no_copies_in_the_trees(self):
        # the packages hold their __init__ alone: the modules come from the table
        for package in ("pixel_compiler", os.path.join("systems", "pixel_compiler")):
            files = [f for f in os.listdir(os.path.join(support.BINDING, package))
                     if f.endswith(".py")]
            self.assertEqual(files, ["__init__.py"], package)

    def test_unknown_names(self):
        import pixel_compiler
        with self.assertRaises(AttributeError):
            pixel_compiler.no_such_module
        with self.assertRaises(ImportError):
            __import__("systems.pixel_compiler.no_such_module")


if __name__ == "__main__":
    unittest.main()
