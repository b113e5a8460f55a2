/*
 * vossl: OpenSSL's verdicts on a chain and an OCSP response (see vossl.h).
 *
 * Implementation notes:
 * - Certificates are parsed with d2i_X509 and must use their bytes exactly (as libssl's
 *   tls_process_server_certificate requires); one that does not parse is left out of the
 *   untrusted list and counted as unused.
 * - The verification context is set up as a libssl client sets it up
 *   (X509_STORE_CTX_set_default "ssl_server": purpose and trust sslserver, depth 100), without
 *   the host name, which is matched separately.
 * - The OCSP single response of the leaf is found by its CertID (RFC 6960 §4.1.1): serial
 *   number, hash of the issuer's name and, when the issuer is known, of its key, with the
 *   hash algorithm the CertID names (not only SHA-1).
 */
#include "scanner/vossl.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#ifndef OPENSSL_NO_CT
#include <openssl/ct.h>
#endif

struct vossl_trust {
	X509_STORE *store;
};

__attribute__((format(printf, 3, 4)))
static void put(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	if (!buf || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

/* The first queued OpenSSL error as "reason[: data]" (or dflt), and the queue cleared. */
static void ossl_error(char *buf, size_t cap, const char *dflt)
{
	const char *data = NULL;
	int flags = 0;
	unsigned long e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	if (!reason)
		put(buf, cap, "%s", dflt);
	else if (data && *data && (flags & ERR_TXT_STRING))
		put(buf, cap, "%s: %s", reason, data);
	else
		put(buf, cap, "%s", reason);
	ERR_clear_error();
}

struct vossl_trust *vossl_trust_new(const char *ca_file, char *err, size_t errcap)
{
	struct vossl_trust *t = calloc(1, sizeof(*t));

	ERR_clear_error();
	if (!t || !(t->store = X509_STORE_new())) {
		put(err, errcap, "out of memory");
		goto err;
	}
	if (ca_file) {
		if (X509_STORE_load_locations(t->store, ca_file, NULL) != 1) {
			char why[128];
			ossl_error(why, sizeof(why), "cannot load");
			put(err, errcap, "%s: %s", ca_file, why);
			goto err;
		}
	} else if (X509_STORE_set_default_paths(t->store) != 1) {
		char why[128];
		ossl_error(why, sizeof(why), "cannot load");
		put(err, errcap, "system trust store: %s", why);
		goto err;
	}
	return t;
err:
	vossl_trust_free(t);
	return NULL;
}

void vossl_trust_free(struct vossl_trust *t)
{
	if (!t)
		return;
	X509_STORE_free(t->store);
	free(t);
}

/* d2i_X509 of exactly len bytes; NULL when it is not one DER certificate. */
static X509 *parse_der(const uint8_t *der, size_t len)
{
	if (!der || len == 0 || len > LONG_MAX)
		return NULL;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* The sent certificates, parsed: certs[i] NULL where der[i] does not parse. */
struct parsed {
	X509 **certs;
	size_t m;              /* entries of certs: min(n, VOSSL_CHAIN_MAX) */
	unsigned ok;           /* non-NULL entries */
	STACK_OF(X509) *rest;  /* certs[1..m-1] that parsed (borrowed pointers) */
};

static void parsed_free(struct parsed *p)
{
	sk_X509_free(p->rest);
	for (size_t i = 0; i < p->m; i++)
		X509_free(p->certs[i]);
	free(p->certs);
}

static int parse_all(const uint8_t *const *der, const size_t *len, size_t n,
                     struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	p->m = n < VOSSL_CHAIN_MAX ? n : VOSSL_CHAIN_MAX;
	p->certs = calloc(p->m, sizeof(*p->certs));
	p->rest = sk_X509_new_null();
	if (!p->certs || !p->rest)
		return -1;
	for (size_t i = 0; i < p->m; i++) {
		p->certs[i] = parse_der(der[i], len[i]);
		if (!p->certs[i])
			continue;
		p->ok++;
		if (i > 0 && !sk_X509_push(p->rest, p->certs[i]))
			return -1;
	}
	ERR_clear_error();   /* parse failures are reported by the caller */
	return 0;
}

/* The RFC 2253 text of a name, truncated to cap-1 bytes; "" on failure. */
static void name_text(const X509_NAME *name, char *buf, size_t cap)
{
	buf[0] = '\0';
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		int r = BIO_read(b, buf, (int)(cap - 1));
		buf[r > 0 ? r : 0] = '\0';
	}
	BIO_free(b);
}

static bool is_ip_literal(const char *s)
{
	unsigned char a[16];
	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static enum scanres_tri match_name(X509 *leaf, const char *host, const char *ip)
{
	int r;
	if (host && *host) {
		if (is_ip_literal(host))
			r = X509_check_ip_asc(leaf, host, 0);
		else
			r = X509_check_host(leaf, host, strlen(host), 0, NULL);
	} else if (ip && *ip) {
		r = X509_check_ip_asc(leaf, ip, 0);
	} else {
		return SCANRES_NULL;
	}
	return r == 1 ? SCANRES_YES : SCANRES_NO;
}

/* certs[i+1] issued certs[i] for every i: names, key identifiers, key usage, signature. */
static bool chain_in_order(const struct parsed *p, size_t n)
{
	if (p->m < n)
		return false;
	for (size_t i = 0; i + 1 < p->m; i++) {
		X509 *sub = p->certs[i], *iss = p->certs[i + 1];
		if (!sub || !iss || X509_check_issued(iss, sub) != X509_V_OK)
			return false;
		EVP_PKEY *k = X509_get0_pubkey(iss);
		if (!k || X509_verify(sub, k) != 1)
			return false;
	}
	return true;
}

static bool in_stack(STACK_OF(X509) *sk, X509 *x)
{
	for (int i = 0; i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), x) == 0)
			return true;
	return false;
}

int vossl_verify_chain(const struct vossl_trust *t, const uint8_t *const *der,
                       const size_t *len, size_t n, const char *host, const char *ip,
                       struct vossl_chain *out)
{
	struct parsed p;
	X509_STORE_CTX *ctx = NULL;
	int rc = -1;

	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	out->error_depth = -1;
	if (!t || !der || !len || n == 0)
		return -1;
	ERR_clear_error();
	if (parse_all(der, len, n, &p) != 0)
		goto done;
	out->parsed = p.ok;
	out->in_order = chain_in_order(&p, n);

	X509 *leaf = p.certs[0];
	if (!leaf) {
		out->trusted = SCANRES_NO;
		out->error_code = X509_V_ERR_UNSPECIFIED;
		put(out->error, sizeof(out->error), "certificate 0 is not DER X.509");
		out->unused = (unsigned)n;
		rc = 0;
		goto done;
	}
	out->hostname_match = match_name(leaf, host, ip);

	ctx = X509_STORE_CTX_new();
	if (!ctx || X509_STORE_CTX_init(ctx, (X509_STORE *)t->store, leaf, p.rest) != 1 ||
	    X509_STORE_CTX_set_default(ctx, "ssl_server") != 1)
		goto done;
	int r = X509_verify_cert(ctx);
	int code = X509_STORE_CTX_get_error(ctx);
	if (r == 1) {
		out->trusted = SCANRES_YES;
	} else if (code != X509_V_OK) {
		out->trusted = SCANRES_NO;
		out->error_code = code;
		out->error_depth = X509_STORE_CTX_get_error_depth(ctx);
		put(out->error, sizeof(out->error), "%s", X509_verify_cert_error_string(code));
	} else {
		ossl_error(out->error, sizeof(out->error), "internal error");
	}

	STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
	int np = path ? sk_X509_num(path) : 0;
	int nu = X509_STORE_CTX_get_num_untrusted(ctx);
	bool reached_trust = np > 0 && nu < np;
	out->path_len = (unsigned)np;
	if (reached_trust && code != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT)
		name_text(X509_get_subject_name(sk_X509_value(path, np - 1)), out->anchor,
		          sizeof(out->anchor));
	if (r == 1 || (reached_trust && code != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT))
		out->complete = SCANRES_YES;
	else if (code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY && np > 0 &&
	         X509_check_ca(sk_X509_value(path, np - 1)) == 0)
		out->complete = SCANRES_NO;

	/* A certificate that does not parse fails the handshake of a libssl client
	 * (tls_process_server_certificate): it decides the verdict. */
	for (size_t i = 1; i < p.m; i++) {
		if (p.certs[i])
			continue;
		out->trusted = SCANRES_NO;
		out->error_code = X509_V_ERR_UNSPECIFIED;
		out->error_depth = (int)i;
		put(out->error, sizeof(out->error), "certificate %zu is not DER X.509", i);
		break;
	}

	out->unused = (unsigned)(n - p.m);
	for (size_t i = 0; i < p.m; i++)
		if (!p.certs[i] || !path || !in_stack(path, p.certs[i]))
			out->unused++;
	rc = 0;
done:
	X509_STORE_CTX_free(ctx);
	parsed_free(&p);
	ERR_clear_error();
	return rc;
}

/* ---- OCSP ---------------------------------------------------------------------------- */

static const char *response_status_name(int s)
{
	switch (s) {
	case OCSP_RESPONSE_STATUS_SUCCESSFUL: return "successful";
	case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST: return "malformedRequest";
	case OCSP_RESPONSE_STATUS_INTERNALERROR: return "internalError";
	case OCSP_RESPONSE_STATUS_TRYLATER: return "tryLater";
	case OCSP_RESPONSE_STATUS_SIGREQUIRED: return "sigRequired";
	case OCSP_RESPONSE_STATUS_UNAUTHORIZED: return "unauthorized";
	default: return NULL;
	}
}

/* RFC 3339 UTC text of t into buf[32]; "" when t is NULL or invalid. */
static void time_text(const ASN1_GENERALIZEDTIME *t, char *buf, size_t cap)
{
	struct tm tm;
	buf[0] = '\0';
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	if (strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}

/* Seconds from now to t (negative: t is in the past); false when t is invalid. */
static bool secs_from_now(const ASN1_GENERALIZEDTIME *t, long long *secs)
{
	int day, sec;
	if (ASN1_TIME_diff(&day, &sec, NULL, t) != 1)
		return false;
	*secs = (long long)day * 86400 + sec;
	return true;
}

static bool octets_equal(const ASN1_OCTET_STRING *s, const unsigned char *d, unsigned len)
{
	return s && (unsigned)ASN1_STRING_length(s) == len &&
	       memcmp(ASN1_STRING_get0_data(s), d, len) == 0;
}

/* The CertID names leaf (serial, issuer name hash) and, when known, issuer (key hash). */
static bool certid_matches(const OCSP_CERTID *cid, X509 *leaf, X509 *issuer)
{
	ASN1_OCTET_STRING *nh = NULL, *kh = NULL;
	ASN1_OBJECT *mdobj = NULL;
	ASN1_INTEGER *serial = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (OCSP_id_get0_info(&nh, &mdobj, &kh, &serial, (OCSP_CERTID *)cid) != 1 || !serial)
		return false;
	if (ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(leaf)) != 0)
		return false;
	const EVP_MD *dgst = mdobj ? EVP_get_digestbyobj(mdobj) : NULL;
	if (!dgst || X509_NAME_digest(X509_get_issuer_name(leaf), dgst, md, &mdlen) != 1 ||
	    !octets_equal(nh, md, mdlen))
		return false;
	if (issuer) {
		const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(issuer);
		if (!key || EVP_Digest(ASN1_STRING_get0_data(key), (size_t)ASN1_STRING_length(key),
		                       md, &mdlen, dgst, NULL) != 1 ||
		    !octets_equal(kh, md, mdlen))
			return false;
	}
	return true;
}

/* The leaf's issuer: a sent certificate that issued it, else one from the store (a new
 * reference either way); NULL when neither. */
static X509 *find_issuer(const struct vossl_trust *t, const struct parsed *p, X509 *leaf)
{
	for (size_t i = 1; i < p->m; i++) {
		X509 *c = p->certs[i];
		if (c && X509_check_issued(c, leaf) == X509_V_OK && X509_up_ref(c) == 1)
			return c;
	}
	X509 *iss = NULL;
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	if (ctx && X509_STORE_CTX_init(ctx, (X509_STORE *)t->store, leaf, NULL) == 1 &&
	    X509_STORE_CTX_get1_issuer(&iss, ctx, leaf) != 1)
		iss = NULL;
	X509_STORE_CTX_free(ctx);
	return iss;
}

static void single_status(OCSP_SINGLERESP *single, struct vossl_ocsp *out)
{
	int reason = -1;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int st = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
	long long secs;

	switch (st) {
	case V_OCSP_CERTSTATUS_GOOD: put(out->cert_status, sizeof(out->cert_status), "good"); break;
	case V_OCSP_CERTSTATUS_REVOKED:
		put(out->cert_status, sizeof(out->cert_status), "revoked");
		break;
	default: put(out->cert_status, sizeof(out->cert_status), "unknown"); break;
	}
	time_text(thisupd, out->this_update, sizeof(out->this_update));
	time_text(nextupd, out->next_update, sizeof(out->next_update));
	time_text(rev, out->revocation_time, sizeof(out->revocation_time));
	if (st == V_OCSP_CERTSTATUS_REVOKED && reason >= 0)
		put(out->revocation_reason, sizeof(out->revocation_reason), "%s",
		    OCSP_crl_reason_str(reason));

	if (!thisupd || !secs_from_now(thisupd, &secs) || secs > VOSSL_OCSP_SKEW)
		out->fresh = SCANRES_NO;
	else if (!nextupd)
		out->fresh = SCANRES_NULL;
	else
		out->fresh = secs_from_now(nextupd, &secs) && secs >= 0 ? SCANRES_YES : SCANRES_NO;

#ifndef OPENSSL_NO_CT
	int crit = 0;
	STACK_OF(SCT) *scts = OCSP_SINGLERESP_get1_ext_d2i(single, NID_ct_cert_scts, &crit, NULL);
	if (scts) {
		out->sct_count = sk_SCT_num(scts);
		SCT_LIST_free(scts);
	}
#endif
}

int vossl_verify_ocsp(const struct vossl_trust *t, const uint8_t *const *der,
                      const size_t *len, size_t n, const uint8_t *resp, size_t resp_len,
                      struct vossl_ocsp *out)
{
	struct parsed p;
	OCSP_RESPONSE *r = NULL;
	OCSP_BASICRESP *bs = NULL;
	X509 *issuer = NULL;
	STACK_OF(X509) *helpers = NULL;
	int rc = -1;

	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	if (!t || !der || !len || n == 0)
		return -1;
	ERR_clear_error();
	if (parse_all(der, len, n, &p) != 0)
		goto done;
	X509 *leaf = p.certs[0];
	if (leaf)
		issuer = find_issuer(t, &p, leaf);

	const unsigned char *q = resp;
	if (resp && resp_len > 0 && resp_len <= LONG_MAX)
		r = d2i_OCSP_RESPONSE(NULL, &q, (long)resp_len);
	if (!r || q != resp + resp_len) {
		put(out->error, sizeof(out->error), r ? "trailing bytes after the OCSP response"
		                                      : "not a DER OCSP response");
		rc = 0;
		goto done;
	}
	int status = OCSP_response_status(r);
	const char *sname = response_status_name(status);
	if (sname)
		put(out->response_status, sizeof(out->response_status), "%s", sname);
	else
		put(out->response_status, sizeof(out->response_status), "status %d", status);
	if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		out->parsed = true;
		put(out->error, sizeof(out->error), "response status %s", out->response_status);
		rc = 0;
		goto done;
	}
	bs = OCSP_response_get1_basic(r);
	if (!bs) {
		put(out->error, sizeof(out->error), "not a basic OCSP response");
		rc = 0;
		goto done;
	}
	out->parsed = true;

	const ASN1_OCTET_STRING *kid = NULL;
	const X509_NAME *rname = NULL;
	if (OCSP_resp_get0_id(bs, &kid, &rname) == 1) {
		if (rname) {
			name_text(rname, out->responder, sizeof(out->responder));
		} else if (kid) {
			size_t o = (size_t)snprintf(out->responder, sizeof(out->responder), "key:");
			const unsigned char *d = ASN1_STRING_get0_data(kid);
			for (int i = 0; i < ASN1_STRING_length(kid) &&
			     o + 3 <= sizeof(out->responder); i++)
				o += (size_t)snprintf(out->responder + o, sizeof(out->responder) - o,
				                      "%02x", d[i]);
		}
	}

	bool found = false;
	int count = OCSP_resp_count(bs);
	for (int i = 0; leaf && i < count && i < VOSSL_OCSP_SINGLE_MAX && !found; i++) {
		OCSP_SINGLERESP *single = OCSP_resp_get0(bs, i);
		if (single && certid_matches(OCSP_SINGLERESP_get0_id(single), leaf, issuer)) {
			single_status(single, out);
			found = true;
		}
	}

	/* The responder's chain may use every sent certificate and the leaf's issuer. */
	helpers = sk_X509_new_null();
	if (!helpers)
		goto done;
	for (size_t i = 0; i < p.m; i++)
		if (p.certs[i] && !sk_X509_push(helpers, p.certs[i]))
			goto done;
	if (issuer && !in_stack(helpers, issuer) && !sk_X509_push(helpers, issuer))
		goto done;
	ERR_clear_error();
	if (OCSP_basic_verify(bs, helpers, (X509_STORE *)t->store, 0) > 0) {
		out->verified = SCANRES_YES;
		if (!found)
			put(out->error, sizeof(out->error), "the leaf is not in the response");
	} else {
		out->verified = SCANRES_NO;
		ossl_error(out->error, sizeof(out->error), "verification failed");
	}
	rc = 0;
done:
	if (rc != 0)
		put(out->error, sizeof(out->error), "out of memory");
	sk_X509_free(helpers);
	X509_free(issuer);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(r);
	parsed_free(&p);
	ERR_clear_error();
	return rc;
}
