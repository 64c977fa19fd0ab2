"""PixelRTSBenchmark and BenchmarkDashboard: the guide's benchmarking API (modules
``benchmark_pixelrts`` and ``benchmark_dashboard`` of the original), on the benchmark API of
libpixelrts-bench (pixelrts/bench.h, prts_bench_*).  Nothing is measured in Python: the library
generates the data, times the encoder and decoder, checks every round trip, keeps the history
(OUTPUT_DIR/benchmark_history.jsonl) and writes the dashboard.

libpixelrts-bench.so.1 is loaded when one of these classes is first instantiated, not before
(see pixelrts._lib: $PIXELRTS_BENCH_LIBRARY, beside libpixelrts, build trees, the system).
Without it the rest of the binding works; these classes then raise RuntimeError naming every
place tried.  A benchmark resets the process's peak-RSS mark (see pixelrts/bench.h).
"""

from pathlib import Path

from ._api import BenchOption, BenchString
from ._handles import Bench
from .core import check_mode
from .errors import Status, invalid_argument

__all__ = ["PixelRTSBenchmark", "BenchmarkDashboard"]

HISTORY_FILE = "benchmark_history.jsonl"


def _with_original_keys(regression):
    """Add the original's latest_throughput / best_throughput to a regression the library
    reports with `latest` / `baseline` (numbers, or history objects)."""
    for ours, theirs in (("latest", "latest_throughput"), ("baseline", "best_throughput")):
        if theirs in regression or ours not in regression:
            continue
        value = regression[ours]
        if isinstance(value, dict):
            value = value.get("throughput_mb_sec")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            regression[theirs] = value
    return regression


class PixelRTSBenchmark:
    """Benchmark suite for PixelRTS performance."""

    DEFAULT_SIZES = [1024 * 1024, 10 * 1024 * 1024, 100 * 1024 * 1024]

    def __init__(self, output_dir: str = None):
        """output_dir: folder of the results history (default "benchmark_results", created)."""
        self._bench = Bench("PixelRTSBenchmark")
        self.output_dir = Path(output_dir) if output_dir else Path("benchmark_results")
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.history_file = self.output_dir / HISTORY_FILE
        self._bench.set_string(BenchString.OUTPUT_DIR, str(self.output_dir))

    def benchmark_encode_decode(self, data_size: int = 1024 * 1024, pattern: str = "random",
                                iterations: int = 5, mode: str = "standard") -> dict:
        """Time `iterations` encode/decode round trips of `data_size` bytes of `pattern`
        ("random", "zeros", "ones", "sequential") in `mode`, each verified byte-exact; the
        result (encode_time, decode_time, total_time in seconds, throughput_mb_sec, ...) is
        appended to the history and returned."""
        check_mode(mode)
        b = self._bench
        b.set_string(BenchString.PATTERN, pattern, "Unknown pattern: %s" % pattern)
        b.set_string(BenchString.MODE, mode)
        b.set_option(BenchOption.ITERATIONS, iterations)
        if data_size < 0:
            raise invalid_argument("data_size must be >= 0, got %d" % data_size)
        return b.run(data_size)

    def benchmark_sizes(self, sizes: list = None, iterations: int = 3) -> list:
        """benchmark_encode_decode for each size (default 1 MB, 10 MB, 100 MB)."""
        if sizes is None:
            sizes = list(self.DEFAULT_SIZES)
        results = []
        for size in sizes:
            print(f"Benchmarking {size / (1024*1024):.1f}MB...")
            results.append(self.benchmark_encode_decode(data_size=size, iterations=iterations))
        return results

    def get_history(self) -> list:
        """Every result of the history, oldest first."""
        return self._bench.load_history()

    def detect_regression(self, threshold: float = 0.1) -> list:
        """Tests whose latest result is more than `threshold` (0.1 = 10%) slower than their
        baseline: dicts with test_name, regression_percent, ... (empty list if none)."""
        found = self._bench.detect_regressions(threshold) or []
        return [_with_original_keys(r) for r in found]


class BenchmarkDashboard:
    """Generate HTML dashboard from benchmark results."""

    def __init__(self, results_dir: str = "benchmark_results"):
        """results_dir: folder holding benchmark_history.jsonl."""
        self._bench = Bench("BenchmarkDashboard")
        self.results_dir = Path(results_dir)
        self.history_file = self.results_dir / HISTORY_FILE
        self._bench.set_string(BenchString.OUTPUT_DIR, str(self.results_dir))

    def load_history(self) -> list:
        """Every result of the history, oldest first (empty without a history)."""
        try:
            return self._bench.load_history() or []
        except FileNotFoundError as e:
            if getattr(e, "code", None) == Status.FILE_NOT_FOUND:
                return []
            raise

    def generate_html(self, output_path: str = "benchmark_dashboard.html") -> str:
        """Write a self-contained HTML dashboard of the history and return its path."""
        out = Path(output_path)
        out.parent.mkdir(parents=True, exist_ok=True)
        self._bench.write_dashboard(str(out))
        return str(out)
