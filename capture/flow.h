/*
 * flow: the flow table and per-direction TCP reassembly of the passive sensor.
 *
 * Packets (struct pkt from pkt.h) go in; each TCP connection gets a consumer object (the TLS
 * tracker) created through flow_ops.open, which then receives each direction's bytes in
 * order, once, as they become contiguous:
 *
 *   pkt ──▶ [5-tuple hash] ──▶ flow ──▶ dir 0 (initiator) reassembly ──▶ ops.data(dir 0)
 *                               │  └──▶ dir 1 (responder) reassembly ──▶ ops.data(dir 1)
 *                               └─ FIN/RST both ways, idle timeout, eviction, end ─▶ ops.close
 *
 * A flow opens on the first segment of an unknown 5-tuple that carries a SYN or payload (a
 * stray ACK, FIN or RST opens nothing). The initiator is the sender of the SYN (for a
 * SYN-ACK seen first, the other side); without a SYN (a capture that starts mid-stream), the
 * sender of that first segment, flow_info.saw_syn is false and each direction starts at the
 * first sequence number seen (the consumer is then not at a record boundary).
 *
 * Reassembly: segments in order are passed through without copying, one data call per
 * segment (so a call starts where a segment started, except for the parts of a segment that
 * overlapped bytes already seen); segments ahead of the next expected byte are held (bounded
 * per direction by FLOW_OOO_MAX bytes and FLOW_OOO_SEGS_MAX pieces, and globally by the
 * table's byte budget); retransmissions are dropped; an overlap whose bytes differ from what
 * was held or (within the last FLOW_WIN bytes) delivered is reported as the anomaly
 * tcp_overlap_changed (first copy wins, as the receiver's stack most often does); a keep-alive
 * (at most one byte just before the next expected byte) is ignored. A hole that cannot be
 * filled is skipped with ops.gap: when the receiver acknowledges bytes past it (the capture
 * missed them), when the held bytes hit a limit, when bytes were cut by the snaplen, and at
 * the flow's end (RST, idle, eviction, flush), where held bytes are delivered after their
 * gaps. A direction stops buffering and delivering as soon as the consumer's data callback
 * returns false (the sensor only needs the handshake), or after FLOW_DEPTH_MAX bytes.
 * Sequence numbers are compared in 32-bit serial arithmetic (RFC 1982), so streams may wrap.
 *
 * Lifecycle: a flow closes (FLOW_END_CLOSED) once both directions are finished: a FIN came and
 * all bytes up to it were delivered or skipped, or a plausible RST came (its seq within 1 MiB
 * of the sender's next byte, or equal to the peer's last ACK; others are ignored). The RST's
 * sender is finished at once (its held bytes delivered after their gaps); the peer's segments
 * still in flight (a server's certificate after the client's RST) are delivered until the peer
 * is finished too, or its data is not wanted, or min(FLOW_LINGER_US, idle_us) passed
 * (flow_expire; the end is still FLOW_END_CLOSED). A closed flow lingers in the table, without
 * consumer, for that long to absorb the last ACKs and retransmissions; a SYN without ACK (or a
 * SYN-ACK with a new ISN) on it, or a SYN without ACK with a new ISN on a live flow (port
 * reuse), opens a new flow (the live one is closed first). Retransmitted SYNs and a second
 * SYN-ACK with another ISN (the client picks one; the first data or ACK tells which) stay in
 * the same flow.
 *
 * Memory: at most limits.max_flows flows (lingering closed ones included) and limits.max_bytes
 * bytes of flow state (the hash table, flows, overlap windows and held segments). When full,
 * the least recently active flow is evicted (lingering reset or closed ones first; a live one
 * gets ops.anomaly FLOW_ANOM_EVICTED then ops.close with FLOW_END_EVICTED) before a new one is
 * made or more bytes are held. Idle flows (no packet for limits.idle_us of capture time) are
 * closed by flow_expire, which the caller runs as time passes. A SYN flood therefore costs at
 * most max_flows small entries.
 *
 * Callbacks run inside flow_packet, flow_expire, flow_flush and flow_table_free, and must not
 * call back into the same table.
 */
#ifndef TLSSCOPE_CAPTURE_FLOW_H
#define TLSSCOPE_CAPTURE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/pkt.h"

#define FLOW_OOO_MAX (256u << 10)        /* held out-of-order bytes per direction */
#define FLOW_DEPTH_MAX (1u << 20)        /* bytes delivered per direction at most */
#define FLOW_OOO_SEGS_MAX 512            /* held out-of-order pieces per direction */
#define FLOW_WIN 1024u                   /* last delivered bytes kept per direction to compare
					    overlaps against (power of 2) */
#define FLOW_DEFAULT_MAX_FLOWS 65536
#define FLOW_DEFAULT_MAX_BYTES (32u << 20)
#define FLOW_DEFAULT_IDLE_US (120ull * 1000000)
#define FLOW_LINGER_US (10ull * 1000000) /* a closed flow absorbs stray packets this long */

enum flow_end {
	FLOW_END_CLOSED,   /* FIN both ways, RST, or the tuple reused by a new SYN */
	FLOW_END_IDLE,     /* no packet for limits.idle_us */
	FLOW_END_EVICTED,  /* the table was full */
	FLOW_END_FLUSH,    /* flow_flush: end of the capture or shutdown */
};

#define FLOW_ANOMALIES(X)                                    \
	X(NONE, "none")                                      \
	X(OVERLAP_CHANGED, "tcp_overlap_changed")            \
	X(GAP, "tcp_gap")                                    \
	X(OOO_LIMIT, "tcp_out_of_order_limit")               \
	X(DEPTH_LIMIT, "tcp_depth_limit")                    \
	X(EVICTED, "flow_evicted")                           \
	X(SEQ_JUMP, "tcp_sequence_jump")

enum flow_anom {
#define FLOW_ANOM_ENUM(id, name) FLOW_ANOM_##id,
	FLOW_ANOMALIES(FLOW_ANOM_ENUM)
#undef FLOW_ANOM_ENUM
	FLOW_ANOM_COUNT
};

/* Stable name of an anomaly ("tcp_overlap_changed"); static string, "unknown" out of range.
 * Names are stable identifiers: add new ones at the end, never rename. */
const char *flow_anom_name(enum flow_anom a);

/* What the consumer learns when a flow opens. */
struct flow_info {
	uint8_t family;                  /* 4 or 6 */
	uint8_t addr[2][16];             /* [0] initiator, [1] responder */
	uint16_t port[2];
	bool saw_syn;                    /* direction known from the handshake */
	uint64_t first_ts_us;
};

/* The consumer. open, data and close are required; gap, flags and anomaly may be NULL.
 * No callback runs for a flow whose open returned NULL. */
struct flow_ops {
	/* A new flow. fi is valid during the call only. Returns the consumer's object for it, or
	 * NULL to ignore the flow (it is still tracked, so its packets cost nothing more, and
	 * close is not called for it). */
	void *(*open)(void *ctx, const struct flow_info *fi);
	/* Contiguous bytes of direction dir (0 initiator, 1 responder), in order, each byte
	 * once. p is valid during the call only. ts_us: capture time of the packet that made
	 * them contiguous. Return false to stop receiving this direction. */
	bool (*data)(void *ctx, void *user, int dir, const uint8_t *p, size_t n, uint64_t ts_us);
	/* n bytes of direction dir are missing and were skipped (the next data call starts
	 * after them). The first gap of a flow is also reported as FLOW_ANOM_GAP. */
	void (*gap)(void *ctx, void *user, int dir, uint64_t n);
	/* A TCP flag event worth knowing (FIN or RST) from direction dir. May be NULL. */
	void (*flags)(void *ctx, void *user, int dir, uint8_t flags, uint64_t ts_us);
	/* Something odd about the TCP stream; each anomaly at most once per flow. */
	void (*anomaly)(void *ctx, void *user, enum flow_anom a);
	/* The flow ends; the consumer frees user. Called exactly once per flow whose open
	 * returned non-NULL, after its last data/gap call. */
	void (*close)(void *ctx, void *user, enum flow_end why, uint64_t ts_us);
};

struct flow_limits {
	size_t max_flows;     /* 0 = FLOW_DEFAULT_MAX_FLOWS */
	size_t max_bytes;     /* 0 = FLOW_DEFAULT_MAX_BYTES; includes the hash table (32 to
				 64 bytes per flow of max_flows); too small for one flow: no
				 flow is tracked */
	uint64_t idle_us;     /* 0 = FLOW_DEFAULT_IDLE_US */
};

struct flow_table;

/* lim may be NULL (defaults). ops is copied; ctx is borrowed for the table's lifetime. The
 * hash is keyed with a random key (getrandom) per table. Returns NULL when out of memory. */
struct flow_table *flow_table_new(const struct flow_limits *lim, const struct flow_ops *ops,
				  void *ctx) __attribute__((warn_unused_result));

/* Closes every flow (FLOW_END_FLUSH) and frees the table. NULL-safe. */
void flow_table_free(struct flow_table *ft);

/* Feeds one TCP segment (p and its payload are read during the call only). Callbacks run
 * inside. Packets whose family is not 4 or 6 are ignored. */
void flow_packet(struct flow_table *ft, const struct pkt *p);

/* Closes flows idle since before now_us - idle_us (FLOW_END_IDLE), and drops closed flows
 * lingering since before now_us - min(FLOW_LINGER_US, idle_us). O(flows expired). */
void flow_expire(struct flow_table *ft, uint64_t now_us);

/* Closes every flow (FLOW_END_FLUSH), delivering held bytes after gaps, and empties the
 * table: end of the capture, or shutdown. */
void flow_flush(struct flow_table *ft, uint64_t now_us);

struct flow_stats {
	uint64_t flows_opened;      /* ops.open calls */
	uint64_t flows_closed;      /* flows ended, for any reason (evicted ones included) */
	uint64_t flows_evicted;     /* live flows evicted (FLOW_END_EVICTED) */
	uint64_t segments;          /* flow_packet calls with family 4 or 6 */
	uint64_t retransmits;       /* segments whose bytes had all been seen */
	uint64_t overlaps_changed;  /* overlaps with different bytes */
	uint64_t gaps, gap_bytes;   /* holes skipped, bytes in them */
	uint64_t ooo_held;          /* out-of-order pieces held */
	uint64_t ooo_limit;         /* holes skipped because a hold limit was hit */
	uint64_t seq_jumps;         /* segments dropped: more than 2^30 from the next byte */
	uint64_t rst_ignored;       /* RSTs dropped for an implausible sequence number */
	size_t flows_now;           /* flows in the table, lingering closed ones included */
	size_t flows_lingering;     /* of which reset or closed, lingering */
	size_t bytes_now, bytes_peak; /* accounted bytes (see flow_limits.max_bytes) */
};
/* Counters since the table was made. */
void flow_table_stats(const struct flow_table *ft, struct flow_stats *st);

#endif
