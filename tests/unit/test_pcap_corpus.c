/*
 * The passive sensor end to end against tshark: every capture in tests/pcap/<corpus>/ goes
 * through the whole pipeline (capture/sensor.h: libpcap, decoding, flows, TCP reassembly, the
 * TLS tracker), and the records are compared with tests/pcap/expected.jsonl, one line per TLS
 * connection dissected by tshark 4.0.17 (see tests/pcap/README.md).
 *
 * Matching: a record and a line belong together when they have the same capture, client
 * address and port, server address and port, and the same rank among those (tshark's stream
 * order, our first-packet time). Lines over UDP (QUIC) are counted apart ("not compared:
 * QUIC"), as are lines without addresses (tshark saw TLS records but no hello). A line
 * without a record is "missed" and a record without a line is "extra"; both are listed.
 *
 * Fields compared: ja3 ja3s ja4 sni version cipher server_cert_sha256 alpn_offered
 * alpn_selected server_chain_sha256 fallback_scsv hello_retry_request downgrade_sentinel,
 * resumed (tshark: tls13_psk_resumption or tls12_abbreviated), n_client_hellos, alerts. A
 * field is compared when either side has a value (null, "" and [] are no value). The test
 * prints matches / compared / percent per field and every mismatch, and fails when
 *   - a field agrees on fewer than 99.5% of the connections where it was compared, counting
 *     the mismatches listed in tests/pcap/exceptions.tsv as agreeing (raw figure printed)
 *     except those whose reason starts with "sensor:" (our own known defects), or
 *   - a mismatch, a missed line or an extra record is not listed there with its reason
 *     (columns: corpus/pcap, stream (or client ip:port for an extra record), field (or
 *     "record"), reason).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include <cmocka.h>
#include <jansson.h>

#include "capture/sensor.h"
#include "capture/wire/digest.h"
#include "capture/wire/registry.h"
#include "tests/unit/corpus_util.h"

#define ROOT "tests/pcap"
#define EXPECTED ROOT "/expected.jsonl"
#define EXCEPTIONS ROOT "/exceptions.tsv"
#define MIN_AGREEMENT 99.5
#define VAL_MAX 2048

static const char *const corpora[] = { "ja4", "zeek", "suricata-verify", "arkime", "ndpi" };

#define FIELDS(X)                                                                          \
	X(JA3, "ja3")                                                                      \
	X(JA3S, "ja3s")                                                                    \
	X(JA4, "ja4")                                                                      \
	X(SNI, "sni")                                                                      \
	X(VERSION, "version")                                                              \
	X(CIPHER, "cipher")                                                                \
	X(CERT, "server_cert_sha256")                                                      \
	X(ALPN_OFFERED, "alpn_offered")                                                    \
	X(ALPN_SELECTED, "alpn_selected")                                                  \
	X(CHAIN, "server_chain_sha256")                                                    \
	X(FALLBACK_SCSV, "fallback_scsv")                                                  \
	X(HRR, "hello_retry_request")                                                      \
	X(DOWNGRADE, "downgrade_sentinel")                                                 \
	X(RESUMED, "resumed")                                                              \
	X(N_CH, "n_client_hellos")                                                         \
	X(ALERTS, "alerts")

enum field {
#define F_ENUM(id, name) F_##id,
	FIELDS(F_ENUM)
#undef F_ENUM
	NF
};

static const char *const field_name[NF] = {
#define F_NAME(id, name) name,
	FIELDS(F_NAME)
#undef F_NAME
};

/* One record or one expected line, reduced to comparable strings. */
struct conn {
	char corpus[32];
	char pcap[256];
	char client[64], server[64];
	unsigned client_port, server_port;
	long long stream;          /* expected lines */
	uint64_t ts;               /* records */
	size_t seq;                /* records: emission order */
	bool matched;
	bool has[NF];
	char *val[NF];
};

struct conns {
	struct conn *v;
	size_t n, cap;
};

static struct conn *conns_add(struct conns *c)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		assert_non_null(c->v);
	}
	memset(&c->v[c->n], 0, sizeof(c->v[0]));
	return &c->v[c->n++];
}

static void set_val(struct conn *k, enum field f, const char *s)
{
	free(k->val[f]);
	k->has[f] = s && *s;
	k->val[f] = strdup(s ? s : "");
	assert_non_null(k->val[f]);
}

static void conns_free(struct conns *c)
{
	for (size_t i = 0; i < c->n; i++)
		for (int f = 0; f < NF; f++)
			free(c->v[i].val[f]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* ---- our records -------------------------------------------------------------------------- */


struct run {
	struct conns *recs;
	const char *corpus, *pcap;
	size_t seq;
};

static void on_record(void *ctx, const struct tconn_record *r)
{
	struct run *run = ctx;
	struct conn *k = conns_add(run->recs);
	char tmp[VAL_MAX], vb[8], cb[7], leaf[2 * DIGEST_SHA256_LEN + 1];
	int af = r->family == 6 ? AF_INET6 : AF_INET;

	snprintf(k->corpus, sizeof(k->corpus), "%s", run->corpus);
	snprintf(k->pcap, sizeof(k->pcap), "%s", run->pcap);
	assert_non_null(inet_ntop(af, r->client_ip, k->client, sizeof(k->client)));
	assert_non_null(inet_ntop(af, r->server_ip, k->server, sizeof(k->server)));
	k->client_port = r->client_port;
	k->server_port = r->server_port;
	k->ts = r->ts_us;
	k->seq = run->seq++;

	set_val(k, F_JA3, r->ja3);
	set_val(k, F_JA4, r->ja4);
	set_val(k, F_JA3S, r->ja3s);
	if (r->has_sni) {
		cu_latin1_utf8(r->sni, r->sni_len, tmp, sizeof(tmp));
		set_val(k, F_SNI, tmp);
	} else {
		set_val(k, F_SNI, NULL);
	}
	cu_record_alpn(r, tmp, sizeof(tmp));
	set_val(k, F_ALPN_OFFERED, tmp);
	set_val(k, F_FALLBACK_SCSV, r->have_ch ? (r->fallback_scsv ? "true" : "false") : NULL);
	set_val(k, F_HRR, r->hello_retry_request ? "true" : "false");
	set_val(k, F_VERSION, r->have_sh ? cu_version_name(r->version, vb) : NULL);
	set_val(k, F_CIPHER, r->have_sh && !r->sh_sslv2 ? tls_reg_suite_name(r->cipher, cb) : NULL);
	if (r->has_alpn_selected) {
		cu_latin1_utf8(r->alpn_selected, r->alpn_selected_len, tmp, sizeof(tmp));
		set_val(k, F_ALPN_SELECTED, tmp);
	} else {
		set_val(k, F_ALPN_SELECTED, NULL);
	}
	set_val(k, F_DOWNGRADE, r->downgrade == TLS_DOWNGRADE_TLS12   ? "tls12"
				: r->downgrade == TLS_DOWNGRADE_TLS11 ? "tls11_or_below"
								      : NULL);
	set_val(k, F_RESUMED, r->resumed ? "true" : "false");
	snprintf(tmp, sizeof(tmp), "%u", r->n_client_hellos);
	set_val(k, F_N_CH, tmp);
	cu_record_alerts(r, tmp, sizeof(tmp));
	set_val(k, F_ALERTS, tmp);
	cu_record_chain(r, leaf, tmp, sizeof(tmp));
	set_val(k, F_CERT, leaf);
	set_val(k, F_CHAIN, tmp);
}

/* Every capture file under dir (relative to base), recursively, sorted. */
static void list_captures(const char *base, const char *rel, char ***out, size_t *n)
{
	char path[1024];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char sub[1024], full[2048];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(full, sizeof(full), "%s/%s", base, sub);
		if (stat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			list_captures(base, sub, out, n);
		} else if (strstr(e->d_name, ".pcap") || strstr(e->d_name, ".cap")) {
			*out = realloc(*out, (*n + 1) * sizeof(**out));
			assert_non_null(*out);
			(*out)[(*n)++] = strdup(sub);
		}
	}
	closedir(d);
	qsort(*out, *n, sizeof(**out), cu_cmp_str);
}

/* ---- expected lines ----------------------------------------------------------------------- */

/* tshark's value of a field as our canonical string. */
static void expected_val(json_t *e, enum field f, struct conn *k)
{
	json_t *v = json_object_get(e, field_name[f]);
	char out[VAL_MAX] = "";

	if (f == F_RESUMED) {
		bool res = json_is_true(json_object_get(e, "tls13_psk_resumption")) ||
			   json_is_true(json_object_get(e, "tls12_abbreviated"));
		snprintf(out, sizeof(out), "%s", res ? "true" : "false");
	} else if (f == F_N_CH && json_is_integer(v)) {
		snprintf(out, sizeof(out), "%lld", (long long)json_integer_value(v));
	} else if (f == F_ALERTS && json_is_array(v)) {
		cu_json_alerts(v, CU_LIST_MAX, out, sizeof(out));
	} else if (f == F_CIPHER && json_is_string(v)) {
		char cb[7];
		unsigned long code = strtoul(json_string_value(v), NULL, 16);
		snprintf(out, sizeof(out), "%s", tls_reg_suite_name((uint16_t)code, cb));
	} else if (json_is_string(v)) {
		snprintf(out, sizeof(out), "%s", json_string_value(v));
	} else if (json_is_boolean(v)) {
		snprintf(out, sizeof(out), "%s", json_is_true(v) ? "true" : "false");
	} else if (json_is_array(v)) {
		cu_json_list(v, out, sizeof(out));
	}
	set_val(k, f, out);
}

static void load_expected(struct conns *lines, size_t *n_quic, size_t *n_noaddr)
{
	json_t *all = cu_load_jsonl(EXPECTED), *j;
	size_t i;

	json_array_foreach(all, i, j) {
		const char *tr, *cip;
		tr = json_string_value(json_object_get(j, "transport"));
		cip = json_string_value(json_object_get(j, "client_ip"));
		if (tr && strcmp(tr, "tcp") != 0) {
			(*n_quic)++;
		} else if (!cip) {
			(*n_noaddr)++;
		} else {
			struct conn *k = conns_add(lines);
			snprintf(k->corpus, sizeof(k->corpus), "%s",
				 json_string_value(json_object_get(j, "corpus")));
			snprintf(k->pcap, sizeof(k->pcap), "%s",
				 json_string_value(json_object_get(j, "pcap")));
			snprintf(k->client, sizeof(k->client), "%s", cip);
			snprintf(k->server, sizeof(k->server), "%s",
				 json_string_value(json_object_get(j, "server_ip")));
			k->client_port = (unsigned)json_integer_value(json_object_get(j, "client_port"));
			k->server_port = (unsigned)json_integer_value(json_object_get(j, "server_port"));
			k->stream = json_integer_value(json_object_get(j, "stream"));
			for (int fi = 0; fi < NF; fi++)
				expected_val(j, (enum field)fi, k);
		}
	}
	json_decref(all);
}

/* ---- exceptions --------------------------------------------------------------------------- */

/* The exception listing this difference, or NULL. */
static struct cu_excs exc;

static struct cu_exc *excused(const struct conn *k, const char *where, const char *field)
{
	char pcap[300];
	snprintf(pcap, sizeof(pcap), "%s/%s", k->corpus, k->pcap);
	return cu_excs_find(&exc, pcap, where, field);
}

/* ---- matching ----------------------------------------------------------------------------- */

static bool same_key(const struct conn *a, const struct conn *b)
{
	return strcmp(a->corpus, b->corpus) == 0 && strcmp(a->pcap, b->pcap) == 0 &&
	       strcmp(a->client, b->client) == 0 && strcmp(a->server, b->server) == 0 &&
	       a->client_port == b->client_port && a->server_port == b->server_port;
}

static int cmp_line(const void *a, const void *b)
{
	const struct conn *x = a, *y = b;
	int c = strcmp(x->corpus, y->corpus);
	if (!c)
		c = strcmp(x->pcap, y->pcap);
	if (!c)
		c = (x->stream > y->stream) - (x->stream < y->stream);
	return c;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct conn *x = a, *y = b;
	int c = strcmp(x->corpus, y->corpus);
	if (!c)
		c = strcmp(x->pcap, y->pcap);
	if (!c)
		c = (x->ts > y->ts) - (x->ts < y->ts);
	if (!c)
		c = (x->seq > y->seq) - (x->seq < y->seq);
	return c;
}

/* ---- the test ----------------------------------------------------------------------------- */

static void run_sensor(const char *corpus, const char *rel, struct conns *recs,
		       struct sensor_stats *tot)
{
	char path[2048], err[512];
	struct run run = { recs, corpus, rel, 0 };
	struct sensor_opts o;
	struct sensor *s;
	struct sensor_stats st;
	enum sensor_end end;

	snprintf(path, sizeof(path), "%s/%s/%s", ROOT, corpus, rel);
	memset(&o, 0, sizeof(o));
	o.src.file = path;
	o.on_record = on_record;
	o.ctx = &run;
	s = sensor_open(&o, err, sizeof(err));
	if (!s) {
		printf("  (cannot open %s: %s)\n", path, err);
		return;
	}
	end = sensor_run(s);
	if (end == SENSOR_ERROR)
		printf("  (%s: %s; records before it kept)\n", path, sensor_error(s));
	sensor_stats(s, &st);
	tot->frames += st.frames;
	tot->bytes += st.bytes;
	tot->records += st.records;
	tot->tconn.flows += st.tconn.flows;
	tot->tconn.prelude += st.tconn.prelude;
	tot->tconn.server_only += st.tconn.server_only;
	tot->tconn.given_up += st.tconn.given_up;
	if (st.tconn.mem_peak > tot->tconn.mem_peak)
		tot->tconn.mem_peak = st.tconn.mem_peak;
	if (st.tconn.tls_peak > tot->tconn.tls_peak)
		tot->tconn.tls_peak = st.tconn.tls_peak;
	assert_int_equal(st.tconn.mem_now, 0);
	assert_int_equal(st.tconn.tls_now, 0);
	sensor_close(s);
}

static void test_pcap_corpus(void **state)
{
	struct conns lines = { 0 }, recs = { 0 };
	size_t n_quic = 0, n_noaddr = 0, n_captures = 0, n_missed = 0, n_extra = 0;
	size_t n_unexcused = 0, n_excused = 0, n_pairs = 0;
	unsigned long matches[NF] = { 0 }, compared[NF] = { 0 }, excused_n[NF] = { 0 };
	unsigned long ours_n[NF] = { 0 };
	size_t n_ours = 0;
	struct sensor_stats tot;
	bool failed;
	(void)state;

	memset(&tot, 0, sizeof(tot));
	cu_excs_load(EXCEPTIONS, &exc);
	load_expected(&lines, &n_quic, &n_noaddr);
	for (size_t c = 0; c < sizeof(corpora) / sizeof(corpora[0]); c++) {
		char base[256], **files = NULL;
		size_t n = 0;
		snprintf(base, sizeof(base), "%s/%s", ROOT, corpora[c]);
		list_captures(base, "", &files, &n);
		for (size_t i = 0; i < n; i++) {
			run_sensor(corpora[c], files[i], &recs, &tot);
			free(files[i]);
		}
		free(files);
		n_captures += n;
	}
	qsort(lines.v, lines.n, sizeof(lines.v[0]), cmp_line);
	qsort(recs.v, recs.n, sizeof(recs.v[0]), cmp_rec);

	printf("mismatches (corpus/pcap, stream, field, ours, tshark's):\n");
	for (size_t i = 0; i < lines.n; i++) {
		struct conn *l = &lines.v[i], *r = NULL;
		/* the first unmatched record with the same key, in time order */
		for (size_t j = 0; j < recs.n && !r; j++)
			if (!recs.v[j].matched && same_key(&recs.v[j], l))
				r = &recs.v[j];
		char where[32];
		snprintf(where, sizeof(where), "%lld", l->stream);
		if (!r) {
			const struct cu_exc *x = excused(l, where, "record");
			bool ok = x != NULL;
			n_missed++;
			!ok ? n_unexcused++ : x->ours ? n_ours++ : n_excused++;
			printf("  %smissed: %s/%s\t%s\trecord\t%s:%u -> %s:%u (tshark ja3=%s ja3s=%s)\n",
			       !ok ? "NOT EXCUSED: " : x->ours ? "OUR DEFECT: " : "", l->corpus, l->pcap, where, l->client,
			       l->client_port, l->server, l->server_port, l->val[F_JA3],
			       l->val[F_JA3S]);
			continue;
		}
		r->matched = true;
		l->matched = true;
		n_pairs++;
		for (int fi = 0; fi < NF; fi++) {
			if (!l->has[fi] && !r->has[fi])
				continue;
			compared[fi]++;
			if (l->has[fi] == r->has[fi] && strcmp(l->val[fi], r->val[fi]) == 0) {
				matches[fi]++;
				continue;
			}
			const struct cu_exc *x = excused(l, where, field_name[fi]);
			bool ok = x != NULL;
			if (!ok) {
				n_unexcused++;
			} else if (x->ours) {
				n_ours++;
				ours_n[fi]++;
			} else {
				n_excused++;
				excused_n[fi]++;
			}
			printf("  %s%s/%s\t%s\t%s\tours=%s\ttshark=%s\n",
			       !ok ? "NOT EXCUSED: " : x->ours ? "OUR DEFECT: " : "",
			       l->corpus, l->pcap, where, field_name[fi],
			       r->has[fi] ? r->val[fi] : "null", l->has[fi] ? l->val[fi] : "null");
		}
	}
	for (size_t j = 0; j < recs.n; j++) {
		struct conn *r = &recs.v[j];
		char where[80];
		if (r->matched)
			continue;
		snprintf(where, sizeof(where), "%s:%u", r->client, r->client_port);
		const struct cu_exc *x = excused(r, where, "record");
		bool ok = x != NULL;
		n_extra++;
		!ok ? n_unexcused++ : x->ours ? n_ours++ : n_excused++;
		printf("  %sextra: %s/%s\t%s\trecord\t-> %s:%u ja3=%s ja3s=%s sni=%s\n",
		       !ok ? "NOT EXCUSED: " : x->ours ? "OUR DEFECT: " : "", r->corpus, r->pcap, where, r->server,
		       r->server_port, r->val[F_JA3], r->val[F_JA3S], r->val[F_SNI]);
	}

	failed = !cu_agreement_table(field_name, NF, matches, compared, excused_n, ours_n,
				     MIN_AGREEMENT);
	printf("\n%zu captures, %llu frames, %llu bytes; %zu tshark TCP lines, %zu records, "
	       "%zu paired, %zu missed, %zu extra\n",
	       n_captures, (unsigned long long)tot.frames, (unsigned long long)tot.bytes, lines.n,
	       recs.n, n_pairs, n_missed, n_extra);
	printf("not compared: QUIC %zu lines; tshark lines without a hello (no addresses) %zu\n",
	       n_quic, n_noaddr);
	printf("tracker: %llu flows, %llu after a plaintext prelude, %llu from a ServerHello, "
	       "%llu non-TLS flows given up; peak %zu bytes for %zu handshakes at once\n",
	       (unsigned long long)tot.tconn.flows, (unsigned long long)tot.tconn.prelude,
	       (unsigned long long)tot.tconn.server_only, (unsigned long long)tot.tconn.given_up,
	       tot.tconn.mem_peak, tot.tconn.tls_peak);
	printf("%zu differences excused by %s (tshark/capture/malformed), %zu listed there as our "
	       "defects (not counted as agreement), %zu not listed\n",
	       n_excused, EXCEPTIONS, n_ours, n_unexcused);
	for (size_t i = 0; i < exc.n; i++)
		if (!exc.v[i].used)
			printf("stale exception (no longer a difference): %s %s %s\n", exc.v[i].pcap,
			       exc.v[i].where, exc.v[i].field);
	fflush(stdout);
	conns_free(&lines);
	conns_free(&recs);
	cu_excs_free(&exc);
	assert_false(failed);
	assert_int_equal(n_unexcused, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
