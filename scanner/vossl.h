/*
 * vossl: OpenSSL's verdicts on a certificate chain and a stapled OCSP response, from the DER
 * bytes a server sent. Pure functions of their inputs and the current time: no network, no
 * global state, no printing. vgnutls.h gives GnuTLS's independent verdicts on the same inputs.
 *
 *   der[0..n-1] (as sent, leaf first) ──► vossl_verify_chain ──► struct vossl_chain
 *        │                                  X509_STORE_CTX: purpose sslserver, depth 100
 *        │                                  (OpenSSL's default, as a libssl client)
 *        └─ + OCSP response DER ────────► vossl_verify_ocsp ──► struct vossl_ocsp
 *                                           OCSP_basic_verify against the same trust
 *
 * Chain (RFC 5280 §6 path validation as OpenSSL does it):
 * - trusted: X509_verify_cert's answer, without the host name (a wrong name does not make the
 *   chain untrusted; hostname_match says it). error/error_code/error_depth: its first error.
 * - hostname_match: X509_check_host(leaf, host, flags 0) or X509_check_ip_asc(leaf, ip), the
 *   checks `openssl verify -verify_hostname/-verify_ip` make. A host that is an IP literal is
 *   matched as an IP address. NULL when neither is given.
 * - in_order: certificate i+1 issued certificate i (X509_check_issued: names, key
 *   identifiers, key usage; and X509_verify: the signature) for every i < n-1.
 * - complete: YES when the path OpenSSL built reached a trusted certificate (even when a later
 *   check failed, e.g. expiry); NO when path building stopped with
 *   X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY at a certificate that is not a CA (the
 *   leaf's issuer, an intermediate, was neither sent nor trusted); NULL otherwise: a missing
 *   issuer of a sent CA certificate may be a missing intermediate or an untrusted root, and
 *   no DER input tells which.
 * - path_len: certificates in the path OpenSSL built, anchor included (when not trusted: the
 *   partial path it built before failing). unused: sent certificates not in that path
 *   (compared by content), including certificates that do not parse.
 *
 * A sent certificate that does not parse as DER X.509 (exactly its bytes) makes the chain
 * untrusted, as it fails a libssl client's handshake: error_code X509_V_ERR_UNSPECIFIED,
 * error "certificate I is not DER X.509", error_depth I; the other fields describe the path
 * built from the certificates that parse.
 *
 * Bounds: at most VOSSL_CHAIN_MAX certificates are read (the others count as unused); the
 * path is bounded by OpenSSL's depth limit (100), so a chain of hundreds of certificates fails
 * fast with "certificate chain too long".
 *
 * Threads: a struct vossl_trust may be shared by threads once made (X509_STORE lookups lock).
 */
#ifndef TLSSCOPE_SCANNER_VOSSL_H
#define TLSSCOPE_SCANNER_VOSSL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/tri.h"   /* enum scanres_tri */

#define VOSSL_CHAIN_MAX 512     /* certificates of one chain read; > any libssl accepts */
#define VOSSL_OCSP_SINGLE_MAX 1024 /* single responses of one OCSP response looked at */
#define VOSSL_OCSP_SKEW 300     /* seconds of clock skew allowed for thisUpdate */

struct vossl_trust;

/*
 * Loads the trust anchors: every certificate of the PEM file ca_file, or the system's default
 * store (X509_STORE_set_default_paths) when ca_file is NULL. Returns a new trust, freed by
 * vossl_trust_free, or NULL with a message in err (e.g. "ca.pem: no certificates in file",
 * "out of memory"). ca_file is not kept.
 */
struct vossl_trust *vossl_trust_new(const char *ca_file, char *err, size_t errcap)
	__attribute__((warn_unused_result));
/* Frees t; NULL is allowed. */
void vossl_trust_free(struct vossl_trust *t);

struct vossl_chain {            /* filled by vossl_verify_chain */
	enum scanres_tri trusted;   /* NULL only on an internal OpenSSL failure */
	int error_code;             /* X509_V_* (0 = ok) */
	char error[128];            /* X509_verify_cert_error_string, "" when trusted */
	int error_depth;            /* -1 when none */
	enum scanres_tri hostname_match; /* NULL when neither host nor ip is given */
	bool in_order;              /* cert i+1 issued cert i for every i (name + signature) */
	enum scanres_tri complete;  /* see the top of this file */
	unsigned path_len;          /* certificates in the path, anchor included */
	unsigned unused;            /* sent certificates not in that path */
	char anchor[256];           /* subject (RFC 2253) of the trust anchor, "" when none */
	unsigned parsed;            /* sent certificates that parsed as DER X.509 */
};

/*
 * Verifies the chain der[0..n-1] (der[i] of len[i] bytes, leaf first, as sent) against t and
 * fills *out. host (a DNS name) or ip (text, IPv4 or IPv6), either may be NULL, is what the
 * leaf must name. Nothing is kept. Returns 0, or -1 when n == 0 or out of memory (then *out
 * holds trusted NULL).
 */
int vossl_verify_chain(const struct vossl_trust *t, const uint8_t *const *der,
                       const size_t *len, size_t n, const char *host, const char *ip,
                       struct vossl_chain *out) __attribute__((warn_unused_result));

struct vossl_ocsp {
	bool parsed;                           /* the DER is an OCSPResponse (RFC 6960 §4.2.1)
						  and, when successful, a BasicOCSPResponse */
	char error[128];                       /* why not parsed / not verified, "" when it is */
	char response_status[24];              /* "successful", "tryLater", ... (RFC 6960 names) */
	char cert_status[12];                  /* "good" | "revoked" | "unknown" | "" (the leaf
						  is not in the response) */
	enum scanres_tri verified;             /* signature valid, signer authorized (the issuer,
						  or a delegate with id-kp-OCSPSigning issued by
						  it) and its certificate valid now */
	char this_update[32], next_update[32], revocation_time[32]; /* RFC 3339, "" = absent */
	char revocation_reason[32];            /* "keyCompromise", ...; "" = absent */
	enum scanres_tri fresh;                /* thisUpdate <= now + VOSSL_OCSP_SKEW and now <=
						  nextUpdate (no nextUpdate: NULL) */
	char responder[256];                   /* byName RFC 2253, or "key:<hex>" */
	int sct_count;                         /* SCTs in the leaf's single response (RFC 6962
						  §3.3 extension 1.3.6.1.4.1.11129.2.4.5) */
};

/*
 * Parses and verifies the OCSP response resp (resp_len bytes of DER) for the leaf der[0] of
 * the chain der[0..n-1] (as for vossl_verify_chain), against t, and fills *out. The leaf's
 * issuer is the sent certificate that issued it, else one from t. The sent certificates help
 * build the responder's chain. Nothing is kept. Returns 0 (a response that does not parse is
 * reported in *out, parsed false), or -1 when n == 0 or out of memory.
 */
int vossl_verify_ocsp(const struct vossl_trust *t, const uint8_t *const *der,
                      const size_t *len, size_t n, const uint8_t *resp, size_t resp_len,
                      struct vossl_ocsp *out) __attribute__((warn_unused_result));

#endif
