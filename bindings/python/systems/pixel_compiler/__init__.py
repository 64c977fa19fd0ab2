"""The original PixelRTS v2 module names (systems.pixel_compiler.<module>), served by libpixelrts."""
