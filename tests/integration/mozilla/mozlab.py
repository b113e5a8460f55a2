#!/usr/bin/env python3
"""The Mozilla profiles end to end: real TLS servers on 127.0.0.1 configured as Mozilla's
guidelines (or against them), `tlsscope scan --db`, then `tlsscope analyze --rules
rules/compliance --profile <profile> --json` per profile; every Mozilla rule's status per
endpoint must equal the status this script derives from the server's configuration and the
guidelines JSON.

usage: mozlab.py TLSSCOPE [--keep] [--verbose]

Servers (ephemeral ports on 127.0.0.1; certificates from tests/pki/mkpki.sh or made here with
the openssl CLI):
  modern        nginx, configured from data/mozilla-server-side-tls-6.0.json
                configurations.modern: ssl_protocols = tls_versions (TLSv1.3), Ciphersuites =
                ciphersuites, ssl_ecdh_curve = tls_curves minus the groups this OpenSSL lacks
                (X25519MLKEM768), HSTS max-age = hsts_min_age; leaf ECDSA P-256 signed by the
                PKI's (ECDSA) intermediate for 89 days (validity 89 d + 1 s: 90 days counted
                inclusively), no OCSP URL.
  intermediate  openssl s_server, configured from configurations.intermediate of the 6.0 JSON:
                TLS 1.2 + 1.3, -cipher = ciphers.openssl (the six ECDHE GCM/CHACHA20 suites),
                -ciphersuites = ciphersuites, -groups = tls_curves as above, client order
                (server_preferred_order false); leaf good-rsa of mkpki.sh (RSA 2048, signed
                ecdsa-with-SHA256 by the intermediate, 91 days + 1 s, OCSP URL) with its OCSP
                response stapled (-status_file ocsp-good-rsa.der); no HTTP (no -www).
  legacy        openssl s_server -no_tls1_3 (TLS 1.0 .. 1.2) with CBC suites, RSA key
                exchange, DHE with the RFC 7919 ffdhe2048 prime (-dhparam), 3DES when this
                OpenSSL still has DES-CBC3-SHA, -serverpref, @SECLEVEL=0; leaf RSA 2048 signed
                sha256WithRSAEncryption by an RSA root made here, 400 days, OCSP URL, no
                staple; -www -alpn http/1.1 (HTTP 200 without HSTS).
  p521          openssl s_server, TLS 1.2 + 1.3, two ECDHE-ECDSA suites, -groups P-521:X25519
                (secp521r1 is outside every tls_curves), leaf ECDSA P-521 (outside every
                certificate_curves) signed by the PKI's intermediate for 89 days, no OCSP URL.
  closed        a port where nothing listens: the scan records an error, and no Mozilla rule
                may say anything about it.

Where the expected values come from (never from tlsscope's output):
  - the guidelines: data/mozilla-server-side-tls-6.0.json (modern, intermediate) and -5.8.json
    (old) loaded here; each check below is the guidelines field it names, as the table of
    /work/shared/research/analyzer-anchors.md §1 and sslyze's mozilla_config_checker read it;
  - the servers: the configuration above, expanded by OpenSSL itself: `openssl ciphers -s
    -stdname -v -tls1|-tls1_1|-tls1_2 STRING` per version (IANA names, Kx and Au columns; a
    suite whose Au is not the certificate's key type cannot be negotiated), the OpenSSL group
    names given to -groups / ssl_ecdh_curve mapped to IANA names (RFC 8422 §5.1.1 / RFC 7748
    names: prime256v1 = P-256 = secp256r1, X25519 = x25519); the DH prime size from `openssl
    pkeyparam -text` of the -dhparam file;
  - the certificates: `openssl x509 -text` (public key algorithm, size, ASN1 OID curve,
    signature algorithm), -startdate/-enddate (validity counted as RFC 5280 does: notAfter is
    inclusive, so notAfter - notBefore + 1 s, in days rounded up), -ocsp_uri;
  - confirmed at test time with `openssl s_client` against the running servers: each TLS
    version accepted or refused as configured, the staple sent (-status), the HSTS header
    (an HTTPS GET with Python's ssl module). A confirmation that disagrees is a lab error.
Not decidable from the configuration alone, so not asserted beyond "ok": Heartbleed, ROBOT
and CCS injection (tlsscope does not probe them; the hygiene rule must say so in its reason).
"""
import argparse
import json
import math
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
import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'lab'))
import lab  # noqa: E402  (Env: processes and environment; free_port; LabError)

LabError = lab.LabError
VERSIONS = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']
OSSL_VFLAG = {'TLSv1.0': '-tls1', 'TLSv1.1': '-tls1_1', 'TLSv1.2': '-tls1_2', 'TLSv1.3': '-tls1_3'}
# OpenSSL curve / group names (as the guidelines and -groups spell them) -> IANA names
# (RFC 8422 §5.1.1, RFC 7748, draft-ietf-tls-ecdhe-mlkem)
GROUP_IANA = {'X25519': 'x25519', 'prime256v1': 'secp256r1', 'P-256': 'secp256r1',
              'secp384r1': 'secp384r1', 'P-384': 'secp384r1', 'P-521': 'secp521r1',
              'X25519MLKEM768': 'X25519MLKEM768'}
# ECDH sizes of those groups in bits: the field size of the NIST curves; X25519 keys are 32
# bytes at the 128-bit level (RFC 7748), counted 256 as sslyze does (253 + 3)
GROUP_BITS = {'x25519': 256, 'secp256r1': 256, 'secp384r1': 384, 'secp521r1': 521}
# the guidelines' version names -> ours
MOZ_VERSION = {'TLSv1': 'TLSv1.0'}
PROFILES = [('mozilla-6.0-modern', '6.0', 'modern'),
            ('mozilla-6.0-intermediate', '6.0', 'intermediate'),
            ('mozilla-5.8-old', '5.8', 'old')]
RULE_NAMES = ['01-protocols', '02-tls13-suites', '03-suites', '04-groups', '05-key-types',
              '06-signatures', '07-key-sizes', '08-dh-sizes', '09-lifetime', '10-ocsp-stapling',
              '11-hsts', '12-hygiene', '13-server-order']
LEAF_EXT = ('subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'
            'basicConstraints=critical,CA:FALSE\n')
OCSP_EXT = 'authorityInfoAccess=OCSP;URI:http://127.0.0.1:9/ocsp\n'


def load_guidelines():
    docs = {}
    for v in ('6.0', '5.8'):
        with open(os.path.join(TOP, 'data', 'mozilla-server-side-tls-%s.json' % v)) as f:
            docs[v] = json.load(f)
    return docs


class Checks:
    def __init__(self):
        self.bad = 0
        self.n = 0

    def eq(self, name, want, got, why=''):
        self.n += 1
        if want == got:
            print('ok %s' % name)
        else:
            self.bad += 1
            print('FAIL %s: want %r got %r%s' % (name, want, got, ('  (' + why + ')') if why else ''))

    def true(self, name, cond, detail=''):
        self.eq(name, True, bool(cond), detail)

    def lab(self, msg):
        self.n += 1
        self.bad += 1
        print('FAIL lab: %s' % msg)


# ---- certificates -------------------------------------------------------------------------

def must(env, argv, what):
    rc, out = env.run(argv)
    if rc != 0:
        raise LabError('%s failed (%d): %s\n%s' % (what, rc, ' '.join(argv), out[-1500:]))
    return out


def make_leaf(env, w, name, keyspec, ca, cakey, days, ocsp):
    ext = os.path.join(w, name + '.ext')
    with open(ext, 'w') as f:
        f.write(LEAF_EXT + (OCSP_EXT if ocsp else ''))
    must(env, ['openssl', 'req', '-newkey'] + keyspec + ['-nodes', '-keyout', w + '/' + name + '.key',
               '-out', w + '/' + name + '.csr', '-subj', '/O=tlsscope mozlab/CN=localhost'],
         'req ' + name)
    must(env, ['openssl', 'x509', '-req', '-in', w + '/' + name + '.csr', '-CA', ca, '-CAkey', cakey,
               '-CAcreateserial', '-sha256', '-days', str(days), '-extfile', ext,
               '-out', w + '/' + name + '.pem'], 'x509 ' + name)
    return w + '/' + name + '.pem', w + '/' + name + '.key'


def cert_facts(env, pem):
    """The guidelines' view of a certificate, from `openssl x509`."""
    text = must(env, ['openssl', 'x509', '-in', pem, '-noout', '-text'], 'x509 -text')
    alg = re.search(r'Public Key Algorithm: (\S+)', text).group(1)
    bits = int(re.search(r'Public-Key: \((\d+) bit\)', text).group(1))
    curve = re.search(r'ASN1 OID: (\S+)', text)
    sig = re.search(r'Signature Algorithm: (\S+)', text).group(1)
    dates = must(env, ['openssl', 'x509', '-in', pem, '-noout', '-startdate', '-enddate'], 'dates')
    nb = re.search(r'notBefore=(.*)', dates).group(1).strip()
    na = re.search(r'notAfter=(.*)', dates).group(1).strip()
    fmt = '%b %d %H:%M:%S %Y GMT'
    secs = (datetime.datetime.strptime(na, fmt) - datetime.datetime.strptime(nb, fmt)).total_seconds()
    ocsp = must(env, ['openssl', 'x509', '-in', pem, '-noout', '-ocsp_uri'], 'ocsp_uri').strip()
    # Mozilla's certificate_types vocabulary: "rsa" (rsaEncryption), "ecdsa" (id-ecPublicKey)
    ktype = {'rsaEncryption': 'rsa', 'id-ecPublicKey': 'ecdsa'}.get(alg, alg)
    return {'type': ktype, 'bits': bits, 'curve': curve.group(1) if curve else None, 'sig': sig,
            'days': math.ceil((secs + 1) / 86400), 'ocsp_url': bool(ocsp)}


# ---- servers ------------------------------------------------------------------------------

class Server:
    def __init__(self, name, versions, cipher, ciphersuites, groups, cert, key, chain_extra,
                 staple=None, http=False, hsts=None, serverpref=False, dhparam=None):
        self.name, self.versions, self.cipher, self.ciphersuites = name, versions, cipher, ciphersuites
        self.groups, self.cert, self.key, self.chain_extra = groups, cert, key, chain_extra
        self.staple, self.http, self.hsts, self.serverpref = staple, http, hsts, serverpref
        self.dhparam = dhparam
        self.port = None
        self.suites = {}      # version -> [IANA names] the server can negotiate
        self.kx = {}          # IANA name -> OpenSSL Kx column
        self.dh_bits = None
        self.facts = None


def expand_suites(env, s):
    """Per version <= 1.2, the suites OpenSSL enables for the cipher string, that the
    certificate's key can authenticate; TLS 1.3: the -ciphersuites list."""
    au = {'rsa': 'RSA', 'ecdsa': 'ECDSA'}[s.facts['type']]
    for v in s.versions:
        if v == 'TLSv1.3':
            s.suites[v] = list(s.ciphersuites)
            continue
        out = must(env, ['openssl', 'ciphers', '-s', '-stdname', '-v', OSSL_VFLAG[v], s.cipher],
                   'ciphers')
        names = []
        for line in out.splitlines():
            m = re.match(r'(\S+)\s+-\s+\S+\s+(\S+)\s+Kx=(\S+)\s+Au=(\S+)', line)
            if not m or m.group(2) == 'TLSv1.3':
                continue
            if m.group(4) == au:
                names.append(m.group(1))
                s.kx[m.group(1)] = m.group(3)
        s.suites[v] = names


def start_sserver(env, s, work):
    s.port = lab.free_port()
    argv = ['openssl', 's_server', '-accept', '127.0.0.1:%d' % s.port, '-cert', s.cert,
            '-key', s.key, '-naccept', '100000', '-quiet']
    for c in s.chain_extra:
        argv += ['-cert_chain', c]
    if s.versions == ['TLSv1.2', 'TLSv1.3']:
        argv += ['-no_tls1', '-no_tls1_1']
    elif 'TLSv1.3' not in s.versions:
        argv += ['-no_tls1_3']
    argv += ['-cipher', s.cipher, '-ciphersuites', ':'.join(s.ciphersuites),
             '-groups', ':'.join(s.groups)]
    if s.serverpref:
        argv.append('-serverpref')
    if s.dhparam:
        argv += ['-dhparam', s.dhparam]
    if s.staple:
        argv += ['-status_file', s.staple]
    if s.http:
        argv += ['-www', '-alpn', 'http/1.1']
    env.start(argv, s.port, s.name)


def start_nginx(env, s, work, hsts):
    nginx = shutil.which('nginx') or '/usr/sbin/nginx'
    s.port = lab.free_port()
    d = os.path.join(work, 'nginx')
    os.makedirs(d, exist_ok=True)
    chain = os.path.join(work, s.name + '-chain.pem')
    with open(chain, 'w') as f:
        for p in [s.cert] + s.chain_extra:
            f.write(open(p).read())
    with open(os.path.join(HERE, 'nginx.conf.in')) as f:
        text = f.read() % {'dir': d, 'port': s.port, 'chain': chain, 'key': s.key,
                           'protocols': ' '.join(s.versions), 'curves': ':'.join(s.groups),
                           'ciphersuites': ':'.join(s.ciphersuites), 'hsts': hsts}
    conf = os.path.join(d, 'nginx.conf')
    with open(conf, 'w') as f:
        f.write(text)
    env.start([nginx, '-p', d, '-c', conf, '-e', os.path.join(d, 'error.log')], s.port, s.name)


def confirm(env, s, cafile, checks):
    """The running server against its configuration, with openssl s_client."""
    for v in ('TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'):
        rc, out = env.run(['openssl', 's_client', '-connect', '127.0.0.1:%d' % s.port,
                           OSSL_VFLAG[v], '-cipher', 'ALL:@SECLEVEL=0', '-CAfile', cafile],
                          timeout=10)
        # "Protocol : TLSv1" etc. in the session block; s_client may quit before printing
        # it on TLS 1.3 (stdin at EOF), where "New, TLSv1.3, Cipher is" says it instead
        # (that line names the cipher's version, so it is only used for TLS 1.3)
        ok = rc == 0 and (re.search(r'(?m)^\s*Protocol\s*:\s*' +
                                    re.escape(v.replace('TLSv1.0', 'TLSv1')) + r'\s*$', out) or
                          (v == 'TLSv1.3' and re.search(r'(?m)^New, TLSv1\.3, Cipher is ', out)))
        if bool(ok) != (v in s.versions):
            checks.lab('%s: s_client %s %s, configured %s' % (
                s.name, v, 'succeeds' if ok else 'fails', s.versions))
    rc, out = env.run(['openssl', 's_client', '-connect', '127.0.0.1:%d' % s.port, '-status',
                       '-CAfile', cafile, '-cipher', 'ALL:@SECLEVEL=0'], timeout=10)
    stapled = 'OCSP Response Status: successful' in out
    if stapled != bool(s.staple):
        checks.lab('%s: s_client -status stapled=%s, configured %s' % (s.name, stapled, s.staple))
    if s.http:
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.check_hostname = False
        ctx.set_ciphers('ALL:@SECLEVEL=0')
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_alpn_protocols(['http/1.1'])
        with socket.create_connection(('127.0.0.1', s.port), timeout=10) as raw:
            with ctx.wrap_socket(raw) as t:
                t.sendall(b'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n')
                data = b''
                while True:
                    b = t.recv(65536)
                    if not b:
                        break
                    data += b
        head = data.split(b'\r\n\r\n', 1)[0].decode('latin-1')
        m = re.search(r'(?im)^Strict-Transport-Security:\s*max-age=(\d+)', head)
        got = int(m.group(1)) if m else None
        if got != s.hsts:
            checks.lab('%s: HSTS max-age %r, configured %r' % (s.name, got, s.hsts))


# ---- what the guidelines say about each server ---------------------------------------------

def expectations(conf, s):
    """rule name -> (status, why, [words the reason must contain])."""
    e = {}
    allowed = {MOZ_VERSION.get(v, v) for v in conf['tls_versions']}
    bad = [v for v in s.versions if v not in allowed]
    e['01-protocols'] = ('alarm', 'accepts %s outside tls_versions' % bad, bad) if bad else \
        ('ok', '%s within tls_versions %s' % (s.versions, sorted(allowed)), [])
    s13 = s.suites.get('TLSv1.3', [])
    bad = [c for c in s13 if c not in conf['ciphersuites']]
    e['02-tls13-suites'] = ('alarm', 'TLS 1.3 suites %s outside ciphersuites' % bad, bad) if bad \
        else ('ok', 'TLS 1.3 suites %s within ciphersuites' % s13 if s13 else 'no TLS 1.3', [])
    old = sorted({c for v, l in s.suites.items() if v != 'TLSv1.3' for c in l})
    bad = [c for c in old if c not in conf['ciphers']['iana']]
    e['03-suites'] = ('alarm', 'suites %s outside ciphers.iana' % bad, bad) if bad else \
        ('ok', 'suites %s within ciphers.iana' % old, [])
    curves = {GROUP_IANA.get(c, c) for c in conf['tls_curves']}
    groups = [GROUP_IANA[g] for g in s.groups]
    bad = [g for g in groups if g not in curves]
    e['04-groups'] = ('alarm', 'groups %s outside tls_curves' % bad, bad) if bad else \
        ('ok', 'groups %s within tls_curves' % groups, [])
    f = s.facts
    e['05-key-types'] = ('ok', '%s in certificate_types' % f['type'], []) \
        if f['type'] in conf['certificate_types'] else \
        ('alarm', '%s not in certificate_types %s' % (f['type'], conf['certificate_types']), [])
    e['06-signatures'] = ('ok', '%s in certificate_signatures' % f['sig'], []) \
        if f['sig'] in conf['certificate_signatures'] else \
        ('alarm', '%s not in certificate_signatures' % f['sig'], [f['sig']])
    if f['type'] == 'ecdsa':
        good = f['curve'] in conf['certificate_curves']
        e['07-key-sizes'] = ('ok' if good else 'alarm', 'curve %s vs certificate_curves' % f['curve'], [])
    else:
        good = conf['rsa_key_size'] is None or f['bits'] >= conf['rsa_key_size']
        e['07-key-sizes'] = ('ok' if good else 'alarm', 'RSA %d vs rsa_key_size %s' % (
            f['bits'], conf['rsa_key_size']), [])
    dhe = sorted(c for c in old if s.kx.get(c) == 'DH')
    ec_min = min(GROUP_BITS[g] for g in groups) if groups else None
    if dhe and conf['dh_param_size'] is None:
        e['08-dh-sizes'] = ('alarm', 'DHE %s offered, dh_param_size null' % dhe, dhe)
    elif dhe and s.dh_bits < conf['dh_param_size']:
        e['08-dh-sizes'] = ('alarm', 'DH %d < %d' % (s.dh_bits, conf['dh_param_size']), [])
    elif ec_min is not None and ec_min < conf['ecdh_param_size']:
        e['08-dh-sizes'] = ('alarm', 'ECDH %d < %d' % (ec_min, conf['ecdh_param_size']), [])
    else:
        e['08-dh-sizes'] = ('ok', 'DH %s bits (dh_param_size %s), ECDH min %s (ecdh_param_size %s)' % (
            s.dh_bits if dhe else 'none', conf['dh_param_size'], ec_min, conf['ecdh_param_size']), [])
    mx = conf['maximum_certificate_lifespan']
    e['09-lifetime'] = ('ok' if f['days'] <= mx else 'alarm',
                        '%d days vs maximum_certificate_lifespan %d' % (f['days'], mx),
                        [] if f['days'] <= mx else ['%d days' % f['days']])
    if not conf['ocsp_staple']:
        e['10-ocsp-stapling'] = ('ok', 'ocsp_staple false', [])
    elif not f['ocsp_url']:
        e['10-ocsp-stapling'] = ('skip', 'leaf without OCSP URL: N/A', ['N/A'])
    else:
        e['10-ocsp-stapling'] = ('ok', 'staple configured', []) if s.staple else \
            ('alarm', 'leaf names a responder, no staple configured', [])
    if not s.http:
        e['11-hsts'] = ('skip', 'no HTTP server on the endpoint', ['no HTTP response'])
    elif s.hsts is None or s.hsts < conf['hsts_min_age']:
        e['11-hsts'] = ('alarm', 'HSTS %s vs hsts_min_age %d' % (s.hsts, conf['hsts_min_age']), [])
    else:
        e['11-hsts'] = ('ok', 'HSTS %d >= hsts_min_age %d' % (s.hsts, conf['hsts_min_age']), [])
    # chains validate to the CA file by construction (SAN IP 127.0.0.1); OpenSSL 3.0 has no
    # TLS compression and supports RFC 5746
    e['12-hygiene'] = ('ok', 'trusted, name matches, no compression, secure renegotiation',
                       ['not probed'])
    multi = [v for v, l in s.suites.items() if v != 'TLSv1.3' and len(l) >= 2]
    if conf['server_preferred_order'] and multi and not s.serverpref:
        e['13-server-order'] = ('alarm', 'server_preferred_order true, client order on %s' % multi,
                                multi)
    else:
        e['13-server-order'] = ('ok', 'server_preferred_order %s, -serverpref %s' % (
            conf['server_preferred_order'], s.serverpref), [])
    return e


# ---- tlsscope -----------------------------------------------------------------------------

def tlsscope(env, prog, args, timeout=60):
    p = subprocess.run([prog] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env.env, timeout=timeout)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def analyze(env, prog, db, profile):
    # the profile's rules read the shared views of rules/compliance/mozilla-lib: load the
    # whole compliance tree and select the profile
    rc, out, err = tlsscope(env, prog, ['analyze', '--db', db, '--rules',
                                        os.path.join(TOP, 'rules', 'compliance'),
                                        '--profile', profile, '--json'])
    if rc != 0:
        raise LabError('analyze %s exited %d: %s' % (profile, rc, err[-1500:]))
    rows = [json.loads(l) for l in out.splitlines() if l.strip()]
    return {(r['rule'], r['resource']): r for r in rows if r.get('type') == 'finding'}


def sql(db, q):
    p = subprocess.run(['sqlite3', db, q], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise LabError('sqlite3 %s: %s' % (q, p.stderr.decode()))
    return p.stdout.decode().strip()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('tlsscope')
    ap.add_argument('--keep', action='store_true', help='keep the work directory')
    ap.add_argument('--verbose', action='store_true', help='print every expectation and reason')
    a = ap.parse_args(argv)
    for tool in ('openssl', 'nginx', 'sqlite3'):
        if not shutil.which(tool) and not (tool == 'nginx' and os.path.exists('/usr/sbin/nginx')):
            print('SKIP: %s is not installed (.ci/install-deps installs it)' % tool)
            return 0
    os.environ['PATH'] = os.environ.get('PATH', '') + ':/usr/sbin'
    t0 = time.monotonic()
    work = tempfile.mkdtemp(prefix='tlsscope-mozlab-', dir=os.environ.get('TMPDIR'))
    env = lab.Env(work, a.verbose)
    checks = Checks()

    def terminated(*_):
        raise LabError('terminated by SIGTERM')
    signal.signal(signal.SIGTERM, terminated)
    try:
        docs = load_guidelines()
        pki = os.path.join(work, 'pki')
        must(env, ['bash', os.path.join(TOP, 'tests', 'pki', 'mkpki.sh'), pki], 'mkpki.sh')
        modern6 = docs['6.0']['configurations']['modern']
        inter6 = docs['6.0']['configurations']['intermediate']
        # groups this OpenSSL can offer, from the guidelines' list
        have = {t.rstrip(':') for t in
                must(env, ['openssl', 'ecparam', '-list_curves'], 'curves').split()} | {'X25519'}
        havegroups = [g for g in modern6['tls_curves'] if g in have]
        # certificates
        mleaf, mkey = make_leaf(env, work, 'modern', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
                                pki + '/int.pem', pki + '/int.key', 89, False)
        must(env, ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout',
                   work + '/rsaroot.key', '-out', work + '/rsaroot.pem', '-days', '30', '-sha256',
                   '-subj', '/O=tlsscope mozlab/CN=mozlab RSA Root',
                   '-addext', 'basicConstraints=critical,CA:TRUE',
                   '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], 'RSA root')
        pleaf, pkey = make_leaf(env, work, 'p521', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-521'],
                                pki + '/int.pem', pki + '/int.key', 89, False)
        lleaf, lkey = make_leaf(env, work, 'legacy', ['rsa:2048'], work + '/rsaroot.pem',
                                work + '/rsaroot.key', 399, True)
        cafile = os.path.join(work, 'ca.pem')
        with open(cafile, 'w') as f:
            f.write(open(pki + '/root.pem').read() + open(work + '/rsaroot.pem').read())
        must(env, ['openssl', 'genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt',
                   'group:ffdhe2048', '-out', work + '/ffdhe2048.pem'], 'dhparam')
        dhtext = must(env, ['openssl', 'pkeyparam', '-in', work + '/ffdhe2048.pem', '-text',
                            '-noout'], 'pkeyparam')
        legacy_cipher = 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384:AES128-SHA:AES256-SHA256:' \
                        'DHE-RSA-AES128-SHA256'
        rc, _ = env.run(['openssl', 'ciphers', 'DES-CBC3-SHA:@SECLEVEL=0'])
        if rc == 0:
            legacy_cipher += ':DES-CBC3-SHA'
        servers = [
            Server('modern', [MOZ_VERSION.get(v, v) for v in modern6['tls_versions']], None,
                   modern6['ciphersuites'], [g for g in havegroups], mleaf, mkey,
                   [pki + '/int.pem'], http=True, hsts=modern6['hsts_min_age']),
            Server('intermediate', [MOZ_VERSION.get(v, v) for v in inter6['tls_versions']],
                   ':'.join(inter6['ciphers']['openssl']), inter6['ciphersuites'],
                   [g for g in havegroups], pki + '/good-rsa.pem', pki + '/good-rsa.key',
                   [pki + '/int.pem'], staple=pki + '/ocsp-good-rsa.der',
                   serverpref=inter6['server_preferred_order']),
            Server('legacy', ['TLSv1.0', 'TLSv1.1', 'TLSv1.2'], legacy_cipher + ':@SECLEVEL=0',
                   inter6['ciphersuites'], ['X25519', 'P-256', 'P-384'], lleaf, lkey, [],
                   http=True, hsts=None, serverpref=True, dhparam=work + '/ffdhe2048.pem'),
            Server('p521', ['TLSv1.2', 'TLSv1.3'],
                   'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305',
                   inter6['ciphersuites'], ['P-521', 'X25519'], pleaf, pkey, [pki + '/int.pem']),
        ]
        for s in servers:
            s.facts = cert_facts(env, s.cert)
            if s.cipher:
                expand_suites(env, s)
            else:
                s.suites = {'TLSv1.3': list(s.ciphersuites)}
            if s.dhparam:
                s.dh_bits = int(re.search(r'\((\d+) bit\)', dhtext).group(1))
        for s in servers:
            if s.name == 'modern':
                start_nginx(env, s, work, s.hsts)
            else:
                start_sserver(env, s, work)
        for s in servers:
            confirm(env, s, cafile, checks)
        closed = lab.free_port()
        # the scans
        db = os.path.join(work, 'moz.db')
        targets = ['127.0.0.1:%d' % s.port for s in servers] + ['127.0.0.1:%d' % closed]
        rc, out, err = tlsscope(env, a.tlsscope, ['scan', '--db', db, '--ca-file', cafile] + targets)
        if rc not in (0, 1):
            raise LabError('scan exited %d: %s' % (rc, err[-1500:]))
        n_err = sql(db, 'SELECT count(*) FROM scans WHERE error IS NOT NULL')
        checks.eq('scan: the closed port is a scan with an error', '1', n_err)
        # analyze, per profile
        results = {}
        for profile, ver, key in PROFILES:
            results[profile] = analyze(env, a.tlsscope, db, profile)
        for profile, ver, key in PROFILES:
            conf = docs[ver]['configurations'][key]
            got = results[profile]
            for s in servers:
                res = '127.0.0.1:%d' % s.port
                exp = expectations(conf, s)
                for rule in RULE_NAMES:
                    rid = '%s/%s' % (profile, rule)
                    want, why, words = exp[rule]
                    row = got.get((rid, res))
                    name = '%s %s %s' % (s.name, profile, rule)
                    if row is None:
                        checks.eq(name, want, None, why)
                        continue
                    checks.eq(name, want, row['status'], '%s; reason: %s' % (why, row['reason']))
                    for w in words:
                        checks.true('%s reason names %s' % (name, w), w in (row['reason'] or ''),
                                    row['reason'])
                    checks.true('%s evidence names the scan' % name,
                                any(str(x).startswith('scan:') for x in row.get('evidence') or []),
                                json.dumps(row.get('evidence')))
                    if a.verbose:
                        print('   %s | %s' % (why, row['reason']))
            stray = [k for k in got if k[1] == '127.0.0.1:%d' % closed]
            checks.eq('%s: no finding for the scan with an error' % profile, [], stray)
            extra = [k for k in got if k[0].split('/', 1)[1] not in RULE_NAMES]
            checks.eq('%s: no rule outside the table' % profile, [], extra)
        # certificate evidence for the certificate rules
        row = results['mozilla-6.0-modern'].get(('mozilla-6.0-modern/09-lifetime',
                                                 '127.0.0.1:%d' % servers[0].port))
        fp = must(env, ['openssl', 'x509', '-in', mleaf, '-noout', '-fingerprint', '-sha256'],
                  'fingerprint').split('=', 1)[1].strip().replace(':', '').lower()
        checks.true('modern 09-lifetime evidence names the leaf (openssl fingerprint)',
                    row and ('cert:' + fp) in row['evidence'], row and row['evidence'])
        # re-running updates, never duplicates
        before = int(sql(db, "SELECT count(*) FROM findings WHERE rule LIKE 'mozilla-%'"))
        for profile, _, _ in PROFILES:
            analyze(env, a.tlsscope, db, profile)
        after = int(sql(db, "SELECT count(*) FROM findings WHERE rule LIKE 'mozilla-%'"))
        want_n = sum(len(r) for r in results.values())
        checks.eq('findings stored after the first run', want_n, before)
        checks.eq('re-run: no duplicate finding', before, after)
        dup = sql(db, "SELECT count(*) FROM (SELECT rule, resource FROM findings WHERE rule LIKE "
                      "'mozilla-%' GROUP BY rule, resource HAVING count(*) > 1)")
        checks.eq('re-run: one row per (rule, resource)', '0', dup)
        counts = sql(db, "SELECT DISTINCT count FROM findings WHERE rule LIKE 'mozilla-%'")
        checks.eq('re-run: every finding counted twice', '2', counts)
        print('mozlab: %d checks, %d failed, %.1f s' % (checks.n, checks.bad, time.monotonic() - t0))
        return 0 if checks.bad == 0 else 1
    except (LabError, subprocess.TimeoutExpired, OSError) as e:
        print('FAIL lab: %s' % e)
        return 1
    finally:
        env.stop()
        if a.keep:
            print('work directory kept: %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
