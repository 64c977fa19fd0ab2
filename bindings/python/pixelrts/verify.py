"""`pixelrts_cli verify`: the original's four verification steps over one .rts.png, each
answered by libpixelrts, reported in the original's shape (its verification package's
VerificationResult: to_dict / to_json / format_cli).

    structure          the PNG and its PixelRTS metadata (prts_decoder_read_info: signature,
                       square image, power-of-2 grid, a metadata chunk)
    consistency        the payload's SHA-256 against data_hash (prts_decoder_verify_file: every
                       check a decode makes, nothing written)
    segment_integrity  each entry of `offsets` that has a hash in `hashes`: its bytes
                       (prts_decoder_decode_range) against that hash
    signature          an Ed25519 signature of data_hash in metadata["signature"], where the
                       metadata has one

A step is "pass", "fail" or "skip" (nothing to check); the whole is "fail" if a step failed.
"""

import hashlib
import json
import os
import struct
import time
from datetime import datetime

from ._handles import Decoder, Info, Option, Verify
from .errors import PixelRTSError, Status

__all__ = ["verify_file", "to_json", "format_cli"]

PASS, FAIL, WARNING, SKIP = "pass", "fail", "warning", "skip"

# the original's markers in format_cli
_MARKS = {PASS: "[PASS]", FAIL: "[FAIL]", WARNING: "[WARN]", SKIP: "[SKIP]"}

# how the structure step words a read_info failure, as the original's checks did
_STRUCTURE_FAILURES = {
    Status.NOT_PNG: "Invalid PNG signature",
    Status.NOT_SQUARE: "Image is not square",
    Status.GRID_NOT_POW2: "Grid size is not a power of 2",
    Status.NO_METADATA: "No valid PixelRTS metadata found",
    Status.BAD_METADATA: "No valid PixelRTS metadata found",
    Status.FILE_NOT_FOUND: "Cannot read file",
    Status.IO: "Cannot read file",
}


class _Step:
    """Times one step; its result is the original's StepResult as a dict."""

    def __init__(self, name):
        self.name = name
        self.start = time.monotonic()

    def done(self, status, message, details=None):
        return {"step_name": self.name, "status": status, "message": message,
                "details": details or {},
                "duration_ms": (time.monotonic() - self.start) * 1000}


def _shape_failure(path):
    """NOT_SQUARE or GRID_NOT_POW2 for a PNG (the library read its signature) whose IHDR
    shape is wrong, else None.  The library judges the shape only once metadata says the
    PNG is PixelRTS; the original's structure step judged it first, so for a plain PNG
    the width and height are read here from the IHDR (bytes 16-24 of every PNG)."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24:
        return None
    width, height = struct.unpack(">II", head[16:24])
    if width != height:
        return Status.NOT_SQUARE
    if width == 0 or width & (width - 1):
        return Status.GRID_NOT_POW2
    return None


def _structure(dec, path):
    step = _Step("structure")
    try:
        dec.read_info(path)
        metadata = dec.metadata()
    except PixelRTSError as e:
        code = e.code
        if code == Status.NO_METADATA:
            code = _shape_failure(path) or code
        message = _STRUCTURE_FAILURES.get(code, "Invalid PNG structure")
        return step.done(FAIL, message, {"error": e.detail}), None
    if metadata is None:
        return step.done(FAIL, "No valid PixelRTS metadata found",
                         {"error": "the PNG holds no PixelRTS metadata"}), None
    return step.done(PASS, "Valid PNG structure with PixelRTS metadata", {
        "grid_size": dec.info(Info.GRID_SIZE),
        "format_version": metadata.get("format", "unknown"),
    }), metadata


def _consistency(dec, path, metadata):
    step = _Step("consistency")
    if metadata is None:
        return step.done(SKIP, "No metadata found - cannot verify hash consistency",
                         {"error": "Metadata not available"})
    expected = metadata.get("data_hash")
    # without data_hash the pixels are still decoded and checked (CRCs, Adler-32, sizes):
    # only the hash comparison is skipped
    dec.set_option(Option.VERIFY_HASH, Verify.REQUIRED if expected else Verify.OFF)
    try:
        dec.verify_file(path)
    except PixelRTSError as e:
        if e.code == Status.HASH_MISMATCH:
            return step.done(FAIL, "Hash mismatch detected - data may be corrupted or tampered",
                             {"expected": expected, "error": e.detail})
        return step.done(FAIL, "Failed to decode data: %s" % e, {"error": e.detail})
    if not expected:
        return step.done(SKIP, "No hash metadata found",
                         {"note": "Metadata does not contain data_hash"})
    return step.done(PASS, "Hash consistency verified", {
        "hash": expected[:16] + "...", "data_size": dec.info(Info.DATA_SIZE)})


def _segment_range(entry, data_size):
    """(start, size) of an `offsets` entry, or None.  An entry without "start" whose size is
    the whole payload's (what `pixelrts_cli convert` records: one segment, the input file) starts
    at 0; the original refused every such entry, failing its own files."""
    if not isinstance(entry, dict) or not isinstance(entry.get("size"), int):
        return None
    if isinstance(entry.get("start"), int):
        return entry["start"], entry["size"]
    if "start" not in entry and entry["size"] == data_size:
        return 0, entry["size"]
    return None


def _segments(dec, path, metadata, payload_verified):
    step = _Step("segment_integrity")
    if metadata is None:
        return step.done(SKIP, "No metadata found - cannot verify segment integrity",
                         {"error": "Metadata not available"})
    offsets, hashes = metadata.get("offsets"), metadata.get("hashes")
    if not offsets or not isinstance(offsets, dict):
        return step.done(SKIP, "No segment offsets found in metadata",
                         {"note": "Metadata does not contain segment offset information"})
    if not hashes or not isinstance(hashes, dict):
        return step.done(SKIP, "No hash metadata found",
                         {"note": "Metadata does not contain hash information"})
    names = [name for name in offsets if name in hashes]
    if not names:
        return step.done(SKIP, "No segments found with both offset and hash metadata",
                         {"offsets_available": list(offsets), "hashes_available": list(hashes)})
    data_size = metadata.get("data_size")
    passed, failed = [], []
    for name in names:
        where, expected = _segment_range(offsets[name], data_size), hashes[name]
        if where is None:
            failed.append({"segment": name,
                           "error": "Invalid offset format for segment '%s'" % name})
            continue
        start, size = where
        if start == 0 and size == data_size and payload_verified:
            # the whole payload, whose SHA-256 the consistency step had the library check
            actual = metadata["data_hash"]
        else:
            try:
                actual = hashlib.sha256(dec.decode_range(path, start, size)).hexdigest()
            except PixelRTSError as e:
                failed.append({"segment": name, "error": e.detail})
                continue
        if actual == expected:
            passed.append({"segment": name, "status": PASS, "size": size})
        else:
            failed.append({"segment": name, "status": FAIL, "expected": expected,
                           "actual": actual, "size": size})
    if failed:
        return step.done(FAIL, "Segment integrity verification failed for %d segment(s)"
                         % len(failed), {"failed_segments": failed,
                                         "passed_segments": len(passed),
                                         "total_segments": len(names)})
    return step.done(PASS, "Segment integrity verified for %d segment(s)" % len(passed), {
        "segments": [p["segment"] for p in passed],
        "sizes": {p["segment"]: p["size"] for p in passed}})


def _signature(metadata):
    step = _Step("signature")
    public_key = os.environ.get("PIXELRTS_PUBLIC_KEY")
    if public_key is None:
        if metadata is None:
            return step.done(SKIP, "No public key available", {
                "note": "No PIXELRTS_PUBLIC_KEY env var and no metadata found"})
        public_key = (metadata.get("signature") or {}).get("public_key")
        if public_key is None:
            return step.done(SKIP, "No public key available", {
                "note": "No PIXELRTS_PUBLIC_KEY env var and no embedded public key"})
    if metadata is None:
        return step.done(SKIP, "No metadata found - cannot verify signature",
                         {"error": "Metadata not available"})
    signature = (metadata.get("signature") or {}).get("value")
    if signature is None:
        return step.done(SKIP, "File is not signed", {"note": "No signature found in metadata"})
    data_hash = metadata.get("data_hash") or (metadata.get("hashes") or {}).get("data")
    if data_hash is None:
        return step.done(FAIL, "Cannot compute data hash for verification",
                         {"error": "No data hash found in metadata"})
    # Ed25519 is not in the standard library: a signed file is checked where the
    # `cryptography` package is installed (as the original required), and fails otherwise
    # rather than passing unchecked
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError as e:
        return step.done(FAIL, "Signature verification error: %s" % e, {"error": str(e)})
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        key.verify(bytes.fromhex(signature), bytes.fromhex(data_hash))
    except InvalidSignature:
        return step.done(FAIL, "Signature verification failed - file may be tampered", {
            "error": "Invalid signature", "public_key_prefix": public_key[:16] + "..."})
    except ValueError as e:
        return step.done(FAIL, "Malformed cryptographic data: %s" % e, {"error": str(e)})
    except Exception as e:  # noqa: BLE001 - any other key error is a failed check, as before
        return step.done(FAIL, "Signature verification error: %s" % e, {"error": str(e)})
    return step.done(PASS, "Signature verification passed", {
        "public_key": public_key[:16] + "...", "hash_verified": data_hash[:16] + "..."})


def verify_file(path):
    """Run the four steps on `path` (every one, whatever the others found) and return the
    original's VerificationResult.to_dict(): overall_status, file_path, timestamp, steps,
    summary {total, passed, failed, warnings}."""
    dec = Decoder()
    try:
        structure, metadata = _structure(dec, path)
        consistency = _consistency(dec, path, metadata)
        segments = _segments(dec, path, metadata, consistency["status"] == PASS)
        steps = [structure, consistency, segments, _signature(metadata)]
    finally:
        dec.close()
    statuses = [s["status"] for s in steps]
    overall = FAIL if FAIL in statuses else WARNING if WARNING in statuses else PASS
    return {
        "overall_status": overall,
        "file_path": str(path),
        "timestamp": datetime.now().isoformat(),
        "steps": steps,
        "summary": {"total": len(steps), "passed": statuses.count(PASS),
                    "failed": statuses.count(FAIL), "warnings": statuses.count(WARNING)},
    }


def to_json(result, indent=2):
    return json.dumps(result, indent=indent)


def format_cli(result, verbose=False):
    """The original's human-readable report: a header with the overall mark, the count of
    passed steps, then every step (verbose) or only the failed and warned ones."""
    steps, summary = result["steps"], result["summary"]
    lines = ["", "%s Verification: %s" % (_MARKS[result["overall_status"]], result["file_path"]),
             "=" * 60, "Steps: %d/%d passed" % (summary["passed"], summary["total"])]
    if summary["failed"]:
        lines.append("  Failed: %d" % summary["failed"])
    if summary["warnings"]:
        lines.append("  Warnings: %d" % summary["warnings"])
    if verbose:
        lines += ["", "Step Details:"]
        for step in steps:
            lines.append("  %s %s" % (_MARKS[step["status"]], step["step_name"]))
            lines.append("       %s" % step["message"])
            if step["details"] and step["status"] != PASS:
                lines += ["       - %s: %s" % (k, v) for k, v in step["details"].items()]
    else:
        issues = [s for s in steps if s["status"] in (FAIL, WARNING)]
        if issues:
            lines += ["", "Issues:"]
            lines += ["  %s %s: %s" % (_MARKS[s["status"]], s["step_name"], s["message"])
                      for s in issues]
    lines.append("")
    return "\n".join(lines)
