"""Exceptions: a libpixelrts status becomes the Python exception the original raised.

Every exception the binding raises for a libpixelrts failure is a PixelRTSError and also the
built-in class code written for the original catches (ValueError for a hash mismatch or a bad
file, FileNotFoundError, OSError, MemoryError, RuntimeError).  `str(e)` is the original's message
where the situation is the same (docs/format.md section 8, e.g. "Hash mismatch: expected H1, got
H2"), else the library's detailed message; `e.code` is the C status (a negative int, see
`Status`), `e.detail` the library's full message (it names the file), `e.status_name` the
library's name of the status.
"""

from . import _api


# prts_status of pixelrts.h (values are pinned by the ABI), generated from the header
Status = _api.Status


class PixelRTSError(Exception):
    """Base of every libpixelrts failure; also an instance of the matching built-in class."""

    def __init__(self, message, code=Status.INVALID_ARG, detail=None, status_name=None):
        super().__init__(message)
        self.code = int(code)
        self.detail = detail if detail is not None else message
        self.status_name = status_name

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class PixelRTSValueError(PixelRTSError, ValueError):
    """Bad argument or bad file: the original raised ValueError."""


class HashMismatchError(PixelRTSValueError):
    """The payload's SHA-256 differs from data_hash ("Hash mismatch: expected H1, got H2")."""


class PixelRTSFileNotFoundError(PixelRTSError, FileNotFoundError):
    """An input file does not exist ("File not found: P")."""


class PixelRTSOSError(PixelRTSError, OSError):
    """Reading or writing a file failed (the reason, from errno, is in the message)."""


class PixelRTSMemoryError(PixelRTSError, MemoryError):
    """The library could not allocate memory."""


class PixelRTSRuntimeError(PixelRTSError, RuntimeError):
    """A call out of order, a cancelled operation, or a failed callback."""


_CLASS_OF = {
    Status.NOMEM: PixelRTSMemoryError,
    Status.IO: PixelRTSOSError,
    Status.OUTPUT: PixelRTSOSError,
    Status.FILE_NOT_FOUND: PixelRTSFileNotFoundError,
    Status.HASH_MISMATCH: HashMismatchError,
    Status.BAD_STATE: PixelRTSRuntimeError,
    Status.CALLBACK: PixelRTSRuntimeError,
    Status.CANCELLED: PixelRTSRuntimeError,
    Status.BATCH: PixelRTSRuntimeError,
}

# The original's messages (docs/format.md section 8).  The library words these situations the same
# way but prefixes the file or stream name ("k.rts.png: Hash mismatch: ..."); the exception's
# text starts at the phrase, and the prefixed message stays in .detail.
ORIGINAL_PHRASES = (
    "Invalid mode: ",
    "Grid size must be power of 2",
    "Image must be square",
    "Invalid grid size: ",
    "Hash mismatch: ",
    "No PixelRTS metadata found in PNG",
    "File not found: ",
    "Input directory does not exist: ",
    "Unknown pattern: ",
)


def class_for(code):
    try:
        return _CLASS_OF.get(Status(code), PixelRTSValueError)
    except ValueError:  # a status newer than this binding
        return PixelRTSRuntimeError


def original_message(detail):
    """The original's wording inside a library message, or the whole message."""
    best = None
    for phrase in ORIGINAL_PHRASES:
        at = detail.find(phrase)
        if at >= 0 and (best is None or at < best):
            best = at
    return detail if best is None else detail[best:]


def make_error(code, detail, status_name=None, message=None):
    """The exception for status `code` with the library's message `detail`."""
    detail = detail or status_name or "libpixelrts status %d" % code
    return class_for(code)(message if message is not None else original_message(detail),
                           code, detail, status_name)


def invalid_argument(message):
    """A check the binding makes itself (mode names, argument types) before calling C."""
    return PixelRTSValueError(message, Status.INVALID_ARG, message, "invalid argument")
