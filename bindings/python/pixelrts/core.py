"""PixelRTSEncoder, PixelRTSDecoder and calculate_grid_size: the guide's in-memory API
(module ``pixelrts_v2_core`` of the original), on libpixelrts's buffer calls
(prts_encoder_encode), push/finish_file and open/pull.

Compared with the original (docs/format.md section 9): empty input encodes, a grid too small for
the data is an error, a decoder never reuses one file's metadata for the next, and asking for
hash verification of a file without ``data_hash`` fails instead of passing silently.
"""

import json
import os
import tempfile
import threading

from . import _lib
from ._api import PayloadCodec, Preset
from ._handles import (COMPRESSIONS, MODES, Decoder, Encoder, Info, MetadataSource, Option,
                       OutBuffer, byte_view, c_view, library_default, verify_option)
from .errors import PixelRTSValueError, Status, invalid_argument

__all__ = ["PixelRTSEncoder", "PixelRTSDecoder", "calculate_grid_size"]

# compression_level names of the original, as zlib and zstd levels; 0 = the library's default
_LEVEL_NAMES = {"low": {PayloadCodec.ZLIB: 1, PayloadCodec.ZSTD: 1},
                "medium": {PayloadCodec.ZLIB: 0, PayloadCodec.ZSTD: 0},
                "high": {PayloadCodec.ZLIB: 9, PayloadCodec.ZSTD: 19}}


def check_mode(mode):
    if mode not in MODES:
        raise invalid_argument("Invalid mode: %s. Must be 'standard' or 'code'" % (mode,))
    return MODES[mode]


PRESETS = {"fast": Preset.FAST, "default": Preset.DEFAULT, "small": Preset.SMALL,
           "small-libpixelrts": Preset.SMALL_LIBPIXELRTS}


def configure_encoder(handle, mode, level=None, backend=None, compression=None,
                      compression_level="medium", preset=None):
    """Options every encoding class shares: mode, preset ("fast", "default", "small": zlib
    payload compression the original implementation decodes, or "small-libpixelrts": zstd,
    read by libpixelrts alone; a level or a compression given as well overrides the
    preset's), PNG zlib level, backend, payload compression (None, "zlib" or "zstd") and its
    level ("low"/"medium"/"high" or a number)."""
    handle.set_option(Option.MODE, check_mode(mode))
    if preset is not None:
        if preset not in PRESETS:
            raise invalid_argument("Invalid preset: %s. Must be 'fast', 'default', 'small' or "
                                   "'small-libpixelrts'" % (preset,))
        handle.set_preset(PRESETS[preset])
    if level is not None:
        handle.set_option(Option.PNG_LEVEL, level)
    if backend is not None:
        handle.set_backend(backend)
    if compression is None and preset is not None:
        return  # the preset's payload compression
    if compression not in COMPRESSIONS:
        raise invalid_argument("Invalid compression: %s. Must be None, 'zlib', 'zstd', 'auto' "
                               "or 'zstd-h5'" % (compression,))
    kind = COMPRESSIONS[compression]
    handle.set_option(Option.PAYLOAD_COMPRESSION, kind)
    if kind != PayloadCodec.NONE:
        if isinstance(compression_level, str):
            if compression_level not in _LEVEL_NAMES:
                raise invalid_argument("Invalid compression level: %s. Must be 'low', 'medium', "
                                       "'high' or a number" % compression_level)
            value = _LEVEL_NAMES[compression_level][kind]
        else:
            value = int(compression_level)
        handle.set_option(Option.PAYLOAD_LEVEL, value)


def write_json_file(path, obj):
    """The metadata given to set_metadata as a sidecar in a private temporary folder (the
    file API reads it from there): indent 2, ASCII, as the original writes sidecars."""
    with open(path, "w", encoding="ascii") as f:
        json.dump(obj, f, indent=2)


def read_whole_file(path):
    """A file's bytes, read straight into the bytes object returned."""
    with open(path, "rb", buffering=0) as f:
        n = os.fstat(f.fileno()).st_size
        out = OutBuffer(n)
        done = 0
        while done < n:
            got = f.readinto(c_view(out.address + done, n - done))
            if not got:
                raise PixelRTSValueError("%s shrank while being read" % path, Status.CHANGED)
            done += got
    return out.result()


_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


def _metadata_chunks_dropped(png):
    """The PNG's bytes without its PixelRTS metadata text chunks (keyword "PixelRTS"), so that
    metadata given in their place is the only metadata: the library refuses a sidecar that
    disagrees with the PNG's own chunk.  Other chunks are copied as they are."""
    view = byte_view(png)
    parts, pos = [view[:8]], 8
    while pos + 12 <= len(view):
        end = pos + 12 + int.from_bytes(view[pos:pos + 4], "big")
        if not (bytes(view[pos + 4:pos + 8]) in _TEXT_CHUNKS
                and bytes(view[pos + 8:pos + 17]) == b"PixelRTS\0"):
            parts.append(view[pos:end])
        pos = end
    parts.append(view[pos:])
    return b"".join(parts)


def calculate_grid_size(data_size_bytes: int, bytes_per_pixel: int = 4) -> int:
    """Smallest grid side for a payload (docs/format.md section 2): 1 for no data, else the
    smallest power of two g >= 4 whose g*g pixels of `bytes_per_pixel` bytes hold it."""
    n = int(data_size_bytes)
    bpp = int(bytes_per_pixel)
    if n < 0 or bpp <= 0:
        raise invalid_argument("data size must be >= 0 and bytes per pixel > 0, got %d and %d"
                               % (n, bpp))
    if bpp != 4:  # the library counts RGBA pixels: ask for as many pixels' worth of bytes
        n = -(-n // bpp) * 4
    return int(_lib.lib().c.prts_grid_size_for(n))


class PixelRTSEncoder:
    """Encodes bytes into a PixelRTS v2 PNG (RGBA dense packing along a Hilbert curve).

    mode: "standard" or "code"; compression: None, "zlib" or "zstd" (payload compressed
    before placement, docs/format.md section 7; the original's "auto" and "zstd-h5" mean zlib, which
    is what they produced) with compression_level "low", "medium", "high" or a number.
    use_layout is accepted for code written for the original, which ignored it when its
    layout module was absent: the format has no layout optimisation, so it is ignored here.
    Keyword-only extras: level (PNG zlib level 0..9 for every byte, or -9..-1: store the
    blocks that would not compress and deflate the rest at that level; library default -1),
    backend (pixel backend name, default "auto") and preset ("fast": store, the zero padding
    deflated; "default": adaptive level 1; "small": the payload zlib-compressed first, which the
    original implementation decodes; "small-libpixelrts": zstd, which only libpixelrts reads;
    a level or a compression given as well overrides the preset's).
    """

    def __init__(self, mode: str = "standard", compression: str = None,
                 compression_level="medium", use_layout: bool = False, *, level: int = None,
                 backend: str = None, preset: str = None):
        check_mode(mode)
        self.mode = mode
        self.compression = compression
        self.compression_level = compression_level
        self.use_layout = use_layout
        self._handle = Encoder()
        configure_encoder(self._handle, mode, level, backend, compression, compression_level,
                          preset)
        self._last_metadata = None
        self._lock = threading.RLock()

    def _run(self, data, metadata, grid_size, blueprint, finish):
        h = self._handle
        h.reset()
        h.set_option(Option.GRID_SIZE, 0 if grid_size is None else grid_size)
        h.set_metadata(metadata)
        h.set_blueprint(blueprint)
        result = finish(h)
        self._last_metadata = h.metadata()
        return result

    def encode(self, data: bytes, metadata: dict = None, grid_size: int = None,
               blueprint: dict = None) -> bytes:
        """Encode `data` (any bytes-like object) and return the PNG file's bytes."""
        with self._lock:
            return self._run(data, metadata, grid_size, blueprint, lambda h: h.encode(data))

    def get_metadata(self) -> dict:
        """Metadata written by the last encode (None before the first)."""
        return self._last_metadata

    def save(self, data: bytes, output_path: str, metadata: dict = None, grid_size: int = None,
             sidecar: bool = True, blueprint: dict = None):
        """Encode `data` into the file `output_path` and, with `sidecar`, write
        OUTPUT.meta.json (and OUTPUT.blueprint.json for a blueprint).  The PNG and its
        sidecars appear together and complete, or not at all (an existing file survives any
        failure); without `sidecar`, stale ones are removed in the same step, so that readers
        never see one that disagrees with the new PNG."""
        path = os.fspath(output_path)
        with self._lock:
            self._handle.set_option(Option.WRITE_SIDECAR, 1 if sidecar else 0)
            self._run(data, metadata, grid_size, blueprint,
                      lambda h: self._push_all(h, data) or h.finish_file(path))

    @staticmethod
    def _push_all(h, data):
        # the payload is in memory already: stage it there rather than in a temporary file
        budget = library_default(Option.MEMORY_BUDGET, "encoder")
        h.set_option(Option.MEMORY_BUDGET, max(budget, byte_view(data).nbytes))
        h.push(data)


class PixelRTSDecoder:
    """Decodes PixelRTS v2 PNGs back into the original bytes."""

    def __init__(self):
        self._handle = Decoder()
        self._metadata = None   # the last decoded file's metadata
        self._external = None   # metadata given with set_metadata()
        self._lock = threading.RLock()

    def set_metadata(self, metadata: dict):
        """Metadata from elsewhere (e.g. a sidecar) to decode the next PNGs with, in place of
        the metadata they carry, as the original lets a sidecar win.  None forgets it."""
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError("metadata must be a dict, not %s" % type(metadata).__name__)
        self._external = metadata

    def get_metadata(self) -> dict:
        """Metadata of the last decoded file (or that given with set_metadata before any)."""
        return self._metadata if self._metadata is not None else self._external

    def decode(self, png_data: bytes, expected_size: int = None) -> bytes:
        """Decode the PNG in `png_data` (any bytes-like object) and return the payload.
        expected_size is used, as by the original, only for a PNG without metadata."""
        with self._lock:
            self._metadata = None
            if self._external is not None:
                return self._decode_with(png_data, self._external)
            try:
                data = self._handle.decode_stream(png_data)
            except PixelRTSValueError as e:
                if e.code != Status.NO_METADATA or expected_size is None:
                    raise
                return self._decode_with(png_data, {"data_size": int(expected_size)})
            self._metadata = self._handle.metadata()
            return data

    def _decode_with(self, png_data, metadata, verify=False):
        """Decode through the file API with `metadata` as the PNG's sidecar, in place of its
        own chunk (the library's stream API reads metadata only from the PNG itself)."""
        with tempfile.TemporaryDirectory(prefix="pixelrts-") as tmp:
            png = os.path.join(tmp, "in.rts.png")
            with open(png, "wb") as f:
                f.write(_metadata_chunks_dropped(png_data))
            write_json_file(png + ".meta.json", metadata)
            return self._decode_file(png, verify, tmp)

    def _decode_file(self, path, verify, tmp):
        h = self._handle
        h.reset()
        h.set_option(Option.READ_SIDECAR, 1)
        h.set_option(Option.VERIFY_HASH, verify_option(verify))
        out = os.path.join(tmp, "payload")
        h.decode_file(path, out)
        self._metadata = h.metadata()
        return read_whole_file(out)

    def verify_hash(self, data: bytes, expected_hash: str) -> bool:
        """True if SHA-256 of `data` is `expected_hash` (hex, either case)."""
        import hashlib
        return hashlib.sha256(byte_view(data)).hexdigest() == str(expected_hash).lower()

    def load(self, input_path: str, verify_hash: bool = False) -> bytes:
        """Decode the file `input_path`.  Its sidecar (X.meta.json, else X without .png +
        .meta.json) may add keys the PNG's chunk lacks; one that disagrees with the chunk
        raises PixelRTSValueError (Status.SIDECAR_MISMATCH).  The SHA-256 is checked before
        anything is returned wherever the metadata has data_hash (ValueError "Hash mismatch:
        expected H1, got H2"); verify_hash=True also refuses a file without data_hash."""
        path = os.fspath(input_path)
        with self._lock:
            self._metadata = None
            h = self._handle
            h.reset()
            h.set_option(Option.READ_SIDECAR, 1)
            h.read_info(path)
            if h.info(Info.METADATA_SOURCE) != MetadataSource.CHUNK:
                # a sidecar is there: the file API merges it with the chunk (the stream
                # API reads the PNG alone) and refuses a pair that disagrees
                with tempfile.TemporaryDirectory(prefix="pixelrts-") as tmp:
                    return self._decode_file(path, verify_hash, tmp)
            with open(path, "rb", buffering=0) as f:
                data = h.decode_stream(f, verify=verify_hash, name=path)
            self._metadata = h.metadata()
            return data

    def info(self, input_path: str) -> dict:
        """Metadata of `input_path` (the PNG's chunks before the pixels, with what a sidecar
        adds; the chunk's value where the two disagree); no pixel is decoded.  ValueError "No PixelRTS metadata found in PNG" if it has none."""
        with self._lock:
            return self._handle.file_metadata(os.fspath(input_path))
