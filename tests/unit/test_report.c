/*
 * report: the report document (analyzer/report.h) and its CSV (analyzer/report_csv.h) for a
 * store this test builds through the store API: two endpoints, two scans of one of them
 * (versions, suites, certificates and trust differ between them), certificates with facts,
 * a probe transcript, a sniffed connection, rules of a profile "tp" (and one of another
 * profile) run by analysis_run(), and analysts' verdicts (one valid, one that has expired at
 * the report's time).
 *
 * Every expected value is what the test itself put in: the requirement statuses follow from
 * the rows the test's rules give for the scans it stored (and from the verdicts), the
 * evidence hashes are SHA-256 computed here with OpenSSL's EVP over the bytes the test stored
 * (certificate DER, scan result text, probe request || response), the changes are the
 * versions, suites and certificates the test removed and added between the two scans, the
 * inventories the certificates and facts it linked, the expiry days the distance between the
 * test's not_after dates and its fixed report time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "analyzer/analysis.h"
#include "analyzer/report.h"
#include "analyzer/report_csv.h"
#include "analyzer/store/store.h"

static char dir[512], rdir[600], dbpath[600], emptypath[600];

/* 2030-01-01T00:00:00Z, the report's time */
#define NOW ((time_t)1893456000)

/* The certificates: made-up DER bytes (the store keys them by their hash only) and facts. */
static const unsigned char der_a1[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
static const unsigned char der_a2[] = { 0x30, 0x03, 0x02, 0x01, 0x02 };
static const unsigned char der_ca[] = { 0x30, 0x03, 0x02, 0x01, 0x03 };
static const unsigned char der_b[] = { 0x30, 0x04, 0x02, 0x02, 0x01, 0x04 };
static const char facts_a1[] = "{\"subject\":\"CN=a.test\",\"issuer\":\"CN=Old CA\","
	"\"not_before\":\"2028-01-01T00:00:00Z\",\"not_after\":\"2029-01-01T00:00:00Z\","
	"\"key_type\":\"RSA\",\"key_bits\":2048,\"sig_alg\":\"sha256WithRSAEncryption\"}";
static const char facts_a2[] = "{\"subject\":\"CN=a.test,O=Acme \\\"Q\\\"\",\"issuer\":"
	"\"CN=Test CA\",\"not_before\":\"2029-12-01T00:00:00Z\",\"not_after\":"
	"\"2030-01-31T00:00:00Z\",\"key_type\":\"EC\",\"key_bits\":256,\"sig_alg\":"
	"\"ecdsa-with-SHA256\"}";
static const char facts_ca[] = "{\"subject\":\"CN=Test CA\",\"issuer\":\"CN=Test CA\","
	"\"not_before\":\"2029-01-01T00:00:00Z\",\"not_after\":\"2039-01-01T00:00:00Z\","
	"\"key_type\":\"EC\",\"key_bits\":384,\"sig_alg\":\"ecdsa-with-SHA384\"}";
static const char facts_b[] = "{\"subject\":\"CN=b.test\",\"issuer\":\"CN=b.test\","
	"\"not_before\":\"2029-01-01T00:00:00Z\",\"not_after\":\"2029-12-31T00:00:00Z\","
	"\"key_type\":\"RSA\",\"key_bits\":1024,\"sig_alg\":\"sha1WithRSAEncryption\"}";

/* The scans: A's first and second, B's only one. */
static const char scan_a1[] = "{\"type\":\"scan\",\"protocols\":{\"SSLv3\":false,"
	"\"TLSv1.0\":true,\"TLSv1.1\":false,\"TLSv1.2\":true,\"TLSv1.3\":false},\"ciphers\":{"
	"\"TLSv1.0\":[\"TLS_RSA_WITH_3DES_EDE_CBC_SHA\"],\"TLSv1.2\":["
	"\"TLS_RSA_WITH_AES_128_CBC_SHA\",\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"]},"
	"\"groups\":[\"secp256r1\"],\"chain_trusted\":false,\"verify_error\":\"expired\","
	"\"chains\":[{\"trusted\":false}]}";
static const char scan_a2[] = "{\"type\":\"scan\",\"protocols\":{\"SSLv3\":false,"
	"\"TLSv1.0\":false,\"TLSv1.1\":false,\"TLSv1.2\":true,\"TLSv1.3\":true},\"ciphers\":{"
	"\"TLSv1.2\":[\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\","
	"\"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256\"],\"TLSv1.3\":["
	"\"TLS_AES_128_GCM_SHA256\"]},\"groups\":[\"x25519\",\"secp256r1\"],"
	"\"chain_trusted\":true,\"verify_error\":null,\"chains\":[{\"trusted\":true}]}";
static const char scan_b[] = "{\"type\":\"scan\",\"protocols\":{\"SSLv3\":false,"
	"\"TLSv1.0\":true,\"TLSv1.1\":false,\"TLSv1.2\":true,\"TLSv1.3\":false},\"ciphers\":{"
	"\"TLSv1.0\":[\"TLS_RSA_WITH_RC4_128_SHA\"],\"TLSv1.2\":[\"TLS_RSA_WITH_RC4_128_SHA\","
	"\"TLS_RSA_WITH_AES_128_CBC_SHA\"]},\"groups\":[],\"chain_trusted\":false,"
	"\"verify_error\":\"self-signed certificate\",\"chains\":[{\"trusted\":false}]}";

static const unsigned char probe_req[] = { 0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00 };
static const unsigned char probe_resp[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };

#define RES_A "10.0.0.1:443 a.test"
#define RES_B "10.0.0.2:443"

/* The profile "tp": R1 not in place (B accepts TLS 1.0; the verdict on it has expired by the
 * report's time), R2 in place with an exception (B's RC4 alarm is a false positive), R3 not
 * applicable (skip only), R4 and R5 in place (info, ok), R6 not tested (no row). */
static const struct {
	const char *file, *text;
} rules[] = {
	{ "protocols.sql",
	  "-- id: tp/protocols\n-- title: no TLS 1.0\n-- severity: high\n"
	  "-- requirements: tp:R1\n-- remediation: Turn TLS 1.0 off.\n"
	  "SELECT resource, CASE WHEN sum(supported) > 0 THEN 'alarm' ELSE 'ok' END AS status,"
	  " 'TLS 1.0: ' || sum(supported) AS reason,"
	  " json_group_array('scan:' || scan_id) AS evidence"
	  " FROM v_scan_protocol WHERE version = 'TLSv1.0' GROUP BY resource\n" },
	{ "rc4.sql",
	  "-- id: tp/rc4\n-- title: no RC4\n-- severity: medium\n-- requirements: tp:R2\n"
	  "SELECT resource, CASE WHEN sum(cipher LIKE '%RC4%') > 0 THEN 'alarm' ELSE 'ok' END"
	  " AS status, 'rc4, \"suites\"' AS reason, json_array('scan:' || max(scan_id))"
	  " AS evidence FROM v_scan_cipher"
	  " GROUP BY resource\n" },
	{ "skip.sql",
	  "-- id: tp/skip\n-- title: cannot tell\n-- severity: low\n-- requirements: tp:R3\n"
	  "SELECT resource, 'skip' AS status, '=SUM(1,2)' AS reason,"
	  " NULL AS evidence FROM v_scan\n" },
	{ "certs.sql",
	  "-- id: tp/certs\n-- title: leaf inventory\n-- severity: info\n-- requirements: tp:R4\n"
	  "SELECT resource, 'info' AS status, subject AS reason,"
	  " json_array('cert:' || sha256) AS evidence FROM v_scan_cert"
	  " WHERE depth = 0\n" },
	{ "probe.sql",
	  "-- id: tp/probe\n-- title: probe and connection\n-- severity: low\n"
	  "-- requirements: tp:R5, other:X\n"
	  "SELECT v.resource, 'ok' AS status, 'seen' AS reason, json_array('probe:' || p.id,"
	  " 'connection:' || (SELECT min(id) FROM connections), 'bogus:1', 'scan:999')"
	  " AS evidence FROM v_scan v"
	  " JOIN probe_evidence p ON p.scan_id = v.scan_id\n" },
	{ "never.sql",
	  "-- id: tp/never\n-- title: never fires\n-- severity: high\n-- requirements: tp:R6\n"
	  "SELECT resource, 'alarm' AS status, 'x' AS reason,"
	  " NULL AS evidence FROM v_scan WHERE 0\n" },
	{ "other.sql",
	  "-- id: other/x\n-- title: another profile\n-- severity: critical\n"
	  "-- requirements: other:Y\n"
	  "SELECT resource, 'alarm' AS status, 'other' AS reason,"
	  " NULL AS evidence FROM v_scan\n" },
};

static char hash_a1[65], hash_a2[65], hash_ca[65], hash_b[65];
static long long scan_ids[3], probe_id, conn_id, run_id;
static char want_rules_hash[65];

static void sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	assert_int_equal(EVP_Digest(p, n, md, &len, EVP_sha256(), NULL), 1);
	assert_int_equal(len, 32);
	for (unsigned i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void write_rule(const char *name, const char *text)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", rdir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void on_refused(void *ctx, const struct rule *r)
{
	(void)ctx;
	print_error("rule %s refused: %s\n", r->file, r->error);
}

static struct store *open_path(const char *path)
{
	struct store_error e = { 0, "" };
	struct store_options o = { 0, 0, "test" };
	struct store *st = store_open(path, &o, &e);
	if (!st)
		fail_msg("%s", e.msg);
	return st;
}

static void put_cert(struct store *st, const unsigned char *der, size_t n, const char *facts,
		     char hex[65])
{
	char got[STORE_SHA256_HEX_SIZE];
	sha256_hex(der, n, hex);
	assert_int_equal(store_put_cert(st, der, n, got), STORE_OK);
	assert_string_equal(got, hex);
	assert_int_equal(store_put_cert_facts(st, hex, facts), STORE_OK);
}

static long long scan(struct store *st, int64_t ep, const char *started, const char *finished,
		      const char *result)
{
	int64_t id;
	assert_int_equal(store_scan_begin(st, ep, started, "t", &id), STORE_OK);
	assert_int_equal(store_scan_end(st, id, finished, NULL, result), STORE_OK);
	return (long long)id;
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(rdir, sizeof(rdir), "%s/rules", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	snprintf(emptypath, sizeof(emptypath), "%s/empty.db", dir);
	if (mkdir(rdir, 0700) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		write_rule(rules[i].file, rules[i].text);

	struct store *st = open_path(dbpath);
	int64_t ep_a, ep_b, id;
	assert_int_equal(store_endpoint_id(st, "a.test", "10.0.0.1", 443, "a.test", &ep_a),
			 STORE_OK);
	assert_int_equal(store_endpoint_id(st, NULL, "10.0.0.2", 443, NULL, &ep_b), STORE_OK);
	put_cert(st, der_a1, sizeof(der_a1), facts_a1, hash_a1);
	put_cert(st, der_a2, sizeof(der_a2), facts_a2, hash_a2);
	put_cert(st, der_ca, sizeof(der_ca), facts_ca, hash_ca);
	put_cert(st, der_b, sizeof(der_b), facts_b, hash_b);
	scan_ids[0] = scan(st, ep_a, "2029-12-01T00:00:00.000000Z", "2029-12-01T00:01:00.000000Z",
			   scan_a1);
	assert_int_equal(store_link_scan_cert(st, scan_ids[0], 0, 0, hash_a1), STORE_OK);
	scan_ids[1] = scan(st, ep_a, "2029-12-20T00:00:00.000000Z", "2029-12-20T00:01:00.000000Z",
			   scan_a2);
	assert_int_equal(store_link_scan_cert(st, scan_ids[1], 0, 0, hash_a2), STORE_OK);
	assert_int_equal(store_link_scan_cert(st, scan_ids[1], 0, 1, hash_ca), STORE_OK);
	scan_ids[2] = scan(st, ep_b, "2029-12-20T00:00:00.000000Z", "2029-12-20T00:02:00.000000Z",
			   scan_b);
	assert_int_equal(store_link_scan_cert(st, scan_ids[2], 0, 0, hash_b), STORE_OK);
	struct store_probe p = { .scan_id = scan_ids[1], .probe = "suites-TLSv1.2",
				 .request = probe_req, .request_len = sizeof(probe_req),
				 .response = probe_resp, .response_len = sizeof(probe_resp),
				 .outcome = "alert:handshake_failure" };
	assert_int_equal(store_add_probe_evidence(st, &p, &id), STORE_OK);
	probe_id = (long long)id;
	const char *chain[] = { hash_b };
	struct store_conn c = { .ts = "2029-12-21T10:00:00.000001Z", .client_ip = "10.9.9.9",
				.client_port = 50000, .server_ip = "10.0.0.2", .server_port = 443,
				.version = "TLSv1.0", .cipher = "TLS_RSA_WITH_RC4_128_SHA",
				.alpn_offered_json = "[\"http/1.1\"]", .server_cert_sha256 = hash_b,
				.alerts_json = "[]", .anomalies_json = "[]", .source = "t.pcap",
				.chain_sha256 = chain, .chain_len = 1 };
	assert_int_equal(store_add_connection(st, &c, &id), STORE_OK);
	conn_id = (long long)id;
	int64_t tid;
	struct store_triage fp = { .rule = "tp/rc4", .resource = RES_B,
				   .verdict = "false_positive", .reason = "RC4 only for a legacy"
				   " client, compensating control", .author = "auditor" };
	assert_int_equal(store_add_triage(st, &fp, &tid), STORE_OK);
	struct store_triage old = { .rule = "tp/protocols", .resource = RES_B,
				    .verdict = "acknowledged", .reason = "until the migration",
				    .author = "ops", .expires = "2029-06-01T00:00:00Z" };
	assert_int_equal(store_add_triage(st, &old, &tid), STORE_OK);

	char err[512];
	struct analysis_opts ao = { .rules_dir = rdir, .profile = NULL, .tool = "test" };
	struct analysis_stats stats;
	struct analysis_cb cb = { .on_refused = on_refused };
	assert_int_equal(analysis_run(st, &ao, &cb, &stats, err, sizeof(err)), 0);
	assert_int_equal(stats.refused, 0);
	assert_int_equal(stats.failed, 0);
	run_id = stats.run_id;
	memcpy(want_rules_hash, stats.rules_hash, sizeof(want_rules_hash));
	assert_int_equal(store_close(st), STORE_OK);

	store_close(open_path(emptypath));   /* a store never analyzed */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[1100];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static json_t *build(const char *profile, int *status, char *err, size_t cap)
{
	struct store *st = open_path(dbpath);
	struct report_opts o = { .profile = profile, .database = dbpath, .now = NOW,
				 .tool = "tlsscope test" };
	json_t *doc = report_build_status(st, &o, status, err, cap);
	store_close(st);
	return doc;
}

static const char *str(json_t *o, const char *path)
{
	json_t *v = o;
	char key[64];
	while (*path && v) {
		size_t n = strcspn(path, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		v = json_object_get(v, key);
		path += n + (path[n] == '.');
	}
	return json_string_value(v);
}

static long long num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_integer(v));
	return (long long)json_integer_value(v);
}

/* The array's strings joined by spaces (lists compare as text). */
static const char *joined(json_t *a)
{
	static char buf[1024];
	size_t i, n = 0;
	json_t *v;
	buf[0] = '\0';
	assert_true(json_is_array(a));
	json_array_foreach(a, i, v)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "",
				      json_string_value(v));
	return buf;
}

static json_t *find_by(json_t *a, const char *k1, const char *v1, const char *k2,
		       const char *v2)
{
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
		if (strcmp(str(o, k1), v1) == 0 && (!k2 || strcmp(str(o, k2), v2) == 0))
			return o;
	return NULL;
}

static void test_errors(void **state)
{
	(void)state;
	char err[1024];
	int status = -1;
	/* never analyzed */
	struct store *st = open_path(emptypath);
	struct report_opts o = { .profile = "all", .now = NOW };
	assert_null(report_build_status(st, &o, &status, err, sizeof(err)));
	assert_int_equal(status, REPORT_EINPUT);
	assert_non_null(strstr(err, "tlsscope analyze first"));
	assert_int_equal(report_check(st, "all", err, sizeof(err)), REPORT_EINPUT);
	store_close(st);
	/* a profile the store has no rule of: the message names the ones it has */
	assert_null(build("nope", &status, err, sizeof(err)));
	assert_int_equal(status, REPORT_EINPUT);
	assert_non_null(strstr(err, "'nope'"));
	assert_non_null(strstr(err, "all, other, tp"));
}

static void test_header(void **state)
{
	(void)state;
	char err[512];
	int status;
	json_t *doc = build("tp", &status, err, sizeof(err));
	if (!doc)
		fail_msg("%s", err);
	assert_string_equal(str(doc, "type"), "report");
	assert_int_equal(num(doc, "report_version"), 1);
	json_t *h = json_object_get(doc, "header");
	assert_string_equal(str(h, "tool"), "tlsscope test");
	assert_string_equal(str(h, "generated"), "2030-01-01T00:00:00Z");
	assert_string_equal(str(h, "profile"), "tp");
	assert_string_equal(str(h, "database"), dbpath);
	json_t *r = json_object_get(h, "rules");
	assert_string_equal(str(r, "hash"), want_rules_hash);
	assert_int_equal(num(r, "analysis_run"), run_id);
	assert_int_equal(num(r, "profile_rules"), 6);   /* the tp/ rules */
	assert_int_equal(num(r, "stale_findings"), 0);
	assert_int_equal(num(json_object_get(h, "data"), "store_schema"), STORE_SCHEMA_VERSION);
	json_t *eps = json_object_get(json_object_get(h, "scope"), "endpoints");
	assert_int_equal(json_array_size(eps), 2);
	assert_int_equal(num(find_by(eps, "resource", RES_A, NULL, NULL), "scan_id"), scan_ids[1]);
	assert_int_equal(num(find_by(eps, "resource", RES_B, NULL, NULL), "scan_id"), scan_ids[2]);
	json_t *conns = json_object_get(json_object_get(h, "scope"), "connections");
	assert_int_equal(num(conns, "count"), 1);
	assert_int_equal(num(conns, "servers"), 1);
	assert_string_equal(str(conns, "first"), "2029-12-21T10:00:00.000001Z");
	json_t *m = json_object_get(doc, "method");
	assert_true(json_array_size(json_object_get(m, "text")) > 0);
	bool tls13 = false;
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(m, "limits"), i, l)
		tls13 |= strstr(json_string_value(l), "TLS 1.3 certificates") != NULL;
	assert_true(tls13);
	json_decref(doc);
}

static void test_requirements(void **state)
{
	(void)state;
	static const struct {
		const char *req, *status, *rules;
		long long ok, alarm, info, skip, exceptions;
	} want[] = {
		{ "tp:R1", "not in place", "tp/protocols", 1, 1, 0, 0, 0 },
		{ "tp:R2", "in place", "tp/rc4", 1, 1, 0, 0, 1 },
		{ "tp:R3", "not applicable", "tp/skip", 0, 0, 0, 2, 0 },
		{ "tp:R4", "in place", "tp/certs", 0, 0, 2, 0, 0 },
		{ "tp:R5", "in place", "tp/probe", 1, 0, 0, 0, 0 },
		{ "tp:R6", "not tested", "tp/never", 0, 0, 0, 0, 0 },
	};
	char err[512];
	int status;
	json_t *doc = build("tp", &status, err, sizeof(err));
	if (!doc)
		fail_msg("%s", err);
	json_t *reqs = json_object_get(doc, "requirements");
	assert_int_equal(json_array_size(reqs), sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		json_t *r = json_array_get(reqs, i);
		json_t *c = json_object_get(r, "counts");
		assert_string_equal(str(r, "requirement"), want[i].req);
		assert_string_equal(str(r, "status"), want[i].status);
		assert_string_equal(joined(json_object_get(r, "rules")), want[i].rules);
		assert_int_equal(num(c, "ok"), want[i].ok);
		assert_int_equal(num(c, "alarm"), want[i].alarm);
		assert_int_equal(num(c, "info"), want[i].info);
		assert_int_equal(num(c, "skip"), want[i].skip);
		assert_int_equal(num(r, "exceptions"), want[i].exceptions);
	}
	/* "all": every requirement, other:X and other:Y too */
	json_decref(doc);
	doc = build("all", &status, err, sizeof(err));
	assert_non_null(doc);
	reqs = json_object_get(doc, "requirements");
	assert_non_null(find_by(reqs, "requirement", "other:X", NULL, NULL));
	assert_string_equal(str(find_by(reqs, "requirement", "other:Y", NULL, NULL), "status"),
			    "not in place");
	json_decref(doc);
}

static void test_findings(void **state)
{
	(void)state;
	char err[512], want[65];
	int status;
	json_t *doc = build("tp", &status, err, sizeof(err));
	if (!doc)
		fail_msg("%s", err);
	json_t *fs = json_object_get(doc, "findings");
	/* protocols 2, rc4 2, skip 2, certs 2, probe 1 (A's latest scan has the probe) */
	assert_int_equal(json_array_size(fs), 9);
	assert_null(find_by(fs, "rule", "other/x", NULL, NULL));
	/* alarms come first, the worst severity first */
	assert_string_equal(str(json_array_get(fs, 0), "rule"), "tp/protocols");
	assert_string_equal(str(json_array_get(fs, 0), "status"), "alarm");
	assert_string_equal(str(json_array_get(fs, 1), "rule"), "tp/rc4");

	json_t *f = find_by(fs, "rule", "tp/protocols", "resource", RES_B);
	assert_string_equal(str(f, "title"), "no TLS 1.0");
	assert_string_equal(str(f, "severity"), "high");
	assert_string_equal(str(f, "remediation"), "Turn TLS 1.0 off.");
	assert_true(json_is_null(json_object_get(f, "triage")));   /* expired at NOW */
	json_t *ev = json_array_get(json_object_get(f, "evidence"), 0);
	assert_string_equal(str(ev, "kind"), "scan");
	sha256_hex(scan_b, strlen(scan_b), want);
	assert_string_equal(str(ev, "sha256"), want);

	f = find_by(fs, "rule", "tp/rc4", "resource", RES_B);
	assert_string_equal(str(f, "status"), "alarm");
	assert_string_equal(str(f, "triage.verdict"), "false_positive");
	assert_string_equal(str(f, "triage.author"), "auditor");

	/* certificate references: the SHA-256 of the DER the test stored */
	f = find_by(fs, "rule", "tp/certs", "resource", RES_A);
	ev = json_array_get(json_object_get(f, "evidence"), 0);
	assert_string_equal(str(ev, "kind"), "cert");
	sha256_hex(der_a2, sizeof(der_a2), want);
	assert_string_equal(str(ev, "sha256"), want);
	assert_non_null(strstr(str(ev, "summary"), "CN=Test CA"));
	f = find_by(fs, "rule", "tp/certs", "resource", RES_B);
	ev = json_array_get(json_object_get(f, "evidence"), 0);
	sha256_hex(der_b, sizeof(der_b), want);
	assert_string_equal(str(ev, "sha256"), want);

	/* probe: request || response; connection: resolved; unknown kinds and rows: no hash */
	f = find_by(fs, "rule", "tp/probe", "resource", RES_A);
	assert_string_equal(joined(json_object_get(f, "requirements")), "tp:R5 other:X");
	json_t *evs = json_object_get(f, "evidence");
	assert_int_equal(json_array_size(evs), 4);
	unsigned char both[sizeof(probe_req) + sizeof(probe_resp)];
	memcpy(both, probe_req, sizeof(probe_req));
	memcpy(both + sizeof(probe_req), probe_resp, sizeof(probe_resp));
	sha256_hex(both, sizeof(both), want);
	ev = json_array_get(evs, 0);
	assert_string_equal(str(ev, "kind"), "probe");
	assert_string_equal(str(ev, "sha256"), want);
	assert_non_null(strstr(str(ev, "summary"), "alert:handshake_failure"));
	ev = json_array_get(evs, 1);
	assert_string_equal(str(ev, "kind"), "connection");
	/* report.h: the row as json_object() writes it, columns in table order, then chain */
	char conn[1024];
	snprintf(conn, sizeof(conn), "{\"id\":%lld,\"ts\":\"2029-12-21T10:00:00.000001Z\","
		 "\"client_ip\":\"10.9.9.9\",\"client_port\":50000,\"server_ip\":\"10.0.0.2\","
		 "\"server_port\":443,\"sni\":null,\"version\":\"TLSv1.0\",\"cipher\":"
		 "\"TLS_RSA_WITH_RC4_128_SHA\",\"alpn_offered\":[\"http/1.1\"],"
		 "\"alpn_selected\":null,\"ja3\":null,\"ja3s\":null,\"ja4\":null,"
		 "\"server_cert_sha256\":\"%s\",\"fallback_scsv\":0,\"downgrade_sentinel\":null,"
		 "\"resumed\":0,\"hello_retry_request\":0,\"alerts\":[],\"anomalies\":[],"
		 "\"source\":\"t.pcap\",\"chain\":[\"%s\"]}", conn_id, hash_b, hash_b);
	sha256_hex(conn, strlen(conn), want);
	assert_string_equal(str(ev, "sha256"), want);
	assert_non_null(strstr(str(ev, "summary"), "10.9.9.9:50000 -> 10.0.0.2:443 TLSv1.0"));
	ev = json_array_get(evs, 2);
	assert_string_equal(str(ev, "kind"), "unknown");
	assert_true(json_is_null(json_object_get(ev, "sha256")));
	ev = json_array_get(evs, 3);
	assert_string_equal(str(ev, "ref"), "scan:999");
	assert_true(json_is_null(json_object_get(ev, "sha256")));
	assert_non_null(strstr(str(ev, "summary"), "not in the store"));

	/* findings by severity: open alarms and the ones with a verdict */
	json_t *sev = json_object_get(json_object_get(doc, "charts"), "severity");
	json_t *high = find_by(sev, "severity", "high", NULL, NULL);
	json_t *med = find_by(sev, "severity", "medium", NULL, NULL);
	assert_int_equal(num(high, "alarms"), 1);
	assert_int_equal(num(med, "alarms"), 0);
	assert_int_equal(num(med, "exceptions"), 1);
	json_decref(doc);
}

static void test_inventories_changes(void **state)
{
	(void)state;
	char err[512];
	int status;
	json_t *doc = build("tp", &status, err, sizeof(err));
	if (!doc)
		fail_msg("%s", err);
	json_t *inv = json_object_get(doc, "inventories");
	json_t *certs = json_object_get(inv, "certificates");
	/* the latest scans' chains: A (leaf, CA), B (leaf); A's first certificate is gone */
	assert_int_equal(json_array_size(certs), 3);
	json_t *c = find_by(certs, "sha256", hash_a2, NULL, NULL);
	assert_string_equal(str(c, "resource"), RES_A);
	assert_int_equal(num(c, "depth"), 0);
	assert_string_equal(str(c, "subject"), "CN=a.test,O=Acme \"Q\"");
	assert_string_equal(str(c, "not_after"), "2030-01-31T00:00:00Z");
	assert_int_equal(num(c, "key_bits"), 256);
	assert_true(json_is_true(json_object_get(c, "trusted")));
	c = find_by(certs, "sha256", hash_ca, NULL, NULL);
	assert_int_equal(num(c, "depth"), 1);
	c = find_by(certs, "sha256", hash_b, NULL, NULL);
	assert_string_equal(str(c, "resource"), RES_B);
	assert_string_equal(str(c, "sig_alg"), "sha1WithRSAEncryption");
	assert_true(json_is_false(json_object_get(c, "trusted")));
	assert_null(find_by(certs, "sha256", hash_a1, NULL, NULL));

	json_t *protos = json_object_get(inv, "protocols");
	assert_int_equal(json_array_size(protos), 2);
	json_t *p = find_by(protos, "resource", RES_A, NULL, NULL);
	assert_string_equal(joined(json_object_get(p, "versions")), "TLSv1.2 TLSv1.3");
	assert_string_equal(joined(json_object_get(json_object_get(p, "suites"), "TLSv1.2")),
			    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 "
			    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
	assert_string_equal(joined(json_object_get(json_object_get(p, "suites"), "TLSv1.3")),
			    "TLS_AES_128_GCM_SHA256");
	assert_string_equal(joined(json_object_get(p, "groups")), "x25519 secp256r1");
	p = find_by(protos, "resource", RES_B, NULL, NULL);
	assert_string_equal(joined(json_object_get(p, "versions")), "TLSv1.0 TLSv1.2");

	/* changes: only A was scanned twice */
	json_t *ch = json_object_get(doc, "changes");
	assert_int_equal(json_array_size(ch), 1);
	c = json_array_get(ch, 0);
	assert_string_equal(str(c, "resource"), RES_A);
	assert_int_equal(num(json_object_get(c, "previous_scan"), "id"), scan_ids[0]);
	assert_int_equal(num(json_object_get(c, "latest_scan"), "id"), scan_ids[1]);
	assert_string_equal(str(c, "previous_scan.finished"), "2029-12-01T00:01:00.000000Z");
	json_t *add = json_object_get(c, "added"), *rem = json_object_get(c, "removed");
	assert_string_equal(joined(json_object_get(add, "versions")), "TLSv1.3");
	assert_string_equal(joined(json_object_get(rem, "versions")), "TLSv1.0");
	/* suites as sets: compare sorted */
	const char *a = joined(json_object_get(add, "suites"));
	assert_non_null(strstr(a, "TLS_AES_128_GCM_SHA256"));
	assert_non_null(strstr(a, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"));
	assert_int_equal(json_array_size(json_object_get(add, "suites")), 2);
	const char *r = joined(json_object_get(rem, "suites"));
	assert_non_null(strstr(r, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
	assert_non_null(strstr(r, "TLS_RSA_WITH_AES_128_CBC_SHA"));
	assert_int_equal(json_array_size(json_object_get(rem, "suites")), 2);
	char both[140];
	snprintf(both, sizeof(both), "%s %s", hash_a2, hash_ca);
	assert_string_equal(joined(json_object_get(add, "certificates")), both);
	assert_string_equal(joined(json_object_get(rem, "certificates")), hash_a1);
	assert_true(json_is_false(json_object_get(json_object_get(c, "trust"), "before")));
	assert_true(json_is_true(json_object_get(json_object_get(c, "trust"), "after")));

	/* charts */
	json_t *charts = json_object_get(doc, "charts");
	json_t *pv = json_object_get(charts, "protocols");
	assert_int_equal(num(find_by(pv, "version", "TLSv1.2", NULL, NULL), "endpoints"), 2);
	assert_int_equal(num(find_by(pv, "version", "TLSv1.3", NULL, NULL), "endpoints"), 1);
	assert_int_equal(num(find_by(pv, "version", "TLSv1.0", NULL, NULL), "endpoints"), 1);
	assert_int_equal(num(find_by(pv, "version", "SSLv3", NULL, NULL), "endpoints"), 0);
	/* A: ECDHE + AEAD only; B: RC4 and static RSA key exchange with CBC */
	json_t *sc = json_object_get(charts, "suites");
	assert_int_equal(num(find_by(sc, "class", "AEAD+PFS", NULL, NULL), "endpoints"), 1);
	assert_int_equal(num(find_by(sc, "class", "RC4", NULL, NULL), "endpoints"), 1);
	assert_int_equal(num(find_by(sc, "class", "RSA key exchange", NULL, NULL), "endpoints"), 1);
	assert_null(find_by(sc, "class", "3DES", NULL, NULL));   /* A's 3DES is in the old scan */
	json_t *ex = json_object_get(charts, "expiry");
	assert_int_equal(json_array_size(ex), 2);                /* leaves only */
	assert_int_equal(num(find_by(ex, "sha256", hash_a2, NULL, NULL), "days_left"), 30);
	assert_int_equal(num(find_by(ex, "sha256", hash_b, NULL, NULL), "days_left"), -1);
	json_decref(doc);
}

/* The CSV rows of section name (the section line and header row excluded). */
static size_t csv_section_rows(const char *csv, const char *name)
{
	char line[64];
	snprintf(line, sizeof(line), "# %s\r\n", name);
	const char *p = strstr(csv, line);
	assert_non_null(p);
	p = strstr(p + strlen(line), "\r\n") + 2;   /* the header row */
	size_t n = 0;
	bool quoted = false;
	for (; *p && !(*p == '#' && !quoted && p[-1] == '\n'); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\n' && !quoted)
			n++;
	}
	return n;
}

static void test_csv(void **state)
{
	(void)state;
	char err[512];
	int status;
	json_t *doc = build("tp", &status, err, sizeof(err));
	if (!doc)
		fail_msg("%s", err);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(report_csv_write(doc, f), 0);
	fclose(f);
	assert_int_equal(csv_section_rows(buf, "requirements"), 6);
	assert_int_equal(csv_section_rows(buf, "findings"), 9);
	assert_int_equal(csv_section_rows(buf, "certificates"), 3);
	assert_int_equal(csv_section_rows(buf, "protocols"), 4);   /* A 2 versions, B 2 */
	assert_int_equal(csv_section_rows(buf, "changes"), 1);
	/* RFC 4180 quoting, and no formula: the rule's reason "=SUM(1,2)" gets a quote */
	assert_non_null(strstr(buf, "\"CN=a.test,O=Acme \"\"Q\"\"\""));
	assert_non_null(strstr(buf, "\"rc4, \"\"suites\"\"\""));
	assert_non_null(strstr(buf, ",\"'=SUM(1,2)\","));
	assert_null(strstr(buf, ",=SUM"));
	assert_null(strstr(buf, ",\"=SUM"));
	/* evidence references joined by spaces */
	char refs[64];
	snprintf(refs, sizeof(refs), "probe:%lld connection:%lld bogus:1 scan:999", probe_id,
		 conn_id);
	assert_non_null(strstr(buf, refs));
	free(buf);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_requirements),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_inventories_changes),
		cmocka_unit_test(test_csv),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
