/*
 * scanres: the result of scanning one endpoint, its evidence, and its JSON form. See
 * result.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "capture/wire/msg.h"
#include "capture/wire/registry.h"
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

	/* the certificate probe is the next issue */
	put(e, o, "certificates", json_array());
	put(e, o, "chain_trusted", json_null());
	put(e, o, "verify_error", json_null());
	put(e, o, "hostname_match", json_null());
	put(e, o, "ocsp", json_null());
	put(e, o, "pins", json_null());

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
