#!/usr/bin/env python3
"""Throughput and memory of `tlsscope sniff -r` against tshark and tcpdump on one big capture.

usage: sniff_bench.py TLSSCOPE   (run from the repository top; `scons bench` does)

Builds build/bench/sniff-200.pcap (at least 200 MB) and build/bench/sniff-400.pcap (twice as
much) from the test captures with gen_capture.py (deterministic; kept between runs while the
inputs do not change), reads the file once to have it in the page cache, then times:

  tlsscope sniff -r FILE --json > /dev/null           (best of 5)
  tshark -r FILE -T fields -e tls.handshake.ja3       (once; handshakes = non-empty lines)
  tcpdump -r FILE -w /dev/null                        (best of 5)

and tlsscope once more on the file twice as large, to show that its memory does not grow
with the file. Each row: seconds (wall clock) and CPU seconds, MB/s (10^6 bytes of file per
wall-clock second), handshakes and handshakes/s (ours: records written, from the summary on
stderr; tshark's: JA3 lines), peak RSS (GNU time's maximum resident set size). A tool that is not installed
gets a row saying so. The last row compares our record count with tshark's handshakes.
Measurements only: nothing here fails on a slow result.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_capture  # noqa: E402

RUNS_FAST = 5
TIME = '/usr/bin/time'  # GNU time (Debian package time), for the peak RSS


def run(argv, stdout=subprocess.DEVNULL):
    """Runs argv under GNU time; returns (wall s, cpu s, peak RSS KiB, exit status, stderr).

    The peak RSS must come from a small parent: a child forked from this Python process
    inherits its high-water mark across exec (Linux keeps the larger of the two in
    ru_maxrss), so /usr/bin/time forks and measures the tool. Wall time is taken here."""
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile('r') as tm:
        t0 = time.perf_counter()
        p = subprocess.run([TIME, '-o', tm.name, '-f', '%U %S %M'] + argv,
                           stdin=subprocess.DEVNULL, stdout=stdout, stderr=err)
        wall = time.perf_counter() - t0
        err.seek(0)
        text = err.read().decode('utf-8', 'replace')
        fields = tm.read().split()[-3:]
    try:
        cpu, rss = float(fields[0]) + float(fields[1]), int(fields[2])
    except (IndexError, ValueError):
        cpu, rss = 0.0, 0
    return wall, cpu, rss, p.returncode, text


def best(argv, n):
    """The fastest of n runs (wall clock), with the largest RSS seen."""
    runs = [run(argv) for _ in range(n)]
    fastest = min(runs, key=lambda r: r[0])
    return fastest[:2] + (max(r[2] for r in runs),) + fastest[3:]


def row(*cells):
    print('| ' + ' | '.join(str(c) for c in cells) + ' |')


def result_row(tool, cmd, size, wall, cpu, rss, hs):
    mbs = size / 1e6 / wall if wall > 0 else 0
    row(tool, '`%s`' % cmd, '%.0f' % (size / 1e6), '%.3f' % wall, '%.3f' % cpu, '%.0f' % mbs,
        '%d' % hs if hs is not None else '-', '%.0f' % (hs / wall) if hs is not None else '-',
        '%.1f' % (rss / 1024))


def warm(path):
    with open(path, 'rb') as f:
        while f.read(1 << 22):
            pass


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    tlsscope = os.path.abspath(argv[1])
    if not os.access(TIME, os.X_OK):
        print('%s (Debian package time) is missing: cannot measure peak RSS; skipped' % TIME)
        return 0
    files = gen_capture.inputs()
    caps = []
    for mb in (200, 400):
        path = os.path.join('build', 'bench', 'sniff-%d.pcap' % mb)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        gen_capture.generate(path, mb * 1000000, files)
        caps.append(path)
    big, bigger = caps
    size = os.path.getsize(big)

    print('Capture: %s, %.1f MB, %d test captures replicated with rewritten addresses '
          '(tests/bench/gen_capture.py).' % (big, size / 1e6, len(files)))
    print('')
    row('tool', 'command', 'MB', 's', 'CPU s', 'MB/s', 'handshakes', 'handshakes/s',
        'peak RSS MiB')
    row('---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:')

    ours = None
    for path in (big, bigger):
        warm(path)
        cmd = [tlsscope, 'sniff', '-r', path, '--json']
        wall, cpu, rss, rc, err = best(cmd, RUNS_FAST if path == big else 1)
        m = re.search(r'(\d+) TLS connections', err)
        if rc != 0 or not m:
            row('tlsscope sniff', 'FAILED (exit %d): %s' % (rc, err.strip()[-200:]), '', '', '',
                '', '', '', '')
            return 1
        n = int(m.group(1))
        if path == big:
            ours = n
        result_row('tlsscope sniff' + ('' if path == big else ' (2x file)'),
                   'tlsscope sniff -r %s --json > /dev/null' % os.path.basename(path),
                   os.path.getsize(path), wall, cpu, rss, n)

    warm(big)
    theirs = None
    if shutil.which('tshark'):
        with tempfile.TemporaryFile() as out:
            wall, cpu, rss, rc, err = run(['tshark', '-r', big, '-T', 'fields', '-e',
                                           'tls.handshake.ja3'], stdout=out)
            out.seek(0)
            theirs = sum(1 for line in out if line.strip())
        if rc != 0:
            row('tshark', 'FAILED (exit %d): %s' % (rc, err.strip()[-200:]), '', '', '', '',
                '', '', '')
            theirs = None
        else:
            result_row('tshark', 'tshark -r %s -T fields -e tls.handshake.ja3' %
                       os.path.basename(big), size, wall, cpu, rss, theirs)
    else:
        row('tshark', 'not installed (Debian package tshark): skipped', '', '', '', '', '', '',
            '')

    warm(big)
    if shutil.which('tcpdump'):
        wall, cpu, rss, rc, err = best(['tcpdump', '-r', big, '-w', '/dev/null'], RUNS_FAST)
        if rc != 0:
            row('tcpdump', 'FAILED (exit %d): %s' % (rc, err.strip()[-200:]), '', '', '', '',
                '', '', '')
        else:
            result_row('tcpdump', 'tcpdump -r %s -w /dev/null' % os.path.basename(big), size,
                       wall, cpu, rss, None)
    else:
        row('tcpdump', 'not installed (Debian package tcpdump): skipped', '', '', '', '', '',
            '', '')

    print('')
    row('sanity', 'our TLS records', 'tshark JA3 lines (ClientHellos)', 'ratio')
    row('---', '---:', '---:', '---:')
    if theirs is None:
        row('records vs handshakes', ours, 'tshark missing', '-')
    else:
        row('records vs handshakes', ours, theirs,
            '%.3f' % (ours / theirs) if theirs else '-')
    print('')
    print('Our records count TLS connections (a ClientHello or ServerHello seen); tshark '
          'prints one JA3 per dissected ClientHello (two for a HelloRetryRequest, none for '
          'TLS it does not dissect on an unusual port, SSLv2 hellos or hellos it cannot '
          'reassemble).')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
