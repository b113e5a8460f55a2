/*
 * rec: the TLS record layer of one direction of a connection, as a push parser.
 *
 * Bytes arrive in any split (one at a time, whole records, several records at once); the
 * parser reports events through a sink of callbacks, and the events do not depend on how the
 * bytes were split. It handles:
 *   - TLS records (RFC 8446 §5.1, RFC 5246 §6.2): type(1) version(2) length(2) fragment;
 *   - SSLv2 records (RFC 6101 appendix E.1.1) while no TLS record has been seen: a 2-byte
 *     header with the high bit set, length in the low 15 bits;
 *   - handshake messages reassembled across records (several per record, or one over many);
 *   - ChangeCipherSpec: afterwards handshake records of that direction are encrypted and are
 *     reported as such, never parsed (except in TLS 1.3, see tls_rec_set_tls13);
 *   - alerts, application data (lengths only).
 *
 *   stream bytes ──▶ [HEADER 5] ──▶ [BODY len] ──┬─ handshake(22): append to message buffer
 *        ▲               │ bad type/version/len  ├─ alert(21), ccs(20): small buffer
 *        └───────────────┘ → DEAD (sticky)       └─ app data(23) / encrypted: counted
 *
 * Memory: the caller provides the message buffer (its size is the largest handshake message
 * kept whole; HS_MAX_MSG is a good default). A longer message is delivered cut: the first
 * 'cap' bytes with its true length, and the anomaly handshake_message_too_long is reported.
 * Nothing is allocated.
 */
#ifndef TLSSCOPE_WIRE_REC_H
#define TLSSCOPE_WIRE_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/wire/anomaly.h"

#define TLS_REC_MAX_PLAIN 16384                      /* RFC 8446 §5.1 */
#define TLS_REC_MAX_LEN (TLS_REC_MAX_PLAIN + 2048)  /* ciphertext ceiling, RFC 5246 §6.2.3 */
#define HS_MAX_MSG 65536                            /* default message buffer size */

enum tls_content {
	TLS_CT_CCS = 20,
	TLS_CT_ALERT = 21,
	TLS_CT_HANDSHAKE = 22,
	TLS_CT_APPDATA = 23,
	TLS_CT_HEARTBEAT = 24,
};

/* Callbacks; any may be NULL. Pointers passed to them are valid only during the call. */
struct tls_rec_sink {
	/* A handshake message: its type and body. len < full_len when it was cut at the buffer
	 * size. rec_version is the version field of the record that started it. */
	void (*handshake)(void *ctx, uint8_t type, const uint8_t *body, size_t len,
			  size_t full_len, uint16_t rec_version);
	/* An SSLv2 record's body (its first byte is the SSLv2 message type). */
	void (*sslv2)(void *ctx, const uint8_t *msg, size_t len);
	/* An alert record's body (normally 2 bytes; at most 32 are kept). */
	void (*alert)(void *ctx, const uint8_t *body, size_t len);
	/* A ChangeCipherSpec record. */
	void (*ccs)(void *ctx);
	/* A record whose body is not parsed: application data, heartbeat, or an encrypted
	 * handshake record. */
	void (*opaque)(void *ctx, uint8_t type, size_t len);
	/* A non-fatal anomaly; fatal ones are returned by tls_rec_feed. */
	void (*anomaly)(void *ctx, enum tls_anom a);
};

struct tls_rec {
	/* caller's message buffer (borrowed) */
	uint8_t *buf;
	size_t cap;
	/* record header being read */
	uint8_t hdr[5];
	size_t hdr_have;
	bool in_body;
	bool sslv2_rec;       /* current record uses the SSLv2 header */
	uint8_t type;
	uint16_t version;
	size_t rec_left;      /* body bytes of the current record still to come */
	size_t rec_body;      /* body bytes of the current record received */
	/* small records (alert, ccs, sslv2 header-only) */
	uint8_t small[32];
	size_t small_have;
	/* handshake message reassembly */
	uint8_t hs_hdr[4];
	size_t hs_hdr_have;
	size_t hs_len;        /* body length from the header */
	size_t hs_have;       /* body bytes received (kept: min(hs_have, cap)) */
	uint16_t hs_rec_version;
	/* state */
	bool seen_tls;        /* a TLS record was seen: SSLv2 headers no longer accepted */
	bool encrypted;       /* after ChangeCipherSpec, or set by the caller for TLS 1.3 */
	bool rec_encrypted;   /* 'encrypted' when the current record started */
	bool tls13;           /* ChangeCipherSpec is TLS 1.3's compatibility record (set_tls13) */
	bool dead;
	enum tls_anom error;  /* sticky fatal anomaly */
	/* counters */
	uint64_t records;
	uint64_t bytes;
};

/* Starts a direction. buf/cap: the message buffer (cap >= 4). */
void tls_rec_init(struct tls_rec *r, uint8_t *buf, size_t cap);

/*
 * Feeds len bytes. Returns TLS_OK when all were consumed (events delivered as they completed,
 * a partial record or message stays pending), or TLS_MALFORMED when the stream is not TLS
 * (bad content type, version or length): the parser is then dead, the error is sticky
 * (tls_rec_error) and further feeds return TLS_MALFORMED at once.
 */
enum tls_status tls_rec_feed(struct tls_rec *r, const uint8_t *data, size_t len,
			     const struct tls_rec_sink *sink, void *ctx);

/* From now on handshake records of this direction are encrypted (TLS 1.3 after ServerHello).
 * Called from a callback in the middle of a record, it takes effect at the next record. */
void tls_rec_set_encrypted(struct tls_rec *r);

/* The connection negotiates TLS 1.3 (the caller saw a ServerHello with supported_versions, or
 * a HelloRetryRequest). A ChangeCipherSpec is then the middlebox-compatibility record of
 * RFC 8446 §5 and appendix D.4, which changes nothing: handshake records after it stay in
 * clear (the client's second ClientHello after an HRR, the server's ServerHello after an
 * HRR), and TLS 1.3 encrypts under the outer type application_data anyway. Call it on both
 * directions; it may be called from a callback. */
void tls_rec_set_tls13(struct tls_rec *r);

/* True when a record or handshake message is incomplete (the stream ended inside it). */
bool tls_rec_pending(const struct tls_rec *r);

/* The fatal anomaly, TLS_ANOM_NONE while alive. */
enum tls_anom tls_rec_error(const struct tls_rec *r);

#endif
