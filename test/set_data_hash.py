#!/usr/bin/env python3
"""set_data_hash.py IN OUT zero|drop: IN's PixelRTS metadata chunk with its data_hash set to
64 zeros (`zero`) or removed (`drop`), written to OUT with every chunk's CRC right, so that
only the hash check can refuse it (cli_test.sh, pipes_test.sh). Standard library only."""
import json
import struct
import sys
import zlib

src, dst, how = sys.argv[1:4]
d = open(src, "rb").read()
out, pos = bytearray(d[:8]), 8
while pos < len(d):
    n, = struct.unpack(">I", d[pos:pos + 4])
    kind, body = d[pos + 4:pos + 8], d[pos + 8:pos + 8 + n]
    if kind == b"tEXt" and body.startswith(b"PixelRTS\0"):
        meta = json.loads(body[17:])
        if how == "zero":
            meta["data_hash"] = "0" * 64
        else:
            del meta["data_hash"]
        body = b"PixelRTS\0PixelRTS" + json.dumps(meta, separators=(",", ":")).encode()
    out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    pos += 12 + n
open(dst, "wb").write(out)
