/*
 * pkt: decoding of captured frames down to TCP. See pkt.h for the contract.
 *
 * Implementation notes
 *
 *  - Layers are decoded by a loop over a small state machine (enum layer); each step reads
 *    its header through the cursor x->c, narrows the cursor to what its length field says
 *    and names the next layer. There is no recursion: a tunnel is just another step, so
 *    the depth is bounded by PKT_MAX_ENCAP (tunnels) and DEC_MAX_STEPS (layers of any kind).
 *
 *      link ─▶ [VLAN]* ─▶ [MPLS | PPPoE/PPP] ─▶ IPv4 | IPv6 [ext]* ─▶ TCP
 *                                                 │  ▲            ╰─▶ UDP ─▶ VXLAN/Geneve/GTP-U
 *                                       frag table┘  │                          │
 *                                                    ╰── IP-in-IP, GRE/ERSPAN ◀─╯ (encap++)
 *
 *  - Truncation versus malformation (STYLE rule 3): x->missing is how many bytes of the
 *    current layer the capture did not keep (wirelen - caplen at first). A length field that
 *    claims more than the bytes present is fine as long as the shortfall is within
 *    x->missing (the snaplen cut it) and malformed beyond that. Once a length field is
 *    fully present, the cursor is narrowed to it (Ethernet padding and trailers go) and
 *    x->missing becomes 0. A header cut short is PKT_TRUNCATED when bytes are missing,
 *    PKT_MALFORMED otherwise.
 *
 *  - IP fragments (RFC 791 §3.2, RFC 8200 §4.5, RFC 815) are copied into one buffer per
 *    datagram; a sorted list of received ranges (merged when adjacent) tells holes from
 *    data. A new fragment is compared with the bytes already held where it overlaps and
 *    copied only into the holes: the first copy wins (as in the BSD "first" policy; RFC 5722
 *    would drop the whole IPv6 datagram, we keep it and raise the anomaly so that rules can
 *    judge). Datagrams live in a fixed slot table with a hash on (family, addresses, id,
 *    protocol) and a list from oldest to newest; the oldest is dropped when the table or
 *    PKT_FRAG_MAX_BYTES would overflow and when it is older than PKT_FRAG_TIMEOUT_US in
 *    capture time (the newest timestamp seen, so that time never runs backwards).
 *    A completed buffer is handed out with the packet view and freed at the next call.
 */
#include <stdlib.h>
#include <string.h>

#include "capture/pkt.h"
#include "capture/wire/cur.h"

/* pcap LINKTYPE_* values (https://www.tcpdump.org/linktypes.html) and DLT_* aliases. */
#define LT_NULL 0
#define LT_ETHERNET 1
#define LT_PPP 9
#define LT_DLT_RAW 12          /* DLT_RAW on most systems */
#define LT_DLT_RAW_OPENBSD 14  /* DLT_RAW on OpenBSD */
#define LT_PPP_HDLC 50
#define LT_RAW 101
#define LT_LOOP 108
#define LT_LINUX_SLL 113
#define LT_IPV4 228
#define LT_IPV6 229
#define LT_LINUX_SLL2 276

#define ETH_IP4 0x0800
#define ETH_IP6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD1 0x9100
#define ETH_QINQ_OLD2 0x9200
#define ETH_MPLS_UC 0x8847
#define ETH_MPLS_MC 0x8848
#define ETH_PPPOE_SESSION 0x8864
#define ETH_TEB 0x6558         /* transparent Ethernet bridging (GRE, Geneve) */
#define ETH_ERSPAN2 0x88be     /* ERSPAN type I (no sequence) and II */
#define ETH_ERSPAN3 0x22eb
#define ETH_PPP 0x880b         /* PPP in enhanced GRE (PPTP) */
#define ETH_WCCP 0x883e        /* WCCP redirect over GRE */

#define PPP_IP4 0x0021
#define PPP_IP6 0x0057

#define IPP_HOPOPT 0
#define IPP_IPIP 4
#define IPP_TCP 6
#define IPP_UDP 17
#define IPP_IPV6 41
#define IPP_ROUTING 43
#define IPP_FRAGMENT 44
#define IPP_GRE 47
#define IPP_AH 51
#define IPP_NONE 59
#define IPP_DSTOPTS 60

#define UDP_VXLAN 4789
#define UDP_GENEVE 6081
#define UDP_GTPU 2152

#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
#define GRE_A 0x0080

#define DEC_MAX_STEPS 64       /* layers of any kind in one frame */
#define DEC_MAX_MPLS 16        /* MPLS labels */
#define DEC_MAX_IP6_EXT 16     /* IPv6 extension headers per IPv6 header */
#define DEC_MAX_GRE_SRE 16     /* RFC 1701 source route entries */
#define DEC_MAX_GTP_EXT 8      /* GTP-U extension headers */

/* ---- names ----------------------------------------------------------------------------- */

static const char *const anom_names[PKT_ANOM_COUNT] = {
#define PKT_ANOM_NAME(id, name) [PKT_ANOM_##id] = name,
	PKT_ANOMALIES(PKT_ANOM_NAME)
#undef PKT_ANOM_NAME
};

const char *pkt_anom_name(enum pkt_anom a)
{
	if ((unsigned)a >= PKT_ANOM_COUNT)
		return "unknown";
	return anom_names[a];
}

const char *pkt_status_name(enum pkt_status s)
{
	switch (s) {
	case PKT_TCP: return "tcp";
	case PKT_OTHER: return "other";
	case PKT_HELD: return "held";
	case PKT_TRUNCATED: return "truncated";
	case PKT_MALFORMED: return "malformed";
	case PKT_UNSUPPORTED: return "unsupported";
	}
	return "unknown";
}

/* ---- fragment table -------------------------------------------------------------------- */

#define FRAG_MAX_RANGES 32     /* disjoint received ranges (holes + 1) per datagram */
#define FRAG_HASH 2048         /* buckets, a power of two */
#define FRAG_NIL 0xffff
#define FRAG_MAX_END 65535u    /* largest IP payload */
#define FRAG_ALLOC_STEP 2048u  /* buffer growth granularity */
#define FRAG_DONE_MAX (PKT_MAX_ENCAP + 2) /* buffers handed out by one call */

struct frag_key {
	uint8_t family;
	uint8_t proto;         /* IPv4: protocol (part of the RFC 791 key); IPv6: 0 */
	uint32_t id;
	uint8_t src[16], dst[16];
};

struct frag {
	struct frag_key k;
	bool used;
	bool have_last;
	bool have_first;
	uint8_t first_nh;      /* IPv6: next header of the offset-0 fragment */
	uint64_t born;         /* capture time of the first fragment seen */
	uint32_t total;        /* datagram length, once the last fragment was seen */
	uint32_t cap;          /* bytes allocated at buf */
	uint8_t *buf;
	uint16_t nr;           /* received ranges, sorted, disjoint, not adjacent */
	uint32_t rs[FRAG_MAX_RANGES], re[FRAG_MAX_RANGES];
	uint16_t hnext;        /* hash chain, or free list */
	uint16_t older, newer; /* age list */
};

struct frag_table {
	struct frag slot[PKT_FRAG_MAX_DGRAMS];
	uint16_t bucket[FRAG_HASH];
	uint16_t free_list;
	uint16_t oldest, newest;
	size_t n;
};

struct pkt_decoder {
	int linktype;
	uint64_t now;               /* newest capture time seen */
	struct pkt_stats st;
	struct frag_table *ft;      /* NULL until the first fragment */
	size_t held_bytes;          /* buffers of datagrams in the table */
	uint8_t *done[FRAG_DONE_MAX]; /* buffers handed out by the last call */
	uint32_t done_cap[FRAG_DONE_MAX];
	size_t ndone;
};

/* ---- decoding context ------------------------------------------------------------------ */

enum layer {
	L_ETHER,     /* Ethernet II / 802.3 + LLC/SNAP */
	L_ETYPE,     /* dispatch on x->val as an ethertype */
	L_VLAN,      /* 802.1Q / 802.1ad tag */
	L_MPLS,      /* label stack */
	L_PPPOE,     /* PPPoE session header */
	L_PPP,       /* PPP frame: optional ff 03, then the protocol */
	L_PPP_PROTO, /* PPP protocol field */
	L_NULL,      /* BSD loopback, host byte order */
	L_LOOP,      /* OpenBSD loopback, network byte order */
	L_SLL,       /* Linux cooked v1 */
	L_SLL2,      /* Linux cooked v2 */
	L_IP,        /* IPv4 or IPv6 by the version nibble */
	L_IP4,
	L_IP6,
	L_IP6_EXT,   /* x->val = next header */
	L_PROTO,     /* dispatch on x->val as an IP protocol */
	L_GRE,
	L_UDP,
	L_TCP,
};

/* What a step returns to go on; the statuses are >= 0. */
#define NEXT (-1)

struct dec {
	struct pkt_decoder *d;
	struct cur c;          /* the bytes of the current layer */
	size_t missing;        /* bytes of the current layer the capture did not keep */
	enum layer layer;
	uint32_t val;
	unsigned encap;
	unsigned n_ext;        /* IPv6 extension headers walked in the current IPv6 header */
	bool fatal;            /* anom is the reason for PKT_MALFORMED */
	enum pkt_anom anom;
	uint8_t family;        /* of the innermost IP header so far */
	uint8_t src[16], dst[16];
	uint64_t ts_us;
	struct pkt *out;
};

/* A non-fatal oddity: kept if nothing else was said. */
static void note(struct dec *x, enum pkt_anom a)
{
	x->d->st.anom[a]++;
	if (x->anom == PKT_ANOM_NONE)
		x->anom = a;
}

/* The reason the frame is malformed: overrides a non-fatal note. */
static int bad(struct dec *x, enum pkt_anom a)
{
	x->d->st.anom[a]++;
	if (!x->fatal) {
		x->anom = a;
		x->fatal = true;
	}
	return PKT_MALFORMED;
}

/* A header did not fit: the capture's fault if bytes are missing, else the sender's. */
static int short_read(struct dec *x, enum pkt_anom a)
{
	if (x->missing)
		return PKT_TRUNCATED;
	return bad(x, a);
}

/* The current layer says it is n bytes long (from the cursor's position). Narrows the
 * cursor when they are all present; else checks that the capture cut the rest. False
 * when the claim exceeds what the frame had on the wire. */
static bool fit(struct dec *x, size_t n)
{
	size_t left = cur_left(&x->c);
	const uint8_t *p;

	if (n <= left) {
		if (!cur_bytes(&x->c, n, &p))
			return false;
		x->c = cur_make(p, n);
		x->missing = 0;
		return true;
	}
	if (n - left > x->missing)
		return false;
	x->missing = n - left;
	return true;
}

/* Reads the next byte without consuming it. */
static bool peek_u8(const struct dec *x, uint8_t *v)
{
	struct cur t = x->c;
	return cur_u8(&t, v);
}

static int go(struct dec *x, enum layer l, uint32_t val)
{
	x->layer = l;
	x->val = val;
	return NEXT;
}

static int enter_tunnel(struct dec *x, enum layer l, uint32_t val)
{
	if (++x->encap > PKT_MAX_ENCAP)
		return bad(x, PKT_ANOM_ENCAP_TOO_DEEP);
	return go(x, l, val);
}

/* ---- fragment table implementation ----------------------------------------------------- */

static uint32_t frag_hash(const struct frag_key *k)
{
	uint32_t h = 2166136261u ^ k->id;
	const uint8_t *a[2] = { k->src, k->dst };
	size_t n = k->family == 4 ? 4 : 16;

	/* FNV-1a over the addresses, seeded with the id. */
	for (int j = 0; j < 2; j++)
		for (size_t i = 0; i < n; i++)
			h = (h ^ a[j][i]) * 16777619u;
	h ^= k->proto;
	h ^= h >> 15;
	return h & (FRAG_HASH - 1);
}

static bool frag_key_eq(const struct frag_key *a, const struct frag_key *b)
{
	return a->family == b->family && a->proto == b->proto && a->id == b->id &&
	       memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0;
}

static struct frag_table *frag_table_new(void)
{
	struct frag_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	for (size_t i = 0; i < FRAG_HASH; i++)
		t->bucket[i] = FRAG_NIL;
	for (uint16_t i = 0; i < PKT_FRAG_MAX_DGRAMS; i++)
		t->slot[i].hnext = i + 1 < PKT_FRAG_MAX_DGRAMS ? (uint16_t)(i + 1) : FRAG_NIL;
	t->free_list = 0;
	t->oldest = t->newest = FRAG_NIL;
	return t;
}

/* Unlinks slot i from its bucket and the age list and frees it; keep_buf hands its buffer
 * to the caller. */
static void frag_remove(struct pkt_decoder *d, uint16_t i, bool keep_buf)
{
	struct frag_table *t = d->ft;
	struct frag *f = &t->slot[i];
	uint16_t *pp = &t->bucket[frag_hash(&f->k)];

	while (*pp != FRAG_NIL && *pp != i)
		pp = &t->slot[*pp].hnext;
	if (*pp == i)
		*pp = f->hnext;
	if (f->older != FRAG_NIL)
		t->slot[f->older].newer = f->newer;
	else
		t->oldest = f->newer;
	if (f->newer != FRAG_NIL)
		t->slot[f->newer].older = f->older;
	else
		t->newest = f->older;
	d->held_bytes -= f->cap;
	if (!keep_buf)
		free(f->buf);
	memset(f, 0, sizeof(*f));
	f->hnext = t->free_list;
	t->free_list = i;
	t->n--;
}

/* Gives up the oldest datagram. */
static void frag_drop_oldest(struct dec *x, enum pkt_anom why)
{
	frag_remove(x->d, x->d->ft->oldest, false);
	x->d->st.frag_dropped++;
	note(x, why);
}

static void frag_expire(struct dec *x)
{
	struct frag_table *t = x->d->ft;
	while (t && t->oldest != FRAG_NIL &&
	       x->d->now - t->slot[t->oldest].born > PKT_FRAG_TIMEOUT_US)
		frag_drop_oldest(x, PKT_ANOM_FRAG_TIMEOUT);
}

static uint16_t frag_find(const struct frag_table *t, const struct frag_key *k)
{
	uint16_t i = t->bucket[frag_hash(k)];
	while (i != FRAG_NIL && !frag_key_eq(&t->slot[i].k, k))
		i = t->slot[i].hnext;
	return i;
}

static uint16_t frag_create(struct dec *x, const struct frag_key *k)
{
	struct frag_table *t = x->d->ft;

	if (t->free_list == FRAG_NIL)
		frag_drop_oldest(x, PKT_ANOM_FRAG_TABLE_FULL);
	uint16_t i = t->free_list;
	struct frag *f = &t->slot[i];
	uint32_t h = frag_hash(k);

	t->free_list = f->hnext;
	memset(f, 0, sizeof(*f));
	f->k = *k;
	f->used = true;
	f->born = x->d->now;
	f->hnext = t->bucket[h];
	t->bucket[h] = i;
	f->older = t->newest;
	f->newer = FRAG_NIL;
	if (t->newest != FRAG_NIL)
		t->slot[t->newest].newer = i;
	else
		t->oldest = i;
	t->newest = i;
	t->n++;
	return i;
}

/* Makes f->buf hold at least end bytes, dropping older datagrams to stay within
 * PKT_FRAG_MAX_BYTES. False when out of memory (f is then dropped). */
static bool frag_reserve(struct dec *x, uint16_t i, uint32_t end)
{
	struct pkt_decoder *d = x->d;
	struct frag *f = &d->ft->slot[i];

	if (end <= f->cap)
		return true;
	uint32_t cap = (end + FRAG_ALLOC_STEP - 1) / FRAG_ALLOC_STEP * FRAG_ALLOC_STEP;
	if (cap < 2 * f->cap)
		cap = 2 * f->cap;
	if (cap > FRAG_MAX_END)
		cap = FRAG_MAX_END;
	while (d->held_bytes + (cap - f->cap) > PKT_FRAG_MAX_BYTES && d->ft->oldest != i)
		frag_drop_oldest(x, PKT_ANOM_FRAG_TABLE_FULL);
	uint8_t *nb = d->held_bytes + (cap - f->cap) > PKT_FRAG_MAX_BYTES ? NULL
									 : realloc(f->buf, cap);
	if (!nb) {
		frag_remove(d, i, false);
		d->st.frag_dropped++;
		note(x, PKT_ANOM_FRAG_TABLE_FULL);
		return false;
	}
	d->held_bytes += cap - f->cap;
	f->buf = nb;
	f->cap = cap;
	return true;
}

/* True when [s, e) can be added to the range list: it touches a range, or there is room. */
static bool frag_range_room(const struct frag *f, uint32_t s, uint32_t e)
{
	if (f->nr < FRAG_MAX_RANGES)
		return true;
	for (uint16_t i = 0; i < f->nr; i++)
		if (f->rs[i] <= e && f->re[i] >= s)
			return true;
	return false;
}

/* Adds [s, e) to the sorted range list, merging with overlapping or adjacent ranges.
 * Call frag_range_room first. */
static void frag_add_range(struct frag *f, uint32_t s, uint32_t e)
{
	uint16_t i = 0, j;

	while (i < f->nr && f->re[i] < s)
		i++;
	/* ranges i..j-1 touch [s, e) */
	j = i;
	while (j < f->nr && f->rs[j] <= e) {
		if (f->rs[j] < s)
			s = f->rs[j];
		if (f->re[j] > e)
			e = f->re[j];
		j++;
	}
	if (i == j) {
		if (f->nr == FRAG_MAX_RANGES)
			return;
		memmove(&f->rs[i + 1], &f->rs[i], (size_t)(f->nr - i) * sizeof(f->rs[0]));
		memmove(&f->re[i + 1], &f->re[i], (size_t)(f->nr - i) * sizeof(f->re[0]));
		f->nr++;
	} else if (j - i > 1) {
		memmove(&f->rs[i + 1], &f->rs[j], (size_t)(f->nr - j) * sizeof(f->rs[0]));
		memmove(&f->re[i + 1], &f->re[j], (size_t)(f->nr - j) * sizeof(f->re[0]));
		f->nr = (uint16_t)(f->nr - (j - i - 1));
	}
	f->rs[i] = s;
	f->re[i] = e;
}

/* Copies the fragment [s, e) (bytes p) into the holes of f; compares where it overlaps. */
static void frag_copy(struct dec *x, struct frag *f, uint32_t s, uint32_t e,
		      const uint8_t *p)
{
	uint32_t pos = s;
	bool overlap = false, differ = false;

	for (uint16_t i = 0; i < f->nr && pos < e; i++) {
		if (f->re[i] <= pos)
			continue;
		if (f->rs[i] >= e)
			break;
		if (f->rs[i] > pos) {
			memcpy(f->buf + pos, p + (pos - s), f->rs[i] - pos);
			pos = f->rs[i];
		}
		uint32_t stop = f->re[i] < e ? f->re[i] : e;
		overlap = true;
		if (memcmp(f->buf + pos, p + (pos - s), stop - pos) != 0)
			differ = true;
		pos = stop;
	}
	if (pos < e)
		memcpy(f->buf + pos, p + (pos - s), e - pos);
	if (differ)
		note(x, PKT_ANOM_FRAG_OVERLAP);
	else if (overlap)
		x->d->st.frag_duplicates++;
}

/* Stores one fragment: bytes [off, off+len) of the datagram k, more = more fragments
 * follow, nh = IPv6 next header of this fragment header. Returns PKT_HELD, NEXT with the
 * completed datagram in x->c (and *first_nh), or a status for a fragment thrown away. */
static int frag_add(struct dec *x, const struct frag_key *k, uint32_t off, const uint8_t *p,
		    size_t len, bool more, uint8_t nh, uint8_t *first_nh)
{
	struct pkt_decoder *d = x->d;
	uint32_t end;

	if (len > FRAG_MAX_END || off + len > FRAG_MAX_END)
		return bad(x, PKT_ANOM_FRAG_TOO_BIG);
	end = off + (uint32_t)len;
	if (more && (len == 0 || len % 8 != 0))
		return bad(x, PKT_ANOM_FRAG_BAD);
	if (!d->ft && !(d->ft = frag_table_new())) {
		note(x, PKT_ANOM_FRAG_TABLE_FULL);
		return PKT_OTHER;
	}
	uint16_t i = frag_find(d->ft, k);
	if (i == FRAG_NIL)
		i = frag_create(x, k);
	struct frag *f = &d->ft->slot[i];

	if ((f->have_last && (end > f->total || (!more && end != f->total))) ||
	    (!more && !f->have_last && f->nr && f->re[f->nr - 1] > end))
		return bad(x, PKT_ANOM_FRAG_BAD);
	if (!frag_reserve(x, i, end))
		return PKT_OTHER;
	f = &d->ft->slot[i];
	if (len) {
		if (!frag_range_room(f, off, end)) {
			frag_remove(d, i, false);
			d->st.frag_dropped++;
			return bad(x, PKT_ANOM_FRAG_BAD);
		}
		frag_copy(x, f, off, end, p);
		frag_add_range(f, off, end);
	}
	if (!more) {
		f->have_last = true;
		f->total = end;
	}
	if (off == 0 && !f->have_first) {
		f->have_first = true;
		f->first_nh = nh;
	}
	bool complete = f->have_last && f->have_first && f->nr == 1 && f->rs[0] == 0 &&
			f->re[0] == f->total;
	if (!complete)
		return PKT_HELD;
	if (d->ndone == FRAG_DONE_MAX) { /* cannot happen: one per IP layer */
		frag_remove(d, i, false);
		d->st.frag_dropped++;
		note(x, PKT_ANOM_FRAG_TABLE_FULL);
		return PKT_OTHER;
	}
	*first_nh = f->first_nh;
	d->done[d->ndone] = f->buf;
	d->done_cap[d->ndone] = f->cap;
	d->ndone++;
	x->c = cur_make(f->buf, f->total);
	x->missing = 0;
	frag_remove(d, i, true);
	d->st.frag_reassembled++;
	return NEXT;
}

static void frag_release_done(struct pkt_decoder *d)
{
	for (size_t i = 0; i < d->ndone; i++)
		free(d->done[i]);
	d->ndone = 0;
}

/* ---- link layers ----------------------------------------------------------------------- */

static int dec_ether(struct dec *x)
{
	uint16_t type;
	uint8_t dsap, ssap, ctl;

	if (!cur_skip(&x->c, 12) || !cur_u16(&x->c, &type))
		return short_read(x, PKT_ANOM_L2_BAD);
	if (type >= 0x0600)
		return go(x, L_ETYPE, type);
	if (type > 1500)
		return PKT_OTHER;  /* neither a length nor a type */
	/* IEEE 802.3 length, then 802.2 LLC; only SNAP carries an ethertype (other LLC
	 * payloads are not IP and their length is not our business). */
	struct cur llc = x->c;
	if (!cur_u8(&llc, &dsap) || !cur_u8(&llc, &ssap) || !cur_u8(&llc, &ctl) ||
	    dsap != 0xaa || ssap != 0xaa || ctl != 0x03)
		return x->missing && cur_left(&x->c) < 3 ? PKT_TRUNCATED : PKT_OTHER;
	if (!fit(x, type))
		return bad(x, PKT_ANOM_L2_BAD);
	if (!cur_skip(&x->c, 3))
		return short_read(x, PKT_ANOM_L2_BAD);
	if (!cur_skip(&x->c, 3) || !cur_u16(&x->c, &type))
		return short_read(x, PKT_ANOM_L2_BAD);
	return go(x, L_ETYPE, type);
}

static int dec_etype(struct dec *x)
{
	switch (x->val) {
	case ETH_IP4: return go(x, L_IP4, 0);
	case ETH_IP6: return go(x, L_IP6, 0);
	case ETH_VLAN:
	case ETH_QINQ:
	case ETH_QINQ_OLD1:
	case ETH_QINQ_OLD2: return go(x, L_VLAN, 0);
	case ETH_MPLS_UC:
	case ETH_MPLS_MC: return go(x, L_MPLS, 0);
	case ETH_PPPOE_SESSION: return go(x, L_PPPOE, 0);
	default: return PKT_OTHER;  /* ARP, LLDP, PPPoE discovery, ... */
	}
}

static int dec_vlan(struct dec *x)
{
	uint16_t tci, type;

	if (!cur_u16(&x->c, &tci) || !cur_u16(&x->c, &type))
		return short_read(x, PKT_ANOM_L2_BAD);
	if (type < 0x0600)
		return PKT_OTHER;  /* 802.3 length inside a tag: LLC, not IP */
	return go(x, L_ETYPE, type);
}

/* RFC 3032 label stack, then the payload guessed as routers do (RFC 4385 §5: first nibble
 * 4/6 is IP, 0 is a pseudowire control word before an Ethernet frame). */
static int dec_mpls(struct dec *x)
{
	uint32_t e;
	uint8_t b;

	for (int n = 0;; n++) {
		if (n == DEC_MAX_MPLS)
			return bad(x, PKT_ANOM_TUNNEL_BAD);
		if (!cur_u32(&x->c, &e))
			return short_read(x, PKT_ANOM_TUNNEL_BAD);
		if (e & 0x100)
			break;
	}
	uint32_t label = e >> 12;
	if (label == 0)  /* IPv4 explicit null */
		return go(x, L_IP4, 0);
	if (label == 2)  /* IPv6 explicit null */
		return go(x, L_IP6, 0);
	if (!peek_u8(x, &b))
		return short_read(x, PKT_ANOM_TUNNEL_BAD);
	switch (b >> 4) {
	case 4: return go(x, L_IP4, 0);
	case 6: return go(x, L_IP6, 0);
	case 0:
		if (!cur_skip(&x->c, 4))
			return short_read(x, PKT_ANOM_TUNNEL_BAD);
		return enter_tunnel(x, L_ETHER, 0);
	default: return PKT_UNSUPPORTED;
	}
}

/* RFC 2516 §4: ver/type 0x11, code 0 for session data, length of the PPP frame. */
static int dec_pppoe(struct dec *x)
{
	uint8_t vt, code;
	uint16_t sid, len;

	if (!cur_u8(&x->c, &vt) || !cur_u8(&x->c, &code) || !cur_u16(&x->c, &sid) ||
	    !cur_u16(&x->c, &len))
		return short_read(x, PKT_ANOM_TUNNEL_BAD);
	if (vt != 0x11 || code != 0)
		return bad(x, PKT_ANOM_TUNNEL_BAD);
	if (!fit(x, len))
		return bad(x, PKT_ANOM_TUNNEL_BAD);
	return go(x, L_PPP_PROTO, 0);
}

/* RFC 1662 framing: address 0xff and control 0x03 may be present. */
static int dec_ppp(struct dec *x)
{
	struct cur t = x->c;
	uint8_t a, c;

	if (cur_left(&t) < 2 && x->missing)
		return PKT_TRUNCATED;  /* cannot tell the framing from the protocol */
	if (cur_u8(&t, &a) && cur_u8(&t, &c) && a == 0xff && c == 0x03)
		x->c = t;
	return go(x, L_PPP_PROTO, 0);
}

/* RFC 1661 §2: the protocol field is 2 bytes, or 1 when compressed (odd first byte). */
static int dec_ppp_proto(struct dec *x)
{
	uint8_t hi, lo;
	uint16_t proto;

	if (!cur_u8(&x->c, &hi))
		return short_read(x, PKT_ANOM_L2_BAD);
	if (hi & 1) {
		proto = hi;
	} else {
		if (!cur_u8(&x->c, &lo))
			return short_read(x, PKT_ANOM_L2_BAD);
		proto = (uint16_t)(hi << 8 | lo);
	}
	switch (proto) {
	case PPP_IP4: return go(x, L_IP4, 0);
	case PPP_IP6: return go(x, L_IP6, 0);
	default: return PKT_OTHER;  /* LCP, IPCP, CHAP, ... */
	}
}

/* Address family of a BSD loopback header (AF_INET6 differs between systems). */
static int loop_family(struct dec *x, uint32_t af)
{
	switch (af) {
	case 2: return go(x, L_IP4, 0);          /* AF_INET everywhere */
	case 10:                                 /* AF_INET6: Linux */
	case 24:                                 /* NetBSD, OpenBSD, BSD/OS */
	case 28:                                 /* FreeBSD, DragonFly */
	case 30: return go(x, L_IP6, 0);         /* Darwin */
	default: return PKT_OTHER;
	}
}

static int dec_null(struct dec *x)
{
	uint32_t af;
	if (!cur_u32(&x->c, &af))
		return short_read(x, PKT_ANOM_L2_BAD);
	/* Host byte order of the capturing machine: a value above 16 bits is byte-swapped. */
	if (af > 0xffff)
		af = (af >> 24) | ((af >> 8) & 0xff00) | ((af << 8) & 0xff0000) | (af << 24);
	return loop_family(x, af);
}

static int dec_loop(struct dec *x)
{
	uint32_t af;
	if (!cur_u32(&x->c, &af))
		return short_read(x, PKT_ANOM_L2_BAD);
	return loop_family(x, af);
}

/* Linux cooked headers: the protocol is an ethertype except for a few small values. */
static int sll_proto(struct dec *x, uint16_t hatype, uint16_t proto)
{
	if (hatype == 824)     /* ARPHRD_NETLINK */
		return PKT_OTHER;
	if (hatype == 778 && proto == ETH_TEB) /* ARPHRD_IPGRE carries GRE protocol types */
		return enter_tunnel(x, L_ETHER, 0);
	if (proto < 0x0600)    /* ETH_P_802_3, ETH_P_802_2, CAN, ... */
		return PKT_OTHER;
	return go(x, L_ETYPE, proto);
}

static int dec_sll(struct dec *x)
{
	uint16_t pkttype, hatype, halen, proto;

	if (!cur_u16(&x->c, &pkttype) || !cur_u16(&x->c, &hatype) || !cur_u16(&x->c, &halen) ||
	    !cur_skip(&x->c, 8) || !cur_u16(&x->c, &proto))
		return short_read(x, PKT_ANOM_L2_BAD);
	return sll_proto(x, hatype, proto);
}

static int dec_sll2(struct dec *x)
{
	uint16_t proto, reserved, hatype;
	uint32_t ifindex;
	uint8_t pkttype, halen;

	if (!cur_u16(&x->c, &proto) || !cur_u16(&x->c, &reserved) || !cur_u32(&x->c, &ifindex) ||
	    !cur_u16(&x->c, &hatype) || !cur_u8(&x->c, &pkttype) || !cur_u8(&x->c, &halen) ||
	    !cur_skip(&x->c, 8))
		return short_read(x, PKT_ANOM_L2_BAD);
	return sll_proto(x, hatype, proto);
}

/* ---- IP -------------------------------------------------------------------------------- */

static int dec_ip(struct dec *x)
{
	uint8_t b;
	if (!peek_u8(x, &b))
		return short_read(x, PKT_ANOM_IP_BAD_VERSION);
	switch (b >> 4) {
	case 4: return go(x, L_IP4, 0);
	case 6: return go(x, L_IP6, 0);
	default: return bad(x, PKT_ANOM_IP_BAD_VERSION);
	}
}

/* RFC 791 §3.1. */
static int dec_ip4(struct dec *x)
{
	uint8_t vihl, tos, ttl, proto;
	uint16_t total, id, frag, csum;
	const uint8_t *src, *dst;

	if (!cur_u8(&x->c, &vihl))
		return short_read(x, PKT_ANOM_IP_BAD_HEADER_LEN);
	if (vihl >> 4 != 4)
		return bad(x, PKT_ANOM_IP_BAD_VERSION);
	size_t hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < 20)
		return bad(x, PKT_ANOM_IP_BAD_HEADER_LEN);
	size_t avail = cur_left(&x->c) + 1;  /* from the start of the header */
	if (!cur_u8(&x->c, &tos) || !cur_u16(&x->c, &total) || !cur_u16(&x->c, &id) ||
	    !cur_u16(&x->c, &frag) || !cur_u8(&x->c, &ttl) || !cur_u8(&x->c, &proto) ||
	    !cur_u16(&x->c, &csum) || !cur_bytes(&x->c, 4, &src) || !cur_bytes(&x->c, 4, &dst) ||
	    !cur_skip(&x->c, hlen - 20))
		return short_read(x, PKT_ANOM_IP_BAD_HEADER_LEN);
	if (total == 0) {
		/* TCP segmentation offload on the capturing host: the length is filled in by the
		 * NIC (Wireshark treats it the same way). */
		total = (uint16_t)(avail + x->missing > 0xffff ? 0xffff : avail + x->missing);
	}
	if (total < hlen)
		return bad(x, PKT_ANOM_IP_BAD_TOTAL_LEN);
	if (!fit(x, total - hlen))
		return bad(x, PKT_ANOM_IP_BAD_TOTAL_LEN);
	x->family = 4;
	memset(x->src, 0, sizeof(x->src));
	memset(x->dst, 0, sizeof(x->dst));
	memcpy(x->src, src, 4);
	memcpy(x->dst, dst, 4);

	uint32_t off = (uint32_t)(frag & 0x1fff) * 8;
	bool more = (frag & 0x2000) != 0;
	if (off == 0 && !more)
		return go(x, L_PROTO, proto);
	/* A fragment: only a complete one can be stored. */
	if (x->missing)
		return PKT_TRUNCATED;
	struct frag_key k = { .family = 4, .proto = proto, .id = id };
	memcpy(k.src, x->src, 16);
	memcpy(k.dst, x->dst, 16);
	const uint8_t *p;
	size_t len = cur_left(&x->c);
	uint8_t unused;
	if (!cur_bytes(&x->c, len, &p))
		return bad(x, PKT_ANOM_IP_BAD_TOTAL_LEN);
	int st = frag_add(x, &k, off, p, len, more, 0, &unused);
	if (st != NEXT)
		return st;
	return go(x, L_PROTO, proto);
}

/* RFC 8200 §3. */
static int dec_ip6(struct dec *x)
{
	uint32_t vtcfl;
	uint16_t plen;
	uint8_t nh, hlim;
	const uint8_t *src, *dst;

	if (!cur_u32(&x->c, &vtcfl))
		return short_read(x, PKT_ANOM_IP_BAD_HEADER_LEN);
	if (vtcfl >> 28 != 6)
		return bad(x, PKT_ANOM_IP_BAD_VERSION);
	if (!cur_u16(&x->c, &plen) || !cur_u8(&x->c, &nh) || !cur_u8(&x->c, &hlim) ||
	    !cur_bytes(&x->c, 16, &src) || !cur_bytes(&x->c, 16, &dst))
		return short_read(x, PKT_ANOM_IP_BAD_HEADER_LEN);
	/* 0: a jumbogram (RFC 2675) or segmentation offload: the frame says how long. */
	if (plen != 0 && !fit(x, plen))
		return bad(x, PKT_ANOM_IP_BAD_TOTAL_LEN);
	x->family = 6;
	memcpy(x->src, src, 16);
	memcpy(x->dst, dst, 16);
	x->n_ext = 0;
	return go(x, L_IP6_EXT, nh);
}

/* RFC 8200 §4: extension headers, then the upper layer. */
static int dec_ip6_ext(struct dec *x)
{
	uint8_t nh, len;

	switch (x->val) {
	case IPP_HOPOPT:
	case IPP_ROUTING:
	case IPP_DSTOPTS:
	case IPP_AH:
	case IPP_FRAGMENT:
		break;
	case IPP_NONE:
		return PKT_OTHER;
	default:
		return go(x, L_PROTO, x->val);
	}
	if (++x->n_ext > DEC_MAX_IP6_EXT)
		return bad(x, PKT_ANOM_IP6_BAD_EXT);
	if (!cur_u8(&x->c, &nh) || !cur_u8(&x->c, &len))
		return short_read(x, PKT_ANOM_IP6_BAD_EXT);
	if (x->val == IPP_AH) {
		/* RFC 4302 §2.2: length in 4-byte units, minus 2. */
		if (!cur_skip(&x->c, ((size_t)len + 2) * 4 - 2))
			return short_read(x, PKT_ANOM_IP6_BAD_EXT);
		return go(x, L_IP6_EXT, nh);
	}
	if (x->val != IPP_FRAGMENT) {
		/* length in 8-byte units, not counting the first 8 */
		if (!cur_skip(&x->c, ((size_t)len + 1) * 8 - 2))
			return short_read(x, PKT_ANOM_IP6_BAD_EXT);
		return go(x, L_IP6_EXT, nh);
	}
	/* Fragment header (§4.5): next header, reserved, offset/flags, identification. */
	uint16_t offm;
	uint32_t id;
	if (!cur_u16(&x->c, &offm) || !cur_u32(&x->c, &id))
		return short_read(x, PKT_ANOM_IP6_BAD_EXT);
	uint32_t off = offm & 0xfff8;
	bool more = offm & 1;
	if (off == 0 && !more)  /* atomic fragment (RFC 6946): no reassembly */
		return go(x, L_IP6_EXT, nh);
	if (x->missing)
		return PKT_TRUNCATED;
	struct frag_key k = { .family = 6, .id = id };
	memcpy(k.src, x->src, 16);
	memcpy(k.dst, x->dst, 16);
	const uint8_t *p;
	size_t plen = cur_left(&x->c);
	uint8_t first_nh = nh;
	if (!cur_bytes(&x->c, plen, &p))
		return bad(x, PKT_ANOM_IP6_BAD_EXT);
	int st = frag_add(x, &k, off, p, plen, more, nh, &first_nh);
	if (st != NEXT)
		return st;
	return go(x, L_IP6_EXT, first_nh);
}

static int dec_proto(struct dec *x)
{
	uint8_t nh, len;

	switch (x->val) {
	case IPP_TCP: return go(x, L_TCP, 0);
	case IPP_UDP: return go(x, L_UDP, 0);
	case IPP_IPIP: return enter_tunnel(x, L_IP4, 0);
	case IPP_IPV6: return enter_tunnel(x, L_IP6, 0);
	case IPP_GRE: return go(x, L_GRE, 0);
	case IPP_AH:
		/* AH over IPv4 (over IPv6 it is walked with the extension headers). */
		if (!cur_u8(&x->c, &nh) || !cur_u8(&x->c, &len) ||
		    !cur_skip(&x->c, ((size_t)len + 2) * 4 - 2))
			return short_read(x, PKT_ANOM_IP_BAD_HEADER_LEN);
		return go(x, L_PROTO, nh);
	default: return PKT_OTHER;
	}
}

/* ---- tunnels --------------------------------------------------------------------------- */

/*
 * GRE: RFC 2784/2890 (version 0: C, K, S bits), RFC 1701 (R bit: source route entries),
 * RFC 2637 (version 1, PPTP: key = payload length + call id, S, A bits, PPP payload).
 * ERSPAN (draft-foschiano-erspan): type I is protocol 0x88be without a sequence number and
 * no header; type II has an 8-byte header with version 1; type III (0x22eb) a 12-byte header
 * with version 2 and an optional 8-byte platform sub-header (O bit).
 */
static int dec_gre(struct dec *x)
{
	uint16_t flags, proto, w;
	uint32_t seq;

	if (!cur_u16(&x->c, &flags) || !cur_u16(&x->c, &proto))
		return short_read(x, PKT_ANOM_TUNNEL_BAD);
	unsigned ver = flags & 7;
	bool have_seq = flags & GRE_S;
	if (ver == 1) {
		uint16_t plen, callid;
		if (proto != ETH_PPP || !(flags & GRE_K) || (flags & (GRE_C | GRE_R)))
			return bad(x, PKT_ANOM_TUNNEL_BAD);
		if (!cur_u16(&x->c, &plen) || !cur_u16(&x->c, &callid) ||
		    (have_seq && !cur_u32(&x->c, &seq)) ||
		    ((flags & GRE_A) && !cur_u32(&x->c, &seq)))
			return short_read(x, PKT_ANOM_TUNNEL_BAD);
		if (plen == 0)
			return PKT_OTHER;  /* an acknowledgement only */
		if (!fit(x, plen))
			return bad(x, PKT_ANOM_TUNNEL_BAD);
		return enter_tunnel(x, L_PPP, 0);
	}
	if (ver != 0)
		return bad(x, PKT_ANOM_TUNNEL_BAD);
	if ((flags & (GRE_C | GRE_R)) && !cur_skip(&x->c, 4))
		return short_read(x, PKT_ANOM_TUNNEL_BAD);
	if ((flags & GRE_K) && !cur_skip(&x->c, 4))
		return short_read(x, PKT_ANOM_TUNNEL_BAD);
	if (have_seq && !cur_u32(&x->c, &seq))
		return short_read(x, PKT_ANOM_TUNNEL_BAD);
	if (flags & GRE_R) {
		for (int n = 0;; n++) {
			uint8_t sre_off, sre_len;
			if (n == DEC_MAX_GRE_SRE)
				return bad(x, PKT_ANOM_TUNNEL_BAD);
			if (!cur_u16(&x->c, &w) || !cur_u8(&x->c, &sre_off) ||
			    !cur_u8(&x->c, &sre_len) || !cur_skip(&x->c, sre_len))
				return short_read(x, PKT_ANOM_TUNNEL_BAD);
			if (w == 0 && sre_len == 0)
				break;
		}
	}
	switch (proto) {
	case ETH_TEB:
		return enter_tunnel(x, L_ETHER, 0);
	case ETH_ERSPAN2:
		if (!have_seq)  /* type I */
			return enter_tunnel(x, L_ETHER, 0);
		if (!cur_u16(&x->c, &w) || !cur_skip(&x->c, 6))
			return short_read(x, PKT_ANOM_TUNNEL_BAD);
		if (w >> 12 != 1)
			return bad(x, PKT_ANOM_TUNNEL_BAD);
		return enter_tunnel(x, L_ETHER, 0);
	case ETH_ERSPAN3: {
		uint16_t w2;
		if (!cur_u16(&x->c, &w) || !cur_skip(&x->c, 8) || !cur_u16(&x->c, &w2))
			return short_read(x, PKT_ANOM_TUNNEL_BAD);
		if (w >> 12 != 2)
			return bad(x, PKT_ANOM_TUNNEL_BAD);
		if ((w2 & 1) && !cur_skip(&x->c, 8))
			return short_read(x, PKT_ANOM_TUNNEL_BAD);
		switch ((w2 >> 10) & 0x1f) {
		case 0: return enter_tunnel(x, L_ETHER, 0);
		case 2: return enter_tunnel(x, L_IP, 0);
		default: return PKT_UNSUPPORTED;
		}
	}
	case ETH_WCCP: {
		/* WCCP v2 redirect header (4 bytes) unless the payload already looks like IPv4. */
		uint8_t b;
		if (!peek_u8(x, &b))
			return short_read(x, PKT_ANOM_TUNNEL_BAD);
		if (b >> 4 != 4 && !cur_skip(&x->c, 4))
			return short_read(x, PKT_ANOM_TUNNEL_BAD);
		return enter_tunnel(x, L_IP, 0);
	}
	case ETH_IP4:
	case ETH_IP6:
	case ETH_MPLS_UC:
	case ETH_MPLS_MC:
		return enter_tunnel(x, L_ETYPE, proto);
	default:
		return PKT_UNSUPPORTED;
	}
}

/* RFC 7348 §5: flags (I bit required), reserved, VNI, reserved; then Ethernet. */
static int dec_vxlan(struct dec *x)
{
	uint8_t flags, res;
	uint32_t r24, vni;

	if (!cur_u8(&x->c, &flags) || !cur_u24(&x->c, &r24) || !cur_u24(&x->c, &vni) ||
	    !cur_u8(&x->c, &res))
		return x->missing ? PKT_TRUNCATED : PKT_OTHER;
	if (!(flags & 0x08))
		return PKT_OTHER;
	return enter_tunnel(x, L_ETHER, 0);
}

/* RFC 8926 §3.4: version 0, option length, protocol type, VNI, options. */
static int dec_geneve(struct dec *x)
{
	uint8_t vo, flags, res;
	uint16_t proto;
	uint32_t vni;

	if (!cur_u8(&x->c, &vo) || !cur_u8(&x->c, &flags) || !cur_u16(&x->c, &proto) ||
	    !cur_u24(&x->c, &vni) || !cur_u8(&x->c, &res))
		return x->missing ? PKT_TRUNCATED : PKT_OTHER;
	if (vo >> 6 != 0)
		return PKT_OTHER;
	if (!cur_skip(&x->c, (size_t)(vo & 0x3f) * 4))
		return x->missing ? PKT_TRUNCATED : PKT_OTHER;
	switch (proto) {
	case ETH_TEB: return enter_tunnel(x, L_ETHER, 0);
	case ETH_IP4:
	case ETH_IP6: return enter_tunnel(x, L_ETYPE, proto);
	default: return PKT_OTHER;
	}
}

/* 3GPP TS 29.281 §5: GTPv1-U; G-PDU (type 255) carries an IP packet. */
static int dec_gtpu(struct dec *x)
{
	uint8_t flags, type, next = 0, b;
	uint16_t len, w;
	uint32_t teid;

	if (!cur_u8(&x->c, &flags) || !cur_u8(&x->c, &type) || !cur_u16(&x->c, &len) ||
	    !cur_u32(&x->c, &teid))
		return x->missing ? PKT_TRUNCATED : PKT_OTHER;
	if (flags >> 5 != 1 || !(flags & 0x10) || type != 0xff)
		return PKT_OTHER;
	if (!fit(x, len))
		return PKT_OTHER;
	if (flags & 0x07) {
		if (!cur_u16(&x->c, &w) || !cur_u8(&x->c, &b) || !cur_u8(&x->c, &next))
			return short_read(x, PKT_ANOM_TUNNEL_BAD);
		if (!(flags & 0x04))
			next = 0;
	}
	for (int n = 0; next != 0; n++) {
		uint8_t elen;
		if (n == DEC_MAX_GTP_EXT)
			return bad(x, PKT_ANOM_TUNNEL_BAD);
		if (!cur_u8(&x->c, &elen))
			return short_read(x, PKT_ANOM_TUNNEL_BAD);
		if (elen == 0)
			return bad(x, PKT_ANOM_TUNNEL_BAD);
		if (!cur_skip(&x->c, (size_t)elen * 4 - 2) || !cur_u8(&x->c, &next))
			return short_read(x, PKT_ANOM_TUNNEL_BAD);
	}
	if (!peek_u8(x, &b))
		return x->missing ? PKT_TRUNCATED : PKT_OTHER;
	if (b >> 4 != 4 && b >> 4 != 6)
		return PKT_OTHER;
	return enter_tunnel(x, L_IP, 0);
}

static int dec_udp(struct dec *x)
{
	uint16_t sport, dport, len, csum, port;

	if (!cur_u16(&x->c, &sport) || !cur_u16(&x->c, &dport) || !cur_u16(&x->c, &len) ||
	    !cur_u16(&x->c, &csum))
		return x->missing ? PKT_TRUNCATED : PKT_OTHER;
	if (dport == UDP_VXLAN || dport == UDP_GENEVE || dport == UDP_GTPU)
		port = dport;
	else if (sport == UDP_VXLAN || sport == UDP_GENEVE || sport == UDP_GTPU)
		port = sport;
	else
		return PKT_OTHER;
	/* 0 (IPv6 jumbogram) or a bad length: take the IP payload as it is. */
	if (len >= 8 && !fit(x, (size_t)len - 8))
		return PKT_OTHER;
	switch (port) {
	case UDP_VXLAN: return dec_vxlan(x);
	case UDP_GENEVE: return dec_geneve(x);
	default: return dec_gtpu(x);
	}
}

/* ---- TCP ------------------------------------------------------------------------------- */

/* RFC 9293 §3.1. */
static int dec_tcp(struct dec *x)
{
	struct pkt *o = x->out;
	uint16_t sport, dport, win, csum, urg;
	uint32_t seq, ack;
	uint8_t off, flags;
	size_t seg_wire = cur_left(&x->c) + x->missing;

	if (!cur_u16(&x->c, &sport) || !cur_u16(&x->c, &dport) || !cur_u32(&x->c, &seq) ||
	    !cur_u32(&x->c, &ack) || !cur_u8(&x->c, &off) || !cur_u8(&x->c, &flags) ||
	    !cur_u16(&x->c, &win) || !cur_u16(&x->c, &csum) || !cur_u16(&x->c, &urg))
		return short_read(x, PKT_ANOM_TCP_BAD_OFFSET);
	size_t hlen = (size_t)(off >> 4) * 4;
	if (hlen < 20 || hlen > seg_wire)
		return bad(x, PKT_ANOM_TCP_BAD_OFFSET);
	if (!cur_skip(&x->c, hlen - 20))
		return short_read(x, PKT_ANOM_TCP_BAD_OFFSET);
	size_t plen = cur_left(&x->c);
	const uint8_t *payload;
	if (!cur_bytes(&x->c, plen, &payload))
		return short_read(x, PKT_ANOM_TCP_BAD_OFFSET);

	o->ts_us = x->ts_us;
	o->family = x->family;
	memcpy(o->src, x->src, 16);
	memcpy(o->dst, x->dst, 16);
	o->sport = sport;
	o->dport = dport;
	o->seq = seq;
	o->ack = ack;
	o->flags = flags;
	o->encap = (uint8_t)x->encap;
	o->payload = payload;
	o->payload_len = plen;
	o->payload_wire_len = seg_wire - hlen;
	return PKT_TCP;
}

/* ---- driver ---------------------------------------------------------------------------- */

static int step(struct dec *x)
{
	switch (x->layer) {
	case L_ETHER: return dec_ether(x);
	case L_ETYPE: return dec_etype(x);
	case L_VLAN: return dec_vlan(x);
	case L_MPLS: return dec_mpls(x);
	case L_PPPOE: return dec_pppoe(x);
	case L_PPP: return dec_ppp(x);
	case L_PPP_PROTO: return dec_ppp_proto(x);
	case L_NULL: return dec_null(x);
	case L_LOOP: return dec_loop(x);
	case L_SLL: return dec_sll(x);
	case L_SLL2: return dec_sll2(x);
	case L_IP: return dec_ip(x);
	case L_IP4: return dec_ip4(x);
	case L_IP6: return dec_ip6(x);
	case L_IP6_EXT: return dec_ip6_ext(x);
	case L_PROTO: return dec_proto(x);
	case L_GRE: return dec_gre(x);
	case L_UDP: return dec_udp(x);
	case L_TCP: return dec_tcp(x);
	}
	return PKT_UNSUPPORTED;
}

static bool link_layer(int linktype, enum layer *l)
{
	switch (linktype) {
	case LT_NULL: *l = L_NULL; return true;
	case LT_ETHERNET: *l = L_ETHER; return true;
	case LT_PPP:
	case LT_PPP_HDLC: *l = L_PPP; return true;
	case LT_DLT_RAW:
	case LT_DLT_RAW_OPENBSD:
	case LT_RAW: *l = L_IP; return true;
	case LT_LOOP: *l = L_LOOP; return true;
	case LT_LINUX_SLL: *l = L_SLL; return true;
	case LT_IPV4: *l = L_IP4; return true;
	case LT_IPV6: *l = L_IP6; return true;
	case LT_LINUX_SLL2: *l = L_SLL2; return true;
	default: return false;
	}
}

bool pkt_linktype_supported(int linktype)
{
	enum layer l;
	return link_layer(linktype, &l);
}

struct pkt_decoder *pkt_decoder_new(int linktype)
{
	struct pkt_decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->linktype = linktype;
	return d;
}

void pkt_decoder_free(struct pkt_decoder *d)
{
	if (!d)
		return;
	frag_release_done(d);
	if (d->ft) {
		for (size_t i = 0; i < PKT_FRAG_MAX_DGRAMS; i++)
			free(d->ft->slot[i].buf);
		free(d->ft);
	}
	free(d);
}

enum pkt_status pkt_decode(struct pkt_decoder *d, const uint8_t *data, size_t caplen,
			   size_t wirelen, uint64_t ts_us, struct pkt *out, enum pkt_anom *anom)
{
	struct dec x = { .d = d, .c = cur_make(data, caplen), .out = out, .ts_us = ts_us,
			 .missing = wirelen > caplen ? wirelen - caplen : 0 };
	int st = PKT_UNSUPPORTED;

	d->st.frames++;
	frag_release_done(d);
	if (ts_us > d->now)
		d->now = ts_us;
	frag_expire(&x);
	if (link_layer(d->linktype, &x.layer)) {
		for (unsigned n = 0;; n++) {
			if (n == DEC_MAX_STEPS) {
				st = bad(&x, PKT_ANOM_ENCAP_TOO_DEEP);
				break;
			}
			st = step(&x);
			if (st != NEXT)
				break;
		}
	}
	switch ((enum pkt_status)st) {
	case PKT_TCP: d->st.tcp++; break;
	case PKT_OTHER: d->st.other++; break;
	case PKT_HELD: d->st.held++; break;
	case PKT_TRUNCATED: d->st.truncated++; break;
	case PKT_MALFORMED: d->st.malformed++; break;
	case PKT_UNSUPPORTED: d->st.unsupported++; break;
	}
	*anom = x.anom;
	return (enum pkt_status)st;
}

void pkt_decoder_stats(const struct pkt_decoder *d, struct pkt_stats *st)
{
	*st = d->st;
	st->frag_bytes = d->held_bytes;
	for (size_t i = 0; i < d->ndone; i++)
		st->frag_bytes += d->done_cap[i];
	st->frag_dgrams = d->ft ? d->ft->n : 0;
}
