"""Where the binding finds libpixelrts.so.1: $PIXELRTS_LIBRARY, then build trees, then the
system; and the error naming every place tried.  Each case imports the package in a child
interpreter with its own environment."""

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


class Loader(TempDirTest):
    def setUp(self):
        super().setUp()
        self.real = os.path.realpath(pixelrts.library_path)

    def probe(self, pythonpath, code=PROBE, **env):
        """Run `code` in a child with none of the variables that point at a library."""
        base = {k: v for k, v in os.environ.items()
                if k not in ("PIXELRTS_LIBRARY", "PIXELRTS_BUILD_DIR", "MESON_BUILD_ROOT",
                             "PYTHONPATH", "LD_LIBRARY_PATH")}
        base.update(PYTHONPATH=pythonpath, PYTHONDONTWRITEBYTECODE="1", **env)
        return subprocess.run([sys.executable, "-c", code], env=base, cwd=self.dir,
                              capture_output=True, text=True)

    def package_copy(self, where):
        """The package alone, copied under `where` (no build tree around the checkout)."""
        dest = os.path.join(where, "site")
        shutil.copytree(os.path.join(support.BINDING, "pixelrts"),
                        os.path.join(dest, "pixelrts"))
        return dest

    def fake_build(self, where, name="build-x"):
        """A meson build folder whose lib/ holds (a link to) the real library."""
        build = os.path.join(where, name)
        os.makedirs(os.path.join(build, "meson-private"))
        os.makedirs(os.path.join(build, "lib"))
        os.symlink(self.real, os.path.join(build, "lib", "libpixelrts.so.1"))
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

    def test_loaded_library(self):
        from pixelrts import _lib
        lib = _lib.lib()
        self.assertEqual(lib.version, pixelrts.library_version())
        self.assertEqual(lib.c.prts_version_number() // 10000, 1)
        self.assertEqual(os.path.realpath(lib.path), self.real)


if __name__ == "__main__":
    unittest.main()
