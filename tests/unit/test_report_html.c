/*
 * report_html and svg: the HTML report rendered from a hand-built report document full of
 * hostile strings, and the chart writers on their own.
 *
 * Independent expectations:
 *   - escaping: the five characters HTML and XML escape (&amp; &lt; &gt; &quot; &#39;, HTML
 *     Standard 13.1 / XML 1.0 section 2.4), the characters XML 1.0 forbids (section 2.2,
 *     Char) and HTML calls control-character parse errors (HTML Standard 13.2.3.5) replaced
 *     by U+FFFD, and ill-formed UTF-8 replaced one U+FFFD per maximal subpart: the example
 *     of the Unicode Standard 15.0 section 3.9 ("U+FFFD Substitution of Maximal Subparts",
 *     the sequence 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64) and Table 3-7's boundaries;
 *   - dates: the seconds `date -u -d DATE +%s` (GNU coreutils) and Python's
 *     datetime.fromisoformat(...).timestamp() print;
 *   - the document: the schema of issue 7; every count below is counted from the
 *     document in this file, never from our output.
 */
#include <errno.h>
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "analyzer/report_html.h"
#include "analyzer/svg.h"

/* A memory stream: capture_start() opens it, capture_end() closes it and returns the
 * NUL-terminated text (free it). */
static void capture_start(FILE **f, size_t *len, char **buf)
{
	*f = open_memstream(buf, len);
	assert_non_null(*f);
}

static char *capture_end(FILE *f, char **buf)
{
	assert_int_equal(fclose(f), 0);
	assert_non_null(*buf);
	return *buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + k, needle))
		n++;
	return n;
}

/* Occurrences of needle in [from, to). */
static size_t count_in(const char *from, const char *to, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	for (const char *p = strstr(from, needle); p != NULL && p + k <= to;
	     p = strstr(p + k, needle))
		n++;
	return n;
}

/* Case-insensitive strstr (strcasestr is a GNU extension). */
static const char *find_ci(const char *hay, const char *needle)
{
	size_t k = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, k) == 0)
			return hay;
	return NULL;
}

/*
 * Every tag of the page (from '<' to '>': document text is escaped, so each '<' starts one
 * of ours): no element that runs or fetches anything, no src attribute, no event handler
 * attribute, links only to "#..." in the page.
 */
static void check_tags(const char *html)
{
	static const char *const banned[] = { "<script", "<img", "<link", "<iframe", "<object",
					      "<embed", "<base", "<form", "<audio", "<video",
					      "<image", "<use", "<foreignobject" };
	for (const char *p = strchr(html, '<'); p != NULL; p = strchr(p + 1, '<')) {
		const char *end = strchr(p, '>');
		char tag[4096];
		size_t n;
		if (end == NULL)
			fail_msg("unterminated tag: %.60s", p);
		n = (size_t)(end - p + 1);
		if (n >= sizeof tag)
			fail_msg("tag too long: %.60s", p);
		memcpy(tag, p, n);
		tag[n] = '\0';
		for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++) {
			size_t k = strlen(banned[i]);
			if (strncasecmp(tag, banned[i], k) == 0 &&
			    (tag[k] == ' ' || tag[k] == '>' || tag[k] == '/'))
				fail_msg("banned element: %s", tag);
		}
		if (find_ci(tag, " src=") || find_ci(tag, "xlink:") != NULL ||
		    find_ci(tag, "xmlns") != NULL)
			fail_msg("suspicious attribute: %s", tag);
		for (const char *o = find_ci(tag, " on"); o != NULL; o = find_ci(o + 1, " on")) {
			const char *q = o + 3;
			while (isalpha((unsigned char)*q))
				q++;
			if (*q == '=')
				fail_msg("event handler attribute: %s", tag);
		}
		for (const char *h = find_ci(tag, "href="); h != NULL; h = find_ci(h + 1, "href="))
			if (strncmp(h, "href=\"#", 7) != 0)
				fail_msg("external link: %s", tag);
	}
}

/* ---- svg_escape ---------------------------------------------------------------------- */

struct esc_case {
	const char *in;
	size_t maxchars;
	const char *want;
};

#define FFFD "\xef\xbf\xbd"

static const struct esc_case esc_cases[] = {
	{ "plain text", 0, "plain text" },
	{ "<script>alert(1)</script>", 0, "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "a & b", 0, "a &amp; b" },
	{ "\"double\" 'single'", 0, "&quot;double&quot; &#39;single&#39;" },
	{ "&amp;", 0, "&amp;amp;" },
	{ "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x92", 0,
	  "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x92" },
	{ "tab\tnl\n", 0, "tab\tnl\n" },
	{ "cr\r", 0, "cr " },
	/* C0 controls, DEL, C1 controls (U+0085, U+009F) */
	{ "a\x01" "b\x1f" "c\x7f" "d", 0, "a" FFFD "b" FFFD "c" FFFD "d" },
	{ "\xc2\x85\xc2\x9f\xc2\xa0", 0, FFFD FFFD "\xc2\xa0" },
	/* bidi overrides and isolates (Unicode UAX #9, section 2: U+202A..U+202E, U+2066..U+2069)
	 * shown, not obeyed; the marks U+200E/U+200F and other format characters kept */
	{ "x\xe2\x80\xae" "exe.txt", 0, "x[U+202E]exe.txt" },
	{ "\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9\xe2\x80\x8f", 0,
	  "[U+202A][U+2066][U+2069]\xe2\x80\x8f" },
	/* Unicode 15.0 section 3.9, the maximal subparts example */
	{ "\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64", 0,
	  "a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d" },
	/* Table 3-7 boundaries: overlong, surrogate, beyond U+10FFFF, bad lead bytes */
	{ "\xc0\xaf", 0, FFFD FFFD },
	{ "\xe0\x80\xaf", 0, FFFD FFFD FFFD },
	{ "\xed\xa0\x80", 0, FFFD FFFD FFFD },
	{ "\xf4\x90\x80\x80", 0, FFFD FFFD FFFD FFFD },
	{ "\xf0\x90\x80\x80", 0, "\xf0\x90\x80\x80" },
	{ "\xef\xbf\xbf", 0, "\xef\xbf\xbf" },
	{ "\xff\xfe", 0, FFFD FFFD },
	{ "end\xe2\x82", 0, "end" FFFD },
	/* cut after maxchars code points, with U+2026 */
	{ "abcdef", 3, "abc\xe2\x80\xa6" },
	{ "abc", 3, "abc" },
	{ "\xc3\xa9\xc3\xa9\xc3\xa9", 2, "\xc3\xa9\xc3\xa9\xe2\x80\xa6" },
	{ "<<<<", 2, "&lt;&lt;\xe2\x80\xa6" },
	{ "", 0, "" },
};

static void test_escape(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof esc_cases / sizeof esc_cases[0]; i++) {
		FILE *f;
		char *buf = NULL;
		size_t len;
		capture_start(&f, &len, &buf);
		svg_escape(f, esc_cases[i].in, esc_cases[i].maxchars);
		capture_end(f, &buf);
		if (strcmp(buf, esc_cases[i].want) != 0)
			fail_msg("case %zu: got '%s' want '%s'", i, buf, esc_cases[i].want);
		free(buf);
	}
}

/* ---- svg_parse_time ------------------------------------------------------------------ */

struct time_case {
	const char *in;
	int rc;
	int64_t want;
};

static const struct time_case time_cases[] = {
	{ "1970-01-01T00:00:00Z", 0, 0 },
	{ "1969-12-31T23:59:59Z", 0, -1 },
	{ "2000-03-01T00:00:00Z", 0, 951868800 },
	{ "2024-02-29T00:00:00Z", 0, 1709164800 },
	{ "2024-02-29", 0, 1709164800 },
	{ "2024-01-01 00:00:00", 0, 1704067200 },
	{ "2024-01-01T01:30:00+01:30", 0, 1704067200 },
	{ "2023-12-31T22:00:00-02:00", 0, 1704067200 },
	{ "2024-01-01T00:00:00.999Z", 0, 1704067200 },
	{ "2038-01-19T03:14:07Z", 0, 2147483647 },
	{ "0001-01-01T00:00:00Z", 0, -62135596800 },
	{ "9999-12-31T23:59:59Z", 0, 253402300799 },
	{ "2023-02-29", -1, 0 },
	{ "1900-02-29", -1, 0 },
	{ "2024-13-01", -1, 0 },
	{ "2024-04-31", -1, 0 },
	{ "0000-01-01", -1, 0 },
	{ "2024-01-01T24:00:00Z", -1, 0 },
	{ "2024-01-01T00:00Z", -1, 0 },
	{ "2024-01-01T00:00:00Zjunk", -1, 0 },
	{ "2024-01-01T00:00:00+0100", -1, 0 },
	{ "2024-1-01", -1, 0 },
	{ "<script>", -1, 0 },
	{ "", -1, 0 },
	{ NULL, -1, 0 },
};

static void test_parse_time(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof time_cases / sizeof time_cases[0]; i++) {
		int64_t t = 42;
		int rc = svg_parse_time(time_cases[i].in, &t);
		if (rc != time_cases[i].rc)
			fail_msg("case %zu (%s): rc %d", i, time_cases[i].in, rc);
		if (rc == 0 && t != time_cases[i].want)
			fail_msg("case %zu (%s): %lld want %lld", i, time_cases[i].in, (long long)t,
				 (long long)time_cases[i].want);
		if (rc != 0 && t != 42)
			fail_msg("case %zu: *secs changed on error", i);
	}
}

/* ---- charts -------------------------------------------------------------------------- */

static void test_bar_chart(void **state)
{
	static const struct svg_bar bars[] = {
		{ "TLSv1.3", 4, "#2e7d32" },
		{ "TLSv1.2", 2, NULL },
		{ "<b>\"x\"</b>", 0, "red;}</style><script>" },
	};
	FILE *f;
	char *buf = NULL;
	size_t len;

	(void)state;
	capture_start(&f, &len, &buf);
	assert_int_equal(svg_bar_chart(f, "chart-x", "Title <&>", "endpoints", bars, 3), 0);
	capture_end(f, &buf);
	assert_int_equal(count(buf, "<svg "), 1);
	assert_int_equal(count(buf, "</svg>"), 1);
	assert_int_equal(count(buf, "class=\"bar\""), 3);
	assert_non_null(strstr(buf, "role=\"img\""));
	assert_non_null(strstr(buf, "aria-label=\"Title &lt;&amp;&gt;\""));
	assert_non_null(strstr(buf, "<title>Title &lt;&amp;&gt;</title>"));
	/* the largest value spans the whole bar area, a zero value nothing */
	assert_non_null(strstr(buf, "width=\"380.0\""));
	assert_non_null(strstr(buf, "width=\"190.0\""));
	assert_non_null(strstr(buf, "width=\"0.0\""));
	assert_non_null(strstr(buf, "&lt;b&gt;&quot;x&quot;&lt;/b&gt;"));
	assert_null(strstr(buf, "<b>"));
	assert_null(strstr(buf, "<script"));   /* the bad colour was replaced */
	assert_null(strstr(buf, "xmlns"));     /* no URL in the markup */
	free(buf);

	/* no data: a chart without bars */
	capture_start(&f, &len, &buf);
	assert_int_equal(svg_bar_chart(f, "empty", "Empty", NULL, NULL, 0), 0);
	capture_end(f, &buf);
	assert_int_equal(count(buf, "class=\"bar\""), 0);
	assert_non_null(strstr(buf, "No data"));
	free(buf);

	/* bad ids */
	capture_start(&f, &len, &buf);
	errno = 0;
	assert_int_equal(svg_bar_chart(f, "x\" onload=\"", "t", NULL, bars, 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(svg_bar_chart(f, "", "t", NULL, bars, 1), -1);
	assert_int_equal(svg_bar_chart(f, "9a", "t", NULL, bars, 1), -1);
	capture_end(f, &buf);
	assert_int_equal(buf[0], '\0');
	free(buf);
}

static void test_timeline(void **state)
{
	static const struct svg_cert certs[] = {
		{ "CN=later", "a:443", "2026-01-01T00:00:00Z" },
		{ "CN=<expired>", "b:443", "2024-12-01T00:00:00Z" },
		{ "CN=soon", NULL, "2025-01-20T00:00:00Z" },      /* 19 days after today */
		{ "CN=thirty", NULL, "2025-01-31T00:00:00Z" },    /* exactly 30 days: not soon */
		{ "CN=nodate", NULL, "not a date" },
		{ NULL, NULL, "2025-06-01" },
	};
	FILE *f;
	char *buf = NULL;
	size_t len, drawn = 99;

	(void)state;
	capture_start(&f, &len, &buf);
	assert_int_equal(svg_expiry_timeline(f, "chart-expiry", "Expiry", certs, 6,
					     "2025-01-01T00:00:00Z", &drawn), 0);
	capture_end(f, &buf);
	assert_int_equal(drawn, 5);
	assert_int_equal(count(buf, "class=\"cert "), 5);
	assert_int_equal(count(buf, "class=\"cert expired\""), 1);
	assert_int_equal(count(buf, "class=\"cert soon\""), 1);
	assert_int_equal(count(buf, "class=\"cert ok\""), 3);
	assert_int_equal(count(buf, "class=\"today\""), 1);
	assert_non_null(strstr(buf, "today 2025-01-01"));
	assert_non_null(strstr(buf, "CN=&lt;expired&gt;"));
	assert_non_null(strstr(buf, "1 without a readable expiry date"));
	/* sorted by not_after: the expired one first, the 2026 one last */
	assert_true(strstr(buf, "CN=&lt;expired&gt;") < strstr(buf, "CN=soon"));
	assert_true(strstr(buf, "CN=soon") < strstr(buf, "CN=thirty"));
	assert_true(strstr(buf, "CN=thirty") < strstr(buf, "CN=later"));
	assert_int_equal(count(buf, "<svg "), 1);
	assert_int_equal(count(buf, "</svg>"), 1);
	free(buf);

	/* without today: no today line, nothing called expired */
	capture_start(&f, &len, &buf);
	assert_int_equal(svg_expiry_timeline(f, "t2", "Expiry", certs, 4, NULL, &drawn), 0);
	capture_end(f, &buf);
	assert_int_equal(drawn, 4);
	assert_int_equal(count(buf, "class=\"today\""), 0);
	assert_int_equal(count(buf, "class=\"cert ok\""), 4);
	free(buf);

	/* no certificates at all */
	capture_start(&f, &len, &buf);
	assert_int_equal(svg_expiry_timeline(f, "t3", "Expiry", NULL, 0, "2025-01-01", &drawn), 0);
	capture_end(f, &buf);
	assert_int_equal(drawn, 0);
	assert_non_null(strstr(buf, "No certificates"));
	free(buf);
}

/* ---- the report ---------------------------------------------------------------------- */

/* Hostile strings: markup, quotes, ampersands, URLs, non-ASCII, control characters. */
#define EVIL_SUBJECT "CN=<script>alert(\\\"subject\\\")</script>,O=Evil & Co 'q' \\u00e9\\u0001"
#define EVIL_SUBJECT_ESC \
	"CN=&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;,O=Evil &amp; " \
	"Co &#39;q&#39; \xc3\xa9" FFFD

static const char doc_json[] =
	"{\"type\":\"report\",\"report_version\":1,"
	"\"header\":{\"tool\":\"tlsscope 0.1.0\",\"generated\":\"2025-01-01T12:00:00Z\","
	"  \"profile\":\"all\",\"profile_title\":\"every rule <all>\","
	"  \"rules\":{\"hash\":\"5f1e\\\"><img src=x>\",\"analysis_run\":7,"
	"    \"analysis_started\":\"2025-01-01T11:00:00Z\","
	"    \"analysis_finished\":\"2025-01-01T11:00:05Z\",\"rules_loaded\":42},"
	"  \"data\":{\"mozilla_guidelines\":[\"6.0\",\"5.8\"],"
	"    \"cipher_suites\":\"IANA registry snapshot, data/tls-cipher-suites.csv\","
	"    \"store_schema\":3},"
	"  \"database\":\"/tmp/a&b<c>.db\","
	"  \"scope\":{\"endpoints\":["
	"    {\"resource\":\"127.0.0.1:443 evil.test\",\"host\":\"evil.test\",\"ip\":\"127.0.0.1\","
	"     \"port\":443,\"sni\":\"https://evil.example/<x>\",\"scan_id\":1,"
	"     \"scanned\":\"2025-01-01T10:00:00Z\"},"
	"    {\"resource\":\"127.0.0.1:8443 \\u202eexe.txt\",\"host\":\"rtl.test\","
	"     \"ip\":\"127.0.0.1\",\"port\":8443,\"sni\":null,\"scan_id\":2,"
	"     \"scanned\":\"2025-01-01T10:01:00Z\"}],"
	"   \"connections\":{\"count\":6,\"servers\":2,\"first\":\"2024-12-31T00:00:00Z\","
	"     \"last\":null}}},"
	"\"method\":{\"text\":[\"Active scan <b>bold?</b>\",\"Passive sensor & rules\"],"
	"  \"limits\":[\"TLS 1.3 certificates are invisible to a passive sensor\","
	"    \"Heartbleed, ROBOT, CCS injection are not probed\"]},"
	"\"requirements\":["
	"  {\"requirement\":\"pci-dss-4.0.1:4.2.1\",\"status\":\"not in place\","
	"   \"rules\":[\"r/protocols\",\"r/suites\"],\"counts\":{\"ok\":1,\"alarm\":2,\"info\":0,"
	"   \"skip\":0},\"exceptions\":0},"
	"  {\"requirement\":\"pci-dss-4.0.1:4.2.1.1\",\"status\":\"in place\",\"rules\":[\"r/inv\"],"
	"   \"counts\":{\"ok\":2,\"alarm\":0,\"info\":0,\"skip\":0},\"exceptions\":1},"
	"  {\"requirement\":\"nist-800-52r2:3.1\",\"status\":\"not applicable\",\"rules\":[\"r/x\"],"
	"   \"counts\":{\"ok\":0,\"alarm\":0,\"info\":0,\"skip\":3},\"exceptions\":0},"
	"  {\"requirement\":\"nist-800-52r2:3.3.1\",\"status\":\"not tested\",\"rules\":[],"
	"   \"counts\":{\"ok\":0,\"alarm\":0,\"info\":0,\"skip\":0},\"exceptions\":0},"
	"  {\"requirement\":\"<req>\",\"status\":\"<weird>\",\"rules\":[],\"counts\":{},"
	"   \"exceptions\":0}],"
	"\"findings\":["
	"  {\"id\":11,\"rule\":\"r/protocols\",\"title\":\"Old protocol <TLSv1.0>\","
	"   \"severity\":\"high\",\"status\":\"alarm\",\"resource\":\"127.0.0.1:443 evil.test\","
	"   \"reason\":\"offers TLSv1.0; see http://evil.example/?a=1&b=<2>\","
	"   \"requirements\":[\"pci-dss-4.0.1:4.2.1\"],"
	"   \"evidence\":[{\"ref\":\"scan:1\",\"kind\":\"scan\","
	"     \"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\","
	"     \"summary\":\"scan 1 of 127.0.0.1:443 \\\"evil\\\"\"},"
	"    {\"ref\":\"probe:5\",\"kind\":\"probe\",\"sha256\":null,"
	"     \"summary\":\"https://evil.example/probe not in the store\"}],"
	"   \"remediation\":\"Disable TLS 1.0 & 1.1 <now>\",\"first_seen\":\"2025-01-01T11:00:00Z\","
	"   \"last_seen\":\"2025-01-01T11:00:00Z\",\"count\":1,\"score\":null,\"triage\":null},"
	"  {\"id\":12,\"rule\":\"r/suites\",\"title\":\"Weak suites\",\"severity\":\"critical\","
	"   \"status\":\"alarm\",\"resource\":\"127.0.0.1:8443 \\u202eexe.txt\","
	"   \"reason\":\"RC4\\u0007\",\"requirements\":[\"pci-dss-4.0.1:4.2.1\"],"
	"   \"evidence\":[{\"ref\":\"scan:2\",\"kind\":\"scan\",\"sha256\":\"00ff\","
	"     \"summary\":\"ok\"}],\"remediation\":\"Remove RC4\",\"first_seen\":null,"
	"   \"last_seen\":null,\"count\":3,\"score\":2.5,\"triage\":null},"
	"  {\"id\":13,\"rule\":\"r/inv\",\"title\":\"Inventory\",\"severity\":\"info\","
	"   \"status\":\"ok\",\"resource\":\"127.0.0.1:443 evil.test\",\"reason\":\"" EVIL_SUBJECT
	"\",\"requirements\":[\"pci-dss-4.0.1:4.2.1.1\"],\"evidence\":[],\"remediation\":null,"
	"   \"first_seen\":null,\"last_seen\":null,\"count\":1,\"score\":null,\"triage\":null},"
	"  {\"id\":14,\"rule\":\"r/x\",\"title\":\"Skipped\",\"severity\":\"medium\","
	"   \"status\":\"skip\",\"resource\":\"x\",\"reason\":\"no data\",\"requirements\":[],"
	"   \"evidence\":[],\"remediation\":\"\",\"first_seen\":null,\"last_seen\":null,"
	"   \"count\":1,\"score\":null,\"triage\":null},"
	"  {\"id\":15,\"rule\":\"r/inv\",\"title\":\"Accepted\",\"severity\":\"low\","
	"   \"status\":\"alarm\",\"resource\":\"127.0.0.1:443 evil.test\",\"reason\":\"short key\","
	"   \"requirements\":[\"pci-dss-4.0.1:4.2.1.1\"],\"evidence\":[],\"remediation\":\"r\","
	"   \"first_seen\":null,\"last_seen\":null,\"count\":1,\"score\":null,"
	"   \"triage\":{\"verdict\":\"accepted_risk\",\"reason\":\"<script>x()</script> legacy\","
	"     \"author\":\"auditor \\\"A\\\" <a@b>\",\"expires\":\"2025-06-01T00:00:00Z\"}},"
	"  {\"id\":16,\"rule\":\"r/odd\",\"title\":\"Odd severity\",\"severity\":\"<sev>\","
	"   \"status\":\"<st>\",\"resource\":\"y\",\"reason\":\"z\",\"requirements\":[],"
	"   \"evidence\":[\"scan:9\"],\"remediation\":null,\"first_seen\":null,\"last_seen\":null,"
	"   \"count\":1,\"score\":null,\"triage\":null}],"
	"\"inventories\":{\"certificates\":["
	"   {\"resource\":\"127.0.0.1:443 evil.test\",\"chain\":1,\"depth\":0,"
	"    \"sha256\":\"aa11\",\"subject\":\"" EVIL_SUBJECT "\",\"issuer\":\"CN=CA & Sons\","
	"    \"not_before\":\"2024-01-01T00:00:00Z\",\"not_after\":\"2024-12-01T00:00:00Z\","
	"    \"key_type\":\"RSA\",\"key_bits\":2048,\"sig_alg\":\"sha256WithRSAEncryption\","
	"    \"trusted\":false},"
	"   {\"resource\":\"127.0.0.1:8443 \\u202eexe.txt\",\"chain\":2,\"depth\":0,"
	"    \"sha256\":\"bb22\",\"subject\":\"CN=rtl.test\",\"issuer\":\"CN=CA\","
	"    \"not_before\":\"2024-01-01T00:00:00Z\",\"not_after\":\"2025-01-15T00:00:00Z\","
	"    \"key_type\":\"EC\",\"key_bits\":256,\"sig_alg\":\"ecdsa-with-SHA256\","
	"    \"trusted\":true}],"
	"  \"protocols\":["
	"   {\"resource\":\"127.0.0.1:443 evil.test\",\"versions\":[\"TLSv1.0\",\"TLSv1.2\"],"
	"    \"suites\":{\"TLSv1.2\":[\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"],"
	"     \"TLSv1.0\":[\"TLS_RSA_WITH_RC4_128_SHA\",\"<suite>\"]},\"groups\":[\"x25519\"]},"
	"   {\"resource\":\"127.0.0.1:8443 \\u202eexe.txt\",\"versions\":[\"TLSv1.3\"],"
	"    \"suites\":{},\"groups\":[]}]},"
	"\"changes\":["
	"  {\"resource\":\"127.0.0.1:443 evil.test\","
	"   \"previous_scan\":{\"id\":1,\"finished\":\"2024-12-01T00:00:00Z\"},"
	"   \"latest_scan\":{\"id\":3,\"finished\":\"2025-01-01T10:00:00Z\"},"
	"   \"added\":{\"versions\":[\"TLSv1.0\"],\"suites\":[\"<new>\"],\"certificates\":[]},"
	"   \"removed\":{\"versions\":[],\"suites\":[],\"certificates\":[\"cc33\"]},"
	"   \"trust\":{\"before\":\"trusted\",\"after\":\"untrusted & <bad>\"}}],"
	"\"charts\":{"
	"  \"protocols\":[{\"version\":\"TLSv1.3\",\"endpoints\":1},{\"version\":\"TLSv1.2\","
	"    \"endpoints\":1},{\"version\":\"TLSv1.0\",\"endpoints\":1}],"
	"  \"suites\":[{\"class\":\"AEAD+PFS\",\"endpoints\":2},{\"class\":\"RC4\",\"endpoints\":1},"
	"    {\"class\":\"<class>\",\"endpoints\":1},{\"class\":\"CBC\",\"endpoints\":0}],"
	"  \"expiry\":[{\"resource\":\"127.0.0.1:443 evil.test\",\"sha256\":\"aa11\","
	"    \"subject\":\"" EVIL_SUBJECT "\",\"not_after\":\"2024-12-01T00:00:00Z\","
	"    \"days_left\":-31},"
	"   {\"resource\":\"127.0.0.1:8443\",\"sha256\":\"bb22\",\"subject\":\"CN=rtl.test\","
	"    \"not_after\":\"2025-01-15T00:00:00Z\",\"days_left\":13}],"
	"  \"severity\":[{\"severity\":\"critical\",\"alarms\":1},{\"severity\":\"high\","
	"    \"alarms\":1},{\"severity\":\"medium\",\"alarms\":0},{\"severity\":\"low\","
	"    \"alarms\":0},{\"severity\":\"info\",\"alarms\":0}]}}";

static const char *const section_ids[] = {
	"report-header", "scope", "method", "requirements", "charts", "findings", "exceptions",
	"inventory-certificates", "inventory-protocols", "changes", "evidence",
};

static json_t *load_doc(void)
{
	json_error_t e;
	json_t *doc = json_loads(doc_json, 0, &e);
	if (doc == NULL)
		fail_msg("document: %s at %d:%d", e.text, e.line, e.column);
	/* ill-formed UTF-8 that jansson would refuse to parse, set without its check */
	json_object_set_new(json_object_get(doc, "header"), "profile_title",
			    json_string_nocheck("bad \xc0\xaf utf-8 \xff"));
	return doc;
}

static char *render(const json_t *doc)
{
	FILE *f;
	char *buf = NULL, err[256] = "x";
	size_t len;

	capture_start(&f, &len, &buf);
	if (report_html_write(doc, f, err, sizeof err) != 0)
		fail_msg("report_html_write: %s", err);
	assert_string_equal(err, "");
	capture_end(f, &buf);
	assert_int_equal(strlen(buf), len);  /* no NUL byte inside */
	return buf;
}

/* Well-formed UTF-8 (Unicode Table 3-7), written independently of svg.c's decoder. */
static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned char c = *s;
		int n;
		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return false;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
		    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
			return false;
		for (int i = 1; i <= n; i++)
			if ((s[i] & 0xc0) != 0x80)
				return false;
		s += n + 1;
	}
	return true;
}

/* The element from "<svg id=\"ID\"" to its "</svg>" (asserting no <svg> nested inside). */
static void svg_span(const char *html, const char *id, const char **from, const char **to)
{
	char open[64];
	snprintf(open, sizeof open, "<svg id=\"%s\"", id);
	*from = strstr(html, open);
	if (*from == NULL)
		fail_msg("no chart %s", id);
	*to = strstr(*from, "</svg>");
	assert_non_null(*to);
	assert_int_equal(count_in(*from + 1, *to, "<svg"), 0);
}

static void test_report(void **state)
{
	json_t *doc = load_doc();
	char *html = render(doc), *again = render(doc);
	const json_t *fs = json_object_get(doc, "findings");
	const json_t *charts = json_object_get(doc, "charts");
	const char *from, *to;

	(void)state;
	/* deterministic */
	assert_string_equal(html, again);
	free(again);

	assert_true(strncmp(html, "<!DOCTYPE html>", 15) == 0);
	assert_non_null(strstr(html, "</html>\n"));
	assert_true(utf8_valid((const unsigned char *)html));

	/* no script, no fetched resource, links only in-page */
	assert_null(find_ci(html, "<script"));
	assert_null(find_ci(html, "url("));
	assert_null(find_ci(html, "@import"));
	assert_null(find_ci(html, "javascript:"));
	check_tags(html);
	/* URLs (only in the data) appear only as text inside table cells */
	assert_int_equal(count(html, "://"), 4);  /* SNI, reason, a summary in card and index */
	for (const char *p = strstr(html, "://"); p != NULL; p = strstr(p + 1, "://")) {
		const char *lt = NULL, *gt = NULL, *td = NULL, *etd = NULL;
		for (const char *q = html; q < p; q++) {
			if (*q == '<')
				lt = q;
			else if (*q == '>')
				gt = q;
			if (strncmp(q, "<td", 3) == 0)
				td = q;
			else if (strncmp(q, "</td>", 5) == 0)
				etd = q;
		}
		if (lt != NULL && (gt == NULL || gt < lt))
			fail_msg("URL inside a tag: %.60s", p);
		if (td == NULL || (etd != NULL && etd > td))
			fail_msg("URL outside a table cell: %.60s", p);
	}
	/* no raw control characters (TAB and LF are fine) */
	for (const char *p = html; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
			fail_msg("control character %#x at %zu", (unsigned)*p, (size_t)(p - html));

	/* hostile strings appear only escaped */
	assert_non_null(strstr(html, EVIL_SUBJECT_ESC));
	assert_null(strstr(html, "alert(\"subject\")"));
	assert_null(strstr(html, "<b>bold?</b>"));
	assert_non_null(strstr(html, "&lt;b&gt;bold?&lt;/b&gt;"));
	assert_non_null(strstr(html, "5f1e&quot;&gt;&lt;img src=x&gt;"));
	assert_non_null(strstr(html, "/tmp/a&amp;b&lt;c&gt;.db"));
	assert_non_null(strstr(html, "https://evil.example/&lt;x&gt;"));
	assert_non_null(strstr(html, "http://evil.example/?a=1&amp;b=&lt;2&gt;"));
	assert_non_null(strstr(html, "auditor &quot;A&quot; &lt;a@b&gt;"));
	assert_non_null(strstr(html, "bad " FFFD FFFD " utf-8 " FFFD));
	assert_non_null(strstr(html, "RC4" FFFD));
	assert_non_null(strstr(html, "127.0.0.1:8443 [U+202E]exe.txt"));
	assert_null(strstr(html, "\xe2\x80\xae"));
	assert_null(strstr(html, "<sev>"));
	assert_null(strstr(html, "<weird>"));

	/* structure: every section once, balanced elements */
	for (size_t i = 0; i < sizeof section_ids / sizeof section_ids[0]; i++) {
		char id[64];
		snprintf(id, sizeof id, "id=\"%s\"", section_ids[i]);
		if (count(html, id) != 1)
			fail_msg("section %s: %zu times", section_ids[i], count(html, id));
	}
	assert_int_equal(count(html, "<section"), count(html, "</section>"));
	assert_int_equal(count(html, "<section"), 10);
	assert_int_equal(count(html, "<table"), count(html, "</table>"));
	assert_int_equal(count(html, "<article"), count(html, "</article>"));
	assert_int_equal(count(html, "<tr"), count(html, "</tr>"));
	assert_int_equal(count(html, "<td"), count(html, "</td>"));
	assert_int_equal(count(html, "<ul"), count(html, "</ul>"));
	assert_int_equal(count(html, "<figure"), count(html, "</figure>"));

	/* every finding once; the alarms as cards; the triaged one under exceptions */
	for (size_t i = 0; i < json_array_size(fs); i++) {
		char id[64];
		snprintf(id, sizeof id, "id=\"finding-%lld\"",
			 (long long)json_integer_value(json_object_get(json_array_get(fs, i), "id")));
		if (count(html, id) != 1)
			fail_msg("%s: %zu times", id, count(html, id));
	}
	assert_non_null(strstr(html, "<article class=\"finding fb-high\" id=\"finding-11\""));
	assert_non_null(strstr(html, "<article class=\"finding fb-critical\" id=\"finding-12\""));
	assert_non_null(strstr(html, "<tr id=\"finding-13\""));
	assert_non_null(strstr(html, "<tr id=\"finding-14\""));
	assert_non_null(strstr(html, "<tr id=\"finding-16\""));
	{
		const char *exc = strstr(html, "id=\"exceptions\""), *f15 = strstr(html,
									  "id=\"finding-15\"");
		const char *inv = strstr(html, "id=\"inventory-certificates\"");
		assert_true(exc < f15 && f15 < inv);
		assert_non_null(strstr(f15, "accepted_risk"));
		assert_non_null(strstr(f15, "2025-06-01T00:00:00Z"));
		assert_non_null(strstr(f15, "&lt;script&gt;x()&lt;/script&gt; legacy"));
	}
	/* severity order: critical before high */
	assert_true(strstr(html, "id=\"finding-12\"") < strstr(html, "id=\"finding-11\""));
	/* evidence: kind, ref, sha256, summary */
	assert_non_null(strstr(html, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
	assert_non_null(strstr(html, "scan 1 of 127.0.0.1:443 &quot;evil&quot;"));
	assert_non_null(strstr(html, "Disable TLS 1.0 &amp; 1.1 &lt;now&gt;"));

	/* the evidence index: each distinct reference once (scan:1, probe:5, scan:2, scan:9 in
	 * order of first use), linked from the findings */
	assert_int_equal(count(html, "<tr id=\"ev-"), 4);
	assert_true(strstr(html, "<tr id=\"ev-0\"><td>0</td><td><code>scan:1</code>") >
		    strstr(html, "id=\"evidence\""));
	assert_non_null(strstr(html, "<tr id=\"ev-3\"><td>3</td><td><code>scan:9</code>"));
	assert_int_equal(count(html, "href=\"#ev-0\""), 1);
	assert_int_equal(count(html, "href=\"#ev-3\""), 1);
	assert_int_equal(count(html, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
			 2);  /* the card and the index */

	/* the requirement matrix: one marked cell per known status */
	assert_int_equal(count(html, "<td class=\"m st-not-in-place\">"), 1);
	assert_int_equal(count(html, "<td class=\"m st-in-place\">"), 1);
	assert_int_equal(count(html, "<td class=\"m st-not-applicable\">"), 1);
	assert_int_equal(count(html, "<td class=\"m st-not-tested\">"), 1);
	assert_non_null(strstr(html, "status: &lt;weird&gt;"));

	/* the charts: 4 SVGs, one bar per data point, one marker per dated certificate */
	assert_int_equal(count(html, "<svg "), 4);
	assert_int_equal(count(html, "</svg>"), 4);
	svg_span(html, "chart-protocols", &from, &to);
	assert_int_equal(count_in(from, to, "class=\"bar\""),
			 json_array_size(json_object_get(charts, "protocols")));
	svg_span(html, "chart-suites", &from, &to);
	assert_int_equal(count_in(from, to, "class=\"bar\""),
			 json_array_size(json_object_get(charts, "suites")));
	svg_span(html, "chart-severity", &from, &to);
	assert_int_equal(count_in(from, to, "class=\"bar\""),
			 json_array_size(json_object_get(charts, "severity")));
	svg_span(html, "chart-expiry", &from, &to);
	assert_int_equal(count_in(from, to, "class=\"cert "),
			 json_array_size(json_object_get(charts, "expiry")));
	/* 2024-12-01 is before the generated time, 2025-01-15 13 days after it */
	assert_int_equal(count_in(from, to, "class=\"cert expired\""), 1);
	assert_int_equal(count_in(from, to, "class=\"cert soon\""), 1);
	assert_int_equal(count_in(from, to, "class=\"today\""), 1);
	assert_int_equal(count_in(from, to, "role=\"img\""), 1);

	/* inventories and changes */
	assert_non_null(strstr(html, "TLS_RSA_WITH_RC4_128_SHA, &lt;suite&gt;"));
	assert_non_null(strstr(html, "sha256WithRSAEncryption"));
	assert_non_null(strstr(html, "untrusted &amp; &lt;bad&gt;"));
	assert_non_null(strstr(html, "&lt;new&gt;"));

	/* print CSS */
	assert_non_null(strstr(html, "@media print"));
	assert_non_null(strstr(html, "thead{display:table-header-group}"));
	assert_non_null(strstr(html, "section{break-before:page}"));
	free(html);
	json_decref(doc);
}

/* A minimal document: every section still there, empty. */
static void test_report_minimal(void **state)
{
	json_t *doc = json_pack("{s:s, s:i}", "type", "report", "report_version", 1);
	char *html;

	(void)state;
	html = render(doc);
	for (size_t i = 0; i < sizeof section_ids / sizeof section_ids[0]; i++) {
		char id[64];
		snprintf(id, sizeof id, "id=\"%s\"", section_ids[i]);
		assert_int_equal(count(html, id), 1);
	}
	assert_int_equal(count(html, "<svg "), 4);
	assert_int_equal(count(html, "class=\"bar\""), 0);
	assert_int_equal(count(html, "class=\"today\""), 0);
	free(html);
	json_decref(doc);
}

static void test_report_errors(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"type\":\"scan\",\"report_version\":1}",
		"{\"type\":\"report\",\"report_version\":2}",
		"{\"type\":\"report\"}",
	};
	char err[256];
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *doc = json_loads(bad[i], 0, NULL);
		char *buf = NULL;
		size_t len;
		assert_non_null(doc);
		capture_start(&f, &len, &buf);
		err[0] = '\0';
		assert_int_equal(report_html_write(doc, f, err, sizeof err), -1);
		assert_non_null(strstr(err, "not a report document"));
		capture_end(f, &buf);
		assert_int_equal(len, 0);
		free(buf);
		json_decref(doc);
	}
	assert_int_equal(report_html_write(NULL, stdout, err, sizeof err), -1);
	assert_int_equal(report_html_write(NULL, stdout, NULL, 0), -1);

	/* a full device: the write error is reported */
	f = fopen("/dev/full", "w");
	if (f != NULL) {
		json_t *doc = load_doc();
		assert_int_equal(report_html_write(doc, f, err, sizeof err), -1);
		assert_non_null(strstr(err, "write failed"));
		fclose(f);
		json_decref(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_bar_chart),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_report_minimal),
		cmocka_unit_test(test_report_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
