#!/usr/bin/env python3
"""check_readme_c.py README CC INCLUDEDIR: every ```c block of the README compiles.

Each block is one translation unit, compiled as written (-std=c11 -Wall -Wextra -Werror,
-fsyntax-only) against the public headers of this checkout, so an example that names a call
the header no longer has, or misuses one, fails the test.  (The first block is also
examples/oneshot.c, which the `oneshot_example` test runs.)  Prints one line per block;
exit 1 if any fails.
"""
import os
import re
import subprocess
import sys
import tempfile


def main():
    readme, cc, incdir = sys.argv[1:4]
    text = open(readme, encoding="utf-8").read()
    blocks = [(text.count("\n", 0, m.start()) + 2, m.group(1))
              for m in re.finditer(r"^```c\n(.*?)^```", text, re.S | re.M)]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for line, code in blocks:
            src = os.path.join(tmp, "readme_%d.c" % line)
            with open(src, "w", encoding="utf-8") as f:
                f.write(code)
            cmd = [cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", incdir,
                   "-fsyntax-only", src]
            r = subprocess.run(cmd, capture_output=True, text=True)
            ok = r.returncode == 0
            failed += not ok
            print("%s README.md:%d" % ("ok  " if ok else "FAIL", line))
            if not ok:
                sys.stdout.write(r.stderr)
    print("%d C blocks of README.md: %d passed, %d failed" % (len(blocks), len(blocks) - failed,
                                                               failed))
    return 1 if failed or not blocks else 0


if __name__ == "__main__":
    sys.exit(main())
