#!/usr/bin/env python3
"""count-tests.py TESTLOG.json: count the test cases of a `meson test` run.

Prints "PASSED FAILED SKIPPED": the individual cmocka cases of each cmocka
program, plus one per other meson test (by its result); a program that
crashed or timed out before cmocka's summary counts what finished plus its
missing cases as failures.  Failures are listed on stderr.  Used by
scripts/test.sh and scripts/sanitize.sh.
"""
import json, re, sys

RUNNING = re.compile(r'^\[=+\] Running (\d+) test\(s\)\.', re.M)
PASSED = re.compile(r'^\[  PASSED  \] (\d+) test\(s\)\.', re.M)
FAILED = re.compile(r'^\[  FAILED  \] (\d+) test\(s\), listed below:', re.M)
SKIPPED = re.compile(r'^\[  SKIPPED \] (\d+) test\(s\)', re.M)
OK_LINE = re.compile(r'^\[       OK \] ', re.M)
SKIP_LINE = re.compile(r'^\[  SKIPPED \] (?!\d+ test\(s\))', re.M)
GOOD = ('OK', 'EXPECTEDFAIL')

total_pass = total_fail = total_skip = 0
for line in open(sys.argv[1], encoding='utf-8', errors='replace'):
    line = line.strip()
    if not line:
        continue
    try:
        t = json.loads(line)
    except ValueError:
        continue
    out = (t.get('stdout') or '') + '\n' + (t.get('stderr') or '')
    result = t.get('result', '')
    name = t.get('name', '?')
    running = sum(int(n) for n in RUNNING.findall(out))
    if running == 0:
        # not a cmocka program: one test, by its meson result
        if result in GOOD:
            total_pass += 1
        elif result == 'SKIP':
            total_skip += 1
        else:
            total_fail += 1
            print('  %s: %s' % (name, result), file=sys.stderr)
        continue
    p = sum(int(n) for n in PASSED.findall(out))
    f = sum(int(n) for n in FAILED.findall(out))
    s = sum(int(n) for n in SKIPPED.findall(out))
    if p + f + s < running:
        # crashed or timed out before cmocka's summary: count what finished
        p = len(OK_LINE.findall(out))
        s = len(SKIP_LINE.findall(out))
        f = max(1, running - p - s)
    if result not in GOOD and f == 0:
        f = 1  # the program failed although every case passed (exit status, sanitizer...)
    if f:
        print('  %s: %d of %d case(s) failed (%s)' % (name, f, running, result), file=sys.stderr)
    total_pass += p
    total_fail += f
    total_skip += s
print('%d %d %d' % (total_pass, total_fail, total_skip))
