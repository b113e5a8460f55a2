#!/bin/bash
# GeoIP / ASN enrichment end to end (--geoip, analyzer/geo.h) with MaxMind's test databases
# (tests/data/mmdb/README.md). Expected values come from the JSON MaxMind built those
# databases from (*.source.json, matched by longest prefix in python here) and the
# addresses from tshark's view of the capture (tests/pcap/decode/ipv6.pcapng.frames.tsv),
# never from tlsscope's own output. No network access: the addresses are only data.
#
#   sniff --json --geoip: the "geo" object of the one connection of ipv6.pcapng
#   sniff --db --geoip:   its server row in the geo table; --pseudonymize: no client lookups
#   analyze --geoip:      endpoint rows inserted with sqlite3 (MaxMind test addresses) and
#                         the capture's connection are enriched, and rules written here
#                         that join geo see the values (--rules DIR)
#   corrupt, foreign, unreadable databases: exit 2 with the file's name and the reason,
#                         before any work (no store is created)
#
# usage: tests/integration/geo_test.sh PATH/TO/tlsscope
set -u

prog=${1:?usage: geo_test.sh PATH/TO/tlsscope}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
mm=$top/tests/data/mmdb
city=$mm/GeoIP2-City-Test.mmdb
asn=$mm/GeoLite2-ASN-Test.mmdb
pcap=$top/tests/pcap/decode/ipv6.pcapng
work=$(mktemp -d "${TMPDIR:-/tmp}/geo_test.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$top/tests/integration/lib.sh"

for tool in python3 sqlite3; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP: $tool is not installed"
		exit 0
	fi
done

# expect.py ADDRESS...: one JSON line per address: {"ip","country","city","asn","as_org"}
# from the source JSON (longest prefix; IPv4 as ::a.b.c.d, as MaxMind's trees hold it).
cat >"$work/expect.py" <<'EOF'
import ipaddress, json, sys
def load(path):
    nets = []
    for entry in json.load(open(path)):
        for key, rec in entry.items():
            n = ipaddress.ip_network(key)
            if n.version == 4:
                n = ipaddress.ip_network('::%s/%d' % (n.network_address, n.prefixlen + 96))
            nets.append((n, rec))
    return nets
def find(nets, ip):
    a = ipaddress.ip_address(ip)
    if a.version == 4:
        a = ipaddress.ip_address('::' + ip)
    best = None
    for n, rec in nets:
        if a in n and (best is None or n.prefixlen > best[0].prefixlen):
            best = (n, rec)
    return best[1] if best else {}
city = load(sys.argv[1])
asn = load(sys.argv[2])
for ip in sys.argv[3:]:
    c, a = find(city, ip), find(asn, ip)
    print(json.dumps({'ip': ip, 'country': c.get('country', {}).get('iso_code'),
                      'city': c.get('city', {}).get('names', {}).get('en'),
                      'asn': a.get('autonomous_system_number'),
                      'as_org': a.get('autonomous_system_organization')}))
EOF

# the capture's addresses as tshark saw them: the side with port 443 is the server
read -r client server < <(awk -F'\t' '!/^#/ && $6 == 443 { print $3, $4; exit }' \
	"$pcap.frames.tsv")
python3 "$work/expect.py" "$mm/GeoIP2-City-Test.source.json" \
	"$mm/GeoLite2-ASN-Test.source.json" "$server" "$client" >"$work/pcap.want"

# ---- sniff --json --geoip ----------------------------------------------------------------------
if run 0 sniff --json -r "$pcap" --geoip "$city" --geoip "$asn"; then
	checks=$((checks + 1))
	python3 - "$work/out" "$work/pcap.want" <<'EOF' || fail "sniff --json --geoip: geo object"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
want = [json.loads(l) for l in open(sys.argv[2])]
def side(w):
    if not any(w[k] for k in ('country', 'city', 'asn', 'as_org')):
        return None
    return {k: w[k] for k in ('country', 'city', 'asn', 'as_org')}
server, client = side(want[0]), side(want[1])
assert server is not None, 'the test needs a server address the test databases know'
assert len(objs) == 1, objs
o = objs[0]
assert o['server_ip'] == want[0]['ip'] and o['client_ip'] == want[1]['ip'], o
got = o.get('geo')
if got != {'server': server, 'client': client}:
    print('got', got, 'want', server, client)
    sys.exit(1)
EOF
fi
# without --geoip the line has no "geo" (an additive field)
if run 0 sniff --json -r "$pcap"; then
	case $out in *'"geo"'*) fail "sniff --json without --geoip has a geo object" ;; esac
fi

# ---- sniff --db --geoip --------------------------------------------------------------------------
db=$work/sniff.db
if run 0 sniff -r "$pcap" --db "$db" --geoip "$asn" --geoip "$city"; then
	checks=$((checks + 1))
	sqlite3 -json "$db" "SELECT ip, country, city, asn, as_org, source FROM geo ORDER BY ip" \
		>"$work/geo.json"
	python3 - "$work/geo.json" "$work/pcap.want" <<'EOF' || fail "sniff --db --geoip: geo table"
import json, re, sys
text = open(sys.argv[1]).read().strip()
rows = {r['ip']: r for r in json.loads(text)} if text else {}
for w in (json.loads(l) for l in open(sys.argv[2])):
    known = any(w[k] for k in ('country', 'city', 'asn', 'as_org'))
    r = rows.pop(w['ip'], None)
    if not known:
        assert r is None, r
        continue
    assert r is not None, ('missing', w)
    for k in ('country', 'city', 'asn', 'as_org'):
        assert r.get(k) == w[k], (k, r, w)
    # the databases that gave something, "<database_type> <build date>"
    parts = r['source'].split(', ')
    types = [p.rsplit(' ', 1)[0] for p in parts]
    assert all(re.fullmatch(r'\d{4}-\d\d-\d\d', p.rsplit(' ', 1)[1]) for p in parts), r
    assert ('GeoLite2-ASN' in types) == bool(w['asn'] or w['as_org']), r
    assert ('GeoIP2-City' in types) == bool(w['country'] or w['city']), r
assert not rows, rows
EOF
fi

# --pseudonymize: the client address is a pseudonym, never looked up
head -c 32 /dev/urandom >"$work/key"
chmod 600 "$work/key"
if run 0 sniff -r "$pcap" --json --pseudonymize "$work/key" --geoip "$asn" --geoip "$city"; then
	checks=$((checks + 1))
	python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).readline())
sys.exit(0 if o.get("geo", {}).get("client", "absent") is None else 1)' "$work/out" ||
		fail "--pseudonymize: the client was looked up: $out"
fi

# ---- analyze --geoip with rules that join geo ------------------------------------------------
# endpoint rows with addresses of MaxMind's test data (IPv4, IPv6, City only, ASN only,
# both) and a private one nobody knows
adb=$work/analyze.db
run 0 sniff -r "$pcap" --db "$adb"
addrs="81.2.69.160 2.125.160.216 89.160.20.112 216.160.83.56 1.128.0.0 2001:218::1 10.1.2.3"
for a in $addrs; do
	sqlite3 "$adb" "INSERT INTO endpoints (host, ip, port, sni, first_seen) VALUES
		(NULL, '$a', 443, NULL, '2026-01-01T00:00:00.000000Z')" || fail "sqlite3 insert $a"
done
python3 "$work/expect.py" "$mm/GeoIP2-City-Test.source.json" \
	"$mm/GeoLite2-ASN-Test.source.json" $addrs >"$work/ep.want"
mkdir -p "$work/rules"
cat >"$work/rules/endpoint-geo.sql" <<'EOF'
-- id: geo-test/endpoint
-- title: Where each endpoint is
-- severity: info
-- requirements: geo-test:endpoint
SELECT e.ip || ':' || e.port AS resource, 'info' AS status,
       json_object('country', g.country, 'city', g.city, 'asn', g.asn,
                   'as_org', g.as_org) AS reason,
       json_array() AS evidence
FROM endpoints e JOIN geo g ON g.ip = e.ip
EOF
cat >"$work/rules/conn-asn.sql" <<'EOF'
-- id: geo-test/server-asn
-- title: Servers seen on the wire, by AS
-- severity: low
-- requirements: geo-test:server-asn
SELECT c.resource, 'alarm' AS status, 'AS' || g.asn || ' ' || ifnull(g.as_org, '?') AS reason,
       json_group_array('connection:' || c.id) AS evidence
FROM v_conn c JOIN geo g ON g.ip = c.server_ip WHERE g.asn IS NOT NULL GROUP BY c.resource
EOF
if run 0 analyze --db "$adb" --rules "$work/rules" --json --geoip "$city" --geoip "$asn"; then
	checks=$((checks + 1))
	python3 - "$work/out" "$work/ep.want" "$work/pcap.want" <<'EOF' || fail "analyze --geoip: findings"
import json, sys
found = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ep = {f['resource']: json.loads(f['reason']) for f in found if f['rule'] == 'geo-test/endpoint'}
want = {}
for w in (json.loads(l) for l in open(sys.argv[2])):
    if any(w[k] for k in ('country', 'city', 'asn', 'as_org')):
        want[w['ip'] + ':443'] = {k: w[k] for k in ('country', 'city', 'asn', 'as_org')}
assert len(want) >= 5, want   # the table above mostly has data
if ep != want:
    print('endpoints: got', ep, 'want', want)
    sys.exit(1)
server = json.loads(open(sys.argv[3]).readline())
conn = [f for f in found if f['rule'] == 'geo-test/server-asn']
assert len(conn) == 1, conn
f = conn[0]
assert f['status'] == 'alarm' and f['severity'] == 'low', f
assert f['resource'].startswith('[' + server['ip'] + ']:443'), f
assert f['reason'] == 'AS%d %s' % (server['asn'], server['as_org']), f
assert len(f['evidence']) == 1 and f['evidence'][0].startswith('connection:'), f
EOF
fi
n_geo=$(sqlite3 "$adb" "SELECT count(*) FROM geo")
want_geo=$(python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) for w in [json.loads(l)]
          if any(w[k] for k in ("country", "city", "asn", "as_org"))))' <(cat "$work/ep.want" "$work/pcap.want"))
checks=$((checks + 1))
[ "$n_geo" = "$want_geo" ] || fail "analyze --geoip: $n_geo geo rows, want $want_geo"
# re-running replaces the rows, never duplicates them
run 0 analyze --db "$adb" --rules "$work/rules" --geoip "$city" --geoip "$asn"
checks=$((checks + 1))
[ "$(sqlite3 "$adb" "SELECT count(*) FROM geo")" = "$want_geo" ] ||
	fail "analyze --geoip twice: geo rows duplicated"

# ---- bad databases: exit 2 with the file and libmaxminddb's reason, before any work ---------
printf 'not a database\n' >"$work/foreign.mmdb"
: >"$work/empty.mmdb"
for bad in "$mm/bad-libmaxminddb-corrupt-search-tree.mmdb|search tree is corrupt" \
	"$mm/bad-libmaxminddb-deep-nesting.mmdb|contains bad data" \
	"$mm/bad-libmaxminddb-offset-integer-overflow.mmdb|contains bad data" \
	"$work/foreign.mmdb|invalid metadata" "$mm/README.md|invalid metadata" \
	"$work/empty.mmdb|empty file" "$work/missing.mmdb|cannot read"; do
	f=${bad%%|*}
	why=${bad#*|}
	rm -f "$work/new.db"
	if run 2 sniff -r "$pcap" --db "$work/new.db" --geoip "$city" --geoip "$f"; then
		contains "$err" "tlsscope sniff: --geoip" "'$f'" "$why"
		checks=$((checks + 1))
		[ -e "$work/new.db" ] && fail "sniff --geoip $f: created the store before failing"
		[ -z "$out" ] || fail "sniff --geoip $f: printed output: $out"
	fi
	if run 2 analyze --db "$adb" --geoip "$f" --rules "$work/rules"; then
		contains "$err" "tlsscope analyze: --geoip" "'$f'" "$why"
	fi
done
run 2 analyze --db "$adb" --geoip 2>/dev/null
run 0 analyze --help && contains "$out" "--geoip FILE"
run 0 sniff --help && contains "$out" "--geoip FILE"

echo "geo_test: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
