#!/usr/bin/env python3
"""Runs the benchmarks and writes their table.

usage: run_bench.py OUT -- NAME ARGV... [-- NAME ARGV...]...

Each benchmark prints Markdown table rows ("| ... |") on stdout; other lines are kept as
notes. OUT gets a header (date, machine, compiler) and every row. Benchmarks measure, they do
not judge: the exit status is non-zero only when a benchmark could not run.
"""
import datetime
import os
import platform
import subprocess
import sys


def main(argv):
    out = argv[1]
    groups, cur = [], None
    for a in argv[2:]:
        if a == '--':
            cur = []
            groups.append(cur)
        else:
            cur.append(a)
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lines = ['# tlsscope benchmarks', '',
             '%s, %s, %d cores' % (datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC'),
                                   platform.machine(), os.cpu_count() or 0), '']
    failed = 0
    for name, *cmd in groups:
        p = subprocess.run(cmd, cwd=top, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        text = p.stdout.decode('utf-8', 'replace')
        lines.append('## %s%s' % (name, '' if p.returncode == 0 else
                                  ' (FAILED, exit %d)' % p.returncode))
        lines.append('')
        lines += [l for l in text.splitlines()]
        lines.append('')
        failed += p.returncode != 0
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
