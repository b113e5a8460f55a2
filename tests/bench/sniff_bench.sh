#!/bin/bash
# Passive sensor benchmark: `tlsscope sniff -r` against tshark and tcpdump on a capture of at
# least 200 MB built from the test captures (see sniff_bench.py). Run by `scons bench` from the
# repository top with the release tlsscope as $1; prints Markdown table rows.
set -eu
exec python3 "$(dirname "$0")/sniff_bench.py" "$@"
