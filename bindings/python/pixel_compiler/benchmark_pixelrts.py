"""benchmark_pixelrts of the original PixelRTS v2, served by libpixelrts (see the pixelrts package)."""

from pixelrts.bench import PixelRTSBenchmark
from pixelrts.cli import benchmark_main as main

__all__ = ["PixelRTSBenchmark", "main"]

if __name__ == "__main__":
    import sys

    sys.exit(main())
