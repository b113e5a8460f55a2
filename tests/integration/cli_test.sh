#!/bin/bash
# The tlsscope program against its command-line contract (/work/shared/INTERFACE.md):
# every subcommand's --help lists the contract's options, bad command lines exit 2 with a
# message, capabilities that have not landed exit 2 with "not implemented" and print nothing
# on stdout, and `tlsscope demo` prints what tshark says about the bundled handshakes.
#
# usage: tests/integration/cli_test.sh PATH/TO/tlsscope
# Run by `scons test` (tests/SConscript) from the repo top; exits non-zero on any failure.
# Expected values come from tshark ("expect" in data/demo/handshakes.jsonl) and from the
# IANA names in data/tls-cipher-suites.csv, never from tlsscope's own output.
set -u

prog=${1:?usage: cli_test.sh PATH/TO/tlsscope}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cli_test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
checks=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# run EXPECTED_STATUS ARGS...: runs the program, keeps stdout/stderr in $out/$err.
run() {
	local want=$1
	shift
	checks=$((checks + 1))
	"$prog" "$@" >"$work/out" 2>"$work/err"
	status=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
	if [ "$status" -ne "$want" ]; then
		fail "tlsscope $* exited $status, want $want; stderr: $err"
		return 1
	fi
	return 0
}

# contains TEXT WORD...: each WORD occurs in TEXT.
contains() {
	local text=$1 w
	shift
	for w in "$@"; do
		case $text in *"$w"*) ;; *) fail "missing '$w' in: ${text:0:300}"; return 1 ;; esac
	done
}

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
not_implemented analyze analyze --db "$work/empty.pcap" --rules "$top/rules" --json --fail-on low
not_implemented report report --db "$work/empty.pcap" --profile pci-dss-4.0.1 --format html \
	-o "$work/r.html"
[ ! -e "$work/r.html" ] || fail "report created its output file without a report writer"

# ---- demo ------------------------------------------------------------------------------------
mkdir "$work/demo"
(cd "$work/demo" && "$prog" demo >"$work/demo.out" 2>"$work/demo.err")
status=$?
checks=$((checks + 1))
if [ "$status" -ne 0 ]; then
	fail "demo exited $status: $(cat "$work/demo.err")"
elif [ ! -s "$work/demo/tlsscope-demo.db" ]; then
	fail "demo did not create tlsscope-demo.db"
else
	contains "$(cat "$work/demo.err")" tlsscope-demo.db "not landed" "issue 3"
	n_lines=$(grep -c . "$top/data/demo/handshakes.jsonl")
	n_db=$(sqlite3 "$work/demo/tlsscope-demo.db" 'select count(*) from connections')
	[ "$n_db" = "$n_lines" ] || fail "connections in the database: $n_db, want $n_lines"
	python3 - "$top/data/demo/handshakes.jsonl" "$top/data/tls-cipher-suites.csv" \
		"$work/demo.out" <<'EOF' || fail "demo output differs from tshark's values"
import csv, json, sys

bundled = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
names = {int(r['code'], 16): r['iana_name'] for r in csv.DictReader(open(sys.argv[2]))}
got = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
bad = 0
if len(got) != len(bundled):
    print('demo printed %d objects, want %d' % (len(got), len(bundled)))
    sys.exit(1)
sentinel = {None: None, 'tls12': 'TLSv1.2', 'tls11_or_below': 'TLSv1.1'}
for b, g in zip(bundled, got):
    e = b['expect']
    alerts = sorted((a['from'], a['level'], a['desc']) for a in e['alerts'])
    want = {
        'type': 'tls',
        'client_ip': e['client_ip'], 'client_port': e['client_port'],
        'server_ip': e['server_ip'], 'server_port': e['server_port'],
        'sni': e['sni'], 'version': e['version'],
        'cipher': names.get(int(e['cipher'], 16), e['cipher']) if e['cipher'] else None,
        'alpn_offered': e['alpn_offered'], 'alpn_selected': e['alpn_selected'],
        'ja3': e['ja3'], 'ja3s': e['ja3s'], 'ja4': e['ja4'],
        'server_cert_sha256': e['server_cert_sha256'],
        'server_chain_sha256': e['server_chain_sha256'],
        'fallback_scsv': e['fallback_scsv'],
        'downgrade_sentinel': sentinel[e['downgrade_sentinel']],
        'resumed': e['tls13_psk_resumption'] or e['tls12_abbreviated'],
        'hello_retry_request': e['hello_retry_request'],
        'alerts': alerts,
    }
    have = dict(g)
    have['alerts'] = sorted((a['from'], a['level'], a['desc']) for a in g['alerts'])
    for k, v in want.items():
        if have.get(k, '<missing>') != v:
            print('%s: %s = %r, tshark: %r' % (b['name'], k, have.get(k, '<missing>'), v))
            bad += 1
    for k in ('ts', 'anomalies'):
        if k not in g:
            print('%s: field %s missing' % (b['name'], k))
            bad += 1
sys.exit(1 if bad else 0)
EOF
	checks=$((checks + 1))
	# A second run in the same directory replaces the demo database.
	(cd "$work/demo" && "$prog" demo >/dev/null 2>&1) || fail "second demo run failed"
	n_db=$(sqlite3 "$work/demo/tlsscope-demo.db" 'select count(*) from connections')
	[ "$n_db" = "$n_lines" ] || fail "after a second run: $n_db connections, want $n_lines"
	# --db PATH writes there; the path must not exist yet.
	run 0 demo --db "$work/other.db" && contains "$err" "$work/other.db"
	n_db=$(sqlite3 "$work/other.db" 'select count(*) from connections')
	[ "$n_db" = "$n_lines" ] || fail "--db: $n_db connections, want $n_lines"
	usage_error demo demo --db "$work/other.db"
	# The store accepts what the demo wrote as analyzer input (command line only for now).
	not_implemented analyze analyze --db "$work/other.db"
fi

echo "cli_test: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
