"""pixelrts_cli of the original PixelRTS v2, served by libpixelrts (see the pixelrts package)."""

from pixelrts.cli import cmd_convert, cmd_info, build_parser
from pixelrts.cli import main

__all__ = ["cmd_convert", "cmd_info", "build_parser", "main"]

if __name__ == "__main__":
    import sys

    sys.exit(main())
