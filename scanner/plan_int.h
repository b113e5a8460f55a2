/*
 * plan internals shared by plan.c (scheduling, what answers prove), plan_parse.c (reading a
 * server's answer) and plan_hello.c (writing our ClientHellos). Not a public interface.
 */
#ifndef TLSSCOPE_SCANNER_PLAN_INT_H
#define TLSSCOPE_SCANNER_PLAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/wire/msg.h"
#include "scanner/probe.h"

/* ---- answers ------------------------------------------------------------------------- */

enum plan_ans_kind {
	PLAN_ANS_NONE = 0,   /* no bytes at all */
	PLAN_ANS_SH,         /* a ServerHello (TLS / SSLv3) */
	PLAN_ANS_HRR,        /* a TLS 1.3 HelloRetryRequest */
	PLAN_ANS_ALERT,      /* an alert before any ServerHello */
	PLAN_ANS_SSLV2,      /* an SSLv2 SERVER-HELLO */
	PLAN_ANS_SSLV2_ERR,  /* an SSLv2 ERROR message */
	PLAN_ANS_TRUNCATED,  /* TLS records, but they end inside a record or message */
	PLAN_ANS_GARBAGE,    /* not TLS */
	PLAN_ANS_UNEXPECTED, /* whole TLS records, but no ServerHello, alert or SSLv2 message */
};

/* Extensions of a ServerHello that the planner looks at: bit PLAN_X_* of 'exts'. */
enum plan_x {
	PLAN_X_RENEG = 1u << 0,
	PLAN_X_EMS = 1u << 1,
	PLAN_X_ETM = 1u << 2,
	PLAN_X_TICKET = 1u << 3,
	PLAN_X_HEARTBEAT = 1u << 4,
	PLAN_X_STATUS = 1u << 5,
	PLAN_X_ALPN = 1u << 6,
	PLAN_X_VERSIONS = 1u << 7,
	PLAN_X_KEY_SHARE = 1u << 8,
};

#define PLAN_ANS_V2_MAX 16

/* What one response says; filled by plan_parse. */
struct plan_answer {
	enum plan_ans_kind kind;
	/* ServerHello / HelloRetryRequest */
	uint16_t version;            /* negotiated */
	uint16_t suite;
	uint8_t compression;
	uint16_t group;              /* key_share group (HRR: selected_group), 0 = none */
	bool sid_checked, sid_ok;    /* TLS 1.3: our legacy_session_id was echoed */
	enum tls_downgrade downgrade;
	uint32_t exts;               /* enum plan_x bits */
	bool has_alpn;
	char alpn[256];
	/* alerts (the first one, also after a ServerHello) */
	bool alert;
	uint8_t alert_level, alert_desc;
	/* the rest of a TLS <= 1.2 flight (full_flight probes) */
	unsigned n_certs;
	bool ske;                    /* a ServerKeyExchange was parsed */
	uint16_t ske_group;          /* ECDHE named curve */
	unsigned dh_bits;            /* DHE prime size */
	uint16_t ffdhe;              /* the RFC 7919 group whose prime the DHE p is, 0 = none */
	const char *dh_prime;        /* plan_dh_prime_name of p, NULL = not a well-known one */
	uint16_t ske_sig;            /* TLS 1.2 signature scheme */
	bool done;                   /* ServerHelloDone seen */
	/* SSLv2 */
	uint32_t v2_specs[PLAN_ANS_V2_MAX];
	size_t n_v2_specs;
	/* a parse problem (TLS_ANOM_NONE when none) */
	enum tls_anom anomaly;
};

/*
 * Reads the server bytes b[0..n) of one probe. sid/sid_len: the legacy_session_id sent (TLS
 * 1.3 probes check its echo; sid_len 0 = no check). msgbuf/msgcap: scratch space for
 * handshake reassembly (HS_MAX_MSG is enough). Fills *a; never fails.
 */
void plan_parse(const uint8_t *b, size_t n, const uint8_t *sid, size_t sid_len,
		uint8_t *msgbuf, size_t msgcap, struct plan_answer *a);

/* The name of a well-known DH prime p (big-endian, leading zero bytes allowed):
 * "ffdhe2048".."ffdhe8192" (RFC 7919; *ffdhe = its group code 0x0100..0x0104),
 * "modp768", "modp1024" (RFC 2409), "modp1536".."modp8192" (RFC 3526); NULL (and *ffdhe 0)
 * for any other prime. Static strings; thread-safe. */
const char *plan_dh_prime_name(const uint8_t *p, size_t len, uint16_t *ffdhe);

/* Alert description name ("handshake_failure"), or NULL for unknown codes. */
const char *plan_alert_name(uint8_t desc);

/* A short text of an answer for the evidence ("TLSv1.2 TLS_ECDHE_...", "hrr TLSv1.3 ...
 * group x25519", "alert:protocol_version", "closed", "timeout"). */
void plan_answer_text(const struct plan_answer *a, enum probe_transport t, char *out,
		      size_t cap);

/* ---- hellos -------------------------------------------------------------------------- */

/* What to put in one ClientHello; plan_hello fills in the rest (extensions, keyed random). */
struct plan_hello {
	uint16_t version;            /* TLS_V_*: SSLv2 form for TLS_V_SSL2; TLS 1.3 adds
					supported_versions [0x0304] with legacy_version 1.2 */
	const uint16_t *suites;
	size_t n_suites;
	bool fallback_scsv;          /* append TLS_FALLBACK_SCSV */
	const uint16_t *groups;      /* supported_groups; NULL = the default for the version */
	size_t n_groups;
	bool no_groups;              /* omit supported_groups */
	const uint16_t *sig_algs;    /* NULL = every registry scheme */
	size_t n_sig_algs;
	bool empty_key_share;        /* TLS 1.3: empty client_shares instead of x25519 */
	uint16_t key_share;          /* TLS 1.3: the key share's group, 0 = x25519; one of
					plan_key_share_ok */
};

/* plan_hello can send a key share of group g (x25519, x448, secp256r1/384r1/521r1: the
 * NIST curves' share is the curve's generator, a valid point). */
bool plan_key_share_ok(uint16_t g);

/* Keyed per-probe values: HMAC-SHA256(key, label | ip | port | id). */
void plan_keyed(const uint8_t key[32], const char *label, const char *ip, uint16_t port,
		uint32_t id, uint8_t out[32]);

/*
 * Builds the hello h as probe id of endpoint (ip, port) into req->hello (req->hello_len,
 * req->id set; full_flight left to the caller). sid receives the legacy_session_id sent
 * (32 bytes for TLS 1.3 probes, *sid_len 0 otherwise). Returns false when the hello does not
 * fit (a bug: the callers keep lists small enough).
 */
bool plan_hello(const uint8_t key[32], const char *ip, uint16_t port, const char *sni,
		uint32_t id, const struct plan_hello *h, struct probe_req *req, uint8_t sid[32],
		size_t *sid_len) __attribute__((warn_unused_result));

/* Default lists. */
size_t plan_ec_groups(uint16_t *out, size_t cap);      /* TLS <= 1.2 ECDHE curves */
size_t plan_all_groups(uint16_t *out, size_t cap);     /* every registry group (TLS 1.3) */
size_t plan_all_sigalgs(uint16_t *out, size_t cap);    /* every registry signature scheme */
size_t plan_sigalgs13(uint16_t *out, size_t cap);      /* schemes TLS 1.3 allows in
							  CertificateVerify, registry order */

#endif
