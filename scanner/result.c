/*
 * scanres: the result of scanning one endpoint, its evidence, and its JSON form. See
 * result.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzer/certinfo.h"
#include "capture/wire/digest.h"
#include "capture/wire/msg.h"
#include "capture/wire/registry.h"
#include "scanner/http.h"
#include "scanner/result.h"

static const char *const ver_names[SCANRES_NVER] = { "SSLv2", "SSLv3", "TLSv1.0",
						     "TLSv1.1", "TLSv1.2", "TLSv1.3" };
static const uint16_t ver_codes[SCANRES_NVER] = { TLS_V_SSL2, TLS_V_SSL3, TLS_V_TLS10,
						  TLS_V_TLS11, TLS_V_TLS12, TLS_V_TLS13 };

const char *scanres_ver_name(enum scanres_ver v)
{
	return (unsigned)v < SCANRES_NVER ? ver_names[v] : "unknown";
}

uint16_t scanres_ver_code(enum scanres_ver v)
{
	return (unsigned)v < SCANRES_NVER ? ver_codes[v] : 0;
}

int scanres_ver_of(uint16_t version)
{
	for (int i = 0; i < SCANRES_NVER; i++)
		if (ver_codes[i] == version)
			return i;
	return -1;
}

struct scan_result *scanres_new(void)
{
	return calloc(1, sizeof(struct scan_result));
}

void scanres_free(struct scan_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_probes; i++) {
		free(r->probes[i].request);
		free(r->probes[i].response);
	}
	free(r->probes);
	for (size_t i = 0; i < r->n_chains; i++) {
		for (size_t k = 0; k < r->chains[i].n_certs; k++)
			free(r->chains[i].der[k]);
		free(r->chains[i].ocsp);
	}
	free(r->http.hsts);
	free(r->http.hpkp);
	free(r);
}

void scanres_set_error(struct scan_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->has_error = true;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

bool scanres_add_probe(struct scan_result *r, uint32_t id, const char *name,
		       const uint8_t *req, size_t req_len, const uint8_t *resp, size_t resp_len,
		       enum probe_transport transport, uint32_t elapsed_us, const char *outcome)
{
	if (r->n_probes >= SCANRES_MAX_PROBES) {
		r->evidence_cut = true;
		return true;
	}
	if (r->n_probes == r->cap_probes) {
		size_t cap = r->cap_probes ? 2 * r->cap_probes : 64;
		struct scanres_probe *np = realloc(r->probes, cap * sizeof(*np));
		if (!np) {
			r->evidence_cut = true;
			return false;
		}
		r->probes = np;
		r->cap_probes = cap;
	}
	struct scanres_probe *p = &r->probes[r->n_probes];
	memset(p, 0, sizeof(*p));
	p->id = id;
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	snprintf(p->outcome, sizeof(p->outcome), "%s", outcome ? outcome : "");
	p->transport = transport;
	p->elapsed_us = elapsed_us;
	p->response_total = resp_len;
	size_t keep = resp_len < SCANRES_PROBE_RESP_MAX ? resp_len : SCANRES_PROBE_RESP_MAX;
	if (keep < resp_len)
		r->evidence_cut = true;
	if (r->evidence_bytes + req_len + keep > SCANRES_EVIDENCE_MAX) {
		r->evidence_cut = true;
		req_len = 0;
		keep = 0;
	}
	if (req_len) {
		p->request = dup_bytes(req, req_len);
		if (!p->request) {
			r->evidence_cut = true;
			return false;
		}
		p->request_len = req_len;
	}
	if (keep && resp) {
		p->response = dup_bytes(resp, keep);
		if (!p->response) {
			free(p->request);
			r->evidence_cut = true;
			return false;
		}
		p->response_len = keep;
	}
	r->evidence_bytes += p->request_len + p->response_len;
	r->n_probes++;
	return true;
}

/* ---- JSON ---------------------------------------------------------------------------- */

/* jansson's json_object_set_new and json_array_append_new take the reference even when
 * they fail; a failed allocation anywhere makes 'ok' false and the whole encoding NULL. */
struct enc {
	bool ok;
};

static void put(struct enc *e, json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) != 0)
		e->ok = false;
}

static void push(struct enc *e, json_t *arr, json_t *v)
{
	if (!v || json_array_append_new(arr, v) != 0)
		e->ok = false;
}

static json_t *tri(enum scanres_tri t)
{
	return t == SCANRES_NULL ? json_null() : json_boolean(t == SCANRES_YES);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *suite_names(struct enc *e, const uint16_t *codes, size_t n)
{
	json_t *a = json_array();
	char buf[7];
	if (!a) {
		e->ok = false;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		push(e, a, json_string(tls_reg_suite_name(codes[i], buf)));
	return a;
}

static json_t *group_names(struct enc *e, const uint16_t *codes, size_t n)
{
	json_t *a = json_array();
	char buf[7];
	if (!a) {
		e->ok = false;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		push(e, a, json_string(tls_reg_group_name(codes[i], buf)));
	return a;
}

static bool in_list(const uint16_t *l, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

/* "groups": TLS 1.3 groups, then TLS <= 1.2 ECDHE groups, then RFC 7919 DHE groups, each
 * group once. */
static json_t *all_groups(struct enc *e, const struct scan_result *r)
{
	uint16_t all[SCANRES_MAX_GROUPS * 2 + 8];
	size_t n = 0;
	for (size_t i = 0; i < r->n_groups13; i++)
		if (!in_list(all, n, r->groups13[i]))
			all[n++] = r->groups13[i];
	for (size_t i = 0; i < r->n_groups12; i++)
		if (!in_list(all, n, r->groups12[i]))
			all[n++] = r->groups12[i];
	for (size_t i = 0; i < r->n_ffdhe12; i++)
		if (!in_list(all, n, r->ffdhe12[i]))
			all[n++] = r->ffdhe12[i];
	return group_names(e, all, n);
}

static json_t *probes_json(struct enc *e, const struct scan_result *r)
{
	json_t *a = json_array();
	if (!a) {
		e->ok = false;
		return NULL;
	}
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct scanres_probe *p = &r->probes[i];
		json_t *o = json_object();
		if (!o) {
			e->ok = false;
			break;
		}
		put(e, o, "id", json_integer(p->id));
		put(e, o, "name", json_string(p->name));
		put(e, o, "outcome", json_string(p->outcome));
		put(e, o, "transport", json_string(probe_transport_name(p->transport)));
		put(e, o, "elapsed_us", json_integer(p->elapsed_us));
		put(e, o, "request_len", json_integer((json_int_t)p->request_len));
		put(e, o, "response_len", json_integer((json_int_t)p->response_total));
		push(e, a, o);
	}
	return a;
}

/* The certificate objects of a chain (certinfo.h); a certificate OpenSSL cannot read gets
 * its hash and the reason. */
static json_t *certs_json(struct enc *e, const struct scanres_chain *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->n_certs; i++) {
		char err[128];
		struct certinfo *ci = certinfo_from_der(c->der[i], c->der_len[i], err, sizeof(err));
		if (ci) {
			push(e, a, certinfo_json(ci));
			certinfo_free(ci);
			continue;
		}
		uint8_t md[32];
		char hex[65];
		digest_sha256(c->der[i], c->der_len[i], md);
		digest_hex(md, sizeof(md), hex);
		json_t *o = json_object();
		put(e, o, "sha256", json_string(hex));
		put(e, o, "error", json_string(err));
		push(e, a, o);
	}
	return a;
}

static json_t *sha256_list(struct enc *e, const struct scanres_chain *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->n_certs; i++) {
		uint8_t md[32];
		char hex[65];
		digest_sha256(c->der[i], c->der_len[i], md);
		digest_hex(md, sizeof(md), hex);
		push(e, a, json_string(hex));
	}
	return a;
}

static bool ocsp_disagree(const struct scanres_chain *c)
{
	return c->stapled && (c->vo.verified != c->go.verified ||
			      strcmp(c->vo.cert_status, c->go.cert_status) != 0);
}

static json_t *ocsp_json(struct enc *e, const struct scanres_chain *c)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	put(e, o, "stapled", json_boolean(c->stapled));
	put(e, o, "status", c->stapled ? str_or_null(c->vo.cert_status) : json_null());
	put(e, o, "verified", c->stapled ? tri(c->vo.verified) : json_null());
	put(e, o, "applicable", json_boolean(c->ocsp_applicable));
	put(e, o, "must_staple", json_boolean(c->must_staple));
	if (!c->stapled)
		return o;
	put(e, o, "fresh", tri(c->vo.fresh));
	put(e, o, "response_status", str_or_null(c->vo.response_status));
	put(e, o, "this_update", str_or_null(c->vo.this_update));
	put(e, o, "next_update", str_or_null(c->vo.next_update));
	put(e, o, "revocation_time", str_or_null(c->vo.revocation_time));
	put(e, o, "revocation_reason", str_or_null(c->vo.revocation_reason));
	put(e, o, "responder", str_or_null(c->vo.responder));
	put(e, o, "error", str_or_null(c->vo.error));
	put(e, o, "length", json_integer((json_int_t)c->ocsp_len));
	put(e, o, "gnutls_status", str_or_null(c->go.cert_status));
	put(e, o, "gnutls_verified", tri(c->go.verified));
	put(e, o, "gnutls_fresh", tri(c->go.fresh));
	put(e, o, "gnutls_error", str_or_null(c->go.error));
	put(e, o, "verdicts_disagree", json_boolean(ocsp_disagree(c)));
	return o;
}

static bool chain_disagree(const struct scanres_chain *c)
{
	return c->verified && c->v.trusted != SCANRES_NULL && c->g.trusted != SCANRES_NULL &&
	       c->v.trusted != c->g.trusted;
}

static json_t *chains_json(struct enc *e, const struct scan_result *r)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < r->n_chains; i++) {
		const struct scanres_chain *c = &r->chains[i];
		json_t *o = json_object();
		char buf[7];
		put(e, o, "requested", json_string(c->requested));
		put(e, o, "error", str_or_null(c->error));
		put(e, o, "version", str_or_null(c->version ? tls_reg_version_name(c->version)
							     : NULL));
		put(e, o, "cipher", c->suite ? json_string(tls_reg_suite_name(c->suite, buf))
					     : json_null());
		json_t *list = sha256_list(e, c);
		put(e, o, "leaf_sha256", list && json_array_size(list) > 0
						 ? json_incref(json_array_get(list, 0))
						 : json_null());
		put(e, o, "chain_sha256", list);
		put(e, o, "chain_length", json_integer((json_int_t)c->n_sent));
		if (c->n_certs > 0) {
			char err[128];
			struct certinfo *ci = certinfo_from_der(c->der[0], c->der_len[0], err,
								sizeof(err));
			json_t *cj = ci ? certinfo_json(ci) : NULL;
			json_t *kt = cj ? json_object_get(cj, "key_type") : NULL;
			put(e, o, "key_type", kt ? json_incref(kt) : json_null());
			json_decref(cj);
			certinfo_free(ci);
		} else {
			put(e, o, "key_type", json_null());
		}
		if (c->verified) {
			put(e, o, "trusted", tri(c->v.trusted));
			put(e, o, "verify_error", str_or_null(c->v.error));
			put(e, o, "error_depth", json_integer(c->v.error_depth));
			put(e, o, "hostname_match", tri(c->v.hostname_match));
			put(e, o, "in_order", json_boolean(c->v.in_order));
			put(e, o, "complete", tri(c->v.complete));
			put(e, o, "path_len", json_integer(c->v.path_len));
			put(e, o, "unused", json_integer(c->v.unused));
			put(e, o, "anchor", str_or_null(c->v.anchor));
			put(e, o, "gnutls_trusted", tri(c->g.trusted));
			put(e, o, "gnutls_error", str_or_null(c->g.error));
			put(e, o, "gnutls_hostname_match", tri(c->g.hostname_match));
			put(e, o, "verdicts_disagree", json_boolean(chain_disagree(c)));
			put(e, o, "ocsp", ocsp_json(e, c));
			json_t *sct = json_object();
			put(e, sct, "embedded", json_integer(c->sct_embedded));
			put(e, sct, "tls_extension", json_integer(c->sct_tls));
			put(e, sct, "ocsp", json_integer(c->sct_ocsp));
			put(e, o, "sct", sct);
		}
		if (r->pins_configured) {
			json_t *d = json_array();
			for (unsigned k = 0; d && k < 64 && k < c->n_certs; k++)
				if (c->pin_depths & (1ull << k))
					push(e, d, json_integer(k));
			put(e, o, "pins_matched_depth", d);
		}
		push(e, a, o);
	}
	return a;
}

static json_t *pins_json(struct enc *e, const struct scan_result *r)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	put(e, o, "configured", json_boolean(r->pins_configured > 0));
	if (r->pins_configured == 0 || r->n_chains == 0 || r->chains[0].n_certs == 0) {
		put(e, o, "match", json_null());
		return o;
	}
	const struct scanres_chain *c = &r->chains[0];
	put(e, o, "match", json_boolean(c->pin_hits > 0));
	json_t *m = json_array(), *d = json_array();
	for (unsigned k = 0; m && k < c->pin_hits && k < SCANRES_PINS_MAX; k++)
		push(e, m, json_string(c->pin_matched[k]));
	for (unsigned k = 0; d && k < 64 && k < c->n_certs; k++)
		if (c->pin_depths & (1ull << k))
			push(e, d, json_integer(k));
	put(e, o, "matched", m);
	put(e, o, "matched_depth", d);
	size_t matched = 0;
	for (size_t i = 0; i < r->n_chains; i++)
		matched += r->chains[i].pin_hits > 0;
	put(e, o, "chains_matched", json_integer((json_int_t)matched));
	put(e, o, "pins", json_integer((json_int_t)r->pins_configured));
	return o;
}

/* The directives of a Strict-Transport-Security value (http.h). */
static json_t *hsts_json(struct enc *e, const char *v)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	struct http_hsts h;
	http_parse_hsts(v, &h);
	put(e, o, "max_age", h.max_age >= 0 ? json_integer(h.max_age) : json_null());
	put(e, o, "include_subdomains", json_boolean(h.include_subdomains));
	put(e, o, "preload", json_boolean(h.preload));
	put(e, o, "raw", json_string(v));
	return o;
}

static json_t *http_json(struct enc *e, const struct scan_result *r)
{
	if (!r->http.asked)
		return json_null();
	json_t *o = json_object();
	if (!o)
		return NULL;
	put(e, o, "status", r->http.answered ? json_integer(r->http.status) : json_null());
	put(e, o, "hsts", r->http.hsts ? hsts_json(e, r->http.hsts) : json_null());
	put(e, o, "public_key_pins", str_or_null(r->http.hpkp));
	put(e, o, "error", str_or_null(r->http.error));
	return o;
}

static json_t *scan_object(struct enc *e, const struct scan_result *r, bool with_probes)
{
	json_t *o = json_object();
	if (!o) {
		e->ok = false;
		return NULL;
	}
	put(e, o, "type", json_string("scan"));
	put(e, o, "target", json_string(r->target));
	put(e, o, "host", str_or_null(r->host));
	put(e, o, "ip", str_or_null(r->ip));
	put(e, o, "port", json_integer(r->port));
	put(e, o, "sni", str_or_null(r->sni));
	put(e, o, "error", r->has_error ? json_string(r->error) : json_null());

	json_t *protocols = json_object(), *ciphers = json_object(), *order = json_object();
	json_t *checked = json_object(), *instead = json_object();
	json_t *intolerant = json_array(), *inconsistent = json_array();
	put(e, o, "protocols", protocols);
	put(e, o, "ciphers", ciphers);
	put(e, o, "server_order", order);
	for (int v = 0; v < SCANRES_NVER && e->ok; v++) {
		const struct scanres_version *sv = &r->ver[v];
		put(e, protocols, ver_names[v], tri(sv->supported));
		if (sv->selected_instead) {
			const char *n = tls_reg_version_name(sv->selected_instead);
			put(e, instead, ver_names[v], json_string(n ? n : "unknown"));
		}
		if (r->version_intolerance & (1u << v))
			push(e, intolerant, json_string(ver_names[v]));
		if (sv->supported != SCANRES_YES)
			continue;
		if (v == SCANRES_SSL2) {
			json_t *a = json_array();
			for (size_t i = 0; a && i < r->n_sslv2_specs; i++) {
				const char *n = tls_reg_sslv2_name(r->sslv2_specs[i]);
				char buf[16];
				if (!n) {
					snprintf(buf, sizeof(buf), "0x%06x",
						 (unsigned)r->sslv2_specs[i]);
					n = buf;
				}
				push(e, a, json_string(n));
			}
			put(e, ciphers, ver_names[v], a);
		} else {
			put(e, ciphers, ver_names[v], suite_names(e, sv->suites, sv->n_suites));
		}
		put(e, order, ver_names[v], tri(sv->server_order));
		if (sv->server_order == SCANRES_YES)
			put(e, checked, ver_names[v], json_integer(sv->order_checked));
		if (sv->order_inconsistent)
			push(e, inconsistent, json_string(ver_names[v]));
	}
	put(e, o, "groups", all_groups(e, r));

	/* the default handshake's chain and its verdicts */
	const struct scanres_chain *c0 = r->n_chains > 0 ? &r->chains[0] : NULL;
	put(e, o, "certificates", c0 ? certs_json(e, c0) : json_array());
	bool judged = c0 && c0->verified && c0->n_certs > 0;
	put(e, o, "chain_trusted", judged ? tri(c0->v.trusted) : json_null());
	put(e, o, "verify_error", judged ? str_or_null(c0->v.error) : json_null());
	put(e, o, "hostname_match", judged ? tri(c0->v.hostname_match) : json_null());
	put(e, o, "ocsp", judged ? ocsp_json(e, c0) : json_null());
	put(e, o, "pins", pins_json(e, r));

	put(e, o, "fallback_scsv", tri(r->fallback_scsv));
	put(e, o, "downgrade_sentinel", tri(r->downgrade_sentinel));
	put(e, o, "connections", json_integer(r->connections));
	put(e, o, "elapsed_ms", json_integer((json_int_t)r->elapsed_ms));

	/* extras */
	json_t *gd = json_object();
	put(e, o, "groups_detail", gd);
	if (gd) {
		put(e, gd, "TLSv1.3", group_names(e, r->groups13, r->n_groups13));
		put(e, gd, "TLSv1.3_server_order", tri(r->groups13_order));
		put(e, gd, "TLSv1.2", group_names(e, r->groups12, r->n_groups12));
		put(e, gd, "TLSv1.2_server_order", tri(r->groups12_order));
		put(e, gd, "ffdhe", group_names(e, r->ffdhe12, r->n_ffdhe12));
		put(e, gd, "ffdhe_negotiated", tri(r->ffdhe_negotiated));
		json_t *dhe = json_array();
		for (size_t i = 0; dhe && i < r->n_dhe; i++) {
			json_t *d = json_object();
			put(e, d, "bits", json_integer(r->dhe[i].bits));
			put(e, d, "prime", str_or_null(r->dhe[i].prime));
			push(e, dhe, d);
		}
		put(e, gd, "dhe", dhe);
		put(e, gd, "tls13_hello_retry", tri(r->tls13_hrr));
	}
	json_t *sig = json_object();
	put(e, o, "sigalgs", sig);
	if (sig) {
		if (r->sigalgs12_known == SCANRES_YES) {
			json_t *a = json_array();
			char buf[7];
			for (size_t i = 0; a && i < r->n_sigalgs12; i++)
				push(e, a, json_string(tls_reg_sigscheme_name(r->sigalgs12[i], buf)));
			put(e, sig, "TLSv1.2", a);
		} else {
			put(e, sig, "TLSv1.2", json_null());
		}
		if (r->sigalgs13_known == SCANRES_YES) {
			json_t *a = json_array();
			char buf[7];
			for (size_t i = 0; a && i < r->n_sigalgs13; i++)
				push(e, a, json_string(tls_reg_sigscheme_name(r->sigalgs13[i], buf)));
			put(e, sig, "TLSv1.3", a);
		} else {
			put(e, sig, "TLSv1.3", json_null());
		}
		put(e, sig, "TLSv1.3_order", json_null()); /* one scheme per hello: no order */
	}
	json_t *f = json_object();
	put(e, o, "features", f);
	if (f) {
		const char *fv = tls_reg_version_name(r->features_version);
		put(e, f, "version", str_or_null(fv));
		put(e, f, "secure_renegotiation", tri(r->secure_renegotiation));
		put(e, f, "extended_master_secret", tri(r->extended_master_secret));
		put(e, f, "encrypt_then_mac", tri(r->encrypt_then_mac));
		put(e, f, "session_ticket", tri(r->session_ticket));
		put(e, f, "heartbeat", tri(r->heartbeat));
		put(e, f, "compression", tri(r->compression));
		put(e, f, "ocsp_stapling", tri(r->ocsp_stapling));
		put(e, f, "alpn", r->alpn == SCANRES_YES ? json_string(r->alpn_selected)
							 : json_null());
		put(e, f, "downgrade_sentinel_tls11", tri(r->downgrade_sentinel11));
	}
	put(e, o, "version_intolerance", intolerant);
	put(e, o, "selected_instead", instead);
	put(e, o, "order_checked", checked);
	put(e, o, "order_inconsistent", inconsistent);
	put(e, o, "chains", chains_json(e, r));
	static const char *const wsni[] = { NULL, "same", "other", "failed" };
	put(e, o, "without_sni", str_or_null(wsni[r->without_sni]));
	put(e, o, "http", http_json(e, r));
	put(e, o, "probe_failures", json_integer(r->probe_failures));
	put(e, o, "evidence_cut", json_boolean(r->evidence_cut));
	if (with_probes)
		put(e, o, "probes", probes_json(e, r));
	return o;
}

char *scanres_json(const struct scan_result *r, bool with_probes)
{
	struct enc e = { true };
	json_t *o = scan_object(&e, r, with_probes);
	char *s = NULL;
	if (o && e.ok)
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}
