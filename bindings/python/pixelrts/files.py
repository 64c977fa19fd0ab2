"""MMapPixelRTSEncoder and MMapPixelRTSDecoder: the guide's file-to-file API (module
``pixelrts_mmap`` of the original), on prts_encoder_encode_file / prts_decoder_decode_file / prts_decoder_read_info.

The library maps the input and gathers image rows one strip at a time (decoding scatters rows
straight into the mapped output), so memory stays bounded by a strip whatever the file size;
outputs appear complete or not at all, and a failed hash verification leaves no output file.
"""

import os
import threading

from ._handles import Decoder, Encoder, Info, Option, verify_option
from .core import check_mode, configure_encoder

__all__ = ["MMapPixelRTSEncoder", "MMapPixelRTSDecoder"]


class MMapPixelRTSEncoder:
    """Encodes files of any size into .rts.png (plus OUTPUT.meta.json).

    mode: "standard" or "code".  chunk_size is kept for code written for the original, where
    it set how much of the file was processed at a time; libpixelrts always works in strips of
    image rows (a few MiB), so it changes nothing here.  Keyword-only extras as for
    PixelRTSEncoder: level, backend, compression, compression_level, preset.
    """

    DEFAULT_CHUNK_SIZE = 64 * 1024 * 1024  # 64MB

    def __init__(self, mode: str = "standard", chunk_size: int = None, *, level: int = None,
                 backend: str = None, compression: str = None, compression_level="medium",
                 preset: str = None):
        check_mode(mode)
        self.mode = mode
        self.chunk_size = chunk_size or self.DEFAULT_CHUNK_SIZE
        self._handle = Encoder()
        configure_encoder(self._handle, mode, level, backend, compression, compression_level,
                          preset)
        self._last_metadata = None
        self._lock = threading.RLock()

    def encode_file(self, input_path: str, output_path: str, metadata: dict = None,
                    grid_size: int = None) -> dict:
        """Encode the file `input_path` into `output_path` and OUTPUT.meta.json; return the
        metadata written (data_size, data_hash, grid_size, ...).  FileNotFoundError
        "File not found: P" for a missing input; ValueError "Grid size must be power of 2,
        got N" for a bad grid, and a clear ValueError for a grid too small for the data."""
        with self._lock:
            h = self._handle
            h.reset()
            h.set_option(Option.GRID_SIZE, 0 if grid_size is None else grid_size)
            h.set_metadata(metadata)
            h.encode_file(os.fspath(input_path), os.fspath(output_path))
            self._last_metadata = h.metadata()
            return self._last_metadata

    def get_metadata(self) -> dict:
        """Metadata from the last encode operation (None before the first)."""
        return self._last_metadata


class MMapPixelRTSDecoder:
    """Decodes .rts.png files of any size back into files."""

    def __init__(self, *, backend: str = None):
        self._handle = Decoder()
        if backend is not None:
            self._handle.set_backend(backend)
        self._metadata = None
        self._lock = threading.RLock()

    def decode_file(self, input_path: str, output_path: str, verify_hash: bool = False) -> dict:
        """Decode `input_path` into the file `output_path` and return its metadata (the PNG's,
        with what a sidecar adds).  The SHA-256 is checked before the output appears wherever
        the metadata has data_hash: ValueError "Hash mismatch: expected H1, got H2", and no
        output; verify_hash=True also refuses a file without data_hash."""
        with self._lock:
            self._metadata = None
            h = self._handle
            h.reset()
            h.set_option(Option.READ_SIDECAR, 1)
            h.set_option(Option.VERIFY_HASH, verify_option(verify_hash))
            h.decode_file(os.fspath(input_path), os.fspath(output_path))
            self._metadata = h.metadata()
            return self._metadata

    def get_info(self, input_path: str) -> dict:
        """Metadata of `input_path` without decoding any pixel (the PNG's chunks before IDAT,
        with what a sidecar adds).  ValueError "No PixelRTS metadata found in PNG" if none."""
        with self._lock:
            return self._handle.file_metadata(os.fspath(input_path))

    def decode_range(self, input_path: str, offset: int, length: int = None) -> bytes:
        """Bytes [offset, offset + length) of the payload of `input_path` (to its end when
        length is None), reading only the image rows they live in when the file carries
        libpixelrts's segment index (else every row up to them).  No hash check: the hash
        covers the whole payload.  ValueError for a range past the data; PixelRTSError
        (UNSUPPORTED) for a code-mode or compressed payload."""
        if offset < 0 or (length is not None and length < 0):
            raise ValueError("Invalid range: offset %d, length %s" % (offset, length))
        with self._lock:
            h = self._handle
            h.reset()
            if length is None:
                h.read_info(os.fspath(input_path))
                length = max(h.info(Info.DATA_SIZE) - offset, 0)
            return h.decode_range(os.fspath(input_path), offset, length)

    def get_metadata(self) -> dict:
        """Metadata from the last decode operation (None before the first)."""
        return self._metadata
