"""pixelrts_mmap of the original PixelRTS v2, served by libpixelrts (see the pixelrts package)."""

from pixelrts.files import MMapPixelRTSEncoder, MMapPixelRTSDecoder

__all__ = ["MMapPixelRTSEncoder", "MMapPixelRTSDecoder"]
