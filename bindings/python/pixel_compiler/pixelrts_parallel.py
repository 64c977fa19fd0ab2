"""pixelrts_parallel of the original PixelRTS v2, served by libpixelrts (see the pixelrts package)."""

from pixelrts.parallel import ParallelPixelRTSEncoder, parallel_decode_batch

__all__ = ["ParallelPixelRTSEncoder", "parallel_decode_batch"]
