#!/usr/bin/env python3
"""check_layers.py [SRCDIR]: lib/'s include rules (lib/README.md, "Include rules").

Reads the rules table between its markers in lib/README.md,
then every `#include "..."` line of lib/**/*.c and lib/**/*.h, and fails (exit 1) naming
file:line and the rule broken when
  - an include is not a folder-qualified path that exists (lib/FOLDER/... or the public
    include/pixelrts/...),
  - a folder includes a folder its row does not allow,
  - a folder of lib/ has no row, or a row names a folder that is not there.
There are no exceptions: a file that needs a higher layer moves up, or the layer above
hands it what it needs.
Standard library only: runs under any python3 (the `layers` test of test/meson.build).
"""
import os
import re
import sys

TOP = ""  # the key of the top-level files (lib/*.c, lib/*.h)


def table_rows(text, name):
    """The cells of each row of the table between '<!-- NAME: begin' and '<!-- NAME: end'."""
    m = re.search(r"<!--\s*%s:\s*begin.*?-->(.*?)<!--\s*%s:\s*end" % (name, name), text, re.S)
    if not m:
        raise SystemExit("lib/README.md: no '%s' table (markers <!-- %s: begin/end -->)"
                         % (name, name))
    rows = []
    for line in m.group(1).splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", c) for c in cells):
            continue  # the separator row
        rows.append(cells)
    return rows[1:]  # the header row


def ticked(cell):
    """The `...` names of a cell, trailing slashes dropped."""
    return [t.rstrip("/") for t in re.findall(r"`([^`]+)`", cell)]


def load_rules(readme):
    text = open(readme, encoding="utf-8").read()
    rules = {}
    for cells in table_rows(text, "layer-rules"):
        if len(cells) < 2:
            raise SystemExit("lib/README.md: layer-rules row with fewer than 2 cells: %r" % cells)
        folder = TOP if "top level" in cells[0] else ticked(cells[0])[0]
        allowed = None if cells[1].strip().lower() == "anything" else set(ticked(cells[1]))
        if allowed is not None:
            allowed.add(folder)  # a folder may always include its own headers
        rules[folder] = allowed
    return rules


INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def main():
    src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                          else os.path.join(os.path.dirname(__file__), ".."))
    lib = os.path.join(src, "lib")
    public = os.path.join(src, "include")
    readme = os.path.join(lib, "README.md")
    rules = load_rules(readme)
    if TOP not in rules:
        raise SystemExit("lib/README.md: the layer-rules table has no 'top level' row")
    errors = []

    folders = sorted(d for d in os.listdir(lib) if os.path.isdir(os.path.join(lib, d)))
    for d in folders:
        if d not in rules:
            errors.append("lib/%s/: a folder without a row in lib/README.md's include rules" % d)
    for d in sorted(r for r in rules if r != TOP):
        if d not in folders:
            errors.append("lib/README.md: the include rules name %s/, which is not in lib/" % d)

    checked = 0
    for root, dirs, files in os.walk(lib):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, lib).replace(os.sep, "/")
            folder = rel.split("/")[0] if "/" in rel else TOP
            allowed = rules.get(folder, set())
            with open(path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    checked += 1
                    inc = m.group(1)
                    where = "lib/%s:%d" % (rel, n)
                    first = inc.split("/")[0] if "/" in inc else None
                    if first == "pixelrts":
                        if not os.path.isfile(os.path.join(public, inc)):
                            errors.append('%s: "%s" is not a public header in include/'
                                          % (where, inc))
                        continue  # the public header: every folder may include it
                    if first is None or first not in folders:
                        errors.append('%s: "%s" is not folder-qualified: name it from lib/, '
                                      'folder first ("common/alloc.h")' % (where, inc))
                        continue
                    if not os.path.isfile(os.path.join(lib, inc)):
                        errors.append('%s: "%s" does not exist (lib/%s)' % (where, inc, inc))
                        continue
                    if allowed is None or first in allowed:
                        continue
                    may = ", ".join(sorted(a + "/" for a in allowed))
                    errors.append('%s: "%s": %s/ may not include %s/ (it may include %s: '
                                  'lib/README.md, include rules)'
                                  % (where, inc, folder, first, may))

    for e in errors:
        print(e)
    print("%d include lines checked against lib/README.md's rules: %s"
          % (checked, "%d broken" % len(errors) if errors else "all kept"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
