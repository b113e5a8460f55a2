/*
 * cli_scan_out: printing and storing `tlsscope scan` results. See cli_scan_out.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <jansson.h>

#include "analyzer/certinfo.h"
#include "analyzer/store/store.h"
#include "capture/wire/registry.h"
#include "cli/cli_scan_out.h"
#include "scanner/probe.h"
#include "scanner/result.h"

/* RFC 3339 UTC with microseconds of now minus back_ms. */
static void rfc3339(char out[40], uint64_t back_ms)
{
	struct timeval tv;
	struct tm tm;
	char date[24];
	gettimeofday(&tv, NULL);
	uint64_t us = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	us = us > back_ms * 1000u ? us - back_ms * 1000u : 0;
	time_t s = (time_t)(us / 1000000u);
	gmtime_r(&s, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%s.%06uZ", date, (unsigned)(us % 1000000u));
}

static bool store_failed(struct cli_scan_out *o, int rc)
{
	if (rc == STORE_OK)
		return false;
	o->store_rc = rc;
	snprintf(o->store_err, sizeof(o->store_err), "%s", store_errmsg(o->st));
	return true;
}

/*
 * A certificate of a chain, once, with its facts (the certinfo JSON object; built only when
 * the store has none yet; DER that OpenSSL cannot parse gets none), into hex.
 */
static bool store_cert(struct cli_scan_out *o, const uint8_t *der, size_t len,
		       char hex[STORE_SHA256_HEX_SIZE])
{
	struct certinfo *ci;
	json_t *j;
	char *text;
	bool has = false;
	if (store_failed(o, store_put_cert(o->st, der, len, hex)) ||
	    store_failed(o, store_cert_has_facts(o->st, hex, &has)))
		return false;
	if (has || !(ci = certinfo_from_der(der, len, NULL, 0)))
		return true;
	j = certinfo_json(ci);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	bool ok = text && !store_failed(o, store_put_cert_facts(o->st, hex, text));
	if (!text)
		o->oom = true;
	free(text);
	json_decref(j);
	certinfo_free(ci);
	return ok;
}

/* Every chain the scan's full handshakes got (chain i as chains[i], leaf = depth 0) and the
 * OCSP response stapled with it. */
static bool store_chains(struct cli_scan_out *o, const struct scan_result *r, int64_t scan)
{
	char hex[STORE_SHA256_HEX_SIZE];
	for (size_t i = 0; i < r->n_chains; i++) {
		const struct scanres_chain *c = &r->chains[i];
		for (size_t d = 0; d < c->n_certs && c->der[d] && c->der_len[d]; d++) {
			if (!store_cert(o, c->der[d], c->der_len[d], hex) ||
			    store_failed(o, store_link_scan_cert(o->st, scan, (unsigned)i,
								 (unsigned)d, hex)))
				return false;
		}
		if (c->ocsp && c->ocsp_len &&
		    (store_failed(o, store_put_ocsp(o->st, c->ocsp, c->ocsp_len, hex)) ||
		     store_failed(o, store_link_scan_ocsp(o->st, scan, (unsigned)i, hex))))
			return false;
	}
	return true;
}

/* The endpoint, the scan with its JSON object, the evidence of every probe, and the
 * certificates and stapled OCSP responses of its chains. */
static bool store_result(struct cli_scan_out *o, const struct scan_result *r, const char *js)
{
	struct store *st = o->st;
	int64_t ep = 0, scan = 0;
	char started[40];
	const char *host = r->host[0] ? r->host : NULL;
	const char *ip = r->ip[0] ? r->ip : NULL;
	if (!host && !ip)
		return true; /* nothing to key it on (cannot happen for scanned endpoints) */
	rfc3339(started, r->elapsed_ms);
	if (store_failed(o, store_endpoint_id(st, host, ip, r->port, r->sni[0] ? r->sni : NULL,
					      &ep)) ||
	    store_failed(o, store_scan_begin(st, ep, started, o->tool, &scan)))
		return false;
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct scanres_probe *pr = &r->probes[i];
		struct store_probe sp = {
			.scan_id = scan,
			.probe = pr->name,
			.request = pr->request,
			.request_len = pr->request_len,
			.response = pr->response,
			.response_len = pr->response_len,
			.outcome = pr->outcome,
			.ts = NULL,
		};
		if (!pr->request)
			sp.request_len = 0;
		if (!pr->response)
			sp.response_len = 0;
		if (store_failed(o, store_add_probe_evidence(st, &sp, NULL)))
			return false;
	}
	if (!store_chains(o, r, scan))
		return false;
	return !store_failed(o, store_scan_end(st, scan, NULL, r->has_error ? r->error : NULL,
					       js));
}

static void print_list(FILE *f, const char *label, const uint16_t *l, size_t n,
		       const char *(*name)(uint16_t, char[7]))
{
	char buf[7];
	if (n == 0)
		return;
	fprintf(f, "  %s:", label);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %s", name(l[i], buf));
	fputc('\n', f);
}

static const char *tri(enum scanres_tri t)
{
	return t == SCANRES_YES ? "yes" : t == SCANRES_NO ? "no" : "-";
}

/* The human summary: versions, suites per version, groups, behaviour. */
static const char *verdict(enum scanres_tri t, const char *yes, const char *no)
{
	return t == SCANRES_YES ? yes : t == SCANRES_NO ? no : "unknown";
}

/* A chain in a few lines: the leaf, both trust verdicts, OCSP, pins. */
static void print_chain(FILE *f, const struct scan_result *r, const struct scanres_chain *c)
{
	if (c->error[0] || c->n_certs == 0) {
		fprintf(f, "  certificate (%s): handshake failed: %s\n", c->requested,
			c->error[0] ? c->error : "no certificate");
		return;
	}
	char err[128];
	struct certinfo *ci = certinfo_from_der(c->der[0], c->der_len[0], err, sizeof(err));
	json_t *j = ci ? certinfo_json(ci) : NULL;
	const char *subject = j ? json_string_value(json_object_get(j, "subject")) : NULL;
	const char *issuer = j ? json_string_value(json_object_get(j, "issuer")) : NULL;
	const char *until = j ? json_string_value(json_object_get(j, "not_after")) : NULL;
	const char *kt = j ? json_string_value(json_object_get(j, "key_type")) : NULL;
	fprintf(f, "  certificate (%s, %s): %s\n    issuer %s, until %s, %zu sent\n",
		c->requested, kt ? kt : "?", subject ? subject : err, issuer ? issuer : "?",
		until ? until : "?", c->n_sent);
	json_decref(j);
	certinfo_free(ci);
	if (c->verified)
		fprintf(f, "    OpenSSL: %s%s%s, host name %s; GnuTLS: %s%s%s%s\n",
			verdict(c->v.trusted, "trusted", "not trusted"), c->v.error[0] ? ": " : "",
			c->v.error, verdict(c->v.hostname_match, "matches", "does not match"),
			verdict(c->g.trusted, "trusted", "not trusted"), c->g.error[0] ? ": " : "",
			c->g.error, c->v.trusted != c->g.trusted ? "  (the verdicts disagree)" : "");
	if (c->stapled)
		fprintf(f, "    OCSP: stapled, %s, signature %s, %s%s%s\n",
			c->vo.cert_status[0] ? c->vo.cert_status : "no status for the leaf",
			verdict(c->vo.verified, "verified", "NOT verified"),
			verdict(c->vo.fresh, "fresh", "stale"), c->vo.error[0] ? ": " : "",
			c->vo.error);
	else
		fprintf(f, "    OCSP: not stapled%s\n",
			c->must_staple ? " (the certificate requires stapling)"
			: c->ocsp_applicable ? "" : " (N/A: no OCSP responder named)");
	if (r->pins_configured)
		fprintf(f, "    pins: %s\n", c->pin_hits ? "matched" : "none matched");
}

static void print_human(FILE *f, const struct scan_result *r)
{
	if (r->has_error) {
		fprintf(f, "%s  error: %s\n", r->target, r->error);
		return;
	}
	fprintf(f, "%s ", r->target);
	for (int v = 0; v < SCANRES_NVER; v++)
		if (r->ver[v].supported == SCANRES_YES)
			fprintf(f, " %s", scanres_ver_name((enum scanres_ver)v));
	fprintf(f, "  (%u connections, %llu ms)\n", r->connections,
		(unsigned long long)r->elapsed_ms);
	for (int v = SCANRES_NVER - 1; v >= 0; v--) {
		const struct scanres_version *sv = &r->ver[v];
		char label[64];
		if (sv->supported != SCANRES_YES)
			continue;
		if (v == SCANRES_SSL2) {
			fprintf(f, "  SSLv2:");
			for (size_t i = 0; i < r->n_sslv2_specs; i++) {
				const char *n = tls_reg_sslv2_name(r->sslv2_specs[i]);
				fprintf(f, " %s", n ? n : "?");
			}
			fputc('\n', f);
			continue;
		}
		snprintf(label, sizeof(label), "%s %s", scanres_ver_name((enum scanres_ver)v),
			 sv->server_order == SCANRES_YES ? "(server order)"
			 : sv->server_order == SCANRES_NO ? "(client order)" : "");
		print_list(f, label, sv->suites, sv->n_suites, tls_reg_suite_name);
	}
	print_list(f, "groups TLSv1.3", r->groups13, r->n_groups13, tls_reg_group_name);
	print_list(f, "groups TLSv1.2", r->groups12, r->n_groups12, tls_reg_group_name);
	print_list(f, "DHE groups", r->ffdhe12, r->n_ffdhe12, tls_reg_group_name);
	print_list(f, "signature schemes TLSv1.2", r->sigalgs12, r->n_sigalgs12,
		   tls_reg_sigscheme_name);
	print_list(f, "signature schemes TLSv1.3", r->sigalgs13, r->n_sigalgs13,
		   tls_reg_sigscheme_name);
	fprintf(f, "  fallback SCSV: %s  downgrade sentinel: %s  secure renegotiation: %s"
		"  extended master secret: %s  encrypt-then-MAC: %s  session ticket: %s"
		"  compression: %s  heartbeat: %s  ALPN: %s\n",
		tri(r->fallback_scsv), tri(r->downgrade_sentinel), tri(r->secure_renegotiation),
		tri(r->extended_master_secret), tri(r->encrypt_then_mac), tri(r->session_ticket),
		tri(r->compression), tri(r->heartbeat),
		r->alpn == SCANRES_YES ? r->alpn_selected : tri(r->alpn));
	for (size_t i = 0; i < r->n_chains; i++)
		print_chain(f, r, &r->chains[i]);
	if (r->http.asked)
		fprintf(f, "  HTTP: %d, HSTS: %s\n", r->http.status,
			r->http.hsts ? r->http.hsts : "none");
}

/* Adds the groups of l not yet in seen (n_seen of them, at most cap) to seen. */
static size_t merge_groups(uint16_t *seen, size_t n_seen, size_t cap, const uint16_t *l,
			   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < n_seen && seen[k] != l[i])
			k++;
		if (k == n_seen && n_seen < cap)
			seen[n_seen++] = l[i];
	}
	return n_seen;
}

/* One line: target, SNI, versions, suites per version, groups (TLS 1.3 ones first), the
 * default chain's OpenSSL verdict. */
static void print_one_line(FILE *f, const struct scan_result *r)
{
	uint16_t groups[2 * SCANRES_MAX_GROUPS];
	size_t n_groups = 0;
	char buf[7];
	const char *sep = "";

	fprintf(f, "%s%s%s ", r->target, r->sni[0] ? " sni=" : "", r->sni);
	if (r->has_error) {
		fprintf(f, " error: %s\n", r->error);
		return;
	}
	for (int v = 0; v < SCANRES_NVER; v++)
		if (r->ver[v].supported == SCANRES_YES)
			fprintf(f, " %s", scanres_ver_name((enum scanres_ver)v));
	fputs("  suites:", f);
	for (int v = SCANRES_NVER - 1; v >= 0; v--) {
		if (r->ver[v].supported != SCANRES_YES)
			continue;
		fprintf(f, "%s %s %zu", sep, scanres_ver_name((enum scanres_ver)v),
			v == SCANRES_SSL2 ? r->n_sslv2_specs : r->ver[v].n_suites);
		sep = ",";
	}
	n_groups = merge_groups(groups, n_groups, sizeof(groups) / sizeof(groups[0]), r->groups13,
				r->n_groups13);
	n_groups = merge_groups(groups, n_groups, sizeof(groups) / sizeof(groups[0]), r->groups12,
				r->n_groups12);
	fputs("  groups:", f);
	for (size_t i = 0; i < n_groups; i++)
		fprintf(f, " %s", tls_reg_group_name(groups[i], buf));
	if (!n_groups)
		fputs(" -", f);
	if (r->n_chains > 0 && r->chains[0].verified) {
		const struct scanres_chain *c = &r->chains[0];
		fprintf(f, "  certificate: %s%s%s", verdict(c->v.trusted, "trusted", "not trusted"),
			c->v.error[0] ? " (" : "", c->v.error);
		fputs(c->v.error[0] ? ")" : "", f);
		if (r->n_chains > 1)
			fprintf(f, " +%zu more", r->n_chains - 1);
	}
	fprintf(f, "  (%u connections, %llu ms)\n", r->connections,
		(unsigned long long)r->elapsed_ms);
}

bool cli_scan_out_emit(struct cli_scan_out *o, const struct scan_result *r)
{
	char *js = NULL;
	bool ok = true;
	o->results++;
	if (r->has_error)
		o->failed++;
	if (o->json || o->st) {
		js = scanres_json(r, false);
		if (!js) {
			o->oom = true;
			return false;
		}
	}
	if (o->json) {
		fputs(js, o->out);
		fputc('\n', o->out);
		fflush(o->out);
	} else if (o->one_line) {
		print_one_line(o->out, r);
	} else {
		print_human(o->out, r);
	}
	if (o->st && o->store_rc == 0)
		ok = store_result(o, r, js);
	free(js);
	return ok && !ferror(o->out);
}
