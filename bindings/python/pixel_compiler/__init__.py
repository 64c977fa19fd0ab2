"""The original PixelRTS v2 module names (pixel_compiler.<module>), served by libpixelrts: the
modules are made from the table pixelrts._original.MODULES."""

from pixelrts._original import serve

__getattr__ = serve(__name__)
del serve
