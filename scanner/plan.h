/*
 * plan: the scan planner of one endpoint: which ClientHellos to send, and what the answers
 * prove (versions, every suite per version, server order, groups, signature algorithms,
 * fallback SCSV, downgrade sentinel, extensions behaviour). No sockets here: the engine
 * (engine.h) runs the probes the planner hands out and returns their responses.
 *
 * Lifecycle: plan_new → repeat { plan_next → (engine runs it) → plan_result } until
 * plan_next returns PLAN_DONE → plan_outcome / plan_take_result → plan_free.
 *
 * plan_next may hand out several probes before their results come back (up to
 * opts.max_inflight, default PLAN_INFLIGHT_DEFAULT): they belong to independent chains of
 * questions. Results may arrive in any order. One probe = one TCP connection.
 *
 * ## What is asked, and how (few connections)
 *
 * Chains of probes, each sequential, run side by side:
 *
 *   suites-V  for V in SSLv3, TLS 1.0, 1.1, 1.2, 1.3: "offer many, strike the chosen":
 *             every IANA suite valid for V (TLS 1.3: the TLS 1.3 suites only; no SCSVs)
 *             is offered in chunks of at most PLAN_CHUNK codes (commonly deployed key
 *             exchanges first, so one chunk usually holds every accepted suite); the
 *             server's choice is struck and the rest offered again until the server
 *             refuses. Cost: accepted + chunks. A long offer answered by a bare close or
 *             decode_error is retried with PLAN_SMALL_OFFER codes: answered, the server
 *             chokes on long hellos and the chunks are halved from then on; closed too,
 *             the server closes on every hello of that version (intolerance), which ends
 *             the chain after 2 probes.
 *             A ServerHello selecting exactly V proves V (a TLS 1.3 HelloRetryRequest
 *             counts: it names a suite); a lower version or a protocol_version alert ends
 *             the chain (selected_instead records the lower version).
 *             Order: with n >= 2 accepted, the accepted set is offered in the reversed
 *             order. The same first choice as in the forward order means the server
 *             orders: the forward strike sequence is then its preference list, and the
 *             reversed pass is continued for PLAN_ORDER_CHECK positions to confirm it
 *             (order_checked, order_inconsistent). Otherwise server_order is false and the
 *             list is given in ascending code point order (the client's order decides, so
 *             no order is a fact about the server). With fewer than two suites
 *             server_order is null. When the accepted suites came from different chunks,
 *             an explicit forward pass over the accepted set gives the list.
 *   sslv2     one SSLv2 CLIENT-HELLO with the seven SSLv2 specs: a SERVER-HELLO with
 *             specs proves SSLv2; its list is the server's SSLv2 cipher list.
 *   groups13  (after TLS 1.3 is proven) TLS 1.3 hellos with an empty key_share and every
 *             registry group in supported_groups (post-quantum hybrids, FFDHE included):
 *             the HelloRetryRequest names the server's pick; strike it and repeat.
 *             Cost: groups + 1, + 1 to test the order.
 *   groups12  TLS 1.2 hellos with every signed-ECDHE suite and the ECDHE curves in
 *             supported_groups, reading the ServerKeyExchange's curve (full flight);
 *             strike and repeat, then the order test.
 *   ffdhe     (after the suite chains, if DHE suites were accepted) DHE hellos offering
 *             the RFC 7919 groups: a prime that is the offered group proves RFC 7919
 *             negotiation (strike and repeat); a prime that ignores the offer ends it. Then
 *             one hello without supported_groups shows the prime given to other clients.
 *   sigalgs12 TLS 1.2 (EC)DHE hellos with every registry signature scheme: the
 *             ServerKeyExchange's scheme is struck and the rest offered again; two
 *             chains, RSA-authenticated and ECDSA-authenticated suites, since a server
 *             whose RSA schemes are all struck may fail rather than switch certificates
 *             (OpenSSL does while rsa_pss_pss_* is offered). DSS certificates are not
 *             covered.
 *   sigalgs13 (after TLS 1.3 is proven) TLS 1.3 hellos offering ONE scheme each, for every
 *             scheme TLS 1.3 allows in CertificateVerify (plan_sigalgs13), in two chains:
 *             the server picks its scheme from the ClientHello (RFC 8446 §4.4.3), so a
 *             ServerHello means it can sign with it, an alert that it cannot. The one group
 *             offered (key share and supported_groups) is x25519, or, when an x25519 share
 *             got an HRR, one the groups13 chain found (x25519 first). Any other answer
 *             (HRR, close) leaves the set unknown (null). Registry order: no server order.
 *   fallback  (after the suite chains) the second-highest version's suites at that
 *             version plus TLS_FALLBACK_SCSV: inappropriate_fallback = enforced.
 * Facts read from answers already there: the downgrade sentinel from the TLS 1.2 suite
 * answers (when TLS 1.3 is supported); renegotiation_info, extended master secret,
 * session ticket, heartbeat, status_request, ALPN, compression (DEFLATE offered in every
 * TLS <= 1.2 hello) from the first answer of the highest version <= 1.2; encrypt-then-MAC
 * from the first answer there that chose a CBC suite; version intolerance (a hello above
 * the server's highest version answered by an alert or a close instead of a lower version).
 *
 * ## Failures
 * Until the server has sent anything TLS: a refused or unreachable connect ends the
 * endpoint with that error; three probes that time out, reset or get non-TLS bytes end it
 * with "timeout" / "connection reset" / "not TLS". Later failures count as refusals of that
 * probe (probe_failures counts them).
 */
#ifndef TLSSCOPE_SCANNER_PLAN_H
#define TLSSCOPE_SCANNER_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "scanner/probe.h"

struct scan_result; /* scanner/result.h */

#define PLAN_INFLIGHT_DEFAULT 4 /* probes of one endpoint handed out at once */
#define PLAN_INFLIGHT_MAX 16
#define PLAN_CHUNK 128          /* suites offered per hello at most */
#define PLAN_ORDER_CHECK 4      /* positions of a server order confirmed by a second pass */
#define PLAN_SMALL_OFFER 16     /* the short offer tried after a choke */

struct plan_opts {
	const char *host;        /* as given (may be NULL for IP targets) */
	const char *ip;          /* the address probed, text */
	uint16_t port;
	const char *sni;         /* server name to send, NULL = none */
	uint8_t key[32];         /* key of the ClientHello random (probes identify as ours) */
	unsigned max_inflight;   /* 0 = PLAN_INFLIGHT_DEFAULT; at most PLAN_INFLIGHT_MAX */
};

enum plan_step {
	PLAN_PROBE = 1,  /* *req filled: run it */
	PLAN_WAIT = 0,   /* nothing until a pending probe's result arrives */
	PLAN_DONE = -1,  /* the endpoint is finished: read plan_outcome */
};

struct plan;

/* A planner for one endpoint. The strings of o are copied. NULL when out of memory. */
struct plan *plan_new(const struct plan_opts *o) __attribute__((warn_unused_result));

/* The next step. PLAN_PROBE: *req is filled (id, hello, full_flight). Once PLAN_DONE has
 * been returned it is returned again. */
enum plan_step plan_next(struct plan *p, struct probe_req *req);

/* The result of a probe handed out by plan_next (resp->id); resp->bytes are read during
 * the call only. Results for unknown ids are ignored. */
void plan_result(struct plan *p, const struct probe_resp *resp);

/* The result: complete after PLAN_DONE, partial before. Valid until plan_free or
 * plan_take_result. */
const struct scan_result *plan_outcome(const struct plan *p);

/* Hands the result to the caller (free it with scanres_free); the plan keeps none. NULL
 * when already taken. */
struct scan_result *plan_take_result(struct plan *p) __attribute__((warn_unused_result));

/* NULL is fine. */
void plan_free(struct plan *p);

#endif
