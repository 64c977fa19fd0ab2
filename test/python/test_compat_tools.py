"""The original's tool modules, as code written for them imports and calls them:
pixelrts_parallel (EncodeResult, ParallelPixelRTSEncoder._result_to_dict, parallel_decode_batch),
benchmark_pixelrts (BenchmarkResult, generate_test_data, get_history,
benchmark_alignment_gains, --alignment-gains), benchmark_dashboard (the page's title) and
pixelrts_cli (cmd_convert, cmd_info, cmd_verify, cmd_benchmark, cmd_dashboard, main and its
`verify` subcommand), each through `systems.pixel_compiler.<module>` or
`pixel_compiler.<module>`.  Each test states what the original documented (its docstrings, its
own tests) and checks that this binding, calling libpixelrts, does it.  Data stays small.
"""

import argparse
import contextlib
import dataclasses
import hashlib
import inspect
import io
import json
import os
import unittest
from pathlib import Path
from unittest import mock

import support
from support import Png, TempDirTest, skip_without_bench

try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
except ImportError:  # the signature step then fails signed files, saying why (tested below)
    Ed25519PrivateKey = None


def public_hex(private_key):
    # public_bytes_raw() is newer than Debian 12's python3-cryptography (38)
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def run_captured(fn, *args):
    """fn(*args) -> (its return value, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = fn(*args)
    return rc, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------------------------
# pixelrts_parallel

class ParallelModule(TempDirTest):
    def test_encode_result_is_the_originals_dataclass(self):
        from systems.pixel_compiler.pixelrts_parallel import EncodeResult
        self.assertTrue(dataclasses.is_dataclass(EncodeResult))
        self.assertEqual([f.name for f in dataclasses.fields(EncodeResult)],
                         ["input_path", "output_path", "success", "error", "metadata",
                          "encode_time", "file_size"])
        r = EncodeResult(input_path="a.bin", output_path=None, success=False)
        self.assertEqual(dataclasses.asdict(r), {
            "input_path": "a.bin", "output_path": None, "success": False, "error": None,
            "metadata": None, "encode_time": None, "file_size": None})
        with self.assertRaises(TypeError):
            EncodeResult("a.bin")  # output_path and success have no default

    def test_result_to_dict(self):
        from pixel_compiler.pixelrts_parallel import EncodeResult, ParallelPixelRTSEncoder
        r = EncodeResult("in/k.bin", "out/k.rts.png", True, None, {"name": "k"}, 0.5, 7)
        self.assertEqual(ParallelPixelRTSEncoder(workers=1)._result_to_dict(r), {
            "input_path": "in/k.bin", "output_path": "out/k.rts.png", "success": True,
            "error": None, "metadata": {"name": "k"}, "encode_time": 0.5, "file_size": 7})

    def test_encode_batch_reports_through_encode_result(self):
        # the original: results sorted by input path, a missing file reported (not raised) as
        # "File not found: P" with no output path or size; every dict has the seven keys
        from systems.pixel_compiler.pixelrts_parallel import ParallelPixelRTSEncoder
        valid = Path(self.path("a_valid.bin"))
        valid.write_bytes(b"\x00" * 1024)
        missing = Path(self.path("b_nonexistent.bin"))
        with mock.patch.object(ParallelPixelRTSEncoder, "_result_to_dict",
                               autospec=True,
                               side_effect=ParallelPixelRTSEncoder._result_to_dict) as to_dict:
            results = ParallelPixelRTSEncoder(workers=2).encode_batch([missing, valid],
                                                                      self.path("out"))
        self.assertEqual(to_dict.call_count, 2)
        self.assertEqual([type(c.args[1]).__name__ for c in to_dict.call_args_list],
                         ["EncodeResult", "EncodeResult"])
        self.assertEqual([r["input_path"] for r in results], [str(valid), str(missing)])
        ok, bad = results
        self.assertEqual(set(ok), {"input_path", "output_path", "success", "error", "metadata",
                                   "encode_time", "file_size"})
        self.assertEqual((ok["success"], ok["error"], ok["file_size"], ok["output_path"]),
                         (True, None, 1024, self.path("out", "a_valid.rts.png")))
        self.assertEqual(ok["metadata"]["name"], "a_valid")
        self.assertEqual(ok["metadata"]["type"], "binary")
        self.assertEqual(bad, {"input_path": str(missing), "output_path": None,
                               "success": False, "error": "File not found: %s" % missing,
                               "metadata": None, "encode_time": None, "file_size": None})

    def test_detect_type(self):
        from systems.pixel_compiler.pixelrts_parallel import ParallelPixelRTSEncoder
        enc = ParallelPixelRTSEncoder(workers=1)
        for name, kind in (("m.wasm", "wasm"), ("k.bin", "binary"), ("v.ELF", "elf"),
                           ("l.so", "library"), ("l.dylib", "library"), ("l.dll", "library"),
                           ("notes.txt", "binary"), ("noext", "binary")):
            self.assertEqual(enc._detect_type(Path(name)), kind, name)

    def test_parallel_decode_batch(self):
        # signature (input_files, output_dir, workers=None, verify_hash=False); outputs
        # OUTPUT_DIR/<stem>.bin, the stem of "t.rts.png" being "t.rts"; dicts of four keys
        from systems.pixel_compiler.pixelrts_parallel import (ParallelPixelRTSEncoder,
                                                              parallel_decode_batch)
        params = inspect.signature(parallel_decode_batch).parameters
        self.assertEqual([(p.name, p.default) for p in params.values()],
                         [("input_files", inspect.Parameter.empty),
                          ("output_dir", inspect.Parameter.empty),
                          ("workers", None), ("verify_hash", False)])
        files = []
        for i in range(3):
            f = Path(self.path("in", "test_%d.bin" % i))
            support.write_file(str(f), bytes([i]) * 1024)
            files.append(f)
        encoded = ParallelPixelRTSEncoder(workers=2).encode_batch(files, self.path("enc"))
        decoded = parallel_decode_batch([r["output_path"] for r in encoded], self.path("dec"),
                                        workers=2, verify_hash=True)
        self.assertEqual([sorted(r) for r in decoded],
                         [["error", "input_path", "output_path", "success"]] * 3)
        for i, r in enumerate(decoded):
            self.assertEqual((r["success"], r["error"]), (True, None))
            self.assertEqual(r["output_path"], self.path("dec", "test_%d.rts.bin" % i))
            self.assertEqual(Path(r["output_path"]).read_bytes(), bytes([i]) * 1024)


# ---------------------------------------------------------------------------------------------
# benchmark_pixelrts

class BenchmarkResultType(unittest.TestCase):
    def test_fields_and_defaults(self):
        from systems.pixel_compiler.benchmark_pixelrts import BenchmarkResult
        self.assertEqual([f.name for f in dataclasses.fields(BenchmarkResult)],
                         ["test_name", "data_size", "grid_size", "encode_time", "decode_time",
                          "total_time", "throughput_mb_sec", "peak_memory_mb", "metadata"])
        r = BenchmarkResult("t", 4096, 32, 0.1, 0.2, 0.3, 1.5)
        self.assertEqual(dataclasses.asdict(r), {
            "test_name": "t", "data_size": 4096, "grid_size": 32, "encode_time": 0.1,
            "decode_time": 0.2, "total_time": 0.3, "throughput_mb_sec": 1.5,
            "peak_memory_mb": None, "metadata": None})


@skip_without_bench
class BenchmarkModule(TempDirTest):
    def bench(self):
        from systems.pixel_compiler.benchmark_pixelrts import PixelRTSBenchmark
        return PixelRTSBenchmark(output_dir=self.path("results"))

    def test_generate_test_data(self):
        bench = self.bench()
        self.assertEqual(bench.generate_test_data(4, "zeros"), b"\x00" * 4)
        self.assertEqual(bench.generate_test_data(3, "ones"), b"\xff\xff\xff")
        seq = bench.generate_test_data(600, "sequential")
        self.assertEqual(seq, bytes(i % 256 for i in range(600)))
        data = bench.generate_test_data(1000)  # "random" by default
        self.assertEqual((type(data), len(data)), (bytes, 1000))
        self.assertNotEqual(data, bench.generate_test_data(1000, "random"))
        self.assertEqual(bench.generate_test_data(0, "sequential"), b"")
        with self.assertRaises(ValueError) as cm:
            bench.generate_test_data(10, "noise")
        self.assertEqual(str(cm.exception), "Unknown pattern: noise")

    def test_result_and_history(self):
        from systems.pixel_compiler.benchmark_pixelrts import BenchmarkResult
        bench = self.bench()
        self.assertEqual(bench.get_history(), [])
        result = bench.benchmark_encode_decode(data_size=4096, iterations=1)
        # every field of the original's BenchmarkResult is in the result
        typed = BenchmarkResult(**{f.name: result[f.name]
                                   for f in dataclasses.fields(BenchmarkResult)})
        self.assertEqual((typed.data_size, typed.grid_size), (4096, 32))
        self.assertEqual(typed.metadata["iterations"], 1)
        history = bench.get_history()
        self.assertEqual(len(history), 1)
        self.assertEqual(history[0]["test_name"], result["test_name"])
        self.assertEqual(history[0]["throughput_mb_sec"], result["throughput_mb_sec"])

    def test_alignment_gains(self):
        bench = self.bench()
        rc, out, err = run_captured(bench.benchmark_alignment_gains, 65536, 2)
        self.assertEqual(set(rc), {"test_name", "data_size", "avg_unaligned_sec",
                                   "avg_aligned_sec", "improvement_percent"})
        self.assertEqual((rc["test_name"], rc["data_size"]), ("alignment_gains", 65536))
        u, a = rc["avg_unaligned_sec"], rc["avg_aligned_sec"]
        self.assertGreater(u, 0)
        self.assertGreater(a, 0)
        self.assertEqual(rc["improvement_percent"], (u - a) / u * 100)
        self.assertEqual(out, "\nAlignment Gains Benchmark (0.1MB):\n  Unaligned: %.4fs\n"
                              "  Aligned:   %.4fs\n  Speedup:   %.1f%%\n"
                         % (u, a, (u - a) / u * 100))
        # measurements of their own: the history stays as it was
        self.assertEqual(bench.get_history(), [])
        # and the handle is back to normal: the next benchmark is recorded, its input where
        # malloc put it (no "alignment" in its metadata)
        result = bench.benchmark_encode_decode(data_size=4096, iterations=1)
        self.assertNotIn("alignment", result["metadata"])
        self.assertEqual(len(bench.get_history()), 1)
        with self.assertRaises(ValueError) as cm:
            bench.benchmark_alignment_gains(0)
        self.assertEqual(str(cm.exception), "data_size must be >= 1, got 0")

    def test_alignment_gains_flag(self):
        from systems.pixel_compiler.benchmark_pixelrts import main
        rc, out, err = run_captured(main, ["--alignment-gains", "--iterations", "1",
                                           "--output", self.path("results")])
        self.assertEqual((rc, err), (0, ""))
        self.assertRegex(out, r"^\nAlignment Gains Benchmark \(10\.0MB\):\n"
                              r"  Unaligned: \d+\.\d{4}s\n  Aligned:   \d+\.\d{4}s\n"
                              r"  Speedup:   -?\d+\.\d%\n$")


# ---------------------------------------------------------------------------------------------
# benchmark_dashboard

@skip_without_bench
class DashboardModule(TempDirTest):
    def test_the_originals_page(self):
        # the original's own test: a one-line history, the page titled "PixelRTS Performance
        # Dashboard", naming the test
        from systems.pixel_compiler.benchmark_dashboard import BenchmarkDashboard
        dash = BenchmarkDashboard(results_dir=self.dir)
        self.assertEqual(dash.load_history(), [])
        Path(self.path("benchmark_history.jsonl")).write_text(
            '{"test_name":"test1","data_size":1048576,"encode_time":0.5,"decode_time":0.3,'
            '"total_time":0.8,"throughput_mb_sec":1.25}\n')
        output = dash.generate_html(output_path=self.path("dashboard.html"))
        self.assertEqual(output, self.path("dashboard.html"))
        page = Path(output).read_text()
        self.assertIn("<title>PixelRTS Performance Dashboard</title>", page)
        self.assertIn("<h1>PixelRTS Performance Dashboard</h1>", page)
        self.assertIn("test1", page)


# ---------------------------------------------------------------------------------------------
# pixelrts_cli

def verify_args(path, json_output=False, verbose=False):
    """What the original's tests passed to cmd_verify: an object with input, json, verbose."""
    class Args:
        pass
    args = Args()
    args.input, args.json, args.verbose = str(path), json_output, verbose
    return args


class CliFunctions(TempDirTest):
    def test_imports(self):
        from systems.pixel_compiler.pixelrts_cli import (cmd_benchmark, cmd_convert,
                                                         cmd_dashboard, cmd_info, cmd_verify,
                                                         main)
        for fn in (cmd_benchmark, cmd_convert, cmd_dashboard, cmd_info, cmd_verify, main):
            self.assertTrue(callable(fn))

    def test_help_lists_the_commands(self):
        from systems.pixel_compiler.pixelrts_cli import main
        out = io.StringIO()
        with contextlib.redirect_stdout(out), self.assertRaises(SystemExit) as cm:
            main(["--help"])
        self.assertEqual(cm.exception.code, 0)
        for word in ("PixelRTS v2", "convert", "benchmark", "dashboard", "info", "verify"):
            self.assertIn(word, out.getvalue())

    def test_cmd_convert_and_cmd_info_take_the_namespace(self):
        from systems.pixel_compiler.pixelrts_cli import build_parser, cmd_convert, cmd_info
        support.write_file(self.path("k.bin"), b"\x00\x01\x02\x03" * 256)
        args = build_parser().parse_args(["convert", self.path("k.bin"), "--type", "kernel"])
        rc, out, err = run_captured(cmd_convert, args)
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("Successfully created: %s" % self.path("k.rts.png"), out)
        self.assertEqual(Png(self.path("k.rts.png")).metadata()["type"], "kernel")
        rc, out, err = run_captured(cmd_info, argparse.Namespace(input=self.path("k.rts.png")))
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("Data Size: 1024 bytes", out)
        rc, out, err = run_captured(cmd_info, argparse.Namespace(input=self.path("no.rts.png")))
        self.assertEqual((rc, out), (1, ""))
        self.assertEqual(err, "Error: File not found: %s\n" % self.path("no.rts.png"))


class CliVerify(TempDirTest):
    """cmd_verify and `verify`: the original's steps structure, consistency,
    segment_integrity, signature; exit 0 unless one failed."""

    def encode(self, name, data, **kwargs):
        from systems.pixel_compiler.pixelrts_v2_core import PixelRTSEncoder
        path = self.path(name)
        PixelRTSEncoder(mode=kwargs.pop("mode", "standard")).save(data, path, **kwargs)
        return path

    def converted(self):
        from systems.pixel_compiler.pixelrts_cli import main
        support.write_file(self.path("k.bin"), support.pseudo_random(5000, 19))
        rc, _, _ = run_captured(main, ["convert", self.path("k.bin")])
        self.assertEqual(rc, 0)
        return self.path("k.rts.png")

    def verify(self, path, **kwargs):
        from systems.pixel_compiler.pixelrts_cli import cmd_verify
        return run_captured(cmd_verify, verify_args(path, **kwargs))

    def steps(self, path):
        rc, out, err = self.verify(path, json_output=True)
        result = json.loads(out)
        return rc, {s["step_name"]: s for s in result["steps"]}, result

    def test_pass_report(self):
        # a file `convert` wrote: its one segment is the whole file, unsigned
        path = self.converted()
        rc, out, err = self.verify(path)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out, "\n[PASS] Verification: %s\n%s\nSteps: 3/4 passed\n\n"
                         % (path, "=" * 60))

    def test_verbose_report(self):
        path = self.converted()
        rc, out, err = self.verify(path, verbose=True)
        self.assertEqual(rc, 0)
        self.assertEqual(out.split("Step Details:\n")[1],
                         "  [PASS] structure\n"
                         "       Valid PNG structure with PixelRTS metadata\n"
                         "  [PASS] consistency\n"
                         "       Hash consistency verified\n"
                         "  [PASS] segment_integrity\n"
                         "       Segment integrity verified for 1 segment(s)\n"
                         "  [SKIP] signature\n"
                         "       No public key available\n"
                         "       - note: No PIXELRTS_PUBLIC_KEY env var and no embedded "
                         "public key\n\n")

    def test_json_report(self):
        path = self.converted()
        data = Path(self.path("k.bin")).read_bytes()
        rc, steps, result = self.steps(path)
        self.assertEqual(rc, 0)
        self.assertEqual(list(result), ["overall_status", "file_path", "timestamp", "steps",
                                        "summary"])
        self.assertEqual((result["overall_status"], result["file_path"]), ("pass", path))
        self.assertRegex(result["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        self.assertEqual(result["summary"], {"total": 4, "passed": 3, "failed": 0,
                                             "warnings": 0})
        self.assertEqual(list(steps), ["structure", "consistency", "segment_integrity",
                                       "signature"])
        for step in steps.values():
            self.assertEqual(list(step), ["step_name", "status", "message", "details",
                                          "duration_ms"])
            self.assertGreaterEqual(step["duration_ms"], 0)
        self.assertEqual(steps["structure"]["details"],
                         {"grid_size": 64, "format_version": "PixelRTS-2.0"})
        self.assertEqual(steps["consistency"]["details"],
                         {"hash": hashlib.sha256(data).hexdigest()[:16] + "...",
                          "data_size": 5000})
        self.assertEqual(steps["segment_integrity"]["details"],
                         {"segments": ["k"], "sizes": {"k": 5000}})
        self.assertEqual(steps["signature"]["status"], "skip")

    def test_via_main(self):
        from systems.pixel_compiler.pixelrts_cli import main
        path = self.converted()
        with mock.patch("sys.argv", ["pixelrts", "verify", path]):
            rc, out, err = run_captured(main)
        self.assertEqual(rc, 0)
        self.assertIn("[PASS] Verification: %s" % path, out)
        with mock.patch("sys.argv", ["pixelrts", "verify", "--json", path]):
            rc, out, err = run_captured(main)
        self.assertEqual((rc, json.loads(out)["overall_status"]), (0, "pass"))
        rc, out, err = run_captured(main, ["verify", "-v", self.path("missing.rts.png")])
        self.assertEqual((rc, out), (1, ""))

    def test_missing_file_and_directory(self):
        rc, out, err = self.verify(self.path("missing.rts.png"))
        self.assertEqual((rc, out, err),
                         (1, "", "Error: Input file not found: %s\n"
                          % self.path("missing.rts.png")))
        rc, out, err = self.verify(self.dir)
        self.assertEqual((rc, out, err), (1, "", "Error: Input path is not a file: %s\n"
                                          % self.dir))

    def test_structure_failures(self):
        cases = (("junk.png", b"This is not a valid PNG file content", "Invalid PNG signature"),
                 ("tall.png", support.make_png(4, 8), "Image is not square"),
                 ("three.png", support.make_png(3, 3), "Grid size is not a power of 2"),
                 ("plain.png", support.make_png(4, 4), "No valid PixelRTS metadata found"))
        for name, content, message in cases:
            support.write_file(self.path(name), content)
            rc, steps, result = self.steps(self.path(name))
            self.assertEqual((rc, result["overall_status"]), (1, "fail"), name)
            self.assertEqual((steps["structure"]["status"], steps["structure"]["message"]),
                             ("fail", message), name)
            # without metadata the other steps have nothing to check
            self.assertEqual([steps[s]["status"] for s in ("consistency", "segment_integrity",
                                                           "signature")],
                             ["skip"] * 3, name)
            self.assertEqual(steps["consistency"]["message"],
                             "No metadata found - cannot verify hash consistency")
        rc, out, err = self.verify(self.path("junk.png"))
        self.assertEqual(out, "\n[FAIL] Verification: %s\n%s\nSteps: 0/4 passed\n  Failed: 1"
                              "\n\nIssues:\n  [FAIL] structure: Invalid PNG signature\n\n"
                         % (self.path("junk.png"), "=" * 60))

    def test_tampered_payload_hash(self):
        path = self.encode("t.rts.png", b"payload bytes" * 50)
        support.rewrite_metadata(path, lambda m: m.__setitem__("data_hash", "ab" * 32))
        rc, steps, result = self.steps(path)
        self.assertEqual((rc, result["summary"]["failed"]), (1, 1))
        step = steps["consistency"]
        self.assertEqual((step["status"], step["message"]),
                         ("fail", "Hash mismatch detected - data may be corrupted or tampered"))
        self.assertEqual(step["details"]["expected"], "ab" * 32)
        self.assertIn("Hash mismatch: expected %s, got %s"
                      % ("ab" * 32, hashlib.sha256(b"payload bytes" * 50).hexdigest()),
                      step["details"]["error"])

    def test_segments_with_offsets(self):
        data = support.pseudo_random(1000, 5)
        good = {"head": {"start": 0, "size": 100, "sha256": hashlib.sha256(data[:100]).hexdigest()},
                "body": {"start": 100, "size": 900,
                         "sha256": hashlib.sha256(data[100:]).hexdigest()}}
        rc, steps, _ = self.steps(self.encode("s.rts.png", data, metadata={"segments": good}))
        self.assertEqual(rc, 0)
        self.assertEqual(steps["segment_integrity"]["message"],
                         "Segment integrity verified for 2 segment(s)")
        self.assertEqual(steps["segment_integrity"]["details"],
                         {"segments": ["head", "body"], "sizes": {"head": 100, "body": 900}})
        bad = dict(good, body={"start": 100, "size": 50, "sha256": "00" * 32},
                   odd={"size": 7, "sha256": "11" * 32})
        rc, steps, _ = self.steps(self.encode("b.rts.png", data, metadata={"segments": bad}))
        self.assertEqual(rc, 1)
        step = steps["segment_integrity"]
        self.assertEqual((step["status"], step["message"]),
                         ("fail", "Segment integrity verification failed for 2 segment(s)"))
        self.assertEqual(step["details"], {
            "failed_segments": [
                {"segment": "body", "status": "fail", "expected": "00" * 32,
                 "actual": hashlib.sha256(data[100:150]).hexdigest(), "size": 50},
                {"segment": "odd", "error": "Invalid offset format for segment 'odd'"}],
            "passed_segments": 1, "total_segments": 3})

    def test_no_segments_skips(self):
        rc, steps, _ = self.steps(self.encode("n.rts.png", b"abc" * 10))
        self.assertEqual(rc, 0)
        self.assertEqual((steps["segment_integrity"]["status"],
                          steps["segment_integrity"]["message"]),
                         ("skip", "No segment offsets found in metadata"))

    def test_code_mode_whole_file_segment(self):
        # no byte ranges in code mode: the segment covering the whole payload is checked
        # against the hash the consistency step had the library verify
        data = b"\x00asm\x01\x00\x00\x00" * 20
        segment = {"w": {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}}
        rc, steps, _ = self.steps(self.encode("c.rts.png", data, mode="code",
                                              metadata={"segments": segment}))
        self.assertEqual(rc, 0)
        self.assertEqual(steps["segment_integrity"]["status"], "pass")

    @unittest.skipIf(Ed25519PrivateKey is None, "the cryptography package is not installed")
    def test_signed_file(self):
        data = b"Test data for signed verification"
        key = Ed25519PrivateKey.generate()
        public = public_hex(key)
        digest = hashlib.sha256(data).hexdigest()
        signature = {"value": key.sign(bytes.fromhex(digest)).hex(), "public_key": public,
                     "algorithm": "Ed25519"}
        rc, steps, result = self.steps(self.encode("sig.rts.png", data,
                                                   metadata={"signature": signature}))
        self.assertEqual((rc, result["overall_status"]), (0, "pass"))
        self.assertEqual(steps["signature"]["message"], "Signature verification passed")
        self.assertEqual(steps["signature"]["details"],
                         {"public_key": public[:16] + "...", "hash_verified": digest[:16] + "..."})
        forged = dict(signature, value="00" * 64)
        rc, steps, _ = self.steps(self.encode("forged.rts.png", data,
                                              metadata={"signature": forged}))
        self.assertEqual(rc, 1)
        self.assertEqual((steps["signature"]["status"], steps["signature"]["message"]),
                         ("fail", "Signature verification failed - file may be tampered"))
        # PIXELRTS_PUBLIC_KEY takes precedence over the embedded key
        other = public_hex(Ed25519PrivateKey.generate())
        with mock.patch.dict(os.environ, {"PIXELRTS_PUBLIC_KEY": other}):
            rc, steps, _ = self.steps(self.path("sig.rts.png"))
        self.assertEqual((rc, steps["signature"]["status"]), (1, "fail"))

    def test_signed_file_without_cryptography(self):
        # Ed25519 needs the `cryptography` package: where it cannot be imported a signed file
        # fails the step, saying why, as in the original, rather than passing unchecked
        signature = {"value": "00" * 64, "public_key": "11" * 32}
        path = self.encode("sig.rts.png", b"x" * 10, metadata={"signature": signature})
        hidden = {name: None for name in ("cryptography", "cryptography.exceptions",
                                          "cryptography.hazmat.primitives.asymmetric.ed25519")}
        with mock.patch.dict("sys.modules", hidden):
            rc, steps, _ = self.steps(path)
        self.assertEqual((rc, steps["signature"]["status"]), (1, "fail"))
        self.assertRegex(steps["signature"]["message"],
                         r"^Signature verification error: .*cryptography")


@skip_without_bench
class CliBenchmarkCommands(TempDirTest):
    def test_cmd_benchmark(self):
        from systems.pixel_compiler.pixelrts_cli import build_parser, cmd_benchmark
        out_dir = self.path("results")
        args = build_parser().parse_args(["benchmark", "--sizes", "4096", "--iterations", "1",
                                          "--output", out_dir])
        rc, out, err = run_captured(cmd_benchmark, args)
        self.assertEqual((rc, err), (0, ""))
        self.assertRegex(out, r"^Benchmarking 0\.0MB\.\.\.\n\n=== Benchmark Results ===\n\n"
                              r"Size: 0\.0MB\n  Encode: \d+\.\d{3}s\n  Decode: \d+\.\d{3}s\n"
                              r"  Total:  \d+\.\d{3}s\n  Throughput: \d+\.\d{2} MB/sec\n$")
        history = [json.loads(line) for line in
                   Path(out_dir, "benchmark_history.jsonl").read_text().splitlines()]
        self.assertEqual([h["data_size"] for h in history], [4096])
        # a Namespace made for the original's `benchmark` (pattern detectors: --algorithm,
        # --verbose, extra arguments) runs these benchmarks with its sizes, iterations, output
        original = argparse.Namespace(algorithm=None, sizes=[2048], iterations=1,
                                      output=out_dir, verbose=False, extra_args=[])
        rc, out, err = run_captured(cmd_benchmark, original)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(len(Path(out_dir, "benchmark_history.jsonl").read_text().splitlines()),
                         2)
        rc, out, err = run_captured(cmd_benchmark, argparse.Namespace(
            output=out_dir, check_regression=True))
        self.assertEqual((rc, out), (0, "No regressions detected\n"))

    def test_cmd_dashboard(self):
        from systems.pixel_compiler.benchmark_pixelrts import PixelRTSBenchmark
        from systems.pixel_compiler.pixelrts_cli import cmd_dashboard
        PixelRTSBenchmark(output_dir=self.path("benchmark_results")).benchmark_encode_decode(
            data_size=4096, iterations=1)
        # the original's `dashboard` had --output alone and read ./benchmark_results
        cwd = os.getcwd()
        os.chdir(self.dir)
        try:
            rc, out, err = run_captured(cmd_dashboard, argparse.Namespace(output="d.html"))
        finally:
            os.chdir(cwd)
        self.assertEqual((rc, out, err), (0, "Dashboard generated: d.html\n", ""))
        self.assertIn("<title>PixelRTS Performance Dashboard</title>",
                      Path(self.path("d.html")).read_text())
        rc, out, err = run_captured(cmd_dashboard, argparse.Namespace(
            output=self.path("e.html"), results_dir=self.path("benchmark_results")))
        self.assertEqual((rc, out), (0, "Dashboard generated: %s\n" % self.path("e.html")))
        rc, out, err = run_captured(cmd_dashboard, argparse.Namespace(
            output=self.path("f.html"), results_dir=self.path("none")))
        self.assertEqual((rc, out), (1, ""))
        self.assertTrue(err.startswith("Error: "), err)
        self.assertFalse(os.path.exists(self.path("f.html")))


if __name__ == "__main__":
    unittest.main()
