"""pixelrts_cli of the original PixelRTS v2, served by libpixelrts (see the pixelrts package)."""

from pixelrts.cli import cmd_convert, cmd_info, build_parser  # noqa: F401
from pixelrts.cli import main as main

if __name__ == "__main__":
    import sys
    sys.exit(main())
