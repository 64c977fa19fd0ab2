"""benchmark_dashboard of the original PixelRTS v2, served by libpixelrts (see the pixelrts package)."""

from pixelrts.bench import BenchmarkDashboard
from pixelrts.cli import dashboard_main as main

__all__ = ["BenchmarkDashboard", "main"]

if __name__ == "__main__":
    import sys

    sys.exit(main())
