#!/bin/bash
# The HTML report in a real browser: `tlsscope demo`, then `tlsscope report --format html`,
# rendered by headless Chromium (Debian's chromium package) with no network at all:
#   - --dump-dom: every section is there, each chart is an <svg> with one bar per data point
#     and one marker per certificate of the report's JSON rendering, every finding has its
#     element, and nothing in the DOM points outside the file (no src, no external href,
#     no script, no url());
#   - the browser's console stays empty (--enable-logging=stderr --v=1 logs each console
#     message, script errors "Uncaught ..." and Content-Security-Policy refusals alike);
#   - --print-to-pdf, then pdftoppm: one PNG per printed page, and a --screenshot of the
#     screen layout (the first 16000 px at most: headless Chromium has no full-page flag),
#     kept as test artifacts in build/<variant>/tests/report-screenshots/ and checked to be
#     PNG images (signature, IHDR size, not tiny).
# Chromium runs with a dead proxy and every host name mapped to NOTFOUND, without
# background networking, component updates, sync or first-run work, so it cannot fetch
# anything even if the page asked.
# Without chromium (or pdftoppm) the test prints "SKIP: ..." and passes.
#
# usage: tests/integration/report_html_test.sh PATH/TO/tlsscope
# Expected counts come from the report's JSON rendering of the same store (the canonical
# document), the section list from the issue (report_html.h names the ids).
set -u

prog=${1:?usage: report_html_test.sh PATH/TO/tlsscope}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/integration/lib.sh"

chromium=$(command -v chromium || true)
if [ -z "$chromium" ] || ! command -v pdftoppm >/dev/null 2>&1; then
	echo "SKIP: chromium or pdftoppm not installed (Debian packages chromium, poppler-utils:" \
		".ci/install-deps installs them)"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/report_html_test.XXXXXX")
trap 'rm -rf "$work"' EXIT
shots=$(cd "$(dirname "$prog")/.." && pwd)/tests/report-screenshots
rm -rf "$shots"
mkdir -p "$shots"

# browser ARGS...: headless Chromium on the report, offline, own profile and HOME.
browser() {
	HOME=$work timeout 40 "$chromium" --headless=new --no-sandbox --disable-gpu \
		--no-first-run --no-default-browser-check --disable-background-networking \
		--disable-component-update --disable-sync --disable-extensions \
		--disable-default-apps --disable-breakpad --user-data-dir="$work/profile" \
		--proxy-server=127.0.0.1:9 --host-resolver-rules='MAP * ~NOTFOUND' \
		--hide-scrollbars "$@"
}

cd "$work" || exit 1
run 0 demo || { echo "report_html_test: $checks checks, $fails failed"; exit 1; }
run 0 report --db tlsscope-demo.db --profile all --format html -o r.html || {
	echo "report_html_test: $checks checks, $fails failed"
	exit 1
}
run 0 report --db tlsscope-demo.db --profile all --format json -o r.json
url="file://$work/r.html"

# 1. The DOM, with the console logged.
checks=$((checks + 1))
browser --enable-logging=stderr --v=1 --dump-dom "$url" >dom.html 2>dom.log ||
	fail "chromium --dump-dom exited $?: $(tail -3 dom.log)"
checks=$((checks + 1))
console_re=':CONSOLE[:(]|Uncaught|Refused to|violates the following Content'
if grep -E "$console_re" dom.log >console.txt; then
	fail "console messages: $(head -5 console.txt)"
fi
checks=$((checks + 1))
python3 - dom.html r.json >dom.check 2>&1 <<'EOF' || fail "DOM: $(cat dom.check)"
import json, re, sys
from html.parser import HTMLParser

dom = open(sys.argv[1], encoding="utf-8").read()
doc = json.load(open(sys.argv[2], encoding="utf-8"))
errors = []

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = {}
        self.svg = None           # id of the chart being read
        self.depth = 0            # <svg> nesting
        self.bars = {}
        self.marks = {}
        self.svgs = 0
        self.bad = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids[a["id"]] = self.ids.get(a["id"], 0) + 1
        for k, v in attrs:
            v = v or ""
            if k in ("src", "srcset", "xlink:href", "action", "formaction", "poster", "data"):
                self.bad.append("%s %s=%r" % (tag, k, v))
            if k == "href" and not v.startswith("#"):
                self.bad.append("%s href=%r" % (tag, v))
            if k.startswith("on"):
                self.bad.append("%s %s" % (tag, k))
            if k == "style" and "url(" in v:
                self.bad.append("%s style url()" % tag)
        if tag in ("script", "img", "link", "iframe", "object", "embed", "image", "use",
                   "audio", "video", "base", "form"):
            self.bad.append(tag)
        if tag == "svg":
            self.depth += 1
            self.svgs += 1
            if self.depth == 1:
                self.svg = a.get("id")
                if a.get("role") != "img" or not a.get("aria-label"):
                    self.bad.append("svg %s without role=img and aria-label" % self.svg)
        if self.svg and tag == "rect" and a.get("class") == "bar":
            self.bars[self.svg] = self.bars.get(self.svg, 0) + 1
        if self.svg and tag == "circle" and (a.get("class") or "").startswith("cert "):
            self.marks[self.svg] = self.marks.get(self.svg, 0) + 1

    def handle_endtag(self, tag):
        if tag == "svg":
            self.depth -= 1
            if self.depth == 0:
                self.svg = None

p = P()
p.feed(dom)
p.close()
if p.bad:
    errors.append("points outside the file or runs code: %s" % p.bad[:5])
if re.search(r"url\(|@import", dom):
    errors.append("CSS url() or @import in the DOM")
for s in ("report-header", "scope", "method", "requirements", "charts", "findings",
          "exceptions", "inventory-certificates", "inventory-protocols", "changes",
          "evidence"):
    if p.ids.get(s) != 1:
        errors.append("section %s: %s times" % (s, p.ids.get(s, 0)))
if p.svgs != 4 or p.depth != 0:
    errors.append("%d svg elements (want 4, balanced)" % p.svgs)
charts = doc["charts"]
for cid, key in (("chart-protocols", "protocols"), ("chart-suites", "suites"),
                 ("chart-severity", "severity")):
    if p.bars.get(cid, 0) != len(charts[key]):
        errors.append("%s: %d bars, %d data points" % (cid, p.bars.get(cid, 0),
                                                       len(charts[key])))
if p.marks.get("chart-expiry", 0) != len(charts["expiry"]):
    errors.append("chart-expiry: %d markers, %d certificates" % (p.marks.get("chart-expiry", 0),
                                                               len(charts["expiry"])))
missing = [f["id"] for f in doc["findings"] if p.ids.get("finding-%d" % f["id"]) != 1]
if missing:
    errors.append("findings without their element: %s" % missing[:10])
if not doc["findings"] or not charts["expiry"]:
    errors.append("the demo's report has no findings or no certificates")
print("\n".join(errors) if errors else "ok: %d findings, %d ids" % (len(doc["findings"]),
                                                                  len(p.ids)))
sys.exit(1 if errors else 0)
EOF

# png_ok FILE: a PNG image (signature, IHDR with a non-zero size), more than 1 kB.
png_ok() {
	python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
ok = (len(d) > 1024 and d[:8] == b"\x89PNG\r\n\x1a\n" and d[12:16] == b"IHDR"
      and min(struct.unpack(">II", d[16:24])) > 0)
sys.exit(0 if ok else 1)
EOF
}

# 2. Printed: one PNG per page.
checks=$((checks + 1))
browser --no-pdf-header-footer --print-to-pdf="$work/r.pdf" "$url" >pdf.log 2>&1 ||
	fail "chromium --print-to-pdf exited $?: $(tail -3 pdf.log)"
pages=$(pdfinfo r.pdf 2>/dev/null | awk '/^Pages:/ { print $2 }')
checks=$((checks + 1))
if [ -z "$pages" ] || [ "$pages" -lt 5 ]; then
	fail "the PDF has ${pages:-no} pages"
else
	pdftoppm -png -r 50 r.pdf "$shots/page" || fail "pdftoppm exited $?"
	n=$(ls "$shots"/page-*.png 2>/dev/null | wc -l)
	[ "$n" -eq "$pages" ] || fail "$n page images for $pages pages"
	for png in "$shots"/page-*.png; do
		checks=$((checks + 1))
		png_ok "$png" || fail "not a PNG image: $png"
	done
fi

# 3. The screen layout.
checks=$((checks + 1))
browser --window-size=1280,16000 --screenshot="$shots/screen.png" "$url" >shot.log 2>&1 ||
	fail "chromium --screenshot exited $?: $(tail -3 shot.log)"
png_ok "$shots/screen.png" || fail "the screenshot is not a PNG image"
cp r.html "$shots/report.html"

echo "report_html_test: $pages printed pages, screenshots in $shots"
echo "report_html_test: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
