/*
 * The certificate part of an endpoint's scan. See certs.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/certinfo.h"
#include "capture/wire/registry.h"
#include "scanner/certs.h"
#include "scanner/hso.h"
#include "scanner/vgnutls.h"
#include "scanner/vossl.h"

enum kind { K_DEFAULT, K_RSA, K_ECDSA, K_EDDSA, K_NOSNI, K_HTTP, K_N };

static const char *const kind_names[K_N] = { "cert-default", "cert-rsa", "cert-ecdsa",
					      "cert-eddsa", "cert-nosni", "http" };

#define CERTS_TRIES 2 /* handshakes per kind when one fails on a timeout or reset */

struct certs_env {
	struct hso_ctx *hso;
	struct vossl_trust *vt;
	struct vgnutls_trust *gt;
	const struct pins *pins;
	char user_agent[64];
};

struct certs {
	const struct certs_env *env;
	struct scan_result *r;
	enum stls_proto starttls;
	struct hso *h[K_N];
	bool want[K_N], issued[K_N], done[K_N];
	unsigned tries[K_N];            /* handshakes started per kind */
	bool second_phase;              /* the default's result is in: others decided */
	uint8_t pins[SCANRES_PINS_MAX][32];
	size_t n_pins;
};

struct certs_env *certs_env_new(const char *ca_file, const struct pins *pins,
				const char *user_agent, char *err, size_t errcap)
{
	struct certs_env *env = calloc(1, sizeof(*env));
	if (!env) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	env->pins = pins;
	snprintf(env->user_agent, sizeof(env->user_agent), "%s",
		 user_agent ? user_agent : "tlsscope");
	env->hso = hso_ctx_new(err, errcap);
	if (!env->hso)
		goto fail;
	env->vt = vossl_trust_new(ca_file, err, errcap);
	if (!env->vt)
		goto fail;
	env->gt = vgnutls_trust_new(ca_file, err, errcap);
	if (!env->gt)
		goto fail;
	return env;
fail:
	certs_env_free(env);
	return NULL;
}

void certs_env_free(struct certs_env *env)
{
	if (!env)
		return;
	hso_ctx_free(env->hso);
	vossl_trust_free(env->vt);
	vgnutls_trust_free(env->gt);
	free(env);
}

/* A server on one of these ports that selects no ALPN protocol is taken to speak HTTP. */
static bool https_port(uint16_t port)
{
	return port == 443 || port == 8443 || port == 4443 || port == 9443;
}

struct certs *certs_new(const struct certs_env *env, struct scan_result *r,
			enum stls_proto starttls)
{
	struct certs *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->env = env;
	c->r = r;
	c->starttls = starttls;
	c->want[K_DEFAULT] = true;
	c->want[K_HTTP] = starttls == STLS_NONE;
	size_t n = pins_find(env->pins, r->host, r->ip, r->port, c->pins, SCANRES_PINS_MAX);
	r->pins_configured = n;
	c->n_pins = n < SCANRES_PINS_MAX ? n : SCANRES_PINS_MAX;
	return c;
}

void certs_free(struct certs *c)
{
	if (!c)
		return;
	for (int k = 0; k < K_N; k++)
		hso_free(c->h[k]);
	free(c);
}

/* The authentications the planner's answers show: bit per enum kind. */
static unsigned seen_auths(const struct scan_result *r)
{
	unsigned m = 0;
	const uint16_t *lists[2] = { r->sigalgs12, r->sigalgs13 };
	size_t ns[2] = { r->n_sigalgs12, r->n_sigalgs13 };
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < ns[l]; i++) {
			char buf[7];
			const char *name = tls_reg_sigscheme_name(lists[l][i], buf);
			if (strncmp(name, "rsa_", 4) == 0)
				m |= 1u << K_RSA;
			else if (strncmp(name, "ecdsa_", 6) == 0)
				m |= 1u << K_ECDSA;
			else if (strcmp(name, "ed25519") == 0 || strcmp(name, "ed448") == 0)
				m |= 1u << K_EDDSA;
		}
	for (int v = SCANRES_SSL3; v <= SCANRES_TLS12; v++)
		for (size_t i = 0; i < r->ver[v].n_suites; i++) {
			const struct tls_suite_info *s = tls_reg_suite(r->ver[v].suites[i]);
			if (!s || !s->auth)
				continue;
			if (strcmp(s->auth, "RSA") == 0)
				m |= 1u << K_RSA;
			else if (strcmp(s->auth, "ECDSA") == 0)
				m |= 1u << K_ECDSA;
		}
	return m;
}

/* enum kind of a leaf's key ("RSA" -> K_RSA ...), K_N when other. */
static enum kind leaf_kind(const struct scanres_chain *ch)
{
	if (ch->n_certs == 0)
		return K_N;
	char err[64];
	struct certinfo *ci = certinfo_from_der(ch->der[0], ch->der_len[0], err, sizeof(err));
	if (!ci)
		return K_N;
	json_t *j = certinfo_json(ci);
	const char *kt = j ? json_string_value(json_object_get(j, "key_type")) : NULL;
	enum kind k = K_N;
	if (kt && (strcmp(kt, "RSA") == 0 || strcmp(kt, "RSA-PSS") == 0))
		k = K_RSA;
	else if (kt && strcmp(kt, "ECDSA") == 0)
		k = K_ECDSA;
	else if (kt && (strcmp(kt, "Ed25519") == 0 || strcmp(kt, "Ed448") == 0))
		k = K_EDDSA;
	json_decref(j);
	certinfo_free(ci);
	return k;
}

int certs_next(struct certs *c, struct probe_req *req)
{
	if (!c->second_phase && c->issued[K_DEFAULT] && !c->done[K_DEFAULT])
		return 0; /* the others depend on what the default gets */
	bool pending = false;
	for (int k = 0; k < K_N; k++) {
		if (!c->want[k] || c->done[k])
			continue;
		if (c->issued[k]) {
			pending = true;
			continue;
		}
		const struct scan_result *r = c->r;
		struct hso_opts o = {
			.sni = r->sni[0] && k != K_NOSNI ? r->sni : NULL,
			.auth = k == K_RSA ? HSO_RSA : k == K_ECDSA ? HSO_ECDSA
				: k == K_EDDSA ? HSO_EDDSA : HSO_ANY,
			.user_agent = c->env->user_agent,
		};
		char host[SCANRES_HOST_MAX + 16];
		if (k == K_HTTP) {
			const char *name = r->sni[0] ? r->sni : r->host[0] ? r->host : r->ip;
			bool v6 = !r->sni[0] && !r->host[0] && strchr(r->ip, ':');
			if (r->port == 443)
				snprintf(host, sizeof(host), v6 ? "[%s]" : "%s", name);
			else
				snprintf(host, sizeof(host), v6 ? "[%s]:%u" : "%s:%u", name,
					 (unsigned)r->port);
			o.http_host = host;
			o.http_without_alpn = https_port(r->port);
		}
		c->issued[k] = true;
		c->tries[k]++;
		c->h[k] = hso_new(c->env->hso, &o);
		if (!c->h[k]) {
			c->done[k] = true;
			if (k == K_HTTP)
				snprintf(c->r->http.error, sizeof(c->r->http.error), "out of memory");
			continue;
		}
		req->id = CERTS_ID_BASE + (uint32_t)k;
		req->hello_len = 0;
		req->talk.step = hso_step;
		req->talk.arg = c->h[k];
		return 1;
	}
	return pending ? 0 : -1;
}

/* The chain index holding this leaf, or -1. */
static int find_chain(const struct scan_result *r, const uint8_t *der, size_t len)
{
	for (size_t i = 0; i < r->n_chains; i++)
		if (r->chains[i].n_certs > 0 && r->chains[i].der_len[0] == len &&
		    memcmp(r->chains[i].der[0], der, len) == 0)
			return (int)i;
	return -1;
}

/* The verdicts on a chain just copied in. */
static void judge(struct certs *c, struct scanres_chain *ch)
{
	const struct scan_result *r = c->r;
	const char *host = r->sni[0] ? r->sni : r->host[0] ? r->host : NULL;
	const char *ip = host ? NULL : r->ip;
	const uint8_t *const *der = (const uint8_t *const *)ch->der;
	if (ch->n_certs == 0)
		return;
	if (vossl_verify_chain(c->env->vt, der, ch->der_len, ch->n_certs, host, ip, &ch->v) != 0 ||
	    vgnutls_verify_chain(c->env->gt, der, ch->der_len, ch->n_certs, host, ip, &ch->g) !=
		    0)
		return;
	ch->verified = true;
	char err[64];
	struct certinfo *leaf = certinfo_from_der(ch->der[0], ch->der_len[0], err, sizeof(err));
	if (leaf) {
		ch->must_staple = certinfo_must_staple(leaf);
		ch->ocsp_applicable = ch->must_staple || certinfo_has_ocsp_url(leaf);
		ch->sct_embedded = certinfo_sct_count(leaf);
	}
	if (ch->ocsp) {
		/* a failure leaves the verdicts unknown (NULL), which is what they then are */
		int rc = vossl_verify_ocsp(c->env->vt, der, ch->der_len, ch->n_certs, ch->ocsp,
					   ch->ocsp_len, &ch->vo);
		rc |= vgnutls_verify_ocsp(c->env->gt, der, ch->der_len, ch->n_certs, ch->ocsp,
					  ch->ocsp_len, &ch->go);
		(void)rc;
	}
	for (size_t d = 0; d < ch->n_certs && d < 64 && c->n_pins > 0; d++) {
		struct certinfo *ci = d == 0 ? leaf
			: certinfo_from_der(ch->der[d], ch->der_len[d], err, sizeof(err));
		if (!ci)
			continue;
		const uint8_t *spki = certinfo_spki_sha256(ci);
		for (size_t p = 0; p < c->n_pins; p++) {
			if (memcmp(spki, c->pins[p], 32) != 0)
				continue;
			ch->pin_depths |= 1ull << d;
			/* the pin is this certificate's SPKI hash: certinfo has its base64 */
			const char *b64 = certinfo_spki_b64(ci);
			bool known = false;
			for (unsigned k = 0; k < ch->pin_hits && !known; k++)
				known = strcmp(ch->pin_matched[k], b64) == 0;
			if (!known && ch->pin_hits < SCANRES_PINS_MAX)
				snprintf(ch->pin_matched[ch->pin_hits++], sizeof(ch->pin_matched[0]),
					 "%s", b64);
		}
		if (ci != leaf)
			certinfo_free(ci);
	}
	certinfo_free(leaf);
}

/* Copies a finished handshake's chain into the result (a new leaf only; the default's
 * entry is kept even when its handshake failed, with the reason). */
static void take_chain(struct certs *c, enum kind k, const struct hso_result *hr,
		       const char *transport_error)
{
	struct scan_result *r = c->r;
	if (k == K_NOSNI)
		r->without_sni = !hr->handshake_done || hr->n_certs == 0 ? SCANRES_WITHOUT_SNI_FAILED
				 : find_chain(r, hr->der[0], hr->der_len[0]) == 0
					 ? SCANRES_WITHOUT_SNI_SAME
					 : SCANRES_WITHOUT_SNI_OTHER;
	if (hr->handshake_done && hr->n_certs > 0 && find_chain(r, hr->der[0], hr->der_len[0]) >= 0)
		return;
	if (k != K_DEFAULT && (!hr->handshake_done || hr->n_certs == 0))
		return; /* asking for another key type failed: no such certificate */
	if (r->n_chains == SCANRES_MAX_CHAINS)
		return;
	struct scanres_chain *ch = &r->chains[r->n_chains++];
	memset(ch, 0, sizeof(*ch));
	snprintf(ch->requested, sizeof(ch->requested), "%s", kind_names[k] + 5);
	if (!hr->handshake_done) {
		snprintf(ch->error, sizeof(ch->error), "%s",
			 hr->error[0] ? hr->error : transport_error);
		return;
	}
	ch->version = hr->version;
	ch->suite = hr->suite;
	ch->n_sent = hr->n_sent;
	ch->sct_tls = hr->sct_tls;
	ch->sct_ocsp = hr->sct_ocsp;
	for (size_t i = 0; i < hr->n_certs && i < SCANRES_CHAIN_MAX; i++) {
		ch->der[i] = malloc(hr->der_len[i]);
		if (!ch->der[i])
			break;
		memcpy(ch->der[i], hr->der[i], hr->der_len[i]);
		ch->der_len[i] = hr->der_len[i];
		ch->n_certs++;
	}
	if (hr->ocsp) {
		ch->ocsp = malloc(hr->ocsp_len);
		if (ch->ocsp) {
			memcpy(ch->ocsp, hr->ocsp, hr->ocsp_len);
			ch->ocsp_len = hr->ocsp_len;
			ch->stapled = true;
		}
	}
	judge(c, ch);
}

static void take_http(struct certs *c, const struct hso_result *hr, const char *transport_error)
{
	struct scanres_http *h = &c->r->http;
	if (!hr->http_asked)
		return; /* not an HTTPS server (as far as ALPN and the port tell) */
	h->asked = true;
	h->answered = hr->http_status > 0;
	h->status = hr->http_status;
	if (!h->answered)
		snprintf(h->error, sizeof(h->error), "%s",
			 hr->http_done ? "no HTTP status line"
			 : hr->http_bytes ? "incomplete HTTP response" : transport_error);
	if (hr->hsts)
		h->hsts = strdup(hr->hsts);
	if (hr->hpkp)
		h->hpkp = strdup(hr->hpkp);
}

void certs_result(struct certs *c, const struct probe_resp *resp)
{
	if (resp->id < CERTS_ID_BASE || resp->id >= CERTS_ID_BASE + K_N)
		return;
	enum kind k = (enum kind)(resp->id - CERTS_ID_BASE);
	if (!c->issued[k] || c->done[k])
		return;
	const struct hso_result *hr = hso_result(c->h[k]);
	const char *terr = probe_transport_name(resp->transport);
	char outcome[SCANRES_OUTCOME_MAX];
	if (hr->handshake_done) {
		char buf[7];
		const char *v = tls_reg_version_name(hr->version);
		snprintf(outcome, sizeof(outcome), "%s %s", v ? v : "?",
			 tls_reg_suite_name(hr->suite, buf));
	} else {
		snprintf(outcome, sizeof(outcome), "%.80s", hr->error[0] ? hr->error : terr);
	}
	(void)scanres_add_probe(c->r, resp->id, kind_names[k], hr->client_hello,
				hr->client_hello_len, resp->bytes, resp->len, resp->transport,
				resp->elapsed_us, outcome);
	bool transient = resp->transport == PROBE_T_TIMEOUT || resp->transport == PROBE_T_RESET ||
			 resp->transport == PROBE_T_REFUSED;
	if (!hr->handshake_done && transient && c->tries[k] < CERTS_TRIES) {
		/* the engine does not retry talks: once more, as it would a raw probe (the
		 * server answered the planner, so the failure is likely transient) */
		hso_free(c->h[k]);
		c->h[k] = NULL;
		c->issued[k] = false;
		return;
	}
	c->done[k] = true;
	if (k == K_HTTP)
		take_http(c, hr, terr);
	else
		take_chain(c, k, hr, terr);
	hso_free(c->h[k]);
	c->h[k] = NULL;
	if (k == K_DEFAULT) {
		c->second_phase = true;
		if (c->r->n_chains > 0 && c->r->chains[0].n_certs > 0) {
			unsigned m = seen_auths(c->r);
			enum kind have = leaf_kind(&c->r->chains[0]);
			for (int x = K_RSA; x <= K_EDDSA; x++)
				c->want[x] = (m & (1u << x)) && x != (int)have;
			c->want[K_NOSNI] = c->r->sni[0] != '\0';
		}
	}
}
