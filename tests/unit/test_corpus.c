/*
 * The wire library against real traffic: tests/corpus/handshakes.jsonl (995 TCP TLS
 * connections from five public pcap corpora, with tshark 4.0.17's values; see
 * tests/corpus/README.md).
 *
 * For every connection both directions go through a struct tls_rec, the messages through
 * the msg.h parsers and the hellos through fp.h; each extracted field is compared with
 * tshark's. The test prints a table of agreement per field and every mismatch, and fails when
 *   - a field agrees on fewer than 99.5% of the connections where it was compared, counting
 *     the verified exceptions as agreeing (the raw figure is printed beside it), or
 *   - a mismatch is not listed in tests/corpus/exceptions.tsv (pcap, stream, field, reason:
 *     only where the bytes show our answer is right, or the capture lacks the data).
 * A field is compared when tshark's line has its key and at least one side has a value
 * (null, "" and [] are "no value"). A ClientHello (or final ServerHello) that the stream
 * ends inside is "cut": its fields are not compared and the connection is listed apart.
 *
 * STYLE rule 24 over the same data: every direction is also fed one byte at a time, and for
 * a sample of connections split at every single point; the extracted fields must be
 * identical to the whole-buffer ones.
 *
 * Order of the directions: the server's flight is processed first, because what it says
 * (TLS 1.3 or a HelloRetryRequest) decides how the client's ChangeCipherSpec is read
 * (tls_rec_set_tls13), as it does in a live sensor where the server's hello arrives first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "capture/wire/digest.h"
#include "capture/wire/fp.h"
#include "capture/wire/msg.h"
#include "capture/wire/rec.h"
#include "tests/unit/corpus_util.h"

#define CORPUS "tests/corpus/handshakes.jsonl"
#define EXCEPTIONS "tests/corpus/exceptions.tsv"
#define MIN_AGREEMENT 99.5
#define SPLIT_SAMPLE 30
#define VAL_MAX 16384
#define ALERTS_MAX 16
#define CHAIN_MAX 16

/* ---- fields ------------------------------------------------------------------------------ */

#define FIELDS(X)                                                                          \
	X(JA3, "ja3", 'c')                                                                 \
	X(JA3_FULL, "ja3_full", 'c')                                                       \
	X(JA4, "ja4", 'c')                                                                 \
	X(JA4_R, "ja4_r", 'c')                                                             \
	X(SNI, "sni", 'c')                                                                 \
	X(ALPN_OFFERED, "alpn_offered", 'c')                                               \
	X(FALLBACK_SCSV, "fallback_scsv", 'c')                                             \
	X(N_CLIENT_HELLOS, "n_client_hellos", 'c')                                         \
	X(HRR, "hello_retry_request", 's')                                                 \
	X(JA3S, "ja3s", 's')                                                               \
	X(JA3S_FULL, "ja3s_full", 's')                                                     \
	X(VERSION, "version", 's')                                                         \
	X(CIPHER, "cipher", 's')                                                           \
	X(ALPN_SELECTED, "alpn_selected", 's')                                             \
	X(DOWNGRADE, "downgrade_sentinel", 's')                                            \
	X(CERT, "server_cert_sha256", 's')                                                 \
	X(CHAIN, "server_chain_sha256", 's')                                               \
	X(ALERTS, "alerts", 'b')

enum field {
#define F_ENUM(id, name, side) F_##id,
	FIELDS(F_ENUM)
#undef F_ENUM
	NF
};

static const char *const field_name[NF] = {
#define F_NAME(id, name, side) name,
	FIELDS(F_NAME)
#undef F_NAME
};

static const char field_side[NF] = {
#define F_SIDE(id, name, side) side,
	FIELDS(F_SIDE)
#undef F_SIDE
};

/* What happened to a hello. */
enum hello_state {
	HELLO_NONE = 0, /* not seen */
	HELLO_OK,       /* parsed */
	HELLO_CUT,      /* the stream ends inside it */
	HELLO_BAD,      /* delivered whole but the parser refused it */
};

static const char *const hello_state_name[] = { "none", "ok", "cut", "refused" };

static const char *status_name(enum tls_status st, enum tls_anom why)
{
	if (st == TLS_NEED_MORE)
		return "need_more on a whole message (an inner length overruns it)";
	return tls_anom_name(why);
}

/* Everything extracted from one connection. */
struct result {
	bool has[NF];
	char val[NF][VAL_MAX];
	enum hello_state ch, sh;
	enum tls_status ch_status, sh_status;
	enum tls_anom ch_why, sh_why;
	bool tls13;           /* the server spoke TLS 1.3 (supported_versions) or sent an HRR */
	bool have_cert;
	unsigned n_ch;
	unsigned n_alerts;
	char alerts[ALERTS_MAX][32];
	enum tls_anom c_error, s_error; /* record layer death */
	size_t c_need;        /* cut hello: bytes the stream would have needed */
};

static void set_val(struct result *r, enum field f, const char *s)
{
	r->has[f] = s && *s;
	snprintf(r->val[f], VAL_MAX, "%s", s ? s : "");
}

static const char *version_name(uint16_t v, char buf[8])
{
	switch (v) {
	case TLS_V_SSL2: return "SSLv2";
	case TLS_V_SSL3: return "SSLv3";
	case TLS_V_TLS10: return "TLSv1.0";
	case TLS_V_TLS11: return "TLSv1.1";
	case TLS_V_TLS12: return "TLSv1.2";
	case TLS_V_TLS13: return "TLSv1.3";
	default: snprintf(buf, 8, "0x%04x", v); return buf;
	}
}

/* ---- client direction ------------------------------------------------------------------- */

struct dir {
	struct tls_rec rec;
	uint8_t *buf;
	struct result *r;
};

static void client_fields(struct result *r, const struct tls_client_hello *ch)
{
	char tmp[VAL_MAX], md5[FP_MD5_HEX], ja4[FP_JA4_LEN];
	bool scsv = false;

	fp_ja3(ch, md5);
	set_val(r, F_JA3, md5);
	set_val(r, F_JA3_FULL, fp_ja3_string(ch, tmp, sizeof(tmp)) ? tmp : "(too long)");
	if (ch->sslv2)
		set_val(r, F_JA3_FULL, NULL);
	fp_ja4(ch, FP_JA4_TCP, ja4);
	set_val(r, F_JA4, ja4);
	set_val(r, F_JA4_R, fp_ja4_r(ch, FP_JA4_TCP, tmp, sizeof(tmp)) ? tmp : NULL);
	if (ch->sni.p) {
		cu_latin1_utf8(ch->sni.p, ch->sni.len, tmp, sizeof(tmp));
		set_val(r, F_SNI, tmp);
	}
	tmp[0] = '\0';
	for (size_t i = 0; i < ch->n_alpn; i++) {
		struct tls_bytes a = tls_alpn_at(ch->alpn, i);
		char one[1024];
		cu_latin1_utf8(a.p, a.len, one, sizeof(one));
		cu_append(tmp, sizeof(tmp), one);
	}
	set_val(r, F_ALPN_OFFERED, tmp);
	for (size_t i = 0; i < ch->n_suites; i++)
		if (tls_ch_suite(ch, i) == 0x5600)
			scsv = true;
	set_val(r, F_FALLBACK_SCSV, scsv ? "true" : "false");
}

static void on_client_hs(void *ctx, uint8_t type, const uint8_t *body, size_t len,
			 size_t full_len, uint16_t rec_version)
{
	struct dir *d = ctx;
	struct result *r = d->r;
	struct tls_client_hello ch;
	(void)rec_version;

	if (type != TLS_HS_CLIENT_HELLO)
		return;
	r->n_ch++;
	if (r->ch != HELLO_NONE)
		return;
	r->ch_status = len < full_len ? TLS_NEED_MORE : tls_msg_client_hello(body, len, &ch,
									     &r->ch_why);
	r->ch = r->ch_status == TLS_OK ? HELLO_OK : HELLO_BAD;
	if (r->ch == HELLO_OK)
		client_fields(r, &ch);
}

static void on_client_v2(void *ctx, const uint8_t *msg, size_t len)
{
	struct dir *d = ctx;
	struct result *r = d->r;
	struct tls_client_hello ch;

	if (len == 0 || msg[0] != 1)
		return;
	r->n_ch++;
	if (r->ch != HELLO_NONE)
		return;
	r->ch_status = tls_msg_sslv2_client_hello(msg, len, &ch, &r->ch_why);
	r->ch = r->ch_status == TLS_OK ? HELLO_OK : HELLO_BAD;
	if (r->ch == HELLO_OK)
		client_fields(r, &ch);
}

static void on_alert(struct dir *d, const char *from, const uint8_t *body, size_t len)
{
	struct tls_alert a;
	enum tls_anom why;
	if (tls_msg_alert(body, len, &a, &why) != TLS_OK || d->r->n_alerts == ALERTS_MAX)
		return;
	snprintf(d->r->alerts[d->r->n_alerts++], 32, "%s:%u:%u", from, a.level, a.desc);
}

static void on_client_alert(void *ctx, const uint8_t *body, size_t len)
{
	on_alert(ctx, "client", body, len);
}

static void on_server_alert(void *ctx, const uint8_t *body, size_t len)
{
	on_alert(ctx, "server", body, len);
}

/* ---- server direction ------------------------------------------------------------------- */

static void server_hello_fields(struct result *r, const struct tls_server_hello *sh)
{
	char tmp[VAL_MAX], md5[FP_MD5_HEX], vb[8];

	fp_ja3s(sh, md5);
	set_val(r, F_JA3S, md5);
	set_val(r, F_JA3S_FULL, fp_ja3s_string(sh, tmp, sizeof(tmp)) ? tmp : "(too long)");
	set_val(r, F_VERSION, version_name(sh->version, vb));
	snprintf(tmp, sizeof(tmp), "0x%04x", sh->cipher);
	set_val(r, F_CIPHER, tmp);
	if (sh->alpn.p) {
		cu_latin1_utf8(sh->alpn.p, sh->alpn.len, tmp, sizeof(tmp));
		set_val(r, F_ALPN_SELECTED, tmp);
	}
	set_val(r, F_DOWNGRADE, sh->downgrade == TLS_DOWNGRADE_TLS12   ? "tls12"
				: sh->downgrade == TLS_DOWNGRADE_TLS11 ? "tls11_or_below"
								       : NULL);
}

static void server_cert_fields(struct result *r, const uint8_t *body, size_t len)
{
	static struct tls_certificate c; /* large: off the stack */
	enum tls_anom why;
	char chain[CHAIN_MAX * 65 + 1] = "";

	if (tls_msg_certificate(body, len, false, &c, &why) != TLS_OK)
		return;
	r->have_cert = true;
	for (size_t i = 0; i < c.n_certs && i < CHAIN_MAX; i++) {
		uint8_t h[DIGEST_SHA256_LEN];
		char hex[2 * DIGEST_SHA256_LEN + 1];
		digest_sha256(c.certs[i].p, c.certs[i].len, h);
		digest_hex(h, sizeof(h), hex);
		if (i == 0)
			set_val(r, F_CERT, hex);
		cu_append(chain, sizeof(chain), hex);
	}
	set_val(r, F_CHAIN, chain);
}

static void on_server_hs(void *ctx, uint8_t type, const uint8_t *body, size_t len,
			 size_t full_len, uint16_t rec_version)
{
	struct dir *d = ctx;
	struct result *r = d->r;
	(void)rec_version;

	if (type == TLS_HS_SERVER_HELLO && r->sh != HELLO_OK) {
		struct tls_server_hello sh;
		r->sh_status = len < full_len ? TLS_NEED_MORE
					      : tls_msg_server_hello(body, len, &sh, &r->sh_why);
		if (r->sh_status != TLS_OK) {
			r->sh = HELLO_BAD;
			return;
		}
		if (sh.is_hrr || sh.version > TLS_V_TLS12) {
			/* TLS 1.3 or a draft of it. RFC 8446 §5 / D.4: from now on a
			 * ChangeCipherSpec is the middlebox compatibility one; the final
			 * ServerHello may follow it in clear. */
			r->tls13 = true;
			tls_rec_set_tls13(&d->rec);
		}
		if (sh.is_hrr) {
			set_val(r, F_HRR, "true");
			return;
		}
		r->sh = HELLO_OK;
		server_hello_fields(r, &sh);
		if (sh.version > TLS_V_TLS12)
			tls_rec_set_encrypted(&d->rec);
		return;
	}
	if (type == TLS_HS_CERTIFICATE && r->sh == HELLO_OK && !r->have_cert && len == full_len)
		server_cert_fields(r, body, len);
}

/* ---- feeding ------------------------------------------------------------------------------ */

enum feed_mode { FEED_WHOLE, FEED_BYTES, FEED_SPLIT };

static enum tls_status feed(struct tls_rec *rec, const uint8_t *p, size_t n, enum feed_mode m,
			    size_t split, const struct tls_rec_sink *sink, void *ctx)
{
	enum tls_status st = TLS_OK;
	switch (m) {
	case FEED_WHOLE:
		return tls_rec_feed(rec, p, n, sink, ctx);
	case FEED_BYTES:
		for (size_t i = 0; i < n && st == TLS_OK; i++)
			st = tls_rec_feed(rec, p + i, 1, sink, ctx);
		return st;
	case FEED_SPLIT:
		st = tls_rec_feed(rec, p, split, sink, ctx);
		if (st == TLS_OK)
			st = tls_rec_feed(rec, p + split, n - split, sink, ctx);
		return st;
	}
	return st;
}

static uint8_t c_buf[HS_MAX_MSG], s_buf[HS_MAX_MSG];

static void extract_server(const struct cu_conn *k, enum feed_mode m, size_t split,
			   struct result *r)
{
	static const struct tls_rec_sink sink = { .handshake = on_server_hs,
						  .alert = on_server_alert };
	struct dir d = { .buf = s_buf, .r = r };

	tls_rec_init(&d.rec, s_buf, sizeof(s_buf));
	(void)feed(&d.rec, k->s2c, k->s2c_len, m, split, &sink, &d);
	r->s_error = tls_rec_error(&d.rec);
	if (r->sh == HELLO_NONE && tls_rec_pending(&d.rec) && !r->s_error)
		r->sh = HELLO_CUT;
	if (!r->has[F_HRR])
		set_val(r, F_HRR, "false");
}

static void extract_client(const struct cu_conn *k, enum feed_mode m, size_t split,
			   struct result *r)
{
	static const struct tls_rec_sink sink = { .handshake = on_client_hs,
						  .sslv2 = on_client_v2,
						  .alert = on_client_alert };
	struct dir d = { .buf = c_buf, .r = r };
	char n[16];

	tls_rec_init(&d.rec, c_buf, sizeof(c_buf));
	if (r->tls13)
		tls_rec_set_tls13(&d.rec);
	(void)feed(&d.rec, k->c2s, k->c2s_len, m, split, &sink, &d);
	r->c_error = tls_rec_error(&d.rec);
	if (r->ch == HELLO_NONE && tls_rec_pending(&d.rec) && !r->c_error) {
		r->ch = HELLO_CUT;
		r->c_need = d.rec.hs_hdr_have == 4 ? d.rec.hs_len + 4 : 0;
	}
	snprintf(n, sizeof(n), "%u", r->n_ch);
	set_val(r, F_N_CLIENT_HELLOS, n);
}

static void finish_alerts(struct result *r)
{
	const char *list[ALERTS_MAX];
	char out[ALERTS_MAX * 32 + 1] = "";
	for (unsigned i = 0; i < r->n_alerts; i++)
		list[i] = r->alerts[i];
	cu_sorted_join(list, r->n_alerts, out, sizeof(out));
	set_val(r, F_ALERTS, out);
}

/* Server first (it decides how the client's CCS is read), then client. */
static void extract(const struct cu_conn *k, struct result *r)
{
	memset(r, 0, sizeof(*r));
	extract_server(k, FEED_WHOLE, 0, r);
	extract_client(k, FEED_WHOLE, 0, r);
	finish_alerts(r);
}

/* Field-by-field equality of two extractions, with a message naming the first difference. */
static void assert_same(const struct cu_conn *k, const char *how, const struct result *a,
			const struct result *b)
{
	for (int f = 0; f < NF; f++) {
		if (a->has[f] != b->has[f] || strcmp(a->val[f], b->val[f]) != 0) {
			print_error("%s stream %lld: %s differs when fed %s: '%s' vs '%s'\n",
				    k->pcap, k->stream, field_name[f], how, a->val[f], b->val[f]);
			fail();
		}
	}
	if (a->ch != b->ch || a->sh != b->sh || a->c_error != b->c_error ||
	    a->s_error != b->s_error) {
		print_error("%s stream %lld: hello states differ when fed %s\n", k->pcap,
			    k->stream, how);
		fail();
	}
}

/* ---- the test ----------------------------------------------------------------------------- */

/* STYLE rule 24: one byte at a time, and (sampled) every split point. */
static void check_splits(const struct cu_conn *k, const struct result *whole, bool every_point,
			 struct result *tmp)
{
	struct result *r = tmp;

	memset(r, 0, sizeof(*r));
	extract_server(k, FEED_BYTES, 0, r);
	extract_client(k, FEED_BYTES, 0, r);
	finish_alerts(r);
	assert_same(k, "one byte at a time", whole, r);
	if (!every_point)
		return;
	/* Splitting one direction leaves the other's extraction unchanged: re-run only it. */
	for (size_t s = 1; s < k->s2c_len; s++) {
		memset(r, 0, sizeof(*r));
		extract_server(k, FEED_SPLIT, s, r);
		extract_client(k, FEED_WHOLE, 0, r);
		finish_alerts(r);
		assert_same(k, "split in the server flight", whole, r);
	}
	for (size_t s = 1; s < k->c2s_len; s++) {
		memset(r, 0, sizeof(*r));
		extract_server(k, FEED_WHOLE, 0, r);
		extract_client(k, FEED_SPLIT, s, r);
		finish_alerts(r);
		assert_same(k, "split in the client flight", whole, r);
	}
}

static void test_corpus(void **state)
{
	json_t *all = cu_load_jsonl(CORPUS), *j;
	struct cu_excs exc;
	size_t ln, n_lines = json_array_size(all), n_cut = 0, n_bad = 0, n_unexcused = 0, n_excused = 0;
	size_t n_split_conns = 0, n_split_points = 0;
	unsigned long matches[NF] = { 0 }, compared[NF] = { 0 }, excused_n[NF] = { 0 };
	struct result *ours = malloc(sizeof(*ours)), *tmp = malloc(sizeof(*tmp));
	char *want = malloc(VAL_MAX);
	bool failed;
	(void)state;

	assert_non_null(ours);
	assert_non_null(tmp);
	assert_non_null(want);
	cu_excs_load(EXCEPTIONS, &exc);
	size_t every = n_lines / SPLIT_SAMPLE ? n_lines / SPLIT_SAMPLE : 1;

	printf("mismatches (pcap, stream, field, ours, tshark's):\n");
	json_array_foreach(all, ln, j) {
		struct cu_conn k;

		cu_conn_load(j, &k);
		extract(&k, ours);
		bool every_point = ln % every == 0 && ln / every < SPLIT_SAMPLE;
		check_splits(&k, ours, every_point, tmp);
		if (every_point) {
			n_split_conns++;
			n_split_points += k.c2s_len + k.s2c_len;
		}

		if (ours->ch == HELLO_CUT) {
			n_cut++;
			printf("  (cut ClientHello, not compared: %s %s stream %lld: the client "
			       "bytes end at %zu, the ClientHello message needs %zu)\n",
			       k.corpus, k.pcap, k.stream, k.c2s_len, ours->c_need);
		}
		if (ours->sh == HELLO_CUT)
			printf("  (cut ServerHello, not compared: %s %s stream %lld)\n", k.corpus,
			       k.pcap, k.stream);
		if (ours->ch == HELLO_BAD || ours->sh == HELLO_BAD) {
			n_bad++;
			printf("  (refused by our parser: %s %s stream %lld: ClientHello %s%s%s, "
			       "ServerHello %s%s%s)\n",
			       k.corpus, k.pcap, k.stream, hello_state_name[ours->ch],
			       ours->ch == HELLO_BAD ? ": " : "",
			       ours->ch == HELLO_BAD ? status_name(ours->ch_status, ours->ch_why) : "",
			       hello_state_name[ours->sh], ours->sh == HELLO_BAD ? ": " : "",
			       ours->sh == HELLO_BAD ? status_name(ours->sh_status, ours->sh_why) : "");
		}
		for (int fi = 0; fi < NF; fi++) {
			bool has;
			if (!cu_expected(k.expect, field_name[fi], ALERTS_MAX, &has, want, VAL_MAX))
				continue;
			if (field_side[fi] == 'c' && ours->ch == HELLO_CUT)
				continue;
			if (field_side[fi] == 's' && ours->sh == HELLO_CUT && fi != F_HRR)
				continue;
			if (!has && !ours->has[fi])
				continue;
			compared[fi]++;
			if (has == ours->has[fi] && strcmp(want, ours->val[fi]) == 0) {
				matches[fi]++;
				continue;
			}
			bool ok = cu_excs_find_stream(&exc, k.pcap, k.stream, field_name[fi]) != NULL;
			if (ok) {
				n_excused++;
				excused_n[fi]++;
			} else {
				n_unexcused++;
			}
			printf("  %s%s\t%lld\t%s\tours=%s\ttshark=%s\n", ok ? "" : "NOT EXCUSED: ",
			       k.pcap, k.stream, field_name[fi],
			       ours->has[fi] ? ours->val[fi] : "null", has ? want : "null");
		}
		cu_conn_free(&k);
	}

	/* raw: matches / compared. The bar applies to agreement once the verified exceptions
	 * (our answer right, or the capture lacks the data) are counted as agreeing. */
	failed = !cu_agreement_table(field_name, NF, matches, compared, excused_n, NULL,
				     MIN_AGREEMENT);
	printf("\n%zu connections, %zu cut ClientHellos (not compared), %zu refused hellos, "
	       "%zu mismatches excused by %s, %zu not excused\n",
	       n_lines, n_cut, n_bad, n_excused, EXCEPTIONS, n_unexcused);
	printf("fed whole and one byte at a time: %zu connections; split at every point: %zu "
	       "connections, %zu split points; extracted fields identical\n",
	       n_lines, n_split_conns, n_split_points);
	for (size_t i = 0; i < exc.n; i++)
		if (!exc.v[i].used)
			printf("stale exception (no longer a mismatch): %s %s %s\n", exc.v[i].pcap,
			       exc.v[i].where, exc.v[i].field);
	fflush(stdout);
	json_decref(all);
	free(ours);
	free(tmp);
	free(want);
	cu_excs_free(&exc);
	assert_false(failed);
	assert_int_equal(n_unexcused, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
