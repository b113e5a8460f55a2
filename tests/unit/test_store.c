/*
 * test_store.c - unit tests of analyzer/store (cmocka).
 *
 * Each test gets a fresh directory from mkdtemp() under $TMPDIR (or /tmp),
 * removed with everything in it by the teardown. The tests only use the
 * public header: where a test needs a state the API cannot produce (a newer
 * schema version, another application's database), it patches the SQLite
 * file header directly (offsets from https://sqlite.org/fileformat.html),
 * after store_close() has checkpointed the WAL into the main file, or, for a
 * database of an older schema version, builds it with SQLite itself from the
 * DDL that version created (the fixture V1_DDL below).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analyzer/store/store.h"

/* SQLite database header fields (big-endian u32). */
#define HDR_USER_VERSION 60
#define HDR_APPLICATION_ID 68

/* SHA-256("abc"), FIPS 180-2 appendix B.1. */
static const char ABC_SHA256[] =
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
/* SHA-256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), FIPS 180-2 B.2. */
static const char B2_MSG[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char B2_SHA256[] =
	"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";

struct fixture {
	char dir[PATH_MAX];
	char path[PATH_MAX + 16];
};

/* ---- helpers -------------------------------------------------------------- */

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fixture *fx = calloc(1, sizeof *fx);

	assert_non_null(fx);
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(fx->dir, sizeof fx->dir, "%s/test_store.XXXXXX", tmp);
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof fx->path, "%s/t.db", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char p[PATH_MAX + 256];
	struct dirent *de;
	DIR *d = opendir(fx->dir);

	if (d) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof p, "%s/%s", fx->dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static struct store *open_ok(const char *path, unsigned batch)
{
	struct store_options o = { .batch_size = batch, .tool_version = "test-1.0" };
	struct store_error err;
	struct store *st = store_open(path, &o, &err);

	if (!st)
		fail_msg("store_open(%s): %s (%d)", path, err.msg, err.code);
	return st;
}

struct first {
	char v[512];
	int rows;
};

static int cb_first(void *ctx, int ncol, const char *const *names,
                    const char *const *values)
{
	struct first *f = ctx;

	(void)names;
	if (f->rows++ == 0 && ncol > 0)
		snprintf(f->v, sizeof f->v, "%s", values[0] ? values[0] : "(null)");
	return 0;
}

/* First column of the first row of a read-only query, as text. */
static const char *q1(struct store *st, const char *sql, struct first *f)
{
	int rc;

	memset(f, 0, sizeof *f);
	rc = store_query(st, sql, cb_first, f);
	if (rc != STORE_OK)
		fail_msg("store_query(%s): %s", sql, store_errmsg(st));
	return f->v;
}

static int64_t count(struct store *st, enum store_table t)
{
	int64_t n = -1;

	assert_int_equal(store_count(st, t, &n), STORE_OK);
	return n;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void put_be32(const char *path, long off, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };
	FILE *f = fopen(path, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fwrite(b, 1, 4, f), 4);
	assert_int_equal(fclose(f), 0);
}

static struct store_conn sample_conn(void)
{
	struct store_conn c = {
		.ts = "2026-11-22T05:00:00.123456Z",
		.client_ip = "192.0.2.10", .client_port = 50123,
		.server_ip = "198.51.100.7", .server_port = 443,
		.sni = "server.test", .version = "TLSv1.2",
		.cipher = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		.alpn_offered_json = "[\"h2\",\"http/1.1\"]", .alpn_selected = "h2",
		.ja3 = "0123456789abcdef0123456789abcdef",
		.ja4 = "t13d1517h2_8daaf6152771_cb7bf5808d99",
		.fallback_scsv = true, .downgrade_sentinel = "TLSv1.2",
		.alerts_json = "[]", .anomalies_json = "[\"ext_trailing_bytes\"]",
		.source = "test.pcap",
	};
	return c;
}

/* ---- lifecycle and schema -------------------------------------------------- */

static void test_open_creates_schema(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	char wal[PATH_MAX + 32];
	struct first f;
	char buf[64];
	struct stat sb;
	int t;

	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(atoi(q1(st, "PRAGMA user_version", &f)), STORE_SCHEMA_VERSION);
	assert_int_equal(atol(q1(st, "PRAGMA application_id", &f)), STORE_APPLICATION_ID);
	/* WAL mode: the first commit creates the -wal file beside the database */
	assert_int_equal(store_meta_set(st, "k", "v"), STORE_OK);
	assert_int_equal(store_flush(st), STORE_OK);
	snprintf(wal, sizeof wal, "%s-wal", fx->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_string_equal(q1(st, "PRAGMA foreign_keys", &f), "1");
	assert_int_equal(store_meta_get(st, "tool_version", buf, sizeof buf), STORE_OK);
	assert_string_equal(buf, "test-1.0");
	assert_int_equal(store_meta_get(st, "created", buf, sizeof buf), STORE_OK);
	assert_int_equal(strlen(buf), strlen("2026-11-22T05:00:00.000Z"));
	for (t = 0; t < STORE_T_COUNT_; t++)
		assert_int_equal(count(st, (enum store_table)t), t == STORE_T_META ? 3 : 0);
	assert_string_equal(store_errmsg(st), "no error");
	assert_int_equal(store_close(st), STORE_OK);
}

static void test_migrate_empty_file(void **state)
{
	struct fixture *fx = *state;
	struct store *st;
	struct first f;

	write_file(fx->path, "", 0);
	st = open_ok(fx->path, 0);
	assert_int_equal(atoi(q1(st, "PRAGMA user_version", &f)), STORE_SCHEMA_VERSION);
	assert_string_equal(q1(st, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
	                           " AND name IN ('meta', 'endpoints', 'scans', 'probe_evidence',"
	                           " 'certificates', 'scan_certs', 'connections', 'conn_certs',"
	                           " 'anomalies', 'findings', 'ocsp_responses', 'scan_ocsp')",
	                    &f), "12");
	assert_string_equal(q1(st, "PRAGMA integrity_check", &f), "ok");
	assert_int_equal(store_close(st), STORE_OK);
}

static void test_reopen_idempotent(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	struct store_conn c = sample_conn();
	char created[64], again[64];
	struct first f, g;
	int i;

	assert_int_equal(store_meta_get(st, "created", created, sizeof created), STORE_OK);
	assert_int_equal(store_add_connection(st, &c, NULL), STORE_OK);
	q1(st, "SELECT group_concat(name) FROM sqlite_schema ORDER BY name", &f);
	assert_int_equal(store_close(st), STORE_OK);

	for (i = 0; i < 3; i++) {
		st = open_ok(fx->path, 0);
		assert_int_equal(atoi(q1(st, "PRAGMA user_version", &g)), STORE_SCHEMA_VERSION);
		assert_int_equal(store_meta_get(st, "created", again, sizeof again), STORE_OK);
		assert_string_equal(created, again);
		assert_string_equal(q1(st, "SELECT group_concat(name) FROM sqlite_schema"
		                           " ORDER BY name", &g), f.v);
		assert_int_equal(count(st, STORE_T_CONNECTIONS), 1);
		assert_int_equal(count(st, STORE_T_META), 2);
		assert_int_equal(store_close(st), STORE_OK);
	}
}

static void test_close_null(void **state)
{
	(void)state;
	assert_int_equal(store_close(NULL), STORE_OK);
	assert_non_null(store_errmsg(NULL));
	assert_int_equal(store_flush(NULL), STORE_EINVAL);
}

/* Files store_open() must refuse cleanly, leaving them untouched. */
enum bad_kind { BAD_RANDOM, BAD_TEXT, BAD_HEADER_THEN_NOISE, BAD_TRUNCATED_STORE };

static void make_bad_file(const char *path, enum bad_kind kind)
{
	static const char magic[16] = "SQLite format 3";
	unsigned char buf[8192];
	uint32_t x = 0x12345678u;
	size_t i;

	for (i = 0; i < sizeof buf; i++) { /* xorshift32: reproducible noise */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
	switch (kind) {
	case BAD_RANDOM:
		write_file(path, buf, sizeof buf);
		break;
	case BAD_TEXT:
		write_file(path, "host,port\nexample.test,443\n", 27);
		break;
	case BAD_HEADER_THEN_NOISE:
		memcpy(buf, magic, sizeof magic);
		write_file(path, buf, sizeof buf);
		break;
	case BAD_TRUNCATED_STORE: {
		struct store *st = open_ok(path, 0);
		struct store_conn c = sample_conn();

		for (i = 0; i < 200; i++)
			assert_int_equal(store_add_connection(st, &c, NULL), STORE_OK);
		assert_int_equal(store_close(st), STORE_OK);
		assert_int_equal(truncate(path, 4096 + 100), 0);
		break;
	}
	}
}

static void test_open_bad_files(void **state)
{
	static const struct {
		const char *name;
		enum bad_kind kind;
	} cases[] = {
		{ "random bytes", BAD_RANDOM },
		{ "text file", BAD_TEXT },
		{ "SQLite magic then noise", BAD_HEADER_THEN_NOISE },
		{ "store truncated mid-page", BAD_TRUNCATED_STORE },
	};
	struct fixture *fx = *state;
	unsigned char before[8192], after[8192];
	struct store_error err;
	struct store *st;
	size_t i, n1, n2;
	FILE *f;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unlink(fx->path);
		make_bad_file(fx->path, cases[i].kind);
		f = fopen(fx->path, "rb");
		assert_non_null(f);
		n1 = fread(before, 1, sizeof before, f);
		fclose(f);

		memset(&err, 0x55, sizeof err);
		st = store_open(fx->path, NULL, &err);
		if (st)
			fail_msg("case '%s': store_open succeeded", cases[i].name);
		if (err.code != STORE_ENOTDB)
			fail_msg("case '%s': code %d (%s), want STORE_ENOTDB", cases[i].name,
			         err.code, err.msg);
		assert_true(strlen(err.msg) > 0 && strlen(err.msg) < sizeof err.msg);
		assert_non_null(strstr(err.msg, fx->path));

		f = fopen(fx->path, "rb");
		assert_non_null(f);
		n2 = fread(after, 1, sizeof after, f);
		fclose(f);
		assert_int_equal(n1, n2);
		assert_memory_equal(before, after, n1);
		/* NULL err is allowed too */
		assert_null(store_open(fx->path, NULL, NULL));
	}
}

static void test_open_too_new(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	struct store_error err;

	assert_int_equal(store_close(st), STORE_OK);
	put_be32(fx->path, HDR_USER_VERSION, STORE_SCHEMA_VERSION + 1);
	assert_null(store_open(fx->path, NULL, &err));
	assert_int_equal(err.code, STORE_ETOONEW);
	assert_non_null(strstr(err.msg, "newer"));
	{
		char want[32];

		snprintf(want, sizeof want, "schema version %d", STORE_SCHEMA_VERSION + 1);
		assert_non_null(strstr(err.msg, want));
	}
}

static void test_open_foreign_db(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	struct store_error err;

	assert_int_equal(store_close(st), STORE_OK);
	put_be32(fx->path, HDR_APPLICATION_ID, 0x0f055112);
	assert_null(store_open(fx->path, NULL, &err));
	assert_int_equal(err.code, STORE_ENOTSTORE);
	assert_non_null(strstr(err.msg, "another application"));
}

static void test_open_bad_args(void **state)
{
	struct fixture *fx = *state;
	struct store_error err;
	char p[PATH_MAX + 32];

	assert_null(store_open(NULL, NULL, &err));
	assert_int_equal(err.code, STORE_EINVAL);
	snprintf(p, sizeof p, "%s/no/such/dir/t.db", fx->dir);
	assert_null(store_open(p, NULL, &err));
	assert_int_equal(err.code, STORE_EIO);
	assert_true(strlen(err.msg) > 0);
}

/* ---- migration from schema version 1 ------------------------------------------ */

/*
 * The DDL schema version 1 created: the `sql` of every object in sqlite_schema of a store
 * made by the version 1 build (commit 06ff4a1), in creation order. A fixture of its own, not
 * the store's migration text, so that a change to a released step shows up here.
 */
#define V1_TS(c) \
	"CHECK (" c " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T" \
	"[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z')"
#define V1_JSON(c, t) \
	"CHECK (" c " IS NULL OR CASE WHEN json_valid(" c ") THEN json_type(" c ") = '" t "'" \
	" ELSE 0 END)"
static const char V1_DDL[] =
	"CREATE TABLE meta ("
	" key TEXT PRIMARY KEY NOT NULL,"
	" value TEXT"
	") STRICT;"
	"CREATE TABLE endpoints ("
	" id INTEGER PRIMARY KEY,"
	" host TEXT,"
	" ip TEXT,"
	" port INTEGER NOT NULL CHECK (port BETWEEN 0 AND 65535),"
	" sni TEXT,"
	" first_seen TEXT NOT NULL " V1_TS("first_seen") ","
	" CHECK (host IS NOT NULL OR ip IS NOT NULL)"
	") STRICT;"
	"CREATE UNIQUE INDEX endpoints_key ON endpoints"
	" (ifnull(host, ''), ifnull(ip, ''), port, ifnull(sni, ''));"
	"CREATE INDEX endpoints_addr ON endpoints (ip, port);"
	"CREATE TABLE scans ("
	" id INTEGER PRIMARY KEY,"
	" endpoint_id INTEGER NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,"
	" started TEXT NOT NULL " V1_TS("started") ","
	" finished TEXT " V1_TS("finished") ","
	" tool_version TEXT,"
	" error TEXT,"
	" result TEXT " V1_JSON("result", "object")
	") STRICT;"
	"CREATE INDEX scans_endpoint ON scans (endpoint_id, started);"
	"CREATE TABLE probe_evidence ("
	" id INTEGER PRIMARY KEY,"
	" scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	" probe TEXT NOT NULL,"
	" request BLOB,"
	" response BLOB,"
	" outcome TEXT,"
	" ts TEXT NOT NULL " V1_TS("ts")
	") STRICT;"
	"CREATE INDEX probe_evidence_scan ON probe_evidence (scan_id, probe);"
	"CREATE TABLE certificates ("
	" sha256 TEXT PRIMARY KEY NOT NULL"
	" CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),"
	" der BLOB NOT NULL,"
	" first_seen TEXT NOT NULL " V1_TS("first_seen")
	") STRICT;"
	"CREATE TABLE scan_certs ("
	" scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	" depth INTEGER NOT NULL CHECK (depth >= 0),"
	" cert_sha256 TEXT NOT NULL REFERENCES certificates (sha256),"
	" PRIMARY KEY (scan_id, depth)"
	") STRICT;"
	"CREATE INDEX scan_certs_cert ON scan_certs (cert_sha256);"
	"CREATE TABLE connections ("
	" id INTEGER PRIMARY KEY,"
	" ts TEXT NOT NULL " V1_TS("ts") ","
	" client_ip TEXT NOT NULL,"
	" client_port INTEGER NOT NULL CHECK (client_port BETWEEN 0 AND 65535),"
	" server_ip TEXT NOT NULL,"
	" server_port INTEGER NOT NULL CHECK (server_port BETWEEN 0 AND 65535),"
	" sni TEXT,"
	" version TEXT,"
	" cipher TEXT,"
	" alpn_offered TEXT " V1_JSON("alpn_offered", "array") ","
	" alpn_selected TEXT,"
	" ja3 TEXT,"
	" ja3s TEXT,"
	" ja4 TEXT,"
	" server_cert_sha256 TEXT CHECK (length(server_cert_sha256) = 64"
	" AND server_cert_sha256 NOT GLOB '*[^0-9a-f]*'),"
	" fallback_scsv INTEGER NOT NULL CHECK (fallback_scsv IN (0, 1)),"
	" downgrade_sentinel TEXT CHECK (downgrade_sentinel IN ('TLSv1.2', 'TLSv1.1')),"
	" resumed INTEGER NOT NULL CHECK (resumed IN (0, 1)),"
	" hello_retry_request INTEGER NOT NULL CHECK (hello_retry_request IN (0, 1)),"
	" alerts TEXT " V1_JSON("alerts", "array") ","
	" anomalies TEXT " V1_JSON("anomalies", "array") ","
	" source TEXT"
	") STRICT;"
	"CREATE INDEX connections_server ON connections (server_ip, server_port, sni);"
	"CREATE INDEX connections_ts ON connections (ts);"
	"CREATE INDEX connections_leaf ON connections (server_cert_sha256);"
	"CREATE TABLE conn_certs ("
	" conn_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,"
	" depth INTEGER NOT NULL CHECK (depth >= 0),"
	" cert_sha256 TEXT NOT NULL REFERENCES certificates (sha256),"
	" PRIMARY KEY (conn_id, depth)"
	") STRICT;"
	"CREATE INDEX conn_certs_cert ON conn_certs (cert_sha256);"
	"CREATE TABLE anomalies ("
	" id INTEGER PRIMARY KEY,"
	" ref_kind TEXT NOT NULL CHECK (ref_kind IN ('connection', 'scan', 'probe')),"
	" ref_id INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" detail TEXT,"
	" ts TEXT NOT NULL " V1_TS("ts")
	") STRICT;"
	"CREATE INDEX anomalies_ref ON anomalies (ref_kind, ref_id);"
	"CREATE INDEX anomalies_name ON anomalies (name);"
	"CREATE TABLE findings ("
	" id INTEGER PRIMARY KEY,"
	" rule TEXT NOT NULL,"
	" resource TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('ok', 'alarm', 'info', 'skip')),"
	" severity TEXT,"
	" reason TEXT,"
	" evidence TEXT CHECK (evidence IS NULL OR json_valid(evidence)),"
	" first_seen TEXT NOT NULL " V1_TS("first_seen") ","
	" last_seen TEXT NOT NULL " V1_TS("last_seen") ","
	" count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),"
	" UNIQUE (rule, resource)"
	") STRICT;"
	"CREATE INDEX findings_status ON findings (status, severity);";

/* Rows of a version 1 store: one of every kind, two certificates in a scan's chain. The
 * certificates' keys are the FIPS 180-2 hashes of their bytes. */
static const char V1_ROWS[] =
	"INSERT INTO meta VALUES ('created', '2025-01-02T03:04:05.678Z'),"
	" ('tool_version', 'tlsscope 0.1.0'), ('analyzer.last_conn', '1');"
	"INSERT INTO endpoints VALUES (1, 'server.test', '127.0.0.1', 443, 'server.test',"
	" '2025-01-02T03:04:05.000001Z');"
	"INSERT INTO scans VALUES (1, 1, '2025-01-02T03:04:05.000002Z',"
	" '2025-01-02T03:04:06.000003Z', 'tlsscope 0.1.0', NULL, '{\"type\":\"scan\",\"port\":443}');"
	"INSERT INTO probe_evidence VALUES (1, 1, 'tls12-hello', X'1603010000', X'15030300',"
	" 'alert:handshake_failure', '2025-01-02T03:04:05.000004Z');"
	"INSERT INTO certificates VALUES"
	" ('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', CAST('abc' AS BLOB),"
	" '2025-01-02T03:04:05.000005Z'),"
	" ('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',"
	" CAST('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq' AS BLOB),"
	" '2025-01-02T03:04:05.000006Z');"
	"INSERT INTO scan_certs VALUES"
	" (1, 0, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'),"
	" (1, 1, '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');"
	"INSERT INTO connections (id, ts, client_ip, client_port, server_ip, server_port, sni,"
	" server_cert_sha256, fallback_scsv, resumed, hello_retry_request, alerts)"
	" VALUES (1, '2025-01-02T03:04:07.000007Z', '192.0.2.10', 50123, '127.0.0.1', 443,"
	" 'server.test', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',"
	" 0, 0, 0, '[]');"
	"INSERT INTO conn_certs VALUES"
	" (1, 0, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');"
	"INSERT INTO anomalies VALUES (1, 'connection', 1, 'tcp_gap', NULL,"
	" '2025-01-02T03:04:07.000008Z');"
	"INSERT INTO findings VALUES (1, 'r1', '127.0.0.1:443 server.test', 'alarm', 'high',"
	" 'why', '[{\"scan\":1}]', '2025-01-02T03:04:08Z', '2025-01-02T03:04:09Z', 2);"
	"PRAGMA application_id = 1414288211;" /* 0x544c5353, "TLSS" */
	"PRAGMA user_version = 1;";

/* Builds a version 1 store at path (with SQLite alone), plus `extra` SQL (may be NULL). */
static void make_v1(const char *path, const char *extra)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, "PRAGMA foreign_keys = ON; BEGIN", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, V1_DDL, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, V1_ROWS, NULL, NULL, &msg) != SQLITE_OK ||
	    (extra && sqlite3_exec(db, extra, NULL, NULL, &msg) != SQLITE_OK) ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("building the v1 store: %s", msg ? msg : "?");
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Every row of a query, "a|b|c" per row, rows joined by newlines. */
struct rows {
	char v[16384];
	size_t n;
};

static int cb_rows(void *ctx, int ncol, const char *const *names, const char *const *values)
{
	struct rows *r = ctx;
	int i, k;

	(void)names;
	for (i = 0; i < ncol; i++) {
		k = snprintf(r->v + r->n, sizeof r->v - r->n, "%s%s", i ? "|" : "",
		             values[i] ? values[i] : "NULL");
		assert_true(k >= 0 && (size_t)k < sizeof r->v - r->n);
		r->n += (size_t)k;
	}
	assert_true(r->n + 1 < sizeof r->v);
	r->v[r->n++] = '\n';
	r->v[r->n] = '\0';
	return 0;
}

static const char *qall(struct store *st, const char *sql, struct rows *r)
{
	memset(r, 0, sizeof *r);
	if (store_query(st, sql, cb_rows, r) != STORE_OK)
		fail_msg("store_query(%s): %s", sql, store_errmsg(st));
	return r->v;
}

/* The schema of a store, whitespace taken out of the SQL text (the fixture is formatted
 * differently from the store's own DDL). */
static const char SCHEMA_SQL[] =
	"SELECT type, name, tbl_name, replace(replace(sql, ' ', ''), char(10), '')"
	" FROM sqlite_schema ORDER BY type, name";

/* A version 1 store opens as the current version with every row kept: scan_certs rows become chain 0,
 * certificates get no facts, the new tables are empty, and the schema is the one a new
 * store gets. */
static void test_migrate_v1(void **state)
{
	static const struct {
		const char *sql, *want;
	} kept[] = {
		{ "SELECT value FROM meta WHERE key = 'created'", "2025-01-02T03:04:05.678Z\n" },
		{ "SELECT value FROM meta WHERE key = 'tool_version'", "test-1.0\n" },
		{ "SELECT value FROM meta WHERE key = 'analyzer.last_conn'", "1\n" },
		{ "SELECT * FROM endpoints",
		  "1|server.test|127.0.0.1|443|server.test|2025-01-02T03:04:05.000001Z\n" },
		{ "SELECT id, endpoint_id, started, finished, tool_version, error,"
		  " json_extract(result, '$.port') FROM scans",
		  "1|1|2025-01-02T03:04:05.000002Z|2025-01-02T03:04:06.000003Z|tlsscope 0.1.0|NULL"
		  "|443\n" },
		{ "SELECT id, scan_id, probe, hex(request), hex(response), outcome, ts"
		  " FROM probe_evidence",
		  "1|1|tls12-hello|1603010000|15030300|alert:handshake_failure"
		  "|2025-01-02T03:04:05.000004Z\n" },
		{ "SELECT sha256, CAST(der AS TEXT), first_seen, facts FROM certificates"
		  " ORDER BY first_seen",
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad|abc"
		  "|2025-01-02T03:04:05.000005Z|NULL\n"
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
		  "|abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
		  "|2025-01-02T03:04:05.000006Z|NULL\n" },
		{ "SELECT scan_id, chain, depth, cert_sha256 FROM scan_certs ORDER BY depth",
		  "1|0|0|ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
		  "1|0|1|248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1\n" },
		{ "SELECT id, ts, server_cert_sha256, alerts FROM connections",
		  "1|2025-01-02T03:04:07.000007Z"
		  "|ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad|[]\n" },
		{ "SELECT * FROM conn_certs",
		  "1|0|ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n" },
		{ "SELECT * FROM anomalies",
		  "1|connection|1|tcp_gap|NULL|2025-01-02T03:04:07.000008Z\n" },
		{ "SELECT * FROM findings",
		  "1|r1|127.0.0.1:443 server.test|alarm|high|why|[{\"scan\":1}]"
		  "|2025-01-02T03:04:08Z|2025-01-02T03:04:09Z|2|NULL|NULL\n" },
		/* version 3's views read the migrated rows */
		{ "SELECT resource, scan_id FROM v_scan", "127.0.0.1:443 server.test|1\n" },
		{ "SELECT count(*) FROM inventory", "0\n" },
		{ "SELECT count(*) FROM ocsp_responses", "0\n" },
		{ "SELECT count(*) FROM scan_ocsp", "0\n" },
		{ "PRAGMA integrity_check", "ok\n" },
		{ "PRAGMA foreign_key_check", "" },
		/* the rebuilt table's index is back */
		{ "SELECT count(*) FROM sqlite_schema WHERE name = 'scan_certs_cert'"
		  " AND tbl_name = 'scan_certs'", "1\n" },
	};
	struct fixture *fx = *state;
	char fresh_path[PATH_MAX + 32];
	struct store *st, *fresh;
	struct rows r, want;
	size_t i;

	make_v1(fx->path, NULL);
	st = open_ok(fx->path, 0);
	assert_int_equal(atoi(qall(st, "PRAGMA user_version", &r)), STORE_SCHEMA_VERSION);
	for (i = 0; i < sizeof kept / sizeof kept[0]; i++) {
		if (strcmp(qall(st, kept[i].sql, &r), kept[i].want) != 0)
			fail_msg("'%s':\n got  '%s'\n want '%s'", kept[i].sql, r.v, kept[i].want);
	}

	/* the same schema as a store created by this build */
	snprintf(fresh_path, sizeof fresh_path, "%s/fresh.db", fx->dir);
	fresh = open_ok(fresh_path, 0);
	qall(fresh, SCHEMA_SQL, &want);
	if (strcmp(qall(st, SCHEMA_SQL, &r), want.v) != 0)
		fail_msg("migrated schema:\n%s\nnew store's schema:\n%s", r.v, want.v);
	assert_int_equal(store_close(fresh), STORE_OK);

	/* and it takes version 2 writes: another chain of the old scan, facts, OCSP */
	assert_int_equal(store_link_scan_cert(st, 1, 1, 0, B2_SHA256), STORE_OK);
	assert_int_equal(store_link_scan_cert(st, 1, 0, 1, B2_SHA256), STORE_ECONSTRAINT);
	assert_int_equal(store_put_cert_facts(st, ABC_SHA256, "{\"cn\":\"abc\"}"), STORE_OK);
	assert_int_equal(store_put_ocsp(st, (const unsigned char *)"abc", 3, NULL), STORE_OK);
	assert_int_equal(store_link_scan_ocsp(st, 1, 0, ABC_SHA256), STORE_OK);
	assert_int_equal(store_close(st), STORE_OK);

	/* reopening changes nothing */
	st = open_ok(fx->path, 0);
	assert_string_equal(qall(st, "SELECT chain || ':' || depth FROM scan_certs"
	                             " ORDER BY chain, depth", &r), "0:0\n0:1\n1:0\n");
	assert_string_equal(qall(st, "SELECT json_extract(facts, '$.cn') FROM certificates"
	                             " WHERE facts IS NOT NULL", &r), "abc\n");
	assert_int_equal(count(st, STORE_T_SCAN_OCSP), 1);
	assert_int_equal(store_close(st), STORE_OK);
}

/* A migration step that fails leaves the file as it was: still version 1, every row there. */
static void test_migrate_v1_failure_rolls_back(void **state)
{
	struct fixture *fx = *state;
	struct store_error err;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	/* a table in the way of the rebuild of scan_certs */
	make_v1(fx->path, "CREATE TABLE scan_certs_v2 (x INTEGER) STRICT;");
	memset(&err, 0, sizeof err);
	assert_null(store_open(fx->path, NULL, &err));
	assert_int_not_equal(err.code, STORE_OK);
	assert_non_null(strstr(err.msg, "schema version 2"));

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT (SELECT user_version FROM pragma_user_version)"
	                                    " || ' ' || (SELECT count(*) FROM scan_certs)"
	                                    " || ' ' || (SELECT count(*) FROM pragma_table_info("
	                                    "'certificates') WHERE name = 'facts')"
	                                    " || ' ' || (SELECT count(*) FROM sqlite_schema"
	                                    " WHERE name = 'ocsp_responses')",
	                                    -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "1 2 0 0");
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* ---- writer ----------------------------------------------------------------- */

static int cb_cert(void *ctx, const struct store_cert *c)
{
	struct first *f = ctx;

	f->rows++;
	assert_int_equal(c->der_len, 3);
	assert_memory_equal(c->der, "abc", 3);
	assert_null(c->facts_json);
	snprintf(f->v, sizeof f->v, "%s", c->sha256);
	return 0;
}

static void test_cert_stored_once(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	char h1[STORE_SHA256_HEX_SIZE], h2[STORE_SHA256_HEX_SIZE];
	struct first f;

	assert_int_equal(store_put_cert(st, (const unsigned char *)"abc", 3, h1), STORE_OK);
	assert_string_equal(h1, ABC_SHA256);
	assert_int_equal(store_put_cert(st, (const unsigned char *)"abc", 3, h2), STORE_OK);
	assert_string_equal(h2, ABC_SHA256);
	assert_int_equal(store_put_cert(st, (const unsigned char *)"abc", 3, NULL), STORE_OK);
	assert_int_equal(count(st, STORE_T_CERTIFICATES), 1);
	assert_string_equal(q1(st, "SELECT sha256 FROM certificates", &f), ABC_SHA256);

	memset(&f, 0, sizeof f);
	assert_int_equal(store_get_cert(st, ABC_SHA256, cb_cert, &f), STORE_OK);
	assert_int_equal(f.rows, 1);
	assert_string_equal(f.v, ABC_SHA256);
	memset(&f, 0, sizeof f);
	assert_int_equal(store_each_cert(st, cb_cert, &f), STORE_OK);
	assert_int_equal(f.rows, 1);

	assert_int_equal(store_get_cert(st, "00000000000000000000000000000000"
	                                    "00000000000000000000000000000000", cb_cert, &f),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_get_cert(st, "BA7816BF", cb_cert, &f), STORE_EINVAL);
	assert_int_equal(store_put_cert(st, NULL, 0, h1), STORE_EINVAL);
	assert_int_equal(store_close(st), STORE_OK);
}

static void test_endpoint_insert_or_get(void **state)
{
	static const struct {
		const char *host, *ip;
		uint16_t port;
		const char *sni;
		int want; /* index of the endpoint this one must equal */
	} cases[] = {
		{ "a.test", "192.0.2.1", 443, "a.test", 0 },
		{ "a.test", "192.0.2.1", 443, "a.test", 0 },  /* same */
		{ "a.test", "192.0.2.1", 443, NULL, 2 },      /* no SNI: another endpoint */
		{ "a.test", "192.0.2.1", 443, NULL, 2 },      /* NULLs compare equal */
		{ NULL, "192.0.2.1", 443, NULL, 4 },          /* IP literal, no host */
		{ NULL, "192.0.2.1", 443, NULL, 4 },
		{ "a.test", "192.0.2.1", 8443, "a.test", 6 }, /* other port */
		{ "a.test", NULL, 443, "a.test", 7 },         /* unresolved host */
		{ "a.test", NULL, 443, "a.test", 7 },
	};
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	int64_t ids[sizeof cases / sizeof cases[0]];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(store_endpoint_id(st, cases[i].host, cases[i].ip, cases[i].port,
		                                   cases[i].sni, &ids[i]), STORE_OK);
		assert_true(ids[i] > 0);
		assert_int_equal(ids[i], ids[cases[i].want]);
		if ((size_t)cases[i].want == i && i > 0)
			assert_int_not_equal(ids[i], ids[i - 1]);
	}
	assert_int_equal(count(st, STORE_T_ENDPOINTS), 5);
	assert_int_equal(store_endpoint_id(st, NULL, NULL, 443, NULL, NULL), STORE_EINVAL);
	assert_int_equal(store_close(st), STORE_OK);
}

static void test_finding_upsert(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	struct store_finding fd = {
		.rule = "pci-dss-4.0.1/4.2.1-early-tls", .resource = "127.0.0.1:443 server.test",
		.status = "alarm", .severity = "high", .reason = "TLSv1.0 accepted",
		.evidence_json = "[{\"scan\":1}]", .ts = "2026-11-22T05:00:00.000001Z",
	};
	struct first f;

	assert_int_equal(store_upsert_finding(st, &fd), STORE_OK);
	fd.ts = "2026-11-23T06:00:00.000002Z";
	fd.status = "ok";
	fd.reason = "TLSv1.0 refused";
	assert_int_equal(store_upsert_finding(st, &fd), STORE_OK);
	fd.ts = "2026-11-24T07:00:00.000003Z";
	assert_int_equal(store_upsert_finding(st, &fd), STORE_OK);

	assert_int_equal(count(st, STORE_T_FINDINGS), 1);
	assert_string_equal(q1(st, "SELECT count || ' ' || first_seen || ' ' || last_seen"
	                           " || ' ' || status || ' ' || reason FROM findings", &f),
	                    "3 2026-11-22T05:00:00.000001Z 2026-11-24T07:00:00.000003Z ok"
	                    " TLSv1.0 refused");

	fd.resource = "127.0.0.1:8443 server.test";
	fd.status = "alarm";
	assert_int_equal(store_upsert_finding(st, &fd), STORE_OK);
	assert_int_equal(count(st, STORE_T_FINDINGS), 2);
	assert_int_equal(store_close(st), STORE_OK);
}

struct finding_seen {
	int n;
	int64_t count;
	char first_seen[64];
};

static int cb_finding(void *ctx, const struct store_finding_row *r)
{
	struct finding_seen *s = ctx;

	s->n++;
	s->count = r->count;
	snprintf(s->first_seen, sizeof s->first_seen, "%s", r->first_seen);
	assert_string_equal(r->f.status, "alarm");
	return 0;
}

static void test_each_finding_filter(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	static const char *const statuses[] = { "ok", "alarm", "info", "skip", "alarm" };
	char res[32];
	struct store_finding fd = { .rule = "r1", .ts = "2026-01-01T00:00:00Z" };
	struct finding_seen seen = { 0 };
	size_t i;

	for (i = 0; i < 5; i++) {
		snprintf(res, sizeof res, "host%zu:443", i);
		fd.resource = res;
		fd.status = statuses[i];
		assert_int_equal(store_upsert_finding(st, &fd), STORE_OK);
	}
	if (store_each_finding(st, "alarm", cb_finding, &seen) != STORE_OK)
		fail_msg("store_each_finding: %s", store_errmsg(st));
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.count, 1);
	assert_string_equal(seen.first_seen, "2026-01-01T00:00:00Z");
	assert_int_equal(store_close(st), STORE_OK);
}

static int cb_conn(void *ctx, int64_t id, const struct store_conn *c)
{
	struct store_conn *want = ctx;

	assert_int_equal(id, 1);
	assert_string_equal(c->ts, want->ts);
	assert_string_equal(c->client_ip, want->client_ip);
	assert_int_equal(c->client_port, want->client_port);
	assert_string_equal(c->server_ip, want->server_ip);
	assert_int_equal(c->server_port, want->server_port);
	assert_string_equal(c->sni, want->sni);
	assert_string_equal(c->version, want->version);
	assert_string_equal(c->cipher, want->cipher);
	assert_string_equal(c->alpn_offered_json, want->alpn_offered_json);
	assert_string_equal(c->alpn_selected, want->alpn_selected);
	assert_string_equal(c->ja3, want->ja3);
	assert_null(c->ja3s);
	assert_string_equal(c->ja4, want->ja4);
	assert_string_equal(c->server_cert_sha256, want->server_cert_sha256);
	assert_true(c->fallback_scsv);
	assert_string_equal(c->downgrade_sentinel, want->downgrade_sentinel);
	assert_false(c->resumed);
	assert_false(c->hello_retry_request);
	assert_string_equal(c->alerts_json, want->alerts_json);
	assert_string_equal(c->anomalies_json, want->anomalies_json);
	assert_string_equal(c->source, want->source);
	assert_int_equal(c->chain_len, 2);
	assert_string_equal(c->chain_sha256[0], want->chain_sha256[0]);
	assert_string_equal(c->chain_sha256[1], want->chain_sha256[1]);
	want->client_port = 0; /* mark as seen */
	return 0;
}

static int cb_count_conn(void *ctx, int64_t id, const struct store_conn *c)
{
	(void)id;
	(void)c;
	return ++*(int *)ctx >= 2; /* stop after two */
}

static void test_connection_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	char leaf[STORE_SHA256_HEX_SIZE], ca[STORE_SHA256_HEX_SIZE];
	const char *chain[2] = { leaf, ca };
	struct store_conn c = sample_conn();
	int64_t id = 0;
	int n = 0, i;

	assert_int_equal(store_put_cert(st, (const unsigned char *)"leaf-der", 8, leaf), STORE_OK);
	assert_int_equal(store_put_cert(st, (const unsigned char *)"ca-der", 6, ca), STORE_OK);
	c.server_cert_sha256 = leaf;
	c.chain_sha256 = chain;
	c.chain_len = 2;
	assert_int_equal(store_add_connection(st, &c, &id), STORE_OK);
	assert_int_equal(id, 1);
	assert_int_equal(count(st, STORE_T_CONN_CERTS), 2);
	if (store_each_connection(st, 0, cb_conn, &c) != STORE_OK)
		fail_msg("store_each_connection: %s", store_errmsg(st));
	assert_int_equal(c.client_port, 0);

	c = sample_conn();
	for (i = 0; i < 4; i++)
		assert_int_equal(store_add_connection(st, &c, NULL), STORE_OK);
	assert_int_equal(store_each_connection(st, 1, cb_count_conn, &n), STORE_OK);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(store_each_connection(st, 5, cb_count_conn, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_close(st), STORE_OK);
}

/* A failing call leaves no partial rows and the batch (and store) usable. */
static void test_connection_atomic(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	char leaf[STORE_SHA256_HEX_SIZE];
	const char *chain[2] = { leaf, ABC_SHA256 }; /* "abc" never stored */
	struct store_conn c = sample_conn();

	assert_int_equal(store_add_connection(st, &c, NULL), STORE_OK);
	assert_int_equal(store_put_cert(st, (const unsigned char *)"leaf-der", 8, leaf), STORE_OK);
	c.chain_sha256 = chain;
	c.chain_len = 2;
	assert_int_equal(store_add_connection(st, &c, NULL), STORE_ECONSTRAINT);
	assert_int_equal(store_errcode(st), STORE_ECONSTRAINT);
	assert_non_null(strstr(store_errmsg(st), "FOREIGN KEY"));
	assert_int_equal(count(st, STORE_T_CONNECTIONS), 1);
	assert_int_equal(count(st, STORE_T_CONN_CERTS), 0);

	c.chain_len = 1;
	assert_int_equal(store_add_connection(st, &c, NULL), STORE_OK);
	assert_int_equal(store_flush(st), STORE_OK);
	/* the last error stays readable after successful calls */
	assert_int_equal(store_errcode(st), STORE_ECONSTRAINT);
	assert_int_equal(store_close(st), STORE_OK);

	st = open_ok(fx->path, 0);
	assert_int_equal(count(st, STORE_T_CONNECTIONS), 2);
	assert_int_equal(count(st, STORE_T_CONN_CERTS), 1);
	assert_int_equal(count(st, STORE_T_CERTIFICATES), 1);
	assert_int_equal(store_errcode(st), STORE_OK);
	assert_int_equal(store_close(st), STORE_OK);
}

/* Rows that break the schema are refused, each with its own reason. */
static void test_connection_constraints(void **state)
{
	static const struct {
		const char *name;
		int field; /* which field to spoil */
		const char *value;
		int want;
		const char *msg;
	} cases[] = {
		{ "alpn not JSON", 0, "[\"h2\"", STORE_ECONSTRAINT, "CHECK constraint failed" },
		{ "alpn not an array", 0, "{\"h2\":1}", STORE_ECONSTRAINT, "alpn_offered" },
		{ "alerts not JSON", 1, "nope", STORE_ECONSTRAINT, "alerts" },
		{ "time not RFC 3339", 2, "22/11/2026 05:00", STORE_ECONSTRAINT, "ts" },
		{ "time without Z", 2, "2026-11-22T05:00:00+01:00", STORE_ECONSTRAINT, "ts" },
		{ "bad sentinel", 3, "TLSv1.3", STORE_ECONSTRAINT, "downgrade_sentinel" },
		{ "bad leaf hash", 4, "ABCDEF", STORE_EINVAL, "server_cert_sha256" },
		{ "no client ip", 5, NULL, STORE_EINVAL, "client_ip" },
		{ "time with seconds only", 2, "2026-11-22T05:00:00Z", STORE_OK, NULL },
		{ "anomalies NULL", 6, NULL, STORE_OK, NULL },
	};
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 3);
	struct store_conn c;
	int64_t ok = 0;
	size_t i;
	int rc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c = sample_conn();
		switch (cases[i].field) {
		case 0: c.alpn_offered_json = cases[i].value; break;
		case 1: c.alerts_json = cases[i].value; break;
		case 2: c.ts = cases[i].value; break;
		case 3: c.downgrade_sentinel = cases[i].value; break;
		case 4: c.server_cert_sha256 = cases[i].value; break;
		case 5: c.client_ip = cases[i].value; break;
		case 6: c.anomalies_json = cases[i].value; break;
		}
		rc = store_add_connection(st, &c, NULL);
		if (rc != cases[i].want)
			fail_msg("case '%s': got %d (%s), want %d", cases[i].name, rc,
			         store_errmsg(st), cases[i].want);
		if (cases[i].msg && !strstr(store_errmsg(st), cases[i].msg))
			fail_msg("case '%s': message '%s' lacks '%s'", cases[i].name,
			         store_errmsg(st), cases[i].msg);
		ok += rc == STORE_OK;
	}
	assert_int_equal(count(st, STORE_T_CONNECTIONS), ok);
	assert_int_equal(store_close(st), STORE_OK);
}

struct blob_seen {
	char req[64], resp[64], outcome[64];
};

static int cb_probe(void *ctx, int ncol, const char *const *names, const char *const *v)
{
	struct blob_seen *b = ctx;

	(void)names;
	assert_int_equal(ncol, 3);
	snprintf(b->req, sizeof b->req, "%s", v[0] ? v[0] : "(null)");
	snprintf(b->resp, sizeof b->resp, "%s", v[1] ? v[1] : "(null)");
	snprintf(b->outcome, sizeof b->outcome, "%s", v[2] ? v[2] : "(null)");
	return 0;
}

static void test_scan_and_evidence(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	static const unsigned char req[] = { 0x16, 0x03, 0x01, 0x00, 0x00 };
	struct store_probe p = {
		.probe = "tls10-hello", .request = req, .request_len = sizeof req,
		.response = (const unsigned char *)"", .response_len = 0,
		.outcome = "alert:protocol_version",
	};
	struct store_anomaly an = { .ref_kind = STORE_REF_PROBE, .name = "short_record" };
	char h[STORE_SHA256_HEX_SIZE];
	int64_t ep = 0, scan = 0, probe = 0;
	struct blob_seen b;
	struct first f;

	assert_int_equal(store_endpoint_id(st, "server.test", "127.0.0.1", 443, "server.test",
	                                   &ep), STORE_OK);
	assert_int_equal(store_scan_begin(st, ep, NULL, "test-1.0", &scan), STORE_OK);
	p.scan_id = scan;
	assert_int_equal(store_add_probe_evidence(st, &p, &probe), STORE_OK);
	an.ref_id = probe;
	assert_int_equal(store_add_anomaly(st, &an, NULL), STORE_OK);
	assert_int_equal(store_put_cert(st, (const unsigned char *)"abc", 3, h), STORE_OK);
	assert_int_equal(store_link_scan_cert(st, scan, 0, 0, h), STORE_OK);
	assert_int_equal(store_link_scan_cert(st, scan, 0, 0, h), STORE_ECONSTRAINT);
	assert_int_equal(store_scan_end(st, scan, NULL, NULL, "{\"type\":\"scan\",\"port\":443}"),
	                 STORE_OK);
	assert_int_equal(store_scan_end(st, scan + 100, NULL, NULL, NULL), STORE_ENOTFOUND);
	assert_int_equal(store_scan_end(st, scan, NULL, NULL, "[1,2]"), STORE_ECONSTRAINT);
	assert_int_equal(store_scan_begin(st, ep + 100, NULL, NULL, &scan), STORE_ECONSTRAINT);

	memset(&b, 0, sizeof b);
	assert_int_equal(store_query(st, "SELECT hex(request), quote(response), outcome"
	                                 " FROM probe_evidence", cb_probe, &b), STORE_OK);
	assert_string_equal(b.req, "1603010000");
	assert_string_equal(b.resp, "X''"); /* empty blob, not NULL */
	assert_string_equal(b.outcome, "alert:protocol_version");
	assert_string_equal(q1(st, "SELECT json_extract(s.result, '$.port') || ' ' ||"
	                           " e.host || ' ' || c.cert_sha256 FROM scans s"
	                           " JOIN endpoints e ON e.id = s.endpoint_id"
	                           " JOIN scan_certs c ON c.scan_id = s.id", &f),
	                    "443 server.test " "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_string_equal(q1(st, "SELECT ref_kind || ' ' || name FROM anomalies", &f),
	                    "probe short_record");
	an.name = NULL;
	assert_int_equal(store_add_anomaly(st, &an, NULL), STORE_EINVAL);
	assert_int_equal(store_close(st), STORE_OK);
}

static void test_meta(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	char buf[8];

	assert_int_equal(store_meta_set(st, "analyzer.last_conn", "12345"), STORE_OK);
	assert_int_equal(store_meta_get(st, "analyzer.last_conn", buf, sizeof buf), STORE_OK);
	assert_string_equal(buf, "12345");
	assert_int_equal(store_meta_set(st, "analyzer.last_conn", "1234567"), STORE_OK);
	assert_int_equal(store_meta_get(st, "analyzer.last_conn", buf, sizeof buf), STORE_OK);
	assert_string_equal(buf, "1234567");
	assert_int_equal(store_meta_set(st, "analyzer.last_conn", "12345678"), STORE_OK);
	assert_int_equal(store_meta_get(st, "analyzer.last_conn", buf, sizeof buf), STORE_ERANGE);
	assert_int_equal(store_meta_get(st, "nope", buf, sizeof buf), STORE_ENOTFOUND);
	assert_int_equal(store_count(st, STORE_T_COUNT_, NULL), STORE_EINVAL);
	assert_int_equal(store_close(st), STORE_OK);
}

/* Writes become visible to another connection only when a batch commits. */
static void test_batching(void **state)
{
	struct fixture *fx = *state;
	struct store *w = open_ok(fx->path, 3);
	struct store *r = open_ok(fx->path, 0);
	struct store_conn c = sample_conn();
	static const struct {
		int op; /* 0 = add a connection, 1 = flush */
		int64_t want_seen;
	} steps[] = {
		{ 0, 0 }, { 0, 0 }, { 0, 3 }, /* third write commits the batch of 3 */
		{ 0, 3 }, { 1, 4 },           /* flush commits the partial batch */
		{ 1, 4 },                     /* flush with nothing open */
		{ 0, 4 }, { 0, 4 },
	};
	size_t i;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if (steps[i].op == 0)
			assert_int_equal(store_add_connection(w, &c, NULL), STORE_OK);
		else
			assert_int_equal(store_flush(w), STORE_OK);
		assert_int_equal(count(w, STORE_T_CONNECTIONS) >= steps[i].want_seen, 1);
		if (count(r, STORE_T_CONNECTIONS) != steps[i].want_seen)
			fail_msg("step %zu: reader sees %lld rows, want %lld", i,
			         (long long)count(r, STORE_T_CONNECTIONS),
			         (long long)steps[i].want_seen);
	}
	/* a second writer cannot write while the batch is open */
	{
		struct store_options o = { .busy_timeout_ms = -1 };
		struct store *w2 = store_open(fx->path, &o, NULL);

		assert_non_null(w2);
		assert_int_equal(store_add_connection(w2, &c, NULL), STORE_EBUSY);
		assert_non_null(strstr(store_errmsg(w2), "locked"));
		assert_int_equal(store_close(w2), STORE_OK);
	}
	assert_int_equal(store_close(w), STORE_OK); /* commits the last 2 */
	assert_int_equal(count(r, STORE_T_CONNECTIONS), 6);
	assert_int_equal(store_close(r), STORE_OK);
}

/* An I/O failure at COMMIT is fatal and sticky: the batch is lost, later
 * calls fail with the same code, committed data survives. The failure is
 * produced with RLIMIT_FSIZE (write(2) then fails with EFBIG). */
static void test_fatal_error_is_sticky(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 100000);
	struct store_conn c = sample_conn();
	static unsigned char der[4000];
	struct rlimit old, small;
	struct store_error err;
	void (*old_sig)(int);
	int64_t n = -1;
	size_t i;
	int rc;

	for (i = 0; i < 10; i++)
		assert_int_equal(store_add_connection(st, &c, NULL), STORE_OK);
	assert_int_equal(store_flush(st), STORE_OK);
	for (i = 0; i < 200; i++) { /* ~800 KB of distinct certificates */
		memcpy(der, &i, sizeof i);
		assert_int_equal(store_put_cert(st, der, sizeof der, NULL), STORE_OK);
	}

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 256 * 1024;
	old_sig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	rc = store_flush(st);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_sig);

	if (rc != STORE_EIO)
		fail_msg("flush past RLIMIT_FSIZE: %d (%s), want STORE_EIO", rc, store_errmsg(st));
	assert_non_null(strstr(store_errmsg(st), "200 uncommitted writes lost"));
	assert_int_equal(store_errcode(st), STORE_EIO);
	/* sticky: writers, readers and flush all refuse now */
	assert_int_equal(store_add_connection(st, &c, NULL), STORE_EIO);
	assert_int_equal(store_count(st, STORE_T_CONNECTIONS, &n), STORE_EIO);
	assert_int_equal(store_query(st, "SELECT 1", NULL, NULL), STORE_EIO);
	assert_int_equal(store_flush(st), STORE_EIO);
	assert_int_equal(store_close(st), STORE_EIO);

	st = store_open(fx->path, NULL, &err);
	if (!st)
		fail_msg("reopen: %s", err.msg);
	assert_int_equal(count(st, STORE_T_CONNECTIONS), 10);
	assert_int_equal(count(st, STORE_T_CERTIFICATES), 0);
	assert_int_equal(store_close(st), STORE_OK);
}

static void test_open_memory(void **state)
{
	struct store *st = open_ok(":memory:", 2);
	struct store_conn c = sample_conn();
	struct first f;

	(void)state;
	assert_int_equal(store_add_connection(st, &c, NULL), STORE_OK);
	assert_int_equal(store_add_connection(st, &c, NULL), STORE_OK);
	assert_int_equal(count(st, STORE_T_CONNECTIONS), 2);
	assert_string_equal(q1(st, "PRAGMA integrity_check", &f), "ok");
	assert_int_equal(store_close(st), STORE_OK);
}

/* ---- schema version 2: certificate facts, chains, stapled OCSP ------------------ */

static int cb_facts(void *ctx, const struct store_cert *c)
{
	struct first *f = ctx;

	f->rows++;
	snprintf(f->v, sizeof f->v, "%s", c->facts_json ? c->facts_json : "(null)");
	return 0;
}

/* Facts are set once per certificate and never rewritten; bad arguments touch nothing. */
static void test_cert_facts(void **state)
{
	static const char LEAF_FACTS[] = "{\"subject\":\"CN=leaf.test\",\"san\":[\"leaf.test\"]}";
	enum { LEAF, CA, UNKNOWN, SHORT, UPPER, NONE };
	static const struct {
		const char *name;
		int cert;          /* which hash */
		const char *facts;
		int want;
		const char *leaf_facts; /* the leaf's facts afterwards */
	} cases[] = {
		{ "not JSON", LEAF, "{\"subject\":", STORE_EINVAL, NULL },
		{ "an array", LEAF, "[1,2]", STORE_EINVAL, NULL },
		{ "a string", LEAF, "\"CN=leaf.test\"", STORE_EINVAL, NULL },
		{ "JSON null", LEAF, "null", STORE_EINVAL, NULL },
		{ "empty text", LEAF, "", STORE_EINVAL, NULL },
		{ "NULL facts", LEAF, NULL, STORE_EINVAL, NULL },
		{ "first facts", LEAF, LEAF_FACTS, STORE_OK, LEAF_FACTS },
		{ "other facts: kept", LEAF, "{\"subject\":\"CN=other\"}", STORE_OK, LEAF_FACTS },
		{ "same facts again", LEAF, LEAF_FACTS, STORE_OK, LEAF_FACTS },
		{ "invalid after set", LEAF, "[]", STORE_EINVAL, LEAF_FACTS },
		{ "empty object", CA, "{}", STORE_OK, LEAF_FACTS },
		{ "unknown certificate", UNKNOWN, "{}", STORE_ENOTFOUND, LEAF_FACTS },
		{ "short hash", SHORT, "{}", STORE_EINVAL, LEAF_FACTS },
		{ "uppercase hash", UPPER, "{}", STORE_EINVAL, LEAF_FACTS },
		{ "NULL hash", NONE, "{}", STORE_EINVAL, LEAF_FACTS },
	};
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	char leaf[STORE_SHA256_HEX_SIZE], ca[STORE_SHA256_HEX_SIZE];
	const char *hashes[] = {
		[LEAF] = leaf, [CA] = ca, [UNKNOWN] = ABC_SHA256, [SHORT] = "ba7816bf",
		[UPPER] = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
		[NONE] = NULL,
	};
	struct first f;
	bool has = true;
	size_t i;
	int rc;

	assert_int_equal(store_put_cert(st, (const unsigned char *)"leaf-der", 8, leaf), STORE_OK);
	assert_int_equal(store_put_cert(st, (const unsigned char *)"ca-der", 6, ca), STORE_OK);
	assert_int_equal(store_cert_has_facts(st, leaf, &has), STORE_OK);
	assert_false(has);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc = store_put_cert_facts(st, hashes[cases[i].cert], cases[i].facts);
		if (rc != cases[i].want)
			fail_msg("case '%s': got %d (%s), want %d", cases[i].name, rc,
			         store_errmsg(st), cases[i].want);
		memset(&f, 0, sizeof f);
		assert_int_equal(store_get_cert(st, leaf, cb_facts, &f), STORE_OK);
		if (strcmp(f.v, cases[i].leaf_facts ? cases[i].leaf_facts : "(null)") != 0)
			fail_msg("case '%s': leaf facts '%s'", cases[i].name, f.v);
	}
	assert_int_equal(store_cert_has_facts(st, leaf, &has), STORE_OK);
	assert_true(has);
	assert_int_equal(store_cert_has_facts(st, ca, &has), STORE_OK);
	assert_true(has);
	assert_int_equal(store_cert_has_facts(st, ABC_SHA256, &has), STORE_ENOTFOUND);
	assert_int_equal(store_cert_has_facts(st, "ba7816bf", &has), STORE_EINVAL);
	assert_int_equal(store_cert_has_facts(st, leaf, NULL), STORE_EINVAL);
	assert_int_equal(store_put_cert_facts(NULL, leaf, "{}"), STORE_EINVAL);
	/* rules read the facts with SQLite's JSON functions */
	assert_string_equal(q1(st, "SELECT json_extract(facts, '$.san[0]') FROM certificates"
	                           " WHERE json_extract(facts, '$.subject') = 'CN=leaf.test'", &f),
	                    "leaf.test");
	assert_int_equal(count(st, STORE_T_CERTIFICATES), 2);
	assert_int_equal(store_flush(st), STORE_OK);
	assert_int_equal(store_close(st), STORE_OK);

	st = open_ok(fx->path, 0);
	memset(&f, 0, sizeof f);
	assert_int_equal(store_each_cert(st, cb_facts, &f), STORE_OK);
	assert_int_equal(f.rows, 2);
	assert_string_equal(q1(st, "SELECT facts FROM certificates"
	                           " WHERE json_extract(facts, '$.subject') = 'CN=leaf.test'", &f),
	                    LEAF_FACTS);
	assert_int_equal(store_close(st), STORE_OK);
}

/* A scan keeps several chains apart: (chain, depth) is the position, intermediates shared. */
static void test_scan_chains(void **state)
{
	static const struct {
		const char *name;
		unsigned chain, depth;
		int cert;       /* index into h[], -1 = a hash never stored, -2 = not hex */
		bool other_scan; /* a scan id that does not exist */
		int want;
	} links[] = {
		{ "default leaf", 0, 0, 0, false, STORE_OK },
		{ "default intermediate", 0, 1, 2, false, STORE_OK },
		{ "rsa leaf", 1, 0, 0, false, STORE_OK },      /* same leaf as the default */
		{ "rsa intermediate", 1, 1, 2, false, STORE_OK },
		{ "ecdsa leaf", 2, 0, 1, false, STORE_OK },
		{ "ecdsa intermediate", 2, 1, 2, false, STORE_OK },
		{ "position taken", 2, 0, 0, false, STORE_ECONSTRAINT },
		{ "unknown certificate", 3, 0, -1, false, STORE_ECONSTRAINT },
		{ "unknown scan", 0, 0, 0, true, STORE_ECONSTRAINT },
		{ "bad hash", 3, 0, -2, false, STORE_EINVAL },
	};
	static const char *const der[] = { "rsa-leaf", "ec-leaf", "intermediate" };
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	char h[3][STORE_SHA256_HEX_SIZE], want[1024];
	int64_t ep = 0, scan = 0;
	struct rows r;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < 3; i++)
		assert_int_equal(store_put_cert(st, (const unsigned char *)der[i], strlen(der[i]),
		                                h[i]), STORE_OK);
	assert_int_equal(store_endpoint_id(st, NULL, "127.0.0.1", 443, NULL, &ep), STORE_OK);
	assert_int_equal(store_scan_begin(st, ep, NULL, NULL, &scan), STORE_OK);
	want[0] = '\0';
	for (i = 0; i < sizeof links / sizeof links[0]; i++) {
		const char *hex = links[i].cert >= 0 ? h[links[i].cert]
		                  : links[i].cert == -1 ? ABC_SHA256 : "xyz";

		rc = store_link_scan_cert(st, links[i].other_scan ? scan + 1 : scan, links[i].chain,
		                          links[i].depth, hex);
		if (rc != links[i].want)
			fail_msg("link '%s': got %d (%s), want %d", links[i].name, rc,
			         store_errmsg(st), links[i].want);
		if (rc == STORE_OK)
			n += (size_t)snprintf(want + n, sizeof want - n, "%u|%u|%s\n", links[i].chain,
			                      links[i].depth, der[links[i].cert]);
	}
	assert_int_equal(count(st, STORE_T_SCAN_CERTS), 6);
	assert_int_equal(count(st, STORE_T_CERTIFICATES), 3);
	assert_string_equal(qall(st, "SELECT chain, depth, CAST(c.der AS TEXT) FROM scan_certs s"
	                             " JOIN certificates c ON c.sha256 = s.cert_sha256"
	                             " ORDER BY chain, depth", &r), want);
	assert_int_equal(store_link_scan_cert(NULL, scan, 0, 0, h[0]), STORE_EINVAL);
	assert_int_equal(store_close(st), STORE_OK);
}

/* Stapled OCSP responses: stored once by SHA-256, linked once per (scan, chain). */
static void test_scan_ocsp(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	char h1[STORE_SHA256_HEX_SIZE], h2[STORE_SHA256_HEX_SIZE];
	int64_t ep = 0, scan = 0, scan2 = 0;
	struct first f;
	struct rows r;

	assert_int_equal(store_put_ocsp(st, (const unsigned char *)"abc", 3, h1), STORE_OK);
	assert_string_equal(h1, ABC_SHA256);
	assert_int_equal(store_put_ocsp(st, (const unsigned char *)"abc", 3, h2), STORE_OK);
	assert_string_equal(h2, ABC_SHA256);
	assert_int_equal(store_put_ocsp(st, (const unsigned char *)"abc", 3, NULL), STORE_OK);
	assert_int_equal(count(st, STORE_T_OCSP_RESPONSES), 1);
	assert_int_equal(count(st, STORE_T_CERTIFICATES), 0); /* not a certificate */
	assert_int_equal(store_put_ocsp(st, NULL, 3, h1), STORE_EINVAL);
	assert_int_equal(store_put_ocsp(st, (const unsigned char *)"abc", 0, h1), STORE_EINVAL);
	assert_int_equal(store_put_ocsp(NULL, (const unsigned char *)"abc", 3, h1), STORE_EINVAL);

	assert_int_equal(store_endpoint_id(st, NULL, "127.0.0.1", 443, NULL, &ep), STORE_OK);
	assert_int_equal(store_scan_begin(st, ep, NULL, NULL, &scan), STORE_OK);
	assert_int_equal(store_scan_begin(st, ep, NULL, NULL, &scan2), STORE_OK);
	assert_int_equal(store_link_scan_ocsp(st, scan, 0, ABC_SHA256), STORE_OK);
	assert_int_equal(store_link_scan_ocsp(st, scan, 0, ABC_SHA256), STORE_ECONSTRAINT);
	assert_int_equal(store_link_scan_ocsp(st, scan, 1, ABC_SHA256), STORE_OK);
	assert_int_equal(store_link_scan_ocsp(st, scan2, 0, ABC_SHA256), STORE_OK);
	/* a response never stored, a scan that does not exist, not a hash */
	assert_int_equal(store_link_scan_ocsp(st, scan, 2, B2_SHA256), STORE_ECONSTRAINT);
	assert_non_null(strstr(store_errmsg(st), "FOREIGN KEY"));
	assert_int_equal(store_link_scan_ocsp(st, scan2 + 1, 0, ABC_SHA256), STORE_ECONSTRAINT);
	assert_int_equal(store_link_scan_ocsp(st, scan, 2, "BA7816BF"), STORE_EINVAL);
	assert_int_equal(store_link_scan_ocsp(st, scan, 2, NULL), STORE_EINVAL);

	assert_int_equal(store_put_ocsp(st, (const unsigned char *)B2_MSG, strlen(B2_MSG), h2),
	                 STORE_OK);
	assert_string_equal(h2, B2_SHA256);
	assert_int_equal(store_link_scan_ocsp(st, scan, 2, h2), STORE_OK);
	assert_int_equal(count(st, STORE_T_OCSP_RESPONSES), 2);
	assert_int_equal(count(st, STORE_T_SCAN_OCSP), 4);
	assert_string_equal(qall(st, "SELECT s.scan_id - (SELECT min(id) FROM scans), s.chain,"
	                             " hex(o.der) FROM scan_ocsp s"
	                             " JOIN ocsp_responses o ON o.sha256 = s.ocsp_sha256"
	                             " WHERE o.sha256 = 'ba7816bf8f01cfea414140de5dae2223b00361a3"
	                             "96177a9cb410ff61f20015ad' ORDER BY 1, 2", &r),
	                    "0|0|616263\n0|1|616263\n1|0|616263\n");
	assert_string_equal(q1(st, "PRAGMA foreign_key_check", &f), "");
	assert_int_equal(f.rows, 0);
	assert_int_equal(store_close(st), STORE_OK);
}

/* ---- retention ------------------------------------------------------------------ */

/*
 * store_prune_connections: a table of connections (ts, chain, leaf, anomalies) and of what
 * survives a cutoff. The expected survivors follow from the function's contract: ts < cutoff
 * goes with its conn_certs and anomalies; a certificate goes when nothing references it and
 * it was first seen before the cutoff (here: stored now, 2026, so before 2500 but after 2002).
 */
enum { C_SHARED, C_OLD_ONLY, C_NEW_ONLY, C_SCAN, C_LEAF_REF, C_STRAY, N_CERTS };

static void test_prune_connections(void **state)
{
	static const char *const der[N_CERTS] = {
		"shared-der", "old-only-der", "new-only-der", "scan-der", "leaf-ref-der", "stray",
	};
	static const struct {
		const char *ts;
		int chain[3];   /* certificates, -1 ends */
		int leaf;       /* server_cert_sha256 (without a chain link), -1 = none */
		int anomalies;  /* attached to this connection */
		bool stays;     /* after the cutoff 2500-01-01T00:00:00.000000Z */
	} conns[] = {
		{ "2001-01-01T00:00:00.000001Z", { C_SHARED, C_OLD_ONLY, -1 }, -1, 2, false },
		{ "2499-12-31T23:59:59.999999Z", { C_OLD_ONLY, -1 }, -1, 1, false },
		{ "2500-01-01T00:00:00.000000Z", { -1 }, -1, 1, true }, /* == cutoff: stays */
		{ "2999-06-01T12:00:00.000000Z", { C_SHARED, C_NEW_ONLY, -1 }, -1, 3, true },
		{ "2999-06-02T12:00:00.000000Z", { -1 }, C_LEAF_REF, 0, true },
	};
	static const bool cert_stays[N_CERTS] = {
		[C_SHARED] = true, [C_OLD_ONLY] = false, [C_NEW_ONLY] = true,
		[C_SCAN] = true, [C_LEAF_REF] = true, [C_STRAY] = false,
	};
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	char h[N_CERTS][STORE_SHA256_HEX_SIZE], sql[512];
	int64_t ids[sizeof conns / sizeof conns[0]], ep = 0, scan = 0, scan_anom = 0;
	int64_t want_anoms = 0, want_conns = 0;
	struct store_pruned n;
	struct first f;
	size_t i, k;

	for (i = 0; i < N_CERTS; i++)
		assert_int_equal(store_put_cert(st, (const unsigned char *)der[i], strlen(der[i]),
		                                h[i]), STORE_OK);
	assert_int_equal(store_endpoint_id(st, NULL, "198.51.100.7", 443, NULL, &ep), STORE_OK);
	assert_int_equal(store_scan_begin(st, ep, "2001-01-01T00:00:00.000000Z", NULL, &scan),
	                 STORE_OK);
	assert_int_equal(store_link_scan_cert(st, scan, 0, 0, h[C_SCAN]), STORE_OK);
	for (i = 0; i < sizeof conns / sizeof conns[0]; i++) {
		const char *chain[3];
		struct store_conn c = sample_conn();
		size_t len = 0;

		for (k = 0; k < 3 && conns[i].chain[k] >= 0; k++)
			chain[len++] = h[conns[i].chain[k]];
		c.ts = conns[i].ts;
		c.chain_sha256 = chain;
		c.chain_len = len;
		c.server_cert_sha256 = len ? chain[0] : conns[i].leaf >= 0 ? h[conns[i].leaf] : NULL;
		assert_int_equal(store_add_connection(st, &c, &ids[i]), STORE_OK);
		for (k = 0; k < (size_t)conns[i].anomalies; k++) {
			struct store_anomaly a = { .ref_kind = STORE_REF_CONNECTION, .ref_id = ids[i],
			                           .name = "tcp_gap", .ts = c.ts };
			assert_int_equal(store_add_anomaly(st, &a, NULL), STORE_OK);
		}
		if (conns[i].stays) {
			want_conns++;
			want_anoms += conns[i].anomalies;
		}
	}
	/* a scan's anomaly whose ref_id equals a pruned connection's id stays */
	{
		struct store_anomaly a = { .ref_kind = STORE_REF_SCAN, .ref_id = ids[0],
		                           .name = "short_record" };
		assert_int_equal(store_add_anomaly(st, &a, &scan_anom), STORE_OK);
		want_anoms++;
	}

	/* a cutoff before everything: nothing goes, not even the stray certificate (first
	 * seen now, after the cutoff) */
	assert_int_equal(store_prune_connections(st, "2000-06-01T00:00:00.000000Z", &n), STORE_OK);
	assert_int_equal(n.connections + n.anomalies + n.certificates, 0);
	assert_int_equal(store_prune_connections(st, "2002-01-01T00:00:00Z", &n), STORE_OK);
	assert_int_equal(n.connections, 1);
	assert_int_equal(n.anomalies, 2);
	assert_int_equal(n.certificates, 0); /* old-only still used by the 2499 connection */

	assert_int_equal(store_prune_connections(st, "2500-01-01T00:00:00.000000Z", &n), STORE_OK);
	assert_int_equal(n.connections, 1);
	assert_int_equal(n.anomalies, 1);
	assert_int_equal(n.certificates, 2); /* old-only and the stray one */
	assert_int_equal(count(st, STORE_T_CONNECTIONS), want_conns);
	assert_int_equal(count(st, STORE_T_ANOMALIES), want_anoms);
	for (i = 0; i < sizeof conns / sizeof conns[0]; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM connections WHERE id = %lld",
		         (long long)ids[i]);
		assert_string_equal(q1(st, sql, &f), conns[i].stays ? "1" : "0");
		snprintf(sql, sizeof sql, "SELECT count(*) FROM conn_certs WHERE conn_id = %lld",
		         (long long)ids[i]);
		if (!conns[i].stays)
			assert_string_equal(q1(st, sql, &f), "0");
	}
	for (i = 0; i < N_CERTS; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM certificates WHERE sha256 = '%s'",
		         h[i]);
		if (strcmp(q1(st, sql, &f), cert_stays[i] ? "1" : "0") != 0)
			fail_msg("certificate %s: present %s, want %d", der[i], f.v, cert_stays[i]);
	}
	snprintf(sql, sizeof sql, "SELECT ref_kind FROM anomalies WHERE id = %lld",
	         (long long)scan_anom);
	assert_string_equal(q1(st, sql, &f), "scan");
	assert_int_equal(count(st, STORE_T_SCAN_CERTS), 1);
	assert_string_equal(q1(st, "PRAGMA foreign_key_check", &f), "");
	assert_int_equal(f.rows, 0);

	/* idempotent; the deletion is committed by a flush and survives reopening */
	assert_int_equal(store_prune_connections(st, "2500-01-01T00:00:00.000000Z", NULL),
	                 STORE_OK);
	assert_int_equal(store_flush(st), STORE_OK);
	assert_int_equal(store_close(st), STORE_OK);
	st = open_ok(fx->path, 0);
	assert_int_equal(count(st, STORE_T_CONNECTIONS), want_conns);
	assert_int_equal(count(st, STORE_T_CERTIFICATES), 4);
	assert_int_equal(store_close(st), STORE_OK);
}

/* Malformed cutoffs are refused before anything is touched. */
static void test_prune_bad_cutoff(void **state)
{
	static const char *const bad[] = {
		"", "2026-11-22", "2026-11-22T05:00:00", "2026-11-22 05:00:00Z",
		"2026-11-22T05:00:00.Z", "2026-11-22T05:00:00.0000000000Z", "2026-11-22T05:00:00Zx",
		"2026-11-22T05:00:00+00:00", "20261-1-22T05:00:00Z", "x026-11-22T05:00:00Z",
	};
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	struct store_conn c = sample_conn();
	size_t i;

	assert_int_equal(store_add_connection(st, &c, NULL), STORE_OK);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (store_prune_connections(st, bad[i], NULL) != STORE_EINVAL)
			fail_msg("cutoff '%s' accepted", bad[i]);
		assert_non_null(strstr(store_errmsg(st), "RFC 3339"));
	}
	assert_int_equal(store_prune_connections(st, NULL, NULL), STORE_EINVAL);
	assert_int_equal(store_prune_connections(NULL, "2026-11-22T05:00:00Z", NULL),
	                 STORE_EINVAL);
	assert_int_equal(count(st, STORE_T_CONNECTIONS), 1);
	assert_int_equal(store_close(st), STORE_OK);
}

/* ---- store_query -------------------------------------------------------------- */

static void test_query_readonly(void **state)
{
	static const struct {
		const char *sql;
		int want;
		const char *msg; /* substring of store_errmsg(), or NULL */
	} cases[] = {
		{ "SELECT count(*) FROM connections", STORE_OK, NULL },
		{ "WITH x(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM x WHERE n < 5)"
		  " SELECT sum(n) FROM x", STORE_OK, NULL },
		{ "VALUES (1), (2)", STORE_OK, NULL },
		{ "SELECT 1; -- trailing comment\n ;", STORE_OK, NULL },
		{ "PRAGMA integrity_check", STORE_OK, NULL },
		{ "PRAGMA table_info(findings)", STORE_OK, NULL },
		{ "INSERT INTO meta (key, value) VALUES ('x', 'y')", STORE_EREADONLY, "refused" },
		{ "DELETE FROM findings", STORE_EREADONLY, "refused" },
		{ "UPDATE meta SET value = 'x'", STORE_EREADONLY, "refused" },
		{ "DROP TABLE findings", STORE_EREADONLY, "refused" },
		{ "CREATE TEMP TABLE t (x)", STORE_EREADONLY, "refused" },
		{ "BEGIN", STORE_EREADONLY, "refused" },
		{ "COMMIT", STORE_EREADONLY, "refused" },
		{ "SAVEPOINT s", STORE_EREADONLY, "refused" },
		{ "ATTACH DATABASE 'x.db' AS x", STORE_EREADONLY, "refused" },
		{ "PRAGMA foreign_keys = OFF", STORE_EREADONLY, "refused" },
		{ "PRAGMA user_version = 7", STORE_EREADONLY, "refused" },
		{ "PRAGMA journal_mode = DELETE", STORE_EREADONLY, "refused" },
		{ "VACUUM", STORE_EREADONLY, "refused" },
		{ "SELECT 1; DELETE FROM meta", STORE_EINVAL, "more than one statement" },
		{ "SELECT 1; SELECT 2", STORE_EINVAL, "more than one statement" },
		{ "", STORE_EINVAL, "no statement" },
		{ "SELEC 1", STORE_ESQL, "syntax error" },
		{ "SELECT nosuch FROM meta", STORE_ESQL, "no such column: nosuch" },
		{ "SELECT * FROM nosuch", STORE_ESQL, "no such table: nosuch" },
		{ "SELECT json_extract('not json', '$')", STORE_ESQL, "malformed JSON" },
		{ "SELECT load_extension('/nonexistent.so')", STORE_EREADONLY, "refused" },
	};
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 0);
	struct first f;
	size_t i;
	int rc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&f, 0, sizeof f);
		rc = store_query(st, cases[i].sql, cb_first, &f);
		if (rc != cases[i].want)
			fail_msg("'%s': got %d (%s), want %d", cases[i].sql, rc, store_errmsg(st),
			         cases[i].want);
		if (cases[i].msg && !strstr(store_errmsg(st), cases[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].sql, store_errmsg(st),
			         cases[i].msg);
	}
	/* nothing was changed and the store still works */
	assert_int_equal(count(st, STORE_T_META), 2);
	assert_string_equal(q1(st, "PRAGMA foreign_keys", &f), "1");
	assert_string_equal(q1(st, "SELECT sum(n) FROM (SELECT 1 AS n UNION ALL SELECT 2)", &f),
	                    "3");
	assert_int_equal(store_query(st, "SELECT 1", NULL, NULL), STORE_OK);
	assert_int_equal(store_query(st, NULL, NULL, NULL), STORE_EINVAL);
	assert_int_equal(store_close(st), STORE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_open_creates_schema),
		T(test_migrate_empty_file),
		T(test_migrate_v1),
		T(test_migrate_v1_failure_rolls_back),
		T(test_reopen_idempotent),
		T(test_close_null),
		T(test_open_bad_files),
		T(test_open_too_new),
		T(test_open_foreign_db),
		T(test_open_bad_args),
		T(test_cert_stored_once),
		T(test_endpoint_insert_or_get),
		T(test_finding_upsert),
		T(test_each_finding_filter),
		T(test_connection_roundtrip),
		T(test_connection_atomic),
		T(test_connection_constraints),
		T(test_scan_and_evidence),
		T(test_meta),
		T(test_batching),
		T(test_fatal_error_is_sticky),
		T(test_open_memory),
		T(test_cert_facts),
		T(test_scan_chains),
		T(test_scan_ocsp),
		T(test_prune_connections),
		T(test_prune_bad_cutoff),
		T(test_query_readonly),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
