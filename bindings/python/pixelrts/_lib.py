"""Finding and loading libpixelrts.so.1 (and libpixelrts-bench.so.1), and the ctypes prototypes
of their C APIs (generated from the headers: see _api.py and gen_cdef.py).

Where libpixelrts is looked for, in this order (the first that loads wins):

1. ``$PIXELRTS_LIBRARY``: the path of the shared library (or of a folder holding
   ``libpixelrts.so.1``);
2. the copy inside this package (``pixelrts/libpixelrts.so.1``), which a wheel carries
   (``pip install .``: pyproject.toml, -Dpython_wheel=true); a checkout's package and the one
   ``meson install`` lays out have none;
3. a build tree: ``$PIXELRTS_BUILD_DIR`` or ``$MESON_BUILD_ROOT`` (a meson build folder), then,
   when this package is the one in a source checkout (``<root>/bindings/python/pixelrts``), the
   ``<root>/build*/`` meson build folders (the newest library first), as
   ``<build>/lib/libpixelrts.so.1``; an installed copy never looks in the folders above it;
4. the system: ``ctypes.util.find_library("pixelrts")`` and plain ``libpixelrts.so.1``
   (``LD_LIBRARY_PATH``, the ld.so cache, the default folders).

When none loads, ImportError names every place tried and why each failed.

The benchmarks (pixelrts/bench.h) are a library of their own, libpixelrts-bench.so.1, loaded
only when PixelRTSBenchmark or BenchmarkDashboard is first used (bench()), the same way:
``$PIXELRTS_BENCH_LIBRARY`` (file or folder; final), else beside the libpixelrts loaded (its
folder, or that folder's ``bench/`` in a build tree), then the copy inside this package, then
the build trees as
``<build>/lib/bench/libpixelrts-bench.so.1``, then the system (``find_library("pixelrts-bench")``,
plain ``libpixelrts-bench.so.1``).  When none loads, those classes raise RuntimeError naming
every place tried; the rest of the binding does not need it.
"""

import ctypes
import ctypes.util
import os
import threading

from . import _api

SONAME = "libpixelrts.so.1"
BENCH_SONAME = "libpixelrts-bench.so.1"

# The prototypes of every function (argtypes/restype), the callback types and the constants
# are generated from include/pixelrts/pixelrts.h and bench.h into _api.py (gen_cdef.py).
ABI_MAJOR = _api.PRTS_VERSION_MAJOR


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def _file_of(fn, fallback):
    """The file the dynamic linker actually loaded (for a library found by its soname), via
    dladdr on one of its functions; `fallback` where that cannot be asked."""
    try:
        dladdr = ctypes.CDLL(None).dladdr
    except (OSError, AttributeError):
        return fallback
    dladdr.argtypes = (ctypes.c_void_p, ctypes.POINTER(_DlInfo))
    dladdr.restype = ctypes.c_int
    info = _DlInfo()
    if dladdr(ctypes.cast(fn, ctypes.c_void_p), ctypes.byref(info)) and info.dli_fname:
        return os.fsdecode(info.dli_fname)
    return fallback


def _package_copy(soname):
    """The library `soname` inside this package (a wheel's), as a candidate, or none: a
    checkout's package and the one `meson install` lays out hold no library, and a place that
    cannot hold one is not worth listing among those tried."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), soname)
    return [(path, "inside the package")] if os.path.exists(path) else []


def _is_meson_build(folder):
    return os.path.isdir(os.path.join(folder, "meson-private"))


def _source_root():
    """The source checkout this package lies in, or None.  Only a checkout's own build
    folders are candidates: an installed copy (site-packages) walking up its parents would
    load whatever build folder happens to lie above it."""
    python = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bindings = os.path.dirname(python)
    root = os.path.dirname(bindings)
    if (os.path.basename(python) == "python" and os.path.basename(bindings) == "bindings"
            and os.path.isfile(os.path.join(root, "meson.build"))):
        return root
    return None


def _build_tree_candidates(relpath=("lib", SONAME)):
    """Library paths (`relpath` in a build folder) in build trees, best first, each with where
    it came from."""
    out = []
    for var in ("PIXELRTS_BUILD_DIR", "MESON_BUILD_ROOT"):
        root = os.environ.get(var)
        if root:
            out.append((os.path.join(root, *relpath), "$" + var))
    root = _source_root()
    try:
        names = sorted(os.listdir(root)) if root else []
    except OSError:
        names = []
    builds = []
    for name in names:
        path = os.path.join(root, name)
        lib = os.path.join(path, *relpath)
        if name.startswith("build") and _is_meson_build(path) and os.path.exists(lib):
            builds.append(lib)
    # several builds side by side: the one built last is the one being worked on
    builds.sort(key=lambda p: os.stat(p).st_mtime, reverse=True)
    out.extend((lib, "build tree") for lib in builds)
    return out


def _candidates():
    env = os.environ.get("PIXELRTS_LIBRARY")
    if env:
        path = os.path.join(env, SONAME) if os.path.isdir(env) else env
        # An explicit choice is final: falling back to another copy would hide a mistake.
        return [(path, "$PIXELRTS_LIBRARY")]
    # the wheel's own copy, built with this very binding, before any other on the machine
    out = _package_copy(SONAME) + _build_tree_candidates()
    found = ctypes.util.find_library("pixelrts")
    if found:
        out.append((found, "ctypes.util.find_library('pixelrts')"))
    out.append((SONAME, "system library path (LD_LIBRARY_PATH, ld.so cache)"))
    return out


def _declare(cdll, table):
    missing = []
    for name, (restype, argtypes) in table.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    return missing


class Library:
    """The loaded libpixelrts: `.c` is the ctypes CDLL with every prototype declared, `.path`
    the file loaded, `.where` which rule found it."""

    def __init__(self, cdll, path, where):
        self.c = cdll
        self.where = where
        self.path = path
        missing = _declare(cdll, _api.FUNCTIONS)
        if missing:
            raise ImportError("%s (%s) lacks %s: it is not a libpixelrts %d.x this binding "
                              "can use" % (path, where, ", ".join(missing), ABI_MAJOR))
        self.path = _file_of(cdll.prts_version_string, path)
        self.version = cdll.prts_version_string().decode("ascii")
        if cdll.prts_version_number() // 10000 != ABI_MAJOR:
            raise ImportError("%s (%s) is libpixelrts %s; this binding needs %d.x"
                              % (path, where, self.version, ABI_MAJOR))

    def take_bytes(self, ptr, n):
        """n bytes at ptr, allocated by the library, released with prts_free."""
        try:
            return ctypes.string_at(ptr, n) if n else b""
        finally:
            if ptr:
                self.c.prts_free(ptr)

    def take_string(self, ptr):
        """Text of a char * the library allocated, released with prts_free."""
        if not ptr:
            return None
        try:
            return ctypes.string_at(ptr).decode("utf-8")
        finally:
            self.c.prts_free(ptr)


def load():
    tried = []
    for path, where in _candidates():
        try:
            cdll = ctypes.CDLL(path)
        except OSError as e:
            tried.append("  %s (%s): %s" % (path, where, e))
            continue
        return Library(cdll, path, where)
    raise ImportError("cannot load %s; tried, in order:\n%s\nBuild libpixelrts (meson setup build "
                      "&& ninja -C build), install it (meson install -C build, or pip install "
                      "--no-build-isolation . for the binding with its own copy), or point "
                      "PIXELRTS_LIBRARY at the file." % (SONAME, "\n".join(tried)))


_lock = threading.Lock()
_library = None


def lib():
    """The process-wide Library, loaded on first use."""
    global _library
    if _library is None:
        with _lock:
            if _library is None:
                _library = load()
    return _library


# ---------------------------------------------------------------------------------------------
# libpixelrts-bench

class BenchLibrary:
    """The loaded libpixelrts-bench: `.c` is its ctypes CDLL with the prts_bench_* prototypes
    declared, `.path` the file loaded, `.where` which rule found it.  It runs on the
    libpixelrts already loaded (the dynamic linker binds its libpixelrts.so.1 to that one):
    strings it returns are freed with lib().take_string."""

    def __init__(self, cdll, path, where):
        self.c = cdll
        self.where = where
        missing = _declare(cdll, _api.BENCH_FUNCTIONS)
        if missing:
            raise OSError("lacks %s: not a libpixelrts-bench %d.x" % (", ".join(missing),
                                                                      ABI_MAJOR))
        self.path = _file_of(cdll.prts_bench_new, path)


def _bench_candidates(main_path):
    env = os.environ.get("PIXELRTS_BENCH_LIBRARY")
    if env:
        path = os.path.join(env, BENCH_SONAME) if os.path.isdir(env) else env
        # An explicit choice is final, as for PIXELRTS_LIBRARY.
        return [(path, "$PIXELRTS_BENCH_LIBRARY")]
    # first the one that goes with the libpixelrts loaded: installed side by side (a wheel's
    # libpixelrts loaded from this package: the package's copy), or in the same build tree
    # (<build>/lib/bench/); then this package's copy, ahead of the places further away, as
    # for libpixelrts (but after the first: a libpixelrts chosen by $PIXELRTS_LIBRARY keeps
    # the benchmarks of its own build)
    here = os.path.dirname(main_path)
    out = [(os.path.join(here, BENCH_SONAME), "beside " + main_path),
           (os.path.join(here, "bench", BENCH_SONAME), "beside " + main_path)] if here else []
    for c in _package_copy(BENCH_SONAME) + _build_tree_candidates(("lib", "bench", BENCH_SONAME)):
        if c[0] not in (p for p, _ in out):
            out.append(c)
    found = ctypes.util.find_library("pixelrts-bench")
    if found:
        out.append((found, "ctypes.util.find_library('pixelrts-bench')"))
    out.append((BENCH_SONAME, "system library path (LD_LIBRARY_PATH, ld.so cache)"))
    return out


def load_bench():
    """(BenchLibrary, None), or (None, the places tried and why each failed)."""
    main = lib()
    tried = []
    for path, where in _bench_candidates(main.path):
        if where.startswith("beside") and not os.path.exists(path):
            continue  # one of the two layouts is always absent: not worth listing
        try:
            return BenchLibrary(ctypes.CDLL(path), path, where), None
        except OSError as e:
            tried.append("  %s (%s): %s" % (path, where, e))
    return None, tried


_bench_library = None
_bench_tried = None


def bench_unavailable():
    """None when libpixelrts-bench is loaded (loading it on first call), else why not: every
    place tried."""
    global _bench_library, _bench_tried
    if _bench_library is None and _bench_tried is None:
        with _lock:
            if _bench_library is None and _bench_tried is None:
                _bench_library, _bench_tried = load_bench()
    if _bench_library is not None:
        return None
    return "cannot load %s; tried, in order:\n%s" % (BENCH_SONAME, "\n".join(_bench_tried))


def bench(what):
    """The process-wide BenchLibrary, loaded on first use; RuntimeError saying that `what`
    needs it, and every place tried, when it cannot be loaded."""
    reason = bench_unavailable()
    if reason:
        raise RuntimeError(
            "%s needs the benchmark API (prts_bench_new ..., pixelrts/bench.h), which lives in "
            "libpixelrts-bench: %s\nBuild it (ninja -C build), install it (meson install -C "
            "build), or point PIXELRTS_BENCH_LIBRARY at the file." % (what, reason))
    return _bench_library
