/*
 * store.c - lifecycle, schema and migrations, errors and batching of the
 * tlsscope fact store. Writers are in store_write.c, readers in store_read.c.
 *
 * SCHEMA (version 2)
 *
 *   table            one row per                        key / constraints
 *   ---------------  ---------------------------------  ------------------------------------
 *   meta             setting (created, tool_version,    key PRIMARY KEY
 *                    analyzer state)
 *   endpoints        (host, ip, port, sni) scanned      UNIQUE(ifnull(host,''), ifnull(ip,''),
 *                                                       port, ifnull(sni,''))
 *   scans            active scan of an endpoint         -> endpoints; result = scan JSON
 *   probe_evidence   probe transcript (request and      -> scans; index (scan_id, probe)
 *                    response bytes, outcome)
 *   certificates     distinct certificate DER, and its  sha256 (lowercase hex) PRIMARY KEY;
 *                    facts (certinfo JSON object, set   facts: JSON object or NULL (v2)
 *                    once; NULL: not parsed / v1 row)
 *   scan_certs       chain position seen by a scan:     PK(scan_id, chain, depth);
 *                    chain 0 = the default handshake,   -> certificates (chain: v2)
 *                    1.. = other handshakes (RSA, ECDSA
 *                    certificate of a dual-cert server)
 *   ocsp_responses   distinct stapled OCSP response     sha256 (lowercase hex) PRIMARY KEY (v2)
 *                    DER
 *   scan_ocsp        response stapled in a scan's       PK(scan_id, chain); -> ocsp_responses
 *                    handshake of chain `chain`         (v2)
 *   connections      TLS connection seen by the sensor  index (server_ip, server_port, sni),
 *                                                       (ts), (server_cert_sha256)
 *   conn_certs       chain position seen on the wire    PK(conn_id, depth); -> certificates
 *   anomalies        parser anomaly of a connection,    (ref_kind, ref_id) not a foreign key:
 *                    scan or probe                      ref_kind says which table
 *   findings         rule verdict on a resource         UNIQUE(rule, resource); count,
 *                                                       first_seen, last_seen
 *
 *   endpoints 1--n scans 1--n probe_evidence
 *                      |--n scan_certs n--1 certificates 1--n conn_certs n--1 connections
 *                      \--n scan_ocsp n--1 ocsp_responses
 *
 * Conventions: every table is STRICT (a bound value of the wrong type is an
 * error, not a silent conversion); times are RFC 3339 UTC text ending in 'Z'
 * (CHECKed with a GLOB, so text order is time order for equal formats);
 * JSON columns are CHECKed with json_valid() (and json_type() for arrays and
 * objects) so that rules can call json_extract()/json_each() on any row
 * without a "malformed JSON" error stopping the whole rule; foreign keys are
 * enforced and child rows cascade on delete, except certificates and OCSP
 * responses, which are shared and can only be deleted once nothing references
 * them.
 * A parent column that is NULL-able but part of a natural key (endpoints) is
 * made unique through an index on ifnull(col, ''), because SQLite's UNIQUE
 * treats NULLs as distinct.
 *
 * MIGRATIONS
 *   migrations[i] takes the schema from version i to i + 1; it is applied in
 *   its own BEGIN IMMEDIATE transaction together with PRAGMA user_version =
 *   i + 1, so a migration is either fully applied or not at all, and two
 *   processes opening a new file at once cannot both apply it (the second one
 *   re-reads user_version once it holds the write lock). Never edit a
 *   released step: append a new one and bump STORE_SCHEMA_VERSION.
 *   PRAGMA application_id marks the file as ours; a SQLite file of another
 *   application is refused untouched, as is a file with a newer version.
 *
 * DURABILITY
 *   journal_mode=WAL: readers (analyzer, reports) run while the producer
 *   writes. synchronous=NORMAL: in WAL mode a COMMIT appends to the -wal file
 *   with write(2), and the data then sits in the OS page cache, so committed
 *   transactions survive the death of the process (kill -9, crash, abort); a
 *   power loss or OS crash may lose the last transactions since the previous
 *   checkpoint, but never corrupts the database. FULL would add an fsync per
 *   COMMIT, which buys power-loss durability we do not need for facts that a
 *   rescan or a pcap replay can produce again. A killed writer leaves its
 *   -wal file behind; the next open replays its committed frames and ignores
 *   the uncommitted tail.
 *
 * BATCHING AND ERRORS
 *   The writer keeps one transaction open (BEGIN IMMEDIATE, so a busy file
 *   fails at the start of a batch, after busy_timeout, instead of dead-locking
 *   at the first write), and commits every batch_size writer calls and on
 *   store_flush()/store_close(). Each writer call runs inside SAVEPOINT w, so
 *   a call that fails (constraint, bad JSON) rolls back only its own rows.
 *   Failures that leave the transaction in doubt (I/O, disk full, out of
 *   memory, corruption, or SQLite rolling the transaction back by itself)
 *   are fatal: the batch is rolled back, the store refuses further work, and
 *   the message tells how many writes were lost.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

/* ---- schema ------------------------------------------------------------- */

/* CHECKs shared by several columns. `c` is a column name literal. */
#define TS_CHECK(c) \
	"CHECK (" c " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T" \
	"[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z')"
#define JSON_CHECK(c) "CHECK (" c " IS NULL OR json_valid(" c "))"
#define JSON_TYPE_CHECK(c, type) \
	"CHECK (" c " IS NULL OR CASE WHEN json_valid(" c ") THEN json_type(" c ") = '" \
	type "' ELSE 0 END)"
#define PORT_CHECK(c) "CHECK (" c " BETWEEN 0 AND 65535)"
#define BOOL_CHECK(c) "CHECK (" c " IN (0, 1))"
#define SHA256_CHECK(c) \
	"CHECK (length(" c ") = 64 AND " c " NOT GLOB '*[^0-9a-f]*')"

static const char migration_1[] =
	"CREATE TABLE meta ("
	" key   TEXT PRIMARY KEY NOT NULL,"
	" value TEXT"
	") STRICT;"
	"INSERT INTO meta (key, value)"
	" VALUES ('created', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));"

	"CREATE TABLE endpoints ("
	" id         INTEGER PRIMARY KEY,"
	" host       TEXT,"
	" ip         TEXT,"
	" port       INTEGER NOT NULL " PORT_CHECK("port") ","
	" sni        TEXT,"
	" first_seen TEXT NOT NULL " TS_CHECK("first_seen") ","
	" CHECK (host IS NOT NULL OR ip IS NOT NULL)"
	") STRICT;"
	"CREATE UNIQUE INDEX endpoints_key ON endpoints"
	" (ifnull(host, ''), ifnull(ip, ''), port, ifnull(sni, ''));"
	"CREATE INDEX endpoints_addr ON endpoints (ip, port);"

	"CREATE TABLE scans ("
	" id           INTEGER PRIMARY KEY,"
	" endpoint_id  INTEGER NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,"
	" started      TEXT NOT NULL " TS_CHECK("started") ","
	" finished     TEXT " TS_CHECK("finished") ","    /* NULL: running or interrupted */
	" tool_version TEXT,"
	" error        TEXT,"                             /* NULL: the scan reached the server */
	" result       TEXT " JSON_TYPE_CHECK("result", "object")  /* the "scan" object */
	") STRICT;"
	"CREATE INDEX scans_endpoint ON scans (endpoint_id, started);"

	"CREATE TABLE probe_evidence ("
	" id       INTEGER PRIMARY KEY,"
	" scan_id  INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	" probe    TEXT NOT NULL,"
	" request  BLOB,"
	" response BLOB,"
	" outcome  TEXT,"
	" ts       TEXT NOT NULL " TS_CHECK("ts")
	") STRICT;"
	"CREATE INDEX probe_evidence_scan ON probe_evidence (scan_id, probe);"

	"CREATE TABLE certificates ("
	" sha256     TEXT PRIMARY KEY NOT NULL " SHA256_CHECK("sha256") ","
	" der        BLOB NOT NULL,"
	" first_seen TEXT NOT NULL " TS_CHECK("first_seen")
	") STRICT;"

	"CREATE TABLE scan_certs ("
	" scan_id     INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	" depth       INTEGER NOT NULL CHECK (depth >= 0),"   /* 0 = leaf */
	" cert_sha256 TEXT NOT NULL REFERENCES certificates (sha256),"
	" PRIMARY KEY (scan_id, depth)"
	") STRICT;"
	"CREATE INDEX scan_certs_cert ON scan_certs (cert_sha256);"

	"CREATE TABLE connections ("
	" id                  INTEGER PRIMARY KEY,"
	" ts                  TEXT NOT NULL " TS_CHECK("ts") ","
	" client_ip           TEXT NOT NULL,"
	" client_port         INTEGER NOT NULL " PORT_CHECK("client_port") ","
	" server_ip           TEXT NOT NULL,"
	" server_port         INTEGER NOT NULL " PORT_CHECK("server_port") ","
	" sni                 TEXT,"
	" version             TEXT,"
	" cipher              TEXT,"
	" alpn_offered        TEXT " JSON_TYPE_CHECK("alpn_offered", "array") ","
	" alpn_selected       TEXT,"
	" ja3                 TEXT,"
	" ja3s                TEXT,"
	" ja4                 TEXT,"
	/* not a foreign key: the hash may be known without the DER */
	" server_cert_sha256  TEXT " SHA256_CHECK("server_cert_sha256") ","
	" fallback_scsv       INTEGER NOT NULL " BOOL_CHECK("fallback_scsv") ","
	" downgrade_sentinel  TEXT CHECK (downgrade_sentinel IN ('TLSv1.2', 'TLSv1.1')),"
	" resumed             INTEGER NOT NULL " BOOL_CHECK("resumed") ","
	" hello_retry_request INTEGER NOT NULL " BOOL_CHECK("hello_retry_request") ","
	" alerts              TEXT " JSON_TYPE_CHECK("alerts", "array") ","
	" anomalies           TEXT " JSON_TYPE_CHECK("anomalies", "array") ","
	" source              TEXT"
	") STRICT;"
	"CREATE INDEX connections_server ON connections (server_ip, server_port, sni);"
	"CREATE INDEX connections_ts ON connections (ts);"
	"CREATE INDEX connections_leaf ON connections (server_cert_sha256);"

	"CREATE TABLE conn_certs ("
	" conn_id     INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,"
	" depth       INTEGER NOT NULL CHECK (depth >= 0),"
	" cert_sha256 TEXT NOT NULL REFERENCES certificates (sha256),"
	" PRIMARY KEY (conn_id, depth)"
	") STRICT;"
	"CREATE INDEX conn_certs_cert ON conn_certs (cert_sha256);"

	"CREATE TABLE anomalies ("
	" id       INTEGER PRIMARY KEY,"
	" ref_kind TEXT NOT NULL CHECK (ref_kind IN ('connection', 'scan', 'probe')),"
	" ref_id   INTEGER NOT NULL,"
	" name     TEXT NOT NULL,"
	" detail   TEXT,"
	" ts       TEXT NOT NULL " TS_CHECK("ts")
	") STRICT;"
	"CREATE INDEX anomalies_ref ON anomalies (ref_kind, ref_id);"
	"CREATE INDEX anomalies_name ON anomalies (name);"

	"CREATE TABLE findings ("
	" id         INTEGER PRIMARY KEY,"
	" rule       TEXT NOT NULL,"
	" resource   TEXT NOT NULL,"
	" status     TEXT NOT NULL CHECK (status IN ('ok', 'alarm', 'info', 'skip')),"
	" severity   TEXT,"
	" reason     TEXT,"
	" evidence   TEXT " JSON_CHECK("evidence") ","
	" first_seen TEXT NOT NULL " TS_CHECK("first_seen") ","
	" last_seen  TEXT NOT NULL " TS_CHECK("last_seen") ","
	" count      INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),"
	" UNIQUE (rule, resource)"
	") STRICT;"
	"CREATE INDEX findings_status ON findings (status, severity);";

/*
 * Version 2: certificate facts, several chains per scan, stapled OCSP responses.
 * Every row is kept: v1 scan_certs rows become chain 0 (the default handshake's,
 * the only one v1 recorded), v1 certificates get no facts (NULL) until a producer
 * sees them again. scan_certs gets a new primary key, which SQLite's ALTER TABLE
 * cannot change, so the table is rebuilt (https://sqlite.org/lang_altertable.html,
 * "other kinds of table schema changes"): nothing references scan_certs, so foreign
 * keys stay on (the copy is checked against scans and certificates, the drop deletes
 * only child rows). A writer of v1 that still has the file open keeps working: its
 * statements are re-prepared and an INSERT without `chain` gets chain 0.
 */
static const char migration_2[] =
	"ALTER TABLE certificates ADD COLUMN"
	" facts TEXT " JSON_TYPE_CHECK("facts", "object") ";"

	"CREATE TABLE scan_certs_v2 ("
	" scan_id     INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	" chain       INTEGER NOT NULL DEFAULT 0 CHECK (chain >= 0),"  /* 0 = default handshake */
	" depth       INTEGER NOT NULL CHECK (depth >= 0),"            /* 0 = leaf */
	" cert_sha256 TEXT NOT NULL REFERENCES certificates (sha256),"
	" PRIMARY KEY (scan_id, chain, depth)"
	") STRICT;"
	"INSERT INTO scan_certs_v2 (scan_id, chain, depth, cert_sha256)"
	" SELECT scan_id, 0, depth, cert_sha256 FROM scan_certs;"
	"DROP TABLE scan_certs;" /* its index scan_certs_cert goes with it */
	"ALTER TABLE scan_certs_v2 RENAME TO scan_certs;"
	"CREATE INDEX scan_certs_cert ON scan_certs (cert_sha256);"

	"CREATE TABLE ocsp_responses ("
	" sha256     TEXT PRIMARY KEY NOT NULL " SHA256_CHECK("sha256") ","
	" der        BLOB NOT NULL,"
	" first_seen TEXT NOT NULL " TS_CHECK("first_seen")
	") STRICT;"

	"CREATE TABLE scan_ocsp ("
	" scan_id     INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	" chain       INTEGER NOT NULL CHECK (chain >= 0),"
	" ocsp_sha256 TEXT NOT NULL REFERENCES ocsp_responses (sha256),"
	" PRIMARY KEY (scan_id, chain)"
	") STRICT;"
	"CREATE INDEX scan_ocsp_resp ON scan_ocsp (ocsp_sha256);";


/*
 * Version 3: the analyzer's tables and the documented views the rules read (rules/README.md
 * describes every view and column). A "resource" is how findings name a server:
 * "IP:PORT" or "[IPv6]:PORT", then " SNI" when there is one ("127.0.0.1:443 server.test").
 */
#define RESOURCE(ip, port, sni) \
	"(CASE WHEN instr(" ip ", ':') > 0 THEN '[' || " ip " || ']' ELSE " ip " END" \
	" || ':' || " port " || ifnull(' ' || " sni ", ''))"

static const char migration_3[] =
	/* rule metadata as last loaded (reports need titles and requirements) */
	"CREATE TABLE rules ("
	" id           TEXT PRIMARY KEY NOT NULL,"
	" title        TEXT NOT NULL,"
	" severity     TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high',"
	"                                                'critical')),"
	" requirements TEXT NOT NULL " JSON_TYPE_CHECK("requirements", "array") ","
	" remediation  TEXT,"
	" description  TEXT,"
	" file         TEXT,"
	" sha256       TEXT " SHA256_CHECK("sha256") ","
	" loaded       TEXT NOT NULL " TS_CHECK("loaded")
	") STRICT;"

	"CREATE TABLE analysis_runs ("
	" id         INTEGER PRIMARY KEY,"
	" started    TEXT NOT NULL " TS_CHECK("started") ","
	" finished   TEXT " TS_CHECK("finished") ","
	" rules_hash TEXT,"          /* SHA-256 over the rule files, in id order */
	" n_rules    INTEGER,"
	" n_refused  INTEGER,"
	" n_findings INTEGER,"
	" tool       TEXT"
	") STRICT;"

	"ALTER TABLE findings ADD COLUMN score REAL;"
	"ALTER TABLE findings ADD COLUMN score_terms TEXT " JSON_CHECK("score_terms") ";"

	/* the inventory of authorized certificates (tlsscope inventory import) */
	"CREATE TABLE inventory ("
	" id          INTEGER PRIMARY KEY,"
	" name        TEXT NOT NULL,"           /* DNS name or pattern ("*.example.com") */
	" cert_sha256 TEXT " SHA256_CHECK("cert_sha256") ","
	" spki_sha256 TEXT,"                    /* base64, as pin-sha256 */
	" issuer      TEXT,"                    /* RFC 2253 */
	" not_before  TEXT,"
	" not_after   TEXT,"
	" source      TEXT NOT NULL,"           /* file name, "crt.sh", ... */
	" imported    TEXT NOT NULL " TS_CHECK("imported") ","
	" CHECK (cert_sha256 IS NOT NULL OR spki_sha256 IS NOT NULL OR issuer IS NOT NULL)"
	") STRICT;"
	"CREATE INDEX inventory_name ON inventory (name);"
	"CREATE UNIQUE INDEX inventory_key ON inventory"
	" (name, ifnull(cert_sha256, ''), ifnull(spki_sha256, ''), ifnull(issuer, ''));"

	/* analysts' verdicts on findings (tlsscope triage) */
	"CREATE TABLE triage ("
	" id       INTEGER PRIMARY KEY,"
	" rule     TEXT NOT NULL,"
	" resource TEXT NOT NULL,"
	" verdict  TEXT NOT NULL CHECK (verdict IN ('acknowledged', 'false_positive')),"
	" reason   TEXT NOT NULL,"
	" author   TEXT NOT NULL,"
	" created  TEXT NOT NULL " TS_CHECK("created") ","
	" expires  TEXT " TS_CHECK("expires")      /* NULL: never */
	") STRICT;"
	"CREATE INDEX triage_key ON triage (rule, resource);"

	/* the model's scores, with the terms that made them */
	"CREATE TABLE scores ("
	" id       INTEGER PRIMARY KEY,"
	" ref_kind TEXT NOT NULL CHECK (ref_kind IN ('connection', 'scan')),"
	" ref_id   INTEGER NOT NULL,"
	" resource TEXT NOT NULL,"
	" score    REAL NOT NULL,"
	" mature   INTEGER NOT NULL " BOOL_CHECK("mature") ","
	" terms    TEXT NOT NULL " JSON_TYPE_CHECK("terms", "array") ","
	" ts       TEXT NOT NULL " TS_CHECK("ts") ","
	" UNIQUE (ref_kind, ref_id)"
	") STRICT;"
	"CREATE INDEX scores_resource ON scores (resource, score);"
	"CREATE TABLE model_state ("
	" name    TEXT PRIMARY KEY NOT NULL,"
	" state   BLOB,"
	" updated TEXT NOT NULL " TS_CHECK("updated")
	") STRICT;"

	/* GeoIP / ASN enrichment per address (--geoip) */
	"CREATE TABLE geo ("
	" ip       TEXT PRIMARY KEY NOT NULL,"
	" country  TEXT,"
	" city     TEXT,"
	" asn      INTEGER,"
	" as_org   TEXT,"
	" source   TEXT,"
	" ts       TEXT NOT NULL " TS_CHECK("ts")
	") STRICT;"

	/* ---- views for the rules ---- */
	/* every finished scan, with its resource */
	"CREATE VIEW v_scan_all AS"
	" SELECT s.id AS scan_id, e.id AS endpoint_id, e.host, e.ip, e.port, e.sni,"
	"  " RESOURCE("ifnull(e.ip, e.host)", "e.port", "e.sni") " AS resource,"
	"  s.started, s.finished, s.error, s.result"
	" FROM scans s JOIN endpoints e ON e.id = s.endpoint_id"
	" WHERE s.finished IS NOT NULL;"
	/* the latest finished scan of each endpoint */
	"CREATE VIEW v_scan AS"
	" SELECT * FROM v_scan_all a WHERE a.scan_id ="
	"  (SELECT max(s2.id) FROM scans s2"
	"   WHERE s2.endpoint_id = a.endpoint_id AND s2.finished IS NOT NULL);"
	/* protocol versions: one row per version of each latest scan */
	"CREATE VIEW v_scan_protocol AS"
	" SELECT v.scan_id, v.resource, p.key AS version, p.value AS supported"
	" FROM v_scan v, json_each(v.result, '$.protocols') p WHERE v.error IS NULL;"
	/* accepted suites: one row per (version, suite), pos = place in the server's order
	 * (or in ascending code point order when the client's order decides) */
	"CREATE VIEW v_scan_cipher AS"
	" SELECT v.scan_id, v.resource, c.key AS version, s.value AS cipher, s.key AS pos"
	" FROM v_scan v, json_each(v.result, '$.ciphers') c, json_each(c.value) s"
	" WHERE v.error IS NULL;"
	/* key exchange groups */
	"CREATE VIEW v_scan_group AS"
	" SELECT v.scan_id, v.resource, g.value AS grp, g.key AS pos"
	" FROM v_scan v, json_each(v.result, '$.groups') g WHERE v.error IS NULL;"
	/* DHE primes */
	"CREATE VIEW v_scan_dhe AS"
	" SELECT v.scan_id, v.resource, json_extract(d.value, '$.bits') AS bits,"
	"  json_extract(d.value, '$.prime') AS prime"
	" FROM v_scan v, json_each(v.result, '$.groups_detail.dhe') d WHERE v.error IS NULL;"
	/* the chains the full handshakes got: chain 0 is the default handshake's */
	"CREATE VIEW v_scan_chain AS"
	" SELECT v.scan_id, v.resource, CAST(c.key AS INTEGER) AS chain,"
	"  json_extract(c.value, '$.requested') AS requested,"
	"  json_extract(c.value, '$.error') AS handshake_error,"
	"  json_extract(c.value, '$.version') AS version,"
	"  json_extract(c.value, '$.cipher') AS cipher,"
	"  json_extract(c.value, '$.leaf_sha256') AS leaf_sha256,"
	"  json_extract(c.value, '$.key_type') AS key_type,"
	"  json_extract(c.value, '$.chain_length') AS chain_length,"
	"  json_extract(c.value, '$.trusted') AS trusted,"
	"  json_extract(c.value, '$.verify_error') AS verify_error,"
	"  json_extract(c.value, '$.hostname_match') AS hostname_match,"
	"  json_extract(c.value, '$.complete') AS complete,"
	"  json_extract(c.value, '$.in_order') AS in_order,"
	"  json_extract(c.value, '$.gnutls_trusted') AS gnutls_trusted,"
	"  json_extract(c.value, '$.verdicts_disagree') AS verdicts_disagree,"
	"  json_extract(c.value, '$.ocsp.stapled') AS ocsp_stapled,"
	"  json_extract(c.value, '$.ocsp.status') AS ocsp_status,"
	"  json_extract(c.value, '$.ocsp.verified') AS ocsp_verified,"
	"  json_extract(c.value, '$.ocsp.fresh') AS ocsp_fresh,"
	"  json_extract(c.value, '$.ocsp.applicable') AS ocsp_applicable,"
	"  json_extract(c.value, '$.ocsp.must_staple') AS must_staple,"
	"  json_extract(c.value, '$.sct.embedded') AS sct_embedded,"
	"  json_extract(c.value, '$.sct.tls_extension') AS sct_tls,"
	"  json_extract(c.value, '$.sct.ocsp') AS sct_ocsp,"
	"  c.value AS detail"
	" FROM v_scan v, json_each(v.result, '$.chains') c WHERE v.error IS NULL;"
	/* certificates with their facts (analyzer/certinfo.h), any table that links them */
	"CREATE VIEW v_cert AS"
	" SELECT c.sha256,"
	"  json_extract(c.facts, '$.spki_sha256') AS spki_sha256,"
	"  json_extract(c.facts, '$.subject') AS subject,"
	"  json_extract(c.facts, '$.issuer') AS issuer,"
	"  json_extract(c.facts, '$.not_before') AS not_before,"
	"  json_extract(c.facts, '$.not_after') AS not_after,"
	"  json_extract(c.facts, '$.key_type') AS key_type,"
	"  json_extract(c.facts, '$.key_bits') AS key_bits,"
	"  json_extract(c.facts, '$.curve') AS curve,"
	"  json_extract(c.facts, '$.sig_alg') AS sig_alg,"
	"  json_extract(c.facts, '$.sig_hash') AS sig_hash,"
	"  json_extract(c.facts, '$.self_signed') AS self_signed,"
	"  json_extract(c.facts, '$.basic_constraints.ca') AS is_ca,"
	"  json_extract(c.facts, '$.san_count') AS san_count,"
	"  json_extract(c.facts, '$.cn') AS cn,"
	"  json_extract(c.facts, '$.cn_in_san') AS cn_in_san,"
	"  json_extract(c.facts, '$.must_staple') AS must_staple,"
	"  json_extract(c.facts, '$.sct_count') AS sct_count,"
	"  json_array_length(c.facts, '$.ocsp_urls') AS n_ocsp_urls,"
	"  json_array_length(c.facts, '$.crl_urls') AS n_crl_urls,"
	"  json_extract(c.facts, '$.validity_seconds') AS validity_seconds,"
	"  json_extract(c.facts, '$.validity_days') AS validity_days,"
	"  json_extract(c.facts, '$.cabf_max_days') AS cabf_max_days,"
	"  json_extract(c.facts, '$.cabf_validity_ok') AS cabf_validity_ok,"
	"  c.facts, c.first_seen"
	" FROM certificates c;"
	/* the certificates of the latest scans' chains */
	"CREATE VIEW v_scan_cert AS"
	" SELECT v.scan_id, v.resource, sc.chain, sc.depth, vc.*"
	" FROM v_scan v JOIN scan_certs sc ON sc.scan_id = v.scan_id"
	" JOIN v_cert vc ON vc.sha256 = sc.cert_sha256;"
	/* connections seen by the sensor, with the resource of their server */
	"CREATE VIEW v_conn AS"
	" SELECT c.*, " RESOURCE("c.server_ip", "c.server_port", "c.sni") " AS resource"
	" FROM connections c;"
	/* the certificates of those connections (TLS <= 1.2 only: TLS 1.3 hides them) */
	"CREATE VIEW v_conn_cert AS"
	" SELECT cc.conn_id, " RESOURCE("c.server_ip", "c.server_port", "c.sni") " AS resource,"
	"  cc.depth, vc.*"
	" FROM conn_certs cc JOIN connections c ON c.id = cc.conn_id"
	" JOIN v_cert vc ON vc.sha256 = cc.cert_sha256;"
	/* findings with the analysts' verdicts still valid, and the rule's metadata */
	"CREATE VIEW v_finding AS"
	" SELECT f.*, r.title, r.requirements, r.remediation,"
	"  (SELECT t.verdict FROM triage t WHERE t.rule = f.rule AND t.resource = f.resource"
	"   AND (t.expires IS NULL OR t.expires > strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
	"   ORDER BY t.id DESC LIMIT 1) AS triage"
	" FROM findings f LEFT JOIN rules r ON r.id = f.rule;";

/* migrations[i]: schema version i -> i + 1. Append only. */
static const char *const migrations[] = {
	migration_1,
	migration_2,
	migration_3,
};

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
               "one migration step per schema version");

/* ---- errors ------------------------------------------------------------- */

int store_i_fail(struct store *st, int code, const char *fmt, ...)
{
	va_list ap;

	if (st->fatal) /* sticky: keep the first fatal error and its message */
		return st->fatal;
	st->err = code;
	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
	va_end(ap);
	return code;
}

int store_i_fatal(struct store *st, int code)
{
	unsigned lost = st->pending;
	size_t n;

	if (st->in_txn && st->db && !sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	if (st->in_txn) {
		n = strlen(st->errmsg);
		snprintf(st->errmsg + n, sizeof st->errmsg - n,
		         " (batch rolled back: %u uncommitted writes lost)", lost);
	}
	st->in_txn = false;
	st->pending = 0;
	st->err = code;
	st->fatal = code;
	return code;
}

int store_i_sqlfail(struct store *st, int rc, const char *what)
{
	int code;

	if (st->fatal)
		return st->fatal;
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
		code = STORE_ECONSTRAINT;
		break;
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		code = STORE_EINVAL;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = STORE_EBUSY;
		break;
	case SQLITE_AUTH:
		code = STORE_EREADONLY;
		break;
	case SQLITE_ERROR:
		code = STORE_ESQL;
		break;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		code = STORE_ENOTDB;
		break;
	default:
		code = STORE_EIO;
		break;
	}
	store_i_fail(st, code, "%s: %s", what,
	             st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	if (code == STORE_ENOTDB || code == STORE_EIO)
		return store_i_fatal(st, code);
	/* SQLite may roll the whole transaction back on its own (see "Response
	 * To Errors Within A Transaction"): the batch is then gone. */
	if (st->in_txn && sqlite3_get_autocommit(st->db))
		return store_i_fatal(st, STORE_EIO);
	return code;
}

int store_errcode(const struct store *st)
{
	return st ? st->err : STORE_EINVAL;
}

const char *store_errmsg(const struct store *st)
{
	if (!st)
		return "store: NULL handle";
	return st->err == STORE_OK ? "no error" : st->errmsg;
}

const char *store_strerror(int code)
{
	switch (code) {
	case STORE_OK: return "STORE_OK: success";
	case STORE_EINVAL: return "STORE_EINVAL: invalid argument";
	case STORE_ENOTFOUND: return "STORE_ENOTFOUND: no such row";
	case STORE_ERANGE: return "STORE_ERANGE: buffer too small";
	case STORE_ECONSTRAINT: return "STORE_ECONSTRAINT: row violates the schema";
	case STORE_EREADONLY: return "STORE_EREADONLY: statement is not read-only";
	case STORE_ESQL: return "STORE_ESQL: SQL error";
	case STORE_EBUSY: return "STORE_EBUSY: database is locked by another writer";
	case STORE_ENOTDB: return "STORE_ENOTDB: not a database or corrupt";
	case STORE_ENOTSTORE: return "STORE_ENOTSTORE: not a tlsscope database";
	case STORE_ETOONEW: return "STORE_ETOONEW: schema newer than this program";
	case STORE_EIO: return "STORE_EIO: I/O or internal SQLite error";
	}
	return "unknown store error code";
}

/* ---- small helpers ------------------------------------------------------ */

const char *store_i_now(char *buf)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm) ||
	    (n = strftime(buf, STORE_TS_SIZE, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		/* Cannot happen on a sane system; still a valid timestamp. */
		snprintf(buf, STORE_TS_SIZE, "1970-01-01T00:00:00.000000Z");
		return buf;
	}
	snprintf(buf + n, STORE_TS_SIZE - n, ".%06uZ",
	         (unsigned)(ts.tv_nsec / 1000) % 1000000u);
	return buf;
}

bool store_i_is_sha256_hex(const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < 64; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return s[64] == '\0';
}

int store_i_run(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	while (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	/* Reset first: a failed statement's message stays in the connection,
	 * and a fatal error's ROLLBACK must not find this statement running. */
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return store_i_sqlfail(st, rc, what);
	return STORE_OK;
}

/* Run a statement that returns one integer (a PRAGMA, a count); `what`
 * names the operation in the error message (NULL: the SQL itself). */
static int query_int(struct store *st, const char *sql, int64_t *out, const char *what)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		goto err;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		goto err;
	*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return STORE_OK;
err:
	sqlite3_finalize(s);
	return store_i_sqlfail(st, rc == SQLITE_DONE ? SQLITE_ERROR : rc, what ? what : sql);
}

/* ---- transactions -------------------------------------------------------- */

int store_i_commit(struct store *st)
{
	int ret;

	if (st->fatal)
		return st->fatal;
	if (!st->in_txn)
		return STORE_OK;
	ret = store_i_run(st, st->stmt[S_COMMIT], "commit");
	if (ret != STORE_OK)
		return ret; /* EBUSY: batch still open; otherwise fatal, batch lost */
	st->in_txn = false;
	st->pending = 0;
	return STORE_OK;
}

int store_i_wbegin(struct store *st)
{
	int ret;

	if (st->fatal)
		return st->fatal;
	if (!st->in_txn) {
		ret = store_i_run(st, st->stmt[S_BEGIN], "begin batch");
		if (ret != STORE_OK)
			return ret;
		st->in_txn = true;
		st->pending = 0;
	}
	return store_i_run(st, st->stmt[S_SAVEPOINT], "savepoint");
}

int store_i_wend(struct store *st, int rc)
{
	int ret;

	if (st->fatal)
		return st->fatal; /* the batch is already rolled back */
	if (rc == STORE_OK) {
		ret = store_i_run(st, st->stmt[S_RELEASE], "release savepoint");
		if (ret != STORE_OK)
			return ret;
		st->pending++;
		/* In WAL mode a COMMIT needs no lock beyond the one BEGIN IMMEDIATE
		 * took, so this fails only fatally (the batch, this call included,
		 * is then lost and the code says so). */
		if (st->pending >= st->batch_size)
			return store_i_commit(st);
		return STORE_OK;
	}
	/* Undo this call's rows and keep the batch; keep the call's message. */
	if (sqlite3_exec(st->db, "ROLLBACK TO w; RELEASE w", NULL, NULL, NULL) != SQLITE_OK) {
		store_i_fail(st, STORE_EIO, "rollback to savepoint: %s", sqlite3_errmsg(st->db));
		return store_i_fatal(st, STORE_EIO);
	}
	return rc;
}

int store_flush(struct store *st)
{
	if (!st)
		return STORE_EINVAL;
	return store_i_commit(st);
}

/* ---- open ---------------------------------------------------------------- */

/*
 * Refuse, without writing anything, a file that is not a SQLite database,
 * belongs to another application, or has a schema newer than ours. The first
 * read of the file is here, so this is where garbage is detected.
 */
static int check_header(struct store *st, const char *path)
{
	char what[STORE_ERRMSG_SIZE];
	int64_t app_id = 0, version = 0, objects = 0;
	int ret;

	snprintf(what, sizeof what, "cannot read '%s' as a SQLite database", path);
	if ((ret = query_int(st, "PRAGMA application_id", &app_id, what)) != STORE_OK ||
	    (ret = query_int(st, "PRAGMA user_version", &version, what)) != STORE_OK ||
	    (ret = query_int(st, "SELECT count(*) FROM sqlite_schema", &objects, what)) != STORE_OK)
		return ret;
	if (app_id != STORE_APPLICATION_ID && (app_id != 0 || version != 0 || objects != 0))
		return store_i_fail(st, STORE_ENOTSTORE,
		                    "'%s' is a SQLite database of another application "
		                    "(application_id 0x%08llx, user_version %lld, %lld schema objects)",
		                    path, (unsigned long long)(uint32_t)app_id,
		                    (long long)version, (long long)objects);
	if (version > STORE_SCHEMA_VERSION)
		return store_i_fail(st, STORE_ETOONEW,
		                    "'%s' has schema version %lld, newer than the %d this "
		                    "program knows: use a newer tlsscope",
		                    path, (long long)version, STORE_SCHEMA_VERSION);
	if (version < 0)
		return store_i_fail(st, STORE_ENOTSTORE, "'%s' has a negative schema version %lld",
		                    path, (long long)version);
	return STORE_OK;
}

static int set_pragmas(struct store *st, const char *path)
{
	sqlite3_stmt *s = NULL;
	const char *mode;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return store_i_sqlfail(st, rc == SQLITE_DONE ? SQLITE_ERROR : rc,
		                       "set journal_mode=WAL");
	}
	mode = (const char *)sqlite3_column_text(s, 0);
	if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)) {
		store_i_fail(st, STORE_EIO, "'%s': cannot switch to WAL mode (journal_mode is %s)",
		             path, mode ? mode : "unknown");
		sqlite3_finalize(s);
		return STORE_EIO;
	}
	sqlite3_finalize(s);
	/* NORMAL, not FULL: see DURABILITY at the top of this file. */
	rc = sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
	                  NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_i_sqlfail(st, rc, "set synchronous and foreign_keys");
	return STORE_OK;
}

/* Apply migration step `from` -> `from + 1` inside the current transaction. */
static int apply_step(struct store *st, int64_t from, const char *tool_version)
{
	char sql[128];
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_exec(st->db, migrations[from], NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rc;
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
	         STORE_APPLICATION_ID, (int)from + 1);
	rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_prepare_v2(st->db,
	                        "INSERT INTO meta (key, value) VALUES ('tool_version', ?1)"
	                        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	                        -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_bind_text(s, 1, tool_version, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int migrate(struct store *st, const char *path, const char *tool_version)
{
	int64_t version = 0;
	int ret, rc;

	for (;;) {
		/* Re-read under the write lock: another process may have migrated. */
		if ((ret = check_header(st, path)) != STORE_OK)
			return ret;
		if ((ret = query_int(st, "PRAGMA user_version", &version, NULL)) != STORE_OK)
			return ret;
		if (version == STORE_SCHEMA_VERSION) {
			if (!sqlite3_get_autocommit(st->db)) {
				rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
				if (rc != SQLITE_OK)
					return store_i_sqlfail(st, rc, "commit migration check");
			}
			return STORE_OK;
		}
		if (sqlite3_get_autocommit(st->db)) {
			rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
			if (rc != SQLITE_OK)
				return store_i_sqlfail(st, rc, "lock the database to migrate it");
			continue; /* re-check the version now that we hold the lock */
		}
		rc = apply_step(st, version, tool_version);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			char what[96];

			snprintf(what, sizeof what, "migration of '%.40s' to schema version %d",
			         path, (int)version + 1);
			ret = store_i_sqlfail(st, rc, what);
			if (!sqlite3_get_autocommit(st->db))
				(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return ret;
		}
	}
}

/* Finalize statements and close the connection; st is freed. */
static void store_destroy(struct store *st)
{
	size_t i;

	for (i = 0; i < S_COUNT_; i++)
		sqlite3_finalize(st->stmt[i]);
	/* _v2: never fails with BUSY; anything left open is freed with the last statement. */
	sqlite3_close_v2(st->db);
	free(st);
}

struct store *store_open(const char *path, const struct store_options *opts,
                         struct store_error *err)
{
	struct store *st = NULL;
	const char *tool_version = "unknown";
	int busy_ms = STORE_BUSY_TIMEOUT_DEFAULT;
	int rc;

	if (err) {
		err->code = STORE_OK;
		err->msg[0] = '\0';
	}
	if (!path) {
		if (err) {
			err->code = STORE_EINVAL;
			snprintf(err->msg, sizeof err->msg, "store_open: NULL path");
		}
		return NULL;
	}
	st = calloc(1, sizeof *st);
	if (!st) {
		if (err) {
			err->code = STORE_EIO;
			snprintf(err->msg, sizeof err->msg, "store_open: out of memory");
		}
		return NULL;
	}
	st->batch_size = STORE_BATCH_DEFAULT;
	if (opts) {
		if (opts->batch_size)
			st->batch_size = opts->batch_size;
		if (opts->busy_timeout_ms)
			busy_ms = opts->busy_timeout_ms < 0 ? 0 : opts->busy_timeout_ms;
		if (opts->tool_version)
			tool_version = opts->tool_version;
	}

	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		char what[STORE_ERRMSG_SIZE / 2];

		snprintf(what, sizeof what, "cannot open '%s'", path);
		store_i_sqlfail(st, rc, what);
		goto err;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, busy_ms);
	sqlite3_set_authorizer(st->db, store_i_authorizer, st);

	if (check_header(st, path) != STORE_OK)
		goto err;
	if (set_pragmas(st, path) != STORE_OK)
		goto err;
	if (migrate(st, path, tool_version) != STORE_OK)
		goto err;
	if (store_i_prepare_writer(st) != STORE_OK)
		goto err;
	return st;

err:
	if (err) {
		err->code = st->err != STORE_OK ? st->err : STORE_EIO;
		snprintf(err->msg, sizeof err->msg, "%s",
		         st->errmsg[0] ? st->errmsg : "store_open failed");
	}
	store_destroy(st);
	return NULL;
}

int store_close(struct store *st)
{
	int ret;

	if (!st)
		return STORE_OK;
	ret = st->fatal ? st->fatal : store_i_commit(st);
	if (ret != STORE_OK && !st->fatal && st->in_txn)
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	store_destroy(st);
	return ret;
}
