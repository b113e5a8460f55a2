#!/bin/bash
# The scanner's speed (issue 4, "Speed"): tlsscope against sslscan, nmap's ssl-enum-ciphers and
# testssl.sh on the correctness lab's six servers (wall time and TCP connections per endpoint,
# the connections counted by tcpdump), then 1,000 endpoints behind a 50 ms round trip in
# network namespaces of our own (endpoints per second against connections x RTT /
# concurrency). See tests/bench/scan_bench.py. Needs root (tcpdump, namespaces); the other
# scanners are Debian packages (apt-get install sslscan nmap testssl.sh), rows say when one is
# missing. Everything is bounded in time and cleaned up on every exit.
#
# usage: tests/bench/scan_bench.sh PATH/TO/tlsscope
# Run by `scons bench` (tests/SConscript) from the repo top.
set -u
prog=${1:?usage: scan_bench.sh PATH/TO/tlsscope}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
here=$(dirname "$0")
tag=$$
child=
cleanup() {
	[ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
	# the namespaces of the many-targets part (scan_bench.py deletes them itself; this is
	# for a python killed without its finally)
	for ns in tlsscope-bench-$tag-c tlsscope-bench-$tag-s; do
		ip netns del "$ns" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

rc=0
timeout -s TERM 1500 python3 "$here/scan_bench.py" lab "$prog" & child=$!
wait $child || rc=1
child=
echo
timeout -s TERM 900 python3 "$here/scan_bench.py" many "$prog" --tag "$tag" & child=$!
wait $child || rc=1
child=
exit $rc
