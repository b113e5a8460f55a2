#!/usr/bin/env python3
"""The scanner's correctness lab: real TLS servers on loopback, each configured so that the
truth is known, scanned with `tlsscope scan --json`; every expected value must match.

usage: lab.py TLSSCOPE [--keep] [--only NAME[,NAME...]] [--verbose]

Servers (all on 127.0.0.1, ephemeral ports, certificates made here with openssl: a CA, an
RSA-2048 and an ECDSA P-256 leaf):
  ossl_modern     openssl s_server, TLS 1.2 ECDHE-AES-GCM + TLS 1.3, client order
  ossl_pref       openssl s_server, TLS 1.2 + 1.3, -serverpref with chosen orders, ALPN,
                  a CBC suite, DHE with the RFC 3526 2048-bit prime (-dhparam)
  ossl_legacy     openssl s_server, TLS 1.0-1.2, 'ALL:COMPLEMENTOFALL:@SECLEVEL=0',
                  -serverpref, DHE with ffdhe3072 (-dhparam)
  ossl_hrr        openssl s_server, TLS 1.3 only, groups P-384 only: an x25519 key share
                  gets a HelloRetryRequest
  gnutls          gnutls-serv, TLS 1.0-1.3, RC4, 3DES, Camellia-GCM (suites OpenSSL lacks),
                  groups secp224r1 (OpenSSL does not offer it), x25519, secp384r1,
                  ffdhe3072, ffdhe2048 (RFC 7919 DHE), %SERVER_PRECEDENCE
  nginx           nginx (Debian), TLS 1.2 + 1.3, ssl_prefer_server_ciphers, http2 (ALPN h2)

Where the expected values come from (never from tlsscope's output):
  - versions, suites and their order, groups and their order, DH primes: the server's
    configuration, expanded by the servers' own libraries: `openssl ciphers -s -stdname -v`
    for OpenSSL-based servers, `gnutls-cli --priority P -l` for gnutls-serv; suite, group and
    signature scheme names mapped to IANA names with the IANA registry CSVs in data/.
  - confirmed at test time against the running servers with `openssl s_client` and
    `gnutls-cli`: every TLS version (enabled and disabled), one accepted and one refused
    suite per version, the server order (the client's order reversed), every candidate group
    per version, every candidate TLS 1.2 signature scheme (this list is what the clients
    confirm), the DH prime size, TLS_FALLBACK_SCSV, the downgrade sentinel (the ServerHello
    random in `s_client -msg`), renegotiation_info, extended master secret, encrypt-then-MAC,
    session ticket, ALPN and the HelloRetryRequest. A confirmation that disagrees with the
    configuration is a lab error and fails the test too.
SSLv2 and SSLv3 cannot be confirmed (neither library can still speak them): they are expected
off from the configuration (OpenSSL 3 and GnuTLS 3.7 have no SSLv2/SSLv3 server).
"""
import argparse
import concurrent.futures
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VERSIONS = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']
OSSL_VFLAG = {'TLSv1.0': '-tls1', 'TLSv1.1': '-tls1_1', 'TLSv1.2': '-tls1_2', 'TLSv1.3': '-tls1_3'}
GNUTLS_VERS = {'TLSv1.0': 'VERS-TLS1.0', 'TLSv1.1': 'VERS-TLS1.1', 'TLSv1.2': 'VERS-TLS1.2',
               'TLSv1.3': 'VERS-TLS1.3'}
# OpenSSL / GnuTLS group spellings -> IANA names
GROUP_ALIASES = {'x25519': 'x25519', 'X25519': 'x25519', 'x448': 'x448', 'X448': 'x448',
                 'P-256': 'secp256r1', 'prime256v1': 'secp256r1', 'P-384': 'secp384r1',
                 'P-521': 'secp521r1', 'secp224r1': 'secp224r1', 'secp256r1': 'secp256r1',
                 'secp384r1': 'secp384r1', 'secp521r1': 'secp521r1'}
for _b in (2048, 3072, 4096, 6144, 8192):
    GROUP_ALIASES['ffdhe%d' % _b] = 'ffdhe%d' % _b
# IANA group name -> (OpenSSL -groups name, GnuTLS priority name)
GROUP_TOOLS = {'x25519': ('X25519', 'GROUP-X25519'), 'x448': ('X448', 'GROUP-X448'),
               'secp256r1': ('P-256', 'GROUP-SECP256R1'), 'secp384r1': ('P-384', 'GROUP-SECP384R1'),
               'secp521r1': ('P-521', 'GROUP-SECP521R1'), 'secp224r1': ('secp224r1', 'GROUP-SECP224R1')}
for _b in (2048, 3072, 4096, 6144, 8192):
    GROUP_TOOLS['ffdhe%d' % _b] = ('ffdhe%d' % _b, 'GROUP-FFDHE%d' % _b)
# TLS 1.2 signature schemes the clients can ask for one at a time (IANA names, which
# OpenSSL's -sigalgs accepts too)
SIGALG_CANDIDATES = ['rsa_pkcs1_sha1', 'ecdsa_sha1', 'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384',
                     'rsa_pkcs1_sha512', 'ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384',
                     'ecdsa_secp521r1_sha512', 'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384',
                     'rsa_pss_rsae_sha512', 'rsa_pss_pss_sha256', 'rsa_pss_pss_sha384',
                     'rsa_pss_pss_sha512', 'ed25519', 'ed448']
# TLS 1.3 CertificateVerify schemes (RFC 8446 §4.2.3) by certificate key, as OpenSSL 3.0
# and GnuTLS 3.7 sign with them: an rsaEncryption key signs RSASSA-PSS (rsae, any of the
# three hashes: a 2048-bit key fits SHA-512), an RSASSA-PSS key the pss_pss schemes, an EC
# key only the scheme of its curve (TLS 1.3 binds curve and hash), EdDSA keys their own.
TLS13_SIG_BY_KEY = {
    'rsaEncryption': ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512'],
    'rsassaPss': ['rsa_pss_pss_sha256', 'rsa_pss_pss_sha384', 'rsa_pss_pss_sha512'],
    'prime256v1': ['ecdsa_secp256r1_sha256'], 'secp384r1': ['ecdsa_secp384r1_sha384'],
    'secp521r1': ['ecdsa_secp521r1_sha512'], 'ED25519': ['ed25519'], 'ED448': ['ed448']}
# the TLS 1.3 schemes s_client can offer one at a time (OpenSSL names = IANA names)
SIGALG13_CANDIDATES = sorted({a for l in TLS13_SIG_BY_KEY.values() for a in l})
CLIENT_LEGACY = 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'
CLIENT_SIGNED = 'aRSA:aECDSA:!kRSA:@SECLEVEL=0'   # (EC)DHE with a signature


class LabError(Exception):
    pass


# ---- IANA registries (data/) ------------------------------------------------------------

def load_iana():
    suites, groups = {}, {}
    with open(os.path.join(TOP, 'data', 'iana-tls-parameters-4.csv'), newline='') as f:
        for row in csv.DictReader(f):
            m = re.fullmatch(r'0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})', row['Value'].replace(' ', ''))
            if m and row['Description'].startswith('TLS_'):
                suites[int(m.group(1) + m.group(2), 16)] = row['Description']
    with open(os.path.join(TOP, 'data', 'iana-tls-parameters-8-supported-groups.csv'),
              newline='') as f:
        for row in csv.DictReader(f):
            if row['Value'].isdigit():
                groups[row['Description'].split(' ')[0]] = int(row['Value'])
    return suites, groups


def load_iana_sigschemes():
    """IANA signature scheme name -> code point."""
    out = {}
    with open(os.path.join(TOP, 'data', 'iana-tls-signaturescheme.csv'), newline='') as f:
        for row in csv.DictReader(f):
            if re.fullmatch(r'0x[0-9A-Fa-f]{4}', row['Value']):
                out[row['Description']] = int(row['Value'], 16)
    return out


# ---- processes --------------------------------------------------------------------------

class Env:
    def __init__(self, work, verbose):
        self.work = work
        self.verbose = verbose
        self.conf = os.path.join(work, 'openssl.cnf')
        with open(self.conf, 'w') as f:
            f.write('# empty: no system-wide MinProtocol / SECLEVEL for the lab\n')
        self.env = dict(os.environ, OPENSSL_CONF=self.conf)
        # gnutls-cli and gnutls-serv: no system-wide priority overrides
        self.env['GNUTLS_SYSTEM_PRIORITY_FILE'] = os.path.join(work, 'gnutls-none.conf')
        self.procs = []
        self.iana_suites, self.iana_groups = load_iana()
        self.ossl_names = {}   # OpenSSL cipher name -> IANA name

    def run(self, argv, timeout=20, input=b''):
        p = subprocess.run(argv, input=input, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=self.env, timeout=timeout)
        return p.returncode, p.stdout.decode('utf-8', 'replace')

    def start(self, argv, port, name):
        log = open(os.path.join(self.work, name + '.log'), 'wb')
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             env=self.env, start_new_session=True)
        self.procs.append(p)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise LabError('%s exited at start (see %s.log): %s' % (
                    name, name, open(os.path.join(self.work, name + '.log')).read()[-2000:]))
            owner = listener_pids(port)
            if owner and p.pid not in owner:
                # another process holds the port (a server started a moment ago): ours could
                # not bind, and a scan of the port would reach the wrong server
                raise LabError('%s: port %d is taken by another process (pid %s)' % (
                    name, port, ', '.join(map(str, sorted(owner)))))
            if owner:
                return p
            if owner is None:  # no /proc view of sockets: fall back on connecting
                try:
                    with socket.create_connection(('127.0.0.1', port), timeout=0.5):
                        time.sleep(0.1)
                        if p.poll() is None:
                            return p
                except OSError:
                    pass
            time.sleep(0.05)
        raise LabError('%s did not listen on port %d' % (name, port))

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


_ports_given = set()


def free_port():
    """A free port on 127.0.0.1, never the same twice in one process (the kernel may hand
    out a port again once its probe socket is closed, before the server it is meant for has
    bound it)."""
    while True:
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port


def listener_pids(port):
    """The pids holding a TCP socket that listens on port (IPv4 or IPv6), from /proc: {}
    when none does yet, None when /proc cannot tell (then callers connect instead)."""
    inodes = set()
    try:
        for table in ('/proc/net/tcp', '/proc/net/tcp6'):
            if not os.path.exists(table):
                continue
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    local, state, inode = parts[1], parts[3], parts[9]
                    if state == '0A' and int(local.rsplit(':', 1)[1], 16) == port:
                        inodes.add(inode)
    except (OSError, ValueError, IndexError):
        return None
    if not inodes:
        return set()
    pids = set()
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            for fd in os.listdir('/proc/%s/fd' % pid):
                link = os.readlink('/proc/%s/fd/%s' % (pid, fd))
                if link.startswith('socket:[') and link[8:-1] in inodes:
                    pids.add(int(pid))
                    break
        except OSError:
            continue
    return pids if pids else None


# ---- certificates -------------------------------------------------------------------------

def make_certs(env):
    w = env.work
    steps = [
        ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', w + '/ca.key',
         '-out', w + '/ca.pem', '-days', '30', '-subj', '/CN=tlsscope lab CA'],
        ['openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', w + '/rsa.key',
         '-out', w + '/rsa.csr', '-subj', '/CN=localhost'],
        ['openssl', 'x509', '-req', '-in', w + '/rsa.csr', '-CA', w + '/ca.pem', '-CAkey',
         w + '/ca.key', '-CAcreateserial', '-out', w + '/rsa.pem', '-days', '30'],
        ['openssl', 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
         '-keyout', w + '/ec.key', '-out', w + '/ec.csr', '-subj', '/CN=localhost'],
        ['openssl', 'x509', '-req', '-in', w + '/ec.csr', '-CA', w + '/ca.pem', '-CAkey',
         w + '/ca.key', '-CAcreateserial', '-out', w + '/ec.pem', '-days', '30'],
        ['openssl', 'genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe3072',
         '-out', w + '/dh-ffdhe3072.pem'],
        ['openssl', 'genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:modp_2048',
         '-out', w + '/dh-modp2048.pem'],
    ]
    for argv in steps:
        rc, out = env.run(argv, timeout=60)
        if rc != 0:
            raise LabError('certificate step failed: %s\n%s' % (' '.join(argv), out))


# ---- what the libraries say about a configuration ---------------------------------------

def ossl_cipher_map(env):
    rc, out = env.run(['openssl', 'ciphers', '-stdname', '-v', CLIENT_LEGACY])
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1] == '-':
            env.ossl_names[f[2]] = f[0]


def ossl_suites(env, spec, ciphersuites, version, certs=('RSA', 'ECDSA')):
    """The suites an OpenSSL server with this cipher string can negotiate at version, in its
    preference order: `openssl ciphers -s` (supported at that version), without the
    authentication kinds it has no certificate for."""
    argv = ['openssl', 'ciphers', '-s', OSSL_VFLAG[version], '-stdname', '-v']
    if ciphersuites is not None:
        argv += ['-ciphersuites', ciphersuites]
    rc, out = env.run(argv + [spec])
    if rc != 0:
        raise LabError('openssl ciphers failed: %s' % out)
    res = []
    for line in out.splitlines():
        f = line.split()
        if len(f) < 6 or f[1] != '-':
            continue
        au = [x for x in f if x.startswith('Au=')][0][3:]
        vcol = f[3]
        if (version == 'TLSv1.3') != (vcol == 'TLSv1.3'):
            continue
        if vcol != 'TLSv1.3' and au not in certs and au != 'None':
            continue
        res.append(f[0])
    return res


def gnutls_listing(env, priority):
    rc, out = env.run(['gnutls-cli', '--priority', priority, '-l'])
    if rc != 0:
        raise LabError('gnutls-cli -l failed: %s' % out)
    suites = []  # (IANA name, min version)
    for line in out.splitlines():
        m = re.match(r'^(TLS_\S+)\s+0x([0-9a-f]{2}), 0x([0-9a-f]{2})\s+(\S+)', line)
        if m:
            code = int(m.group(2) + m.group(3), 16)
            suites.append((env.iana_suites[code], m.group(4)))
    protos = re.search(r'^Protocols: (.*)$', out, re.M).group(1).split(', ')
    groups = [g.replace('GROUP-', '') for g in re.search(r'^Groups: (.*)$', out, re.M).group(1).split(', ')]
    groups = [GROUP_ALIASES.get(g.lower(), g.lower()) for g in groups]
    return suites, protos, groups


# ---- clients ------------------------------------------------------------------------------

def s_client(env, port, args, msg=False):
    """Runs openssl s_client; returns (version, IANA cipher or None, output)."""
    argv = ['openssl', 's_client', '-connect', '127.0.0.1:%d' % port] + args
    if msg:
        argv.append('-msg')
    try:
        rc, out = env.run(argv, timeout=20)
    except subprocess.TimeoutExpired:
        return None, None, 'timeout'
    m = re.search(r'^New, (\S+), Cipher is (\S+)', out, re.M)
    if not m or m.group(2) == '(NONE)':
        return None, None, out
    c = m.group(2)
    return m.group(1), env.ossl_names.get(c, c), out


def gnutls_cli(env, port, priority):
    """Runs gnutls-cli; returns the session description line or None."""
    try:
        rc, out = env.run(['gnutls-cli', '--insecure', '--priority', priority, '-p', str(port),
                           '127.0.0.1'], timeout=20)
    except subprocess.TimeoutExpired:
        return None
    m = re.search(r'^- Description: (.*)$', out, re.M)
    return m.group(1) if m and 'Handshake was completed' in out else None


def server_random(out):
    """The ServerHello random from `s_client -msg` output."""
    m = re.search(r'<<< [^\n]*ServerHello\n((?:    [0-9a-f ]+\n)+)', out)
    if not m:
        return None
    b = bytes.fromhex(''.join(m.group(1).split()))
    return b[6:38] if len(b) >= 38 else None


def tls13_hrr_seen(out):
    return 'HelloRetryRequest' in out or re.search(r'<<< [^\n]*ServerHello\n    02 00 00 [0-9a-f]{2} 03 03 cf 21 ad 74', out) is not None


# ---- the servers ----------------------------------------------------------------------------

class Server:
    def __init__(self, name):
        self.name = name
        self.port = None
        self.expect = {}
        self.checks = []      # (what, ok, detail): confirmations against the running server
        self.certs = ('rsa.pem', 'ec.pem')   # every lab server is started with both

    def confirm(self, what, ok, detail=''):
        self.checks.append((what, bool(ok), detail))


def openssl_server(env, name, args, expect):
    s = Server(name)
    s.port = free_port()
    w = env.work
    argv = ['openssl', 's_server', '-accept', '127.0.0.1:%d' % s.port, '-cert', w + '/rsa.pem',
            '-key', w + '/rsa.key', '-dcert', w + '/ec.pem', '-dkey', w + '/ec.key', '-quiet',
            '-naccept', '100000'] + args
    env.start(argv, s.port, name)
    s.expect = expect
    return s


def ossl_expect(env, versions, spec, ciphersuites, serverpref, groups, dh=None, alpn=None):
    """Expected facts of an OpenSSL-based server from its configuration."""
    e = {'protocols': {v: v in versions for v in VERSIONS}, 'ciphers': {}, 'server_order': {}}
    for v in versions:
        e['ciphers'][v] = ossl_suites(env, spec, ciphersuites, v)
        e['server_order'][v] = serverpref if len(e['ciphers'][v]) > 1 else None
    iana_groups = [GROUP_ALIASES[g] for g in groups]
    tls12 = [v for v in versions if v != 'TLSv1.3']
    # OpenSSL answers a TLS 1.3 hello without a usable key share with an HRR naming the first
    # of ITS groups that the client offers (final_key_share): server order always.
    e['groups13'] = (iana_groups, True) if 'TLSv1.3' in versions else ([], None)
    ec = [g for g in iana_groups if not g.startswith('ffdhe')]
    has_ecdhe = any('ECDHE' in c for v in tls12 for c in e['ciphers'][v])
    e['groups12'] = (ec, serverpref if len(ec) > 1 else None) if has_ecdhe else ([], None)
    has_dhe = any('_DHE_' in c for v in tls12 for c in e['ciphers'][v])
    e['dhe'] = [dh] if has_dhe and dh else []
    e['ffdhe_negotiated'] = False if has_dhe else None   # OpenSSL 3.0: no RFC 7919 in TLS 1.2
    e['fallback_scsv'] = True if len(versions) > 1 else None
    e['downgrade_sentinel'] = True if 'TLSv1.3' in versions and 'TLSv1.2' in versions else None
    e['alpn'] = alpn
    e['tls12'] = bool(tls12)
    return e


def start_servers(env, only):
    w = env.work
    servers = []

    def want(n):
        return not only or n in only

    if want('ossl_modern'):
        cs = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256'
        groups = ['X25519', 'P-256', 'P-384']
        e = ossl_expect(env, ['TLSv1.2', 'TLSv1.3'], 'ECDHE+AESGCM', cs, False, groups)
        servers.append(openssl_server(env, 'ossl_modern', [
            '-min_protocol', 'TLSv1.2', '-cipher', 'ECDHE+AESGCM', '-ciphersuites', cs,
            '-groups', ':'.join(groups)], e))
    if want('ossl_pref'):
        spec = ('ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:'
                'ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:AES128-SHA')
        cs = 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256'
        groups = ['X448', 'P-256', 'X25519']
        e = ossl_expect(env, ['TLSv1.2', 'TLSv1.3'], spec, cs, True, groups,
                        dh={'bits': 2048, 'prime': 'modp2048'}, alpn='h2')
        servers.append(openssl_server(env, 'ossl_pref', [
            '-min_protocol', 'TLSv1.2', '-serverpref', '-cipher', spec, '-ciphersuites', cs,
            '-groups', ':'.join(groups), '-dhparam', w + '/dh-modp2048.pem',
            '-alpn', 'h2,http/1.1'], e))
    if want('ossl_legacy'):
        groups = ['P-384', 'X25519', 'P-256']
        versions = ['TLSv1.0', 'TLSv1.1', 'TLSv1.2']
        e = ossl_expect(env, versions, CLIENT_LEGACY, None, True, groups,
                        dh={'bits': 3072, 'prime': 'ffdhe3072'})
        servers.append(openssl_server(env, 'ossl_legacy', [
            '-min_protocol', 'TLSv1', '-max_protocol', 'TLSv1.2', '-serverpref', '-cipher',
            CLIENT_LEGACY, '-groups', ':'.join(groups), '-dhparam',
            w + '/dh-ffdhe3072.pem'], e))
    if want('ossl_hrr'):
        cs = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256'
        e = ossl_expect(env, ['TLSv1.3'], 'DEFAULT', cs, False, ['P-384'])
        e['tls13_hello_retry'] = True
        servers.append(openssl_server(env, 'ossl_hrr', [
            '-min_protocol', 'TLSv1.3', '-ciphersuites', cs, '-groups', 'P-384'], e))
    if want('gnutls'):
        servers.append(gnutls_server(env))
    if want('nginx'):
        servers.append(nginx_server(env))
    return servers


def gnutls_server(env):
    w = env.work
    prio = ('NORMAL:+ARCFOUR-128:+3DES-CBC:+CAMELLIA-128-GCM:+CAMELLIA-256-GCM:'
            '+VERS-TLS1.0:+VERS-TLS1.1:-GROUP-ALL:+GROUP-SECP224R1:+GROUP-X25519:'
            '+GROUP-SECP384R1:+GROUP-FFDHE3072:+GROUP-FFDHE2048:%SERVER_PRECEDENCE')
    s = Server('gnutls')
    s.port = free_port()
    s.priority = prio
    suites, protos, groups = gnutls_listing(env, prio)
    versions = [v for v in VERSIONS if GNUTLS_VERS.get(v) in protos]
    order = {'SSL3.0': 0, 'TLS1.0': 1, 'TLS1.1': 2, 'TLS1.2': 3, 'TLS1.3': 4}
    vrank = {'TLSv1.0': 1, 'TLSv1.1': 2, 'TLSv1.2': 3, 'TLSv1.3': 4}
    e = {'protocols': {v: v in versions for v in VERSIONS}, 'ciphers': {}, 'server_order': {}}
    for v in versions:
        if v == 'TLSv1.3':
            lst = [n for n, mv in suites if mv == 'TLS1.3']
        else:
            lst = [n for n, mv in suites if mv != 'TLS1.3' and order[mv] <= vrank[v]]
        e['ciphers'][v] = lst
        e['server_order'][v] = True if len(lst) > 1 else None
    # TLS 1.3 groups: the configured ones that gnutls itself completes a TLS 1.3 handshake
    # with (confirmed below); TLS 1.2: the configured elliptic curves; RFC 7919 DHE: the
    # configured FFDHE groups.
    s.cfg_groups = groups
    e['groups13'] = (groups, True)
    ec = [g for g in groups if not g.startswith('ffdhe')]
    ff = [g for g in groups if g.startswith('ffdhe')]
    e['groups12'] = (ec, True)
    e['ffdhe12'] = ff
    e['dhe'] = [{'bits': int(g[5:]), 'prime': g} for g in ff]
    e['ffdhe_negotiated'] = True
    e['fallback_scsv'] = True
    e['downgrade_sentinel'] = True
    e['alpn'] = None
    e['tls12'] = True
    s.expect = e
    env.start(['gnutls-serv', '-p', str(s.port), '--x509certfile', w + '/rsa.pem',
               '--x509keyfile', w + '/rsa.key', '--x509certfile', w + '/ec.pem',
               '--x509keyfile', w + '/ec.key', '--priority', prio, '-q'], s.port, 'gnutls')
    return s


def nginx_conf(d, server, log_level='warn', connections=512, rlimit_nofile=None):
    """The text of an nginx.conf running one worker in the foreground, its pid, error log
    (at log_level) and temporary files in directory d, at most connections connections (and
    rlimit_nofile open files when given), around one server block: server is the block's
    lines without the braces, indented by 8 spaces. Used by the lab and tests/bench."""
    return ('daemon off;\nmaster_process off;\nworker_processes 1;\n' +
            ('worker_rlimit_nofile %d;\n' % rlimit_nofile if rlimit_nofile else '') +
            '''pid %(d)s/nginx.pid;
error_log %(d)s/error.log %(level)s;
events { worker_connections %(conns)d; }
http {
    access_log off;
    client_body_temp_path %(d)s/body;
    proxy_temp_path %(d)s/proxy;
    fastcgi_temp_path %(d)s/fastcgi;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    server {
%(server)s
    }
}
''' % {'d': d, 'level': log_level, 'conns': connections, 'server': server})


def nginx_server(env):
    w = env.work
    if not shutil.which('nginx') and not os.path.exists('/usr/sbin/nginx'):
        raise LabError('nginx is not installed (.ci/install-deps installs it)')
    nginx = shutil.which('nginx') or '/usr/sbin/nginx'
    s = Server('nginx')
    s.port = free_port()
    spec = ('ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:'
            'ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305')
    cs = 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384'
    groups = ['X25519', 'secp384r1']
    d = os.path.join(w, 'nginx')
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, 'nginx.conf')
    with open(conf, 'w') as f:
        f.write(nginx_conf(d, '''        listen 127.0.0.1:%(port)d ssl http2;
        ssl_certificate %(w)s/rsa.pem;
        ssl_certificate_key %(w)s/rsa.key;
        ssl_certificate %(w)s/ec.pem;
        ssl_certificate_key %(w)s/ec.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers '%(spec)s';
        ssl_conf_command Ciphersuites %(cs)s;
        ssl_prefer_server_ciphers on;
        ssl_ecdh_curve %(groups)s;
        ssl_session_tickets on;
        location / { return 200 "lab\\n"; }''' % {'w': w, 'port': s.port, 'spec': spec, 'cs': cs,
                                          'groups': ':'.join(groups)}))
    e = ossl_expect(env, ['TLSv1.2', 'TLSv1.3'], spec, cs, True, groups, alpn='h2')
    s.expect = e
    env.start([nginx, '-p', d, '-c', conf, '-e', os.path.join(d, 'error.log')], s.port, 'nginx')
    return s


# ---- confirmations against the running servers ----------------------------------------------

def group_candidates(configured, tls13):
    others = [g for g in ['x25519', 'secp256r1', 'x448', 'secp384r1', 'secp521r1', 'ffdhe2048',
                          'ffdhe4096'] if g not in configured and (tls13 or 'ffdhe' not in g)]
    return [g for g in configured if g in GROUP_TOOLS] + others[:2]


def cert_key_kind(env, path):
    """A certificate's key kind as openssl x509 -text names it: rsaEncryption, rsassaPss,
    ED25519, ED448, or the curve of an EC key (prime256v1, secp384r1, ...)."""
    rc, out = env.run(['openssl', 'x509', '-in', path, '-noout', '-text'])
    alg = re.search(r'Public Key Algorithm: (\S+)', out)
    if rc != 0 or not alg:
        raise LabError('cannot read the key of %s:\n%s' % (path, out))
    if alg.group(1) == 'id-ecPublicKey':
        return re.search(r'ASN1 OID: (\S+)', out).group(1)
    return alg.group(1)


def expected_sigalgs13(env, s):
    """The TLS 1.3 schemes server s can sign with, from its certificates' keys, in IANA
    code point order (the scanner reports registry order: it cannot see the server's)."""
    codes = load_iana_sigschemes()
    want = set()
    for c in s.certs:
        want |= set(TLS13_SIG_BY_KEY[cert_key_kind(env, os.path.join(env.work, c))])
    return sorted(want, key=lambda a: codes[a])


def confirm_jobs(env, s):
    """The client runs that check server s's configuration, as (function, args) jobs."""
    e = s.expect
    jobs = []

    def job(fn, *a):
        jobs.append((fn, a))

    # versions: every TLS version, enabled or not
    for v in ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']:
        job(check_version, env, s, v)
    for v, lst in e['ciphers'].items():
        job(check_suite_spot, env, s, v, lst)
        if e['server_order'].get(v) is not None:
            job(check_order, env, s, v, lst, e['server_order'][v])
    # groups, one at a time: the configured ones and two that are not (their order:
    # check_behaviour)
    if e['protocols']['TLSv1.3']:
        for g in group_candidates(e['groups13'][0], True):
            job(check_group13, env, s, g)
    if e.get('tls12') and e['groups12'][0]:
        for g in group_candidates(e['groups12'][0], False):
            job(check_group12, env, s, g)
    # TLS 1.2 signature schemes: what the clients get IS the expectation
    s.sigalgs = {}
    if e.get('tls12') and e['protocols']['TLSv1.2']:
        for a in SIGALG_CANDIDATES:
            job(check_sigalg, env, s, a)
    # TLS 1.3 signature schemes, one at a time: expected from the keys, confirmed by s_client
    if e['protocols']['TLSv1.3']:
        e['sigalgs13'] = expected_sigalgs13(env, s)
        for a in SIGALG13_CANDIDATES:
            job(check_sigalg13, env, s, a)
    else:
        e['sigalgs13'] = None
    job(check_behaviour, env, s)
    return jobs


def confirm_all(env, servers):
    # round robin over the servers: each serves its clients one at a time (s_server)
    per = [confirm_jobs(env, s) for s in servers]
    jobs = [l[i] for i in range(max(len(l) for l in per)) for l in per if i < len(l)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        for f in [ex.submit(fn, *a) for fn, a in jobs]:
            f.result()
    for s in servers:
        e = s.expect
        if e.get('tls12') and e['protocols']['TLSv1.2']:
            e['sigalgs12'] = sorted(a for a, ok in s.sigalgs.items() if ok)
        else:
            e['sigalgs12'] = None
    return len(jobs)


def tls13_suite_args(suite):
    return ['-tls1_3', '-ciphersuites', suite]


def check_version(env, s, v):
    if s.name == 'gnutls':
        d = gnutls_cli(env, s.port, 'NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:-VERS-ALL:+%s' % GNUTLS_VERS[v])
        ok = d is not None
    else:
        ver, c, out = s_client(env, s.port, [OSSL_VFLAG[v], '-cipher', CLIENT_LEGACY])
        ok = ver is not None
    s.confirm('version %s' % v, ok == s.expect['protocols'][v],
              'client says %s, configuration says %s' % (ok, s.expect['protocols'][v]))


def ossl_name(env, iana):
    for k, v in env.ossl_names.items():
        if v == iana:
            return k
    return None


def check_suite_spot(env, s, v, lst):
    """The first expected suite is accepted alone; a suite the client knows but the server
    should refuse is refused."""
    if not lst:
        return
    known = [x for x in lst if ossl_name(env, x) or v == 'TLSv1.3']
    if known:
        a = known[0]
        ver, c, out = (s_client(env, s.port, tls13_suite_args(a)) if v == 'TLSv1.3' else
                       s_client(env, s.port, [OSSL_VFLAG[v], '-cipher',
                                              ossl_name(env, a) + ':@SECLEVEL=0']))
        s.confirm('%s accepts %s' % (v, a), c == a, 'got %s' % c)
    others = ([x for x in ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384',
                           'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256']
               if x not in lst] if v == 'TLSv1.3' else
              [x for x in ['TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
                           'TLS_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
                           'TLS_DHE_RSA_WITH_AES_256_CBC_SHA']
               if x not in lst and ossl_name(env, x)])
    if others:
        r = others[0]
        ver, c, out = (s_client(env, s.port, tls13_suite_args(r)) if v == 'TLSv1.3' else
                       s_client(env, s.port, [OSSL_VFLAG[v], '-cipher',
                                              ossl_name(env, r) + ':@SECLEVEL=0']))
        s.confirm('%s refuses %s' % (v, r), c is None, 'got %s' % c)
    if s.name == 'gnutls' and v == 'TLSv1.2':
        # a suite OpenSSL lacks, with gnutls-cli
        d = gnutls_cli(env, s.port, 'NONE:+VERS-TLS1.2:+CAMELLIA-128-GCM:+ECDHE-RSA:+AEAD:'
                                    '+SIGN-ALL:+GROUP-ALL:+COMP-NULL')
        s.confirm('TLSv1.2 accepts TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256 (gnutls-cli)',
                  d is not None and 'CAMELLIA-128-GCM' in d, 'got %s' % d)


def check_order(env, s, v, lst, server_order):
    """Offer two accepted suites in the reversed order: a server that orders keeps its first."""
    pair = [x for x in lst if v == 'TLSv1.3' or ossl_name(env, x)][:2]
    if len(pair) < 2:
        return
    a, b = pair
    if v == 'TLSv1.3':
        ver, c, out = s_client(env, s.port, ['-tls1_3', '-ciphersuites', b + ':' + a])
    else:
        ver, c, out = s_client(env, s.port, [OSSL_VFLAG[v], '-cipher', '%s:%s:@SECLEVEL=0' % (
            ossl_name(env, b), ossl_name(env, a))])
    want = a if server_order else b
    s.confirm('%s order: %s before %s offered reversed' % (v, a, b), c == want, 'got %s' % c)


def check_group13(env, s, g):
    exp = g in s.expect['groups13'][0]
    if s.name == 'gnutls':
        d = gnutls_cli(env, s.port, 'NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+%s' % GROUP_TOOLS[g][1])
        ok = d is not None
    else:
        ver, c, out = s_client(env, s.port, ['-tls1_3', '-groups', GROUP_TOOLS[g][0]])
        ok = ver is not None
    if s.name == 'gnutls' and not ok and exp:
        # a configured group that gnutls does not use in TLS 1.3: not expected there
        s.expect['groups13'] = ([x for x in s.expect['groups13'][0] if x != g], True)
        return
    s.confirm('TLS 1.3 group %s' % g, ok == exp, 'client %s, expected %s' % (ok, exp))


def check_group12(env, s, g):
    exp = g in s.expect['groups12'][0]
    if s.name == 'gnutls':
        d = gnutls_cli(env, s.port, 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:'
                                    '-GROUP-ALL:+%s' % GROUP_TOOLS[g][1])
        ok = d is not None
    else:
        ver, c, out = s_client(env, s.port, ['-tls1_2', '-cipher', 'ECDHE:@SECLEVEL=0',
                                             '-groups', GROUP_TOOLS[g][0]])
        ok = ver is not None
    s.confirm('TLS 1.2 group %s' % g, ok == exp, 'client %s, expected %s' % (ok, exp))


def check_sigalg(env, s, a):
    # OpenSSL spells the two SHA-1 schemes in its older "KEY+HASH" form
    name = {'rsa_pkcs1_sha1': 'RSA+SHA1', 'ecdsa_sha1': 'ECDSA+SHA1'}.get(a, a)
    ver, c, out = s_client(env, s.port, ['-tls1_2', '-cipher', CLIENT_SIGNED, '-sigalgs', name])
    s.sigalgs[a] = ver is not None


def check_sigalg13(env, s, a):
    exp = a in s.expect['sigalgs13']
    ver, c, out = s_client(env, s.port, ['-tls1_3', '-sigalgs', a])
    ok = ver is not None
    s.confirm('TLS 1.3 signature scheme %s' % a, ok == exp, 'client %s, expected %s' % (ok, exp))


def check_behaviour(env, s):
    e = s.expect
    port = s.port
    vs = [v for v in VERSIONS if e['protocols'][v]]
    # TLS_FALLBACK_SCSV: the second-highest version with the SCSV
    if len(vs) > 1:
        ver, c, out = s_client(env, port, [OSSL_VFLAG[vs[-2]], '-fallback_scsv', '-cipher',
                                           CLIENT_LEGACY])
        s.confirm('fallback SCSV refused at %s' % vs[-2],
                  (ver is None and 'inappropriate fallback' in out) == bool(e['fallback_scsv']),
                  'connected=%s' % (ver is not None))
    # the downgrade sentinel in a TLS 1.2 ServerHello
    if e['downgrade_sentinel'] is not None:
        ver, c, out = s_client(env, port, ['-tls1_2', '-cipher', CLIENT_LEGACY], msg=True)
        rnd = server_random(out)
        s.confirm('downgrade sentinel DOWNGRD\\x01', rnd is not None and
                  (rnd[-8:] == b'DOWNGRD\x01') == e['downgrade_sentinel'], 'random %s' % (
                      rnd.hex() if rnd else None))
    # extensions of the highest version <= TLS 1.2
    low = [v for v in vs if v != 'TLSv1.3']
    e['features'] = None
    if low:
        v = low[-1]
        args = [OSSL_VFLAG[v], '-tlsextdebug', '-alpn', 'h2,http/1.1', '-cipher', CLIENT_LEGACY]
        ver, c, out = s_client(env, port, args)
        f = {'version': v, 'secure_renegotiation': 'Secure Renegotiation IS supported' in out,
             'extended_master_secret': 'Extended master secret: yes' in out,
             'session_ticket': '"session ticket" (id=35)' in out,
             'heartbeat': '"heartbeat" (id=15)' in out,
             'ocsp_stapling': '"status request" (id=5)' in out,
             'compression': 'Compression: NONE' not in out,
             'alpn': (re.search(r'^ALPN protocol: (\S+)', out, re.M) or [None, None])[1]}
        s.confirm('features read (%s)' % v, ver is not None, out[-300:] if ver is None else '')
        s.confirm('ALPN as configured', f['alpn'] == e['alpn'], 'got %s' % f['alpn'])
        # encrypt-then-MAC needs a CBC suite
        cbc = [x for x in e['ciphers'][v] if '_CBC_' in x and ossl_name(env, x)]
        if cbc:
            ver, c, out = s_client(env, port, [OSSL_VFLAG[v], '-tlsextdebug', '-cipher',
                                               ossl_name(env, cbc[0]) + ':@SECLEVEL=0'])
            f['encrypt_then_mac'] = '"encrypt-then-mac" (id=22)' in out
        else:
            f['encrypt_then_mac'] = None
        # DOWNGRD\x00 in a TLS 1.1 (else 1.0) ServerHello of a server that has TLS 1.2+
        old = [x for x in ('TLSv1.1', 'TLSv1.0') if x in vs]
        f['downgrade_sentinel_tls11'] = None
        if old and vs[-1] in ('TLSv1.2', 'TLSv1.3'):
            ver, c, out = s_client(env, port, [OSSL_VFLAG[old[0]], '-cipher', CLIENT_LEGACY],
                                   msg=True)
            rnd = server_random(out)
            s.confirm('ServerHello random read (%s)' % old[0], rnd is not None, '')
            f['downgrade_sentinel_tls11'] = rnd is not None and rnd[-8:] == b'DOWNGRD\x00'
        e['features'] = f
    # DHE prime size
    for d in e.get('dhe', []):
        if s.name == 'gnutls':
            desc = gnutls_cli(env, port, 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA:'
                                         '-GROUP-ALL:+GROUP-%s' % d['prime'].upper())
            s.confirm('DHE group %s (gnutls-cli)' % d['prime'],
                      desc is not None and 'DHE-%s' % d['prime'].upper() in desc, 'got %s' % desc)
        else:
            ver, c, out = s_client(env, port, ['-tls1_2', '-cipher', 'DHE:@SECLEVEL=0'])
            m = re.search(r'Server Temp Key: DH, (\d+) bits', out)
            s.confirm('DHE prime size %d' % d['bits'], m and int(m.group(1)) == d['bits'],
                      'got %s' % (m.group(1) if m else None))
    # HelloRetryRequest for an x25519 key share
    if e['protocols']['TLSv1.3'] and 'tls13_hello_retry' in e:
        ver, c, out = s_client(env, port, ['-tls1_3', '-groups', 'X25519:P-384'], msg=True)
        s.confirm('TLS 1.3 x25519 key share answered by an HRR',
                  ver is not None and tls13_hrr_seen(out) == e['tls13_hello_retry'], '')
    # server order of groups: the client's order reversed
    g12, o12 = e['groups12']
    if o12 is not None and len(g12) >= 2 and s.name != 'gnutls':
        a, b = g12[0], g12[1]
        ver, c, out = s_client(env, port, ['-tls1_2', '-cipher', 'ECDHE:@SECLEVEL=0', '-groups',
                                           '%s:%s' % (GROUP_TOOLS[b][0], GROUP_TOOLS[a][0])])
        m = re.search(r'Server Temp Key: (\S+?),', out)
        got = m and GROUP_ALIASES.get(m.group(1)) or (m and m.group(1))
        want = a if o12 else b
        # OpenSSL prints X25519 / ECDH, <curve>
        m2 = re.search(r'Server Temp Key: ECDH, (\S+?),', out)
        if m2:
            got = GROUP_ALIASES.get(m2.group(1), m2.group(1))
        s.confirm('TLS 1.2 group order', got == want, 'got %s want %s' % (got, want))


# ---- the scan and the comparison -------------------------------------------------------------

def run_scan(env, tlsscope, servers, db):
    argv = [tlsscope, 'scan', '--json', '--timeout', '5000', '--db', db] + [
        '127.0.0.1:%d' % s.port for s in servers]
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        raise LabError('%s exited %d: %s' % (' '.join(argv), p.returncode,
                                              p.stderr.decode('utf-8', 'replace')[-2000:]))
    res = {}
    for line in p.stdout.decode().splitlines():
        if line.strip():
            o = json.loads(line)
            res[o['port']] = o
    return res, dt


class Cmp:
    def __init__(self, name):
        self.name = name
        self.n = 0
        self.bad = []

    def eq(self, what, got, want):
        self.n += 1
        if got != want:
            self.bad.append('%s: got %s, want %s' % (what, json.dumps(got), json.dumps(want)))


def compare(s, r):
    e = s.expect
    c = Cmp(s.name)
    c.eq('error', r.get('error'), None)
    c.eq('protocols', r.get('protocols'), e['protocols'])
    for v in VERSIONS:
        want = e['ciphers'].get(v)
        got = r.get('ciphers', {}).get(v)
        if want is None:
            c.eq('ciphers %s' % v, got, None)
            continue
        if e['server_order'].get(v):
            c.eq('ciphers %s (server order)' % v, got, want)
        else:
            c.eq('ciphers %s (set)' % v, sorted(got or []), sorted(want))
        c.eq('server_order %s' % v, r.get('server_order', {}).get(v), e['server_order'].get(v))
    gd = r.get('groups_detail', {})
    for key, (lst, order) in (('TLSv1.3', e['groups13']), ('TLSv1.2', e['groups12'])):
        if order:
            c.eq('groups %s (server order)' % key, gd.get(key), lst)
        else:
            c.eq('groups %s (set)' % key, sorted(gd.get(key) or []), sorted(lst))
        c.eq('groups %s server_order' % key, gd.get(key + '_server_order'),
             order if len(lst) > 1 else None)
    union = set(e['groups13'][0]) | set(e['groups12'][0]) | set(e.get('ffdhe12', [])) | set(
        d['prime'] for d in e.get('dhe', []) if d['prime'].startswith('ffdhe'))
    c.eq('groups (set)', sorted(r.get('groups') or []), sorted(union))
    if 'ffdhe12' in e:
        c.eq('groups_detail ffdhe (negotiated, server order)', gd.get('ffdhe'), e['ffdhe12'])
    c.eq('ffdhe_negotiated', gd.get('ffdhe_negotiated'), e['ffdhe_negotiated'])
    c.eq('dhe', sorted(json.dumps(d, sort_keys=True) for d in gd.get('dhe') or []),
         sorted(json.dumps(d, sort_keys=True) for d in e['dhe']))
    if 'tls13_hello_retry' in e:
        c.eq('tls13_hello_retry', gd.get('tls13_hello_retry'), e['tls13_hello_retry'])
    c.eq('fallback_scsv', r.get('fallback_scsv'), e['fallback_scsv'])
    c.eq('downgrade_sentinel', r.get('downgrade_sentinel'), e['downgrade_sentinel'])
    c.eq('sigalgs TLSv1.2 (set)', sorted(r.get('sigalgs', {}).get('TLSv1.2') or []) or None,
         e['sigalgs12'] or None)
    sg = r.get('sigalgs') or {}
    c.eq('sigalgs TLSv1.3 (registry order)', sg.get('TLSv1.3'), e['sigalgs13'])
    c.eq('sigalgs TLSv1.3_order', sg.get('TLSv1.3_order', 'missing'), None)
    f = r.get('features') or {}
    if e.get('features'):
        for k, want in e['features'].items():
            c.eq('features.%s' % k, f.get(k), want)
    c.eq('version_intolerance', r.get('version_intolerance'), [])
    c.eq('selected_instead', r.get('selected_instead'), {})
    c.eq('order_inconsistent', r.get('order_inconsistent'), [])
    c.eq('connections > 0', (r.get('connections') or 0) > 0, True)
    return c


def check_db(db, results):
    """--db: one scan row per endpoint holding the printed object, and one evidence row per
    probe with its request bytes (a ClientHello record) and outcome."""
    import sqlite3
    bad = []
    con = sqlite3.connect(db)
    try:
        for port, r in results.items():
            rows = con.execute('SELECT s.id, s.result FROM scans s JOIN endpoints e ON '
                               'e.id = s.endpoint_id WHERE e.ip = ? AND e.port = ?',
                               ('127.0.0.1', port)).fetchall()
            if len(rows) != 1:
                bad.append('port %d: %d scan rows' % (port, len(rows)))
                continue
            sid, stored = rows[0]
            if json.loads(stored) != r:
                bad.append('port %d: stored result differs from the printed one' % port)
            ev = con.execute('SELECT request, outcome FROM probe_evidence WHERE scan_id = ?',
                             (sid,)).fetchall()
            if len(ev) != r['connections']:
                bad.append('port %d: %d evidence rows for %d connections' % (
                    port, len(ev), r['connections']))
            for req, outcome in ev:
                if not req or req[0] not in (0x16, 0x80) or not outcome:
                    bad.append('port %d: evidence row without a ClientHello or outcome' % port)
                    break
    finally:
        con.close()
    return bad


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('tlsscope')
    ap.add_argument('--keep', action='store_true', help='keep the work directory')
    ap.add_argument('--only', default='', help='comma-separated server names')
    ap.add_argument('--verbose', action='store_true')
    a = ap.parse_args(argv)
    only = set(x for x in a.only.split(',') if x)
    for tool in ('openssl', 'gnutls-serv', 'gnutls-cli'):
        if not shutil.which(tool):
            print('lab: %s is not installed (.ci/install-deps)' % tool)
            return 1
    work = tempfile.mkdtemp(prefix='tlsscope-lab-', dir=os.environ.get('TMPDIR'))
    env = Env(work, a.verbose)
    rc = 1
    try:
        make_certs(env)
        ossl_cipher_map(env)
        servers = start_servers(env, only)
        t0 = time.monotonic()
        confirm_all(env, servers)
        t_confirm = time.monotonic() - t0
        db = os.path.join(work, 'lab.db')
        results, t_scan = run_scan(env, a.tlsscope, servers, db)
        total = bad = 0
        lab_bad = 0
        for s in servers:
            for what, ok, detail in s.checks:
                if not ok:
                    lab_bad += 1
                    print('LAB %-12s confirmation failed: %s (%s)' % (s.name, what, detail))
            r = results.get(s.port)
            if r is None:
                print('FAIL %-12s no scan result' % s.name)
                bad += 1
                continue
            c = compare(s, r)
            total += c.n
            bad += len(c.bad)
            print('%-12s port %5d: %3d/%3d values match, %d confirmations, %4d connections, '
                  '%5d ms' % (s.name, s.port, c.n - len(c.bad), c.n, len(s.checks),
                              r.get('connections') or 0, r.get('elapsed_ms') or 0))
            for b in c.bad:
                print('    MISMATCH %s' % b)
            if a.verbose:
                print(json.dumps(r, indent=1)[:20000])
        for b in check_db(db, results):
            print('FAIL --db: %s' % b)
            bad += 1
        print('lab: %d servers, %d values compared, %d mismatches, %d confirmation failures; '
              'confirmations %.1fs, scan %.2fs' % (len(servers), total, bad, lab_bad, t_confirm,
                                                   t_scan))
        rc = 0 if bad == 0 and lab_bad == 0 and servers else 1
    except LabError as ex:
        print('lab error: %s' % ex)
        rc = 1
    finally:
        env.stop()
        if a.keep:
            print('lab: work directory kept: %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return rc


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
