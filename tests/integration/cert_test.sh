#!/bin/bash
# The certificate features of `tlsscope scan` end to end: certificates, chain trust and
# verify errors, host name match, OCSP stapling (TLS 1.2 CertificateStatus and TLS 1.3
# Certificate extension), must-staple, pins, the chains of a dual-certificate server, SNI
# and HSTS, against nginx and openssl s_server on 127.0.0.1 serving the test PKI of
# tests/pki/mkpki.sh. Expected values come from the configurations and the openssl CLI
# (x509, pkey, verify, ocsp) and are confirmed against the running servers with
# openssl s_client; see tests/integration/certlab/certlab.py.
#
# usage: tests/integration/cert_test.sh PATH/TO/tlsscope [certlab.py options]
# Prints one line per check ("ok NAME" or "FAIL NAME: want X got Y"), exits non-zero on any
# failure; prints "SKIP: reason" and exits 0 when nginx or faketime is not installed.
set -u
prog=${1:?usage: cert_test.sh PATH/TO/tlsscope}
shift
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
for tool in nginx faketime; do
	if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
		echo "SKIP: $tool is not installed (.ci/install-deps installs it)"
		exit 0
	fi
done
exec python3 "$(dirname "$0")/certlab/certlab.py" "$prog" "$@"
