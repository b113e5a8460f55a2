#!/bin/bash
# Analyzer benchmark: a store filled by `tlsscope sniff --db` from the benchmark capture, then
# `tlsscope analyze` (model and every bundled rule) on it, first and second run. Run by
# `scons bench` from the repository top with the release tlsscope as $1; prints Markdown rows.
set -eu
exec python3 "$(dirname "$0")/analyze_bench.py" "$@"
