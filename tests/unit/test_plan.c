/*
 * Unit tests of the scan planner (scanner/plan.h) against model servers.
 *
 * A model server is a configuration (versions, suites in its order or not, groups, signature
 * schemes, behaviours such as TLS_FALLBACK_SCSV, the downgrade sentinel, closing on long
 * hellos or on versions above its own) and a small TLS server written here that answers one
 * ClientHello the way RFC 8446 / RFC 5246 say such a server does: it parses the hello with
 * the wire library and writes its flight with the builder (bld.h), by hand, without the
 * planner's code. The planner runs against it with no sockets: every probe it hands out is
 * answered by the model. The expected result of each case is the model's configuration, so
 * the truth is known by construction.
 *
 * Each case runs three ways: one probe at a time; four at a time with the answers delivered
 * in reverse order; and four at a time in a shuffled order. All must give the same facts.
 * Also: endpoint errors (refused, timeouts, garbage), the evidence kept per probe, and the
 * keyed ClientHello random, checked against OpenSSL's HMAC-SHA256.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "capture/wire/bld.h"
#include "capture/wire/msg.h"
#include "capture/wire/rec.h"
#include "capture/wire/registry.h"
#include "scanner/plan.h"
#include "scanner/plan_int.h"
#include "scanner/result.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAXL 64

/* ---- the model server ---------------------------------------------------------------------- */

enum fail_mode {
	M_OK = 0,
	M_REFUSED,      /* every connect refused */
	M_TIMEOUT,      /* accepts, never answers */
	M_GARBAGE,      /* answers HTTP */
	M_CUT,          /* half a ServerHello, then a close */
	M_APPDATA,      /* an application data record instead of a ServerHello */
};

struct model {
	const char *name;
	unsigned versions;            /* bit per enum scanres_ver (SSLv3 .. TLS 1.3) */
	uint16_t suites[MAXL];        /* TLS <= 1.2 suites, in the server's order */
	size_t n_suites;
	uint16_t suites13[8];
	size_t n_suites13;
	bool server_order;            /* else the client's order decides */
	uint16_t groups[16];          /* in the server's order */
	size_t n_groups;
	bool group_order;             /* TLS 1.2 curve choice by the server's order */
	uint16_t sigs[16];            /* TLS 1.2 signature schemes (server's order) */
	size_t n_sigs;
	uint16_t sigs13[16];          /* TLS 1.3 CertificateVerify schemes it can sign with */
	size_t n_sigs13;
	bool fallback;                /* enforces TLS_FALLBACK_SCSV */
	bool sentinel;                /* sets the RFC 8446 downgrade sentinels */
	bool close_above;             /* closes on a hello above its highest version (intolerant) */
	size_t max_suites;            /* closes on hellos with more suites (0 = no limit) */
	bool ems, reneg, ticket, etm; /* echoes these extensions */
	uint32_t v2_specs[4];         /* SSLv2 cipher specs: answers an SSLv2 hello with them */
	size_t n_v2_specs;
	enum fail_mode fail;
};

/* What a model answers: bytes and how the connection ended. */
struct answer {
	uint8_t b[8192];
	size_t n;
	enum probe_transport t;
};

/* The ClientHello of a probe, read with the wire library. */
struct hello_view {
	bool have, sslv2;
	struct tls_client_hello ch;
	uint8_t msg[PROBE_MAX_HELLO];
};

static void on_hs(void *ctx, uint8_t type, const uint8_t *body, size_t len, size_t full,
		  uint16_t rv)
{
	struct hello_view *h = ctx;
	enum tls_anom why;
	(void)full, (void)rv;
	if (type != TLS_HS_CLIENT_HELLO || h->have || len > sizeof(h->msg))
		return;
	memcpy(h->msg, body, len);
	h->have = tls_msg_client_hello(h->msg, len, &h->ch, &why) == TLS_OK;
}

static void on_v2(void *ctx, const uint8_t *msg, size_t len)
{
	struct hello_view *h = ctx;
	(void)msg, (void)len;
	h->sslv2 = true;
}

static bool offered16(struct tls_u16s l, uint16_t v)
{
	for (size_t i = 0; i < l.n; i++)
		if (tls_u16s_at(l, i) == v)
			return true;
	return false;
}

static bool in16(const uint16_t *l, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

static void alert(struct answer *a, uint8_t desc)
{
	const uint8_t rec[] = { 21, 3, 3, 0, 2, 2, desc };
	memcpy(a->b, rec, sizeof(rec));
	a->n = sizeof(rec);
	a->t = PROBE_T_DONE;
}

/* Picks from the client's offer (client order) or from the server's list (server order). */
static uint16_t choose(struct tls_u16s offer, const uint16_t *mine, size_t n, bool server,
		       bool (*ok)(uint16_t, const void *), const void *arg)
{
	if (server) {
		for (size_t i = 0; i < n; i++)
			if (offered16(offer, mine[i]) && (!ok || ok(mine[i], arg)))
				return mine[i];
		return 0;
	}
	for (size_t i = 0; i < offer.n; i++) {
		uint16_t v = tls_u16s_at(offer, i);
		if (in16(mine, n, v) && (!ok || ok(v, arg)))
			return v;
	}
	return 0;
}

static bool suite_usable(uint16_t code, const void *arg)
{
	const uint16_t *ver = arg;
	const struct tls_suite_info *s = tls_reg_suite(code);
	if (!s)
		return false;
	if (*ver < TLS_V_TLS12 && s->min_version && !strcmp(s->min_version, "TLSv1.2"))
		return false;
	return true;
}

static bool sig_for(uint16_t sig, const void *arg)
{
	const char *auth = arg;
	bool ecdsa = (sig & 0xff) == 0x03;
	return !strcmp(auth, "ECDSA") ? ecdsa : !ecdsa;
}

static void hs_header(struct bld *b, uint8_t type)
{
	bld_u8(b, type);
	bld_open(b, 3);
}

static void model_answer(const struct model *m, const struct probe_req *req, struct answer *a)
{
	static const uint8_t hrr_random[32] = {
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65,
		0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2,
		0xc8, 0xa8, 0x33, 0x9c,
	};
	struct hello_view *h = calloc(1, sizeof(*h));
	struct tls_rec rec;
	static uint8_t recbuf[1 << 16];
	const struct tls_rec_sink sink = { .handshake = on_hs, .sslv2 = on_v2 };
	memset(a, 0, sizeof(*a));
	a->t = PROBE_T_DONE;
	switch (m->fail) {
	case M_REFUSED:
		a->t = PROBE_T_REFUSED;
		free(h);
		return;
	case M_TIMEOUT:
		a->t = PROBE_T_TIMEOUT;
		free(h);
		return;
	case M_GARBAGE:
		memcpy(a->b, "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
		a->n = 28;
		a->t = PROBE_T_CLOSED;
		free(h);
		return;
	case M_CUT: {
		static const uint8_t cut[] = { 22, 3, 3, 0, 0x50, 2, 0, 0, 0x4c, 3, 3, 1, 2 };
		memcpy(a->b, cut, sizeof(cut));
		a->n = sizeof(cut);
		a->t = PROBE_T_CLOSED;
		free(h);
		return;
	}
	case M_APPDATA: {
		static const uint8_t app[] = { 23, 3, 3, 0, 4, 1, 2, 3, 4 };
		memcpy(a->b, app, sizeof(app));
		a->n = sizeof(app);
		a->t = PROBE_T_DONE;
		free(h);
		return;
	}
	case M_OK:
		break;
	}
	tls_rec_init(&rec, recbuf, sizeof(recbuf));
	assert_int_equal(tls_rec_feed(&rec, req->hello, req->hello_len, &sink, h), TLS_OK);
	if (h->sslv2 && m->n_v2_specs) {
		/* SSLv2 SERVER-HELLO (draft-hickman-netscape-ssl-00): 2-byte record header,
		 * msg type 4, session-id-hit, certificate type, version 0x0002, lengths of the
		 * certificate, the specs and the connection id, then those */
		struct bld b;
		bld_init(&b, a->b, sizeof(a->b));
		size_t body = 11 + 3 + 3 * m->n_v2_specs + 16;
		bld_u16(&b, (uint16_t)(0x8000 | body));
		bld_u8(&b, 4);
		bld_u8(&b, 0);
		bld_u8(&b, 1);
		bld_u16(&b, 0x0002);
		bld_u16(&b, 3);
		bld_u16(&b, (uint16_t)(3 * m->n_v2_specs));
		bld_u16(&b, 16);
		bld_bytes(&b, "\x30\x01\x00", 3);
		for (size_t i = 0; i < m->n_v2_specs; i++)
			bld_u24(&b, m->v2_specs[i]);
		bld_bytes(&b, "0123456789abcdef", 16);
		assert_true(bld_ok(&b));
		a->n = b.len;
		free(h);
		return;
	}
	if (h->sslv2) { /* no SSLv2 here: protocol_version (as OpenSSL answers) */
		alert(a, 70);
		free(h);
		return;
	}
	assert_true(h->have);
	const struct tls_client_hello *ch = &h->ch;
	struct tls_u16s offer = { ch->suites.p, ch->n_suites };
	if (m->max_suites && ch->n_suites > m->max_suites) {
		a->t = PROBE_T_CLOSED; /* chokes on a long hello */
		free(h);
		return;
	}
	int maxv = -1;
	for (int v = SCANRES_SSL3; v <= SCANRES_TLS13; v++)
		if (m->versions & (1u << v))
			maxv = v;
	bool tls13 = offered16(ch->versions, TLS_V_TLS13) && (m->versions & (1u << SCANRES_TLS13));
	uint16_t ver = 0;
	if (!tls13) {
		uint16_t cv = ch->legacy_version > TLS_V_TLS12 ? TLS_V_TLS12 : ch->legacy_version;
		for (int v = SCANRES_TLS12; v >= SCANRES_SSL3 && !ver; v--)
			if ((m->versions & (1u << v)) && scanres_ver_code((enum scanres_ver)v) <= cv)
				ver = scanres_ver_code((enum scanres_ver)v);
		if (m->close_above && scanres_ver_of(cv) > maxv) {
			a->t = PROBE_T_CLOSED;
			free(h);
			return;
		}
		if (!ver) { /* below our lowest version */
			alert(a, 70);
			free(h);
			return;
		}
		if (offered16(offer, 0x5600) && m->fallback && scanres_ver_of(ver) < maxv) {
			alert(a, 86);
			free(h);
			return;
		}
	}

	uint8_t random[32];
	memset(random, 0x5a, sizeof(random));
	uint16_t suite, group = 0, sig = 0;
	bool hrr = false;
	if (tls13) {
		ver = TLS_V_TLS13;
		suite = choose(offer, m->suites13, m->n_suites13, m->server_order, NULL, NULL);
		/* a key share we support, else an HRR with our preferred offered group */
		for (size_t i = 0; suite && i < ch->n_key_shares && !group; i++) {
			uint16_t g;
			struct tls_bytes k;
			assert_true(tls_key_share_at(ch->key_shares, i, &g, &k));
			if (in16(m->groups, m->n_groups, g))
				group = g;
		}
		if (suite && !group) {
			group = choose(ch->groups, m->groups, m->n_groups, true, NULL, NULL);
			hrr = true;
		}
		if (!suite || !group) {
			alert(a, 40);
			free(h);
			return;
		}
		/* RFC 8446 §4.4.3: no offered scheme it can sign with = handshake_failure
		 * (after the key share: an HRR comes first) */
		bool can_sign = false;
		for (size_t i = 0; i < m->n_sigs13; i++)
			can_sign = can_sign || offered16(ch->sig_algs, m->sigs13[i]);
		if (!hrr && !can_sign) {
			alert(a, 40);
			free(h);
			return;
		}
		if (hrr)
			memcpy(random, hrr_random, 32);
	} else {
		suite = choose(offer, m->suites, m->n_suites, m->server_order, suite_usable, &ver);
		const struct tls_suite_info *si = suite ? tls_reg_suite(suite) : NULL;
		if (si && si->ske_kx == TLS_KX_ECDHE) {
			group = choose(ch->groups, m->groups, m->n_groups, m->group_order, NULL, NULL);
			if (ver == TLS_V_TLS12)
				sig = choose(ch->sig_algs, m->sigs, m->n_sigs, m->server_order, sig_for,
					     si->auth);
			if (!group || (ver == TLS_V_TLS12 && !sig))
				suite = 0; /* a real server would try its next suite: keep it simple */
		}
		if (!suite) {
			alert(a, 40);
			free(h);
			return;
		}
		if (m->sentinel && scanres_ver_of(ver) < maxv)
			memcpy(random + 24, ver == TLS_V_TLS12 ? "DOWNGRD\x01" : "DOWNGRD\x00", 8);
	}

	struct bld b;
	bld_init(&b, a->b, sizeof(a->b));
	bld_u8(&b, 22);
	bld_u16(&b, TLS_V_TLS12);
	bld_open(&b, 2);
	hs_header(&b, TLS_HS_SERVER_HELLO);
	bld_u16(&b, tls13 ? TLS_V_TLS12 : ver);
	bld_bytes(&b, random, 32);
	bld_open(&b, 1);
	if (tls13)
		bld_bytes(&b, ch->session_id.p, ch->session_id.len);
	bld_close(&b);
	bld_u16(&b, suite);
	bld_u8(&b, 0);
	bld_open(&b, 2); /* extensions */
	if (tls13) {
		bld_u16(&b, TLS_EXT_SUPPORTED_VERSIONS);
		bld_open(&b, 2);
		bld_u16(&b, TLS_V_TLS13);
		bld_close(&b);
		bld_u16(&b, TLS_EXT_KEY_SHARE);
		bld_open(&b, 2);
		bld_u16(&b, group);
		if (!hrr) {
			bld_open(&b, 2);
			bld_bytes(&b, random, 32);
			bld_close(&b);
		}
		bld_close(&b);
	} else if (ch->has_ext_block) {
		const struct tls_suite_info *si = tls_reg_suite(suite);
		if (m->reneg) {
			bld_u16(&b, TLS_EXT_RENEGOTIATION_INFO);
			bld_open(&b, 2);
			bld_u8(&b, 0);
			bld_close(&b);
		}
		if (m->ems) {
			bld_u16(&b, TLS_EXT_EXTENDED_MASTER_SECRET);
			bld_u16(&b, 0);
		}
		if (m->ticket) {
			bld_u16(&b, TLS_EXT_SESSION_TICKET);
			bld_u16(&b, 0);
		}
		if (m->etm && si && strstr(si->enc, "CBC")) {
			bld_u16(&b, TLS_EXT_ENCRYPT_THEN_MAC);
			bld_u16(&b, 0);
		}
	}
	bld_close(&b); /* extensions */
	bld_close(&b); /* ServerHello */
	if (!tls13 && group) {
		hs_header(&b, TLS_HS_CERTIFICATE);
		bld_u24(&b, 0);
		bld_close(&b);
		hs_header(&b, TLS_HS_SERVER_KEY_EXCHANGE);
		bld_u8(&b, 3); /* named_curve */
		bld_u16(&b, group);
		bld_open(&b, 1);
		bld_bytes(&b, random, 32);
		bld_close(&b);
		if (ver == TLS_V_TLS12)
			bld_u16(&b, sig);
		bld_open(&b, 2);
		bld_bytes(&b, random, 16);
		bld_close(&b);
		bld_close(&b);
		hs_header(&b, TLS_HS_SERVER_HELLO_DONE);
		bld_close(&b);
	}
	bld_close(&b); /* record */
	assert_true(bld_ok(&b));
	a->n = b.len;
	free(h);
}

/* ---- running a plan against a model ----------------------------------------------------------- */

enum order { IN_ORDER, REVERSED, SHUFFLED };

static struct scan_result *scan_model(const struct model *m, unsigned inflight, enum order ord,
				      unsigned seed)
{
	struct plan_opts o = { .ip = "192.0.2.1", .port = 443, .max_inflight = inflight };
	memset(o.key, 0x42, sizeof(o.key));
	struct plan *p = plan_new(&o);
	assert_non_null(p);
	struct probe_req *req = calloc(PLAN_INFLIGHT_MAX, sizeof(*req));
	struct answer *ans = calloc(PLAN_INFLIGHT_MAX, sizeof(*ans));
	unsigned rounds = 0;
	for (;;) {
		size_t n = 0;
		enum plan_step st = PLAN_WAIT;
		while (n < inflight && (st = plan_next(p, &req[n])) == PLAN_PROBE)
			n++;
		if (n == 0) {
			assert_int_equal(st, PLAN_DONE);
			break;
		}
		assert_true(++rounds < 2000);
		size_t idx[PLAN_INFLIGHT_MAX];
		for (size_t i = 0; i < n; i++)
			idx[i] = ord == REVERSED ? n - 1 - i : i;
		if (ord == SHUFFLED)
			for (size_t i = n - 1; i > 0; i--) {
				seed = seed * 1103515245u + 12345u;
				size_t j = (seed >> 16) % (i + 1), t = idx[i];
				idx[i] = idx[j];
				idx[j] = t;
			}
		for (size_t i = 0; i < n; i++)
			model_answer(m, &req[i], &ans[i]);
		for (size_t k = 0; k < n; k++) {
			size_t i = idx[k];
			struct probe_resp r = { .id = req[i].id, .transport = ans[i].t, .bytes = ans[i].b,
						 .len = ans[i].n, .total = ans[i].n, .elapsed_us = 100 };
			plan_result(p, &r);
		}
	}
	assert_int_equal(plan_next(p, &req[0]), PLAN_DONE);
	struct scan_result *res = plan_take_result(p);
	assert_non_null(res);
	assert_null(plan_take_result(p));
	plan_free(p);
	free(req);
	free(ans);
	return res;
}

/* The facts, as JSON without the cost fields (they may differ with the order of answers). */
static char *facts(const struct scan_result *r)
{
	struct scan_result *c = malloc(sizeof(*c));
	memcpy(c, r, sizeof(*c));
	c->connections = 0;
	c->elapsed_ms = 0;
	c->n_probes = 0;
	c->probes = NULL;
	c->evidence_bytes = 0;
	char *s = scanres_json(c, false);
	free(c);
	assert_non_null(s);
	return s;
}

static void sorted(uint16_t *l, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && l[j - 1] > l[j]; j--) {
			uint16_t t = l[j];
			l[j] = l[j - 1];
			l[j - 1] = t;
		}
}

/* Versions <= 1.2 accept the model's suites usable at that version. */
static size_t model_suites_at(const struct model *m, int v, uint16_t *out)
{
	size_t n = 0;
	uint16_t code = scanres_ver_code((enum scanres_ver)v);
	if (v == SCANRES_TLS13) {
		memcpy(out, m->suites13, m->n_suites13 * sizeof(uint16_t));
		return m->n_suites13;
	}
	for (size_t i = 0; i < m->n_suites; i++) {
		const struct tls_suite_info *s = tls_reg_suite(m->suites[i]);
		bool ecdhe = s->ske_kx == TLS_KX_ECDHE;
		bool sig_ok = !ecdhe || code < TLS_V_TLS12;
		for (size_t k = 0; ecdhe && !sig_ok && k < m->n_sigs; k++)
			sig_ok = sig_for(m->sigs[k], s->auth);
		if (suite_usable(m->suites[i], &code) && (!ecdhe || m->n_groups) && sig_ok)
			out[n++] = m->suites[i];
	}
	return n;
}

static void check_model(const struct model *m, const struct scan_result *r)
{
	uint16_t want[MAXL];
	assert_int_equal(r->n_sslv2_specs, m->n_v2_specs);
	assert_memory_equal(r->sslv2_specs, m->v2_specs, m->n_v2_specs * sizeof(uint32_t));
	for (int v = SCANRES_SSL2; v <= SCANRES_TLS13; v++) {
		bool sup = (m->versions >> v) & 1;
		if (v == SCANRES_SSL2) {
			assert_int_equal(r->ver[v].supported, sup ? SCANRES_YES : SCANRES_NO);
			continue;
		}
		const struct scanres_version *sv = &r->ver[v];
		assert_int_equal(sv->supported, sup ? SCANRES_YES : SCANRES_NO);
		if (!sup) {
			assert_int_equal(sv->n_suites, 0);
			continue;
		}
		size_t n = model_suites_at(m, v, want);
		assert_int_equal(sv->n_suites, n);
		if (n < 2) {
			assert_int_equal(sv->server_order, SCANRES_NULL);
		} else if (m->server_order) {
			assert_int_equal(sv->server_order, SCANRES_YES);
			assert_memory_equal(sv->suites, want, n * sizeof(uint16_t));
			assert_false(sv->order_inconsistent);
		} else {
			assert_int_equal(sv->server_order, SCANRES_NO);
			sorted(want, n);
			assert_memory_equal(sv->suites, want, n * sizeof(uint16_t));
		}
	}
	bool tls13 = (m->versions >> SCANRES_TLS13) & 1;
	if (tls13) {
		assert_int_equal(r->n_groups13, m->n_groups);
		/* the HRR group is chosen in the server's order */
		assert_memory_equal(r->groups13, m->groups, m->n_groups * sizeof(uint16_t));
		/* the model's TLS 1.3 schemes, in registry order (ascending code point here) */
		uint16_t s13[16];
		memcpy(s13, m->sigs13, m->n_sigs13 * sizeof(uint16_t));
		sorted(s13, m->n_sigs13);
		assert_int_equal(r->sigalgs13_known, SCANRES_YES);
		assert_int_equal(r->n_sigalgs13, m->n_sigs13);
		assert_memory_equal(r->sigalgs13, s13, m->n_sigs13 * sizeof(uint16_t));
	} else {
		assert_int_equal(r->n_groups13, 0);
		assert_int_equal(r->sigalgs13_known, SCANRES_NULL);
	}
	int maxv = -1, n_vers = 0;
	for (int v = SCANRES_SSL3; v <= SCANRES_TLS13; v++)
		if (m->versions & (1u << v))
			maxv = v, n_vers++;
	bool ecdhe12 = false;
	for (int v = SCANRES_SSL3; v <= SCANRES_TLS12; v++) {
		size_t n = (m->versions >> v) & 1 ? model_suites_at(m, v, want) : 0;
		for (size_t i = 0; i < n; i++)
			ecdhe12 = ecdhe12 || tls_reg_suite(want[i])->ske_kx == TLS_KX_ECDHE;
	}
	if (ecdhe12) {
		uint16_t g[16];
		memcpy(g, m->groups, m->n_groups * sizeof(uint16_t));
		assert_int_equal(r->n_groups12, m->n_groups);
		if (m->n_groups > 1)
			assert_int_equal(r->groups12_order, m->group_order ? SCANRES_YES : SCANRES_NO);
		if (!m->group_order)
			sorted(g, m->n_groups);
		assert_memory_equal(r->groups12, g, m->n_groups * sizeof(uint16_t));
	}
	if (ecdhe12 && (m->versions >> SCANRES_TLS12) & 1) {
		uint16_t s[16];
		memcpy(s, m->sigs, m->n_sigs * sizeof(uint16_t));
		sorted(s, m->n_sigs);
		assert_int_equal(r->sigalgs12_known, SCANRES_YES);
		assert_int_equal(r->n_sigalgs12, m->n_sigs);
		assert_memory_equal(r->sigalgs12, s, m->n_sigs * sizeof(uint16_t));
	}
	assert_int_equal(r->fallback_scsv, n_vers < 2 ? SCANRES_NULL
				: m->fallback ? SCANRES_YES : SCANRES_NO);
	bool both = tls13 && ((m->versions >> SCANRES_TLS12) & 1);
	assert_int_equal(r->downgrade_sentinel, !both ? SCANRES_NULL
				     : m->sentinel ? SCANRES_YES : SCANRES_NO);
	if (maxv >= SCANRES_TLS10 && (m->versions & 0x1f)) {
		assert_int_equal(r->extended_master_secret, m->ems ? SCANRES_YES : SCANRES_NO);
		assert_int_equal(r->secure_renegotiation, m->reneg ? SCANRES_YES : SCANRES_NO);
		assert_int_equal(r->session_ticket, m->ticket ? SCANRES_YES : SCANRES_NO);
	}
	/* intolerance: hellos above the highest version <= 1.2 that were closed */
	unsigned intol = 0;
	if (m->close_above && maxv < SCANRES_TLS13)
		for (int v = maxv + 1; v <= SCANRES_TLS12; v++)
			intol |= 1u << v;
	assert_int_equal(r->version_intolerance, intol);
	assert_false(r->has_error);
	/* evidence: one entry per connection, each request a ClientHello of ours */
	assert_int_equal(r->n_probes, r->connections);
	for (size_t i = 0; i < r->n_probes; i++) {
		assert_true(r->probes[i].request_len > 0);
		assert_true(r->probes[i].outcome[0] != '\0');
	}
}

/* ---- the cases --------------------------------------------------------------------------------- */

static const struct model models[] = {
	{
		.name = "modern, client order",
		.versions = 1u << SCANRES_TLS12 | 1u << SCANRES_TLS13,
		.suites = { 0xc02f, 0xc030, 0xc02b, 0xc02c, 0xcca8 }, .n_suites = 5,
		.suites13 = { 0x1302, 0x1303, 0x1301 }, .n_suites13 = 3,
		.groups = { 0x001d, 0x0017, 0x0018 }, .n_groups = 3,
		.sigs = { 0x0804, 0x0401, 0x0403 }, .n_sigs = 3,
		.sigs13 = { 0x0806, 0x0804, 0x0805, 0x0403 }, .n_sigs13 = 4, /* RSA + P-256 */
		.fallback = true, .sentinel = true, .ems = true, .reneg = true, .ticket = true,
	},
	{
		.name = "server order, suites across chunks (PSK, KRB5, Camellia-GCM)",
		.versions = 1u << SCANRES_TLS10 | 1u << SCANRES_TLS11 | 1u << SCANRES_TLS12,
		.suites = { 0xc08b, 0xc030, 0x00a8, 0x0020, 0xc014, 0x009c, 0x002f, 0x000a,
			    0xc012 }, .n_suites = 9,
		.server_order = true,
		.groups = { 0x0018, 0x001d }, .n_groups = 2, .group_order = true,
		.sigs = { 0x0601, 0x0401, 0x0201 }, .n_sigs = 3,
		.fallback = true, .sentinel = true, .reneg = true, .etm = true,
	},
	{
		.name = "TLS 1.3 only, HelloRetryRequest for x25519",
		.versions = 1u << SCANRES_TLS13,
		.suites13 = { 0x1301, 0x1302 }, .n_suites13 = 2, .server_order = true,
		.groups = { 0x0018 }, .n_groups = 1,
		.sigs13 = { 0x0503 }, .n_sigs13 = 1, /* a P-384 key */
	},
	{
		.name = "TLS 1.0 only, closes on higher versions, no SCSV",
		.versions = 1u << SCANRES_TLS10,
		.suites = { 0x002f, 0x0035, 0x000a }, .n_suites = 3,
		.close_above = true,
	},
	{
		.name = "chokes on hellos with more than 70 suites",
		.versions = 1u << SCANRES_TLS11 | 1u << SCANRES_TLS12,
		.suites = { 0x009c, 0x002f, 0x0035 }, .n_suites = 3, .server_order = true,
		.max_suites = 70, .fallback = true,
	},
	{
		.name = "SSLv2 to TLS 1.2, no extensions echoed",
		.versions = 1u << SCANRES_SSL2 | 1u << SCANRES_SSL3 | 1u << SCANRES_TLS10 | 1u << SCANRES_TLS11 |
			    1u << SCANRES_TLS12,
		.suites = { 0x0005, 0x0004, 0x000a, 0x002f }, .n_suites = 4,
		.v2_specs = { 0x0700c0, 0x010080, 0x020080 }, .n_v2_specs = 3,
	},
};

static void test_plan_models(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(models); i++) {
		const struct model *m = &models[i];
		print_message("model: %s\n", m->name);
		struct scan_result *r1 = scan_model(m, 1, IN_ORDER, 0);
		check_model(m, r1);
		char *f1 = facts(r1);
		for (unsigned k = 0; k < 3; k++) {
			struct scan_result *r4 = scan_model(m, 4, k == 0 ? REVERSED : SHUFFLED, k);
			check_model(m, r4);
			char *f4 = facts(r4);
			assert_string_equal(f1, f4);
			free(f4);
			scanres_free(r4);
		}
		free(f1);
		scanres_free(r1);
	}
}

/* Connections stay few: accepted suites + chunks + order probes, not one per suite. */
static void test_plan_cost(void **state)
{
	(void)state;
	struct scan_result *r = scan_model(&models[0], 4, IN_ORDER, 0);
	/* TLS 1.2: 5 accepted + 3 refusing chunks + 1 order test; TLS 1.3: 3 + 1 + 1;
	 * lower versions: 1 each (SSLv3: 2 chunks); SSLv2 1; groups 1.3: 3 + 1 + 1;
	 * groups 1.2: 3 + 1 + 1; sigalgs: RSA 2 + 1, ECDSA 1 + 1; fallback 1; TLS 1.3
	 * signature schemes: one per TLS 1.3 scheme of the registry */
	uint16_t s13[64];
	assert_true(r->connections <= 45 + plan_sigalgs13(s13, 64));
	assert_int_equal(r->connections, r->n_probes);
	scanres_free(r);
}

static const struct {
	const char *name;
	enum fail_mode fail;
	const char *error;
} failures[] = {
	{ "refused", M_REFUSED, "connection refused" },
	{ "silent", M_TIMEOUT, "timeout" },
	{ "http", M_GARBAGE, "not TLS" },
	{ "cut", M_CUT, "truncated response" },
	{ "appdata", M_APPDATA, "no ServerHello" },
};

static void test_plan_failures(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(failures); i++) {
		struct model m = { .fail = failures[i].fail };
		struct scan_result *r = scan_model(&m, 4, IN_ORDER, 0);
		assert_true(r->has_error);
		assert_string_equal(r->error, failures[i].error);
		assert_true(r->connections <= 4);
		for (int v = 0; v < SCANRES_NVER; v++)
			assert_int_equal(r->ver[v].supported, SCANRES_NULL);
		char *js = scanres_json(r, true);
		assert_non_null(strstr(js, "\"error\":\""));
		free(js);
		scanres_free(r);
	}
}

/* The ClientHello random is HMAC-SHA256(key, "tlsscope-random|ip|" port id), per OpenSSL. */
static void test_plan_keyed_random(void **state)
{
	(void)state;
	uint8_t key[32], mine[32], want[32];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	const uint8_t msg[] = "tlsscope-random|198.51.100.7|\x01\xbb\x00\x00\x01\x02";
	unsigned len = 0;
	assert_non_null(HMAC(EVP_sha256(), key, 32, msg, sizeof(msg) - 1, want, &len));
	assert_int_equal(len, 32);
	plan_keyed(key, "tlsscope-random", "198.51.100.7", 443, 0x102, mine);
	assert_memory_equal(mine, want, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_models),
		cmocka_unit_test(test_plan_cost),
		cmocka_unit_test(test_plan_failures),
		cmocka_unit_test(test_plan_keyed_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
