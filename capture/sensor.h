/*
 * sensor: the passive sensor's pipeline, from a capture source to TLS connection records.
 *
 *   src (pcap file / live interface) ──frame──▶ pkt_decode ──TCP segment──▶ flow_packet
 *        ──in-order bytes──▶ tconn ──one record per TLS connection──▶ opts.on_record
 *                                     (client_ip pseudonymized first when opts.pseudo is set)
 *
 * Time is capture time: idle flows are closed (flow_expire) as the packets' timestamps
 * advance; on a live interface that is quiet, by the wall clock. At the end (end of file,
 * sensor_break, or a read error) every pending connection is emitted (flow_flush), so each
 * TLS connection seen is reported exactly once.
 *
 * Threads: one sensor is driven by one thread; sensor_break may be called from a signal
 * handler (or another thread). Nothing here prints.
 */
#ifndef TLSSCOPE_CAPTURE_SENSOR_H
#define TLSSCOPE_CAPTURE_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/flow.h"
#include "capture/pkt.h"
#include "capture/pseudo.h"
#include "capture/src.h"
#include "capture/tconn.h"

#define SENSOR_DEFAULT_STATS_MS 10000   /* wall-clock period of opts.on_stats */
#define SENSOR_EXPIRE_STEP_US 1000000ull /* flow_expire at most this often (capture time) */

struct sensor_stats {
	uint64_t frames;          /* frames read from the source */
	uint64_t bytes;           /* bytes captured (caplen) */
	uint64_t wire_bytes;      /* bytes on the wire (wirelen) */
	uint64_t records;         /* TLS connection records emitted */
	uint64_t first_ts_us, last_ts_us; /* capture time span (0 when no frame) */
	struct src_stats src;     /* kernel and interface drops (live) */
	struct pkt_stats pkt;     /* decoding */
	struct flow_stats flow;   /* flow table and reassembly */
	struct tconn_stats tconn; /* TLS recognition, memory of the tracker */
};

struct sensor_opts {
	struct src_opts src;      /* file or interface, BPF, live capture options */
	struct flow_limits flow;  /* all zero = defaults */
	/* Each TLS connection, once (required). The record is valid during the call only. */
	void (*on_record)(void *ctx, const struct tconn_record *r);
	/* Called every stats_ms of wall-clock time while running (may be NULL). */
	void (*on_stats)(void *ctx, const struct sensor_stats *st);
	unsigned stats_ms;        /* 0 = SENSOR_DEFAULT_STATS_MS */
	void *ctx;                /* passed to the callbacks */
	/* Privacy: when set, each record's client_ip is replaced by its Crypto-PAn pseudonym
	 * (pseudo.h) before on_record sees it, so no output ever holds the real client
	 * address; server_ip stays. Borrowed until sensor_close, used by the sensor's thread
	 * only. NULL = real addresses. */
	struct pseudo *pseudo;
};

enum sensor_end {
	SENSOR_EOF = 0,   /* the file ended */
	SENSOR_BREAK,     /* sensor_break was called */
	SENSOR_ERROR,     /* a read error or a corrupt/truncated file: sensor_error says which;
			     the records emitted before (and by the final flush) stay valid */
};

struct sensor;

/*
 * Opens the source and builds the pipeline. opts is copied (its strings are borrowed until
 * sensor_close). Returns NULL with a message in err (errlen bytes, NUL-terminated): the
 * source's errors (file not found, not a capture, bad BPF, unknown interface, permission,
 * user), an unsupported link type, or out of memory. Privileges are dropped (drop_user)
 * inside, right after the source is opened.
 */
struct sensor *sensor_open(const struct sensor_opts *opts, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* As sensor_open, on a source already open (src_fopen_take: a pipe, or fmemopen in the fuzz
 * target); opts->src is not used. Takes ownership of src in every case (closed on failure). */
struct sensor *sensor_open_src_take(struct src *src, const struct sensor_opts *opts, char *err,
				    size_t errlen) __attribute__((warn_unused_result));

/* Runs until the end of the file, sensor_break, or an error; then flushes every pending
 * connection (on_record runs for each). Call once. */
enum sensor_end sensor_run(struct sensor *s) __attribute__((warn_unused_result));

/* Makes sensor_run stop soon (then flush). Async-signal-safe. */
void sensor_break(struct sensor *s);

/* Counters so far (drop counters are read from the source now). */
void sensor_stats(struct sensor *s, struct sensor_stats *st);

/* The last error message, "" if none; owned by s. */
const char *sensor_error(const struct sensor *s);

/* Frees everything (NULL-safe). Without a sensor_run before, connections still pending are
 * emitted here. */
void sensor_close(struct sensor *s);

#endif
