#!/usr/bin/env python3
"""Developer-time collector of the end-to-end capture corpus in tests/pcap/.

Copies captures from the shared corpus tree (five public corpora, see README.md) into
tests/pcap/<corpus>/<path inside the corpus>, and writes tests/pcap/expected.jsonl: the
corpus's tshark-connections.jsonl lines for the copied captures, with a "corpus" key added and
"server_chain" reduced to "server_chain_sha256" (leaf first), as tests/corpus/ does. A
gzip-compressed capture (zeek's tls-fragmented-handshake.pcap.gz) is stored uncompressed,
without the .gz, and its lines name it so.

Selection (about 17 MB of captures, 0.7 MB of expectations):
  ja4              every capture (TLS and non-TLS: the latter must give no record)
  zeek             every capture under traces/
  arkime           every capture under pcap/
  suricata-verify  the captures that tshark-connections.jsonl names
  ndpi             the captures named by tshark-connections.jsonl whose name says TLS/SSL, that
                   tests/corpus/ flags (preludes, notes, exceptions), then the others with the
                   most TCP TLS connections per byte, until NDPI_BUDGET bytes

Usage: python3 tests/pcap/collect.py /work/shared/corpus
Needs python3 only. Re-running replaces the copies and expected.jsonl.
"""
import collections
import gzip
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
NDPI_BUDGET = 7_000_000
CAPTURE_EXT = ('.pcap', '.pcapng', '.cap', '.pcap.gz')
KEEP = ['pcap', 'transport', 'stream', 'client_ip', 'client_port', 'server_ip', 'server_port',
        'n_client_hellos', 'hello_retry_request', 'ja3', 'ja4', 'sni', 'alpn_offered',
        'fallback_scsv', 'ja3s', 'version', 'cipher', 'alpn_selected', 'downgrade_sentinel',
        'tls13_psk_resumption', 'tls12_abbreviated', 'server_cert_sha256', 'alerts']


def local(p):
    """The name of a copy: gzip-compressed captures are stored uncompressed."""
    return p[:-3] if p.endswith('.gz') else p


def captures_under(root, sub):
    out = []
    for d, _, files in os.walk(os.path.join(root, sub)):
        for f in files:
            if f.endswith(CAPTURE_EXT):
                out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else '/work/shared/corpus'
    lines = {}
    for c in ['ja4', 'zeek', 'suricata-verify', 'arkime', 'ndpi']:
        with open(os.path.join(shared, c, 'tshark-connections.jsonl')) as f:
            lines[c] = [json.loads(l) for l in f if l.strip()]

    chosen = {
        'ja4': captures_under(os.path.join(shared, 'ja4'), 'pcap'),
        'zeek': captures_under(os.path.join(shared, 'zeek'), 'traces'),
        'arkime': captures_under(os.path.join(shared, 'arkime'), 'pcap'),
        'suricata-verify': sorted({o['pcap'] for o in lines['suricata-verify']}),
    }
    # nDPI: special captures first, then by TCP TLS connections per byte.
    ndpi_root = os.path.join(shared, 'ndpi')
    tcp = collections.Counter(o['pcap'] for o in lines['ndpi'] if o['transport'] == 'tcp')
    named = {o['pcap'] for o in lines['ndpi']}
    special = set()
    with open(os.path.join(TOP, 'tests', 'corpus', 'handshakes.jsonl')) as f:
        for l in f:
            o = json.loads(l)
            if o['corpus'] == 'ndpi' and (o['notes'] or o['c2s_skip'] or o['s2c_skip']):
                special.add(o['pcap'])
    with open(os.path.join(TOP, 'tests', 'corpus', 'exceptions.tsv')) as f:
        special |= {l.split('\t')[0] for l in f if not l.startswith('#')}
    special |= {p for p in named if any(k in p.lower() for k in ('tls', 'ssl'))}
    special &= set(tcp)
    size = lambda p: os.path.getsize(os.path.join(ndpi_root, p))
    ndpi = sorted(special)
    used = sum(size(p) for p in ndpi)
    for p in sorted(set(tcp) - special, key=lambda p: (-tcp[p] / size(p), p)):
        if used + size(p) <= NDPI_BUDGET:
            ndpi.append(p)
            used += size(p)
    chosen['ndpi'] = sorted(ndpi)

    total = 0
    out = []
    for c, paths in chosen.items():
        dst_root = os.path.join(HERE, c)
        if os.path.isdir(dst_root):
            shutil.rmtree(dst_root)
        for p in paths:
            src = os.path.join(shared, c, p)
            dst = os.path.join(dst_root, local(p))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if p.endswith('.gz'):  # libpcap reads no gzip: store it uncompressed
                with gzip.open(src, 'rb') as fi, open(dst, 'wb') as fo:
                    shutil.copyfileobj(fi, fo)
            else:
                shutil.copyfile(src, dst)
            total += os.path.getsize(dst)
        have = set(paths)
        for o in lines[c]:
            if o['pcap'] not in have:
                continue
            e = {'corpus': c}
            e.update({k: o.get(k) for k in KEEP})
            e['pcap'] = local(o['pcap'])
            e['server_chain_sha256'] = [x['sha256'] for x in (o.get('server_chain') or [])]
            out.append(e)
        print('%-16s %3d captures %9d bytes' % (c, len(paths),
              sum(os.path.getsize(os.path.join(dst_root, local(p))) for p in paths)),
              file=sys.stderr)
    with open(os.path.join(HERE, 'expected.jsonl'), 'w') as f:
        for e in out:
            f.write(json.dumps(e, separators=(',', ':')) + '\n')
    print('total %d bytes of captures, %d expected lines' % (total, len(out)), file=sys.stderr)


if __name__ == '__main__':
    main()
