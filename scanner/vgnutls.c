/*
 * vgnutls: GnuTLS's verdicts on a chain and an OCSP response (see vgnutls.h).
 *
 * Implementation notes:
 * - The chain is verified as gnutls_certificate_verify_peers2 does in a GnuTLS TLS client:
 *   every certificate imported (one that does not import fails the verification), at most
 *   the default verify depth (16) certificates, then gnutls_x509_trust_list_verify_crt2 with
 *   flags 0 (GnuTLS's defaults, as `certtool --verify` without a profile) and the typed data
 *   key purpose serverAuth plus the host name or the IP address.
 * - GnuTLS folds a name mismatch into the status (GNUTLS_CERT_UNEXPECTED_OWNER |
 *   GNUTLS_CERT_INVALID). When a mismatch leaves no other reason bit, the chain is verified a
 *   second time without the name, so that "trusted" never depends on the name.
 */
#include "scanner/vgnutls.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/ocsp.h>
#include <gnutls/x509.h>

struct vgnutls_trust {
	gnutls_x509_trust_list_t tl;
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

struct vgnutls_trust *vgnutls_trust_new(const char *ca_file, char *err, size_t errcap)
{
	struct vgnutls_trust *t = calloc(1, sizeof(*t));
	int r;

	if (!t) {
		put(err, errcap, "out of memory");
		return NULL;
	}
	r = gnutls_x509_trust_list_init(&t->tl, 0);
	if (r < 0) {
		t->tl = NULL;
		put(err, errcap, "%s", gnutls_strerror(r));
		goto err;
	}
	if (ca_file) {
		r = gnutls_x509_trust_list_add_trust_file(t->tl, ca_file, NULL,
		                                          GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			put(err, errcap, "%s: %s", ca_file,
			    r == 0 ? "no certificates" : gnutls_strerror(r));
			goto err;
		}
	} else {
		r = gnutls_x509_trust_list_add_system_trust(t->tl, 0, 0);
		if (r < 0) {
			put(err, errcap, "system trust: %s", gnutls_strerror(r));
			goto err;
		}
	}
	return t;
err:
	vgnutls_trust_free(t);
	return NULL;
}

void vgnutls_trust_free(struct vgnutls_trust *t)
{
	if (!t)
		return;
	if (t->tl)
		gnutls_x509_trust_list_deinit(t->tl, 1);
	free(t);
}

/* The certificates der[0..m-1] imported into crts (all or none); -1 with *bad = the index
 * of the first one that does not import and *why its error, -2 when out of memory. */
static int import_all(const uint8_t *const *der, const size_t *len, size_t m,
                      gnutls_x509_crt_t *crts, size_t *bad, int *why)
{
	for (size_t i = 0; i < m; i++) {
		int r = gnutls_x509_crt_init(&crts[i]);
		if (r < 0) {
			crts[i] = NULL;
			return -2;
		}
		if (!der[i] || len[i] == 0 || len[i] > 0xffffffffu) {
			*bad = i;
			*why = GNUTLS_E_ASN1_DER_ERROR;
			return -1;
		}
		gnutls_datum_t d = {(unsigned char *)der[i], (unsigned)len[i]};
		r = gnutls_x509_crt_import(crts[i], &d, GNUTLS_X509_FMT_DER);
		if (r < 0) {
			*bad = i;
			*why = r;
			return -1;
		}
	}
	return 0;
}

static void free_all(gnutls_x509_crt_t *crts, size_t m)
{
	if (!crts)
		return;
	for (size_t i = 0; i < m; i++)
		if (crts[i])
			gnutls_x509_crt_deinit(crts[i]);
	free(crts);
}

/* The name the leaf must match, as typed data: an IP literal (in host or ip) as its 4 or 16
 * bytes, else host as a DNS name. false when neither is given. */
static bool name_vdata(const char *host, const char *ip, unsigned char addr[16],
                       gnutls_typed_vdata_st *vd)
{
	const char *a = host && *host ? host : ip && *ip ? ip : NULL;
	if (!a)
		return false;
	memset(vd, 0, sizeof(*vd));
	if (inet_pton(AF_INET, a, addr) == 1) {
		vd->type = GNUTLS_DT_IP_ADDRESS;
		vd->data = addr;
		vd->size = 4;
	} else if (inet_pton(AF_INET6, a, addr) == 1) {
		vd->type = GNUTLS_DT_IP_ADDRESS;
		vd->data = addr;
		vd->size = 16;
	} else if (a == host) {
		vd->type = GNUTLS_DT_DNS_HOSTNAME;
		vd->data = (unsigned char *)host;
		vd->size = 0;
	} else {
		/* ip is not an address: a name no certificate can match */
		vd->type = GNUTLS_DT_IP_ADDRESS;
		memset(addr, 0, 16);
		vd->data = addr;
		vd->size = 16;
	}
	return true;
}

/* The leaf matches the name of vd (for a chain not verified at all). */
static bool leaf_matches(gnutls_x509_crt_t leaf, const gnutls_typed_vdata_st *vd)
{
	if (vd->type == GNUTLS_DT_DNS_HOSTNAME)
		return gnutls_x509_crt_check_hostname2(leaf, (const char *)vd->data, 0) != 0;
	return gnutls_x509_crt_check_ip(leaf, vd->data, vd->size, 0) != 0;
}

/* status as gnutls_certificate_verification_status_print writes it, trailing space cut. */
static void status_text(unsigned status, char *buf, size_t cap)
{
	gnutls_datum_t txt = {NULL, 0};
	buf[0] = '\0';
	if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt, 0) < 0 ||
	    !txt.data) {
		put(buf, cap, "status 0x%x", status);
		return;
	}
	put(buf, cap, "%s", (const char *)txt.data);
	gnutls_free(txt.data);
	size_t l = strlen(buf);
	while (l > 0 && buf[l - 1] == ' ')
		buf[--l] = '\0';
}

int vgnutls_verify_chain(const struct vgnutls_trust *t, const uint8_t *const *der,
                         const size_t *len, size_t n, const char *host, const char *ip,
                         struct vgnutls_chain *out)
{
	gnutls_x509_crt_t *crts = NULL;
	size_t m = 0, bad = 0;
	int why = 0, rc = -1;
	unsigned char addr[16];
	gnutls_typed_vdata_st vd[2];
	unsigned nvd = 0;
	bool have_name;

	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	if (!t || !der || !len || n == 0)
		return -1;

	memset(vd, 0, sizeof(vd));
	vd[0].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd[0].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
	have_name = name_vdata(host, ip, addr, &vd[1]);
	nvd = have_name ? 2 : 1;

	/* A GnuTLS client refuses a longer chain before verifying it; the leaf alone is still
	 * imported for the name. */
	m = n > VGNUTLS_MAX_DEPTH ? 1 : n;
	crts = calloc(m, sizeof(*crts));
	if (!crts)
		goto done;
	int ir = import_all(der, len, m, crts, &bad, &why);
	if (ir == -2)
		goto done;
	if (ir == -1) {
		out->trusted = SCANRES_NO;
		out->status = GNUTLS_CERT_INVALID;
		put(out->error, sizeof(out->error), "certificate %zu is not DER X.509: %s", bad,
		    gnutls_strerror(why));
		/* the leaf imported: its name can still be matched */
		if (have_name && bad > 0)
			out->hostname_match = leaf_matches(crts[0], &vd[1]) ? SCANRES_YES
			                                                    : SCANRES_NO;
		rc = 0;
		goto done;
	}
	if (n > VGNUTLS_MAX_DEPTH) {
		out->trusted = SCANRES_NO;
		out->status = GNUTLS_CERT_INVALID;
		put(out->error, sizeof(out->error),
		    "chain of %zu certificates exceeds GnuTLS's verify depth %d (%s)", n,
		    VGNUTLS_MAX_DEPTH, gnutls_strerror(GNUTLS_E_CONSTRAINT_ERROR));
		if (have_name)
			out->hostname_match = leaf_matches(crts[0], &vd[1]) ? SCANRES_YES
			                                                    : SCANRES_NO;
		rc = 0;
		goto done;
	}

	unsigned status = 0;
	int r = gnutls_x509_trust_list_verify_crt2(t->tl, crts, (unsigned)m, vd, nvd, 0, &status,
	                                           NULL);
	if (r < 0) {
		put(out->error, sizeof(out->error), "%s", gnutls_strerror(r));
		rc = 0;
		goto done;
	}
	out->status = status;
	if (have_name)
		out->hostname_match = status & GNUTLS_CERT_UNEXPECTED_OWNER ? SCANRES_NO
		                                                            : SCANRES_YES;
	unsigned chain_status = status & ~(unsigned)GNUTLS_CERT_UNEXPECTED_OWNER;
	if ((status & GNUTLS_CERT_UNEXPECTED_OWNER) && chain_status == GNUTLS_CERT_INVALID) {
		/* the name alone may have made it invalid: ask again without it */
		r = gnutls_x509_trust_list_verify_crt2(t->tl, crts, (unsigned)m, vd, 1, 0,
		                                       &chain_status, NULL);
		if (r < 0) {
			put(out->error, sizeof(out->error), "%s", gnutls_strerror(r));
			rc = 0;
			goto done;
		}
	}
	if (chain_status == 0) {
		out->trusted = SCANRES_YES;
	} else {
		out->trusted = SCANRES_NO;
		status_text(chain_status, out->error, sizeof(out->error));
	}
	rc = 0;
done:
	free_all(crts, m);
	return rc;
}

/* ---- OCSP ---------------------------------------------------------------------------- */

static void time_text(time_t t, char *buf, size_t cap)
{
	struct tm tm;
	buf[0] = '\0';
	if (t == (time_t)-1 || !gmtime_r(&t, &tm) ||
	    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}

static void verify_text(unsigned v, char *buf, size_t cap)
{
	static const struct {
		unsigned bit;
		const char *text;
	} reasons[] = {
		{GNUTLS_OCSP_VERIFY_SIGNER_NOT_FOUND, "signer not found"},
		{GNUTLS_OCSP_VERIFY_SIGNER_KEYUSAGE_ERROR, "signer key usage not OCSP signing"},
		{GNUTLS_OCSP_VERIFY_UNTRUSTED_SIGNER, "signer not trusted"},
		{GNUTLS_OCSP_VERIFY_INSECURE_ALGORITHM, "insecure signature algorithm"},
		{GNUTLS_OCSP_VERIFY_SIGNATURE_FAILURE, "signature mismatch"},
		{GNUTLS_OCSP_VERIFY_CERT_NOT_ACTIVATED, "signer certificate not yet valid"},
		{GNUTLS_OCSP_VERIFY_CERT_EXPIRED, "signer certificate expired"},
	};
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (!(v & reasons[i].bit) || o >= cap)
			continue;
		int w = snprintf(buf + o, cap - o, "%s%s", o ? ", " : "", reasons[i].text);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (!buf[0])
		put(buf, cap, "verification failed (0x%x)", v);
}

int vgnutls_verify_ocsp(const struct vgnutls_trust *t, const uint8_t *const *der,
                        const size_t *len, size_t n, const uint8_t *resp, size_t resp_len,
                        struct vgnutls_ocsp *out)
{
	gnutls_x509_crt_t *crts = NULL;
	gnutls_x509_crt_t store_issuer = NULL;
	gnutls_ocsp_resp_t r = NULL;
	size_t m;
	int rc = -1;

	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	if (!t || !der || !len || n == 0)
		return -1;

	/* The sent certificates that import (the leaf's issuer is looked for among them). */
	m = n < VGNUTLS_MAX_DEPTH ? n : VGNUTLS_MAX_DEPTH;
	crts = calloc(m, sizeof(*crts));
	if (!crts)
		goto done;
	for (size_t i = 0; i < m; i++) {
		if (gnutls_x509_crt_init(&crts[i]) < 0) {
			crts[i] = NULL;
			goto done;
		}
		gnutls_datum_t d = {(unsigned char *)der[i], (unsigned)len[i]};
		if (!der[i] || len[i] == 0 || len[i] > 0xffffffffu ||
		    gnutls_x509_crt_import(crts[i], &d, GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(crts[i]);
			crts[i] = NULL;
		}
	}
	gnutls_x509_crt_t leaf = crts[0], issuer = NULL;
	for (size_t i = 1; leaf && i < m && !issuer; i++)
		if (crts[i] && gnutls_x509_crt_check_issuer(leaf, crts[i]) == 1)
			issuer = crts[i];
	if (leaf && !issuer &&
	    gnutls_x509_trust_list_get_issuer(t->tl, leaf, &store_issuer, GNUTLS_TL_GET_COPY) >= 0)
		issuer = store_issuer;

	if (gnutls_ocsp_resp_init(&r) < 0) {
		r = NULL;
		goto done;
	}
	if (!resp || resp_len == 0 || resp_len > 0xffffffffu) {
		put(out->error, sizeof(out->error), "not a DER OCSP response");
		rc = 0;
		goto done;
	}
	gnutls_datum_t rd = {(unsigned char *)resp, (unsigned)resp_len};
	int e = gnutls_ocsp_resp_import(r, &rd);
	if (e < 0) {
		put(out->error, sizeof(out->error), "%s", gnutls_strerror(e));
		rc = 0;
		goto done;
	}
	out->parsed = true;
	e = gnutls_ocsp_resp_get_status(r);
	if (e != GNUTLS_OCSP_RESP_SUCCESSFUL) {
		if (e < 0)
			put(out->error, sizeof(out->error), "%s", gnutls_strerror(e));
		else
			put(out->error, sizeof(out->error), "response status %d", e);
		rc = 0;
		goto done;
	}

	bool found = false;
	for (unsigned i = 0; leaf && i < VGNUTLS_OCSP_SINGLE_MAX && !found; i++) {
		unsigned cs = 0, reason = 0;
		time_t thisupd = -1, nextupd = -1, revt = -1;
		if (gnutls_ocsp_resp_get_single(r, i, NULL, NULL, NULL, NULL, &cs, &thisupd,
		                                &nextupd, &revt, &reason) < 0)
			break;
		if (gnutls_ocsp_resp_check_crt(r, i, leaf) != 0)
			continue;
		found = true;
		put(out->cert_status, sizeof(out->cert_status), "%s",
		    cs == GNUTLS_OCSP_CERT_GOOD ? "good" :
		    cs == GNUTLS_OCSP_CERT_REVOKED ? "revoked" : "unknown");
		time_text(thisupd, out->this_update, sizeof(out->this_update));
		time_text(nextupd, out->next_update, sizeof(out->next_update));
		if (cs == GNUTLS_OCSP_CERT_REVOKED)
			time_text(revt, out->revocation_time, sizeof(out->revocation_time));
		time_t now = time(NULL);
		if (thisupd == (time_t)-1 || thisupd > now + VGNUTLS_OCSP_SKEW)
			out->fresh = SCANRES_NO;
		else if (nextupd == (time_t)-1)
			out->fresh = SCANRES_NULL;
		else
			out->fresh = now <= nextupd ? SCANRES_YES : SCANRES_NO;
	}

	if (!issuer) {
		put(out->error, sizeof(out->error), "%s", leaf ? "the leaf's issuer is unknown"
		                                               : "certificate 0 is not DER X.509");
		rc = 0;
		goto done;
	}
	unsigned v = 0;
	e = gnutls_ocsp_resp_verify_direct(r, issuer, &v, 0);
	out->verify = v;
	if (e < 0) {
		out->verified = SCANRES_NO;
		put(out->error, sizeof(out->error), "%s", gnutls_strerror(e));
	} else if (v != 0) {
		out->verified = SCANRES_NO;
		verify_text(v, out->error, sizeof(out->error));
	} else {
		out->verified = SCANRES_YES;
		if (!found)
			put(out->error, sizeof(out->error), "the leaf is not in the response");
	}
	rc = 0;
done:
	if (rc != 0)
		put(out->error, sizeof(out->error), "out of memory");
	if (r)
		gnutls_ocsp_resp_deinit(r);
	if (store_issuer)
		gnutls_x509_crt_deinit(store_issuer);
	free_all(crts, crts ? m : 0);
	return rc;
}
