"""pixelrts_v2_core of the original PixelRTS v2, served by libpixelrts (see the pixelrts package)."""

from pixelrts.core import PixelRTSEncoder, PixelRTSDecoder, calculate_grid_size

__all__ = ["PixelRTSEncoder", "PixelRTSDecoder", "calculate_grid_size"]
