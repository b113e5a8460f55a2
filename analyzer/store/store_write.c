/*
 * store_write.c - the writer used by both producers (scanner and sensor).
 *
 * Every public writer follows the same shape:
 *
 *     check arguments (STORE_EINVAL, nothing touched)
 *     store_i_wbegin()          open the batch if needed, SAVEPOINT w
 *     bind + step cached statements
 *     store_i_wend(st, ret)     RELEASE w and maybe COMMIT the batch,
 *                               or ROLLBACK TO w on failure
 *
 * so each call is atomic and counts as one write of the batch.
 */
#include <stdlib.h>
#include <string.h>

#include "capture/wire/digest.h"

#include "store_int.h"

static const char *const writer_sql[S_COUNT_] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_SAVEPOINT] = "SAVEPOINT w",
	[S_RELEASE] = "RELEASE w",
	/* Same expressions as the endpoints_key index, so the lookup uses it. */
	[S_ENDPOINT_GET] =
		"SELECT id FROM endpoints WHERE ifnull(host, '') = ifnull(?1, '')"
		" AND ifnull(ip, '') = ifnull(?2, '') AND port = ?3"
		" AND ifnull(sni, '') = ifnull(?4, '')",
	[S_ENDPOINT_INS] =
		"INSERT INTO endpoints (host, ip, port, sni, first_seen)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_SCAN_BEGIN] =
		"INSERT INTO scans (endpoint_id, started, tool_version) VALUES (?1, ?2, ?3)",
	[S_SCAN_END] =
		"UPDATE scans SET finished = ?2, error = ?3, result = ?4 WHERE id = ?1",
	[S_PROBE_INS] =
		"INSERT INTO probe_evidence (scan_id, probe, request, response, outcome, ts)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_CERT_INS] =
		"INSERT INTO certificates (sha256, der, first_seen) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (sha256) DO NOTHING",
	/* facts are set once: a certificate that has them keeps them */
	[S_CERT_FACTS_SET] =
		"UPDATE certificates SET facts = ?2 WHERE sha256 = ?1 AND facts IS NULL",
	[S_CERT_HAS_FACTS] =
		"SELECT facts IS NOT NULL FROM certificates WHERE sha256 = ?1",
	/* the test of the facts column's CHECK, so a bad argument is refused before
	 * anything is touched (and also when the CHECK would not run: facts set) */
	[S_JSON_IS_OBJECT] =
		"SELECT CASE WHEN json_valid(?1) THEN json_type(?1) = 'object' ELSE 0 END",
	[S_SCAN_CERT_INS] =
		"INSERT INTO scan_certs (scan_id, chain, depth, cert_sha256)"
		" VALUES (?1, ?2, ?3, ?4)",
	[S_OCSP_INS] =
		"INSERT INTO ocsp_responses (sha256, der, first_seen) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (sha256) DO NOTHING",
	[S_SCAN_OCSP_INS] =
		"INSERT INTO scan_ocsp (scan_id, chain, ocsp_sha256) VALUES (?1, ?2, ?3)",
	[S_CONN_INS] =
		"INSERT INTO connections (ts, client_ip, client_port, server_ip, server_port,"
		" sni, version, cipher, alpn_offered, alpn_selected, ja3, ja3s, ja4,"
		" server_cert_sha256, fallback_scsv, downgrade_sentinel, resumed,"
		" hello_retry_request, alerts, anomalies, source)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
		" ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
	[S_CONN_CERT_INS] =
		"INSERT INTO conn_certs (conn_id, depth, cert_sha256) VALUES (?1, ?2, ?3)",
	[S_ANOMALY_INS] =
		"INSERT INTO anomalies (ref_kind, ref_id, name, detail, ts)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_FINDING_UPSERT] =
		"INSERT INTO findings (rule, resource, status, severity, reason, evidence,"
		" first_seen, last_seen, count, score, score_terms)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1, ?8, ?9)"
		" ON CONFLICT (rule, resource) DO UPDATE SET status = excluded.status,"
		" severity = excluded.severity, reason = excluded.reason,"
		" evidence = excluded.evidence, last_seen = excluded.last_seen,"
		" count = count + 1, score = excluded.score, score_terms = excluded.score_terms",
	[S_RULE_PUT] =
		"INSERT INTO rules (id, title, severity, requirements, remediation, description,"
		" file, sha256, loaded) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		" ON CONFLICT (id) DO UPDATE SET title = excluded.title,"
		" severity = excluded.severity, requirements = excluded.requirements,"
		" remediation = excluded.remediation, description = excluded.description,"
		" file = excluded.file, sha256 = excluded.sha256, loaded = excluded.loaded",
	[S_RUN_BEGIN] =
		"INSERT INTO analysis_runs (started, tool) VALUES (?1, ?2)",
	[S_RUN_END] =
		"UPDATE analysis_runs SET finished = ?2, rules_hash = ?3, n_rules = ?4,"
		" n_refused = ?5, n_findings = ?6 WHERE id = ?1",
	[S_INVENTORY_INS] =
		"INSERT INTO inventory (name, cert_sha256, spki_sha256, issuer, not_before,"
		" not_after, source, imported) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		" ON CONFLICT DO NOTHING",
	[S_TRIAGE_INS] =
		"INSERT INTO triage (rule, resource, verdict, reason, author, created, expires)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_SCORE_PUT] =
		"INSERT INTO scores (ref_kind, ref_id, resource, score, mature, terms, ts)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (ref_kind, ref_id) DO UPDATE"
		" SET resource = excluded.resource, score = excluded.score,"
		" mature = excluded.mature, terms = excluded.terms, ts = excluded.ts",
	[S_MODEL_STATE_PUT] =
		"INSERT INTO model_state (name, state, updated) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (name) DO UPDATE SET state = excluded.state,"
		" updated = excluded.updated",
	[S_MODEL_STATE_GET] =
		"SELECT state FROM model_state WHERE name = ?1",
	[S_GEO_PUT] =
		"INSERT INTO geo (ip, country, city, asn, as_org, source, ts)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (ip) DO UPDATE SET"
		" country = excluded.country, city = excluded.city, asn = excluded.asn,"
		" as_org = excluded.as_org, source = excluded.source, ts = excluded.ts",
	[S_META_SET] =
		"INSERT INTO meta (key, value) VALUES (?1, ?2)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	/* Retention (store_prune_connections). ts < ?1 walks the connections_ts index; the
	 * anomalies go first, while their connections still say which they are. */
	[S_PRUNE_ANOMALIES] =
		"DELETE FROM anomalies WHERE ref_kind = 'connection'"
		" AND ref_id IN (SELECT id FROM connections WHERE ts < ?1)",
	[S_PRUNE_CONNECTIONS] =
		"DELETE FROM connections WHERE ts < ?1", /* conn_certs: ON DELETE CASCADE */
	/* Each NOT EXISTS is an index lookup (conn_certs_cert, scan_certs_cert,
	 * connections_leaf). */
	[S_PRUNE_CERTS] =
		"DELETE FROM certificates WHERE first_seen < ?1"
		" AND NOT EXISTS (SELECT 1 FROM conn_certs WHERE cert_sha256 = certificates.sha256)"
		" AND NOT EXISTS (SELECT 1 FROM scan_certs WHERE cert_sha256 = certificates.sha256)"
		" AND NOT EXISTS (SELECT 1 FROM connections"
		"  WHERE server_cert_sha256 = certificates.sha256)",
};

int store_i_prepare_writer(struct store *st)
{
	size_t i;
	int rc;

	for (i = 0; i < S_COUNT_; i++) {
		rc = sqlite3_prepare_v3(st->db, writer_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                        &st->stmt[i], NULL);
		if (rc != SQLITE_OK)
			return store_i_sqlfail(st, rc, writer_sql[i]);
	}
	return STORE_OK;
}

/*
 * Binding helpers: the first failure sticks in *rc and later binds are
 * skipped, so a sequence of binds needs one check. Strings and blobs are
 * SQLITE_STATIC: the statement is stepped before the caller's data goes away.
 * A NULL string or blob binds SQL NULL.
 */
static void b_text(sqlite3_stmt *s, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static void b_int(sqlite3_stmt *s, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

static void b_blob(sqlite3_stmt *s, int i, const unsigned char *v, size_t len, int *rc)
{
	static const unsigned char empty[1];

	if (*rc != SQLITE_OK)
		return;
	if (!v)
		*rc = sqlite3_bind_null(s, i);
	else /* non-NULL pointer, so a zero length gives an empty blob, not NULL */
		*rc = sqlite3_bind_blob64(s, i, len ? v : empty, (sqlite3_uint64)len,
		                          SQLITE_STATIC);
}

/* Step a bound statement; on a bind failure report it instead. */
static int run_bound(struct store *st, sqlite3_stmt *s, int bind_rc, const char *what)
{
	if (bind_rc != SQLITE_OK) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return store_i_sqlfail(st, bind_rc, what);
	}
	return store_i_run(st, s, what);
}

/* ---- endpoints, scans, probes ------------------------------------------ */

int store_endpoint_id(struct store *st, const char *host, const char *ip,
                      uint16_t port, const char *sni, int64_t *id)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int64_t found = 0;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!host && !ip)
		return store_i_fail(st, STORE_EINVAL, "store_endpoint_id: host and ip are both NULL");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;

	s = st->stmt[S_ENDPOINT_GET];
	b_text(s, 1, host, &rc);
	b_text(s, 2, ip, &rc);
	b_int(s, 3, port, &rc);
	b_text(s, 4, sni, &rc);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			found = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = store_i_sqlfail(st, rc, "look up endpoint");
		goto out;
	}
	if (!found) {
		s = st->stmt[S_ENDPOINT_INS];
		rc = SQLITE_OK;
		b_text(s, 1, host, &rc);
		b_text(s, 2, ip, &rc);
		b_int(s, 3, port, &rc);
		b_text(s, 4, sni, &rc);
		b_text(s, 5, store_i_now(now), &rc);
		ret = run_bound(st, s, rc, "insert endpoint");
		if (ret != STORE_OK)
			goto out;
		found = sqlite3_last_insert_rowid(st->db);
	}
	if (id)
		*id = found;
out:
	return store_i_wend(st, ret);
}

int store_scan_begin(struct store *st, int64_t endpoint_id, const char *started,
                     const char *tool_version, int64_t *scan_id)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!scan_id)
		return store_i_fail(st, STORE_EINVAL, "store_scan_begin: scan_id is NULL");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_SCAN_BEGIN];
	b_int(s, 1, endpoint_id, &rc);
	b_text(s, 2, started ? started : store_i_now(now), &rc);
	b_text(s, 3, tool_version, &rc);
	ret = run_bound(st, s, rc, "insert scan");
	if (ret == STORE_OK)
		*scan_id = sqlite3_last_insert_rowid(st->db);
	return store_i_wend(st, ret);
}

int store_scan_end(struct store *st, int64_t scan_id, const char *finished,
                   const char *error, const char *result_json)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_SCAN_END];
	b_int(s, 1, scan_id, &rc);
	b_text(s, 2, finished ? finished : store_i_now(now), &rc);
	b_text(s, 3, error, &rc);
	b_text(s, 4, result_json, &rc);
	ret = run_bound(st, s, rc, "finish scan");
	if (ret == STORE_OK && sqlite3_changes(st->db) == 0)
		ret = store_i_fail(st, STORE_ENOTFOUND, "store_scan_end: no scan with id %lld",
		                   (long long)scan_id);
	return store_i_wend(st, ret);
}

int store_add_probe_evidence(struct store *st, const struct store_probe *p, int64_t *id)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!p || !p->probe)
		return store_i_fail(st, STORE_EINVAL, "store_add_probe_evidence: probe name is NULL");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_PROBE_INS];
	b_int(s, 1, p->scan_id, &rc);
	b_text(s, 2, p->probe, &rc);
	b_blob(s, 3, p->request, p->request_len, &rc);
	b_blob(s, 4, p->response, p->response_len, &rc);
	b_text(s, 5, p->outcome, &rc);
	b_text(s, 6, p->ts ? p->ts : store_i_now(now), &rc);
	ret = run_bound(st, s, rc, "insert probe evidence");
	if (ret == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(st->db);
	return store_i_wend(st, ret);
}

/* ---- certificates --------------------------------------------------------- */

/* Insert-or-ignore DER keyed by its SHA-256 with cached statement `which`
 * (S_CERT_INS, S_OCSP_INS); `fn` names the public call in messages. */
static int put_der(struct store *st, enum store_stmt which, const char *fn,
                   const unsigned char *der, size_t len,
                   char sha256_hex[STORE_SHA256_HEX_SIZE])
{
	uint8_t md[DIGEST_SHA256_LEN];
	char hex[STORE_SHA256_HEX_SIZE];
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!der || len == 0)
		return store_i_fail(st, STORE_EINVAL, "%s: empty DER", fn);
	if (st->fatal)
		return st->fatal;
	/* The project's one digest interface (capture/wire/digest.h, OpenSSL underneath). */
	digest_sha256(der, len, md);
	digest_hex(md, sizeof(md), hex);

	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[which];
	b_text(s, 1, hex, &rc);
	b_blob(s, 2, der, len, &rc);
	b_text(s, 3, store_i_now(now), &rc);
	ret = run_bound(st, s, rc,
	                which == S_CERT_INS ? "insert certificate" : "insert OCSP response");
	if (ret == STORE_OK && sha256_hex)
		memcpy(sha256_hex, hex, sizeof hex);
	return store_i_wend(st, ret);
}

int store_put_cert(struct store *st, const unsigned char *der, size_t len,
                   char sha256_hex[STORE_SHA256_HEX_SIZE])
{
	if (!st)
		return STORE_EINVAL;
	return put_der(st, S_CERT_INS, "store_put_cert", der, len, sha256_hex);
}

/* Whether facts_json is a JSON object, as the facts column's CHECK decides:
 * STORE_OK, STORE_EINVAL (not one) or the SQLite failure. */
static int check_json_object(struct store *st, const char *facts_json)
{
	sqlite3_stmt *s = st->stmt[S_JSON_IS_OBJECT];
	int is_obj = 0, rc = SQLITE_OK;

	b_text(s, 1, facts_json, &rc);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		is_obj = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW)
		return store_i_sqlfail(st, rc, "check certificate facts JSON");
	if (!is_obj)
		return store_i_fail(st, STORE_EINVAL,
		                    "store_put_cert_facts: facts are not a valid JSON object");
	return STORE_OK;
}

int store_put_cert_facts(struct store *st, const char *sha256_hex, const char *facts_json)
{
	sqlite3_stmt *s;
	bool has;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!store_i_is_sha256_hex(sha256_hex))
		return store_i_fail(st, STORE_EINVAL,
		                    "store_put_cert_facts: not a lowercase hex SHA-256");
	if (!facts_json)
		return store_i_fail(st, STORE_EINVAL, "store_put_cert_facts: facts are NULL");
	if (st->fatal)
		return st->fatal;
	if ((ret = check_json_object(st, facts_json)) != STORE_OK)
		return ret;
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_CERT_FACTS_SET];
	b_text(s, 1, sha256_hex, &rc);
	b_text(s, 2, facts_json, &rc);
	ret = run_bound(st, s, rc, "set certificate facts");
	/* nothing changed: facts were set already, or there is no such certificate */
	if (ret == STORE_OK && sqlite3_changes(st->db) == 0)
		ret = store_i_cert_has_facts(st, sha256_hex, &has);
	return store_i_wend(st, ret);
}

/* Insert one chain link into scan_certs (chain, depth) or conn_certs (depth)
 * with its cached statement. */
static int link_cert(struct store *st, enum store_stmt which, int64_t owner,
                     unsigned chain, unsigned depth, const char *sha256_hex)
{
	sqlite3_stmt *s = st->stmt[which];
	int i = 1, rc = SQLITE_OK;

	b_int(s, i++, owner, &rc);
	if (which == S_SCAN_CERT_INS)
		b_int(s, i++, chain, &rc);
	b_int(s, i++, depth, &rc);
	b_text(s, i, sha256_hex, &rc);
	return run_bound(st, s, rc,
	                 which == S_SCAN_CERT_INS ? "link scan certificate"
	                                          : "link connection certificate");
}

int store_link_scan_cert(struct store *st, int64_t scan_id, unsigned chain, unsigned depth,
                         const char *sha256_hex)
{
	int ret;

	if (!st)
		return STORE_EINVAL;
	if (!store_i_is_sha256_hex(sha256_hex))
		return store_i_fail(st, STORE_EINVAL,
		                    "store_link_scan_cert: not a lowercase hex SHA-256");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	ret = link_cert(st, S_SCAN_CERT_INS, scan_id, chain, depth, sha256_hex);
	return store_i_wend(st, ret);
}

/* ---- stapled OCSP responses ------------------------------------------------ */

int store_put_ocsp(struct store *st, const unsigned char *der, size_t len,
                   char sha256_hex[STORE_SHA256_HEX_SIZE])
{
	if (!st)
		return STORE_EINVAL;
	return put_der(st, S_OCSP_INS, "store_put_ocsp", der, len, sha256_hex);
}

int store_link_scan_ocsp(struct store *st, int64_t scan_id, unsigned chain,
                         const char *sha256_hex)
{
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!store_i_is_sha256_hex(sha256_hex))
		return store_i_fail(st, STORE_EINVAL,
		                    "store_link_scan_ocsp: not a lowercase hex SHA-256");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_SCAN_OCSP_INS];
	b_int(s, 1, scan_id, &rc);
	b_int(s, 2, chain, &rc);
	b_text(s, 3, sha256_hex, &rc);
	ret = run_bound(st, s, rc, "link scan OCSP response");
	return store_i_wend(st, ret);
}

/* ---- connections ---------------------------------------------------------- */

static int check_conn(struct store *st, const struct store_conn *c)
{
	size_t i;

	if (!c)
		return store_i_fail(st, STORE_EINVAL, "store_add_connection: NULL connection");
	if (!c->client_ip || !c->server_ip)
		return store_i_fail(st, STORE_EINVAL,
		                    "store_add_connection: client_ip and server_ip are required");
	if (c->chain_len > STORE_CHAIN_MAX)
		return store_i_fail(st, STORE_EINVAL,
		                    "store_add_connection: chain of %zu certificates, "
		                    "more than STORE_CHAIN_MAX (%d)", c->chain_len, STORE_CHAIN_MAX);
	if (c->chain_len && !c->chain_sha256)
		return store_i_fail(st, STORE_EINVAL, "store_add_connection: chain_sha256 is NULL");
	for (i = 0; i < c->chain_len; i++) {
		if (!store_i_is_sha256_hex(c->chain_sha256[i]))
			return store_i_fail(st, STORE_EINVAL,
			                    "store_add_connection: chain[%zu] is not a "
			                    "lowercase hex SHA-256", i);
	}
	if (c->server_cert_sha256 && !store_i_is_sha256_hex(c->server_cert_sha256))
		return store_i_fail(st, STORE_EINVAL,
		                    "store_add_connection: server_cert_sha256 is not a "
		                    "lowercase hex SHA-256");
	return STORE_OK;
}

int store_add_connection(struct store *st, const struct store_conn *c, int64_t *id)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int64_t conn_id;
	size_t i;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if ((ret = check_conn(st, c)) != STORE_OK)
		return ret;
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_CONN_INS];
	b_text(s, 1, c->ts ? c->ts : store_i_now(now), &rc);
	b_text(s, 2, c->client_ip, &rc);
	b_int(s, 3, c->client_port, &rc);
	b_text(s, 4, c->server_ip, &rc);
	b_int(s, 5, c->server_port, &rc);
	b_text(s, 6, c->sni, &rc);
	b_text(s, 7, c->version, &rc);
	b_text(s, 8, c->cipher, &rc);
	b_text(s, 9, c->alpn_offered_json, &rc);
	b_text(s, 10, c->alpn_selected, &rc);
	b_text(s, 11, c->ja3, &rc);
	b_text(s, 12, c->ja3s, &rc);
	b_text(s, 13, c->ja4, &rc);
	b_text(s, 14, c->server_cert_sha256, &rc);
	b_int(s, 15, c->fallback_scsv, &rc);
	b_text(s, 16, c->downgrade_sentinel, &rc);
	b_int(s, 17, c->resumed, &rc);
	b_int(s, 18, c->hello_retry_request, &rc);
	b_text(s, 19, c->alerts_json, &rc);
	b_text(s, 20, c->anomalies_json, &rc);
	b_text(s, 21, c->source, &rc);
	ret = run_bound(st, s, rc, "insert connection");
	if (ret != STORE_OK)
		goto out;
	conn_id = sqlite3_last_insert_rowid(st->db);
	for (i = 0; i < c->chain_len; i++) {
		ret = link_cert(st, S_CONN_CERT_INS, conn_id, 0, (unsigned)i, c->chain_sha256[i]);
		if (ret != STORE_OK)
			goto out;
	}
	if (id)
		*id = conn_id;
out:
	return store_i_wend(st, ret);
}

/* ---- anomalies, findings, meta ------------------------------------------ */

int store_add_anomaly(struct store *st, const struct store_anomaly *a, int64_t *id)
{
	static const char *const kinds[] = {
		[STORE_REF_CONNECTION] = "connection",
		[STORE_REF_SCAN] = "scan",
		[STORE_REF_PROBE] = "probe",
	};
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!a || !a->name)
		return store_i_fail(st, STORE_EINVAL, "store_add_anomaly: name is NULL");
	if ((unsigned)a->ref_kind >= sizeof kinds / sizeof kinds[0])
		return store_i_fail(st, STORE_EINVAL, "store_add_anomaly: bad ref_kind %d",
		                    (int)a->ref_kind);
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_ANOMALY_INS];
	b_text(s, 1, kinds[a->ref_kind], &rc);
	b_int(s, 2, a->ref_id, &rc);
	b_text(s, 3, a->name, &rc);
	b_text(s, 4, a->detail, &rc);
	b_text(s, 5, a->ts ? a->ts : store_i_now(now), &rc);
	ret = run_bound(st, s, rc, "insert anomaly");
	if (ret == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(st->db);
	return store_i_wend(st, ret);
}

int store_upsert_finding(struct store *st, const struct store_finding *f)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!f || !f->rule || !f->resource || !f->status)
		return store_i_fail(st, STORE_EINVAL,
		                    "store_upsert_finding: rule, resource and status are required");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_FINDING_UPSERT];
	b_text(s, 1, f->rule, &rc);
	b_text(s, 2, f->resource, &rc);
	b_text(s, 3, f->status, &rc);
	b_text(s, 4, f->severity, &rc);
	b_text(s, 5, f->reason, &rc);
	b_text(s, 6, f->evidence_json, &rc);
	b_text(s, 7, f->ts ? f->ts : store_i_now(now), &rc);
	if (rc == SQLITE_OK)
		rc = f->has_score ? sqlite3_bind_double(s, 8, f->score) : sqlite3_bind_null(s, 8);
	b_text(s, 9, f->score_terms_json, &rc);
	ret = run_bound(st, s, rc, "upsert finding");
	return store_i_wend(st, ret);
}

int store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!key)
		return store_i_fail(st, STORE_EINVAL, "store_meta_set: key is NULL");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_META_SET];
	b_text(s, 1, key, &rc);
	b_text(s, 2, value, &rc);
	ret = run_bound(st, s, rc, "set meta");
	return store_i_wend(st, ret);
}

/* ---- retention -------------------------------------------------------------- */

/* "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z": the stored format, so that text order is time order. */
static bool is_rfc3339_utc(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	size_t i, f = 0;

	for (i = 0; pat[i]; i++) {
		if (pat[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pat[i])
			return false;
	}
	if (s[i] == '.') {
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			f++;
		if (f == 0 || f > 9)
			return false;
	}
	return s[i] == 'Z' && s[i + 1] == '\0';
}

/* Run one prune statement bound to `before`; add the rows it deleted to *n. */
static int prune_step(struct store *st, enum store_stmt which, const char *before,
                      const char *what, int64_t *n)
{
	sqlite3_stmt *s = st->stmt[which];
	int ret, rc = SQLITE_OK;

	b_text(s, 1, before, &rc);
	ret = run_bound(st, s, rc, what);
	if (ret == STORE_OK)
		*n += sqlite3_changes64(st->db);
	return ret;
}

int store_prune_connections(struct store *st, const char *before, struct store_pruned *out)
{
	struct store_pruned n = { 0, 0, 0 };
	int ret;

	if (!st)
		return STORE_EINVAL;
	if (!before || !is_rfc3339_utc(before))
		return store_i_fail(st, STORE_EINVAL,
		                    "store_prune_connections: cutoff '%.40s' is not an RFC 3339 "
		                    "UTC time (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)",
		                    before ? before : "(null)");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	ret = prune_step(st, S_PRUNE_ANOMALIES, before, "prune anomalies", &n.anomalies);
	if (ret == STORE_OK)
		ret = prune_step(st, S_PRUNE_CONNECTIONS, before, "prune connections",
		                 &n.connections);
	if (ret == STORE_OK)
		ret = prune_step(st, S_PRUNE_CERTS, before, "prune certificates", &n.certificates);
	ret = store_i_wend(st, ret);
	if (ret == STORE_OK && out)
		*out = n;
	return ret;
}

/* ---- the analyzer's tables (schema version 3) -------------------------------- */

int store_put_rule(struct store *st, const struct store_rule *r)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!r || !r->id || !r->title || !r->severity || !r->requirements_json)
		return store_i_fail(st, STORE_EINVAL,
		                    "store_put_rule: id, title, severity, requirements are required");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_RULE_PUT];
	b_text(s, 1, r->id, &rc);
	b_text(s, 2, r->title, &rc);
	b_text(s, 3, r->severity, &rc);
	b_text(s, 4, r->requirements_json, &rc);
	b_text(s, 5, r->remediation, &rc);
	b_text(s, 6, r->description, &rc);
	b_text(s, 7, r->file, &rc);
	b_text(s, 8, r->sha256, &rc);
	b_text(s, 9, store_i_now(now), &rc);
	ret = run_bound(st, s, rc, "put rule");
	return store_i_wend(st, ret);
}

int store_run_begin(struct store *st, const char *tool, int64_t *run_id)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!run_id)
		return store_i_fail(st, STORE_EINVAL, "store_run_begin: run_id is NULL");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_RUN_BEGIN];
	b_text(s, 1, store_i_now(now), &rc);
	b_text(s, 2, tool, &rc);
	ret = run_bound(st, s, rc, "begin analysis run");
	if (ret == STORE_OK)
		*run_id = sqlite3_last_insert_rowid(st->db);
	return store_i_wend(st, ret);
}

int store_run_end(struct store *st, int64_t run_id, const char *rules_hash, int64_t n_rules,
                  int64_t n_refused, int64_t n_findings)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_RUN_END];
	b_int(s, 1, run_id, &rc);
	b_text(s, 2, store_i_now(now), &rc);
	b_text(s, 3, rules_hash, &rc);
	b_int(s, 4, n_rules, &rc);
	b_int(s, 5, n_refused, &rc);
	b_int(s, 6, n_findings, &rc);
	ret = run_bound(st, s, rc, "end analysis run");
	return store_i_wend(st, ret);
}

int store_add_inventory(struct store *st, const struct store_inventory *e, bool *added)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!e || !e->name || !e->source ||
	    (!e->cert_sha256 && !e->spki_sha256 && !e->issuer))
		return store_i_fail(st, STORE_EINVAL, "store_add_inventory: name, source and one of"
		                    " cert_sha256, spki_sha256, issuer are required");
	if (e->cert_sha256 && !store_i_is_sha256_hex(e->cert_sha256))
		return store_i_fail(st, STORE_EINVAL,
		                    "store_add_inventory: cert_sha256 is not lowercase hex SHA-256");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_INVENTORY_INS];
	b_text(s, 1, e->name, &rc);
	b_text(s, 2, e->cert_sha256, &rc);
	b_text(s, 3, e->spki_sha256, &rc);
	b_text(s, 4, e->issuer, &rc);
	b_text(s, 5, e->not_before, &rc);
	b_text(s, 6, e->not_after, &rc);
	b_text(s, 7, e->source, &rc);
	b_text(s, 8, store_i_now(now), &rc);
	ret = run_bound(st, s, rc, "add inventory entry");
	if (ret == STORE_OK && added)
		*added = sqlite3_changes(st->db) > 0;
	return store_i_wend(st, ret);
}

int store_add_triage(struct store *st, const struct store_triage *t, int64_t *id)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!t || !t->rule || !t->resource || !t->verdict || !t->reason || !t->author)
		return store_i_fail(st, STORE_EINVAL, "store_add_triage: rule, resource, verdict,"
		                    " reason and author are required");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_TRIAGE_INS];
	b_text(s, 1, t->rule, &rc);
	b_text(s, 2, t->resource, &rc);
	b_text(s, 3, t->verdict, &rc);
	b_text(s, 4, t->reason, &rc);
	b_text(s, 5, t->author, &rc);
	b_text(s, 6, t->created ? t->created : store_i_now(now), &rc);
	b_text(s, 7, t->expires, &rc);
	ret = run_bound(st, s, rc, "add triage verdict");
	if (ret == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(st->db);
	return store_i_wend(st, ret);
}

int store_put_score(struct store *st, const struct store_score *sc)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!sc || !sc->ref_kind || !sc->resource || !sc->terms_json)
		return store_i_fail(st, STORE_EINVAL,
		                    "store_put_score: ref_kind, resource and terms are required");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_SCORE_PUT];
	b_text(s, 1, sc->ref_kind, &rc);
	b_int(s, 2, sc->ref_id, &rc);
	b_text(s, 3, sc->resource, &rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_double(s, 4, sc->score);
	b_int(s, 5, sc->mature ? 1 : 0, &rc);
	b_text(s, 6, sc->terms_json, &rc);
	b_text(s, 7, sc->ts ? sc->ts : store_i_now(now), &rc);
	ret = run_bound(st, s, rc, "put score");
	return store_i_wend(st, ret);
}

int store_put_model_state(struct store *st, const char *name, const void *state, size_t len)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!name || !state)
		return store_i_fail(st, STORE_EINVAL, "store_put_model_state: name and state required");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_MODEL_STATE_PUT];
	b_text(s, 1, name, &rc);
	b_blob(s, 2, state, len, &rc);
	b_text(s, 3, store_i_now(now), &rc);
	ret = run_bound(st, s, rc, "put model state");
	return store_i_wend(st, ret);
}

int store_get_model_state(struct store *st, const char *name, void **state, size_t *len)
{
	sqlite3_stmt *s;
	int rc;

	if (!st)
		return STORE_EINVAL;
	if (!name || !state || !len)
		return store_i_fail(st, STORE_EINVAL, "store_get_model_state: bad arguments");
	if (st->fatal)
		return st->fatal;
	*state = NULL;
	*len = 0;
	s = st->stmt[S_MODEL_STATE_GET];
	rc = sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(s, 0);
		int n = sqlite3_column_bytes(s, 0);
		if (p && n > 0) {
			*state = malloc((size_t)n);
			if (!*state) {
				sqlite3_reset(s);
				sqlite3_clear_bindings(s);
				return store_i_fail(st, STORE_EIO, "store_get_model_state: out of memory");
			}
			memcpy(*state, p, (size_t)n);
			*len = (size_t)n;
		}
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return store_i_sqlfail(st, rc, "get model state");
	return *state ? STORE_OK : STORE_ENOTFOUND;
}

int store_put_geo(struct store *st, const struct store_geo *g)
{
	char now[STORE_TS_SIZE];
	sqlite3_stmt *s;
	int ret, rc = SQLITE_OK;

	if (!st)
		return STORE_EINVAL;
	if (!g || !g->ip)
		return store_i_fail(st, STORE_EINVAL, "store_put_geo: ip is required");
	if ((ret = store_i_wbegin(st)) != STORE_OK)
		return ret;
	s = st->stmt[S_GEO_PUT];
	b_text(s, 1, g->ip, &rc);
	b_text(s, 2, g->country, &rc);
	b_text(s, 3, g->city, &rc);
	if (rc == SQLITE_OK)
		rc = g->asn ? sqlite3_bind_int64(s, 4, g->asn) : sqlite3_bind_null(s, 4);
	b_text(s, 5, g->as_org, &rc);
	b_text(s, 6, g->source, &rc);
	b_text(s, 7, store_i_now(now), &rc);
	ret = run_bound(st, s, rc, "put geo");
	return store_i_wend(st, ret);
}
