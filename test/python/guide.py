"""The user's guide (a committed copy of pixelrts-v2-performance-guide.md) as test material:
its fenced code blocks, and the fixture files its examples read."""

import os
import re
import shutil

from support import GUIDE, VECTORS, WASM_ADD, pseudo_random, write_file

FENCE = re.compile(r"^```(\w*)\s*$")


class Block:
    def __init__(self, lang, line, section, code):
        self.lang, self.line, self.section, self.code = lang, line, section, code

    def __repr__(self):
        return "<%s block at guide line %d (%s)>" % (self.lang, self.line, self.section)


def blocks(lang=None, path=GUIDE):
    """Fenced blocks of the guide, in order, with the line they start on and their section."""
    out = []
    section = ""
    current = None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            fence = FENCE.match(line.rstrip("\n"))
            if current is None:
                if line.startswith("#"):
                    section = line.strip("# \n")
                elif fence:
                    current = Block(fence.group(1), number + 1, section, [])
            elif line.startswith("```"):
                current.code = "".join(current.code)
                if lang is None or current.lang == lang:
                    out.append(current)
                current = None
            else:
                current.code.append(line)
    return out


def shell_commands(prefix="python3 -m systems.pixel_compiler."):
    """The guide's shell commands that run the Python modules: (line, command) pairs, with
    backslash continuations joined and comments dropped."""
    out = []
    for block in blocks("bash"):
        pending, start = "", None
        for offset, line in enumerate(block.code.splitlines()):
            stripped = line.strip()
            if not pending and (not stripped or stripped.startswith("#")):
                continue
            if start is None:
                start = block.line + offset
            if stripped.endswith("\\"):
                pending += stripped[:-1] + " "
                continue
            command = pending + stripped
            pending = ""
            if command.startswith(prefix):
                out.append((start, command))
            start = None
    return out


# Sizes of the fixture files (small enough for a test run on two shared cores, large enough
# that the "large file" paths stage and map many megabytes, none a multiple of 4).
FIXTURES = {
    "kernel.bin": 150001,
    "huge_file.bin": 12 * 1024 * 1024 + 3,
    "large_dataset.bin": 20 * 1024 * 1024 + 1,
    "huge.bin": 6 * 1024 * 1024 + 2,
    "large_file.bin": 4099,
    "input.bin": 100003,
    "file1.bin": 1001,
    "file2.bin": 20002,
    "file3.bin": 30003,
    "os.img": 64 * 1024 + 5,
    "binaries/kernel.bin": 40001,
    "binaries/boot.bin": 511,
    "binaries/firmware.bin": 300007,
    "binaries/empty.bin": 0,
    "binaries/readme.txt": 99,
    "src/main.c": 1234,
    "src/util/strings.c": 777,
    "src/util/strings.h": 55,
    "src/lib/deep/hash.c": 4321,
}


def make_fixtures(folder):
    """Every file the guide's examples read, under `folder`."""
    for i, (name, size) in enumerate(sorted(FIXTURES.items())):
        write_file(os.path.join(folder, name), pseudo_random(size, 1000 + i))
    write_file(os.path.join(folder, "module.wasm"), WASM_ADD)
    # decoded before any example writes it: a file the original implementation wrote
    for suffix in ("", ".meta.json"):
        shutil.copyfile(os.path.join(VECTORS, "meta-kernel.rts.png" + suffix),
                        os.path.join(folder, "output.rts.png" + suffix))
