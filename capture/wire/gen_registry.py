#!/usr/bin/env python3
"""Generate capture/wire/registry_tables.c: the TLS code point registries of registry.h.

usage: gen_registry.py SUITES.csv GROUPS.csv SIGSCHEMES.csv EXTTYPES.csv SSLV2.csv
         > registry_tables.c    (this argument order; capture/wire/SConscript calls it so)

Inputs (origins and licences in data/README.md):
  SUITES.csv      data/tls-cipher-suites.csv: one row per IANA cipher suite and SCSV, with the
                  columns code, iana_name, openssl_name, openssl_min_version, kx, auth, pfs,
                  enc, enc_key_bits, enc_effective_bits, aead, mac, prf, export, tls13_only,
                  iana_recommended.
  GROUPS.csv      IANA "TLS Supported Groups" registry in IANA's CSV format
                  (Value,Description,DTLS-OK,Recommended,...).
  SIGSCHEMES.csv  IANA "TLS SignatureScheme" registry (Value,Description,Recommended,...).
  EXTTYPES.csv    IANA "TLS ExtensionType Values" registry
                  (Value,Extension Name,TLS 1.3,DTLS-Only,Recommended,Reference).
  SSLV2.csv       data/sslv2-cipher-specs.csv (value,name,key_bits,export).

IANA rows that are ranges ("0x0000-0x0200", "42-255", "0x00,0x1C-1D") or whose name starts
with "Unassigned" or "Reserved" are skipped; a range with any other name is an error. Values
may be written "0x00,0x2F", "0x0403" or in decimal. Every table is emitted sorted by code
point (lookups are binary searches). Any surprise in the data (duplicate code, unknown
key-exchange spelling, a name we cannot turn into an identifier-like token) stops the build
with a message on stderr, so a registry update never silently changes the output.

Python 3 standard library only.
"""
import csv
import re
import sys

# ---------------------------------------------------------------------------- value parsing

RANGE_RE = re.compile(r'^(0x[0-9A-Fa-f]+|\d+)\s*-\s*(0x[0-9A-Fa-f]+|\d+)$')
PAIR_RE = re.compile(r'^0x([0-9A-Fa-f]{2})\s*,\s*0x([0-9A-Fa-f]{2})$')
PAIR_RANGE_RE = re.compile(r'^0x([0-9A-Fa-f]{2})\s*,\s*0x([0-9A-Fa-f]{2})\s*-\s*'
                           r'(?:0x)?([0-9A-Fa-f]{2})$')
PAIR_RANGE2_RE = re.compile(r'^0x([0-9A-Fa-f]{2})\s*-\s*0x([0-9A-Fa-f]{2})\s*,\s*'
                            r'0x([0-9A-Fa-f]{2})\s*-\s*0x([0-9A-Fa-f]{2})$')


class DataError(Exception):
    pass


def num(s):
    s = s.strip()
    return int(s, 16) if s.lower().startswith('0x') else int(s, 10)


def parse_value(v):
    """An IANA Value cell -> (lo, hi); lo == hi for a single code point."""
    v = v.strip()
    m = PAIR_RE.match(v)
    if m:
        c = int(m.group(1) + m.group(2), 16)
        return c, c
    m = PAIR_RANGE_RE.match(v)
    if m:
        hi = int(m.group(1), 16)
        return (hi << 8) | int(m.group(2), 16), (hi << 8) | int(m.group(3), 16)
    m = PAIR_RANGE2_RE.match(v)
    if m:
        return ((int(m.group(1), 16) << 8) | int(m.group(3), 16),
                (int(m.group(2), 16) << 8) | int(m.group(4), 16))
    m = RANGE_RE.match(v)
    if m:
        return num(m.group(1)), num(m.group(2))
    if re.match(r'^(0x[0-9A-Fa-f]+|\d+)$', v):
        c = num(v)
        return c, c
    raise DataError('cannot parse value %r' % v)


def skipped_name(name):
    return name.startswith('Unassigned') or name.startswith('Reserved')


def read_rows(path):
    with open(path, newline='', encoding='utf-8') as f:
        return list(csv.DictReader(f))


def iana_entries(path, name_col, limit):
    """Assigned single code points of an IANA CSV: [(code, row)], skipping ranges/reserved."""
    out = []
    for i, r in enumerate(read_rows(path), start=2):
        name = (r.get(name_col) or '').strip()
        try:
            lo, hi = parse_value(r['Value'])
        except DataError as e:
            raise DataError('%s:%d: %s' % (path, i, e))
        if skipped_name(name):
            continue
        if lo != hi:
            raise DataError('%s:%d: range %r has a name (%r)' % (path, i, r['Value'], name))
        if lo > limit:
            raise DataError('%s:%d: value %r out of range' % (path, i, r['Value']))
        out.append((lo, name, r))
    return out


def check_sorted_unique(what, codes):
    seen = set()
    for c in codes:
        if c in seen:
            raise DataError('%s: duplicate code point 0x%04x' % (what, c))
        seen.add(c)


TOKEN_RE = re.compile(r'^[A-Za-z0-9_.+-]+$')


def token(what, name):
    if not TOKEN_RE.match(name):
        raise DataError('%s: name %r is not a single token' % (what, name))
    return name


# ---------------------------------------------------------------------------- C emission

def cstr(s):
    if s is None:
        return 'NULL'
    out = '"'
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out += '\\' + ch
        elif 0x20 <= o < 0x7f:
            out += ch
        else:
            raise DataError('non-ASCII character in %r' % s)
    return out + '"'


def cbool(b):
    return 'true' if b else 'false'


def cchar(c):
    return "'%s'" % c if c in ('Y', 'N', 'D') else '0'


def yes(s):
    return (s or '').strip().upper().startswith('Y')


# ---------------------------------------------------------------------------- cipher suites

# (CSV kx, CSV auth, export) -> enum tls_kx: what the ServerKeyExchange carries (RFC 5246
# §7.4.3, RFC 4492 §5.4, RFC 4279 §2-4, RFC 5489, RFC 2246 §7.4.3 for RSA export).
# auth None = any auth value.
KX_RULES = [
    ('SCSV', None, None, 'TLS_KX_NONE'),
    ('NULL', None, None, 'TLS_KX_NONE'),
    ('any(ECDHE/DHE/PSK)', None, None, 'TLS_KX_NONE'),       # TLS 1.3: no ServerKeyExchange
    ('RSA', 'RSA', True, 'TLS_KX_RSA_EXPORT'),
    ('RSA', 'RSA', False, 'TLS_KX_NONE'),
    ('RSA', 'PSK', None, 'TLS_KX_RSA_PSK'),
    ('PSK', 'PSK', None, 'TLS_KX_PSK'),
    ('DH', 'anon', None, 'TLS_KX_DH_ANON'),
    ('DH', 'DSS', None, 'TLS_KX_NONE'),                      # static DH from the certificate
    ('DH', 'RSA', None, 'TLS_KX_NONE'),
    ('DHE', 'PSK', None, 'TLS_KX_DHE_PSK'),
    ('DHE', 'DSS', None, 'TLS_KX_DHE'),
    ('DHE', 'RSA', None, 'TLS_KX_DHE'),
    ('ECDH', 'anon', None, 'TLS_KX_ECDH_ANON'),
    ('ECDH', 'ECDSA', None, 'TLS_KX_NONE'),                  # static ECDH from the certificate
    ('ECDH', 'RSA', None, 'TLS_KX_NONE'),
    ('ECDHE', 'PSK', None, 'TLS_KX_ECDHE_PSK'),
    ('ECDHE', 'ECDSA', None, 'TLS_KX_ECDHE'),
    ('ECDHE', 'RSA', None, 'TLS_KX_ECDHE'),
    ('SRP', None, None, 'TLS_KX_OTHER'),
    ('KRB5', None, None, 'TLS_KX_OTHER'),
    ('ECCPWD', None, None, 'TLS_KX_OTHER'),
    ('GOSTR341112 256', None, None, 'TLS_KX_OTHER'),
]


def ske_kx(kx, auth, export):
    for rkx, rauth, rexp, val in KX_RULES:
        if rkx == kx and (rauth is None or rauth == auth) and (rexp is None or rexp == export):
            return val
    raise DataError('no ServerKeyExchange kind for kx=%r auth=%r export=%r' % (kx, auth, export))


def min_version(r, code, tls13_only, scsv):
    """OpenSSL's minimum version when OpenSSL knows the suite; else derived (see registry.h)."""
    v = r['openssl_min_version'].strip()
    if v:
        return {'TLSv1': 'TLSv1.0'}.get(v, v), False
    if scsv:
        return None, False
    if tls13_only:
        return 'TLSv1.3', True
    if yes(r['aead']) or r['prf'].strip() or r['mac'].strip() not in ('SHA', 'MD5', 'NULL'):
        return 'TLSv1.2', True                     # SHA-2 MAC, AEAD or own PRF: TLS 1.2 PRF
    if code <= 0x001B:
        return 'SSLv3', True                       # the SSL 3.0 suites (RFC 6101 appendix A.6)
    return 'TLSv1.0', True


def intval(s):
    s = (s or '').strip()
    return int(s) if s else 0


def suites(path):
    rows = read_rows(path)
    out = []
    for i, r in enumerate(rows, start=2):
        where = '%s:%d' % (path, i)
        try:
            code = num(r['code'])
            if code > 0xffff:
                raise DataError('code out of range')
            hexform = parse_value(r['hex'])
            if hexform != (code, code):
                raise DataError('hex %r and code %r disagree' % (r['hex'], r['code']))
            kx, auth = r['kx'].strip(), r['auth'].strip()
            scsv = kx == 'SCSV'
            export = yes(r['export'])
            tls13 = yes(r['tls13_only'])
            mv, derived = min_version(r, code, tls13, scsv)
            out.append(dict(
                code=code, name=token(where, r['iana_name'].strip()),
                openssl=(r['openssl_name'].strip() or None),
                kx=kx, auth=auth, enc=r['enc'].strip(), mac=r['mac'].strip(),
                enc_bits=intval(r['enc_key_bits']), enc_strength=intval(r['enc_effective_bits']),
                aead=yes(r['aead']), export=export, tls13=tls13, scsv=scsv,
                pfs=yes(r['pfs']), ske=ske_kx(kx, auth, export), minv=mv, derived=derived,
                rec=r['iana_recommended'].strip()))
        except (DataError, KeyError, ValueError) as e:
            raise DataError('%s: %s' % (where, e))
    out.sort(key=lambda s: s['code'])
    check_sorted_unique(path, [s['code'] for s in out])
    if not any(s['scsv'] for s in out):
        raise DataError('%s: no signalling cipher suite values' % path)
    return out


def emit_suites(w, ss):
    w('static const struct tls_suite_info suites[] = {')
    for s in ss:
        w('\t{ 0x%04x, %s, %s,' % (s['code'], cstr(s['name']), cstr(s['openssl'])))
        w('\t  %s, %s, %s, %s, %d, %d,' % (cstr(s['kx']), cstr(s['auth']), cstr(s['enc']),
                                          cstr(s['mac']), s['enc_bits'], s['enc_strength']))
        w('\t  %s, %s, %s, %s, %s, %s, %s, %s, %s },' % (
            cbool(s['aead']), cbool(s['export']), cbool(s['tls13']), cbool(s['scsv']),
            cbool(s['pfs']), s['ske'], cstr(s['minv']), cbool(s['derived']), cchar(s['rec'])))
    w('};')
    w('')


# ---------------------------------------------------------------------------- groups etc.

def groups(path):
    out = []
    for code, name, r in iana_entries(path, 'Description', 0xffff):
        obsolete = False
        m = re.match(r'^(\S+) \(OBSOLETE\)$', name)
        if m:
            name, obsolete = m.group(1), True
        name = token(path, name)
        pq = 'MLKEM' in name or 'Kyber' in name
        hybrid = pq and not name.startswith('MLKEM')   # MLKEM512/768/1024 are pure ML-KEM
        out.append(dict(code=code, name=name, rec=r.get('Recommended', '').strip(),
                        dtls=yes(r.get('DTLS-OK')), pq=pq, hybrid=hybrid, obsolete=obsolete))
    out.sort(key=lambda g: g['code'])
    check_sorted_unique(path, [g['code'] for g in out])
    return out


def emit_groups(w, gs):
    w('static const struct tls_group_info groups[] = {')
    for g in gs:
        w('\t{ 0x%04x, %s, %s, %s, %s, %s },' % (g['code'], cstr(g['name']), cchar(g['rec']),
                                                 cbool(g['pq']), cbool(g['hybrid']),
                                                 cbool(g['obsolete'])))
    w('};')
    w('')


def sigschemes(path):
    out = []
    for code, name, r in iana_entries(path, 'Description', 0xffff):
        out.append(dict(code=code, name=token(path, name), rec=r.get('Recommended', '').strip()))
    out.sort(key=lambda g: g['code'])
    check_sorted_unique(path, [g['code'] for g in out])
    return out


def emit_sigschemes(w, ss):
    w('static const struct tls_sigscheme_info sigschemes[] = {')
    for s in ss:
        w('\t{ 0x%04x, %s, %s },' % (s['code'], cstr(s['name']), cchar(s['rec'])))
    w('};')
    w('')


def exttypes(path):
    out = []
    for code, name, r in iana_entries(path, 'Extension Name', 0xffff):
        deprecated = False
        m = re.match(r'^(\S+) \(renamed from .*\)$', name)
        if m:
            name = m.group(1)
        m = re.match(r'^(\S+) \(deprecated\)$', name)
        if m:
            name, deprecated = m.group(1) + '_deprecated', True
        tls13 = (r.get('TLS 1.3') or '').strip()
        out.append(dict(code=code, name=token(path, name), tls13=tls13 or None,
                        dtls_only=yes(r.get('DTLS-Only')), rec=r.get('Recommended', '').strip(),
                        deprecated=deprecated))
    out.sort(key=lambda e: e['code'])
    check_sorted_unique(path, [e['code'] for e in out])
    return out


def emit_exts(w, es):
    w('static const struct tls_ext_info exts[] = {')
    for e in es:
        w('\t{ 0x%04x, %s, %s, %s, %s, %s },' % (e['code'], cstr(e['name']), cstr(e['tls13']),
                                                 cbool(e['dtls_only']), cchar(e['rec']),
                                                 cbool(e['deprecated'])))
    w('};')
    w('')


def sslv2(path):
    out = []
    for i, r in enumerate(read_rows(path), start=2):
        spec = num(r['value'])
        if spec > 0xffffff:
            raise DataError('%s:%d: spec out of range' % (path, i))
        out.append(dict(spec=spec, name=token(path, r['name'].strip()),
                        bits=int(r['key_bits']), export=yes(r['export'])))
    out.sort(key=lambda s: s['spec'])
    check_sorted_unique(path, [s['spec'] for s in out])
    return out


def emit_sslv2(w, ss):
    w('static const struct tls_sslv2_info sslv2_specs[] = {')
    for s in ss:
        w('\t{ 0x%06x, %s, %d, %s },' % (s['spec'], cstr(s['name']), s['bits'],
                                         cbool(s['export'])))
    w('};')
    w('')


# ---------------------------------------------------------------------------- lookups

LOOKUP = '''\
/* {what}: binary search in {table}[] (sorted by {key}). */
const struct {type} *tls_reg_{fn}({ktype} {key})
{{
	size_t lo = 0, hi = sizeof {table} / sizeof {table}[0];

	while (lo < hi) {{
		size_t mid = lo + (hi - lo) / 2;

		if ({table}[mid].{key} == {key})
			return &{table}[mid];
		if ({table}[mid].{key} < {key})
			lo = mid + 1;
		else
			hi = mid;
	}}
	return NULL;
}}

size_t tls_reg_{fn}_count(void)
{{
	return sizeof {table} / sizeof {table}[0];
}}

const struct {type} *tls_reg_{fn}_at(size_t i)
{{
	return i < sizeof {table} / sizeof {table}[0] ? &{table}[i] : NULL;
}}
'''

NAME16 = '''\
const char *tls_reg_{fn}_name(uint16_t code, char buf[7])
{{
	const struct {type} *e = tls_reg_{fn}(code);

	if (e)
		return e->name;
	return hex16(code, buf);
}}
'''

COMMON = '''\
static const char hexdigits[] = "0123456789abcdef";

/* "0x" and 4 lowercase hex digits into buf (7 bytes); NULL when buf is NULL. */
static const char *hex16(uint16_t v, char *buf)
{
	if (!buf)
		return NULL;
	buf[0] = '0';
	buf[1] = 'x';
	buf[2] = hexdigits[(v >> 12) & 0xf];
	buf[3] = hexdigits[(v >> 8) & 0xf];
	buf[4] = hexdigits[(v >> 4) & 0xf];
	buf[5] = hexdigits[v & 0xf];
	buf[6] = '\\0';
	return buf;
}
'''

TAIL = '''\
const char *tls_reg_sslv2_name(uint32_t spec)
{
	const struct tls_sslv2_info *s = tls_reg_sslv2(spec);

	return s ? s->name : NULL;
}

const struct tls_suite_info *tls_reg_suite_by_name(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof suites / sizeof suites[0]; i++)
		if (strcmp(suites[i].name, name) == 0 ||
		    (suites[i].openssl_name && strcmp(suites[i].openssl_name, name) == 0))
			return &suites[i];
	return NULL;
}

/* The names of INTERFACE.md for the code points of RFC 6101 (SSLv3), RFC 2246/4346/5246 and
 * RFC 8446 (TLS), and the SSL 2.0 draft (version 2). */
const char *tls_reg_version_name(uint16_t v)
{
	switch (v) {
	case TLS_V_SSL2: return "SSLv2";
	case TLS_V_SSL3: return "SSLv3";
	case TLS_V_TLS10: return "TLSv1.0";
	case TLS_V_TLS11: return "TLSv1.1";
	case TLS_V_TLS12: return "TLSv1.2";
	case TLS_V_TLS13: return "TLSv1.3";
	default: return NULL;
	}
}
'''


def main(argv):
    if len(argv) != 6:
        sys.stderr.write('usage: gen_registry.py SUITES.csv GROUPS.csv SIGSCHEMES.csv '
                         'EXTTYPES.csv SSLV2.csv > registry_tables.c\n')
        return 2
    try:
        ss = suites(argv[1])
        gs = groups(argv[2])
        sg = sigschemes(argv[3])
        es = exttypes(argv[4])
        v2 = sslv2(argv[5])
    except (DataError, OSError, KeyError, ValueError) as e:
        sys.stderr.write('gen_registry.py: %s\n' % e)
        return 1
    lines = []
    w = lines.append
    w('/* Generated by capture/wire/gen_registry.py from')
    for p in argv[1:]:
        w(' *   %s' % p)
    w(' * Do not edit: change the CSV files or the generator. */')
    w('#include <stdbool.h>')
    w('#include <stddef.h>')
    w('#include <stdint.h>')
    w('#include <string.h>')
    w('')
    w('#include "capture/wire/msg.h"')
    w('#include "capture/wire/registry.h"')
    w('')
    emit_suites(w, ss)
    emit_groups(w, gs)
    emit_sigschemes(w, sg)
    emit_exts(w, es)
    emit_sslv2(w, v2)
    w(COMMON)
    for fn, typ, table, what in (('suite', 'tls_suite_info', 'suites', 'cipher suites'),
                                 ('group', 'tls_group_info', 'groups', 'supported groups'),
                                 ('sigscheme', 'tls_sigscheme_info', 'sigschemes',
                                  'signature schemes'),
                                 ('ext', 'tls_ext_info', 'exts', 'extension types')):
        w(LOOKUP.format(what=what, table=table, type=typ, fn=fn, ktype='uint16_t', key='code'))
        w(NAME16.format(fn=fn, type=typ))
    w(LOOKUP.format(what='SSLv2 cipher specs', table='sslv2_specs', type='tls_sslv2_info',
                    fn='sslv2', ktype='uint32_t', key='spec'))
    w(TAIL)
    sys.stdout.write('\n'.join(lines))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
