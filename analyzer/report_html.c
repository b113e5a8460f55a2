/*
 * report_html: the report document as one self-contained HTML5 page (see report_html.h).
 *
 * Presentation only (STYLE.md 21): every fact and verdict comes from the document; this
 * file chooses order, grouping, words and colours. Colours always come with words (status
 * and severity badges carry their name), so the page reads the same printed in grey.
 *
 * Safety: the only markup is ours; document strings go through svg_escape() (text and
 * double-quoted attribute values), class names are chosen from fixed tables (never built
 * from document strings), ids are built from integers, links are "#id" only. The
 * Content-Security-Policy meta tag (default-src 'none', inline styles only) keeps a
 * browser from running or fetching anything even if that ever failed.
 */
#include "analyzer/report_html.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/svg.h"

#define DASH "\xe2\x80\x94"  /* U+2014, for a missing value */

static const char css[] =
	":root{color-scheme:light}\n"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact;box-sizing:border-box}\n"
	"body{font-family:sans-serif;font-size:10.5pt;line-height:1.4;color:#111;"
	"background:#fff;margin:0 auto;max-width:1120px;padding:16px 24px}\n"
	"h1{font-size:20pt;margin:0 0 6px}\n"
	"h2{font-size:15pt;border-bottom:2px solid #333;padding-bottom:2px;margin:28px 0 8px}\n"
	"h3{font-size:12pt;margin:18px 0 6px}\n"
	"h4{font-size:10.5pt;margin:0 0 4px}\n"
	"table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:9pt}\n"
	"th,td{border:1px solid #bbb;padding:3px 5px;text-align:left;vertical-align:top}\n"
	"td{overflow-wrap:break-word}\n"
	"tbody th{overflow-wrap:anywhere}\n"
	"table.fixed{table-layout:fixed}\n"
	".matrix thead th:nth-child(1){width:20%}.matrix thead th:nth-child(n+2){width:10%}"
	".matrix thead th:nth-child(6){width:20%}.matrix thead th:nth-child(7){width:9%}"
	".matrix thead th:nth-child(8){width:11%}\n"
	".verdicts thead th:nth-child(1){width:5%}.verdicts thead th:nth-child(2){width:24%}"
	".verdicts thead th:nth-child(3){width:7%}.verdicts thead th:nth-child(4){width:16%}"
	".verdicts thead th:nth-child(5){width:33%}.verdicts thead th:nth-child(6){width:15%}\n"
	".certs thead th{width:9%}.certs thead th:nth-child(1){width:12%}"
	".certs thead th:nth-child(3),.certs thead th:nth-child(4){width:14%}"
	".certs thead th:nth-child(2),.certs thead th:nth-child(9){width:6%}"
	".certs thead th:nth-child(7){width:7%}.certs thead th:nth-child(10){width:14%}\n"
	".protocols thead th:nth-child(1){width:18%}.protocols thead th:nth-child(2){width:12%}"
	".protocols thead th:nth-child(3){width:52%}.protocols thead th:nth-child(4){width:18%}\n"
	".evidx thead th:nth-child(1){width:5%}.evidx thead th:nth-child(2){width:13%}"
	".evidx thead th:nth-child(3){width:8%}.evidx thead th:nth-child(4){width:30%}"
	".evidx thead th:nth-child(5){width:44%}\n"
	"thead th{background:#eef1f5}\n"
	"tr.grp th{background:#f6f7f9;font-size:9.5pt}\n"
	"code{font-family:monospace;font-size:8.5pt}\n"
	".hash{font-family:monospace;font-size:8pt;word-break:break-all}\n"
	".muted{color:#555}\n"
	"dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0}\n"
	"dl.facts dt{font-weight:bold}\n"
	"dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
	"nav.toc ol{columns:2;margin:4px 0 0}\n"
	"nav.toc a{color:#1a4f8a}\n"
	".b{display:inline-block;padding:0 6px;border:1px solid;border-radius:3px;"
	"font-weight:bold;font-size:8.5pt;white-space:nowrap}\n"
	".st-in-place{background:#dcf3e0;border-color:#2e7d32;color:#1b5e20}\n"
	".st-not-in-place{background:#fde0e0;border-color:#c62828;color:#8e1111}\n"
	".st-not-applicable{background:#eceff1;border-color:#78909c;color:#37474f}\n"
	".st-not-tested{background:#fff4cc;border-color:#b58100;color:#6d4c00}\n"
	".st-unknown,.fs-unknown,.sev-other{background:#f4f4f4;border-color:#888;color:#333}\n"
	"td.m{text-align:center}\n"
	".sev-critical{background:#f1e3f7;border-color:#6a1b9a;color:#4a148c}\n"
	".sev-high{background:#fde0e0;border-color:#c62828;color:#8e1111}\n"
	".sev-medium{background:#ffe9d1;border-color:#e65100;color:#8a3000}\n"
	".sev-low{background:#fff6cc;border-color:#b58100;color:#6d4c00}\n"
	".sev-info{background:#e3effb;border-color:#1565c0;color:#0d3c73}\n"
	".fs-alarm{background:#fde0e0;border-color:#c62828;color:#8e1111}\n"
	".fs-ok{background:#dcf3e0;border-color:#2e7d32;color:#1b5e20}\n"
	".fs-info{background:#e3effb;border-color:#1565c0;color:#0d3c73}\n"
	".fs-skip{background:#eceff1;border-color:#78909c;color:#37474f}\n"
	".exc{background:#ede7f6;border-color:#5e35b1;color:#311b92}\n"
	".finding{border:1px solid #bbb;border-left:6px solid #888;padding:6px 10px;"
	"margin:10px 0;break-inside:avoid}\n"
	".finding table{margin:4px 0 0}\n"
	".finding th{width:9em;background:#f6f7f9}\n"
	".fb-critical{border-left-color:#6a1b9a}.fb-high{border-left-color:#c62828}\n"
	".fb-medium{border-left-color:#e65100}.fb-low{border-left-color:#b58100}\n"
	".fb-info{border-left-color:#1565c0}\n"
	".triage{border:1px dashed #5e35b1;background:#f7f4fc;padding:4px 8px;margin:4px 0}\n"
	"ul.ev{margin:0;padding-left:16px}\n"
	"ul.ev li{margin:0 0 2px}\n"
	"figure{margin:10px 0 18px;break-inside:avoid}\n"
	"figcaption{font-weight:bold;margin-bottom:4px}\n"
	"svg.chart{max-width:100%;height:auto;display:block}\n"
	"@page{size:A4;margin:14mm 12mm}\n"
	"@media print{body{max-width:none;padding:0;font-size:9.5pt}"
	"section{break-before:page}thead{display:table-header-group}table{font-size:8pt}"
	"tr,.finding,figure{break-inside:avoid}h2,h3,h4{break-after:avoid}"
	"a{color:inherit;text-decoration:none}}\n";

/* ---- document access ----------------------------------------------------------------- */

static const json_t *get(const json_t *o, const char *key)
{
	return json_is_object(o) ? json_object_get(o, key) : NULL;
}

static const char *gets(const json_t *o, const char *key)
{
	const json_t *v = get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static size_t alen(const json_t *a)
{
	return json_is_array(a) ? json_array_size(a) : 0;
}

/* ---- writing ------------------------------------------------------------------------- */

/* Escaped text; NULL or empty as a dash. */
static void text(FILE *f, const char *s)
{
	if (s == NULL || *s == '\0')
		fputs(DASH, f);
	else
		svg_escape(f, s, 0);
}

/* Any JSON value as text: strings escaped, numbers, yes/no, arrays joined with ", ",
 * objects as compact JSON (escaped), null or missing as a dash. */
static void val(FILE *f, const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		text(f, json_string_value(v));
		break;
	case JSON_INTEGER:
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(f, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("yes", f);
		break;
	case JSON_FALSE:
		fputs("no", f);
		break;
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			fputs(DASH, f);
		for (size_t i = 0; i < json_array_size(v); i++) {
			fputs(i ? ", " : "", f);
			val(f, json_array_get(v, i));
		}
		break;
	case JSON_OBJECT: {
		char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		text(f, s ? s : "{…}");
		free(s);
		break;
	}
	default:
		fputs(DASH, f);
	}
}

/* <td> with o[key]; cls (ours, may be NULL) as its class. */
static void cell(FILE *f, const json_t *o, const char *key, const char *cls)
{
	if (cls != NULL)
		fprintf(f, "<td class=\"%s\">", cls);
	else
		fputs("<td>", f);
	val(f, get(o, key));
	fputs("</td>", f);
}

/* <dt>term</dt><dd>value</dd> */
static void fact(FILE *f, const char *term, const json_t *v)
{
	fprintf(f, "<dt>%s</dt><dd>", term);
	val(f, v);
	fputs("</dd>\n", f);
}

/* A table head: columns given as a NULL-terminated list of our own words. */
static void thead(FILE *f, const char *cls, ...)
{
	va_list ap;
	const char *c;

	fprintf(f, "<table class=\"%s\"><thead><tr>", cls);
	va_start(ap, cls);
	while ((c = va_arg(ap, const char *)) != NULL)
		fprintf(f, "<th scope=\"col\">%s</th>", c);
	va_end(ap);
	fputs("</tr></thead><tbody>\n", f);
}

/* ---- vocabularies -------------------------------------------------------------------- */

/* Severities in report order; anything else is "other". */
static const char *const severities[] = { "critical", "high", "medium", "low", "info" };
#define NSEV (sizeof severities / sizeof severities[0])

static size_t sev_rank(const char *s)
{
	for (size_t i = 0; s != NULL && i < NSEV; i++)
		if (strcmp(s, severities[i]) == 0)
			return i;
	return NSEV;
}

static const char *const sev_colors[NSEV + 1] = {
	"#6a1b9a", "#c62828", "#e65100", "#b58100", "#1565c0", "#888888",
};

static void sev_badge(FILE *f, const char *s)
{
	size_t r = sev_rank(s);
	fprintf(f, "<span class=\"b sev-%s\">", r < NSEV ? severities[r] : "other");
	text(f, s);
	fputs("</span>", f);
}

/* Finding statuses (rules/README.md): alarm, ok, info, skip. */
static void status_badge(FILE *f, const char *s)
{
	static const char *const known[] = { "alarm", "ok", "info", "skip" };
	const char *cls = "unknown";
	for (size_t i = 0; s != NULL && i < sizeof known / sizeof known[0]; i++)
		if (strcmp(s, known[i]) == 0)
			cls = known[i];
	fprintf(f, "<span class=\"b fs-%s\">", cls);
	text(f, s);
	fputs("</span>", f);
}

/* Requirement statuses, in matrix column order. */
static const char *const req_status[] = { "in place", "not in place", "not applicable",
					  "not tested" };
static const char *const req_class[] = { "st-in-place", "st-not-in-place",
					 "st-not-applicable", "st-not-tested" };
#define NREQ (sizeof req_status / sizeof req_status[0])

static size_t req_rank(const char *s)
{
	for (size_t i = 0; s != NULL && i < NREQ; i++)
		if (strcmp(s, req_status[i]) == 0)
			return i;
	return NREQ;
}

/* Chart colours: what a version or suite class means for security (red bad, amber weak,
 * green good); unknown names get the default. */
static bool has(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (; s != NULL && *s; s++)
		if (strncasecmp(s, word, n) == 0)
			return true;
	return false;
}

static const char *protocol_color(const char *v)
{
	if (has(v, "ssl"))
		return "#c62828";
	if (has(v, "1.3") || has(v, "1.2"))
		return "#2e7d32";
	if (has(v, "tls"))
		return "#e69500";
	return NULL;
}

static const char *suite_color(const char *c)
{
	if (has(c, "rc4") || has(c, "des") || has(c, "export") || has(c, "null") ||
	    has(c, "anon"))
		return "#c62828";
	if (has(c, "aead"))
		return "#2e7d32";
	if (has(c, "cbc") || has(c, "rsa"))
		return "#e69500";
	return NULL;
}

/* ---- evidence index ---------------------------------------------------------------- */

/* Every distinct evidence reference of the findings, numbered in order of first use: the
 * cards and tables link to the index ("#ev-N") instead of repeating the same hashes. */
struct evidx {
	json_t *ids;   /* ref -> N */
	json_t *list;  /* N -> the evidence (object, or a bare reference string) */
};

static const char *ev_ref(const json_t *e)
{
	return json_is_string(e) ? json_string_value(e) : gets(e, "ref");
}

static int evidx_build(struct evidx *x, const json_t *findings)
{
	x->ids = json_object();
	x->list = json_array();
	if (x->ids == NULL || x->list == NULL)
		return -1;
	for (size_t i = 0; i < alen(findings); i++) {
		const json_t *ev = get(json_array_get(findings, i), "evidence");
		for (size_t k = 0; k < alen(ev); k++) {
			json_t *e = json_array_get(ev, k);
			const char *ref = ev_ref(e);
			if (ref == NULL || json_object_get(x->ids, ref) != NULL)
				continue;
			if (json_object_set_new(x->ids, ref,
						json_integer((json_int_t)json_array_size(x->list))) != 0 ||
			    json_array_append(x->list, e) != 0)
				return -1;
		}
	}
	return 0;
}

static void evidx_free(struct evidx *x)
{
	json_decref(x->ids);
	json_decref(x->list);
}

/* The index number of an evidence reference, or -1. */
static json_int_t evidx_find(const struct evidx *x, const json_t *e)
{
	const char *ref = ev_ref(e);
	const json_t *n = ref ? json_object_get(x->ids, ref) : NULL;
	return json_is_integer(n) ? json_integer_value(n) : -1;
}

/* ---- sections ------------------------------------------------------------------------ */

static void put_header(FILE *f, const json_t *doc)
{
	const json_t *h = get(doc, "header"), *rules = get(h, "rules"), *data = get(h, "data");

	fputs("<header id=\"report-header\">\n<h1>TLS configuration report</h1>\n"
	      "<p class=\"muted\">Profile ", f);
	text(f, gets(h, "profile"));
	if (gets(h, "profile_title") != NULL) {
		fputs(" \xe2\x80\x94 ", f);
		text(f, gets(h, "profile_title"));
	}
	fputs(". Generated ", f);
	text(f, gets(h, "generated"));
	fputs(".</p>\n<dl class=\"facts\">\n", f);
	fact(f, "Tool", get(h, "tool"));
	fact(f, "Generated", get(h, "generated"));
	fact(f, "Profile", get(h, "profile"));
	fact(f, "Profile title", get(h, "profile_title"));
	fact(f, "Rules hash", get(rules, "hash"));
	fact(f, "Rules loaded", get(rules, "rules_loaded"));
	fact(f, "Analysis run", get(rules, "analysis_run"));
	fact(f, "Analysis started", get(rules, "analysis_started"));
	fact(f, "Analysis finished", get(rules, "analysis_finished"));
	fact(f, "Mozilla guidelines", get(data, "mozilla_guidelines"));
	fact(f, "Cipher suites", get(data, "cipher_suites"));
	fact(f, "Store schema", get(data, "store_schema"));
	fact(f, "Database", get(h, "database"));
	fputs("</dl>\n</header>\n", f);
}

static void put_toc(FILE *f)
{
	static const char *const toc[][2] = {
		{ "scope", "Scope" },
		{ "method", "Method and limits" },
		{ "requirements", "Requirement matrix" },
		{ "charts", "Charts" },
		{ "findings", "Findings" },
		{ "exceptions", "Exceptions (triage)" },
		{ "inventory-certificates", "Certificate inventory (PCI DSS 4.2.1.1)" },
		{ "inventory-protocols", "Protocol and suite inventory (PCI DSS 12.3.3)" },
		{ "changes", "Changes since the previous scan" },
		{ "evidence", "Evidence index" },
	};
	fputs("<nav class=\"toc\" aria-label=\"Contents\"><strong>Contents</strong><ol>\n", f);
	for (size_t i = 0; i < sizeof toc / sizeof toc[0]; i++)
		fprintf(f, "<li><a href=\"#%s\">%s</a></li>\n", toc[i][0], toc[i][1]);
	fputs("</ol></nav>\n", f);
}

static void put_scope(FILE *f, const json_t *doc)
{
	const json_t *scope = get(get(doc, "header"), "scope");
	const json_t *eps = get(scope, "endpoints"), *conns = get(scope, "connections");

	fputs("<section id=\"scope\">\n<h2>Scope</h2>\n", f);
	fprintf(f, "<h3>Endpoints scanned (%zu)</h3>\n", alen(eps));
	if (alen(eps) == 0) {
		fputs("<p>No endpoint was scanned.</p>\n", f);
	} else {
		thead(f, "endpoints", "Resource", "Host", "IP", "Port", "SNI", "Scan", "Scanned",
		      (char *)NULL);
		for (size_t i = 0; i < alen(eps); i++) {
			const json_t *e = json_array_get(eps, i);
			fputs("<tr>", f);
			cell(f, e, "resource", NULL);
			cell(f, e, "host", NULL);
			cell(f, e, "ip", NULL);
			cell(f, e, "port", NULL);
			cell(f, e, "sni", NULL);
			cell(f, e, "scan_id", NULL);
			cell(f, e, "scanned", NULL);
			fputs("</tr>\n", f);
		}
		fputs("</tbody></table>\n", f);
	}
	fputs("<h3>Connections seen by the passive sensor</h3>\n<dl class=\"facts\">\n", f);
	fact(f, "Connections", get(conns, "count"));
	fact(f, "Servers", get(conns, "servers"));
	fact(f, "First", get(conns, "first"));
	fact(f, "Last", get(conns, "last"));
	fputs("</dl>\n</section>\n", f);
}

static void put_method(FILE *f, const json_t *doc)
{
	const json_t *m = get(doc, "method"), *paras = get(m, "text"), *limits = get(m, "limits");

	fputs("<section id=\"method\">\n<h2>Method and limits</h2>\n", f);
	for (size_t i = 0; i < alen(paras); i++) {
		fputs("<p>", f);
		val(f, json_array_get(paras, i));
		fputs("</p>\n", f);
	}
	if (alen(paras) == 0)
		fputs("<p>" DASH "</p>\n", f);
	fputs("<h3>Limits: what this report cannot show</h3>\n<ul class=\"limits\">\n", f);
	for (size_t i = 0; i < alen(limits); i++) {
		fputs("<li>", f);
		val(f, json_array_get(limits, i));
		fputs("</li>\n", f);
	}
	fputs("</ul>\n</section>\n", f);
}

static void put_requirements(FILE *f, const json_t *doc)
{
	const json_t *reqs = get(doc, "requirements");
	size_t counts[NREQ + 1] = { 0 };
	const char *group = NULL;
	size_t glen = 0;

	for (size_t i = 0; i < alen(reqs); i++)
		counts[req_rank(gets(json_array_get(reqs, i), "status"))]++;
	fputs("<section id=\"requirements\">\n<h2>Requirement matrix</h2>\n<p>", f);
	fprintf(f, "%zu requirements: ", alen(reqs));
	for (size_t s = 0; s < NREQ; s++)
		fprintf(f, "%s<span class=\"b %s\">%s</span> %zu", s ? ", " : "", req_class[s],
			req_status[s], counts[s]);
	if (counts[NREQ] > 0)
		fprintf(f, ", <span class=\"b st-unknown\">other</span> %zu", counts[NREQ]);
	fputs(".</p>\n<p class=\"muted\">Not in place: an alarm without an analyst verdict. "
	      "In place: every verdict ok or info (or alarms marked false positive). Not "
	      "applicable: only skipped checks. Not tested: no verdict at all. Verdict counts "
	      "are ok / alarm / info / skip.</p>\n", f);
	thead(f, "matrix fixed", "Requirement", "In place", "Not in place", "Not applicable",
	      "Not tested", "Rules", "Verdicts", "Exceptions", (char *)NULL);
	for (size_t i = 0; i < alen(reqs); i++) {
		const json_t *r = json_array_get(reqs, i), *c = get(r, "counts");
		const char *req = gets(r, "requirement"), *colon = req ? strchr(req, ':') : NULL;
		size_t rank = req_rank(gets(r, "status"));

		/* a group row when the framework (the part before ':') changes */
		if (colon != NULL && (group == NULL || glen != (size_t)(colon - req) ||
				      strncmp(group, req, glen) != 0)) {
			char *g = strndup(req, (size_t)(colon - req));
			fputs("<tr class=\"grp\"><th colspan=\"8\" scope=\"rowgroup\">", f);
			text(f, g ? g : req);
			fputs("</th></tr>\n", f);
			free(g);
			group = req, glen = (size_t)(colon - req);
		}
		fputs("<tr><th scope=\"row\">", f);
		text(f, req);
		fputs("</th>", f);
		for (size_t s = 0; s < NREQ; s++) {
			if (s == rank)
				fprintf(f, "<td class=\"m %s\">\xe2\x97\x8f %s</td>", req_class[s],
					req_status[s]);
			else
				fputs("<td class=\"m\"></td>", f);
		}
		fputs("<td>", f);
		val(f, get(r, "rules"));
		if (rank == NREQ) {
			fputs("<br><span class=\"b st-unknown\">status: ", f);
			text(f, gets(r, "status"));
			fputs("</span>", f);
		}
		fputs("</td><td class=\"m\">", f);
		val(f, get(c, "ok"));
		fputs(" / ", f);
		val(f, get(c, "alarm"));
		fputs(" / ", f);
		val(f, get(c, "info"));
		fputs(" / ", f);
		val(f, get(c, "skip"));
		fputs("</td>", f);
		cell(f, r, "exceptions", "m");
		fputs("</tr>\n", f);
	}
	if (alen(reqs) == 0)
		fputs("<tr><td colspan=\"8\">No requirement in this profile.</td></tr>\n", f);
	fputs("</tbody></table>\n</section>\n", f);
}

/* One bar chart from an array of objects: label key, value key. */
static int put_bars(FILE *f, const json_t *arr, const char *id, const char *title,
		    const char *unit, const char *lkey, const char *vkey,
		    const char *(*color)(const char *))
{
	size_t n = alen(arr);
	struct svg_bar *bars = calloc(n ? n : 1, sizeof *bars);
	int rc;

	if (bars == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i), *v = get(o, vkey);
		const char *label = gets(o, lkey);
		bars[i].label = label ? label : "?";
		bars[i].value = json_is_number(v) ? json_number_value(v) : 0;
		bars[i].color = color ? color(label) : NULL;
	}
	fprintf(f, "<figure>\n<figcaption>%s</figcaption>\n", title);
	rc = svg_bar_chart(f, id, title, unit, bars, n);
	fputs("</figure>\n", f);
	free(bars);
	return rc;
}

static const char *sev_color(const char *s)
{
	return sev_colors[sev_rank(s)];
}

static int put_charts(FILE *f, const json_t *doc)
{
	const json_t *ch = get(doc, "charts"), *exp = get(ch, "expiry");
	size_t n = alen(exp), drawn;
	struct svg_cert *certs;
	int rc = 0;

	fputs("<section id=\"charts\">\n<h2>Charts</h2>\n", f);
	if (put_bars(f, get(ch, "protocols"), "chart-protocols",
		     "Protocol versions across endpoints", "endpoints", "version", "endpoints",
		     protocol_color) != 0 ||
	    put_bars(f, get(ch, "suites"), "chart-suites",
		     "Cipher suite classes across endpoints", "endpoints", "class", "endpoints",
		     suite_color) != 0 ||
	    put_bars(f, get(ch, "severity"), "chart-severity", "Alarms by severity", "alarms",
		     "severity", "alarms", sev_color) != 0)
		return -1;
	certs = calloc(n ? n : 1, sizeof *certs);
	if (certs == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(exp, i);
		certs[i].label = gets(e, "subject");
		certs[i].detail = gets(e, "resource");
		certs[i].not_after = gets(e, "not_after");
	}
	fputs("<figure>\n<figcaption>Certificate expiry timeline</figcaption>\n", f);
	rc = svg_expiry_timeline(f, "chart-expiry", "Certificate expiry timeline", certs, n,
				 gets(get(doc, "header"), "generated"), &drawn);
	fputs("</figure>\n</section>\n", f);
	free(certs);
	return rc;
}

/* A reference, linked to its entry of the evidence index when it has one. */
static void put_ev_ref(FILE *f, const struct evidx *x, const json_t *e)
{
	json_int_t n = evidx_find(x, e);
	if (n >= 0)
		fprintf(f, "<a href=\"#ev-%" JSON_INTEGER_FORMAT "\"><code>", n);
	else
		fputs("<code>", f);
	text(f, ev_ref(e));
	fputs(n >= 0 ? "</code></a>" : "</code>", f);
}

static void put_ev_kind(FILE *f, const json_t *e)
{
	fputs("<span class=\"b fs-skip\">", f);
	text(f, json_is_string(e) ? "ref" : gets(e, "kind"));
	fputs("</span>", f);
}

/* Evidence in full (kind, reference, sha256, summary), or brief (kind and linked
 * reference: the index has the rest). */
static void put_evidence(FILE *f, const struct evidx *x, const json_t *ev, bool full)
{
	if (alen(ev) == 0) {
		fputs(DASH, f);
		return;
	}
	fputs("<ul class=\"ev\">", f);
	for (size_t i = 0; i < alen(ev); i++) {
		const json_t *e = json_array_get(ev, i);
		fputs("<li>", f);
		put_ev_kind(f, e);
		fputc(' ', f);
		put_ev_ref(f, x, e);
		if (full && !json_is_string(e)) {
			fputs(" sha256 <span class=\"hash\">", f);
			text(f, gets(e, "sha256"));
			fputs("</span>", f);
			if (gets(e, "summary") != NULL) {
				fputs("<br>", f);
				text(f, gets(e, "summary"));
			}
		}
		fputs("</li>", f);
	}
	fputs("</ul>", f);
}

static void put_evidence_index(FILE *f, const struct evidx *x)
{
	size_t n = json_array_size(x->list);

	fputs("<section id=\"evidence\">\n<h2>Evidence index</h2>\n", f);
	fprintf(f, "<p>%zu distinct pieces of evidence the findings point to. The SHA-256 is that "
		"of the stored bytes the reference names (the scan's result JSON, a probe's "
		"request and response, a certificate or OCSP response DER, a connection or "
		"finding row as JSON), so the store's copy can be checked against this "
		"report.</p>\n", n);
	thead(f, "evidx fixed", "#", "Reference", "Kind", "SHA-256", "Summary", (char *)NULL);
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(x->list, i);
		fprintf(f, "<tr id=\"ev-%zu\"><td>%zu</td><td><code>", i, i);
		text(f, ev_ref(e));
		fputs("</code></td><td>", f);
		put_ev_kind(f, e);
		fputs("</td>", f);
		cell(f, e, "sha256", "hash");
		cell(f, e, "summary", NULL);
		fputs("</tr>\n", f);
	}
	if (n == 0)
		fputs("<tr><td colspan=\"5\">No evidence.</td></tr>\n", f);
	fputs("</tbody></table>\n</section>\n", f);
}

/* The element id of a finding: finding-<id>, or finding-i<index> without an integer id. */
static void finding_id(FILE *f, const json_t *fi, size_t index)
{
	const json_t *id = get(fi, "id");
	if (json_is_integer(id))
		fprintf(f, "finding-%" JSON_INTEGER_FORMAT, json_integer_value(id));
	else
		fprintf(f, "finding-i%zu", index);
}

static void kv(FILE *f, const char *th)
{
	fprintf(f, "<tr><th scope=\"row\">%s</th><td>", th);
}

/* A finding in full; with_triage adds the analyst's verdict on top. */
static void put_finding_card(FILE *f, const struct evidx *x, const json_t *fi, size_t index,
			     bool with_triage)
{
	const char *sev = gets(fi, "severity");
	size_t r = sev_rank(sev);
	const json_t *tr = get(fi, "triage");

	fprintf(f, "<article class=\"finding fb-%s\" id=\"", r < NSEV ? severities[r] : "other");
	finding_id(f, fi, index);
	fputs("\">\n<h4>", f);
	sev_badge(f, sev);
	fputc(' ', f);
	status_badge(f, gets(fi, "status"));
	if (with_triage)
		fputs(" <span class=\"b exc\">exception</span>", f);
	fputc(' ', f);
	text(f, gets(fi, "title"));
	fputs(" <code>", f);
	text(f, gets(fi, "rule"));
	fputs("</code> <span class=\"muted\">#", f);
	val(f, get(fi, "id"));
	fputs("</span></h4>\n", f);
	if (with_triage && json_is_object(tr)) {
		fputs("<div class=\"triage\"><strong>Analyst verdict:</strong> ", f);
		text(f, gets(tr, "verdict"));
		fputs("; by ", f);
		text(f, gets(tr, "author"));
		fputs("; expires ", f);
		val(f, get(tr, "expires"));
		fputs("<br><strong>Reason:</strong> ", f);
		text(f, gets(tr, "reason"));
		fputs("</div>\n", f);
	}
	fputs("<table class=\"kv\"><tbody>\n", f);
	kv(f, "Resource");
	text(f, gets(fi, "resource"));
	fputs("</td></tr>\n", f);
	kv(f, "Observed");
	text(f, gets(fi, "reason"));
	fputs("</td></tr>\n", f);
	kv(f, "Requirements");
	val(f, get(fi, "requirements"));
	fputs("</td></tr>\n", f);
	kv(f, "Evidence");
	put_evidence(f, x, get(fi, "evidence"), true);
	fputs("</td></tr>\n", f);
	kv(f, "Remediation");
	text(f, gets(fi, "remediation"));
	fputs("</td></tr>\n", f);
	kv(f, "Seen");
	fputs("first ", f);
	val(f, get(fi, "first_seen"));
	fputs(", last ", f);
	val(f, get(fi, "last_seen"));
	fputs(", ", f);
	val(f, get(fi, "count"));
	fputs(" times; score ", f);
	val(f, get(fi, "score"));
	fputs("</td></tr>\n</tbody></table>\n</article>\n", f);
}

static bool is_exception(const json_t *fi)
{
	return json_is_object(get(fi, "triage"));
}

static bool is_alarm(const json_t *fi)
{
	const char *s = gets(fi, "status");
	return s != NULL && strcmp(s, "alarm") == 0;
}

static void put_findings(FILE *f, const struct evidx *x, const json_t *doc)
{
	const json_t *fs = get(doc, "findings");
	size_t n = alen(fs);
	/* [severity][alarm, ok/info/skip and others, exceptions] */
	size_t cnt[NSEV + 1][3] = { { 0 } };

	for (size_t i = 0; i < n; i++) {
		const json_t *fi = json_array_get(fs, i);
		size_t r = sev_rank(gets(fi, "severity"));
		cnt[r][is_exception(fi) ? 2 : is_alarm(fi) ? 0 : 1]++;
	}
	fputs("<section id=\"findings\">\n<h2>Findings</h2>\n", f);
	fprintf(f, "<p>%zu verdicts of the rules, grouped by severity. Alarms are shown in full; "
		"the other verdicts of each severity (ok, info, skip) follow in a table. Findings "
		"with an analyst verdict are listed under <a href=\"#exceptions\">Exceptions</a>."
		"</p>\n", n);
	thead(f, "sevsum", "Severity", "Alarms", "Other verdicts", "Exceptions", (char *)NULL);
	for (size_t r = 0; r <= NSEV; r++) {
		if (r == NSEV && cnt[r][0] + cnt[r][1] + cnt[r][2] == 0)
			continue;
		fputs("<tr><td>", f);
		sev_badge(f, r < NSEV ? severities[r] : "other");
		fprintf(f, "</td><td>%zu</td><td>%zu</td><td>%zu</td></tr>\n", cnt[r][0], cnt[r][1],
			cnt[r][2]);
	}
	fputs("</tbody></table>\n", f);

	for (size_t r = 0; r <= NSEV; r++) {
		const char *name = r < NSEV ? severities[r] : "other";
		if (cnt[r][0] + cnt[r][1] + cnt[r][2] == 0)
			continue;
		fprintf(f, "<h3 id=\"severity-%s\">Severity %s \xe2\x80\x94 alarms: %zu, other "
			"verdicts: %zu, exceptions: %zu</h3>\n", name, name, cnt[r][0], cnt[r][1],
			cnt[r][2]);
		for (size_t i = 0; i < n; i++) {
			const json_t *fi = json_array_get(fs, i);
			if (sev_rank(gets(fi, "severity")) == r && !is_exception(fi) && is_alarm(fi))
				put_finding_card(f, x, fi, i, false);
		}
		if (cnt[r][1] == 0)
			continue;
		thead(f, "verdicts fixed", "#", "Rule", "Status", "Resource", "Observed", "Evidence",
		      (char *)NULL);
		for (size_t i = 0; i < n; i++) {
			const json_t *fi = json_array_get(fs, i);
			if (sev_rank(gets(fi, "severity")) != r || is_exception(fi) || is_alarm(fi))
				continue;
			fputs("<tr id=\"", f);
			finding_id(f, fi, i);
			fputs("\">", f);
			cell(f, fi, "id", NULL);
			fputs("<td>", f);
			text(f, gets(fi, "title"));
			fputs("<br><code>", f);
			text(f, gets(fi, "rule"));
			fputs("</code></td><td>", f);
			status_badge(f, gets(fi, "status"));
			if (r == NSEV) {
				fputs(" ", f);
				sev_badge(f, gets(fi, "severity"));
			}
			fputs("</td>", f);
			cell(f, fi, "resource", NULL);
			cell(f, fi, "reason", NULL);
			fputs("<td>", f);
			put_evidence(f, x, get(fi, "evidence"), false);
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody></table>\n", f);
	}
	if (n == 0)
		fputs("<p>No finding.</p>\n", f);
	fputs("</section>\n", f);
}

static void put_exceptions(FILE *f, const struct evidx *x, const json_t *doc)
{
	const json_t *fs = get(doc, "findings");
	size_t k = 0;

	fputs("<section id=\"exceptions\">\n<h2>Exceptions (triage)</h2>\n<p>Findings an "
	      "analyst has given a verdict (accepted risk, false positive, compensating "
	      "control): they count as exceptions, not as failures, while the verdict "
	      "is valid.</p>\n", f);
	for (size_t r = 0; r <= NSEV; r++)
		for (size_t i = 0; i < alen(fs); i++) {
			const json_t *fi = json_array_get(fs, i);
			if (sev_rank(gets(fi, "severity")) == r && is_exception(fi)) {
				put_finding_card(f, x, fi, i, true);
				k++;
			}
		}
	if (k == 0)
		fputs("<p>No exception.</p>\n", f);
	fputs("</section>\n", f);
}

static void put_cert_inventory(FILE *f, const json_t *doc)
{
	const json_t *certs = get(get(doc, "inventories"), "certificates");

	fputs("<section id=\"inventory-certificates\">\n<h2>Certificate inventory "
	      "(PCI DSS 4.2.1.1)</h2>\n", f);
	fprintf(f, "<p>%zu certificates seen on the endpoints in scope, with the chain they were "
		"served in (depth 0 = the leaf).</p>\n", alen(certs));
	thead(f, "certs fixed", "Resource", "Chain / depth", "Subject", "Issuer", "Not before",
	      "Not after", "Key", "Signature", "Trusted", "SHA-256", (char *)NULL);
	for (size_t i = 0; i < alen(certs); i++) {
		const json_t *c = json_array_get(certs, i);
		fputs("<tr>", f);
		cell(f, c, "resource", NULL);
		fputs("<td>", f);
		val(f, get(c, "chain"));
		fputs(" / ", f);
		val(f, get(c, "depth"));
		fputs("</td>", f);
		cell(f, c, "subject", NULL);
		cell(f, c, "issuer", NULL);
		cell(f, c, "not_before", NULL);
		cell(f, c, "not_after", NULL);
		fputs("<td>", f);
		val(f, get(c, "key_type"));
		fputc(' ', f);
		val(f, get(c, "key_bits"));
		fputs("</td>", f);
		cell(f, c, "sig_alg", NULL);
		cell(f, c, "trusted", NULL);
		cell(f, c, "sha256", "hash");
		fputs("</tr>\n", f);
	}
	if (alen(certs) == 0)
		fputs("<tr><td colspan=\"10\">No certificate.</td></tr>\n", f);
	fputs("</tbody></table>\n</section>\n", f);
}

static void put_protocol_inventory(FILE *f, const json_t *doc)
{
	const json_t *ps = get(get(doc, "inventories"), "protocols");

	fputs("<section id=\"inventory-protocols\">\n<h2>Protocol and cipher suite inventory "
	      "(PCI DSS 12.3.3)</h2>\n", f);
	thead(f, "protocols fixed", "Resource", "Versions", "Cipher suites by version", "Groups",
	      (char *)NULL);
	for (size_t i = 0; i < alen(ps); i++) {
		const json_t *p = json_array_get(ps, i), *suites = get(p, "suites");
		fputs("<tr>", f);
		cell(f, p, "resource", NULL);
		cell(f, p, "versions", NULL);
		fputs("<td>", f);
		if (json_is_object(suites) && json_object_size(suites) > 0) {
			/* versions in the order of "versions", then any other key sorted */
			const char *key;
			json_t *v;
			const char **keys = calloc(json_object_size(suites), sizeof *keys);
			size_t nk = 0;
			if (keys != NULL) {
				json_object_foreach((json_t *)suites, key, v) {
					(void)v;
					keys[nk++] = key;
				}
				for (size_t a = 1; a < nk; a++)  /* insertion sort: small */
					for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0;
					     b--) {
						const char *t = keys[b];
						keys[b] = keys[b - 1], keys[b - 1] = t;
					}
				for (size_t a = 0; a < nk; a++) {
					fputs("<div><strong>", f);
					text(f, keys[a]);
					fputs(":</strong> ", f);
					val(f, json_object_get(suites, keys[a]));
					fputs("</div>", f);
				}
				free(keys);
			}
		} else {
			val(f, suites);
		}
		fputs("</td>", f);
		cell(f, p, "groups", NULL);
		fputs("</tr>\n", f);
	}
	if (alen(ps) == 0)
		fputs("<tr><td colspan=\"4\">No endpoint.</td></tr>\n", f);
	fputs("</tbody></table>\n</section>\n", f);
}

/* "versions: a, b; suites: ...; certificates: ..." of an added/removed object. */
static void put_delta(FILE *f, const json_t *d)
{
	static const char *const keys[] = { "versions", "suites", "certificates" };
	bool any = false;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const json_t *v = get(d, keys[i]);
		if (alen(v) == 0)
			continue;
		fprintf(f, "%s<strong>%s:</strong> ", any ? "<br>" : "", keys[i]);
		val(f, v);
		any = true;
	}
	if (!any)
		fputs("none", f);
}

static void put_scan_ref(FILE *f, const json_t *s)
{
	if (!json_is_object(s)) {
		fputs(DASH, f);
		return;
	}
	fputs("scan ", f);
	val(f, get(s, "id"));
	fputs("<br>", f);
	val(f, get(s, "finished"));
}

static void put_changes(FILE *f, const json_t *doc)
{
	const json_t *cs = get(doc, "changes");

	fputs("<section id=\"changes\">\n<h2>Changes since the previous scan</h2>\n", f);
	if (alen(cs) == 0) {
		fputs("<p>No endpoint has an earlier scan to compare with.</p>\n</section>\n", f);
		return;
	}
	thead(f, "changes", "Resource", "Previous scan", "Latest scan", "Added", "Removed",
	      "Trust", (char *)NULL);
	for (size_t i = 0; i < alen(cs); i++) {
		const json_t *c = json_array_get(cs, i), *t = get(c, "trust");
		fputs("<tr>", f);
		cell(f, c, "resource", NULL);
		fputs("<td>", f);
		put_scan_ref(f, get(c, "previous_scan"));
		fputs("</td><td>", f);
		put_scan_ref(f, get(c, "latest_scan"));
		fputs("</td><td>", f);
		put_delta(f, get(c, "added"));
		fputs("</td><td>", f);
		put_delta(f, get(c, "removed"));
		fputs("</td><td>", f);
		if (json_is_object(t)) {
			val(f, get(t, "before"));
			fputs(" \xe2\x86\x92 ", f);  /* U+2192 */
			val(f, get(t, "after"));
		} else {
			fputs(DASH, f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n</section>\n", f);
}

/* ---- the page ------------------------------------------------------------------------ */

static int fail(char *err, size_t errcap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errcap, const char *fmt, ...)
{
	va_list ap;

	if (errcap > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errcap, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int report_html_write(const json_t *doc, FILE *f, char *err, size_t errcap)
{
	const json_t *h = get(doc, "header");
	const char *type = gets(doc, "type");
	const json_t *ver = get(doc, "report_version");
	struct evidx x = { NULL, NULL };

	if (errcap > 0)
		err[0] = '\0';
	if (f == NULL)
		return fail(err, errcap, "report_html: %s", "no output stream");
	if (!json_is_object(doc) || type == NULL || strcmp(type, "report") != 0 ||
	    !json_is_integer(ver) || json_integer_value(ver) != 1)
		return fail(err, errcap, "report_html: %s",
			    "not a report document (type \"report\", report_version 1)");

	if (evidx_build(&x, get(doc, "findings")) != 0) {
		evidx_free(&x);
		return fail(err, errcap, "report_html: %s", strerror(ENOMEM));
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"", f);
	text(f, gets(h, "tool"));
	fputs("\">\n<title>TLS configuration report: ", f);
	text(f, gets(h, "profile"));
	fputs(" (", f);
	text(f, gets(h, "generated"));
	fputs(")</title>\n<style>\n", f);
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n", f);

	put_header(f, doc);
	put_toc(f);
	put_scope(f, doc);
	put_method(f, doc);
	put_requirements(f, doc);
	if (put_charts(f, doc) != 0 && !ferror(f)) {
		evidx_free(&x);
		return fail(err, errcap, "report_html: %s", strerror(errno));
	}
	put_findings(f, &x, doc);
	put_exceptions(f, &x, doc);
	put_cert_inventory(f, doc);
	put_protocol_inventory(f, doc);
	put_changes(f, doc);
	put_evidence_index(f, &x);
	evidx_free(&x);
	fputs("<footer class=\"muted\"><p>", f);
	text(f, gets(h, "tool"));
	fputs(" \xe2\x80\x94 rules ", f);
	text(f, gets(get(h, "rules"), "hash"));
	fputs("</p></footer>\n</body>\n</html>\n", f);

	if (fflush(f) != 0 || ferror(f))
		return fail(err, errcap, "report_html: write failed: %s",
			    strerror(errno ? errno : EIO));
	return 0;
}
