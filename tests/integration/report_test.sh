#!/bin/bash
# `tlsscope report` end to end on the demo's store (`tlsscope demo` in a scratch directory:
# local TLS servers scanned, bundled captures sniffed, analyzed).
#
# For the profiles all, pci-dss-4.0.1 and mozilla-6.0-intermediate, --format json and csv:
#   - the JSON parses (python3 json) and has every section of the report schema;
#   - the PCI DSS 4.2.1.1 certificate inventory lists exactly the (resource, chain, depth,
#     certificate) rows that sqlite3 finds in scan_certs for the latest finished scan of each
#     endpoint, with the resource made from the endpoints table here;
#   - every evidence hash of a scan, certificate, probe or connection reference equals the
#     SHA-256 (Python hashlib) of the bytes sqlite3 returns for it (report.h says which);
#   - the findings are the rows of the findings table whose rule is in the profile
#     (rules.requirements / id read with sqlite3);
#   - the CSV parses with Python's csv module, has the sections, and the same number of
#     findings, requirements and certificates as the JSON; no cell starts with = + - @.
# Refusals: an unknown profile exits 2 naming the profiles the store knows; a file that is
# not a tlsscope store exits 2; a store never analyzed exits 2 ("analyze first"); -o into a
# missing directory exits 2 with a message and leaves no file; -o naming a directory exits
# 2 and writes nothing; an existing report is replaced whole, with no temporary file left.
#
# usage: tests/integration/report_test.sh PATH/TO/tlsscope
# Prints "SKIP: ..." and exits 0 when python3 or sqlite3 or openssl is missing.
set -u
prog=${1:?usage: report_test.sh PATH/TO/tlsscope}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
for tool in python3 sqlite3 openssl; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is not installed"
		exit 0
	fi
done
work=$(mktemp -d "${TMPDIR:-/tmp}/report_test.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$top/tests/integration/lib.sh"
pass() { echo "ok: $*"; }

cd "$work" || exit 1
if ! "$prog" demo >demo.log 2>&1; then
	echo "FAIL: tlsscope demo: $(tail -5 demo.log)"
	exit 1
fi
db=$work/tlsscope-demo.db

for profile in all pci-dss-4.0.1 mozilla-6.0-intermediate; do
	run 0 report --db "$db" --profile "$profile" --format json -o "$work/r-$profile.json" &&
	run 0 report --db "$db" --profile "$profile" --format csv -o "$work/r-$profile.csv" || continue
	checks=$((checks + 1))
	if python3 - "$db" "$profile" "$work/r-$profile.json" "$work/r-$profile.csv" \
		>"$work/py.out" 2>&1 <<'PY'
import csv, hashlib, json, sqlite3, sys

db, profile, jpath, cpath = sys.argv[1:5]
doc = json.load(open(jpath))
con = sqlite3.connect(db)
bad = []

def check(cond, msg):
    if not cond:
        bad.append(msg)

# sections of the schema
check(doc.get("type") == "report" and doc.get("report_version") == 1, "type/version")
for k in ["header", "method", "requirements", "findings", "inventories", "changes", "charts"]:
    check(k in doc, "section " + k)
for k in ["tool", "generated", "profile", "profile_title", "rules", "data", "database", "scope"]:
    check(k in doc["header"], "header." + k)
check(doc["header"]["profile"] == profile, "header.profile")
check(doc["method"]["text"] and doc["method"]["limits"], "method text and limits")
for k in ["certificates", "protocols"]:
    check(k in doc["inventories"], "inventories." + k)
for k in ["protocols", "suites", "expiry", "severity"]:
    check(k in doc["charts"], "charts." + k)
for r in doc["requirements"]:
    check(r["status"] in ("in place", "not in place", "not applicable", "not tested"),
          "status " + r["status"])

# the 4.2.1.1 inventory = scan_certs of each endpoint's latest finished scan
def resource(ip, host, port, sni):
    a = ip if ip is not None else host
    if ":" in a:
        a = "[" + a + "]"
    return "%s:%d%s" % (a, port, " " + sni if sni else "")
want = set()
for ip, host, port, sni, chain, depth, sha in con.execute(
        "SELECT e.ip, e.host, e.port, e.sni, sc.chain, sc.depth, sc.cert_sha256"
        " FROM scan_certs sc JOIN scans s ON s.id = sc.scan_id"
        " JOIN endpoints e ON e.id = s.endpoint_id"
        " WHERE s.id = (SELECT max(id) FROM scans s2 WHERE s2.endpoint_id = s.endpoint_id"
        " AND s2.finished IS NOT NULL)"):
    want.add((resource(ip, host, port, sni), chain, depth, sha))
got = [(c["resource"], c["chain"], c["depth"], c["sha256"])
       for c in doc["inventories"]["certificates"]]
check(len(got) == len(set(got)) and set(got) == want,
      "certificate inventory %s != scan_certs %s" % (sorted(got), sorted(want)))
check(len(want) > 0, "the demo has certificates")

# the findings: every current finding of the profile's rules
rules = {}
for rid, reqs in con.execute("SELECT id, requirements FROM rules"):
    reqs = json.loads(reqs)
    if profile == "all" or rid.startswith(profile + "/") or \
            any(q.startswith(profile + ":") for q in reqs):
        rules[rid] = reqs
ids = {r[0] for r in con.execute("SELECT id, rule FROM findings") if r[1] in rules}
check({f["id"] for f in doc["findings"]} == ids, "findings ids != the profile's findings")
check(len(doc["findings"]) > 0, "findings present")

# evidence hashes against the stored bytes
def sha(b):
    return hashlib.sha256(b).hexdigest()
n_ev = 0
for f in doc["findings"]:
    check(f["rule"] in rules and f["requirements"] == rules[f["rule"]], "finding requirements")
    for e in f["evidence"]:
        kind, _, val = e["ref"].partition(":")
        want_h = None
        if kind == "scan":
            row = con.execute("SELECT result FROM scans WHERE id = ?", (int(val),)).fetchone()
            want_h = sha(row[0].encode()) if row and row[0] is not None else None
        elif kind == "cert":
            row = con.execute("SELECT der FROM certificates WHERE sha256 = ?", (val,)).fetchone()
            want_h = sha(row[0]) if row else None
        elif kind == "probe":
            row = con.execute("SELECT request, response FROM probe_evidence WHERE id = ?",
                              (int(val),)).fetchone()
            want_h = sha((row[0] or b"") + (row[1] or b"")) if row else None
        elif kind == "connection":
            con.row_factory = sqlite3.Row
            row = con.execute("SELECT * FROM connections WHERE id = ?", (int(val),)).fetchone()
            con.row_factory = None
            if row:
                o = {}
                for k in row.keys():
                    v = row[k]
                    o[k] = json.loads(v) if k in ("alpn_offered", "alerts", "anomalies") \
                        and v is not None else v
                o["chain"] = [r[0] for r in con.execute(
                    "SELECT cert_sha256 FROM conn_certs WHERE conn_id = ? ORDER BY depth",
                    (int(val),))]
                want_h = sha(json.dumps(o, separators=(",", ":"),
                                        ensure_ascii=False).encode())
        else:
            continue
        n_ev += 1
        check(e["sha256"] == want_h, "evidence %s: %s != %s" % (e["ref"], e["sha256"], want_h))
        check(e["kind"] == kind and e["summary"] and "\n" not in e["summary"],
              "evidence kind/summary " + e["ref"])
check(n_ev > 0, "evidence checked")

# CSV: parses, same content counts, no formula
rows = list(csv.reader(open(cpath, newline="", encoding="utf-8")))
sections, cur = {}, None
for r in rows:
    if len(r) == 1 and r[0].startswith("# "):
        cur = r[0][2:]
        sections[cur] = []
        continue
    check(cur is not None, "row before a section")
    sections.setdefault(cur, []).append(r)
for s in ["header", "requirements", "findings", "certificates", "protocols", "changes"]:
    check(s in sections, "csv section " + s)
    if s in sections:
        check(len({len(r) for r in sections[s]}) == 1, "csv section %s: ragged rows" % s)
check(len(sections["findings"]) - 1 == len(doc["findings"]),
      "csv findings %d != json %d" % (len(sections["findings"]) - 1, len(doc["findings"])))
check(len(sections["requirements"]) - 1 == len(doc["requirements"]), "csv requirements")
check(len(sections["certificates"]) - 1 == len(doc["inventories"]["certificates"]),
      "csv certificates")
head = sections["findings"][0]
for r, f in zip(sections["findings"][1:], doc["findings"]):
    check(r[head.index("id")] == str(f["id"]), "csv finding order")
    check(r[head.index("evidence")] == " ".join(e["ref"] for e in f["evidence"]),
          "csv evidence refs")
for s in sections.values():
    for r in s:
        for c in r:
            check(not c or c[0] not in "=+-@", "formula cell " + c[:40])

print("\n".join(bad[:20]) if bad else "all good (%d findings, %d evidence)" %
      (len(doc["findings"]), n_ev))
sys.exit(1 if bad else 0)
PY
	then
		pass "$profile: json + csv: $(cat "$work/py.out")"
	else
		fail "$profile: $(cat "$work/py.out")"
	fi
done

# stdout, and the html format writes a file
run 0 report --db "$db" --profile pci-dss-4.0.1 --format json -o - &&
	contains "$out" '"type": "report"' && pass "-o - writes to stdout"
run 0 report --db "$db" --profile pci-dss-4.0.1 --format html -o "$work/r.html" &&
	[ -s "$work/r.html" ] && pass "html written"

# refusals
run 2 report --db "$db" --profile no-such-profile --format json -o "$work/x.json" &&
	contains "$err" "no-such-profile" "pci-dss-4.0.1" "mozilla-6.0-intermediate" &&
	[ ! -e "$work/x.json" ] && pass "unknown profile: exit 2, the known ones named"
printf 'this is not a database\n' >"$work/notdb"
run 2 report --db "$work/notdb" --profile all --format json -o "$work/x.json" &&
	contains "$err" "notdb" && [ ! -e "$work/x.json" ] && pass "not a store: exit 2"
sqlite3 "$work/other.db" 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'
run 2 report --db "$work/other.db" --profile all --format json -o "$work/x.json" &&
	contains "$err" "other.db" && pass "another application's SQLite file: exit 2"
: >"$work/empty.db"
run 2 report --db "$work/empty.db" --profile all --format csv -o "$work/x.csv" &&
	contains "$err" "analyze first" && [ ! -e "$work/x.csv" ] && pass "never analyzed: exit 2"
checks=$((checks + 1))
"$prog" report --db "$db" --profile all --format json -o "$work/missing/dir/r.json" \
	>"$work/out" 2>"$work/err"
status=$?
if { [ $status -eq 2 ] || [ $status -eq 3 ]; } && [ -s "$work/err" ] &&
	[ ! -e "$work/missing" ]; then
	pass "-o into a missing directory: exit $status, $(head -1 "$work/err")"
else
	fail "-o into a missing directory: exit $status, stderr: $(cat "$work/err")"
fi
# the target is a directory: refused, nothing left behind
mkdir "$work/outdir" "$work/outdir/r.json"
run 2 report --db "$db" --profile all --format json -o "$work/outdir/r.json" &&
	[ -z "$(ls -A "$work/outdir/r.json")" ] && [ "$(ls -A "$work/outdir")" = r.json ] &&
	pass "-o names a directory: exit 2, nothing written"
# an existing report is replaced whole
echo old >"$work/keep.json"
run 0 report --db "$db" --profile all --format json -o "$work/keep.json" &&
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/keep.json" &&
	[ "$(ls -A "$work" | grep -c '^\.keep')" = 0 ] && pass "existing file replaced, no temporary left"

echo "$checks checks, $fails failures"
[ "$fails" -eq 0 ]
