/*
 * probe_complete and probe_transport_name. See probe.h.
 *
 * The server's bytes go through the wire library's record layer (rec.h) in one feed; its
 * callbacks mark the event that completes the answer:
 *
 *   first byte not 21/22 and not SSLv2 (high bit) ─┐
 *   second byte of a TLS header not 3 ─────────────┤
 *   tls_rec_feed says MALFORMED ───────────────────┤
 *   an SSLv2 record (SERVER-HELLO or ERROR) ───────┤
 *   a fatal alert, or a malformed alert record ────┤
 *   CCS, application data, heartbeat, or a first ──┼──▶ complete
 *     handshake message that is not ServerHello   │
 *   ServerHello (!full_flight), HelloRetryRequest ─┤
 *   full_flight, TLS <= 1.2: ServerHelloDone ──────┤
 *   full_flight, TLS 1.3: the end of the first ────┘
 *     record after the ServerHello's record
 *
 * A warning alert (e.g. unrecognized_name before a ServerHello) does not complete. Every
 * event depends only on bytes before it, so the answer is monotone in len: false up to the
 * boundary, true from it on.
 */
#include <string.h>

#include "capture/wire/msg.h"
#include "capture/wire/rec.h"
#include "scanner/probe.h"

#define SH_BUF 8192 /* a ServerHello, even with a post-quantum key share, is far smaller */

const char *probe_transport_name(enum probe_transport t)
{
	switch (t) {
	case PROBE_T_DONE: return "done";
	case PROBE_T_CLOSED: return "connection closed";
	case PROBE_T_RESET: return "connection reset";
	case PROBE_T_REFUSED: return "connection refused";
	case PROBE_T_TIMEOUT: return "timeout";
	case PROBE_T_UNREACHABLE: return "unreachable";
	case PROBE_T_STARTTLS: return "starttls failed";
	case PROBE_T_TOO_LONG: return "response too long";
	case PROBE_T_ERROR: return "local error";
	}
	return "unknown";
}

struct watch {
	struct tls_rec *rec;
	bool full_flight;
	bool complete;
	bool saw_sh;          /* a ServerHello was seen */
	bool tls13;           /* ... negotiating TLS 1.3 */
	uint64_t sh_record;   /* index (rec->records) of the record that ended the ServerHello */
};

static void on_handshake(void *ctx, uint8_t type, const uint8_t *body, size_t len,
			 size_t full_len, uint16_t rec_version)
{
	struct watch *w = ctx;
	(void)rec_version;
	if (w->complete)
		return;
	if (!w->saw_sh) {
		struct tls_server_hello sh;
		enum tls_anom why;
		if (type != TLS_HS_SERVER_HELLO || len != full_len ||
		    tls_msg_server_hello(body, len, &sh, &why) != TLS_OK) {
			w->complete = true; /* not an answer to a ClientHello */
			return;
		}
		w->saw_sh = true;
		uint16_t v = sh.selected_version ? sh.selected_version : sh.legacy_version;
		w->tls13 = v == TLS_V_TLS13 || (v >> 8) == 0x7f;
		if (!w->full_flight || sh.is_hrr) {
			w->complete = true;
			return;
		}
		if (w->tls13) {
			w->sh_record = w->rec->records;
			tls_rec_set_tls13(w->rec);
			tls_rec_set_encrypted(w->rec); /* from the next record on */
		}
		return;
	}
	if (!w->tls13 && type == TLS_HS_SERVER_HELLO_DONE)
		w->complete = true;
}

/* The end of a record that is not (clear) handshake. */
static void record_end(struct watch *w)
{
	if (!w->saw_sh || !w->tls13 || w->rec->records > w->sh_record)
		w->complete = true;
}

static void on_sslv2(void *ctx, const uint8_t *msg, size_t len)
{
	struct watch *w = ctx;
	(void)msg, (void)len;
	w->complete = true;
}

static void on_alert(void *ctx, const uint8_t *body, size_t len)
{
	struct watch *w = ctx;
	if (len != 2 || body[0] != 1) /* fatal, or not an alert */
		w->complete = true;
}

static void on_ccs(void *ctx) { record_end(ctx); }

static void on_opaque(void *ctx, uint8_t type, size_t len)
{
	(void)type, (void)len;
	record_end(ctx);
}

static const struct tls_rec_sink sink = {
	.handshake = on_handshake,
	.sslv2 = on_sslv2,
	.alert = on_alert,
	.ccs = on_ccs,
	.opaque = on_opaque,
};

bool probe_complete(const uint8_t *bytes, size_t len, bool full_flight)
{
	uint8_t buf[SH_BUF];
	struct tls_rec rec;
	struct watch w = { .rec = &rec, .full_flight = full_flight };

	if (len == 0)
		return false;
	/* a TLS server answers with a handshake or an alert record, or with SSLv2 */
	if (!(bytes[0] & 0x80) && bytes[0] != TLS_CT_HANDSHAKE && bytes[0] != TLS_CT_ALERT)
		return true;
	if (!(bytes[0] & 0x80) && len >= 2 && bytes[1] != 3)
		return true;
	tls_rec_init(&rec, buf, sizeof(buf));
	if (tls_rec_feed(&rec, bytes, len, &sink, &w) != TLS_OK)
		return true;
	return w.complete;
}
