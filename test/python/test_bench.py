"""PixelRTSBenchmark / BenchmarkDashboard over libpixelrts-bench's benchmark API (prts_bench_*).
They skip, saying why, where libpixelrts-bench cannot be loaded (never in the meson runs: they
name it in $PIXELRTS_BENCH_LIBRARY, and support.bench_missing fails if it does not load); then
only the clear RuntimeError is checked (test_loader checks it in every run)."""

import copy
import io
import json
import os
import tempfile
import unittest
from contextlib import redirect_stdout

from support import bench_missing, skip_without_bench

from pixelrts import BenchmarkDashboard, PixelRTSBenchmark, calculate_grid_size

HISTORY_KEYS = ("test_name", "data_size", "grid_size", "encode_time", "decode_time",
                "total_time", "throughput_mb_sec", "peak_memory_mb", "metadata")


class WithoutTheApi(unittest.TestCase):
    def test_clear_error(self):
        reason = bench_missing()
        if not reason:
            self.skipTest("the library has the benchmark API")
        for cls, kwargs in ((PixelRTSBenchmark, {"output_dir": None}),
                            (BenchmarkDashboard, {})):
            with tempfile.TemporaryDirectory() as tmp:
                old = os.getcwd()
                os.chdir(tmp)
                try:
                    with self.assertRaises(RuntimeError) as cm:
                        cls(**kwargs)
                finally:
                    os.chdir(old)
                self.assertIn("prts_bench_new", str(cm.exception))
                self.assertIn(cls.__name__, str(cm.exception))
                self.assertEqual(os.listdir(tmp), [])  # nothing created


@skip_without_bench
class Benchmark(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="prts-bench-")
        self.dir = os.path.join(self._tmp.name, "results")

    def tearDown(self):
        self._tmp.cleanup()

    def history_lines(self):
        with open(os.path.join(self.dir, "benchmark_history.jsonl")) as f:
            return [json.loads(line) for line in f if line.strip()]

    def test_encode_decode(self):
        bench = PixelRTSBenchmark(output_dir=self.dir)
        self.assertTrue(os.path.isdir(self.dir))
        r = bench.benchmark_encode_decode(data_size=65536, pattern="zeros", iterations=2)
        for key in HISTORY_KEYS:
            self.assertIn(key, r)
        self.assertEqual(r["data_size"], 65536)
        self.assertEqual(r["grid_size"], calculate_grid_size(65536))
        self.assertGreater(r["throughput_mb_sec"], 0)
        self.assertGreater(r["encode_time"], 0)
        self.assertGreater(r["decode_time"], 0)
        self.assertEqual((r["metadata"]["iterations"], r["metadata"]["pattern"],
                          r["metadata"]["mode"]), (2, "zeros", "standard"))
        code = bench.benchmark_encode_decode(data_size=4096, pattern="sequential", iterations=1,
                                             mode="code")
        self.assertEqual(code["metadata"]["mode"], "code")
        self.assertEqual(self.history_lines(), [r, code])
        self.assertEqual(bench.get_history(), [r, code])

    def test_sizes(self):
        bench = PixelRTSBenchmark(output_dir=self.dir)
        out = io.StringIO()
        with redirect_stdout(out):
            results = bench.benchmark_sizes(sizes=[4096, 1 << 20], iterations=1)
        self.assertEqual([r["data_size"] for r in results], [4096, 1 << 20])
        self.assertEqual(out.getvalue(), "Benchmarking 0.0MB...\nBenchmarking 1.0MB...\n")

    def test_bad_arguments(self):
        bench = PixelRTSBenchmark(output_dir=self.dir)
        with self.assertRaises(ValueError) as cm:
            bench.benchmark_encode_decode(data_size=1024, pattern="stripes")
        self.assertEqual(str(cm.exception), "Unknown pattern: stripes")
        with self.assertRaises(ValueError) as cm:
            bench.benchmark_encode_decode(data_size=1024, mode="fast")
        self.assertEqual(str(cm.exception), "Invalid mode: fast. Must be 'standard' or 'code'")

    def test_regressions(self):
        bench = PixelRTSBenchmark(output_dir=self.dir)
        self.assertEqual(bench.detect_regression(), [])
        base = bench.benchmark_encode_decode(data_size=4096, iterations=1)
        fast, slow = copy.deepcopy(base), copy.deepcopy(base)
        fast["throughput_mb_sec"] = 100.0
        slow["throughput_mb_sec"] = 50.0
        with open(os.path.join(self.dir, "benchmark_history.jsonl"), "w") as f:
            for entry in (fast, slow):
                f.write(json.dumps(entry) + "\n")
        found = bench.detect_regression(threshold=0.10)
        self.assertEqual(len(found), 1, found)
        self.assertEqual(found[0]["test_name"], base["test_name"])
        self.assertAlmostEqual(found[0]["regression_percent"], 50.0, delta=0.5)
        self.assertEqual(bench.detect_regression(threshold=0.6), [])

    def test_dashboard(self):
        bench = PixelRTSBenchmark(output_dir=self.dir)
        runs = [bench.benchmark_encode_decode(data_size=4096, iterations=1) for _ in range(2)]
        dash = BenchmarkDashboard(results_dir=self.dir)
        self.assertEqual(dash.load_history(), runs)
        out = os.path.join(self._tmp.name, "reports", "dash.html")
        self.assertEqual(dash.generate_html(out), out)
        with open(out, encoding="utf-8") as f:
            html = f.read()
        self.assertIn("<html", html.lower())
        self.assertIn(runs[0]["test_name"], html)
        self.assertNotIn("<script src=\"http", html)  # self-contained: works offline
        self.assertEqual(BenchmarkDashboard(results_dir=os.path.join(self._tmp.name, "none"))
                         .load_history(), [])


if __name__ == "__main__":
    unittest.main()
