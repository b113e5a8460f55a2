/*
 * plan: the scan planner of one endpoint. The algorithm is described in plan.h; this file
 * holds the chains ("tasks") and their state machines.
 *
 *   plan_next ──▶ first task (in priority order) that is ready and not waiting for a
 *                 result ──▶ task_next builds its next hello ──▶ slot (id, request bytes)
 *   plan_result ─▶ slot of resp->id ──▶ plan_parse ──▶ evidence ──▶ task_result
 *   all tasks done ──▶ finish(): derived facts (lists, sentinel, features, intolerance)
 *
 * A task has at most one probe in flight. Strike loops share struct strike:
 *
 *   cand[0..n) in offer order, chunked by chunk_max:   [lo ....... hi) [hi ...) ...
 *   offer = unknown members of the current chunk ──▶ server picks c ──▶ c accepted,
 *                                                 └─▶ refusal ──▶ all offered refused
 *   a chunk with no unknown member left ──▶ next chunk; no chunk left ──▶ done
 *
 * Suite tasks then run the order passes (plan.h): PH_FWD1 (only when the accepted suites
 * came from several chunks), PH_REV (the order test, then the confirmation), PH_FWD (the
 * forward list, only in the several-chunk case).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "capture/wire/msg.h"
#include "capture/wire/rec.h"
#include "capture/wire/registry.h"
#include "scanner/plan.h"
#include "scanner/plan_int.h"
#include "scanner/result.h"

#define MAXC SCANRES_MAX_SUITES
/* Handshake messages the planner reads whole: ServerHello, ServerKeyExchange (an 8192-bit
 * DHE one is under 3 KiB). Longer ones (certificate chains) arrive cut, which is fine: they
 * are only counted. */
#define PLAN_MSG_MAX (16u << 10)
#define SMALL_OFFER PLAN_SMALL_OFFER /* tells a server choking on long hellos from one
					  that closes on every hello of a version */
#define ABORT_FAILS 3     /* failures before any TLS answer that end the endpoint */

/* ---- strike loops -------------------------------------------------------------------- */

enum { ST_UNKNOWN = 0, ST_ACCEPTED, ST_REFUSED };

struct strike {
	uint16_t cand[MAXC];
	uint8_t st[MAXC];
	uint8_t in_first[MAXC];  /* offered in the probe that found the first accepted one */
	size_t n;
	size_t lo, chunk_max;
	bool small_tested;       /* the short offer was tried after a choke */
	bool testing_small;      /* ... and its answer is pending */
	size_t resume_max;       /* chunk size to go on with when the short offer works */
	unsigned chunks_with_accepts;
	size_t last_accept_lo;
	uint16_t seq[MAXC];      /* accepted, in the order found */
	size_t n_seq;
	uint16_t offered[MAXC];  /* the last offer */
	size_t n_offered;
	bool offered_first_chunk_probe;
};

static void strike_init(struct strike *s, const uint16_t *cand, size_t n, size_t chunk_max)
{
	memset(s, 0, sizeof(*s));
	if (n > MAXC)
		n = MAXC;
	memcpy(s->cand, cand, n * sizeof(cand[0]));
	s->n = n;
	s->chunk_max = chunk_max ? chunk_max : 1;
	s->last_accept_lo = (size_t)-1;
}

/* Fills s->offered with the next offer; 0 when the loop is over. */
static size_t strike_next(struct strike *s)
{
	while (s->lo < s->n) {
		size_t hi = s->lo + s->chunk_max < s->n ? s->lo + s->chunk_max : s->n;
		s->n_offered = 0;
		for (size_t i = s->lo; i < hi; i++)
			if (s->st[i] == ST_UNKNOWN)
				s->offered[s->n_offered++] = s->cand[i];
		if (s->n_offered > 0)
			return s->n_offered;
		s->lo = hi;
	}
	s->n_offered = 0;
	return 0;
}

static ssize_t strike_index(const struct strike *s, uint16_t code)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->cand[i] == code)
			return (ssize_t)i;
	return -1;
}

static bool was_offered(const struct strike *s, uint16_t code)
{
	for (size_t i = 0; i < s->n_offered; i++)
		if (s->offered[i] == code)
			return true;
	return false;
}

/* The server chose code from the last offer. False when it was not offered. */
static bool strike_accept(struct strike *s, uint16_t code)
{
	ssize_t i = strike_index(s, code);
	if (i < 0 || !was_offered(s, code) || s->st[i] != ST_UNKNOWN)
		return false;
	s->st[i] = ST_ACCEPTED;
	s->seq[s->n_seq++] = code;
	if (s->n_seq == 1)
		for (size_t k = 0; k < s->n_offered; k++) {
			ssize_t j = strike_index(s, s->offered[k]);
			if (j >= 0)
				s->in_first[j] = 1;
		}
	if (s->last_accept_lo != s->lo) {
		s->chunks_with_accepts++;
		s->last_accept_lo = s->lo;
	}
	return true;
}

/* The server refused the last offer. */
static void strike_refuse(struct strike *s)
{
	for (size_t k = 0; k < s->n_offered; k++) {
		ssize_t j = strike_index(s, s->offered[k]);
		if (j >= 0 && s->st[j] == ST_UNKNOWN)
			s->st[j] = ST_REFUSED;
	}
}

enum choke {
	CHOKE_RETRY,    /* offer less next time */
	CHOKE_REFUSED,  /* count it as a refusal of the offer */
	CHOKE_ALL,      /* the server closes on every hello of this kind: stop */
};

/*
 * The server closed (or said decode_error) instead of answering the last offer. The first
 * time, a short offer (SMALL_OFFER codes) tells the two cases apart: answered, the server
 * chokes on long hellos, so the loop goes on with halved chunks (halved again at each
 * choke, down to SMALL_OFFER); closed too, the server closes on every such hello (a version
 * it is intolerant of), which ends the loop. Costs 1 probe, or 2 for a closing version.
 */
static enum choke strike_choked(struct strike *s)
{
	if (s->testing_small) {
		s->testing_small = false;
		for (size_t i = 0; i < s->n; i++)
			if (s->st[i] == ST_UNKNOWN)
				s->st[i] = ST_REFUSED;
		return CHOKE_ALL;
	}
	if (s->n_offered <= SMALL_OFFER)
		return CHOKE_REFUSED;
	if (!s->small_tested) {
		s->small_tested = true;
		s->testing_small = true;
		s->resume_max = s->n_offered / 2 > SMALL_OFFER ? s->n_offered / 2 : SMALL_OFFER;
		s->chunk_max = SMALL_OFFER;
		return CHOKE_RETRY;
	}
	s->chunk_max = s->n_offered / 2 > SMALL_OFFER ? s->n_offered / 2 : SMALL_OFFER;
	return CHOKE_RETRY;
}

/* An answer (not a choke) arrived: after the short offer, go on with longer ones. */
static void strike_answered(struct strike *s)
{
	if (s->testing_small) {
		s->testing_small = false;
		s->chunk_max = s->resume_max;
	}
}

/* Every accepted code was in the offer that found the first one (so the strike sequence is
 * a forward pass over the whole accepted set). */
static bool strike_first_covers(const struct strike *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->st[i] == ST_ACCEPTED && !s->in_first[i])
			return false;
	return true;
}

/* Accepted codes in candidate order. */
static size_t strike_accepted(const struct strike *s, uint16_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->st[i] == ST_ACCEPTED)
			out[n++] = s->cand[i];
	return n;
}

/* ---- passes over a known set ---------------------------------------------------------- */

struct pass {
	uint16_t left[MAXC];
	size_t n_left;
	uint16_t seq[MAXC];
	size_t n_seq;
};

static void pass_init(struct pass *ps, const uint16_t *set, size_t n, bool reversed)
{
	ps->n_left = n;
	ps->n_seq = 0;
	for (size_t i = 0; i < n; i++)
		ps->left[i] = reversed ? set[n - 1 - i] : set[i];
}

static bool pass_take(struct pass *ps, uint16_t code)
{
	for (size_t i = 0; i < ps->n_left; i++)
		if (ps->left[i] == code) {
			memmove(&ps->left[i], &ps->left[i + 1],
				(ps->n_left - i - 1) * sizeof(ps->left[0]));
			ps->n_left--;
			ps->seq[ps->n_seq++] = code;
			return true;
		}
	return false;
}

/* Moves what is left to the end of the sequence (the last one needs no probe). */
static void pass_close(struct pass *ps)
{
	for (size_t i = 0; i < ps->n_left; i++)
		ps->seq[ps->n_seq++] = ps->left[i];
	ps->n_left = 0;
}

/* ---- tasks --------------------------------------------------------------------------- */

enum task_kind {
	T_SUITES,
	T_SSL2,
	T_GROUPS13,
	T_GROUPS12,
	T_FFDHE,
	T_SIGALGS,
	T_SIGALGS13,
	T_FALLBACK,
};

enum phase {
	PH_ENUM = 0,   /* strike loop */
	PH_FWD1,       /* suites: first forward choice over the accepted set */
	PH_REV,        /* suites: reversed pass (the order test, then the confirmation) */
	PH_FWD,        /* suites: the rest of the forward pass */
	PH_ORDER,      /* groups: the order test (one probe) */
	PH_DEFAULT,    /* ffdhe: the hello without supported_groups */
};

struct task {
	enum task_kind kind;
	int ver;                /* T_SUITES: enum scanres_ver */
	enum phase phase;
	bool busy, done;
	struct strike sk;
	struct pass fwd, rev;
	uint16_t acc[MAXC];     /* accepted, candidate order */
	size_t n_acc;
	uint16_t first;         /* forward first choice */
	bool order_known;
	uint16_t vhello;        /* version of the hellos (ffdhe, fallback) */
	uint16_t suites[MAXC];  /* suites offered by group/ffdhe/sigalgs/fallback hellos */
	size_t n_suites;
	bool sent;              /* ffdhe: the PH_DEFAULT hello went out */
	bool unsure;            /* sigalgs13: a probe got neither a ServerHello nor an alert */
};

/* What the answers of one version said beyond its suites. */
struct vfacts {
	bool have;              /* the first accepting ServerHello of the version */
	uint32_t exts;
	uint8_t compression;
	bool has_alpn;
	char alpn[256];
	enum tls_downgrade downgrade;
	enum scanres_tri etm_cbc; /* encrypt_then_mac on the first CBC suite chosen */
	bool saw_sh;            /* any ServerHello at all answered this version's hellos */
};

struct slot {
	bool used;
	uint32_t id;
	struct task *t;
	uint8_t req[PROBE_MAX_HELLO];
	size_t req_len;
	uint8_t sid[32];
	size_t sid_len;
	char name[SCANRES_PROBE_NAME_MAX];
};

#define NTASKS 14
#define SIG13_CHAINS 2 /* sigalgs13 tasks, each probing every SIG13_CHAINS-th scheme */

struct plan {
	char host[SCANRES_HOST_MAX], ip[SCANRES_IP_MAX], sni[SCANRES_HOST_MAX];
	bool has_sni;
	uint16_t port;
	uint8_t key[32];
	struct scan_result *r;
	struct task tasks[NTASKS];
	size_t n_tasks;
	struct slot *slots;     /* max_inflight of them */
	unsigned max_inflight, inflight;
	uint32_t next_id;
	bool aborted, finished;
	bool tls_seen;
	unsigned early_fails;
	struct vfacts vf[SCANRES_NVER];
	uint16_t g13_seen;      /* group of a TLS 1.3 suite answer (HRR or key_share) */
	struct plan_answer ans;
	uint8_t msgbuf[PLAN_MSG_MAX];
};

static const uint16_t ver_code[SCANRES_NVER] = { TLS_V_SSL2, TLS_V_SSL3, TLS_V_TLS10,
						 TLS_V_TLS11, TLS_V_TLS12, TLS_V_TLS13 };

/* ---- candidate lists ----------------------------------------------------------------- */

/* Commonly deployed key exchanges first, so that one chunk usually holds all a server
 * accepts: (EC)DHE/RSA with RSA/ECDSA certificates, then anonymous (EC)DH, then DSS, then
 * the rest (PSK, SRP, KRB5, static (EC)DH, GOST, ...). */
static int suite_tier(const struct tls_suite_info *s)
{
	bool kx_common = !strcmp(s->kx, "ECDHE") || !strcmp(s->kx, "DHE") ||
			 !strcmp(s->kx, "RSA");
	bool au_common = !strcmp(s->auth, "RSA") || !strcmp(s->auth, "ECDSA");
	if (kx_common && au_common)
		return 0;
	if (!strcmp(s->auth, "anon") && (!strcmp(s->kx, "DH") || !strcmp(s->kx, "ECDH")))
		return 1;
	if (!strcmp(s->auth, "DSS"))
		return 2;
	return 3;
}

static bool eligible(const struct tls_suite_info *s, int ver)
{
	if (s->scsv)
		return false;
	if (ver == SCANRES_TLS13)
		return s->tls13_only;
	if (s->tls13_only || !s->min_version)
		return false;
	if (ver == SCANRES_TLS12)
		return true;
	/* SSLv3 .. TLS 1.1: suites defined before TLS 1.2 */
	return !strcmp(s->min_version, "SSLv3") || !strcmp(s->min_version, "TLSv1.0");
}

/* Suites for ver (T_SUITES) in tier order; or, with kx_filter, those whose
 * ServerKeyExchange is one of the given kinds (any version up to TLS 1.2) and, with auth,
 * whose authentication is that one ("RSA", "ECDSA"). */
static size_t suite_list(int ver, const enum tls_kx *kx_filter, size_t n_kx, const char *auth,
			 uint16_t *out, size_t cap)
{
	size_t n = 0;
	for (int tier = 0; tier < 4; tier++)
		for (size_t i = 0; i < tls_reg_suite_count() && n < cap; i++) {
			const struct tls_suite_info *s = tls_reg_suite_at(i);
			if (!eligible(s, ver) || suite_tier(s) != tier)
				continue;
			if (auth && strcmp(s->auth, auth) != 0)
				continue;
			if (n_kx) {
				bool ok = false;
				for (size_t k = 0; k < n_kx; k++)
					ok = ok || s->ske_kx == kx_filter[k];
				if (!ok)
					continue;
			}
			out[n++] = s->code;
		}
	return n;
}

static bool is_cbc(uint16_t suite)
{
	const struct tls_suite_info *s = tls_reg_suite(suite);
	return s && strstr(s->enc, "CBC") != NULL;
}

/* ---- lifecycle ----------------------------------------------------------------------- */

static void add_task(struct plan *p, enum task_kind kind, int ver)
{
	struct task *t = &p->tasks[p->n_tasks++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->ver = ver;
	uint16_t list[MAXC];
	size_t n = 0;
	switch (kind) {
	case T_SUITES:
		n = suite_list(ver, NULL, 0, NULL, list, MAXC);
		strike_init(&t->sk, list, n, PLAN_CHUNK);
		break;
	case T_GROUPS13:
		n = plan_all_groups(list, MAXC);
		strike_init(&t->sk, list, n, n);
		t->n_suites = suite_list(SCANRES_TLS13, NULL, 0, NULL, t->suites, MAXC);
		break;
	case T_GROUPS12: {
		static const enum tls_kx ecdhe[] = { TLS_KX_ECDHE };
		n = plan_ec_groups(list, MAXC);
		strike_init(&t->sk, list, n, n);
		t->n_suites = suite_list(SCANRES_TLS12, ecdhe, 1, NULL, t->suites, PLAN_CHUNK);
		break;
	}
	case T_SIGALGS: {
		static const enum tls_kx signed_kx[] = { TLS_KX_ECDHE, TLS_KX_DHE };
		n = plan_all_sigalgs(list, MAXC);
		strike_init(&t->sk, list, n, n);
		/* one chain per certificate kind: a server whose RSA schemes are all struck
		 * may fail rather than switch to its ECDSA certificate (OpenSSL does, when
		 * rsa_pss_pss_* is still offered) */
		t->n_suites = suite_list(SCANRES_TLS12, signed_kx, 2, ver ? "ECDSA" : "RSA",
					 t->suites, PLAN_CHUNK);
		break;
	}
	case T_SIGALGS13: {
		uint16_t all[MAXC];
		size_t na = plan_sigalgs13(all, MAXC);
		for (size_t i = (size_t)ver; i < na; i += SIG13_CHAINS)
			list[n++] = all[i];
		strike_init(&t->sk, list, n, 1); /* one scheme per hello */
		t->n_suites = suite_list(SCANRES_TLS13, NULL, 0, NULL, t->suites, MAXC);
		break;
	}
	case T_FFDHE:
		for (uint16_t g = 0x0100; g <= 0x0104; g++)
			list[n++] = g;
		strike_init(&t->sk, list, n, n);
		break;
	case T_SSL2:
	case T_FALLBACK:
		break;
	}
}

struct plan *plan_new(const struct plan_opts *o)
{
	struct plan *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->r = scanres_new();
	if (!p->r) {
		free(p);
		return NULL;
	}
	snprintf(p->host, sizeof(p->host), "%s", o->host ? o->host : "");
	snprintf(p->ip, sizeof(p->ip), "%s", o->ip ? o->ip : "");
	p->has_sni = o->sni && *o->sni;
	snprintf(p->sni, sizeof(p->sni), "%s", p->has_sni ? o->sni : "");
	p->port = o->port;
	memcpy(p->key, o->key, sizeof(p->key));
	p->max_inflight = o->max_inflight ? o->max_inflight : PLAN_INFLIGHT_DEFAULT;
	if (p->max_inflight > PLAN_INFLIGHT_MAX)
		p->max_inflight = PLAN_INFLIGHT_MAX;
	p->slots = calloc(p->max_inflight, sizeof(*p->slots));
	if (!p->slots) {
		scanres_free(p->r);
		free(p);
		return NULL;
	}

	struct scan_result *r = p->r;
	snprintf(r->host, sizeof(r->host), "%s", p->host);
	snprintf(r->ip, sizeof(r->ip), "%s", p->ip);
	snprintf(r->sni, sizeof(r->sni), "%s", p->sni);
	r->port = p->port;
	const char *h = *p->host ? p->host : p->ip;
	if (strchr(h, ':'))
		snprintf(r->target, sizeof(r->target), "[%s]:%u", h, (unsigned)p->port);
	else
		snprintf(r->target, sizeof(r->target), "%s:%u", h, (unsigned)p->port);

	/* priority order: the longest chains first */
	add_task(p, T_SUITES, SCANRES_TLS12);
	add_task(p, T_SUITES, SCANRES_TLS13);
	add_task(p, T_SUITES, SCANRES_TLS11);
	add_task(p, T_SUITES, SCANRES_TLS10);
	add_task(p, T_SIGALGS, 0); /* RSA certificates (RSA, RSA-PSS keys) */
	add_task(p, T_SIGALGS, 1); /* ECDSA / EdDSA certificates */
	add_task(p, T_GROUPS12, 0);
	add_task(p, T_GROUPS13, 0);
	for (int k = 0; k < SIG13_CHAINS; k++)
		add_task(p, T_SIGALGS13, k);
	add_task(p, T_SUITES, SCANRES_SSL3);
	add_task(p, T_SSL2, 0);
	add_task(p, T_FFDHE, 0);
	add_task(p, T_FALLBACK, 0);
	return p;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	scanres_free(p->r);
	free(p->slots);
	free(p);
}

const struct scan_result *plan_outcome(const struct plan *p)
{
	return p->r;
}

struct scan_result *plan_take_result(struct plan *p)
{
	struct scan_result *r = p->r;
	p->r = NULL;
	return r;
}

/* ---- helpers ------------------------------------------------------------------------- */

static struct task *find_suites(struct plan *p, int ver)
{
	for (size_t i = 0; i < p->n_tasks; i++)
		if (p->tasks[i].kind == T_SUITES && p->tasks[i].ver == ver)
			return &p->tasks[i];
	return NULL;
}

/* All suite chains of versions <= TLS 1.2 (or all, with tls13) are over. */
static bool suites_done(struct plan *p, bool tls13)
{
	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct task *t = &p->tasks[i];
		if (t->kind == T_SUITES && (tls13 || t->ver != SCANRES_TLS13) && !t->done)
			return false;
	}
	return true;
}

static bool enum_over(const struct task *t)
{
	return t->done || t->phase != PH_ENUM;
}

static size_t sorted_copy(const uint16_t *in, size_t n, uint16_t *out)
{
	memmove(out, in, n * sizeof(in[0]));
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
			uint16_t tmp = out[j];
			out[j] = out[j - 1];
			out[j - 1] = tmp;
		}
	return n;
}

static bool has_code(const uint16_t *l, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

/* ---- building the next probe of a task ------------------------------------------------ */

/* Which hello a task sends next; false when the task has nothing more to ask (it is then
 * done) or must wait (*wait set). */
static bool task_hello(struct plan *p, struct task *t, struct plan_hello *h, bool *full,
		       char *name, size_t name_cap, bool *wait)
{
	memset(h, 0, sizeof(*h));
	*full = false;
	*wait = false;
	switch (t->kind) {
	case T_SUITES: {
		uint16_t v = ver_code[t->ver];
		const char *vn = scanres_ver_name((enum scanres_ver)t->ver);
		h->version = v;
		if (t->phase == PH_ENUM) {
			if (!strike_next(&t->sk))
				return false;
			h->suites = t->sk.offered;
			h->n_suites = t->sk.n_offered;
			snprintf(name, name_cap, "suites-%s", vn);
		} else {
			struct pass *ps = t->phase == PH_REV ? &t->rev : &t->fwd;
			h->suites = ps->left;
			h->n_suites = ps->n_left;
			snprintf(name, name_cap, "order-%s-%s", t->phase == PH_REV ? "rev" : "fwd",
				 vn);
		}
		return true;
	}
	case T_SSL2:
		h->version = TLS_V_SSL2;
		snprintf(name, name_cap, "sslv2");
		return true;
	case T_GROUPS13: {
		struct task *e = find_suites(p, SCANRES_TLS13);
		if (p->r->ver[SCANRES_TLS13].supported != SCANRES_YES) {
			if (!enum_over(e))
				*wait = true;
			return false;
		}
		if (t->phase == PH_ENUM) {
			if (!strike_next(&t->sk))
				return false;
			h->groups = t->sk.offered;
			h->n_groups = t->sk.n_offered;
		} else {
			h->groups = t->rev.left;
			h->n_groups = t->rev.n_left;
		}
		h->version = TLS_V_TLS13;
		h->suites = t->suites;
		h->n_suites = t->n_suites;
		h->empty_key_share = true;
		snprintf(name, name_cap, "groups-TLSv1.3%s", t->phase == PH_ORDER ? "-order" : "");
		return true;
	}
	case T_SIGALGS13: {
		struct task *e = find_suites(p, SCANRES_TLS13);
		if (p->r->ver[SCANRES_TLS13].supported != SCANRES_YES) {
			if (!enum_over(e))
				*wait = true;
			return false;
		}
		/* the key share, and the only group offered: x25519 when an x25519 share was
		 * answered without an HRR; else (after the groups13 chain) x25519 or the first
		 * group it found that we can send a share of */
		uint16_t ks = 0x001d;
		if (p->r->tls13_hrr != SCANRES_NO) {
			struct task *g = NULL;
			for (size_t i = 0; i < p->n_tasks; i++)
				if (p->tasks[i].kind == T_GROUPS13)
					g = &p->tasks[i];
			if (!enum_over(g)) {
				*wait = true;
				return false;
			}
			uint16_t acc[MAXC];
			size_t na = strike_accepted(&g->sk, acc);
			ks = 0;
			for (size_t i = 0; i < na && ks != 0x001d; i++)
				if (plan_key_share_ok(acc[i]) && (!ks || acc[i] == 0x001d))
					ks = acc[i];
			if (!ks) {
				t->unsure = true; /* no group we can send a share of: not measured */
				return false;
			}
		}
		if (!strike_next(&t->sk))
			return false;
		h->version = TLS_V_TLS13;
		h->suites = t->suites;
		h->n_suites = t->n_suites;
		h->sig_algs = t->sk.offered;
		h->n_sig_algs = 1;
		h->key_share = ks;
		h->groups = &t->first;
		h->n_groups = 1;
		t->first = ks;
		char buf[7];
		snprintf(name, name_cap, "sigalgs-TLSv1.3-%s",
			 tls_reg_sigscheme_name(t->sk.offered[0], buf));
		return true;
	}
	case T_GROUPS12:
	case T_SIGALGS: {
		const uint16_t *list;
		size_t n;
		if (t->phase == PH_ENUM) {
			if (!strike_next(&t->sk))
				return false;
			list = t->sk.offered;
			n = t->sk.n_offered;
		} else {
			list = t->rev.left;
			n = t->rev.n_left;
		}
		if (t->n_suites == 0)
			return false;
		h->version = TLS_V_TLS12;
		h->suites = t->suites;
		h->n_suites = t->n_suites;
		if (t->kind == T_GROUPS12) {
			h->groups = list;
			h->n_groups = n;
			snprintf(name, name_cap, "groups-TLSv1.2%s",
				 t->phase == PH_ORDER ? "-order" : "");
		} else {
			h->sig_algs = list;
			h->n_sig_algs = n;
			snprintf(name, name_cap, "sigalgs-TLSv1.2-%s", t->ver ? "ecdsa" : "rsa");
		}
		*full = true;
		return true;
	}
	case T_FFDHE: {
		if (!suites_done(p, false)) {
			*wait = true;
			return false;
		}
		if (t->vhello == 0) {
			/* the highest version <= 1.2 with accepted DHE suites */
			for (int v = SCANRES_TLS12; v >= SCANRES_SSL3 && !t->vhello; v--) {
				uint16_t acc[MAXC];
				size_t na = strike_accepted(&find_suites(p, v)->sk, acc), n = 0;
				for (size_t i = 0; i < na; i++) {
					const struct tls_suite_info *s = tls_reg_suite(acc[i]);
					if (s && s->ske_kx == TLS_KX_DHE)
						t->suites[n++] = acc[i];
				}
				if (n) {
					t->n_suites = n;
					t->vhello = ver_code[v];
				}
			}
			if (!t->vhello)
				return false;
		}
		h->version = t->vhello;
		h->suites = t->suites;
		h->n_suites = t->n_suites;
		if (t->phase == PH_ENUM) {
			if (!strike_next(&t->sk)) {
				t->phase = PH_DEFAULT;
				return task_hello(p, t, h, full, name, name_cap, wait);
			}
			h->groups = t->sk.offered;
			h->n_groups = t->sk.n_offered;
			snprintf(name, name_cap, "ffdhe");
		} else if (t->phase == PH_DEFAULT && !t->sent) {
			h->no_groups = true;
			snprintf(name, name_cap, "dhe-default");
			t->sent = true;
		} else {
			return false;
		}
		*full = true;
		return true;
	}
	case T_FALLBACK: {
		if (!suites_done(p, true)) {
			*wait = true;
			return false;
		}
		if (t->phase != PH_ENUM || t->vhello)
			return false;
		int hi = -1, second = -1;
		for (int v = SCANRES_TLS13; v >= SCANRES_SSL3; v--)
			if (p->r->ver[v].supported == SCANRES_YES) {
				if (hi < 0)
					hi = v;
				else if (second < 0)
					second = v;
			}
		if (second < 0)
			return false;
		t->vhello = ver_code[second];
		t->n_suites = strike_accepted(&find_suites(p, second)->sk, t->suites);
		h->version = t->vhello;
		h->suites = t->suites;
		h->n_suites = t->n_suites;
		h->fallback_scsv = true;
		snprintf(name, name_cap, "fallback-scsv-%s",
			 scanres_ver_name((enum scanres_ver)second));
		return true;
	}
	}
	return false;
}

/* ---- what answers prove ---------------------------------------------------------------- */

static bool is_refusal(const struct plan_answer *a)
{
	return a->kind != PLAN_ANS_SH && a->kind != PLAN_ANS_HRR;
}

/* Records the per-version facts of a ServerHello that answered a hello of version ver. */
static void note_facts(struct plan *p, int ver, const struct plan_answer *a, bool accepted)
{
	struct vfacts *f = &p->vf[ver];
	f->saw_sh = true;
	if (!accepted)
		return;
	if (!f->have) {
		f->have = true;
		f->exts = a->exts;
		f->compression = a->compression;
		f->has_alpn = a->has_alpn;
		memcpy(f->alpn, a->alpn, sizeof(f->alpn));
		f->downgrade = a->downgrade;
	}
	if (f->etm_cbc == SCANRES_NULL && is_cbc(a->suite))
		f->etm_cbc = (a->exts & PLAN_X_ETM) ? SCANRES_YES : SCANRES_NO;
}

/* The strike loop of a suite task is over: decide what comes next. */
static void suites_enum_over(struct plan *p, struct task *t)
{
	struct scanres_version *sv = &p->r->ver[t->ver];
	t->n_acc = strike_accepted(&t->sk, t->acc);
	if (t->n_acc == 0) {
		if (sv->supported != SCANRES_YES)
			sv->supported = SCANRES_NO;
		t->done = true;
		return;
	}
	sv->supported = SCANRES_YES;
	if (t->n_acc < 2) {
		t->done = true;
		return;
	}
	pass_init(&t->rev, t->acc, t->n_acc, true);
	if (strike_first_covers(&t->sk)) {
		/* the strike sequence was a forward pass over the whole accepted set */
		memcpy(t->fwd.seq, t->sk.seq, t->sk.n_seq * sizeof(t->fwd.seq[0]));
		t->fwd.n_seq = t->sk.n_seq;
		t->fwd.n_left = 0;
		t->first = t->sk.seq[0];
		t->order_known = true;
		t->phase = PH_REV;
	} else {
		pass_init(&t->fwd, t->acc, t->n_acc, false);
		t->phase = PH_FWD1;
	}
}

static void suites_result(struct plan *p, struct task *t, const struct plan_answer *a,
			  enum probe_transport tr)
{
	struct scanres_version *sv = &p->r->ver[t->ver];
	uint16_t v = ver_code[t->ver];
	bool sh = !is_refusal(a);

	if (sh && a->kind == PLAN_ANS_SH && a->version != v) {
		note_facts(p, t->ver, a, false);
		if (t->phase == PH_ENUM && t->sk.n_seq == 0 && a->version < v) {
			sv->selected_instead = a->version;
			sv->supported = SCANRES_NO;
			t->done = true;
			return;
		}
		sh = false; /* inconsistent: treat as a refusal */
	}
	if (sh && t->ver == SCANRES_TLS13 && !p->g13_seen && a->group)
		p->g13_seen = a->group;
	if (sh && t->ver == SCANRES_TLS13 && p->r->tls13_hrr == SCANRES_NULL &&
	    t->phase == PH_ENUM && t->sk.n_seq == 0)
		p->r->tls13_hrr = a->kind == PLAN_ANS_HRR ? SCANRES_YES : SCANRES_NO;

	switch (t->phase) {
	case PH_ENUM:
		if (sh || (a->kind == PLAN_ANS_ALERT && a->alert_desc != 50))
			strike_answered(&t->sk);
		if (sh) {
			if (!strike_accept(&t->sk, a->suite)) {
				suites_enum_over(p, t); /* an unoffered suite: stop here */
				return;
			}
			sv->supported = SCANRES_YES;
			note_facts(p, t->ver, a, true);
		} else if (a->kind == PLAN_ANS_ALERT && a->alert_desc == 70 && t->sk.n_seq == 0) {
			sv->supported = SCANRES_NO; /* protocol_version */
			t->done = true;
			return;
		} else if ((a->kind == PLAN_ANS_NONE &&
			    (tr == PROBE_T_CLOSED || tr == PROBE_T_RESET || tr == PROBE_T_DONE)) ||
			   (a->kind == PLAN_ANS_ALERT && a->alert_desc == 50)) {
			if (strike_choked(&t->sk) == CHOKE_REFUSED)
				strike_refuse(&t->sk);
		} else {
			strike_refuse(&t->sk);
		}
		if (!strike_next(&t->sk))
			suites_enum_over(p, t);
		return;
	case PH_FWD1:
		if (!sh || !pass_take(&t->fwd, a->suite)) {
			t->done = true; /* inconsistent server: keep the set, no order */
			return;
		}
		t->first = a->suite;
		t->order_known = true;
		t->phase = PH_REV;
		return;
	case PH_REV:
		if (!sh || !pass_take(&t->rev, a->suite)) {
			/* inconsistent answer: the order test (first probe) stays undecided;
			 * later, the confirmation stops here */
			if (t->rev.n_seq > 0 && t->fwd.n_left > 1)
				t->phase = PH_FWD;
			else
				t->done = true;
			return;
		}
		if (t->rev.n_seq == 1) {
			sv->server_order = a->suite == t->first ? SCANRES_YES : SCANRES_NO;
			if (sv->server_order == SCANRES_NO) {
				t->done = true;
				return;
			}
		}
		if (t->rev.n_seq >= PLAN_ORDER_CHECK || t->rev.n_left <= 1) {
			if (t->fwd.n_left > 1)
				t->phase = PH_FWD;
			else
				t->done = true;
		}
		return;
	case PH_FWD:
		if (!sh || !pass_take(&t->fwd, a->suite)) {
			t->done = true;
			return;
		}
		if (t->fwd.n_left <= 1)
			t->done = true;
		return;
	default:
		t->done = true;
		return;
	}
}

/* Strike-loop tasks over groups / signature schemes: the chosen code, 0 for a refusal. */
static uint16_t chosen_code(const struct task *t, const struct plan_answer *a, bool *odd)
{
	*odd = false;
	switch (t->kind) {
	case T_GROUPS13:
		if ((a->kind == PLAN_ANS_HRR || a->kind == PLAN_ANS_SH) &&
		    a->version == TLS_V_TLS13 && a->group)
			return a->group;
		if (a->kind == PLAN_ANS_SH)
			*odd = true;
		return 0;
	case T_GROUPS12:
		if (a->kind == PLAN_ANS_SH) {
			if (a->ske && a->ske_group)
				return a->ske_group;
			*odd = true;
		}
		return 0;
	case T_SIGALGS:
		if (a->kind == PLAN_ANS_SH) {
			if (a->version == TLS_V_TLS12 && a->ske && a->ske_sig)
				return a->ske_sig;
			*odd = true;
		}
		return 0;
	default:
		return 0;
	}
}

/* groups13 / groups12 / sigalgs: strike loop, then (groups) the order test. */
static void list_task_result(struct plan *p, struct task *t, const struct plan_answer *a)
{
	bool odd;
	uint16_t c = chosen_code(t, a, &odd);
	if (t->kind == T_SIGALGS && a->kind == PLAN_ANS_SH && a->version != TLS_V_TLS12) {
		t->done = true; /* no TLS 1.2: no signature schemes to read */
		return;
	}
	if (t->phase == PH_ENUM) {
		if (c) {
			if (!strike_accept(&t->sk, c)) {
				/* the server ignored our list (picked an unoffered code): record
				 * it and stop */
				if (!has_code(t->sk.seq, t->sk.n_seq, c) && t->sk.n_seq < MAXC)
					t->sk.seq[t->sk.n_seq++] = c;
				odd = true;
			}
		} else if (!odd) {
			strike_refuse(&t->sk);
		}
		if (!odd && strike_next(&t->sk))
			return;
		/* the loop is over */
		t->n_acc = t->sk.n_seq;
		memcpy(t->acc, t->sk.seq, t->n_acc * sizeof(t->acc[0]));
		if (t->kind != T_SIGALGS && t->n_acc >= 2 && !odd) {
			uint16_t setv[MAXC];
			size_t n = strike_accepted(&t->sk, setv);
			pass_init(&t->rev, setv, n, true);
			t->phase = PH_ORDER;
			return;
		}
		t->done = true;
		return;
	}
	/* PH_ORDER */
	enum scanres_tri order = SCANRES_NULL;
	if (c)
		order = c == t->acc[0] ? SCANRES_YES : SCANRES_NO;
	if (t->kind == T_GROUPS13)
		p->r->groups13_order = order;
	else
		p->r->groups12_order = order;
	t->done = true;
}

static void ffdhe_result(struct plan *p, struct task *t, const struct plan_answer *a)
{
	struct scan_result *r = p->r;
	bool got = a->kind == PLAN_ANS_SH && a->ske && a->dh_bits;
	if (got) {
		const char *name = a->dh_prime ? a->dh_prime : "";
		bool dup = false;
		for (size_t i = 0; i < r->n_dhe; i++)
			dup = dup || (r->dhe[i].bits == a->dh_bits && !strcmp(r->dhe[i].prime, name));
		if (!dup && r->n_dhe < SCANRES_MAX_DHE) {
			r->dhe[r->n_dhe].bits = a->dh_bits;
			snprintf(r->dhe[r->n_dhe].prime, sizeof(r->dhe[0].prime), "%s", name);
			r->n_dhe++;
		}
		if (a->ffdhe && !has_code(r->ffdhe12, r->n_ffdhe12, a->ffdhe) && r->n_ffdhe12 < 8)
			r->ffdhe12[r->n_ffdhe12++] = a->ffdhe;
	}
	if (t->phase == PH_DEFAULT) {
		t->done = true;
		return;
	}
	if (got && a->ffdhe && strike_accept(&t->sk, a->ffdhe)) {
		/* the prime is an offered group: negotiated, unless a later hello without it
		 * gets the same prime */
		r->ffdhe_negotiated = SCANRES_YES;
		if (!strike_next(&t->sk))
			t->phase = PH_DEFAULT;
		return;
	}
	if (got) {
		/* a prime that is not an offered group: the server ignores RFC 7919, and this
		 * prime is what every client gets */
		r->ffdhe_negotiated = SCANRES_NO;
		t->done = true;
		return;
	}
	/* refused: no offered group acceptable (or no DHE at all): ask without the list */
	strike_refuse(&t->sk);
	t->phase = PH_DEFAULT;
}

static void task_result(struct plan *p, struct task *t, const struct plan_answer *a,
			enum probe_transport tr)
{
	switch (t->kind) {
	case T_SUITES:
		suites_result(p, t, a, tr);
		return;
	case T_SSL2: {
		struct scanres_version *sv = &p->r->ver[SCANRES_SSL2];
		if (a->kind == PLAN_ANS_SSLV2 && a->n_v2_specs > 0) {
			sv->supported = SCANRES_YES;
			memcpy(p->r->sslv2_specs, a->v2_specs, a->n_v2_specs * sizeof(uint32_t));
			p->r->n_sslv2_specs = a->n_v2_specs;
		} else {
			sv->supported = SCANRES_NO;
		}
		t->done = true;
		return;
	}
	case T_GROUPS13:
	case T_GROUPS12:
	case T_SIGALGS:
		list_task_result(p, t, a);
		return;
	case T_SIGALGS13:
		/* RFC 8446 §4.4.3: the server signs with a scheme of the client's list, else
		 * aborts: a ServerHello means it can sign with the one offered scheme */
		if (a->kind == PLAN_ANS_SH && a->version == TLS_V_TLS13) {
			if (!strike_accept(&t->sk, t->sk.offered[0]))
				t->unsure = true;
		} else {
			if (a->kind != PLAN_ANS_ALERT)
				t->unsure = true; /* HRR, close, timeout: no answer to the question */
			strike_refuse(&t->sk);
		}
		if (!strike_next(&t->sk))
			t->done = true;
		return;
	case T_FFDHE:
		ffdhe_result(p, t, a);
		return;
	case T_FALLBACK:
		if (a->kind == PLAN_ANS_ALERT && a->alert_desc == 86)
			p->r->fallback_scsv = SCANRES_YES;
		else if (a->kind == PLAN_ANS_SH)
			p->r->fallback_scsv = SCANRES_NO;
		t->done = true;
		return;
	}
}

/* ---- the end ------------------------------------------------------------------------- */

static void finish(struct plan *p)
{
	struct scan_result *r = p->r;
	if (p->finished)
		return;
	p->finished = true;
	if (p->aborted) {
		/* nothing the probes said before the endpoint failed is a fact */
		for (int v = 0; v < SCANRES_NVER; v++) {
			r->ver[v].supported = SCANRES_NULL;
			r->ver[v].n_suites = 0;
			r->ver[v].server_order = SCANRES_NULL;
		}
		r->tls13_hrr = SCANRES_NULL;
		return;
	}

	int maxv = -1;
	for (int v = 0; v < SCANRES_NVER; v++) {
		struct scanres_version *sv = &r->ver[v];
		if (sv->supported != SCANRES_YES) {
			sv->supported = SCANRES_NO;
			sv->n_suites = 0;
			continue;
		}
		maxv = v;
	}
	/* suite lists */
	for (size_t i = 0; i < p->n_tasks; i++) {
		struct task *t = &p->tasks[i];
		if (t->kind != T_SUITES || r->ver[t->ver].supported != SCANRES_YES)
			continue;
		struct scanres_version *sv = &r->ver[t->ver];
		size_t n = strike_accepted(&t->sk, t->acc);
		if (sv->server_order == SCANRES_YES) {
			pass_close(&t->fwd);
			memcpy(sv->suites, t->fwd.seq, t->fwd.n_seq * sizeof(uint16_t));
			sv->n_suites = t->fwd.n_seq;
			unsigned ok = 0;
			for (size_t k = 0; k < t->rev.n_seq && k < t->fwd.n_seq; k++) {
				if (t->rev.seq[k] != t->fwd.seq[k]) {
					sv->order_inconsistent = true;
					break;
				}
				ok++;
			}
			sv->order_checked = ok;
		} else {
			sv->n_suites = sorted_copy(t->acc, n, sv->suites);
		}
	}
	/* groups */
	for (size_t i = 0; i < p->n_tasks; i++) {
		struct task *t = &p->tasks[i];
		uint16_t *dst;
		size_t *nd;
		enum scanres_tri order;
		if (t->kind == T_GROUPS13) {
			dst = r->groups13, nd = &r->n_groups13, order = r->groups13_order;
		} else if (t->kind == T_GROUPS12) {
			dst = r->groups12, nd = &r->n_groups12, order = r->groups12_order;
		} else if (t->kind == T_SIGALGS) {
			for (size_t k = 0; k < t->n_acc; k++)
				if (!has_code(r->sigalgs12, r->n_sigalgs12, t->acc[k]) &&
				    r->n_sigalgs12 < SCANRES_MAX_SIGALGS)
					r->sigalgs12[r->n_sigalgs12++] = t->acc[k];
			if (t->n_acc)
				r->sigalgs12_known = SCANRES_YES;
			sorted_copy(r->sigalgs12, r->n_sigalgs12, r->sigalgs12);
			continue;
		} else {
			continue;
		}
		size_t n = t->n_acc < SCANRES_MAX_GROUPS ? t->n_acc : SCANRES_MAX_GROUPS;
		if (order == SCANRES_YES)
			memcpy(dst, t->acc, n * sizeof(uint16_t));
		else
			sorted_copy(t->acc, n, dst);
		*nd = n;
	}
	/* TLS 1.3 signature schemes: registry order (the chains interleave it) */
	bool sig13 = r->ver[SCANRES_TLS13].supported == SCANRES_YES;
	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct task *t = &p->tasks[i];
		if (t->kind == T_SIGALGS13 && (t->unsure || !t->done || t->sk.lo < t->sk.n))
			sig13 = false;
	}
	if (sig13) {
		uint16_t all[MAXC];
		size_t na = plan_sigalgs13(all, MAXC);
		for (size_t k = 0; k < na && r->n_sigalgs13 < SCANRES_MAX_SIGALGS; k++)
			for (size_t i = 0; i < p->n_tasks; i++) {
				const struct task *t = &p->tasks[i];
				ssize_t j = t->kind == T_SIGALGS13 ? strike_index(&t->sk, all[k]) : -1;
				if (j >= 0 && t->sk.st[j] == ST_ACCEPTED)
					r->sigalgs13[r->n_sigalgs13++] = all[k];
			}
		r->sigalgs13_known = SCANRES_YES;
	}
	if (r->n_groups13 == 0 && p->g13_seen && r->ver[SCANRES_TLS13].supported == SCANRES_YES)
		r->groups13[r->n_groups13++] = p->g13_seen;

	/* downgrade sentinels */
	if (r->ver[SCANRES_TLS13].supported == SCANRES_YES &&
	    r->ver[SCANRES_TLS12].supported == SCANRES_YES && p->vf[SCANRES_TLS12].have)
		r->downgrade_sentinel = p->vf[SCANRES_TLS12].downgrade == TLS_DOWNGRADE_TLS12
					? SCANRES_YES : SCANRES_NO;
	if (maxv >= SCANRES_TLS12)
		for (int v = SCANRES_TLS11; v >= SCANRES_TLS10; v--)
			if (r->ver[v].supported == SCANRES_YES && p->vf[v].have) {
				r->downgrade_sentinel11 = p->vf[v].downgrade == TLS_DOWNGRADE_TLS11
							  ? SCANRES_YES : SCANRES_NO;
				break;
			}

	/* features: the highest version <= TLS 1.2 */
	for (int v = SCANRES_TLS12; v >= SCANRES_SSL3; v--) {
		const struct vfacts *f = &p->vf[v];
		if (r->ver[v].supported != SCANRES_YES || !f->have)
			continue;
		r->features_version = ver_code[v];
		r->compression = f->compression == 1 ? SCANRES_YES : SCANRES_NO;
		if (v == SCANRES_SSL3)
			break; /* no extensions were sent */
#define TRI(bit) ((f->exts & (bit)) ? SCANRES_YES : SCANRES_NO)
		r->secure_renegotiation = TRI(PLAN_X_RENEG);
		r->extended_master_secret = TRI(PLAN_X_EMS);
		r->session_ticket = TRI(PLAN_X_TICKET);
		r->heartbeat = TRI(PLAN_X_HEARTBEAT);
		r->ocsp_stapling = TRI(PLAN_X_STATUS);
#undef TRI
		r->alpn = f->has_alpn ? SCANRES_YES : SCANRES_NO;
		memcpy(r->alpn_selected, f->alpn, sizeof(r->alpn_selected));
		r->encrypt_then_mac = f->etm_cbc;
		break;
	}

	/* version intolerance: a hello above the highest version that got no lower version */
	if (maxv >= SCANRES_SSL3)
		for (int v = maxv + 1; v <= SCANRES_TLS12; v++)
			if (!r->ver[v].selected_instead && !p->vf[v].saw_sh)
				r->version_intolerance |= 1u << v;

	if (!p->tls_seen && !r->has_error)
		scanres_set_error(r, "no TLS answer");
}

/* ---- plan_next / plan_result ---------------------------------------------------------- */

static struct slot *free_slot(struct plan *p)
{
	for (unsigned i = 0; i < p->max_inflight; i++)
		if (!p->slots[i].used)
			return &p->slots[i];
	return NULL;
}

enum plan_step plan_next(struct plan *p, struct probe_req *req)
{
	if (!p->r)
		return PLAN_DONE;
	if (p->finished)
		return PLAN_DONE;
	if (p->aborted) {
		if (p->inflight)
			return PLAN_WAIT;
		finish(p);
		return PLAN_DONE;
	}
	/* An endpoint that has failed a probe and never answered TLS gets no new probe while
	 * others are out: they decide whether it is dead, so a silent server costs one timeout,
	 * not two (a probe started after the first timeout would run a full timeout of its own). */
	if (!p->tls_seen && p->early_fails > 0 && p->inflight)
		return PLAN_WAIT;
	bool waiting = false;
	for (size_t i = 0; i < p->n_tasks; i++) {
		struct task *t = &p->tasks[i];
		if (t->done)
			continue;
		if (t->busy) {
			waiting = true;
			continue;
		}
		struct slot *s = free_slot(p);
		if (!s)
			return PLAN_WAIT;
		struct plan_hello h;
		bool full, wait;
		char name[SCANRES_PROBE_NAME_MAX];
		if (!task_hello(p, t, &h, &full, name, sizeof(name), &wait)) {
			if (wait)
				waiting = true;
			else
				t->done = true;
			continue;
		}
		uint32_t id = ++p->next_id;
		if (!plan_hello(p->key, p->ip, p->port, p->has_sni ? p->sni : NULL, id, &h, req,
				s->sid, &s->sid_len)) {
			t->done = true; /* cannot happen with our list sizes */
			continue;
		}
		req->full_flight = full;
		s->used = true;
		s->id = id;
		s->t = t;
		s->req_len = req->hello_len;
		memcpy(s->req, req->hello, req->hello_len);
		snprintf(s->name, sizeof(s->name), "%s", name);
		t->busy = true;
		p->inflight++;
		return PLAN_PROBE;
	}
	if (waiting || p->inflight)
		return PLAN_WAIT;
	finish(p);
	return PLAN_DONE;
}

static const char *failure_text(enum probe_transport tr, enum plan_ans_kind k)
{
	if (k == PLAN_ANS_GARBAGE)
		return "not TLS";
	if (k == PLAN_ANS_TRUNCATED)
		return "truncated response";
	if (k == PLAN_ANS_UNEXPECTED)
		return "no ServerHello";
	switch (tr) {
	case PROBE_T_TIMEOUT: return "timeout";
	case PROBE_T_RESET: return "connection reset";
	case PROBE_T_REFUSED: return "connection refused";
	case PROBE_T_UNREACHABLE: return "unreachable";
	case PROBE_T_STARTTLS: return "STARTTLS failed";
	case PROBE_T_TOO_LONG: return "response too long";
	case PROBE_T_CLOSED: return "connection closed";
	default: return "error";
	}
}

void plan_result(struct plan *p, const struct probe_resp *resp)
{
	struct slot *s = NULL;
	for (unsigned i = 0; i < p->max_inflight; i++)
		if (p->slots[i].used && p->slots[i].id == resp->id)
			s = &p->slots[i];
	if (!s || !p->r)
		return;
	struct task *t = s->t;
	struct plan_answer *a = &p->ans;
	char outcome[SCANRES_OUTCOME_MAX];

	plan_parse(resp->bytes, resp->len, s->sid, s->sid_len, p->msgbuf, sizeof(p->msgbuf), a);
	plan_answer_text(a, resp->transport, outcome, sizeof(outcome));
	if (a->sid_checked && !a->sid_ok) {
		size_t w = strlen(outcome);
		snprintf(outcome + w, sizeof(outcome) - w, " (session id not echoed)");
	}
	p->r->connections++;
	(void)scanres_add_probe(p->r, s->id, s->name, s->req, s->req_len, resp->bytes, resp->len,
				resp->transport, resp->elapsed_us, outcome);
	s->used = false;
	t->busy = false;
	p->inflight--;
	if (p->aborted || p->finished)
		return;

	bool tls = a->kind == PLAN_ANS_SH || a->kind == PLAN_ANS_HRR ||
		   a->kind == PLAN_ANS_ALERT || a->kind == PLAN_ANS_SSLV2 ||
		   a->kind == PLAN_ANS_SSLV2_ERR;
	bool conn_fail = resp->transport == PROBE_T_REFUSED ||
			 resp->transport == PROBE_T_UNREACHABLE ||
			 resp->transport == PROBE_T_STARTTLS || resp->transport == PROBE_T_ERROR;
	bool failure = !tls && (conn_fail || a->kind == PLAN_ANS_GARBAGE ||
				a->kind == PLAN_ANS_TRUNCATED || a->kind == PLAN_ANS_UNEXPECTED ||
				resp->transport == PROBE_T_TIMEOUT ||
				resp->transport == PROBE_T_RESET ||
				resp->transport == PROBE_T_TOO_LONG);
	if (tls) {
		p->tls_seen = true;
	} else if (failure && !p->tls_seen) {
		if (conn_fail || ++p->early_fails >= ABORT_FAILS) {
			p->aborted = true;
			scanres_set_error(p->r, "%s", failure_text(resp->transport, a->kind));
			return;
		}
	} else if (failure) {
		p->r->probe_failures++;
	}
	task_result(p, t, a, resp->transport);
}
