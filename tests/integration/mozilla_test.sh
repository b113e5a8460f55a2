#!/bin/bash
# The Mozilla compliance profiles (rules/compliance/mozilla-6.0-modern, -6.0-intermediate,
# -5.8-old) end to end: a modern-only nginx, an intermediate openssl s_server and a legacy
# (TLS 1.0-1.2, CBC, RSA key exchange, DHE) s_server on 127.0.0.1, each scanned with
# `tlsscope scan --db`, then `tlsscope analyze --rules rules/compliance/<profile> --json`;
# each rule's status per endpoint is compared with what the server's configuration and the
# guidelines JSON (data/mozilla-server-side-tls-*.json) give; re-running analyze must update
# the findings' counts without duplicating them. See tests/integration/mozilla/mozlab.py.
#
# usage: tests/integration/mozilla_test.sh PATH/TO/tlsscope [mozlab.py options]
# Prints one line per check ("ok NAME" or "FAIL NAME: want X got Y"), exits non-zero on any
# failure; prints "SKIP: reason" and exits 0 when nginx or sqlite3 is not installed.
set -u
prog=${1:?usage: mozilla_test.sh PATH/TO/tlsscope}
shift
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
for tool in nginx sqlite3 openssl; do
	if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
		echo "SKIP: $tool is not installed (.ci/install-deps installs it)"
		exit 0
	fi
done
exec python3 "$(dirname "$0")/mozilla/mozlab.py" "$prog" "$@"
