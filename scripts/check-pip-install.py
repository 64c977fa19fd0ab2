#!/usr/bin/python3
"""check-pip-install.py SOURCE_ROOT [BUILD_ROOT]: `pip install` of the checkout, as a user does it.

In a scratch folder: a virtual environment of Debian's python3 (--system-site-packages: the
build backend, python3-mesonpy, and meson are Debian packages; no package index is reachable),
`pip install --no-build-isolation` of the checkout, and then, from a folder outside the
checkout with no PYTHONPATH and none of the variables that point the binding at a library:

- the files installed are exactly the packages of bindings/python plus
  pixelrts/libpixelrts.so.1 and pixelrts/libpixelrts-bench.so.1 (nothing else: no headers, no
  CLI, no build folder of the checkout);
- a round trip through the package (bytes -> PNG -> bytes, in memory and through a file) with
  the library loaded from inside the installed package, and a benchmark with the package's
  libpixelrts-bench;
- the package's libpixelrts-bench, loaded on its own, finds the libpixelrts beside it;
- one of the guide's examples (test/python/pixelrts-v2-performance-guide.md, the Quick Start
  that encodes, maps and decodes through pixel_compiler), unchanged, and the files it wrote.

pip 23 builds a local folder in place, and meson-python 0.12 writes into the folder it builds
(its .mesonpy-native-file.ini, a .mesonpy-XXXX working folder): the checkout is built from a
copy of its files (its build folders and .git left out), which leaves it untouched and keeps
runs of the suite from two build folders apart.

Exit status 77 (meson: skipped) when python3-mesonpy or python3-venv is missing.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
PACKAGES = ("pixelrts", "pixel_compiler", "systems")
LIBRARIES = ("pixelrts/libpixelrts.so.1", "pixelrts/libpixelrts-bench.so.1")
# the guide's example: the Quick Start block of the pixel_compiler names that ends decoding
GUIDE_SECTION = "Python API Quick Start"
GUIDE_MARK = "from pixel_compiler.pixelrts_mmap import MMapPixelRTSDecoder"


def fail(message):
    print("check-pip-install: FAIL: " + message, flush=True)
    sys.exit(1)


def missing_tools():
    """Why pip cannot build here (a Debian package missing), or None."""
    import importlib.util
    for module, package in (("mesonpy", "python3-mesonpy"), ("venv", "python3-venv"),
                            ("ensurepip", "python3-venv")):
        if importlib.util.find_spec(module) is None:
            return "%s cannot import %s (Debian: apt-get install %s; scripts/test.sh does)" % (
                sys.executable, module, package)
    return None


def clean_env(venv):
    """The environment of a user who activated the venv: none of the variables that point the
    binding or meson at this build."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIXELRTS_", "MESON", "PYTHON"))
           and k not in ("LD_LIBRARY_PATH", "PRTS_VECTORS", "VIRTUAL_ENV")}
    env["PATH"] = os.path.join(venv, "bin") + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    env["VIRTUAL_ENV"] = venv
    return env


def run(args, env, cwd, what):
    start = time.monotonic()
    proc = subprocess.run(args, env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    print("== %s (%.1f s, exit %d)" % (what, time.monotonic() - start, proc.returncode))
    print(proc.stdout, end="", flush=True)
    if proc.returncode:
        fail("%s: exit status %d" % (what, proc.returncode))
    return proc.stdout


def copy_checkout(root, build_root, dest):
    """The checkout's files, without its build folders (build*/ at the top, the meson build
    running this test wherever it is), .git, meson-python's leftovers or __pycache__."""
    skip_top = (".git",)
    build_root = os.path.realpath(build_root) if build_root else None

    def ignore(folder, names):
        out = {n for n in names if n == "__pycache__"
               or build_root and os.path.realpath(os.path.join(folder, n)) == build_root}
        if os.path.realpath(folder) == os.path.realpath(root):
            out |= {n for n in names if n.startswith(("build", ".mesonpy-")) or n in skip_top}
        return out

    shutil.copytree(root, dest, symlinks=True, ignore=ignore)


def package_files(root):
    """The files of bindings/python's packages, as paths relative to site-packages."""
    base = os.path.join(root, "bindings", "python")
    out = set()
    for package in PACKAGES:
        for folder, subfolders, files in os.walk(os.path.join(base, package)):
            subfolders[:] = [d for d in subfolders if d != "__pycache__"]
            out |= {os.path.relpath(os.path.join(folder, f), base) for f in files}
    return out


ROUND_TRIP = r"""
import json, random, sys
import pixelrts, pixelrts._lib as L
from pixelrts import PixelRTSDecoder, PixelRTSEncoder

data = random.Random(19).randbytes(300001) + bytes(70000)
png = PixelRTSEncoder().encode(data)
assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:8]
assert PixelRTSDecoder().decode(png) == data, "in-memory round trip differs"
PixelRTSEncoder().save(data, "round.rts.png", metadata={"type": "test"})
assert PixelRTSDecoder().load("round.rts.png", verify_hash=True) == data, "file round trip differs"
result = pixelrts.PixelRTSBenchmark("results").benchmark_encode_decode(4096, iterations=1)
print(json.dumps({"module": pixelrts.__file__, "library": pixelrts.library_path,
                  "where": L.lib().where, "bench": pixelrts.bench_library_path,
                  "test": result["test_name"], "sys_path": sys.path}))
"""

# libpixelrts-bench alone (no `import pixelrts`): which libpixelrts.so.1 the dynamic linker
# maps for it
BENCH_ALONE = r"""
import ctypes, json, sys
ctypes.CDLL(sys.argv[1])
with open("/proc/self/maps") as f:
    print(json.dumps(sorted({line.split()[-1] for line in f if "libpixelrts.so" in line})))
"""

CHECK_GUIDE_OUTPUTS = r"""
from pixel_compiler.pixelrts_v2_core import PixelRTSDecoder
from pixel_compiler.pixelrts_mmap import MMapPixelRTSDecoder
def read(p):
    with open(p, "rb") as f:
        return f.read()
assert PixelRTSDecoder().load("kernel.rts.png", verify_hash=True) == read("kernel.bin")
MMapPixelRTSDecoder().decode_file("huge.rts.png", "huge.out", verify_hash=True)
assert read("huge.out") == read("huge_file.bin")
print("kernel.rts.png and huge.rts.png decode to their inputs")
"""


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    root = os.path.realpath(sys.argv[1])
    build_root = sys.argv[2] if len(sys.argv) == 3 else None
    reason = missing_tools()
    if reason:
        print("SKIP: " + reason)
        return SKIP
    if shutil.which("patchelf") is None:
        fail("patchelf is missing: the wheel's libraries are made with it (Debian: apt-get "
             "install patchelf; scripts/test.sh does)")

    sys.path.insert(0, os.path.join(root, "test", "python"))
    import guide  # the guide's blocks and fixtures (this process never imports pixelrts)
    blocks = [b for b in guide.blocks("python")
              if b.section == GUIDE_SECTION and GUIDE_MARK in b.code]
    if len(blocks) != 1:
        fail("the guide has %d %r blocks with %r, expected one" % (len(blocks), GUIDE_SECTION,
                                                                   GUIDE_MARK))
    example = blocks[0]

    scratch = tempfile.mkdtemp(prefix="prts-pip-")
    try:
        source = os.path.join(scratch, "pixelrts-src")
        venv = os.path.join(scratch, "venv")
        work = os.path.join(scratch, "work")
        os.mkdir(work)
        copy_checkout(root, build_root, source)
        env = clean_env(venv)
        run([sys.executable, "-m", "venv", "--system-site-packages", venv], env, work,
            "python3 -m venv --system-site-packages")
        python = os.path.join(venv, "bin", "python")
        # --no-index: offline (nothing to fetch: no dependencies, the backend is Debian's);
        # --no-cache-dir: built here, not taken from or left in ~/.cache/pip
        run([python, "-m", "pip", "install", "--no-build-isolation", "--no-index",
             "--no-cache-dir", "--disable-pip-version-check", source], env, work,
            "pip install --no-build-isolation (the checkout)")

        site = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])"],
                   env, work, "site-packages").strip()
        site_real = os.path.realpath(site)
        if not site_real.startswith(os.path.realpath(venv) + os.sep):
            fail("site-packages %s is not the venv's" % site)

        # ---- what was installed ----
        infos = [n for n in os.listdir(site) if n.startswith("pixelrts-")
                 and n.endswith(".dist-info")]
        if len(infos) != 1:
            fail("expected one pixelrts-*.dist-info in %s, found %s" % (site, infos))
        with open(os.path.join(site, infos[0], "RECORD")) as f:
            record = [line.rsplit(",", 2)[0] for line in f if line.strip()]
        installed = {p for p in record
                     if not p.startswith(infos[0] + "/") and "/__pycache__/" not in p}
        expected = package_files(root) | set(LIBRARIES)
        if installed != expected:
            fail("installed files differ from the packages + their libraries:\n  extra: %s\n"
                 "  missing: %s" % (sorted(installed - expected), sorted(expected - installed)))
        print("installed: %d files, the packages and %s" % (len(installed), ", ".join(LIBRARIES)))

        # ---- round trip, from outside the checkout ----
        out = run([python, "-c", ROUND_TRIP], env, work, "round trip through the package")
        got = json.loads(out.strip().splitlines()[-1])
        package = os.path.join(site_real, "pixelrts")
        if os.path.dirname(os.path.realpath(got["module"])) != package:
            fail("imported pixelrts from %s, not %s" % (got["module"], package))
        in_checkout = [p for p in got["sys_path"] if p and (
            os.path.realpath(p) == root or os.path.realpath(p).startswith(root + os.sep))]
        if in_checkout:
            fail("the checkout is on sys.path: %s" % in_checkout)
        if os.path.realpath(got["library"]) != os.path.join(package, "libpixelrts.so.1") \
                or got["where"] != "inside the package":
            fail("loaded %s (%s), not the package's libpixelrts.so.1" % (got["library"],
                                                                          got["where"]))
        if os.path.realpath(got["bench"]) != os.path.join(package, "libpixelrts-bench.so.1") \
                or got["test"] != "encode_decode_random_4KB":
            fail("the benchmark ran on %s (%s)" % (got["bench"], got["test"]))
        print("library: %s (%s); bench: %s" % (got["library"], got["where"], got["bench"]))

        out = run([python, "-c", BENCH_ALONE, os.path.join(package, "libpixelrts-bench.so.1")],
                  env, work, "libpixelrts-bench.so.1 loaded alone")
        mapped = [os.path.realpath(p) for p in json.loads(out.strip().splitlines()[-1])]
        if mapped != [os.path.join(package, "libpixelrts.so.1")]:
            fail("libpixelrts-bench.so.1 alone mapped %s, not the libpixelrts beside it" % mapped)

        # ---- the guide's example, unchanged ----
        guide.make_fixtures(work)
        script = os.path.join(work, "guide_example.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(example.code)
        run([python, script], env, work, "the guide's example at line %d" % example.line)
        with open(os.path.join(work, "recovered.bin"), "rb") as f:
            recovered = f.read()
        with open(os.path.join(root, "test", "vectors", "meta-kernel.bin"), "rb") as f:
            if recovered != f.read():
                fail("recovered.bin differs from test/vectors/meta-kernel.bin")
        run([python, "-c", CHECK_GUIDE_OUTPUTS], env, work, "the example's outputs")
        print("pip install: OK")
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
