"""The original's module ``pixelrts_v2_core``: PixelRTSEncoder, PixelRTSDecoder and
calculate_grid_size (the guide's in-memory API, on libpixelrts's buffer calls
(prts_encoder_encode), push/finish_file and open/pull), HilbertCurve, PixelRTSMetadata and the
module's availability flags.

Compared with the original (docs/format.md section 9): empty input encodes, a grid too small for
the data is an error, a decoder never reuses one file's metadata for the next, and asking for
hash verification of a file without ``data_hash`` fails instead of passing silently.
"""

import ctypes
import hashlib
import json
import os
import tempfile
import threading

from . import _lib
from ._api import Mode, PayloadCodec, Preset
from ._handles import (COMPRESSIONS, MODES, Decoder, Encoder, Info, MetadataSource, Option,
                       OutBuffer, byte_view, c_view, library_default, verify_option)
from .errors import PixelRTSError, PixelRTSValueError, Status, invalid_argument

__all__ = ["PixelRTSEncoder", "PixelRTSDecoder", "calculate_grid_size", "HilbertCurve",
           "PixelRTSMetadata", "WASM_VISUALIZER_AVAILABLE", "COMPRESSION_AVAILABLE",
           "LAYOUT_AVAILABLE"]

# The original's flags for its optional modules, which code written for it tests.  The library
# colours WASM in code mode and reads the original's semantic cartridges as its visualizer did
# (PixelRTSDecoder.decode); it compresses payloads (compression=); it has no layout optimiser
# (use_layout is ignored, as the original ignored it without its layout module).
WASM_VISUALIZER_AVAILABLE = True
COMPRESSION_AVAILABLE = True
LAYOUT_AVAILABLE = False

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


def _as_stream(error, tmp):
    """`error` with the private temporary folder the binding staged a PNG in replaced by
    "stream" (the caller gave bytes, not a file), in its message and detail."""
    prefix = tmp.rstrip(os.sep) + os.sep
    for name in ("in.rts.png", "whole.png", "pixels.rts.png"):
        stale = prefix + name
        error.detail = error.detail.replace(stale, "stream")
        if error.args and isinstance(error.args[0], str):
            error.args = (error.args[0].replace(stale, "stream"),) + error.args[1:]
    return error


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


class HilbertCurve:
    """The Hilbert curve of an order-`order` grid (side grid_size = 2**order): pixel index d of
    the payload -> (x, y), x the column and y the PNG row (docs/format.md section 3), as the
    library places bytes: its prts_hilbert_coords / prts_hilbert_index."""

    def __init__(self, order: int):
        self.order = order
        self.grid_size = 2 ** order
        self._lut = None

    def _coords(self, first, count):
        """Flat [x0, y0, x1, y1, ...] of indices first .. first+count-1, from the library."""
        xy = (ctypes.c_uint32 * (2 * count))()
        rc = _lib.lib().c.prts_hilbert_coords(self.grid_size, first, count, xy)
        if rc:
            raise invalid_argument("order %r is not a curve the library draws" % (self.order,))
        return xy

    def generate_lut(self):
        """[(x, y)] for every pixel index, in curve order; built once, then the same list."""
        if self._lut is None:
            flat = iter(self._coords(0, self.grid_size * self.grid_size))
            self._lut = list(zip(flat, flat))
        return self._lut

    def index_to_coord(self, index: int):
        """(x, y) of pixel `index`; negative indices count from the end, as in a list
        (IndexError "list index out of range" past either end)."""
        n = self.grid_size
        if self._lut is not None:
            return self._lut[index]
        i = index + n * n if index < 0 else index
        if not 0 <= i < n * n:
            raise IndexError("list index out of range")
        xy = self._coords(i, 1)
        return xy[0], xy[1]

    def coord_to_index(self, x: int, y: int) -> int:
        """Pixel index of (x, y); ValueError "(x, y) is not in list" off the grid."""
        n = self.grid_size
        if not (0 <= x < n and 0 <= y < n):
            raise ValueError("%r is not in list" % ((x, y),))
        d = ctypes.c_uint64()
        _lib.lib().c.prts_hilbert_index(n, x, y, ctypes.byref(d))
        return d.value


class PixelRTSMetadata:
    """The metadata's pieces, as the original builds and parses them (docs/format.md section 5):
    the format keys, the payload hash, and the text of the PixelRTS and PixelRTS-Blueprint
    chunks."""

    MAGIC = b"PixelRTS"
    VERSION = 2
    BLUEPRINT_MAGIC = b"PixelRTS-Blueprint"

    @staticmethod
    def create_metadata(grid_size: int, encoding_mode: str = "RGBA-dense",
                        segments: dict = None) -> dict:
        """The format keys the library writes first, in its order (docs/format.md section 5.2,
        keys 1-6): format, format_version, grid_size, encoding, offsets (the segments, or {})
        and hashes (each segment's "sha256")."""
        return {
            "format": "PixelRTS-%d.0" % PixelRTSMetadata.VERSION,
            "format_version": PixelRTSMetadata.VERSION,
            "grid_size": grid_size,
            "encoding": {"type": encoding_mode, "bytes_per_pixel": 4,
                         "mapping": "Hilbert space-filling curve"},
            "offsets": segments or {},
            "hashes": {name: info["sha256"] for name, info in (segments or {}).items()
                       if "sha256" in info},
        }

    @staticmethod
    def hash_data(data: bytes) -> str:
        """Lowercase hex SHA-256 of `data` (any bytes-like object): the metadata's data_hash.
        libpixelrts has no public hash call; hashlib computes the same digest."""
        return hashlib.sha256(byte_view(data)).hexdigest()

    @staticmethod
    def _text(magic, obj):
        # compact ASCII JSON, the chunk text the library writes (its \\u escapes have upper-case
        # hex digits, these lower-case, as the original's: the same JSON)
        return magic + json.dumps(obj, separators=(",", ":")).encode("utf-8")

    @staticmethod
    def _parse(magic, data, message):
        data = bytes(byte_view(data))
        if not data.startswith(magic):
            raise PixelRTSValueError(message, Status.NO_METADATA, message, "no metadata")
        return json.loads(data[len(magic):].decode("utf-8"))

    @staticmethod
    def encode_png_text(metadata: dict) -> bytes:
        """The text of the PixelRTS chunk: b"PixelRTS" + compact JSON."""
        return PixelRTSMetadata._text(PixelRTSMetadata.MAGIC, metadata)

    @staticmethod
    def decode_png_text(data: bytes) -> dict:
        """The metadata in a PixelRTS chunk's text; ValueError "Not a PixelRTS v2 container"
        without the magic (json.JSONDecodeError, a ValueError, for bad JSON)."""
        return PixelRTSMetadata._parse(PixelRTSMetadata.MAGIC, data,
                                       "Not a PixelRTS v2 container")

    @staticmethod
    def encode_blueprint(blueprint) -> bytes:
        """The text of the PixelRTS-Blueprint chunk: b"PixelRTS-Blueprint" + compact JSON of
        `blueprint` (a dict, or an object with to_dict())."""
        if hasattr(blueprint, "to_dict"):
            blueprint = blueprint.to_dict()
        return PixelRTSMetadata._text(PixelRTSMetadata.BLUEPRINT_MAGIC, blueprint)

    @staticmethod
    def decode_blueprint(data: bytes) -> dict:
        """The blueprint in a PixelRTS-Blueprint chunk's text; ValueError "Not a PixelRTS
        blueprint" without the magic."""
        return PixelRTSMetadata._parse(PixelRTSMetadata.BLUEPRINT_MAGIC, data,
                                       "Not a PixelRTS blueprint")


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
        # a blueprint object (the original's PixelRTSBlueprint) is written as its to_dict(), as
        # the original's PixelRTSMetadata.encode_blueprint wrote it
        h.set_blueprint(blueprint.to_dict() if hasattr(blueprint, "to_dict") else blueprint)
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
        """Metadata from elsewhere (e.g. a sidecar) to decode the next PNGs with, as the
        original lets a sidecar win: its keys replace the PNG's, and the PNG's own chunk
        supplies the keys it lacks (an older sidecar without original_data_b64 or data_size
        still decodes its code-mode PNG).  None forgets it."""
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError("metadata must be a dict, not %s" % type(metadata).__name__)
        self._external = metadata

    def get_metadata(self) -> dict:
        """Metadata of the last decoded file (or that given with set_metadata before any)."""
        return self._metadata if self._metadata is not None else self._external

    def decode(self, png_data: bytes, expected_size: int = None) -> bytes:
        """Decode the PNG in `png_data` (any bytes-like object) and return the payload.
        expected_size is used, as by the original, only for a PNG without metadata.  A
        code-mode PNG without original_data_b64 is read as the original's semantic decoder
        read it (see _semantic)."""
        with self._lock:
            self._metadata = None
            if self._external is not None:
                with tempfile.TemporaryDirectory(prefix="pixelrts-") as tmp:
                    return self._decode_external(png_data, tmp)
            try:
                data = self._handle.decode_stream(png_data)
            except PixelRTSValueError as e:
                if e.code not in (Status.NO_ORIGINAL, Status.NO_METADATA) or \
                        (e.code == Status.NO_METADATA and expected_size is None):
                    raise
                with tempfile.TemporaryDirectory(prefix="pixelrts-") as tmp:
                    if e.code == Status.NO_METADATA:
                        return self._decode_with(png_data, {"data_size": int(expected_size)},
                                                 tmp)
                    png = self._stage(png_data, tmp, "whole.png")
                    return self._semantic(png, self._chunk_metadata(png), e, tmp)
            self._metadata = self._handle.metadata()
            return data

    @staticmethod
    def _stage(png_data, tmp, name):
        """`png_data` as the file tmp/name, for the library's file calls."""
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(byte_view(png_data))
        return path

    def _chunk_metadata(self, path):
        """The metadata of the PNG at `path` by its own chunk (no sidecar), or None where the
        chunk cannot say (none, or broken)."""
        h = self._handle
        h.reset()
        h.set_option(Option.READ_SIDECAR, 0)
        try:
            h.read_info(path)
        except PixelRTSValueError:
            return None
        return h.metadata()

    def _with_external(self, png_data, tmp):
        """The metadata to decode `png_data` with under set_metadata(): the given keys, and
        the PNG chunk's for those it lacks (the original took original_data_b64 from the
        chunk; the library also needs data_size and the like, which the chunk has)."""
        chunk = self._chunk_metadata(self._stage(png_data, tmp, "whole.png"))
        merged = dict(chunk or {})
        merged.update(self._external)
        return merged

    def _decode_external(self, png_data, tmp):
        metadata = self._with_external(png_data, tmp)
        try:
            return self._decode_with(png_data, metadata, tmp)
        except PixelRTSValueError as e:
            if e.code != Status.NO_ORIGINAL:
                raise
            return self._semantic(os.path.join(tmp, "whole.png"), metadata, e, tmp)

    def _decode_with(self, png_data, metadata, tmp, verify=False):
        """Decode through the file API with `metadata` as the PNG's sidecar, in place of its
        own chunk (the library's stream API reads metadata only from the PNG itself)."""
        png = self._stage_without_chunk(png_data, metadata, tmp, "in.rts.png")
        try:
            return self._decode_file(png, verify, tmp)
        except PixelRTSError as e:
            raise _as_stream(e, tmp)

    @staticmethod
    def _stage_without_chunk(png_data, metadata, tmp, name):
        png = os.path.join(tmp, name)
        with open(png, "wb") as f:
            f.write(_metadata_chunks_dropped(png_data))
        write_json_file(png + ".meta.json", metadata)
        return png

    def _decode_file(self, path, verify, tmp):
        h = self._handle
        h.reset()
        h.set_option(Option.READ_SIDECAR, 1)
        h.set_option(Option.VERIFY_HASH, verify_option(verify))
        out = os.path.join(tmp, "payload")
        h.decode_file(path, out)
        self._metadata = h.metadata()
        return read_whole_file(out)

    def _semantic(self, png_path, metadata, error, tmp, verify=False):
        """A code-mode PNG without original_data_b64, read as the original read it with its
        WASM visualizer: the pixels taken as they are, data_size bytes of them.  Files its
        older writers made (code mode placed like standard mode) start with the WASM magic
        and are returned, their data_hash checked where they have one; the colours of WASM
        lose bytes, and any other start gets the original's ValueError "Semantic decoding
        failed: ..." (e.code NO_ORIGINAL, e.detail the library's message)."""
        if not metadata or not isinstance(metadata.get("data_size"), int) or \
                not isinstance(metadata.get("grid_size"), int):
            raise error
        n, g = metadata["data_size"], metadata["grid_size"]
        # the pixels as a standard-mode payload filling the grid: the library reads them
        pixels = {"grid_size": g, "encoding_mode": "RGBA-dense", "data_size": 4 * g * g}
        with open(png_path, "rb") as f:
            png_data = f.read()
        probe = self._stage_without_chunk(png_data, pixels, tmp, "pixels.rts.png")
        h = self._handle
        h.reset()
        h.set_option(Option.READ_SIDECAR, 1)
        try:
            head = h.decode_range(probe, 0, min(n, 4, 4 * g * g))
        except PixelRTSError as e:
            raise _as_stream(e, tmp)
        if n >= 4 and head != b"\0asm":
            raise PixelRTSValueError(
                "Semantic decoding failed: Decoded data is not valid WASM (missing magic "
                "number %r, got %r). This cartridge uses semantic encoding without "
                "original_data_b64. Please re-encode with the current version."
                % (b"\0asm", head), Status.NO_ORIGINAL, error.detail, error.status_name)
        placed = dict(pixels, data_size=n)
        if "data_hash" in metadata:
            placed["data_hash"] = metadata["data_hash"]
        return self._decode_with(png_data, placed, tmp, verify)

    def decode_range(self, png_data: bytes, start_byte: int, count: int) -> bytes:
        """Bytes [start_byte, start_byte + count) of the payload of the PNG in `png_data`, cut
        at its end (b"" from there on); the library reads only the image rows they live in.
        No hash check: the hash covers the whole payload.  ValueError "Negative start_byte: N"
        / "Negative count: N".  The metadata is the PNG's, or that given with set_metadata
        (get_metadata() returns it afterwards).  Unlike the original, which returned a code-mode
        file's coloured pixels, a code-mode range is cut from its payload; a file with a
        compressed payload has no byte ranges (PixelRTSValueError, Status.UNSUPPORTED)."""
        if start_byte < 0:
            raise invalid_argument("Negative start_byte: %d" % start_byte)
        if count < 0:
            raise invalid_argument("Negative count: %d" % count)
        if count == 0:
            return b""
        with self._lock, tempfile.TemporaryDirectory(prefix="pixelrts-") as tmp:
            self._metadata = None
            if self._external is not None:
                path = self._stage_without_chunk(png_data, self._with_external(png_data, tmp),
                                                 tmp, "in.rts.png")
            else:
                path = self._stage(png_data, tmp, "in.rts.png")
            h = self._handle
            try:
                h.reset()
                h.set_option(Option.READ_SIDECAR, 1)
                h.read_info(path)
                self._metadata = h.metadata()
                total = h.info(Info.DATA_SIZE)
                if start_byte >= total:
                    return b""
                count = min(count, total - start_byte)
                if h.info(Info.MODE) == Mode.CODE and not h.info(Info.COMPRESSED):
                    # the payload is in the metadata (original_data_b64), not in the pixels
                    return self._decode_file(path, False, tmp)[start_byte:start_byte + count]
                return h.decode_range(path, start_byte, count)
            except PixelRTSError as e:
                raise _as_stream(e, tmp)

    def verify_hash(self, data: bytes, expected_hash: str) -> bool:
        """True if SHA-256 of `data` is `expected_hash` (hex, either case)."""
        return PixelRTSMetadata.hash_data(data) == str(expected_hash).lower()

    def load(self, input_path: str, verify_hash: bool = False) -> bytes:
        """Decode the file `input_path`.  Its sidecar (X.meta.json, else X without .png +
        .meta.json) may add keys the PNG's chunk lacks; one that disagrees with the chunk
        raises PixelRTSValueError (Status.SIDECAR_MISMATCH).  The SHA-256 is checked before
        anything is returned wherever the metadata has data_hash (ValueError "Hash mismatch:
        expected H1, got H2"); verify_hash=True also refuses a file without data_hash.  A
        code-mode file without original_data_b64 is read as decode() reads it."""
        path = os.fspath(input_path)
        with self._lock:
            self._metadata = None
            h = self._handle
            h.reset()
            h.set_option(Option.READ_SIDECAR, 1)
            h.read_info(path)
            metadata = h.metadata()
            try:
                if h.info(Info.METADATA_SOURCE) != MetadataSource.CHUNK:
                    # a sidecar is there: the file API merges it with the chunk (the stream
                    # API reads the PNG alone) and refuses a pair that disagrees
                    with tempfile.TemporaryDirectory(prefix="pixelrts-") as tmp:
                        return self._decode_file(path, verify_hash, tmp)
                with open(path, "rb", buffering=0) as f:
                    data = h.decode_stream(f, verify=verify_hash, name=path)
            except PixelRTSValueError as e:
                if e.code != Status.NO_ORIGINAL:
                    raise
                with tempfile.TemporaryDirectory(prefix="pixelrts-") as tmp:
                    return self._semantic(path, metadata, e, tmp, verify_hash)
            self._metadata = h.metadata()
            return data

    def info(self, input_path: str) -> dict:
        """Metadata of `input_path` (the PNG's chunks before the pixels, with what a sidecar
        adds; the chunk's value where the two disagree), also of a code-mode file without
        original_data_b64; no pixel is decoded.  ValueError "No PixelRTS metadata found in
        PNG" if it has none."""
        with self._lock:
            return self._handle.file_metadata(os.fspath(input_path))
