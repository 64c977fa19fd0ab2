#!/usr/bin/env python3
"""make_seeds.py CLI: (re)write the seed corpora of test/fuzz/corpus/ (stdlib only).

Seeds are small on purpose (a few KiB): the vectors' .rts.png and sidecars,
files our own encoder writes (`pixelrts convert` with each mode, payload
compression, grid, blueprint), PNGs the original could write with other
colour types, bit depths and interlacing, and a few damaged ones, plus
stream parameters and manifests.  After running it, record the statuses:

    for t in decode metadata stream manifest; do
        BUILD/test/fuzz/fuzz_replay_$t --print test/fuzz/corpus/$t > test/fuzz/corpus/$t.status
    done
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
VECTORS = os.path.join(ROOT, 'test', 'vectors')
CORPUS = os.path.join(HERE, 'corpus')
MAX_SEED = 12 * 1024


def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))


def meta_text(grid, size, mode='RGBA-dense', extra=None):
    m = {"format": "PixelRTS-2.0", "format_version": 2, "grid_size": grid,
         "encoding": {"type": mode, "bytes_per_pixel": 4, "mapping": "Hilbert space-filling curve"},
         "offsets": {}, "hashes": {}, "encoding_mode": mode, "data_size": size}
    m.update(extra or {})
    return b'PixelRTS' + json.dumps(m, separators=(',', ':')).encode()


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png(side, colour, depth, interlace, text, pixel=lambda x, y: (0, 0, 0, 0), zlevel=6, plte=None):
    """A side x side PNG; pixel(x, y) gives the sample bytes of one pixel."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    bits = channels * depth

    def rows(xs, ys):
        out = b''
        for y in ys:
            acc, nbits, line = 0, 0, bytearray()
            for x in xs:
                for v in pixel(x, y)[:channels]:
                    if depth == 16:
                        line += bytes([v, v])
                    elif depth == 8:
                        line.append(v)
                    else:
                        acc = (acc << depth) | (v & ((1 << depth) - 1))
                        nbits += depth
                        if nbits == 8:
                            line.append(acc)
                            acc, nbits = 0, 0
            if nbits:
                line.append(acc << (8 - nbits))
            out += b'\0' + bytes(line)
        return out

    if interlace:
        raw = b''
        for x0, y0, dx, dy in ADAM7:
            xs, ys = range(x0, side, dx), range(y0, side, dy)
            if len(xs) and len(ys):
                raw += rows(xs, ys)
    else:
        raw = rows(range(side), range(side))
    del bits
    out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', side, side, depth, colour, 0, 0, interlace))
    if text is not None:
        out += chunk(b'tEXt', b'PixelRTS\0' + text)
    if plte:
        out += chunk(b'PLTE', plte)
    out += chunk(b'IDAT', zlib.compress(raw, zlevel)) + chunk(b'IEND', b'')
    return out


def write(target, name, data):
    if len(data) > MAX_SEED:
        return
    with open(os.path.join(CORPUS, target, name), 'wb') as f:
        f.write(data)


def main():
    cli = sys.argv[1]
    for t in ('decode', 'metadata', 'stream', 'manifest'):
        d = os.path.join(CORPUS, t)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)

    # ---- decode + metadata: the vectors --------------------------------------------------
    for name in sorted(os.listdir(VECTORS)):
        path = os.path.join(VECTORS, name)
        data = open(path, 'rb').read()
        if name.endswith('.rts.png'):
            write('decode', 'vector-' + name, data)
        elif name.endswith('.meta.json'):
            write('metadata', 'vector-' + name, data)

    # ---- decode + metadata: our own encoder ------------------------------------------------
    tmp = tempfile.mkdtemp()
    try:
        payloads = {
            'empty': b'',
            'one': b'\x01',
            'text': b'PixelRTS fuzz seed, a line of text.\n' * 20,
            'wasm': b'\0asm\x01\0\0\0' + bytes(range(256)) * 2,
            'random': os.urandom(1500),
        }
        runs = [
            ('std', []), ('zlib', ['--compress', 'zlib']), ('zstd', ['--compress', 'zstd']),
            ('code', ['--mode', 'code']), ('code-zlib', ['--mode', 'code', '--compress', 'zlib']),
            ('grid32', ['--grid-size', '32']), ('level9', ['--level', '9']),
            ('meta', ['--type', 'kernel', '--name', 'seed', '--version', '2.1']),
        ]
        bp = os.path.join(tmp, 'bp.json')
        with open(bp, 'w') as f:
            json.dump({"sections": [{"name": "text", "offset": 0, "size": 64}], "arch": "wasm32"}, f)
        runs.append(('blueprint', ['--blueprint', bp]))
        for pname, pdata in payloads.items():
            src = os.path.join(tmp, pname + '.bin')
            with open(src, 'wb') as f:
                f.write(pdata)
            for rname, args in runs:
                if pname in ('random',) and rname not in ('std', 'zstd', 'code'):
                    continue
                out = os.path.join(tmp, '%s-%s.rts.png' % (pname, rname))
                subprocess.run([cli, 'convert', src, out] + args, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                write('decode', 'ours-%s-%s.rts.png' % (pname, rname), open(out, 'rb').read())
                write('metadata', 'ours-%s-%s.meta.json' % (pname, rname),
                      open(out + '.meta.json', 'rb').read())
    finally:
        shutil.rmtree(tmp)

    # ---- decode: other PNG shapes the original reads ----------------------------------------
    grey = lambda x, y: ((x * 16 + y) & 0xFF,)
    rgba = lambda x, y: ((x * 7) & 0xFF, (y * 13) & 0xFF, (x ^ y) & 0xFF, 255)
    m64 = meta_text(8, 64)
    write('decode', 'shape-rgb8.png', png(8, 2, 8, 0, meta_text(8, 192), rgba))
    write('decode', 'shape-rgba16.png', png(8, 6, 16, 0, m64, rgba))
    write('decode', 'shape-grey1.png', png(8, 0, 1, 0, m64, grey))
    write('decode', 'shape-grey4.png', png(8, 0, 4, 0, m64, grey))
    write('decode', 'shape-greyalpha8.png', png(8, 4, 8, 0, m64, rgba))
    write('decode', 'shape-palette2.png', png(8, 3, 2, 0, m64, grey, plte=bytes(range(12))))
    write('decode', 'shape-interlaced.png', png(16, 6, 8, 1, meta_text(16, 1000), rgba))
    write('decode', 'shape-interlaced-grey2.png', png(8, 0, 2, 1, m64, grey))
    write('decode', 'shape-stored.png', png(8, 6, 8, 0, m64, rgba, zlevel=0))
    # damaged and misleading ones
    good = png(8, 6, 8, 0, m64, rgba)
    write('decode', 'bad-truncated.png', good[:len(good) // 2])
    crc = bytearray(good)
    crc[-20] ^= 0x40
    write('decode', 'bad-crc.png', bytes(crc))
    write('decode', 'bad-cut-in-ihdr.png', png(8, 6, 8, 0, m64)[:20])
    write('decode', 'bad-no-meta.png', png(8, 6, 8, 0, None, rgba))
    write('decode', 'bad-meta-json.png', png(8, 6, 8, 0, b'PixelRTS{"data_size":', rgba))
    write('decode', 'bad-too-big.png', png(8, 6, 8, 0, meta_text(8, 100000), rgba))
    write('decode', 'bad-grid3.png', png(3, 6, 8, 0, meta_text(4, 4), rgba))
    write('decode', 'bad-zlib-garbage.png', png(8, 6, 8, 0, meta_text(8, 64, extra={
        "compression": {"type": "zlib"}, "encoded_size": 64}), rgba))
    write('decode', 'bad-code-no-b64.png', png(8, 6, 8, 0, meta_text(8, 64, 'RGBA-code'), rgba))
    write('decode', 'bad-hash.png', png(8, 6, 8, 0, meta_text(8, 64, extra={"data_hash": "0" * 64}), rgba))

    # ---- metadata: hand-made --------------------------------------------------------------
    for name, obj in {
        'min': {"data_size": 0},
        'code-b64': {"encoding_mode": "RGBA-code", "data_size": 3, "original_data_b64": "AGFz"},
        'bad-b64': {"encoding_mode": "RGBA-code", "data_size": 3, "original_data_b64": "!!"},
        'zlib-claim': {"data_size": 700, "compression": {"type": "zlib"}, "encoded_size": 700},
        'zstd-claim': {"data_size": 9, "compression": {"type": "zstd"}, "encoded_size": 700},
        'big-claim': {"data_size": 1 << 40},
        'neg': {"data_size": -1},
        'hash-upper': {"data_size": 700, "data_hash": "A" * 64},
        'unknown-mode': {"data_size": 700, "encoding_mode": "RGBA-sparse"},
    }.items():
        write('metadata', 'hand-%s.json' % name, json.dumps(obj).encode())
    write('metadata', 'hand-array.json', b'[1,2,3]')
    write('metadata', 'hand-nested.json', b'{"a":' * 40 + b'1' + b'}' * 40)
    write('metadata', 'hand-empty.json', b'')

    # ---- stream: 8 parameter bytes + payload ---------------------------------------------------
    for i, (params, payload) in enumerate([
        (bytes(8), b''), (bytes([0, 0, 1, 2, 3, 0, 7, 9]), b'hello'),
        (bytes([2, 1, 5, 5, 16, 0x25, 3, 1]), b'compress me ' * 80),
        (bytes([4, 2, 9, 9, 40, 0x49, 50, 2]), os.urandom(3000)),
        (bytes([1, 3, 1, 1, 1, 0x10, 1, 3]), b'\0asm\x01\0\0\0' + bytes(range(200))),
        (bytes([0x83, 4, 7, 7, 255, 0x61, 255, 4]), bytes(4097)),
        (bytes([5, 0, 2, 2, 3, 0x05, 0, 5]), b'code mode, zlib, budget 0' * 30),
    ]):
        write('stream', 'seed-%d' % i, params + payload)

    # ---- manifest ----------------------------------------------------------------------
    write('manifest', 'example.yaml', open(os.path.join(ROOT, 'examples', 'manifest.yaml'), 'rb').read())
    for name, text in {
        'min.yaml': 'jobs:\n  - input: a.bin\n    output: out/\n',
        'all-defaults.yaml': 'defaults:\n  mode: code\n  level: 9\n  compress: zstd\n  grid_size: 64\n'
                             '  sidecar: false\n  backend: scalar\n  workers: 3\n'
                             '  metadata: {type: t, name: n, version: "1", description: d}\n'
                             'jobs:\n  - {input: "*.bin", output: o/, metadata: {name: x}}\n',
        'bad-key.yaml': 'jobs:\n  - input: a\n    output: b\n    colour: red\n',
        'bad-enum.yaml': 'defaults:\n  mode: fast\njobs:\n  - {input: a, output: b}\n',
        'bad-level.yaml': 'defaults:\n  level: 42\njobs:\n  - {input: a, output: b}\n',
        'bad-grid.yaml': 'defaults:\n  grid_size: 3\njobs:\n  - {input: a, output: b}\n',
        'bad-backend.yaml': 'defaults:\n  backend: warp\njobs:\n  - {input: a, output: b}\n',
        'bad-workers.yaml': 'defaults:\n  workers: -4\njobs:\n  - {input: a, output: b}\n',
        'bad-syntax.yaml': 'jobs:\n  - input: [a\n    output: b\n',
        'no-jobs.yaml': 'defaults:\n  level: 1\n',
        'empty-jobs.yaml': 'jobs: []\n',
        'missing-output.yaml': 'jobs:\n  - input: a\n',
        'alias.yaml': 'x: &a {input: a, output: b}\njobs:\n  - *a\n',
        'deep.yaml': 'jobs:\n  - input: ' + '[' * 70 + ']' * 70 + '\n',
        'empty.yaml': '',
        'blueprint.yaml': 'arch: wasm32\nsections:\n  - {name: text, offset: 0, size: 64}\n  - ~\n'
                          'flags: [true, false, 1.5e3, -7, "str"]\n',
    }.items():
        write('manifest', name, text.encode())


if __name__ == '__main__':
    main()
