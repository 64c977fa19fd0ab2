"""pixelrts: Python binding of libpixelrts (PixelRTS v2: any file <-> .rts.png), through ctypes.

It reproduces the API of the original PixelRTS v2 Python implementation as its performance
guide documents it, on top of the C library; code written for the original runs unchanged
through the re-export packages `pixel_compiler.<module>` and `systems.pixel_compiler.<module>`
(pixelrts_v2_core, pixelrts_mmap, pixelrts_parallel, benchmark_pixelrts, benchmark_dashboard,
pixelrts_cli; made from one table, pixelrts._original.MODULES).  The standard library is all it
needs at run time.  Its constants, enums and ctypes prototypes are generated from the C headers
(pixelrts._api, by bindings/python/gen_cdef.py).

The shared library is looked for in $PIXELRTS_LIBRARY, then in a build tree, then on the
system library path (see pixelrts._lib); `pixelrts.library_path` tells which was loaded.
PixelRTSBenchmark and BenchmarkDashboard also need libpixelrts-bench.so.1, loaded on their
first use ($PIXELRTS_BENCH_LIBRARY, beside libpixelrts, ...); `pixelrts.bench_library_path`
loads it and tells which.
"""

from . import _lib
from .bench import BenchmarkDashboard, BenchmarkResult, PixelRTSBenchmark
from .core import (HilbertCurve, PixelRTSDecoder, PixelRTSEncoder, PixelRTSMetadata,
                   calculate_grid_size)
from .errors import (HashMismatchError, PixelRTSError, PixelRTSFileNotFoundError,
                     PixelRTSMemoryError, PixelRTSOSError, PixelRTSRuntimeError,
                     PixelRTSValueError, Status)
from .extras import backends, cffi_cdef, library_version, wasm_histogram
from .files import MMapPixelRTSDecoder, MMapPixelRTSEncoder
from .parallel import EncodeResult, ParallelPixelRTSEncoder, parallel_decode_batch

_loaded = _lib.lib()  # fail at import, naming every place looked, rather than at first use
library_path = _loaded.path
__version__ = "1.0.0"

__all__ = [
    "PixelRTSEncoder", "PixelRTSDecoder", "calculate_grid_size", "HilbertCurve",
    "PixelRTSMetadata",
    "MMapPixelRTSEncoder", "MMapPixelRTSDecoder",
    "ParallelPixelRTSEncoder", "parallel_decode_batch", "EncodeResult",
    "PixelRTSBenchmark", "BenchmarkDashboard", "BenchmarkResult",
    "PixelRTSError", "PixelRTSValueError", "HashMismatchError", "PixelRTSFileNotFoundError",
    "PixelRTSOSError", "PixelRTSMemoryError", "PixelRTSRuntimeError", "Status",
    "backends", "cffi_cdef", "library_version", "wasm_histogram", "library_path",
    "bench_library_path",
]


def __getattr__(name):
    # bench_library_path: libpixelrts-bench is loaded on demand, not at import
    if name == "bench_library_path":
        return _lib.bench("pixelrts.bench_library_path").path
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
