#!/bin/sh
# tlsscope-scan.sh: one scheduled run of tlsscope (cron, systemd timer, CI): scan the
# targets of a file into a database, analyze it, write a dated HTML report and the diff
# against the previous scans. See README.md beside this file.
#
# usage: tlsscope-scan.sh [-t TARGETS] [-s STATE_DIR] [-p PROFILE] [-f SEVERITY]
#
# Settings (options win over the environment):
#   -t TARGETS   TLSSCOPE_TARGETS   target file, one target per line (`tlsscope scan @FILE`)
#                                   default /etc/tlsscope/targets.txt
#   -s DIR       TLSSCOPE_STATE_DIR where tlsscope.db and reports/ live; default
#                                   $STATE_DIRECTORY (systemd StateDirectory=), else
#                                   /var/lib/tlsscope
#   -p PROFILE   TLSSCOPE_PROFILE   profile of the analysis and the report (pci-dss-4.0.1,
#                                   mozilla-6.0-intermediate, ...); default all (every rule)
#   -f SEVERITY  TLSSCOPE_FAIL_ON   exit 1 when an alarm at or above it (info, low, medium,
#                                   high, critical) has no analyst verdict; default: never
#   TLSSCOPE             the program (default: tlsscope from PATH)
#   TLSSCOPE_SCAN_OPTS   more `tlsscope scan` options, split on spaces (e.g.
#                        "--ca-file /etc/tlsscope/ca.pem --rate 50")
#   TLSSCOPE_EXEC        `tlsscope analyze --exec` command run for each new alarm
#   TLSSCOPE_EXEC_SEVERITY  its --exec-severity (default medium)
#
# Exit status (tlsscope's): 0 success, 1 an alarm at or above TLSSCOPE_FAIL_ON,
# 2 usage or input error (bad target file, unknown profile), 3 runtime failure (also when
# another run holds the lock). The worst status of the steps is returned; the report and
# the diff are still written when the analysis found alarms.
set -u

targets=${TLSSCOPE_TARGETS:-/etc/tlsscope/targets.txt}
state=${TLSSCOPE_STATE_DIR:-${STATE_DIRECTORY:-/var/lib/tlsscope}}
profile=${TLSSCOPE_PROFILE:-all}
fail_on=${TLSSCOPE_FAIL_ON:-}
prog=${TLSSCOPE:-tlsscope}

usage() {
	echo "usage: $0 [-t TARGETS] [-s STATE_DIR] [-p PROFILE] [-f SEVERITY]" >&2
	exit 2
}
while getopts t:s:p:f:h opt; do
	case $opt in
	t) targets=$OPTARG ;;
	s) state=$OPTARG ;;
	p) profile=$OPTARG ;;
	f) fail_on=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

say() { echo "tlsscope-scan: $*" >&2; }

if ! command -v "$prog" >/dev/null 2>&1; then
	say "cannot find the program '$prog' (set TLSSCOPE)"
	exit 3
fi
if [ ! -r "$targets" ]; then
	say "cannot read the target file '$targets' (set TLSSCOPE_TARGETS or -t)"
	exit 2
fi
# systemd gives several state directories colon-separated: the first is ours
state=${state%%:*}
if ! mkdir -p "$state/reports"; then
	say "cannot create '$state/reports'"
	exit 3
fi
db=$state/tlsscope.db
day=$(date -u +%Y-%m-%d)
report=$state/reports/report-$day.html
diffs=$state/reports/diff-$day.txt

# one run at a time (a slow scan must not overlap the next cron start)
if command -v flock >/dev/null 2>&1; then
	exec 9>"$state/.lock"
	if ! flock -n 9; then
		say "another run holds $state/.lock"
		exit 3
	fi
fi

worst=0
# note STATUS: keeps the worst exit status (3 > 2 > 1 > 0)
note() {
	if [ "$1" -gt "$worst" ]; then
		worst=$1
	fi
}

# 1. scan (the scan's --fail-on is not used: the analysis below judges the whole store)
# shellcheck disable=SC2086  # TLSSCOPE_SCAN_OPTS is a list of options
"$prog" scan --db "$db" ${TLSSCOPE_SCAN_OPTS:-} "@$targets" >"$state/reports/scan-$day.txt"
rc=$?
if [ $rc -ne 0 ]; then
	say "scan failed (exit $rc)"
	exit $rc
fi

# 2. analyze
set -- analyze --db "$db"
[ "$profile" = all ] || set -- "$@" --profile "$profile"
[ -z "$fail_on" ] || set -- "$@" --fail-on "$fail_on"
if [ -n "${TLSSCOPE_EXEC:-}" ]; then
	set -- "$@" --exec "$TLSSCOPE_EXEC" --exec-severity "${TLSSCOPE_EXEC_SEVERITY:-medium}"
fi
"$prog" "$@" >"$state/reports/findings-$day.txt"
rc=$?
case $rc in
0) ;;
1) say "alarms at or above $fail_on: see $state/reports/findings-$day.txt" ;;
*) say "analyze failed (exit $rc)"; exit $rc ;;
esac
note $rc

# 3. what changed since the previous scans
"$prog" diff --db "$db" >"$diffs"
rc=$?
[ $rc -eq 0 ] || { say "diff failed (exit $rc)"; note $rc; }

# 4. the dated report (written to a temporary name first: a half-written report never
#    replaces a good one)
"$prog" report --db "$db" --profile "$profile" --format html -o "$report.tmp" 2>"$report.err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$report.tmp" ]; then
	mv -f "$report.tmp" "$report"
	rm -f "$report.err"
	say "report: $report"
elif grep -q 'not implemented' "$report.err" 2>/dev/null; then
	say "this tlsscope cannot write reports yet: no report written"
	rm -f "$report.tmp" "$report.err"
else
	cat "$report.err" >&2
	rm -f "$report.tmp" "$report.err"
	say "report failed (exit $rc)"
	[ $rc -ne 0 ] || rc=3
	note $rc
fi
exit "$worst"
