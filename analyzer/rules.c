/*
 * The rule loader and runner. See rules.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "analyzer/embed.h"
#include "analyzer/rules.h"
#include "analyzer/store/store.h"
#include "capture/wire/digest.h"

#define RULE_FILE_MAX (1u << 20)

struct rules {
	struct rule *r;
	size_t n, cap;
};

static void rule_clear(struct rule *r)
{
	free(r->title);
	free(r->requirements);
	free(r->remediation);
	free(r->description);
	free(r->sql);
}

void rules_free(struct rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		rule_clear(&rs->r[i]);
	free(rs->r);
	free(rs);
}

size_t rules_count(const struct rules *rs)
{
	return rs->n;
}

struct rule *rules_at(struct rules *rs, size_t i)
{
	return i < rs->n ? &rs->r[i] : NULL;
}

int rules_severity_rank(const char *s)
{
	static const char *const names[] = { "info", "low", "medium", "high", "critical" };
	for (int i = 0; s && i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static void refuse(struct rule *r, const char *fmt, const char *arg)
{
	r->refused = true;
	snprintf(r->error, sizeof(r->error), fmt, arg);
}

static bool id_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '_' || *s == '/' || *s == '-'))
			return false;
	return true;
}

/* Appends text to a header value (continuation lines join with a space). */
static bool append(char **dst, const char *p, size_t n)
{
	size_t old = *dst ? strlen(*dst) : 0;
	char *v = realloc(*dst, old + n + 2);
	if (!v)
		return false;
	if (old)
		v[old++] = ' ';
	memcpy(v + old, p, n);
	v[old + n] = '\0';
	*dst = v;
	return true;
}

/* "a, b ,c" -> ["a","b","c"] */
static char *requirements_json(const char *list)
{
	json_t *a = json_array();
	const char *p = list;
	while (a && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *e = p;
		while (*e && *e != ',')
			e++;
		size_t n = (size_t)(e - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n > 0)
			json_array_append_new(a, json_stringn(p, n));
		p = e;
	}
	char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return s;
}

/* Parses the header of r->sql into r. */
static void parse_header(struct rule *r)
{
	char *id = NULL, *sev = NULL, *reqs = NULL, *view = NULL;
	char **cur = NULL;
	const char *p = r->sql;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *next = eol ? eol + 1 : p + n;
		size_t i = 0;
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
			i++;
		if (i == n) { /* blank line */
			p = next;
			cur = NULL;
			continue;
		}
		if (n - i < 2 || p[i] != '-' || p[i + 1] != '-')
			break; /* the query starts */
		const char *t = p + i + 2;
		size_t tn = n - i - 2;
		while (tn > 0 && (t[tn - 1] == '\r' || t[tn - 1] == ' '))
			tn--;
		while (tn > 0 && (*t == ' ' || *t == '\t')) {
			t++;
			tn--;
		}
		const char *colon = memchr(t, ':', tn);
		size_t klen = colon ? (size_t)(colon - t) : 0;
		bool keyed = colon && klen > 0 && klen < 16;
		for (size_t k = 0; keyed && k < klen; k++)
			keyed = (t[k] >= 'a' && t[k] <= 'z') || t[k] == '_';
		if (keyed) {
			const char *v = colon + 1;
			size_t vn = tn - klen - 1;
			while (vn > 0 && *v == ' ') {
				v++;
				vn--;
			}
			cur = NULL;
			if (klen == 2 && memcmp(t, "id", 2) == 0)
				cur = &id;
			else if (klen == 4 && memcmp(t, "view", 4) == 0)
				cur = &view;
			else if (klen == 5 && memcmp(t, "title", 5) == 0)
				cur = &r->title;
			else if (klen == 8 && memcmp(t, "severity", 8) == 0)
				cur = &sev;
			else if (klen == 12 && memcmp(t, "requirements", 12) == 0)
				cur = &reqs;
			else if (klen == 11 && memcmp(t, "remediation", 11) == 0)
				cur = &r->remediation;
			else if (klen == 11 && memcmp(t, "description", 11) == 0)
				cur = &r->description;
			if (cur && vn > 0 && !append(cur, v, vn))
				goto oom;
		} else if (cur && tn > 0 && !append(cur, t, tn)) {
			goto oom;
		}
		p = next;
	}
	if (view && !id) {
		/* a shared view: its name, and the statement must create exactly that */
		bool ok = strlen(view) < sizeof(r->id) && view[0];
		for (const char *c = view; ok && *c; c++)
			ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_';
		if (!ok) {
			refuse(r, "%s", "a view name must be lowercase letters, digits and '_'");
		} else {
			r->is_view = true;
			snprintf(r->id, sizeof(r->id), "%s", view);
			r->title = strdup(view);
			r->requirements = strdup("[]");
			snprintf(r->severity, sizeof(r->severity), "info");
			if (!r->title || !r->requirements)
				refuse(r, "%s", "out of memory");
		}
		free(view);
		free(sev);
		free(reqs);
		return;
	}
	free(view);
	view = NULL;
	if (!id || !id_ok(id))
		refuse(r, "%s", id ? "the id must be lowercase letters, digits, '.', '_', '/', '-'"
				   : "no '-- id:' line in the header");
	else if (strlen(id) >= sizeof(r->id))
		refuse(r, "%s", "the id is too long");
	else
		snprintf(r->id, sizeof(r->id), "%s", id);
	if (!r->refused && !r->title)
		refuse(r, "%s", "no '-- title:' line in the header");
	if (!r->refused && rules_severity_rank(sev) < 0)
		refuse(r, "%s", "'-- severity:' must be info, low, medium, high or critical");
	if (!r->refused)
		snprintf(r->severity, sizeof(r->severity), "%s", sev);
	if (!r->refused && !reqs)
		refuse(r, "%s", "no '-- requirements:' line in the header");
	if (!r->refused && !(r->requirements = requirements_json(reqs)))
		goto oom;
	free(id);
	free(sev);
	free(reqs);
	return;
oom:
	free(id);
	free(sev);
	free(reqs);
	free(view);
	refuse(r, "%s", "out of memory");
}

static struct rule *add_rule(struct rules *rs, const char *file, const char *text, size_t len)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 64;
		struct rule *p = realloc(rs->r, cap * sizeof(*p));
		if (!p)
			return NULL;
		rs->r = p;
		rs->cap = cap;
	}
	struct rule *r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->file, sizeof(r->file), "%s", file);
	uint8_t md[32];
	digest_sha256((const uint8_t *)text, len, md);
	digest_hex(md, sizeof(md), r->sha256);
	r->sql = malloc(len + 1);
	if (!r->sql) {
		refuse(r, "%s", "out of memory");
		return r;
	}
	memcpy(r->sql, text, len);
	r->sql[len] = '\0';
	if (memchr(text, '\0', len)) {
		refuse(r, "%s", "a NUL byte in the file");
		return r;
	}
	parse_header(r);
	if (r->refused)
		return r;
	for (size_t i = 0; i + 1 < rs->n; i++)
		if (!rs->r[i].refused && strcmp(rs->r[i].id, r->id) == 0) {
			refuse(r, "the id is already used by %.300s", rs->r[i].file);
			break;
		}
	return r;
}

struct rules *rules_load_bundled(char *err, size_t errcap)
{
	struct rules *rs = calloc(1, sizeof(*rs));
	if (!rs) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < embed_n_rules; i++)
		if (!add_rule(rs, embed_rules[i].name, (const char *)embed_rules[i].data,
			      embed_rules[i].len)) {
			snprintf(err, errcap, "out of memory");
			rules_free(rs);
			return NULL;
		}
	return rs;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.sql under dir (depth-limited), in name order. -1 on a fatal error. */
static int load_tree(struct rules *rs, const char *dir, int depth, char *err, size_t errcap)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errcap, "%s: %s", dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int ret = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			char **p = realloc(names, cap * sizeof(*p));
			if (!p) {
				ret = -1;
				break;
			}
			names = p;
		}
		if (!(names[n] = strdup(de->d_name))) {
			ret = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (ret != 0)
		snprintf(err, errcap, "out of memory");
	if (names)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && ret == 0; i++) {
		char path[4096];
		struct stat sb;
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path) ||
		    stat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			if (depth < 8)
				ret = load_tree(rs, path, depth + 1, err, errcap);
			continue;
		}
		size_t len = strlen(names[i]);
		if (!S_ISREG(sb.st_mode) || len < 5 || strcmp(names[i] + len - 4, ".sql") != 0)
			continue;
		FILE *f = fopen(path, "rb");
		char *text = NULL;
		size_t got = 0;
		struct rule *r;
		if (f && sb.st_size <= (off_t)RULE_FILE_MAX &&
		    (text = malloc((size_t)sb.st_size + 1)) != NULL)
			got = fread(text, 1, (size_t)sb.st_size, f);
		if (f)
			fclose(f);
		r = add_rule(rs, path, text ? text : "", text ? got : 0);
		if (!r) {
			snprintf(err, errcap, "out of memory");
			ret = -1;
		} else if (!f) {
			refuse(r, "cannot read the file: %s", strerror(errno));
		} else if (sb.st_size > (off_t)RULE_FILE_MAX) {
			refuse(r, "%s", "larger than 1 MiB");
		}
		free(text);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

struct rules *rules_load_dir(const char *dir, char *err, size_t errcap)
{
	struct rules *rs = calloc(1, sizeof(*rs));
	if (!rs) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	if (load_tree(rs, dir, 0, err, errcap) != 0) {
		rules_free(rs);
		return NULL;
	}
	return rs;
}

static int cmp_rule_id(const void *a, const void *b)
{
	return strcmp((*(const struct rule *const *)a)->id, (*(const struct rule *const *)b)->id);
}

void rules_hash(const struct rules *rs, char out[65])
{
	const struct rule **v = calloc(rs->n ? rs->n : 1, sizeof(*v));
	size_t n = 0, len = 0;
	for (size_t i = 0; v && i < rs->n; i++)
		if (!rs->r[i].refused) {
			v[n++] = &rs->r[i];
			len += strlen(rs->r[i].id) + 66;
		}
	char *buf = v ? malloc(len + 1) : NULL;
	uint8_t md[32];
	if (!buf) {
		memset(out, '0', 64);
		out[64] = '\0';
		free(v);
		return;
	}
	qsort(v, n, sizeof(*v), cmp_rule_id);
	size_t off = 0;
	for (size_t i = 0; i < n; i++)
		off += (size_t)sprintf(buf + off, "%s %s\n", v[i]->id, v[i]->sha256);
	digest_sha256((const uint8_t *)buf, off, md);
	digest_hex(md, sizeof(md), out);
	free(buf);
	free(v);
}

/* The statement of a view file must be "CREATE TEMP VIEW <name> AS ...": checked on the
 * text after the header, so a view cannot create or drop anything else. */
static bool view_statement_ok(const struct rule *r)
{
	const char *p = r->sql;
	for (;;) { /* skip the header's comment lines and blank space */
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (p[0] == '-' && p[1] == '-') {
			const char *e = strchr(p, '\n');
			if (!e)
				return false;
			p = e + 1;
			continue;
		}
		break;
	}
	char want[RULES_ID_MAX + 32];
	snprintf(want, sizeof(want), "CREATE TEMP VIEW %s AS", r->id);
	return strncasecmp(p, want, strlen(want)) == 0;
}

static void create_views(struct rules *rs, struct store *st)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct rule *r = &rs->r[i];
		if (!r->is_view || r->refused)
			continue;
		char drop[RULES_ID_MAX + 40];
		snprintf(drop, sizeof(drop), "DROP VIEW IF EXISTS temp.%s", r->id);
		if (!view_statement_ok(r))
			refuse(r, "%s", "a view file must hold one statement: CREATE TEMP VIEW <its name>"
				  " AS SELECT ...");
		else if (store_temp_exec(st, drop, NULL) != STORE_OK ||
			 store_temp_exec(st, r->sql, NULL) != STORE_OK)
			refuse(r, "%.480s", store_errmsg(st));
	}
}

size_t rules_check(struct rules *rs, struct store *st)
{
	size_t refused = 0;
	create_views(rs, st);
	for (size_t i = 0; i < rs->n; i++) {
		struct rule *r = &rs->r[i];
		char names[1024];
		int ncol = 0;
		if (r->is_view) {
			refused += r->refused;
			continue;
		}
		if (!r->refused) {
			if (store_query_columns(st, r->sql, names, sizeof(names), &ncol) != STORE_OK) {
				refuse(r, "%.480s", store_errmsg(st));
			} else if (ncol < 4 || strncmp(names, "resource,status,reason,evidence", 31) != 0 ||
				   (names[31] != '\0' && names[31] != ',')) {
				refuse(r, "the columns must be resource, status, reason, evidence"
					  " [, severity] [, score]; the query has: %.300s", names);
			} else {
				const char *extra = names[31] ? names + 32 : "";
				r->has_severity_col = strncmp(extra, "severity", 8) == 0;
				const char *after = r->has_severity_col ? extra + 8 : extra;
				if (*after == ',')
					after++;
				r->has_score_col = strcmp(after, "score") == 0;
				if (*after && !r->has_score_col)
					refuse(r, "the columns must be resource, status, reason, evidence"
						  " [, severity] [, score]; the query has: %.300s", names);
			}
		}
		refused += r->refused;
	}
	return refused;
}

bool rules_reads_findings(const struct rule *r)
{
	/* the query text after the header; a mention in a comment counts too (harmless: the
	 * rule only runs later) */
	return r->sql && (strstr(r->sql, "v_finding") || strstr(r->sql, "findings"));
}

bool rules_in_profile(const struct rule *r, const char *profile)
{
	if (!profile)
		return true;
	size_t n = strlen(profile);
	if (strncmp(r->id, profile, n) == 0 && (r->id[n] == '/' || r->id[n] == '\0'))
		return true;
	json_t *a = json_loads(r->requirements, 0, NULL);
	bool in = false;
	for (size_t i = 0; a && i < json_array_size(a) && !in; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		in = s && strncmp(s, profile, n) == 0 && s[n] == ':';
	}
	json_decref(a);
	return in;
}

struct run {
	struct rule *r;
	int (*cb)(void *ctx, const struct rule *r, const struct rule_row *row);
	void *ctx;
	bool bad;
};

static int on_row(void *ctx, int ncol, const char *const *names, const char *const *values)
{
	struct run *x = ctx;
	(void)names;
	struct rule_row row = {
		.resource = values[0], .status = values[1], .reason = values[2],
		.evidence = values[3], .severity = x->r->severity,
	};
	int c = 4;
	if (x->r->has_severity_col && c < ncol) {
		if (values[c] && rules_severity_rank(values[c]) >= 0)
			row.severity = values[c];
		c++;
	}
	if (x->r->has_score_col && c < ncol && values[c]) {
		row.has_score = true;
		row.score = strtod(values[c], NULL);
	}
	if (!row.resource) {
		snprintf(x->r->error, sizeof(x->r->error), "a row without a resource");
		x->bad = true;
		return 1;
	}
	if (!row.status || (strcmp(row.status, "ok") != 0 && strcmp(row.status, "alarm") != 0 &&
			    strcmp(row.status, "info") != 0 && strcmp(row.status, "skip") != 0)) {
		snprintf(x->r->error, sizeof(x->r->error),
			 "a row with status '%.40s' (ok, alarm, info or skip)",
			 row.status ? row.status : "NULL");
		x->bad = true;
		return 1;
	}
	if (row.evidence) {
		json_t *e = json_loads(row.evidence, 0, NULL);
		bool ok = e && json_is_array(e);
		json_decref(e);
		if (!ok) {
			snprintf(x->r->error, sizeof(x->r->error),
				 "a row whose evidence is not a JSON array");
			x->bad = true;
			return 1;
		}
	}
	return x->cb(x->ctx, x->r, &row);
}

int rules_run(struct rule *r, struct store *st,
	      int (*cb)(void *ctx, const struct rule *r, const struct rule_row *row), void *ctx)
{
	struct run x = { .r = r, .cb = cb, .ctx = ctx };
	if (r->refused)
		return -1;
	int rc = store_query(st, r->sql, on_row, &x);
	if (x.bad)
		return -1;
	if (rc != STORE_OK) {
		snprintf(r->error, sizeof(r->error), "%s", store_errmsg(st));
		return -1;
	}
	return 0;
}
