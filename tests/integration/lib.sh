# Helpers shared by the integration scripts (sourced; bash). The script sets $prog (the
# tlsscope program) and $work (its scratch directory) before calling run.
#
# fails / checks: counters the script reports at its end.
fails=0
checks=0

# fail MESSAGE...: prints "FAIL: MESSAGE" and counts a failure.
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# run EXPECTED_STATUS ARGS...: runs the program (one check), keeps stdout/stderr in
# $work/out and $work/err and in $out/$err, the exit status in $status; a status other than
# EXPECTED_STATUS is a failure (returns 1).
run() {
	local want=$1
	shift
	checks=$((checks + 1))
	"$prog" "$@" >"$work/out" 2>"$work/err"
	status=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
	if [ "$status" -ne "$want" ]; then
		fail "tlsscope $* exited $status, want $want; stderr: ${err:0:300}"
		return 1
	fi
	return 0
}

# contains TEXT WORD...: each WORD occurs in TEXT.
contains() {
	local text=$1 w
	shift
	for w in "$@"; do
		case $text in *"$w"*) ;; *) fail "missing '$w' in: ${text:0:300}"; return 1 ;; esac
	done
}
