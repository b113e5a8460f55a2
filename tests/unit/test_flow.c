/*
 * Unit tests of the flow table and TCP reassembly (capture/flow.h).
 *
 * Segments are built here from two known byte streams (one per side); what the consumer must
 * receive follows from TCP's definition of the sequence space (RFC 9293 §3.4: each byte once,
 * in order) and from the contract in flow.h (first copy wins, holes skipped with a gap), so
 * every expected value is a range of those streams, never our own output. The SipHash-1-3
 * vectors come from the reference implementation (github.com/veorq/SipHash), as quoted by
 * OCaml's and Rust's test suites. A recording consumer checks that every opened flow is
 * closed exactly once and that nothing arrives after its close.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/flow.h"
#include "capture/flow_hash.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MOD 0x55 /* XOR making a changed copy of stream bytes */
#define STREAM_LEN 4096
#define BIT(a) (1u << (a))

/* ---- the two streams -------------------------------------------------------------------- */

static uint8_t stream[2][STREAM_LEN]; /* [0] client, [1] server */

static void streams_init(void)
{
	for (size_t i = 0; i < STREAM_LEN; i++) {
		stream[0][i] = (uint8_t)(i * 7 + 1 + i / 251);
		stream[1][i] = (uint8_t)(i * 13 + 5 + i / 241);
	}
}

/* ---- recording consumer ---------------------------------------------------------------- */

struct rflow {
	struct flow_info fi;
	uint8_t *data[2];          /* bytes delivered per direction (0 initiator) */
	size_t n[2], cap[2];
	size_t calls[2];
	uint64_t gap[2];
	size_t ngaps[2];
	unsigned anoms;            /* BIT(enum flow_anom) */
	unsigned anom_calls;
	uint8_t flags[2];
	int closes;
	enum flow_end why;
	bool late;                 /* a callback after close */
	bool stopped[2];
	bool called_after_stop;
};

#define MAXF 64

struct rec {
	struct rflow *f[MAXF];
	size_t nf;
	size_t stop_after[2];      /* return false once a direction has this many bytes */
	bool ignore;               /* open returns NULL */
	bool count_only;           /* don't keep flows: the flood tests */
	uint64_t opens, closes, evicted_anoms, ends[4];
};

static void *r_open(void *ctx, const struct flow_info *fi)
{
	struct rec *r = ctx;
	r->opens++;
	if (r->ignore)
		return NULL;
	struct rflow *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->fi = *fi;
	if (!r->count_only) {
		assert_true(r->nf < MAXF);
		r->f[r->nf++] = f;
	}
	return f;
}

static bool r_data(void *ctx, void *user, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct rec *r = ctx;
	struct rflow *f = user;
	(void)ts;
	assert_true(dir == 0 || dir == 1);
	assert_true(n > 0);
	if (f->closes)
		f->late = true;
	if (f->stopped[dir])
		f->called_after_stop = true;
	if (f->n[dir] + n > f->cap[dir]) {
		size_t c = f->cap[dir] ? f->cap[dir] : 4096;
		while (c < f->n[dir] + n)
			c *= 2;
		f->data[dir] = realloc(f->data[dir], c);
		assert_non_null(f->data[dir]);
		f->cap[dir] = c;
	}
	memcpy(f->data[dir] + f->n[dir], p, n);
	f->n[dir] += n;
	f->calls[dir]++;
	if (r->stop_after[dir] && f->n[dir] >= r->stop_after[dir]) {
		f->stopped[dir] = true;
		return false;
	}
	return true;
}

static void r_gap(void *ctx, void *user, int dir, uint64_t n)
{
	struct rflow *f = user;
	(void)ctx;
	if (f->closes)
		f->late = true;
	assert_true(n > 0);
	f->gap[dir] += n;
	f->ngaps[dir]++;
}

static void r_flags(void *ctx, void *user, int dir, uint8_t flags, uint64_t ts)
{
	struct rflow *f = user;
	(void)ctx;
	(void)ts;
	if (f->closes)
		f->late = true;
	assert_int_equal(f->flags[dir] & flags, 0); /* each once per direction */
	f->flags[dir] |= flags;
}

static void r_anomaly(void *ctx, void *user, enum flow_anom a)
{
	struct rec *r = ctx;
	struct rflow *f = user;
	if (f->closes)
		f->late = true;
	assert_int_equal(f->anoms & BIT(a), 0); /* each at most once per flow */
	f->anoms |= BIT(a);
	f->anom_calls++;
	if (a == FLOW_ANOM_EVICTED)
		r->evicted_anoms++;
}

static void r_free(struct rflow *f)
{
	free(f->data[0]);
	free(f->data[1]);
	free(f);
}

static void r_close(void *ctx, void *user, enum flow_end why, uint64_t ts)
{
	struct rec *r = ctx;
	struct rflow *f = user;
	(void)ts;
	f->closes++;
	f->why = why;
	r->closes++;
	r->ends[why]++;
	if (r->count_only)
		r_free(f);
}

static const struct flow_ops r_ops = {
	.open = r_open, .data = r_data, .gap = r_gap, .flags = r_flags,
	.anomaly = r_anomaly, .close = r_close,
};

/* Every flow was closed exactly once, nothing came after; frees the recorder's flows. */
static void rec_check_free(struct rec *r)
{
	for (size_t i = 0; i < r->nf; i++) {
		assert_int_equal(r->f[i]->closes, 1);
		assert_false(r->f[i]->late);
		assert_false(r->f[i]->called_after_stop);
		r_free(r->f[i]);
	}
	if (!r->ignore)
		assert_int_equal(r->opens, r->closes);
	r->nf = 0;
}

/* ---- packets ----------------------------------------------------------------------------- */

struct conn {
	uint8_t family;
	uint8_t addr[2][16];       /* [0] client, [1] server */
	uint16_t port[2];
	uint32_t isn[2];
	uint32_t isn_alt;          /* the server's second ISN (duplicate SYN-ACK) */
};

static struct pkt mkpkt(const struct conn *c, int from, uint8_t flags, uint32_t seq, uint32_t ack,
			const uint8_t *pl, size_t len, size_t wire, uint64_t ts)
{
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.ts_us = ts;
	p.family = c->family;
	memcpy(p.src, c->addr[from], 16);
	memcpy(p.dst, c->addr[!from], 16);
	p.sport = c->port[from];
	p.dport = c->port[!from];
	p.seq = seq;
	p.ack = ack;
	p.flags = flags;
	p.payload = pl;
	p.payload_len = len;
	p.payload_wire_len = wire ? wire : len;
	return p;
}

static const struct conn conn4 = {
	4, { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } }, { 40000, 443 }, { 1000, 5000 }, 77777,
};
/* the client has the higher address: the key's ends are swapped */
static const struct conn conn6 = {
	6,
	{ { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 },
	  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ 50000, 8443 }, { 1000, 5000 }, 77777,
};

/* one address: the ports order the key's ends */
static const struct conn connlo = {
	4, { { 127, 0, 0, 1 }, { 127, 0, 0, 1 } }, { 60000, 5432 }, { 1000, 5000 }, 77777,
};

/* ---- scenarios ------------------------------------------------------------------------- */

#define S_ALT 0x01   /* the server's alternate ISN (server: its seq; client: its ack) */
#define S_FAR 0x02   /* off is only a sequence offset; the payload is the stream's start */

struct step {
	uint8_t from;      /* 0 client, 1 server */
	uint8_t flags;     /* PKT_* */
	uint32_t off;      /* sender's stream offset: seq = isn + 1 + off (a SYN: seq = isn) */
	uint32_t len;      /* payload bytes, from the stream at off */
	uint32_t ack;      /* peer's stream offset acknowledged: ack = isn' + 1 + ack */
	uint32_t modlen;   /* the first modlen payload bytes are changed (XOR MOD) */
	uint32_t wire;     /* bytes on the wire when > len (snaplen cut) */
	uint8_t opt;       /* S_* */
};

#define SYN { 0, PKT_SYN, 0, 0, 0, 0, 0, 0 }
#define SYNACK { 1, PKT_SYN | PKT_ACK, 0, 0, 0, 0, 0, 0 }
#define ACK(from, off, ack) { from, PKT_ACK, off, 0, ack, 0, 0, 0 }
#define DATA(from, off, len, ack) { from, PKT_ACK | PKT_PSH, off, len, ack, 0, 0, 0 }
#define FIN(from, off, ack) { from, PKT_FIN | PKT_ACK, off, 0, ack, 0, 0, 0 }
#define HS SYN, SYNACK, ACK(0, 0, 0)

struct range {
	uint32_t off, len;
	bool mod;          /* these bytes arrive changed (first copy was the changed one) */
};

struct scen {
	const char *name;
	uint32_t isn[2];             /* 0: the conn's */
	struct step steps[16];
	/* per side (0 client, 1 server), in delivery order */
	struct range want[2][4];
	uint64_t want_gap[2];
	unsigned want_anoms;
	int want_end;                /* enum flow_end at the end of the steps, or -1: open until
					flushed (FLOW_END_FLUSH), -2: reset, lingering until flushed
					(FLOW_END_CLOSED) */
	int want_opens;              /* 0 means 1 */
	bool want_server_init;       /* the server is the initiator */
	bool want_midstream;         /* saw_syn false */
	uint8_t want_flags[2];       /* per side */
};

#define C_ 0
#define S_ 1

static const struct scen scens[] = {
	{ "in order, both FINs close",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), DATA(0, 100, 100, 0), DATA(1, 0, 150, 200),
	    DATA(0, 200, 50, 150), FIN(0, 250, 150), FIN(1, 150, 251), ACK(0, 251, 151) },
	  { { { 0, 250, 0 } }, { { 0, 150, 0 } } }, { 0, 0 }, 0, FLOW_END_CLOSED, 0, false, false,
	  { PKT_FIN, PKT_FIN } },
	{ "retransmits and partial retransmits dropped",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), DATA(0, 0, 100, 0), DATA(0, 100, 50, 0), DATA(0, 50, 100, 0),
	    DATA(0, 0, 150, 0) },
	  { { { 0, 150, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "retransmit longer than the window: only its last FLOW_WIN bytes compared",
	  { 0, 0 },
	  { HS, DATA(0, 0, 1000, 0), DATA(0, 1000, 1000, 0), DATA(0, 0, 2000, 0),
	    DATA(0, 500, 1000, 0) },
	  { { { 0, 2000, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "overlap with delivered bytes changed: first copy wins",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), { 0, PKT_ACK, 50, 100, 0, 50, 0, 0 } },
	  { { { 0, 150, 0 } } }, { 0, 0 }, BIT(FLOW_ANOM_OVERLAP_CHANGED), -1, 0, false, false,
	  { 0, 0 } },
	{ "overlap with held bytes changed: first copy wins",
	  { 0, 0 },
	  { HS, DATA(0, 100, 100, 0), { 0, PKT_ACK, 150, 100, 0, 50, 0, 0 }, DATA(0, 0, 100, 0) },
	  { { { 0, 250, 0 } } }, { 0, 0 }, BIT(FLOW_ANOM_OVERLAP_CHANGED), -1, 0, false, false,
	  { 0, 0 } },
	{ "overlap with held bytes, same bytes",
	  { 0, 0 },
	  { HS, DATA(0, 100, 100, 0), DATA(0, 150, 100, 0), DATA(0, 50, 150, 0),
	    DATA(0, 0, 100, 0) },
	  { { { 0, 250, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "held changed copy came first: it wins over the in-order segment",
	  { 0, 0 },
	  { HS, { 0, PKT_ACK, 100, 50, 0, 50, 0, 0 }, DATA(0, 0, 200, 0) },
	  { { { 0, 100, 0 }, { 100, 50, 1 }, { 150, 50, 0 } } }, { 0, 0 },
	  BIT(FLOW_ANOM_OVERLAP_CHANGED), -1, 0, false, false, { 0, 0 } },
	{ "gap then FIN: the peer's ACK proves the hole lost",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), DATA(0, 200, 100, 0), FIN(0, 300, 0), FIN(0, 300, 0),
	    ACK(1, 0, 301), FIN(1, 0, 301), ACK(0, 301, 1) },
	  { { { 0, 100, 0 }, { 200, 100, 0 } } }, { 100, 0 }, BIT(FLOW_ANOM_GAP), FLOW_END_CLOSED,
	  0, false, false, { PKT_FIN, PKT_FIN } },
	{ "gap filled by a late retransmission after the FIN",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), DATA(0, 200, 100, 0), FIN(0, 300, 0), DATA(0, 100, 100, 0),
	    ACK(1, 0, 301) },
	  { { { 0, 300, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { PKT_FIN, 0 } },
	{ "an ACK too far ahead (> 2^30) does not skip",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), DATA(0, 200, 100, 0), ACK(1, 0, 0x50000000),
	    DATA(0, 100, 100, 0) },
	  { { { 0, 300, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "gap without ACK: skipped at the flush",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), DATA(0, 200, 100, 0), DATA(0, 350, 50, 0) },
	  { { { 0, 100, 0 }, { 200, 100, 0 }, { 350, 50, 0 } } }, { 150, 0 }, BIT(FLOW_ANOM_GAP),
	  -1, 0, false, false, { 0, 0 } },
	{ "an ACK within the hole skips only up to it",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), DATA(0, 200, 100, 0), ACK(1, 0, 150), DATA(0, 150, 50, 0) },
	  { { { 0, 100, 0 }, { 150, 150, 0 } } }, { 50, 0 }, BIT(FLOW_ANOM_GAP), -1, 0, false,
	  false, { 0, 0 } },
	{ "mid-stream: the first sender is the initiator",
	  { 0, 0 },
	  { DATA(1, 1000, 100, 500), DATA(0, 500, 50, 1100), DATA(1, 1100, 20, 550) },
	  { { { 500, 50, 0 } }, { { 1000, 120, 0 } } }, { 0, 0 }, 0, -1, 0, true, true, { 0, 0 } },
	{ "mid-stream: stray ACK, FIN and RST open nothing",
	  { 0, 0 },
	  { ACK(0, 10, 10), FIN(1, 10, 10), { 0, PKT_RST, 10, 0, 0, 0, 0, 0 } },
	  { { { 0, 0, 0 } } }, { 0, 0 }, 0, -1, -1, false, false, { 0, 0 } },
	{ "SYN-ACK seen first: the other side is the initiator",
	  { 0, 0 },
	  { SYNACK, ACK(0, 0, 0), DATA(0, 0, 100, 0), DATA(1, 0, 80, 100) },
	  { { { 0, 100, 0 } }, { { 0, 80, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "SYN-ACK first, then the late SYN: one flow",
	  { 0, 0 },
	  { SYNACK, SYN, ACK(0, 0, 0), DATA(0, 0, 100, 0) },
	  { { { 0, 100, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "retransmitted SYN and SYN-ACK: one flow",
	  { 0, 0 },
	  { SYN, SYN, SYNACK, SYNACK, ACK(0, 0, 0), DATA(0, 0, 100, 0), DATA(1, 0, 10, 100) },
	  { { { 0, 100, 0 } }, { { 0, 10, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "second SYN-ACK with another ISN, the first one taken",
	  { 0, 0 },
	  { SYN, SYNACK, ACK(0, 0, 0), DATA(0, 0, 100, 0),
	    { 1, PKT_SYN | PKT_ACK, 0, 0, 0, 0, 0, S_ALT }, ACK(0, 100, 0), ACK(1, 0, 0),
	    DATA(0, 0, 100, 0), DATA(1, 0, 80, 100) },
	  { { { 0, 100, 0 } }, { { 0, 80, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "second SYN-ACK with another ISN, the second one taken (by ACK)",
	  { 0, 0 },
	  { SYN, SYNACK, { 1, PKT_SYN | PKT_ACK, 0, 0, 0, 0, 0, S_ALT },
	    { 0, PKT_ACK, 0, 0, 0, 0, 0, S_ALT }, { 1, PKT_ACK, 0, 80, 0, 0, 0, S_ALT },
	    { 0, PKT_ACK, 0, 10, 80, 0, 0, S_ALT } },
	  { { { 0, 10, 0 } }, { { 0, 80, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "second SYN-ACK with another ISN, the second one taken (by data)",
	  { 0, 0 },
	  { SYN, SYNACK, { 1, PKT_SYN | PKT_ACK, 0, 0, 0, 0, 0, S_ALT },
	    { 1, PKT_ACK, 0, 80, 0, 0, 0, S_ALT } },
	  { { { 0, 0, 0 } }, { { 0, 80, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "keep-alives (0 or 1 garbage byte before next) ignored",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), { 0, PKT_ACK, 99, 1, 0, 1, 0, 0 }, ACK(0, 99, 0),
	    DATA(0, 100, 50, 0) },
	  { { { 0, 150, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "zero-window probe byte, then the full segment",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), DATA(0, 100, 1, 0), DATA(0, 100, 100, 0) },
	  { { { 0, 200, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "RST: the sender's held bytes after their gap; the peer's bytes in flight still come",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), DATA(0, 150, 50, 0),
	    { 0, PKT_RST | PKT_ACK, 200, 0, 0, 0, 0, 0 },
	    DATA(0, 200, 50, 0), DATA(1, 0, 80, 100), { 0, PKT_RST, 200, 0, 0, 0, 0, 0 },
	    FIN(1, 80, 100), DATA(1, 80, 20, 100), ACK(0, 250, 81) },
	  { { { 0, 100, 0 }, { 150, 50, 0 } }, { { 0, 80, 0 } } }, { 50, 0 }, BIT(FLOW_ANOM_GAP),
	  FLOW_END_CLOSED, 0, false, false, { PKT_RST, PKT_FIN } },
	{ "RST from both sides closes",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), { 1, PKT_RST, 0, 0, 0, 0, 0, 0 }, DATA(0, 100, 10, 0),
	    { 0, PKT_RST, 110, 0, 0, 0, 0, 0 }, DATA(0, 110, 10, 0) },
	  { { { 0, 110, 0 } } }, { 0, 0 }, 0, FLOW_END_CLOSED, 0, false, false,
	  { PKT_RST, PKT_RST } },
	{ "SYN answered by RST-ACK (closed port), the SYN retried: a new flow",
	  { 0, 0 },
	  { SYN, { 1, PKT_RST | PKT_ACK, 0, 0, 0, 0, 0, 0 }, SYN },
	  { { { 0, 0, 0 } } }, { 0, 0 }, 0, FLOW_END_CLOSED, 2, false, false, { 0, PKT_RST } },
	{ "RST with an implausible seq ignored",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), { 1, PKT_RST, 0x10000000, 0, 0, 0, 0, 0 },
	    DATA(0, 100, 50, 0) },
	  { { { 0, 150, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "RST with an odd but near seq accepted",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), { 1, PKT_RST, 3000, 0, 0, 0, 0, 0 }, DATA(0, 100, 50, 0),
	    DATA(1, 0, 50, 150) },
	  { { { 0, 150, 0 } } }, { 0, 0 }, 0, -2, 0, false, false, { 0, PKT_RST } },
	{ "RST answering an odd ACK (seq = that ACK) accepted; the SYN retry is a new flow",
	  { 0, 0 },
	  { SYN, ACK(1, 0x10000000, 0x20000000), { 0, PKT_RST, 0x20000000, 0, 0, 0, 0, 0 }, SYN,
	    SYNACK, ACK(0, 0, 0), DATA(0, 0, 100, 0), DATA(1, 0, 80, 100) },
	  { { { 0, 0, 0 } } }, { 0, 0 }, 0, FLOW_END_CLOSED, 2, false, false, { PKT_RST, 0 } },
	{ "a bare ACK with an odd seq before the SYN-ACK",
	  { 0, 0 },
	  { SYN, ACK(1, 0x10000000, 0x20000000), SYNACK, ACK(0, 0, 0), DATA(0, 0, 100, 0),
	    DATA(1, 0, 80, 100) },
	  { { { 0, 100, 0 } }, { { 0, 80, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "snaplen cut: the missing tail is a gap at once",
	  { 0, 0 },
	  { HS, { 0, PKT_ACK, 0, 100, 0, 0, 150, 0 }, DATA(0, 150, 50, 0), FIN(0, 200, 0),
	    FIN(1, 0, 0) },
	  { { { 0, 100, 0 }, { 150, 50, 0 } } }, { 50, 0 }, BIT(FLOW_ANOM_GAP), FLOW_END_CLOSED,
	  0, false, false, { PKT_FIN, PKT_FIN } },
	{ "late bytes of a skipped hole are not compared with stale window bytes",
	  { 74565, 5000 }, /* an ISN of its own: no recycled window holds these bytes */
	  { HS, DATA(0, 0, 100, 0), DATA(0, 200, 100, 0), ACK(1, 0, 300), DATA(0, 100, 200, 0) },
	  { { { 0, 100, 0 }, { 200, 100, 0 } } }, { 100, 0 }, BIT(FLOW_ANOM_GAP), -1, 0, false,
	  false, { 0, 0 } },
	{ "sequence numbers wrap around 2^32",
	  { 0xffffffc0u, 0xfffffffeu },
	  { HS, DATA(0, 0, 40, 0), DATA(0, 80, 60, 0), DATA(0, 40, 40, 0), DATA(1, 10, 30, 140),
	    DATA(1, 0, 10, 140), FIN(0, 140, 40), FIN(1, 40, 141) },
	  { { { 0, 140, 0 } }, { { 0, 40, 0 } } }, { 0, 0 }, 0, FLOW_END_CLOSED, 0, false, false,
	  { PKT_FIN, PKT_FIN } },
	{ "bytes after the FIN ignored",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), FIN(0, 100, 0), DATA(0, 100, 50, 0), DATA(0, 50, 100, 0),
	    DATA(0, 120, 50, 0) },
	  { { { 0, 100, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { PKT_FIN, 0 } },
	{ "FIN before the last data",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), FIN(0, 200, 0), FIN(1, 0, 100), DATA(0, 100, 100, 0) },
	  { { { 0, 200, 0 } } }, { 0, 0 }, 0, FLOW_END_CLOSED, 0, false, false,
	  { PKT_FIN, PKT_FIN } },
	{ "sequence jump dropped",
	  { 0, 0 },
	  { HS, DATA(0, 0, 100, 0), { 0, PKT_ACK, 0x50000000, 10, 0, 0, 0, S_FAR },
	    DATA(0, 100, 10, 0) },
	  { { { 0, 110, 0 } } }, { 0, 0 }, BIT(FLOW_ANOM_SEQ_JUMP), -1, 0, false, false, { 0, 0 } },
	{ "SYN with data (TCP Fast Open)",
	  { 0, 0 },
	  { { 0, PKT_SYN, 0, 50, 0, 0, 0, 0 }, SYNACK, DATA(0, 50, 50, 0) },
	  { { { 0, 100, 0 } } }, { 0, 0 }, 0, -1, 0, false, false, { 0, 0 } },
	{ "SYN-ACK missing: the client's ACK tells where the server starts",
	  { 0, 0 },
	  { SYN, ACK(0, 0, 0), DATA(0, 0, 100, 0), DATA(1, 100, 50, 100), ACK(0, 100, 150) },
	  { { { 0, 100, 0 } }, { { 100, 50, 0 } } }, { 0, 100 }, BIT(FLOW_ANOM_GAP), -1, 0, false,
	  false, { 0, 0 } },
};

static void want_bytes(const struct range *rs, int side, uint8_t *out, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < 4 && rs[i].len; i++) {
		uint8_t x = rs[i].mod ? MOD : 0;
		for (uint32_t j = 0; j < rs[i].len; j++)
			out[(*n)++] = (uint8_t)(stream[side][rs[i].off + j] ^ x);
	}
}

static void feed_step(struct flow_table *ft, const struct conn *c, const struct step *s,
		      uint64_t ts)
{
	static uint8_t buf[STREAM_LEN];
	int from = s->from;
	bool alt = (s->opt & S_ALT) != 0;
	uint32_t isn = alt && from == 1 ? c->isn_alt : c->isn[from];
	uint32_t seq = (s->flags & PKT_SYN) ? isn : isn + 1 + s->off;
	uint32_t peer = alt && from == 0 ? c->isn_alt : c->isn[!from];
	uint32_t ack = (s->flags & PKT_ACK) ? peer + 1 + s->ack : 0;
	uint32_t at = (s->opt & S_FAR) ? 0 : s->off;
	assert_true(s->len <= STREAM_LEN && (!s->len || at <= STREAM_LEN - s->len));
	if (s->len)
		memcpy(buf, stream[from] + at, s->len);
	for (uint32_t i = 0; i < s->modlen; i++)
		buf[i] ^= MOD;
	struct pkt p = mkpkt(c, from, s->flags, seq, ack, buf, s->len, s->wire, ts);
	flow_packet(ft, &p);
}

static void run_scen(const struct scen *sc, const struct conn *base)
{
	struct conn c = *base;
	if (sc->isn[0] || sc->isn[1]) {
		c.isn[0] = sc->isn[0];
		c.isn[1] = sc->isn[1];
	}
	struct rec r;
	memset(&r, 0, sizeof r);
	struct flow_table *ft = flow_table_new(NULL, &r_ops, &r);
	assert_non_null(ft);
	for (size_t i = 0; i < ARRAY_LEN(sc->steps) && sc->steps[i].flags; i++)
		feed_step(ft, &c, &sc->steps[i], 1000000 + i * 1000);
	int opens = sc->want_opens == -1 ? 0 : sc->want_opens ? sc->want_opens : 1;
	assert_int_equal(r.opens, (uint64_t)opens);
	if (opens) {
		struct rflow *f = r.f[0];
		int init = sc->want_server_init ? 1 : 0;
		assert_int_equal(f->fi.family, c.family);
		assert_memory_equal(f->fi.addr[0], c.addr[init], c.family == 4 ? 4 : 16);
		assert_memory_equal(f->fi.addr[1], c.addr[!init], c.family == 4 ? 4 : 16);
		assert_int_equal(f->fi.port[0], c.port[init]);
		assert_int_equal(f->fi.port[1], c.port[!init]);
		assert_int_equal(f->fi.saw_syn, !sc->want_midstream);
		if (sc->want_end >= 0) {
			assert_int_equal(f->closes, 1);
			assert_int_equal(f->why, sc->want_end);
		} else {
			assert_int_equal(f->closes, 0);
		}
		flow_flush(ft, 9000000);
		assert_int_equal(f->closes, 1);
		if (sc->want_end < 0)
			assert_int_equal(f->why,
					 sc->want_end == -1 ? FLOW_END_FLUSH : FLOW_END_CLOSED);
		static uint8_t want[STREAM_LEN];
		for (int side = 0; side < 2; side++) {
			int dir = side ^ init;
			size_t n;
			want_bytes(sc->want[side], side, want, &n);
			assert_int_equal(f->n[dir], n);
			if (n)
				assert_memory_equal(f->data[dir], want, n);
			assert_int_equal(f->gap[dir], sc->want_gap[side]);
			assert_int_equal(f->flags[dir], sc->want_flags[side]);
		}
		assert_int_equal(f->anoms, sc->want_anoms);
	}
	struct flow_stats st;
	flow_table_stats(ft, &st);
	assert_int_equal(st.flows_now, 0);
	flow_table_free(ft);
	rec_check_free(&r);
}

static void test_scenarios(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(scens); i++) {
		print_message("  scenario: %s\n", scens[i].name);
		run_scen(&scens[i], &conn4);
		run_scen(&scens[i], &conn6);
		run_scen(&scens[i], &connlo);
	}
}

/* ---- order independence ------------------------------------------------------------ */

struct seg_def {
	uint32_t off, len;
};

static void feed_order(const struct seg_def *segs, const size_t *order, size_t n, size_t total,
		       bool want_calls_are_segments)
{
	struct rec r;
	memset(&r, 0, sizeof r);
	struct flow_limits lim = { 4, 0, 0 };
	struct flow_table *ft = flow_table_new(&lim, &r_ops, &r);
	assert_non_null(ft);
	static const struct step hs[] = { SYN, SYNACK, ACK(0, 0, 0) };
	for (size_t i = 0; i < ARRAY_LEN(hs); i++)
		feed_step(ft, &conn4, &hs[i], 1);
	for (size_t i = 0; i < n; i++) {
		struct step s = DATA(0, segs[order[i]].off, segs[order[i]].len, 0);
		feed_step(ft, &conn4, &s, 2 + i);
	}
	assert_int_equal(r.nf, 1);
	struct rflow *f = r.f[0];
	assert_int_equal(f->n[0], total);
	assert_memory_equal(f->data[0], stream[0], total);
	assert_int_equal(f->gap[0], 0);
	assert_int_equal(f->anoms, 0);
	if (want_calls_are_segments)
		assert_int_equal(f->calls[0], n);
	flow_table_free(ft);
	rec_check_free(&r);
}

static bool next_perm(size_t *a, size_t n)
{
	size_t i = n - 1;
	while (i > 0 && a[i - 1] >= a[i])
		i--;
	if (i == 0)
		return false;
	size_t j = n - 1;
	while (a[j] <= a[i - 1])
		j--;
	size_t t = a[i - 1];
	a[i - 1] = a[j];
	a[j] = t;
	for (size_t k = i, l = n - 1; k < l; k++, l--) {
		t = a[k];
		a[k] = a[l];
		a[l] = t;
	}
	return true;
}

static void test_permutations(void **state)
{
	(void)state;
	/* disjoint segments: each data call is one segment */
	static const struct seg_def disjoint[] = { { 0, 60 }, { 60, 40 }, { 100, 30 },
						   { 130, 70 }, { 200, 50 } };
	/* overlapping segments, same bytes */
	static const struct seg_def overlap[] = { { 0, 60 }, { 40, 60 }, { 100, 30 },
						  { 120, 80 }, { 180, 70 } };
	size_t order[5], perms = 0;
	for (size_t i = 0; i < 5; i++)
		order[i] = i;
	do {
		feed_order(disjoint, order, 5, 250, true);
		feed_order(overlap, order, 5, 250, false);
		perms++;
	} while (next_perm(order, 5));
	assert_int_equal(perms, 120);
}

static void test_every_split(void **state)
{
	(void)state;
	const size_t n = 300;
	for (size_t k = 1; k < n; k++) {
		struct seg_def two[2] = { { 0, (uint32_t)k }, { (uint32_t)k, (uint32_t)(n - k) } };
		size_t fwd[2] = { 0, 1 }, rev[2] = { 1, 0 };
		feed_order(two, fwd, 2, n, true);
		feed_order(two, rev, 2, n, true);
	}
}

/* ---- lifecycle --------------------------------------------------------------------- */

static void feed_steps(struct flow_table *ft, const struct conn *c, const struct step *s,
		       size_t n, uint64_t ts)
{
	for (size_t i = 0; i < n; i++)
		feed_step(ft, c, &s[i], ts + i);
}

static void test_port_reuse(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof r);
	struct flow_table *ft = flow_table_new(NULL, &r_ops, &r);
	assert_non_null(ft);
	static const struct step first[] = { HS, DATA(0, 0, 100, 0), FIN(0, 100, 0),
					     FIN(1, 0, 101), ACK(0, 101, 1) };
	static const struct step second[] = { HS, DATA(0, 0, 50, 0) };
	static const struct step half[] = { HS, DATA(0, 0, 30, 0), FIN(0, 30, 0) };
	static const struct step live[] = { HS, DATA(0, 0, 20, 0) };
	struct conn c = conn4;

	/* closed tuple + new SYN: a new flow */
	feed_steps(ft, &c, first, ARRAY_LEN(first), 10);
	assert_int_equal(r.nf, 1);
	assert_int_equal(r.f[0]->closes, 1);
	assert_int_equal(r.f[0]->why, FLOW_END_CLOSED);
	c.isn[0] = 900000;
	c.isn[1] = 123456;
	feed_steps(ft, &c, second, ARRAY_LEN(second), 100);
	assert_int_equal(r.nf, 2);
	assert_int_equal(r.f[1]->n[0], 50);
	assert_memory_equal(r.f[1]->data[0], stream[0], 50);

	/* live flow after one FIN + new SYN with another ISN: the old one closes first */
	c.isn[0] = 7000000;
	feed_steps(ft, &c, half, ARRAY_LEN(half), 200);
	assert_int_equal(r.nf, 3);
	assert_int_equal(r.f[1]->closes, 1);
	assert_int_equal(r.f[1]->why, FLOW_END_CLOSED);
	assert_int_equal(r.f[2]->n[0], 30);

	/* live flow, no FIN, new SYN with another ISN: port reuse too */
	c.isn[0] = 8000000;
	feed_steps(ft, &c, live, ARRAY_LEN(live), 300);
	assert_int_equal(r.nf, 4);
	assert_int_equal(r.f[2]->closes, 1);
	assert_int_equal(r.f[3]->closes, 0);
	assert_int_equal(r.f[3]->n[0], 20);

	struct flow_stats st;
	flow_table_stats(ft, &st);
	assert_int_equal(st.flows_now, 1);
	flow_table_free(ft);
	assert_int_equal(r.f[3]->why, FLOW_END_FLUSH);
	rec_check_free(&r);
}

/* Seen in suricata-verify tls-subjectaltname: SYN, an odd bare ACK, the client's RST (seq =
 * that ACK), the same SYN again: the second flow gets the handshake. */
static void test_rst_retry(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof r);
	struct flow_table *ft = flow_table_new(NULL, &r_ops, &r);
	assert_non_null(ft);
	static const struct step s[] = {
		SYN, ACK(1, 0x10000000, 0x20000000), { 0, PKT_RST, 0x20000000, 0, 0, 0, 0, 0 },
		SYN, SYNACK, ACK(0, 0, 0), DATA(0, 0, 100, 0), DATA(1, 0, 80, 100),
	};
	feed_steps(ft, &conn4, s, ARRAY_LEN(s), 10);
	assert_int_equal(r.nf, 2);
	assert_int_equal(r.f[0]->closes, 1);
	assert_int_equal(r.f[0]->n[0] + r.f[0]->n[1], 0);
	assert_int_equal(r.f[1]->closes, 0);
	assert_int_equal(r.f[1]->n[0], 100);
	assert_memory_equal(r.f[1]->data[0], stream[0], 100);
	assert_int_equal(r.f[1]->n[1], 80);
	assert_memory_equal(r.f[1]->data[1], stream[1], 80);
	flow_table_free(ft);
	rec_check_free(&r);
}

static void test_consumer_stops(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof r);
	r.stop_after[0] = 100;
	struct flow_table *ft = flow_table_new(NULL, &r_ops, &r);
	assert_non_null(ft);
	struct flow_stats st0, st1, st2, st3;
	static const struct step hs[] = { HS };
	feed_steps(ft, &conn4, hs, ARRAY_LEN(hs), 1);
	flow_table_stats(ft, &st0);
	struct step held = DATA(0, 150, 100, 0), first = DATA(0, 0, 100, 0);
	feed_step(ft, &conn4, &held, 10);
	flow_table_stats(ft, &st1);
	assert_true(st1.bytes_now >= st0.bytes_now + 100);
	feed_step(ft, &conn4, &first, 11);
	flow_table_stats(ft, &st2);
	assert_int_equal(st2.bytes_now, st0.bytes_now); /* held bytes and window freed */
	assert_int_equal(r.f[0]->n[0], 100);
	assert_int_equal(r.f[0]->calls[0], 1);
	static const struct step more[] = { DATA(0, 100, 50, 0), DATA(0, 400, 50, 0),
					    DATA(0, 300, 50, 0), DATA(1, 0, 40, 0) };
	feed_steps(ft, &conn4, more, ARRAY_LEN(more), 20);
	flow_table_stats(ft, &st3);
	assert_int_equal(r.f[0]->n[0], 100); /* nothing more */
	assert_int_equal(r.f[0]->n[1], 40);  /* the other direction still flows */
	assert_int_equal(st3.ooo_held, st1.ooo_held);
	flow_table_free(ft);
	rec_check_free(&r);
}

static void test_ignored_flow(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof r);
	r.ignore = true;
	struct flow_table *ft = flow_table_new(NULL, &r_ops, &r);
	assert_non_null(ft);
	static const struct step s[] = { HS, DATA(0, 200, 100, 0), DATA(0, 0, 100, 0),
					 FIN(0, 300, 0), FIN(1, 0, 301) };
	feed_steps(ft, &conn4, s, ARRAY_LEN(s), 1);
	struct flow_stats st;
	flow_table_stats(ft, &st);
	assert_int_equal(r.opens, 1);
	assert_int_equal(st.ooo_held, 0);
	assert_int_equal(st.flows_closed, 1); /* the FINs closed it, silently */
	flow_table_free(ft);
	assert_int_equal(r.closes, 0);
	rec_check_free(&r);
}

static struct conn conn_n(uint32_t i)
{
	struct conn c = conn4;
	c.addr[0][1] = (uint8_t)(i >> 16);
	c.addr[0][2] = (uint8_t)(i >> 8);
	c.addr[0][3] = (uint8_t)i;
	c.port[0] = (uint16_t)(1024 + (i % 50000));
	c.isn[0] = i * 2654435761u;
	return c;
}

static void test_idle_expiry(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof r);
	struct flow_limits lim = { 0, 0, 100 * 1000000ull };
	struct flow_table *ft = flow_table_new(&lim, &r_ops, &r);
	assert_non_null(ft);
	static const struct step s[] = { HS, DATA(0, 0, 10, 0) };
	struct conn a = conn_n(1), b = conn_n(2);
	feed_steps(ft, &a, s, ARRAY_LEN(s), 1 * 1000000ull);
	feed_steps(ft, &b, s, ARRAY_LEN(s), 50 * 1000000ull);
	flow_expire(ft, 100 * 1000000ull); /* nobody idle 100 s yet */
	assert_int_equal(r.closes, 0);
	flow_expire(ft, 102 * 1000000ull);
	assert_int_equal(r.f[0]->closes, 1);
	assert_int_equal(r.f[0]->why, FLOW_END_IDLE);
	assert_int_equal(r.f[1]->closes, 0);
	struct step more = DATA(0, 10, 10, 0);
	feed_step(ft, &b, &more, 140 * 1000000ull); /* b active again */
	flow_expire(ft, 200 * 1000000ull);
	assert_int_equal(r.f[1]->closes, 0);
	flow_expire(ft, 241 * 1000000ull);
	assert_int_equal(r.f[1]->closes, 1);
	assert_int_equal(r.f[1]->why, FLOW_END_IDLE);
	assert_int_equal(r.f[1]->n[0], 20);
	struct flow_stats st;
	flow_table_stats(ft, &st);
	assert_int_equal(st.flows_now, 0);
	flow_table_free(ft);
	rec_check_free(&r);
}

static void test_linger_then_expire(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof r);
	struct flow_table *ft = flow_table_new(NULL, &r_ops, &r);
	assert_non_null(ft);
	static const struct step s[] = { HS, DATA(0, 0, 10, 0), FIN(0, 10, 0), FIN(1, 0, 11),
					 ACK(0, 11, 1) };
	feed_steps(ft, &conn4, s, ARRAY_LEN(s), 1000);
	struct flow_stats st;
	flow_table_stats(ft, &st);
	assert_int_equal(st.flows_now, 1);
	assert_int_equal(st.flows_lingering, 1);
	flow_expire(ft, 1000 + FLOW_LINGER_US + 100);
	flow_table_stats(ft, &st);
	assert_int_equal(st.flows_now, 0);
	/* a stray ACK after that opens nothing */
	struct step ack = ACK(1, 1, 11);
	feed_step(ft, &conn4, &ack, 1000 + FLOW_LINGER_US + 200);
	assert_int_equal(r.opens, 1);

	/* a reset flow lingers with its consumer, then ends CLOSED */
	static const struct step rs[] = { HS, DATA(0, 0, 10, 0), { 1, PKT_RST, 0, 0, 0, 0, 0, 0 } };
	uint64_t t = 100 * FLOW_LINGER_US;
	feed_steps(ft, &conn4, rs, ARRAY_LEN(rs), t);
	struct step late = DATA(0, 10, 10, 0);
	feed_step(ft, &conn4, &late, t + FLOW_LINGER_US / 2);
	flow_expire(ft, t + FLOW_LINGER_US);
	assert_int_equal(r.f[1]->closes, 0);
	flow_expire(ft, t + FLOW_LINGER_US / 2 + FLOW_LINGER_US + 100);
	assert_int_equal(r.f[1]->closes, 1);
	assert_int_equal(r.f[1]->why, FLOW_END_CLOSED);
	assert_int_equal(r.f[1]->n[0], 20);
	flow_table_stats(ft, &st);
	assert_int_equal(st.flows_now, 0);
	flow_table_free(ft);
	rec_check_free(&r);
}

static void test_evict_max_flows(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof r);
	struct flow_limits lim = { 3, 0, 0 };
	struct flow_table *ft = flow_table_new(&lim, &r_ops, &r);
	assert_non_null(ft);
	static const struct step syn[] = { SYN };
	struct step d = DATA(0, 0, 10, 0);
	for (uint32_t i = 0; i < 3; i++) {
		struct conn c = conn_n(i);
		feed_steps(ft, &c, syn, 1, 10 + i);
	}
	struct conn c0 = conn_n(0);
	feed_step(ft, &c0, &d, 20); /* flow 0 active again: flow 1 is now the oldest */
	struct conn c3 = conn_n(3);
	feed_steps(ft, &c3, syn, 1, 30);
	assert_int_equal(r.f[1]->closes, 1);
	assert_int_equal(r.f[1]->why, FLOW_END_EVICTED);
	assert_true(r.f[1]->anoms & BIT(FLOW_ANOM_EVICTED));
	assert_int_equal(r.f[0]->closes, 0);
	assert_int_equal(r.f[2]->closes, 0);
	struct flow_stats st;
	flow_table_stats(ft, &st);
	assert_int_equal(st.flows_now, 3);
	assert_int_equal(st.flows_evicted, 1);
	/* a closed flow goes before live ones, even the least recently active */
	static const struct step fins[] = { FIN(0, 10, 0), FIN(1, 0, 11) };
	feed_steps(ft, &c0, fins, ARRAY_LEN(fins), 35); /* flow 0 closes: the newest entry */
	assert_int_equal(r.f[0]->closes, 1);
	struct conn c4 = conn_n(4);
	feed_steps(ft, &c4, syn, 1, 36);
	assert_int_equal(r.f[2]->closes, 0); /* the oldest live flow stays */
	assert_int_equal(r.f[3]->closes, 0);
	flow_table_stats(ft, &st);
	assert_int_equal(st.flows_now, 3);
	assert_int_equal(st.flows_evicted, 1);
	assert_int_equal(st.flows_lingering, 0);
	flow_flush(ft, 40);
	assert_int_equal(r.ends[FLOW_END_FLUSH], 3);
	flow_table_stats(ft, &st);
	assert_int_equal(st.flows_now, 0);
	flow_table_free(ft);
	rec_check_free(&r);
}

static void test_evict_max_bytes(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof r);
	struct flow_limits lim0 = { 16, 1 << 30, 0 };
	struct flow_table *ft = flow_table_new(&lim0, &r_ops, &r);
	assert_non_null(ft);
	struct flow_stats st;
	flow_table_stats(ft, &st);
	size_t fixed = st.bytes_now;
	flow_table_free(ft);

	/* room for the table, a few flows and 64 KiB of held bytes */
	struct flow_limits lim = { 16, fixed + (64u << 10) + 8 * 1024, 0 };
	ft = flow_table_new(&lim, &r_ops, &r);
	assert_non_null(ft);
	static const struct step hs[] = { HS };
	for (uint32_t i = 0; i < 4; i++) {
		struct conn c = conn_n(i);
		feed_steps(ft, &c, hs, ARRAY_LEN(hs), 10 + i);
	}
	/* flow 3 holds 80 KiB after a hole: the others are evicted, then the hole skipped */
	struct conn c3 = conn_n(3);
	static uint8_t buf[1024];
	for (uint32_t k = 0; k < 80; k++) {
		struct pkt p = mkpkt(&c3, 0, PKT_ACK, c3.isn[0] + 1 + 100 + k * 1024,
				     c3.isn[1] + 1, buf, sizeof buf, 0, 100 + k);
		flow_packet(ft, &p);
	}
	flow_table_stats(ft, &st);
	print_message("  max_bytes %zu: bytes_peak %zu, %" PRIu64 " evicted, %" PRIu64
		      " forced skips\n", lim.max_bytes, st.bytes_peak, st.flows_evicted,
		      st.ooo_limit);
	assert_true(st.bytes_peak <= lim.max_bytes);
	assert_int_equal(r.ends[FLOW_END_EVICTED], 3);
	assert_int_equal(st.flows_now, 1);
	assert_int_equal(r.f[3]->gap[0], 100);
	assert_int_equal(r.f[3]->n[0], 80 * 1024);
	assert_int_equal(r.evicted_anoms, r.ends[FLOW_END_EVICTED]);
	flow_table_free(ft);
	rec_check_free(&r);
}

/* Evicting a flow delivers its held bytes; that must not evict the flow whose packet made
 * room (here the only other one). */
static void test_evict_nested(void **state)
{
	(void)state;
	struct rec r;
	static const struct step hs[] = { HS };
	struct conn a = conn_n(1), b = conn_n(2);
	struct step ah = DATA(0, 100, 1000, 0), bh = DATA(0, 100, 2500, 0);
	struct flow_stats st;
	/* measure: a's handshake, b's handshake, a holding 1000 bytes */
	memset(&r, 0, sizeof r);
	struct flow_limits lim0 = { 4, 1 << 30, 0 };
	struct flow_table *ft = flow_table_new(&lim0, &r_ops, &r);
	assert_non_null(ft);
	feed_steps(ft, &a, hs, ARRAY_LEN(hs), 10);
	feed_steps(ft, &b, hs, ARRAY_LEN(hs), 20);
	feed_step(ft, &a, &ah, 30);
	flow_table_stats(ft, &st);
	size_t held = st.bytes_now;
	flow_table_free(ft);
	rec_check_free(&r);

	/* just room for that: once a's held bytes are freed, its window would not fit */
	memset(&r, 0, sizeof r);
	struct flow_limits lim = { 4, held + 4, 0 };
	ft = flow_table_new(&lim, &r_ops, &r);
	assert_non_null(ft);
	feed_steps(ft, &a, hs, ARRAY_LEN(hs), 10);
	feed_steps(ft, &b, hs, ARRAY_LEN(hs), 20);
	feed_step(ft, &a, &ah, 30);
	feed_step(ft, &b, &bh, 40); /* evicts a, which delivers its 1000 held bytes */
	assert_int_equal(r.f[0]->closes, 1);
	assert_int_equal(r.f[0]->why, FLOW_END_EVICTED);
	assert_int_equal(r.f[0]->n[0], 1000);
	assert_memory_equal(r.f[0]->data[0], stream[0] + 100, 1000);
	assert_int_equal(r.f[1]->closes, 0);
	flow_table_stats(ft, &st);
	assert_true(st.bytes_peak <= lim.max_bytes);
	assert_int_equal(st.flows_now, 1);
	/* b could not hold 2500 bytes even alone: its hole was skipped */
	assert_int_equal(r.f[1]->gap[0], 100);
	assert_int_equal(r.f[1]->n[0], 2500);
	assert_memory_equal(r.f[1]->data[0], stream[0] + 100, 2500);
	flow_table_free(ft);
	rec_check_free(&r);
}

static void test_syn_flood(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof r);
	r.count_only = true;
	struct flow_limits lim = { 1000, 4u << 20, 0 };
	struct flow_table *ft = flow_table_new(&lim, &r_ops, &r);
	assert_non_null(ft);
	struct flow_stats st;
	const uint32_t n = 1000000;
	for (uint32_t i = 0; i < n; i++) {
		struct conn c = conn_n(i);
		c.addr[0][0] = (uint8_t)(i >> 24 | 0x40);
		struct pkt p = mkpkt(&c, 0, PKT_SYN, c.isn[0], 0, NULL, 0, 0, 1000 + i);
		flow_packet(ft, &p);
		if (i % 4096 == 0) {
			flow_table_stats(ft, &st);
			assert_true(st.flows_now <= 1000);
		}
	}
	flow_table_stats(ft, &st);
	print_message("  SYN flood: %u SYNs, flows_now %zu, bytes_peak %zu (budget %zu)\n", n,
		      st.flows_now, st.bytes_peak, lim.max_bytes);
	assert_int_equal(st.flows_opened, n);
	assert_int_equal(st.flows_now, 1000);
	assert_int_equal(st.flows_evicted, n - 1000);
	assert_true(st.bytes_peak <= lim.max_bytes);
	assert_true(st.bytes_peak < 512u << 10); /* 1000 small entries */
	/* the last 1000 tuples are all still found (deletions kept the probe runs intact) */
	for (uint32_t i = n - 1000; i < n; i++) {
		struct conn c = conn_n(i);
		c.addr[0][0] = (uint8_t)(i >> 24 | 0x40);
		struct pkt p = mkpkt(&c, 1, PKT_SYN | PKT_ACK, 1, c.isn[0] + 1, NULL, 0, 0,
				     2000000);
		flow_packet(ft, &p);
	}
	flow_table_stats(ft, &st);
	assert_int_equal(st.flows_opened, n);
	flow_table_free(ft);
	assert_int_equal(r.opens, n);
	assert_int_equal(r.closes, n);
	assert_int_equal(r.ends[FLOW_END_EVICTED], n - 1000);
	assert_int_equal(r.ends[FLOW_END_FLUSH], 1000);
}

static void test_ooo_flood(void **state)
{
	(void)state;
	/* 1 MiB in 1000-byte segments, all after a 100-byte hole that never fills */
	struct rec r;
	memset(&r, 0, sizeof r);
	struct flow_table *ft = flow_table_new(NULL, &r_ops, &r);
	assert_non_null(ft);
	static const struct step hs[] = { HS };
	feed_steps(ft, &conn4, hs, ARRAY_LEN(hs), 1);
	struct flow_stats st0, st;
	flow_table_stats(ft, &st0);
	static uint8_t buf[1000];
	size_t max_over = 0;
	for (uint32_t k = 0; k < 1048; k++) {
		uint32_t off = 100 + k * 1000;
		for (int i = 0; i < 1000; i++)
			buf[i] = (uint8_t)((off + (uint32_t)i) * 31);
		struct pkt p = mkpkt(&conn4, 0, PKT_ACK, conn4.isn[0] + 1 + off, 0, buf, 1000, 0,
				     10 + k);
		flow_packet(ft, &p);
		flow_table_stats(ft, &st);
		if (st.bytes_now - st0.bytes_now > max_over)
			max_over = st.bytes_now - st0.bytes_now;
	}
	print_message("  OOO flood: held at most %zu bytes over the flow's base (limit %u)\n",
		      max_over, FLOW_OOO_MAX);
	assert_true(max_over <= FLOW_OOO_MAX + FLOW_OOO_SEGS_MAX * 32 + FLOW_WIN);
	struct rflow *f = r.f[0];
	assert_true(f->anoms & BIT(FLOW_ANOM_OOO_LIMIT));
	assert_int_equal(f->gap[0], 100);
	assert_int_equal(f->ngaps[0], 1);
	/* everything after the hole arrived, in order */
	assert_int_equal(f->n[0], 1048 * 1000);
	for (size_t i = 0; i < f->n[0]; i++)
		if (f->data[0][i] != (uint8_t)((100 + i) * 31))
			fail_msg("byte %zu", i);

	/* 1-byte pieces every other byte: the piece limit */
	struct conn c = conn_n(77);
	feed_steps(ft, &c, hs, ARRAY_LEN(hs), 100000);
	flow_table_stats(ft, &st0);
	size_t max_held = 0;
	for (uint32_t k = 1; k < 2000; k++) {
		struct step s = DATA(0, 2 * k, 1, 0);
		feed_step(ft, &c, &s, 100000 + k);
		flow_table_stats(ft, &st);
		if (st.bytes_now - st0.bytes_now > max_held)
			max_held = st.bytes_now - st0.bytes_now;
	}
	print_message("  1-byte pieces: held at most %zu bytes (%u pieces allowed)\n", max_held,
		      FLOW_OOO_SEGS_MAX);
	assert_true(max_held <= FLOW_OOO_SEGS_MAX * 32 + FLOW_WIN);
	assert_true(r.f[1]->anoms & BIT(FLOW_ANOM_OOO_LIMIT));
	flow_table_free(ft);
	rec_check_free(&r);
}

static void test_depth_limit(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof r);
	struct flow_table *ft = flow_table_new(NULL, &r_ops, &r);
	assert_non_null(ft);
	static const struct step hs[] = { HS };
	feed_steps(ft, &conn4, hs, ARRAY_LEN(hs), 1);
	static uint8_t buf[1400];
	uint32_t total = FLOW_DEPTH_MAX + 20000;
	for (uint32_t off = 0; off < total; off += sizeof buf) {
		struct pkt p = mkpkt(&conn4, 0, PKT_ACK, conn4.isn[0] + 1 + off, 0, buf,
				     sizeof buf, 0, 10);
		flow_packet(ft, &p);
	}
	assert_int_equal(r.f[0]->n[0], FLOW_DEPTH_MAX);
	assert_true(r.f[0]->anoms & BIT(FLOW_ANOM_DEPTH_LIMIT));
	/* the FINs still close it */
	struct pkt fin = mkpkt(&conn4, 0, PKT_FIN | PKT_ACK,
			       conn4.isn[0] + 1 + (total / sizeof buf + 1) * sizeof buf,
			       conn4.isn[1] + 1, NULL, 0, 0, 20);
	struct pkt fin2 = mkpkt(&conn4, 1, PKT_FIN | PKT_ACK, conn4.isn[1] + 1, 0, NULL, 0, 0, 21);
	flow_packet(ft, &fin);
	flow_packet(ft, &fin2);
	assert_int_equal(r.f[0]->closes, 1);
	assert_int_equal(r.f[0]->why, FLOW_END_CLOSED);
	flow_table_free(ft);
	rec_check_free(&r);
}

static void test_flush_closes_all(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof r);
	struct flow_table *ft = flow_table_new(NULL, &r_ops, &r);
	assert_non_null(ft);
	static const struct step s[] = { HS, DATA(0, 0, 10, 0), DATA(0, 20, 10, 0) };
	for (uint32_t i = 0; i < 40; i++) {
		struct conn c = conn_n(i);
		feed_steps(ft, &c, s, ARRAY_LEN(s), 10);
	}
	flow_flush(ft, 100);
	assert_int_equal(r.ends[FLOW_END_FLUSH], 40);
	for (size_t i = 0; i < r.nf; i++) {
		assert_int_equal(r.f[i]->n[0], 20);
		assert_int_equal(r.f[i]->gap[0], 10);
	}
	struct flow_stats st;
	flow_table_stats(ft, &st);
	assert_int_equal(st.flows_now, 0);
	assert_int_equal(st.flows_opened, 40);
	assert_int_equal(st.flows_closed, 40);
	/* the table is usable after a flush */
	feed_steps(ft, &conn4, s, ARRAY_LEN(s), 200);
	flow_table_free(ft);
	assert_int_equal(r.opens, 41);
	rec_check_free(&r);
}

/* ---- hash, names ------------------------------------------------------------------------ */

static void test_siphash13_vectors(void **state)
{
	(void)state;
	/* message bytes 00 01 02 ... read as little-endian words; key all zero */
	static const uint64_t msg[4] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull,
					 0x1716151413121110ull, 0x1f1e1d1c1b1a1918ull };
	static const struct {
		size_t words;
		uint64_t want;
	} cases[] = {
		{ 0, 0xd1fba762150c532cull },
		{ 1, 0xead411e67ebe2eeaull },
		{ 2, 0x8972188433a5c5b7ull },
		{ 4, 0x31ef8061c910629bull },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		assert_int_equal(flow_sip13(0, 0, msg, cases[i].words), cases[i].want);
}

static void test_anom_names(void **state)
{
	(void)state;
	static const struct {
		enum flow_anom a;
		const char *name;
	} cases[] = {
		{ FLOW_ANOM_NONE, "none" },
		{ FLOW_ANOM_OVERLAP_CHANGED, "tcp_overlap_changed" },
		{ FLOW_ANOM_GAP, "tcp_gap" },
		{ FLOW_ANOM_OOO_LIMIT, "tcp_out_of_order_limit" },
		{ FLOW_ANOM_DEPTH_LIMIT, "tcp_depth_limit" },
		{ FLOW_ANOM_EVICTED, "flow_evicted" },
		{ FLOW_ANOM_SEQ_JUMP, "tcp_sequence_jump" },
		{ FLOW_ANOM_COUNT, "unknown" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		assert_string_equal(flow_anom_name(cases[i].a), cases[i].name);
}

static int setup(void **state)
{
	(void)state;
	streams_init();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_permutations),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_port_reuse),
		cmocka_unit_test(test_rst_retry),
		cmocka_unit_test(test_consumer_stops),
		cmocka_unit_test(test_ignored_flow),
		cmocka_unit_test(test_idle_expiry),
		cmocka_unit_test(test_linger_then_expire),
		cmocka_unit_test(test_evict_max_flows),
		cmocka_unit_test(test_evict_max_bytes),
		cmocka_unit_test(test_evict_nested),
		cmocka_unit_test(test_syn_flood),
		cmocka_unit_test(test_ooo_flood),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_flush_closes_all),
		cmocka_unit_test(test_siphash13_vectors),
		cmocka_unit_test(test_anom_names),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
