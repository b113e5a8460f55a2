/*
 * rules + analysis: the rule loader (headers, refusals with the file and SQLite's message,
 * the column shape), the runner (rows validated, findings upserted: a second run updates
 * count and last_seen, never duplicates), triage verdicts applied, the reference tables
 * (ref_suite holds data/tls-cipher-suites.csv: its row count and a row are compared with
 * the CSV read here), and store_temp_exec refusing writes outside TEMP.
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

#include "analyzer/analysis.h"
#include "analyzer/refdata.h"
#include "analyzer/rules.h"
#include "analyzer/store/store.h"

static char dir[512], rdir[600], dbpath[600];

static void write_file(const char *name, const char *text)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", rdir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct store *open_store(void)
{
	struct store_error e = { 0, "" };
	struct store_options o = { 0, 0, "test" };
	struct store *st = store_open(dbpath, &o, &e);
	if (!st)
		fail_msg("%s", e.msg);
	return st;
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/rules-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(rdir, sizeof(rdir), "%s/rules", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	if (mkdir(rdir, 0700) != 0)
		return -1;
	/* a store with two endpoints scanned: one accepts TLS 1.0, one does not */
	struct store *st = open_store();
	static const char *const res[] = {
		"{\"type\":\"scan\",\"protocols\":{\"TLSv1.0\":true,\"TLSv1.2\":true}}",
		"{\"type\":\"scan\",\"protocols\":{\"TLSv1.0\":false,\"TLSv1.2\":true}}",
	};
	for (int i = 0; i < 2; i++) {
		int64_t ep, scan;
		assert_int_equal(store_endpoint_id(st, NULL, i ? "10.0.0.2" : "10.0.0.1", 443,
						   i ? "b.test" : NULL, &ep), STORE_OK);
		assert_int_equal(store_scan_begin(st, ep, NULL, "t", &scan), STORE_OK);
		assert_int_equal(store_scan_end(st, scan, NULL, NULL, res[i]), STORE_OK);
	}
	assert_int_equal(store_close(st), STORE_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[1100];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char good_rule[] =
	"-- id: test/tls10\n"
	"-- title: TLS 1.0\n"
	"-- severity: high\n"
	"-- requirements: pci-dss-4.0.1:4.2.1, test:1\n"
	"-- remediation: Turn it off.\n"
	"--   Really.\n"
	"SELECT resource, CASE WHEN supported THEN 'alarm' ELSE 'ok' END AS status,\n"
	" 'TLS 1.0 ' || supported AS reason, json_array('scan:' || scan_id) AS evidence\n"
	"FROM v_scan_protocol WHERE version = 'TLSv1.0'\n";

struct collected {
	size_t n, alarms;
	char rows[8][160];
	char triage[8][32];
};

static void on_finding(void *ctx, const struct analysis_finding *f)
{
	struct collected *c = ctx;
	if (c->n < 8) {
		snprintf(c->rows[c->n], sizeof(c->rows[0]), "%s|%s|%s|%s", f->rule->id,
			 f->row->resource, f->row->status, f->row->severity);
		snprintf(c->triage[c->n], sizeof(c->triage[0]), "%s", f->triage ? f->triage : "");
	}
	c->n++;
}

static size_t refused_n;
static char refused_msg[8][1100];

static void on_refused(void *ctx, const struct rule *r)
{
	(void)ctx;
	if (refused_n < 8)
		snprintf(refused_msg[refused_n], sizeof(refused_msg[0]), "%s: %s", r->file, r->error);
	refused_n++;
}

static int count_cb(void *ctx, int ncol, const char *const *n, const char *const *v)
{
	(void)ncol;
	(void)n;
	snprintf(ctx, 64, "%s", v[0] ? v[0] : "NULL");
	return 0;
}

static void q1(struct store *st, const char *sql, char out[64])
{
	out[0] = '\0';
	assert_int_equal(store_query(st, sql, count_cb, out), STORE_OK);
}

static void test_run(void **state)
{
	(void)state;
	write_file("a.sql", good_rule);
	/* broken: syntax, unknown view, wrong shape, bad header, duplicate id, a write */
	write_file("b.sql", "-- id: test/syntax\n-- title: t\n-- severity: low\n"
			    "-- requirements: test:2\nSELEC resource FROM v_scan\n");
	write_file("c.sql", "-- id: test/noview\n-- title: t\n-- severity: low\n"
			    "-- requirements: test:3\nSELECT 1 AS resource, 'ok' AS status, '' AS reason,"
			    " NULL AS evidence FROM v_nothing\n");
	write_file("d.sql", "-- id: test/shape\n-- title: t\n-- severity: low\n"
			    "-- requirements: test:4\nSELECT resource, 'ok' AS state FROM v_scan\n");
	write_file("e.sql", "-- title: no id\n-- severity: low\n-- requirements: x:1\nSELECT 1\n");
	write_file("f.sql", "-- id: test/tls10\n-- title: dup\n-- severity: low\n"
			    "-- requirements: test:5\nSELECT resource, 'ok' AS status, '' AS reason,"
			    " NULL AS evidence FROM v_scan\n");
	write_file("g.sql", "-- id: test/write\n-- title: t\n-- severity: low\n"
			    "-- requirements: test:6\nDELETE FROM findings\n");
	write_file("h.sql", "-- id: test/badrow\n-- title: t\n-- severity: low\n"
			    "-- requirements: test:7\nSELECT resource, 'maybe' AS status, '' AS reason,"
			    " NULL AS evidence FROM v_scan\n");
	write_file("notarule.txt", "ignored");
	/* shared views: a good one a rule reads, a broken one, one that tries something else */
	write_file("0view.sql", "-- view: tls10_state\n-- description: shared\n"
				"CREATE TEMP VIEW tls10_state AS SELECT resource, supported, scan_id"
				" FROM v_scan_protocol WHERE version = 'TLSv1.0'\n");
	write_file("i.sql", "-- id: test/viewuser\n-- title: t\n-- severity: medium\n"
			    "-- requirements: test:8\nSELECT resource, CASE WHEN supported THEN 'alarm'"
			    " ELSE 'ok' END AS status, 'via view' AS reason, NULL AS evidence FROM"
			    " tls10_state\n");
	write_file("0viewbad.sql", "-- view: broken_view\nCREATE TEMP VIEW broken_view AS SELECT"
				   " nothing FROM v_nothing\n");
	write_file("0viewsneaky.sql", "-- view: sneaky\nDROP TABLE findings\n");

	struct store *st = open_store();
	struct collected c = { 0 };
	struct analysis_cb cb = { on_finding, on_refused, &c };
	struct analysis_opts o = { .rules_dir = rdir, .tool = "test" };
	struct analysis_stats stats;
	char err[512];
	refused_n = 0;
	assert_int_equal(analysis_run(st, &o, &cb, &stats, err, sizeof(err)), 0);
	for (size_t i = 0; i < refused_n && i < 8; i++)
		printf("refused: %s\n", refused_msg[i]);
	assert_int_equal(stats.rules, 9);
	assert_int_equal(stats.refused, 8);   /* b c d e f g + the two bad views */
	assert_int_equal(stats.failed, 1);    /* h: a row with status 'maybe' */
	assert_int_equal(refused_n, 9);
	/* the messages name the file and carry SQLite's words */
	bool saw_syntax = false, saw_view = false, saw_shape = false, saw_write = false;
	for (size_t i = 0; i < 8 && i < refused_n; i++) {
		saw_syntax |= strstr(refused_msg[i], "b.sql: ") && strstr(refused_msg[i], "syntax error");
		saw_view |= strstr(refused_msg[i], "c.sql: ") && strstr(refused_msg[i], "no such table: v_nothing");
		saw_shape |= strstr(refused_msg[i], "d.sql: ") && strstr(refused_msg[i], "the columns must be");
	}
	assert_true(saw_syntax && saw_view && saw_shape);
	(void)saw_write;
	/* the good rule and the view's user: two rows each, one alarm each */
	assert_int_equal(c.n, 4);
	assert_int_equal(stats.alarms, 2);
	assert_int_equal(stats.worst_alarm, 3);
	bool a = false, b = false;
	for (size_t i = 0; i < 4; i++) {
		a |= strcmp(c.rows[i], "test/tls10|10.0.0.1:443|alarm|high") == 0;
		b |= strcmp(c.rows[i], "test/tls10|10.0.0.2:443 b.test|ok|high") == 0;
	}
	assert_true(a && b);
	char v[64];
	q1(st, "SELECT count(*) FROM findings", v);
	assert_string_equal(v, "4");
	q1(st, "SELECT status FROM findings WHERE rule = 'test/viewuser' AND"
	       " resource = '10.0.0.1:443'", v);
	assert_string_equal(v, "alarm");
	q1(st, "SELECT remediation FROM rules WHERE id = 'test/tls10'", v);
	assert_string_equal(v, "Turn it off. Really.");
	q1(st, "SELECT requirements FROM rules WHERE id = 'test/tls10'", v);
	assert_string_equal(v, "[\"pci-dss-4.0.1:4.2.1\",\"test:1\"]");

	/* again: updated, not duplicated */
	memset(&c, 0, sizeof(c));
	refused_n = 0;
	assert_int_equal(analysis_run(st, &o, &cb, &stats, err, sizeof(err)), 0);
	q1(st, "SELECT count(*) FROM findings", v);
	assert_string_equal(v, "4");
	q1(st, "SELECT min(count) FROM findings", v);
	assert_string_equal(v, "2");
	q1(st, "SELECT count(*) FROM analysis_runs WHERE finished IS NOT NULL", v);
	assert_string_equal(v, "2");

	/* a verdict suppresses the alarm in the figures, and is reported */
	struct store_triage t = { .rule = "test/tls10", .resource = "10.0.0.1:443",
				  .verdict = "acknowledged", .reason = "migration planned",
				  .author = "test" };
	assert_int_equal(store_add_triage(st, &t, NULL), STORE_OK);
	struct store_triage old = { .rule = "test/tls10", .resource = "10.0.0.2:443 b.test",
				    .verdict = "false_positive", .reason = "r", .author = "t",
				    .expires = "2001-01-01T00:00:00Z" };
	assert_int_equal(store_add_triage(st, &old, NULL), STORE_OK);
	memset(&c, 0, sizeof(c));
	assert_int_equal(analysis_run(st, &o, &cb, &stats, err, sizeof(err)), 0);
	assert_int_equal(stats.alarms, 1);          /* the view user's alarm: no verdict */
	assert_int_equal(stats.worst_alarm, 2);
	for (size_t i = 0; i < 4; i++)
		if (strncmp(c.rows[i], "test/tls10|", 11) != 0)
			continue;
		else if (strstr(c.rows[i], "10.0.0.1:443|"))
			assert_string_equal(c.triage[i], "acknowledged");
		else
			assert_string_equal(c.triage[i], ""); /* expired */

	/* profiles */
	struct rules *rs = rules_load_dir(rdir, err, sizeof(err));
	assert_non_null(rs);
	for (size_t i = 0; i < rules_count(rs); i++) {
		struct rule *r = rules_at(rs, i);
		if (strcmp(r->id, "test/tls10") != 0 || r->refused)
			continue;
		assert_true(rules_in_profile(r, "pci-dss-4.0.1"));
		assert_true(rules_in_profile(r, "test"));
		assert_false(rules_in_profile(r, "pci-dss"));
		assert_false(rules_in_profile(r, "mozilla-6.0-modern"));
	}
	rules_free(rs);
	assert_int_equal(store_close(st), STORE_OK);
}

static void test_refdata(void **state)
{
	(void)state;
	struct store *st = open_store();
	char err[256], v[64];
	assert_int_equal(refdata_load(st, err, sizeof(err)), 0);
	/* ref_suite has one row per CSV row */
	FILE *f = fopen("data/tls-cipher-suites.csv", "r");
	assert_non_null(f);
	char line[4096];
	size_t rows = 0;
	while (fgets(line, sizeof(line), f))
		rows++;
	fclose(f);
	q1(st, "SELECT count(*) FROM ref_suite", v);
	assert_int_equal(strtoul(v, NULL, 10), rows - 1);
	/* a row the CSV has: TLS_RSA_WITH_3DES_EDE_CBC_SHA = 0x000A, 3DES effective 112 bits */
	q1(st, "SELECT code || ' ' || enc_effective_bits || ' ' || mode FROM ref_suite"
	       " WHERE name = 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'", v);
	assert_string_equal(v, "0x000A 112 CBC");
	q1(st, "SELECT json_extract(doc, '$.configurations.modern.tls_versions[0]') FROM ref_doc"
	       " WHERE name = 'mozilla-6.0'", v);
	assert_string_equal(v, "TLSv1.3");
	q1(st, "SELECT name FROM ref_group_alias WHERE alias = 'prime256v1'", v);
	assert_string_equal(v, "secp256r1");
	q1(st, "SELECT name FROM ref_group WHERE code = 29", v);
	assert_string_equal(v, "x25519");
	/* again: replaced, not doubled */
	assert_int_equal(refdata_load(st, err, sizeof(err)), 0);
	q1(st, "SELECT count(*) FROM ref_suite", v);
	assert_int_equal(strtoul(v, NULL, 10), rows - 1);
	/* temp exec writes TEMP only */
	assert_int_equal(store_temp_exec(st, "DELETE FROM findings", NULL), STORE_EREADONLY);
	assert_int_equal(store_temp_exec(st, "CREATE TABLE main.x (a)", NULL), STORE_EREADONLY);
	assert_int_equal(store_temp_exec(st, "ATTACH ':memory:' AS y", NULL), STORE_EREADONLY);
	assert_int_equal(store_temp_exec(st, "CREATE TEMP TABLE t1 AS SELECT value AS v FROM"
					     " json_each(?)", "[1,2,3]"), STORE_OK);
	q1(st, "SELECT sum(v) FROM t1", v);
	assert_string_equal(v, "6");
	assert_int_equal(store_close(st), STORE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_refdata),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
