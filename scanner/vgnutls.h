/*
 * vgnutls: GnuTLS's verdicts on a certificate chain and a stapled OCSP response, from the DER
 * bytes a server sent: a second opinion, independent of OpenSSL's (vossl.h), on the same
 * inputs. Pure functions of their inputs and the current time: no network, no global state
 * beyond GnuTLS's own, no printing.
 *
 *   der[0..n-1] (leaf first) ──► vgnutls_verify_chain: gnutls_x509_trust_list_verify_crt2
 *        │                          (sorts the chain itself; typed data: key purpose
 *        │                          serverAuth + GNUTLS_DT_DNS_HOSTNAME or _IP_ADDRESS)
 *        └─ + OCSP DER ─────────► vgnutls_verify_ocsp: gnutls_ocsp_resp_check_crt finds the
 *                                   leaf, gnutls_ocsp_resp_verify_direct against its issuer
 *
 * Chain:
 * - trusted: the status without GNUTLS_CERT_UNEXPECTED_OWNER is 0 (a wrong name does not make
 *   the chain untrusted; hostname_match says it). error: the text of
 *   gnutls_certificate_verification_status_print for that status, as `certtool --verify`
 *   prints it after "Not verified. ", without the trailing space.
 * - As a GnuTLS TLS client (gnutls_certificate_verify_peers, default verify limits), a chain
 *   of more than VGNUTLS_MAX_DEPTH certificates is rejected without verification
 *   (GNUTLS_E_CONSTRAINT_ERROR): trusted NO, status GNUTLS_CERT_INVALID, error "chain of N
 *   certificates exceeds GnuTLS's verify depth 16". `certtool --verify`, which has no such
 *   limit, may call the same chain trusted.
 * - Any certificate that does not import as DER: trusted NO (GnuTLS's TLS client fails the
 *   same way), error "certificate I is not DER X.509: <gnutls_strerror>".
 *
 * Threads: a struct vgnutls_trust may be shared by threads once made (verification only
 * reads it).
 */
#ifndef TLSSCOPE_SCANNER_VGNUTLS_H
#define TLSSCOPE_SCANNER_VGNUTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/tri.h"   /* enum scanres_tri */

#define VGNUTLS_MAX_DEPTH 16          /* GnuTLS's default verify depth (DEFAULT_MAX_VERIFY_DEPTH) */
#define VGNUTLS_OCSP_SINGLE_MAX 1024  /* single responses of one OCSP response looked at */
#define VGNUTLS_OCSP_SKEW 300         /* seconds of clock skew allowed for thisUpdate */

struct vgnutls_trust;

/*
 * Loads the trust anchors: every certificate of the PEM file ca_file, or the system's trust
 * (gnutls_x509_trust_list_add_system_trust) when ca_file is NULL. Returns a new trust, freed
 * by vgnutls_trust_free, or NULL with a message in err (e.g. "ca.pem: no certificates",
 * "ca.pem: Error while reading file."). ca_file is not kept.
 */
struct vgnutls_trust *vgnutls_trust_new(const char *ca_file, char *err, size_t errcap)
	__attribute__((warn_unused_result));
/* Frees t; NULL is allowed. */
void vgnutls_trust_free(struct vgnutls_trust *t);

struct vgnutls_chain {
	enum scanres_tri trusted;        /* NULL only when GnuTLS returned an error code */
	enum scanres_tri hostname_match; /* NULL when neither host nor ip is given */
	unsigned status;                 /* gnutls_certificate_status_t bits, as returned
					    (GNUTLS_CERT_UNEXPECTED_OWNER included) */
	char error[160];                 /* see above; "" when trusted */
};

/*
 * Verifies the chain der[0..n-1] (der[i] of len[i] bytes, leaf first, as sent) against t and
 * fills *out. host (a DNS name; an IP literal is matched as an address) or ip (text), either
 * may be NULL, is what the leaf must name. Nothing is kept. Returns 0, or -1 when n == 0 or
 * out of memory (then *out holds trusted NULL).
 */
int vgnutls_verify_chain(const struct vgnutls_trust *t, const uint8_t *const *der,
                         const size_t *len, size_t n, const char *host, const char *ip,
                         struct vgnutls_chain *out) __attribute__((warn_unused_result));

struct vgnutls_ocsp {
	bool parsed;                /* gnutls_ocsp_resp_import accepted it */
	char error[128];            /* why not parsed / not verified, "" when it is */
	char cert_status[12];       /* "good" | "revoked" | "unknown" | "" (leaf not in it) */
	enum scanres_tri verified;  /* gnutls_ocsp_resp_verify_direct against the leaf's issuer
				       (the sent certificate that issued it, else one from t);
				       NULL when no issuer was found or the response status is
				       not successful */
	enum scanres_tri fresh;     /* thisUpdate <= now + VGNUTLS_OCSP_SKEW and now <=
				       nextUpdate (no nextUpdate: NULL) */
	char this_update[32], next_update[32], revocation_time[32]; /* RFC 3339, "" = absent */
	unsigned verify;            /* gnutls_ocsp_verify_reason_t bits (0 when verified) */
};

/*
 * Parses and verifies the OCSP response resp (resp_len bytes of DER) for the leaf der[0] of
 * der[0..n-1], against t, and fills *out. Nothing is kept. Returns 0 (a response that does
 * not parse is reported in *out), or -1 when n == 0 or out of memory.
 */
int vgnutls_verify_ocsp(const struct vgnutls_trust *t, const uint8_t *const *der,
                        const size_t *len, size_t n, const uint8_t *resp, size_t resp_len,
                        struct vgnutls_ocsp *out) __attribute__((warn_unused_result));

#endif
