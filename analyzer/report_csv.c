/*
 * The report as CSV. See report_csv.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/report_csv.h"

struct csv {
	FILE *f;
	bool first;     /* no cell written on this row yet */
};

static void cell_text(struct csv *c, const char *s)
{
	if (!c->first)
		fputc(',', c->f);
	c->first = false;
	bool guard = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	bool quote = guard || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', c->f);
	if (guard)
		fputc('\'', c->f);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', c->f);
		fputc(*p, c->f);
	}
	if (quote)
		fputc('"', c->f);
}

/* A JSON value as a cell: strings as text, numbers as numbers, lists joined by sep. */
static void cell_sep(struct csv *c, json_t *v, const char *sep)
{
	char buf[64];
	if (json_is_string(v)) {
		cell_text(c, json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		cell_text(c, buf);
	} else if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%.15g", json_real_value(v));
		/* a number, not text: no formula guard for a negative one */
		if (!c->first)
			fputc(',', c->f);
		c->first = false;
		fputs(buf, c->f);
	} else if (json_is_boolean(v)) {
		cell_text(c, json_is_true(v) ? "true" : "false");
	} else if (json_is_array(v)) {
		size_t n = 0, i;
		json_t *x;
		json_array_foreach(v, i, x)
			n += json_is_string(x) ? strlen(json_string_value(x)) + strlen(sep) : 2 + strlen(sep);
		char *s = malloc(n + 1), *w = s;
		if (!s) {
			cell_text(c, "");
			return;
		}
		*w = '\0';
		json_array_foreach(v, i, x) {
			const char *t = json_is_string(x) ? json_string_value(x) : "-";
			w += sprintf(w, "%s%s", i ? sep : "", t);
		}
		cell_text(c, s);
		free(s);
	} else {
		cell_text(c, "");
	}
}

static void cell(struct csv *c, json_t *v)
{
	cell_sep(c, v, " ");
}

static void end_row(struct csv *c)
{
	fputs("\r\n", c->f);
	c->first = true;
}

/* The section line and the header row (names: comma-separated). */
static void section(struct csv *c, const char *name, const char *names)
{
	char line[128];
	snprintf(line, sizeof(line), "# %s", name);
	cell_text(c, line);
	end_row(c);
	fputs(names, c->f);
	end_row(c);
}

/* Cells of the keys of o, in order (a NULL-terminated list). */
static void cells(struct csv *c, json_t *o, const char *const *keys)
{
	for (; *keys; keys++)
		cell(c, json_object_get(o, *keys));
}

static void header(struct csv *c, json_t *h)
{
	static const char *const keys[] = { "tool", "generated", "profile", "profile_title",
					    "database", NULL };
	static const char *const rkeys[] = { "hash", "analysis_run", "analysis_started",
					     "analysis_finished", "rules_loaded", "profile_rules",
					     "stale_findings", NULL };
	section(c, "header", "key,value");
	for (const char *const *k = keys; *k; k++) {
		cell_text(c, *k);
		cell(c, json_object_get(h, *k));
		end_row(c);
	}
	json_t *r = json_object_get(h, "rules");
	for (const char *const *k = rkeys; *k; k++) {
		char name[64];
		snprintf(name, sizeof(name), "rules.%s", *k);
		cell_text(c, name);
		cell(c, json_object_get(r, *k));
		end_row(c);
	}
	json_t *d = json_object_get(h, "data");
	const char *key;
	json_t *v;
	json_object_foreach(d, key, v) {
		char name[64];
		snprintf(name, sizeof(name), "data.%s", key);
		cell_text(c, name);
		cell(c, v);
		end_row(c);
	}
	json_t *scope = json_object_get(h, "scope");
	cell_text(c, "scope.endpoints");
	char n[32];
	snprintf(n, sizeof(n), "%zu", json_array_size(json_object_get(scope, "endpoints")));
	cell_text(c, n);
	end_row(c);
	json_t *conns = json_object_get(scope, "connections");
	json_object_foreach(conns, key, v) {
		char name[64];
		snprintf(name, sizeof(name), "scope.connections.%s", key);
		cell_text(c, name);
		cell(c, v);
		end_row(c);
	}
}

static void findings(struct csv *c, json_t *list)
{
	size_t i;
	json_t *f;
	section(c, "findings", "id,rule,title,severity,status,resource,reason,requirements,"
		"evidence,evidence_sha256,evidence_summary,remediation,first_seen,last_seen,count,"
		"score,triage_verdict,triage_reason,triage_author,triage_expires");
	json_array_foreach(list, i, f) {
		static const char *const a[] = { "id", "rule", "title", "severity", "status",
						 "resource", "reason", "requirements", NULL };
		static const char *const b[] = { "remediation", "first_seen", "last_seen", "count",
						 "score", NULL };
		static const char *const t[] = { "verdict", "reason", "author", "expires", NULL };
		json_t *refs = json_array(), *hashes = json_array(), *sums = json_array(), *e;
		size_t k;
		json_array_foreach(json_object_get(f, "evidence"), k, e) {
			json_array_append(refs, json_object_get(e, "ref"));
			json_array_append(hashes, json_object_get(e, "sha256"));
			json_array_append(sums, json_object_get(e, "summary"));
		}
		cells(c, f, a);
		cell(c, refs);
		cell(c, hashes);
		cell_sep(c, sums, " | ");
		cells(c, f, b);
		json_t *tr = json_object_get(f, "triage");
		for (const char *const *k2 = t; *k2; k2++)
			cell(c, json_object_get(tr, *k2));
		end_row(c);
		json_decref(refs);
		json_decref(hashes);
		json_decref(sums);
	}
}

static void changes(struct csv *c, json_t *list)
{
	static const char *const lists[] = { "versions", "suites", "certificates" };
	size_t i;
	json_t *ch;
	section(c, "changes", "resource,previous_scan,previous_finished,latest_scan,"
		"latest_finished,added_versions,removed_versions,added_suites,removed_suites,"
		"added_certificates,removed_certificates,trust_before,trust_after");
	json_array_foreach(list, i, ch) {
		json_t *prev = json_object_get(ch, "previous_scan");
		json_t *last = json_object_get(ch, "latest_scan");
		cell(c, json_object_get(ch, "resource"));
		cell(c, json_object_get(prev, "id"));
		cell(c, json_object_get(prev, "finished"));
		cell(c, json_object_get(last, "id"));
		cell(c, json_object_get(last, "finished"));
		for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
			cell(c, json_object_get(json_object_get(ch, "added"), lists[k]));
			cell(c, json_object_get(json_object_get(ch, "removed"), lists[k]));
		}
		cell(c, json_object_get(json_object_get(ch, "trust"), "before"));
		cell(c, json_object_get(json_object_get(ch, "trust"), "after"));
		end_row(c);
	}
}

int report_csv_write(json_t *doc, FILE *f)
{
	struct csv c = { f, true };
	size_t i;
	json_t *r;

	header(&c, json_object_get(doc, "header"));

	static const char *const rq[] = { "requirement", "status", "rules", NULL };
	static const char *const counts[] = { "ok", "alarm", "info", "skip", NULL };
	section(&c, "requirements", "requirement,status,rules,ok,alarm,info,skip,exceptions");
	json_array_foreach(json_object_get(doc, "requirements"), i, r) {
		cells(&c, r, rq);
		cells(&c, json_object_get(r, "counts"), counts);
		cell(&c, json_object_get(r, "exceptions"));
		end_row(&c);
	}

	findings(&c, json_object_get(doc, "findings"));

	json_t *inv = json_object_get(doc, "inventories");
	static const char *const ck[] = { "resource", "chain", "depth", "sha256", "subject",
					  "issuer", "not_before", "not_after", "key_type",
					  "key_bits", "sig_alg", "trusted", NULL };
	section(&c, "certificates", "resource,chain,depth,sha256,subject,issuer,not_before,"
		"not_after,key_type,key_bits,sig_alg,trusted");
	json_array_foreach(json_object_get(inv, "certificates"), i, r) {
		cells(&c, r, ck);
		end_row(&c);
	}

	section(&c, "protocols", "resource,version,suites,groups");
	json_array_foreach(json_object_get(inv, "protocols"), i, r) {
		size_t k;
		json_t *v;
		json_array_foreach(json_object_get(r, "versions"), k, v) {
			cell(&c, json_object_get(r, "resource"));
			cell(&c, v);
			cell(&c, json_object_get(json_object_get(r, "suites"), json_string_value(v)));
			cell(&c, json_object_get(r, "groups"));
			end_row(&c);
		}
	}

	changes(&c, json_object_get(doc, "changes"));
	return fflush(f) != 0 || ferror(f) ? -1 : 0;
}
