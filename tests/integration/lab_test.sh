#!/bin/bash
# The active scanner against a lab of real TLS servers on loopback (openssl s_server,
# gnutls-serv, nginx) whose configurations make the truth known: every expected value
# (versions, suites and their order, groups, signature schemes, behaviours) must match
# `tlsscope scan --json`. Expected values come from the configurations and are confirmed
# with openssl s_client and gnutls-cli; see tests/integration/lab/lab.py.
#
# usage: tests/integration/lab_test.sh PATH/TO/tlsscope
# Run by `scons test` (tests/SConscript) from the repo top; exits non-zero on any mismatch.
set -u
prog=${1:?usage: lab_test.sh PATH/TO/tlsscope}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
exec python3 "$(dirname "$0")/lab/lab.py" "$prog"
