#!/bin/bash
# The CA/Browser Forum certificate rules (cabf-br), the CT rule (browser-ct) and the SSL
# Labs grade (ssllabs) end to end: openssl s_server (and nginx, gnutls-serv when installed)
# on 127.0.0.1 serving certificates made with openssl across the CA/B validity schedule,
# with weak keys, SHA-1, no SAN, CA:TRUE, no EKU, no revocation pointer, no policy and
# embedded SCT lists, scanned with `tlsscope scan --db --ca-file`, analyzed per profile.
# Expected verdicts come from openssl's view of each certificate and the BR / SSL Labs
# texts written again in Python; see tests/integration/grade/gradelab.py.
#
# usage: tests/integration/grade_test.sh PATH/TO/tlsscope [gradelab.py options]
# Prints one line per check, exits non-zero on any failure; "SKIP: reason" and exit 0 when
# openssl or python3 is missing.
set -u
prog=${1:?usage: grade_test.sh PATH/TO/tlsscope}
shift
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
for tool in openssl python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is not installed"
		exit 0
	fi
done
exec python3 "$(dirname "$0")/grade/gradelab.py" "$prog" "$@"
