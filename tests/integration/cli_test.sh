#!/bin/bash
# The tlsscope program against its command-line contract (/work/shared/INTERFACE.md):
# every subcommand's --help lists the contract's options, bad command lines exit 2 with a
# message, capabilities that have not landed exit 2 with "not implemented" and print nothing
# on stdout, and `tlsscope demo` stores what tshark says about the bundled captures and what
# its local servers are configured to offer.
#
# usage: tests/integration/cli_test.sh PATH/TO/tlsscope
# Run by `scons test` (tests/SConscript) from the repo top; exits non-zero on any failure.
# Expected values come from tshark (tests/pcap/expected.jsonl), the IANA names in
# data/tls-cipher-suites.csv and the demo servers' configurations, never from tlsscope's own
# output.
set -u

prog=${1:?usage: cli_test.sh PATH/TO/tlsscope}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cli_test.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$top/tests/integration/lib.sh"

# usage_error CMD ARGS...: exit 2, "tlsscope CMD: ..." on stderr, nothing on stdout.
usage_error() {
	local cmd=$1
	shift
	run 2 "$@" || return
	contains "$err" "tlsscope $cmd: " || return
	[ -z "$out" ] || fail "tlsscope $*: stdout not empty: $out"
	case $err in *"not implemented"*) fail "tlsscope $*: usage error reported as missing feature" ;; esac
}

# not_implemented CMD ARGS...: a valid command line for a capability that has not landed.
not_implemented() {
	local cmd=$1
	shift
	run 2 "$@" || return
	contains "$err" "tlsscope $cmd: not implemented" || return
	[ -z "$out" ] || fail "tlsscope $*: printed a result without the capability: $out"
}

# ---- top level -------------------------------------------------------------------------------
run 0 --help && contains "$out" scan sniff analyze report demo
run 0 -h && contains "$out" scan sniff analyze report demo
run 0 --version && contains "$out" "tlsscope "
run 2
run 2 frobnicate && contains "$err" "unknown command 'frobnicate'"
run 2 --frobnicate && contains "$err" "unknown option '--frobnicate'"
run 0 help && contains "$out" scan demo
run 2 help frobnicate
for cmd in scan sniff analyze report demo; do
	run 0 help "$cmd" && help_out=$out && run 0 "$cmd" --help &&
		{ [ "$out" = "$help_out" ] || fail "'help $cmd' differs from '$cmd --help'"; }
	run 0 "$cmd" -h
done

# ---- --help lists every option of the contract -----------------------------------------------
run 0 scan --help && contains "$out" --json --db --sni --starttls --ca-file --pins \
	--concurrency --rate --timeout --shard --fail-on TARGET @FILE \
	smtp imap pop3 ftp xmpp ldap postgres
run 0 sniff --help && contains "$out" "-r FILE" "-i IFACE" --json --db --geoip BPF
run 0 analyze --help && contains "$out" --db --rules --json --fail-on
run 0 report --help && contains "$out" --db --profile --format html json csv "-o FILE"
run 0 demo --help && contains "$out" --db

# ---- usage and input errors: exit 2 before any "not implemented" -----------------------------
printf 'example.com\n' >"$work/targets"
printf 'example.com\n# comment\n\n10.0.0.0/24:8443\nbad..host\n' >"$work/badtargets"
: >"$work/empty.pcap"
run 2 scan --timeout abc example.com &&
	{ [ "$err" = "tlsscope scan: --timeout: not a number: 'abc'
Try 'tlsscope scan --help'." ] || fail "scan --timeout abc: message: $err"; }
usage_error scan scan --timeout 0 example.com
usage_error scan scan --timeout -5 example.com
usage_error scan scan --timeout 99999999999999999999999 example.com
usage_error scan scan --concurrency 0 example.com
usage_error scan scan --concurrency 70000 example.com
usage_error scan scan --rate 1.5 example.com
usage_error scan scan --shard 4/4 example.com
usage_error scan scan --shard 1/0 example.com
usage_error scan scan --shard 1 example.com
usage_error scan scan --shard a/b example.com
usage_error scan scan --shard 0/2/3 example.com
usage_error scan scan --starttls http example.com
usage_error scan scan --fail-on severe example.com
usage_error scan scan --sni 'not a name' example.com
usage_error scan scan --ca-file "$work/nonexistent.pem" example.com
usage_error scan scan --pins "$work/nonexistent" example.com
usage_error scan scan --db "$work/no/such/dir/x.db" example.com
usage_error scan scan --bogus example.com
usage_error scan scan --json=yes example.com
usage_error scan scan example.com --timeout
usage_error scan scan
usage_error scan scan --json
usage_error scan scan example.com:0
usage_error scan scan example.com:65536
usage_error scan scan 300.1.1.1
usage_error scan scan 10.0.0.0/33
usage_error scan scan '[::1'
usage_error scan scan '[::1]:x'
usage_error scan scan '[10.0.0.1]:443'
usage_error scan scan "@$work/nonexistent"
usage_error scan scan "@$work/badtargets" && contains "$err" "badtargets:5"
usage_error sniff sniff
usage_error sniff sniff -r "$work/empty.pcap" -i lo
usage_error sniff sniff -r "$work/nonexistent.pcap"
usage_error sniff sniff -r "$work/empty.pcap" --geoip "$work/nonexistent.mmdb"
usage_error sniff sniff -r
usage_error sniff sniff --bogus -r "$work/empty.pcap"
usage_error analyze analyze
usage_error analyze analyze --json
usage_error analyze analyze --db "$work/nonexistent.db"
usage_error analyze analyze --db "$work/empty.pcap" --rules "$work/nonexistent"
usage_error analyze analyze --db "$work/empty.pcap" --fail-on extreme
usage_error analyze analyze --db "$work/empty.pcap" extra
usage_error report report --profile p --format html -o "$work/r.html"
usage_error report report --db "$work/empty.pcap" --format html -o "$work/r.html"
usage_error report report --db "$work/empty.pcap" --profile p -o "$work/r.html"
usage_error report report --db "$work/empty.pcap" --profile p --format html
usage_error report report --db "$work/empty.pcap" --profile p --format pdf -o "$work/r.pdf"
usage_error report report --db "$work/empty.pcap" --profile ../x --format html -o "$work/r"
usage_error report report --db "$work/nonexistent" --profile p --format csv -o "$work/r"
usage_error report report --db "$work/empty.pcap" --profile p --format json -o "$work/no/r"
usage_error demo demo extra
usage_error demo demo --bogus
usage_error demo demo --db "$work/empty.pcap"

# ---- valid command lines of capabilities that have not landed --------------------------------
# scan has landed: lab_test.sh checks its results against real servers. Here: every option
# at once, against closed loopback ports (nothing listens on port 1), is a result with an error
# per endpoint and exit 0, never a crash. Targets stay on 127.0.0.0/8 and ::1.
run 0 scan --json --db "$work/scan.db" --sni server.test --concurrency 8 --rate 50 \
	--timeout 2000 --fail-on high 127.0.0.1:1 127.0.0.2:1 &&
	contains "$out" '"type":"scan"' 'connection refused' '"127.0.0.2"'
[ "$(printf '%s\n' "$out" | grep -c '"type":"scan"')" -eq 2 ] ||
	fail "scan of two closed ports: want 2 results, got: ${out:0:300}"
# sniff has landed: tests/integration/sniff_test.sh runs it on real captures.
# analyze has landed (profiles_test.sh, mozilla_test.sh, grade_test.sh, correlation_test.sh
# check its findings): a store holding only failed scans gives no alarm, every bundled rule
# loads (exit 0, not 2), and --json prints finding objects or nothing.
run 0 analyze --db "$work/scan.db" --json --fail-on low
run 0 analyze --db "$work/scan.db" --rules "$top/rules" --fail-on low &&
	contains "$out" "rules run (0 refused, 0 failed)"
# report has landed (report_test.sh, report_html_test.sh): a file that is not a store is an
# input error and leaves no output file behind.
run 2 report --db "$work/empty.pcap" --profile pci-dss-4.0.1 --format html -o "$work/r.html"
[ ! -e "$work/r.html" ] || fail "report created its output file from a file that is no store"

# ---- demo ----------------------------------------------------------------------------------
# The demo scans three local servers whose configurations are documented in cli/cli_demo_lab.c
# and sniffs the captures bundled in data/demo/ (copies of tests/pcap/ files). Truth: for the
# captures, tshark's values in tests/pcap/expected.jsonl; for the servers, their configuration
# (modern: TLS 1.2 + 1.3, ECDHE with AES-GCM or ChaCha20 only; legacy: TLS 1.0 - 1.2 with
# RC4 and 3DES; bad-cert: TLS 1.2 + 1.3).
# bundled capture -> the copy under tests/pcap/ it must equal, as "corpus pcap-path"
demo_origin() {
	case $1 in
	ja4-latest.pcapng) echo "ja4 pcap/latest.pcapng" ;;
	arkime-openssl-tls1_2-tls1.pcap) echo "arkime pcap/openssl-tls1_2-tls1.pcap" ;;
	*) return 1 ;;
	esac
}
demo_pcaps=""
for f in "$top"/data/demo/*.pcap "$top"/data/demo/*.pcapng; do
	[ -e "$f" ] || continue
	checks=$((checks + 1))
	name=$(basename "$f")
	if ! origin=$(demo_origin "$name"); then
		fail "data/demo/$name: no tshark truth known to cli_test.sh (add it to demo_origin)"
		continue
	fi
	set -- $origin
	cmp -s "$f" "$top/tests/pcap/$1/$2" || fail "data/demo/$name differs from tests/pcap/$1/$2"
	demo_pcaps="$demo_pcaps $name=$1/$2"
done
[ -n "$demo_pcaps" ] || fail "no bundled capture in data/demo/"

mkdir "$work/demo" "$work/tmp"
export TMPDIR=$work/tmp # where the demo makes (and must remove) its temporary directory
(cd "$work/demo" && "$prog" demo >"$work/demo.out" 2>"$work/demo.err")
status=$?
checks=$((checks + 1))
if [ "$status" -ne 0 ]; then
	fail "demo exited $status: $(cat "$work/demo.err")"
elif [ ! -s "$work/demo/tlsscope-demo.db" ]; then
	fail "demo did not create tlsscope-demo.db"
else
	db=$work/demo/tlsscope-demo.db
	contains "$(cat "$work/demo.out")" "$(cd "$work/demo" && pwd -P)/tlsscope-demo.db" "4. Analysis" \
		"rules, " "findings" "5. The report" "$(cd "$work/demo" && pwd -P)/tlsscope-demo.html"
	[ -s "$work/demo/tlsscope-demo.html" ] || fail "demo did not write tlsscope-demo.html"
	grep -q '<svg' "$work/demo/tlsscope-demo.html" || fail "the demo's report has no chart"
	[ -z "$(ls -d "$TMPDIR"/tlsscope-demo.* 2>/dev/null)" ] ||
		fail "demo left its temporary directory: $(ls -d "$TMPDIR"/tlsscope-demo.*)"
	checks=$((checks + 1))
	n_scans=$(sqlite3 "$db" 'select count(*) from scans')
	[ "$n_scans" = 3 ] || fail "scans in the database: $n_scans, want 3"
	python3 - "$db" "$top/tests/pcap/expected.jsonl" "$top/data/tls-cipher-suites.csv" \
		$demo_pcaps <<'EOF2' || fail "demo database differs from tshark and the servers' configurations"
import csv, json, sqlite3, sys

db = sqlite3.connect(sys.argv[1])
expected = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
names = {int(r['code'], 16): r['iana_name'] for r in csv.DictReader(open(sys.argv[3]))}
bad = []

# -- the scanned servers against their configuration (cli/cli_demo_lab.c) --
scans = {}
for sni, err, res in db.execute('select e.sni, s.error, s.result from scans s '
                                'join endpoints e on e.id = s.endpoint_id'):
    scans[sni] = (err, json.loads(res))
want_sni = ['modern.tlsscope.test', 'legacy.tlsscope.test', 'bad-cert.tlsscope.test']
if sorted(scans) != sorted(want_sni):
    bad.append('scanned endpoints %s, want %s' % (sorted(scans), sorted(want_sni)))
for sni, (err, r) in scans.items():
    if err is not None or r.get('error') is not None:
        bad.append('%s: scan error %r' % (sni, err or r.get('error')))
    if r.get('ip') != '127.0.0.1':
        bad.append('%s: ip %r, want 127.0.0.1' % (sni, r.get('ip')))
def protos(sni):
    return {v for v, on in scans[sni][1]['protocols'].items() if on}
def suites(sni, v):
    return scans[sni][1]['ciphers'].get(v, [])
if 'modern.tlsscope.test' in scans:
    s = 'modern.tlsscope.test'
    if protos(s) != {'TLSv1.2', 'TLSv1.3'}:
        bad.append('modern: protocols %s, want TLSv1.2 and TLSv1.3' % sorted(protos(s)))
    for c in suites(s, 'TLSv1.2'):
        if not ('ECDHE' in c and ('_GCM_' in c or 'CHACHA20' in c)):
            bad.append('modern: TLS 1.2 suite %s is not ECDHE with AES-GCM/ChaCha20' % c)
    if sorted(suites(s, 'TLSv1.3')) != sorted(['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256',
                                               'TLS_CHACHA20_POLY1305_SHA256']):
        bad.append('modern: TLS 1.3 suites %s' % suites(s, 'TLSv1.3'))
if 'legacy.tlsscope.test' in scans:
    s = 'legacy.tlsscope.test'
    if protos(s) != {'TLSv1.0', 'TLSv1.1', 'TLSv1.2'}:
        bad.append('legacy: protocols %s, want TLSv1.0 - TLSv1.2' % sorted(protos(s)))
    v10 = suites(s, 'TLSv1.0')
    if not any('_RC4_' in c for c in v10) or not any('_3DES_' in c for c in v10):
        bad.append('legacy: TLS 1.0 suites lack RC4 or 3DES: %s' % v10)
if 'bad-cert.tlsscope.test' in scans:
    s = 'bad-cert.tlsscope.test'
    if protos(s) != {'TLSv1.2', 'TLSv1.3'}:
        bad.append('bad-cert: protocols %s, want TLSv1.2 and TLSv1.3' % sorted(protos(s)))
# certificates (cli/cli_demo_lab.c): modern's is issued by the demo CA, which the demo
# trusts; bad-cert's is self-signed and expired 30 days ago
import datetime
now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
for sni, (err, r) in scans.items():
    certs = r.get('certificates') or []
    if not certs:
        bad.append('%s: no certificate' % sni)
        continue
    leaf = certs[0]
    if sni == 'modern.tlsscope.test':
        if r.get('chain_trusted') is not True or leaf.get('issuer') != 'CN=tlsscope demo CA,O=tlsscope demo':
            bad.append('modern: chain_trusted %r, issuer %r' % (r.get('chain_trusted'),
                                                                 leaf.get('issuer')))
    if sni == 'bad-cert.tlsscope.test':
        if r.get('chain_trusted') is not False or leaf.get('self_signed') is not True or \
                not leaf.get('not_after', '9') < now:
            bad.append('bad-cert: chain_trusted %r, self_signed %r, not_after %r' % (
                r.get('chain_trusted'), leaf.get('self_signed'), leaf.get('not_after')))
n_facts = db.execute('select count(*) from certificates where facts is not null').fetchone()[0]
n_certs = db.execute('select count(*) from certificates').fetchone()[0]
if n_facts != n_certs:
    bad.append('certificates with facts: %d of %d' % (n_facts, n_certs))

# -- the sniffed connections against tshark --
sentinel = {None: None, 'tls12': 'TLSv1.2', 'tls11_or_below': 'TLSv1.1'}
want = {}
for arg in sys.argv[4:]:
    name, origin = arg.split('=', 1)
    corpus, pcap = origin.split('/', 1)
    for e in expected:
        # tshark lines without a client address are TLS records without a hello: no
        # connection the sensor can report (tests/pcap/README.md)
        if e['corpus'] == corpus and e['pcap'] == pcap and e['client_ip'] is not None:
            want[(e['client_ip'], e['client_port'], e['server_ip'], e['server_port'])] = (name, e)
rows = db.execute('select client_ip, client_port, server_ip, server_port, sni, version, cipher,'
                  ' alpn_offered, alpn_selected, ja3, ja3s, ja4, server_cert_sha256,'
                  ' fallback_scsv, downgrade_sentinel, resumed, hello_retry_request, alerts,'
                  ' source, id from connections').fetchall()
if len(rows) != len(want):
    bad.append('connections in the database: %d, tshark: %d' % (len(rows), len(want)))
for row in rows:
    key = tuple(row[:4])
    if key not in want:
        bad.append('connection %s not in tshark\'s view' % (key,))
        continue
    name, e = want.pop(key)
    chain = [c for (c,) in db.execute('select cert_sha256 from conn_certs where conn_id = ?'
                                      ' order by depth', (row[19],))]
    have = {
        'sni': row[4], 'version': row[5], 'cipher': row[6],
        'alpn_offered': json.loads(row[7]), 'alpn_selected': row[8], 'ja3': row[9],
        'ja3s': row[10], 'ja4': row[11], 'server_cert_sha256': row[12],
        'fallback_scsv': bool(row[13]), 'downgrade_sentinel': row[14], 'resumed': bool(row[15]),
        'hello_retry_request': bool(row[16]),
        'alerts': sorted((a['from'], a['level'], a['desc']) for a in json.loads(row[17])),
        'server_chain_sha256': chain, 'source': row[18],
    }
    tshark = {
        'sni': e['sni'], 'version': e['version'],
        'cipher': names.get(int(e['cipher'], 16), e['cipher']) if e['cipher'] else None,
        'alpn_offered': e['alpn_offered'], 'alpn_selected': e['alpn_selected'],
        'ja3': e['ja3'], 'ja3s': e['ja3s'], 'ja4': e['ja4'],
        'server_cert_sha256': e['server_cert_sha256'], 'fallback_scsv': e['fallback_scsv'],
        'downgrade_sentinel': sentinel[e['downgrade_sentinel']],
        'resumed': e['tls13_psk_resumption'] or e['tls12_abbreviated'],
        'hello_retry_request': e['hello_retry_request'],
        'alerts': sorted((a['from'], a['level'], a['desc']) for a in e['alerts']),
        'server_chain_sha256': e['server_chain_sha256'],
        'source': 'tlsscope demo: data/demo/' + name,
    }
    for k, v in tshark.items():
        if have[k] != v:
            bad.append('%s %s:%s: %s = %r, tshark: %r' % (name, key[0], key[1], k, have[k], v))
for key, (name, e) in want.items():
    bad.append('%s: connection %s missing' % (name, key,))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF2
	checks=$((checks + 1))
	n_conns=$(sqlite3 "$db" 'select count(*) from connections')
	# the one line per sniffed connection names its JA4 (tshark's, checked above)
	for ja4 in $(sqlite3 "$db" 'select ja4 from connections'); do
		contains "$(cat "$work/demo.out")" "ja4=$ja4"
	done
	# A second run in the same directory replaces the demo database.
	(cd "$work/demo" && "$prog" demo >/dev/null 2>&1) || fail "second demo run failed"
	n_db=$(sqlite3 "$db" 'select count(*) from connections')
	[ "$n_db" = "$n_conns" ] || fail "after a second run: $n_db connections, want $n_conns"
	n_db=$(sqlite3 "$db" 'select count(*) from scans')
	[ "$n_db" = 3 ] || fail "after a second run: $n_db scans, want 3"
	# --db PATH writes there; the path must not exist yet.
	run 0 demo --db "$work/other.db" && contains "$out" "$work/other.db"
	n_db=$(sqlite3 "$work/other.db" 'select count(*) from connections')
	[ "$n_db" = "$n_conns" ] || fail "--db: $n_db connections, want $n_conns"
	usage_error demo demo --db "$work/other.db"
	# SIGINT while the servers run: exit 3, no server left, temporary directory removed.
	"$prog" demo --db "$work/int.db" >"$work/int.out" 2>"$work/int.err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^2\. ' "$work/int.out" 2>/dev/null && break
		sleep 0.05
	done
	kill -INT "$pid"
	wait "$pid"
	status=$?
	checks=$((checks + 1))
	[ "$status" -eq 3 ] || [ "$status" -eq 0 ] ||
		fail "demo after SIGINT exited $status: $(cat "$work/int.err")"
	for port in $(sed -n 's/^  [a-z-]* *127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/int.out"); do
		! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null ||
			fail "a demo server still listens on port $port after SIGINT"
	done
	[ -z "$(ls -d "$TMPDIR"/tlsscope-demo.* 2>/dev/null)" ] ||
		fail "demo left its temporary directory after SIGINT"
	# Without the openssl program: exit 3, naming the Debian package to install.
	env PATH=/nonexistent "$prog" demo --db "$work/nossl.db" >/dev/null 2>"$work/nossl.err"
	status=$?
	checks=$((checks + 1))
	{ [ "$status" -eq 3 ] && grep -q "Debian package 'openssl'" "$work/nossl.err"; } ||
		fail "demo without openssl: exit $status, stderr: $(cat "$work/nossl.err")"
	# The analyzer reads what the demo wrote, every bundled rule loading.
	run 0 analyze --db "$work/other.db" && contains "$out" "rules run (0 refused, 0 failed)"
fi

echo "cli_test: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
