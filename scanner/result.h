/*
 * scanres: what an active scan of one endpoint found (facts, no verdicts), and the evidence
 * behind it: every probe's request bytes, response bytes and outcome.
 *
 * The planner (plan.h) fills a struct scan_result; the engine adds what only it knows (the
 * wall time, a connection-level error); the CLI prints it (scanres_json) and stores it
 * (--db). Field names follow the "scan" object of INTERFACE.md; scanres_json documents the
 * extra fields it writes.
 *
 * Tri-state facts use enum scanres_tri: SCANRES_NULL (not determined: printed as JSON null),
 * SCANRES_NO, SCANRES_YES. A zero-initialised field is SCANRES_NULL.
 *
 * Memory: struct scan_result is a plain struct with fixed-capacity lists; only the probe
 * evidence is allocated (scanres_add_probe), within SCANRES_EVIDENCE_MAX bytes per result.
 */
#ifndef TLSSCOPE_SCANNER_RESULT_H
#define TLSSCOPE_SCANNER_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/probe.h"
#include "scanner/tri.h"
#include "scanner/vgnutls.h"
#include "scanner/vossl.h"

#define SCANRES_HOST_MAX 256       /* host names and SNI, NUL included */
#define SCANRES_IP_MAX 48
#define SCANRES_TARGET_MAX 272     /* "host:port", "[v6]:port" */
#define SCANRES_MAX_SUITES 400     /* > every IANA suite */
#define SCANRES_MAX_GROUPS 96      /* > every IANA group */
#define SCANRES_MAX_SIGALGS 64
#define SCANRES_MAX_V2 16
#define SCANRES_MAX_DHE 8
#define SCANRES_ERR_MAX 128
#define SCANRES_MAX_PROBES 1024                  /* evidence entries kept */
#define SCANRES_PROBE_RESP_MAX (16u << 10)       /* response bytes kept per probe */
#define SCANRES_EVIDENCE_MAX (2u << 20)          /* evidence bytes kept per endpoint */
#define SCANRES_PROBE_NAME_MAX 40
#define SCANRES_OUTCOME_MAX 96
#define SCANRES_MAX_CHAINS 4                     /* distinct leaves kept (one per handshake) */
#define SCANRES_CHAIN_MAX 512                    /* certificates kept of a chain (the most
						    OpenSSL's 1 MiB certificate list holds
						    of small ones) */
#define SCANRES_PINS_MAX 32                      /* configured pins of one endpoint */


/* Protocol versions, in the order of INTERFACE.md's "protocols" object. */
enum scanres_ver {
	SCANRES_SSL2 = 0,
	SCANRES_SSL3,
	SCANRES_TLS10,
	SCANRES_TLS11,
	SCANRES_TLS12,
	SCANRES_TLS13,
	SCANRES_NVER,
};

/* One version's findings. */
struct scanres_version {
	enum scanres_tri supported;
	uint16_t selected_instead;   /* the server answered a hello of this version with this
					(lower) version; 0 when not */
	bool intolerant;             /* a hello of this version, above the server's highest,
					got an alert or a close instead of a lower version */
	uint16_t suites[SCANRES_MAX_SUITES]; /* accepted suites: the server's preference order
					when server_order is YES, else ascending code point */
	size_t n_suites;
	enum scanres_tri server_order; /* NULL when fewer than 2 suites (nothing to order) */
	unsigned order_checked;      /* positions of the list confirmed by a second pass in the
					reversed client order */
	bool order_inconsistent;     /* that pass chose differently: the order depends partly
					on the client's order (e.g. equal-preference groups) */
};

/* One probe's transcript. */
struct scanres_probe {
	uint32_t id;
	char name[SCANRES_PROBE_NAME_MAX];   /* what it asked, e.g. "suites-TLSv1.2" */
	uint8_t *request;                    /* owned; request_len bytes */
	size_t request_len;
	uint8_t *response;                   /* owned; the first response_len bytes received */
	size_t response_len;
	size_t response_total;               /* bytes received (> response_len when cut) */
	enum probe_transport transport;
	uint32_t elapsed_us;
	char outcome[SCANRES_OUTCOME_MAX];   /* "TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
						"alert:handshake_failure", "closed", ... */
};

/* What one full handshake (OpenSSL, hso.h) got, and the verdicts on it. */
struct scanres_chain {
	char requested[8];                    /* "default", "rsa", "ecdsa", "eddsa" */
	char error[SCANRES_ERR_MAX];          /* why the handshake failed; "" when it did not */
	uint16_t version, suite;              /* negotiated */
	uint8_t *der[SCANRES_CHAIN_MAX];      /* the chain as sent, leaf first (owned) */
	size_t der_len[SCANRES_CHAIN_MAX];
	size_t n_certs;                       /* kept */
	size_t n_sent;                        /* in the Certificate message */
	struct vossl_chain v;                 /* OpenSSL's verdict */
	struct vgnutls_chain g;               /* GnuTLS's verdict */
	bool verified;                        /* v and g are filled */
	/* OCSP stapling */
	bool stapled;
	uint8_t *ocsp;                        /* the stapled response (owned), NULL = none */
	size_t ocsp_len;
	struct vossl_ocsp vo;                 /* filled when stapled */
	struct vgnutls_ocsp go;
	bool ocsp_applicable;                 /* the leaf names an OCSP responder or must-staple */
	bool must_staple;
	/* Certificate Transparency: SCTs per source */
	int sct_embedded, sct_tls, sct_ocsp;
	/* pins (when configured for the endpoint) */
	uint64_t pin_depths;                  /* bit d: the certificate at depth d matched
						 (depths < 64 are looked at) */
	unsigned pin_hits;                    /* configured pins that matched a certificate */
	char pin_matched[SCANRES_PINS_MAX][48]; /* the pins that matched, base64 (pin-sha256) */
};

/* One HTTP request after a handshake (HTTPS endpoints): the headers we record. */
struct scanres_http {
	bool asked;                           /* a request was made */
	bool answered;                        /* a status line came back */
	int status;
	char *hsts;                           /* Strict-Transport-Security (owned), NULL absent */
	char *hpkp;                           /* Public-Key-Pins (owned), NULL absent */
	char error[SCANRES_ERR_MAX];
};

struct scan_result {
	/* the endpoint */
	char target[SCANRES_TARGET_MAX];
	char host[SCANRES_HOST_MAX];          /* "" = none (IP target) */
	char ip[SCANRES_IP_MAX];
	uint16_t port;
	char sni[SCANRES_HOST_MAX];           /* "" = none sent */
	bool has_error;
	char error[SCANRES_ERR_MAX];          /* "connection refused", "timeout", "not TLS" */

	/* versions and suites */
	struct scanres_version ver[SCANRES_NVER];
	uint32_t sslv2_specs[SCANRES_MAX_V2]; /* SSLv2 cipher specs of the SERVER-HELLO */
	size_t n_sslv2_specs;

	/* key exchange groups */
	uint16_t groups13[SCANRES_MAX_GROUPS]; /* TLS 1.3 (key_share / HelloRetryRequest) */
	size_t n_groups13;
	enum scanres_tri groups13_order;
	uint16_t groups12[SCANRES_MAX_GROUPS]; /* TLS <= 1.2 ECDHE (ServerKeyExchange curve) */
	size_t n_groups12;
	enum scanres_tri groups12_order;
	uint16_t ffdhe12[8];                  /* TLS <= 1.2 DHE primes that are RFC 7919 groups */
	size_t n_ffdhe12;
	enum scanres_tri ffdhe_negotiated;    /* the server picks the DHE group from the client's
						 supported_groups (RFC 7919) */
	struct scanres_dhe {
		unsigned bits;                /* size of p */
		char prime[16];               /* "ffdhe2048", "modp2048" (RFC 3526), ...;
						 "" = not a well-known prime */
	} dhe[SCANRES_MAX_DHE];               /* DHE primes seen, each once */
	size_t n_dhe;
	enum scanres_tri tls13_hrr;           /* an x25519 key share was answered with an HRR */

	/* TLS 1.2 signature schemes (ServerKeyExchange); ascending code point */
	uint16_t sigalgs12[SCANRES_MAX_SIGALGS];
	size_t n_sigalgs12;
	enum scanres_tri sigalgs12_known;     /* NULL: not measurable (no TLS 1.2 (EC)DHE) */
	/* TLS 1.3 signature schemes (one scheme offered per hello: a ServerHello = the server
	 * can sign with it); registry order, the server's order is not known */
	uint16_t sigalgs13[SCANRES_MAX_SIGALGS];
	size_t n_sigalgs13;
	enum scanres_tri sigalgs13_known;     /* NULL: no TLS 1.3, or a probe got no answer */

	/* behaviour */
	enum scanres_tri fallback_scsv;       /* inappropriate_fallback on a lower version + SCSV */
	enum scanres_tri downgrade_sentinel;  /* DOWNGRD\x01 in a TLS 1.2 ServerHello when 1.3 is
						 supported */
	enum scanres_tri downgrade_sentinel11; /* DOWNGRD\x00 in a TLS 1.1/1.0 ServerHello when
						 1.2 or 1.3 is supported */
	enum scanres_tri secure_renegotiation, extended_master_secret, encrypt_then_mac,
		session_ticket, heartbeat, compression, ocsp_stapling, alpn;
	char alpn_selected[256];              /* when alpn is YES */
	uint16_t features_version;            /* the version those features were read from */
	unsigned version_intolerance;         /* hellos that got no lower version, bit per
						 enum scanres_ver */

	/* certificates, trust, stapling, pins: one entry per distinct leaf, the default
	 * handshake's first (chains[0] is the contract's "certificates"); n_chains 0 when
	 * no full handshake was made */
	struct scanres_chain chains[SCANRES_MAX_CHAINS];
	size_t n_chains;
	size_t pins_configured;               /* pins for this endpoint (--pins) */
	enum {
		SCANRES_WITHOUT_SNI_UNTRIED = 0,  /* no SNI to leave out, or not reached */
		SCANRES_WITHOUT_SNI_SAME,         /* the same leaf as with the SNI */
		SCANRES_WITHOUT_SNI_OTHER,        /* another certificate (in chains) */
		SCANRES_WITHOUT_SNI_FAILED,       /* no handshake without SNI */
	} without_sni;
	struct scanres_http http;

	/* cost */
	unsigned connections;                 /* probes run (TCP connections) */
	unsigned probe_failures;              /* probes ending without a TLS answer (timeout,
						 reset, garbage) after the server had answered */
	uint64_t elapsed_ms;                  /* set by the engine */

	/* evidence, in the order the results arrived */
	struct scanres_probe *probes;
	size_t n_probes, cap_probes;
	size_t evidence_bytes;
	bool evidence_cut;                    /* some evidence was dropped (limits above) */
};

/* A zeroed result (every tri-state NULL, no probes). NULL when out of memory. */
struct scan_result *scanres_new(void) __attribute__((warn_unused_result));

/* Frees r and its evidence. NULL is fine. */
void scanres_free(struct scan_result *r);

/* Sets the endpoint-level error (printf-style, cut to SCANRES_ERR_MAX). */
void scanres_set_error(struct scan_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Appends one probe's evidence: copies req (req_len bytes) and the first
 * SCANRES_PROBE_RESP_MAX bytes of resp (NULL when resp_len is 0). Over SCANRES_MAX_PROBES
 * entries or SCANRES_EVIDENCE_MAX bytes, the bytes (or the whole entry) are dropped and
 * evidence_cut is set. Returns false only when out of memory (the entry is then dropped and
 * evidence_cut set too).
 */
bool scanres_add_probe(struct scan_result *r, uint32_t id, const char *name,
		       const uint8_t *req, size_t req_len, const uint8_t *resp, size_t resp_len,
		       enum probe_transport transport, uint32_t elapsed_us, const char *outcome);

/* INTERFACE.md name of a version ("TLSv1.2"); static string. */
const char *scanres_ver_name(enum scanres_ver v);

/* The enum scanres_ver of a protocol version code point, -1 for others. */
int scanres_ver_of(uint16_t version);

/* The protocol version code point of v (SSLv2: 0x0002). */
uint16_t scanres_ver_code(enum scanres_ver v);

/*
 * The "scan" object of INTERFACE.md, as newly allocated NUL-terminated compact JSON (one
 * line, no newline); the caller frees it with free(). NULL when out of memory.
 *
 * Contract fields: type, target, host, ip, port, sni, error, protocols, ciphers (IANA names,
 * SSLv2 specs by their SSL_CK_ names), server_order (null: fewer than two suites), groups
 * (TLS 1.3 groups, then TLS <= 1.2 ECDHE groups not already listed, then RFC 7919 DHE
 * groups; each part in the server's order when it has one, else ascending code point),
 * certificates ([]), chain_trusted, verify_error, hostname_match, ocsp, pins (null: the
 * certificate probe is a later issue), fallback_scsv, downgrade_sentinel, connections,
 * elapsed_ms.
 * Extra fields: "groups_detail" {"TLSv1.3":[...], "TLSv1.3_server_order":..,
 * "TLSv1.2":[...], "TLSv1.2_server_order":.., "ffdhe":[...], "ffdhe_negotiated":..,
 * "dhe":[{"bits":2048,"prime":"modp2048"|null}], "tls13_hello_retry":..}, "sigalgs" {"TLSv1.2":[...]|null,
 * "TLSv1.3":[...]|null, "TLSv1.3_order":null (registry order, not the server's)}, "features" {"secure_renegotiation", "extended_master_secret",
 * "encrypt_then_mac", "session_ticket", "heartbeat", "compression", "ocsp_stapling", "alpn"
 * (selected name or null), "version":..., "downgrade_sentinel_tls11"}, "version_intolerance"
 * [names], "selected_instead" {"TLSv1.2":"TLSv1.0"}, "order_checked" {"TLSv1.2":N},
 * "order_inconsistent" [names], "probe_failures", "evidence_cut".
 * with_probes adds "probes": [{"id","name","outcome","transport","elapsed_us",
 * "request_len","response_len"}] (the bytes themselves go to the store).
 */
char *scanres_json(const struct scan_result *r, bool with_probes)
	__attribute__((warn_unused_result));

#endif
