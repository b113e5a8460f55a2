#!/usr/bin/env python3
"""Runs test programs and prints one summary line.

usage: run_tests.py VARIANT -- NAME PROGRAM [ARGS...] [-- NAME PROGRAM [ARGS...]]...

cmocka programs report their case counts ("[  PASSED  ] N test(s)."), other programs count as
one case; a program that exits 0 after printing a line starting "SKIP:" (it could not run
here, e.g. no network namespaces in a chroot) counts as skipped, not passed. Each program gets a fresh temporary directory in TMPDIR. The last line is
"VARIANT: N passed, N failed, N skipped"; the exit status is non-zero when anything failed.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

TIMEOUT = 900


def main(argv):
    variant = argv[1]
    groups, cur = [], None
    for a in argv[2:]:
        if a == '--':
            cur = []
            groups.append(cur)
        else:
            cur.append(a)
    passed = failed = skipped = 0
    failures = []
    for name, prog, *args in groups:
        with tempfile.TemporaryDirectory(prefix='tlsscope-test-') as tmp:
            envv = dict(os.environ, TMPDIR=tmp, TLSSCOPE_TEST_TMP=tmp,
                        CMOCKA_MESSAGE_OUTPUT='stdout',
                        ASAN_OPTIONS='detect_leaks=1:abort_on_error=0:halt_on_error=1',
                        UBSAN_OPTIONS='print_stacktrace=1:halt_on_error=1')
            t0 = time.monotonic()
            try:
                p = subprocess.run([prog] + args, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, env=envv, timeout=TIMEOUT,
                                   cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
                out, rc = p.stdout.decode('utf-8', 'replace'), p.returncode
            except subprocess.TimeoutExpired as ex:
                out, rc = (ex.stdout or b'').decode('utf-8', 'replace') + '\nTIMEOUT\n', -1
            dt = time.monotonic() - t0
        ok_n = sum(int(m) for m in re.findall(r'\[  PASSED  \] (\d+) test', out))
        bad_n = sum(int(m) for m in re.findall(r'\[  FAILED  \] (\d+) test', out))
        skip_n = 0
        if ok_n == 0 and bad_n == 0:
            if rc == 0 and re.search(r'^SKIP:', out, re.M):
                skip_n = 1
            else:
                ok_n, bad_n = (1, 0) if rc == 0 else (0, 1)
        elif rc != 0 and bad_n == 0:
            bad_n = 1  # crashed or a sanitizer fired after the cases
        passed += ok_n
        failed += bad_n
        skipped += skip_n
        status = 'ok' if rc == 0 and bad_n == 0 else 'FAIL (exit %d)' % rc
        if skip_n:
            status = 'SKIPPED: ' + re.search(r'^SKIP:(.*)$', out, re.M).group(1).strip()
        print('%-8s %-28s %4d passed %3d failed %7.2fs %s' % (variant, name, ok_n, bad_n, dt,
                                                            status))
        if status != 'ok':
            failures.append((name, out))
    for name, out in failures:
        print('\n==== output of %s ====\n%s' % (name, out[-20000:]))
    print('%s: %d passed, %d failed, %d skipped' % (variant, passed, failed, skipped))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
