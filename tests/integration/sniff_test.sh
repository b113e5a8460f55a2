#!/bin/bash
# `tlsscope sniff` end to end: the "tls" objects of INTERFACE.md from real captures
# (tests/pcap/, checked against tshark's values in tests/pcap/expected.jsonl and the IANA names
# in data/tls-cipher-suites.csv, never against tlsscope's own output), --db, BPF filters,
# stdin, bad input and exit codes, and a live capture on the loopback interface stopped by
# SIGTERM (skipped when the interface cannot be opened).
#
# usage: tests/integration/sniff_test.sh PATH/TO/tlsscope
# Run by `scons test` (tests/SConscript) from the repo top; exits non-zero on any failure.
set -u

prog=${1:?usage: sniff_test.sh PATH/TO/tlsscope}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
pc=$top/tests/pcap
work=$(mktemp -d "${TMPDIR:-/tmp}/sniff_test.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
. "$top/tests/integration/lib.sh"

# ---- --json against tshark --------------------------------------------------------------------
# corpus|capture pairs: STARTTLS, SOCKS, CONNECT, TLS 1.3 + HRR, SSLv2 hello, IPv6, many streams
captures="zeek|traces/tls/smtp-starttls.pcap zeek|traces/tls/xmpp-starttls.pcap
zeek|traces/postgresql/psql-aws-ssl-require.pcap ja4|pcap/socks-https-example.pcap
ja4|pcap/https-connect.pcap ja4|pcap/tls-handshake.pcapng ndpi|pcap/reddit.pcap
zeek|traces/tls/ssl.v3.pcap suricata-verify|tests/tls/tls13-draft28/tls13_draft28.pcap
ndpi|pcap/tumblr.pcap ja4|pcap/tls-alpn-h2.pcap"
for c in $captures; do
	corpus=${c%%|*}
	rel=${c#*|}
	checks=$((checks + 1))
	if ! "$prog" sniff --json -r "$pc/$corpus/$rel" >"$work/j.out" 2>"$work/j.err"; then
		fail "sniff --json -r $corpus/$rel: $(cat "$work/j.err")"
		continue
	fi
	python3 - "$pc/expected.jsonl" "$corpus" "$rel" "$top/data/tls-cipher-suites.csv" \
		"$work/j.out" "$top/tests/pcap/exceptions.tsv" <<'EOF' || fail "sniff --json -r $corpus/$rel differs from tshark"
import csv, json, re, sys

exp_path, corpus, rel, suites, out, exc_path = sys.argv[1:]
names = {int(r['code'], 16): r['iana_name'] for r in csv.DictReader(open(suites))}
lines = [json.loads(l) for l in open(exp_path)]
lines = [l for l in lines if l['corpus'] == corpus and l['pcap'] == rel and
         l['transport'] == 'tcp' and l['client_ip']]
excused = set()
for l in open(exc_path):
    f = l.rstrip('\n').split('\t')
    if len(f) >= 3 and not l.startswith('#'):
        excused.add((f[0], f[1], f[2]))
got = [json.loads(l) for l in open(out)]
keys = ['type', 'ts', 'client_ip', 'client_port', 'server_ip', 'server_port', 'sni', 'version',
        'cipher', 'alpn_offered', 'alpn_selected', 'ja3', 'ja3s', 'ja4', 'server_cert_sha256',
        'server_chain_sha256', 'fallback_scsv', 'downgrade_sentinel', 'resumed',
        'hello_retry_request', 'alerts', 'anomalies']
bad = 0
ts_re = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$')
for g in got:
    if list(g)[:len(keys)] != keys:
        print('%s: keys %s' % (rel, list(g))); bad += 1
    if g['type'] != 'tls' or not ts_re.match(g['ts']):
        print('%s: type/ts %r %r' % (rel, g['type'], g['ts'])); bad += 1
    if g['version'] not in (None, 'SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2',
                            'TLSv1.3') and not re.match(r'^0x[0-9a-f]{4}$', g['version']):
        print('%s: version %r' % (rel, g['version'])); bad += 1
    if g['downgrade_sentinel'] not in (None, 'TLSv1.2', 'TLSv1.1'):
        print('%s: downgrade_sentinel %r' % (rel, g['downgrade_sentinel'])); bad += 1
    for a in g['alerts']:
        if set(a) != {'from', 'level', 'desc'}:
            print('%s: alert %r' % (rel, a)); bad += 1
    for a in g['anomalies']:
        if set(a) != {'name', 'from'}:
            print('%s: anomaly %r' % (rel, a)); bad += 1
sentinel = {None: None, 'tls12': 'TLSv1.2', 'tls11_or_below': 'TLSv1.1'}
used = set()
for e in sorted(lines, key=lambda l: l['stream']):
    key = (e['client_ip'], e['client_port'], e['server_ip'], e['server_port'])
    cand = [i for i, g in enumerate(got) if i not in used and
            (g['client_ip'], g['client_port'], g['server_ip'], g['server_port']) == key]
    if not cand:
        print('%s stream %d: no object for %r' % (rel, e['stream'], key)); bad += 1
        continue
    used.add(cand[0])
    g = got[cand[0]]
    want = {
        'sni': e['sni'], 'version': e['version'],
        'cipher': names.get(int(e['cipher'], 16), e['cipher']) if e['cipher'] else None,
        'alpn_offered': e['alpn_offered'], 'alpn_selected': e['alpn_selected'],
        'ja3': e['ja3'], 'ja3s': e['ja3s'], 'ja4': e['ja4'],
        'server_cert_sha256': e['server_cert_sha256'],
        'server_chain_sha256': e['server_chain_sha256'],
        'downgrade_sentinel': sentinel[e['downgrade_sentinel']],
        'hello_retry_request': e['hello_retry_request'],
    }
    for k, v in want.items():
        if g[k] != v and not (g[k] in ([], None) and v in ([], None)) and (corpus + '/' + rel, str(e['stream']), k) not in excused:
            print('%s stream %d: %s = %r, tshark: %r' % (rel, e['stream'], k, g[k], v))
            bad += 1
for i, g in enumerate(got):
    where = '%s:%d' % (g['client_ip'], g['client_port'])
    if i not in used and (corpus + '/' + rel, where, 'record') not in excused:
        print('%s: object without a tshark line: %s' % (rel, where)); bad += 1
sys.exit(1 if bad else 0)
EOF
done

# STARTTLS names (an addition to the contract: "starttls")
run 0 sniff --json -r "$pc/zeek/traces/tls/smtp-starttls.pcap" &&
	contains "$(cat "$work/out")" '"starttls":"smtp"'
run 0 sniff --json -r "$pc/zeek/traces/tls/xmpp-starttls.pcap" &&
	contains "$(cat "$work/out")" '"starttls":"xmpp"'
run 0 sniff --json -r "$pc/ja4/pcap/socks-https-example.pcap" &&
	contains "$(cat "$work/out")" '"starttls":"socks"'

# Captures without TLS give nothing
run 0 sniff --json -r "$pc/ja4/pcap/ssh-r.pcap" && [ ! -s "$work/out" ] ||
	fail "ssh capture printed TLS objects"

# ---- text mode, stdin, BPF ------------------------------------------------------------------
f=$pc/ndpi/pcap/reddit.pcap
run 0 sniff --json -r "$f" && n_json=$(grep -c . "$work/out")
run 0 sniff -r "$f" && n_text=$(grep -c ' -> ' "$work/out") &&
	[ "$n_text" = "$n_json" ] || fail "text mode: $n_text lines, json: $n_json"
checks=$((checks + 1))
"$prog" sniff --json -r - <"$f" >"$work/stdin.out" 2>/dev/null || fail "sniff -r - failed"
"$prog" sniff --json -r "$f" >"$work/file.out" 2>/dev/null
cmp -s "$work/stdin.out" "$work/file.out" || fail "sniff -r - differs from -r FILE"
run 0 sniff --json -r "$f" tcp port 443 and host 64:ff9b::9765:798c &&
	n_bpf=$(grep -c . "$work/out") && [ "$n_bpf" -gt 0 ] && [ "$n_bpf" -lt "$n_json" ] ||
	fail "BPF filter: $n_bpf objects of $n_json"
run 0 sniff --json -r "$f" 'tcp port 25' && [ ! -s "$work/out" ] || fail "BPF 'tcp port 25'"

# ---- --db --------------------------------------------------------------------------------------
run 0 sniff -r "$f" --db "$work/s.db" && [ ! -s "$work/out" ] || fail "--db alone printed"
checks=$((checks + 1))
n_db=$(sqlite3 "$work/s.db" 'select count(*) from connections')
[ "$n_db" = "$n_json" ] || fail "--db: $n_db connections, want $n_json"
n_leaf=$(python3 -c 'import json,sys; print(len({json.loads(l)["server_cert_sha256"] for l in open(sys.argv[1]) if json.loads(l)["server_cert_sha256"]}))' "$work/file.out")
n_certs=$(python3 -c 'import json,sys
s=set()
for l in open(sys.argv[1]): s.update(json.loads(l)["server_chain_sha256"])
print(len(s))' "$work/file.out")
[ "$(sqlite3 "$work/s.db" 'select count(*) from certificates')" = "$n_certs" ] ||
	fail "--db: certificates not stored once each ($n_certs distinct)"
[ "$(sqlite3 "$work/s.db" 'select count(distinct server_cert_sha256) from connections')" = "$n_leaf" ] ||
	fail "--db: leaf hashes"
[ "$(sqlite3 "$work/s.db" "select count(*) from connections where source = '$f'")" = "$n_db" ] ||
	fail "--db: source column"
# a second run appends to the same store, certificates stay unique
run 0 sniff -r "$f" --db "$work/s.db" --json
[ "$(sqlite3 "$work/s.db" 'select count(*) from connections')" = "$((2 * n_json))" ] ||
	fail "--db: second run"
[ "$(sqlite3 "$work/s.db" 'select count(*) from certificates')" = "$n_certs" ] ||
	fail "--db: certificates duplicated by a second run"

# ---- --geoip: a file that is not a MaxMind DB is an input error (geo_test.sh: the rest) -------
run 2 sniff -r "$f" --json --geoip "$f" && contains "$(cat "$work/err")" "--geoip" "invalid metadata"

# ---- --pseudonymize KEYFILE: Crypto-PAn on client addresses (issue 3, privacy) -----------------
# Checked against the plain output of the same capture: every field but client_ip equal, no
# real client address left, one pseudonym per address (and one address per pseudonym), the
# same pseudonyms in a second run, other ones under another key, and for every pair of
# distinct client addresses (IPv4 and IPv6 in sites.pcapng) the pseudonyms share exactly as
# many leading bits as the addresses: subnets stay subnets.
fp=$pc/ndpi/pcap/sites.pcapng
head -c 32 /dev/urandom >"$work/k1" && head -c 32 /dev/urandom >"$work/k2" &&
	head -c 31 /dev/urandom >"$work/k31" && head -c 33 /dev/urandom >"$work/k33" &&
	cp "$work/k1" "$work/k1-open" && chmod 600 "$work/k1" "$work/k2" "$work/k31" "$work/k33" &&
	chmod 644 "$work/k1-open"
run 2 sniff -r "$fp" --pseudonymize "$work/k31" && contains "$(cat "$work/err")" "31 bytes" "32"
run 2 sniff -r "$fp" --pseudonymize "$work/k33" && contains "$(cat "$work/err")" "more than 32"
run 2 sniff -r "$fp" --pseudonymize "$work/k1-open" &&
	contains "$(cat "$work/err")" "group or others"
run 2 sniff -r "$fp" --pseudonymize "$work/no-such-key"
run 2 sniff -r "$fp" --pseudonymize
run 0 sniff -r "$fp" --json && cp "$work/out" "$work/plain.out"
run 0 sniff -r "$fp" --json --pseudonymize "$work/k1" && cp "$work/out" "$work/p1.out"
run 0 sniff -r "$fp" --json --pseudonymize "$work/k1" && cp "$work/out" "$work/p1b.out"
run 0 sniff -r "$fp" --json --pseudonymize "$work/k2" && cp "$work/out" "$work/p2.out"
checks=$((checks + 1))
cmp -s "$work/p1.out" "$work/p1b.out" || fail "--pseudonymize: two runs with one key differ"
run 0 sniff -r "$fp" --pseudonymize "$work/k1" --db "$work/p.db"
python3 - "$work/plain.out" "$work/p1.out" "$work/p2.out" "$work/p.db" <<'EOF2' || fail "--pseudonymize"
import ipaddress, json, sqlite3, sys
plain, p1, p2 = ([json.loads(l) for l in open(f)] for f in sys.argv[1:4])
bad = []
if not (len(plain) == len(p1) == len(p2) > 0):
    bad.append('counts %d %d %d' % (len(plain), len(p1), len(p2)))
fwd, back = {}, {}
for a, b, c in zip(plain, p1, p2):
    for k in a:
        if k != 'client_ip' and a[k] != b[k]:
            bad.append('%s changed: %r -> %r' % (k, a[k], b[k]))
    ra, pb, pc = (ipaddress.ip_address(x['client_ip']) for x in (a, b, c))
    if ra.version != pb.version or pb == ra or pc == pb:
        bad.append('%s -> %s (key 2: %s)' % (ra, pb, pc))
    fwd.setdefault(ra, set()).add(pb)
    back.setdefault(pb, set()).add(ra)
reals = {ipaddress.ip_address(o['client_ip']) for o in plain}
if any(ipaddress.ip_address(o['client_ip']) in reals for o in p1):
    bad.append('a real client address is left')
if any(len(v) != 1 for v in fwd.values()) or any(len(v) != 1 for v in back.values()):
    bad.append('not one-to-one: %r' % fwd)
def cpl(x, y):
    n = 32 if x.version == 4 else 128
    return n - (int(x) ^ int(y)).bit_length()
addrs = sorted(fwd, key=lambda a: (a.version, int(a)))
pairs = 0
for i, x in enumerate(addrs):
    for y in addrs[i + 1:]:
        if x.version != y.version:
            continue
        pairs += 1
        px, py = next(iter(fwd[x])), next(iter(fwd[y]))
        if cpl(x, y) != cpl(px, py):
            bad.append('%s %s share %d bits, pseudonyms %s %s %d' % (x, y, cpl(x, y), px, py,
                                                                    cpl(px, py)))
if pairs < 20:
    bad.append('only %d address pairs' % pairs)
db = {r[0] for r in sqlite3.connect(sys.argv[4]).execute('select client_ip from connections')}
if db != {str(next(iter(v))) for v in fwd.values()}:
    bad.append('--db client addresses: %r' % sorted(db))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF2

# ---- --retain DAYS: the --db store keeps DAYS days of connections (by ts) ----------------------
# The corpus captures are years old: with --retain 36500 every connection stays; a later run
# with --retain 1 deletes those whose ts is older than a day, with their chain links and
# anomalies, and keeps the ones whose ts the test moved to now, and the certificates they use.
run 2 sniff -r "$fp" --retain 30 && contains "$(cat "$work/err")" "--db"
run 2 sniff -r "$fp" --db "$work/r.db" --retain 0
run 2 sniff -r "$fp" --db "$work/r.db" --retain 1x
for c in "$pc/ndpi/pcap/tls_cipher_lens.pcap" "$pc/ndpi/pcap/tls_invalid_reads.pcap" "$fp"; do
	run 0 sniff -r "$c" --db "$work/r.db" --retain 36500 # (the first two: anomalies)
	grep -q deleted "$work/err" && fail "--retain 36500 deleted something: $(cat "$work/err")"
done
checks=$((checks + 1))
n_all=$(sqlite3 "$work/r.db" 'select count(*) from connections')
n_certs=$(sqlite3 "$work/r.db" 'select count(*) from certificates')
# keep every third connection (ts = now), and give every certificate an old first_seen
sqlite3 "$work/r.db" "update connections set ts = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')
	where id % 3 = 0; update certificates set first_seen = '2001-01-01T00:00:00.000000Z'"
n_keep=$(sqlite3 "$work/r.db" 'select count(*) from connections where id % 3 = 0')
want_certs=$(sqlite3 "$work/r.db" 'select count(distinct cert_sha256) from conn_certs
	where conn_id % 3 = 0')
want_anoms=$(sqlite3 "$work/r.db" "select count(*) from anomalies where ref_kind = 'connection'
	and ref_id % 3 = 0")
[ "$n_all" -gt 10 ] && [ "$n_certs" -gt "$want_certs" ] && [ "$want_certs" -gt 0 ] &&
	[ "$want_anoms" -gt 0 ] && [ "$(sqlite3 "$work/r.db" 'select count(*) from anomalies')" -gt "$want_anoms" ] ||
	fail "--retain: fixture ($n_all connections, $n_certs certificates, $want_certs kept)"
run 0 sniff -r "$pc/ja4/pcap/ssh-r.pcap" --db "$work/r.db" --retain 1 &&
	contains "$(cat "$work/err")" "--retain 1: deleted $((n_all - n_keep)) connections"
checks=$((checks + 1))
got=$(sqlite3 "$work/r.db" "select (select count(*) from connections) || ' ' ||
	(select count(*) from certificates) || ' ' ||
	(select count(*) from anomalies where ref_kind = 'connection') || ' ' ||
	(select count(*) from conn_certs where conn_id % 3 != 0) || ' ' ||
	(select count(*) from connections where ts < strftime('%Y-%m-%dT', 'now', '-1 day'))")
[ "$got" = "$n_keep $want_certs $want_anoms 0 0" ] ||
	fail "--retain 1: connections certificates anomalies orphan-links old = $got, want $n_keep $want_certs $want_anoms 0 0"
[ -z "$(sqlite3 "$work/r.db" 'pragma foreign_key_check')" ] || fail "--retain: foreign keys"

# ---- bad input ---------------------------------------------------------------------------------
printf 'not a capture' >"$work/bad.pcap"
run 2 sniff -r "$work/bad.pcap" && contains "$(cat "$work/err")" "tlsscope sniff: "
: >"$work/empty.pcap"
run 2 sniff -r "$work/empty.pcap"
run 2 sniff -r "$f" 'tcp port' && contains "$(cat "$work/err")" "BPF"
head -c 60000 "$f" >"$work/trunc.pcap"
run 2 sniff --json -r "$work/trunc.pcap" && contains "$(cat "$work/err")" "truncated" &&
	[ -s "$work/out" ] || fail "truncated capture: the connections before the cut not reported"
run 2 sniff -i no-such-interface0
run 2 sniff -r "$f" --user no-such-user-xyz

# ---- live: loopback, openssl s_server/s_client, SIGTERM -------------------------------------
port=$((20000 + RANDOM % 20000))
if "$prog" sniff -i lo 'tcp port 1' >/dev/null 2>&1 &
	spid=$!
	sleep 0.5
	kill -0 "$spid" 2>/dev/null; then
	kill -TERM "$spid"
	wait "$spid"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=sniff.test \
		-days 1 -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
	"$prog" sniff -i lo --json "tcp port $port" >"$work/live.out" 2>"$work/live.err" &
	spid=$!
	pids+=("$spid")
	openssl s_server -accept "$port" -cert "$work/cert.pem" -key "$work/key.pem" -tls1_2 \
		-quiet >/dev/null 2>&1 </dev/null &
	pids+=("$!")
	sleep 1
	echo | timeout 5 openssl s_client -connect "127.0.0.1:$port" -servername sniff.test \
		>/dev/null 2>&1
	sleep 1
	checks=$((checks + 1))
	kill -TERM "$spid"
	wait "$spid"
	status=$?
	[ "$status" -eq 0 ] || fail "live sniff exited $status after SIGTERM: $(cat "$work/live.err")"
	contains "$(cat "$work/live.err")" "stopped" "dropped by the kernel"
	python3 - "$work/live.out" "$port" "$work/cert.pem" <<'EOF' || fail "live capture: no matching object"
import hashlib, json, ssl, sys
out, port, pem = sys.argv[1], int(sys.argv[2]), sys.argv[3]
der = ssl.PEM_cert_to_DER_cert(open(pem).read())
objs = [json.loads(l) for l in open(out) if l.strip()]
ok = [o for o in objs if o['server_port'] == port and o['sni'] == 'sniff.test' and
      o['version'] == 'TLSv1.2' and o['server_cert_sha256'] == hashlib.sha256(der).hexdigest()]
if not ok:
    print('live objects:', objs)
sys.exit(0 if ok else 1)
EOF
else
	echo "sniff_test: live capture on lo not possible here: skipped"
fi

echo "sniff_test: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
