/*
 * flow: the flow table and per-direction TCP reassembly (see flow.h for the contract).
 *
 * Implementation notes
 *
 * Table. Open addressing with linear probing over a power-of-two array of (hash, flow)
 * slots, at least twice max_flows, so the load stays <= 1/2; deletion shifts the following
 * entries back (no tombstone slots). The key is the canonical 5-tuple: the two (address,
 * port) ends ordered, as five 64-bit words; the protocol is always TCP. The hash is
 * SipHash-1-3 (flow_hash.h) under a random per-table key. The last flow looked up is cached:
 * consecutive segments of one flow (bulk transfers) skip the hash.
 *
 * Lists. Each flow is on one of two LRU lists (oldest first): live flows, and the "dead" list
 * of flows that linger for linger_us: reset ones (a RST was seen; the consumer still gets the
 * peer's segments in flight, such as a server's certificate after the client's RST, until the
 * peer is done too or the linger time ends) and closed ones (the consumer was told; they absorb
 * stray ACKs and retransmissions). A packet moves its flow to the tail, so expiry and eviction
 * pop heads: O(1) per flow. Freed flow structs go to a free list (no malloc per flow in steady
 * state); held segments and the overlap windows are malloc'd.
 *
 * Reassembly, per direction (RFC 9293 §3.4 sequence space, RFC 1982 comparisons):
 *
 *            old (retransmit)      next        ahead (held, sorted, non-overlapping)
 *   ... ──────[win: last FLOW_WIN delivered]──┤  hole  [seg]  hole  [seg][seg] ...
 *                compare only                 ▲ in order: ops.data straight from the
 *                                             │ packet, then drain held segments now
 *                                             │ contiguous
 *
 * A segment is cut into its old part (compared against the window), its in-order part
 * (delivered, stopping at the first held segment, which then drains), and its ahead part
 * (held, only the bytes no held segment has yet: first copy wins). A hole is skipped
 * (ops.gap) when the peer's ACK passes it, a hold limit is hit, the snaplen cut bytes, or
 * the flow ends. Once the consumer refuses data or FLOW_DEPTH_MAX is reached, the direction
 * is "done": held data and the window are freed and only its sequence numbers and FIN/RST
 * flags are tracked (for RST plausibility and closing).
 *
 * Memory accounting: the table struct and slot array, every flow struct, every window and
 * every held segment (header + bytes) count in bytes_now; before anything is added the
 * least recently active flows other than the current one are evicted until it fits.
 */
#include "capture/flow.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "capture/flow_hash.h"

#define SEQ_JUMP (1u << 30)     /* RFC 7323 §2.3: no window is larger */
#define RST_WINDOW (1u << 20)   /* a RST farther than this from the next byte is ignored */
#define SEG_MAX (1u << 17)      /* cap on a segment's wire length (IPv6 jumbograms) */

_Static_assert((FLOW_WIN & (FLOW_WIN - 1)) == 0, "FLOW_WIN must be a power of 2");
_Static_assert(FLOW_ANOM_COUNT <= 8, "flow.anoms is a uint8_t bit set");
_Static_assert(FLOW_OOO_SEGS_MAX < 65536 && FLOW_WIN < 65536, "uint16_t counters");

static const char *const anom_names[] = {
#define FLOW_ANOM_NAME(id, name) name,
	FLOW_ANOMALIES(FLOW_ANOM_NAME)
#undef FLOW_ANOM_NAME
};

const char *flow_anom_name(enum flow_anom a)
{
	if ((unsigned)a >= FLOW_ANOM_COUNT)
		return "unknown";
	return anom_names[a];
}

/* ---- sequence numbers (RFC 1982 serial arithmetic, 32 bits) ----------------------------- */

static inline int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) < 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) <= 0;
}

static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? a : b;
}

/* ---- structures ---------------------------------------------------------------------- */

/* A held out-of-order piece of one direction: bytes [seq, seq + len). */
struct seg {
	struct seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

#define DF_SEQ 0x01   /* next is known */
#define DF_ISN 0x02   /* isn is known (SYN seen, or inferred from a SYN-ACK's ack) */
#define DF_ALT 0x04   /* a second SYN-ACK with another ISN: isn_alt */
#define DF_DATA 0x08  /* payload seen: the ISN choice is final */
#define DF_FIN 0x10   /* fin_seq is known */
#define DF_LACK 0x20  /* last_ack is known */
#define DF_RST 0x40   /* a plausible RST came from this direction */

struct flow_dir {
	uint32_t next;        /* next byte expected (done: highest end seen) */
	uint32_t isn, isn_alt;
	uint32_t fin_seq;     /* sequence number of the FIN */
	uint32_t last_ack;    /* the ACK field of this direction's latest segment */
	uint32_t delivered;   /* bytes given to ops.data */
	uint32_t held;        /* bytes held in the list */
	uint16_t nsegs;       /* pieces held */
	uint16_t win_fill;    /* valid bytes in win, ending at next */
	uint8_t flags;        /* DF_* */
	bool done;            /* no more data: the consumer refused it or the depth limit */
	struct seg *head, *tail;
	uint8_t *win;         /* ring of the last FLOW_WIN bytes delivered, index seq % FLOW_WIN */
};

struct flow {
	uint64_t key[5];
	uint64_t hash;
	struct flow *prev, *next;  /* LRU list; next also links the free list */
	void *user;
	uint64_t last_ts;
	struct flow_dir d[2];      /* [0] initiator, [1] responder */
	uint8_t init_end;          /* the key end (0 lower, 1 upper) that is the initiator */
	uint8_t state;             /* FS_* */
	uint8_t anoms;             /* bit per enum flow_anom reported */
};

enum {
	FS_LIVE,    /* on the live list */
	FS_RESET,   /* a RST was seen: on the dead list, the consumer still attached */
	FS_CLOSED,  /* the consumer was told: on the dead list, absorbing stray packets */
};

struct lru {
	struct flow *head, *tail;  /* head: least recently active */
};

struct slot {
	uint64_t hash;
	struct flow *f;            /* NULL: empty */
};

struct flow_table {
	struct flow_ops ops;
	void *ctx;
	size_t max_flows, max_bytes;
	uint64_t idle_us, linger_us;
	uint64_t k0, k1;           /* SipHash key */
	struct slot *slots;
	size_t mask;
	struct lru live, dead;
	struct flow *free_flows;
	struct flow *last;         /* lookup cache */
	uint64_t now;              /* latest capture time seen */
	size_t nflows, ndead, bytes;
	unsigned ending;           /* inside flow_end: no evictions (they could end the flow
				      whose packet is being handled), no new windows */
	struct flow_stats st;
};

/* ---- memory -------------------------------------------------------------------------- */

static void mem_add(struct flow_table *ft, size_t n)
{
	ft->bytes += n;
	if (ft->bytes > ft->st.bytes_peak)
		ft->st.bytes_peak = ft->bytes;
}

static void mem_sub(struct flow_table *ft, size_t n)
{
	ft->bytes -= n;
}

/* ---- LRU lists ----------------------------------------------------------------------- */

static void lru_unlink(struct lru *l, struct flow *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		l->head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = NULL;
}

static void lru_push(struct lru *l, struct flow *f)
{
	f->next = NULL;
	f->prev = l->tail;
	if (l->tail)
		l->tail->next = f;
	else
		l->head = f;
	l->tail = f;
}

static void touch(struct flow_table *ft, struct flow *f)
{
	struct lru *l = f->state == FS_LIVE ? &ft->live : &ft->dead;
	f->last_ts = ft->now;
	if (l->tail != f) {
		lru_unlink(l, f);
		lru_push(l, f);
	}
}

/* ---- hash table ---------------------------------------------------------------------- */

/* The canonical key of p's 5-tuple; returns the key end (0 lower, 1 upper) of the sender. */
static int make_key(const struct pkt *p, uint64_t k[5])
{
	uint64_t s0 = 0, s1 = 0, d0 = 0, d1 = 0;
	if (p->family == 4) {
		uint32_t a, b;
		memcpy(&a, p->src, 4);
		memcpy(&b, p->dst, 4);
		s0 = a;
		d0 = b;
	} else {
		memcpy(&s0, p->src, 8);
		memcpy(&s1, p->src + 8, 8);
		memcpy(&d0, p->dst, 8);
		memcpy(&d1, p->dst + 8, 8);
	}
	int swap = s0 != d0 ? s0 > d0 : s1 != d1 ? s1 > d1 : p->sport > p->dport;
	uint64_t lp = swap ? p->dport : p->sport, hp = swap ? p->sport : p->dport;
	k[0] = swap ? d0 : s0;
	k[1] = swap ? d1 : s1;
	k[2] = swap ? s0 : d0;
	k[3] = swap ? s1 : d1;
	k[4] = (uint64_t)p->family | lp << 8 | hp << 24;
	return swap;
}

static inline bool key_eq(const uint64_t a[5], const uint64_t b[5])
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) == 0;
}

static struct flow *slot_find(const struct flow_table *ft, const uint64_t k[5], uint64_t h)
{
	for (size_t i = h & ft->mask;; i = (i + 1) & ft->mask) {
		const struct slot *s = &ft->slots[i];
		if (!s->f)
			return NULL;
		if (s->hash == h && key_eq(s->f->key, k))
			return s->f;
	}
}

static void slot_insert(struct flow_table *ft, struct flow *f)
{
	size_t i = f->hash & ft->mask;
	while (ft->slots[i].f)
		i = (i + 1) & ft->mask;
	ft->slots[i].hash = f->hash;
	ft->slots[i].f = f;
}

/* Removes f, shifting back the entries of its probe run that may move (Knuth 6.4 R). */
static void slot_remove(struct flow_table *ft, const struct flow *f)
{
	size_t i = f->hash & ft->mask;
	while (ft->slots[i].f != f)
		i = (i + 1) & ft->mask;
	for (;;) {
		ft->slots[i].f = NULL;
		size_t j = i;
		for (;;) {
			j = (j + 1) & ft->mask;
			if (!ft->slots[j].f)
				return;
			size_t home = ft->slots[j].hash & ft->mask;
			/* the entry at j stays when its home lies cyclically in (i, j] */
			bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
			if (!stays)
				break;
		}
		ft->slots[i] = ft->slots[j];
		i = j;
	}
}

/* ---- consumer notifications ---------------------------------------------------------- */

static void anom(struct flow_table *ft, struct flow *f, enum flow_anom a)
{
	if (f->anoms & (1u << a))
		return;
	f->anoms |= (uint8_t)(1u << a);
	if (f->user && ft->ops.anomaly)
		ft->ops.anomaly(ft->ctx, f->user, a);
}

/* ---- per-direction reassembly -------------------------------------------------------- */

static void free_segs(struct flow_table *ft, struct flow_dir *fd)
{
	struct seg *g = fd->head;
	while (g) {
		struct seg *n = g->next;
		mem_sub(ft, sizeof *g + g->len);
		free(g);
		g = n;
	}
	fd->head = fd->tail = NULL;
	fd->held = 0;
	fd->nsegs = 0;
}

/* Frees what a direction holds; it keeps only sequence numbers and flags. */
static void dir_release(struct flow_table *ft, struct flow_dir *fd)
{
	free_segs(ft, fd);
	if (fd->win) {
		free(fd->win);
		fd->win = NULL;
		mem_sub(ft, FLOW_WIN);
	}
	fd->win_fill = 0;
}

static void dir_stop(struct flow_table *ft, struct flow_dir *fd)
{
	fd->done = true;
	dir_release(ft, fd);
}

static void evict(struct flow_table *ft, struct flow *f);

/* The flow to evict: the least recently active lingering one, else the least recently
 * active live one other than keep; NULL when there is none. */
static struct flow *victim(const struct flow_table *ft, const struct flow *keep)
{
	struct flow *v = ft->dead.head ? ft->dead.head : ft->live.head;
	if (v && v == keep)
		v = v->next;
	return v;
}

/* Makes room for n more accounted bytes by evicting flows other than keep. False when that
 * is not enough. */
static bool budget(struct flow_table *ft, size_t n, const struct flow *keep)
{
	if (ft->ending)
		return ft->bytes + n <= ft->max_bytes;
	while (ft->bytes + n > ft->max_bytes) {
		struct flow *v = victim(ft, keep);
		if (!v)
			return false;
		evict(ft, v);
	}
	return true;
}

/* Appends delivered bytes p[0..n) (ending at fd->next) to the overlap window. */
static void win_put(struct flow_table *ft, struct flow *f, struct flow_dir *fd,
		    const uint8_t *p, uint32_t n)
{
	if (!fd->win) {
		if (ft->ending || !budget(ft, FLOW_WIN, f) || !(fd->win = malloc(FLOW_WIN)))
			return;
		mem_add(ft, FLOW_WIN);
		fd->win_fill = 0;
	}
	if (n > FLOW_WIN) {
		p += n - FLOW_WIN;
		n = FLOW_WIN;
	}
	uint32_t at = (fd->next - n) & (FLOW_WIN - 1);
	uint32_t first = FLOW_WIN - at < n ? FLOW_WIN - at : n;
	memcpy(fd->win + at, p, first);
	memcpy(fd->win, p + first, n - first);
	fd->win_fill = (uint16_t)(fd->win_fill + n > FLOW_WIN ? FLOW_WIN : fd->win_fill + n);
}

/* Compares old bytes p[0..n) at sequence s (s + n <= next) with the window. */
static void win_compare(struct flow_table *ft, struct flow *f, struct flow_dir *fd, uint32_t s,
			const uint8_t *p, uint32_t n)
{
	if (!fd->win || !fd->win_fill)
		return;
	uint32_t lo = fd->next - fd->win_fill;
	if (seq_lt(s, lo)) {
		uint32_t skip = lo - s;
		if (skip >= n)
			return;
		s += skip;
		p += skip;
		n -= skip;
	}
	uint32_t at = s & (FLOW_WIN - 1);
	uint32_t first = FLOW_WIN - at < n ? FLOW_WIN - at : n;
	if (memcmp(fd->win + at, p, first) || memcmp(fd->win, p + first, n - first)) {
		ft->st.overlaps_changed++;
		anom(ft, f, FLOW_ANOM_OVERLAP_CHANGED);
	}
}

/* Gives n in-order bytes to the consumer; the direction may be done afterwards. */
static void deliver(struct flow_table *ft, struct flow *f, int d, const uint8_t *p, uint32_t n,
		    uint64_t ts)
{
	struct flow_dir *fd = &f->d[d];
	uint32_t room = FLOW_DEPTH_MAX - fd->delivered;
	if (n > room)
		n = room;
	if (n) {
		fd->next += n;
		fd->delivered += n;
		win_put(ft, f, fd, p, n);
		if (!ft->ops.data(ft->ctx, f->user, d, p, n, ts)) {
			dir_stop(ft, fd);
			return;
		}
	}
	if (fd->delivered >= FLOW_DEPTH_MAX) {
		anom(ft, f, FLOW_ANOM_DEPTH_LIMIT);
		dir_stop(ft, fd);
	}
}

/* Skips n missing bytes at fd->next. */
static void gap_skip(struct flow_table *ft, struct flow *f, int d, uint32_t n)
{
	struct flow_dir *fd = &f->d[d];
	if (!n)
		return;
	fd->next += n;
	fd->win_fill = 0;
	ft->st.gaps++;
	ft->st.gap_bytes += n;
	if (f->user && ft->ops.gap)
		ft->ops.gap(ft->ctx, f->user, d, n);
	anom(ft, f, FLOW_ANOM_GAP);
}

/* Delivers the held segments that start at or before fd->next. */
static void drain(struct flow_table *ft, struct flow *f, int d, uint64_t ts)
{
	struct flow_dir *fd = &f->d[d];
	while (!fd->done && fd->head && seq_le(fd->head->seq, fd->next)) {
		struct seg *g = fd->head;
		fd->head = g->next;
		if (!fd->head)
			fd->tail = NULL;
		fd->held -= g->len;
		fd->nsegs--;
		mem_sub(ft, sizeof *g + g->len);
		uint32_t skip = fd->next - g->seq;
		if (skip < g->len)
			deliver(ft, f, d, g->data + skip, g->len - skip, ts);
		free(g);
	}
}

/* Skips every hole up to the held data, delivering it: the flow ends. */
static void dir_flush(struct flow_table *ft, struct flow *f, int d, uint64_t ts)
{
	struct flow_dir *fd = &f->d[d];
	while (!fd->done && fd->head) {
		gap_skip(ft, f, d, fd->head->seq - fd->next);
		drain(ft, f, d, ts);
	}
}

/* A hold limit was hit while holding bytes at s: skips the first hole (up to the first held
 * segment or s, whichever comes first) and drains. */
static void force_skip(struct flow_table *ft, struct flow *f, int d, uint32_t s, uint64_t ts)
{
	struct flow_dir *fd = &f->d[d];
	uint32_t to = fd->head ? seq_min(fd->head->seq, s) : s;
	ft->st.ooo_limit++;
	anom(ft, f, FLOW_ANOM_OOO_LIMIT);
	gap_skip(ft, f, d, to - fd->next);
	drain(ft, f, d, ts);
}

/*
 * Holds bytes p[0..len) at s (ahead of fd->next), except where held bytes exist already
 * (first copy wins; differing bytes are an anomaly). Returns false when a limit forced a
 * hole to be skipped: the caller then looks at the segment again.
 */
static bool hold(struct flow_table *ft, struct flow *f, int d, uint32_t s, const uint8_t *p,
		 uint32_t len, uint64_t ts)
{
	struct flow_dir *fd = &f->d[d];
	uint32_t e = s + len;
	struct seg *prev = NULL, *cur = fd->head;
	if (fd->tail && seq_le(fd->tail->seq + fd->tail->len, s)) {
		prev = fd->tail; /* the common case: after everything held */
		cur = NULL;
	}
	while (seq_lt(s, e)) {
		while (cur && seq_le(cur->seq + cur->len, s)) {
			prev = cur;
			cur = cur->next;
		}
		if (cur && seq_le(cur->seq, s)) {
			uint32_t oe = seq_min(e, cur->seq + cur->len);
			if (memcmp(cur->data + (s - cur->seq), p, oe - s)) {
				ft->st.overlaps_changed++;
				anom(ft, f, FLOW_ANOM_OVERLAP_CHANGED);
			}
			p += oe - s;
			s = oe;
			continue;
		}
		uint32_t pe = cur ? seq_min(e, cur->seq) : e;
		uint32_t n = pe - s;
		struct seg *g = NULL;
		if (fd->held + n <= FLOW_OOO_MAX && fd->nsegs < FLOW_OOO_SEGS_MAX &&
		    budget(ft, sizeof *g + n, f))
			g = malloc(sizeof *g + n);
		if (!g) {
			force_skip(ft, f, d, s, ts);
			return false;
		}
		g->seq = s;
		g->len = n;
		memcpy(g->data, p, n);
		g->next = cur;
		if (prev)
			prev->next = g;
		else
			fd->head = g;
		if (!cur)
			fd->tail = g;
		prev = g;
		fd->held += n;
		fd->nsegs++;
		mem_add(ft, sizeof *g + n);
		ft->st.ooo_held++;
		p += n;
		s = pe;
	}
	return true;
}

/*
 * Payload of direction d: present bytes p[0..len) at sequence s, wire bytes on the wire
 * (len < wire when the snaplen cut the segment).
 */
static void dir_data(struct flow_table *ft, struct flow *f, int d, uint32_t s, const uint8_t *p,
		     uint32_t len, uint32_t wire, uint64_t ts)
{
	struct flow_dir *fd = &f->d[d];
	/* two SYN-ACKs with different ISNs: the first data says which one the client took */
	if ((fd->flags & (DF_ALT | DF_DATA)) == DF_ALT && s == fd->isn_alt + 1 && s != fd->next) {
		fd->isn_alt = fd->isn;
		fd->isn = s - 1;
		fd->next = s;
	}
	fd->flags |= DF_DATA;
	if (fd->flags & DF_FIN) { /* nothing is sent after the FIN */
		if (!seq_lt(s, fd->fin_seq))
			return;
		if (seq_lt(fd->fin_seq, s + wire)) {
			wire = fd->fin_seq - s;
			if (len > wire)
				len = wire;
		}
	}
	int32_t off = seq_diff(s, fd->next);
	if (off == 0 && !fd->head && len == wire) { /* the hot path */
		deliver(ft, f, d, p, len, ts);
		return;
	}
	if (wire <= 1 && off == -1) /* keep-alive: garbage byte before the next one */
		return;
	if (off > (int32_t)SEQ_JUMP || off < -(int32_t)SEQ_JUMP) {
		ft->st.seq_jumps++;
		anom(ft, f, FLOW_ANOM_SEQ_JUMP);
		return;
	}
	uint32_t e = s + wire;
	if (off < 0 && seq_le(e, fd->next))
		ft->st.retransmits++;
	while (!fd->done && seq_lt(s, e)) {
		int32_t o = seq_diff(s, fd->next);
		if (o < 0) { /* already delivered or skipped: compare what the window has */
			uint32_t n = seq_min(e, fd->next) - s;
			uint32_t np = n < len ? n : len;
			win_compare(ft, f, fd, s, p, np);
			p += np;
			len -= np;
			s += n;
		} else if (o == 0) { /* in order, up to the first held segment */
			uint32_t lim = e;
			if (fd->head && seq_lt(fd->head->seq, lim))
				lim = fd->head->seq;
			uint32_t n = lim - s;
			uint32_t np = n < len ? n : len;
			if (np)
				deliver(ft, f, d, p, np, ts);
			p += np;
			len -= np;
			if (n > np && !fd->done) /* cut by the snaplen: never coming */
				gap_skip(ft, f, d, n - np);
			s = lim;
			drain(ft, f, d, ts);
		} else if (hold(ft, f, d, s, p, len, ts)) {
			return; /* only the present bytes: a missing tail stays a hole */
		}
	}
}

/* The peer acknowledged up to ack in direction d: holes before it were missed by the capture
 * and will not be retransmitted. Only acted upon when a hole is known (held data or FIN). */
static void ack_skip(struct flow_table *ft, struct flow *f, int d, uint32_t ack, uint64_t ts)
{
	struct flow_dir *fd = &f->d[d];
	if (fd->done || !(fd->flags & DF_SEQ) || (!fd->head && !(fd->flags & DF_FIN)))
		return;
	if ((fd->flags & DF_FIN) && seq_lt(fd->fin_seq, ack))
		ack = fd->fin_seq;
	int32_t o = seq_diff(ack, fd->next);
	if (o <= 0 || o > (int32_t)SEQ_JUMP)
		return;
	while (!fd->done && seq_lt(fd->next, ack)) {
		uint32_t to = fd->head && seq_lt(fd->head->seq, ack) ? fd->head->seq : ack;
		gap_skip(ft, f, d, to - fd->next);
		drain(ft, f, d, ts);
	}
}

/* ---- flow lifecycle ------------------------------------------------------------------ */

/* Tells the consumer the flow ended: held bytes first (after their gaps), then close. */
static void flow_end(struct flow_table *ft, struct flow *f, enum flow_end why, uint64_t ts)
{
	if (f->user) {
		ft->ending++;
		dir_flush(ft, f, 0, ts);
		dir_flush(ft, f, 1, ts);
		if (why == FLOW_END_EVICTED)
			anom(ft, f, FLOW_ANOM_EVICTED);
		ft->ops.close(ft->ctx, f->user, why, ts);
		f->user = NULL;
		ft->ending--;
	}
	dir_release(ft, &f->d[0]);
	dir_release(ft, &f->d[1]);
	f->d[0].done = f->d[1].done = true;
	ft->st.flows_closed++;
}

/* Removes an ended (or lingering) flow from the table. */
static void flow_free(struct flow_table *ft, struct flow *f)
{
	slot_remove(ft, f);
	if (f->state != FS_LIVE) {
		lru_unlink(&ft->dead, f);
		ft->ndead--;
	} else {
		lru_unlink(&ft->live, f);
	}
	if (ft->last == f)
		ft->last = NULL;
	ft->nflows--;
	mem_sub(ft, sizeof *f);
	f->next = ft->free_flows;
	ft->free_flows = f;
}

/* Moves a live flow to the dead list. */
static void to_dead(struct flow_table *ft, struct flow *f, uint8_t state)
{
	if (f->state == FS_LIVE) {
		lru_unlink(&ft->live, f);
		lru_push(&ft->dead, f);
		ft->ndead++;
	}
	f->state = state;
}

/* Ends a flow normally; it lingers, closed, to absorb stray packets. */
static void flow_close(struct flow_table *ft, struct flow *f, uint64_t ts)
{
	flow_end(ft, f, FLOW_END_CLOSED, ts);
	to_dead(ft, f, FS_CLOSED);
}

/* Ends a flow that is live (why) or reset (FLOW_END_CLOSED: its TCP connection was closed
 * by the RST) and removes it. */
static void flow_drop(struct flow_table *ft, struct flow *f, enum flow_end why, uint64_t ts)
{
	if (f->state == FS_LIVE) {
		if (why == FLOW_END_EVICTED)
			ft->st.flows_evicted++;
		flow_end(ft, f, why, ts);
	} else if (f->state == FS_RESET) {
		flow_end(ft, f, FLOW_END_CLOSED, ts);
	}
	flow_free(ft, f);
}

static void evict(struct flow_table *ft, struct flow *f)
{
	flow_drop(ft, f, FLOW_END_EVICTED, ft->now);
}

static struct flow *flow_open(struct flow_table *ft, const uint64_t k[5], uint64_t h, int side,
			      const struct pkt *p)
{
	while (ft->nflows >= ft->max_flows)
		evict(ft, victim(ft, NULL));
	if (!budget(ft, sizeof(struct flow), NULL))
		return NULL;
	struct flow *f = ft->free_flows;
	if (f)
		ft->free_flows = f->next;
	else if (!(f = malloc(sizeof *f)))
		return NULL;
	memset(f, 0, sizeof *f);
	memcpy(f->key, k, sizeof f->key);
	f->hash = h;
	slot_insert(ft, f);
	f->last_ts = ft->now;
	lru_push(&ft->live, f);
	ft->nflows++;
	mem_add(ft, sizeof *f);

	bool synack = (p->flags & (PKT_SYN | PKT_ACK)) == (PKT_SYN | PKT_ACK);
	f->init_end = (uint8_t)(synack ? !side : side);
	struct flow_info fi;
	memset(&fi, 0, sizeof fi);
	fi.family = p->family;
	size_t alen = p->family == 4 ? 4 : 16;
	memcpy(fi.addr[synack], p->src, alen);
	memcpy(fi.addr[!synack], p->dst, alen);
	fi.port[synack] = p->sport;
	fi.port[!synack] = p->dport;
	fi.saw_syn = (p->flags & PKT_SYN) != 0;
	fi.first_ts_us = p->ts_us;
	ft->st.flows_opened++;
	f->user = ft->ops.open(ft->ctx, &fi);
	if (!f->user)
		f->d[0].done = f->d[1].done = true;
	return f;
}

/*
 * Does this SYN start a new connection on f's tuple? On a reset or closed flow: a SYN without
 * ACK always (after a RST the client may retry with the same ISN), a SYN-ACK with a new ISN. On
 * a live flow: a SYN without ACK with a new ISN (port reuse); a second SYN-ACK with another ISN
 * stays (on_syn).
 */
static bool syn_is_new(const struct flow *f, int d, const struct pkt *p)
{
	const struct flow_dir *fd = &f->d[d];
	bool known = (fd->flags & DF_ISN) &&
		     (p->seq == fd->isn || ((fd->flags & DF_ALT) && p->seq == fd->isn_alt));
	if (!(p->flags & PKT_ACK))
		return f->state != FS_LIVE || !known;
	return f->state != FS_LIVE && !known;
}

static void on_syn(struct flow *f, int d, const struct pkt *p)
{
	struct flow_dir *fd = &f->d[d], *od = &f->d[!d];
	if (!(fd->flags & DF_ISN)) {
		fd->isn = p->seq;
		fd->flags |= DF_ISN;
		if (!(fd->flags & DF_DATA)) { /* a bare ACK seen before may have had any seq */
			fd->next = p->seq + 1;
			fd->flags |= DF_SEQ;
		}
	} else if (p->seq != fd->isn && (p->flags & PKT_ACK) && !(fd->flags & DF_DATA)) {
		fd->isn_alt = p->seq;
		fd->flags |= DF_ALT;
	}
	if ((p->flags & PKT_ACK) && !(od->flags & DF_SEQ)) {
		od->isn = p->ack - 1;
		od->next = p->ack;
		od->flags |= DF_SEQ | DF_ISN;
	}
}

/* RST from direction d: true when plausible. RFC 5961 §3 asks for an exact match; a passive
 * observer allows a window for what it may have missed, and the RST that answers an
 * unacceptable ACK takes its seq from that ACK (RFC 9293 §3.10.7.1). */
static bool rst_ok(const struct flow_dir *fd, const struct flow_dir *od, uint32_t seq)
{
	if (!(fd->flags & DF_SEQ) || ((od->flags & DF_LACK) && seq == od->last_ack))
		return true;
	int32_t o = seq_diff(seq, fd->next);
	return o >= -(int32_t)RST_WINDOW && o <= (int32_t)RST_WINDOW;
}

/* The direction sends nothing more: it was reset, or its FIN came and everything before
 * it was delivered or skipped. */
static bool dir_finished(const struct flow_dir *fd)
{
	if (fd->flags & DF_RST)
		return true;
	return (fd->flags & DF_FIN) && (fd->done || fd->next == fd->fin_seq);
}

/* A plausible RST from direction d: what d holds is all it will send (delivered after its
 * gaps), d is done; the flow closes when the peer is finished or done too, else it lingers
 * reset, still delivering the peer's segments in flight. */
static void flow_reset(struct flow_table *ft, struct flow *f, int d, uint64_t ts)
{
	struct flow_dir *fd = &f->d[d];
	if (fd->flags & DF_RST)
		return;
	if (f->user) {
		dir_flush(ft, f, d, ts);
		if (ft->ops.flags)
			ft->ops.flags(ft->ctx, f->user, d, PKT_RST, ts);
	}
	dir_stop(ft, fd);
	fd->flags |= DF_RST;
	if (dir_finished(&f->d[!d]) || f->d[!d].done) /* nothing more to deliver */
		flow_close(ft, f, ts);
	else
		to_dead(ft, f, FS_RESET);
}

/* One segment of direction d of the live flow f. */
static void flow_segment(struct flow_table *ft, struct flow *f, int d, const struct pkt *p)
{
	struct flow_dir *fd = &f->d[d], *od = &f->d[!d];
	uint8_t fl = p->flags;
	uint32_t seq = p->seq;
	size_t w = p->payload_wire_len > p->payload_len ? p->payload_wire_len : p->payload_len;
	uint32_t wire = w > SEG_MAX ? SEG_MAX : (uint32_t)w;
	uint32_t len = p->payload_len > wire ? wire : (uint32_t)p->payload_len;

	if (fl & PKT_SYN) {
		on_syn(f, d, p);
		seq++;
	}
	if (fl & PKT_RST) { /* its payload, if any, is a diagnostic, not stream data */
		if (!rst_ok(fd, od, seq)) {
			ft->st.rst_ignored++;
			return;
		}
		flow_reset(ft, f, d, p->ts_us);
		return;
	}
	if (!(fd->flags & DF_SEQ)) { /* mid-stream: start at the first sequence number seen */
		fd->next = seq;
		fd->flags |= DF_SEQ;
	}
	if (wire) {
		if (!fd->done) {
			dir_data(ft, f, d, seq, p->payload, len, wire, p->ts_us);
		} else if (seq_lt(fd->next, seq + wire) &&
			   seq_diff(seq + wire, fd->next) <= (int32_t)SEQ_JUMP) {
			fd->next = seq + wire; /* only for RST plausibility */
		}
	}
	if (fl & PKT_ACK) {
		fd->last_ack = p->ack;
		fd->flags |= DF_LACK;
		if (!(od->flags & DF_SEQ)) { /* nothing from the peer yet: it starts at our ack */
			od->next = p->ack;
			od->flags |= DF_SEQ;
		}
		/* two SYN-ACKs with different ISNs: the client's ACK says which one it took */
		if ((od->flags & (DF_ALT | DF_DATA)) == DF_ALT && p->ack == od->isn_alt + 1 &&
		    p->ack != od->next) {
			od->isn_alt = od->isn;
			od->isn = p->ack - 1;
			od->next = p->ack;
		}
		ack_skip(ft, f, !d, p->ack, p->ts_us);
	}
	if ((fl & PKT_FIN) && !(fd->flags & DF_FIN)) {
		uint32_t fin = seq + wire;
		if (!fd->done && seq_lt(fin, fd->next))
			fin = fd->next; /* a FIN inside delivered bytes: take it as ending here */
		fd->fin_seq = fin;
		fd->flags |= DF_FIN;
		if (f->user && ft->ops.flags)
			ft->ops.flags(ft->ctx, f->user, d, PKT_FIN, p->ts_us);
	}
	if (dir_finished(fd) && dir_finished(od))
		flow_close(ft, f, p->ts_us);
}

/* ---- public API ---------------------------------------------------------------------- */

static void seed_key(struct flow_table *ft)
{
	uint64_t k[2] = { 0, 0 };
	if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
		/* no entropy yet: weaker, but still not a constant an attacker can read */
		struct timespec t1, t2;
		clock_gettime(CLOCK_REALTIME, &t1);
		clock_gettime(CLOCK_MONOTONIC, &t2);
		k[0] ^= (uint64_t)t1.tv_sec * 1000000007ull ^ (uint64_t)t1.tv_nsec ^
			(uint64_t)(uintptr_t)ft;
		k[1] ^= (uint64_t)t2.tv_nsec << 32 ^ (uint64_t)t2.tv_sec ^
			(uint64_t)(uintptr_t)&t1;
	}
	ft->k0 = k[0];
	ft->k1 = k[1];
}

struct flow_table *flow_table_new(const struct flow_limits *lim, const struct flow_ops *ops,
				  void *ctx)
{
	struct flow_table *ft = calloc(1, sizeof *ft);
	if (!ft)
		return NULL;
	ft->ops = *ops;
	ft->ctx = ctx;
	ft->max_flows = lim && lim->max_flows ? lim->max_flows : FLOW_DEFAULT_MAX_FLOWS;
	ft->max_bytes = lim && lim->max_bytes ? lim->max_bytes : FLOW_DEFAULT_MAX_BYTES;
	ft->idle_us = lim && lim->idle_us ? lim->idle_us : FLOW_DEFAULT_IDLE_US;
	ft->linger_us = ft->idle_us < FLOW_LINGER_US ? ft->idle_us : FLOW_LINGER_US;
	if (ft->max_flows > SIZE_MAX / 4 / sizeof(struct slot))
		ft->max_flows = SIZE_MAX / 4 / sizeof(struct slot);
	size_t cap = 16;
	while (cap < ft->max_flows * 2)
		cap <<= 1;
	ft->slots = calloc(cap, sizeof *ft->slots);
	if (!ft->slots) {
		free(ft);
		return NULL;
	}
	ft->mask = cap - 1;
	seed_key(ft);
	mem_add(ft, sizeof *ft + cap * sizeof *ft->slots);
	return ft;
}

void flow_table_free(struct flow_table *ft)
{
	if (!ft)
		return;
	flow_flush(ft, ft->now);
	while (ft->free_flows) {
		struct flow *f = ft->free_flows;
		ft->free_flows = f->next;
		free(f);
	}
	free(ft->slots);
	free(ft);
}

void flow_packet(struct flow_table *ft, const struct pkt *p)
{
	if (p->family != 4 && p->family != 6)
		return;
	uint64_t k[5];
	int side = make_key(p, k);
	ft->st.segments++;
	if (p->ts_us > ft->now)
		ft->now = p->ts_us;
	struct flow *f = ft->last;
	uint64_t h;
	if (f && key_eq(f->key, k)) {
		h = f->hash;
	} else {
		h = flow_sip13(ft->k0, ft->k1, k, 5);
		f = slot_find(ft, k, h);
	}
	if (f && (p->flags & PKT_SYN) && syn_is_new(f, side ^ f->init_end, p)) {
		flow_drop(ft, f, FLOW_END_CLOSED, p->ts_us); /* port reuse */
		f = NULL;
	}
	if (!f) {
		if (!(p->flags & PKT_SYN) && (!p->payload_wire_len || (p->flags & PKT_RST)))
			return; /* stray ACK, FIN or RST: nothing to open */
		if (!(f = flow_open(ft, k, h, side, p)))
			return;
	} else {
		touch(ft, f);
		if (f->state == FS_CLOSED)
			return;
	}
	ft->last = f;
	flow_segment(ft, f, side ^ f->init_end, p);
}

void flow_expire(struct flow_table *ft, uint64_t now_us)
{
	struct flow *f;
	while ((f = ft->live.head) && now_us > f->last_ts && now_us - f->last_ts > ft->idle_us)
		flow_drop(ft, f, FLOW_END_IDLE, now_us);
	while ((f = ft->dead.head) && now_us > f->last_ts && now_us - f->last_ts > ft->linger_us)
		flow_drop(ft, f, FLOW_END_CLOSED, now_us);
}

void flow_flush(struct flow_table *ft, uint64_t now_us)
{
	struct flow *f;
	while ((f = ft->live.head))
		flow_drop(ft, f, FLOW_END_FLUSH, now_us);
	while ((f = ft->dead.head))
		flow_drop(ft, f, FLOW_END_FLUSH, now_us);
}

void flow_table_stats(const struct flow_table *ft, struct flow_stats *st)
{
	*st = ft->st;
	st->flows_now = ft->nflows;
	st->flows_lingering = ft->ndead;
	st->bytes_now = ft->bytes;
}
