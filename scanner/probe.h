/*
 * probe: the boundary between the scan planner (what to ask a server, and what its answers
 * prove) and the engine (sockets, timeouts, rates). The planner never touches a socket; the
 * engine never interprets TLS beyond knowing when a response is complete.
 *
 *   planner ── probe_req (ClientHello bytes) ──▶ engine: connect [STARTTLS] send, read
 *   planner ◀── probe_resp (server bytes, transport outcome) ──┘   until probe_complete()
 *
 * One probe = one TCP connection. The engine may run several probes of one endpoint at once
 * (up to its per-endpoint cap) when the planner hands out several before their results.
 */
#ifndef TLSSCOPE_SCANNER_PROBE_H
#define TLSSCOPE_SCANNER_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_MAX_HELLO 8192          /* a hello with every suite and a PQ key share fits */
#define PROBE_MAX_RESPONSE (96u << 10)/* server bytes kept per probe */

/*
 * An interactive probe: a conversation (a full handshake by a TLS library over memory
 * buffers, then perhaps an HTTP request) instead of one hello and one answer. The engine
 * moves the bytes; the talk decides what to send and when it is over.
 */
enum probe_talk_rc {
	PROBE_TALK_MORE = 0,    /* keep going: send *out (if any), read more */
	PROBE_TALK_DONE = 1,    /* over: the engine closes and reports PROBE_T_DONE */
};

struct probe_talk {
	/* Called once the connection is up (after any STARTTLS prelude) with len 0, then
	 * with each chunk of server bytes, in order. Sets *out / *out_len to bytes to send
	 * (*out_len 0: none), valid until the next call. When the server closes or the
	 * probe times out, step is not called again: the job learns it from the result's
	 * transport. */
	enum probe_talk_rc (*step)(void *arg, const uint8_t *in, size_t len,
				   const uint8_t **out, size_t *out_len);
	void *arg;              /* the job's; the engine only passes it to step */
};

/* What to send on one connection. */
struct probe_req {
	uint32_t id;                    /* the planner's tag, echoed in probe_resp */
	uint8_t hello[PROBE_MAX_HELLO]; /* sent right after connect (and STARTTLS) */
	size_t hello_len;
	bool full_flight;               /* read the whole server flight (certificates, key
					   exchange) rather than stop after ServerHello */
	struct probe_talk talk;         /* talk.step != NULL: an interactive probe (hello and
					   full_flight unused); never retried by the engine. The
					   result's bytes are the first PROBE_MAX_RESPONSE server
					   bytes (all of them went to step). */
};

/* How the connection ended, as the engine saw it. */
enum probe_transport {
	PROBE_T_DONE = 0,       /* probe_complete() said the response is complete */
	PROBE_T_CLOSED,         /* the server closed (FIN) before that; bytes may be partial */
	PROBE_T_RESET,          /* connection reset */
	PROBE_T_REFUSED,        /* connect refused */
	PROBE_T_TIMEOUT,        /* connect or read timeout */
	PROBE_T_UNREACHABLE,    /* no route, host unreachable */
	PROBE_T_STARTTLS,       /* the STARTTLS prelude failed */
	PROBE_T_TOO_LONG,       /* the server sent more than PROBE_MAX_RESPONSE */
	PROBE_T_ERROR,          /* any other local error */
};

/* Name of a transport outcome ("timeout"); static string. */
const char *probe_transport_name(enum probe_transport t);

struct probe_resp {
	uint32_t id;
	enum probe_transport transport;
	const uint8_t *bytes;   /* the server's bytes after the STARTTLS prelude (borrowed:
				   valid during the call that receives it) */
	size_t len;
	size_t total;           /* server bytes received (more than len only for a talk) */
	uint32_t elapsed_us;    /* connect to end */
};

/*
 * Whether the server bytes received so far form a complete answer to a hello: a fatal alert;
 * an SSLv2 SERVER-HELLO record; a ServerHello (or HelloRetryRequest) when !full_flight;
 * with full_flight, the flight up to ServerHelloDone (TLS <= 1.2) or the first record after
 * a TLS 1.3 ServerHello. Also true when the bytes cannot be TLS (so the engine stops reading
 * garbage at once). Pure function of its input; cost linear in len.
 */
bool probe_complete(const uint8_t *bytes, size_t len, bool full_flight);

#endif
