/*
 * The scan engine. See engine.h for the model, the limits and the retry rule.
 *
 * One connection (struct conn) runs one probe:
 *
 *   QUEUED ──token──▶ CONNECTING ──▶ [PRELUDE ⇄ write STARTTLS lines] ──▶ SENDING ──▶ READING
 *     ▲                    │               │ fail: STARTTLS                 hello     │
 *     │                    ▼               ▼                                          ▼
 *     └── BACKOFF ◀── retry? ◀── refused / reset / unreachable / timeout ── done / closed /
 *                                                                            too long: result
 *
 * Implementation notes:
 *  - A connection holds a slot (opts.concurrency, and its endpoint's per_endpoint) from the
 *    moment the job hands out its probe until its result is delivered, back-off included, so
 *    a retry never has to queue for a slot again and the limits hold at every instant.
 *  - Slots go round-robin over the endpoints that want one (the ready queue): an endpoint
 *    that got a probe out goes to the back of the queue while it is below its cap.
 *  - Rate limiting is GCRA (the token bucket as a single "theoretical arrival time"): a
 *    connection may start when now >= tat - tolerance, then tat = max(tat, now) + 1/rate.
 *  - Deadlines (probe timeouts, back-offs) sit in a binary min-heap; epoll_wait sleeps until
 *    the earliest, the next rate token, or the next progress tick.
 *  - A connection that ends is unlinked at once (fd closed, heap entry removed, result
 *    delivered) but freed only after the current batch of events, so that no handler ever
 *    touches freed memory.
 *  - Level-triggered epoll; the server's bytes are drained until EAGAIN before
 *    probe_complete() looks at them, so a server that trickles bytes costs one check per
 *    wake-up, not one per byte.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "scanner/engine.h"

#define FD_RESERVE 32            /* descriptors left for everything else */
#define MAX_EVENTS 256
#define TICK_NS 200000000ull     /* progress callback period */
#define BACKOFF_BASE_NS 100000000ull
#define IN_FIRST 4096            /* first receive buffer */
#define NS_PER_MS 1000000ull
#define TIMER_SLACK_NS NS_PER_MS /* deadlines this close are due together (epoll_wait
				    sleeps whole milliseconds anyway) */

enum cstate {
	C_QUEUED,      /* waiting for a rate token */
	C_CONNECTING,
	C_PRELUDE,     /* STARTTLS exchange (reading, or writing stls.out) */
	C_SENDING,     /* writing the hello */
	C_READING,
	C_BACKOFF,     /* waiting to retry */
	C_DEAD,        /* result delivered, to be freed */
};

struct ep {
	void *job;
	struct eng_endpoint dst;
	unsigned inflight;        /* connections holding this endpoint's slots */
	bool done;                /* next() said -1 */
	bool in_ready;
	bool answered;            /* a probe got a complete answer */
	uint64_t t_first, t_last; /* first connect, last close (ns) */
	struct eng_stats st;
	struct ep *ready_next;
	struct ep *prev, *next;   /* active endpoints */
};

struct conn {
	struct ep *ep;
	int fd;
	enum cstate st;
	uint32_t events;          /* registered with epoll */
	uint32_t id;
	bool full_flight;
	struct probe_talk talk;   /* talk.step: an interactive probe */
	size_t total;             /* server bytes received after the prelude */
	unsigned attempt;
	uint8_t *hello;
	size_t hello_len;
	const uint8_t *out;       /* being written: stls.out or hello */
	size_t out_len, out_off;
	uint8_t *in;
	size_t in_len, in_cap;
	struct stls stls;
	uint64_t t_connect, deadline;
	size_t heap_i;            /* index in the heap, SIZE_MAX when not there */
	struct conn *q_next;      /* token queue / graveyard */
	struct conn *prev, *next; /* all connections */
};

struct eng {
	struct eng_opts o;
	const struct eng_ops *ops;
	void *ctx;
	int epfd;
	bool no_more;             /* start() returned NULL */
	bool failed;              /* fatal local error: wind down */
	unsigned active, max_active;
	struct ep *ready_head, *ready_tail;
	struct ep *eps;
	unsigned slots;           /* connections holding a slot */
	struct conn *conns;
	struct conn *q_head, *q_tail;
	struct conn *grave;
	struct conn **heap;
	size_t heap_n, heap_cap;
	uint64_t tat, interval_ns, tolerance_ns;
	uint64_t rng;
	struct probe_req req;     /* next() fills it */
	struct eng_progress prog;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- deadline heap ----------------------------------------------------------------------- */

static void heap_set(struct eng *e, size_t i, struct conn *c)
{
	e->heap[i] = c;
	c->heap_i = i;
}

static void heap_up(struct eng *e, size_t i)
{
	struct conn *c = e->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (e->heap[p]->deadline <= c->deadline)
			break;
		heap_set(e, i, e->heap[p]);
		i = p;
	}
	heap_set(e, i, c);
}

static void heap_down(struct eng *e, size_t i)
{
	struct conn *c = e->heap[i];
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		uint64_t best = c->deadline;
		if (l < e->heap_n && e->heap[l]->deadline < best)
			m = l, best = e->heap[l]->deadline;
		if (l + 1 < e->heap_n && e->heap[l + 1]->deadline < best)
			m = l + 1;
		if (m == i)
			break;
		heap_set(e, i, e->heap[m]);
		i = m;
	}
	heap_set(e, i, c);
}

/* The heap holds at most one entry per connection and there are at most 'concurrency'
 * connections: it is allocated once at that size. */
static void heap_push(struct eng *e, struct conn *c, uint64_t deadline)
{
	c->deadline = deadline;
	heap_set(e, e->heap_n++, c);
	heap_up(e, c->heap_i);
}

static void heap_remove(struct eng *e, struct conn *c)
{
	size_t i = c->heap_i;
	if (i == SIZE_MAX)
		return;
	c->heap_i = SIZE_MAX;
	struct conn *last = e->heap[--e->heap_n];
	if (i == e->heap_n)
		return;
	heap_set(e, i, last);
	heap_down(e, i);
	heap_up(e, last->heap_i);
}

/* ---- endpoints --------------------------------------------------------------------------- */

static void ready_push(struct eng *e, struct ep *ep)
{
	if (ep->in_ready || ep->done)
		return;
	ep->in_ready = true;
	ep->ready_next = NULL;
	if (e->ready_tail)
		e->ready_tail->ready_next = ep;
	else
		e->ready_head = ep;
	e->ready_tail = ep;
}

static struct ep *ready_pop(struct eng *e)
{
	struct ep *ep = e->ready_head;
	if (!ep)
		return NULL;
	e->ready_head = ep->ready_next;
	if (!e->ready_head)
		e->ready_tail = NULL;
	ep->in_ready = false;
	return ep;
}

static void ep_finish(struct eng *e, struct ep *ep)
{
	if (ep->t_first)
		ep->st.elapsed_ms = (uint32_t)((ep->t_last - ep->t_first) / NS_PER_MS);
	e->ops->finish(ep->job, &ep->st);
	if (ep->prev)
		ep->prev->next = ep->next;
	else
		e->eps = ep->next;
	if (ep->next)
		ep->next->prev = ep->prev;
	e->active--;
	e->prog.finished++;
	free(ep);
}

/* After a result: the endpoint may want another probe, or be finished. */
static void ep_kick(struct eng *e, struct ep *ep)
{
	if (ep->done) {
		if (ep->inflight == 0)
			ep_finish(e, ep);
		return;
	}
	if (ep->inflight < e->o.per_endpoint)
		ready_push(e, ep);
}

/* ---- connections ------------------------------------------------------------------------- */

static void set_events(struct eng *e, struct conn *c, uint32_t ev)
{
	if (c->events == ev)
		return;
	struct epoll_event x = { .events = ev, .data.ptr = c };
	if (epoll_ctl(e->epfd, EPOLL_CTL_MOD, c->fd, &x) == 0)
		c->events = ev;
}

static void close_fd(struct eng *e, struct conn *c, uint64_t now)
{
	if (c->fd < 0)
		return;
	close(c->fd); /* SO_LINGER 0: RST; epoll forgets the fd with its last reference */
	c->fd = -1;
	c->events = 0;
	e->prog.open--;
	c->ep->t_last = now;
}

static bool retryable(const struct eng *e, const struct conn *c, enum probe_transport t)
{
	if (e->failed || c->talk.step || c->attempt >= e->o.retries || !c->ep->answered)
		return false;
	return t == PROBE_T_TIMEOUT || t == PROBE_T_RESET || t == PROBE_T_REFUSED ||
	       t == PROBE_T_UNREACHABLE;
}

static uint64_t rand64(struct eng *e)
{
	/* xorshift64*: jitter only */
	e->rng ^= e->rng >> 12;
	e->rng ^= e->rng << 25;
	e->rng ^= e->rng >> 27;
	return e->rng * 0x2545f4914f6cdd1dull;
}

/* The probe of c is over with transport t: retry it, or deliver its result. */
static void conn_end(struct eng *e, struct conn *c, enum probe_transport t)
{
	struct ep *ep = c->ep;
	uint64_t now = now_ns();
	close_fd(e, c, now);
	heap_remove(e, c);
	if (retryable(e, c, t)) {
		uint64_t base = BACKOFF_BASE_NS << c->attempt;
		uint64_t wait = base + rand64(e) % base;
		uint64_t cap = (uint64_t)e->o.timeout_ms * NS_PER_MS;
		c->attempt++;
		ep->st.retries++;
		c->st = C_BACKOFF;
		c->in_len = 0;
		heap_push(e, c, now + (wait < cap ? wait : cap));
		return;
	}
	if (t == PROBE_T_DONE)
		ep->answered = true;
	static const uint8_t none[1];
	struct probe_resp resp = {
		.id = c->id,
		.transport = t,
		.bytes = c->in ? c->in : none, /* never NULL, even without a byte */
		.len = c->in_len,
		.total = c->talk.step ? c->total : c->in_len,
		.elapsed_us = c->t_connect ? (uint32_t)((now - c->t_connect) / 1000) : 0,
	};
	c->st = C_DEAD;
	e->ops->result(ep->job, &resp);
	free(c->in);
	free(c->hello);
	c->in = c->hello = NULL;
	if (c->prev)
		c->prev->next = c->next;
	else
		e->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->q_next = e->grave;
	e->grave = c;
	e->slots--;
	ep->inflight--;
	ep_kick(e, ep);
}

static enum probe_transport errno_transport(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return PROBE_T_REFUSED;
	case ECONNRESET:
	case ECONNABORTED:
	case EPIPE:
		return PROBE_T_RESET;
	case ETIMEDOUT:
		return PROBE_T_TIMEOUT;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
		return PROBE_T_UNREACHABLE;
	default:
		return PROBE_T_ERROR;
	}
}

static void after_write(struct eng *e, struct conn *c);
static void begin_probe(struct eng *e, struct conn *c);

/* Writes what is left of c->out; calls after_write when all of it is out. */
static void do_write(struct eng *e, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				set_events(e, c, EPOLLOUT);
				return;
			}
			conn_end(e, c, errno_transport(errno));
			return;
		}
		c->out_off += (size_t)n;
	}
	after_write(e, c);
}

static void begin_write(struct eng *e, struct conn *c, const uint8_t *p, size_t n)
{
	c->out = p;
	c->out_len = n;
	c->out_off = 0;
	do_write(e, c);
}

/* Runs the STARTTLS machine over the bytes buffered. */
static void prelude(struct eng *e, struct conn *c)
{
	size_t used = 0;
	enum stls_status st = stls_feed(&c->stls, c->in, c->in_len, &used);
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	if (st == STLS_FAIL) {
		size_t n = strlen(c->stls.why);
		if (n >= sizeof(c->ep->st.detail))
			n = sizeof(c->ep->st.detail) - 1;
		memcpy(c->ep->st.detail, c->stls.why, n);
		c->ep->st.detail[n] = '\0';
		conn_end(e, c, PROBE_T_STARTTLS);
	} else if (st == STLS_READY) {
		begin_probe(e, c);
	} else if (c->stls.out_len > 0) {
		begin_write(e, c, c->stls.out, c->stls.out_len);
	} else {
		set_events(e, c, EPOLLIN);
	}
}

static void after_write(struct eng *e, struct conn *c)
{
	if (c->st == C_PRELUDE) {
		c->stls.out_len = 0;
		if (c->in_len > 0)
			prelude(e, c); /* lines that came with the last reply */
		else
			set_events(e, c, EPOLLIN);
		return;
	}
	c->st = C_READING;
	set_events(e, c, EPOLLIN);
}

static void connected(struct eng *e, struct conn *c)
{
	if (e->o.starttls != STLS_NONE) {
		c->st = C_PRELUDE;
		if (stls_start(&c->stls, e->o.starttls, c->ep->dst.domain) == STLS_CONTINUE) {
			if (c->stls.out_len > 0)
				begin_write(e, c, c->stls.out, c->stls.out_len);
			else
				set_events(e, c, EPOLLIN);
			return;
		}
	}
	begin_probe(e, c);
}

/* Hands server bytes to the talk of c and sends its reply. Returns false when c ended. */
static bool talk_feed(struct eng *e, struct conn *c, const uint8_t *in, size_t len)
{
	const uint8_t *out = NULL;
	size_t out_len = 0;
	if (c->talk.step(c->talk.arg, in, len, &out, &out_len) == PROBE_TALK_DONE) {
		conn_end(e, c, PROBE_T_DONE);
		return false;
	}
	if (out_len > 0) {
		c->st = C_SENDING;
		begin_write(e, c, out, out_len);
		return c->st != C_DEAD;
	}
	return true;
}

/* The connection is ready for the probe (connected, prelude done): send the hello, or
 * start the talk (with any bytes that came after the prelude). */
static void begin_probe(struct eng *e, struct conn *c)
{
	if (!c->talk.step) {
		c->st = C_SENDING;
		begin_write(e, c, c->hello, c->hello_len);
		return;
	}
	c->st = C_READING;
	size_t early = c->in_len;
	c->total = early;
	if (!talk_feed(e, c, NULL, 0))
		return;
	if (early > 0 && c->st == C_READING && !talk_feed(e, c, c->in, early))
		return;
	if (c->st == C_READING)
		set_events(e, c, EPOLLIN);
}

/* Reads what the server sent to a talk: every chunk goes to the talk at once; the first
 * PROBE_MAX_RESPONSE bytes are also kept for the result. */
static void talk_readable(struct eng *e, struct conn *c)
{
	uint8_t scratch[16384];
	while (c->st == C_READING) {
		uint8_t *dst = scratch;
		size_t room = sizeof(scratch);
		if (c->in_len < PROBE_MAX_RESPONSE) {
			if (c->in_len == c->in_cap) {
				size_t cap = c->in_cap ? 2 * c->in_cap : IN_FIRST;
				if (cap > PROBE_MAX_RESPONSE)
					cap = PROBE_MAX_RESPONSE;
				uint8_t *p = realloc(c->in, cap);
				if (!p) {
					conn_end(e, c, PROBE_T_ERROR);
					return;
				}
				c->in = p;
				c->in_cap = cap;
			}
			dst = c->in + c->in_len;
			room = c->in_cap - c->in_len;
		}
		ssize_t n = recv(c->fd, dst, room, 0);
		if (n > 0) {
			if (dst != scratch)
				c->in_len += (size_t)n;
			c->total += (size_t)n;
			if (!talk_feed(e, c, dst, (size_t)n))
				return;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn_end(e, c, n == 0 ? PROBE_T_CLOSED : errno_transport(errno));
		return;
	}
}

/* Reads what the server sent (until EAGAIN), then looks at it. */
static void readable(struct eng *e, struct conn *c)
{
	if (c->talk.step && c->st == C_READING) {
		talk_readable(e, c);
		return;
	}
	size_t limit = c->st == C_PRELUDE ? STLS_MAX_TOTAL + 1 : PROBE_MAX_RESPONSE;
	bool got = false;
	for (;;) {
		if (c->in_len == c->in_cap && c->in_cap < limit) {
			size_t cap = c->in_cap ? 2 * c->in_cap : IN_FIRST;
			if (cap > limit)
				cap = limit;
			uint8_t *p = realloc(c->in, cap);
			if (!p) {
				conn_end(e, c, PROBE_T_ERROR);
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		if (c->in_len == limit)
			break;
		ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			got = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		/* end of stream or error: first look at what came before it */
		if (got && c->st == C_READING &&
		    probe_complete(c->in, c->in_len, c->full_flight)) {
			conn_end(e, c, PROBE_T_DONE);
			return;
		}
		if (got && c->st == C_PRELUDE) {
			prelude(e, c);
			if (c->st != C_PRELUDE || c->stls.out_len > 0)
				return; /* ended, or moved on: the close is seen on the next read */
		}
		if (n == 0) {
			if (c->st == C_PRELUDE)
				snprintf(c->ep->st.detail, sizeof(c->ep->st.detail), "%s: %s",
					 stls_name(e->o.starttls), "closed during STARTTLS");
			conn_end(e, c, c->st == C_PRELUDE ? PROBE_T_STARTTLS : PROBE_T_CLOSED);
		} else {
			conn_end(e, c, errno_transport(errno));
		}
		return;
	}
	if (c->st == C_PRELUDE) {
		if (got)
			prelude(e, c);
		return;
	}
	if (probe_complete(c->in, c->in_len, c->full_flight))
		conn_end(e, c, PROBE_T_DONE);
	else if (c->in_len >= PROBE_MAX_RESPONSE)
		conn_end(e, c, PROBE_T_TOO_LONG);
}

static void on_event(struct eng *e, struct conn *c, uint32_t ev)
{
	if (c->st == C_DEAD || c->fd < 0)
		return;
	if (c->st == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err == 0 && !(ev & (EPOLLERR | EPOLLHUP)) && (ev & EPOLLOUT)) {
			connected(e, c);
		} else if (err != 0) {
			conn_end(e, c, errno_transport(err));
		} else if (ev & (EPOLLERR | EPOLLHUP)) {
			conn_end(e, c, PROBE_T_RESET);
		}
		return;
	}
	if ((ev & EPOLLOUT) && c->out_off < c->out_len &&
	    (c->st == C_SENDING || c->st == C_PRELUDE)) {
		do_write(e, c);
		return;
	}
	if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		if (c->st == C_SENDING) {
			/* error while writing: let send() report it */
			do_write(e, c);
			return;
		}
		readable(e, c);
	}
}

/* Opens the connection of a probe that has its rate token. */
static void start_conn(struct eng *e, struct conn *c, uint64_t now)
{
	struct ep *ep = c->ep;
	int fd = socket(ep->dst.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->t_connect = now;
	if (fd < 0) {
		conn_end(e, c, PROBE_T_ERROR);
		return;
	}
	int one = 1;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	struct epoll_event x = { .events = EPOLLOUT, .data.ptr = c };
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &x) != 0) {
		close(fd);
		conn_end(e, c, PROBE_T_ERROR);
		return;
	}
	c->fd = fd;
	c->events = EPOLLOUT;
	c->st = C_CONNECTING;
	e->prog.open++;
	e->prog.connections++;
	ep->st.connections++;
	if (!ep->t_first)
		ep->t_first = now;
	ep->t_last = now;
	heap_push(e, c, now + (uint64_t)e->o.timeout_ms * NS_PER_MS);
	if (connect(fd, (const struct sockaddr *)&ep->dst.addr, ep->dst.addr_len) == 0)
		connected(e, c);
	else if (errno != EINPROGRESS)
		conn_end(e, c, errno_transport(errno));
}

/* ---- scheduling -------------------------------------------------------------------------- */

/* Starts endpoints and hands out slots to the endpoints that want them. */
static void fill(struct eng *e)
{
	while (!e->failed && !e->no_more && e->active < e->max_active) {
		struct ep *ep = calloc(1, sizeof(*ep));
		if (!ep)
			break; /* try again later */
		ep->job = e->ops->start(e->ctx, &ep->dst);
		if (!ep->job) {
			free(ep);
			e->no_more = true;
			break;
		}
		ep->next = e->eps;
		if (e->eps)
			e->eps->prev = ep;
		e->eps = ep;
		e->active++;
		e->prog.started++;
		ready_push(e, ep);
	}
	while (!e->failed && e->slots < e->o.concurrency) {
		struct ep *ep = ready_pop(e);
		if (!ep)
			break;
		e->req.id = 0;
		e->req.hello_len = 0;
		e->req.full_flight = false;
		e->req.talk = (struct probe_talk){ 0 };
		int r = e->ops->next(ep->job, &e->req);
		if (r > 0) {
			bool fits = e->req.hello_len <= PROBE_MAX_HELLO;
			struct conn *c = fits ? calloc(1, sizeof(*c)) : NULL;
			uint8_t *hello = fits ? malloc(e->req.hello_len ? e->req.hello_len : 1)
					      : NULL;
			if (!c || !hello) {
				/* out of memory, or a hello too long: the probe fails like a
				 * local error */
				struct probe_resp resp = { .id = e->req.id,
							   .transport = PROBE_T_ERROR,
							   .bytes = (const uint8_t *)"" };
				free(c);
				free(hello);
				e->ops->result(ep->job, &resp);
				ready_push(e, ep);
				break; /* again on the next turn of the loop */
			}
			memcpy(hello, e->req.hello, e->req.hello_len);
			c->ep = ep;
			c->fd = -1;
			c->heap_i = SIZE_MAX;
			c->id = e->req.id;
			c->full_flight = e->req.full_flight;
			c->talk = e->req.talk;
			c->hello = hello;
			c->hello_len = e->req.hello_len;
			c->st = C_QUEUED;
			c->next = e->conns;
			if (e->conns)
				e->conns->prev = c;
			e->conns = c;
			if (e->q_tail)
				e->q_tail->q_next = c;
			else
				e->q_head = c;
			e->q_tail = c;
			e->slots++;
			ep->inflight++;
			if (ep->inflight < e->o.per_endpoint)
				ready_push(e, ep);
			continue;
		}
		if (r == 0 && ep->inflight > 0)
			continue; /* waits for a result; ep_kick puts it back */
		/* done (or a job that waits with nothing pending: it would never be woken, so
		 * it is finished) */
		ep->done = true;
		if (ep->inflight == 0)
			ep_finish(e, ep);
	}
}

/* Nanoseconds until the next rate token (0 = one is available now). */
static uint64_t token_wait(const struct eng *e, uint64_t now)
{
	if (e->interval_ns == 0 || now + e->tolerance_ns >= e->tat)
		return 0;
	return e->tat - e->tolerance_ns - now;
}

/* Starts queued connections while rate tokens last. */
static void launch(struct eng *e)
{
	while (e->q_head) {
		uint64_t now = now_ns();
		if (token_wait(e, now) > 0)
			return;
		if (e->interval_ns)
			e->tat = (e->tat > now ? e->tat : now) + e->interval_ns;
		struct conn *c = e->q_head;
		e->q_head = c->q_next;
		if (!e->q_head)
			e->q_tail = NULL;
		c->q_next = NULL;
		start_conn(e, c, now);
	}
}

static void queue_again(struct eng *e, struct conn *c)
{
	c->st = C_QUEUED;
	c->q_next = NULL;
	if (e->q_tail)
		e->q_tail->q_next = c;
	else
		e->q_head = c;
	e->q_tail = c;
}

static void expire(struct eng *e, uint64_t now)
{
	while (e->heap_n > 0 && e->heap[0]->deadline <= now + TIMER_SLACK_NS) {
		struct conn *c = e->heap[0];
		heap_remove(e, c);
		if (c->st == C_BACKOFF)
			queue_again(e, c);
		else
			conn_end(e, c, PROBE_T_TIMEOUT);
	}
}

static void bury(struct eng *e)
{
	while (e->grave) {
		struct conn *c = e->grave;
		e->grave = c->q_next;
		free(c);
	}
}

/* Fatal local error: every connection fails, nothing new starts. */
static void wind_down(struct eng *e)
{
	e->failed = true;
	e->no_more = true;
	for (struct ep *ep = e->eps; ep; ep = ep->next) {
		ep->done = true;
		ep->in_ready = false;
	}
	e->ready_head = e->ready_tail = NULL;
	e->q_head = e->q_tail = NULL;
	while (e->conns)
		conn_end(e, e->conns, PROBE_T_ERROR);
	while (e->eps) /* endpoints without a connection */
		ep_finish(e, e->eps);
}

/* ---- public ------------------------------------------------------------------------------ */

struct eng *eng_new(const struct eng_opts *o, const struct eng_ops *ops, void *ctx)
{
	struct eng *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->o = *o;
	e->ops = ops;
	e->ctx = ctx;
	if (!e->o.concurrency)
		e->o.concurrency = ENG_DEFAULT_CONCURRENCY;
	if (!e->o.per_endpoint)
		e->o.per_endpoint = ENG_DEFAULT_PER_ENDPOINT;
	if (!e->o.timeout_ms)
		e->o.timeout_ms = ENG_DEFAULT_TIMEOUT_MS;
	if (e->o.retries == ENG_NO_RETRY)
		e->o.retries = 0;
	else if (!e->o.retries)
		e->o.retries = 1;

	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t need = (rlim_t)e->o.concurrency + FD_RESERVE;
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
			rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need
					      ? need
					      : rl.rlim_max;
			struct rlimit nl = { want, rl.rlim_max };
			if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
				rl.rlim_cur = want;
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
			e->o.concurrency = rl.rlim_cur > FD_RESERVE + 1
						   ? (unsigned)(rl.rlim_cur - FD_RESERVE)
						   : 1;
	}
	e->max_active = e->o.concurrency;
	if (e->o.rate) {
		e->interval_ns = 1000000000ull / e->o.rate;
		if (e->interval_ns == 0)
			e->interval_ns = 1;
		uint64_t burst = e->o.rate / 50; /* 20 ms worth */
		e->tolerance_ns = burst > 1 ? (burst - 1) * e->interval_ns : 0;
	}
	e->rng = now_ns() | 1;
	e->heap_cap = e->o.concurrency;
	e->heap = calloc(e->heap_cap, sizeof(*e->heap));
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!e->heap || e->epfd < 0) {
		int err = errno;
		if (e->epfd >= 0)
			close(e->epfd);
		free(e->heap);
		free(e);
		errno = err;
		return NULL;
	}
	return e;
}

void eng_limits(const struct eng *e, struct eng_opts *out) { *out = e->o; }

int eng_run(struct eng *e, void (*tick)(void *ctx, const struct eng_progress *p))
{
	struct epoll_event evs[MAX_EVENTS];
	uint64_t next_tick = now_ns() + TICK_NS;
	int rc = 0;
	for (;;) {
		uint64_t now = now_ns();
		expire(e, now);
		fill(e);
		launch(e);
		bury(e);
		e->prog.active = e->active;
		if (tick && now >= next_tick) {
			tick(e->ctx, &e->prog);
			next_tick = now + TICK_NS;
		}
		if (e->active == 0 && e->no_more)
			break;
		/* sleep until the earliest of: a deadline, a rate token, a tick */
		now = now_ns();
		uint64_t wait = UINT64_MAX;
		if (e->heap_n > 0)
			wait = e->heap[0]->deadline > now ? e->heap[0]->deadline - now : 0;
		if (e->q_head) {
			uint64_t t = token_wait(e, now);
			wait = t < wait ? t : wait;
		}
		if (e->ready_head && e->slots < e->o.concurrency)
			wait = 0;
		if (tick)
			wait = next_tick > now ? (next_tick - now < wait ? next_tick - now : wait)
					       : 0;
		int ms = wait == UINT64_MAX ? -1
			 : wait / NS_PER_MS > 60000 ? 60000
						     : (int)((wait + NS_PER_MS - 1) / NS_PER_MS);
		int n = epoll_wait(e->epfd, evs, MAX_EVENTS, ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			int err = errno;
			wind_down(e);
			bury(e);
			errno = err;
			break;
		}
		for (int i = 0; i < n; i++)
			on_event(e, evs[i].data.ptr, evs[i].events);
		bury(e);
	}
	e->prog.active = e->active;
	if (tick)
		tick(e->ctx, &e->prog);
	return rc;
}

void eng_free(struct eng *e)
{
	if (!e)
		return;
	if (e->eps || e->conns)
		wind_down(e); /* eng_run was not run to its end */
	bury(e);
	if (e->epfd >= 0)
		close(e->epfd);
	free(e->heap);
	free(e);
}
