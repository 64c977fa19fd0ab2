"""The original PixelRTS v2 module names (pixel_compiler.<module>), served by libpixelrts."""
