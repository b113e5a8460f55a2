/*
 * tconn: the TLS connection tracker of the passive sensor, a consumer of flow.h.
 *
 * The flow table hands each TCP connection's bytes, per direction and in order, to the
 * callbacks of tconn_flow_ops (pass the struct tconn as the flow table's ctx). The tracker
 * recognises TLS by content, on any port, feeds each direction through a struct tls_rec
 * (capture/wire/rec.h), parses the hellos and the certificate chain with msg.h, fingerprints
 * with fp.h, and emits one struct tconn_record per TLS connection through the caller's
 * callback. It states facts only: nothing is judged, nothing is printed.
 *
 *   flow bytes ─▶ SCAN (prelude) ──ClientHello / ServerHello at a segment or line start──▶ TLS
 *                   │  STARTTLS commands and go-aheads name the prelude (smtp, imap, ...)     │
 *                   └─ 16 KiB without TLS: give up (no record, the flow stops buffering)     │
 *   the other direction: SEEK its first TLS record ◀────────────────────────────────────────┘
 *   TLS: both directions encrypted (ChangeCipherSpec / application data), a fatal alert, or
 *        the flow's end ─▶ emit exactly once ─▶ free the TLS state, stop receiving bytes
 *
 * Recognition (no port numbers, no false records on captures that start mid-stream): a
 * direction starts TLS where a segment (or, for a ClientHello, a line) starts with a TLS
 * record header (type 22, version 3.0-3.4, sane length) whose first handshake message is a
 * ClientHello or ServerHello with a plausible length and version, or with an SSLv2
 * CLIENT-HELLO whose lengths add up. The sender of the ClientHello is the client, whichever
 * side opened the TCP connection. Bytes before it are a plaintext prelude (STARTTLS of SMTP,
 * IMAP, POP3, FTP, XMPP, LDAP, PostgreSQL; SOCKS; HTTP CONNECT; anything else), scanned up to
 * TCONN_PRELUDE_MAX bytes per direction. A connection whose ClientHello was not captured but
 * whose ServerHello was is still reported (client fields empty).
 *
 * Memory: a flow costs a small fixed struct until TLS is seen; a TLS connection in handshake
 * adds one struct (about 3 KiB) and two message buffers that start at TCONN_MSG_INIT bytes and
 * grow to the size of a ClientHello, ServerHello or Certificate message (at most HS_MAX_MSG),
 * plus copies of the server's certificates (at most TCONN_DER_MAX bytes). All of it is freed
 * when the record is emitted; tconn_stats reports the bytes held.
 */
#ifndef TLSSCOPE_CAPTURE_TCONN_H
#define TLSSCOPE_CAPTURE_TCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/flow.h"
#include "capture/wire/anomaly.h"
#include "capture/wire/digest.h"
#include "capture/wire/fp.h"
#include "capture/wire/msg.h"

#define TCONN_PRELUDE_MAX (16u << 10) /* plaintext bytes scanned per direction before TLS */
#define TCONN_MSG_INIT 256            /* initial message buffer per direction */
#define TCONN_CHAIN_MAX 16            /* server certificates hashed and kept */
#define TCONN_DER_MAX (64u << 10)     /* bytes of certificate DER kept per connection */
#define TCONN_SNI_MAX 255             /* server_name bytes kept (RFC 1035: names < 256) */
#define TCONN_ALPN_MAX 16             /* ALPN names kept */
#define TCONN_ALPN_BYTES 512          /* bytes of ALPN names kept */
#define TCONN_ALERTS_MAX 16
#define TCONN_ANOMS_MAX 32

/* Which side a fact comes from. */
enum tconn_side {
	TCONN_CLIENT = 0,
	TCONN_SERVER = 1,
	TCONN_NOSIDE = 2, /* the TCP flow as a whole */
};

/* The plaintext prelude before TLS started. */
enum tconn_prelude {
	TCONN_PRE_NONE = 0,    /* TLS from the first byte */
	TCONN_PRE_SMTP,        /* STARTTLS / 220 (RFC 3207) */
	TCONN_PRE_IMAP,        /* tag STARTTLS / tag OK (RFC 9051 §6.2.1) */
	TCONN_PRE_POP3,        /* STLS / +OK (RFC 2595 §4) */
	TCONN_PRE_FTP,         /* AUTH TLS / 234 (RFC 4217 §4) */
	TCONN_PRE_XMPP,        /* <starttls/> / <proceed/> (RFC 6120 §5.4) */
	TCONN_PRE_LDAP,        /* ExtendedRequest 1.3.6.1.4.1.1466.20037 (RFC 4511 §4.14) */
	TCONN_PRE_POSTGRES,    /* SSLRequest 80877103 / 'S' (PostgreSQL protocol 53.2.10) */
	TCONN_PRE_SOCKS,       /* SOCKS4 / SOCKS5 request */
	TCONN_PRE_HTTP_CONNECT,/* HTTP CONNECT (RFC 9110 §9.3.6) */
	TCONN_PRE_OTHER,       /* plaintext of another protocol */
	TCONN_PRE_COUNT
};

/* Why the record was emitted. */
enum tconn_end {
	TCONN_END_HANDSHAKE = 0, /* both directions went encrypted */
	TCONN_END_ALERT,         /* a fatal alert in clear */
	TCONN_END_FLOW_CLOSED,   /* the TCP flow ended (FIN/RST) */
	TCONN_END_FLOW_IDLE,     /* the flow timed out */
	TCONN_END_FLOW_EVICTED,  /* the flow table was full */
	TCONN_END_FLOW_FLUSH,    /* end of the capture or shutdown */
};

/* An anomaly: a TLS wire anomaly (anomaly.h) or a TCP flow one (flow.h). */
enum tconn_anom_kind {
	TCONN_ANOM_TLS = 0,
	TCONN_ANOM_FLOW,
};

struct tconn_anom {
	uint8_t kind;  /* enum tconn_anom_kind */
	uint8_t side;  /* enum tconn_side */
	uint16_t code; /* enum tls_anom or enum flow_anom */
};

struct tconn_alert {
	uint8_t side;  /* TCONN_CLIENT or TCONN_SERVER */
	uint8_t level; /* 1 warning, 2 fatal */
	uint8_t desc;  /* RFC 8446 §6 AlertDescription */
};

struct tconn_cert {
	uint8_t sha256[DIGEST_SHA256_LEN];
	const uint8_t *der;  /* borrowed (see struct tconn_record); NULL when the DER did not
				fit in TCONN_DER_MAX */
	size_t len;          /* DER length */
};

/*
 * One TLS connection. Passed to the emit callback; it and every pointer in it are valid only
 * during the callback. Byte strings (sni, alpn) are as sent: not NUL-terminated, not
 * necessarily UTF-8.
 */
struct tconn_record {
	uint64_t ts_us;              /* first packet of the TCP flow */
	uint64_t end_ts_us;          /* capture time of the emission */
	enum tconn_end end;
	uint8_t family;              /* 4 or 6 */
	uint8_t client_ip[16], server_ip[16]; /* IPv4: the first 4 bytes */
	uint16_t client_port, server_port;
	bool client_initiated;       /* the client opened the TCP connection (or, without a
					SYN, sent the first packet seen) */
	enum tconn_prelude prelude;
	uint32_t prelude_bytes[2];   /* plaintext bytes before TLS: [client], [server] */

	/* client: the first ClientHello (have_ch false: not captured, cut or refused) */
	bool have_ch;
	bool ch_sslv2;               /* SSLv2-format hello: no JA3/JA4 */
	uint16_t ch_version;         /* legacy_version */
	unsigned n_client_hellos;    /* in clear (an HRR gives 2) */
	bool has_sni;
	uint8_t sni[TCONN_SNI_MAX];
	size_t sni_len;
	size_t n_alpn;               /* offered names kept, at most TCONN_ALPN_MAX */
	uint16_t alpn_off[TCONN_ALPN_MAX], alpn_len[TCONN_ALPN_MAX]; /* into alpn_bytes */
	uint8_t alpn_bytes[TCONN_ALPN_BYTES];
	char ja3[FP_MD5_HEX];        /* "" when none (no hello, SSLv2 hello) */
	char ja4[FP_JA4_LEN];
	bool fallback_scsv;          /* TLS_FALLBACK_SCSV 0x5600 offered (RFC 7507) */

	/* server: the final (non-HRR) ServerHello, or an SSLv2 SERVER-HELLO */
	bool have_sh;
	bool sh_sslv2;               /* SSLv2 SERVER-HELLO: version SSLv2, no cipher suite */
	uint16_t version;            /* negotiated: supported_versions, else legacy_version */
	uint16_t cipher;             /* valid when have_sh && !sh_sslv2 */
	char ja3s[FP_MD5_HEX];       /* "" when none */
	bool has_alpn_selected;
	uint8_t alpn_selected[255];
	size_t alpn_selected_len;
	enum tls_downgrade downgrade; /* RFC 8446 §4.1.3 sentinel in ServerHello.random */
	bool resumed;                /* TLS 1.3: pre_shared_key accepted; TLS <= 1.2: the
					client's session id echoed, or CCS without a full flight */
	bool hello_retry_request;

	/* server certificates in clear (TLS <= 1.2, SSLv2), leaf first as sent */
	size_t n_certs;              /* hashed, at most TCONN_CHAIN_MAX */
	size_t n_certs_sent;         /* in the message */
	struct tconn_cert certs[TCONN_CHAIN_MAX];

	size_t n_alerts;             /* cleartext alerts, in order, at most TCONN_ALERTS_MAX */
	struct tconn_alert alerts[TCONN_ALERTS_MAX];
	size_t n_anoms;              /* distinct (kind, code, side), in order of first sight */
	struct tconn_anom anoms[TCONN_ANOMS_MAX];
};

/* Called once per TLS connection. r is valid only during the call. */
typedef void (*tconn_emit_fn)(void *ctx, const struct tconn_record *r);

struct tconn_stats {
	uint64_t flows;          /* flows opened */
	uint64_t tls;            /* TLS connections recognised (= records emitted) */
	uint64_t prelude;        /* of which after a plaintext prelude */
	uint64_t server_only;    /* of which started from a ServerHello (no ClientHello seen) */
	uint64_t given_up;       /* flows with TCONN_PRELUDE_MAX plaintext bytes and no TLS */
	size_t flows_now;        /* flows open now */
	size_t tls_now, tls_peak;/* connections in handshake now / at most */
	size_t mem_now, mem_peak;/* heap bytes held by the tracker (flows, TLS state, buffers) */
};

struct tconn;

/* A tracker that reports each connection to emit(ctx, record). Returns NULL when out of
 * memory. The flow table must be created with tconn_flow_ops and this tracker as ctx, and
 * freed (flushing its flows) before tconn_free. */
struct tconn *tconn_new(tconn_emit_fn emit, void *ctx) __attribute__((warn_unused_result));

/* Frees the tracker (NULL-safe). Flows still open are not emitted: flush the table first. */
void tconn_free(struct tconn *tc);

/* The flow_ops through which the flow table drives the tracker. */
extern const struct flow_ops tconn_flow_ops;

void tconn_stats(const struct tconn *tc, struct tconn_stats *st);

/* Stable names: an anomaly ("extension_duplicate", "tcp_gap"), a side ("client", "server",
 * "tcp"), a prelude ("smtp", ..., "http-connect", "other"; NULL for TCONN_PRE_NONE), an end
 * reason ("handshake", "alert", "closed", "idle", "evicted", "flush"). Static strings. */
const char *tconn_anom_name(const struct tconn_anom *a);
const char *tconn_side_name(enum tconn_side s);
const char *tconn_prelude_name(enum tconn_prelude p);
const char *tconn_end_name(enum tconn_end e);

#endif
