#!/bin/bash
# The manual pages in cli/man/ against the program: every page renders without a warning
# (groff -man -ww, and man --warnings when man-db is installed), its .TH and NAME match its
# file name, every command of `tlsscope --help` has a page tlsscope-COMMAND.1 and a COMMANDS
# entry in tlsscope.1 (and no page or entry names a command the program lacks), each option
# that `tlsscope COMMAND --help` lists is in the OPTIONS section of that command's page and
# each option of that section is in --help, and every tlsscope page a SEE ALSO names exists.
#
# usage: tests/integration/man_test.sh PATH/TO/tlsscope
# Run by `scons test` (tests/SConscript) from the repo top. `scons install` (which copies
# the pages) is not run from here: scons inside scons is fragile; check it by hand with
# `scons install PREFIX=/usr DESTDIR=/tmp/x`.
set -u

prog=${1:?usage: man_test.sh PATH/TO/tlsscope}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/man_test.XXXXXX")
trap 'rm -rf "$work"' EXIT
# shellcheck source=tests/integration/lib.sh
. "$top/tests/integration/lib.sh"
man_dir=$top/cli/man

if ! command -v groff >/dev/null 2>&1; then
	echo "SKIP: groff is not installed (.ci/install-deps installs groff-base)"
	exit 0
fi

# 1. Each page renders without warnings: groff with every warning enabled, and man-db's
# own check (it runs groff through its preprocessors with -w mac).
pages=()
for f in "$man_dir"/*.[1-9]; do
	[ -e "$f" ] && pages+=("${f##*/}")
done
[ "${#pages[@]}" -gt 0 ] || fail "no manual pages in $man_dir"
for p in "${pages[@]}"; do
	checks=$((checks + 1))
	groff -man -Tutf8 -ww -z "$man_dir/$p" >"$work/groff.out" 2>&1 ||
		fail "$p: groff exited $?"
	[ ! -s "$work/groff.out" ] || fail "$p: groff warnings: $(head -c 600 "$work/groff.out")"
	if command -v man >/dev/null 2>&1; then
		checks=$((checks + 1))
		MANWIDTH=80 man --warnings -l "$man_dir/$p" >/dev/null 2>"$work/man.err" ||
			fail "$p: man -l exited $?"
		[ ! -s "$work/man.err" ] || fail "$p: man warnings: $(head -c 600 "$work/man.err")"
	fi
done

# 2. The pages against the program's help texts. The help of each command is saved first;
# the comparison itself (parsing both) is in Python.
"$prog" --help >"$work/help.top" 2>&1 || fail "tlsscope --help exited $?"
mapfile -t cmds < <(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$work/help.top")
[ "${#cmds[@]}" -gt 0 ] || fail "no commands in tlsscope --help"
for c in "${cmds[@]}"; do
	"$prog" "$c" --help >"$work/help.$c" 2>&1 || fail "tlsscope $c --help exited $?"
done

python3 - "$man_dir" "$work" "${cmds[@]}" >"$work/py.out" 2>&1 <<'EOF'
import os
import re
import sys

man_dir, work, cmds = sys.argv[1], sys.argv[2], sys.argv[3:]
checks = 0
fails = []


def check(ok, msg):
    global checks
    checks += 1
    if not ok:
        fails.append(msg)


def plain(s):
    """A roff line's text without font escapes, quotes and the macro name."""
    s = re.sub(r'^\.[A-Za-z]+\s*', '', s)
    s = re.sub(r'\\f(\[[^]]*\]|.)', '', s)
    s = s.replace('\\-', '-').replace('\\&', '').replace('\\e', '\\').replace('"', '')
    return s


def sections(path):
    """{SECTION NAME: [lines]} of a roff page."""
    out, cur = {}, None
    with open(path, encoding='utf-8') as f:
        for line in f.read().splitlines():
            if line.startswith('.SH'):
                cur = plain(line).strip()
                out[cur] = []
            elif cur is not None:
                out[cur].append(line)
    return out


def tags(lines):
    """The tag line of every .TP / .TQ paragraph, as plain text."""
    return [plain(lines[i + 1]) for i, l in enumerate(lines[:-1])
            if l.split()[:1] in (['.TP'], ['.TQ'])]


OPT = re.compile(r'(?:^|[\s,\[|(])(--?[A-Za-z][A-Za-z0-9-]*)')


def page_options(lines):
    return {m for t in tags(lines) for m in OPT.findall(t)}


# An option line of a --help text: two spaces, then the option(s) with their argument names
# ("  -Z, --user USER", "  --analyze[=SECONDS] with --db: ...", "  --shard I/N  ...").
HELP_TAG = re.compile(r'^  ((?:--?[A-Za-z][A-Za-z0-9-]*(?:\[?=[A-Z]+\]?)?'
                      r'(?: [A-Z][A-Z0-9/|.]*)?(?:, )?)+)')


def help_options(path):
    out = set()
    with open(path, encoding='utf-8') as f:
        for line in f:
            m = HELP_TAG.match(line)
            if m:
                out |= set(re.findall(r'--?[A-Za-z][A-Za-z0-9-]*', m.group(1)))
    return out


pages = sorted(p for p in os.listdir(man_dir) if re.search(r'\.[1-9]$', p))
for p in pages:
    name, sec = p.rsplit('.', 1)
    s = sections(os.path.join(man_dir, p))
    with open(os.path.join(man_dir, p), encoding='utf-8') as f:
        th = [l for l in f.read().splitlines() if l.startswith('.TH ')]
    check(len(th) == 1, '%s: %d .TH lines' % (p, len(th)))
    if th:
        w = th[0].split()
        check(w[1:3] == [name.upper().replace('-', '\\-'), sec],
              '%s: .TH %s, want %s %s' % (p, ' '.join(w[1:3]), name.upper(), sec))
    nm = ' '.join(plain(l) for l in s.get('NAME', []))
    check(re.match(re.escape(name) + r' - \S', nm) is not None,
          '%s: NAME is "%s", want "%s - ..."' % (p, nm, name))
    for need in ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'SEE ALSO']:
        check(need in s, '%s: no %s section' % (p, need))
    if sec == '1':
        for need in ['OPTIONS', 'EXIT STATUS', 'EXAMPLES']:
            check(need in s, '%s: no %s section' % (p, need))
    for ref, rsec in re.findall(r'(tlsscope(?:-[a-z]+)?)\s*\((\d)\)',
                                ' '.join(plain(l) for l in s.get('SEE ALSO', []))):
        check('%s.%s' % (ref, rsec) in pages, '%s: SEE ALSO %s(%s): no such page' % (p, ref, rsec))

# Commands: the program's, the pages', tlsscope.1's COMMANDS section.
top = sections(os.path.join(man_dir, 'tlsscope.1'))
listed = {t.strip() for t in tags(top.get('COMMANDS', []))}
cmd_pages = {p[len('tlsscope-'):-2] for p in pages if p.startswith('tlsscope-') and p.endswith('.1')}
for c in cmds:
    check(c in cmd_pages, 'command %s: no page tlsscope-%s.1' % (c, c))
    check(c in listed, 'command %s: not in the COMMANDS section of tlsscope.1' % c)
for c in sorted(cmd_pages - set(cmds)):
    check(False, 'tlsscope-%s.1: tlsscope --help has no command %s' % (c, c))
for c in sorted(listed - set(cmds)):
    check(False, 'tlsscope.1 COMMANDS lists %s: tlsscope --help does not' % c)
top_opts = page_options(top.get('OPTIONS', []))
for o in ['--help', '--version']:
    check(o in top_opts, 'tlsscope.1: option %s missing' % o)

# Options: --help of each command against the OPTIONS section of its page, both ways.
for c in cmds:
    page = os.path.join(man_dir, 'tlsscope-%s.1' % c)
    if not os.path.exists(page):
        continue
    want = help_options(os.path.join(work, 'help.' + c))
    check(len(want) > 1, 'tlsscope %s --help: found no options in it' % c)
    have = page_options(sections(page).get('OPTIONS', []))
    for o in sorted(want - have):
        check(False, 'tlsscope-%s.1: option %s of --help is not in OPTIONS' % (c, o))
    for o in sorted(have - want):
        check(False, 'tlsscope-%s.1: option %s is not in tlsscope %s --help' % (c, o, c))
    checks += len(want & have)

for f in fails:
    print('FAIL: ' + f)
print('CHECKS %d %d' % (checks, len(fails)))
EOF
py_status=$?
grep '^FAIL: ' "$work/py.out"
read -r _ n m < <(grep '^CHECKS ' "$work/py.out") || { n=0; m=0; }
checks=$((checks + n))
fails=$((fails + m))
[ "$py_status" -eq 0 ] || fail "the page checker failed: $(head -c 600 "$work/py.out")"

echo "man_test: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
