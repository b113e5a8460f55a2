#!/usr/bin/env python3
"""Writes tests/pcap/decode/fragments.pcap: a synthetic capture of IP fragments for the
decoder's reassembly, checked against tshark's reassembly by tests/pcap/gen-frames.sh and
tests/unit/test_pkt.c. One TCP segment (20-byte header + 2048 bytes) sent as:
  IPv4 id 1: 3 fragments in order; id 2: reversed; id 3: middle fragment duplicated;
  id 4: a second fragment overlapping the first with different bytes (first copy wins);
  IPv6 id 9: 2 fragments, last first; IPv4 id 5 inside GRE (outer ids 77, 78);
  a whole segment cut by a 90-byte snaplen.
With --fuzz-seed, a first fragment cut by the snaplen is added (tshark dissects its
headers, we report it truncated), for tests/fuzz/corpus/pcap/fragments.pcap.
usage: python3 tests/pcap/gen-fragments.py [--fuzz-seed] > file.pcap
"""
import struct
import sys


def pcap(frames, lt=1):
    out = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, lt)
    for i, (f, wl) in enumerate(frames):
        out += struct.pack('<IIII', 1700000000 + i, i, len(f), wl or len(f)) + f
    return out


def eth(t):
    return bytes(12) + struct.pack('>H', t)


def ip4(proto, payload, ident=1, off=0, mf=False, src=b'\x0a\0\0\x01', dst=b'\x0a\0\0\x02'):
    return struct.pack('>BBHHHBBH', 0x45, 0, 20 + len(payload), ident,
                       (0x2000 if mf else 0) | (off // 8), 64, proto, 0) + src + dst + payload


def ip6frag(nh, payload, ident, off, m):
    fh = struct.pack('>BBHI', nh, 0, off | (1 if m else 0), ident)
    return (struct.pack('>IHBB', 0x60000000, len(fh) + len(payload), 44, 64) + bytes(15) +
            b'\x01' + bytes(15) + b'\x02' + fh + payload)


def main():
    tcp = struct.pack('>HHIIBBHHH', 40000, 443, 1, 2, 0x50, 0x18, 65535, 0, 0) + \
        bytes(range(256)) * 8
    fr = []
    for ident, order in ((1, [0, 1, 2]), (2, [2, 1, 0]), (3, [0, 2, 1, 1])):
        pieces = [(0, 1000), (1000, 1504), (1504, len(tcp))]
        for k in order:
            a, b = pieces[k]
            fr.append((eth(0x0800) + ip4(6, tcp[a:b], ident, a, b != len(tcp)), 0))
    fr.append((eth(0x0800) + ip4(6, tcp[0:1000], 4, 0, True), 0))
    fr.append((eth(0x0800) + ip4(6, bytes(1000), 4, 504, True), 0))
    fr.append((eth(0x0800) + ip4(6, tcp[1504:], 4, 1504, False), 0))
    fr.append((eth(0x86dd) + ip6frag(6, tcp[1000:], 9, 1000, False), 0))
    fr.append((eth(0x86dd) + ip6frag(6, tcp[:1000], 9, 0, True), 0))
    gre = b'\x00\x00\x08\x00'
    outer = dict(src=b'\xc0\0\2\1', dst=b'\xc0\0\2\2')
    fr.append((eth(0x0800) + ip4(47, gre + ip4(6, tcp[:1000], 5, 0, True), 77, **outer), 0))
    fr.append((eth(0x0800) + ip4(47, gre + ip4(6, tcp[1000:], 5, 1000, False), 78, **outer), 0))
    if '--fuzz-seed' in sys.argv:
        f = eth(0x0800) + ip4(6, tcp[:1000], 6, 0, True)
        fr.append((f[:100], len(f)))
    f = eth(0x0800) + ip4(6, tcp[:600])
    fr.append((f[:90], len(f)))
    sys.stdout.buffer.write(pcap(fr))


if __name__ == '__main__':
    main()
