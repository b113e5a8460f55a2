#!/usr/bin/env python3
"""Correlation of scans with observed traffic (rules/downgrade/, rules/rogue-cert/), end to end.

usage: correlation.py TLSSCOPE [--keep] [--verbose]

One port P on 127.0.0.1 throughout. The reference server A is `openssl s_server -www` with
certificate A (tests/pki/mkpki.sh good-ec + its intermediate), TLS 1.2 and 1.3, TLS 1.2
suites limited to ECDHE-ECDSA-AES128-GCM-SHA256 and ECDHE-ECDSA-AES256-GCM-SHA384.

  base     scan A (`tlsscope scan --db`), capture the control clients with tcpdump on lo, sniff
           the capture into the same store, scan A again (so no TLS 1.3 flow is newer than the
           latest scan); analyze: no alarm in either profile, every rule has its ok row.
           Control clients: s_client -tls1_2, s_client (1.3), curl (1.3), curl --tls-max 1.2,
           gnutls-cli (1.3), s_client -tls1_2 -fallback_scsv (A refuses it: alert 86).
Each case starts from a copy of the base store, replaces what answers on P, captures its own
clients into its own pcap, sniffs it, and analyzes with --profile downgrade and
--profile rogue-cert:
  a  A capped at TLS 1.2 (-no_tls1_3): clients that offer 1.3 (s_client, curl, gnutls-cli)
     -> downgrade/version-below-scan (D1) and downgrade/tls13-without-sentinel (D2b) alarms
     on exactly those flows; s_client -tls1_2 -fallback_scsv completes at 1.2
     -> downgrade/fallback-accepted (D3) on that flow; s_client -tls1_2 is in neither.
  b  a rogue leaf: same subject, another key, issued by the same intermediate; TLS 1.2
     clients -> rogue-cert/unknown-leaf (R1) and rogue-cert/scanner-vs-wire (R9) alarms on
     all the flows, with the rogue certificate; same issuer: new-issuer and
     chain-unvalidated ok.
  c  a leaf issued by a second CA made here, whose name is the real intermediate's
     ("CN=tlsscope Test Intermediate") but whose key is another -> rogue-cert/new-issuer
     (R6) and rogue-cert/chain-unvalidated (R3) alarms (and R1, R9) on all the flows.
  d  A unchanged, TLS 1.3 clients after the latest scan -> rogue-cert/tls13-rescan info with
     exactly those flows; no alarm.
  e  A accepting ECDHE-ECDSA-AES128-SHA too, TLS 1.2 clients asking for it
     -> downgrade/suite-not-scanned (D4) alarm on those flows.

Where expected values come from (never from tlsscope's output):
  - which flows belong to a case and what they are: the case's own pcap read with tshark
    (one ClientHello per client, the clients run one after another, so the n-th ClientHello
    is the n-th client; its TCP source port, its supported_versions, and the ServerHello's
    version, suite and random on that stream). tshark's view must agree with what the test
    asked each client to do (a lab error otherwise). Evidence "connection:ID" is mapped to a
    client port through the store's connections table and compared as a set of ports.
  - certificates: `openssl x509 -fingerprint -sha256 -subject -issuer -ext ...` of the files
    made here; the rogue leaf's subject equals A's, its key differs; the second CA's leaf
    fails `openssl verify` against the test root; its authorityKeyIdentifier differs from
    the real intermediate's subjectKeyIdentifier.
  - the TLS 1.2 suite name for case e: `openssl ciphers -stdname`.
  - the RFC 8446 §4.1.3 sentinel: the last 8 bytes of ServerHello.random in tshark.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
SENTINEL12 = '444f574e47524401'
SENTINEL11 = '444f574e47524400'


class LabError(Exception):
    pass


class Skip(Exception):
    pass


class Lab:
    def __init__(self, prog, work, verbose):
        self.prog = prog
        self.work = work
        self.verbose = verbose
        self.server = None
        self.fails = 0
        self.checks = 0

    # ---- processes -----------------------------------------------------------------------

    def run(self, argv, timeout=30, input=b'', want=0, stderr=True):
        """Runs argv; returns its stdout (with stderr unless stderr is False)."""
        p = subprocess.run(argv, input=input, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT if stderr else subprocess.DEVNULL,
                           timeout=timeout, cwd=self.work)
        out = p.stdout.decode('utf-8', 'replace')
        if self.verbose:
            print('$ %s -> %d\n%s' % (' '.join(argv), p.returncode, out[-1500:]))
        if want is not None and p.returncode != want:
            raise LabError('%s exited %d:\n%s' % (' '.join(argv), p.returncode, out[-2000:]))
        return out

    def start_server(self, port, args):
        self.stop_server()
        argv = ['openssl', 's_server', '-accept', '127.0.0.1:%d' % port, '-www', '-quiet'] + args
        log = open(os.path.join(self.work, 'server.log'), 'ab')
        self.server = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                       cwd=self.work)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.server.poll() is not None:
                raise LabError('s_server exited %d: %s' % (self.server.returncode, ' '.join(argv)))
            try:
                socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise LabError('s_server did not listen on %d' % port)

    def stop_server(self):
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(5)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None

    def capture(self, port, name, clients):
        """Runs clients (argv lists) one after another under tcpdump on lo; returns the pcap."""
        pcap = os.path.join(self.work, name + '.pcap')
        errf = open(os.path.join(self.work, name + '.tcpdump'), 'w+b')
        td = subprocess.Popen(['tcpdump', '-i', 'lo', '-n', '-U', '--immediate-mode', '-w', pcap, 'tcp port %d' % port],
                              stdout=subprocess.DEVNULL, stderr=errf)
        deadline = time.time() + 10
        while time.time() < deadline:
            errf.seek(0)
            text = errf.read().decode('utf-8', 'replace')
            if 'listening on' in text:
                break
            if td.poll() is not None:
                raise Skip('tcpdump cannot capture on lo: ' + text.strip()[:200])
            time.sleep(0.05)
        else:
            td.kill()
            raise Skip('tcpdump did not start listening on lo within 10 s')
        try:
            for argv in clients:
                self.run(argv, timeout=20, want=None)
        finally:
            time.sleep(0.3)
            td.send_signal(signal.SIGINT)
            td.wait(10)
        return pcap

    # ---- checks --------------------------------------------------------------------------

    def check(self, name, ok, detail=''):
        self.checks += 1
        if ok:
            print('ok %s' % name)
        else:
            self.fails += 1
            print('FAIL %s: %s' % (name, detail))


# ---- independent facts -----------------------------------------------------------------------

def x509(lab, path):
    out = lab.run(['openssl', 'x509', '-in', path, '-noout', '-subject', '-issuer', '-nameopt',
                   'RFC2253', '-fingerprint', '-sha256'])
    f = {}
    for line in out.splitlines():
        k, _, v = line.partition('=')
        if k in ('subject', 'issuer'):
            f[k] = v
        elif k.lower() == 'sha256 fingerprint':
            f['sha256'] = v.replace(':', '').lower()
    for ext, key in (('subjectKeyIdentifier', 'ski'), ('authorityKeyIdentifier', 'aki')):
        out = lab.run(['openssl', 'x509', '-in', path, '-noout', '-ext', ext])
        lines = [l.strip() for l in out.splitlines()[1:] if l.strip()]
        f[key] = lines[0].replace('keyid:', '').replace(':', '').lower() if lines else None
    f['spki'] = lab.run(['bash', '-o', 'pipefail', '-c',
                         "openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform der"
                         " | openssl dgst -sha256 -binary | base64" % path]).strip()
    return f


def tshark_flows(lab, pcap, port):
    """Per TCP stream of the pcap, in order of the ClientHellos: client port, offered versions,
    negotiated version, suite, ServerHello.random, alerts."""
    def fields(filt, names):
        out = lab.run(['tshark', '-r', pcap, '-d', 'tcp.port==%d,tls' % port,
                       '-o', 'tls.desegment_ssl_records:TRUE', '-Y', filt, '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a',
                       '-E', 'aggregator=,'] + sum((['-e', n] for n in names), []), stderr=False)
        return [l.split('|') for l in out.splitlines() if l.strip()]
    flows = {}
    order = []
    for stream, cport, sv, legacy in fields('tls.handshake.type == 1',
                                           ['tcp.stream', 'tcp.srcport',
                                            'tls.handshake.extensions.supported_version',
                                            'tls.handshake.version']):
        if stream in flows:
            continue
        offered = [int(v, 16) for v in sv.split(',') if v] or [int(legacy.split(',')[0], 16)]
        offered = [v for v in offered if (v & 0x0f0f) != 0x0a0a]  # GREASE
        flows[stream] = {'port': int(cport), 'offered_max': max(offered), 'version': None,
                         'cipher': None, 'random': None, 'alerts': []}
        order.append(stream)
    for stream, sv, legacy, cipher, rnd in fields('tls.handshake.type == 2',
                                                  ['tcp.stream',
                                                   'tls.handshake.extensions.supported_version',
                                                   'tls.handshake.version',
                                                   'tls.handshake.ciphersuite',
                                                   'tls.handshake.random']):
        if stream in flows and flows[stream]['version'] is None:
            v = sv.split(',')[0] or legacy.split(',')[0]
            flows[stream].update(version=int(v, 16), cipher=int(cipher.split(',')[0], 16),
                                 random=rnd.split(',')[0].replace(':', '').lower())
    for stream, desc in fields('tls.alert_message.desc', ['tcp.stream', 'tls.alert_message.desc']):
        if stream in flows:
            flows[stream]['alerts'] += [int(d) for d in desc.split(',') if d]
    return [flows[s] for s in order]


# ---- the store and the analyzer ---------------------------------------------------------------

def analyze(lab, db, profile):
    out = lab.run([lab.prog, 'analyze', '--db', db, '--profile', profile, '--json'], stderr=False)
    rows = {}
    for line in out.splitlines():
        o = json.loads(line)
        if o.get('type') == 'finding':
            rows[o['rule']] = o
    return rows


def conn_ports(db, min_id=0):
    c = sqlite3.connect(db)
    try:
        return {r[0]: r[1] for r in c.execute(
            'SELECT id, client_port FROM connections WHERE id > ?', (min_id,))}
    finally:
        c.close()


def max_conn_id(db):
    c = sqlite3.connect(db)
    try:
        return c.execute('SELECT ifnull(max(id), 0) FROM connections').fetchone()[0]
    finally:
        c.close()


def evidence_ports(finding, ports):
    got = set()
    for ref in finding.get('evidence') or []:
        if ref.startswith('connection:'):
            got.add(ports.get(int(ref.split(':')[1]), 'id %s not in this capture' % ref))
    return got


# ---- the lab ----------------------------------------------------------------------------------

def make_certs(lab, pki):
    """The rogue leaf (same subject as good-ec, another key, issued by int) and a second CA with
    the intermediate's name and another key, with a leaf of the same subject."""
    a = x509(lab, os.path.join(pki, 'good-ec.pem'))
    subj = '/' + '/'.join(reversed(a['subject'].split(',')))   # RFC 2253 -> openssl -subj
    ext = os.path.join(lab.work, 'leaf.ext')
    with open(ext, 'w') as f:
        f.write('[v3]\nbasicConstraints=critical,CA:FALSE\n'
                'keyUsage=critical,digitalSignature,keyEncipherment\n'
                'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n'
                'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n')

    def leaf(name, ca, cakey):
        key, csr, pem = (os.path.join(lab.work, name + s) for s in ('.key', '.csr', '.pem'))
        lab.run(['openssl', 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                 '-nodes', '-keyout', key, '-subj', subj, '-out', csr])
        lab.run(['openssl', 'x509', '-req', '-in', csr, '-CA', ca, '-CAkey', cakey,
                 '-set_serial', '0x%x' % int.from_bytes(os.urandom(8), 'big'), '-days', '30',
                 '-sha256', '-extfile', ext, '-extensions', 'v3', '-out', pem])
        return key, pem

    int_pem, int_key = os.path.join(pki, 'int.pem'), os.path.join(pki, 'int.key')
    rogue_key, rogue_pem = leaf('rogue-leaf', int_pem, int_key)
    i = x509(lab, int_pem)
    ca2_pem, ca2_key = os.path.join(lab.work, 'ca2.pem'), os.path.join(lab.work, 'ca2.key')
    lab.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
             '-nodes', '-keyout', ca2_key, '-out', ca2_pem, '-days', '30',
             '-subj', '/' + '/'.join(reversed(i['subject'].split(','))),
             '-addext', 'basicConstraints=critical,CA:TRUE',
             '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
    other_key, other_pem = leaf('other-leaf', ca2_pem, ca2_key)
    certs = {'a': a, 'int': i, 'rogue': x509(lab, rogue_pem), 'ca2': x509(lab, ca2_pem),
             'other': x509(lab, other_pem)}
    files = {'rogue': (rogue_pem, rogue_key, int_pem), 'other': (other_pem, other_key, ca2_pem)}
    # confirmations of what the cases assume
    r, o = certs['rogue'], certs['other']
    if not (r['subject'] == a['subject'] and r['spki'] != a['spki'] and r['issuer'] == a['issuer']
            and r['aki'] == i['ski']):
        raise LabError('rogue leaf: want subject %s, issuer %s, another key: %s' % (a['subject'], a['issuer'], r))
    if not (o['subject'] == a['subject'] and o['issuer'] == i['subject'] and o['aki'] != i['ski']
            and o['aki'] == certs['ca2']['ski']):
        raise LabError('second CA leaf: want issuer name %s with another key id: %s' % (i['subject'], o))
    out = lab.run(['openssl', 'verify', '-CAfile', os.path.join(pki, 'root.pem'), '-untrusted', ca2_pem,
                   other_pem], want=None)
    if ': OK' in out:
        raise LabError('the second CA leaf validates against the test root: ' + out)
    lab.run(['openssl', 'verify', '-CAfile', os.path.join(pki, 'root.pem'), '-untrusted', int_pem, rogue_pem])
    return certs, files


def clients(port, pki, kinds):
    """argv of each client kind: sc12 s_client TLS 1.2, sc s_client default (1.3), sc12fb
    s_client TLS 1.2 with TLS_FALLBACK_SCSV, curl, curl12, gnutls (1.3), gnutls12,
    sc12cbc / curl12cbc: TLS 1.2 asking for ECDHE-ECDSA-AES128-SHA only."""
    root = os.path.join(pki, 'root.pem')
    sc = ['openssl', 's_client', '-connect', '127.0.0.1:%d' % port, '-CAfile', root]
    url = 'https://127.0.0.1:%d/' % port
    curl = ['curl', '-sk', '-o', '/dev/null', '--max-time', '10']
    gn = ['gnutls-cli', '--insecure', '-p', str(port), '127.0.0.1']
    table = {
        'sc12': sc + ['-tls1_2'],
        'sc': sc,
        'sc12fb': sc + ['-tls1_2', '-fallback_scsv'],
        'sc12cbc': sc + ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA'],
        'curl': curl + [url],
        'curl12': curl + ['--tls-max', '1.2', url],
        'curl12cbc': curl + ['--tls-max', '1.2', '--ciphers', 'ECDHE-ECDSA-AES128-SHA', url],
        'gnutls': gn,
        'gnutls12': gn + ['--priority', 'NORMAL:-VERS-TLS1.3'],
    }
    return [table[k] for k in kinds]


# What each client kind offers at most (its command line), for confirming tshark's view.
OFFERS = {'sc12': 0x0303, 'sc': 0x0304, 'sc12fb': 0x0303, 'sc12cbc': 0x0303, 'curl': 0x0304,
          'curl12': 0x0303, 'curl12cbc': 0x0303, 'gnutls': 0x0304, 'gnutls12': 0x0303}


def flows_of(lab, pcap, port, kinds):
    fl = tshark_flows(lab, pcap, port)
    if len(fl) != len(kinds):
        raise LabError('%s: %d ClientHellos, want one per client (%d)' % (pcap, len(fl), len(kinds)))
    for k, f in zip(kinds, fl):
        f['kind'] = k
        if f['offered_max'] != OFFERS[k]:
            raise LabError('%s: client %s offered 0x%04x, its command line says 0x%04x'
                           % (pcap, k, f['offered_max'], OFFERS[k]))
    return fl


def ports(flows, pred=lambda f: True):
    return {f['port'] for f in flows if pred(f)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('prog')
    ap.add_argument('--keep', action='store_true')
    ap.add_argument('--verbose', action='store_true')
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix='correlation.', dir=os.environ.get('TMPDIR'))
    lab = Lab(os.path.abspath(args.prog), work, args.verbose)
    try:
        body(lab)
    except Skip as e:
        print('SKIP: %s' % e)
        return 0
    except LabError as e:
        print('FAIL lab: %s' % e)
        lab.fails += 1
    finally:
        lab.stop_server()
        if args.keep:
            print('kept %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print('%d checks, %d failed' % (lab.checks, lab.fails))
    return 1 if lab.fails else 0


def expect(lab, case, rows, rule, status, want_ports=None, ports_map=None, certs=()):
    f = rows.get(rule)
    if f is None:
        lab.check('%s %s %s' % (case, rule, status), False, 'no finding (rules refused or not built in?)')
        return
    lab.check('%s %s %s' % (case, rule, status), f['status'] == status,
              'got %s: %s' % (f['status'], f['reason'][:300]))
    if want_ports is not None:
        got = evidence_ports(f, ports_map)
        lab.check('%s %s evidence flows' % (case, rule), got == want_ports,
                  'want client ports %s, got %s (evidence %s)' % (sorted(want_ports), sorted(got, key=str),
                                                                 f['evidence']))
    for c in certs:
        lab.check('%s %s evidence cert %s' % (case, rule, c[:12]), 'cert:' + c in (f['evidence'] or []),
                  'evidence %s' % f['evidence'])


def no_alarm(lab, case, rows, but=()):
    """No alarm from our two directories' rules other than `but` (other rules that name these
    profiles, e.g. model/novelty, are others' to test)."""
    bad = ['%s: %s' % (r, f['reason'][:200]) for r, f in sorted(rows.items())
           if f['status'] == 'alarm' and r not in but and r.startswith(('downgrade/', 'rogue-cert/'))]
    lab.check('%s no other alarm' % case, not bad, '; '.join(bad))


def body(lab):
    pki = os.path.join(lab.work, 'pki')
    lab.run(['bash', os.path.join(TOP, 'tests', 'pki', 'mkpki.sh'), pki])
    certs, files = make_certs(lab, pki)
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    gcm = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384'
    a_args = ['-cert', os.path.join(pki, 'good-ec.pem'), '-key', os.path.join(pki, 'good-ec.key'),
              '-cert_chain', os.path.join(pki, 'int.pem'), '-cipher', gcm]
    db = os.path.join(lab.work, 'base.db')

    # ---- base: scan, control traffic, re-scan ----
    lab.start_server(port, a_args)
    lab.run([lab.prog, 'scan', '--db', db, '--ca-file', os.path.join(pki, 'root.pem'),
             '127.0.0.1:%d' % port])
    kinds = ['sc12', 'sc', 'curl', 'curl12', 'gnutls', 'sc12fb']
    pcap = lab.capture(port, 'control', clients(port, pki, kinds))
    fl = flows_of(lab, pcap, port, kinds)
    fb = [f for f in fl if f['kind'] == 'sc12fb'][0]
    if fb['version'] is not None or 86 not in fb['alerts']:
        raise LabError('control: A should refuse the fallback hello with alert 86: %s' % fb)
    for f in fl:
        if f['kind'] != 'sc12fb' and f['version'] != f['offered_max']:
            raise LabError('control: %s negotiated %s, want its best version' % (f['kind'], f['version']))
    lab.run([lab.prog, 'sniff', '-r', pcap, '--db', db])
    time.sleep(0.01)
    lab.run([lab.prog, 'scan', '--db', db, '--ca-file', os.path.join(pki, 'root.pem'),
             '127.0.0.1:%d' % port])
    dg, rc = analyze(lab, db, 'downgrade'), analyze(lab, db, 'rogue-cert')
    for rule in ('downgrade/version-below-scan', 'downgrade/tls13-without-sentinel',
                 'downgrade/fallback-accepted', 'downgrade/suite-not-scanned', 'downgrade/sentinel'):
        expect(lab, 'control', dg, rule, 'ok')
    for rule in ('rogue-cert/unknown-leaf', 'rogue-cert/scanner-vs-wire', 'rogue-cert/new-issuer',
                 'rogue-cert/chain-unvalidated', 'rogue-cert/tls13-rescan'):
        expect(lab, 'control', rc, rule, 'ok')
    no_alarm(lab, 'control', dict(dg, **rc))
    base_max = max_conn_id(db)

    def case(name, server_args, kinds):
        cdb = os.path.join(lab.work, name + '.db')
        shutil.copy(db, cdb)
        lab.start_server(port, server_args)
        pcap = lab.capture(port, name, clients(port, pki, kinds))
        fl = flows_of(lab, pcap, port, kinds)
        lab.run([lab.prog, 'sniff', '-r', pcap, '--db', cdb])
        pm = conn_ports(cdb, base_max)
        lab.check('%s sensor stored one connection per client' % name,
                  sorted(pm.values()) == sorted(ports(fl)),
                  'stored ports %s, tshark %s' % (sorted(pm.values()), sorted(ports(fl))))
        return fl, pm, analyze(lab, cdb, 'downgrade'), analyze(lab, cdb, 'rogue-cert')

    # ---- a: capped at TLS 1.2 ----
    kinds = ['sc', 'curl', 'gnutls', 'sc12', 'sc12fb']
    fl, pm, dg, rc = case('a', a_args + ['-no_tls1_3'], kinds)
    for f in fl:
        if f['version'] != 0x0303 or f['random'][-16:] in (SENTINEL12, SENTINEL11):
            raise LabError('a: %s: want TLS 1.2 without the RFC 8446 sentinel: %s' % (f['kind'], f))
    offered13 = ports(fl, lambda f: f['offered_max'] == 0x0304)
    expect(lab, 'a', dg, 'downgrade/version-below-scan', 'alarm', offered13, pm)
    expect(lab, 'a', dg, 'downgrade/tls13-without-sentinel', 'alarm', offered13, pm)
    expect(lab, 'a', dg, 'downgrade/fallback-accepted', 'alarm', ports(fl, lambda f: f['kind'] == 'sc12fb'), pm)
    expect(lab, 'a', dg, 'downgrade/sentinel', 'ok')
    expect(lab, 'a', dg, 'downgrade/suite-not-scanned', 'ok')
    no_alarm(lab, 'a', dict(dg, **rc), but=('downgrade/version-below-scan', 'downgrade/tls13-without-sentinel',
                                            'downgrade/fallback-accepted'))

    # ---- b: rogue leaf, same subject and issuer, another key ----
    pem, key, chain = files['rogue']
    kinds = ['sc12', 'curl12', 'gnutls12']
    fl, pm, dg, rc = case('b', ['-cert', pem, '-key', key, '-cert_chain', chain, '-cipher', gcm], kinds)
    allp = ports(fl)
    r = certs['rogue']['sha256']
    expect(lab, 'b', rc, 'rogue-cert/unknown-leaf', 'alarm', allp, pm, [r])
    expect(lab, 'b', rc, 'rogue-cert/scanner-vs-wire', 'alarm', allp, pm, [r, certs['a']['sha256']])
    expect(lab, 'b', rc, 'rogue-cert/new-issuer', 'ok')
    expect(lab, 'b', rc, 'rogue-cert/chain-unvalidated', 'ok')
    no_alarm(lab, 'b', dict(dg, **rc), but=('rogue-cert/unknown-leaf', 'rogue-cert/scanner-vs-wire'))

    # ---- c: another issuer with the intermediate's name ----
    pem, key, chain = files['other']
    fl, pm, dg, rc = case('c', ['-cert', pem, '-key', key, '-cert_chain', chain, '-cipher', gcm], kinds)
    allp = ports(fl)
    o = certs['other']['sha256']
    expect(lab, 'c', rc, 'rogue-cert/new-issuer', 'alarm', allp, pm, [o])
    expect(lab, 'c', rc, 'rogue-cert/chain-unvalidated', 'alarm', allp, pm, [o])
    expect(lab, 'c', rc, 'rogue-cert/unknown-leaf', 'alarm', allp, pm, [o])
    expect(lab, 'c', rc, 'rogue-cert/scanner-vs-wire', 'alarm', allp, pm, [o])
    f = rc.get('rogue-cert/new-issuer')
    if f:
        lab.check('c new-issuer reason names the second CA key id', (certs['ca2']['ski'] or '-') in f['reason'],
                  'want %s in: %s' % (certs['ca2']['ski'], f['reason'][:300]))
    no_alarm(lab, 'c', dict(dg, **rc), but=('rogue-cert/new-issuer', 'rogue-cert/chain-unvalidated',
                                            'rogue-cert/unknown-leaf', 'rogue-cert/scanner-vs-wire'))

    # ---- d: TLS 1.3 after the latest scan ----
    kinds = ['sc', 'curl', 'gnutls']
    fl, pm, dg, rc = case('d', a_args, kinds)
    if any(f['version'] != 0x0304 for f in fl):
        raise LabError('d: want TLS 1.3 on every flow: %s' % fl)
    expect(lab, 'd', rc, 'rogue-cert/tls13-rescan', 'info', ports(fl), pm)
    no_alarm(lab, 'd', dict(dg, **rc))

    # ---- e: a suite the scan did not find ----
    kinds = ['sc12cbc', 'curl12cbc']
    fl, pm, dg, rc = case('e', a_args[:-1] + [gcm + ':ECDHE-ECDSA-AES128-SHA'], kinds)
    std = lab.run(['openssl', 'ciphers', '-stdname', '-ciphersuites', '', 'ECDHE-ECDSA-AES128-SHA']).split()[0]
    code = [f['cipher'] for f in fl]
    if code != [0xc009] * len(fl):
        raise LabError('e: want suite 0xc009 (%s) on every flow: %s' % (std, fl))
    expect(lab, 'e', dg, 'downgrade/suite-not-scanned', 'alarm', ports(fl), pm)
    f = dg.get('downgrade/suite-not-scanned')
    if f:
        lab.check('e suite-not-scanned reason names %s' % std, std in f['reason'], f['reason'][:300])
    no_alarm(lab, 'e', dict(dg, **rc), but=('downgrade/suite-not-scanned',))


if __name__ == '__main__':
    sys.exit(main())
