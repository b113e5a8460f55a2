#!/usr/bin/env python3
"""Cost of the analyzer on a store of real-looking traffic.

usage: analyze_bench.py TLSSCOPE   (run from the repository top; `scons bench` does)

Builds (or reuses) build/bench/sniff-200.pcap with gen_capture.py, stores it with
`tlsscope sniff -r FILE --db DB` (timed: the store's write path), then times
`tlsscope analyze --db DB` twice: the first run scores every connection with the model and
runs every bundled rule; the second finds nothing new for the model and runs the rules
again (the cost of a periodic `sniff --analyze` pass on a store of that size). Rows: seconds,
CPU seconds, peak RSS, connections and findings, database size. Measurements only.
"""
import os
import re
import sqlite3
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_capture  # noqa: E402
from sniff_bench import TIME, row, run  # noqa: E402


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    tlsscope = os.path.abspath(argv[1])
    if not os.access(TIME, os.X_OK):
        print('%s (Debian package time) is missing: cannot measure peak RSS; skipped' % TIME)
        return 0
    path = os.path.join('build', 'bench', 'sniff-200.pcap')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    gen_capture.generate(path, 200 * 1000000, gen_capture.inputs())
    with tempfile.TemporaryDirectory(dir=os.path.join('build', 'bench')) as tmp:
        db = os.path.join(tmp, 'bench.db')
        row('step', 'command', 's', 'CPU s', 'peak RSS MiB', 'connections', 'findings',
            'DB MB')
        row('---', '---', '---:', '---:', '---:', '---:', '---:', '---:')
        wall, cpu, rss, rc, err = run([tlsscope, 'sniff', '-r', path, '--db', db])
        if rc != 0:
            print('sniff --db failed (exit %d): %s' % (rc, err.strip()[-300:]))
            return 1
        n = int(re.search(r'(\d+) TLS connections', err).group(1))
        row('store', 'tlsscope sniff -r %s --db DB' % os.path.basename(path), '%.2f' % wall,
            '%.2f' % cpu, '%.1f' % (rss / 1024), n, '-',
            '%.1f' % (os.path.getsize(db) / 1e6))
        for label in ('analyze (first run)', 'analyze (again: nothing new)'):
            wall, cpu, rss, rc, err = run([tlsscope, 'analyze', '--db', db])
            if rc not in (0, 1):
                print('analyze failed (exit %d): %s' % (rc, err.strip()[-300:]))
                return 1
            c = sqlite3.connect(db)
            findings = c.execute('SELECT count(*) FROM findings').fetchone()[0]
            conns = c.execute('SELECT count(*) FROM connections').fetchone()[0]
            c.close()
            row(label, 'tlsscope analyze --db DB', '%.2f' % wall, '%.2f' % cpu,
                '%.1f' % (rss / 1024), conns, findings, '%.1f' % (os.path.getsize(db) / 1e6))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
