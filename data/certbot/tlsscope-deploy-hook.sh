#!/bin/sh
# tlsscope-deploy-hook.sh: a certbot --deploy-hook that checks a renewed certificate with
# tlsscope BEFORE it goes live. It serves the lineage's new fullchain.pem and privkey.pem
# with a temporary `openssl s_server` on 127.0.0.1 (a free port), scans that with
#   tlsscope scan --sni FIRST_DOMAIN --ca-file ... --profile PROFILE --fail-on SEVERITY
# stops the server and exits with tlsscope's status: non-zero when the profile fails, so a
# reload chained after it (`tlsscope-deploy-hook.sh && systemctl reload nginx`) does not
# run. See README.md beside this file.
#
# certbot sets: RENEWED_LINEAGE  the lineage directory (/etc/letsencrypt/live/NAME)
#               RENEWED_DOMAINS  its names, space-separated (the first is scanned as SNI)
# Settings (environment):
#   TLSSCOPE_PROFILE  the profile to pass (default pci-dss-4.0.1: trusted chain, valid
#                     dates and name, key strength; cabf-br adds the CA/Browser Forum
#                     baseline requirements on the certificate's contents but does not
#                     check expiry). The temporary server offers only TLS 1.2 and 1.3
#                     with ECDHE and AEAD suites, so protocol rules pass: the verdict is
#                     about the certificate, not about the production server's settings
#   TLSSCOPE_FAIL_ON  fail at or above this severity (default high)
#   TLSSCOPE_CA_FILE  trust anchors for the chain check (default: the system store)
#   TLSSCOPE          the program (default: tlsscope from PATH)
#   OPENSSL           the openssl program (default: openssl from PATH)
#   TLSSCOPE_DB       also keep the scan and its findings in this store (default: none)
#
# Exit status: 0 the certificate passes; 1 an alarm at or above TLSSCOPE_FAIL_ON (printed
# on stderr); 2 bad input (no lineage, unreadable files, a bad setting); 3 runtime failure
# (the temporary server did not start, tlsscope failed).
set -u

profile=${TLSSCOPE_PROFILE:-pci-dss-4.0.1}
fail_on=${TLSSCOPE_FAIL_ON:-high}
prog=${TLSSCOPE:-tlsscope}
openssl=${OPENSSL:-openssl}

say() { echo "tlsscope-deploy-hook: $*" >&2; }

lineage=${RENEWED_LINEAGE:-}
if [ -z "$lineage" ]; then
	say "RENEWED_LINEAGE is not set: run me as certbot's --deploy-hook"
	exit 2
fi
for f in fullchain.pem privkey.pem; do
	if [ ! -r "$lineage/$f" ]; then
		say "cannot read $lineage/$f"
		exit 2
	fi
done
# shellcheck disable=SC2086  # the first word of a space-separated list
set -- ${RENEWED_DOMAINS:-}
domain=${1:-}
if [ -z "$domain" ]; then
	say "RENEWED_DOMAINS is empty: no name to send as SNI"
	exit 2
fi
domain=${domain#\*.}     # a wildcard: scan its base name
for tool in "$prog" "$openssl"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		say "cannot find '$tool'"
		exit 3
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tlsscope-hook.XXXXXX") || exit 3
pid=
# shellcheck disable=SC2317  # called through trap
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 3' HUP INT TERM

# fullchain.pem = the leaf, then the intermediates: s_server takes them apart
awk -v dir="$tmp" '
	/-----BEGIN CERTIFICATE-----/ { n++ }
	n == 1 { print > (dir "/leaf.pem") }
	n > 1 { print > (dir "/chain.pem") }
' "$lineage/fullchain.pem"
if [ ! -s "$tmp/leaf.pem" ]; then
	say "$lineage/fullchain.pem holds no certificate"
	exit 2
fi
chain_opt=
[ -s "$tmp/chain.pem" ] && chain_opt="-cert_chain $tmp/chain.pem"

# a free port: the kernel picks nothing for s_server, so try random high ports until one
# binds (s_server prints ACCEPT once it listens, or exits when the port is taken).
# The server itself must not be what fails: TLS 1.2 and 1.3 with ECDHE and AEAD suites only
# (what any profile accepts), and security level 0 so that it serves even a certificate
# that OpenSSL's defaults would refuse (an RSA 1024 key): judging it is tlsscope's job.
port=
tries=0
while [ -z "$port" ] && [ $tries -lt 20 ]; do
	tries=$((tries + 1))
	p=$(( ($(od -An -N2 -tu2 /dev/urandom) % 30000) + 20000 ))
	: >"$tmp/server.out"
	# shellcheck disable=SC2086  # chain_opt is an option and its file name
	"$openssl" s_server -accept "127.0.0.1:$p" -cert "$tmp/leaf.pem" $chain_opt \
		-key "$lineage/privkey.pem" -www -min_protocol TLSv1.2 \
		-cipher 'ECDHE+AESGCM:ECDHE+CHACHA20:@SECLEVEL=0' \
		</dev/null >"$tmp/server.out" 2>"$tmp/server.err" &
	pid=$!
	i=0
	while [ $i -lt 50 ]; do
		if grep -q ACCEPT "$tmp/server.out" 2>/dev/null; then
			port=$p
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	if [ -z "$port" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
		if grep -qi 'key values mismatch\|unable to load\|no certificate\|bad' \
			"$tmp/server.err" 2>/dev/null; then
			say "openssl s_server refused the lineage:"
			cat "$tmp/server.err" >&2
			exit 2
		fi
	fi
done
if [ -z "$port" ]; then
	say "could not start openssl s_server on 127.0.0.1:"
	cat "$tmp/server.err" >&2
	exit 3
fi

set -- scan --sni "$domain" --profile "$profile" --fail-on "$fail_on" --timeout 5000
[ -z "${TLSSCOPE_CA_FILE:-}" ] || set -- "$@" --ca-file "$TLSSCOPE_CA_FILE"
[ -z "${TLSSCOPE_DB:-}" ] || set -- "$@" --db "$TLSSCOPE_DB"
"$prog" "$@" "127.0.0.1:$port" >"$tmp/scan.out"
rc=$?
case $rc in
0) say "$lineage ($domain): passes $profile (nothing at or above $fail_on)" ;;
1) say "$lineage ($domain): FAILS $profile (alarms at or above $fail_on above):" \
       "do not deploy it" ;;
*) say "tlsscope scan failed (exit $rc)" ;;
esac
exit $rc
