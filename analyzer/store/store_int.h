/*
 * store_int.h - internals shared by store.c, store_write.c and store_read.c.
 * Not part of the public interface: include "store.h" instead.
 */
#ifndef TLSSCOPE_ANALYZER_STORE_STORE_INT_H
#define TLSSCOPE_ANALYZER_STORE_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

/* Statements prepared once at open and reused by the writer (store_write.c).
 * Readers prepare their own statements per call so that a reader callback may
 * call another reader without resetting the statement being iterated; the one
 * exception is S_CERT_HAS_FACTS (store_i_cert_has_facts), a point lookup that
 * calls nothing back, which the sensor makes for every certificate it sees. */
enum store_stmt {
	S_BEGIN,
	S_COMMIT,
	S_SAVEPOINT,
	S_RELEASE,
	S_ENDPOINT_GET,
	S_ENDPOINT_INS,
	S_SCAN_BEGIN,
	S_SCAN_END,
	S_PROBE_INS,
	S_CERT_INS,
	S_CERT_FACTS_SET,
	S_CERT_HAS_FACTS,
	S_JSON_IS_OBJECT,
	S_SCAN_CERT_INS,
	S_OCSP_INS,
	S_SCAN_OCSP_INS,
	S_CONN_INS,
	S_CONN_CERT_INS,
	S_ANOMALY_INS,
	S_FINDING_UPSERT,
	S_META_SET,
	S_RULE_PUT,
	S_RUN_BEGIN,
	S_RUN_END,
	S_INVENTORY_INS,
	S_TRIAGE_INS,
	S_SCORE_PUT,
	S_MODEL_STATE_PUT,
	S_MODEL_STATE_GET,
	S_GEO_PUT,
	S_PRUNE_ANOMALIES,
	S_PRUNE_CONNECTIONS,
	S_PRUNE_CERTS,
	S_COUNT_
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT_];
	unsigned batch_size;   /* commit after this many writer calls */
	unsigned pending;      /* writer calls in the open batch */
	bool in_txn;           /* a batch (BEGIN IMMEDIATE) is open */
	bool in_query;         /* compiling store_query() SQL: the authorizer is strict */
	bool in_temp;          /* compiling store_temp_exec() SQL: writes to temp only */
	bool denied;           /* the strict authorizer refused something */
	int err;               /* code of the last error, STORE_OK if none */
	int fatal;             /* sticky fatal code, STORE_OK while usable */
	char errmsg[STORE_ERRMSG_SIZE];
};

/* "2026-11-22T05:00:00.123456Z" plus NUL fits; a little headroom. */
#define STORE_TS_SIZE 40

/* Record error `code` with a formatted message; returns code. */
int store_i_fail(struct store *st, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record the SQLite failure rc of operation `what` (the message includes
 * sqlite3_errmsg()); maps rc to a store code, makes I/O-level failures fatal
 * (rolling back the open batch); returns the store code. */
int store_i_sqlfail(struct store *st, int rc, const char *what);

/* Make the store unusable with `code` (sticky), rolling back the open batch
 * and appending the number of lost writes to the message; returns code. */
int store_i_fatal(struct store *st, int code);

/* Step a cached statement that returns no rows (or ignore its rows), then
 * reset it and clear its bindings. Returns STORE_OK or store_i_sqlfail(). */
int store_i_run(struct store *st, sqlite3_stmt *s, const char *what);

/* Open the batch if needed and set the per-call savepoint. */
int store_i_wbegin(struct store *st);

/* End a writer call whose result is rc: release (rc == STORE_OK, maybe
 * committing the batch) or roll back to the savepoint. Returns the call's
 * final result. */
int store_i_wend(struct store *st, int rc);

/* Commit the open batch, if any. */
int store_i_commit(struct store *st);

/* Format the current UTC time into buf (STORE_TS_SIZE bytes); returns buf. */
const char *store_i_now(char *buf);

/* True if s is 64 lowercase hex digits. */
bool store_i_is_sha256_hex(const char *s);

/* The authorizer, installed once at open (installing one expires every
 * prepared statement, so it is not toggled per query): it allows everything
 * unless st->in_query is set (store_read.c). */
int store_i_authorizer(void *st, int action, const char *a1, const char *a2,
                       const char *dbname, const char *trigger);

/* Whether certificate sha256_hex (already checked: lowercase hex) has facts,
 * into *has (store_read.c). Returns STORE_OK, STORE_ENOTFOUND (no such
 * certificate, with a message) or store_i_sqlfail(). */
int store_i_cert_has_facts(struct store *st, const char *sha256_hex, bool *has);

/* Prepare the cached writer statements (store_write.c). */
int store_i_prepare_writer(struct store *st);

#endif /* TLSSCOPE_ANALYZER_STORE_STORE_INT_H */
