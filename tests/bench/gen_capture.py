#!/usr/bin/env python3
"""Builds a large benchmark capture from the test captures, deterministically.

usage: gen_capture.py [--min-mb N] OUT [CAPTURE...]

Reads every pcap/pcapng capture given (default: the ones under tests/pcap/ except decode/,
in sorted order), keeps the frames that carry IPv4 or IPv6 directly (Ethernet with up to two
VLAN tags, Linux cooked SLL/SLL2, raw IP, BSD loopback; every frame is written as Ethernet)
and writes them again and again until OUT holds at least N MB (10^6 bytes), as a classic
pcap file (microseconds, LINKTYPE_ETHERNET).

Copy k (0, 1, 2, ...) has each IPv4 and IPv6 address's second byte XORed with k, so every
copy's connections are new flows, with the IPv4 header checksum recomputed and the TCP/UDP
checksums updated to match (RFC 1624; a checksum that was wrong stays wrong by as much).
Frames of IP tunnels (IP-in-IP, GRE, VXLAN, Geneve, GTP-U) are left out: their inner
addresses would repeat across copies. Time runs forward: each capture starts one second
after the previous one ended, and within a capture a step back in time becomes no step and a
pause longer than 5 minutes (longer than the sensor's idle timeout) becomes 5 minutes.

The output depends only on the inputs and this program: the same bytes on every run. OUT.key
records a hash of both, and a run whose key matches leaves OUT as it is.
"""
import glob
import hashlib
import os
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP_PROTO = {4, 41, 47}            # IP-in-IP, IPv6-in-IP, GRE
SKIP_UDP_PORTS = {4789, 6081, 2152}  # VXLAN, Geneve, GTP-U
IPV6_EXT = {0, 43, 60, 51}           # hop-by-hop, routing, destination options, AH
MAX_GAP_US = 300 * 1000000           # longer pauses in a capture are shortened to this


def read_pcap(data):
    """Yields (linktype, ts_us, frame bytes, wirelen) of a classic pcap file."""
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        return
    nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    linktype = struct.unpack(e + 'I', data[20:24])[0] & 0x0fffffff
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        if off + incl > len(data):
            return
        us = frac // 1000 if nano else frac
        yield linktype, sec * 1000000 + us, data[off:off + incl], orig
        off += incl


def read_pcapng(data):
    """Yields (linktype, ts_us, frame bytes, wirelen) of a pcapng file (EPB, SPB, OPB)."""
    off, e, ifaces = 0, '<', []
    while off + 12 <= len(data):
        btype = struct.unpack(e + 'I', data[off:off + 4])[0]
        if btype == 0x0a0d0d0a:  # section header: byte order, interfaces start anew
            e = '<' if data[off + 8:off + 12] == b'\x4d\x3c\x2b\x1a' else '>'
            ifaces = []
        blen = struct.unpack(e + 'I', data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 8:  # interface description
            lt = struct.unpack(e + 'H', body[:2])[0]
            res = 1000000
            o = 8
            while o + 4 <= len(body):
                code, olen = struct.unpack(e + 'HH', body[o:o + 4])
                if code == 0:
                    break
                if code == 9 and olen >= 1:
                    r = body[o + 4]
                    res = 2 ** (r & 0x7f) if r & 0x80 else 10 ** r
                o += 4 + ((olen + 3) & ~3)
            ifaces.append((lt, res))
        elif btype in (6, 2) and len(body) >= 20:  # enhanced / obsolete packet block
            if btype == 6:
                ifid, hi, lo, incl, orig = struct.unpack(e + 'IIIII', body[:20])
            else:
                ifid, _, hi, lo, incl, orig = struct.unpack(e + 'HHIIII', body[:20])
            if ifid < len(ifaces) and 20 + incl <= len(body):
                lt, res = ifaces[ifid]
                ts = (hi << 32 | lo) * 1000000 // res
                yield lt, ts, body[20:20 + incl], orig
        elif btype == 3 and len(body) >= 4 and ifaces:  # simple packet block: no time
            orig = struct.unpack(e + 'I', body[:4])[0]
            yield ifaces[0][0], None, body[4:4 + min(orig, len(body) - 4)], orig
        off += blen


def to_ethernet(lt, f):
    """The frame as Ethernet (header bytes, rest), or None when it carries no IP."""
    ip_type = None
    if lt == 1:
        return f
    if lt in (101, 12, 14, 228, 229):
        rest = f
    elif lt == 113 and len(f) >= 16:
        ip_type, rest = f[14:16], f[16:]
    elif lt == 276 and len(f) >= 20:
        ip_type, rest = f[0:2], f[20:]
    elif lt in (0, 108) and len(f) >= 4:
        rest = f[4:]
    else:
        return None
    if ip_type is None:
        if not rest:
            return None
        v = rest[0] >> 4
        ip_type = b'\x08\x00' if v == 4 else b'\x86\xdd' if v == 6 else None
        if ip_type is None:
            return None
    return b'\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01' + ip_type + rest


def csum16(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def plan(f):
    """Where to rewrite a frame: (ip offset, family, address offsets, checksum offsets) or
    None when the frame is left out."""
    o = 12
    et = f[o:o + 2]
    o += 2
    for _ in range(2):
        if et in (b'\x81\x00', b'\x88\xa8') and len(f) >= o + 4:
            et = f[o + 2:o + 4]
            o += 4
    if et == b'\x08\x00' and len(f) >= o + 20 and f[o] >> 4 == 4:
        ihl = (f[o] & 15) * 4
        if ihl < 20 or len(f) < o + ihl:
            return None
        proto = f[o + 9]
        if proto in SKIP_PROTO:
            return None
        frag_off = struct.unpack('!H', f[o + 6:o + 8])[0] & 0x1fff
        l4 = o + ihl
        addrs = [o + 12, o + 16]
        l4sum = None
        if frag_off == 0:
            l4sum = l4_checksum(f, proto, l4)
            if l4sum is False:
                return None
        return o, 4, addrs, l4sum
    if et == b'\x86\xdd' and len(f) >= o + 40 and f[o] >> 4 == 6:
        nh, p = f[o + 6], o + 40
        first = True
        while nh in IPV6_EXT or nh == 44:
            if len(f) < p + 8:
                return None
            if nh == 44:
                first = struct.unpack('!H', f[p + 2:p + 4])[0] & 0xfff8 == 0
                nh, p = f[p], p + 8
            elif nh == 51:
                nh, p = f[p], p + (f[p + 1] + 2) * 4
            else:
                nh, p = f[p], p + (f[p + 1] + 1) * 8
        if nh in SKIP_PROTO:
            return None
        l4sum = None
        if first:
            l4sum = l4_checksum(f, nh, p)
            if l4sum is False:
                return None
        return o, 6, [o + 8, o + 24], l4sum
    return None


def l4_checksum(f, proto, l4):
    """Offset of the TCP/UDP checksum to update, None for none, False to leave it out."""
    if proto == 6 and len(f) >= l4 + 18:
        return l4 + 16
    if proto == 17 and len(f) >= l4 + 8:
        sport, dport = struct.unpack('!HH', f[l4:l4 + 4])
        if sport in SKIP_UDP_PORTS or dport in SKIP_UDP_PORTS:
            return False
        return l4 + 6 if f[l4 + 6:l4 + 8] != b'\0\0' else None
    return None


def inputs():
    files = []
    for ext in ('pcap', 'pcapng', 'cap'):
        files += glob.glob(os.path.join(TOP, 'tests', 'pcap', '**', '*.' + ext), recursive=True)
    return sorted(f for f in files if os.sep + 'decode' + os.sep not in f)


def load(files):
    """Every kept frame: (time from the run's start in us, Ethernet frame, wirelen, plan)."""
    out, t = [], 0
    for path in files:
        with open(path, 'rb') as fh:
            data = fh.read()
        reader = read_pcapng if data[:4] == b'\x0a\x0d\x0d\x0a' else read_pcap
        prev = None
        for lt, ts, raw, orig in reader(data):
            f = to_ethernet(lt, raw)
            if f is None:
                continue
            p = plan(f)
            if p is None:
                continue
            if ts is not None:
                if prev is not None:
                    t += min(max(ts - prev, 0), MAX_GAP_US)
                prev = ts
            out.append((t, f, orig - len(raw) + len(f), p))
        t += 1000000
    return out, t


def rewrite(f, p, k):
    """Frame f of copy k (k > 0)."""
    b = bytearray(f)
    o, fam, addrs, l4sum = p
    old = [struct.unpack('!H', b[a:a + 2])[0] for a in addrs]
    for a in addrs:
        b[a + 1] ^= k
    if fam == 4:
        b[o + 10:o + 12] = b'\0\0'
        b[o + 10:o + 12] = struct.pack('!H', csum16(bytes(b[o:o + (b[o] & 15) * 4])))
    if l4sum is not None:
        hc = struct.unpack('!H', b[l4sum:l4sum + 2])[0]
        s = ~hc & 0xffff
        for a, m in zip(addrs, old):
            m2 = struct.unpack('!H', b[a:a + 2])[0]
            s += (~m & 0xffff) + m2
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        hc2 = ~s & 0xffff
        b[l4sum:l4sum + 2] = struct.pack('!H', hc2)
    return bytes(b)


def key_of(files):
    h = hashlib.sha256()
    with open(os.path.abspath(__file__), 'rb') as fh:
        h.update(fh.read())
    for path in files:
        h.update(os.path.relpath(path, TOP).encode() + b'\0')
        with open(path, 'rb') as fh:
            h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()


def generate(out, min_bytes, files):
    key = '%s %d\n' % (key_of(files), min_bytes)
    try:
        with open(out + '.key') as fh:
            if fh.read() == key and os.path.exists(out):
                return False
    except OSError:
        pass
    frames, span = load(files)
    if not frames:
        raise SystemExit('gen_capture: no usable frames')
    base = 1700000000 * 1000000
    tmp = out + '.tmp'
    size, k = 24, 0
    with open(tmp, 'wb') as fh:
        fh.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        while size < min_bytes:
            if k > 255:
                raise SystemExit('gen_capture: more than 256 copies needed')
            chunk = []
            for rel, f, orig, p in frames:
                ts = base + rel
                if k:
                    f = rewrite(f, p, k)
                chunk.append(struct.pack('<IIII', ts // 1000000, ts % 1000000, len(f),
                                         max(orig, len(f))))
                chunk.append(f)
                size += 16 + len(f)
            fh.write(b''.join(chunk))
            base += span
            k += 1
    os.replace(tmp, out)
    with open(out + '.key', 'w') as fh:
        fh.write(key)
    return True


def main(argv):
    args = argv[1:]
    min_mb = 200
    if len(args) >= 2 and args[0] == '--min-mb':
        min_mb = int(args[1])
        args = args[2:]
    if not args:
        sys.stderr.write(__doc__)
        return 2
    out, files = args[0], [os.path.abspath(f) for f in args[1:]] or inputs()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    generate(out, min_mb * 1000000, files)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
