/*
 * store_read.c - readers for the analyzer and the reports, and store_query(),
 * the read-only door for the rule engine.
 *
 * Readers prepare their statements per call (not cached) so that a callback
 * may itself call a reader or a writer on the same store.
 *
 * store_query() has two independent locks on it:
 *   1. an authorizer, strict only while the caller's SQL is compiled, that
 *      allows reading (SELECT, READ, FUNCTION, RECURSIVE) and a short list of
 *      inspection PRAGMAs, and denies everything else: writes, DDL, ATTACH,
 *      transaction control, setting PRAGMAs;
 *   2. sqlite3_stmt_readonly() on the compiled statement.
 * The second alone is not enough: SQLite reports BEGIN, COMMIT, SAVEPOINT,
 * ATTACH and several PRAGMAs as "read-only" because they do not write the
 * file, yet they would break our batching or reach outside the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static const char *const count_sql[STORE_T_COUNT_] = {
	[STORE_T_META] = "SELECT count(*) FROM meta",
	[STORE_T_ENDPOINTS] = "SELECT count(*) FROM endpoints",
	[STORE_T_SCANS] = "SELECT count(*) FROM scans",
	[STORE_T_PROBE_EVIDENCE] = "SELECT count(*) FROM probe_evidence",
	[STORE_T_CERTIFICATES] = "SELECT count(*) FROM certificates",
	[STORE_T_SCAN_CERTS] = "SELECT count(*) FROM scan_certs",
	[STORE_T_CONNECTIONS] = "SELECT count(*) FROM connections",
	[STORE_T_CONN_CERTS] = "SELECT count(*) FROM conn_certs",
	[STORE_T_ANOMALIES] = "SELECT count(*) FROM anomalies",
	[STORE_T_FINDINGS] = "SELECT count(*) FROM findings",
	[STORE_T_OCSP_RESPONSES] = "SELECT count(*) FROM ocsp_responses",
	[STORE_T_SCAN_OCSP] = "SELECT count(*) FROM scan_ocsp",
	[STORE_T_RULES] = "SELECT count(*) FROM rules",
	[STORE_T_ANALYSIS_RUNS] = "SELECT count(*) FROM analysis_runs",
	[STORE_T_INVENTORY] = "SELECT count(*) FROM inventory",
	[STORE_T_TRIAGE] = "SELECT count(*) FROM triage",
	[STORE_T_SCORES] = "SELECT count(*) FROM scores",
	[STORE_T_MODEL_STATE] = "SELECT count(*) FROM model_state",
	[STORE_T_GEO] = "SELECT count(*) FROM geo",
};

/* Prepare a reader statement; on failure record the error. */
static int prepare(struct store *st, const char *sql, sqlite3_stmt **s)
{
	int rc;

	*s = NULL;
	if (st->fatal)
		return st->fatal;
	rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
	if (rc != SQLITE_OK)
		return store_i_sqlfail(st, rc, sql);
	return STORE_OK;
}

/* Finish an iteration whose last sqlite3_step() returned rc. */
static int finish(struct store *st, sqlite3_stmt *s, int rc, const char *what)
{
	/* Finalize first: a fatal error's ROLLBACK must not find s running;
	 * the failed step's message stays on the connection. */
	sqlite3_finalize(s);
	if (st->fatal) /* e.g. a callback's own write failed fatally */
		return st->fatal;
	if (rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK)
		return STORE_OK;
	return store_i_sqlfail(st, rc, what);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

int store_count(struct store *st, enum store_table t, int64_t *n)
{
	sqlite3_stmt *s;
	int ret, rc;

	if (!st)
		return STORE_EINVAL;
	if ((unsigned)t >= STORE_T_COUNT_ || !n)
		return store_i_fail(st, STORE_EINVAL, "store_count: bad table %d or NULL n", (int)t);
	if ((ret = prepare(st, count_sql[t], &s)) != STORE_OK)
		return ret;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	return finish(st, s, rc, "count rows");
}

int store_meta_get(struct store *st, const char *key, char *buf, size_t cap)
{
	sqlite3_stmt *s;
	const char *v;
	size_t len;
	int ret, rc;

	if (!st)
		return STORE_EINVAL;
	if (!key || !buf || cap == 0)
		return store_i_fail(st, STORE_EINVAL, "store_meta_get: NULL key or empty buffer");
	if ((ret = prepare(st, "SELECT value FROM meta WHERE key = ?1", &s)) != STORE_OK)
		return ret;
	rc = sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(s);
		return store_i_fail(st, STORE_ENOTFOUND, "store_meta_get: no key '%s'", key);
	}
	if (rc == SQLITE_ROW) {
		v = col_text(s, 0);
		len = v ? strlen(v) : 0;
		if (len + 1 > cap) {
			sqlite3_finalize(s);
			return store_i_fail(st, STORE_ERANGE,
			                    "store_meta_get: value of '%s' needs %zu bytes, buffer has %zu",
			                    key, len + 1, cap);
		}
		memcpy(buf, v ? v : "", len + 1);
	}
	return finish(st, s, rc, "read meta");
}

/* ---- connections ---------------------------------------------------------- */

/* Read the chain of connection `id` into hex/ptrs; *n = entries. */
static int load_chain(struct store *st, sqlite3_stmt *cs, int64_t id,
                      char hex[STORE_CHAIN_MAX][STORE_SHA256_HEX_SIZE],
                      const char *ptrs[STORE_CHAIN_MAX], size_t *n)
{
	const char *h;
	int rc;

	*n = 0;
	rc = sqlite3_bind_int64(cs, 1, id);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		if ((rc = sqlite3_step(cs)) != SQLITE_ROW)
			break;
		h = col_text(cs, 0);
		if (*n == STORE_CHAIN_MAX || !h || strlen(h) != STORE_SHA256_HEX_SIZE - 1)
			continue; /* cannot happen: the writer and the schema prevent it */
		memcpy(hex[*n], h, STORE_SHA256_HEX_SIZE);
		ptrs[*n] = hex[*n];
		(*n)++;
	}
	sqlite3_reset(cs);
	if (rc != SQLITE_DONE)
		return store_i_sqlfail(st, rc, "read connection chain");
	return STORE_OK;
}

int store_each_connection(struct store *st, int64_t since_id,
                          int (*cb)(void *ctx, int64_t id, const struct store_conn *c),
                          void *ctx)
{
	static const char sql[] =
		"SELECT id, ts, client_ip, client_port, server_ip, server_port, sni,"
		" version, cipher, alpn_offered, alpn_selected, ja3, ja3s, ja4,"
		" server_cert_sha256, fallback_scsv, downgrade_sentinel, resumed,"
		" hello_retry_request, alerts, anomalies, source"
		" FROM connections WHERE id > ?1 ORDER BY id";
	char hex[STORE_CHAIN_MAX][STORE_SHA256_HEX_SIZE];
	const char *ptrs[STORE_CHAIN_MAX];
	sqlite3_stmt *s = NULL, *cs = NULL;
	struct store_conn c;
	int64_t id;
	int ret, rc;

	if (!st)
		return STORE_EINVAL;
	if (!cb)
		return store_i_fail(st, STORE_EINVAL, "store_each_connection: NULL callback");
	if ((ret = prepare(st, sql, &s)) != STORE_OK)
		return ret;
	if ((ret = prepare(st, "SELECT cert_sha256 FROM conn_certs WHERE conn_id = ?1"
	                       " ORDER BY depth", &cs)) != STORE_OK)
		goto out;
	rc = sqlite3_bind_int64(s, 1, since_id);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		if ((rc = sqlite3_step(s)) != SQLITE_ROW)
			break;
		memset(&c, 0, sizeof c);
		id = sqlite3_column_int64(s, 0);
		c.ts = col_text(s, 1);
		c.client_ip = col_text(s, 2);
		c.client_port = (uint16_t)sqlite3_column_int(s, 3);
		c.server_ip = col_text(s, 4);
		c.server_port = (uint16_t)sqlite3_column_int(s, 5);
		c.sni = col_text(s, 6);
		c.version = col_text(s, 7);
		c.cipher = col_text(s, 8);
		c.alpn_offered_json = col_text(s, 9);
		c.alpn_selected = col_text(s, 10);
		c.ja3 = col_text(s, 11);
		c.ja3s = col_text(s, 12);
		c.ja4 = col_text(s, 13);
		c.server_cert_sha256 = col_text(s, 14);
		c.fallback_scsv = sqlite3_column_int(s, 15) != 0;
		c.downgrade_sentinel = col_text(s, 16);
		c.resumed = sqlite3_column_int(s, 17) != 0;
		c.hello_retry_request = sqlite3_column_int(s, 18) != 0;
		c.alerts_json = col_text(s, 19);
		c.anomalies_json = col_text(s, 20);
		c.source = col_text(s, 21);
		if ((ret = load_chain(st, cs, id, hex, ptrs, &c.chain_len)) != STORE_OK)
			goto out;
		c.chain_sha256 = c.chain_len ? ptrs : NULL;
		if (cb(ctx, id, &c) != 0) {
			rc = SQLITE_DONE;
			break;
		}
		if (st->fatal) { /* the callback's own write failed fatally */
			ret = st->fatal;
			goto out;
		}
	}
	sqlite3_finalize(cs);
	return finish(st, s, rc, "read connections");
out:
	sqlite3_finalize(cs);
	sqlite3_finalize(s);
	return ret;
}

/* ---- certificates ---------------------------------------------------------- */

static int each_cert(struct store *st, sqlite3_stmt *s, bool want_one,
                     int (*cb)(void *ctx, const struct store_cert *c), void *ctx)
{
	struct store_cert c;
	bool seen = false;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		seen = true;
		c.sha256 = col_text(s, 0);
		c.der = sqlite3_column_blob(s, 1);
		c.der_len = (size_t)sqlite3_column_bytes(s, 1);
		c.first_seen = col_text(s, 2);
		c.facts_json = col_text(s, 3);
		if (cb(ctx, &c) != 0) {
			rc = SQLITE_DONE;
			break;
		}
		if (st->fatal)
			break;
	}
	if (rc == SQLITE_DONE && want_one && !seen) {
		sqlite3_finalize(s);
		return store_i_fail(st, STORE_ENOTFOUND, "no certificate with this SHA-256");
	}
	return finish(st, s, rc, "read certificates");
}

int store_get_cert(struct store *st, const char *sha256_hex,
                   int (*cb)(void *ctx, const struct store_cert *c), void *ctx)
{
	sqlite3_stmt *s;
	int ret, rc;

	if (!st)
		return STORE_EINVAL;
	if (!cb || !store_i_is_sha256_hex(sha256_hex))
		return store_i_fail(st, STORE_EINVAL,
		                    "store_get_cert: NULL callback or not a lowercase hex SHA-256");
	if ((ret = prepare(st, "SELECT sha256, der, first_seen, facts FROM certificates"
	                       " WHERE sha256 = ?1", &s)) != STORE_OK)
		return ret;
	rc = sqlite3_bind_text(s, 1, sha256_hex, -1, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return finish(st, s, rc, "bind certificate hash");
	return each_cert(st, s, true, cb, ctx);
}

int store_each_cert(struct store *st,
                    int (*cb)(void *ctx, const struct store_cert *c), void *ctx)
{
	sqlite3_stmt *s;
	int ret;

	if (!st)
		return STORE_EINVAL;
	if (!cb)
		return store_i_fail(st, STORE_EINVAL, "store_each_cert: NULL callback");
	if ((ret = prepare(st, "SELECT sha256, der, first_seen, facts FROM certificates"
	                       " ORDER BY first_seen, sha256", &s)) != STORE_OK)
		return ret;
	return each_cert(st, s, false, cb, ctx);
}

int store_i_cert_has_facts(struct store *st, const char *sha256_hex, bool *has)
{
	sqlite3_stmt *s = st->stmt[S_CERT_HAS_FACTS];
	int found = -1, rc;

	rc = sqlite3_bind_text(s, 1, sha256_hex, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		found = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_i_sqlfail(st, rc, "look up certificate facts");
	if (found < 0)
		return store_i_fail(st, STORE_ENOTFOUND, "no certificate with SHA-256 %.64s",
		                    sha256_hex);
	*has = found != 0;
	return STORE_OK;
}

int store_cert_has_facts(struct store *st, const char *sha256_hex, bool *has)
{
	if (!st)
		return STORE_EINVAL;
	if (!has || !store_i_is_sha256_hex(sha256_hex))
		return store_i_fail(st, STORE_EINVAL,
		                    "store_cert_has_facts: NULL result or not a lowercase hex SHA-256");
	if (st->fatal)
		return st->fatal;
	return store_i_cert_has_facts(st, sha256_hex, has);
}

/* ---- findings ----------------------------------------------------------------- */

int store_each_finding(struct store *st, const char *status,
                       int (*cb)(void *ctx, const struct store_finding_row *r),
                       void *ctx)
{
	struct store_finding_row r;
	sqlite3_stmt *s;
	int ret, rc;

	if (!st)
		return STORE_EINVAL;
	if (!cb)
		return store_i_fail(st, STORE_EINVAL, "store_each_finding: NULL callback");
	if ((ret = prepare(st, "SELECT id, rule, resource, status, severity, reason, evidence,"
	                       " first_seen, last_seen, count FROM findings"
	                       " WHERE ?1 IS NULL OR status = ?1 ORDER BY id", &s)) != STORE_OK)
		return ret;
	rc = sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		if ((rc = sqlite3_step(s)) != SQLITE_ROW)
			break;
		memset(&r, 0, sizeof r);
		r.id = sqlite3_column_int64(s, 0);
		r.f.rule = col_text(s, 1);
		r.f.resource = col_text(s, 2);
		r.f.status = col_text(s, 3);
		r.f.severity = col_text(s, 4);
		r.f.reason = col_text(s, 5);
		r.f.evidence_json = col_text(s, 6);
		r.first_seen = col_text(s, 7);
		r.last_seen = col_text(s, 8);
		r.f.ts = r.last_seen;
		r.count = sqlite3_column_int64(s, 9);
		if (cb(ctx, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
		if (st->fatal)
			break;
	}
	return finish(st, s, rc, "read findings");
}

/* ---- store_query ------------------------------------------------------------ */

/* Inspection PRAGMAs store_query() accepts; `arg` says whether they may take
 * an argument (a table or index name, a row limit). The others may only be
 * read (an argument would set them). */
static const struct {
	const char *name;
	bool arg;
} pragma_allow[] = {
	{ "integrity_check", true },
	{ "quick_check", true },
	{ "foreign_key_check", true },
	{ "foreign_key_list", true },
	{ "table_info", true },
	{ "table_xinfo", true },
	{ "table_list", true },
	{ "index_list", true },
	{ "index_info", true },
	{ "index_xinfo", true },
	{ "user_version", false },
	{ "application_id", false },
	{ "page_count", false },
	{ "freelist_count", false },
	{ "foreign_keys", false },
};

/* The strict decision for store_query() SQL. */
static int query_allows(int action, const char *a1, const char *a2)
{
	size_t i;

	/* A table-valued function (json_each) declares its schema while the statement is
	 * compiled, which SQLite reports as an update of sqlite_master's "type" column; the
	 * table cannot be written by any statement anyway (SQLite refuses it). */
	if (action == SQLITE_UPDATE && a1 && sqlite3_stricmp(a1, "sqlite_master") == 0)
		return 1;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return 1;
	case SQLITE_FUNCTION: /* a2: function name (disabled by default anyway) */
		return !(a2 && sqlite3_stricmp(a2, "load_extension") == 0);
	case SQLITE_PRAGMA:
		for (i = 0; i < sizeof pragma_allow / sizeof pragma_allow[0]; i++) {
			if (a1 && sqlite3_stricmp(a1, pragma_allow[i].name) == 0)
				return a2 == NULL || pragma_allow[i].arg;
		}
		return 0;
	default:
		return 0;
	}
}

/* store_temp_exec(): reading anything, and creating and filling the connection's own
 * temporary tables, views and indexes. */
static int temp_allows(int action, const char *a1, const char *a2, const char *dbname)
{
	switch (action) {
	case SQLITE_CREATE_TEMP_TABLE:
	case SQLITE_CREATE_TEMP_VIEW:
	case SQLITE_CREATE_TEMP_INDEX:
	case SQLITE_DROP_TEMP_TABLE:
	case SQLITE_DROP_TEMP_VIEW:
	case SQLITE_DROP_TEMP_INDEX:
		return 1;
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		return (dbname && sqlite3_stricmp(dbname, "temp") == 0) ||
		       query_allows(action, a1, a2); /* see query_allows: sqlite_master */
	default:
		/* creating a temp object also writes temp's sqlite_temp_master */
		if (dbname && sqlite3_stricmp(dbname, "temp") == 0 &&
		    (action == SQLITE_INSERT || action == SQLITE_UPDATE))
			return 1;
		return query_allows(action, a1, a2);
	}
}

int store_i_authorizer(void *ctx, int action, const char *a1, const char *a2,
                       const char *dbname, const char *trigger)
{
	struct store *st = ctx;

	(void)trigger;
	if (st->in_temp) {
		if (temp_allows(action, a1, a2, dbname))
			return SQLITE_OK;
		st->denied = true;
		return SQLITE_DENY;
	}
	if (!st->in_query || query_allows(action, a1, a2))
		return SQLITE_OK;
	st->denied = true;
	return SQLITE_DENY;
}

/* Compile the caller's SQL with the strict authorizer; *tail gets the rest. */
static int query_prepare(struct store *st, const char *sql, sqlite3_stmt **s,
                         const char **tail)
{
	int rc;

	st->in_query = true;
	st->denied = false;
	rc = sqlite3_prepare_v2(st->db, sql, -1, s, tail);
	st->in_query = false;
	return rc;
}

int store_query(struct store *st, const char *sql,
                int (*cb)(void *ctx, int ncol, const char *const *names,
                          const char *const *values),
                void *ctx)
{
	sqlite3_stmt *s = NULL, *extra = NULL;
	const char **names = NULL, **values = NULL;
	const char *tail = NULL;
	int ret, rc, ncol, i;

	if (!st)
		return STORE_EINVAL;
	if (!sql)
		return store_i_fail(st, STORE_EINVAL, "store_query: NULL sql");
	if (st->fatal)
		return st->fatal;

	rc = query_prepare(st, sql, &s, &tail);
	if (rc != SQLITE_OK) {
		if (st->denied) /* SQLITE_AUTH, or SQLITE_ERROR for a function */
			return store_i_fail(st, STORE_EREADONLY,
			                    "store_query: refused, not a read-only statement (%s)",
			                    sqlite3_errmsg(st->db));
		return store_i_sqlfail(st, rc, "store_query");
	}
	if (!s)
		return store_i_fail(st, STORE_EINVAL, "store_query: no statement in the SQL text");
	/* Only whitespace, comments and semicolons may follow. */
	while (tail && *tail) {
		rc = query_prepare(st, tail, &extra, &tail);
		sqlite3_finalize(extra);
		if (rc != SQLITE_OK || extra) {
			ret = store_i_fail(st, STORE_EINVAL,
			                   "store_query: more than one statement in the SQL text");
			goto out;
		}
	}
	if (!sqlite3_stmt_readonly(s)) {
		ret = store_i_fail(st, STORE_EREADONLY,
		                   "store_query: refused, not a read-only statement");
		goto out;
	}

	ncol = sqlite3_column_count(s);
	if (ncol > 0) {
		names = calloc((size_t)ncol, sizeof *names);
		values = calloc((size_t)ncol, sizeof *values);
		if (!names || !values) {
			store_i_fail(st, STORE_EIO, "store_query: out of memory");
			ret = store_i_fatal(st, STORE_EIO);
			goto out_free;
		}
	}
	for (i = 0; i < ncol; i++)
		names[i] = sqlite3_column_name(s, i);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!cb)
			continue;
		for (i = 0; i < ncol; i++)
			values[i] = col_text(s, i);
		if (cb(ctx, ncol, names, values) != 0) {
			rc = SQLITE_DONE;
			break;
		}
		if (st->fatal)
			break; /* the callback's own write failed fatally */
	}
	free(names);
	free(values);
	if (st->fatal) {
		sqlite3_finalize(s);
		return st->fatal;
	}
	return finish(st, s, rc, "store_query");

out_free:
	free(names);
	free(values);
	sqlite3_finalize(s);
	return ret;
out:
	sqlite3_finalize(s);
	return ret;
}

int store_query_columns(struct store *st, const char *sql, char *names, size_t cap, int *ncol)
{
	sqlite3_stmt *s = NULL;
	const char *tail = NULL;
	int rc, i;
	size_t off = 0;

	if (!st || !sql || !names || cap == 0 || !ncol)
		return st ? store_i_fail(st, STORE_EINVAL, "store_query_columns: bad arguments")
		          : STORE_EINVAL;
	if (st->fatal)
		return st->fatal;
	names[0] = '\0';
	rc = query_prepare(st, sql, &s, &tail);
	if (rc != SQLITE_OK) {
		if (st->denied)
			return store_i_fail(st, STORE_EREADONLY,
			                    "refused, not a read-only statement (%s)",
			                    sqlite3_errmsg(st->db));
		return store_i_fail(st, STORE_EINVAL, "%s", sqlite3_errmsg(st->db));
	}
	if (!s)
		return store_i_fail(st, STORE_EINVAL, "no statement in the SQL text");
	if (!sqlite3_stmt_readonly(s)) {
		sqlite3_finalize(s);
		return store_i_fail(st, STORE_EREADONLY, "refused, not a read-only statement");
	}
	*ncol = sqlite3_column_count(s);
	for (i = 0; i < *ncol; i++) {
		const char *n = sqlite3_column_name(s, i);
		int w = snprintf(names + off, cap - off, "%s%s", i ? "," : "", n ? n : "");
		if (w < 0 || (size_t)w >= cap - off) {
			names[off] = '\0';
			break;
		}
		off += (size_t)w;
	}
	sqlite3_finalize(s);
	return STORE_OK;
}

int store_temp_exec(struct store *st, const char *sql, const char *bind_text)
{
	sqlite3_stmt *s = NULL;
	const char *tail = NULL;
	int rc;

	if (!st)
		return STORE_EINVAL;
	if (!sql)
		return store_i_fail(st, STORE_EINVAL, "store_temp_exec: NULL sql");
	if (st->fatal)
		return st->fatal;
	st->in_temp = true;
	st->denied = false;
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, &tail);
	st->in_temp = false;
	if (rc != SQLITE_OK) {
		if (st->denied)
			return store_i_fail(st, STORE_EREADONLY,
			                    "store_temp_exec: refused, writes outside temp (%s)",
			                    sqlite3_errmsg(st->db));
		return store_i_sqlfail(st, rc, "store_temp_exec");
	}
	if (!s)
		return store_i_fail(st, STORE_EINVAL, "store_temp_exec: no statement");
	while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
		tail++;
	if (tail && *tail) {
		sqlite3_finalize(s);
		return store_i_fail(st, STORE_EINVAL, "store_temp_exec: one statement only");
	}
	if (bind_text && sqlite3_bind_text(s, 1, bind_text, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
		sqlite3_finalize(s);
		return store_i_sqlfail(st, SQLITE_ERROR, "store_temp_exec: bind");
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	return finish(st, s, rc, "store_temp_exec");
}
