"""Where the binding finds libpixelrts.so.1: $PIXELRTS_LIBRARY, then the copy inside the
package (a wheel's), then build trees, then the system; and the error naming every place tried.
Then libpixelrts-bench.so.1, loaded only when the benchmark classes are used:
$PIXELRTS_BENCH_LIBRARY, beside libpixelrts, the package's copy, build trees; and
the RuntimeError of those classes when it cannot be loaded.  Each case imports the package in
a child interpreter with its own environment."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import support
from support import TempDirTest

import pixelrts

PROBE = "import pixelrts, pixelrts._lib as L; print(pixelrts.library_path); print(L.lib().where)"
BENCH = "libpixelrts-bench.so.1"
# which libpixelrts-bench loads, from where, and whether it was mapped before it was needed
BENCH_PROBE = """
import pixelrts, pixelrts._lib as L
def mapped():
    with open("/proc/self/maps") as f:
        return "libpixelrts-bench" in f.read()
pixelrts.PixelRTSDecoder().decode(pixelrts.PixelRTSEncoder().encode(b"lazy"))
before = mapped()
pixelrts.PixelRTSBenchmark(output_dir="results")
print(pixelrts.bench_library_path)
print(L.bench("probe").where)
print("mapped before use: %s, after: %s" % (before, mapped()))
"""


def real_bench():
    from pixelrts import _lib
    return os.path.realpath(_lib.bench("test_loader").path)


class Loader(TempDirTest):
    def setUp(self):
        super().setUp()
        self.real = os.path.realpath(pixelrts.library_path)

    def probe(self, pythonpath, code=PROBE, **env):
        """Run `code` in a child with none of the variables that point at a library."""
        base = {k: v for k, v in os.environ.items()
                if k not in ("PIXELRTS_LIBRARY", "PIXELRTS_BUILD_DIR", "MESON_BUILD_ROOT",
                             "PIXELRTS_BENCH_LIBRARY", "PYTHONPATH", "LD_LIBRARY_PATH")}
        base.update(PYTHONPATH=pythonpath, PYTHONDONTWRITEBYTECODE="1", **env)
        return subprocess.run([sys.executable, "-c", code], env=base, cwd=self.dir,
                              capture_output=True, text=True)

    def package_copy(self, where):
        """The package alone, copied under `where` (no build tree around the checkout)."""
        dest = os.path.join(where, "site")
        shutil.copytree(os.path.join(support.BINDING, "pixelrts"),
                        os.path.join(dest, "pixelrts"))
        return dest

    def fake_build(self, where, name="build-x", bench=False):
        """A meson build folder whose lib/ holds (a link to) the real library, and with
        `bench` lib/bench/ (a link to) the real libpixelrts-bench."""
        build = os.path.join(where, name)
        os.makedirs(os.path.join(build, "meson-private"))
        os.makedirs(os.path.join(build, "lib"))
        os.symlink(self.real, os.path.join(build, "lib", "libpixelrts.so.1"))
        if bench:
            os.makedirs(os.path.join(build, "lib", "bench"))
            os.symlink(real_bench(), os.path.join(build, "lib", "bench", BENCH))
        return build

    def test_environment_variable_file_and_folder(self):
        site = self.package_copy(self.dir)
        proc = self.probe(site, PIXELRTS_LIBRARY=self.real)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.split(), [self.real, "$PIXELRTS_LIBRARY"])
        folder = os.path.dirname(self.real)
        proc = self.probe(site, PIXELRTS_LIBRARY=folder)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.split()[0], os.path.join(folder, "libpixelrts.so.1"))

    def test_environment_variable_wrong(self):
        site = self.package_copy(self.dir)
        fake_build = self.fake_build(self.dir)  # never used: an explicit choice is final
        missing = os.path.join(self.dir, "nope", "libpixelrts.so.1")
        proc = self.probe(site, PIXELRTS_LIBRARY=missing)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("ImportError: cannot load libpixelrts.so.1", proc.stderr)
        self.assertIn(missing + " ($PIXELRTS_LIBRARY)", proc.stderr)
        self.assertNotIn(fake_build, proc.stderr)

    def test_build_tree_of_the_checkout(self):
        # the package where a source checkout has it: <root>/bindings/python/pixelrts
        root = os.path.join(self.dir, "checkout")
        python = os.path.join(root, "bindings", "python")
        shutil.copytree(os.path.join(support.BINDING, "pixelrts"), os.path.join(python, "pixelrts"))
        with open(os.path.join(root, "meson.build"), "w") as f:
            f.write("project('pixelrts', 'c')\n")
        build = self.fake_build(root)
        os.makedirs(os.path.join(root, "build-not-meson", "lib"))  # no meson-private
        proc = self.probe(python)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.split(),
                         [os.path.join(build, "lib", "libpixelrts.so.1"), "build", "tree"])

    def test_installed_copy_ignores_build_folders_above_it(self):
        site = self.package_copy(self.dir)
        build = self.fake_build(self.dir)  # beside site-packages, not a checkout's
        proc = self.probe(site, PIXELRTS_BUILD_DIR=os.path.join(self.dir, "no-build"))
        self.assertNotIn(build, proc.stdout + proc.stderr)

    def test_build_dir_variable(self):
        site = self.package_copy(self.dir)
        elsewhere = tempfile.mkdtemp(prefix="prts-build-")
        try:
            build = self.fake_build(elsewhere, "b")
            for var in ("PIXELRTS_BUILD_DIR", "MESON_BUILD_ROOT"):
                proc = self.probe(site, **{var: build})
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertEqual(proc.stdout.split(),
                                 [os.path.join(build, "lib", "libpixelrts.so.1"), "$" + var])
        finally:
            shutil.rmtree(elsewhere)

    def test_package_copy_before_build_trees(self):
        # a wheel's package holds its own libpixelrts.so.1 (pip install: pyproject.toml)
        site = self.package_copy(self.dir)
        inside = os.path.join(site, "pixelrts", "libpixelrts.so.1")
        os.symlink(self.real, inside)
        build = self.fake_build(self.dir, "b")
        proc = self.probe(site, PIXELRTS_BUILD_DIR=build)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.split(), [inside, "inside", "the", "package"])
        # an explicit choice still wins
        lib = os.path.join(build, "lib", "libpixelrts.so.1")
        proc = self.probe(site, PIXELRTS_LIBRARY=lib)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.split(), [lib, "$PIXELRTS_LIBRARY"])

    def test_package_without_copy_not_listed(self):
        # the package of a checkout or of `meson install` holds no library: nothing to list
        # (no library anywhere near: the import fails listing every place tried, or loads a
        # system-wide one)
        site = self.package_copy(self.dir)
        proc = self.probe(site, PIXELRTS_BUILD_DIR=os.path.join(self.dir, "no-build"))
        if proc.returncode:
            self.assertIn("no-build", proc.stderr)
        self.assertNotIn("inside the package", proc.stdout + proc.stderr)
        self.assertNotIn(os.path.join(site, "pixelrts", "libpixelrts"), proc.stdout + proc.stderr)

    def test_nothing_found_names_every_place(self):
        site = self.package_copy(self.dir)
        installed = self.probe(site, "import ctypes.util; print(ctypes.util.find_library("
                                     "'pixelrts') or '')").stdout.strip()
        if installed:
            self.skipTest("a libpixelrts is installed on this system: %s" % installed)
        proc = self.probe(site, PIXELRTS_BUILD_DIR=os.path.join(self.dir, "no-build"))
        self.assertNotEqual(proc.returncode, 0)
        err = proc.stderr
        self.assertIn("cannot load libpixelrts.so.1; tried, in order:", err)
        self.assertIn(os.path.join(self.dir, "no-build", "lib", "libpixelrts.so.1") +
                      " ($PIXELRTS_BUILD_DIR)", err)
        self.assertIn("libpixelrts.so.1 (system library path", err)
        self.assertIn("PIXELRTS_LIBRARY", err)  # says how to choose one

    # ---- libpixelrts-bench ----------------------------------------------------------------

    def test_bench_environment_variable_and_laziness(self):
        site = self.package_copy(self.dir)
        bench = real_bench()
        for value in (bench, os.path.dirname(bench)):
            proc = self.probe(site, BENCH_PROBE, PIXELRTS_LIBRARY=self.real,
                              PIXELRTS_BENCH_LIBRARY=value)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            lines = proc.stdout.splitlines()
            self.assertEqual(os.path.realpath(lines[0]), bench)
            self.assertEqual(lines[1], "$PIXELRTS_BENCH_LIBRARY")
            self.assertEqual(lines[2], "mapped before use: False, after: True")

    def test_bench_environment_variable_wrong(self):
        site = self.package_copy(self.dir)
        missing = os.path.join(self.dir, "nope", BENCH)
        code = """
import os, pixelrts
os.mkdir("work")
os.chdir("work")
data = b"the rest of the binding works" * 100
assert pixelrts.PixelRTSDecoder().decode(pixelrts.PixelRTSEncoder().encode(data)) == data
for cls in (pixelrts.PixelRTSBenchmark, pixelrts.BenchmarkDashboard):
    try:
        cls()
    except RuntimeError as e:
        print(e)
    else:
        raise SystemExit("no RuntimeError from %s" % cls.__name__)
print(sorted(os.listdir(".")))
"""
        # the build tree beside it is not used: an explicit choice is final
        proc = self.probe(site, code, PIXELRTS_LIBRARY=self.real, PIXELRTS_BENCH_LIBRARY=missing)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = proc.stdout
        for name in ("PixelRTSBenchmark", "BenchmarkDashboard"):
            self.assertIn(name + " needs the benchmark API (prts_bench_new", out)
        self.assertIn("cannot load libpixelrts-bench.so.1; tried, in order:", out)
        self.assertIn(missing + " ($PIXELRTS_BENCH_LIBRARY)", out)
        self.assertIn("PIXELRTS_BENCH_LIBRARY at the file", out)
        self.assertNotIn("beside", out)
        self.assertTrue(out.rstrip().endswith("[]"), out)  # nothing created

    def test_bench_beside_libpixelrts(self):
        # PIXELRTS_LIBRARY alone: the bench library of the same build tree (lib/bench/)
        site = self.package_copy(self.dir)
        build = self.fake_build(self.dir, "b", bench=True)
        lib = os.path.join(build, "lib", "libpixelrts.so.1")
        proc = self.probe(site, BENCH_PROBE, PIXELRTS_LIBRARY=lib)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.splitlines(),
                         [os.path.join(build, "lib", "bench", BENCH), "beside " + lib,
                          "mapped before use: False, after: True"])
        # installed side by side (one folder)
        flat = os.path.join(self.dir, "flat")
        os.makedirs(flat)
        os.symlink(self.real, os.path.join(flat, "libpixelrts.so.1"))
        os.symlink(real_bench(), os.path.join(flat, BENCH))
        proc = self.probe(site, BENCH_PROBE, PIXELRTS_LIBRARY=flat)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.splitlines()[:2],
                         [os.path.join(flat, BENCH),
                          "beside " + os.path.join(flat, "libpixelrts.so.1")])

    def test_bench_package_copy(self):
        site = self.package_copy(self.dir)
        package = os.path.join(site, "pixelrts")
        os.symlink(self.real, os.path.join(package, "libpixelrts.so.1"))
        os.symlink(real_bench(), os.path.join(package, BENCH))
        build = self.fake_build(self.dir, "b", bench=True)
        # the wheel's libpixelrts loaded: its benchmarks are the ones beside it
        proc = self.probe(site, BENCH_PROBE, PIXELRTS_BUILD_DIR=build)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.splitlines(),
                         [os.path.join(package, BENCH),
                          "beside " + os.path.join(package, "libpixelrts.so.1"),
                          "mapped before use: False, after: True"])
        # a libpixelrts chosen by PIXELRTS_LIBRARY with no benchmarks beside it: the
        # package's copy still comes before the build trees
        flat = os.path.join(self.dir, "flat")
        os.makedirs(flat)
        os.symlink(self.real, os.path.join(flat, "libpixelrts.so.1"))
        proc = self.probe(site, BENCH_PROBE, PIXELRTS_LIBRARY=flat, PIXELRTS_BUILD_DIR=build)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.splitlines()[:2],
                         [os.path.join(package, BENCH), "inside the package"])

    def test_bench_build_tree_of_the_checkout(self):
        root = os.path.join(self.dir, "checkout")
        python = os.path.join(root, "bindings", "python")
        shutil.copytree(os.path.join(support.BINDING, "pixelrts"), os.path.join(python, "pixelrts"))
        with open(os.path.join(root, "meson.build"), "w") as f:
            f.write("project('pixelrts', 'c')\n")
        build = self.fake_build(root, bench=True)
        proc = self.probe(python, BENCH_PROBE)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.splitlines()
        self.assertEqual(lines[0], os.path.join(build, "lib", "bench", BENCH))
        self.assertEqual(lines[2], "mapped before use: False, after: True")

    def test_loaded_library(self):
        from pixelrts import _lib
        lib = _lib.lib()
        self.assertEqual(lib.version, pixelrts.library_version())
        self.assertEqual(lib.c.prts_version_number() // 10000, 1)
        self.assertEqual(os.path.realpath(lib.path), self.real)


if __name__ == "__main__":
    unittest.main()
