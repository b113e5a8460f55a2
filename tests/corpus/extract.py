#!/usr/bin/env python3
"""Extract the raw TLS handshake byte streams of the TCP connections listed in the
shared corpora's tshark-connections.jsonl files, for offline C unit tests.

Developer-time tool: needs tshark (4.0.x) and the read-only corpus tree.  The unit
tests only read the checked-in output (tests/corpus/handshakes.jsonl).

Usage:
    python3 tests/corpus/extract.py /work/shared/corpus tests/corpus/handshakes.jsonl
    python3 tests/corpus/extract.py --check tests/corpus/handshakes.jsonl

Per connection (transport == "tcp"):
  * both directions of tcp.stream are reassembled by sequence number from one
    tshark pass per pcap (first byte captured wins, out-of-order segments are
    placed, the stream is cut at the first hole);
  * a plaintext prelude (STARTTLS, SOCKS, HTTP CONNECT, ...) is located and
    dropped, its length recorded as c2s_skip / s2c_skip;
  * each direction is trimmed to the cleartext handshake prefix: records of type
    20/21/22 up to (excluding) the first application-data record, or up to and
    including the record that follows a ChangeCipherSpec; capped at CAP bytes.
    SSLv2-format first records: the stream prefix up to 4096 bytes.

Stdlib only.
"""

import argparse
import collections
import hashlib
import json
import os
import subprocess
import sys

CORPORA = ["ja4", "zeek", "suricata-verify", "arkime", "ndpi"]
CAP = 32768                 # per-direction cap on the emitted handshake bytes
SSL2_CAP = 4096             # cap when the first record is SSLv2-format
REASM_LIMIT = 1 << 20       # bytes of each direction reassembled (prelude + handshake)
MAX_REC = 16384 + 2048      # plausible TLSCiphertext length bound
# Size control: per pcap, keep at most N connections that look alike (same expected
# values apart from addresses/ports/stream, same record structure).  nDPI's application
# captures repeat the same client/server pair dozens of times.
LOOKALIKE_LIMIT = {"ndpi": 1}
SNAP_TRUNCATED = [0]


# --------------------------------------------------------------------------- tshark

def tshark_segments(pcap, wanted):
    """One tshark pass. Returns {stream: [(frame, src, dst, sport, dport, seq, syn, payload)]}
    for the tcp.stream indices in `wanted`."""
    cmd = ["tshark", "-r", pcap, "-n",
           "-o", "tcp.desegment_tcp_streams:FALSE",
           "-o", "tcp.analyze_sequence_numbers:TRUE",
           "-Y", "tcp", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=l",
           "-e", "frame.number", "-e", "tcp.stream",
           "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
           "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.seq_raw",
           "-e", "tcp.flags.syn", "-e", "tcp.len", "-e", "tcp.payload"]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if res.returncode != 0 and not res.stdout:
        raise RuntimeError("tshark failed on %s: %s" % (pcap, res.stderr.decode(errors="replace")))
    out = collections.defaultdict(list)
    for line in res.stdout.decode("ascii", errors="replace").splitlines():
        f = line.split("\t")
        if len(f) < 12 or not f[1] or not f[8]:
            continue
        # occurrence=l already gives the innermost layer; be defensive anyway
        f = [x.split(",")[-1] for x in f]
        stream = int(f[1])
        if stream not in wanted:
            continue
        src = f[2] or f[4]
        dst = f[3] or f[5]
        syn = f[9] in ("1", "True", "true")
        payload = bytes.fromhex(f[11]) if f[11] else b""
        if f[10] and int(f[10]) > len(payload):
            SNAP_TRUNCATED[0] += 1             # snaplen-truncated segment: leaves a hole
        out[stream].append((int(f[0]), src, dst, int(f[6]), int(f[7]), int(f[8]), syn, payload))
    return out


# --------------------------------------------------------------------------- reassembly

def _signed32(x):
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x >= (1 << 31) else x


def _assemble(segs, base):
    """segs: [(frame, seq, syn, payload)] in capture order. Returns (contiguous prefix,
    placements) where placements = [(frame, offset, length)] in capture order."""
    buf = bytearray(REASM_LIMIT)
    mask = bytearray(REASM_LIMIT)
    placed = []
    for frame, seq, syn, payload in segs:
        if not payload:
            continue
        start = seq + 1 if syn else seq        # data in a SYN (TFO) starts at ISN+1
        off = _signed32(start - base)
        if off < 0:                            # starts before the base: clip
            payload = payload[-off:]
            off = 0
        if off >= REASM_LIMIT or not payload:
            continue
        placed.append((frame, off, payload[:REASM_LIMIT - off]))
    # write in reverse capture order so that the first captured byte wins
    for frame, off, data in reversed(placed):
        buf[off:off + len(data)] = data
        mask[off:off + len(data)] = b"\x01" * len(data)
    k = mask.find(0)
    if k < 0:
        k = REASM_LIMIT
    return bytes(buf[:k]), [(f, o, len(d)) for f, o, d in placed]


def reassemble(segs):
    """Pick the base sequence number giving the longest contiguous prefix among:
    every SYN's ISN+1 (first seen SYN first), the first data segment's seq, and the
    smallest data seq.  Returns (bytes, placements)."""
    cands = []
    for frame, seq, syn, payload in segs:
        if syn and ((seq + 1) & 0xFFFFFFFF) not in cands:
            cands.append((seq + 1) & 0xFFFFFFFF)
    data = [(seq + 1 if syn else seq) & 0xFFFFFFFF for _, seq, syn, p in segs if p]
    if not data:
        return b"", []
    if data[0] not in cands:
        cands.append(data[0])
    lo = min(data, key=lambda s: _signed32(s - data[0]))
    if lo not in cands:
        cands.append(lo)
    best = None
    for base in cands:
        got = _assemble(segs, base)
        if best is None or len(got[0]) > len(best[0]):
            best = got
    return best


# --------------------------------------------------------------------------- TLS framing

def is_ssl2_hello(p, off, msg_type):
    """SSLv2-format record at `off` whose message type is msg_type (1 = CLIENT-HELLO,
    4 = SERVER-HELLO), 2-byte header form (high bit set)."""
    return len(p) >= off + 3 and (p[off] & 0x80) and p[off + 2] == msg_type


def plausible_record(p, i, types, hs_type=None):
    if i + 5 > len(p):
        return False
    if p[i] not in types or p[i + 1] != 0x03:
        return False
    n = (p[i + 3] << 8) | p[i + 4]
    if n == 0 or n > MAX_REC:
        return False
    if p[i] == 0x15 and n != 2:
        return False
    if hs_type is not None and p[i] == 0x16 and i + 5 < len(p) and p[i + 5] != hs_type:
        return False
    return True


def find_tls_start(p, types, hs_type, start=0):
    for i in range(start, len(p) - 4):
        if plausible_record(p, i, types, hs_type):
            return i
    return None


def trim_handshake(p, off):
    """Return the handshake prefix of p starting at off."""
    if is_ssl2_hello(p, off, 1) or is_ssl2_hello(p, off, 4):
        return p[off:off + SSL2_CAP]
    pos = off
    seen_ccs = False
    while pos < len(p):
        if p[pos] not in (20, 21, 22):
            break
        if pos + 5 > len(p):          # partial header at the end of the data
            pos = len(p)
            break
        n = (p[pos + 3] << 8) | p[pos + 4]
        end = pos + 5 + n
        was_ccs = seen_ccs
        if p[pos] == 20:
            seen_ccs = True
        pos = min(end, len(p))
        if was_ccs or pos - off >= CAP:
            break
    return p[off:min(pos, off + CAP)]


def frame_covering(placed, off):
    """Earliest-captured segment that delivered byte `off` (placements are in capture order)."""
    for frame, o, n in placed:
        if o <= off < o + n:
            return frame
    return None


# --------------------------------------------------------------------------- main

def record_types(p):
    """Sequence of record content types (+ 'partial' marker) of a trimmed direction."""
    out, pos = [], 0
    if p and p[0] & 0x80:
        return ("sslv2",)
    while pos + 5 <= len(p):
        out.append(p[pos])
        pos += 5 + ((p[pos + 3] << 8) | p[pos + 4])
    return tuple(out) + (("partial",) if pos != len(p) else ())


def lookalike_signature(pcap, o, c_skip, c2s, s2c):
    """Connections of one pcap with identical expectations (ignoring addresses, ports,
    stream index and alert frame numbers) and identical record structure."""
    e = {k: v for k, v in o.items()
         if k not in ("stream", "client_ip", "client_port", "server_ip", "server_port", "alerts")}
    e["alerts"] = [(a.get("from"), a.get("level"), a.get("desc")) for a in o.get("alerts", [])]
    return (pcap, json.dumps(e, sort_keys=True), c_skip > 0,
            record_types(c2s), record_types(s2c))


def notes_for(o, c2s, s2c, s_skip):
    """Machine-readable caveats: where tshark's view differs from what the bytes show."""
    notes = []
    if c2s and c2s[0] & 0x80:
        notes.append("sslv2_client_hello")          # tshark gives no JA3/JA4 for it
    if not s2c:
        notes.append("no_server_tls" if s_skip == 0 else "server_not_tls")
    try:
        msgs = handshake_messages(s2c)
    except (IndexError, ValueError):
        msgs = []
    if o.get("ja3s") is None and any(t == 2 for t, _ in msgs):
        # ServerHello present in our bytes (inside an incomplete record, or after TCP
        # anomalies that defeat tshark's reassembly) but not dissected by tshark
        notes.append("server_hello_not_in_expect")
    if o.get("server_cert_sha256") and not any(t == 11 for t, _ in msgs):
        # tshark saw the certificate after decrypting (pcapng with embedded TLS secrets)
        # or in a part of the stream we cut (hole/cap)
        notes.append("server_cert_not_in_bytes")
    if len(c2s) >= CAP or len(s2c) >= CAP:
        notes.append("capped")
    return notes


def slim_expect(o):
    e = dict(o)
    for key in ("server_chain", "client_cert_chain"):
        chain = e.pop(key, None) or []
        e[key + "_sha256"] = [c.get("sha256") for c in chain]
    return e


def extract(corpus_root, out_path):
    stats = collections.OrderedDict()
    seen = {}
    lookalikes = collections.Counter()
    lines = []
    skipped = []
    for corpus in CORPORA:
        st = stats[corpus] = collections.Counter()
        jl = os.path.join(corpus_root, corpus, "tshark-connections.jsonl")
        by_pcap = collections.OrderedDict()
        for line in open(jl, encoding="utf-8"):
            o = json.loads(line)
            if o.get("transport") != "tcp":
                continue
            by_pcap.setdefault(o["pcap"], []).append(o)
        for pcap, conns in by_pcap.items():
            path = os.path.join(corpus_root, corpus, pcap)
            segs_by_stream = tshark_segments(path, {c["stream"] for c in conns})
            for o in conns:
                st["tcp"] += 1
                segs = segs_by_stream.get(o["stream"], [])
                c_segs, s_segs = [], []
                for frame, src, dst, sp, dp, seq, syn, payload in segs:
                    if sp == dp:
                        is_client = (src == o["client_ip"])
                    else:
                        is_client = (sp == o["client_port"])
                    (c_segs if is_client else s_segs).append((frame, seq, syn, payload))
                c_all, c_placed = reassemble(c_segs)
                s_all, s_placed = reassemble(s_segs)

                if is_ssl2_hello(c_all, 0, 1):
                    c_skip = 0
                else:
                    c_skip = find_tls_start(c_all, (0x16,), 1)
                if c_skip is None or len(c_all) - c_skip < 6:
                    reason = "skip_no_clienthello" if c_all else "skip_no_client_bytes"
                    st[reason] += 1
                    skipped.append((reason, corpus, pcap, o["stream"], len(c_all), len(s_all)))
                    continue
                # server TLS must start after the server bytes captured before the
                # frame that carried the client's first TLS byte
                ch_frame = frame_covering(c_placed, c_skip)
                s_min = 0
                for frame, off, n in s_placed:
                    if ch_frame is not None and frame < ch_frame:
                        s_min = max(s_min, min(off + n, len(s_all)))
                if s_min == 0 and is_ssl2_hello(s_all, 0, 4):
                    s_skip = 0
                else:
                    s_skip = find_tls_start(s_all, (0x16, 0x15), 2, s_min)
                    if s_skip is None:
                        s_skip = find_tls_start(s_all, (0x16, 0x15), 2, 0)
                    if s_skip is None:
                        s_skip = find_tls_start(s_all, (0x16, 0x15), None, 0)
                c2s = trim_handshake(c_all, c_skip)
                if s_skip is None:
                    s2c = b""
                    s_skip = len(s_all)
                else:
                    s2c = trim_handshake(s_all, s_skip)
                key = hashlib.sha256(c2s + b"|" + s2c).hexdigest()
                if key in seen:
                    st["duplicate"] += 1
                    continue
                seen[key] = True
                if corpus in LOOKALIKE_LIMIT:
                    sig = lookalike_signature(pcap, o, c_skip, c2s, s2c)
                    lookalikes[sig] += 1
                    if lookalikes[sig] > LOOKALIKE_LIMIT[corpus]:
                        st["lookalike_dropped"] += 1
                        continue
                rec = collections.OrderedDict()
                rec["corpus"] = corpus
                rec["pcap"] = pcap
                rec["stream"] = o["stream"]
                rec["c2s_skip"] = c_skip
                rec["s2c_skip"] = s_skip
                rec["c2s"] = c2s.hex()
                rec["s2c"] = s2c.hex()
                rec["notes"] = notes_for(o, c2s, s2c, s_skip)
                for n in rec["notes"]:
                    st["note:" + n] += 1
                rec["expect"] = slim_expect(o)
                lines.append(json.dumps(rec, separators=(",", ":"), ensure_ascii=True))
                st["emitted"] += 1
                if c_skip or s_skip:
                    st["with_prelude"] += 1
    with open(out_path, "w", encoding="ascii") as fh:
        for l in lines:
            fh.write(l + "\n")
    print("snaplen-truncated TCP segments seen: %d" % SNAP_TRUNCATED[0], file=sys.stderr)
    for sk in skipped:
        print("%s: %s %s stream=%d (client bytes=%d, server bytes=%d)" % sk, file=sys.stderr)
    total = collections.Counter()
    for corpus, st in stats.items():
        total.update(st)
        print("%-16s %s" % (corpus, " ".join("%s=%d" % kv for kv in sorted(st.items()))),
              file=sys.stderr)
    print("%-16s %s" % ("TOTAL", " ".join("%s=%d" % kv for kv in sorted(total.items()))),
          file=sys.stderr)
    print("output: %s, %d lines, %d bytes" % (out_path, len(lines), os.path.getsize(out_path)),
          file=sys.stderr)


# --------------------------------------------------------------------------- --check

GREASE = {0x0a0a + 0x1010 * i for i in range(16)}


def first_handshake_message(p):
    """Concatenate type-22 record payloads until the first handshake message is complete."""
    pos, body = 0, b""
    while pos + 5 <= len(p) and p[pos] == 22:
        n = (p[pos + 3] << 8) | p[pos + 4]
        body += p[pos + 5:pos + 5 + n]
        pos += 5 + n
        if len(body) >= 4 and len(body) >= 4 + int.from_bytes(body[1:4], "big"):
            return body[:4 + int.from_bytes(body[1:4], "big")]
    return None


def ja3_full_of(ch):
    if ch is None or ch[0] != 1:
        return None
    b = ch[4:]
    ver = int.from_bytes(b[0:2], "big")
    i = 2 + 32
    i += 1 + b[i]
    n = int.from_bytes(b[i:i + 2], "big"); i += 2
    ciphers = [int.from_bytes(b[j:j + 2], "big") for j in range(i, i + n, 2)]
    i += n
    i += 1 + b[i]
    exts, groups, pf = [], [], []
    if i + 2 <= len(b):
        end = i + 2 + int.from_bytes(b[i:i + 2], "big"); i += 2
        while i + 4 <= end:
            t = int.from_bytes(b[i:i + 2], "big"); L = int.from_bytes(b[i + 2:i + 4], "big")
            d = b[i + 4:i + 4 + L]
            exts.append(t)
            if t == 10 and len(d) >= 2:
                gl = int.from_bytes(d[0:2], "big")
                groups = [int.from_bytes(d[j:j + 2], "big") for j in range(2, 2 + gl, 2)]
            elif t == 11 and len(d) >= 1:
                pf = list(d[1:1 + d[0]])
            i += 4 + L

    def j(xs):
        return "-".join(str(x) for x in xs if x not in GREASE)
    return "%d,%s,%s,%s,%s" % (ver, j(ciphers), j(exts), j(groups), "-".join(map(str, pf)))


def handshake_messages(p):
    """(msg_type, body) of the cleartext handshake messages of one direction: type-22
    record payloads concatenated, parsing stops at the first ChangeCipherSpec unless no
    final ServerHello has been seen yet (HRR + middlebox CCS)."""
    pos, buf, msgs = 0, b"", []
    final_sh = False
    while pos + 5 <= len(p):
        ctype, n = p[pos], (p[pos + 3] << 8) | p[pos + 4]
        if ctype == 20 and final_sh:
            break
        if ctype == 22:
            buf += p[pos + 5:pos + 5 + n]
            while len(buf) >= 4 and len(buf) >= 4 + int.from_bytes(buf[1:4], "big"):
                L = int.from_bytes(buf[1:4], "big")
                msgs.append((buf[0], buf[4:4 + L]))
                if buf[0] == 2 and buf[4 + 2:4 + 34] != HRR_RANDOM:
                    final_sh = True
                buf = buf[4 + L:]
        pos += 5 + n
    return msgs


HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def ja3s_full_of(sh):
    ver = int.from_bytes(sh[0:2], "big")
    i = 2 + 32
    draft = ver >> 8 == 0x7F and (ver & 0xFF) < 22    # TLS 1.3 drafts < 22: no sid/compr.
    if not draft:
        i += 1 + sh[i]
    cipher = int.from_bytes(sh[i:i + 2], "big")
    i += 2 if draft else 3
    exts = []
    if i + 2 <= len(sh):
        end = i + 2 + int.from_bytes(sh[i:i + 2], "big"); i += 2
        while i + 4 <= end:
            exts.append(int.from_bytes(sh[i:i + 2], "big"))
            i += 4 + int.from_bytes(sh[i + 2:i + 4], "big")
    return "%d,%d,%s" % (ver, cipher, "-".join(str(x) for x in exts if x not in GREASE))


def check(path):
    """Validate the extraction (not our C parser): recompute JA3 / JA3S strings from the
    extracted bytes with this independent mini parser and compare with tshark's."""
    res = {"ja3_full": [0, 0, 0], "ja3s_full": [0, 0, 0],     # ok, bad, no expectation
           "server_cert_sha256": [0, 0, 0]}
    bad_list = []
    for line in open(path, encoding="ascii"):
        r = json.loads(line)
        e = r["expect"]
        c2s, s2c = bytes.fromhex(r["c2s"]), bytes.fromhex(r["s2c"])
        try:
            got_c = ja3_full_of(first_handshake_message(c2s))
        except (IndexError, ValueError):
            got_c = None
        try:
            shs = [b for t, b in handshake_messages(s2c) if t == 2 and b[2:34] != HRR_RANDOM]
            got_s = ja3s_full_of(shs[0]) if shs else None
        except (IndexError, ValueError):
            got_s = None
        got_cert = None
        try:
            certs = [b for t, b in handshake_messages(s2c) if t == 11]
            if certs and len(certs[0]) >= 6:
                n = int.from_bytes(certs[0][3:6], "big")
                got_cert = hashlib.sha256(certs[0][6:6 + n]).hexdigest()
        except (IndexError, ValueError):
            pass
        for key, got in (("ja3_full", got_c), ("ja3s_full", got_s),
                         ("server_cert_sha256", got_cert)):
            exp = e.get(key)
            if exp is None:
                res[key][2] += 1
            elif got == exp:
                res[key][0] += 1
            else:
                res[key][1] += 1
                bad_list.append((key, r["corpus"], r["pcap"], r["stream"],
                                 len(c2s) if key == "ja3_full" else len(s2c), got is None))
            if key == "server_cert_sha256" and exp is None and got is not None:
                bad_list.append(("extra_cert", r["corpus"], r["pcap"], r["stream"], len(s2c), False))
    for b in bad_list:
        print("MISMATCH %s %s %s stream=%d bytes=%d unparsed=%s" % b, file=sys.stderr)
    rc = 0
    for key, (ok, bad, none) in res.items():
        tot = ok + bad
        print("%s agreement: %d/%d = %.1f%% (%d lines without an expected value)"
              % (key, ok, tot, 100.0 * ok / max(tot, 1), none), file=sys.stderr)
        if not tot or ok < 0.95 * tot:
            rc = 1
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="recompute ja3_full from each line's c2s and compare with expect")
    ap.add_argument("args", nargs="+", help="CORPUS_ROOT OUT.jsonl | --check OUT.jsonl")
    a = ap.parse_args()
    if a.check:
        sys.exit(check(a.args[0]))
    if len(a.args) != 2:
        ap.error("need CORPUS_ROOT and OUT.jsonl")
    extract(a.args[0], a.args[1])


if __name__ == "__main__":
    main()
