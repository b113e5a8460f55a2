/*
 * Two scans of one endpoint compared. See diff.h.
 *
 * The store is read through store_query() (v_scan_all, v_cert): the endpoints with their
 * latest finished scan first, then per endpoint the two scans' JSON objects, which
 * diff_scans() compares with jansson. When either scan has "error" set (the server was
 * down, the handshake failed), only the error is compared: an unreachable server did not
 * "remove" its protocol versions.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/diff.h"
#include "analyzer/store/store.h"

/* ---- RFC 3339 ----------------------------------------------------------------------- */

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool diff_check_time(const char *s)
{
	/* YYYY-MM-DDTHH:MM:SS */
	if (!s || strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' ||
	    !digits(s + 17, 2))
		return false;
	int mon = (s[5] - '0') * 10 + (s[6] - '0'), day = (s[8] - '0') * 10 + (s[9] - '0');
	int hh = (s[11] - '0') * 10 + (s[12] - '0'), mm = (s[14] - '0') * 10 + (s[15] - '0');
	int ss = (s[17] - '0') * 10 + (s[18] - '0');
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return true;
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2) && p[3] == ':' &&
	    digits(p + 4, 2))
		return (p[1] - '0') * 10 + (p[2] - '0') <= 23 && (p[4] - '0') * 10 + (p[5] - '0') <= 59;
	return false;
}

/* ---- comparing two scan objects ------------------------------------------------------ */

static bool has_string(const json_t *arr, const char *s)
{
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* Appends to dst every string of `from` that is not in `in` (either may be NULL or not an
 * array: empty). Returns how many, or -1 when out of memory. */
static int missing(json_t *dst, const json_t *from, const json_t *in)
{
	size_t i;
	const json_t *v;
	int n = 0;
	if (!json_is_array(from))
		return 0;
	json_array_foreach(from, i, v) {
		if (!json_is_string(v) || (json_is_array(in) && has_string(in, json_string_value(v))))
			continue;
		if (json_array_append(dst, (json_t *)v) != 0)
			return -1;
		n++;
	}
	return n;
}

/* The versions a scan accepted ("protocols" members that are true), in the scan's order. */
static json_t *versions_of(const json_t *scan)
{
	json_t *out = json_array();
	const char *k;
	json_t *v;
	if (!out)
		return NULL;
	json_object_foreach(json_object_get(scan, "protocols"), k, v)
		if (json_is_true(v) && json_array_append_new(out, json_string(k)) != 0) {
			json_decref(out);
			return NULL;
		}
	return out;
}

/* {"added":[], "removed":[]} of two string arrays; adds the count to *n. */
static json_t *set_diff(const json_t *before, const json_t *after, int *n)
{
	json_t *o = json_object(), *add = json_array(), *rem = json_array();
	if (!o || !add || !rem)
		goto oom;
	int a = missing(add, after, before), r = missing(rem, before, after);
	if (a < 0 || r < 0)
		goto oom;
	*n += a + r;
	json_object_set_new(o, "added", add);
	json_object_set_new(o, "removed", rem);
	return o;
oom:
	json_decref(o);
	json_decref(add);
	json_decref(rem);
	return NULL;
}

/* Suites per version: {"added":{VERSION:[...]}, "removed":{...}}, versions without a
 * change left out. */
static int suites_side(json_t *dst, const json_t *from, const json_t *in)
{
	const char *ver;
	json_t *list;
	int n = 0;
	json_object_foreach((json_t *)from, ver, list) {
		json_t *d = json_array();
		int k = d ? missing(d, list, json_object_get(in, ver)) : -1;
		if (k < 0) {
			json_decref(d);
			return -1;
		}
		if (k > 0)
			json_object_set_new(dst, ver, d);
		else
			json_decref(d);
		n += k;
	}
	return n;
}

static json_t *suites_diff(const json_t *before, const json_t *after, int *n)
{
	json_t *o = json_object(), *add = json_object(), *rem = json_object();
	if (!o || !add || !rem)
		goto oom;
	int a = suites_side(add, json_object_get(after, "ciphers"),
			    json_object_get(before, "ciphers"));
	int r = suites_side(rem, json_object_get(before, "ciphers"),
			    json_object_get(after, "ciphers"));
	if (a < 0 || r < 0)
		goto oom;
	*n += a + r;
	json_object_set_new(o, "added", add);
	json_object_set_new(o, "removed", rem);
	return o;
oom:
	json_decref(o);
	json_decref(add);
	json_decref(rem);
	return NULL;
}

/* The leaf of every chain: [{"chain":i, "sha256":...}], from "chains" (the full
 * handshakes), else the default handshake's "certificates"[0]. */
static json_t *leaves_of(const json_t *scan)
{
	json_t *out = json_array();
	json_t *chains = json_object_get(scan, "chains"), *c;
	size_t i;
	if (!out)
		return NULL;
	if (json_is_array(chains) && json_array_size(chains) > 0) {
		json_array_foreach(chains, i, c) {
			json_t *h = json_object_get(c, "leaf_sha256");
			if (!json_is_string(h))
				continue;
			if (json_array_append_new(out, json_pack("{sI sO}", "chain", (json_int_t)i,
								 "sha256", h)) != 0)
				goto oom;
		}
		return out;
	}
	json_t *h = json_object_get(json_array_get(json_object_get(scan, "certificates"), 0),
				    "sha256");
	if (json_is_string(h) &&
	    json_array_append_new(out, json_pack("{sI sO}", "chain", (json_int_t)0, "sha256", h)))
		goto oom;
	return out;
oom:
	json_decref(out);
	return NULL;
}

static bool has_leaf(const json_t *leaves, const char *sha)
{
	size_t i;
	const json_t *l;
	json_array_foreach(leaves, i, l)
		if (strcmp(json_string_value(json_object_get(l, "sha256")), sha) == 0)
			return true;
	return false;
}

/* Appends the leaves of `from` whose hash `in` lacks (each hash once). */
static int leaves_missing(json_t *dst, const json_t *from, const json_t *in)
{
	size_t i;
	json_t *l;
	int n = 0;
	json_array_foreach(from, i, l) {
		const char *sha = json_string_value(json_object_get(l, "sha256"));
		if (has_leaf(in, sha) || has_leaf(dst, sha))
			continue;
		if (json_array_append(dst, l) != 0)
			return -1;
		n++;
	}
	return n;
}

static json_t *certs_diff(const json_t *before, const json_t *after, int *n)
{
	json_t *lb = leaves_of(before), *la = leaves_of(after);
	json_t *o = json_object(), *add = json_array(), *rem = json_array();
	if (!lb || !la || !o || !add || !rem)
		goto oom;
	int a = leaves_missing(add, la, lb), r = leaves_missing(rem, lb, la);
	if (a < 0 || r < 0)
		goto oom;
	*n += a + r;
	json_object_set_new(o, "added", add);
	json_object_set_new(o, "removed", rem);
	json_decref(lb);
	json_decref(la);
	return o;
oom:
	json_decref(lb);
	json_decref(la);
	json_decref(o);
	json_decref(add);
	json_decref(rem);
	return NULL;
}

/* A member of scan, or JSON null when absent (a new reference). */
static json_t *member(const json_t *scan, const char *key)
{
	json_t *v = json_object_get(scan, key);
	return v ? json_incref(v) : json_null();
}

static json_t *trust_of(const json_t *scan)
{
	return json_pack("{so so}", "trusted", member(scan, "chain_trusted"), "verify_error",
			 member(scan, "verify_error"));
}

static json_t *stapled_of(const json_t *scan)
{
	return member(json_object_get(scan, "ocsp"), "stapled");
}

static json_t *hsts_of(const json_t *scan)
{
	const json_t *h = json_object_get(json_object_get(scan, "http"), "hsts");
	if (!json_is_object(h))
		return json_null();
	return json_pack("{so so so}", "max_age", member(h, "max_age"), "include_subdomains",
			 member(h, "include_subdomains"), "preload", member(h, "preload"));
}

/* {"changed":b, "before":x, "after":y}; takes x and y (NULL: out of memory). A change is
 * counted only when compare is true. */
static json_t *value_diff(json_t *x, json_t *y, bool compare, int *n)
{
	if (!x || !y) {
		json_decref(x);
		json_decref(y);
		return NULL;
	}
	bool changed = compare && !json_equal(x, y);
	*n += changed;
	return json_pack("{sb so so}", "changed", changed, "before", x, "after", y);
}

json_t *diff_scans(const json_t *before, const json_t *after)
{
	int n = 0;
	json_t *o = json_object();
	json_t *none = json_object();   /* stands for what is not compared */
	json_t *vb = NULL, *va = NULL;
	if (!o || !none)
		goto oom;
	/* no baseline, or a failed scan on either side: the sets are not compared */
	bool sets = before && json_is_null(json_object_get(before, "error")) &&
		    json_is_null(json_object_get(after, "error"));
	const json_t *b = sets ? before : none, *a = sets ? after : none;
	vb = versions_of(b);
	va = versions_of(a);
	if (!vb || !va ||
	    json_object_set_new(o, "versions", set_diff(vb, va, &n)) != 0 ||
	    json_object_set_new(o, "suites", suites_diff(b, a, &n)) != 0 ||
	    json_object_set_new(o, "groups", set_diff(json_object_get(b, "groups"),
						      json_object_get(a, "groups"), &n)) != 0 ||
	    json_object_set_new(o, "certificates", certs_diff(b, a, &n)) != 0)
		goto oom;
	/* values: shown whenever there is a baseline, compared only when both scans worked;
	 * the error is compared whenever there is a baseline */
	const json_t *vbase = before ? before : none;
	if (json_object_set_new(o, "trust", value_diff(before ? trust_of(vbase) : json_null(),
						       trust_of(after), sets, &n)) != 0 ||
	    json_object_set_new(o, "ocsp_stapling", value_diff(stapled_of(vbase), stapled_of(after),
							       sets, &n)) != 0 ||
	    json_object_set_new(o, "hsts", value_diff(hsts_of(vbase), hsts_of(after), sets,
						      &n)) != 0 ||
	    json_object_set_new(o, "error", value_diff(member(vbase, "error"),
						       member(after, "error"), before != NULL,
						       &n)) != 0)
		goto oom;
	if (json_object_set_new(o, "changed", json_boolean(n > 0)) != 0 ||
	    json_object_set_new(o, "changes", json_integer(n)) != 0)
		goto oom;
	json_decref(vb);
	json_decref(va);
	json_decref(none);
	return o;
oom:
	json_decref(vb);
	json_decref(va);
	json_decref(none);
	json_decref(o);
	return NULL;
}

/* ---- reading the store ---------------------------------------------------------------- */

struct endpoint {
	char *host, *ip, *sni, *resource;
	long long id, port, latest;
};

struct endpoints {
	struct endpoint *e;
	size_t n, cap;
	bool oom;
};

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*oom = true;
	return d;
}

static int on_endpoint(void *ctx, int ncol, const char *const *names, const char *const *v)
{
	struct endpoints *es = ctx;
	(void)names;
	if (ncol != 7 || !v[0] || !v[3] || !v[5] || !v[6])
		return 0;
	if (es->n == es->cap) {
		size_t cap = es->cap ? 2 * es->cap : 16;
		struct endpoint *p = realloc(es->e, cap * sizeof(*p));
		if (!p) {
			es->oom = true;
			return 1;
		}
		es->e = p;
		es->cap = cap;
	}
	struct endpoint *e = &es->e[es->n++];
	memset(e, 0, sizeof(*e));
	e->id = strtoll(v[0], NULL, 10);
	e->host = dup_or_null(v[1], &es->oom);
	e->ip = dup_or_null(v[2], &es->oom);
	e->port = strtoll(v[3], NULL, 10);
	e->sni = dup_or_null(v[4], &es->oom);
	e->resource = dup_or_null(v[5], &es->oom);
	e->latest = strtoll(v[6], NULL, 10);
	return es->oom;
}

static void endpoints_free(struct endpoints *es)
{
	for (size_t i = 0; i < es->n; i++) {
		free(es->e[i].host);
		free(es->e[i].ip);
		free(es->e[i].sni);
		free(es->e[i].resource);
	}
	free(es->e);
}

/* Host names compared as DNS does: case-insensitive, a final dot ignored. */
static bool same_host(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static bool in_scope(const struct endpoint *e, const struct diff_opts *o)
{
	if (o->n_scope == 0)
		return true;
	for (size_t i = 0; i < o->n_scope; i++) {
		const struct diff_scope *s = &o->scope[i];
		if ((long long)s->port != e->port)
			continue;
		if (s->host && e->host && same_host(s->host, e->host))
			return true;
		if (s->ip && *s->ip && e->ip && strcmp(s->ip, e->ip) == 0)
			return true;
	}
	return false;
}

/* One scan row: id, finished, result. */
struct scan_row {
	bool found, oom, bad_json;
	long long id;
	char finished[64];
	json_t *result;
};

static int on_scan(void *ctx, int ncol, const char *const *names, const char *const *v)
{
	struct scan_row *r = ctx;
	(void)names;
	if (ncol != 3 || !v[0])
		return 0;
	r->found = true;
	r->id = strtoll(v[0], NULL, 10);
	snprintf(r->finished, sizeof(r->finished), "%s", v[1] ? v[1] : "");
	r->result = v[2] ? json_loads(v[2], 0, NULL) : json_object();
	if (!json_is_object(r->result)) {
		json_decref(r->result);
		r->result = json_object();
		r->bad_json = v[2] != NULL;
		if (!r->result)
			r->oom = true;
	}
	return 1;
}

/* Subject and expiry of the certificates of a "certificates" diff (from v_cert). */
struct cert_facts {
	json_t *cert;
	bool oom;
};

static int on_cert(void *ctx, int ncol, const char *const *names, const char *const *v)
{
	struct cert_facts *c = ctx;
	(void)names;
	if (ncol != 2)
		return 1;
	if (json_object_set_new(c->cert, "subject", v[0] ? json_string(v[0]) : json_null()) ||
	    json_object_set_new(c->cert, "not_after", v[1] ? json_string(v[1]) : json_null()))
		c->oom = true;
	return 1;
}

static bool lower_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
			return false;
	return true;
}

static int annotate_certs(struct store *st, json_t *certs, char *err, size_t errcap)
{
	static const char *const sides[] = { "added", "removed" };
	for (size_t s = 0; s < 2; s++) {
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(certs, sides[s]), i, c) {
			const char *sha = json_string_value(json_object_get(c, "sha256"));
			struct cert_facts cf = { .cert = c };
			char sql[192];
			if (json_object_set_new(c, "subject", json_null()) ||
			    json_object_set_new(c, "not_after", json_null()))
				return DIFF_ENOMEM;
			if (!lower_hex64(sha))
				continue;
			snprintf(sql, sizeof(sql),
				 "SELECT subject, not_after FROM v_cert WHERE sha256 = '%s'", sha);
			if (store_query(st, sql, on_cert, &cf) != STORE_OK) {
				snprintf(err, errcap, "database: %s", store_errmsg(st));
				return DIFF_ESTORE;
			}
			if (cf.oom)
				return DIFF_ENOMEM;
		}
	}
	return DIFF_OK;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *scan_ref(const struct scan_row *r)
{
	if (!r->found)
		return json_null();
	return json_pack("{sI ss}", "scan_id", (json_int_t)r->id, "finished", r->finished);
}

/* The "diff" object of one endpoint, appended to out. */
static int endpoint_diff(struct store *st, const struct diff_opts *o, const struct endpoint *e,
			 json_t *out, char *err, size_t errcap)
{
	struct scan_row after = { 0 }, before = { 0 };
	char sql[512];
	int ret = DIFF_ESTORE;
	json_t *d = NULL, *ch = NULL;
	snprintf(sql, sizeof(sql), "SELECT scan_id, finished, result FROM v_scan_all"
		 " WHERE scan_id = %lld", e->latest);
	if (store_query(st, sql, on_scan, &after) != STORE_OK)
		goto store_failed;
	if (o->before)
		snprintf(sql, sizeof(sql), "SELECT scan_id, finished, result FROM v_scan_all"
			 " WHERE endpoint_id = %lld AND julianday(finished) < julianday('%s')"
			 " ORDER BY scan_id DESC LIMIT 1", e->id, o->before);
	else
		snprintf(sql, sizeof(sql), "SELECT scan_id, finished, result FROM v_scan_all"
			 " WHERE endpoint_id = %lld AND scan_id < %lld ORDER BY scan_id DESC LIMIT 1",
			 e->id, e->latest);
	if (store_query(st, sql, on_scan, &before) != STORE_OK)
		goto store_failed;
	ret = DIFF_ENOMEM;
	if (after.oom || before.oom || !after.found)
		goto out;
	ch = diff_scans(before.found ? before.result : NULL, after.result);
	d = json_pack("{ss ss so so sI so so so}", "type", "diff", "resource", e->resource,
		      "host", str_or_null(e->host), "ip", str_or_null(e->ip), "port",
		      (json_int_t)e->port, "sni", str_or_null(e->sni), "before", scan_ref(&before),
		      "after", scan_ref(&after));
	if (!ch || !d || json_object_update(d, ch) != 0)
		goto out;
	ret = annotate_certs(st, json_object_get(d, "certificates"), err, errcap);
	if (ret != DIFF_OK)
		goto out;
	ret = json_array_append(out, d) == 0 ? DIFF_OK : DIFF_ENOMEM;
	goto out;
store_failed:
	snprintf(err, errcap, "database: %s", store_errmsg(st));
out:
	if (ret == DIFF_ENOMEM)
		snprintf(err, errcap, "out of memory");
	json_decref(ch);
	json_decref(d);
	json_decref(after.result);
	json_decref(before.result);
	return ret;
}

int diff_build(struct store *st, const struct diff_opts *o, json_t **out, char *err,
	       size_t errcap)
{
	struct endpoints es = { 0 };
	json_t *arr = NULL;
	int ret = DIFF_OK;
	*out = NULL;
	if (o->before && !diff_check_time(o->before)) {
		snprintf(err, errcap, "not an RFC 3339 time: '%s'", o->before);
		return DIFF_EINPUT;
	}
	if (store_query(st, "SELECT endpoint_id, host, ip, port, sni, resource, max(scan_id)"
			    " FROM v_scan_all GROUP BY endpoint_id ORDER BY resource, endpoint_id",
			on_endpoint, &es) != STORE_OK) {
		snprintf(err, errcap, "database: %s", store_errmsg(st));
		endpoints_free(&es);
		return DIFF_ESTORE;
	}
	if (es.oom || !(arr = json_array())) {
		snprintf(err, errcap, "out of memory");
		endpoints_free(&es);
		return DIFF_ENOMEM;
	}
	for (size_t i = 0; i < es.n && ret == DIFF_OK; i++)
		if (in_scope(&es.e[i], o))
			ret = endpoint_diff(st, o, &es.e[i], arr, err, errcap);
	endpoints_free(&es);
	if (ret != DIFF_OK) {
		json_decref(arr);
		return ret;
	}
	*out = arr;
	return DIFF_OK;
}
