/*
 * src: where frames come from: a pcap/pcapng file or a live interface, through libpcap.
 * This is the only file of the project that includes <pcap.h>.
 *
 * Live capture uses a kernel ring buffer large enough for bursts (SRC_DEFAULT_BUFFER),
 * immediate mode off, a read timeout so the caller can do periodic work, and counts drops
 * (kernel and interface) through src_stats. Privileges can be dropped right after the
 * interface is opened (setgroups/setgid/setuid to opts->drop_user).
 */
#ifndef TLSSCOPE_CAPTURE_SRC_H
#define TLSSCOPE_CAPTURE_SRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SRC_DEFAULT_SNAPLEN 65535
#define SRC_DEFAULT_BUFFER (64u << 20)   /* live ring buffer bytes */
#define SRC_DEFAULT_TIMEOUT_MS 200

struct src_opts {
	const char *file;        /* -r: pcap or pcapng file ("-" = stdin); or NULL */
	const char *iface;       /* -i: interface name; or NULL */
	const char *bpf;         /* BPF expression or NULL */
	int snaplen;             /* 0 = SRC_DEFAULT_SNAPLEN (live only) */
	size_t buffer_bytes;     /* 0 = SRC_DEFAULT_BUFFER (live only) */
	int timeout_ms;          /* 0 = SRC_DEFAULT_TIMEOUT_MS (live only) */
	bool promisc;            /* live only */
	const char *drop_user;   /* switch to this user after opening (file or interface) and
				    setting the filter; NULL = stay. Fails unless it took. */
};

/* One frame; data is borrowed and valid until the next src_next call. */
struct src_frame {
	const uint8_t *data;
	size_t caplen;
	size_t wirelen;
	uint64_t ts_us;
};

struct src_stats {
	uint64_t frames;         /* frames delivered to us */
	uint64_t kernel_drops;   /* ps_drop: dropped by the kernel (ring buffer full) */
	uint64_t iface_drops;    /* ps_ifdrop: dropped by the interface/driver */
				 /* (both since opening, 64-bit: libpcap's 32-bit counters
				    are accumulated across wrap-arounds when called often
				    enough, i.e. < 2^32 drops between calls) */
	bool live;
};

struct src;

/* Opens the source. Returns NULL on failure with a message in err (errlen bytes, always
 * NUL-terminated): file not found, not a capture file, corrupt header, unknown interface,
 * permission denied, bad BPF expression, unknown user. */
struct src *src_open(const struct src_opts *opts, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Opens a capture file already open as fp (a pipe, or fmemopen for the fuzz target),
 * taking ownership of fp in every case: src_close closes it, and it is closed at once on
 * failure. Timestamps, errors and src_next as for a file given by name. */
struct src *src_fopen_take(FILE *fp, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The LINKTYPE_* of the frames (pcapng with several interfaces: the first one's); DLT_RAW
 * is reported as LINKTYPE_RAW (101). Pass it to pkt_decoder_new. */
int src_linktype(const struct src *s);

enum src_next_result {
	SRC_FRAME = 1,  /* *f filled */
	SRC_IDLE = 0,   /* live: no frame within the timeout */
	SRC_EOF = -1,   /* file: no more frames; live: src_break was called */
	SRC_ERROR = -2, /* read error or a corrupt/truncated file: src_error says which; frames
			   delivered before stay valid results */
};

enum src_next_result src_next(struct src *s, struct src_frame *f)
	__attribute__((warn_unused_result));

/* Makes src_next return SRC_EOF soon: at once for a file; for a live interface after the
 * frames the kernel has already captured (read without waiting, at most 100,000).
 * Async-signal-safe: call it from SIGINT/SIGTERM. */
void src_break(struct src *s);

/* Drop counters (live: from pcap_stats; file: zero drops). Returns false on error. */
bool src_stats(struct src *s, struct src_stats *st);

/* The last error message ("" if none); owned by s. */
const char *src_error(const struct src *s);

void src_close(struct src *s);

#endif
