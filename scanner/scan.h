/*
 * scan: the active scan driver. Endpoints (target.h) go through the engine (engine.h), each
 * with its planner (plan.h); results come back as endpoints finish.
 *
 *   tgt_list ──▶ scan_run ──start──▶ eng ──next/result──▶ plan (one per endpoint in flight)
 *                    │                                       │ then, when it found TLS:
 *                    │                                       ▼ certs (full handshakes)
 *                    ◀────────────── on_result ◀─────────────┘ the result + connections,
 *                                                              elapsed_ms, STARTTLS detail
 *
 * An endpoint that cannot be scanned is a result with "error" set, never a failure of the
 * run: "no address" (its name did not resolve), or what the planner concluded from the
 * probes ("connection refused", "timeout", ...).
 */
#ifndef TLSSCOPE_SCANNER_SCAN_H
#define TLSSCOPE_SCANNER_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/certs.h"
#include "scanner/result.h"
#include "scanner/starttls.h"
#include "scanner/target.h"

struct scan_progress {
	size_t total;           /* endpoints of the run */
	size_t done;            /* results delivered */
	size_t failed;          /* ... with "error" set */
	uint32_t in_flight;     /* endpoints being scanned */
	uint64_t connections;   /* TCP connections so far */
	bool final;             /* the last call of the run */
};

struct scan_opts {
	unsigned concurrency;   /* --concurrency: connections at once (0: engine default) */
	unsigned per_endpoint;  /* connections at once per endpoint (0: engine default) */
	unsigned rate;          /* --rate: new connections per second, 0 = no limit */
	unsigned timeout_ms;    /* --timeout: per probe (0: engine default) */
	enum stls_proto starttls;
	const uint8_t *key;     /* 32-byte key of the ClientHello random; NULL: a random key
				   per run (getrandom) */
	const struct certs_env *certs; /* certificates, trust, OCSP, pins, HSTS (certs.h)
				   after the planner; NULL: none (protocol facts only) */
	/* Progress, about five times a second and once at the end (final); may be NULL.
	 * scan_progress_stderr is a ready-made one. */
	void (*progress)(void *ctx, const struct scan_progress *p);
};

/*
 * Called once per endpoint, as it finishes, in no fixed order. ep is the endpoint (owned by
 * the list); r is its result, valid only during the call (its evidence included).
 */
typedef void (*scan_result_fn)(void *ctx, const struct tgt_endpoint *ep,
			       const struct scan_result *r);

/*
 * Scans every endpoint of l (after tgt_list_resolve) and calls on_result for each; ctx is
 * passed to on_result and progress. Returns 0 when every endpoint got its result, -1 with
 * errno on a runtime failure (no randomness, no memory, epoll failing); endpoints not
 * reported by then get no result.
 */
int scan_run(const struct scan_opts *o, const struct tgt_list *l, scan_result_fn on_result,
	     void *ctx) __attribute__((warn_unused_result));

/* A progress callback that draws one line on stderr when stderr is a terminal ("\r12/40
 * done, 8 in flight, 1 failed, 310 connections"), cleared at the end; does nothing
 * otherwise. ctx is unused. */
void scan_progress_stderr(void *ctx, const struct scan_progress *p);

#endif
