#!/bin/bash
# `tlsscope sniff -i` on a real interface with real clients and servers (issue 3, "Live"):
#
#   netns tlsscope-test-PID-c                      netns tlsscope-test-PID-s
#   10.200.0.1/30 veth-c <════ veth pair ════> veth-s 10.200.0.2/30
#     curl, openssl s_client, gnutls-cli  ──TLS──▶  nginx, openssl s_server (TLS 1.2, 1.3),
#     openssl s_server (reverse run)      ◀──TLS──  gnutls-serv; openssl s_client (reverse)
#     sniffed by: tlsscope sniff -i veth-c --json
#                 tlsscope sniff -i veth-c --json --pseudonymize KEY --db DB
#                 tcpdump -i veth-c -w live.pcap (independent capture of the same traffic)
#
# Both ends of the pair live in namespaces this script creates (and deletes on every exit
# path), with addresses that exist only there and no route anywhere else: no packet can leave
# the machine. After SIGTERM to the sniffers, the test asserts that
#  - the live output and `tlsscope sniff -r live.pcap` have the same connections with the same
#    fields (ja3, ja4, ja3s, sni, version, cipher, certificate hashes, ...; ts within 0.1 s:
#    each capture socket stamps the packet on its own), one per client run;
#  - each connection's SNI, version and cipher are what the client itself reported
#    (s_client -brief, curl -v, gnutls-cli's session description with a priority that allows
#    one suite), suite names mapped to IANA names through the suite's code point
#    (`openssl ciphers -V`, `gnutls-cli -l`, data/tls-cipher-suites.csv), and the certificate
#    hash is the SHA-256 of the server's certificate file (TLS 1.2; null for TLS 1.3);
#  - --pseudonymize: no real client address in the JSON or the store, server addresses kept,
#    the same pseudonyms live and from the pcap and in two runs with the same key, other
#    pseudonyms with another key, and the /30 preserved: the pseudonyms of 10.200.0.1 and
#    10.200.0.2 (the reverse run's client) share exactly 30 leading bits, as the addresses do.
#
# usage: tests/integration/live_test.sh PATH/TO/tlsscope
# Run by `scons test` from the repo top. Needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN) to create
# namespaces: without it, prints "SKIP: <reason>" and exits 0 (the only case it skips).
# The tools come from .ci/install-deps (iproute2, tcpdump, curl, nginx, gnutls-bin, openssl).
set -u

prog=${1:?usage: live_test.sh PATH/TO/tlsscope}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
nsc=tlsscope-test-$$-c
nss=tlsscope-test-$$-s
ipc=10.200.0.1
ips=10.200.0.2
work=$(mktemp -d "${TMPDIR:-/tmp}/live_test.XXXXXX")
pids=()
made_ns=()
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

cleanup() {
	local p ns
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for ns in "${made_ns[@]}"; do
		# whatever still runs in a namespace of ours was started by this script
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- can we? --------------------------------------------------------------------------------
if ! command -v ip >/dev/null 2>&1; then
	echo "FAIL: ip (iproute2) is not installed (.ci/install-deps installs it)"
	exit 1
fi
if ! ip netns add "$nsc" 2>"$work/netns.err"; then
	echo "SKIP: cannot create a network namespace (ip netns add: $(head -c 200 "$work/netns.err"));" \
		"the live test needs root or CAP_NET_ADMIN and CAP_SYS_ADMIN"
	exit 0
fi
made_ns+=("$nsc")
# `ip netns add` can leave a namespace that cannot be entered (a chroot whose / is not a
# mount point: "mount --make-rslave / failed"): entering it is part of "can we".
if ! ip netns exec "$nsc" true 2>"$work/netns.err"; then
	echo "SKIP: cannot enter a network namespace (ip netns exec: $(head -c 200 "$work/netns.err"))"
	exit 0
fi
for t in tcpdump curl openssl gnutls-cli gnutls-serv nginx ss python3 timeout; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] ||
		{ echo "FAIL: $t is not installed (.ci/install-deps installs it)"; exit 1; }
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)

# ---- the network: two namespaces, one veth pair, nothing else -------------------------------
ip netns add "$nss" || { echo "FAIL: ip netns add $nss"; exit 1; }
made_ns+=("$nss")
# created directly inside the namespaces: the pair never exists in the host's namespace
ip link add veth-c netns "$nsc" type veth peer name veth-s netns "$nss" &&
	ip -n "$nsc" addr add "$ipc/30" dev veth-c &&
	ip -n "$nss" addr add "$ips/30" dev veth-s &&
	ip -n "$nsc" link set lo up && ip -n "$nss" link set lo up &&
	ip -n "$nsc" link set veth-c up && ip -n "$nss" link set veth-s up ||
	{ echo "FAIL: cannot set up the veth pair"; exit 1; }

# ---- certificates, keys, servers --------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=live.test \
	-days 2 -keyout "$work/ec.key" -out "$work/ec.pem" >/dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=nginx.live.test -days 2 \
		-keyout "$work/rsa.key" -out "$work/rsa.pem" >/dev/null 2>&1 ||
	{ echo "FAIL: openssl req"; exit 1; }
sha_ec=$(openssl x509 -in "$work/ec.pem" -outform DER | sha256sum | cut -d' ' -f1)
sha_rsa=$(openssl x509 -in "$work/rsa.pem" -outform DER | sha256sum | cut -d' ' -f1)
head -c 32 /dev/urandom >"$work/key1" && head -c 32 /dev/urandom >"$work/key2" &&
	chmod 600 "$work/key1" "$work/key2" || { echo "FAIL: key files"; exit 1; }

# start NAME NS CMD...: runs CMD in namespace NS in the background (stdin /dev/null)
start() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null &
	pids+=("$!")
	last_pid=$!
}

# wait_port NS PORT: until something listens on TCP PORT in NS (at most 10 s)
wait_port() {
	for _ in $(seq 100); do
		[ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ] && return 0
		sleep 0.1
	done
	fail "nothing listens on port $2 in $1"
	return 1
}

# wait_sock PID: until process PID has a packet socket open in the client namespace (10 s)
wait_sock() {
	for _ in $(seq 100); do
		ip netns exec "$nsc" ss -0 -p | grep -q "pid=$1," && return 0
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	fail "capture process $1 did not open the interface"
	return 1
}

mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen $ips:4434 ssl;
        ssl_certificate $work/rsa.pem;
        ssl_certificate_key $work/rsa.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / { return 200 "live\n"; }
    }
}
EOF
start nginx "$nss" "$nginx" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log"
start s12 "$nss" openssl s_server -accept "$ips:4431" -cert "$work/ec.pem" -key "$work/ec.key" \
	-tls1_2 -www
start s13 "$nss" openssl s_server -accept "$ips:4432" -cert "$work/ec.pem" -key "$work/ec.key" \
	-tls1_3 -www
start gserv "$nss" gnutls-serv --http -p 4433 --x509certfile "$work/ec.pem" \
	--x509keyfile "$work/ec.key"
start rev "$nsc" openssl s_server -accept "$ipc:4435" -cert "$work/ec.pem" -key "$work/ec.key" \
	-tls1_2 -www
for p in "$nss 4431" "$nss 4432" "$nss 4433" "$nss 4434" "$nsc 4435"; do
	# shellcheck disable=SC2086 # "NS PORT"
	wait_port $p || exit 1
done

# ---- sniffers ------------------------------------------------------------------------------------
start live "$nsc" "$prog" sniff -i veth-c --json
live_pid=$last_pid
start livep "$nsc" "$prog" sniff -i veth-c --json --pseudonymize "$work/key1" --db "$work/p.db"
livep_pid=$last_pid
start tcpdump "$nsc" tcpdump -i veth-c -n -s 0 -U -Z root -w "$work/live.pcap"
tcpdump_pid=$last_pid
wait_sock "$live_pid" && wait_sock "$livep_pid" && wait_sock "$tcpdump_pid" || exit 1
# An open packet socket is not yet a running capture: plain TCP connections (no TLS, so no
# record) until tcpdump has written packets, then a moment for the sniffers started earlier.
for _ in $(seq 50); do
	ip netns exec "$nsc" timeout 1 bash -c "exec 3<>/dev/tcp/$ips/4434" 2>/dev/null
	[ "$(stat -c %s "$work/live.pcap" 2>/dev/null || echo 0)" -gt 200 ] && break
	sleep 0.2
done
[ "$(stat -c %s "$work/live.pcap" 2>/dev/null || echo 0)" -gt 200 ] ||
	{ fail "the captures did not start within 10 s"; exit 1; }
sleep 0.5

# ---- client runs: one TLS connection each, every one with its own SNI ---------------------------
# runs.tsv: sni, server port, client address, tool, version and suite as the tool reported
# them, the suite's code point (from the tool's own listing), the expected leaf hash
: >"$work/runs.tsv"
n_runs=0
record() { # sni port client tool version suite_code cert
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$work/runs.tsv"
	n_runs=$((n_runs + 1))
}

# OpenSSL suite name -> code point, from OpenSSL itself
openssl ciphers -V 'ALL:@SECLEVEL=0' >"$work/ossl-ciphers.txt" 2>/dev/null
ossl_code() {
	awk -v n="$1" '$3 == n { print $1; exit }' "$work/ossl-ciphers.txt"
}

sclient() { # ns sni host port cert [extra s_client options]
	local ns=$1 sni=$2 host=$3 port=$4 cert=$5 v c
	shift 5
	echo | timeout 10 ip netns exec "$ns" openssl s_client -brief -connect "$host:$port" \
		-servername "$sni" "$@" >"$work/$sni.out" 2>"$work/$sni.err"
	v=$(sed -n 's/^Protocol version: //p' "$work/$sni.err" | head -1)
	c=$(sed -n 's/^Ciphersuite: //p' "$work/$sni.err" | head -1)
	[ -n "$v" ] && [ -n "$c" ] || { fail "s_client $sni: $(head -c 300 "$work/$sni.err")"; return; }
	record "$sni" "$port" "$([ "$ns" = "$nsc" ] && echo "$ipc" || echo "$ips")" s_client \
		"$v" "$(ossl_code "$c")" "$cert"
}

curlrun() { # sni port cert [extra curl options]
	local sni=$1 port=$2 cert=$3 v c
	shift 3
	timeout 10 ip netns exec "$nsc" curl -sS -k -v --resolve "$sni:$port:$ips" "$@" \
		"https://$sni:$port/" >"$work/$sni.out" 2>"$work/$sni.err"
	read -r v c < <(sed -n 's/^\* SSL connection using \([^ ]*\) \/ \([^ ]*\).*/\1 \2/p' \
		"$work/$sni.err" | head -1)
	[ -n "${v:-}" ] && [ -n "${c:-}" ] || { fail "curl $sni: $(head -c 300 "$work/$sni.err")"; return; }
	record "$sni" "$port" "$ipc" curl "$v" "$(ossl_code "$c")" "$cert"
}

gnutlsrun() { # sni port cert priority (allowing exactly one suite) cipher (as in the description)
	local sni=$1 port=$2 cert=$3 prio=$4 desc v code
	timeout 10 ip netns exec "$nsc" gnutls-cli --insecure --priority "$prio" -p "$port" \
		--sni-hostname "$sni" "$ips" </dev/null >"$work/$sni.out" 2>&1
	desc=$(sed -n 's/^- Description: //p' "$work/$sni.out" | head -1)
	# "(TLS1.3-X.509)-(ECDHE-SECP256R1)-(ECDSA-SECP256R1-SHA256)-(CHACHA20-POLY1305)"
	v=$(printf '%s' "$desc" | sed -n 's/^(TLS\([0-9.]*\).*/TLSv\1/p')
	[ -n "$v" ] || { fail "gnutls-cli $sni: $(head -c 300 "$work/$sni.out")"; return; }
	code=$(gnutls-cli -l --priority "$prio" |
		sed -n 's/^TLS_[A-Z0-9_]*[[:space:]]*0x\([0-9a-f]*\), 0x\([0-9a-f]*\).*/0x\1,0x\2/p')
	[ "$(printf '%s\n' "$code" | grep -c .)" = 1 ] ||
		{ fail "gnutls priority $prio allows several suites: $code"; return; }
	case $desc in *"-($5)") ;; *) fail "gnutls-cli $sni: cipher of '$desc' is not $5"; return ;; esac
	record "$sni" "$port" "$ipc" gnutls-cli "$v" "$code" "$cert"
}

curlrun run1.live.test 4434 - --tlsv1.3
curlrun run2.live.test 4434 "$sha_rsa" --tlsv1.2 --tls-max 1.2
curlrun run3.live.test 4431 "$sha_ec"
sclient "$nsc" run4.live.test "$ips" 4431 "$sha_ec"
sclient "$nsc" run5.live.test "$ips" 4432 -
gnutlsrun run6.live.test 4433 "$sha_ec" \
	'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:-KX-ALL:+ECDHE-ECDSA' AES-128-GCM
gnutlsrun run7.live.test 4433 - \
	'NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305' CHACHA20-POLY1305
sclient "$nsc" run8.live.test "$ips" 4434 - -tls1_3
sclient "$nss" run9.live.test "$ipc" 4435 "$sha_ec" # the reverse run: client 10.200.0.2
sleep 1 # the last packets reach the capture buffers (read timeout 200 ms)

# ---- stop the sniffers (SIGTERM), bounded -----------------------------------------------------
stop() { # pid name: SIGTERM, at most 10 s; sets $stopped_status
	local i
	kill -TERM "$1" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		fail "$2 did not stop within 10 s of SIGTERM"
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1"
	stopped_status=$?
}
stop "$live_pid" "tlsscope sniff -i"
[ "$stopped_status" = 0 ] || fail "live sniff exited $stopped_status: $(cat "$work/live.err")"
stop "$livep_pid" "tlsscope sniff -i --pseudonymize"
[ "$stopped_status" = 0 ] || fail "live sniff --pseudonymize exited $stopped_status: $(cat "$work/livep.err")"
stop "$tcpdump_pid" tcpdump
grep -q "stopped" "$work/live.err" || fail "live sniff: no summary on stderr"

# ---- the same traffic from the pcap -----------------------------------------------------------
"$prog" sniff -r "$work/live.pcap" --json >"$work/pcap.jsonl" 2>"$work/pcap.err" ||
	fail "sniff -r live.pcap: $(cat "$work/pcap.err")"
for i in 1 2; do
	"$prog" sniff -r "$work/live.pcap" --json --pseudonymize "$work/key1" \
		>"$work/pcap-p$i.jsonl" 2>"$work/pcap-p$i.err" ||
		fail "sniff -r --pseudonymize ($i): $(cat "$work/pcap-p$i.err")"
done
"$prog" sniff -r "$work/live.pcap" --json --pseudonymize "$work/key2" \
	>"$work/pcap-k2.jsonl" 2>/dev/null || fail "sniff -r --pseudonymize key2"
cmp -s "$work/pcap-p1.jsonl" "$work/pcap-p2.jsonl" ||
	fail "two runs with the same key differ"

python3 - "$work" "$n_runs" "$ipc" "$ips" "$top/data/tls-cipher-suites.csv" <<'EOF' || fail "live outputs"
import csv, ipaddress, json, os, sqlite3, sys

work, n_runs, ipc, ips, suites = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
names = {r['hex'].replace(' ', '').lower(): r['iana_name'] for r in csv.DictReader(open(suites))}
bad = []

def load(name):
    return [json.loads(l) for l in open(os.path.join(work, name)) if l.strip()]

def key(o):
    return (o['client_port'], o['server_ip'], o['server_port'])

def index(objs, what):
    d = {}
    for o in objs:
        if key(o) in d:
            bad.append('%s: two objects for %r' % (what, key(o)))
        d[key(o)] = o
    return d

def same(a, b, what, skip=('ts',)):
    for k in sorted(set(a) | set(b)):
        if k not in skip and a.get(k) != b.get(k):
            bad.append('%s %r: %s %r != %r' % (what, key(a), k, a.get(k), b.get(k)))

live, pcap = load('live.out'), load('pcap.jsonl')
livep, pcapp, pcapk2 = load('livep.out'), load('pcap-p1.jsonl'), load('pcap-k2.jsonl')
for what, objs in (('live', live), ('pcap', pcap), ('live --pseudonymize', livep),
                   ('pcap --pseudonymize', pcapp), ('pcap key2', pcapk2)):
    if len(objs) != n_runs:
        bad.append('%s: %d connections, %d client runs' % (what, len(objs), n_runs))

# 1. live == pcap, field by field
L, P = index(live, 'live'), index(pcap, 'pcap')
if set(L) != set(P):
    bad.append('live and pcap connections differ: %r vs %r' % (sorted(L), sorted(P)))
def secs(ts):  # "2026-11-22T05:00:00.123456Z" -> seconds of the day (same day here)
    h, m, s = ts[11:-1].split(':')
    return int(h) * 3600 + int(m) * 60 + float(s)
for k in set(L) & set(P):
    same(L[k], P[k], 'live vs pcap')
    # both captures stamp the same packet, each through its own socket: microseconds apart
    if L[k]['ts'][:10] != P[k]['ts'][:10] or abs(secs(L[k]['ts']) - secs(P[k]['ts'])) > 0.1:
        bad.append('live vs pcap %r: ts %s != %s' % (k, L[k]['ts'], P[k]['ts']))

# 2. each connection is what its client reported
runs = {}
for line in open(os.path.join(work, 'runs.tsv')):
    sni, port, client, tool, version, code, cert = line.rstrip('\n').split('\t')
    runs[sni] = dict(port=int(port), client=client, tool=tool, version=version,
                     cipher=names.get(code.lower(), '?' + code), cert=None if cert == '-' else cert)
by_sni = {o['sni']: o for o in live}
for sni, r in runs.items():
    o = by_sni.get(sni)
    if not o:
        bad.append('%s (%s): not seen live' % (sni, r['tool']))
        continue
    want = {'server_port': r['port'], 'client_ip': r['client'],
            'server_ip': ips if r['client'] == ipc else ipc, 'version': r['version'],
            'cipher': r['cipher'], 'server_cert_sha256': r['cert']}
    for k, v in want.items():
        if o[k] != v:
            bad.append('%s (%s): %s = %r, the client says %r' % (sni, r['tool'], k, o[k], v))
    if r['cert'] and o['server_chain_sha256'] != [r['cert']]:
        bad.append('%s: chain %r' % (sni, o['server_chain_sha256']))
    for k in ('ja3', 'ja4'):
        if not o[k]:
            bad.append('%s: no %s' % (sni, k))
    if not o['ja3s']:
        bad.append('%s: no ja3s' % sni)

# 3. --pseudonymize
LP, PP, K2 = index(livep, 'live-p'), index(pcapp, 'pcap-p'), index(pcapk2, 'pcap-k2')
for k in set(LP) & set(PP):
    same(LP[k], PP[k], 'pseudonymized live vs pcap')
pseudo = {}
for k, o in PP.items():
    if k not in P:
        bad.append('pseudonymized %r: no plain object' % (k,))
        continue
    p = P[k]
    same(o, p, 'pseudonymized vs plain', skip=('ts', 'client_ip'))
    real = p['client_ip']
    if o['client_ip'] in (ipc, ips):
        bad.append('pseudonymized %r: real client address %s' % (k, o['client_ip']))
    if o['server_ip'] != p['server_ip']:
        bad.append('pseudonymized %r: server address changed' % (k,))
    pseudo.setdefault(real, set()).add(o['client_ip'])
    if k in K2 and K2[k]['client_ip'] == o['client_ip']:
        bad.append('key2 gives the same pseudonym %s' % o['client_ip'])
for real, ps in pseudo.items():
    if len(ps) != 1:
        bad.append('%s has several pseudonyms under one key: %r' % (real, ps))
if set(pseudo) != {ipc, ips}:
    bad.append('pseudonymized clients: %r, want both ends of the /30' % sorted(pseudo))
else:
    a, b = (int(ipaddress.IPv4Address(next(iter(pseudo[x])))) for x in (ipc, ips))
    ra, rb = int(ipaddress.IPv4Address(ipc)), int(ipaddress.IPv4Address(ips))
    cpl = lambda x, y: 32 - (x ^ y).bit_length()
    if cpl(a, b) != cpl(ra, rb) or cpl(ra, rb) != 30:
        bad.append('/30 not preserved: %s %s share %d bits, %s %s share %d' % (
            ipaddress.IPv4Address(a), ipaddress.IPv4Address(b), cpl(a, b), ipc, ips, cpl(ra, rb)))
    print('pseudonyms: %s -> %s, %s -> %s (/30: %s)' % (
        ipc, ipaddress.IPv4Address(a), ips, ipaddress.IPv4Address(b),
        ipaddress.IPv4Network((a & ~3, 30))))

# 4. the store of the pseudonymizing sniffer holds pseudonyms only
db = sqlite3.connect(os.path.join(work, 'p.db'))
rows = db.execute('select client_ip, server_ip from connections').fetchall()
if len(rows) != n_runs:
    bad.append('--db: %d connections, want %d' % (len(rows), n_runs))
if {c for c, _ in rows} != {next(iter(s)) for s in pseudo.values()}:
    bad.append('--db client addresses %r are not the pseudonyms' % sorted({c for c, _ in rows}))
if any(c in (ipc, ips) for c, _ in rows):
    bad.append('--db holds a real client address')

for b in bad:
    print(b)
print('live_test: %d client runs, %d live connections, %d from the pcap' % (
    n_runs, len(live), len(pcap)))
sys.exit(1 if bad else 0)
EOF

[ "$n_runs" = 9 ] || fail "$n_runs of 9 client runs succeeded"
echo "live_test: $fails failed"
[ "$fails" -eq 0 ]
