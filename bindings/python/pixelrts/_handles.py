"""Thin owners of the C handles (encoder, decoder, batch, benchmark) and buffer plumbing.

Everything here maps one-to-one onto pixelrts.h (the benchmark handle onto pixelrts/bench.h, of
libpixelrts-bench); the public classes of the guide are built on
top of it in core.py, files.py, parallel.py and bench.py.  Bytes cross the FFI without copies
where ctypes allows: bytes and writable buffers are passed by address, the library pulls
decoded payloads straight into the result object, and callbacks move whole chunks (256 KiB
reads; writes as large as the PNG encoder emits them), never a byte at a time.
"""

import ctypes
import functools
import json
import sys
import threading
import weakref

from . import _api, _lib
from .errors import PixelRTSError, PixelRTSRuntimeError, Status, make_error


# The enums of pixelrts.h, generated from the header (_api.py): the names this module has
# always exported, as aliases.
Option = _api.Option            # prts_option
Info = _api.InfoKey             # prts_info_key
Verify = _api.Verify            # prts_verify: values of Option.VERIFY_HASH
MetadataSource = _api.MetadataSource
BATCH_ENCODE, BATCH_DECODE = _api.BatchKind.ENCODE, _api.BatchKind.DECODE


def verify_option(verify_hash):
    """Option.VERIFY_HASH for the guide's verify_hash flag: True requires the hash (a file
    without data_hash is refused), False still checks it wherever the metadata has one."""
    return Verify.REQUIRED if verify_hash else Verify.IF_PRESENT


MODES = {"standard": _api.Mode.STANDARD, "code": _api.Mode.CODE}
# The original also took "auto" and "zstd-h5"; both produced a zlib stream (docs/format.md
# section 7), so both mean zlib here (labelled "zlib", which the original reads too).
COMPRESSIONS = {None: _api.PayloadCodec.NONE, "none": _api.PayloadCodec.NONE,
                "zlib": _api.PayloadCodec.ZLIB, "zstd": _api.PayloadCodec.ZSTD,
                "auto": _api.PayloadCodec.ZLIB, "zstd-h5": _api.PayloadCodec.ZLIB}
# Read-only buffers that are not bytes cannot be addressed through ctypes: they cross in
# slices of this size through one bounce buffer.
BOUNCE_SIZE = 8 << 20


def to_json(obj, what):
    """UTF-8 JSON of a dict for the library (None stays None)."""
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise TypeError("%s must be a dict, not %s" % (what, type(obj).__name__))
    return json.dumps(obj, ensure_ascii=False, allow_nan=False).encode("utf-8")


def fspath_bytes(path):
    """A path as the bytes the C library opens (any str, bytes or os.PathLike)."""
    import os
    return os.fsencode(path)


# ---------------------------------------------------------------------------------------------
# Buffers

def address_of(data):
    """(address, length, keepalive) of a contiguous buffer, or None when ctypes cannot
    address it without a copy (a read-only buffer that is not a whole bytes object)."""
    if isinstance(data, bytes):
        keep = ctypes.c_char_p(data)  # points into the bytes object itself
        return ctypes.cast(keep, ctypes.c_void_p).value or 0, len(data), (data, keep)
    mv = memoryview(data)
    if not mv.c_contiguous:
        return None
    n = mv.nbytes
    if not mv.readonly:
        arr = (ctypes.c_char * n).from_buffer(mv)
        return ctypes.addressof(arr), n, (mv, arr)
    if isinstance(mv.obj, bytes) and n == len(mv.obj):
        return address_of(mv.obj)
    return None


def byte_view(data):
    """A flat read-only memoryview of bytes over any buffer (TypeError for str and the like)."""
    if isinstance(data, str):
        raise TypeError("data must be bytes-like, not str")
    mv = memoryview(data)
    if not mv.c_contiguous:
        mv = memoryview(mv.tobytes())
    if mv.ndim != 1 or mv.format not in ("B", "b", "c"):
        mv = mv.cast("B")
    return mv


def _new_bytes_writer():
    """PyBytes_FromStringAndSize(NULL, n): a fresh bytes object the library may fill in
    place (nobody else holds it yet), so a decoded payload is not copied again."""
    try:
        fn = ctypes.pythonapi.PyBytes_FromStringAndSize
    except AttributeError:  # not CPython
        return None
    fn.restype = ctypes.py_object
    fn.argtypes = (ctypes.c_void_p, ctypes.c_ssize_t)
    return fn


_new_bytes = _new_bytes_writer()
# Below this size the copy of a bytearray into bytes costs less than thinking about it.
IN_PLACE_MIN = 1 << 16


class OutBuffer:
    """n bytes the library writes into by address; result() gives them as bytes."""

    def __init__(self, n):
        self.n = n
        if _new_bytes is not None and n >= IN_PLACE_MIN:
            self.obj = _new_bytes(None, n)
            self._keep = ctypes.c_char_p(self.obj)
            self.address = ctypes.cast(self._keep, ctypes.c_void_p).value
        else:
            self.obj = bytearray(n)
            self._keep = (ctypes.c_char * n).from_buffer(self.obj) if n else None
            self.address = ctypes.addressof(self._keep) if n else 0

    def writable(self):
        """The whole buffer as a writable ctypes array (for readinto)."""
        return (ctypes.c_char * self.n).from_address(self.address)

    def result(self):
        self._keep = None
        return self.obj if isinstance(self.obj, bytes) else bytes(self.obj)


def c_view(address, n):
    """A ctypes array over n bytes at address (readable by file.write, BytesIO.write)."""
    return (ctypes.c_char * n).from_address(address)


# ---------------------------------------------------------------------------------------------
# Callbacks.  An exception raised inside one is kept and re-raised after the C call returns.
# Python also runs pending signal handlers when a callback starts, before any `try` in it can
# catch what they raise (Ctrl-C's KeyboardInterrupt): ctypes then reports the exception as
# "unraisable" and drops it.  A chained sys.unraisablehook hands such exceptions to the guard
# of the callback they escaped from, so Ctrl-C during a long encode still raises
# KeyboardInterrupt (and stops the library at its next callback) instead of vanishing.

_guards = weakref.WeakKeyDictionary()  # Python callback function -> its CallbackGuard
_hook_lock = threading.Lock()
_previous_hook = None


def _unraisable_hook(unraisable):
    guard = None
    try:
        guard = _guards.get(unraisable.object)
    except TypeError:  # not weak-referenceable: not one of ours
        pass
    if guard is not None:
        guard.fail(unraisable.exc_value)
    else:
        _previous_hook(unraisable)


def _install_hook():
    global _previous_hook
    with _hook_lock:
        if sys.unraisablehook is not _unraisable_hook:
            _previous_hook = sys.unraisablehook
            sys.unraisablehook = _unraisable_hook


class CallbackGuard:
    """The first exception raised in (or escaping from) a set of callbacks."""

    def __init__(self):
        self.error = None

    def watch(self, fn, cfunctype):
        """fn as a C callback of type cfunctype, its escaping exceptions caught here."""
        _install_hook()
        _guards[fn] = self
        return cfunctype(fn)

    def fail(self, exc):
        if self.error is None:
            self.error = exc

    def reraise(self):
        if self.error is not None:
            err, self.error = self.error, None
            raise err


def make_write_callback(write, guard):
    """WRITE_FN calling write(buffer) once per chunk the library emits."""
    def cb(user, buf, n):
        try:
            if guard.error is not None:
                return -1
            if n:
                write(c_view(buf, n))
            return 0
        except BaseException as e:  # noqa: B902 - re-raised after the C call
            guard.fail(e)
            return -1
    return guard.watch(cb, _api.prts_write_fn)


def make_progress_callback(guard):
    """PROGRESS_FN that only lets Python run now and then during a long call, so that Ctrl-C
    (and other signals) act within a strip of rows rather than at the end of the file."""
    def cb(user, done, total):
        return 1 if guard.error is not None else 0
    return guard.watch(cb, _api.prts_progress_fn)


def make_read_callback(source, guard):
    """READ_FN over a file object (readinto) or a buffer (memmove from its address)."""
    if hasattr(source, "readinto"):
        def cb(user, buf, cap):
            try:
                if guard.error is not None:
                    return -1
                n = source.readinto(c_view(buf, cap))
                return n if n is not None else 0
            except BaseException as e:  # noqa: B902
                guard.fail(e)
                return -1
        return guard.watch(cb, _api.prts_read_fn)

    view = byte_view(source)
    size = view.nbytes
    addressed = address_of(view.obj if isinstance(view.obj, bytes) and
                           view.nbytes == len(view.obj) else view)
    state = {"pos": 0}

    def cb(user, buf, cap):
        try:
            if guard.error is not None:
                return -1
            pos = state["pos"]
            k = min(cap, size - pos)
            if k <= 0:
                return 0
            if addressed is not None:
                ctypes.memmove(buf, addressed[0] + pos, k)
            else:
                ctypes.memmove(buf, view[pos:pos + k].tobytes(), k)
            state["pos"] = pos + k
            return k
        except BaseException as e:  # noqa: B902
            guard.fail(e)
            return -1
    cb.keepalive = addressed
    return guard.watch(cb, _api.prts_read_fn)


# ---------------------------------------------------------------------------------------------
# Handles

class _Handle:
    _new = _free = _last_error = _set_progress = _get_option = None

    def __init__(self, *args):
        self.lib = _lib.lib()
        self.c = self._functions()
        self.ptr = getattr(self.c, self._new)(*args)
        if not self.ptr:
            raise MemoryError("%s failed" % self._new)
        # exceptions of this handle's callbacks, re-raised by check() after the C call
        self.guard = CallbackGuard()
        if self._set_progress:
            self._progress = make_progress_callback(self.guard)
            getattr(self.c, self._set_progress)(self.ptr, self._progress, None)

    def _functions(self):
        """The CDLL holding this handle's functions (libpixelrts's)."""
        return self.lib.c

    def close(self):
        ptr, self.ptr = self.ptr, None
        if ptr:
            getattr(self.c, self._free)(ptr)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def last_error(self):
        msg = getattr(self.c, self._last_error)(self.ptr)
        return msg.decode("utf-8", "replace") if msg else ""

    def error(self, rc, message=None):
        name = self.lib.c.prts_strerror(rc).decode("ascii", "replace")
        return make_error(rc, self.last_error() or name, name, message)

    def check(self, rc, message=None):
        """Raise what a callback raised during the call, else the status's exception."""
        self.guard.reraise()
        if rc < 0:
            raise self.error(rc, message)
        return rc

    def get_option(self, key):
        value = ctypes.c_int64()
        self.check(getattr(self.c, self._get_option)(self.ptr, int(key), ctypes.byref(value)))
        return value.value


@functools.lru_cache(maxsize=None)
def library_default(key, handle="decoder"):
    """The library's default value of option `key`: what a fresh encoder or decoder (`handle`)
    holds.  Read from the library, never written down here, so that it cannot drift."""
    h = (Decoder if handle == "decoder" else Encoder)()
    try:
        return h.get_option(key)
    finally:
        h.close()


class Encoder(_Handle):
    _new, _free, _last_error = "prts_encoder_new", "prts_encoder_free", "prts_encoder_last_error"
    _set_progress = "prts_encoder_set_progress"
    _get_option = "prts_encoder_get_option"

    def set_option(self, key, value):
        self.check(self.c.prts_encoder_set_option(self.ptr, int(key), int(value)))

    def set_metadata(self, metadata):
        self.check(self.c.prts_encoder_set_metadata_json(self.ptr, to_json(metadata, "metadata")))

    def set_blueprint(self, blueprint):
        self.check(self.c.prts_encoder_set_blueprint_json(self.ptr,
                                                          to_json(blueprint, "blueprint")))

    def set_backend(self, name):
        self.check(self.c.prts_encoder_set_backend(self.ptr, name.encode("utf-8")))

    def set_preset(self, preset):
        self.check(self.c.prts_encoder_set_preset(self.ptr, int(preset)))

    def backend(self):
        name = self.c.prts_encoder_backend(self.ptr)
        return name.decode("ascii") if name else None

    def reset(self):
        self.check(self.c.prts_encoder_reset(self.ptr))

    def push(self, data):
        """Hand the whole payload to the library: by address when possible, else in large
        slices through one bounce buffer."""
        addressed = address_of(data) if not isinstance(data, str) else None
        if addressed is not None:
            self.check(self.c.prts_encoder_push(self.ptr, addressed[0], addressed[1]))
            return addressed[1]
        view = byte_view(data)
        bounce = ctypes.create_string_buffer(min(BOUNCE_SIZE, max(view.nbytes, 1)))
        for at in range(0, view.nbytes, BOUNCE_SIZE):
            part = view[at:at + BOUNCE_SIZE]
            ctypes.memmove(bounce, part.tobytes(), part.nbytes)
            self.check(self.c.prts_encoder_push(self.ptr, bounce, part.nbytes))
        return view.nbytes

    def encode(self, data):
        """Encode the whole payload in memory (prts_encoder_encode); the PNG as bytes."""
        addressed = address_of(data) if not isinstance(data, str) else None
        if addressed is None:
            addressed = address_of(byte_view(data).tobytes())
        png = ctypes.c_void_p()
        n = ctypes.c_size_t()
        self.check(self.c.prts_encoder_encode(self.ptr, addressed[0], addressed[1],
                                              ctypes.byref(png), ctypes.byref(n)))
        return self.lib.take_bytes(png.value, n.value)

    def finish(self, write):
        """Run the encode, handing each output chunk to write(buffer)."""
        cb = make_write_callback(write, self.guard)
        self.check(self.c.prts_encoder_finish(self.ptr, cb, None))

    def finish_file(self, dst):
        """Run the encode into the file dst (and its sidecars), all of it or nothing."""
        self.check(self.c.prts_encoder_finish_file(self.ptr, fspath_bytes(dst)))

    def encode_file(self, src, dst):
        self.check(self.c.prts_encoder_encode_file(self.ptr, fspath_bytes(src), fspath_bytes(dst)))

    def metadata(self):
        text = self.lib.take_string(self.c.prts_encoder_metadata_json(self.ptr))
        return json.loads(text) if text is not None else None


class Decoder(_Handle):
    _new, _free, _last_error = "prts_decoder_new", "prts_decoder_free", "prts_decoder_last_error"
    _set_progress = "prts_decoder_set_progress"
    _get_option = "prts_decoder_get_option"

    def set_option(self, key, value):
        self.check(self.c.prts_decoder_set_option(self.ptr, int(key), int(value)))

    def set_backend(self, name):
        self.check(self.c.prts_decoder_set_backend(self.ptr, name.encode("utf-8")))

    def reset(self):
        self.check(self.c.prts_decoder_reset(self.ptr))

    def decode_file(self, src, dst):
        self.check(self.c.prts_decoder_decode_file(self.ptr, fspath_bytes(src), fspath_bytes(dst)))

    def read_info(self, path):
        self.check(self.c.prts_decoder_read_info(self.ptr, fspath_bytes(path)))

    def verify_file(self, path):
        """Every check a decode of `path` makes (the hash as Option.VERIFY_HASH says), nothing
        written; the file's facts and metadata stay available as after read_info."""
        self.check(self.c.prts_decoder_verify_file(self.ptr, fspath_bytes(path)))

    def file_metadata(self, path):
        """Reset, then the metadata of `path` (the PNG's chunks before the pixels, with what
        a sidecar adds); no pixel is decoded."""
        self.reset()
        self.set_option(Option.READ_SIDECAR, 1)
        self.read_info(path)
        return self.metadata()

    def decode_range(self, path, offset, length):
        out = bytearray(length)
        where = ctypes.addressof((ctypes.c_char * length).from_buffer(out)) if length else None
        self.check(self.c.prts_decoder_decode_range(self.ptr, fspath_bytes(path), offset, where, length))
        return bytes(out)

    def info(self, key):
        value = ctypes.c_int64()
        self.check(self.c.prts_decoder_get_info(self.ptr, int(key), ctypes.byref(value)))
        return value.value

    def metadata(self):
        text = self.lib.take_string(self.c.prts_decoder_metadata_json(self.ptr))
        return json.loads(text) if text is not None else None

    def blueprint(self):
        text = self.lib.take_string(self.c.prts_decoder_blueprint_json(self.ptr))
        return json.loads(text) if text is not None else None

    def decode_stream(self, source, verify=False, name=None):
        """Decode a whole PNG read from `source` (a buffer or a binary file object) and
        return the payload as bytes, pulled by the library straight into the result.
        `name` replaces "stream" in error details."""
        try:
            return self._decode_stream(source, verify)
        except PixelRTSError as e:
            if name is not None and e.detail.startswith("stream: "):
                e.detail = "%s: %s" % (name, e.detail[len("stream: "):])
            raise

    def _decode_stream(self, source, verify):
        cb = make_read_callback(source, self.guard)
        self.reset()
        self.set_option(Option.VERIFY_HASH, verify_option(verify))
        budget = library_default(Option.MEMORY_BUDGET)
        self.set_option(Option.MEMORY_BUDGET, budget)
        self.check(self.c.prts_decoder_open(self.ptr, cb, None))
        n = self.info(Info.DATA_SIZE)
        # the payload is wanted in memory anyway: stage it there, not in a temporary file
        self.set_option(Option.MEMORY_BUDGET, max(budget, n))
        out = OutBuffer(n)
        got = ctypes.c_size_t()
        done = 0
        while True:
            self.check(self.c.prts_decoder_pull(self.ptr, out.address + done, n - done,
                                                ctypes.byref(got)))
            if got.value == 0:
                break
            done += got.value
        if done != n:
            raise PixelRTSRuntimeError("the library delivered %d of %d payload bytes" % (done, n),
                                       Status.TRUNCATED)
        return out.result()


class Batch(_Handle):
    _new, _free, _last_error = "prts_batch_new", "prts_batch_free", "prts_batch_last_error"

    def set_workers(self, n):
        self.check(self.c.prts_batch_set_workers(self.ptr, int(n)))

    def set_option(self, key, value):
        self.check(self.c.prts_batch_set_option(self.ptr, int(key), int(value)))

    def set_backend(self, name):
        self.check(self.c.prts_batch_set_backend(self.ptr, name.encode("utf-8")))

    def set_metadata(self, metadata):
        self.check(self.c.prts_batch_set_metadata_json(self.ptr, to_json(metadata, "metadata")))

    def add(self, src, dst, metadata=None):
        self.check(self.c.prts_batch_add(self.ptr, fspath_bytes(src), fspath_bytes(dst),
                                         to_json(metadata, "metadata")))

    def run(self, progress=None):
        """Run every job; progress(current, total, name) after each, in completion order, on
        this thread.  An exception raised by progress (or Ctrl-C) cancels the jobs not yet
        started and is re-raised.  Returns the library's status (OK, BATCH or CANCELLED)."""
        guard = self.guard

        def on_done(user, current, total, name):
            try:
                if guard.error is not None:
                    return 1
                if progress is not None:
                    progress(current, total, name.decode("utf-8", "surrogateescape"))
                return 0
            except BaseException as e:  # noqa: B902
                guard.fail(e)
                return 1
        cb = guard.watch(on_done, _api.prts_batch_progress_fn)
        self.c.prts_batch_set_progress(self.ptr, cb, None)
        try:
            rc = self.c.prts_batch_run(self.ptr)
        finally:
            self.c.prts_batch_set_progress(self.ptr, _api.prts_batch_progress_fn(), None)
        guard.reraise()
        if rc not in (Status.OK, Status.BATCH, Status.CANCELLED):
            self.check(rc)
        return rc

    def results(self):
        return json.loads(self.lib.take_string(self.c.prts_batch_results_json(self.ptr)))


class Bench(_Handle):
    """A prts_bench handle of libpixelrts-bench (pixelrts/bench.h), loaded on first use."""
    _new, _free, _last_error = "prts_bench_new", "prts_bench_free", "prts_bench_last_error"

    def __init__(self, what):
        # RuntimeError naming `what` when libpixelrts-bench cannot be loaded (nothing made)
        self.bench = _lib.bench(what)
        super().__init__()

    def _functions(self):
        return self.bench.c

    def set_option(self, key, value):
        self.check(self.c.prts_bench_set_option(self.ptr, int(key), int(value)))

    def set_string(self, key, value, invalid_message=None):
        """invalid_message: the original's words for a value the library refuses."""
        raw = value.encode("utf-8") if isinstance(value, str) else value
        rc = self.c.prts_bench_set_string(self.ptr, int(key), raw)
        self.check(rc, invalid_message if rc == Status.INVALID_ARG else None)

    def _json_out(self, fn, *args):
        out = ctypes.c_void_p()
        rc = fn(self.ptr, *args, ctypes.byref(out))
        text = self.lib.take_string(out.value)
        self.check(rc)
        return rc, json.loads(text) if text is not None else None

    def run(self, data_size):
        return self._json_out(self.c.prts_bench_run, int(data_size))[1]

    def load_history(self):
        return self._json_out(self.c.prts_bench_load_history)[1]

    def detect_regressions(self, threshold):
        return self._json_out(self.c.prts_bench_detect_regressions, float(threshold))[1]

    def write_dashboard(self, path):
        self.check(self.c.prts_bench_write_dashboard(self.ptr, fspath_bytes(path)))
