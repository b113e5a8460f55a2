/*
 * eng: the scan engine. Non-blocking TCP connections on one epoll instance run the probes
 * (probe.h) of many endpoints at once; the caller decides what to send through a job per
 * endpoint (in the scanner: the planner, plan.h, wired by scan.c).
 *
 *   ops->start ──▶ endpoint active ──▶ ops->next: probe ──▶ [rate token] connect
 *        ▲          (at most               │  wait / done        [STARTTLS prelude]
 *        │           max_active)           ▼                     send hello, read until
 *        │                          ops->result ◀── probe_resp ── probe_complete / close /
 *        └──── ops->finish ◀── next said done and no probe left     timeout / too long
 *
 * Limits: opts.concurrency connections at once in all (connecting, talking, or waiting to
 * retry); opts.per_endpoint at once per endpoint; opts.rate new connections per second
 * (a token bucket with a burst of 1/50 s worth, so connections are spread evenly);
 * opts.timeout_ms per probe, from connect() to the complete answer (prelude included).
 *
 * Retry: a probe that times out, is reset, refused or unreachable is run once more after a
 * short randomised back-off, but only when an earlier probe of the same endpoint got a
 * complete answer (the server is there and speaks TLS, so the failure is likely transient).
 * The first failure of an endpoint that never answered is final at once: a dead address
 * costs one timeout, not two. A clean answer (an alert, a close) is never retried.
 *
 * Closing: sockets have SO_LINGER 0, so close() sends RST. The probe has what it wanted (or
 * gives up); a FIN would leave this host with one TIME_WAIT socket per probe (tens of
 * thousands in a large scan, exhausting ephemeral ports towards one server), and a reset
 * frees the server's side at once too, which is kinder than holding it in FIN_WAIT. The
 * server sees an aborted handshake, as it would from any client that gives up.
 *
 * Everything runs in eng_run's thread; the callbacks may not call eng_* functions. Timers
 * are a min-heap of deadlines consumed by epoll_wait's timeout: no busy loop, no signals.
 */
#ifndef TLSSCOPE_SCANNER_ENGINE_H
#define TLSSCOPE_SCANNER_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "scanner/probe.h"
#include "scanner/starttls.h"

#define ENG_DEFAULT_CONCURRENCY 64
#define ENG_DEFAULT_PER_ENDPOINT 4
#define ENG_DEFAULT_TIMEOUT_MS 5000
#define ENG_DETAIL_MAX 96

struct eng_opts {
	unsigned concurrency;   /* connections at once (0: default); lowered to fit
				   RLIMIT_NOFILE, which is raised to its hard limit if needed */
	unsigned per_endpoint;  /* connections at once per endpoint (0: default) */
	unsigned rate;          /* new connections per second, 0 = no limit */
	unsigned timeout_ms;    /* per probe (0: default) */
	unsigned retries;       /* extra attempts of a failed probe (see above); default 1,
				   set ENG_NO_RETRY for none */
	enum stls_proto starttls;
};
#define ENG_NO_RETRY (~0u)

/* Where an endpoint is. Filled by ops->start; copied by the engine. */
struct eng_endpoint {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char domain[256];       /* XMPP stream 'to' (host name or SNI; else the address) */
};

/* What the engine counted for one endpoint. */
struct eng_stats {
	uint32_t connections;   /* TCP connections attempted (retries included) */
	uint32_t retries;
	uint32_t elapsed_ms;    /* first connect to last close; 0 when none was made */
	char detail[ENG_DETAIL_MAX]; /* why the last STARTTLS prelude failed, else "" */
};

struct eng_ops {
	/* The next endpoint to scan: fill *ep and return its job (non-NULL), or NULL when
	 * there are no more. Called whenever the engine has room for another endpoint. */
	void *(*start)(void *ctx, struct eng_endpoint *ep);
	/* Asks the job for its next probe: fill *req and return 1, 0 to wait for a pending
	 * result, -1 when the endpoint is finished (not asked again). 0 with no probe pending
	 * counts as -1 (nothing would ever wake the job); a hello over PROBE_MAX_HELLO gets a
	 * PROBE_T_ERROR result. Asked only when the endpoint has a free slot. req is the
	 * engine's buffer; the hello is copied. */
	int (*next)(void *job, struct probe_req *req);
	/* A probe's outcome (retries already done). resp->bytes (never NULL) are valid during
	 * the call. */
	void (*result)(void *job, const struct probe_resp *resp);
	/* The endpoint is finished: next said -1 and every probe's result was delivered. The
	 * job is not used by the engine afterwards. */
	void (*finish)(void *job, const struct eng_stats *st);
};

/* Counters for a progress display. */
struct eng_progress {
	uint64_t started;       /* endpoints started */
	uint64_t finished;
	uint32_t active;        /* endpoints in flight */
	uint32_t open;          /* connections in flight */
	uint64_t connections;   /* made so far */
};

struct eng;

/* An engine. ops/ctx are borrowed for its life. NULL when out of memory or epoll fails
 * (errno set). */
struct eng *eng_new(const struct eng_opts *o, const struct eng_ops *ops, void *ctx)
	__attribute__((warn_unused_result));

/*
 * Runs until ops->start returns NULL and every endpoint has finished. tick (may be NULL) is
 * called about every 200 ms and once at the end, for progress. Returns 0, or -1 with errno
 * on a fatal local error (epoll_wait failing); the callbacks of every endpoint started are
 * still delivered in that case (with PROBE_T_ERROR results).
 */
int eng_run(struct eng *e, void (*tick)(void *ctx, const struct eng_progress *p))
	__attribute__((warn_unused_result));

/* The effective limits after eng_new (defaults applied, concurrency fitted to the fd limit). */
void eng_limits(const struct eng *e, struct eng_opts *out);

/* Frees the engine (after eng_run). NULL is fine. */
void eng_free(struct eng *e);

#endif
