/*
 * certs: the certificate part of an endpoint's scan, run after its planner (plan.h) found a
 * server that speaks TLS. Full handshakes by OpenSSL (hso.h), each one connection:
 *
 *   default   OpenSSL's defaults and the endpoint's SNI: the chain an ordinary client gets
 *             (the contract's "certificates", "chain_trusted", "ocsp", "pins").
 *   rsa, ecdsa, eddsa
 *             after the default, one per other authentication the planner saw (signature
 *             schemes of TLS 1.2/1.3, or the suites' authentication) that the default
 *             leaf's key is not: a dual-certificate server shows each certificate.
 *   nosni     when the endpoint has an SNI: the default handshake without it, to see the
 *             certificate clients without SNI get ("without_sni": same, other, failed).
 *   http      without STARTTLS: a handshake offering ALPN http/1.1; when the server selects
 *             it (or selects none on port 443, 8443, 4443, 9443), "GET /" for the response
 *             headers (Strict-Transport-Security, Public-Key-Pins). Other servers get no
 *             request ("http": null).
 *
 * Every handshake asks for OCSP stapling and SCTs. Each distinct chain (by leaf) gets two
 * verdicts, OpenSSL's (vossl.h) and GnuTLS's (vgnutls.h), on trust, host name and the
 * stapled OCSP response, and its pins (pins.h). Facts only: judging them is the analyzer's.
 * Every handshake's bytes are kept as probe evidence ("cert-default", ..., "http").
 */
#ifndef TLSSCOPE_SCANNER_CERTS_H
#define TLSSCOPE_SCANNER_CERTS_H

#include <stddef.h>
#include <stdint.h>

#include "scanner/pins.h"
#include "scanner/probe.h"
#include "scanner/result.h"
#include "scanner/starttls.h"

#define CERTS_ID_BASE 0x40000000u /* probe ids of this module (the planner's are lower) */

struct certs_env;
struct certs;

/*
 * What a run shares: OpenSSL contexts, the trust anchors of both libraries (ca_file, or
 * the system store when NULL), the pins (borrowed, may be NULL), the User-Agent of the
 * HTTP request. NULL with a message in err when a trust store cannot be loaded.
 */
struct certs_env *certs_env_new(const char *ca_file, const struct pins *pins,
				const char *user_agent, char *err, size_t errcap)
	__attribute__((warn_unused_result));
void certs_env_free(struct certs_env *env);

/* The certificate job of an endpoint whose result r (borrowed, written to) the planner
 * finished. NULL when out of memory. */
struct certs *certs_new(const struct certs_env *env, struct scan_result *r,
			enum stls_proto starttls) __attribute__((warn_unused_result));

/* As eng_ops.next: 1 = *req filled (a talk), 0 = wait for a result, -1 = finished (every
 * result is in r). */
int certs_next(struct certs *c, struct probe_req *req);

/* A probe's result (ids from certs_next). */
void certs_result(struct certs *c, const struct probe_resp *resp);

/* NULL is fine. */
void certs_free(struct certs *c);

#endif
