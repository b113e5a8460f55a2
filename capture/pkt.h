/*
 * pkt: decoding of captured frames down to TCP, for the passive sensor.
 *
 * Link layers: Ethernet (with 802.1Q / 802.1ad QinQ VLAN tags), Linux cooked SLL and SLL2,
 * raw IP (DLT_RAW, LINKTYPE_IPV4/IPV6), BSD loopback (DLT_NULL, DLT_LOOP), PPPoE sessions.
 * Network: IPv4 with fragment reassembly, IPv6 with extension headers (hop-by-hop, routing,
 * destination options, fragment with reassembly, AH). Tunnels are opened to the innermost TCP
 * segment: IP-in-IP (4in4, 6in4, 4in6, 6in6), GRE (incl. ERSPAN II/III), VXLAN (UDP 4789),
 * MPLS. Addresses reported are the innermost ones.
 *
 * A decoder owns the IP fragment table (bounded: PKT_FRAG_MAX_BYTES, PKT_FRAG_MAX_DGRAMS,
 * and a timeout in capture time) and nothing else; the packet views it returns borrow from
 * the frame or from its reassembly buffer and stay valid until the next pkt_decode call.
 *
 * Link types (pcap LINKTYPE_* values, with the DLT_* aliases libpcap may report):
 * NULL 0, ETHERNET 1, PPP 9, RAW 101 (DLT_RAW 12, and 14 on OpenBSD), PPP_HDLC 50, LOOP 108,
 * LINUX_SLL 113, IPV4 228, IPV6 229, LINUX_SLL2 276.
 * UDP tunnels are recognised by port: VXLAN 4789, Geneve 6081, GTP-U 2152; a header that does
 * not look like the tunnel is left alone (PKT_OTHER, no anomaly).
 *
 * Fragments: the first copy of a byte wins. Overlapping bytes that differ from the stored
 * ones raise PKT_ANOM_FRAG_OVERLAP (a reassembly-ambiguity evasion); an overlap that repeats
 * the same bytes (a duplicated fragment) is counted in frag_duplicates, not an anomaly.
 * Memory: frag_bytes counts the reassembly buffers (held datagrams plus the one handed out
 * by the last call); when a new fragment would pass PKT_FRAG_MAX_BYTES or
 * PKT_FRAG_MAX_DGRAMS the oldest datagrams are dropped (PKT_ANOM_FRAG_TABLE_FULL).
 * The slot table itself (about 300 KB) is allocated at the first fragment.
 */
#ifndef TLSSCOPE_CAPTURE_PKT_H
#define TLSSCOPE_CAPTURE_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_FRAG_MAX_BYTES (4u << 20)  /* bytes held for IP reassembly, all datagrams */
#define PKT_FRAG_MAX_DGRAMS 1024       /* datagrams being reassembled at once */
#define PKT_FRAG_TIMEOUT_US (30ull * 1000000) /* RFC 791 suggests 15 s, Linux uses 30 s */
#define PKT_MAX_ENCAP 8                /* tunnel layers opened before giving up */

/* Outcome of decoding one frame. */
enum pkt_status {
	PKT_TCP = 0,      /* a TCP segment: the view is filled */
	PKT_OTHER,        /* valid but not TCP (UDP, ICMP, ARP, ...): ignored */
	PKT_HELD,         /* an IP fragment was stored; the datagram is not complete yet */
	PKT_TRUNCATED,    /* the capture (snaplen) cut the headers: not the sender's fault */
	PKT_MALFORMED,    /* the headers contradict themselves: see the anomaly */
	PKT_UNSUPPORTED,  /* a link type or encapsulation we do not decode */
};

/* Stable name of a status ("tcp", "held", "truncated", ...); static string. */
const char *pkt_status_name(enum pkt_status s);

#define PKT_ANOMALIES(X)                                   \
	X(NONE, "none")                                    \
	X(L2_BAD, "link_header_bad")                       \
	X(IP_BAD_VERSION, "ip_bad_version")                \
	X(IP_BAD_HEADER_LEN, "ip_bad_header_length")       \
	X(IP_BAD_TOTAL_LEN, "ip_bad_total_length")         \
	X(IP6_BAD_EXT, "ipv6_bad_extension_header")        \
	X(FRAG_OVERLAP, "ip_fragment_overlap")             \
	X(FRAG_TOO_BIG, "ip_fragment_too_big")             \
	X(FRAG_TABLE_FULL, "ip_fragment_table_full")       \
	X(FRAG_TIMEOUT, "ip_fragment_timeout")             \
	X(TCP_BAD_OFFSET, "tcp_bad_data_offset")           \
	X(ENCAP_TOO_DEEP, "encapsulation_too_deep")        \
	X(TUNNEL_BAD, "tunnel_header_bad")                 \
	X(FRAG_BAD, "ip_fragment_bad")

enum pkt_anom {
#define PKT_ANOM_ENUM(id, name) PKT_ANOM_##id,
	PKT_ANOMALIES(PKT_ANOM_ENUM)
#undef PKT_ANOM_ENUM
	PKT_ANOM_COUNT
};

/* Anomaly notes (names are stable: add new ones at the end):
 * L2_BAD: a link, VLAN or 802.3/LLC header shorter than its fixed size (the frame was not
 *   cut by the snaplen).  IP_BAD_HEADER_LEN: IPv4 IHL < 5 or the header does not fit.
 * IP_BAD_TOTAL_LEN: IPv4 total length < IHL, or an IP length that claims more bytes than
 *   the frame had on the wire.  IP6_BAD_EXT: a bad or too long chain of extension headers.
 * FRAG_TOO_BIG: offset + length > 65535.  FRAG_BAD: a fragment that contradicts the
 *   datagram (non-last fragment not a multiple of 8 bytes, data after the last fragment, two
 *   different ends, too many holes).  FRAG_TIMEOUT / FRAG_TABLE_FULL: a datagram given up
 *   (reported on the frame during which it happened).
 * TUNNEL_BAD: GRE/ERSPAN/PPPoE/MPLS header contradicts itself.  ENCAP_TOO_DEEP: more than
 *   PKT_MAX_ENCAP tunnels (or too many layers of any kind). */

/* Stable name of an anomaly ("ip_fragment_overlap"); static string ("unknown" if out of
 * range). */
const char *pkt_anom_name(enum pkt_anom a);

/* TCP flags. */
#define PKT_FIN 0x01
#define PKT_SYN 0x02
#define PKT_RST 0x04
#define PKT_PSH 0x08
#define PKT_ACK 0x10
#define PKT_URG 0x20
#define PKT_ECE 0x40
#define PKT_CWR 0x80

/* A decoded TCP segment. */
struct pkt {
	uint64_t ts_us;          /* capture time, microseconds since the Unix epoch */
	uint8_t family;          /* 4 or 6 */
	uint8_t src[16], dst[16];/* innermost addresses; IPv4 uses the first 4 bytes */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;           /* PKT_SYN ... */
	uint8_t encap;           /* tunnel layers opened: IP-in-IP, GRE (incl. ERSPAN, PPTP),
				    VXLAN, Geneve, GTP-U, MPLS pseudowire; not VLAN, MPLS
				    labels or PPPoE */
	const uint8_t *payload;  /* TCP payload present in the capture (borrowed) */
	size_t payload_len;      /* bytes present */
	size_t payload_wire_len; /* bytes the sender sent (IP length says); > payload_len when
				    the snaplen cut the segment */
};

struct pkt_decoder;

/* A decoder for frames of the given pcap link type (LINKTYPE_* value). Returns NULL when
 * out of memory. Free with pkt_decoder_free (NULL-safe). */
struct pkt_decoder *pkt_decoder_new(int linktype) __attribute__((warn_unused_result));
void pkt_decoder_free(struct pkt_decoder *d);

/* True when the decoder knows this link type. */
bool pkt_linktype_supported(int linktype);

/*
 * Decodes one frame: caplen bytes present at data, wirelen on the wire, ts_us capture time.
 * On PKT_TCP fills *out (views valid until the next call on d). On PKT_MALFORMED (and for
 * non-fatal oddities such as a fragment overlap, with any status) sets *anom, else
 * PKT_ANOM_NONE. Never reads outside [data, data+caplen).
 */
enum pkt_status pkt_decode(struct pkt_decoder *d, const uint8_t *data, size_t caplen,
			   size_t wirelen, uint64_t ts_us, struct pkt *out, enum pkt_anom *anom)
	__attribute__((warn_unused_result));

/* Counters since the decoder was made. */
struct pkt_stats {
	uint64_t frames, tcp, other, held, truncated, malformed, unsupported;
	uint64_t frag_reassembled, frag_dropped;
	uint64_t frag_duplicates;          /* fragments overlapping with identical bytes */
	size_t frag_bytes;                 /* reassembly buffer bytes held now */
	size_t frag_dgrams;                /* datagrams being reassembled now */
	uint64_t anom[PKT_ANOM_COUNT];     /* every anomaly seen, also those not returned
					      because the frame had a more important one */
};
void pkt_decoder_stats(const struct pkt_decoder *d, struct pkt_stats *st);

#endif
