"""Library facts beyond the guide: version, backends, the code-mode WASM opcode histogram."""

import ctypes

from . import _api, _lib
from ._handles import address_of, byte_view
from .errors import make_error

__all__ = ["library_version", "backends", "wasm_histogram", "cffi_cdef"]


def library_version():
    """Version string of the libpixelrts actually loaded, e.g. "1.0.0"."""
    return _lib.lib().version


def backends():
    """The pixel backends compiled in: dicts name, available (runs here), reason (why not),
    device (what it runs on here)."""
    c = _lib.lib().c
    out = []
    for i in range(c.prts_backend_count()):
        name = c.prts_backend_name(i)
        buf = ctypes.create_string_buffer(256)
        ok = c.prts_backend_probe(name, buf, len(buf)) == 0
        entry = {"name": name.decode("ascii"), "available": ok,
                 "reason": None if ok else buf.value.decode("utf-8", "replace")}
        if ok and c.prts_backend_describe(name, buf, len(buf)) == 0:
            entry["device"] = buf.value.decode("utf-8", "replace")
        out.append(entry)
    return out


def wasm_histogram(data):
    """How code mode would classify `data`: {category name: count of 4-byte groups by the
    category of their first byte} (docs/format.md section 6)."""
    c = _lib.lib().c
    counts = (ctypes.c_uint64 * _api.PRTS_WASM_CATEGORY_COUNT)()
    addressed = address_of(data)
    if addressed is None:
        data = byte_view(data).tobytes()
        addressed = address_of(data)
    rc = c.prts_wasm_histogram(addressed[0], addressed[1], counts)
    if rc < 0:
        raise make_error(rc, c.prts_strerror(rc).decode("ascii"))
    return {c.prts_wasm_category_name(i).decode("ascii"): counts[i]
            for i in range(_api.PRTS_WASM_CATEGORY_COUNT)}


def cffi_cdef(bench=False):
    """The declarations of pixelrts.h as cffi's ffi.cdef() takes them:

        ffi = cffi.FFI(); ffi.cdef(pixelrts.cffi_cdef()); lib = ffi.dlopen(pixelrts.library_path)

    bench=True: those of pixelrts/bench.h (libpixelrts-bench), to declare in the same FFI:

        ffi.cdef(pixelrts.cffi_cdef(bench=True))
        bench = ffi.dlopen(pixelrts.bench_library_path)  # its strings: lib.prts_free
    """
    import os
    name = "_cdef_bench.h" if bench else "_cdef.h"
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name)) as f:
        return f.read()
