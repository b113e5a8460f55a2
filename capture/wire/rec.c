/*
 * Record layer push parser. See rec.h for the contract and the state diagram.
 *
 * Implementation notes:
 *  - The header is collected into hdr[] before any body byte is accepted, and checked first:
 *    content type 20..24, major version 3, length <= TLS_REC_MAX_LEN (BearSSL recvrec_ack does
 *    the same). Anything else kills the direction: we cannot resynchronise a byte stream.
 *  - Handshake bytes go straight from the input into the message buffer, so a message spread
 *    over many records costs one copy. Record boundaries inside a message are invisible.
 *  - A non-handshake record arriving while a handshake message is incomplete is a protocol
 *    violation (RFC 8446 §5.1: "Handshake messages MUST NOT be interleaved with other record
 *    types"); it is reported and the message continues.
 *  - SSLv2 records: first byte with the high bit set, 15-bit length, no padding byte (the
 *    3-byte header form is only used with padding for block ciphers, after the hello).
 */
#include <string.h>

#include "capture/wire/rec.h"

void tls_rec_init(struct tls_rec *r, uint8_t *buf, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->cap = cap;
}

void tls_rec_set_encrypted(struct tls_rec *r) { r->encrypted = true; }

void tls_rec_set_tls13(struct tls_rec *r) { r->tls13 = true; }

bool tls_rec_pending(const struct tls_rec *r)
{
	return r->hdr_have > 0 || r->in_body || r->hs_hdr_have > 0;
}

enum tls_anom tls_rec_error(const struct tls_rec *r) { return r->error; }

static void note(const struct tls_rec_sink *sink, void *ctx, enum tls_anom a)
{
	if (sink->anomaly)
		sink->anomaly(ctx, a);
}

static enum tls_status die(struct tls_rec *r, enum tls_anom a)
{
	r->dead = true;
	r->error = a;
	return TLS_MALFORMED;
}

/* Checks a complete header; sets up the body. */
static enum tls_status start_record(struct tls_rec *r, const struct tls_rec_sink *sink,
				    void *ctx)
{
	if (r->sslv2_rec) {
		r->type = 0;
		r->version = 0x0002;
		r->rec_left = ((size_t)(r->hdr[0] & 0x7f) << 8) | r->hdr[1];
		if (r->rec_left == 0)
			return die(r, TLS_ANOM_SSLV2_BAD_LENGTH);
	} else {
		r->type = r->hdr[0];
		r->version = (uint16_t)((r->hdr[1] << 8) | r->hdr[2]);
		r->rec_left = ((size_t)r->hdr[3] << 8) | r->hdr[4];
		if (r->type < TLS_CT_CCS || r->type > TLS_CT_HEARTBEAT)
			return die(r, TLS_ANOM_RECORD_BAD_TYPE);
		if (r->hdr[1] != 3)
			return die(r, TLS_ANOM_RECORD_BAD_VERSION);
		if (r->rec_left > TLS_REC_MAX_LEN)
			return die(r, TLS_ANOM_RECORD_TOO_LONG);
		if (r->rec_left == 0 && r->type != TLS_CT_APPDATA)
			note(sink, ctx, TLS_ANOM_RECORD_EMPTY);
		r->seen_tls = true;
		if (r->type != TLS_CT_HANDSHAKE && (r->hs_hdr_have > 0) && !r->encrypted)
			note(sink, ctx, TLS_ANOM_HS_INTERLEAVED);
	}
	/* A record is parsed or not as a whole: tls_rec_set_encrypted() called from a callback
	 * in the middle of a record takes effect at the next record. */
	r->rec_encrypted = r->encrypted;
	r->records++;
	r->in_body = true;
	r->small_have = 0;
	return TLS_OK;
}

/* Delivers the buffered handshake message and resets reassembly. */
static void deliver_message(struct tls_rec *r, const struct tls_rec_sink *sink, void *ctx)
{
	size_t kept = r->hs_len < r->cap ? r->hs_len : r->cap;
	if (sink->handshake)
		sink->handshake(ctx, r->hs_hdr[0], r->buf, kept, r->hs_len, r->hs_rec_version);
	r->hs_hdr_have = 0;
	r->hs_have = 0;
	r->hs_len = 0;
}

/* Consumes handshake-protocol bytes (the body of type-22 records). */
static void handshake_bytes(struct tls_rec *r, const uint8_t *p, size_t n,
			    const struct tls_rec_sink *sink, void *ctx)
{
	while (n > 0) {
		if (r->hs_hdr_have < 4) {
			if (r->hs_hdr_have == 0)
				r->hs_rec_version = r->version;
			r->hs_hdr[r->hs_hdr_have++] = *p++;
			n--;
			if (r->hs_hdr_have == 4) {
				r->hs_len = ((size_t)r->hs_hdr[1] << 16) |
					    ((size_t)r->hs_hdr[2] << 8) | r->hs_hdr[3];
				r->hs_have = 0;
				if (r->hs_len > r->cap)
					note(sink, ctx, TLS_ANOM_HS_TOO_LONG);
				if (r->hs_len == 0)
					deliver_message(r, sink, ctx);
			}
			continue;
		}
		size_t want = r->hs_len - r->hs_have;
		size_t take = n < want ? n : want;
		if (r->hs_have < r->cap) {
			size_t room = r->cap - r->hs_have;
			memcpy(r->buf + r->hs_have, p, take < room ? take : room);
		}
		r->hs_have += take;
		p += take;
		n -= take;
		if (r->hs_have == r->hs_len)
			deliver_message(r, sink, ctx);
	}
}

static void small_bytes(struct tls_rec *r, const uint8_t *p, size_t n)
{
	size_t room = sizeof(r->small) - r->small_have;
	size_t take = n < room ? n : room;
	memcpy(r->small + r->small_have, p, take);
	r->small_have += take;
}

/* The current record's body is complete. */
static void end_record(struct tls_rec *r, const struct tls_rec_sink *sink, void *ctx,
		       size_t body_len)
{
	r->in_body = false;
	r->hdr_have = 0;
	if (r->sslv2_rec) {
		if (sink->sslv2)
			sink->sslv2(ctx, r->buf, body_len < r->cap ? body_len : r->cap);
		return;
	}
	switch (r->type) {
	case TLS_CT_ALERT:
		if (r->rec_encrypted) {
			if (sink->opaque)
				sink->opaque(ctx, r->type, body_len);
		} else if (sink->alert) {
			sink->alert(ctx, r->small, r->small_have);
		}
		break;
	case TLS_CT_CCS:
		if (body_len != 1 || r->small[0] != 1)
			note(sink, ctx, TLS_ANOM_CCS_BAD);
		if (!r->tls13) /* RFC 8446 D.4: TLS 1.3's CCS is a no-op */
			r->encrypted = true;
		if (sink->ccs)
			sink->ccs(ctx);
		break;
	case TLS_CT_HANDSHAKE:
		if (r->rec_encrypted && sink->opaque)
			sink->opaque(ctx, r->type, body_len);
		break;
	default:
		if (sink->opaque)
			sink->opaque(ctx, r->type, body_len);
		break;
	}
}

enum tls_status tls_rec_feed(struct tls_rec *r, const uint8_t *data, size_t len,
			     const struct tls_rec_sink *sink, void *ctx)
{
	static const struct tls_rec_sink none;
	if (!sink)
		sink = &none;
	if (r->dead)
		return TLS_MALFORMED;
	r->bytes += len;
	while (len > 0) {
		if (!r->in_body) {
			/* Header: 5 bytes for TLS, 2 for SSLv2 (decided by the first byte). */
			if (r->hdr_have == 0)
				r->sslv2_rec = !r->seen_tls && (data[0] & 0x80);
			size_t need = (r->sslv2_rec ? 2 : 5) - r->hdr_have;
			size_t take = len < need ? len : need;
			memcpy(r->hdr + r->hdr_have, data, take);
			r->hdr_have += take;
			data += take;
			len -= take;
			if (r->hdr_have < (r->sslv2_rec ? 2u : 5u))
				break;
			if (start_record(r, sink, ctx) != TLS_OK)
				return TLS_MALFORMED;
			r->rec_body = 0;
			if (r->rec_left == 0)
				end_record(r, sink, ctx, 0);
			continue;
		}
		size_t take = len < r->rec_left ? len : r->rec_left;
		if (r->sslv2_rec) {
			/* kept: the first cap bytes (no pointer is formed past the buffer) */
			if (r->rec_body < r->cap) {
				size_t room = r->cap - r->rec_body;
				memcpy(r->buf + r->rec_body, data, take < room ? take : room);
			}
		} else if (r->type == TLS_CT_HANDSHAKE && !r->rec_encrypted) {
			handshake_bytes(r, data, take, sink, ctx);
		} else if (r->type == TLS_CT_ALERT || r->type == TLS_CT_CCS) {
			small_bytes(r, data, take);
		}
		r->rec_body += take;
		data += take;
		len -= take;
		r->rec_left -= take;
		if (r->rec_left == 0)
			end_record(r, sink, ctx, r->rec_body);
	}
	return TLS_OK;
}
