#!/bin/bash
# `tlsscope inventory` and `tlsscope triage` end to end.
#
# inventory import: certificates the test makes with openssl (a PEM chain whose leaf has
# three SANs, a DER leaf, a leaf without SAN given --name) must give one row per name whose
# values equal openssl's: `x509 -fingerprint -sha256`, the pin pipeline (`x509 -pubkey |
# pkey -pubin -outform der | dgst -sha256 -binary | base64`), `x509 -ext subjectAltName`,
# `x509 -issuer -nameopt RFC2253`, `x509 -startdate/-enddate`. The crt.sh export
# (tests/integration/inventory/crtsh.json, in the shape crt.sh returns for
# ?q=NAME&output=json) must give one row per (name, issuer), the issuer equal to what
# `openssl x509 -subject -nameopt RFC2253` prints for a certificate the test makes with the
# same DN (`openssl req -subj`), the serial kept in the source. Bad files (not a certificate,
# malformed JSON, unreadable, a damaged PEM block, a crt.sh object without issuer) exit 2
# naming the file, and add no row even when good files come with them.
#
# triage: two rules the test writes that always alarm for a scanned endpoint (an openssl
# s_server on 127.0.0.1); analyze --fail-on low exits 1; verdicts for them (an
# acknowledgement without expiry, a false positive expiring in a few seconds) make it exit 0
# with "triage" shown in --json and in the view v_finding (read with Python's sqlite3); once
# the false positive expires its finding counts again. Refused: no such finding, an expiry in
# the past, an empty reason.
#
# usage: tests/integration/inventory_test.sh PATH/TO/tlsscope
# Run by `scons test` from the repo top; one line per check; exits non-zero on any failure,
# prints "SKIP: why" and exits 0 when openssl or python3 is missing.
set -u

prog=${1:?usage: inventory_test.sh PATH/TO/tlsscope}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
for tool in openssl python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is not installed"
		exit 0
	fi
done
work=$(mktemp -d "${TMPDIR:-/tmp}/inventory_test.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
. "$top/tests/integration/lib.sh"

pass() { echo "ok: $*"; }

# ---- a test PKI made with openssl -------------------------------------------------------------
cd "$work" || exit 1
ossl() { openssl "$@" 2>>"$work/openssl.log" || { echo "FAIL: openssl $*"; exit 1; }; }
cat >ca.cnf <<'EOF'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
EOF
ossl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 30 \
	-subj "/C=US/O=Test Trust, Inc./CN=Inventory Test Root" -addext basicConstraints=critical,CA:TRUE
ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key -out int.csr \
	-subj "/C=DE/O=Zwischen CA/OU=Test; Lab/CN=Inventory Test Intermediate"
ossl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 20 \
	-extfile ca.cnf -out int.pem
# leaf 1: three SANs (one wildcard), RSA, signed by the intermediate; served by s_server
printf 'subjectAltName=DNS:www.inv.test,DNS:inv.test,DNS:*.api.inv.test\nbasicConstraints=CA:FALSE\n' >l1.cnf
ossl req -new -newkey rsa:2048 -nodes -keyout leaf1.key -out leaf1.csr -subj "/CN=www.inv.test"
ossl x509 -req -in leaf1.csr -CA int.pem -CAkey int.key -CAcreateserial -days 10 \
	-extfile l1.cnf -out leaf1.pem
cat leaf1.pem int.pem root.pem >chain.pem
# leaf 2: one SAN, EC, signed by the root, as DER
printf 'subjectAltName=DNS:der.inv.test\n' >l2.cnf
ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout leaf2.key \
	-out leaf2.csr -subj "/CN=der.inv.test"
ossl x509 -req -in leaf2.csr -CA root.pem -CAkey root.key -CAcreateserial -days 10 \
	-extfile l2.cnf -out leaf2.pem
ossl x509 -in leaf2.pem -outform der -out leaf2.der
# leaf 3: no SAN at all (needs --name)
ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf3.key \
	-out leaf3.csr -subj "/CN=legacy.inv.test"
ossl x509 -req -in leaf3.csr -CA root.pem -CAkey root.key -CAcreateserial -days 10 \
	-out leaf3.pem

# expected rows of a certificate file, from openssl: "name|sha256|pin|issuer|nb|na" lines
expect_cert() { # PEM [NAME...]: the names default to the SAN DNS names
	local pem=$1 fp pin issuer nb na names n
	shift
	fp=$(openssl x509 -in "$pem" -noout -fingerprint -sha256 | sed 's/^.*=//; s/://g' |
		tr 'A-F' 'a-f')
	pin=$(openssl x509 -in "$pem" -noout -pubkey | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64)
	issuer=$(openssl x509 -in "$pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
	nb=$(date -u -d "$(openssl x509 -in "$pem" -noout -startdate | sed 's/^.*=//')" +%Y-%m-%dT%H:%M:%SZ)
	na=$(date -u -d "$(openssl x509 -in "$pem" -noout -enddate | sed 's/^.*=//')" +%Y-%m-%dT%H:%M:%SZ)
	if [ $# -gt 0 ]; then
		names="$*"
	else
		names=$(openssl x509 -in "$pem" -noout -ext subjectAltName | tail -n +2 |
			tr ',' '\n' | sed -n 's/^ *DNS://p')
	fi
	for n in $names; do
		printf '%s|%s|%s|%s|%s|%s\n' "$n" "$fp" "$pin" "$issuer" "$nb" "$na"
	done
}

# rows of the store, in the same shape, sorted
got_rows() { # DB
	"$prog" inventory list --db "$1" --json | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print("|".join(r[k] or "" for k in
          ("name", "cert_sha256", "spki_sha256", "issuer", "not_before", "not_after")))' |
		sort
}

n_rows() { "$prog" inventory list --db "$1" --json | wc -l; }

# ---- certificate files -------------------------------------------------------------------------
db=$work/inv.db
if run 0 inventory import --db "$db" chain.pem leaf2.der; then
	contains "$out" "chain.pem: PEM, 3 certificates (2 CA skipped), 3 entries" \
		"leaf2.der: DER, 1 certificates, 1 entries" && pass "import PEM chain + DER"
fi
{ expect_cert leaf1.pem; expect_cert leaf2.pem; } | sort >want.txt
got_rows "$db" >got.txt
checks=$((checks + 1))
if [ "$(wc -l <want.txt)" -eq 4 ] && cmp -s want.txt got.txt; then
	pass "rows of chain.pem and leaf2.der equal openssl's fingerprint, pin, SANs, issuer, dates"
else
	fail "certificate rows differ from openssl's: $(diff want.txt got.txt | head -10)"
fi
# the sources name the file and the certificate's place in it
run 0 inventory list --db "$db" --json &&
	contains "$out" '"source":"chain.pem#1"' '"source":"leaf2.der"' && pass "sources"

# idempotent: importing again adds nothing
run 0 inventory import --db "$db" chain.pem && contains "$out" "0 new, 3 already" &&
	[ "$(n_rows "$db")" -eq 4 ] && pass "re-import adds no row"

# no SAN: refused without --name (file named), one row per --name with it
if run 2 inventory import --db "$db" leaf3.pem; then
	contains "$err" "leaf3.pem" "--name" && pass "leaf without SAN refused without --name"
fi
run 0 inventory import --db "$db" --name legacy.inv.test --name old.inv.test leaf3.pem &&
	pass "leaf without SAN imported with --name"
{ expect_cert leaf1.pem; expect_cert leaf2.pem;
  expect_cert leaf3.pem legacy.inv.test old.inv.test; } | sort >want.txt
got_rows "$db" >got.txt
checks=$((checks + 1))
cmp -s want.txt got.txt && pass "--name rows equal openssl's values" ||
	fail "--name rows differ: $(diff want.txt got.txt | head -10)"

# ---- crt.sh JSON -------------------------------------------------------------------------------
crtsh=$top/tests/integration/inventory/crtsh.json
cdb=$work/crtsh.db
run 0 inventory import --db "$cdb" "$crtsh" && contains "$out" "crt.sh JSON, 5 records" &&
	pass "import crt.sh JSON"
# The issuers as openssl prints the same DNs (made with `openssl req -subj`, utf8) in RFC 2253.
declare -A dn=(
	["C=US, O=Let's Encrypt, CN=E1"]="/C=US/O=Let's Encrypt/CN=E1"
	['C=US, O="Cloudflare, Inc.", CN=Cloudflare Inc ECC CA-3']="/C=US/O=Cloudflare, Inc./CN=Cloudflare Inc ECC CA-3"
	["C=GB, ST=Greater Manchester, L=Salford, O=Sectigo Limited, CN=Sectigo ECC Domain Validation Secure Server CA"]="/C=GB/ST=Greater Manchester/L=Salford/O=Sectigo Limited/CN=Sectigo ECC Domain Validation Secure Server CA"
	["C=FR, O=Société Exemple, CN=Exemple CA"]="/C=FR/O=Société Exemple/CN=Exemple CA"
)
: >dnmap.txt
i=0
for k in "${!dn[@]}"; do
	i=$((i + 1))
	ossl req -x509 -utf8 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout dn$i.key \
		-out dn$i.pem -days 1 -subj "${dn[$k]}"
	printf '%s\t%s\n' "$k" "$(openssl x509 -in dn$i.pem -noout -subject -nameopt RFC2253 |
		sed 's/^subject=//')" >>dnmap.txt
done
checks=$((checks + 1))
"$prog" inventory list --db "$cdb" --json >crtsh.out
if python3 - "$crtsh" dnmap.txt crtsh.out <<'EOF'; then pass "crt.sh rows: one per (name, issuer), issuer in openssl's RFC 2253, dates, id and serial"; else fail "crt.sh rows differ"; fi
import json, sys
src, dnmap, out = sys.argv[1:]
dns = dict(l.rstrip('\n').split('\t') for l in open(dnmap, encoding='utf-8'))
want = {}
for o in json.load(open(src, encoding='utf-8')):
    for n in o['name_value'].split('\n'):
        key = (n, dns[o['issuer_name']])
        want.setdefault(key, (o['not_before'] + 'Z', o['not_after'] + 'Z',
                              'crt.sh id=%d serial=%s ' % (o['id'], o['serial_number'])))
got = {}
for l in open(out):
    r = json.loads(l)
    assert r['cert_sha256'] is None and r['spki_sha256'] is None, r
    got[(r['name'], r['issuer'])] = (r['not_before'], r['not_after'], r['source'])
ok = set(want) == set(got)
for k in want:
    if k in got and (got[k][:2] != want[k][:2] or not got[k][2].startswith(want[k][2])):
        ok = False
        print('FAIL: %r: want %r got %r' % (k, want[k], got[k]))
if set(want) != set(got):
    print('FAIL: want %s\n got %s' % (sorted(want), sorted(got)))
sys.exit(0 if ok and len(want) == 7 else 1)
EOF

# ---- bad files: exit 2, the file named, nothing added --------------------------------------
printf 'hello, not a certificate\n' >text.txt
printf '[{"issuer_name": "C=US, CN=X", "name_value": "a.test"},' >trunc.json
printf '[{"name_value": "a.test", "id": 1}]' >noissuer.json
printf '{"issuer_name": "C=US, CN=X"}' >object.json
sed '2s/^.\{10\}/!!!!!!!!!!/' leaf1.pem >damaged.pem
printf '\x30\x03\x02\x01\x01' >notcert.der
: >empty.pem
before=$(n_rows "$db")
for bad in text.txt trunc.json noissuer.json object.json damaged.pem notcert.der empty.pem \
	missing.pem; do
	if run 2 inventory import --db "$db" leaf2.der "$bad" chain.pem; then
		contains "$err" "'$bad'" "nothing imported" && [ -z "${err##*inventory import: *}" ] &&
			pass "bad file $bad: exit 2, named: ${err:0:110}"
	fi
done
run 2 inventory import --db "$db" "$work" && contains "$err" "directory" && pass "directory refused"
checks=$((checks + 1))
[ "$(n_rows "$db")" -eq "$before" ] && pass "no row added by a refused import" ||
	fail "a refused import added rows: $before -> $(n_rows "$db")"
# a good file after a bad one in a fresh store: the store gets nothing at all
run 2 inventory import --db "$work/fresh.db" chain.pem text.txt
checks=$((checks + 1))
[ ! -e "$work/fresh.db" ] || [ "$(n_rows "$work/fresh.db")" -eq 0 ] &&
	pass "all or nothing: good file + bad file imports nothing" ||
	fail "good file + bad file imported rows"
run 2 inventory import chain.pem && contains "$err" "--db" && pass "import without --db: exit 2"
run 2 inventory import --db "$db" && contains "$err" "no FILE" && pass "import without FILE: exit 2"
run 2 inventory frobnicate --db "$db" && pass "unknown inventory subcommand: exit 2"
run 0 inventory --help && contains "$out" "inventory import" "inventory list" && pass "--help"

# ---- triage end to end ---------------------------------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl s_server -accept "127.0.0.1:$port" -cert leaf1.pem -key leaf1.key -cert_chain int.pem \
	-quiet -naccept 100000 >s_server.log 2>&1 &
pids+=($!)
for _ in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
mkdir rules
for r in a b; do
	cat >rules/always-$r.sql <<EOF
-- id: test/always-$r
-- title: always alarms ($r)
-- severity: low
-- requirements: test:always-$r
SELECT resource, 'alarm' AS status, 'test rule $r' AS reason,
       json_array('scan:' || scan_id) AS evidence
FROM v_scan
EOF
done
tdb=$work/triage.db
res="127.0.0.1:$port"
run 0 scan --db "$tdb" "$res" && pass "scan of the local s_server"
run 1 analyze --db "$tdb" --rules rules --fail-on low --json &&
	[ "$(grep -c '"status":"alarm".*"triage":null' <<<"$out")" -eq 2 ] &&
	pass "analyze --fail-on low: exit 1, 2 alarms without triage"

# refused verdicts
run 2 triage --db "$tdb" --ack --rule test/always-a --resource "127.0.0.1:1" --reason x &&
	contains "$err" "no finding" && pass "verdict without a finding refused"
run 2 triage --db "$tdb" --ack --rule test/always-a --resource "$res" --reason x \
	--expires 2020-01-01T00:00:00Z && contains "$err" "in the past" && pass "expiry in the past refused"
run 2 triage --db "$tdb" --ack --rule test/always-a --resource "$res" --reason "  " &&
	contains "$err" "reason" && pass "empty reason refused"
run 2 triage --db "$tdb" --ack --rule test/always-a --resource "$res" --reason x --expires 0d &&
	pass "--expires 0d refused"
run 2 triage --db "$tdb" --ack --rule test/always-a --resource "$res" --reason x --expires tomorrow &&
	pass "--expires tomorrow refused"
run 2 triage --db "$tdb" --ack --false-positive --rule test/always-a --resource "$res" --reason x &&
	pass "--ack with --false-positive refused"
run 2 triage --db "$tdb" --rule test/always-a --resource "$res" --reason x && pass "no verdict: exit 2"
checks=$((checks + 1))
[ "$("$prog" triage --db "$tdb" --list --json | wc -l)" -eq 0 ] && pass "refused verdicts stored nothing" ||
	fail "a refused verdict was stored"

# an acknowledgement (no expiry), a second one by $USER expiring in 30 days, and a false positive
# expiring in a few seconds, given in +02:00
run 0 triage --db "$tdb" --ack --rule test/always-a --resource "$res" --reason "accepted risk" \
	--author alice && pass "ack test/always-a"
USER=bob run 0 triage --db "$tdb" --ack --rule test/always-a --resource "$res" \
	--reason "still accepted" --expires 30d && pass "ack by \$USER, --expires 30d"
read -r exp_local exp_utc < <(python3 -c '
from datetime import datetime, timedelta, timezone
t = datetime.now(timezone(timedelta(hours=2))).replace(microsecond=0) + timedelta(seconds=6)
print(t.isoformat(), t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z"))')
run 0 triage --db "$tdb" --false-positive --rule test/always-b --resource "$res" \
	--reason "lab server" --author carol --expires "$exp_local" && pass "false positive, expires $exp_local"

if run 0 analyze --db "$tdb" --rules rules --fail-on low --json; then
	pass "analyze --fail-on low: exit 0 with both verdicts valid"
	contains "$out" '"rule":"test/always-a"' '"triage":"acknowledged"' '"triage":"false_positive"' &&
		pass 'analyze --json shows "triage":"acknowledged" and "false_positive"'
fi
view() { python3 -c '
import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for r in c.execute("SELECT rule, resource, status, triage FROM v_finding ORDER BY rule"):
    print("|".join(str(x) for x in r))' "$tdb"; }
checks=$((checks + 1))
v=$(view)
[ "$v" = "test/always-a|$res|alarm|acknowledged
test/always-b|$res|alarm|false_positive" ] && pass "v_finding shows the verdicts" ||
	fail "v_finding: $v"
if run 0 triage --db "$tdb" --list --json; then
	checks=$((checks + 1))
	python3 - "$exp_utc" "$out" <<'EOF' && pass "triage --list --json: authors, verdicts, expiries, validity" || fail "triage --list --json: $out"
import json, sys
from datetime import datetime, timedelta, timezone
exp_utc, out = sys.argv[1:]
rows = [json.loads(l) for l in out.splitlines()]
assert [r['type'] for r in rows] == ['triage'] * 3, rows
a1, a2, b = rows
assert (a1['rule'], a1['verdict'], a1['author'], a1['reason'], a1['expires'], a1['valid']) == \
    ('test/always-a', 'acknowledged', 'alice', 'accepted risk', None, True), a1
assert (a2['verdict'], a2['author'], a2['valid']) == ('acknowledged', 'bob', True), a2
e = datetime.strptime(a2['expires'], '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=timezone.utc)
assert abs(e - (datetime.now(timezone.utc) + timedelta(days=30))) < timedelta(minutes=1), a2
assert (b['rule'], b['verdict'], b['author'], b['expires'], b['valid']) == \
    ('test/always-b', 'false_positive', 'carol', exp_utc, True), (b, exp_utc)
EOF
fi
run 0 triage --db "$tdb" --list && contains "$out" "3 verdicts" && pass "triage --list (text)"

# the false positive expires: its finding counts again, the acknowledgement still holds
sleep "$(python3 -c '
from datetime import datetime, timezone
import sys
e = datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
print(max(0.0, (e - datetime.now(timezone.utc)).total_seconds() + 1.2))' "$exp_utc")"
if run 1 analyze --db "$tdb" --rules rules --fail-on low --json; then
	pass "after the expiry: analyze --fail-on low exits 1"
	python3 -c '
import json, sys
f = {o["rule"]: o["triage"] for o in map(json.loads, sys.stdin.read().splitlines()) if o}
sys.exit(0 if f == {"test/always-a": "acknowledged", "test/always-b": None} else 1)' <<<"$out" &&
		pass "expired false positive shows no triage, the acknowledgement does" ||
		fail "after expiry: $out"
fi
checks=$((checks + 1))
v=$(view)
[ "$v" = "test/always-a|$res|alarm|acknowledged
test/always-b|$res|alarm|None" ] && pass "v_finding drops the expired verdict" || fail "v_finding: $v"
run 0 triage --db "$tdb" --list --json &&
	contains "$out" '"author":"carol"' '"valid":false' && pass "triage --list shows the expired verdict"

echo "inventory_test: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
