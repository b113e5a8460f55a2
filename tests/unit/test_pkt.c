/*
 * Unit tests of the frame decoder (capture/pkt.h).
 *
 * Frames are built with the builder (bld.h) from a table of layer lists, outermost first;
 * the expected values are those the frame was built with (addresses, ports, lengths) and
 * the header definitions of the RFCs named in pkt.c, never our decoder's output. The real
 * captures in tests/pcap/decode/ are checked frame by frame against tshark's dissection,
 * stored next to them by tests/pcap/gen-frames.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "capture/pkt.h"
#include "capture/src.h"
#include "capture/wire/bld.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* pcap LINKTYPE_* values (tcpdump.org/linktypes.html) */
#define LT_NULL 0
#define LT_ETH 1
#define LT_PPP 9
#define LT_DLT_RAW 12
#define LT_PPP_HDLC 50
#define LT_RAW 101
#define LT_LOOP 108
#define LT_SLL 113
#define LT_IPV4 228
#define LT_IPV6 229
#define LT_SLL2 276

/* ---- frame builder ---------------------------------------------------------------------- */

enum lay {
	Y_END,
	/* link and layer 2.5 */
	Y_ETH,       /* a: 1 = 802.3 length + LLC/SNAP */
	Y_VLAN,      /* 802.1Q tag */
	Y_QINQ,      /* 802.1ad tag */
	Y_SLL,
	Y_SLL2,
	Y_NULL_LE,   /* BSD loopback, little-endian host; a: AF value (0: 2 or 30) */
	Y_NULL_BE,   /* a: AF value (0: 2 or 24) */
	Y_LOOP,      /* a: AF value (0: 2 or 28) */
	Y_PPP,       /* a: 0 = ff 03 + 2-byte protocol, 1 = no ff 03, 2 = 1-byte protocol */
	Y_MPLS,      /* a: labels (0 = 1); before Y_ETH a control word is added */
	Y_PPPOE,     /* a: 1 = version/type 0x12 */
	/* IP */
	Y_IP4,       /* a: A_* flags */
	Y_IP6,       /* a: A_* flags */
	Y_HOP,       /* IPv6 hop-by-hop options */
	Y_DST,       /* IPv6 destination options; a: how many (0 = 1) */
	Y_RT,        /* IPv6 routing header */
	Y_AH,        /* IPsec AH (over IPv4 or IPv6) */
	/* tunnels */
	Y_GRE,       /* a: GRE flag bits to add (C, K, S) or a version (1..7) */
	Y_PPTP,      /* enhanced GRE (version 1) + PPP */
	Y_ERSPAN1,   /* GRE 0x88be without sequence number */
	Y_ERSPAN2,   /* GRE 0x88be + S + ERSPAN II header; a: 1 = bad version */
	Y_ERSPAN3,   /* GRE 0x22eb + ERSPAN III header; a: 1 = O bit + platform sub-header */
	Y_VXLAN,     /* UDP 4789 + VXLAN; a: 1 = I flag clear */
	Y_GENEVE,    /* UDP 6081 + Geneve; a: option words */
	Y_GTPU,      /* UDP 2152 + GTPv1-U; a: 1 = with an extension header */
	/* payloads */
	Y_TCP,       /* a: data offset (0 = 5; 8 = with options) */
	Y_UDP,       /* UDP port 53 with 4 bytes */
	Y_ICMP,
	Y_ARP,
	Y_NONXT,     /* IPv6 no next header */
};

/* IP layer flags: which addresses, and defects. */
#define A_OUTER 0x01      /* the outer address set, else the inner one */
#define A_BAD_VERSION 0x02
#define A_BAD_IHL 0x04    /* IHL 4 */
#define A_LEN_SHORT 0x08  /* IPv4 total length smaller than the header */
#define A_LEN_LONG 0x10   /* length field 100 bytes more than present */

struct ly {
	enum lay t;
	uint32_t a;
};

#define MAX_LAYERS 24
#define FRAME_MAX 4096

static const char *const in4[2] = { "10.0.0.1", "10.0.0.2" };
static const char *const out4[2] = { "192.0.2.1", "192.0.2.2" };
static const char *const in6[2] = { "2001:db8::1", "2001:db8::2" };
static const char *const out6[2] = { "2001:db8:ffff::1", "2001:db8:ffff::2" };

static const uint8_t tcp_payload[] = { 'h', 'e', 'l', 'l', 'o' };
#define SPORT 40000
#define DPORT 443
#define SEQ 0x01020304u
#define ACK 0x0a0b0c0du

static void addr(const char *s, int family, uint8_t *out)
{
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, s, out), 1);
}

static uint16_t ethertype_of(enum lay t)
{
	switch (t) {
	case Y_IP4: return 0x0800;
	case Y_IP6: return 0x86dd;
	case Y_VLAN: return 0x8100;
	case Y_QINQ: return 0x88a8;
	case Y_MPLS: return 0x8847;
	case Y_PPPOE: return 0x8864;
	case Y_ARP: return 0x0806;
	case Y_ETH: return 0x6558;
	default: fail_msg("no ethertype for layer %d", t); return 0;
	}
}

static uint8_t proto_of(enum lay t)
{
	switch (t) {
	case Y_TCP: return 6;
	case Y_UDP:
	case Y_VXLAN:
	case Y_GENEVE:
	case Y_GTPU: return 17;
	case Y_IP4: return 4;
	case Y_IP6: return 41;
	case Y_GRE:
	case Y_PPTP:
	case Y_ERSPAN1:
	case Y_ERSPAN2:
	case Y_ERSPAN3: return 47;
	case Y_AH: return 51;
	case Y_HOP: return 0;
	case Y_DST: return 60;
	case Y_RT: return 43;
	case Y_ICMP: return 1;
	case Y_NONXT: return 59;
	default: fail_msg("no IP protocol for layer %d", t); return 0;
	}
}

static void put_addrs(struct bld *b, int family, uint32_t a)
{
	uint8_t s[16], d[16];
	const char *const *set = family == 4 ? (a & A_OUTER ? out4 : in4)
					     : (a & A_OUTER ? out6 : in6);
	addr(set[0], family, s);
	addr(set[1], family, d);
	bld_bytes(b, s, family == 4 ? 4 : 16);
	bld_bytes(b, d, family == 4 ? 4 : 16);
}

/* Writes layer l[i] around the inner bytes (in, n) into b. */
static void wrap(struct bld *b, const struct ly *l, int i, const uint8_t *in, size_t n)
{
	uint32_t a = l[i].a;
	enum lay inner = l[i + 1].t;
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };

	switch (l[i].t) {
	case Y_ETH:
		bld_bytes(b, mac, 12);
		if (a == 1) {
			bld_u16(b, (uint16_t)(n + 8));
			bld_u8(b, 0xaa);
			bld_u8(b, 0xaa);
			bld_u8(b, 0x03);
			bld_u24(b, 0);
		}
		bld_u16(b, ethertype_of(inner));
		break;
	case Y_VLAN:
	case Y_QINQ:
		bld_u16(b, 0x2064);  /* priority 1, VLAN 100 */
		bld_u16(b, ethertype_of(inner));
		break;
	case Y_SLL:
		bld_u16(b, 0);       /* to us */
		bld_u16(b, 1);       /* ARPHRD_ETHER */
		bld_u16(b, 6);
		bld_bytes(b, mac, 6);
		bld_u16(b, 0);
		bld_u16(b, ethertype_of(inner));
		break;
	case Y_SLL2:
		bld_u16(b, ethertype_of(inner));
		bld_u16(b, 0);
		bld_u32(b, 3);       /* ifindex */
		bld_u16(b, 1);
		bld_u8(b, 4);        /* outgoing */
		bld_u8(b, 6);
		bld_bytes(b, mac, 6);
		bld_u16(b, 0);
		break;
	case Y_NULL_LE: {
		uint32_t af = a ? a : (inner == Y_IP4 ? 2 : 30);
		bld_u8(b, (uint8_t)af);
		bld_u8(b, (uint8_t)(af >> 8));
		bld_u16(b, 0);
		break;
	}
	case Y_NULL_BE:
		bld_u32(b, a ? a : (inner == Y_IP4 ? 2 : 24));
		break;
	case Y_LOOP:
		bld_u32(b, a ? a : (inner == Y_IP4 ? 2 : 28));
		break;
	case Y_PPP: {
		uint16_t p = inner == Y_IP4 ? 0x0021 : 0x0057;
		if (a == 0) {
			bld_u8(b, 0xff);
			bld_u8(b, 0x03);
		}
		if (a == 2)
			bld_u8(b, (uint8_t)p);
		else
			bld_u16(b, p);
		break;
	}
	case Y_MPLS: {
		uint32_t labels = a ? a : 1;
		for (uint32_t k = 0; k < labels; k++)
			bld_u32(b, (16 + k) << 12 | (k + 1 == labels ? 0x100 : 0) | 64);
		if (inner == Y_ETH)
			bld_u32(b, 0);  /* RFC 4385 control word */
		break;
	}
	case Y_PPPOE:
		bld_u8(b, a == 1 ? 0x12 : 0x11);
		bld_u8(b, 0);
		bld_u16(b, 0x1234);
		bld_u16(b, (uint16_t)(n + 2));
		bld_u16(b, inner == Y_IP4 ? 0x0021 : 0x0057);
		break;
	case Y_IP4: {
		uint16_t total = (uint16_t)(20 + n);
		if (a & A_LEN_SHORT)
			total = 12;
		if (a & A_LEN_LONG)
			total = (uint16_t)(total + 100);
		bld_u8(b, (a & A_BAD_VERSION ? 0x50 : 0x40) | (a & A_BAD_IHL ? 4 : 5));
		bld_u8(b, 0);
		bld_u16(b, total);
		bld_u16(b, 0x4242);
		bld_u16(b, 0x4000);  /* DF */
		bld_u8(b, 64);
		bld_u8(b, proto_of(inner));
		bld_u16(b, 0);
		put_addrs(b, 4, a);
		break;
	}
	case Y_IP6:
		bld_u32(b, a & A_BAD_VERSION ? 0x40000000u : 0x60000000u);
		bld_u16(b, (uint16_t)(n + (a & A_LEN_LONG ? 100 : 0)));
		bld_u8(b, proto_of(inner));
		bld_u8(b, 64);
		put_addrs(b, 6, a);
		break;
	case Y_HOP:
	case Y_RT:
		bld_u8(b, proto_of(inner));
		bld_u8(b, 0);  /* 8 bytes */
		if (l[i].t == Y_RT) {
			bld_u8(b, 4);  /* segment routing, segments left 0 */
			bld_u8(b, 0);
			bld_u32(b, 0);
		} else {
			bld_u8(b, 1);  /* PadN */
			bld_u8(b, 4);
			bld_u32(b, 0);
		}
		break;
	case Y_DST: {
		uint32_t k = a ? a : 1;
		for (uint32_t j = 0; j < k; j++) {
			bld_u8(b, j + 1 < k ? 60 : proto_of(inner));
			bld_u8(b, 1);  /* 16 bytes */
			bld_u8(b, 1);  /* PadN of 12 */
			bld_u8(b, 12);
			bld_bytes(b, (const uint8_t[12]){ 0 }, 12);
		}
		break;
	}
	case Y_AH:
		bld_u8(b, proto_of(inner));
		bld_u8(b, 4);   /* (4 + 2) * 4 = 24 bytes: 12 fixed + 12 ICV */
		bld_u16(b, 0);
		bld_u32(b, 0x100);  /* SPI */
		bld_u32(b, 1);      /* sequence */
		bld_bytes(b, (const uint8_t[12]){ 0 }, 12);
		break;
	case Y_GRE: {
		uint16_t flags = (uint16_t)(a & 0xf000u) | (uint16_t)(a & 7);
		bld_u16(b, flags);
		bld_u16(b, ethertype_of(inner));
		if (flags & 0x8000) {
			bld_u16(b, 0xbeef);  /* checksum (not checked) */
			bld_u16(b, 0);
		}
		if (flags & 0x2000)
			bld_u32(b, 0xcafe);
		if (flags & 0x1000)
			bld_u32(b, 7);
		break;
	}
	case Y_PPTP:
		bld_u16(b, 0x3001);  /* K, S, version 1 */
		bld_u16(b, 0x880b);
		bld_u16(b, (uint16_t)(n + 4));
		bld_u16(b, 0x77);    /* call id */
		bld_u32(b, 9);       /* sequence */
		bld_u8(b, 0xff);
		bld_u8(b, 0x03);
		bld_u16(b, inner == Y_IP4 ? 0x0021 : 0x0057);
		break;
	case Y_ERSPAN1:
		bld_u16(b, 0);
		bld_u16(b, 0x88be);
		break;
	case Y_ERSPAN2:
		bld_u16(b, 0x1000);
		bld_u16(b, 0x88be);
		bld_u32(b, 1);
		bld_u16(b, a == 1 ? 0x2064 : 0x1064);  /* version 1, VLAN 100 */
		bld_u16(b, 0x0005);                    /* session 5 */
		bld_u32(b, 0);
		break;
	case Y_ERSPAN3:
		bld_u16(b, 0x1000);
		bld_u16(b, 0x22eb);
		bld_u32(b, 1);
		bld_u16(b, 0x2064);  /* version 2, VLAN 100 */
		bld_u16(b, 0x0005);
		bld_u32(b, 0x12345678);  /* timestamp */
		bld_u16(b, 0);           /* SGT */
		bld_u16(b, a == 1 ? 1 : 0);  /* frame type 0 (Ethernet), O bit */
		if (a == 1)
			bld_bytes(b, (const uint8_t[8]){ 0x08, 0, 0, 0, 0, 0, 0, 0 }, 8);
		break;
	case Y_VXLAN:
		bld_u16(b, 51000);
		bld_u16(b, 4789);
		bld_u16(b, (uint16_t)(n + 16));
		bld_u16(b, 0);
		bld_u8(b, a == 1 ? 0 : 0x08);
		bld_u24(b, 0);
		bld_u24(b, 4242);
		bld_u8(b, 0);
		break;
	case Y_GENEVE:
		bld_u16(b, 51000);
		bld_u16(b, 6081);
		bld_u16(b, (uint16_t)(n + 16 + 4 * a));
		bld_u16(b, 0);
		bld_u8(b, (uint8_t)a);
		bld_u8(b, 0);
		bld_u16(b, inner == Y_ETH ? 0x6558 : ethertype_of(inner));
		bld_u24(b, 4242);
		bld_u8(b, 0);
		for (uint32_t k = 0; k < a; k++)
			bld_u32(b, k == 0 ? 0x01010000u | (a - 1) : 0);
		break;
	case Y_GTPU: {
		bld_u16(b, 51000);
		bld_u16(b, 2152);
		bld_u16(b, (uint16_t)(n + 16 + (a == 1 ? 8 : 0)));
		bld_u16(b, 0);
		bld_u8(b, a == 1 ? 0x34 : 0x30);  /* version 1, PT, E */
		bld_u8(b, 0xff);
		bld_u16(b, (uint16_t)(n + (a == 1 ? 8 : 0)));
		bld_u32(b, 0xabcdef);
		if (a == 1) {
			bld_u16(b, 0);     /* sequence */
			bld_u8(b, 0);      /* N-PDU */
			bld_u8(b, 0x85);   /* PDU session container */
			bld_u8(b, 1);      /* 4 bytes */
			bld_u16(b, 0x0009);
			bld_u8(b, 0);      /* no more */
		}
		break;
	}
	default:
		fail_msg("layer %d cannot wrap", l[i].t);
	}
	bld_bytes(b, in, n);
}

/* Payload layers. */
static void payload(struct bld *b, const struct ly *y)
{
	switch (y->t) {
	case Y_TCP: {
		uint8_t off = (uint8_t)(y->a ? y->a : 5);
		bld_u16(b, SPORT);
		bld_u16(b, DPORT);
		bld_u32(b, SEQ);
		bld_u32(b, ACK);
		bld_u8(b, (uint8_t)(off << 4));
		bld_u8(b, 0x18);  /* PSH ACK */
		bld_u16(b, 65535);
		bld_u16(b, 0);
		bld_u16(b, 0);
		if (off == 8) {   /* NOP NOP timestamps */
			bld_u16(b, 0x0101);
			bld_u16(b, 0x080a);
			bld_u32(b, 1);
			bld_u32(b, 2);
		}
		bld_bytes(b, tcp_payload, sizeof(tcp_payload));
		break;
	}
	case Y_UDP:
		bld_u16(b, 5353);
		bld_u16(b, 53);
		bld_u16(b, 12);
		bld_u16(b, 0);
		bld_u32(b, 0x12340100);
		break;
	case Y_ICMP:
		bld_u32(b, 0x08000000);
		bld_u32(b, 0x00010001);
		break;
	case Y_ARP:
		bld_bytes(b, (const uint8_t[8]){ 0, 1, 8, 0, 6, 4, 0, 1 }, 8);
		break;
	case Y_NONXT:
		break;
	default:
		fail_msg("layer %d is not a payload", y->t);
	}
}

/* Builds the frame; returns its length. */
static size_t build(const struct ly *l, uint8_t *out, size_t cap)
{
	static uint8_t tmp[2][FRAME_MAX];
	int n = 0, cur = 0;
	struct bld b;

	while (l[n].t != Y_END)
		n++;
	assert_true(n > 0 && n < MAX_LAYERS);
	bld_init(&b, tmp[cur], FRAME_MAX);
	payload(&b, &l[n - 1]);
	assert_true(bld_ok(&b));
	size_t len = b.len;
	for (int i = n - 2; i >= 0; i--) {
		bld_init(&b, tmp[!cur], FRAME_MAX);
		wrap(&b, l, i, tmp[cur], len);
		assert_true(bld_ok(&b));
		len = b.len;
		cur = !cur;
	}
	assert_true(len <= cap);
	memcpy(out, tmp[cur], len);
	return len;
}

/* ---- the table of frames -------------------------------------------------------------- */

#define L(...) { __VA_ARGS__, { Y_END, 0 } }

struct pcase {
	const char *name;
	int linktype;
	struct ly l[MAX_LAYERS];
	enum pkt_status want;
	enum pkt_anom anom;
	int family;        /* innermost IP, for PKT_TCP */
	bool outer;        /* innermost addresses are the outer set */
	uint8_t encap;
	size_t hdr_opts;   /* TCP option bytes */
};

#define TCP_OK(name_, lt, fam, enc, ...) \
	{ name_, lt, L(__VA_ARGS__), PKT_TCP, PKT_ANOM_NONE, fam, false, enc, 0 }
#define STATUS(name_, lt, st, an, ...) \
	{ name_, lt, L(__VA_ARGS__), st, PKT_ANOM_##an, 0, false, 0, 0 }

static const struct pcase cases[] = {
	/* link layers */
	TCP_OK("eth ip4 tcp", LT_ETH, 4, 0, { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("eth ip6 tcp", LT_ETH, 6, 0, { Y_ETH, 0 }, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("eth llc snap ip4", LT_ETH, 4, 0, { Y_ETH, 1 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("eth vlan ip4", LT_ETH, 4, 0, { Y_ETH, 0 }, { Y_VLAN, 0 }, { Y_IP4, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("eth qinq ip6", LT_ETH, 6, 0, { Y_ETH, 0 }, { Y_QINQ, 0 }, { Y_VLAN, 0 },
	       { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("sll ip4", LT_SLL, 4, 0, { Y_SLL, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("sll vlan ip4", LT_SLL, 4, 0, { Y_SLL, 0 }, { Y_VLAN, 0 }, { Y_IP4, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("sll2 ip6", LT_SLL2, 6, 0, { Y_SLL2, 0 }, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("null le ip4", LT_NULL, 4, 0, { Y_NULL_LE, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("null le ip6 darwin", LT_NULL, 6, 0, { Y_NULL_LE, 30 }, { Y_IP6, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("null le ip6 linux", LT_NULL, 6, 0, { Y_NULL_LE, 10 }, { Y_IP6, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("null be ip6 openbsd", LT_NULL, 6, 0, { Y_NULL_BE, 24 }, { Y_IP6, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("null be ip6 freebsd", LT_NULL, 6, 0, { Y_NULL_BE, 28 }, { Y_IP6, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("loop ip4", LT_LOOP, 4, 0, { Y_LOOP, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("loop ip6", LT_LOOP, 6, 0, { Y_LOOP, 0 }, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("raw 101 ip4", LT_RAW, 4, 0, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("raw 101 ip6", LT_RAW, 6, 0, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("raw 12 ip4", LT_DLT_RAW, 4, 0, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("raw 14 ip6", 14, 6, 0, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("ipv4 228", LT_IPV4, 4, 0, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("ipv6 229", LT_IPV6, 6, 0, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("ppp hdlc framing", LT_PPP, 4, 0, { Y_PPP, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("ppp no framing", LT_PPP, 6, 0, { Y_PPP, 1 }, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("ppp compressed protocol", LT_PPP, 4, 0, { Y_PPP, 2 }, { Y_IP4, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("ppp_hdlc 50", LT_PPP_HDLC, 4, 0, { Y_PPP, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	/* layer 2.5 */
	TCP_OK("mpls ip4", LT_ETH, 4, 0, { Y_ETH, 0 }, { Y_MPLS, 1 }, { Y_IP4, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("mpls 3 labels ip6", LT_ETH, 6, 0, { Y_ETH, 0 }, { Y_MPLS, 3 }, { Y_IP6, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("mpls pseudowire eth", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_MPLS, 2 }, { Y_ETH, 0 },
	       { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("pppoe ip4", LT_ETH, 4, 0, { Y_ETH, 0 }, { Y_PPPOE, 0 }, { Y_IP4, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("vlan pppoe ip6", LT_ETH, 6, 0, { Y_ETH, 0 }, { Y_VLAN, 0 }, { Y_PPPOE, 0 },
	       { Y_IP6, 0 }, { Y_TCP, 0 }),
	/* IP options and extension headers */
	TCP_OK("ip6 hop dst rt", LT_ETH, 6, 0, { Y_ETH, 0 }, { Y_IP6, 0 }, { Y_HOP, 0 },
	       { Y_DST, 0 }, { Y_RT, 0 }, { Y_TCP, 0 }),
	TCP_OK("ip6 ah", LT_ETH, 6, 0, { Y_ETH, 0 }, { Y_IP6, 0 }, { Y_AH, 0 }, { Y_TCP, 0 }),
	TCP_OK("ip4 ah", LT_ETH, 4, 0, { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_AH, 0 }, { Y_TCP, 0 }),
	TCP_OK("ip6 16 dst opts", LT_ETH, 6, 0, { Y_ETH, 0 }, { Y_IP6, 0 }, { Y_DST, 16 },
	       { Y_TCP, 0 }),
	{ "tcp options", LT_ETH, L({ Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 8 }), PKT_TCP,
	  PKT_ANOM_NONE, 4, false, 0, 12 },
	/* tunnels */
	TCP_OK("4in4", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_IP4, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("6in4", LT_ETH, 6, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_IP6, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("4in6", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP6, A_OUTER }, { Y_IP4, 0 },
	       { Y_TCP, 0 }),
	TCP_OK("6in6 after dst opts", LT_ETH, 6, 1, { Y_ETH, 0 }, { Y_IP6, A_OUTER },
	       { Y_DST, 0 }, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("gre ip4", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_GRE, 0 },
	       { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("gre checksum key seq ip6", LT_ETH, 6, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER },
	       { Y_GRE, 0xb000 }, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("gre over ip6 key", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP6, A_OUTER },
	       { Y_GRE, 0x2000 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("gre teb", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_GRE, 0 },
	       { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("gre mpls", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_GRE, 0 },
	       { Y_MPLS, 1 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("pptp ppp", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_PPTP, 0 },
	       { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("erspan I", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_ERSPAN1, 0 },
	       { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("erspan II", LT_ETH, 6, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_ERSPAN2, 0 },
	       { Y_ETH, 0 }, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("erspan III", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_ERSPAN3, 0 },
	       { Y_ETH, 0 }, { Y_VLAN, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("erspan III platform", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER },
	       { Y_ERSPAN3, 1 }, { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("vxlan", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_VXLAN, 0 },
	       { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("vxlan over ip6", LT_ETH, 6, 1, { Y_ETH, 0 }, { Y_IP6, A_OUTER },
	       { Y_VXLAN, 0 }, { Y_ETH, 0 }, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("geneve", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_GENEVE, 0 },
	       { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("geneve options", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER },
	       { Y_GENEVE, 3 }, { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("gtp-u", LT_ETH, 4, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_GTPU, 0 },
	       { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("gtp-u extension", LT_ETH, 6, 1, { Y_ETH, 0 }, { Y_IP4, A_OUTER },
	       { Y_GTPU, 1 }, { Y_IP6, 0 }, { Y_TCP, 0 }),
	TCP_OK("erspan vxlan gre (3 deep)", LT_ETH, 4, 3, { Y_ETH, 0 }, { Y_IP4, A_OUTER },
	       { Y_ERSPAN2, 0 }, { Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_VXLAN, 0 }, { Y_ETH, 0 },
	       { Y_IP4, A_OUTER }, { Y_GRE, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	TCP_OK("8 tunnels", LT_RAW, 4, 8, { Y_IP4, A_OUTER }, { Y_IP4, A_OUTER },
	       { Y_IP4, A_OUTER }, { Y_IP4, A_OUTER }, { Y_IP4, A_OUTER }, { Y_IP4, A_OUTER },
	       { Y_IP4, A_OUTER }, { Y_IP4, A_OUTER }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	/* not TCP */
	STATUS("udp", LT_ETH, PKT_OTHER, NONE, { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_UDP, 0 }),
	STATUS("icmp", LT_ETH, PKT_OTHER, NONE, { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_ICMP, 0 }),
	STATUS("arp", LT_ETH, PKT_OTHER, NONE, { Y_ETH, 0 }, { Y_ARP, 0 }),
	STATUS("vlan arp", LT_ETH, PKT_OTHER, NONE, { Y_ETH, 0 }, { Y_VLAN, 0 }, { Y_ARP, 0 }),
	STATUS("ip6 no next header", LT_ETH, PKT_OTHER, NONE, { Y_ETH, 0 }, { Y_IP6, 0 },
	       { Y_DST, 0 }, { Y_NONXT, 0 }),
	STATUS("vxlan without I flag", LT_ETH, PKT_OTHER, NONE, { Y_ETH, 0 }, { Y_IP4, 0 },
	       { Y_VXLAN, 1 }, { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	STATUS("null unknown family", LT_NULL, PKT_OTHER, NONE, { Y_NULL_LE, 7 }, { Y_IP4, 0 },
	       { Y_TCP, 0 }),
	STATUS("unknown link type", 147, PKT_UNSUPPORTED, NONE, { Y_IP4, 0 }, { Y_TCP, 0 }),
	/* malformed */
	STATUS("ip4 version 5", LT_ETH, PKT_MALFORMED, IP_BAD_VERSION, { Y_ETH, 0 },
	       { Y_IP4, A_BAD_VERSION }, { Y_TCP, 0 }),
	STATUS("raw version 4 in ip6 slot", LT_IPV6, PKT_MALFORMED, IP_BAD_VERSION,
	       { Y_IP4, 0 }, { Y_TCP, 0 }),
	STATUS("ip6 version 4", LT_ETH, PKT_MALFORMED, IP_BAD_VERSION, { Y_ETH, 0 },
	       { Y_IP6, A_BAD_VERSION }, { Y_TCP, 0 }),
	STATUS("ip4 ihl 4", LT_ETH, PKT_MALFORMED, IP_BAD_HEADER_LEN, { Y_ETH, 0 },
	       { Y_IP4, A_BAD_IHL }, { Y_TCP, 0 }),
	STATUS("ip4 total < header", LT_ETH, PKT_MALFORMED, IP_BAD_TOTAL_LEN, { Y_ETH, 0 },
	       { Y_IP4, A_LEN_SHORT }, { Y_TCP, 0 }),
	STATUS("ip4 total > frame", LT_ETH, PKT_MALFORMED, IP_BAD_TOTAL_LEN, { Y_ETH, 0 },
	       { Y_IP4, A_LEN_LONG }, { Y_TCP, 0 }),
	STATUS("ip6 payload > frame", LT_ETH, PKT_MALFORMED, IP_BAD_TOTAL_LEN, { Y_ETH, 0 },
	       { Y_IP6, A_LEN_LONG }, { Y_TCP, 0 }),
	STATUS("inner ip4 > outer", LT_ETH, PKT_MALFORMED, IP_BAD_TOTAL_LEN, { Y_ETH, 0 },
	       { Y_IP4, A_OUTER }, { Y_IP4, A_LEN_LONG }, { Y_TCP, 0 }),
	STATUS("tcp offset 4", LT_ETH, PKT_MALFORMED, TCP_BAD_OFFSET, { Y_ETH, 0 }, { Y_IP4, 0 },
	       { Y_TCP, 4 }),
	STATUS("tcp offset beyond segment", LT_ETH, PKT_MALFORMED, TCP_BAD_OFFSET, { Y_ETH, 0 },
	       { Y_IP4, 0 }, { Y_TCP, 15 }),
	STATUS("17 ip6 extension headers", LT_ETH, PKT_MALFORMED, IP6_BAD_EXT, { Y_ETH, 0 },
	       { Y_IP6, 0 }, { Y_DST, 17 }, { Y_TCP, 0 }),
	STATUS("gre version 2", LT_ETH, PKT_MALFORMED, TUNNEL_BAD, { Y_ETH, 0 },
	       { Y_IP4, A_OUTER }, { Y_GRE, 2 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	STATUS("gre version 1 not ppp", LT_ETH, PKT_MALFORMED, TUNNEL_BAD, { Y_ETH, 0 },
	       { Y_IP4, A_OUTER }, { Y_GRE, 1 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	STATUS("erspan II version 2", LT_ETH, PKT_MALFORMED, TUNNEL_BAD, { Y_ETH, 0 },
	       { Y_IP4, A_OUTER }, { Y_ERSPAN2, 1 }, { Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	STATUS("pppoe version 1 type 2", LT_ETH, PKT_MALFORMED, TUNNEL_BAD, { Y_ETH, 0 },
	       { Y_PPPOE, 1 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	STATUS("17 mpls labels", LT_ETH, PKT_MALFORMED, TUNNEL_BAD, { Y_ETH, 0 },
	       { Y_MPLS, 17 }, { Y_IP4, 0 }, { Y_TCP, 0 }),
	STATUS("9 tunnels", LT_RAW, PKT_MALFORMED, ENCAP_TOO_DEEP, { Y_IP4, A_OUTER },
	       { Y_IP4, A_OUTER }, { Y_IP4, A_OUTER }, { Y_IP4, A_OUTER }, { Y_IP4, A_OUTER },
	       { Y_IP4, A_OUTER }, { Y_IP4, A_OUTER }, { Y_IP4, A_OUTER }, { Y_IP4, A_OUTER },
	       { Y_IP4, 0 }, { Y_TCP, 0 }),
};

static enum pkt_status decode1(int linktype, const uint8_t *f, size_t caplen, size_t wirelen,
			       struct pkt *p, enum pkt_anom *an)
{
	struct pkt_decoder *d = pkt_decoder_new(linktype);
	assert_non_null(d);
	/* An exact-size heap copy, so that ASan sees any read past caplen. */
	uint8_t *copy = malloc(caplen ? caplen : 1);
	assert_non_null(copy);
	if (caplen)
		memcpy(copy, f, caplen);
	enum pkt_status st = pkt_decode(d, copy, caplen, wirelen, 1000, p, an);
	if (st == PKT_TCP && p->payload_len) {
		/* The view must point into the frame: compare against the original. */
		assert_true(p->payload >= copy && p->payload + p->payload_len <= copy + caplen);
		assert_memory_equal(p->payload, f + (p->payload - copy), p->payload_len);
		p->payload = f + (p->payload - copy);
	}
	free(copy);
	pkt_decoder_free(d);
	return st;
}

static void check_tcp(const struct pcase *c, const struct pkt *p, size_t caplen_payload)
{
	uint8_t s[16] = { 0 }, d[16] = { 0 };
	const char *const *set = c->family == 4 ? (c->outer ? out4 : in4)
						: (c->outer ? out6 : in6);
	addr(set[0], c->family, s);
	addr(set[1], c->family, d);
	assert_int_equal(p->family, c->family);
	assert_memory_equal(p->src, s, 16);
	assert_memory_equal(p->dst, d, 16);
	assert_int_equal(p->sport, SPORT);
	assert_int_equal(p->dport, DPORT);
	assert_int_equal(p->seq, SEQ);
	assert_int_equal(p->ack, ACK);
	assert_int_equal(p->flags, PKT_PSH | PKT_ACK);
	assert_int_equal(p->encap, c->encap);
	assert_int_equal(p->ts_us, 1000);
	assert_int_equal(p->payload_wire_len, sizeof(tcp_payload));
	assert_int_equal(p->payload_len, caplen_payload);
	if (caplen_payload)
		assert_memory_equal(p->payload, tcp_payload, caplen_payload);
}

static void test_pkt_table(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct pcase *c = &cases[i];
		struct pkt p;
		enum pkt_anom an;
		size_t n = build(c->l, f, sizeof(f));
		enum pkt_status st = decode1(c->linktype, f, n, n, &p, &an);
		if (st != c->want || an != c->anom)
			fail_msg("%s: status %s anomaly %s, want %s %s", c->name, pkt_status_name(st),
				 pkt_anom_name(an), pkt_status_name(c->want),
				 pkt_anom_name(c->anom));
		if (st == PKT_TCP)
			check_tcp(c, &p, sizeof(tcp_payload));
	}
}

/* Every frame of the table cut at every length: by the snaplen (wirelen stays) gives
 * PKT_TRUNCATED while headers are missing, then TCP with a short payload; a frame that
 * really is that short (wirelen = caplen) never gives TCP and is never "truncated". */
static void test_pkt_cut_everywhere(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct pcase *c = &cases[i];
		if (c->want != PKT_TCP)
			continue;
		size_t n = build(c->l, f, sizeof(f));
		size_t hdr = n - sizeof(tcp_payload);
		for (size_t cut = 0; cut < n; cut++) {
			struct pkt p;
			enum pkt_anom an;
			enum pkt_status st = decode1(c->linktype, f, cut, n, &p, &an);
			if (cut < hdr) {
				if (st != PKT_TRUNCATED || an != PKT_ANOM_NONE)
					fail_msg("%s cut at %zu/%zu: %s %s, want truncated", c->name,
						 cut, n, pkt_status_name(st), pkt_anom_name(an));
			} else {
				if (st != PKT_TCP)
					fail_msg("%s cut at %zu/%zu: %s %s, want tcp", c->name, cut,
						 n, pkt_status_name(st), pkt_anom_name(an));
				check_tcp(c, &p, cut - hdr);
			}
			st = decode1(c->linktype, f, cut, cut, &p, &an);
			if (st == PKT_TCP || st == PKT_TRUNCATED ||
			    (st == PKT_MALFORMED && an == PKT_ANOM_NONE))
				fail_msg("%s short frame %zu/%zu: %s %s", c->name, cut, n,
					 pkt_status_name(st), pkt_anom_name(an));
		}
	}
}

/* Ethernet pads short frames to 60 bytes; the IP length says where the packet ends. */
static void test_pkt_ethernet_padding(void **state)
{
	(void)state;
	static const struct ly l[] = L({ Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 });
	uint8_t f[128];
	struct pkt p;
	enum pkt_anom an;
	size_t n = build(l, f, sizeof(f));

	assert_int_equal(n, 14 + 20 + 20 + 5);
	memset(f + n, 0xee, 64 - n);  /* padding + FCS */
	assert_int_equal(decode1(LT_ETH, f, 64, 64, &p, &an), PKT_TCP);
	assert_int_equal(p.payload_len, 5);
	assert_int_equal(p.payload_wire_len, 5);
	/* The same with the FCS cut off by a 60-byte snaplen. */
	assert_int_equal(decode1(LT_ETH, f, 60, 64, &p, &an), PKT_TCP);
	assert_int_equal(p.payload_len, 5);
}

/* IPv4 total length 0 (TCP segmentation offload on the capturing host). */
static void test_pkt_tso_zero_length(void **state)
{
	(void)state;
	static const struct ly l[] = L({ Y_ETH, 0 }, { Y_IP4, 0 }, { Y_TCP, 0 });
	uint8_t f[128];
	struct pkt p;
	enum pkt_anom an;
	size_t n = build(l, f, sizeof(f));

	f[14 + 2] = 0;
	f[14 + 3] = 0;
	assert_int_equal(decode1(LT_ETH, f, n, n, &p, &an), PKT_TCP);
	assert_int_equal(p.payload_wire_len, 5);
}

/* ---- fragments --------------------------------------------------------------------------- */

#define DGRAM_PAYLOAD 3000

struct dgram {
	uint8_t seg[20 + DGRAM_PAYLOAD + 64]; /* TCP header + payload: what the fragments carry
						(+ slack for pieces past the end) */
	size_t len;
};

static void make_dgram(struct dgram *g)
{
	struct bld b;
	memset(g, 0, sizeof(*g));
	bld_init(&b, g->seg, sizeof(g->seg));
	bld_u16(&b, SPORT);
	bld_u16(&b, DPORT);
	bld_u32(&b, SEQ);
	bld_u32(&b, ACK);
	bld_u8(&b, 5 << 4);
	bld_u8(&b, 0x18);
	bld_u16(&b, 65535);
	bld_u32(&b, 0);
	for (int i = 0; i < DGRAM_PAYLOAD; i++)
		bld_u8(&b, (uint8_t)(i * 7 + 1));
	assert_true(bld_ok(&b));
	g->len = b.len;
}

/* An Ethernet + IPv4 fragment carrying bytes [off, off+len) of data. */
static size_t frag4(uint8_t *out, size_t cap, uint16_t id, uint32_t off, bool more,
		    const uint8_t *data, size_t len, uint8_t proto)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	struct bld b;
	uint8_t s[4], d[4];
	addr(in4[0], 4, s);
	addr(in4[1], 4, d);
	bld_init(&b, out, cap);
	bld_bytes(&b, mac, 12);
	bld_u16(&b, 0x0800);
	bld_u8(&b, 0x45);
	bld_u8(&b, 0);
	bld_u16(&b, (uint16_t)(20 + len));
	bld_u16(&b, id);
	bld_u16(&b, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
	bld_u8(&b, 64);
	bld_u8(&b, proto);
	bld_u16(&b, 0);
	bld_bytes(&b, s, 4);
	bld_bytes(&b, d, 4);
	bld_bytes(&b, data, len);
	assert_true(bld_ok(&b));
	return b.len;
}

/* An Ethernet + IPv6 + fragment header frame (RFC 8200 §4.5). */
static size_t frag6(uint8_t *out, size_t cap, uint32_t id, uint32_t off, bool more,
		    const uint8_t *data, size_t len, uint8_t nh)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	struct bld b;
	uint8_t s[16], d[16];
	addr(in6[0], 6, s);
	addr(in6[1], 6, d);
	bld_init(&b, out, cap);
	bld_bytes(&b, mac, 12);
	bld_u16(&b, 0x86dd);
	bld_u32(&b, 0x60000000);
	bld_u16(&b, (uint16_t)(8 + len));
	bld_u8(&b, 44);
	bld_u8(&b, 64);
	bld_bytes(&b, s, 16);
	bld_bytes(&b, d, 16);
	bld_u8(&b, nh);
	bld_u8(&b, 0);
	bld_u16(&b, (uint16_t)(off | (more ? 1 : 0)));
	bld_u32(&b, id);
	bld_bytes(&b, data, len);
	assert_true(bld_ok(&b));
	return b.len;
}

/* One fragment of a test train: [off, end) of the datagram, optionally with changed
 * bytes, at a capture time. */
struct fpiece {
	uint32_t off, end;
	bool changed;       /* bytes differ from the datagram (0x55) */
	uint64_t ts;
	enum pkt_status want;
	enum pkt_anom anom;
	bool last;          /* no "more fragments" even though end < 3020 */
};

struct fcase {
	const char *name;
	int family;
	struct fpiece p[8];
	size_t n;
	bool complete;          /* the last piece completes the datagram */
	uint64_t dups, dropped;
};

#define T0 1000000000ull
#define FP(o, e, st) { o, e, false, T0, st, PKT_ANOM_NONE, false }
#define FPX(o, e, ch, ts, st, an) { o, e, ch, ts, st, PKT_ANOM_##an, false }

static const struct fcase fcases[] = {
	{ "in order", 4, { FP(0, 1000, PKT_HELD), FP(1000, 2000, PKT_HELD),
			   FP(2000, 3020, PKT_TCP) }, 3, true, 0, 0 },
	{ "reversed", 4, { FP(2000, 3020, PKT_HELD), FP(1000, 2000, PKT_HELD),
			   FP(0, 1000, PKT_TCP) }, 3, true, 0, 0 },
	{ "middle last", 4, { FP(0, 1000, PKT_HELD), FP(2000, 3020, PKT_HELD),
			      FP(1000, 2000, PKT_TCP) }, 3, true, 0, 0 },
	{ "overlap same bytes", 4, { FP(0, 1200, PKT_HELD), FP(1000, 2000, PKT_HELD),
				     FP(1600, 3020, PKT_TCP) }, 3, true, 2, 0 },
	{ "overlap changed bytes: first wins", 4,
	  { FP(0, 1000, PKT_HELD), FPX(504, 2000, true, T0, PKT_HELD, FRAG_OVERLAP),
	    FP(2000, 3020, PKT_TCP) }, 3, true, 0, 0 },
	{ "new fragment covers old ones", 4,
	  { FP(1000, 1200, PKT_HELD), FP(1600, 1800, PKT_HELD),
	    FPX(0, 2000, true, T0, PKT_HELD, FRAG_OVERLAP), FP(2000, 3020, PKT_TCP) },
	  4, true, 0, 0 },
	{ "duplicated", 4, { FP(0, 1000, PKT_HELD), FP(0, 1000, PKT_HELD),
			     FP(1000, 2000, PKT_HELD), FP(1000, 2000, PKT_HELD),
			     FP(2000, 3020, PKT_TCP), }, 5, true, 2, 0 },
	{ "duplicate after completion starts anew", 4,
	  { FP(0, 1000, PKT_HELD), FP(1000, 3020, PKT_TCP), FP(0, 1000, PKT_HELD) },
	  3, false, 0, 0 },
	{ "never completed: timeout", 4,
	  { FP(0, 1000, PKT_HELD), FP(2000, 3020, PKT_HELD),
	    FPX(1000, 2000, false, T0 + PKT_FRAG_TIMEOUT_US + 1, PKT_HELD, FRAG_TIMEOUT) },
	  3, false, 0, 1 },
	{ "just within the timeout", 4,
	  { FP(0, 1000, PKT_HELD), FP(2000, 3020, PKT_HELD),
	    FPX(1000, 2000, false, T0 + PKT_FRAG_TIMEOUT_US, PKT_TCP, NONE) }, 3, true, 0, 0 },
	{ "non-last not a multiple of 8", 4,
	  { FP(0, 1000, PKT_HELD), FPX(1000, 1999, false, T0, PKT_MALFORMED, FRAG_BAD) },
	  2, false, 0, 0 },
	{ "data after the last fragment", 4,
	  { FP(2000, 3020, PKT_HELD), FPX(3016, 3040, false, T0, PKT_MALFORMED, FRAG_BAD) },
	  2, false, 0, 0 },
	{ "two different ends", 4,
	  { FP(2000, 3020, PKT_HELD),
	    { 2000, 3010, false, T0, PKT_MALFORMED, PKT_ANOM_FRAG_BAD, true } },
	  2, false, 0, 0 },
	{ "end before data already held", 4,
	  { FP(2000, 3020, PKT_HELD),
	    { 1000, 1500, false, T0, PKT_MALFORMED, PKT_ANOM_FRAG_BAD, true } },
	  2, false, 0, 0 },
	{ "ip6 in order", 6, { FP(0, 1000, PKT_HELD), FP(1000, 2000, PKT_HELD),
			       FP(2000, 3020, PKT_TCP) }, 3, true, 0, 0 },
	{ "ip6 out of order", 6, { FP(1000, 2000, PKT_HELD), FP(2000, 3020, PKT_HELD),
				   FP(0, 1000, PKT_TCP) }, 3, true, 0, 0 },
	{ "ip6 overlap changed", 6,
	  { FP(0, 1000, PKT_HELD), FPX(504, 3020, true, T0, PKT_TCP, FRAG_OVERLAP) },
	  2, true, 0, 0 },
};

static void test_pkt_fragments(void **state)
{
	(void)state;
	struct dgram g, changed;
	uint8_t f[FRAME_MAX];

	make_dgram(&g);
	changed = g;
	memset(changed.seg + 20, 0x55, sizeof(changed.seg) - 20);  /* TCP header kept */
	for (size_t i = 0; i < ARRAY_LEN(fcases); i++) {
		const struct fcase *c = &fcases[i];
		struct pkt_decoder *d = pkt_decoder_new(LT_ETH);
		struct pkt_stats st;
		struct pkt p;
		enum pkt_anom an;
		/* The "first copy wins" model, byte by byte, as the expected datagram. */
		uint8_t want[sizeof(g.seg)];
		bool have[sizeof(g.seg)] = { false };
		assert_non_null(d);
		for (size_t k = 0; k < c->n; k++) {
			const struct fpiece *q = &c->p[k];
			const uint8_t *src = q->changed ? changed.seg : g.seg;
			bool more = q->end != 3020 && !q->last;
			size_t n = c->family == 4
				? frag4(f, sizeof(f), 0x4242, q->off, more, src + q->off,
					q->end - q->off, 6)
				: frag6(f, sizeof(f), 0x42424242, q->off, more, src + q->off,
					q->end - q->off, 6);
			enum pkt_status s = pkt_decode(d, f, n, n, q->ts, &p, &an);
			if (s != q->want || an != q->anom)
				fail_msg("%s piece %zu: %s %s, want %s %s", c->name, k,
					 pkt_status_name(s), pkt_anom_name(an),
					 pkt_status_name(q->want), pkt_anom_name(q->anom));
			if (s == PKT_HELD || s == PKT_TCP)
				for (uint32_t j = q->off; j < q->end && j < sizeof(want); j++)
					if (!have[j]) {
						have[j] = true;
						want[j] = src[j];
					}
		}
		pkt_decoder_stats(d, &st);
		if (c->complete) {
			assert_int_equal(p.family, c->family);
			assert_int_equal(p.sport, SPORT);
			assert_int_equal(p.seq, SEQ);
			assert_int_equal(p.payload_len, DGRAM_PAYLOAD);
			assert_int_equal(p.payload_wire_len, DGRAM_PAYLOAD);
			assert_memory_equal(p.payload, want + 20, DGRAM_PAYLOAD);
			assert_int_equal(st.frag_reassembled, 1);
			assert_int_equal(st.frag_dgrams, 0);
			assert_true(st.frag_bytes > 0);  /* the buffer handed out */
		}
		assert_int_equal(st.frag_duplicates, c->dups);
		assert_int_equal(st.frag_dropped, c->dropped);
		/* The next frame releases the handed-out buffer and times out the rest. */
		static const struct ly other[] = L({ Y_ETH, 0 }, { Y_IP4, 0 }, { Y_UDP, 0 });
		size_t n = build(other, f, sizeof(f));
		assert_int_equal(pkt_decode(d, f, n, n, T0 + 2 * PKT_FRAG_TIMEOUT_US + 10, &p, &an),
				 PKT_OTHER);
		pkt_decoder_stats(d, &st);
		assert_int_equal(st.frag_bytes, 0);
		assert_int_equal(st.frag_dgrams, 0);
		pkt_decoder_free(d);
	}
}

/* A fragment cut by the snaplen cannot be stored. */
static void test_pkt_fragment_cut(void **state)
{
	(void)state;
	struct dgram g;
	uint8_t f[FRAME_MAX];
	struct pkt p;
	enum pkt_anom an;
	struct pkt_stats st;
	struct pkt_decoder *d = pkt_decoder_new(LT_ETH);

	assert_non_null(d);
	make_dgram(&g);
	size_t n = frag4(f, sizeof(f), 1, 0, true, g.seg, 1000, 6);
	assert_int_equal(pkt_decode(d, f, 200, n, T0, &p, &an), PKT_TRUNCATED);
	n = frag6(f, sizeof(f), 1, 0, true, g.seg, 1000, 6);
	assert_int_equal(pkt_decode(d, f, 200, n, T0, &p, &an), PKT_TRUNCATED);
	pkt_decoder_stats(d, &st);
	assert_int_equal(st.frag_dgrams, 0);
	pkt_decoder_free(d);
}

/* Ping of death: offset + length beyond 65535. */
static void test_pkt_fragment_too_big(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX], data[16] = { 0 };
	struct pkt p;
	enum pkt_anom an;
	struct pkt_decoder *d = pkt_decoder_new(LT_ETH);

	assert_non_null(d);
	size_t n = frag4(f, sizeof(f), 9, 65528, false, data, 16, 1);
	assert_int_equal(pkt_decode(d, f, n, n, T0, &p, &an), PKT_MALFORMED);
	assert_int_equal(an, PKT_ANOM_FRAG_TOO_BIG);
	n = frag6(f, sizeof(f), 9, 65528, false, data, 16, 6);
	assert_int_equal(pkt_decode(d, f, n, n, T0, &p, &an), PKT_MALFORMED);
	assert_int_equal(an, PKT_ANOM_FRAG_TOO_BIG);
	pkt_decoder_free(d);
}

/* An IPv6 atomic fragment (offset 0, M clear: RFC 6946) is not reassembled; extension
 * headers after a fragment header are walked after reassembly. */
static void test_pkt_ip6_atomic_and_ext_after_frag(void **state)
{
	(void)state;
	struct dgram g;
	uint8_t f[FRAME_MAX], body[sizeof(g.seg) + 16];
	struct pkt p;
	enum pkt_anom an;
	struct pkt_decoder *d = pkt_decoder_new(LT_ETH);

	assert_non_null(d);
	make_dgram(&g);
	size_t n = frag6(f, sizeof(f), 7, 0, false, g.seg, 20 + 100, 6);
	assert_int_equal(pkt_decode(d, f, n, n, T0, &p, &an), PKT_TCP);
	assert_int_equal(p.payload_wire_len, 100);
	/* destination options (16 bytes) inside the fragmentable part */
	struct bld b;
	bld_init(&b, body, sizeof(body));
	bld_u8(&b, 6);
	bld_u8(&b, 1);
	bld_u8(&b, 1);
	bld_u8(&b, 12);
	bld_bytes(&b, (const uint8_t[12]){ 0 }, 12);
	bld_bytes(&b, g.seg, g.len);
	assert_true(bld_ok(&b));
	n = frag6(f, sizeof(f), 8, 1000, false, body + 1000, b.len - 1000, 60);
	assert_int_equal(pkt_decode(d, f, n, n, T0, &p, &an), PKT_HELD);
	n = frag6(f, sizeof(f), 8, 0, true, body, 1000, 60);
	assert_int_equal(pkt_decode(d, f, n, n, T0, &p, &an), PKT_TCP);
	assert_int_equal(p.payload_len, DGRAM_PAYLOAD);
	assert_memory_equal(p.payload, g.seg + 20, DGRAM_PAYLOAD);
	pkt_decoder_free(d);
}

/* A fragmented IPv4 packet inside a GRE tunnel. */
static void test_pkt_fragment_in_tunnel(void **state)
{
	(void)state;
	struct dgram g;
	uint8_t inner[FRAME_MAX], f[FRAME_MAX];
	static const struct ly l[] = L({ Y_ETH, 0 }, { Y_IP4, A_OUTER }, { Y_GRE, 0 },
				       { Y_IP4, 0 }, { Y_TCP, 0 });
	struct pkt p;
	enum pkt_anom an;
	struct pkt_decoder *d = pkt_decoder_new(LT_ETH);

	assert_non_null(d);
	make_dgram(&g);
	/* Take the Ethernet + outer IP + GRE prefix of a built frame, then an inner
	 * fragment without its Ethernet header. */
	size_t n = build(l, f, sizeof(f));
	size_t prefix = 14 + 20 + 4;
	(void)n;
	for (int k = 0; k < 2; k++) {
		uint32_t off = k == 0 ? 1504 : 0;
		size_t len = k == 0 ? g.len - 1504 : 1504;
		size_t m = frag4(inner, sizeof(inner), 77, off, k == 1, g.seg + off, len, 6);
		uint8_t frame[FRAME_MAX];
		struct bld b;
		bld_init(&b, frame, sizeof(frame));
		bld_bytes(&b, f, 14);
		bld_u8(&b, 0x45);
		bld_u8(&b, 0);
		bld_u16(&b, (uint16_t)(20 + 4 + m - 14));
		bld_bytes(&b, f + 14 + 4, 16);  /* id .. addresses of the outer header */
		bld_bytes(&b, f + 14 + 20, 4);  /* GRE */
		bld_bytes(&b, inner + 14, m - 14);
		assert_true(bld_ok(&b));
		assert_int_equal(prefix + m - 14, b.len);
		enum pkt_status s = pkt_decode(d, frame, b.len, b.len, T0, &p, &an);
		assert_int_equal(s, k == 0 ? PKT_HELD : PKT_TCP);
	}
	assert_int_equal(p.encap, 1);
	assert_int_equal(p.payload_len, DGRAM_PAYLOAD);
	assert_memory_equal(p.payload, g.seg + 20, DGRAM_PAYLOAD);
	pkt_decoder_free(d);
}

/* Floods: never more than PKT_FRAG_MAX_DGRAMS datagrams or PKT_FRAG_MAX_BYTES bytes. */
static void test_pkt_fragment_flood(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX], data[1480];
	struct pkt p;
	enum pkt_anom an;
	struct pkt_stats st;
	struct pkt_decoder *d = pkt_decoder_new(LT_ETH);

	assert_non_null(d);
	memset(data, 0xab, sizeof(data));
	/* Many small first fragments: bounded by the number of datagrams. */
	for (uint32_t i = 0; i < 3 * PKT_FRAG_MAX_DGRAMS; i++) {
		size_t n = frag4(f, sizeof(f), (uint16_t)i, 0, true, data, 8, 17);
		enum pkt_status s = pkt_decode(d, f, n, n, T0 + i, &p, &an);
		assert_int_equal(s, PKT_HELD);
		if (i >= PKT_FRAG_MAX_DGRAMS)
			assert_int_equal(an, PKT_ANOM_FRAG_TABLE_FULL);
		pkt_decoder_stats(d, &st);
		assert_true(st.frag_dgrams <= PKT_FRAG_MAX_DGRAMS);
		assert_true(st.frag_bytes <= PKT_FRAG_MAX_BYTES);
	}
	pkt_decoder_stats(d, &st);
	assert_int_equal(st.frag_dgrams, PKT_FRAG_MAX_DGRAMS);
	assert_int_equal(st.frag_dropped, 2 * PKT_FRAG_MAX_DGRAMS);
	/* Fragments at the end of 64 KB datagrams: bounded by bytes. */
	for (uint32_t i = 0; i < 2 * PKT_FRAG_MAX_DGRAMS; i++) {
		size_t n = frag6(f, sizeof(f), i, 64000, true, data, 1480, 6);
		assert_int_equal(pkt_decode(d, f, n, n, T0 + 5000 + i, &p, &an), PKT_HELD);
		pkt_decoder_stats(d, &st);
		assert_true(st.frag_bytes <= PKT_FRAG_MAX_BYTES);
		assert_true(st.frag_dgrams <= PKT_FRAG_MAX_DGRAMS);
	}
	pkt_decoder_stats(d, &st);
	assert_true(st.frag_dgrams >= PKT_FRAG_MAX_BYTES / 65536 - 1);
	assert_true(st.anom[PKT_ANOM_FRAG_TABLE_FULL] > 0);
	/* Out-of-order tiny fragments: too many holes give up the datagram. */
	for (uint32_t k = 0; k < 64; k++) {
		size_t n = frag4(f, sizeof(f), 0xbeef, 16 * k + 8, true, data, 8, 6);
		enum pkt_status s = pkt_decode(d, f, n, n, T0 + 9000, &p, &an);
		assert_true(s == PKT_HELD || (s == PKT_MALFORMED && an == PKT_ANOM_FRAG_BAD));
	}
	pkt_decoder_stats(d, &st);
	assert_true(st.anom[PKT_ANOM_FRAG_BAD] > 0);
	/* Everything times out. */
	static const struct ly other[] = L({ Y_ETH, 0 }, { Y_ARP, 0 });
	size_t n = build(other, f, sizeof(f));
	assert_int_equal(pkt_decode(d, f, n, n, T0 + 10000 + PKT_FRAG_TIMEOUT_US, &p, &an),
			 PKT_OTHER);
	assert_int_equal(an, PKT_ANOM_FRAG_TIMEOUT);
	pkt_decoder_stats(d, &st);
	assert_int_equal(st.frag_dgrams, 0);
	assert_int_equal(st.frag_bytes, 0);
	pkt_decoder_free(d);
}

static void test_pkt_names(void **state)
{
	(void)state;
	assert_string_equal(pkt_anom_name(PKT_ANOM_FRAG_OVERLAP), "ip_fragment_overlap");
	assert_string_equal(pkt_anom_name(PKT_ANOM_NONE), "none");
	assert_string_equal(pkt_anom_name(PKT_ANOM_COUNT), "unknown");
	for (int a = 0; a < PKT_ANOM_COUNT; a++)
		assert_true(pkt_anom_name((enum pkt_anom)a)[0] != '\0');
	assert_string_equal(pkt_status_name(PKT_HELD), "held");
	assert_true(pkt_linktype_supported(1));
	assert_true(pkt_linktype_supported(276));
	assert_false(pkt_linktype_supported(147));
	pkt_decoder_free(NULL);
}

/* ---- real captures against tshark -------------------------------------------------------- */

static const char *const captures[] = {
	"4in6tunnel.pcap",          /* Ethernet, IPv6, IPv4-in-IPv6 */
	"codm.pcap",                /* LINKTYPE_RAW */
	"fragments.pcap",           /* IPv4/IPv6 fragments (tests/pcap/gen-fragments.py) */
	"gre-erspan-vxlan.pcap",    /* GRE, ERSPAN II, VXLAN */
	"google_chat.pcapng",       /* pcapng, nanosecond timestamps */
	"ipv6.pcapng",              /* BSD loopback, IPv6 (a pcap despite its name) */
	"irc-starttls.pcap",        /* Linux cooked v1 */
	"mysql-tls.pcap",           /* 802.1Q */
	"mysql-tls-snap90.pcap",    /* the same cut to 90 bytes by editcap -s 90 */
	"ocsp-empty-responderid.pcap", /* LINKTYPE_IPV4 */
	"openjdk-25.0.2-zeek.org.pcap", /* Linux cooked v2 */
	"pppoe.pcap",               /* PPPoE */
};

static void test_pkt_real_captures(void **state)
{
	(void)state;
	size_t tcp_total = 0, cut_total = 0;

	for (size_t i = 0; i < ARRAY_LEN(captures); i++) {
		char path[256], line[512], err[512];
		snprintf(path, sizeof(path), "tests/pcap/decode/%s.frames.tsv", captures[i]);
		FILE *want = fopen(path, "r");
		if (!want)
			fail_msg("cannot open %s", path);
		snprintf(path, sizeof(path), "tests/pcap/decode/%s", captures[i]);
		struct src_opts o = { .file = path };
		struct src *s = src_open(&o, err, sizeof(err));
		if (!s)
			fail_msg("%s", err);
		struct pkt_decoder *d = pkt_decoder_new(src_linktype(s));
		assert_non_null(d);
		struct src_frame fr;
		unsigned long frame = 0;
		while (fgets(line, sizeof(line), want)) {
			if (line[0] == '#')
				continue;
			unsigned long no;
			int fam;
			char ws[64], wd[64];
			unsigned sp, dp;
			unsigned long seq;
			size_t len;
			int nf = sscanf(line, "%lu\t%d\t%63s\t%63s\t%u\t%u\t%lu\t%zu", &no, &fam, ws,
					wd, &sp, &dp, &seq, &len);
			assert_int_equal(src_next(s, &fr), SRC_FRAME);
			frame++;
			assert_int_equal(no, frame);
			struct pkt p;
			enum pkt_anom an;
			enum pkt_status st = pkt_decode(d, fr.data, fr.caplen, fr.wirelen, fr.ts_us,
							&p, &an);
			if (nf == 1) {
				if (st == PKT_TCP)
					fail_msg("%s frame %lu: TCP, tshark says not", captures[i], no);
				continue;
			}
			assert_int_equal(nf, 8);
			if (st != PKT_TCP)
				fail_msg("%s frame %lu: %s %s, tshark says TCP", captures[i], no,
					 pkt_status_name(st), pkt_anom_name(an));
			uint8_t ws_b[16] = { 0 }, wd_b[16] = { 0 };
			addr(ws, fam, ws_b);
			addr(wd, fam, wd_b);
			assert_int_equal(p.family, fam);
			assert_memory_equal(p.src, ws_b, 16);
			assert_memory_equal(p.dst, wd_b, 16);
			assert_int_equal(p.sport, sp);
			assert_int_equal(p.dport, dp);
			assert_int_equal(p.seq, seq);
			assert_int_equal(p.payload_wire_len, len);
			assert_true(p.payload_len <= len);
			if (p.payload_len < len)
				cut_total++;
			tcp_total++;
		}
		assert_int_equal(src_next(s, &fr), SRC_EOF);
		fclose(want);
		pkt_decoder_free(d);
		src_close(s);
	}
	assert_true(tcp_total > 60);
	assert_true(cut_total > 0);  /* the snap90 capture has cut segments */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkt_table),
		cmocka_unit_test(test_pkt_cut_everywhere),
		cmocka_unit_test(test_pkt_ethernet_padding),
		cmocka_unit_test(test_pkt_tso_zero_length),
		cmocka_unit_test(test_pkt_fragments),
		cmocka_unit_test(test_pkt_fragment_cut),
		cmocka_unit_test(test_pkt_fragment_too_big),
		cmocka_unit_test(test_pkt_ip6_atomic_and_ext_after_frag),
		cmocka_unit_test(test_pkt_fragment_in_tunnel),
		cmocka_unit_test(test_pkt_fragment_flood),
		cmocka_unit_test(test_pkt_names),
		cmocka_unit_test(test_pkt_real_captures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
