/*
 * The report document. See report.h.
 *
 * Everything comes out of the store as JSON: each query makes SQLite's json_object() of a row
 * (one column), which is parsed here, so values keep their types (integers, null, the
 * booleans of the scan JSON) without per-column conversions. Queries never nest (a result
 * is collected before the next query runs); the only values spliced into SQL text are
 * row ids (digits), validated lowercase hex hashes and timestamps this file formats.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/refdata.h"
#include "analyzer/report.h"
#include "analyzer/rules.h"
#include "analyzer/store/store.h"
#include "capture/wire/digest.h"

/* The protocol versions, oldest first (INTERFACE.md names). */
static const char *const versions[] = { "SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2",
					"TLSv1.3" };
#define N_VERSIONS (sizeof(versions) / sizeof(versions[0]))

/* Severities, worst first. */
static const char *const severities[] = { "critical", "high", "medium", "low", "info" };

/* Suite classes of charts.suites, in display order: the first that applies wins (the SQL in
 * suite_chart() decides, from ref_suite). */
static const char *const suite_classes[] = {
	"AEAD+PFS", "CBC", "RSA key exchange", "no PFS", "3DES", "DES/IDEA/RC2", "RC4",
	"anonymous", "export/NULL", "unknown",
};

static const struct {
	const char *name, *title;
} profile_titles[] = {
	{ "all", "All rules" },
	{ "mozilla-6.0-modern", "Mozilla Server Side TLS 6.0, modern configuration" },
	{ "mozilla-6.0-intermediate", "Mozilla Server Side TLS 6.0, intermediate configuration" },
	{ "mozilla-5.8-old", "Mozilla Server Side TLS 5.8, old configuration" },
	{ "nist-800-52r2", "NIST SP 800-52 Rev. 2" },
	{ "pci-dss-4.0.1", "PCI DSS v4.0.1" },
	{ "bsi-tr-02102-2", "BSI TR-02102-2" },
	{ "hipaa-hhs", "HIPAA Security Rule, transmission security (HHS guidance)" },
	{ "cabf-br", "CA/Browser Forum Baseline Requirements" },
	{ "browser-ct", "Certificate Transparency (browser policies)" },
	{ "ssllabs", "SSL Labs server rating guide" },
	{ "downgrade", "Downgrade detection (passive handshakes against scans)" },
	{ "rogue-cert", "Rogue certificate detection" },
};

static const char *const method_text[] = {
	"Active scan: tlsscope connects to each endpoint in scope and sends its own ClientHello "
	"probes for every protocol version from SSLv2 to TLS 1.3, every cipher suite and every "
	"key exchange group, then completes full handshakes with OpenSSL and GnuTLS to obtain "
	"the certificate chains and verify them. The request and response bytes of every probe "
	"are stored with the scan.",
	"Passive sensor: TLS handshakes seen on the network (capture files or a live interface) "
	"are parsed and stored with their fingerprints (JA3, JA3S, JA4) and the certificates "
	"sent in clear.",
	"Rules: each requirement is checked by SQL rules over the stored facts. A rule gives one "
	"finding per resource (IP:PORT and server name) with a status (ok, alarm, info or skip), "
	"the values that decided it and references to its evidence. Each evidence reference is "
	"shown with the SHA-256 of the stored bytes it points to (the scan result, the probe "
	"transcript, the certificate or OCSP DER, the connection record), so it can be checked "
	"against the database.",
	"Requirement status: not in place = an alarm without a valid analyst verdict; in place = "
	"every finding ok or info, or alarms that an analyst acknowledged or marked a false "
	"positive (counted as exceptions); not applicable = the rules could not decide (skip) "
	"for every resource; not tested = the rules gave no finding.",
	"Only findings that the latest analysis run of their rule produced are reported; the "
	"inventories and the changes describe the latest scan of each endpoint (and the scan "
	"before it).",
};

static const char *const method_limits[] = {
	"TLS 1.3 certificates are invisible to a passive sensor (the handshake encrypts them): "
	"passive certificate checks cover TLS 1.2 and earlier only",
	"Heartbleed, ROBOT, CCS injection and other implementation flaws are not probed",
	"revocation is checked only through stapled OCSP responses (no OCSP or CRL requests are "
	"made)",
	"certificate trust is judged against the trust anchors the scan was given (--ca-file) or "
	"the system store",
	"a scan shows the endpoint at the time of the scan; a passive sensor sees only the "
	"connections that crossed its capture point while it ran",
	"cipher suite attributes come from a snapshot of the IANA registry; the NIST and BSI "
	"suite lists in it are not verified against the standards' texts",
	"client configurations are not assessed",
};

struct rb {
	struct store *st;
	const struct report_opts *o;
	const char *profile;        /* NULL = all */
	int status;
	char *err;
	size_t errcap;
	char now_ts[40];            /* RFC 3339 with microseconds, for comparisons */
	char gen_ts[32];            /* RFC 3339, seconds */
	json_t *rules;              /* id -> {title, severity, requirements, remediation,
				       run_started, reqs (this profile's requirements)} */
	json_t *triage;             /* "rule\x1fresource" -> verdict object */
	json_t *evcache;            /* ref -> evidence object */
	size_t stale;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct rb *b, int status, const char *fmt, ...)
{
	va_list ap;
	if (b->status != REPORT_OK)
		return -1;
	b->status = status;
	if (b->err && b->errcap) {
		va_start(ap, fmt);
		vsnprintf(b->err, b->errcap, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int oom(struct rb *b)
{
	return fail(b, REPORT_ENOMEM, "out of memory");
}

/* Appends s to a json array/object; a NULL value (allocation failure) is an error. */
static int append(struct rb *b, json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v) != 0)
		return oom(b);
	return 0;
}

static int set(struct rb *b, json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) != 0)
		return oom(b);
	return 0;
}

/* ---- queries ---------------------------------------------------------------------------- */

struct qjson {
	json_t *out;
	bool oom, bad_json;
};

static int on_json_row(void *ctx, int ncol, const char *const *names, const char *const *values)
{
	struct qjson *q = ctx;
	(void)names;
	if (ncol < 1 || !values[0])
		return 0;
	json_t *v = json_loads(values[0], JSON_DECODE_ANY, NULL);
	if (!v) {
		q->bad_json = true;
		return 1;
	}
	if (json_array_append_new(q->out, v) != 0) {
		q->oom = true;
		return 1;
	}
	return 0;
}

/* Runs sql, whose first column is a JSON value, appending each row's value to out. */
static int q_json(struct rb *b, const char *sql, json_t *out)
{
	struct qjson q = { out, false, false };
	if (store_query(b->st, sql, on_json_row, &q) != STORE_OK)
		return fail(b, REPORT_ESTORE, "database: %s", store_errmsg(b->st));
	if (q.bad_json)
		return fail(b, REPORT_ESTORE, "database: a row is not valid JSON text (invalid "
			    "UTF-8?)");
	if (q.oom)
		return oom(b);
	return 0;
}

/* The one row of sql (a JSON value), or NULL when there is none or on error (b->status). */
static json_t *q_json1(struct rb *b, const char *sql)
{
	json_t *a = json_array();
	if (!a) {
		oom(b);
		return NULL;
	}
	if (q_json(b, sql, a) != 0) {
		json_decref(a);
		return NULL;
	}
	json_t *v = json_incref(json_array_get(a, 0));
	json_decref(a);
	return v;
}

static bool is_sha256_hex(const char *s)
{
	size_t i;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

/* A decimal row id: digits only, at most 18 of them (fits an int64). */
static bool is_row_id(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 18 && strspn(s, "0123456789") == n;
}

static int on_text_row(void *ctx, int ncol, const char *const *names,
		       const char *const *values)
{
	char **out = ctx;
	(void)names;
	if (ncol < 1 || !values[0] || *out)
		return 0;
	*out = strdup(values[0]);
	return *out ? 1 : -1;
}

/* The first column of the first row of sql as malloc'd text, or NULL when there is no row
 * or on error (b->status set). */
static char *q_text(struct rb *b, const char *sql)
{
	char *out = NULL;
	int rc = store_query(b->st, sql, on_text_row, &out);
	if (rc != STORE_OK) {
		free(out);
		fail(b, REPORT_ESTORE, "database: %s", store_errmsg(b->st));
		return NULL;
	}
	return out;
}

/* ---- time --------------------------------------------------------------------------------- */

/* "YYYY-MM-DDTHH:MM:SS[.f]Z" -> time_t; false when s is not that. */
static bool parse_ts(const char *s, time_t *out)
{
	struct tm tm;
	int n = 0;
	memset(&tm, 0, sizeof(tm));
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return true;
}

/* Whole days from now to t, rounded down (negative when t has passed). */
static long long days_until(time_t now, time_t t)
{
	long long d = (long long)t - (long long)now;
	return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

/* ---- the profile's rules ---------------------------------------------------------------- */

/* Whether requirement req is one of the profile's ("NAME:..."). */
static bool req_in_profile(const char *req, const char *profile)
{
	size_t n = strlen(profile);
	return strncmp(req, profile, n) == 0 && req[n] == ':';
}

/* Every rule of the rules table, as objects with the requirements as text too. */
static json_t *all_rules(struct rb *b)
{
	json_t *a = json_array();
	if (!a) {
		oom(b);
		return NULL;
	}
	if (q_json(b, "SELECT json_object('id', r.id, 'title', r.title, 'severity', r.severity,"
		   " 'requirements', json(r.requirements), 'requirements_text', r.requirements,"
		   " 'remediation', r.remediation, 'run_started', (SELECT max(a.started) FROM"
		   " analysis_runs a WHERE a.started <= r.loaded)) FROM rules r ORDER BY r.id",
		   a) != 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static bool in_profile(json_t *r, const char *profile)
{
	struct rule tmp;
	memset(&tmp, 0, sizeof(tmp));
	snprintf(tmp.id, sizeof(tmp.id), "%s", json_string_value(json_object_get(r, "id")));
	tmp.requirements = (char *)json_string_value(json_object_get(r, "requirements_text"));
	if (!tmp.requirements)
		return false;
	return rules_in_profile(&tmp, profile);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "this store knows all, a, b" for the message of an unknown profile. */
static void known_profiles(json_t *rules, char *buf, size_t cap)
{
	json_t *set = json_object();
	size_t i;
	json_t *r;
	json_array_foreach(rules, i, r) {
		const char *id = json_string_value(json_object_get(r, "id"));
		const char *slash = id ? strchr(id, '/') : NULL;
		char name[RULES_ID_MAX];
		if (slash && (size_t)(slash - id) < sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)(slash - id), id);
			json_object_set_new(set, name, json_true());
		}
		size_t k;
		json_t *q;
		json_array_foreach(json_object_get(r, "requirements"), k, q) {
			const char *s = json_string_value(q), *colon = s ? strchr(s, ':') : NULL;
			if (colon && (size_t)(colon - s) < sizeof(name)) {
				snprintf(name, sizeof(name), "%.*s", (int)(colon - s), s);
				json_object_set_new(set, name, json_true());
			}
		}
	}
	size_t n = set ? json_object_size(set) : 0, k = 0;
	const char **names = n ? calloc(n, sizeof(*names)) : NULL;
	const char *key;
	json_t *v;
	if (names) {
		json_object_foreach(set, key, v)
			names[k++] = key;
		qsort(names, n, sizeof(*names), cmp_str);
	}
	size_t used = (size_t)snprintf(buf, cap, "all");
	for (k = 0; names && k < n && used < cap; k++)
		used += (size_t)snprintf(buf + used, cap - used, ", %s", names[k]);
	free(names);
	json_decref(set);
}

static int check(struct rb *b, json_t **rules_out)
{
	json_t *n = q_json1(b, "SELECT count(*) FROM analysis_runs WHERE finished IS NOT NULL");
	if (!n)
		return -1;
	json_int_t runs = json_integer_value(n);
	json_decref(n);
	if (runs == 0)
		return fail(b, REPORT_EINPUT, "the store has not been analyzed: run tlsscope "
			    "analyze first");
	json_t *rules = all_rules(b);
	if (!rules)
		return -1;
	size_t i, in = 0;
	json_t *r;
	json_array_foreach(rules, i, r)
		in += in_profile(r, b->profile);
	if (in == 0) {
		char known[1024];
		known_profiles(rules, known, sizeof(known));
		json_decref(rules);
		return fail(b, REPORT_EINPUT, "unknown profile '%s': no rule of it was analyzed "
			    "in this store, which knows: %s", b->o->profile, known);
	}
	if (rules_out)
		*rules_out = rules;
	else
		json_decref(rules);
	return 0;
}

/* b->rules: the profile's rules by id, each with "reqs", the requirements it reports. */
static int profile_rules(struct rb *b, json_t *rules)
{
	size_t i;
	json_t *r;
	json_array_foreach(rules, i, r) {
		if (!in_profile(r, b->profile))
			continue;
		json_t *reqs = json_array(), *all = json_object_get(r, "requirements");
		size_t k;
		json_t *q;
		if (!reqs)
			return oom(b);
		json_array_foreach(all, k, q) {
			const char *s = json_string_value(q);
			if (s && (!b->profile || req_in_profile(s, b->profile)) &&
			    append(b, reqs, json_string(s)) != 0) {
				json_decref(reqs);
				return -1;
			}
		}
		/* in the profile by its id only: all its requirements */
		if (json_array_size(reqs) == 0 && json_array_extend(reqs, all) != 0) {
			json_decref(reqs);
			return oom(b);
		}
		if (set(b, r, "reqs", reqs) != 0 ||
		    set(b, b->rules, json_string_value(json_object_get(r, "id")), json_incref(r)) != 0)
			return -1;
	}
	return 0;
}

static int load_triage(struct rb *b)
{
	char sql[512];
	json_t *a = json_array();
	if (!a)
		return oom(b);
	snprintf(sql, sizeof(sql), "SELECT json_object('rule', rule, 'resource', resource,"
		 " 'verdict', verdict, 'reason', reason, 'author', author, 'expires', expires)"
		 " FROM triage WHERE expires IS NULL OR expires > '%s' ORDER BY id", b->now_ts);
	if (q_json(b, sql, a) != 0) {
		json_decref(a);
		return -1;
	}
	size_t i;
	json_t *t;
	json_array_foreach(a, i, t) {
		char key[2048];
		snprintf(key, sizeof(key), "%s\x1f%s",
			 json_string_value(json_object_get(t, "rule")),
			 json_string_value(json_object_get(t, "resource")));
		json_t *v = json_pack("{s:O,s:O,s:O,s:O}", "verdict", json_object_get(t, "verdict"),
				      "reason", json_object_get(t, "reason"), "author",
				      json_object_get(t, "author"), "expires",
				      json_object_get(t, "expires"));
		if (set(b, b->triage, key, v) != 0) {    /* later ids replace earlier ones */
			json_decref(a);
			return -1;
		}
	}
	json_decref(a);
	return 0;
}

/* ---- evidence ---------------------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the hex of a and then b (either may be NULL) into one malloc'd buffer. */
static unsigned char *unhex2(const char *a, const char *b, size_t *len)
{
	size_t na = a ? strlen(a) / 2 : 0, nb = b ? strlen(b) / 2 : 0, n = 0;
	unsigned char *p = malloc(na + nb + 1);
	if (!p)
		return NULL;
	for (int k = 0; k < 2; k++) {
		const char *s = k ? b : a;
		size_t m = k ? nb : na;
		for (size_t i = 0; i < m; i++) {
			int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
			if (hi < 0 || lo < 0) {
				free(p);
				return NULL;
			}
			p[n++] = (unsigned char)(hi << 4 | lo);
		}
	}
	*len = n;
	return p;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	uint8_t md[DIGEST_SHA256_LEN];
	digest_sha256(p, n, md);
	digest_hex(md, sizeof(md), out);
}

/* The string at key of o, or def. */
static const char *sget(json_t *o, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : def;
}

/* Makes s one line of valid UTF-8: line breaks and tabs become spaces, bytes that are not
 * part of a well-formed UTF-8 sequence (e.g. a character cut by truncation) become '?'. */
static void one_line(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
			   (*p & 0xf8) == 0xf0 ? 4 : 0;
		size_t k = 1;
		while (n > 1 && k < n && (p[k] & 0xc0) == 0x80)
			k++;
		if (n == 0 || k < n || (n == 2 && *p < 0xc2)) {
			*p++ = '?';
			continue;
		}
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
		p += n;
	}
}

/* The scan's summary: resource, time, versions, suites, trust or error. */
static void scan_summary(json_t *row, char *buf, size_t cap)
{
	const char *res = sget(row, "resource", "?");
	json_t *result = json_loads(sget(row, "result", "null"), JSON_DECODE_ANY, NULL);
	size_t n = (size_t)snprintf(buf, cap, "scan %lld of %s, finished %s",
				    (long long)json_integer_value(json_object_get(row, "id")),
				    res, sget(row, "finished", "(not finished)"));
	if (json_is_string(json_object_get(row, "error"))) {
		snprintf(buf + n, n < cap ? cap - n : 0, ": error: %s", sget(row, "error", ""));
		json_decref(result);
		return;
	}
	json_t *protos = json_object_get(result, "protocols");
	size_t suites = 0;
	const char *key;
	json_t *v;
	if (n < cap)
		n += (size_t)snprintf(buf + n, cap - n, ":");
	for (size_t i = 0; i < N_VERSIONS && n < cap; i++)
		if (json_is_true(json_object_get(protos, versions[i])))
			n += (size_t)snprintf(buf + n, cap - n, " %s", versions[i]);
	json_t *seen = json_object();
	json_object_foreach(json_object_get(result, "ciphers"), key, v) {
		size_t k;
		json_t *c;
		json_array_foreach(v, k, c)
			if (json_is_string(c) && seen)
				json_object_set(seen, json_string_value(c), json_true());
	}
	suites = seen ? json_object_size(seen) : 0;
	json_decref(seen);
	json_t *trusted = json_object_get(result, "chain_trusted");
	if (n < cap)
		n += (size_t)snprintf(buf + n, cap - n, ", %zu suites, chain %s", suites,
				      json_is_true(trusted) ? "trusted" :
				      json_is_false(trusted) ? "not trusted" : "not verified");
	if (json_is_false(trusted) && json_is_string(json_object_get(result, "verify_error")) &&
	    n < cap)
		snprintf(buf + n, cap - n, " (%s)", sget(result, "verify_error", ""));
	json_decref(result);
}

/* The connection row as one JSON object (report.h: the bytes a connection reference's hash
 * covers); %s is the connection id. Read as text (q_text), so the hash covers exactly the
 * text SQLite wrote. */
#define CONN_JSON_SQL \
	"SELECT json_object('id', c.id, 'ts', c.ts, 'client_ip', c.client_ip," \
	" 'client_port', c.client_port, 'server_ip', c.server_ip, 'server_port', c.server_port," \
	" 'sni', c.sni, 'version', c.version, 'cipher', c.cipher, 'alpn_offered'," \
	" json(c.alpn_offered), 'alpn_selected', c.alpn_selected, 'ja3', c.ja3, 'ja3s', c.ja3s," \
	" 'ja4', c.ja4, 'server_cert_sha256', c.server_cert_sha256, 'fallback_scsv'," \
	" c.fallback_scsv, 'downgrade_sentinel', c.downgrade_sentinel, 'resumed', c.resumed," \
	" 'hello_retry_request', c.hello_retry_request, 'alerts', json(c.alerts), 'anomalies'," \
	" json(c.anomalies), 'source', c.source, 'chain', (SELECT json_group_array(cert_sha256)" \
	" FROM (SELECT cert_sha256 FROM conn_certs WHERE conn_id = c.id ORDER BY depth)))" \
	" FROM connections c WHERE c.id = %s"

#define FINDING_JSON_SQL \
	"SELECT json_object('id', id, 'rule', rule, 'resource', resource, 'status'," \
	" status, 'severity', severity, 'reason', reason, 'evidence', json(evidence))" \
	" FROM findings WHERE id = %s"

/* Fills hash and sum for one reference; false when its row is not in the store (or on an
 * error, then b->status is set). */
static bool resolve_ref(struct rb *b, const char *kind, const char *val, char hash[65],
			char *sum, size_t cap)
{
	char sql[2048];
	json_t *row = NULL, *obj = NULL;
	unsigned char *bytes = NULL;
	char *text = NULL;
	size_t len = 0;
	bool found = false;

	if (strcmp(kind, "scan") == 0 && is_row_id(val)) {
		snprintf(sql, sizeof(sql), "SELECT json_object('id', s.id, 'result', s.result,"
			 " 'error', s.error, 'finished', s.finished, 'resource', (SELECT v.resource"
			 " FROM v_scan_all v WHERE v.scan_id = s.id)) FROM scans s WHERE s.id = %s",
			 val);
		if ((row = q_json1(b, sql))) {
			const char *res = sget(row, "result", NULL);
			found = true;
			if (res)
				sha256_hex(res, strlen(res), hash);
			scan_summary(row, sum, cap);
		}
	} else if (strcmp(kind, "probe") == 0 && is_row_id(val)) {
		snprintf(sql, sizeof(sql), "SELECT json_object('probe', probe, 'scan_id', scan_id,"
			 " 'outcome', outcome, 'request', hex(request), 'response', hex(response))"
			 " FROM probe_evidence WHERE id = %s", val);
		if ((row = q_json1(b, sql))) {
			const char *rq = sget(row, "request", ""), *rs = sget(row, "response", "");
			if (!(bytes = unhex2(rq, rs, &len)))
				goto nomem;
			found = true;
			sha256_hex(bytes, len, hash);
			snprintf(sum, cap, "probe %s of scan %lld: %zu bytes sent, %zu received: %s",
				 sget(row, "probe", "?"),
				 (long long)json_integer_value(json_object_get(row, "scan_id")),
				 strlen(rq) / 2, strlen(rs) / 2, sget(row, "outcome", "no outcome"));
		}
	} else if (strcmp(kind, "cert") == 0 && is_sha256_hex(val)) {
		snprintf(sql, sizeof(sql), "SELECT json_object('der', hex(der), 'facts',"
			 " json(facts)) FROM certificates WHERE sha256 = '%s'", val);
		if ((row = q_json1(b, sql))) {
			if (!(bytes = unhex2(sget(row, "der", ""), NULL, &len)))
				goto nomem;
			found = true;
			sha256_hex(bytes, len, hash);
			json_t *f = json_object_get(row, "facts");
			if (json_is_object(f))
				snprintf(sum, cap, "certificate %s, issued by %s, valid %s to %s, %s "
					 "%lld bits", sget(f, "subject", "?"), sget(f, "issuer", "?"),
					 sget(f, "not_before", "?"), sget(f, "not_after", "?"),
					 sget(f, "key_type", "key"),
					 (long long)json_integer_value(json_object_get(f, "key_bits")));
			else
				snprintf(sum, cap, "certificate (%zu bytes DER, not parsed)", len);
		}
	} else if (strcmp(kind, "ocsp") == 0 && is_sha256_hex(val)) {
		snprintf(sql, sizeof(sql), "SELECT json_object('der', hex(der), 'scans', (SELECT"
			 " group_concat(scan_id, ' ') FROM scan_ocsp WHERE ocsp_sha256 = o.sha256))"
			 " FROM ocsp_responses o WHERE o.sha256 = '%s'", val);
		if ((row = q_json1(b, sql))) {
			if (!(bytes = unhex2(sget(row, "der", ""), NULL, &len)))
				goto nomem;
			found = true;
			sha256_hex(bytes, len, hash);
			snprintf(sum, cap, "stapled OCSP response, %zu bytes DER, in scan %s", len,
				 sget(row, "scans", "(none)"));
		}
	} else if (strcmp(kind, "connection") == 0 && is_row_id(val)) {
		snprintf(sql, sizeof(sql), CONN_JSON_SQL, val);
		if ((text = q_text(b, sql))) {
			found = true;
			sha256_hex(text, strlen(text), hash);
			obj = json_loads(text, 0, NULL);
			const char *ip = sget(obj, "server_ip", "?");
			bool v6 = strchr(ip, ':') != NULL;
			snprintf(sum, cap, "connection %s: %s %s:%lld -> %s%s%s:%lld %s %s sni=%s", val,
				 sget(obj, "ts", "?"), sget(obj, "client_ip", "?"),
				 (long long)json_integer_value(json_object_get(obj, "client_port")),
				 v6 ? "[" : "", ip, v6 ? "]" : "",
				 (long long)json_integer_value(json_object_get(obj, "server_port")),
				 sget(obj, "version", "-"), sget(obj, "cipher", "-"),
				 sget(obj, "sni", "-"));
		}
	} else if (strcmp(kind, "finding") == 0 && is_row_id(val)) {
		snprintf(sql, sizeof(sql), FINDING_JSON_SQL, val);
		if ((text = q_text(b, sql))) {
			found = true;
			sha256_hex(text, strlen(text), hash);
			obj = json_loads(text, 0, NULL);
			snprintf(sum, cap, "finding %s: %s on %s: %s (%s)", val,
				 sget(obj, "rule", "?"), sget(obj, "resource", "?"),
				 sget(obj, "status", "?"), sget(obj, "reason", "no reason"));
		}
	}
	json_decref(obj);
	json_decref(row);
	free(bytes);
	free(text);
	return found && b->status == REPORT_OK;
nomem:
	json_decref(row);
	oom(b);
	return false;
}

/* {ref, kind, sha256, summary} of one reference, from the cache when seen before. */
static json_t *evidence(struct rb *b, const char *ref)
{
	json_t *e = json_object_get(b->evcache, ref);
	if (e)
		return json_incref(e);
	const char *colon = strchr(ref, ':');
	char kind[32], hash[65] = "", sum[1024] = "";
	static const char *const kinds[] = { "scan", "probe", "cert", "ocsp", "connection",
					     "finding" };
	bool known = false;
	snprintf(kind, sizeof(kind), "%.*s", colon ? (int)(colon - ref) : 0, ref);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		known |= strcmp(kind, kinds[i]) == 0;
	if (!known) {
		snprintf(kind, sizeof(kind), "unknown");
		snprintf(sum, sizeof(sum), "not a reference tlsscope knows");
	} else if (!resolve_ref(b, kind, colon + 1, hash, sum, sizeof(sum))) {
		if (b->status != REPORT_OK)
			return NULL;
		snprintf(sum, sizeof(sum), "not in the store");
	}
	one_line(sum);
	e = json_pack("{s:s,s:s,s:o,s:s}", "ref", ref, "kind", kind, "sha256",
		      hash[0] ? json_string(hash) : json_null(), "summary", sum);
	if (!e || json_object_set(b->evcache, ref, e) != 0) {
		json_decref(e);
		oom(b);
		return NULL;
	}
	return e;
}

/* ---- findings and the requirement matrix ---------------------------------------------------- */

static int status_rank(const char *s)
{
	static const char *const order[] = { "alarm", "skip", "info", "ok" };
	for (int i = 0; i < 4; i++)
		if (s && strcmp(s, order[i]) == 0)
			return i;
	return 4;
}

/* Alarms first, then skip, info, ok; worst severity first; then rule and resource. */
static int cmp_finding(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int d = status_rank(sget(a, "status", "")) - status_rank(sget(b, "status", ""));
	if (d)
		return d;
	d = rules_severity_rank(sget(b, "severity", "")) - rules_severity_rank(sget(a, "severity", ""));
	if (d)
		return d;
	d = strcmp(sget(a, "rule", ""), sget(b, "rule", ""));
	if (d)
		return d;
	d = strcmp(sget(a, "resource", ""), sget(b, "resource", ""));
	if (d)
		return d;
	json_int_t x = json_integer_value(json_object_get(a, "id"));
	json_int_t y = json_integer_value(json_object_get(b, "id"));
	return (x > y) - (x < y);
}

static json_t *triage_of(struct rb *b, const char *rule, const char *resource)
{
	char key[2048];
	snprintf(key, sizeof(key), "%s\x1f%s", rule, resource);
	return json_object_get(b->triage, key);
}

static int build_findings(struct rb *b, json_t *out)
{
	json_t *rows = json_array();
	if (!rows)
		return oom(b);
	if (q_json(b, "SELECT json_object('id', id, 'rule', rule, 'severity', severity, 'status',"
		   " status, 'resource', resource, 'reason', reason, 'evidence', CASE WHEN"
		   " json_type(evidence) = 'array' THEN json(evidence) ELSE json('[]') END,"
		   " 'first_seen', first_seen, 'last_seen', last_seen, 'count', count, 'score',"
		   " score) FROM findings ORDER BY id", rows) != 0)
		goto err;
	size_t i, n = 0;
	json_t *f;
	json_t **list = calloc(json_array_size(rows) + 1, sizeof(*list));
	if (!list) {
		oom(b);
		goto err;
	}
	json_array_foreach(rows, i, f) {
		const char *rid = sget(f, "rule", "");
		json_t *r = json_object_get(b->rules, rid);
		if (!r)
			continue;
		const char *run = sget(r, "run_started", NULL);
		if (run && strcmp(sget(f, "last_seen", ""), run) < 0) {
			b->stale++;
			continue;
		}
		json_t *ev = json_array(), *tr = triage_of(b, rid, sget(f, "resource", ""));
		json_t *o = json_object();
		size_t k;
		json_t *ref;
		list[n] = o;
		if (!ev || !o) {
			json_decref(ev);
			oom(b);
			goto err_list;
		}
		n++;
		json_array_foreach(json_object_get(f, "evidence"), k, ref) {
			if (!json_is_string(ref))
				continue;
			json_t *e = evidence(b, json_string_value(ref));
			if (!e || append(b, ev, e) != 0) {
				json_decref(ev);
				goto err_list;
			}
		}
		json_t *sev = json_object_get(f, "severity");
		if (set(b, o, "id", json_incref(json_object_get(f, "id"))) ||
		    set(b, o, "rule", json_string(rid)) ||
		    set(b, o, "title", json_incref(json_object_get(r, "title"))) ||
		    set(b, o, "severity", json_incref(json_is_string(sev) ? sev :
						      json_object_get(r, "severity"))) ||
		    set(b, o, "status", json_incref(json_object_get(f, "status"))) ||
		    set(b, o, "resource", json_incref(json_object_get(f, "resource"))) ||
		    set(b, o, "reason", json_incref(json_object_get(f, "reason"))) ||
		    set(b, o, "requirements", json_incref(json_object_get(r, "requirements"))) ||
		    set(b, o, "evidence", ev) ||
		    set(b, o, "remediation", json_incref(json_object_get(r, "remediation"))) ||
		    set(b, o, "first_seen", json_incref(json_object_get(f, "first_seen"))) ||
		    set(b, o, "last_seen", json_incref(json_object_get(f, "last_seen"))) ||
		    set(b, o, "count", json_incref(json_object_get(f, "count"))) ||
		    set(b, o, "score", json_incref(json_object_get(f, "score"))) ||
		    set(b, o, "triage", tr ? json_incref(tr) : json_null()))
			goto err_list;
	}
	qsort(list, n, sizeof(*list), cmp_finding);
	for (i = 0; i < n; i++) {
		if (json_array_append_new(out, list[i]) != 0) {
			list[i] = NULL;
			oom(b);
			for (i++; i < n; i++)
				json_decref(list[i]);
			free(list);
			goto err;
		}
	}
	free(list);
	json_decref(rows);
	return 0;
err_list:
	for (i = 0; i < n; i++)
		json_decref(list[i]);
	free(list);
err:
	json_decref(rows);
	return -1;
}

/* Natural order: runs of digits compare as numbers ("4.2.1" < "12.3.3"). */
static int cmp_natural(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t na = strspn(a, "0123456789"), nb = strspn(b, "0123456789");
			if (na != nb)
				return na < nb ? -1 : 1;
			int d = strncmp(a, b, na);
			if (d)
				return d;
			a += na;
			b += nb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int cmp_req(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	return cmp_natural(sget(a, "requirement", ""), sget(b, "requirement", ""));
}

static int build_requirements(struct rb *b, json_t *findings, json_t *out)
{
	json_t *reqs = json_object();   /* requirement -> row */
	const char *id;
	json_t *r, *q;
	size_t i, k;
	if (!reqs)
		return oom(b);
	json_object_foreach(b->rules, id, r) {
		json_array_foreach(json_object_get(r, "reqs"), k, q) {
			const char *name = json_string_value(q);
			json_t *row = json_object_get(reqs, name);
			if (!row) {
				row = json_pack("{s:s,s:s,s:[],s:{s:i,s:i,s:i,s:i},s:i,s:i}",
						"requirement", name, "status", "not tested", "rules",
						"counts", "ok", 0, "alarm", 0, "info", 0, "skip", 0,
						"exceptions", 0, "open", 0);
				if (set(b, reqs, name, row) != 0)
					goto err;
			}
			if (append(b, json_object_get(row, "rules"), json_string(id)) != 0)
				goto err;
		}
	}
	json_t *f;
	json_array_foreach(findings, i, f) {
		r = json_object_get(b->rules, sget(f, "rule", ""));
		const char *st = sget(f, "status", "");
		bool verdict = !json_is_null(json_object_get(f, "triage"));
		json_array_foreach(json_object_get(r, "reqs"), k, q) {
			json_t *row = json_object_get(reqs, json_string_value(q));
			json_t *counts = json_object_get(row, "counts");
			json_t *c = json_object_get(counts, st);
			if (c)
				json_integer_set(c, json_integer_value(c) + 1);
			if (verdict) {
				c = json_object_get(row, "exceptions");
				json_integer_set(c, json_integer_value(c) + 1);
			} else if (strcmp(st, "alarm") == 0) {
				c = json_object_get(row, "open");
				json_integer_set(c, json_integer_value(c) + 1);
			}
		}
	}
	size_t n = json_object_size(reqs), j = 0;
	json_t **list = calloc(n + 1, sizeof(*list));
	if (!list) {
		oom(b);
		goto err;
	}
	json_object_foreach(reqs, id, r) {
		json_t *counts = json_object_get(r, "counts");
		json_int_t ok = json_integer_value(json_object_get(counts, "ok"));
		json_int_t alarm = json_integer_value(json_object_get(counts, "alarm"));
		json_int_t info = json_integer_value(json_object_get(counts, "info"));
		json_int_t skip = json_integer_value(json_object_get(counts, "skip"));
		const char *status = json_integer_value(json_object_get(r, "open")) ? "not in place" :
				     ok + info + alarm > 0 ? "in place" :
				     skip > 0 ? "not applicable" : "not tested";
		json_object_set_new(r, "status", json_string(status));
		json_object_del(r, "open");
		list[j++] = r;
	}
	qsort(list, j, sizeof(*list), cmp_req);
	for (i = 0; i < j; i++)
		if (json_array_append(out, list[i]) != 0) {
			free(list);
			oom(b);
			goto err;
		}
	free(list);
	json_decref(reqs);
	return 0;
err:
	json_decref(reqs);
	return -1;
}

/* ---- inventories, changes, charts --------------------------------------------------------- */

static int inventory_certs(struct rb *b, json_t *out)
{
	return q_json(b, "SELECT json_object('resource', c.resource, 'chain', c.chain, 'depth',"
		      " c.depth, 'sha256', c.sha256, 'subject', c.subject, 'issuer', c.issuer,"
		      " 'not_before', c.not_before, 'not_after', c.not_after, 'key_type',"
		      " c.key_type, 'key_bits', c.key_bits, 'sig_alg', c.sig_alg, 'trusted',"
		      " ch.detail -> '$.trusted') FROM v_scan_cert c LEFT JOIN v_scan_chain ch"
		      " ON ch.scan_id = c.scan_id AND ch.chain = c.chain"
		      " ORDER BY c.resource, c.scan_id, c.chain, c.depth", out);
}

/* {versions, suites, groups} of a scan result (NULL: nothing). */
static json_t *protocols_of(json_t *result)
{
	json_t *vers = json_array(), *suites = json_object(), *groups = json_array();
	json_t *o = json_pack("{s:o,s:o,s:o}", "versions", vers, "suites", suites, "groups",
			      groups);
	if (!o)
		return NULL;
	json_t *protos = json_object_get(result, "protocols");
	json_t *ciphers = json_object_get(result, "ciphers");
	for (size_t i = 0; i < N_VERSIONS; i++) {
		json_t *list = json_object_get(ciphers, versions[i]);
		if (json_is_true(json_object_get(protos, versions[i])) &&
		    json_array_append_new(vers, json_string(versions[i])) != 0)
			goto err;
		if (json_is_array(list) && json_array_size(list) > 0 &&
		    json_object_set(suites, versions[i], list) != 0)
			goto err;
	}
	size_t k;
	json_t *g;
	json_array_foreach(json_object_get(result, "groups"), k, g)
		if (json_is_string(g) && json_array_append(groups, g) != 0)
			goto err;
	return o;
err:
	json_decref(o);
	return NULL;
}

static int inventory_protocols(struct rb *b, json_t *out)
{
	json_t *rows = json_array();
	if (!rows)
		return oom(b);
	if (q_json(b, "SELECT json_object('resource', resource, 'scan_id', scan_id, 'result',"
		   " json(result)) FROM v_scan WHERE error IS NULL AND result IS NOT NULL"
		   " ORDER BY resource, scan_id", rows) != 0) {
		json_decref(rows);
		return -1;
	}
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		json_t *p = protocols_of(json_object_get(r, "result"));
		json_t *o = p ? json_pack("{s:O,s:O,s:O,s:O}", "resource",
					  json_object_get(r, "resource"), "versions",
					  json_object_get(p, "versions"), "suites",
					  json_object_get(p, "suites"), "groups",
					  json_object_get(p, "groups")) : NULL;
		json_decref(p);
		if (append(b, out, o) != 0) {
			json_decref(rows);
			return -1;
		}
	}
	json_decref(rows);
	return 0;
}

/* Every suite name of a "suites" object, once, in version then server order. */
static json_t *suite_set(json_t *suites)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < N_VERSIONS; i++) {
		size_t k, m;
		json_t *s;
		json_array_foreach(json_object_get(suites, versions[N_VERSIONS - 1 - i]), k, s) {
			bool seen = false;
			for (m = 0; m < json_array_size(a) && !seen; m++)
				seen = json_equal(json_array_get(a, m), s);
			if (!seen && json_array_append(a, s) != 0) {
				json_decref(a);
				return NULL;
			}
		}
	}
	return a;
}

/* The strings of x that are not in y. */
static json_t *minus(json_t *x, json_t *y)
{
	json_t *a = json_array(), *s;
	size_t k, m;
	json_array_foreach(x, k, s) {
		bool in = false;
		for (m = 0; m < json_array_size(y) && !in; m++)
			in = json_equal(json_array_get(y, m), s);
		if (!in && a && json_array_append(a, s) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The facts a change compares, of one scan row {result, certs}. */
static json_t *change_facts(json_t *row)
{
	json_t *p = protocols_of(json_object_get(row, "result"));
	json_t *s = p ? suite_set(json_object_get(p, "suites")) : NULL;
	json_t *o = s ? json_pack("{s:O,s:o,s:O,s:O}", "versions", json_object_get(p, "versions"),
				  "suites", s, "groups", json_object_get(p, "groups"),
				  "certificates", json_is_array(json_object_get(row, "certs")) ?
				  json_object_get(row, "certs") : json_array()) : NULL;
	json_decref(p);
	return o;
}

static json_t *diff(json_t *from, json_t *to)
{
	static const char *const keys[] = { "versions", "suites", "certificates", "groups" };
	json_t *o = json_object();
	for (size_t i = 0; o && i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *d = minus(json_object_get(to, keys[i]), json_object_get(from, keys[i]));
		if (!d || json_object_set_new(o, keys[i], d) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *trust_of(json_t *row)
{
	json_t *t = json_object_get(json_object_get(row, "result"), "chain_trusted");
	return json_is_boolean(t) ? json_incref(t) : json_null();
}

static int build_changes(struct rb *b, json_t *out)
{
	json_t *rows = json_array();
	if (!rows)
		return oom(b);
	if (q_json(b, "SELECT json_object('endpoint_id', endpoint_id, 'resource', resource,"
		   " 'scan_id', scan_id, 'finished', finished, 'error', error, 'result',"
		   " json(result), 'certs', (SELECT json_group_array(DISTINCT cert_sha256) FROM"
		   " (SELECT cert_sha256 FROM scan_certs sc WHERE sc.scan_id = x.scan_id ORDER BY"
		   " chain, depth))) FROM (SELECT *, row_number() OVER (PARTITION BY endpoint_id"
		   " ORDER BY scan_id DESC) AS rn FROM v_scan_all) x WHERE rn <= 2"
		   " ORDER BY resource, endpoint_id, rn", rows) != 0)
		goto err;
	for (size_t i = 0; i + 1 < json_array_size(rows); i++) {
		json_t *latest = json_array_get(rows, i), *prev = json_array_get(rows, i + 1);
		if (!json_equal(json_object_get(latest, "endpoint_id"),
				json_object_get(prev, "endpoint_id")))
			continue;
		i++;
		json_t *from = change_facts(prev), *to = change_facts(latest);
		json_t *added = from && to ? diff(from, to) : NULL;
		json_t *removed = from && to ? diff(to, from) : NULL;
		json_decref(from);
		json_decref(to);
		json_t *o = added && removed ? json_pack(
			"{s:O,s:{s:O,s:O,s:O},s:{s:O,s:O,s:O},s:o,s:o,s:{s:o,s:o}}",
			"resource", json_object_get(latest, "resource"),
			"previous_scan", "id", json_object_get(prev, "scan_id"), "finished",
			json_object_get(prev, "finished"), "error", json_object_get(prev, "error"),
			"latest_scan", "id", json_object_get(latest, "scan_id"), "finished",
			json_object_get(latest, "finished"), "error", json_object_get(latest, "error"),
			"added", added, "removed", removed, "trust", "before", trust_of(prev),
			"after", trust_of(latest)) : NULL;
		if (!o) {
			json_decref(added);
			json_decref(removed);
		}
		if (append(b, out, o) != 0)
			goto err;
	}
	json_decref(rows);
	return 0;
err:
	json_decref(rows);
	return -1;
}

static int chart_protocols(struct rb *b, json_t *protocols, json_t *out)
{
	for (size_t i = N_VERSIONS; i > 0; i--) {
		json_int_t n = 0;
		size_t k, m;
		json_t *p, *v;
		json_array_foreach(protocols, k, p)
			json_array_foreach(json_object_get(p, "versions"), m, v)
				n += strcmp(json_string_value(v), versions[i - 1]) == 0;
		if (append(b, out, json_pack("{s:s,s:I}", "version", versions[i - 1], "endpoints",
					     n)) != 0)
			return -1;
	}
	return 0;
}

/* Endpoints offering a suite of each class (ref_suite from refdata_load()). */
static int chart_suites(struct rb *b, json_t *out)
{
	char sql[2048];
	size_t n = sizeof(suite_classes) / sizeof(suite_classes[0]);
	json_t *rows = json_array();
	if (!rows)
		return oom(b);
	snprintf(sql, sizeof(sql),
		 "SELECT json_object('class', class, 'endpoints', count(DISTINCT resource))"
		 " FROM (SELECT c.resource, CASE"
		 " WHEN s.name IS NULL THEN 'unknown'"
		 " WHEN s.export = 'Y' OR s.enc_family = 'NULL' THEN 'export/NULL'"
		 " WHEN s.auth = 'anon' THEN 'anonymous'"
		 " WHEN s.enc_family = 'RC4' THEN 'RC4'"
		 " WHEN s.enc_family = '3DES' THEN '3DES'"
		 " WHEN s.enc_family IN ('DES', 'IDEA', 'RC2') THEN 'DES/IDEA/RC2'"
		 " WHEN s.kx = 'RSA' THEN 'RSA key exchange'"
		 " WHEN s.pfs NOT LIKE 'Y%%' THEN 'no PFS'"
		 " WHEN s.aead = 'Y' THEN 'AEAD+PFS'"
		 " ELSE 'CBC' END AS class"
		 " FROM v_scan_cipher c LEFT JOIN ref_suite s ON s.name = c.cipher) GROUP BY class");
	if (q_json(b, sql, rows) != 0) {
		json_decref(rows);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k;
		json_t *r;
		json_array_foreach(rows, k, r) {
			if (strcmp(sget(r, "class", ""), suite_classes[i]) == 0 &&
			    append(b, out, json_incref(r)) != 0) {
				json_decref(rows);
				return -1;
			}
		}
	}
	json_decref(rows);
	return 0;
}

static int chart_expiry(struct rb *b, json_t *certs, json_t *out)
{
	size_t i;
	json_t *c;
	json_array_foreach(certs, i, c) {
		if (json_integer_value(json_object_get(c, "depth")) != 0)
			continue;
		bool dup = false;
		for (size_t k = 0; k < json_array_size(out) && !dup; k++) {
			json_t *e = json_array_get(out, k);
			dup = strcmp(sget(e, "resource", ""), sget(c, "resource", "")) == 0 &&
			      strcmp(sget(e, "sha256", ""), sget(c, "sha256", "")) == 0;
		}
		if (dup)
			continue;
		time_t t;
		json_t *days = parse_ts(sget(c, "not_after", NULL), &t) ?
			       json_integer(days_until(b->o->now, t)) : json_null();
		if (append(b, out, json_pack("{s:O,s:O,s:O,s:O,s:o}", "resource",
					     json_object_get(c, "resource"), "sha256",
					     json_object_get(c, "sha256"), "subject",
					     json_object_get(c, "subject"), "not_after",
					     json_object_get(c, "not_after"), "days_left", days)) != 0)
			return -1;
	}
	return 0;
}

static int chart_severity(struct rb *b, json_t *findings, json_t *out)
{
	for (size_t i = 0; i < sizeof(severities) / sizeof(severities[0]); i++) {
		json_int_t open = 0, exc = 0;
		size_t k;
		json_t *f;
		json_array_foreach(findings, k, f) {
			if (strcmp(sget(f, "status", ""), "alarm") != 0 ||
			    strcmp(sget(f, "severity", ""), severities[i]) != 0)
				continue;
			if (json_is_null(json_object_get(f, "triage")))
				open++;
			else
				exc++;
		}
		if (append(b, out, json_pack("{s:s,s:I,s:I}", "severity", severities[i], "alarms",
					     open, "exceptions", exc)) != 0)
			return -1;
	}
	return 0;
}

/* ---- header and method ------------------------------------------------------------------ */

static json_t *build_header(struct rb *b)
{
	const char *title = b->o->profile;
	for (size_t i = 0; i < sizeof(profile_titles) / sizeof(profile_titles[0]); i++)
		if (strcmp(profile_titles[i].name, b->o->profile) == 0)
			title = profile_titles[i].title;
	json_t *run = q_json1(b, "SELECT json_object('hash', rules_hash, 'analysis_run', id,"
			      " 'analysis_started', started, 'analysis_finished', finished,"
			      " 'rules_loaded', n_rules, 'rules_refused', n_refused, 'tool', tool)"
			      " FROM analysis_runs WHERE finished IS NOT NULL ORDER BY id DESC LIMIT 1");
	json_t *schema = run ? q_json1(b, "PRAGMA user_version") : NULL;
	json_t *endpoints = schema ? json_array() : NULL;
	json_t *conns = NULL, *h = NULL;
	if (endpoints && q_json(b, "SELECT json_object('resource', resource, 'host', host, 'ip',"
				" ip, 'port', port, 'sni', sni, 'scan_id', scan_id, 'scanned',"
				" finished, 'error', error) FROM v_scan ORDER BY resource, scan_id",
				endpoints) == 0)
		conns = q_json1(b, "SELECT json_object('count', count(*), 'servers', count(DISTINCT"
				" server_ip || ' ' || server_port || ' ' || ifnull(sni, '')), 'first',"
				" min(ts), 'last', max(ts)) FROM connections");
	if (conns) {
		json_object_set_new(run, "profile_rules", json_integer((json_int_t)json_object_size(b->rules)));
		json_object_set_new(run, "stale_findings", json_integer((json_int_t)b->stale));
		h = json_pack("{s:s,s:s,s:s,s:s,s:O,s:{s:[ss],s:s,s:O},s:s,s:{s:O,s:O}}",
			      "tool", b->o->tool ? b->o->tool : "tlsscope",
			      "generated", b->gen_ts, "profile", b->o->profile,
			      "profile_title", title, "rules", run,
			      "data", "mozilla_guidelines", "6.0", "5.8", "cipher_suites",
			      "IANA registry snapshot, data/tls-cipher-suites.csv",
			      "store_schema", schema,
			      "database", b->o->database ? b->o->database : "",
			      "scope", "endpoints", endpoints, "connections", conns);
		if (!h)
			oom(b);
	} else if (b->status == REPORT_OK) {
		oom(b);
	}
	json_decref(run);
	json_decref(schema);
	json_decref(endpoints);
	json_decref(conns);
	return h;
}

static json_t *build_method(struct rb *b)
{
	json_t *text = json_array(), *limits = json_array();
	json_t *m = json_pack("{s:o,s:o}", "text", text, "limits", limits);
	if (!m) {
		oom(b);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(method_text) / sizeof(method_text[0]); i++)
		if (append(b, text, json_string(method_text[i])) != 0)
			goto err;
	for (size_t i = 0; i < sizeof(method_limits) / sizeof(method_limits[0]); i++)
		if (append(b, limits, json_string(method_limits[i])) != 0)
			goto err;
	return m;
err:
	json_decref(m);
	return NULL;
}

/* ---- the document ----------------------------------------------------------------------- */

static void rb_init(struct rb *b, struct store *st, const struct report_opts *o, char *err,
		    size_t errcap)
{
	struct tm tm;
	memset(b, 0, sizeof(*b));
	b->st = st;
	b->o = o;
	b->err = err;
	b->errcap = errcap;
	if (err && errcap)
		err[0] = '\0';
	b->profile = o && o->profile && strcmp(o->profile, "all") != 0 ? o->profile : NULL;
	time_t now = o ? o->now : 0;
	if (!gmtime_r(&now, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(b->gen_ts, sizeof(b->gen_ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(b->now_ts, sizeof(b->now_ts), "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
}

int report_check(struct store *st, const char *profile, char *err, size_t errcap)
{
	struct report_opts o = { .profile = profile };
	struct rb b;
	rb_init(&b, st, &o, err, errcap);
	if (!st || !profile)
		return fail(&b, REPORT_EINPUT, "report: no store or no profile"), b.status;
	(void)check(&b, NULL);
	return b.status;
}

json_t *report_build_status(struct store *st, const struct report_opts *o, int *status,
			    char *err, size_t errcap)
{
	struct rb b;
	json_t *doc = NULL, *all = NULL;
	rb_init(&b, st, o, err, errcap);
	if (!st || !o || !o->profile) {
		fail(&b, REPORT_EINPUT, "report: no store or no profile");
		goto out;
	}
	if (check(&b, &all) != 0)
		goto out;
	b.rules = json_object();
	b.triage = json_object();
	b.evcache = json_object();
	if (!b.rules || !b.triage || !b.evcache) {
		oom(&b);
		goto out;
	}
	char rerr[512];
	if (refdata_load(st, rerr, sizeof(rerr)) != 0) {
		fail(&b, REPORT_ESTORE, "reference data: %s", rerr);
		goto out;
	}
	if (profile_rules(&b, all) != 0 || load_triage(&b) != 0)
		goto out;
	json_t *findings = json_array(), *reqs = json_array(), *certs = json_array();
	json_t *protos = json_array(), *changes = json_array(), *cp = json_array();
	json_t *cs = json_array(), *ce = json_array(), *csev = json_array();
	doc = json_pack("{s:s,s:i,s:n,s:n,s:o,s:o,s:{s:o,s:o},s:o,s:{s:o,s:o,s:o,s:o}}",
			"type", "report", "report_version", REPORT_VERSION, "header", "method",
			"requirements", reqs, "findings", findings, "inventories", "certificates",
			certs, "protocols", protos, "changes", changes, "charts", "protocols", cp,
			"suites", cs, "expiry", ce, "severity", csev);
	if (!doc) {
		oom(&b);
		goto out;
	}
	if (build_findings(&b, findings) != 0 || build_requirements(&b, findings, reqs) != 0 ||
	    inventory_certs(&b, certs) != 0 || inventory_protocols(&b, protos) != 0 ||
	    build_changes(&b, changes) != 0 || chart_protocols(&b, protos, cp) != 0 ||
	    chart_suites(&b, cs) != 0 || chart_expiry(&b, certs, ce) != 0 ||
	    chart_severity(&b, findings, csev) != 0)
		goto out;
	/* the header last: it counts the stale findings */
	if (set(&b, doc, "header", build_header(&b)) != 0 ||
	    set(&b, doc, "method", build_method(&b)) != 0)
		goto out;
out:
	json_decref(all);
	json_decref(b.rules);
	json_decref(b.triage);
	json_decref(b.evcache);
	if (b.status != REPORT_OK) {
		json_decref(doc);
		doc = NULL;
	}
	if (status)
		*status = b.status;
	return doc;
}

json_t *report_build(struct store *st, const struct report_opts *o, char *err, size_t errcap)
{
	return report_build_status(st, o, NULL, err, errcap);
}
