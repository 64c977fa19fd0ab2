"""The guide's command-line tools, as the original's modules ran them:

    python3 -m systems.pixel_compiler.pixelrts_cli convert|info|verify|benchmark|dashboard ...
    python3 -m systems.pixel_compiler.benchmark_pixelrts [--sizes N ...] [--check-regression]
                                                         [--alignment-gains]
    python3 -m systems.pixel_compiler.benchmark_dashboard [--output F]

Same options, output lines and exit codes as the original for these commands (0 success,
1 failure); cmd_convert, cmd_info, cmd_verify, cmd_benchmark and cmd_dashboard take the parsed
argparse Namespace and return the exit code, as the original's did.  `benchmark` runs the
PixelRTS encode/decode benchmarks of benchmark_pixelrts (the original's later `benchmark`
timed its image pattern detectors, which are not PixelRTS encoding).  The native `pixelrts`
tool (examples/) does the same work with more options.
"""

import argparse
import hashlib
import sys
from pathlib import Path

from .errors import PixelRTSError

__all__ = ["main", "build_parser", "cmd_convert", "cmd_info", "cmd_verify", "cmd_benchmark",
           "cmd_dashboard", "benchmark_main", "dashboard_main"]


def _file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# convert

def _input_is_file(path, name):
    """True if `path` is a file; else the original's error line on stderr."""
    if not path.exists():
        print(f"Error: Input file not found: {name}", file=sys.stderr)
        return False
    if not path.is_file():
        print(f"Error: Input path is not a file: {name}", file=sys.stderr)
        return False
    return True


def _convert_single_file(args):
    from .files import MMapPixelRTSEncoder

    input_path = Path(args.input)
    output_path = Path(args.output) if args.output else input_path.with_suffix(".rts.png")
    if not _input_is_file(input_path, args.input):
        return 1
    if args.verbose:
        print(f"Reading input file: {args.input}")
    data_size = input_path.stat().st_size
    if args.verbose:
        print(f"Input size: {data_size} bytes ({data_size / 1024:.2f} KB)")

    metadata = {}
    for key in ("type", "name", "version", "description"):
        if getattr(args, key):
            metadata[key] = getattr(args, key)
    # the original records the file as one segment, with its own hash
    metadata["segments"] = {
        args.name or input_path.stem: {
            "type": args.type or "binary",
            "size": data_size,
            "sha256": _file_sha256(input_path),
        }
    }
    try:
        encoder = MMapPixelRTSEncoder(mode=args.mode, level=args.level, backend=args.backend)
        if args.verbose:
            print(f"Encoding mode: {args.mode}")
            print("Encoding data...")
        result = encoder.encode_file(str(input_path), str(output_path), metadata=metadata,
                                     grid_size=args.grid_size)
    except (PixelRTSError, ValueError, OSError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    grid_size = result["grid_size"]
    if args.verbose:
        print("Encoding complete.")
        print(f"Sidecar metadata saved to: {output_path}.meta.json")
    print(f"Successfully created: {output_path}")
    print("\nSummary:")
    print(f"  Input:  {args.input} ({data_size} bytes)")
    print(f"  Output: {output_path}")
    print(f"  Grid:   {grid_size}x{grid_size}")
    print(f"  Mode:   {args.mode}")
    return 0


def cmd_convert(args):
    from .parallel import ParallelPixelRTSEncoder

    input_path = Path(args.input)
    output_path = Path(args.output) if args.output else input_path.with_suffix(".rts.png")
    if not args.parallel:
        return _convert_single_file(args)
    if not args.recursive and not input_path.is_dir():
        if args.verbose:
            print("Note: Parallel mode with single file - using direct encoding")
        return _convert_single_file(args)
    metadata = {k: getattr(args, k) for k in ("type", "name", "version", "description")
                if getattr(args, k)}
    try:
        encoder = ParallelPixelRTSEncoder(workers=args.workers, mode=args.mode,
                                          mmap_threshold=args.mmap_threshold * 1024 * 1024,
                                          level=args.level, backend=args.backend)
        results = encoder.encode_directory(input_dir=input_path, output_dir=output_path,
                                           pattern=args.pattern, recursive=args.recursive,
                                           metadata=metadata or None)
    except (PixelRTSError, ValueError, OSError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    success = sum(1 for r in results if r["success"])
    print(f"Converted {success}/{len(results)} files")
    for result in results:
        if not result["success"]:
            print(f"  Error: {result['input_path']}: {result['error']}")
    return 0 if success == len(results) else 1


# ---------------------------------------------------------------------------------------------
# info

def cmd_info(args):
    from .files import MMapPixelRTSDecoder

    try:
        info = MMapPixelRTSDecoder().get_info(args.input)
    except (PixelRTSError, ValueError, OSError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    print(f"File: {args.input}")
    print(f"Format: {info.get('format', 'PixelRTS')}")
    print(f"Grid Size: {info.get('grid_size', 'Unknown')}")
    print(f"Data Size: {info.get('data_size', 'Unknown')} bytes")
    encoding = info.get("encoding", {})
    if encoding:
        print(f"Encoding: {encoding.get('type', 'Unknown')}")
    segments = info.get("segments")
    if isinstance(segments, dict) and segments:
        print("\nSegments:")
        for name, seg in segments.items():
            seg = seg if isinstance(seg, dict) else {}
            print(f"  {name}:")
            print(f"    Type: {seg.get('type', 'Unknown')}")
            print(f"    Size: {seg.get('size', 'Unknown')} bytes")
            if "sha256" in seg:
                print(f"    Hash: {str(seg['sha256'])[:16]}...")
    return 0


# ---------------------------------------------------------------------------------------------
# benchmark and dashboard

def _benchmark_parser(prog=None, parser=None):
    p = parser or argparse.ArgumentParser(prog=prog, description="PixelRTS Performance Benchmark")
    p.add_argument("--sizes", nargs="+", type=int,
                   help="Data sizes in bytes (e.g., 1048576 for 1MB)")
    p.add_argument("--iterations", type=int, default=5, help="Number of iterations per test")
    p.add_argument("--output", type=str, default="benchmark_results",
                   help="Output directory for results")
    p.add_argument("--check-regression", action="store_true",
                   help="Check for performance regressions")
    p.add_argument("--alignment-gains", action="store_true",
                   help="Benchmark performance gains from 64-byte alignment")
    return p


def _run_benchmark(args):
    from .bench import PixelRTSBenchmark

    try:
        bench = PixelRTSBenchmark(output_dir=args.output)
        if args.alignment_gains:
            bench.benchmark_alignment_gains(iterations=args.iterations)
            return 0
        if args.check_regression:
            regressions = bench.detect_regression()
            if regressions:
                print("Performance regressions detected:")
                for reg in regressions:
                    print(f"  {reg['test_name']}: -{reg['regression_percent']:.1f}%")
                return 1
            print("No regressions detected")
            return 0
        results = bench.benchmark_sizes(sizes=args.sizes, iterations=args.iterations)
    except (PixelRTSError, ValueError, RuntimeError, OSError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    print("\n=== Benchmark Results ===")
    for result in results:
        size_mb = result["data_size"] / (1024 * 1024)
        print(f"\nSize: {size_mb:.1f}MB")
        print(f"  Encode: {result['encode_time']:.3f}s")
        print(f"  Decode: {result['decode_time']:.3f}s")
        print(f"  Total:  {result['total_time']:.3f}s")
        print(f"  Throughput: {result['throughput_mb_sec']:.2f} MB/sec")
    return 0


def _dashboard_parser(prog=None, parser=None):
    p = parser or argparse.ArgumentParser(prog=prog,
                                          description="Generate PixelRTS performance dashboard")
    p.add_argument("--results-dir", default="benchmark_results",
                   help="Directory containing benchmark results")
    p.add_argument("--output", default="benchmark_dashboard.html", help="Output HTML file path")
    return p


def _run_dashboard(args):
    from .bench import BenchmarkDashboard

    try:
        output_path = BenchmarkDashboard(results_dir=args.results_dir).generate_html(args.output)
    except (PixelRTSError, ValueError, RuntimeError, OSError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    print(f"Dashboard generated: {output_path}")
    return 0


def _options_from(parser, args):
    """`parser`'s defaults, with what the Namespace `args` (made by another parser, such as the
    original's) sets for the same names."""
    options = parser.parse_args([])
    for key in vars(options):
        value = getattr(args, key, None)
        if value is not None:
            setattr(options, key, value)
    return options


def cmd_benchmark(args):
    """`benchmark`: the benchmarks of benchmark_pixelrts (--sizes, --iterations, --output
    folder, --check-regression, --alignment-gains).  A Namespace made for the original's
    `benchmark` (its --algorithm, --verbose and extra arguments, for image pattern detectors)
    runs these with its sizes, iterations and output where it has them."""
    return _run_benchmark(_options_from(_benchmark_parser(), args))


def cmd_dashboard(args):
    """`dashboard`: write the HTML dashboard of --results-dir (default benchmark_results,
    the only folder the original's `dashboard` read) to --output."""
    return _run_dashboard(_options_from(_dashboard_parser(), args))


# ---------------------------------------------------------------------------------------------
# verify

def cmd_verify(args):
    """`verify`: the original's checks of one .rts.png (structure, hash consistency, segment
    integrity, signature; pixelrts.verify), printed as its report (--json: as JSON, --verbose:
    every step).  0 when no step failed, 1 otherwise or when the input is missing."""
    from .verify import format_cli, to_json, verify_file

    input_path = Path(args.input)
    verbose = getattr(args, "verbose", False)
    if not _input_is_file(input_path, args.input):
        return 1
    try:
        result = verify_file(input_path)
    except (PixelRTSError, ValueError, OSError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    if getattr(args, "json", False):
        print(to_json(result, indent=2))
    else:
        print(format_cli(result, verbose=verbose))
    return 1 if result["overall_status"] == "fail" else 0


def benchmark_main(argv=None):
    """python3 -m systems.pixel_compiler.benchmark_pixelrts"""
    return _run_benchmark(_benchmark_parser("benchmark_pixelrts").parse_args(argv))


def dashboard_main(argv=None):
    """python3 -m systems.pixel_compiler.benchmark_dashboard"""
    return _run_dashboard(_dashboard_parser("benchmark_dashboard").parse_args(argv))


# ---------------------------------------------------------------------------------------------
# pixelrts_cli

def build_parser():
    parser = argparse.ArgumentParser(prog="pixelrts_cli",
                                     description="PixelRTS v2 - Binary Visualization Platform")
    sub = parser.add_subparsers(dest="command", help="Command to run")

    c = sub.add_parser("convert", help="Convert binary files")
    c.add_argument("input", help="Input file or directory")
    c.add_argument("output", nargs="?", help="Output file or directory")
    c.add_argument("--mode", choices=["standard", "code"], default="standard")
    c.add_argument("--parallel", action="store_true", help="Use parallel processing")
    c.add_argument("--workers", type=int, help="Number of workers (default: CPU count)")
    c.add_argument("--recursive", "-r", action="store_true",
                   help="Process directories recursively")
    c.add_argument("--pattern", default="*", help="File pattern to match (default: *)")
    c.add_argument("--mmap-threshold", type=int, default=100, metavar="MB",
                   help="File size threshold for memory mapping (default: 100 MB)")
    c.add_argument("--type", help="Content type")
    c.add_argument("--name", help="Content name")
    c.add_argument("--version", help="Content version")
    c.add_argument("--description", help="Content description")
    c.add_argument("--grid-size", type=int)
    c.add_argument("--level", type=int, help="PNG zlib level 0-9 (default 1)")
    c.add_argument("--backend", help="Pixel backend (default auto)")
    c.add_argument("-v", "--verbose", action="store_true")

    _benchmark_parser(parser=sub.add_parser("benchmark", help="Run benchmarks"))
    _dashboard_parser(parser=sub.add_parser("dashboard", help="Generate dashboard"))

    i = sub.add_parser("info", help="Show file information")
    i.add_argument("input", help=".rts.png file path")

    v = sub.add_parser("verify", help="Verify .rts.png file integrity and authenticity",
                       description="Runs all verification checks: structure, hash consistency, "
                                   "segment integrity, and signature.")
    v.add_argument("input", help="Input .rts.png file to verify")
    v.add_argument("--json", action="store_true",
                   help="Output results in JSON format for machine parsing")
    v.add_argument("-v", "--verbose", action="store_true",
                   help="Show detailed step-by-step verification output")
    return parser


def main(argv=None):
    """python3 -m systems.pixel_compiler.pixelrts_cli"""
    parser = build_parser()
    args = parser.parse_args(argv)
    commands = {"convert": cmd_convert, "info": cmd_info, "verify": cmd_verify,
                "benchmark": cmd_benchmark, "dashboard": cmd_dashboard}
    if args.command not in commands:
        parser.print_help()
        return 1
    return commands[args.command](args)
