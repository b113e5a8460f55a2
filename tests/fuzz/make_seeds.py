#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets from tests/corpus/handshakes.jsonl.

usage: python3 tests/fuzz/make_seeds.py   (from the repo top; rewrites tests/fuzz/corpus/*)

Picks connections that differ in their expected (tshark) version, cipher, JA4 and corpus, so
the seeds cover SSLv2/SSLv3 to TLS 1.3, HelloRetryRequest, certificates and alerts. The seeds
are real traffic from the corpora described in tests/corpus/README.md.
"""
import hashlib
import json
import os
import shutil

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(TOP, 'tests', 'corpus', 'handshakes.jsonl')
OUT = os.path.join(TOP, 'tests', 'fuzz', 'corpus')
MAX_PER_TARGET = 80


def records(stream):
    """Yields (type, body) of the TLS records at the start of a stream."""
    i = 0
    while i + 5 <= len(stream):
        t, n = stream[i], int.from_bytes(stream[i + 3:i + 5], 'big')
        yield t, stream[i + 5:i + 5 + n]
        i += 5 + n


def client_hello_body(stream):
    hs = b''.join(b for t, b in records(stream) if t == 22)
    if len(hs) >= 4 and hs[0] == 1:
        n = int.from_bytes(hs[1:4], 'big')
        return hs[4:4 + n]
    if stream and stream[0] & 0x80 and len(stream) > 2:  # SSLv2 record
        n = ((stream[0] & 0x7f) << 8) | stream[1]
        return stream[2:2 + n]
    return None


def interleave(c2s, s2c):
    """The fuzz_record_stream input format: flags(1) len(1) bytes, alternating sides in
    chunks of varied sizes."""
    out, i, j, k = bytearray(), 0, 0, 0
    sizes = [1, 7, 200, 255, 3, 64]
    while i < len(c2s) or j < len(s2c):
        side = k % 2
        n = sizes[k % len(sizes)]
        src, pos = (c2s, i) if side == 0 else (s2c, j)
        chunk = src[pos:pos + n]
        if chunk:
            out += bytes([side, len(chunk)]) + chunk
        if side == 0:
            i += n
        else:
            j += n
        k += 1
    return bytes(out)


def main():
    seen, picked = set(), []
    for line in open(SRC):
        o = json.loads(line)
        e = o['expect']
        key = (o['corpus'], e.get('version'), e.get('cipher'), e.get('ja4'),
               bool(e.get('hello_retry_request')), bool(e.get('alerts')))
        if key in seen:
            continue
        seen.add(key)
        picked.append(o)
    targets = {'client_hello': {}, 'server_flight': {}, 'record_stream': {}}
    for o in picked:
        c2s, s2c = bytes.fromhex(o['c2s']), bytes.fromhex(o['s2c'])
        ch = client_hello_body(c2s)
        if ch:
            targets['client_hello'][hashlib.sha1(ch).hexdigest()] = ch
        if s2c:
            targets['server_flight'][hashlib.sha1(s2c).hexdigest()] = s2c
        rs = interleave(c2s, s2c)
        targets['record_stream'][hashlib.sha1(rs).hexdigest()] = rs
    for name, seeds in targets.items():
        d = os.path.join(OUT, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        # Keep a spread: sort by size and take evenly spaced ones.
        items = sorted(seeds.items(), key=lambda kv: len(kv[1]))
        step = max(1, len(items) // MAX_PER_TARGET)
        for h, data in items[::step][:MAX_PER_TARGET]:
            with open(os.path.join(d, h), 'wb') as f:
                f.write(data)
        print(name, len(os.listdir(d)), 'seeds')


if __name__ == '__main__':
    main()
