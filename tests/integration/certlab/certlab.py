#!/usr/bin/env python3
"""The certificate lab: `tlsscope scan` against TLS servers on loopback whose certificates,
chains, OCSP staples, pins and HSTS headers are known, checked field by field against the
"scan" JSON (certificates, chain_trusted, verify_error, hostname_match, ocsp, pins, chains,
http).

usage: certlab.py TLSSCOPE [--mkpki PATH] [--keep] [--verbose] [--expect-only]

The test PKI comes from tests/pki/mkpki.sh (run here into a temporary directory). Servers,
all on 127.0.0.1 ephemeral ports, started and stopped here:
  nginx        one port, three server blocks (certlab/nginx.conf.in): the default one with an
               RSA and an ECDSA certificate (good-rsa and good-ec, each with its chain), one
               ssl_stapling_file (ocsp-good-rsa.der), Strict-Transport-Security; a.test (sni-a)
               and b.test (sni-b), no stapling, no HSTS. TLS 1.2 + 1.3.
  openssl s_server, one per case (table SSERVERS): a revoked leaf with its staple, a stale
               staple, a staple signed by an unauthorized key, a must-staple leaf without a
               staple, a leaf without an OCSP URL, an expired leaf, a self-signed leaf, a leaf
               for another name, a leaf without its intermediate, a chain sent out of order
               (leaf, root, intermediate), a staple inside a TLS 1.3 Certificate message (the
               other stapling servers are TLS 1.2 only: CertificateStatus message).
Scans: one `tlsscope scan --json --ca-file root.pem --pins FILE` of every server without SNI
(FILE pins nginx to the intermediate's key and wronghost to a random key, nothing else), one
with --sni a.test and one with --sni b.test of nginx (no --pins).
gnutls-serv is not used: it listens on every address (0.0.0.0 and ::) and has no option to
bind 127.0.0.1 only.

nginx and stapling with two certificates: ssl_stapling_file is a per-server directive;
nginx (1.22, ngx_ssl_stapling) walks every certificate of the server and loads the same
file as each certificate's staple, so the ECDSA chain is stapled with the response about the
RSA leaf (it holds no status for good-ec). The lab confirms that with s_client at test time
and expects the scanner to report that staple as stapled, verified, status null.

Where the expected values come from (never from tlsscope's output):
  - certificate facts: `openssl x509` of the configured files: -fingerprint -sha256 (sha256),
    -subject/-issuer -nameopt RFC2253, -startdate/-enddate (converted to RFC 3339), -text
    (sig_alg, TLS feature), -ext subjectAltName (san_dns, san_ip), -ocsp_uri; spki_sha256 is
    the pin pipeline `openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst
    -sha256 -binary | base64`; key_type/key_bits from `openssl pkey -text` of the key file
    the PKI made (and that key's pin must equal the certificate's).
  - the chain each server sends: the configured files, confirmed with `openssl s_client
    -showcerts` (every certificate, in order). Which of nginx's two chains a default
    handshake gets (OpenSSL's default signature schemes: ECDSA first) is what s_client
    gets with its defaults; each chain alone with -sigalgs. With SNI, the scanner's
    handshake without SNI ("nosni" chain, "without_sni") gets what s_client -noservername
    gets.
  - chain_trusted / verify_error: `openssl verify -CAfile root.pem -untrusted REST LEAF`
    of the chain as sent (its first "error N at D depth lookup: MSG" line); complete: false
    when that fails but succeeds once the PKI's intermediate is added; in_order: `openssl
    verify -partial_chain -CAfile NEXT CERT` for each neighbouring pair.
  - hostname_match: `openssl verify -partial_chain -CAfile LEAF -verify_ip 127.0.0.1 LEAF`
    (-verify_hostname NAME when the scan sends SNI NAME).
  - ocsp: `openssl ocsp -respin FILE -issuer int.pem -cert LEAF -CAfile root.pem -resp_text`
    of the file the server staples ("Response verify OK", the status line, "WARNING: Status
    times invalid.", This/Next Update, Revocation Time), confirmed by `s_client -status`
    printing that same response; stapled false for servers configured without one;
    applicable / must_staple from the leaf's OCSP URL and TLS feature extension (fresh and
    the times are only asserted for a staple).
  - pins: the pin pipeline of int.pem (matches at depth 1, in both of nginx's chains) or 32
    random bytes (no match); configured false for endpoints the file does not name and for
    scans without --pins.
  - http: the nginx configuration (max-age=31536000; includeSubDomains), confirmed by an
    HTTPS GET (Python's ssl module, ALPN http/1.1) that reads the header; s_server -www
    -alpn http/1.1 answers 200 without it; an s_server without -www selects no ALPN and
    closes after the handshake (no HTTP at all: http null or hsts null). The scanner only
    reads HTTP from endpoints that select ALPN http/1.1 or h2 (or well-known HTTPS ports),
    hence -alpn on the HTTP servers.
A confirmation that disagrees with the configuration is a lab error and fails the test too.
"""
import argparse
import base64
import concurrent.futures
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'lab'))
import lab  # noqa: E402  (Env: processes and environment; free_port; LabError)

LabError = lab.LabError
MISSING = '<missing>'

# openssl s_server cases: name -> (leaf, certificates sent after the leaf, staple file or None,
# extra s_server arguments, HTTP: 'plain' = -www status page, 'none' = no HTTP server)
SSERVERS = [
    ('revoked', 'revoked', ['int'], 'ocsp-revoked.der', ['-tls1_2'], 'plain'),
    ('stale', 'good-rsa', ['int'], 'ocsp-stale.der', ['-tls1_2'], 'plain'),
    ('badsig', 'good-rsa', ['int'], 'ocsp-badsig.der', ['-tls1_2'], 'plain'),
    ('tls13staple', 'good-ec', ['int'], 'ocsp-good-ec.der', ['-tls1_3'], 'plain'),
    ('muststaple', 'muststaple', ['int'], None, [], 'plain'),
    ('nocheck', 'nocheck', ['int'], None, [], 'plain'),
    ('expired', 'expired', ['int'], None, [], 'plain'),
    ('selfsigned', 'selfsigned', [], None, [], 'none'),
    ('wronghost', 'wronghost', ['int'], None, [], 'plain'),
    ('incomplete', 'good-ec', [], None, [], 'none'),
    ('misordered', 'good-ec', ['root', 'int'], None, [], 'plain'),
    # hostile sizes: 5001 SAN names; a chain of 300 certificates (long-chain.pem as sent)
    ('hugesan', 'hugesan', ['int'], None, [], 'plain'),
]
HSTS_VALUE = 'max-age=31536000; includeSubDomains'


def rfc3339(openssl_time):
    """'Feb 20 08:43:24 2027 GMT' (as openssl prints times) -> '2027-02-20T08:43:24Z'."""
    t = datetime.datetime.strptime(openssl_time.strip(), '%b %d %H:%M:%S %Y GMT')
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def pem_blocks(text):
    return re.findall(r'-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+?-----END CERTIFICATE-----',
                      text)


def body(pem):
    """A certificate's identity for comparisons of PEM text: its base64 without line breaks."""
    return ''.join(pem.split('\n')[1:-1])


# ---- facts from the openssl CLI --------------------------------------------------------------

class Facts:
    """Expected-value sources, all from the openssl command-line tool, cached per file."""

    def __init__(self, env, pki):
        self.env = env
        self.pki = pki
        self.certs = {}    # PEM body -> facts of that certificate
        self.keys = {}     # PEM body -> key file the PKI made for it

    def run(self, argv, want_rc=0):
        rc, out = self.env.run(argv)
        if want_rc is not None and rc != want_rc:
            raise LabError('%s exited %d:\n%s' % (' '.join(argv), rc, out[-2000:]))
        return out

    def pin(self, argv_pubkey):
        """The pin pipeline after a command that prints a PEM public key."""
        cmd = ' | '.join([' '.join("'%s'" % a for a in argv_pubkey),
                          'openssl pkey -pubin -outform der',
                          'openssl dgst -sha256 -binary', 'base64'])
        rc, out = self.env.run(['bash', '-o', 'pipefail', '-c', cmd])
        if rc != 0:
            raise LabError('pin pipeline failed: %s\n%s' % (cmd, out))
        return out.strip()

    def cert(self, path):
        with open(path) as f:
            pems = pem_blocks(f.read())
        if len(pems) != 1:
            raise LabError('%s: %d certificates, want 1' % (path, len(pems)))
        b = body(pems[0])
        if b in self.certs:
            return self.certs[b]
        x = ['openssl', 'x509', '-in', path, '-noout']
        f = {'path': path, 'body': b}
        out = self.run(x + ['-subject', '-issuer', '-nameopt', 'RFC2253', '-startdate',
                            '-enddate', '-fingerprint', '-sha256'])
        for line in out.splitlines():
            k, _, v = line.partition('=')
            if k in ('subject', 'issuer'):
                f[k] = v
            elif k == 'notBefore':
                f['not_before'] = rfc3339(v)
            elif k == 'notAfter':
                f['not_after'] = rfc3339(v)
            elif k.lower() == 'sha256 fingerprint':
                f['sha256'] = v.replace(':', '').lower()
        text = self.run(x + ['-text'])
        f['sig_alg'] = re.search(r'Signature Algorithm: (\S+)', text).group(1)
        m = re.search(r'TLS Feature: *\n\s*(.*)', text)
        f['must_staple'] = bool(m and 'status_request' in m.group(1).split(', '))
        f['has_ocsp_url'] = bool(self.run(x + ['-ocsp_uri']).strip())
        san = self.run(x + ['-ext', 'subjectAltName'])
        names = san.splitlines()[1].strip().split(', ') if len(san.splitlines()) > 1 else []
        f['san_dns'] = [n[4:] for n in names if n.startswith('DNS:')]
        f['san_ip'] = [n[11:] for n in names if n.startswith('IP Address:')]
        f['spki_sha256'] = self.pin(x + ['-pubkey'])
        f['self_signed_file'] = f['subject'] == f['issuer']
        key = self.keys.get(b)
        if key:
            kt = self.run(['openssl', 'pkey', '-in', key, '-noout', '-text'])
            m = re.match(r'Private-Key: \((\d+) bit', kt)
            if m and re.search(r'^modulus:', kt, re.M):
                f['key_type'], f['key_bits'] = 'RSA', int(m.group(1))
            elif m and re.search(r'^ASN1 OID:', kt, re.M):
                f['key_type'], f['key_bits'] = 'ECDSA', int(m.group(1))
            else:
                raise LabError('%s: key kind not known to the lab:\n%s' % (key, kt[:300]))
            kpin = self.pin(['openssl', 'pkey', '-in', key, '-pubout'])
            if kpin != f['spki_sha256']:
                raise LabError('%s does not hold the key of %s' % (key, path))
        self.certs[b] = f
        return f

    def load_pki(self):
        """Registers every NAME.pem of the PKI with its NAME.key, then reads their facts."""
        names = sorted(n[:-4] for n in os.listdir(self.pki)
                       if n.endswith('.pem') and not n.endswith('-chain.pem'))
        single = []
        for n in names:
            key = os.path.join(self.pki, n + '.key')
            with open(os.path.join(self.pki, n + '.pem')) as f:
                pems = pem_blocks(f.read())
            if len(pems) != 1:
                continue
            single.append(n)
            if os.path.exists(key):
                self.keys[body(pems[0])] = key
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
            list(ex.map(lambda n: self.cert(os.path.join(self.pki, n + '.pem')), single))

    def by_name(self, name):
        return self.cert(os.path.join(self.pki, name + '.pem'))

    def chain(self, path, work):
        """The certificates of a PEM file, in order: each written to its own file under work,
        with its facts."""
        with open(path) as f:
            pems = pem_blocks(f.read())
        res = []
        for i, p in enumerate(pems):
            known = self.certs.get(body(p))
            if known:
                res.append(known)
                continue
            one = os.path.join(work, '%s.%d.pem' % (os.path.basename(path), i))
            with open(one, 'w') as f:
                f.write(p + '\n')
            res.append(self.cert(one))
        return res

    def verify(self, chain, work, extra_untrusted=()):
        """openssl verify of a chain as sent: (trusted, first error message or None)."""
        root = os.path.join(self.pki, 'root.pem')
        argv = ['openssl', 'verify', '-no-CApath', '-no-CAstore', '-CAfile', root]
        rest = [c['path'] for c in chain[1:]] + list(extra_untrusted)
        if rest:
            un = os.path.join(work, 'untrusted-%s.pem' % hashlib.sha256(
                '\n'.join(rest).encode()).hexdigest()[:16])
            with open(un, 'w') as f:
                for p in rest:
                    f.write(open(p).read())
            argv += ['-untrusted', un]
        rc, out = self.env.run(argv + [chain[0]['path']])
        if rc == 0 and re.search(r': OK$', out, re.M):
            return True, None
        m = re.search(r'^error \d+ at \d+ depth lookup: (.*)$', out, re.M)
        if not m:
            raise LabError('openssl verify said neither OK nor an error:\n%s' % out)
        return False, m.group(1)

    def name_match(self, leaf, host=None, ip=None):
        """openssl verify -verify_hostname / -verify_ip of the leaf alone (its own anchor, no
        time check), so that only the name is judged."""
        argv = ['openssl', 'verify', '-no-CApath', '-no-CAstore', '-no_check_time',
                '-partial_chain', '-CAfile', leaf['path']]
        argv += ['-verify_hostname', host] if host else ['-verify_ip', ip]
        rc, out = self.env.run(argv + [leaf['path']])
        if rc == 0:
            return True
        if re.search(r'lookup: (hostname|IP address) mismatch', out):
            return False
        raise LabError('openssl verify of the name failed otherwise:\n%s' % out)

    def issued(self, child, parent):
        """parent issued child (name and signature): openssl verify with parent as anchor."""
        rc, out = self.env.run(['openssl', 'verify', '-no-CApath', '-no-CAstore',
                                '-no_check_time', '-partial_chain', '-CAfile', parent['path'],
                                child['path']])
        return rc == 0

    def ocsp(self, resp, leaf, issuer):
        """openssl ocsp -respin of a staple about leaf: its verdicts, as the scan names them."""
        out = self.run(['openssl', 'ocsp', '-no_nonce', '-respin', resp, '-issuer',
                        issuer['path'], '-cert', leaf['path'], '-CAfile',
                        os.path.join(self.pki, 'root.pem'), '-no-CApath', '-no-CAstore',
                        '-resp_text'], want_rc=None)
        o = {'resp_text': out}
        if 'Response verify OK' in out:
            o['verified'] = True
        elif 'Response Verify Failure' in out:
            o['verified'] = False
        else:
            raise LabError('openssl ocsp -respin %s: no verification line:\n%s' % (resp, out))
        name = re.escape(leaf['path'])
        if re.search(r'^%s: ERROR: No Status found\.$' % name, out, re.M):
            o.update(status=None, fresh=None, this_update=None, next_update=None,
                     revocation_time=None)
            return o
        m = re.search(r'^%s: (WARNING: Status times invalid\.\n(?:.*\n)*?)?(good|revoked|unknown)\n'
                      r'\tThis Update: (.*)\n(?:\tNext Update: (.*)\n)?(?:\tReason: (.*)\n)?'
                      r'(?:\tRevocation Time: (.*)\n)?' % name, out, re.M)
        if not m:
            raise LabError('openssl ocsp -respin %s: no status line for %s:\n%s' % (
                resp, leaf['path'], out[-1500:]))
        o['status'] = m.group(2)
        o['this_update'] = rfc3339(m.group(3))
        o['next_update'] = rfc3339(m.group(4)) if m.group(4) else None
        o['revocation_time'] = rfc3339(m.group(6)) if m.group(6) else None
        o['fresh'] = False if m.group(1) else (True if m.group(4) else None)
        return o


# ---- the servers -----------------------------------------------------------------------------

class Target:
    """One endpoint as one scan sees it: the server, the SNI sent, the chains it can send."""

    def __init__(self, name, port, http, sni=None):
        self.name = name
        self.port = port
        self.http = http         # 'hsts', 'plain', 'none'
        self.sni = sni
        self.chains = []         # [(label, [facts...] as sent, staple file or None)]
        self.client_args = {}    # label -> extra s_client arguments selecting that chain
        self.version = None      # configured default version (None: any; confirmed)
        self.pins = None         # None (not in the pins file), 'int', 'random'
        self.pin_value = None
        self.default = None      # label of the chain a default handshake gets (confirmed)
        self.seen = {}           # what the confirmations saw
        self.lab_bad = []

    def confirm(self, what, ok, detail=''):
        if not ok:
            self.lab_bad.append('%s (%s)' % (what, detail))


def start_sservers(env, facts, pki, work):
    targets = []
    for name, leaf, rest, staple, extra, http in SSERVERS:
        port = lab.free_port()
        t = Target(name, port, http)
        chain = [facts.by_name(leaf)] + [facts.by_name(r) for r in rest]
        if rest == ['int']:
            # the PKI's chain file is what this server sends
            chain = facts.chain(os.path.join(pki, leaf + '-chain.pem'), work)

        argv = ['openssl', 's_server', '-accept', '127.0.0.1:%d' % port,
                '-cert', chain[0]['path'], '-key', os.path.join(pki, leaf + '.key'),
                '-no-CAfile', '-no-CApath', '-no-CAstore', '-quiet', '-naccept', '100000']
        if len(chain) > 1:
            cf = os.path.join(work, name + '-sent-rest.pem')
            with open(cf, 'w') as f:
                for c in chain[1:]:
                    f.write(open(c['path']).read())
            argv += ['-cert_chain', cf]
        st = os.path.join(pki, staple) if staple else None
        if st:
            argv += ['-status_file', st]
        if http == 'plain':
            # an HTTPS server: answers GET / with a status page and says so with ALPN
            argv += ['-www', '-alpn', 'http/1.1']
        argv += extra
        t.version = {'-tls1_2': 'TLSv1.2', '-tls1_3': 'TLSv1.3'}.get(extra[0]) if extra else None
        t.chains = [('default', chain, st)]
        t.client_args = {'default': []}
        env.start(argv, port, name)
        targets.append(t)
    return targets


def start_nginx(env, facts, pki, work):
    nginx = shutil.which('nginx') or '/usr/sbin/nginx'
    port = lab.free_port()
    d = os.path.join(work, 'nginx')
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, 'nginx.conf')
    with open(os.path.join(HERE, 'nginx.conf.in')) as f:
        text = f.read()
    with open(conf, 'w') as f:
        f.write(text % {'dir': d, 'port': port, 'pki': pki})
    env.start([nginx, '-p', d, '-c', conf, '-e', os.path.join(d, 'error.log')], port, 'nginx')
    staple = os.path.join(pki, 'ocsp-good-rsa.der')
    t = Target('nginx', port, 'hsts')
    t.chains = [('rsa', facts.chain(os.path.join(pki, 'good-rsa-chain.pem'), work), staple),
                ('ecdsa', facts.chain(os.path.join(pki, 'good-ec-chain.pem'), work), staple)]
    t.client_args = {'rsa': ['-sigalgs', 'rsa_pss_rsae_sha256:rsa_pkcs1_sha256'],
                     'ecdsa': ['-sigalgs', 'ecdsa_secp256r1_sha256'], 'default': []}
    res = [t]
    for sni, leaf in (('a.test', 'sni-a'), ('b.test', 'sni-b')):
        s = Target('nginx-' + sni, port, 'plain', sni)
        s.chains = [('default', facts.chain(os.path.join(pki, leaf + '-chain.pem'), work), None)]
        s.client_args = {'default': []}
        res.append(s)
    return res


# ---- confirmations ---------------------------------------------------------------------------

def s_client(env, t, args, sni=True):
    argv = ['openssl', 's_client', '-connect', '127.0.0.1:%d' % t.port, '-status', '-showcerts']
    if t.sni and sni:
        argv += ['-servername', t.sni]
    else:
        argv += ['-noservername']
    rc, out = env.run(argv + args, timeout=20)
    m = re.search(r'^New, (\S+), Cipher is (\S+)', out, re.M)
    version = m.group(1) if m and m.group(2) != '(NONE)' else None
    m = re.search(r'^Certificate chain\n(.*?)^---$', out, re.M | re.S)
    sent = [body(p) for p in pem_blocks(m.group(1))] if m else []
    if 'OCSP response: no response sent' in out:
        staple = None
    else:
        m = re.search(r'^OCSP response: \n=+\n(.*?)\n=+\n', out, re.M | re.S)
        staple = m.group(1) if m else '?'
    return version, sent, staple, out


def http_get(port, sni):
    """An HTTPS GET / with Python's ssl module, offering ALPN http/1.1: (ALPN protocol the
    server selected or None, HTTP status or None, headers dict with lowercase names)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(['http/1.1'])
    data = b''
    alpn = None
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname=sni) as c:
                alpn = c.selected_alpn_protocol()
                c.sendall(b'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' %
                          (sni or 'localhost').encode())
                while len(data) < 65536:
                    d = c.recv(65536)
                    if not d:
                        break
                    data += d
    except (OSError, ssl.SSLError):
        pass
    head = data.split(b'\r\n\r\n', 1)[0].decode('latin-1')
    m = re.match(r'HTTP/\d\.\d (\d{3})', head)
    if not m:
        return alpn, None, {}
    hdrs = {}
    for line in head.split('\r\n')[1:]:
        k, _, v = line.partition(':')
        hdrs[k.strip().lower()] = v.strip()
    return alpn, int(m.group(1)), hdrs


def confirm(env, facts, t):
    """Checks that server t sends what the configuration says (lab errors go to t.lab_bad)."""
    labels = [c[0] for c in t.chains]
    byl = {c[0]: c for c in t.chains}
    for label in (['default'] + [x for x in labels if x != 'default']):
        version, sent, staple, out = s_client(env, t, t.client_args[label])
        t.confirm('%s: handshake (%s)' % (t.name, label), version is not None, out[-400:])
        if version is None:
            continue
        if label == 'default':
            t.seen['version'] = version
            if t.version:
                t.confirm('%s: version %s' % (t.name, t.version), version == t.version,
                          'got %s' % version)
            match = [c for c in t.chains if [x['body'] for x in c[1]] == sent]
            t.confirm('%s: default handshake sends a configured chain' % t.name, match,
                      '%d certificates' % len(sent))
            if not match:
                continue
            t.default = match[0][0]
            chain, st = match[0][1], match[0][2]
        else:
            chain, st = byl[label][1], byl[label][2]
            t.confirm('%s: %s chain sent as configured' % (t.name, label),
                      [x['body'] for x in chain] == sent, '%d certificates' % len(sent))
        if st is None:
            t.confirm('%s: no staple (%s)' % (t.name, label), staple is None, 'got one')
        else:
            o = facts.ocsp(st, chain[0], chain[1] if len(chain) > 1 else chain[0])
            t.confirm('%s: staple %s (%s)' % (t.name, os.path.basename(st), label),
                      staple is not None and staple.strip() in o['resp_text'],
                      'staple not sent' if staple is None else 'a different response')
    if t.sni:
        # the certificate a client without SNI gets (the scanner's "nosni" handshake)
        version, sent, staple, out = s_client(env, t, [], sni=False)
        t.confirm('%s: handshake without SNI' % t.name, sent, out[-400:])
        t.seen['nosni'] = sent
    # the scanner reads HTTP from servers that select ALPN http/1.1 (or h2)
    alpn, status, hdrs = http_get(t.port, t.sni)
    if t.http == 'none':
        t.confirm('%s: no HTTP server' % t.name, status is None and alpn is None,
                  'status %s, ALPN %s' % (status, alpn))
    else:
        t.confirm('%s: ALPN http/1.1, HTTP 200' % t.name, status == 200 and alpn == 'http/1.1',
                  'status %s, ALPN %s' % (status, alpn))
        sts = hdrs.get('strict-transport-security')
        want = HSTS_VALUE if t.http == 'hsts' else None
        t.confirm('%s: Strict-Transport-Security %s' % (t.name, want), sts == want,
                  'got %s' % sts)


# ---- expectations ----------------------------------------------------------------------------

def ocsp_expect(facts, chain, staple):
    leaf = chain[0]
    e = {'stapled': staple is not None, 'must_staple': leaf['must_staple'],
         'applicable': leaf['has_ocsp_url'] or leaf['must_staple']}
    if staple is None:
        e.update(status=None, verified=None)
        return e
    issuer = next((c for c in chain[1:] if c['subject'] == leaf['issuer']),
                  facts.by_name('int'))
    o = facts.ocsp(staple, leaf, issuer)
    for k in ('status', 'verified', 'fresh', 'this_update', 'next_update', 'revocation_time'):
        e[k] = o[k]
    return e


def chain_expect(facts, t, chain, work):
    """Expected verdicts about one chain as sent."""
    pki_int = facts.by_name('int')
    trusted, err = facts.verify(chain, work)
    e = {'trusted': trusted, 'verify_error': err}
    if trusted:
        e['complete'] = True
    elif err == 'unable to get local issuer certificate':
        ok, _ = facts.verify(chain, work, extra_untrusted=[pki_int['path']])
        e['complete'] = False if ok else None
    e['in_order'] = all(facts.issued(chain[i], chain[i + 1]) for i in range(len(chain) - 1))
    e['hostname_match'] = (facts.name_match(chain[0], host=t.sni) if t.sni else
                           facts.name_match(chain[0], ip='127.0.0.1'))
    return e


class Checks:
    def __init__(self):
        self.n = 0
        self.bad = 0

    def eq(self, name, got, want):
        self.n += 1
        if got == want:
            print('ok %s' % name)
        else:
            self.bad += 1
            print('FAIL %s: want %s got %s' % (name, json.dumps(want), json.dumps(got)[:400]))

    def lab(self, what):
        self.n += 1
        self.bad += 1
        print('FAIL lab %s' % what)


def pick(obj, path):
    """obj at a path like 'ocsp.status' or 'certificates[0].sha256'; MISSING when absent."""
    for part in re.findall(r'[^.\[\]]+|\[\d+\]', path):
        if part.startswith('['):
            i = int(part[1:-1])
            if not isinstance(obj, list) or i >= len(obj):
                return MISSING
            obj = obj[i]
        else:
            if not isinstance(obj, dict) or part not in obj:
                return MISSING
            obj = obj[part]
    return obj


CERT_FIELDS = ['sha256', 'spki_sha256', 'subject', 'issuer', 'not_before', 'not_after',
               'key_type', 'key_bits', 'sig_alg', 'san_dns', 'san_ip', 'must_staple']


def expectations(facts, t, work):
    """[(check name, path or function, expected value)] for target t."""
    ex = []
    n = t.name

    def add(path, want):
        ex.append(('%s: %s' % (n, path), path, want))

    def fn(label, func, want):
        ex.append(('%s: %s' % (n, label), func, want))

    add('error', None)
    byl = {c[0]: c for c in t.chains}
    label, chain, staple = byl[t.default]
    fn('len(certificates)', lambda r: len(r.get('certificates') or []), len(chain))
    for i, c in enumerate(chain):
        for k in CERT_FIELDS:
            if k in c:
                # name lists are cut at 4096 entries ("san_truncated")
                add('certificates[%d].%s' % (i, k),
                    c[k][:4096] if k in ('san_dns', 'san_ip') else c[k])
    # san: the DNS names and IP addresses of the leaf (the text form of an entry is the
    # scanner's choice: each entry must end with the name or address)
    leaf = chain[0]
    # the scanner lists at most 4096 names ("san_truncated" says when there are more)
    want_san = (leaf['san_dns'] + leaf['san_ip'])[:4096]
    if len(leaf['san_dns'] + leaf['san_ip']) > 4096:
        add('certificates[0].san_truncated', True)
    def san(r):
        got = pick(r, 'certificates[0].san')
        if not isinstance(got, list) or len(got) != len(want_san):
            return got
        return [w for s, w in zip(got, want_san) if isinstance(s, str) and s.endswith(w)]
    fn('certificates[0].san (entries end with %s)' % want_san, san, want_san)
    ce = chain_expect(facts, t, chain, work)
    add('chain_trusted', ce['trusted'])
    add('verify_error', ce['verify_error'])
    add('hostname_match', ce['hostname_match'])
    oe = ocsp_expect(facts, chain, staple)
    for k, v in oe.items():
        if k == 'revocation_time' and oe.get('status') != 'revoked':
            continue
        add('ocsp.%s' % k, v)
    # chains: one entry per distinct leaf, the default first
    add('chains[0].requested', 'default')
    add('chains[0].leaf_sha256', leaf['sha256'])
    add('chains[0].chain_sha256', [c['sha256'] for c in chain])
    add('chains[0].version', t.seen.get('version'))
    add('chains[0].error', None)
    add('chains[0].key_type', leaf['key_type'])
    add('chains[0].trusted', ce['trusted'])
    add('chains[0].verify_error', ce['verify_error'])
    add('chains[0].hostname_match', ce['hostname_match'])
    add('chains[0].in_order', ce['in_order'])
    if ce.get('complete') is not None:
        add('chains[0].complete', ce['complete'])
    leaves = sorted(c[1][0]['sha256'] for c in t.chains)
    if t.sni:
        # the handshake without SNI: a "nosni" entry when its leaf differs
        nosni = facts.certs.get(t.seen['nosni'][0]) if t.seen.get('nosni') else None
        if not nosni:
            raise LabError('%s: the leaf sent without SNI is not a PKI certificate' % n)
        other = nosni['sha256'] not in leaves
        add('without_sni', 'other' if other else 'same')
        if other:
            leaves = sorted(leaves + [nosni['sha256']])
            fn('chains[requested nosni].leaf_sha256',
               lambda r: next((x.get('leaf_sha256') for x in pick(r, 'chains') or []
                               if isinstance(x, dict) and x.get('requested') == 'nosni'),
                              MISSING), nosni['sha256'])
    fn('distinct leaves of the chains without error',
       lambda r: sorted({x.get('leaf_sha256') for x in pick(r, 'chains') or []
                         if isinstance(x, dict) and x.get('error') is None}), leaves)
    if len(t.chains) > 1:
        fn('len(chains)', lambda r: len(pick(r, 'chains') or []), len(t.chains))
        for lab_, ch, st in t.chains:
            sha = ch[0]['sha256']

            def entry(r, sha=sha):
                return next((x for x in pick(r, 'chains') or [] if isinstance(x, dict) and
                             x.get('leaf_sha256') == sha), {})
            ce2 = chain_expect(facts, t, ch, work)
            oe2 = ocsp_expect(facts, ch, st)
            want = {'key_type': ch[0]['key_type'], 'chain_sha256': [c['sha256'] for c in ch],
                    'trusted': ce2['trusted'], 'hostname_match': ce2['hostname_match']}
            for k in ('stapled', 'status', 'verified', 'fresh'):
                if k in oe2:
                    want['ocsp.' + k] = oe2[k]
            for k, v in want.items():
                fn('chains[leaf %s].%s' % (lab_, k), lambda r, k=k, entry=entry: pick(entry(r), k),
                   v)
    # pins
    if t.pins is None:
        add('pins.configured', False)
    else:
        add('pins.configured', True)
        if t.pins == 'int':
            add('pins.match', True)
            add('pins.matched', [t.pin_value])
            add('pins.matched_depth', [1])
            add('pins.chains_matched', len(t.chains))
        else:
            add('pins.match', False)
            add('pins.matched', [])
    # http
    if t.http == 'hsts':
        add('http.status', 200)
        add('http.hsts.max_age', 31536000)
        add('http.hsts.include_subdomains', True)
        add('http.hsts.preload', False)
        add('http.hsts.raw', HSTS_VALUE)
    elif t.http == 'plain':
        add('http.status', 200)
        add('http.hsts', None)
    else:
        fn('http null or http.hsts null',
           lambda r: r.get('http') is None or pick(r, 'http.hsts') is None, True)
    return ex


def print_table(targets, expects):
    print('expected (from the configurations and the openssl CLI):')
    for t in targets:
        e = dict((name.split(': ', 1)[1], want) for name, _, want in expects[t.name])
        leaf = e.get('certificates[0].subject')
        print('  %-13s port %5d sni %-6s default %-7s %-8s leaf %-30s trusted %-5s %-40s '
              'host %-5s ocsp %s/%s/%s/%s pins %s' % (
                  t.name, t.port, t.sni or '-', t.default, t.seen.get('version'), leaf,
                  e.get('chain_trusted'), json.dumps(e.get('verify_error')),
                  e.get('hostname_match'), e.get('ocsp.stapled'), e.get('ocsp.status'),
                  e.get('ocsp.verified'), e.get('ocsp.fresh'), t.pins))
        if len(t.chains) > 1:
            for name, _, want in expects[t.name]:
                if 'chains[leaf' in name:
                    print('      %s = %s' % (name.split(': ', 1)[1], json.dumps(want)))


# ---- scans -----------------------------------------------------------------------------------

def scan(tlsscope, pki, targets, sni=None, pins=None):
    argv = [tlsscope, 'scan', '--json', '--timeout', '5000', '--ca-file',
            os.path.join(pki, 'root.pem')]
    if sni:
        argv += ['--sni', sni]
    if pins:
        argv += ['--pins', pins]
    argv += ['127.0.0.1:%d' % t.port for t in targets]
    return argv, subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def collect(argv, p, checks, deadline):
    try:
        out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        checks.eq('%s finished in time' % ' '.join(argv[1:]), False, True)
        return {}
    checks.eq('exit status of %s' % ' '.join(argv[1:]), p.returncode, 0)
    res = {}
    for line in out.decode('utf-8', 'replace').splitlines():
        if line.strip():
            try:
                o = json.loads(line)
            except ValueError:
                checks.eq('JSON line', line[:200], 'valid JSON')
                continue
            res[o.get('port')] = o
    if p.returncode != 0:
        print('  stderr: %s' % err.decode('utf-8', 'replace')[-1000:])
    return res


def check_long_chain(env, tlsscope, pki, work, checks):
    """A server that sends 300 certificates (tests/pki's long-chain.pem, leaf first): the
    scan must end without error and report the chain as sent, with openssl verify's verdict
    on it. Expected values: the PEM file's own blocks (SHA-256 of their DER) and openssl
    verify; openssl s_client cannot confirm the server (its certificate list limit is 100 KB),
    so the file it was given is the reference."""
    with open(os.path.join(pki, 'long-chain.pem')) as f:
        pems = pem_blocks(f.read())
    shas = [hashlib.sha256(base64.b64decode(body(p))).hexdigest() for p in pems]
    leaf = os.path.join(work, 'long-leaf.pem')
    rest = os.path.join(work, 'long-rest.pem')
    with open(leaf, 'w') as f:
        f.write(pems[0] + '\n')
    with open(rest, 'w') as f:
        f.write('\n'.join(pems[1:]) + '\n')
    rc, out = env.run(['openssl', 'verify', '-no-CApath', '-no-CAstore', '-CAfile',
                       os.path.join(pki, 'root.pem'), '-untrusted', rest, leaf])
    m = re.search(r'^error \d+ at \d+ depth lookup: (.*)$', out, re.M)
    want_error = None if rc == 0 else (m.group(1) if m else out.strip())
    port = lab.free_port()
    env.start(['openssl', 's_server', '-accept', '127.0.0.1:%d' % port, '-cert', leaf,
               '-key', os.path.join(pki, 'long-chain.key'), '-cert_chain', rest, '-no-CAfile',
               '-no-CApath', '-no-CAstore', '-quiet', '-naccept', '100000'], port, 'longchain')
    argv, p = scan(tlsscope, pki, [Target('longchain', port, 'none')])
    res = collect(argv, p, checks, time.monotonic() + 30)
    r = res.get(port) or {}
    checks.eq('longchain: error', r.get('error', MISSING), None)
    checks.eq('longchain: chains[0].chain_length', pick(r, 'chains[0].chain_length'), len(pems))
    checks.eq('longchain: chains[0].chain_sha256 (%d certificates)' % len(shas),
              pick(r, 'chains[0].chain_sha256'), shas)
    checks.eq('longchain: len(certificates)', len(r.get('certificates') or []), len(pems))
    checks.eq('longchain: chain_trusted', r.get('chain_trusted', MISSING), rc == 0)
    checks.eq('longchain: verify_error', r.get('verify_error', MISSING), want_error)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('tlsscope')
    ap.add_argument('--mkpki', default=os.path.join(TOP, 'tests', 'pki', 'mkpki.sh'),
                    help='the PKI script (default tests/pki/mkpki.sh)')
    ap.add_argument('--keep', action='store_true', help='keep the work directory')
    ap.add_argument('--verbose', action='store_true', help='print the expected table and '
                    'the scan objects')
    ap.add_argument('--expect-only', action='store_true', help='start and confirm the servers, '
                    'print the expected table, do not scan')
    a = ap.parse_args(argv)
    for tool in ('openssl', 'nginx', 'faketime'):
        if not shutil.which(tool) and not (tool == 'nginx' and os.path.exists('/usr/sbin/nginx')):
            print('SKIP: %s is not installed (.ci/install-deps installs it)' % tool)
            return 0
    os.environ['PATH'] = os.environ.get('PATH', '') + ':/usr/sbin'
    t0 = time.monotonic()
    work = tempfile.mkdtemp(prefix='tlsscope-certlab-', dir=os.environ.get('TMPDIR'))
    env = lab.Env(work, a.verbose)
    checks = Checks()
    runs = []
    # a SIGTERM (a test runner's timeout) still stops the servers: through the finally below
    def terminated(*_):
        raise LabError('terminated by SIGTERM')
    signal.signal(signal.SIGTERM, terminated)
    try:
        pki = os.path.join(work, 'pki')
        if not os.path.exists(a.mkpki):
            raise LabError('%s is missing' % a.mkpki)
        rc, out = env.run(['bash', a.mkpki, pki, 'long'], timeout=40)
        if rc != 0:
            raise LabError('%s failed (%d):\n%s' % (a.mkpki, rc, out[-2000:]))
        facts = Facts(env, pki)
        facts.load_pki()
        targets = start_sservers(env, facts, pki, work) + start_nginx(env, facts, pki, work)
        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as ex:
            list(ex.map(lambda t: confirm(env, facts, t), targets))
        # pins: the intermediate's pin for nginx's default server, a random one for wronghost
        byname = {t.name: t for t in targets}
        pins = os.path.join(work, 'pins.txt')
        byname['nginx'].pins = 'int'
        byname['nginx'].pin_value = facts.by_name('int')['spki_sha256']
        byname['wronghost'].pins = 'random'
        byname['wronghost'].pin_value = base64.b64encode(os.urandom(32)).decode()
        with open(pins, 'w') as f:
            for t in targets:
                if t.pins:
                    f.write('127.0.0.1:%d pin-sha256=%s\n' % (t.port, t.pin_value))
        for t in targets:
            for b in t.lab_bad:
                checks.lab(b)
        usable = [t for t in targets if t.default]
        expects = {t.name: expectations(facts, t, work) for t in usable}
        if a.verbose or a.expect_only:
            print_table(usable, expects)
        if a.expect_only:
            return 0 if checks.bad == 0 else 1
        # one scan of every server without SNI (with the pins file), one per SNI name
        plain = [t for t in usable if not t.sni]
        runs.append((plain, scan(a.tlsscope, pki, plain, pins=pins)))
        for sni in ('a.test', 'b.test'):
            ts = [t for t in usable if t.sni == sni]
            if ts:
                runs.append((ts, scan(a.tlsscope, pki, ts, sni=sni)))
        for ts, (argv_, p) in runs:
            res = collect(argv_, p, checks, t0 + 55)
            for t in ts:
                r = res.get(t.port)
                if r is None:
                    checks.eq('%s: scan object for port %d' % (t.name, t.port), None, 'present')
                    continue
                if a.verbose:
                    print(json.dumps(r, indent=1)[:20000])
                for name, path, want in expects[t.name]:
                    got = path(r) if callable(path) else pick(r, path)
                    checks.eq(name, got, want)
        check_long_chain(env, a.tlsscope, pki, work, checks)
    except LabError as e:
        checks.lab('error: %s' % e)
    finally:
        for _, (_, p) in runs:
            if p.poll() is None:
                p.kill()
                p.wait()
        env.stop()
        if a.keep:
            print('certlab: work directory kept: %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print('certlab: %d checks, %d failed, %.1f s' % (checks.n, checks.bad, time.monotonic() - t0))
    return 1 if checks.bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
