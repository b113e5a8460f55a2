#!/bin/bash
# Correlation of scans with observed traffic, end to end with real traffic on loopback: a
# real server (openssl s_server) is scanned into a fresh store, real clients (openssl
# s_client, curl, gnutls-cli) are captured with tcpdump and the capture is sniffed into the
# same store; then what answers on that port changes (a server capped at TLS 1.2, a rogue
# certificate, another issuer, a suite the scan did not see, TLS 1.3 after the scan) and the
# rules of the downgrade and rogue-cert profiles must point at exactly those flows. See
# tests/integration/correlation/correlation.py for the cases and where expected values come
# from (the test's own actions, openssl and tshark; never tlsscope's output).
#
# usage: tests/integration/correlation_test.sh PATH/TO/tlsscope [correlation.py options]
# Prints one line per check ("ok NAME" or "FAIL NAME: ..."), exits non-zero on any failure;
# prints "SKIP: reason" and exits 0 when a tool is missing or tcpdump cannot capture on lo.
set -u
prog=${1:?usage: correlation_test.sh PATH/TO/tlsscope}
shift
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
for tool in openssl curl gnutls-cli tcpdump tshark python3; do
	if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
		echo "SKIP: $tool is not installed (.ci/install-deps installs it)"
		exit 0
	fi
done
exec python3 "$(dirname "$0")/correlation/correlation.py" "$prog" "$@"
