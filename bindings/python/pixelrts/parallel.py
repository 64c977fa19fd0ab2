"""ParallelPixelRTSEncoder and parallel_decode_batch: the guide's batch API (module
``pixelrts_parallel`` of the original), on libpixelrts batches (prts_batch_*).

The original forked worker processes; here one process runs a pool of C worker threads, each
with its own encoder reused from file to file, and the GIL is released while they run.  What
the caller sees is the original's: result dicts with its keys, sorted by input path, the
progress callback called as callback(current, total, filename) once per finished file in
completion order, OUTPUT_DIR/<stem>.rts.png outputs with their .meta.json sidecars, and
per-file metadata carrying `name` (the file's stem) and `type` (from its extension).
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ._handles import BATCH_DECODE, BATCH_ENCODE, Batch, Option, verify_option
from .core import check_mode
from .errors import PixelRTSValueError, Status, class_for, original_message

__all__ = ["EncodeResult", "ParallelPixelRTSEncoder", "parallel_decode_batch"]

_BUILTINS = (FileNotFoundError, MemoryError, OSError, ValueError, RuntimeError)


@dataclass
class EncodeResult:
    """Result from encoding a single file (what encode_batch reports per file, before
    ParallelPixelRTSEncoder._result_to_dict turns it into the dict it returns)."""
    input_path: str
    output_path: Optional[str]
    success: bool
    error: Optional[str] = None
    metadata: Optional[dict] = None
    encode_time: Optional[float] = None
    file_size: Optional[int] = None


def _error_text(status, detail, input_path):
    """The original's per-file error: "File not found: P", else "ExceptionType: message"."""
    if status == Status.FILE_NOT_FOUND:
        return "File not found: %s" % input_path
    cls = class_for(status)
    name = next((b.__name__ for b in _BUILTINS if issubclass(cls, b)), "RuntimeError")
    return "%s: %s" % (name, original_message(detail or ""))


def _input_size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _run_batch(batch, progress_callback):
    """Run the queued jobs, calling progress_callback(current, total, file name)."""
    progress = None
    if progress_callback is not None:
        def progress(current, total, name):
            progress_callback(current, total, Path(name).name)
    batch.run(progress)
    return batch.results()


class ParallelPixelRTSEncoder:
    """Parallel encoder for batch processing of multiple files."""

    MMAP_THRESHOLD = 100 * 1024 * 1024  # 100MB

    def __init__(self, workers: int = None, mode: str = "standard", use_mmap: bool = True,
                 mmap_threshold: int = MMAP_THRESHOLD, *, level: int = None,
                 backend: str = None):
        """workers: worker threads (default: CPU count); mode: "standard" or "code".
        use_mmap and mmap_threshold are kept for code written for the original: libpixelrts
        maps large inputs itself (and reads small ones), whatever they say."""
        check_mode(mode)
        self.workers = workers or os.cpu_count() or 1
        self.mode = mode
        self.use_mmap = use_mmap
        self.mmap_threshold = mmap_threshold
        self.level = level
        self.backend = backend

    @staticmethod
    def _detect_type(file_path: Path) -> str:
        """The original's `type` metadata for a file, from its extension."""
        suffixes = {".wasm": "wasm", ".bin": "binary", ".elf": "elf", ".so": "library",
                    ".dylib": "library", ".dll": "library"}
        return suffixes.get(file_path.suffix.lower(), "binary")

    def _new_batch(self):
        batch = Batch(BATCH_ENCODE)
        batch.set_workers(self.workers)
        batch.set_option(Option.MODE, check_mode(self.mode))
        if self.level is not None:
            batch.set_option(Option.PNG_LEVEL, self.level)
        if self.backend is not None:
            batch.set_backend(self.backend)
        return batch

    def encode_batch(self, input_files, output_dir, metadata: dict = None,
                     pattern: str = "*.rts.png", progress_callback=None) -> list:
        """Encode `input_files` into `output_dir` (created if needed), one
        OUTPUT_DIR/<stem>.rts.png each; `pattern` names the outputs, "*" standing for the
        input's stem.  Every file's metadata is `metadata` plus its own `name` (stem) and
        `type` (from its extension), as in the original.  Returns one dict per file, sorted by
        input path: input_path, output_path, success, error, metadata, encode_time, file_size
        (bytes of the input).  One failing file never stops the others."""
        if "*" not in pattern:
            raise PixelRTSValueError("Output pattern must contain '*' (the input's stem), "
                                     "got %s" % pattern)
        out_dir = Path(output_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        batch = self._new_batch()
        jobs = []
        for item in input_files:
            src = Path(item)
            dst = out_dir / pattern.replace("*", src.stem, 1)
            file_metadata = dict(metadata or {})
            file_metadata["name"] = src.stem
            file_metadata["type"] = self._detect_type(src)
            batch.add(str(src), str(dst), file_metadata)
            jobs.append((str(src), str(dst)))
        raw = _run_batch(batch, progress_callback)
        results = []
        for (src, dst), r in zip(jobs, raw):
            ok = bool(r.get("success"))
            missing = r.get("status") == Status.FILE_NOT_FOUND
            results.append(EncodeResult(
                input_path=src,
                output_path=None if missing else dst,
                success=ok,
                error=None if ok else _error_text(r.get("status"), r.get("error"), src),
                metadata=r.get("metadata") if ok else None,
                encode_time=r.get("encode_time") if ok else None,
                file_size=None if missing else _input_size(src),
            ))
        results.sort(key=lambda r: r.input_path)
        return [self._result_to_dict(r) for r in results]

    def _result_to_dict(self, result: EncodeResult) -> dict:
        """An EncodeResult as the dict encode_batch returns (the original's keys)."""
        return {
            "input_path": result.input_path,
            "output_path": result.output_path,
            "success": result.success,
            "error": result.error,
            "metadata": result.metadata,
            "encode_time": result.encode_time,
            "file_size": result.file_size,
        }

    def encode_directory(self, input_dir, output_dir, pattern: str = "*",
                         recursive: bool = False, **kwargs) -> list:
        """Encode every file of `input_dir` whose name matches `pattern` (in the whole tree
        with `recursive`); other arguments go to encode_batch.  ValueError "Input directory
        does not exist: P" if it does not."""
        folder = Path(input_dir)
        if not folder.exists():
            raise PixelRTSValueError("Input directory does not exist: %s" % folder,
                                     Status.FILE_NOT_FOUND)
        found = folder.rglob(pattern) if recursive else folder.glob(pattern)
        files = sorted(f for f in found if f.is_file())
        return self.encode_batch(files, output_dir, **kwargs)


def parallel_decode_batch(input_files, output_dir, workers: int = None,
                          verify_hash: bool = False) -> list:
    """Decode .rts.png files into OUTPUT_DIR/<stem>.bin (the stem of "k.rts.png" is "k.rts",
    as in the original), each checked against its data_hash where it has one (verify_hash=True:
    a file without one fails).  Returns dicts input_path, output_path, success, error, sorted
    by input path."""
    out_dir = Path(output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    batch = Batch(BATCH_DECODE)
    batch.set_workers(workers or os.cpu_count() or 1)
    batch.set_option(Option.VERIFY_HASH, verify_option(verify_hash))
    jobs = []
    for item in input_files:
        src = Path(item)
        dst = out_dir / (src.stem + ".bin")
        batch.add(str(src), str(dst))
        jobs.append((str(src), str(dst)))
    raw = _run_batch(batch, None)
    results = [{
        "input_path": src,
        "output_path": dst,
        "success": bool(r.get("success")),
        "error": None if r.get("success") else _error_text(r.get("status"), r.get("error"), src),
    } for (src, dst), r in zip(jobs, raw)]
    results.sort(key=lambda r: r["input_path"])
    return results
