#!/usr/bin/env python3
"""The certificate-rule and grade lab: real TLS servers on 127.0.0.1 serving certificates
made here with openssl, scanned with `tlsscope scan --db --ca-file`, then analyzed with
`--profile cabf-br`, `--profile browser-ct` and `--profile ssllabs`; every finding is
compared with a verdict computed here.

usage: gradelab.py TLSSCOPE [--keep] [--verbose]

Where the expected values come from (never from tlsscope's output):
  - certificate facts: openssl's view of each certificate made here: `openssl x509 -text`
    (public key size and type, curve, signature algorithm, basicConstraints, keyUsage,
    extendedKeyUsage, subjectAltName, CN, CRL distribution points, OCSP URL, policies, the
    number of "Signed Certificate Timestamp" entries) and `-startdate/-enddate`;
  - the CA/B Forum verdicts: the TLS BR text as analyzer-anchors.md 2.2/3.1 cites it
    (validity = notAfter - notBefore + 1 s against 398/200/100/47 days by notBefore; short-
    lived <= 7 d from 2026-03-15, <= 10 d before; CT: >= 2 embedded SCTs up to 180 days of
    lifetime, >= 3 beyond), written again here in Python;
  - the SSL Labs grade: analyzer-anchors.md 6.2 written again here in Python (function
    grade()), fed with the server's configuration: versions configured, the suites OpenSSL
    (`openssl ciphers -s -stdname -v`) or GnuTLS (`gnutls-cli -l`) expands the configured
    cipher strings to, key sizes and bits read from the IANA suite names, the configured
    groups, the leaf key from `openssl x509 -text`, trust from `openssl verify -CAfile`,
    the name from `openssl verify -verify_ip 127.0.0.1`, HSTS from the nginx
    configuration (s_server sends none).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'lab'))
import lab  # noqa: E402

LabError = lab.LabError
DAY = 86400
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
GOOD_EXT = {
    'basicConstraints': 'critical,CA:FALSE',
    'keyUsage': 'critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage': 'serverAuth',
    'subjectAltName': 'DNS:localhost,IP:127.0.0.1',
    'crlDistributionPoints': 'URI:http://crl.invalid/ca.crl',
    'certificatePolicies': '2.23.140.1.2.1',
}
OSSL_SPEC = 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0'
OSSL_CS = 'TLS_AES_128_GCM_SHA256'
OSSL_GROUPS = ['X25519', 'P-256']
GROUP_BITS = {'X25519': ('EC', 253), 'P-256': ('EC', 256), 'P-384': ('EC', 384),
              'x25519': ('EC', 253), 'secp256r1': ('EC', 256), 'secp384r1': ('EC', 384),
              'secp521r1': ('EC', 521), 'x448': ('EC', 448), 'secp224r1': ('EC', 224)}
for _b in (2048, 3072, 4096, 6144, 8192):
    GROUP_BITS['ffdhe%d' % _b] = ('DH', _b)


def at(d):
    return d.strftime('%Y%m%d%H%M%SZ')


def utc(y, m, d):
    return datetime.datetime(y, m, d, tzinfo=datetime.timezone.utc)


# (name, key, extension overrides (None deletes), notBefore, notAfter, digest, SCTs)
def cert_cases():
    soon = NOW - datetime.timedelta(hours=1)
    n90 = soon + datetime.timedelta(days=90)
    return [
        ('good', 'rsa:2048', {}, soon, n90, 'sha256', 2),
        ('val398ok', 'rsa:2048', {}, utc(2026, 3, 14), utc(2026, 3, 14) + datetime.timedelta(days=397), 'sha256', 0),
        ('val398bad', 'rsa:2048', {}, utc(2026, 3, 14), utc(2026, 3, 14) + datetime.timedelta(days=398), 'sha256', 0),
        ('val200bad', 'rsa:2048', {}, utc(2026, 3, 15), utc(2026, 3, 15) + datetime.timedelta(days=200), 'sha256', 0),
        ('val200ok', 'rsa:2048', {}, utc(2026, 3, 15), utc(2026, 3, 15) + datetime.timedelta(days=199), 'sha256', 0),
        ('val100bad', 'rsa:2048', {}, utc(2027, 3, 15), utc(2027, 3, 15) + datetime.timedelta(days=100), 'sha256', 0),
        ('val47ok', 'rsa:2048', {}, utc(2029, 3, 15), utc(2029, 3, 15) + datetime.timedelta(days=46), 'sha256', 0),
        ('rsa1024', 'rsa:1024', {}, soon, n90, 'sha256', 2),
        ('rsa2052', 'rsa:2052', {}, soon, n90, 'sha256', 2),
        ('ec384', 'ec:P-384', {'keyUsage': 'critical,digitalSignature'}, soon, n90, 'sha256', 2),
        ('sha1', 'rsa:2048', {}, soon, n90, 'sha1', 2),
        ('nosan', 'rsa:2048', {'subjectAltName': None}, soon, n90, 'sha256', 2),
        ('cnnotin', 'rsa:2048', {'subjectAltName': 'DNS:other.test,IP:127.0.0.1'}, soon, n90, 'sha256', 2),
        ('caleaf', 'rsa:2048', {'basicConstraints': 'critical,CA:TRUE',
                                'keyUsage': 'critical,digitalSignature,keyCertSign,cRLSign'},
         soon, n90, 'sha256', 2),
        ('noeku', 'rsa:2048', {'extendedKeyUsage': None}, soon, n90, 'sha256', 2),
        ('norev', 'rsa:2048', {'crlDistributionPoints': None}, soon, n90, 'sha256', 2),
        ('ocsponly', 'rsa:2048', {'crlDistributionPoints': None,
                                  'authorityInfoAccess': 'OCSP;URI:http://ocsp.invalid/'},
         soon, n90, 'sha256', 2),
        ('short7', 'rsa:2048', {'crlDistributionPoints': None}, soon,
         soon + datetime.timedelta(days=7, seconds=-1), 'sha256', 2),
        ('short8', 'rsa:2048', {'crlDistributionPoints': None}, soon,
         soon + datetime.timedelta(days=8), 'sha256', 2),
        ('nopol', 'rsa:2048', {'certificatePolicies': None}, soon, n90, 'sha256', 2),
        ('twopol', 'rsa:2048', {'certificatePolicies': '2.23.140.1.2.1,2.23.140.1.2.2'},
         soon, n90, 'sha256', 2),
        ('sct3long', 'rsa:2048', {}, soon, soon + datetime.timedelta(days=190), 'sha256', 3),
        ('sct2long', 'rsa:2048', {}, soon, soon + datetime.timedelta(days=190), 'sha256', 2),
        ('sct2at180', 'rsa:2048', {}, soon, soon + datetime.timedelta(days=180), 'sha256', 2),
    ]


def sct_list_der(n):
    """An RFC 6962 SignedCertificateTimestampList of n syntactically valid SCTs (v1, a
    made-up log id, timestamp, no extensions, ecdsa/sha256 with 70 opaque bytes) wrapped in
    the extension's OCTET STRING, as hex for an openssl extension line DER:..."""
    scts = b''
    for i in range(n):
        body = (b'\x00' + bytes([i + 1]) * 32 + (1700000000000 + i).to_bytes(8, 'big') +
                b'\x00\x00' + b'\x04\x03' + (70).to_bytes(2, 'big') + bytes([0x30]) * 70)
        scts += len(body).to_bytes(2, 'big') + body
    tls = len(scts).to_bytes(2, 'big') + scts
    if len(tls) < 128:
        octet = b'\x04' + bytes([len(tls)]) + tls
    elif len(tls) < 256:
        octet = b'\x04\x81' + bytes([len(tls)]) + tls
    else:
        octet = b'\x04\x82' + len(tls).to_bytes(2, 'big') + tls
    return ':'.join('%02X' % b for b in octet)


class Lab:
    def __init__(self, env):
        self.env = env
        self.w = env.work

    def run(self, argv, want=0):
        rc, out = self.env.run(argv, timeout=60)
        if want is not None and rc != want:
            raise LabError('%s exited %d:\n%s' % (' '.join(argv), rc, out[-2000:]))
        return out

    def make_ca(self):
        w = self.w
        os.makedirs(w + '/newcerts', exist_ok=True)
        open(w + '/index.txt', 'w').close()
        with open(w + '/serial', 'w') as f:
            f.write('1000\n')
        with open(w + '/ca.cnf', 'w') as f:
            f.write('[ca]\ndefault_ca = cad\n[cad]\ndatabase = %(w)s/index.txt\n'
                    'new_certs_dir = %(w)s/newcerts\ncertificate = %(w)s/ca.pem\n'
                    'private_key = %(w)s/ca.key\nserial = %(w)s/serial\ndefault_md = sha256\n'
                    'policy = pol\nunique_subject = no\nemail_in_dn = no\n'
                    'copy_extensions = none\n[pol]\ncommonName = optional\n' % {'w': w})
        self.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout',
                  w + '/ca.key', '-out', w + '/ca.pem', '-days', '3650', '-subj',
                  '/CN=tlsscope grade lab CA'])

    def key(self, name, spec):
        kind, arg = spec.split(':')
        path = '%s/%s.key' % (self.w, name)
        if kind == 'rsa':
            self.run(['openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt',
                      'rsa_keygen_bits:' + arg, '-out', path])
        else:
            self.run(['openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt',
                      'ec_paramgen_curve:' + arg, '-out', path])
        return path

    def make_cert(self, name, keyspec, over, nb, na, md, nsct):
        w = self.w
        key = self.key(name, keyspec)
        ext = dict(GOOD_EXT)
        ext.update(over)
        lines = ['%s=%s' % (k, v) for k, v in ext.items() if v is not None]
        if nsct:
            lines.append('1.3.6.1.4.1.11129.2.4.2=DER:' + sct_list_der(nsct))
        extf = '%s/%s.ext' % (w, name)
        with open(extf, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        csr = '%s/%s.csr' % (w, name)
        self.run(['openssl', 'req', '-new', '-key', key, '-subj', '/CN=localhost', '-out', csr])
        pem = '%s/%s.pem' % (w, name)
        self.run(['openssl', 'ca', '-batch', '-config', w + '/ca.cnf', '-in', csr, '-out', pem,
                  '-startdate', at(nb), '-enddate', at(na), '-extfile', extf, '-md', md,
                  '-notext'])
        return pem, key

    def make_selfsigned(self):
        w = self.w
        key = self.key('selfsigned', 'rsa:2048')
        pem = w + '/selfsigned.pem'
        args = []
        for k, v in GOOD_EXT.items():
            args += ['-addext', '%s=%s' % (k, v)]
        self.run(['openssl', 'req', '-x509', '-key', key, '-out', pem, '-days', '90', '-subj',
                  '/CN=localhost'] + args)
        return pem, key


# ---- openssl's view of a certificate -------------------------------------------------------

def x509_view(lb, pem):
    text = lb.run(['openssl', 'x509', '-in', pem, '-noout', '-text'])
    dates = lb.run(['openssl', 'x509', '-in', pem, '-noout', '-startdate', '-enddate'])
    v = {}
    for line in dates.splitlines():
        k, _, val = line.partition('=')
        t = datetime.datetime.strptime(val.strip(), '%b %d %H:%M:%S %Y GMT').replace(
            tzinfo=datetime.timezone.utc)
        v['nb' if k == 'notBefore' else 'na'] = t
    m = re.search(r'Public-Key: \((\d+) bit\)', text)
    v['bits'] = int(m.group(1))
    v['ec'] = 'id-ecPublicKey' in text
    m = re.search(r'NIST CURVE: (\S+)', text)
    v['curve'] = m.group(1) if m else None
    v['sig'] = re.search(r'Signature Algorithm: (\S+)', text).group(1)

    def ext(name):
        m = re.search(r'X509v3 %s:( critical)? *\n\s*(.*)' % re.escape(name), text)
        return (m.group(2).strip(), bool(m.group(1))) if m else (None, False)
    v['bc'], v['bc_crit'] = ext('Basic Constraints')
    v['ku'] = [x.strip() for x in (ext('Key Usage')[0] or '').split(',') if x.strip()]
    v['eku'] = ext('Extended Key Usage')[0]
    san = ext('Subject Alternative Name')[0]
    v['san'] = [x.strip() for x in san.split(',')] if san else []
    v['cn'] = re.search(r'Subject: .*CN *= *([^,\n]+)', text).group(1).strip()
    v['crl'] = 'X509v3 CRL Distribution Points' in text
    v['ocsp'] = 'OCSP - URI:' in text
    v['policies'] = re.findall(r'Policy: (\S+)', text)
    v['scts'] = text.count('Signed Certificate Timestamp:')
    return v


# ---- the CA/B Forum and CT verdicts, from the BR text --------------------------------------

def br_verdicts(v):
    secs = int((v['na'] - v['nb']).total_seconds()) + 1
    nb = v['nb']
    if nb >= utc(2029, 3, 15):
        lim = 47
    elif nb >= utc(2027, 3, 15):
        lim = 100
    elif nb >= utc(2026, 3, 15):
        lim = 200
    else:
        lim = 398
    out = {'validity': secs > lim * DAY}
    if v['ec']:
        out['key'] = v['curve'] not in ('P-256', 'P-384', 'P-521')
    else:
        out['key'] = v['bits'] < 2048 or v['bits'] % 8 != 0
    out['signature'] = not re.fullmatch(r'(sha(256|384|512)WithRSAEncryption|'
                                        r'ecdsa-with-SHA(256|384|512))', v['sig'])
    names = [n.split(':', 1)[1] for n in v['san']]
    out['san'] = (not v['san'] or v['cn'] not in names or
                  any(not n.startswith(('DNS:', 'IP Address:')) for n in v['san']))
    # BR 7.1.2.7.8: critical when present, for certificates issued from 2023-09-15 (BR 2.0.0)
    out['bc-eku-ku'] = (v['bc'] is not None and ('CA:TRUE' in v['bc'] or
                                                 (not v['bc_crit'] and nb >= utc(2023, 9, 15)))) \
        or v['eku'] is None or 'TLS Web Server Authentication' not in v['eku'] \
        or 'Certificate Sign' in v['ku'] or 'CRL Sign' in v['ku']
    short = secs <= (7 if nb >= utc(2026, 3, 15) else 10) * DAY
    out['revocation'] = not short and not v['crl'] and not v['ocsp']
    reserved = {'2.23.140.1.2.1', '2.23.140.1.2.2', '2.23.140.1.2.3', '2.23.140.1.1'}
    out['policies'] = len([p for p in v['policies'] if p in reserved]) != 1
    lifetime = secs - 1
    out['_ct'] = v['scts'] < (2 if lifetime <= 180 * DAY else 3)
    return {k: ('alarm' if bad else 'ok') for k, bad in out.items()}


# ---- the SSL Labs grade, analyzer-anchors.md 6.2 -------------------------------------------

def suite_facts(name):
    """Bits, 64-bit block, RC4, export, AEAD, forward secrecy, anonymous from an IANA name."""
    n = name
    if 'NULL' in n.split('_WITH_')[-1]:
        bits = 0
    elif re.search(r'3DES', n):
        bits = 168
    elif re.search(r'_(AES|CAMELLIA|ARIA)_(128|256)_', n):
        bits = int(re.search(r'_(AES|CAMELLIA|ARIA)_(128|256)_', n).group(2))
    elif 'CHACHA20' in n:
        bits = 256
    elif 'RC4_128' in n:
        bits = 128
    elif re.search(r'RC4_40|DES40|_DES_CBC_', n):
        bits = 40 if '40' in n else 56
    else:
        raise LabError('suite %s: bits not known to the lab' % n)
    tls13 = '_WITH_' not in n
    return {'bits': bits, 'eff': 112 if '3DES' in n else bits, 'b64': '3DES' in n or
            '_DES_' in n or 'IDEA' in n, 'rc4': 'RC4' in n, 'export': 'EXPORT' in n,
            'aead': bool(re.search(r'GCM|CCM|POLY1305', n)),
            'fs': tls13 or n.startswith(('TLS_ECDHE_', 'TLS_DHE_')), 'anon': '_anon_' in n}


def ec_or_dh(kind, bits):
    if kind == 'EC':
        return 20 if bits < 110 else 40 if bits < 123 else 80 if bits < 163 else \
            90 if bits < 225 else 100
    return 20 if bits < 512 else 40 if bits < 1024 else 80 if bits < 2048 else \
        90 if bits < 4096 else 100


def grade(cfg):
    """cfg: versions (set), suites [(version, IANA name)], kx [(kind, bits)] (leaf keys and
    groups), trusted, self_signed, sha1, name_ok, complete, http (bool), hsts (max-age or
    None), reneg (bool). Returns (grade, without_trust, P, K, C)."""
    vs = cfg['versions']
    pts = {'SSLv2': 0, 'SSLv3': 80, 'TLSv1.0': 90, 'TLSv1.1': 95, 'TLSv1.2': 100, 'TLSv1.3': 100}
    P = (max(pts[v] for v in vs) + min(pts[v] for v in vs)) / 2
    facts = [(v, suite_facts(n)) for v, n in cfg['suites']]
    cs = [0 if f['bits'] == 0 else 20 if f['bits'] < 128 else 80 if f['bits'] < 256 else 100
          for _, f in facts]
    C = (max(cs) + min(cs)) / 2
    K = min(ec_or_dh(k, b) for k, b in cfg['kx'])
    if any(f['anon'] for _, f in facts):
        K = 0
    total = 0 if 0 in (P, K, C) else 0.3 * P + 0.3 * K + 0.4 * C
    letter = 1 if total >= 80 else 2 if total >= 65 else 3 if total >= 50 else \
        4 if total >= 35 else 5 if total >= 20 else 6
    caps = [letter]
    if 'SSLv2' in vs or any(f['export'] or f['eff'] < 112 for _, f in facts) or K <= 40:
        caps.append(6)
    if 'SSLv3' in vs or not vs & {'TLSv1.2', 'TLSv1.3'} or \
            any((f['rc4'] or f['b64']) and v in ('TLSv1.1', 'TLSv1.2') for v, f in facts):
        caps.append(3)
    if vs & {'TLSv1.0', 'TLSv1.1'} or K <= 80 or any(f['rc4'] for _, f in facts) or \
            not any(f['fs'] for _, f in facts) or not cfg['complete']:
        caps.append(2)
    rank = max(caps)
    warnings = ('TLSv1.3' not in vs or (cfg['http'] and (cfg['hsts'] or 0) < 180 * DAY) or
                not cfg['reneg'] or not any(f['aead'] for _, f in facts))
    if rank > 1:
        plain = 'ABCDEF'[rank - 1]
    elif warnings:
        plain = 'A-'
    elif cfg['http'] and (cfg['hsts'] or 0) >= 180 * DAY:
        plain = 'A+'
    else:
        plain = 'A'
    g = plain
    if not cfg['trusted'] or cfg['self_signed'] or cfg['sha1']:
        g = 'T'
    elif not cfg['name_ok']:
        g = 'M'
    return g, plain, P, K, C


# ---- servers -------------------------------------------------------------------------------

class Srv:
    def __init__(self, name, pem, key):
        self.name, self.pem, self.key = name, pem, key
        self.port = lab.free_port()
        self.cfg = {}

    @property
    def resource(self):
        return '127.0.0.1:%d' % self.port


def start_ossl(env, lb, s, versions=('TLSv1.2', 'TLSv1.3'), spec=OSSL_SPEC, www=False):
    flags = {'TLSv1.0': '-no_tls1', 'TLSv1.1': '-no_tls1_1', 'TLSv1.2': '-no_tls1_2',
             'TLSv1.3': '-no_tls1_3'}
    argv = ['openssl', 's_server', '-accept', '127.0.0.1:%d' % s.port, '-cert', s.pem,
            '-key', s.key, '-quiet', '-naccept', '100000', '-cipher', spec,
            '-ciphersuites', OSSL_CS, '-groups', ':'.join(OSSL_GROUPS), '-no_ssl3']
    argv += [f for v, f in flags.items() if v not in versions]
    if www:
        argv += ['-www', '-alpn', 'http/1.1']
    env.start(argv, s.port, s.name)
    suites = []
    for v in versions:
        for n in lab.ossl_suites(env, spec, OSSL_CS, v):
            suites.append((v, n))
    s.cfg.update(versions=set(versions), suites=suites, http=www, hsts=None, reneg=True,
                 groups=[GROUP_BITS[g] for g in OSSL_GROUPS])


def start_nginx(env, lb, s):
    nginx = shutil.which('nginx') or '/usr/sbin/nginx'
    d = os.path.join(env.work, 'nginx')
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, 'nginx.conf')
    spec = 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384'
    with open(conf, 'w') as f:
        f.write(lab.nginx_conf(d, '''        listen 127.0.0.1:%(port)d ssl;
        ssl_certificate %(pem)s;
        ssl_certificate_key %(key)s;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers '%(spec)s';
        ssl_conf_command Ciphersuites %(cs)s;
        ssl_ecdh_curve X25519:P-256;
        add_header Strict-Transport-Security "max-age=31536000" always;
        location / { return 200 "lab\\n"; }''' % {'port': s.port, 'pem': s.pem, 'key': s.key,
                                                  'spec': spec, 'cs': OSSL_CS}))
    env.start([nginx, '-p', d, '-c', conf, '-e', os.path.join(d, 'error.log')], s.port, 'nginx')
    suites = [(v, n) for v in ('TLSv1.2', 'TLSv1.3') for n in lab.ossl_suites(env, spec, OSSL_CS, v)]
    s.cfg.update(versions={'TLSv1.2', 'TLSv1.3'}, suites=suites, http=True, hsts=31536000,
                 reneg=True, groups=[GROUP_BITS['X25519'], GROUP_BITS['P-256']])


def start_gnutls(env, lb, s):
    prio = ('NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3:+3DES-CBC:+ARCFOUR-128:'
            '-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1')
    suites, protos, groups = lab.gnutls_listing(env, prio)
    env.start(['gnutls-serv', '-p', str(s.port), '--x509certfile', s.pem, '--x509keyfile',
               s.key, '--priority', prio, '-q'], s.port, s.name)
    lst = []
    for n, mv in suites:
        if mv == 'TLS1.3':
            lst.append(('TLSv1.3', n))
        elif '_RSA_' in n and '_PSK_' not in n and '_DSS_' not in n:
            lst.append(('TLSv1.2', n))   # RSA certificate: RSA-authenticated suites only
    s.cfg.update(versions={'TLSv1.2', 'TLSv1.3'}, suites=lst, http=False, hsts=None,
                 reneg=True, groups=[GROUP_BITS[g] for g in groups if g in GROUP_BITS])


def trust_facts(lb, s, v):
    rc, out = lb.env.run(['openssl', 'verify', '-CAfile', lb.w + '/ca.pem', s.pem])
    trusted = rc == 0
    rc2, _ = lb.env.run(['openssl', 'verify', '-partial_chain', '-CAfile', s.pem,
                         '-verify_ip', '127.0.0.1', s.pem])
    s.cfg.update(trusted=trusted, name_ok=rc2 == 0, complete=True,
                 self_signed=s.name == 'selfsigned', sha1=v['sig'].startswith('sha1'),
                 kx=[('EC' if v['ec'] else 'DH', v['bits'])] + s.cfg['groups'])


# ---- checks --------------------------------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument('tlsscope')
    ap.add_argument('--keep', action='store_true')
    ap.add_argument('--verbose', action='store_true')
    a = ap.parse_args(argv)
    work = tempfile.mkdtemp(prefix='gradelab.')
    env = lab.Env(work, a.verbose)
    lb = Lab(env)
    fails = checks = 0

    def check(what, got, want):
        nonlocal fails, checks
        checks += 1
        if got == want:
            print('ok %s' % what)
        else:
            fails += 1
            print('FAIL %s: want %s got %s' % (what, want, got))

    try:
        top = os.path.dirname(os.path.dirname(HERE))
        top = os.path.dirname(top)
        # the two grade rules compute nothing of their own: both read the shared view
        # ssllabs_grade (rules/grade/lib/00-grade.sql)
        lib = open(os.path.join(top, 'rules', 'grade', 'lib', '00-grade.sql')).read()
        check('the grade view is defined', 'CREATE TEMP VIEW ssllabs_grade AS' in lib, True)
        for f in ('grade.sql', 'grade-below-a.sql'):
            t = open(os.path.join(top, 'rules', 'grade', f)).read()
            body = t[t.index('\nSELECT resource,'):]
            check('%s reads the shared grade view' % f,
                  ('WITH ' not in t, body.rstrip().endswith('\nFROM ssllabs_grade')), (True, True))

        lb.make_ca()
        servers, views = [], {}
        for name, keyspec, over, nb, na, md, nsct in cert_cases():
            pem, key = lb.make_cert(name, keyspec, over, nb, na, md, nsct)
            servers.append(Srv(name, pem, key))
        pem, key = lb.make_selfsigned()
        servers.append(Srv('selfsigned', pem, key))
        good = [s for s in servers if s.name == 'good'][0]
        extra = [('g_www', {'www': True}), ('g_tls10', {'versions': ('TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'),
                                                     'spec': OSSL_SPEC.replace(':@', ':ECDHE-RSA-AES128-SHA:@')}),
                 ('g_tls12', {'versions': ('TLSv1.2',)})]
        for name, kw in extra:
            s = Srv(name, good.pem, good.key)
            s.kw = kw
            servers.append(s)
        have_nginx = shutil.which('nginx') or os.path.exists('/usr/sbin/nginx')
        have_gnutls = shutil.which('gnutls-serv') and shutil.which('gnutls-cli')
        if have_nginx:
            servers.append(Srv('g_hsts', good.pem, good.key))
        else:
            print('SKIP g_hsts: nginx is not installed')
        if have_gnutls:
            servers.append(Srv('g_3des_rc4', good.pem, good.key))
        else:
            print('SKIP g_3des_rc4: gnutls-serv is not installed')

        for s in servers:
            if s.name == 'g_hsts':
                start_nginx(env, lb, s)
            elif s.name == 'g_3des_rc4':
                start_gnutls(env, lb, s)
            else:
                start_ossl(env, lb, s, **getattr(s, 'kw', {}))
            v = views.get(s.pem) or x509_view(lb, s.pem)
            views[s.pem] = v
            trust_facts(lb, s, v)

        db = os.path.join(work, 'grade.db')
        rc, out = env.run([a.tlsscope, 'scan', '--db', db, '--ca-file', work + '/ca.pem'] +
                          [s.resource for s in servers], timeout=120)
        if rc != 0:
            raise LabError('scan exited %d: %s' % (rc, out[-2000:]))
        found = {}
        for prof in ('cabf-br', 'browser-ct', 'ssllabs'):
            rc, out = env.run([a.tlsscope, 'analyze', '--db', db, '--profile', prof, '--json'])
            if rc not in (0, 1):
                raise LabError('analyze --profile %s exited %d: %s' % (prof, rc, out[-2000:]))
            for line in out.splitlines():
                f = json.loads(line)
                found[(f['rule'], f['resource'])] = f

        for s in servers:
            v = views[s.pem]
            want = br_verdicts(v)
            for rule in ('validity', 'key', 'signature', 'san', 'bc-eku-ku', 'revocation',
                         'policies'):
                f = found.get(('cabf-br/' + rule, s.resource))
                check('%s cabf-br/%s' % (s.name, rule), f and f['status'], want[rule])
            f = found.get(('browser-ct/sct', s.resource))
            ct = 'skip' if not s.cfg['trusted'] else want['_ct']
            check('%s browser-ct/sct' % s.name, f and f['status'], ct)
            g, plain, P, K, C = grade(s.cfg)
            f = found.get(('ssllabs/grade', s.resource))
            reason = f['reason'] if f else ''
            m = re.match(r'grade (\S+)(?: \(without [TM]: (\S+)\))?; score \S+ = 0\.3 x '
                         r'protocol (\S+) \+ 0\.3 x key exchange (\d+) .*\+ 0\.4 x cipher (\S+) ',
                         reason)
            got = (m.group(1), m.group(2) or m.group(1), float(m.group(3)), int(m.group(4)),
                   float(m.group(5))) if m else reason
            check('%s ssllabs/grade' % s.name, got, (g, plain, float(P), K, float(C)))
            f = found.get(('ssllabs/grade-below-a', s.resource))
            check('%s ssllabs/grade-below-a' % s.name, f and f['status'],
                  'ok' if g in ('A+', 'A', 'A-') else 'alarm')
            if a.verbose and f:
                print('   ', reason)
    except (LabError, subprocess.TimeoutExpired, OSError) as e:
        print('FAIL lab: %s' % e)
        fails += 1
    finally:
        env.stop()
        if a.keep:
            print('kept %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print('%d checks, %d failed' % (checks, fails))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
