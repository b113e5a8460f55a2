/*
 * store.h - the tlsscope fact store (SQLite), the only module that touches SQLite.
 *
 * Both producers (scanner/, capture/) write through the writer functions below;
 * the analyzer and the report writers read through the reader functions and
 * through store_query(), which runs one read-only SELECT (the rules are SQL).
 * The schema itself is described at the top of store.c.
 *
 * Objects and threads
 *   A struct store is one SQLite connection. It is not thread-safe: use one
 *   struct store per thread (several may open the same file, also from other
 *   processes; SQLite's WAL mode lets readers run while one writer writes).
 *
 * Batched writes
 *   Writers do not commit each row. The first write opens a transaction; it is
 *   committed after `batch_size` writes (each writer call counts as one), by
 *   store_flush() and by store_close(). Each writer call is atomic on its own
 *   (a failed call leaves no partial rows, the batch stays open).
 *   While a batch is open, no other connection can write the file: a producer
 *   that shares the file with another writer should call store_flush()
 *   periodically (e.g. once a second) so the other writer does not wait past
 *   its busy timeout. Committed data survives a crash (kill -9) of the process.
 *
 * Errors
 *   Fallible functions return STORE_OK (0) or a STORE_E* code (enum
 *   store_status). The message of the last error stays available from
 *   store_errmsg() until the next error (successful calls do not clear it).
 *   The "fatal" codes (STORE_ENOTDB, STORE_EIO) are sticky: the uncommitted
 *   batch is discarded (the message says how many writes were lost) and every
 *   later call except store_errmsg()/store_errcode()/store_close() returns the
 *   same code; close and reopen the store to continue.
 *   The library never prints and never exits.
 *
 * Strings
 *   All input strings are NUL-terminated UTF-8 and are only read during the
 *   call (they are copied into SQLite). A NULL string means SQL NULL unless the
 *   field says "required". Timestamps are RFC 3339 UTC text, e.g.
 *   "2026-11-22T05:00:00.123456Z"; a NULL timestamp means "now" (the store
 *   formats the current time with microseconds). Hashes are lowercase hex.
 */
#ifndef TLSSCOPE_ANALYZER_STORE_STORE_H
#define TLSSCOPE_ANALYZER_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define STORE_WUR __attribute__((warn_unused_result))
#else
#define STORE_WUR
#endif

/* The schema version this build creates and understands (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 3

/* PRAGMA application_id of a tlsscope store: the bytes "TLSS". */
#define STORE_APPLICATION_ID 0x544c5353

/* Default number of writes per committed batch. */
#define STORE_BATCH_DEFAULT 1000u

/* Default time to wait for another connection's write lock, in milliseconds. */
#define STORE_BUSY_TIMEOUT_DEFAULT 5000

/* Size of a lowercase-hex SHA-256 string including its NUL (64 + 1). */
#define STORE_SHA256_HEX_SIZE 65

/* The longest certificate chain a connection may carry (sensors truncate). */
#define STORE_CHAIN_MAX 32

/* Size of the error message buffer (struct store_error, store_errmsg()). */
#define STORE_ERRMSG_SIZE 256

enum store_status {
	STORE_OK = 0,
	STORE_EINVAL,      /* bad argument: NULL where required, bad hex, too long a chain */
	STORE_ENOTFOUND,   /* the row asked for does not exist */
	STORE_ERANGE,      /* a caller buffer is too small */
	STORE_ECONSTRAINT, /* the row breaks the schema: CHECK (bad JSON, status, time
	                      format), NOT NULL or FOREIGN KEY (unknown cert, scan...) */
	STORE_EREADONLY,   /* store_query() refused a statement that is not read-only */
	STORE_ESQL,        /* SQL error in store_query() (syntax, unknown table...):
	                      the message contains SQLite's text */
	STORE_EBUSY,       /* another connection held the write lock past busy_timeout;
	                      nothing was lost, the call may be retried */
	STORE_ENOTDB,      /* fatal: the file is not a SQLite database or is corrupt */
	STORE_ENOTSTORE,   /* the file is a SQLite database but not a tlsscope store */
	STORE_ETOONEW,     /* the schema version is newer than STORE_SCHEMA_VERSION */
	STORE_EIO,         /* fatal: I/O error, disk full, out of memory, or another
	                      SQLite failure; the uncommitted batch is lost */
};

/* Where a failed store_open() reports its error (the store does not exist yet). */
struct store_error {
	int code;                     /* enum store_status */
	char msg[STORE_ERRMSG_SIZE];  /* NUL-terminated, never empty on failure */
};

/* Options of store_open(). An all-zero struct (or a NULL pointer) means defaults. */
struct store_options {
	unsigned batch_size;     /* writes per committed batch; 0 = STORE_BATCH_DEFAULT */
	int busy_timeout_ms;     /* wait for another writer's lock; 0 = default, <0 = don't wait */
	const char *tool_version; /* recorded in meta 'tool_version' when this open
	                             creates or upgrades the schema; NULL = "unknown" */
};

/* Tables that store_count() can count (never a caller-supplied name). */
enum store_table {
	STORE_T_META,
	STORE_T_ENDPOINTS,
	STORE_T_SCANS,
	STORE_T_PROBE_EVIDENCE,
	STORE_T_CERTIFICATES,
	STORE_T_SCAN_CERTS,
	STORE_T_CONNECTIONS,
	STORE_T_CONN_CERTS,
	STORE_T_ANOMALIES,
	STORE_T_FINDINGS,
	STORE_T_OCSP_RESPONSES, /* schema version 2 */
	STORE_T_SCAN_OCSP,
	STORE_T_RULES,          /* schema version 3 */
	STORE_T_ANALYSIS_RUNS,
	STORE_T_INVENTORY,
	STORE_T_TRIAGE,
	STORE_T_SCORES,
	STORE_T_MODEL_STATE,
	STORE_T_GEO,
	STORE_T_COUNT_ /* number of tables, not a table */
};

struct store;

/* ---- lifecycle ------------------------------------------------------------ */

/*
 * Open (creating if needed) the store at `path` and bring its schema up to
 * STORE_SCHEMA_VERSION, applying each pending migration in its own
 * transaction. Sets WAL mode, synchronous=NORMAL, foreign keys, busy timeout.
 * A zero-length file is an empty database and gets the full schema.
 *
 * path: file name (":memory:" works, for tests); read during the call only.
 * opts: may be NULL (defaults); read during the call only (tool_version is copied).
 * err:  may be NULL; on failure receives the code and a message.
 * Returns the new store (free with store_close()), or NULL on failure with
 *   err->code = STORE_EINVAL (NULL path), STORE_ENOTDB (not a SQLite database,
 *   or corrupt), STORE_ENOTSTORE (another application's database),
 *   STORE_ETOONEW (schema newer than this build), STORE_EBUSY (a migration
 *   could not get the write lock), STORE_EIO (cannot open/create, out of memory).
 */
struct store *store_open(const char *path, const struct store_options *opts,
                         struct store_error *err) STORE_WUR;

/*
 * Commit the open batch (if any), then close the store and free it.
 * st may be NULL (no-op, returns STORE_OK). st is invalid afterwards, even on error.
 * Returns STORE_OK, or the error of the final commit (the batch is then lost).
 * Not marked warn_unused_result so cleanup paths can ignore it: call
 * store_flush() first when you must know that the last batch was committed.
 */
int store_close(struct store *st);

/*
 * Commit the open batch now. Returns only after COMMIT succeeded (STORE_OK,
 * also when no batch was open), or an error: STORE_EBUSY (the batch is still
 * open; retry), a fatal code (the batch is lost).
 */
int store_flush(struct store *st) STORE_WUR;

/* Code of the last error (STORE_OK if none yet). st must not be NULL. */
int store_errcode(const struct store *st);

/*
 * Message of the last error, "no error" if none. The string belongs to st and
 * is valid until the next call on st or store_close(). st may be NULL.
 */
const char *store_errmsg(const struct store *st);

/* Static English name of a code, e.g. "STORE_ENOTDB: not a database or corrupt". */
const char *store_strerror(int code);

/* ---- writer ---------------------------------------------------------------- */

/*
 * Insert-or-get the endpoint (host, ip, port, sni). NULLs compare equal for
 * this purpose (two endpoints without SNI are the same endpoint).
 * host, ip, sni: may be NULL, but not both host and ip.
 * id: receives the endpoint's row id; may be NULL.
 * Returns STORE_OK, STORE_EINVAL, STORE_EBUSY or a fatal code.
 */
int store_endpoint_id(struct store *st, const char *host, const char *ip,
                      uint16_t port, const char *sni, int64_t *id) STORE_WUR;

/*
 * Start a scan of endpoint `endpoint_id` (a row of endpoints).
 * started: NULL = now. tool_version: may be NULL.
 * scan_id: receives the new scan's id (required).
 * Returns STORE_OK, STORE_EINVAL, STORE_ECONSTRAINT (unknown endpoint, bad
 * time), STORE_EBUSY or a fatal code.
 */
int store_scan_begin(struct store *st, int64_t endpoint_id, const char *started,
                     const char *tool_version, int64_t *scan_id) STORE_WUR;

/*
 * Finish scan `scan_id`: set finished (NULL = now), error (NULL = no error,
 * e.g. "connection refused") and result_json (the whole "scan" object of
 * INTERFACE.md as text; NULL allowed; must be valid JSON).
 * Returns STORE_OK, STORE_ENOTFOUND (no such scan), STORE_ECONSTRAINT (invalid
 * JSON, bad time), STORE_EBUSY or a fatal code.
 */
int store_scan_end(struct store *st, int64_t scan_id, const char *finished,
                   const char *error, const char *result_json) STORE_WUR;

/* One probe's transcript (a fact, not a verdict). */
struct store_probe {
	int64_t scan_id;                /* required: the scan it belongs to */
	const char *probe;              /* required: probe name, e.g. "tls13-hello" */
	const unsigned char *request;   /* bytes sent; NULL = SQL NULL; len 0 = empty blob */
	size_t request_len;
	const unsigned char *response;  /* bytes received; NULL = SQL NULL */
	size_t response_len;
	const char *outcome;            /* e.g. "accepted", "alert:handshake_failure" */
	const char *ts;                 /* NULL = now */
};

/*
 * Store one probe's evidence. id: receives its row id; may be NULL.
 * Returns STORE_OK, STORE_EINVAL, STORE_ECONSTRAINT (unknown scan), STORE_EBUSY
 * or a fatal code.
 */
int store_add_probe_evidence(struct store *st, const struct store_probe *p,
                             int64_t *id) STORE_WUR;

/*
 * Store a certificate's DER once, keyed by its SHA-256 (computed here through
 * capture/wire/digest.h). Storing the same DER again changes nothing (first_seen stays).
 * der/len: the DER bytes, len > 0; read during the call only.
 * sha256_hex: receives the lowercase hex SHA-256 (NUL-terminated); may be NULL.
 * Returns STORE_OK, STORE_EINVAL, STORE_EBUSY or a fatal code.
 */
int store_put_cert(struct store *st, const unsigned char *der, size_t len,
                   char sha256_hex[STORE_SHA256_HEX_SIZE]) STORE_WUR;

/*
 * Set the facts of certificate `sha256_hex` (lowercase hex, stored with
 * store_put_cert() first): facts_json is its JSON object, as
 * analyzer/certinfo.h's certinfo_json() makes it, serialized (read during the
 * call only). Facts are set once: when the certificate has facts already,
 * nothing changes and the call succeeds (the first facts stay; facts are a
 * function of the DER, so a second producer computes the same ones).
 * Returns STORE_OK, STORE_EINVAL (NULL st/hash/facts, a hash that is not
 * lowercase hex, facts_json not a valid JSON object), STORE_ENOTFOUND (no
 * such certificate), STORE_EBUSY or a fatal code.
 */
int store_put_cert_facts(struct store *st, const char *sha256_hex,
                         const char *facts_json) STORE_WUR;

/*
 * Record that scan `scan_id` received certificate `sha256_hex` at position
 * `depth` (0 = leaf) of its chain number `chain`: a scan may see several
 * chains, one per full handshake with a distinct leaf (0 = the default
 * handshake's; e.g. 1 and 2 for the RSA and ECDSA certificates of a
 * dual-certificate server). The certificate must have been stored with
 * store_put_cert() first. Linking the same (scan, chain, depth) twice is an error.
 * Returns STORE_OK, STORE_EINVAL, STORE_ECONSTRAINT (unknown scan or
 * certificate, position already linked), STORE_EBUSY or a fatal code.
 */
int store_link_scan_cert(struct store *st, int64_t scan_id, unsigned chain, unsigned depth,
                         const char *sha256_hex) STORE_WUR;

/*
 * Store a stapled OCSP response's DER once, keyed by its SHA-256, like
 * store_put_cert(): storing the same bytes again changes nothing.
 * der/len: the response bytes, len > 0; read during the call only.
 * sha256_hex: receives the lowercase hex SHA-256 (NUL-terminated); may be NULL.
 * Returns STORE_OK, STORE_EINVAL, STORE_EBUSY or a fatal code.
 */
int store_put_ocsp(struct store *st, const unsigned char *der, size_t len,
                   char sha256_hex[STORE_SHA256_HEX_SIZE]) STORE_WUR;

/*
 * Record that the handshake of chain number `chain` (as in
 * store_link_scan_cert()) of scan `scan_id` got OCSP response `sha256_hex`
 * stapled, stored with store_put_ocsp() first. One response per (scan, chain):
 * linking a second is an error.
 * Returns STORE_OK, STORE_EINVAL, STORE_ECONSTRAINT (unknown scan or
 * response, chain already linked), STORE_EBUSY or a fatal code.
 */
int store_link_scan_ocsp(struct store *st, int64_t scan_id, unsigned chain,
                         const char *sha256_hex) STORE_WUR;

/*
 * One TLS connection observed by the sensor (the "tls" object of INTERFACE.md).
 * Also filled by store_each_connection(), where every pointer is borrowed and
 * valid only during the callback.
 */
struct store_conn {
	const char *ts;                 /* first packet, RFC 3339 with µs; NULL = now */
	const char *client_ip;          /* required */
	uint16_t client_port;
	const char *server_ip;          /* required */
	uint16_t server_port;
	const char *sni;
	const char *version;            /* "TLSv1.3" ... */
	const char *cipher;             /* IANA name or "0xXXXX" */
	const char *alpn_offered_json;  /* JSON array text, e.g. ["h2","http/1.1"] */
	const char *alpn_selected;
	const char *ja3, *ja3s, *ja4;
	const char *server_cert_sha256; /* leaf hash, NULL when not seen (TLS 1.3) */
	bool fallback_scsv;
	const char *downgrade_sentinel; /* NULL, "TLSv1.2" or "TLSv1.1" */
	bool resumed;
	bool hello_retry_request;
	const char *alerts_json;        /* JSON array text */
	const char *anomalies_json;     /* JSON array text, as in the NDJSON output */
	const char *source;             /* pcap file name or interface */
	/* Chain as sent, leaf first: lowercase hex SHA-256 of certificates
	 * already stored with store_put_cert(). chain_len <= STORE_CHAIN_MAX. */
	const char *const *chain_sha256;
	size_t chain_len;
};

/*
 * Store a connection and its chain (atomically). id: receives its row id; may
 * be NULL. The JSON fields must be valid JSON.
 * Returns STORE_OK, STORE_EINVAL (missing ip, chain too long),
 * STORE_ECONSTRAINT (invalid JSON, unknown chain certificate, bad time),
 * STORE_EBUSY or a fatal code.
 */
int store_add_connection(struct store *st, const struct store_conn *c,
                         int64_t *id) STORE_WUR;

/* What an anomaly is attached to. */
enum store_ref {
	STORE_REF_CONNECTION, /* ref_id is a connections.id */
	STORE_REF_SCAN,       /* ref_id is a scans.id */
	STORE_REF_PROBE,      /* ref_id is a probe_evidence.id */
};

/* A parser anomaly stored as a fact that rules can match. */
struct store_anomaly {
	enum store_ref ref_kind;
	int64_t ref_id;         /* not checked against the referenced table */
	const char *name;       /* required, e.g. "ext_trailing_bytes" */
	const char *detail;
	const char *ts;         /* NULL = now */
};

/*
 * Store an anomaly. id: receives its row id; may be NULL.
 * Returns STORE_OK, STORE_EINVAL, STORE_ECONSTRAINT, STORE_EBUSY or a fatal code.
 */
int store_add_anomaly(struct store *st, const struct store_anomaly *a,
                      int64_t *id) STORE_WUR;

/* A rule's verdict on one resource (input of store_upsert_finding()). */
struct store_finding {
	const char *rule;          /* required, e.g. "pci-dss-4.0.1/4.2.1-early-tls" */
	const char *resource;      /* required, e.g. "127.0.0.1:443 server.test" */
	const char *status;        /* required: "ok", "alarm", "info" or "skip" */
	const char *severity;      /* e.g. "high"; may be NULL */
	const char *reason;        /* one line; may be NULL */
	const char *evidence_json; /* JSON text (array of references); may be NULL */
	const char *ts;            /* when seen; NULL = now */
	bool has_score;            /* the model's score behind it (schema v3) */
	double score;
	const char *score_terms_json; /* JSON array of the terms; may be NULL */
};

/*
 * Insert the finding, or, if (rule, resource) already exists, update status,
 * severity, reason and evidence, set last_seen = ts and add 1 to count;
 * first_seen is kept.
 * Returns STORE_OK, STORE_EINVAL, STORE_ECONSTRAINT (bad status, invalid JSON),
 * STORE_EBUSY or a fatal code.
 */
int store_upsert_finding(struct store *st, const struct store_finding *f) STORE_WUR;

/*
 * Set meta key to value (insert or replace); value may be NULL.
 * For the analyzer's own state, e.g. the last connection id it judged.
 * Returns STORE_OK, STORE_EINVAL, STORE_EBUSY or a fatal code.
 */
int store_meta_set(struct store *st, const char *key, const char *value) STORE_WUR;

/* What store_prune_connections() deleted. */
struct store_pruned {
	int64_t connections;   /* connections rows (their conn_certs rows went with them) */
	int64_t anomalies;     /* anomalies rows attached to those connections */
	int64_t certificates;  /* certificates rows nothing references any more */
};

/*
 * Retention of the sensor's observations: delete every connection whose ts is
 * earlier than `before`, with its chain links (conn_certs) and the anomalies
 * attached to it (ref_kind connection), then every certificate that nothing
 * references any more (no conn_certs or scan_certs row, no connection's
 * server_cert_sha256) and whose first_seen is also earlier than `before`.
 * That last condition keeps a certificate that another writer has just stored
 * with store_put_cert() and not linked yet (put and link are two writer
 * calls, which a batch commit may separate); an unreferenced certificate
 * stored recently goes in a prune after it has aged past the cutoff.
 * Scans, probe evidence, endpoints and findings are never touched.
 *
 * Like every writer call it is atomic and counts as one write of the batch:
 * call store_flush() to make the deletion visible to other connections.
 * before: required, RFC 3339 UTC "YYYY-MM-DDTHH:MM:SS[.f...]Z", read during the
 *   call only; compared with the stored text (the connections_ts index order),
 *   which is time order for timestamps with equally many fractional digits:
 *   the sensor stores 6, so pass a cutoff with 6 (e.g. "2026-10-23T05:00:00.000000Z").
 * out: receives the counts of deleted rows; may be NULL.
 * Returns STORE_OK, STORE_EINVAL (NULL or malformed `before`), STORE_EBUSY or a
 * fatal code.
 */
int store_prune_connections(struct store *st, const char *before,
                            struct store_pruned *out) STORE_WUR;

/* ---- reader ---------------------------------------------------------------- */
/*
 * Readers see everything committed plus this store's own open batch.
 * Iteration callbacks return 0 to continue, non-zero to stop early (the
 * reader then returns STORE_OK). A callback may call writer functions on the
 * same store, but must not rely on seeing its own writes in the iteration.
 */

/*
 * Read meta `key` into buf (NUL-terminated). A NULL value reads as "".
 * Returns STORE_OK, STORE_EINVAL, STORE_ENOTFOUND, STORE_ERANGE (buf too small,
 * nothing written), or a fatal code.
 */
int store_meta_get(struct store *st, const char *key, char *buf, size_t cap) STORE_WUR;

/* Number of rows in table t into *n. Returns STORE_OK, STORE_EINVAL or a fatal code. */
int store_count(struct store *st, enum store_table t, int64_t *n) STORE_WUR;

/*
 * Call cb for each connection with id > since_id, in id order (pass the last
 * id seen to get only what is new). c and everything it points to (chain
 * included) are valid only during the callback.
 * Returns STORE_OK, STORE_EINVAL or a fatal code.
 */
int store_each_connection(struct store *st, int64_t since_id,
                          int (*cb)(void *ctx, int64_t id, const struct store_conn *c),
                          void *ctx) STORE_WUR;

/* A stored certificate, as given to reader callbacks (pointers borrowed). */
struct store_cert {
	const char *sha256;       /* lowercase hex */
	const unsigned char *der;
	size_t der_len;
	const char *first_seen;
	const char *facts_json;   /* its JSON object (store_put_cert_facts()), NULL = none */
};

/*
 * Whether certificate `sha256_hex` (lowercase hex) has facts yet, into *has:
 * lets a producer that sees the same certificates over and over (the sensor)
 * build the facts only for the ones that lack them.
 * Returns STORE_OK, STORE_EINVAL, STORE_ENOTFOUND (no such certificate) or a
 * fatal code.
 */
int store_cert_has_facts(struct store *st, const char *sha256_hex, bool *has) STORE_WUR;

/*
 * Call cb once with the certificate whose SHA-256 is sha256_hex (lowercase hex).
 * Returns STORE_OK, STORE_EINVAL, STORE_ENOTFOUND or a fatal code.
 */
int store_get_cert(struct store *st, const char *sha256_hex,
                   int (*cb)(void *ctx, const struct store_cert *c), void *ctx) STORE_WUR;

/* Call cb for each certificate, in first_seen order. Returns as store_each_connection(). */
int store_each_cert(struct store *st,
                    int (*cb)(void *ctx, const struct store_cert *c), void *ctx) STORE_WUR;

/* A stored finding, as given to store_each_finding() (pointers borrowed). */
struct store_finding_row {
	int64_t id;
	struct store_finding f;   /* f.ts is last_seen */
	const char *first_seen;
	const char *last_seen;
	int64_t count;
};

/*
 * Call cb for each finding, in id order; status may be NULL (all) or one of
 * "ok", "alarm", "info", "skip" to filter.
 * Returns STORE_OK, STORE_EINVAL or a fatal code.
 */
int store_each_finding(struct store *st, const char *status,
                       int (*cb)(void *ctx, const struct store_finding_row *r),
                       void *ctx) STORE_WUR;

/*
 * Run ONE read-only SQL statement (SELECT, WITH ... SELECT, VALUES, or one of
 * the inspection PRAGMAs integrity_check, quick_check, foreign_key_check,
 * table_info, table_xinfo, table_list, index_list, index_info, index_xinfo,
 * foreign_key_list, and the readings of user_version, application_id,
 * page_count, freelist_count, foreign_keys) and
 * call cb for each result row. Anything that could change the database or the
 * connection (INSERT, UPDATE, DELETE, CREATE, ATTACH, BEGIN, COMMIT, setting a
 * PRAGMA...) is refused, as is more than one statement.
 *
 * cb gets the column count, the column names and the values as text (NULL
 * for SQL NULL; select hex(blob) for BLOBs); all valid only during the call.
 * cb may be NULL (the statement is just run, e.g. to check it compiles).
 * Returns STORE_OK, STORE_EINVAL (NULL sql, several statements),
 * STORE_EREADONLY (refused), STORE_ESQL (syntax error, unknown table or
 * column, runtime SQL error: store_errmsg() contains SQLite's text),
 * STORE_EBUSY or a fatal code.
 */
int store_query(struct store *st, const char *sql,
                int (*cb)(void *ctx, int ncol, const char *const *names,
                          const char *const *values),
                void *ctx) STORE_WUR;

/*
 * The column names of a read-only query (as store_query() would return them), comma-joined
 * into names (cap bytes), and their number in *ncol, without running it. The rule loader
 * checks a rule's shape with it. Returns STORE_OK; STORE_EINVAL with SQLite's message (a
 * syntax error, an unknown table or column) or STORE_EREADONLY; a fatal code.
 */
int store_query_columns(struct store *st, const char *sql, char *names, size_t cap,
                        int *ncol) STORE_WUR;

/*
 * Runs one statement that may create, fill and drop this connection's TEMP tables, views
 * and indexes (reference data for the rules: suite attributes, guidelines), and may read
 * anything; writing the database file is refused (STORE_EREADONLY). bind_text, when not
 * NULL, is bound to the statement's first parameter (e.g. a JSON document that the
 * statement expands with json_each). Temporary objects last until store_close().
 * Returns STORE_OK, STORE_EINVAL (SQLite's message), STORE_EREADONLY or a fatal code.
 */
int store_temp_exec(struct store *st, const char *sql, const char *bind_text) STORE_WUR;

/* ---- the analyzer's tables (schema version 3) ---------------------------------------- */

/* A rule's metadata as loaded (analyzer/rules.h); strings as described there. */
struct store_rule {
	const char *id, *title, *severity;   /* required */
	const char *requirements_json;       /* required: JSON array */
	const char *remediation, *description, *file, *sha256;
};

/* Insert or update the rule (by id). Returns STORE_OK, STORE_EINVAL, STORE_ECONSTRAINT,
 * STORE_EBUSY or a fatal code. */
int store_put_rule(struct store *st, const struct store_rule *r) STORE_WUR;

/* An analysis run: begin (started = now) and end (finished = now, with its figures). */
int store_run_begin(struct store *st, const char *tool, int64_t *run_id) STORE_WUR;
int store_run_end(struct store *st, int64_t run_id, const char *rules_hash, int64_t n_rules,
                  int64_t n_refused, int64_t n_findings) STORE_WUR;

/* One authorized (name, certificate | key | issuer) of the inventory. */
struct store_inventory {
	const char *name;          /* required: DNS name or "*.example.com" */
	const char *cert_sha256;   /* lowercase hex, or NULL */
	const char *spki_sha256;   /* base64 as pin-sha256, or NULL */
	const char *issuer;        /* RFC 2253, or NULL (one of the three is required) */
	const char *not_before, *not_after;
	const char *source;        /* required: where it came from */
};

/* Adds the entry unless the same (name, cert, key, issuer) is there; *added (may be NULL)
 * says which. Returns STORE_OK, STORE_EINVAL, STORE_EBUSY or a fatal code. */
int store_add_inventory(struct store *st, const struct store_inventory *e, bool *added)
	STORE_WUR;

/* An analyst's verdict on a finding (tlsscope triage). */
struct store_triage {
	const char *rule, *resource;   /* required: the finding's key */
	const char *verdict;           /* required: "acknowledged" or "false_positive" */
	const char *reason, *author;   /* required */
	const char *created;           /* NULL = now */
	const char *expires;           /* RFC 3339, or NULL = never */
};
int store_add_triage(struct store *st, const struct store_triage *t, int64_t *id) STORE_WUR;

/* The model's score of one observation, with the terms that made it. */
struct store_score {
	const char *ref_kind;          /* required: "connection" or "scan" */
	int64_t ref_id;
	const char *resource;          /* required */
	double score;
	bool mature;                   /* the server's baseline had enough history */
	const char *terms_json;        /* required: JSON array */
	const char *ts;                /* NULL = now */
};
/* Insert or replace (by ref_kind, ref_id). */
int store_put_score(struct store *st, const struct store_score *s) STORE_WUR;

/* The model's persistent state, an opaque blob per name. store_get_model_state returns a
 * malloc'd copy in *state (the caller frees it), STORE_ENOTFOUND when there is none. */
int store_put_model_state(struct store *st, const char *name, const void *state, size_t len)
	STORE_WUR;
int store_get_model_state(struct store *st, const char *name, void **state, size_t *len)
	STORE_WUR;

/* GeoIP / ASN facts about one address (insert or replace). */
struct store_geo {
	const char *ip;                /* required */
	const char *country, *city;    /* ISO 3166 code, English name; NULL = unknown */
	int64_t asn;                   /* 0 = unknown */
	const char *as_org;
	const char *source;            /* the database's type and build date */
};
int store_put_geo(struct store *st, const struct store_geo *g) STORE_WUR;

#endif /* TLSSCOPE_ANALYZER_STORE_STORE_H */
