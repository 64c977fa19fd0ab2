#!/usr/bin/env python3
"""make_regressions.py CLI [OUTDIR]: rebuild the decode reproducers of issue 15 (stdlib only).

From files our own CLI writes (`CLI convert X --level 0`: stored deflate blocks,
so one pixel byte can be changed without touching the Huffman coding), writes
into OUTDIR (default test/fuzz/regressions/decode):

  adler-unchecked-indexed.png   issue 15 case 4: one payload byte inside a
      stored block of IDAT flipped, the chunk CRC recomputed; the prIX index
      is kept, so the indexed reader (file API) sees a bad segment Adler-32
      while libspng (stream API) returns the damaged bytes with success
  adler-unchecked-no-index.png  the same without the prIX chunk (what any
      PNG tool that rewrites the file leaves): every reader is libspng, all
      succeed with the damaged bytes; zlib reports "incorrect data check"
  index-differential.png        issue 15 case 6: image X's complete IDAT
      stream, then image Y's IDAT chunks, with Y's metadata and a prIX index
      pointing at Y's chunks: the indexed reader reads Y, libspng (and PIL,
      pngcheck, zlib) read X
  segment-filter-up.png         found by CI's fuzzing: a valid PNG whose
      prIX index names a segment whose first row uses filter Up (the row
      before it: the pixels are the same, zeros on zeros); libspng decodes
      it, the indexed reader refused it ("starts a segment but uses filter 2")
  segment-lookback.png          the same kind: a valid PNG whose second
      segment's deflate data refers back into the first (a sync flush, not a
      full flush, between them); libspng decodes it, the indexed reader,
      which inflates each segment apart, refused it ("too far back")
  segment-unended.png           the other way round: the first segment ends
      on the head of a stored block whose lengths are missing; the second,
      inflated alone, gives the right rows, so the indexed reader decoded the
      file, while zlib, libspng and every PNG reader refuse its stream

Each file is checked here against the property it breaks (with Python's
zlib as the reference reader), so a change of the encoder's output that
made a file miss its point fails loudly instead of writing a harmless file.
Record the statuses with `BUILD/test/fuzz/fuzz_replay_decode --print OUTDIR`.
"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SIG = b'\x89PNG\r\n\x1a\n'


def chunks(png):
    """[(type, data)] of a PNG, signature checked."""
    assert png[:8] == SIG
    out, at = [], 8
    while at < len(png):
        n, kind = struct.unpack('>I4s', png[at:at + 8])
        out.append((kind, png[at + 8:at + 8 + n]))
        at += 12 + n
    return out


def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))


def assemble(parts):
    return SIG + b''.join(chunk(k, d) for k, d in parts)


def payload(seed, n=200):
    """Deterministic bytes (an LCG): the files must come out the same every time."""
    x, out = seed, bytearray()
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7fffffff
        out.append(x >> 16 & 0xff)
    return bytes(out)


def encode(cli, tmp, name, data):
    src, dst = os.path.join(tmp, name + '.bin'), os.path.join(tmp, name + '.rts.png')
    with open(src, 'wb') as f:
        f.write(data)
    subprocess.run([cli, 'convert', src, dst, '--level', '0', '--no-sidecar'], check=True,
                   stdout=subprocess.DEVNULL)
    with open(dst, 'rb') as f:
        return chunks(f.read())


def idat(parts):
    return b''.join(d for k, d in parts if k == b'IDAT')


def adler_unchecked(parts):
    """Flip the first pixel byte of the first non-empty stored block (after
    the 2-byte zlib header); the segments of a --level 0 stream are all
    stored blocks, each header byte-aligned, so the walk needs no bit reader."""
    side = struct.unpack('>I', parts[0][1][:4])[0]
    rowb = 1 + 4 * side
    stream = idat(parts)
    at, raw = 2, 0
    while True:
        assert stream[at] & 6 == 0, 'not a stored block: did --level 0 change?'
        n = struct.unpack('<H', stream[at + 1:at + 3])[0]
        if n >= 2:
            break
        at, raw = at + 5 + n, raw + n
    flip = at + 5 + 1  # one past the block's first byte: a pixel, not a row's filter byte
    assert (raw + 1) % rowb != 0
    # a single IDAT chunk at this size (one segment): change it in place
    assert sum(1 for k, _ in parts if k == b'IDAT') == 1
    bad = bytearray(stream)
    bad[flip] ^= 0x01
    zlib.decompressobj().decompress(stream)  # the original is sound
    try:
        zlib.decompress(bytes(bad))
        raise AssertionError('zlib accepted the flipped byte')
    except zlib.error as e:
        assert 'incorrect data check' in str(e), e
    return [(k, bytes(bad) if k == b'IDAT' else d) for k, d in parts]


def index_differential(x, y):
    """Y's chunks with X's IDAT chunks inserted before Y's, the index shifted to match."""
    assert x[0] == y[0], 'X and Y need the same IHDR'
    first = next(i for i, (k, _) in enumerate(y) if k == b'IDAT')
    x_idat = [(k, d) for k, d in x if k == b'IDAT']
    shift = sum(12 + len(d) for _, d in x_idat)
    out = []
    for k, d in y[:first] + x_idat + y[first:]:
        if k == b'prIX':  # u64 end at 12, then 16-byte entries from 20: u64 offset first
            d = bytearray(d)
            count = struct.unpack('>I', d[4:8])[0]
            for at in [12] + [20 + 16 * i for i in range(count)]:
                d[at:at + 8] = struct.pack('>Q', struct.unpack('>Q', d[at:at + 8])[0] + shift)
            d = bytes(d)
        out.append((k, d))
    # every zlib reader sees X, and what follows its stream is Y's
    z = zlib.decompressobj()
    rows = z.decompress(idat(out))
    assert z.eof and rows == zlib.decompress(idat(x)) and z.unused_data == idat(y)
    assert rows != zlib.decompress(idat(y))
    return out


def resegment(parts, flush, up=False, unended=False):
    """The same image with its IDAT stream re-made as two segments at the index's
    second row (the index's offsets and Adler-32s rewritten to match, so that
    every checksum holds), `flush` between them; `up`: that row's filter byte
    set to Up (2), which leaves a zero row under a zero row as it is;
    `unended`: the sync flush's empty stored block loses its 4 length bytes,
    so that the first segment ends on the head of a block that the second
    does not continue."""
    side = struct.unpack('>I', parts[0][1][:4])[0]
    rowb = 1 + 4 * side
    raw = bytearray(zlib.decompress(idat(parts)))
    ix = next(d for k, d in parts if k == b'prIX')
    assert struct.unpack('>I', ix[4:8])[0] == 2, 'need an image of two segments'
    cut = struct.unpack('>I', ix[20 + 16 + 8:20 + 16 + 12])[0] * rowb
    if up:
        assert raw[cut] == 0 and not any(raw[cut - rowb:cut + rowb]), 'rows not zero'
        raw[cut] = 2
    z = zlib.compressobj(6)
    first = z.compress(bytes(raw[:cut])) + z.flush(flush)
    second = z.compress(bytes(raw[cut:])) + z.flush()
    if unended:
        assert first.endswith(b'\0\0\xff\xff')
        first = first[:-4]
        try:
            zlib.decompress(first + second)
            raise AssertionError('zlib accepted the unended segment')
        except zlib.error:
            pass
    else:
        assert zlib.decompress(first + second) == bytes(raw)
    try:  # the second segment alone (as the indexed reader inflates it)
        alone = zlib.decompressobj(-15).decompress(second[:-4])
    except zlib.error:
        alone = None
    assert (up or unended) == (alone == bytes(raw[cut:])), 'the second segment alone'

    head = [(k, d) for k, d in parts if k not in (b'IDAT', b'prIX', b'IEND')]
    at = 8 + sum(12 + len(d) for _, d in head)
    off = [at, at + 12 + len(first)]
    end = off[1] + 12 + len(second)
    ix = bytearray(ix[:20] + ix[20:20 + 32] + ix[-4:])
    ix[12:20] = struct.pack('>Q', end)
    for i, (o, rows) in enumerate(zip(off, (raw[:cut], raw[cut:]))):
        ix[20 + 16 * i:20 + 16 * i + 8] = struct.pack('>Q', o)
        ix[20 + 16 * i + 12:20 + 16 * i + 16] = struct.pack('>I', zlib.adler32(bytes(rows)))
    return head + [(b'IDAT', first), (b'IDAT', second), (b'prIX', bytes(ix)), (b'IEND', b'')]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    cli = os.path.abspath(sys.argv[1])
    outdir = sys.argv[2] if len(sys.argv) == 3 else os.path.join(HERE, 'regressions', 'decode')
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        x = encode(cli, tmp, 'x', payload(1))
        y = encode(cli, tmp, 'y', payload(2))
        # 300,032 bytes: a 512 x 512 grid, 511 rows of 1 MiB a segment: two segments
        big = encode(cli, tmp, 'big', bytes(range(256)) * 1172)
    assert any(k == b'prIX' for k, _ in x), 'the encoder wrote no prIX index'
    bad = adler_unchecked(x)
    files = {
        'adler-unchecked-indexed.png': bad,
        'adler-unchecked-no-index.png': [(k, d) for k, d in bad if k != b'prIX'],
        'index-differential.png': index_differential(x, y),
        'segment-filter-up.png': resegment(big, zlib.Z_FULL_FLUSH, up=True),
        'segment-lookback.png': resegment(big, zlib.Z_SYNC_FLUSH),
        'segment-unended.png': resegment(big, zlib.Z_FULL_FLUSH, unended=True),
    }
    for name, parts in files.items():
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(assemble(parts))
        print(os.path.join(outdir, name))


if __name__ == '__main__':
    main()
