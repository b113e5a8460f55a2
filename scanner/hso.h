/*
 * hso: a full TLS handshake by OpenSSL, as an interactive probe (probe.h's talk) over
 * memory BIOs: the engine moves the bytes, OpenSSL speaks TLS. What it gets is what a real
 * client gets: the certificate chain as sent (TLS 1.3 included, where the raw probes see
 * only ciphertext), the stapled OCSP response (TLS 1.2 CertificateStatus or TLS 1.3
 * Certificate entry), the SCTs of the TLS extension, and optionally the response headers of
 * one HTTP request sent once the handshake is over.
 *
 * No verdicts here: verification runs afterwards on the DER (vossl.h, vgnutls.h), so the
 * handshake accepts any certificate (SSL_VERIFY_NONE) and any protocol version and suite
 * OpenSSL can speak (@SECLEVEL=0, TLS 1.0 and up, legacy renegotiation allowed).
 *
 *   hso_ctx_new (once per run) ─▶ hso_new (per handshake) ─▶ probe_req.talk = { hso_step, h }
 *        ─▶ engine runs it ─▶ hso_result(h) ─▶ hso_free
 *
 * OpenSSL headers are included only in hso.c.
 */
#ifndef TLSSCOPE_SCANNER_HSO_H
#define TLSSCOPE_SCANNER_HSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/probe.h"

#define HSO_MAX_CHAIN 512         /* certificates kept of a chain (more are counted) */
#define HSO_MAX_CERT_LIST (1u << 20) /* certificate message size accepted */
#define HSO_HTTP_MAX 16384        /* response header bytes read at most */
#define HSO_ERR_MAX 128

/* Which certificate to ask for, through the signature schemes (and, for TLS <= 1.2, the
 * suites' authentication) offered. */
enum hso_auth {
	HSO_ANY = 0,  /* OpenSSL's defaults: what an ordinary client gets */
	HSO_RSA,
	HSO_ECDSA,
	HSO_EDDSA,
	HSO_NAUTH,
};

/* "default", "rsa", "ecdsa", "eddsa". */
const char *hso_auth_name(enum hso_auth a);

struct hso_opts {
	const char *sni;          /* server name to send, NULL = none (copied) */
	enum hso_auth auth;
	const char *http_host;    /* non-NULL: offer ALPN http/1.1 and, after the handshake,
				     when the server selected it (or selected no protocol and
				     http_without_alpn is set), send "GET / HTTP/1.1" with this
				     Host (copied) and read the response headers */
	bool http_without_alpn;   /* a server that ignores ALPN is taken to speak HTTP (its
				     port is an HTTPS port) */
	const char *user_agent;   /* for the HTTP request; NULL: "tlsscope" */
};

struct hso_result {
	bool handshake_done;
	char error[HSO_ERR_MAX];      /* why the handshake failed ("alert:handshake_failure",
					 OpenSSL's reason); "" when done */
	uint16_t version;             /* negotiated, 0 when not done */
	uint16_t suite;
	char alpn[64];                /* selected ALPN, "" none */
	const uint8_t *der[HSO_MAX_CHAIN]; /* the chain as sent, leaf first (owned by h) */
	size_t der_len[HSO_MAX_CHAIN];
	size_t n_certs;               /* kept (<= HSO_MAX_CHAIN) */
	size_t n_sent;                /* in the Certificate message */
	const uint8_t *ocsp;          /* the stapled OCSP response, NULL when none */
	size_t ocsp_len;
	bool status_requested;        /* we asked for stapling (always) */
	int sct_tls, sct_ocsp, sct_x509; /* SCTs per source, as OpenSSL found them */
	/* HTTP (http_host set and the handshake done) */
	bool http_asked;              /* the request was sent */
	bool http_done;               /* the whole header block arrived */
	int http_status;              /* 0 when no status line */
	size_t http_bytes;            /* response bytes read */
	char *hsts;                   /* Strict-Transport-Security value, NULL = absent */
	char *hpkp;                   /* Public-Key-Pins value, NULL = absent */
	/* our first flight (the ClientHello), for the evidence */
	const uint8_t *client_hello;
	size_t client_hello_len;
};

struct hso_ctx;
struct hso;

/* The SSL_CTXs of a run (one per enum hso_auth). NULL with a message in err when OpenSSL
 * cannot make them. */
struct hso_ctx *hso_ctx_new(char *err, size_t errcap) __attribute__((warn_unused_result));
void hso_ctx_free(struct hso_ctx *c);

/* One handshake. NULL when out of memory. c must outlive it. */
struct hso *hso_new(struct hso_ctx *c, const struct hso_opts *o)
	__attribute__((warn_unused_result));

/* The talk step (probe.h): arg is the struct hso. */
enum probe_talk_rc hso_step(void *arg, const uint8_t *in, size_t len, const uint8_t **out,
			    size_t *out_len);

/* What the handshake got so far (complete once the engine delivered the result). Valid
 * until hso_free. */
const struct hso_result *hso_result(const struct hso *h);

/* NULL is fine. */
void hso_free(struct hso *h);

#endif
