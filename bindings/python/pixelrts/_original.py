"""The original PixelRTS v2's module names, `pixel_compiler.<module>` and
`systems.pixel_compiler.<module>`, made at import time from one table, MODULES: which names of
which pixelrts modules each of them exports.

The packages pixel_compiler/ and systems/pixel_compiler/ hold only an __init__.py that calls
serve(); the import system then asks the finder installed here for their modules, and each is
run from the source that module_source() writes for it, e.g. for pixelrts_v2_core:

    from pixelrts.core import PixelRTSEncoder, PixelRTSDecoder, calculate_grid_size
    __all__ = ['PixelRTSEncoder', 'PixelRTSDecoder', 'calculate_grid_size']

A module exporting `main` also runs it under `python3 -m` (sys.exit(main())).  To export more
names, add them to MODULES; a new module is a new key.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import threading

# the packages serving the original's modules
PACKAGES = ("pixel_compiler", "systems.pixel_compiler")

# module of the original -> {pixelrts submodule: names taken from it}; "name=attr" exports the
# submodule's `attr` as `name`
MODULES = {
    "pixelrts_v2_core": {"core": ["PixelRTSEncoder", "PixelRTSDecoder", "calculate_grid_size",
                                  "HilbertCurve", "PixelRTSMetadata",
                                  "WASM_VISUALIZER_AVAILABLE", "COMPRESSION_AVAILABLE",
                                  "LAYOUT_AVAILABLE"]},
    # the original's pixelrts_mmap imported these three from pixelrts_v2_core
    "pixelrts_mmap": {"files": ["MMapPixelRTSEncoder", "MMapPixelRTSDecoder"],
                      "core": ["HilbertCurve", "PixelRTSMetadata", "calculate_grid_size"]},
    "pixelrts_parallel": {"parallel": ["EncodeResult", "ParallelPixelRTSEncoder",
                                       "parallel_decode_batch"]},
    "benchmark_pixelrts": {"bench": ["BenchmarkResult", "PixelRTSBenchmark"],
                           "cli": ["main=benchmark_main"]},
    "benchmark_dashboard": {"bench": ["BenchmarkDashboard"], "cli": ["main=dashboard_main"]},
    "pixelrts_cli": {"cli": ["cmd_convert", "cmd_info", "cmd_verify", "cmd_benchmark",
                             "cmd_dashboard", "build_parser", "main"]},
}


def exports(module):
    """[(exported name, pixelrts submodule, its attribute)] of a module of MODULES."""
    out = []
    for where, names in MODULES[module].items():
        for item in names:
            name, _, attr = item.partition("=")
            out.append((name, where, attr or name))
    return out


def module_source(module):
    """The Python source of the original's module `module` (a key of MODULES)."""
    lines = ['"""%s of the original PixelRTS v2, served by libpixelrts (see the pixelrts '
             'package)."""' % module, ""]
    for where in MODULES[module]:
        imported = ["%s as %s" % (attr, name) if attr != name else name
                    for name, w, attr in exports(module) if w == where]
        lines.append("from pixelrts.%s import %s" % (where, ", ".join(imported)))
    names = [name for name, _, _ in exports(module)]
    lines += ["", "__all__ = %r" % (names,)]
    if "main" in names:
        lines += ["", 'if __name__ == "__main__":', "    import sys", "", "    sys.exit(main())"]
    return "\n".join(lines) + "\n"


class _Loader(importlib.abc.InspectLoader):
    """Runs module_source() as the module (get_code also serves `python3 -m`)."""

    def is_package(self, fullname):
        return False

    def get_source(self, fullname):
        return module_source(fullname.rpartition(".")[2])

    def get_code(self, fullname):
        return compile(self.get_source(fullname), "<pixelrts._original: %s>" % fullname, "exec")


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        package, _, module = fullname.rpartition(".")
        if package in PACKAGES and module in MODULES:
            return importlib.util.spec_from_loader(fullname, _LOADER, origin="pixelrts._original")
        return None


_LOADER = _Loader()
_FINDER = _Finder()
_lock = threading.Lock()


def serve(package):
    """Called by the __init__ of each package of PACKAGES: installs the finder (once) and
    returns the package's module __getattr__, which imports its modules on first access
    (`import pixel_compiler; pixel_compiler.pixelrts_cli`)."""
    if package not in PACKAGES:
        raise ImportError("%s is not one of %s" % (package, ", ".join(PACKAGES)))
    with _lock:
        if _FINDER not in sys.meta_path:
            # first, so that a stale file left by an older install cannot shadow the table
            sys.meta_path.insert(0, _FINDER)

    def __getattr__(name):
        if name in MODULES:
            return importlib.import_module(package + "." + name)
        raise AttributeError("module %r has no attribute %r" % (package, name))
    return __getattr__
