/*
 * model: the online novelty model (analyzer/model.h) on a replayed history written
 * straight into a fresh store, and its sketches against exact counts computed here.
 *
 * History (60 days, 10 handshakes a day per server, ids in time order):
 *   stable.test  one leaf from "Stable CA" for 40 days, then a new leaf (new key) from
 *                "Other CA";
 *   cdn.test     a new leaf (new key) every day, always from "CDN CA";
 *   noise        a fifth of the handshakes are TLS 1.3 (no certificate on the wire),
 *                clients use a few common JA3/JA4 plus rare ones, and rare.test is seen
 *                only 5 times (never mature).
 * Expected: the relations the design promises (model.h), not figures of our own output:
 * the stable server's change scores above every CDN rotation, immature baselines give
 * mature = 0, a second run adds nothing, a corrupt state is rebuilt to the same scores,
 * an analyst's false_positive verdict lowers the novelty of the values it points at.
 * Sketches: the count-min bound of Cormode & Muthukrishnan (2005), Theorem 1 (estimate
 * >= true count, and > true + (e/w) N with probability <= e^-d), and HyperLogLog's
 * standard error 1.04/sqrt(m) (Flajolet et al. 2007), within 3 standard errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "analyzer/analysis.h"
#include "analyzer/model.h"
#include "analyzer/store/store.h"

#define DAYS 60
#define PER_DAY 10
#define CHANGE_DAY 40
#define T0 1767225600   /* 2026-01-01T00:00:00Z */

static const char STABLE[] = "10.0.0.1:443 stable.test";
static const char CDN[] = "10.0.0.2:443 cdn.test";
static const char RARE[] = "10.0.0.3:443 rare.test";

/* ---- helpers -------------------------------------------------------------------------- */

static struct store *open_mem(void)
{
	struct store_error e = { 0, "" };
	struct store_options o = { 0, 0, "test" };
	struct store *st = store_open(":memory:", &o, &e);
	if (!st)
		fail_msg("store_open: %s", e.msg);
	return st;
}

static void ts_of(long long t, char out[40])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 40, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
}

/* A certificate (stand-in DER) with the facts the model reads: SPKI and issuer. */
static void put_cert(struct store *st, const char *name, const char *spki, const char *issuer,
		     char sha[STORE_SHA256_HEX_SIZE])
{
	char der[128], facts[512];
	snprintf(der, sizeof(der), "DER of %s", name);
	assert_int_equal(store_put_cert(st, (const unsigned char *)der, strlen(der), sha),
			 STORE_OK);
	snprintf(facts, sizeof(facts), "{\"spki_sha256\":\"%s\",\"issuer\":\"%s\"}", spki, issuer);
	assert_int_equal(store_put_cert_facts(st, sha, facts), STORE_OK);
}

static int64_t add_conn(struct store *st, long long t, const char *ip, const char *sni,
			const char *version, const char *cipher, const char *ja3,
			const char *ja3s, const char *leaf)
{
	char ts[40];
	const char *chain[1] = { leaf };
	ts_of(t, ts);
	struct store_conn c = {
		.ts = ts, .client_ip = "192.168.1.7", .client_port = 40000, .server_ip = ip,
		.server_port = 443, .sni = sni, .version = version, .cipher = cipher, .ja3 = ja3,
		.ja3s = ja3s, .ja4 = NULL, .server_cert_sha256 = leaf,
		.chain_sha256 = leaf ? chain : NULL, .chain_len = leaf ? 1 : 0,
	};
	int64_t id = 0;
	assert_int_equal(store_add_connection(st, &c, &id), STORE_OK);
	return id;
}

struct history {
	int64_t change_conn;      /* the stable server's first handshake with the new leaf */
	int64_t cdn_first_day[DAYS];
	int64_t last_id;
};

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* stop_at_change: the history ends with the stable server's first new-leaf handshake. */
static void build_history_to(struct store *st, struct history *h, bool stop_at_change)
{
	char stable_a[STORE_SHA256_HEX_SIZE], stable_b[STORE_SHA256_HEX_SIZE];
	char cdn[DAYS][STORE_SHA256_HEX_SIZE], rare[STORE_SHA256_HEX_SIZE];
	static const char *const ja3[] = { "ja3-firefox", "ja3-chrome", "ja3-curl" };
	uint64_t seed = 42;
	memset(h, 0, sizeof(*h));
	put_cert(st, "stable-a", "spki-stable-a", "CN=Stable CA", stable_a);
	put_cert(st, "stable-b", "spki-stable-b", "CN=Other CA", stable_b);
	put_cert(st, "rare", "spki-rare", "CN=Rare CA", rare);
	for (int d = 0; d < DAYS; d++) {
		char name[32], spki[32];
		snprintf(name, sizeof(name), "cdn-%d", d);
		snprintf(spki, sizeof(spki), "spki-cdn-%d", d);
		put_cert(st, name, spki, "CN=CDN CA", cdn[d]);
	}
	for (int d = 0; d < DAYS; d++) {
		for (int i = 0; i < PER_DAY; i++) {
			long long t = T0 + d * 86400LL + i * 7200LL + 600;
			char rare_ja3[32];
			const char *client = ja3[lcg(&seed) % 3];
			if (lcg(&seed) % 20 == 0) {   /* a rare client */
				snprintf(rare_ja3, sizeof(rare_ja3), "ja3-rare-%d-%d", d, i);
				client = rare_ja3;
			}
			bool tls13 = lcg(&seed) % 5 == 0;
			const char *leaf = d < CHANGE_DAY ? stable_a : stable_b;
			int64_t id = add_conn(st, t, "10.0.0.1", "stable.test",
					      tls13 ? "TLSv1.3" : "TLSv1.2",
					      tls13 ? "TLS_AES_128_GCM_SHA256" :
						      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
					      client, tls13 ? "ja3s-s13" : "ja3s-s12",
					      tls13 ? NULL : leaf);
			if (d == CHANGE_DAY && !tls13 && !h->change_conn) {
				h->change_conn = id;
				if (stop_at_change) {
					d = DAYS;
					break;
				}
			}
			tls13 = lcg(&seed) % 5 == 0;
			id = add_conn(st, t + 60, "10.0.0.2", "cdn.test", tls13 ? "TLSv1.3" : "TLSv1.2",
				      tls13 ? "TLS_AES_256_GCM_SHA384" :
					      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
				      client, tls13 ? "ja3s-c13" : "ja3s-c12", tls13 ? NULL : cdn[d]);
			if (!tls13 && !h->cdn_first_day[d])
				h->cdn_first_day[d] = id;
			h->last_id = id;
		}
		if (d < DAYS && d % 12 == 0)
			h->last_id = add_conn(st, T0 + d * 86400LL + 80000, "10.0.0.3", "rare.test",
					      "TLSv1.2", "TLS_RSA_WITH_AES_128_CBC_SHA", "ja3-curl",
					      "ja3s-r", rare);
	}
	assert_int_not_equal(h->change_conn, 0);
	assert_int_equal(store_flush(st), STORE_OK);
}

static void build_history(struct store *st, struct history *h)
{
	build_history_to(st, h, false);
}

struct score_row {
	double score;
	int mature;
	char terms[4096];
};

static int on_score(void *ctx, int ncol, const char *const *names, const char *const *values)
{
	struct score_row *r = ctx;
	(void)names;
	assert_int_equal(ncol, 3);
	r->score = strtod(values[0], NULL);
	r->mature = atoi(values[1]);
	snprintf(r->terms, sizeof(r->terms), "%s", values[2]);
	return 1;
}

static struct score_row get_score(struct store *st, int64_t conn_id)
{
	char sql[200];
	struct score_row r = { -1, -1, "" };
	snprintf(sql, sizeof(sql), "SELECT score, mature, terms FROM scores WHERE"
		 " ref_kind = 'connection' AND ref_id = %lld", (long long)conn_id);
	assert_int_equal(store_query(st, sql, on_score, &r), STORE_OK);
	return r;
}

static int on_double(void *ctx, int ncol, const char *const *names, const char *const *values)
{
	(void)names;
	assert_true(ncol >= 1);
	*(double *)ctx = values[0] ? strtod(values[0], NULL) : -1;
	return 1;
}

static double query_double(struct store *st, const char *sql)
{
	double v = -2;
	assert_int_equal(store_query(st, sql, on_double, &v), STORE_OK);
	return v;
}

static int64_t count_scores(struct store *st)
{
	int64_t n = 0;
	assert_int_equal(store_count(st, STORE_T_SCORES, &n), STORE_OK);
	return n;
}

/* ---- the model on the replayed history -------------------------------------------------- */

static void test_stable_change_ranks_above_cdn_rotations(void **state)
{
	(void)state;
	struct store *st = open_mem();
	struct history h;
	char err[512] = "";
	build_history(st, &h);
	struct model_stats ms;
	assert_int_equal(model_run(st, &ms, err, sizeof(err)), 0);
	int64_t nconn = 0;
	assert_int_equal(store_count(st, STORE_T_CONNECTIONS, &nconn), STORE_OK);
	assert_int_equal((int64_t)ms.scored, nconn);      /* every connection scored */
	assert_int_equal(ms.servers, 3);
	assert_false(ms.rebuilt);

	struct score_row change = get_score(st, h.change_conn);
	print_message("stable change: score %.3f mature %d terms %.400s\n", change.score,
		      change.mature, change.terms);
	assert_int_equal(change.mature, 1);
	assert_non_null(strstr(change.terms, "\"term\":\"issuer\""));
	assert_non_null(strstr(change.terms, "\"term\":\"rotation_damping\""));
	/* the issuer term (weight 2) comes first: terms are sorted by contribution */
	assert_true(strncmp(change.terms, "[{\"term\":\"issuer\"", 17) == 0);

	/* every CDN score, rotations included, mature or not */
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT max(score) FROM scores WHERE resource = '%s'", CDN);
	double cdn_max = query_double(st, sql);
	snprintf(sql, sizeof(sql), "SELECT max(score) FROM scores WHERE resource = '%s' AND"
		 " mature = 1", CDN);
	double cdn_mature_max = query_double(st, sql);
	struct score_row rot = get_score(st, h.cdn_first_day[50]);
	print_message("cdn: max %.3f, max mature %.3f; day-50 rotation %.3f terms %.300s\n",
		      cdn_max, cdn_mature_max, rot.score, rot.terms);
	assert_true(change.score > cdn_max);
	for (int d = 1; d < DAYS; d++) {
		struct score_row r = get_score(st, h.cdn_first_day[d]);
		assert_true(change.score > r.score);
	}
	/* and above the stable server's own ordinary traffic */
	snprintf(sql, sizeof(sql), "SELECT max(score) FROM scores WHERE resource = '%s' AND"
		 " mature = 1 AND ref_id <> %lld", STABLE, (long long)h.change_conn);
	double stable_other = query_double(st, sql);
	print_message("stable: highest other mature score %.3f\n", stable_other);
	assert_true(change.score > stable_other);

	/* immature: rare.test never (5 handshakes), every server before 3 days of history */
	snprintf(sql, sizeof(sql), "SELECT max(mature) FROM scores WHERE resource = '%s'", RARE);
	assert_true(query_double(st, sql) == 0);
	snprintf(sql, sizeof(sql), "SELECT max(mature) FROM scores WHERE ts < '2026-01-04'");
	assert_true(query_double(st, sql) == 0);
	snprintf(sql, sizeof(sql), "SELECT min(mature) FROM scores WHERE ts > '2026-01-10'"
		 " AND resource <> '%s'", RARE);
	assert_true(query_double(st, sql) == 1);
	store_close(st);
}

static void test_incremental(void **state)
{
	(void)state;
	struct store *st = open_mem();
	struct history h;
	char err[512] = "";
	build_history(st, &h);
	assert_int_equal(model_update(st, err, sizeof(err)), 0);
	int64_t n1 = count_scores(st);
	struct model_stats ms;
	assert_int_equal(model_run(st, &ms, err, sizeof(err)), 0);
	assert_int_equal(ms.connections, 0);
	assert_int_equal(ms.scans, 0);
	assert_int_equal(ms.scored, 0);
	assert_int_equal(count_scores(st), n1);

	/* one new handshake: only it is read and scored */
	char leaf[STORE_SHA256_HEX_SIZE];
	put_cert(st, "stable-c", "spki-stable-c", "CN=Third CA", leaf);
	int64_t id = add_conn(st, T0 + DAYS * 86400LL + 100, "10.0.0.1", "stable.test", "TLSv1.2",
			      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ja3-curl", "ja3s-s12", leaf);
	assert_int_equal(model_run(st, &ms, err, sizeof(err)), 0);
	assert_int_equal(ms.connections, 1);
	assert_int_equal(ms.scored, 1);
	assert_int_equal(count_scores(st), n1 + 1);
	assert_true(get_score(st, id).score > 0);
	store_close(st);
}

/* A scan is an observation too: its default chain's leaf, issuer, version and suite. */
static void test_scan_observation(void **state)
{
	(void)state;
	struct store *st = open_mem();
	struct history h;
	char err[512] = "", leaf[STORE_SHA256_HEX_SIZE], ts[40], res[512];
	build_history(st, &h);
	assert_int_equal(model_update(st, err, sizeof(err)), 0);
	put_cert(st, "scan-leaf", "spki-scan", "CN=Scan CA", leaf);
	int64_t ep, scan, unfinished;
	assert_int_equal(store_endpoint_id(st, NULL, "10.0.0.1", 443, "stable.test", &ep),
			 STORE_OK);
	ts_of(T0 + DAYS * 86400LL, ts);
	assert_int_equal(store_scan_begin(st, ep, ts, "test", &unfinished), STORE_OK);
	assert_int_equal(store_scan_begin(st, ep, ts, "test", &scan), STORE_OK);
	snprintf(res, sizeof(res), "{\"type\":\"scan\",\"chains\":[{\"leaf_sha256\":\"%s\","
		 "\"version\":\"TLSv1.2\",\"cipher\":\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"}]}",
		 leaf);
	assert_int_equal(store_scan_end(st, scan, ts, NULL, res), STORE_OK);
	struct model_stats ms;
	assert_int_equal(model_run(st, &ms, err, sizeof(err)), 0);
	assert_int_equal(ms.scans, 1);
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT score FROM scores WHERE ref_kind = 'scan' AND"
		 " ref_id = %lld", (long long)scan);
	double s1 = query_double(st, sql);
	assert_true(s1 > 12);   /* new leaf, key and issuer at a mature, stable server */
	/* the earlier scan finishes later: it is read then, the other one is not read again */
	assert_int_equal(store_scan_end(st, unfinished, ts, NULL, res), STORE_OK);
	assert_int_equal(model_run(st, &ms, err, sizeof(err)), 0);
	assert_int_equal(ms.scans, 1);
	assert_true(query_double(st, sql) == s1);
	assert_int_equal(model_run(st, &ms, err, sizeof(err)), 0);
	assert_int_equal(ms.scans, 0);
	store_close(st);
}

/* All the scores folded into one figure, compared before and after a rebuild. */
static double scores_digest(struct store *st)
{
	return query_double(st, "SELECT sum(score * (ref_id % 97 + 1) + mature * ref_id)"
			    " FROM scores");
}

static void test_corrupt_state_rebuilds(void **state)
{
	(void)state;
	struct store *st = open_mem();
	struct history h;
	char err[512] = "";
	build_history(st, &h);
	assert_int_equal(model_update(st, err, sizeof(err)), 0);
	int64_t n1 = count_scores(st);
	double change = get_score(st, h.change_conn).score, digest = scores_digest(st);
	void *blob = NULL;
	size_t len = 0;
	assert_int_equal(store_get_model_state(st, MODEL_STATE_NAME, &blob, &len), STORE_OK);
	assert_true(len > 64);

	static const struct {
		const char *what;
		size_t at;         /* byte to flip; SIZE_MAX: truncate to half; 0: garbage;
				      8: the version field, with a right checksum */
	} cases[] = {
		{ "garbage", 0 },
		{ "one byte flipped", 100 },
		{ "truncated", SIZE_MAX },
		{ "another format version, checksum right", 8 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *b = malloc(len);
		assert_non_null(b);
		memcpy(b, blob, len);
		size_t blen = len;
		if (cases[i].at == 0)
			memcpy(b, "not a model state, just text", 28), blen = 28;
		else if (cases[i].at == SIZE_MAX)
			blen = len / 2;
		else if (cases[i].at == 8) {   /* u32 version after the 8-byte magic */
			b[8] = 99;
			uint64_t sum = model_hash(b, len - 8);
			for (int j = 0; j < 8; j++)
				b[len - 8 + j] = (unsigned char)(sum >> (8 * j));
		} else
			b[cases[i].at] ^= 0x5a;
		assert_int_equal(store_put_model_state(st, MODEL_STATE_NAME, b, blen), STORE_OK);
		free(b);
		err[0] = '\0';
		assert_int_equal(model_update(st, err, sizeof(err)), 1);
		print_message("%s: %s\n", cases[i].what, err);
		assert_non_null(strstr(err, "rebuilt from history"));
		assert_int_equal(count_scores(st), n1);
		assert_true(get_score(st, h.change_conn).score == change);
		assert_true(scores_digest(st) == digest);
		/* the rebuilt state is whole again */
		assert_int_equal(model_update(st, err, sizeof(err)), 0);
		assert_int_equal(count_scores(st), n1);
	}
	char note[300] = "";
	assert_int_equal(store_meta_get(st, "model_note", note, sizeof(note)), STORE_OK);
	assert_non_null(strstr(note, "rebuilt"));
	free(blob);
	store_close(st);
}

/* An analyst's false_positive on a finding that points at the change: the next
 * handshakes with the same (new) leaf, key and issuer are no longer novel. */
static double after_change_score(bool with_verdict)
{
	struct store *st = open_mem();
	struct history h;
	char err[512] = "", ev[64];
	build_history_to(st, &h, true);   /* the new leaf seen once so far */
	assert_int_equal(model_update(st, err, sizeof(err)), 0);
	snprintf(ev, sizeof(ev), "[\"connection:%lld\"]", (long long)h.change_conn);
	struct store_finding f = { .rule = "model/novelty", .resource = STABLE, .status = "alarm",
				   .severity = "medium", .reason = "test", .evidence_json = ev };
	assert_int_equal(store_upsert_finding(st, &f), STORE_OK);
	if (with_verdict) {
		struct store_triage t = { .rule = "model/novelty", .resource = STABLE,
					  .verdict = "false_positive", .reason = "new CA, planned",
					  .author = "test" };
		assert_int_equal(store_add_triage(st, &t, NULL), STORE_OK);
	}
	char leaf[STORE_SHA256_HEX_SIZE];
	put_cert(st, "stable-b", "spki-stable-b", "CN=Other CA", leaf);   /* the same cert */
	/* the next handshake with the new leaf: novel unless vouched for */
	int64_t id = add_conn(st, T0 + DAYS * 86400LL + 100, "10.0.0.1", "stable.test",
			      "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ja3-curl",
			      "ja3s-s12", leaf);
	struct model_stats ms;
	assert_int_equal(model_run(st, &ms, err, sizeof(err)), 0);
	assert_true(ms.vouched == (with_verdict ? 6u : 0u));
	struct score_row r = get_score(st, id);
	if (with_verdict)
		assert_non_null(strstr(r.terms, "\"vouched\":\"false_positive\""));
	store_close(st);
	return r.score;
}

static void test_false_positive_lowers_novelty(void **state)
{
	(void)state;
	double without = after_change_score(false), with = after_change_score(true);
	print_message("next handshake with the changed leaf: %.3f without, %.3f with the verdict\n",
		      without, with);
	assert_true(with < without);
	assert_true(with <= 1.0);   /* at most the client-rarity term */
}

/* The rule over the scores: the stable server alarms with the change as evidence, the CDN
 * is ok, rare.test (immature) gets no row. */
struct findings {
	char stable_status[16], cdn_status[16], stable_evidence[2048], stable_reason[512];
	int rare_rows;
	double stable_score;
};

static void on_finding(void *ctx, const struct analysis_finding *f)
{
	struct findings *x = ctx;
	if (strcmp(f->row->resource, STABLE) == 0) {
		snprintf(x->stable_status, sizeof(x->stable_status), "%s", f->row->status);
		snprintf(x->stable_evidence, sizeof(x->stable_evidence), "%s", f->row->evidence);
		snprintf(x->stable_reason, sizeof(x->stable_reason), "%s", f->row->reason);
		x->stable_score = f->row->has_score ? f->row->score : -1;
	} else if (strcmp(f->row->resource, CDN) == 0) {
		snprintf(x->cdn_status, sizeof(x->cdn_status), "%s", f->row->status);
	} else if (strcmp(f->row->resource, RARE) == 0) {
		x->rare_rows++;
	}
}

static void on_refused(void *ctx, const struct rule *r)
{
	(void)ctx;
	fail_msg("rule %s refused: %s", r->id, r->error);
}

static void test_rule(void **state)
{
	(void)state;
	struct store *st = open_mem();
	struct history h;
	char err[512] = "", want[64];
	build_history(st, &h);
	struct findings x = { 0 };
	struct analysis_opts o = { .rules_dir = "rules/model", .tool = "test" };
	struct analysis_cb cb = { on_finding, on_refused, &x };
	struct analysis_stats stats;
	if (analysis_run(st, &o, &cb, &stats, err, sizeof(err)) != 0)
		fail_msg("analysis_run: %s", err);
	print_message("stable: %s %s %.200s\n", x.stable_status, x.stable_reason,
		      x.stable_evidence);
	assert_string_equal(x.stable_status, "alarm");
	assert_string_equal(x.cdn_status, "ok");
	assert_int_equal(x.rare_rows, 0);
	snprintf(want, sizeof(want), "\"connection:%lld\"", (long long)h.change_conn);
	assert_non_null(strstr(x.stable_evidence, want));
	assert_true(x.stable_score == get_score(st, h.change_conn).score);
	store_close(st);
}

/* ---- sketches ------------------------------------------------------------------------- */

static uint64_t key_of(unsigned i)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "item-%u", i);
	return model_hash(b, (size_t)n);
}

static void test_cms_bound(void **state)
{
	(void)state;
	/* e/w = epsilon, e^-d = delta (Cormode & Muthukrishnan 2005, Theorem 1) */
	static const struct {
		uint32_t w, d;
		double delta;      /* e^-d */
	} cases[] = {
		{ 272, 5, 0.006737947 },     /* epsilon 0.01 */
		{ 2719, 3, 0.049787068 },    /* epsilon 0.001 */
		{ 55, 2, 0.135335283 },      /* epsilon 0.05 */
	};
	enum { KEYS = 5000, N = 100000 };
	static uint32_t exact[KEYS];
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct model_cms *cms = model_cms_new(cases[c].w, cases[c].d, 7 + c);
		assert_non_null(cms);
		memset(exact, 0, sizeof(exact));
		uint64_t s = 1;
		/* a skewed stream: key i ~ (i^2 / KEYS) of a uniform draw */
		for (unsigned i = 0; i < N; i++) {
			uint64_t u = lcg(&s) % KEYS;
			unsigned k = (unsigned)(u * u / KEYS);
			exact[k]++;
			model_cms_add(cms, key_of(k), 1);
		}
		assert_int_equal(model_cms_total(cms), N);
		double eps_n = 2.718281828459045 / cases[c].w * N;
		unsigned over = 0, under = 0;
		for (unsigned k = 0; k < KEYS; k++) {
			uint64_t est = model_cms_estimate(cms, key_of(k));
			under += est < exact[k];
			over += (double)est > exact[k] + eps_n;
		}
		print_message("cms w %u d %u: %u of %u keys over true + eN (bound %.4f)\n",
			      cases[c].w, cases[c].d, over, KEYS, cases[c].delta);
		assert_int_equal(under, 0);
		assert_true((double)over / KEYS <= cases[c].delta);
		model_cms_free(cms);
	}
}

static void test_hll_error(void **state)
{
	(void)state;
	static const struct {
		unsigned p, n;
		double sqrt_m;     /* sqrt(2^p) */
	} cases[] = {
		{ 8, 100000, 16 }, { 10, 100000, 32 }, { 12, 100000, 64 }, { 14, 100000, 128 },
		{ 12, 1000, 64 },  /* small range: linear counting */
		{ 10, 5, 32 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct model_hll *h = model_hll_new(cases[c].p);
		assert_non_null(h);
		for (unsigned i = 0; i < cases[c].n; i++) {
			model_hll_add(h, key_of(i));
			model_hll_add(h, key_of(i));   /* duplicates do not count */
		}
		double e = model_hll_estimate(h), rel = (e - cases[c].n) / cases[c].n;
		double bound = 3 * 1.04 / cases[c].sqrt_m;
		print_message("hll p %u: %u distinct, estimate %.1f, error %+.4f (bound %.4f)\n",
			      cases[c].p, cases[c].n, e, rel, bound);
		assert_true(rel <= bound && rel >= -bound);
		model_hll_free(h);
	}
	assert_null(model_hll_new(3));
	assert_null(model_hll_new(17));
}

static void test_math(void **state)
{
	(void)state;
	/* reference values: exact powers of two, and log2(3), log2(10), 2^0.5, 2^(1/3),
	 * e^-1 = 2^(-1/ln 2) as published (OEIS A020857, A020862, A002193, A002580, A068985) */
	static const struct {
		double x, want_log2;
	} lg[] = {
		{ 1, 0 }, { 1024, 10 }, { 0.125, -3 }, { 3, 1.5849625007211562 },
		{ 10, 3.3219280948873623 }, { 1e-300, -996.5784284662087 },
	};
	for (size_t i = 0; i < sizeof(lg) / sizeof(lg[0]); i++) {
		double d = model_log2(lg[i].x) - lg[i].want_log2;
		assert_true(d < 1e-12 && d > -1e-12);
	}
	static const struct {
		double y, want;
	} ex[] = {
		{ 0, 1 }, { 10, 1024 }, { -3, 0.125 }, { 0.5, 1.4142135623730951 },
		{ 1.0 / 3, 1.2599210498948732 }, { -1.4426950408889634, 0.36787944117144233 },
		{ -2000, 0 },
	};
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		double d = model_exp2(ex[i].y) - ex[i].want;
		assert_true(d < 1e-12 * (ex[i].want > 1 ? ex[i].want : 1) && d > -1e-12 *
			    (ex[i].want > 1 ? ex[i].want : 1));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_math),
		cmocka_unit_test(test_cms_bound),
		cmocka_unit_test(test_hll_error),
		cmocka_unit_test(test_stable_change_ranks_above_cdn_rotations),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_scan_observation),
		cmocka_unit_test(test_corrupt_state_rebuilds),
		cmocka_unit_test(test_false_positive_lowers_novelty),
		cmocka_unit_test(test_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
