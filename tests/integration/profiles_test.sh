#!/bin/bash
# The compliance profiles NIST SP 800-52r2, PCI DSS 4.0.1 and BSI TR-02102-2 end to end:
# openssl s_server instances on 127.0.0.1 (TLS 1.0 enabled; TLS 1.2/1.3 ECDHE-GCM with an
# RSA 2048 leaf and a stapled OCSP response; the same with an RSA 3072 leaf; ChaCha20;
# an expired leaf; a self-signed leaf), each scanned with `tlsscope scan --db --ca-file`,
# then `tlsscope analyze --profile P --json` for each profile. Every rule's status on every
# server is derived from the server's configuration and the standard's text, and the PCI
# 4.2.1.1 / 12.3.3 inventories must list exactly the certificates, versions and suites the
# servers were given; see tests/integration/profiles/profiles.py.
#
# usage: tests/integration/profiles_test.sh PATH/TO/tlsscope [profiles.py options]
# Prints one line per check ("ok NAME" or "FAIL NAME: ..."), exits non-zero on any failure;
# prints "SKIP: reason" and exits 0 when openssl or faketime (tests/pki/mkpki.sh) is missing.
set -u
prog=${1:?usage: profiles_test.sh PATH/TO/tlsscope}
shift
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
for tool in openssl faketime python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is not installed (.ci/install-deps installs it)"
		exit 0
	fi
done
exec python3 "$(dirname "$0")/profiles/profiles.py" "$prog" "$@"
