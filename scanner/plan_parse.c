/*
 * plan_parse: what a server's answer to one probe says, read with the wire library (rec.h
 * for records and handshake reassembly, msg.h for the messages). See plan_int.h.
 *
 * The bytes are fed to a record parser in one go; its callbacks fill a struct plan_answer:
 *
 *   SSLv2 record ── SERVER-HELLO (4) → specs          ERROR (0) → sslv2_err
 *   alert ───────── the first one (before or after a ServerHello)
 *   ServerHello ─── version, suite, extensions; TLS 1.3: records after it are encrypted
 *   Certificate ─── counted     ServerKeyExchange ── curve / DH prime / signature scheme
 *   ServerHelloDone
 *
 * A stream that is not TLS at all gives PLAN_ANS_GARBAGE; TLS that stops inside a record or
 * a message before anything useful gives PLAN_ANS_TRUNCATED; whole records with nothing
 * useful (application data first) PLAN_ANS_UNEXPECTED.
 */
#include <stdio.h>
#include <string.h>

#include "capture/wire/cur.h"
#include "capture/wire/rec.h"
#include "capture/wire/registry.h"
#include "scanner/plan_int.h"

/* ---- alerts -------------------------------------------------------------------------- */

const char *plan_alert_name(uint8_t desc)
{
	/* RFC 8446 §6, RFC 5246 §7.2, RFC 7507 (86), RFC 7301 (120) */
	switch (desc) {
	case 0: return "close_notify";
	case 10: return "unexpected_message";
	case 20: return "bad_record_mac";
	case 21: return "decryption_failed";
	case 22: return "record_overflow";
	case 30: return "decompression_failure";
	case 40: return "handshake_failure";
	case 41: return "no_certificate";
	case 42: return "bad_certificate";
	case 43: return "unsupported_certificate";
	case 44: return "certificate_revoked";
	case 45: return "certificate_expired";
	case 46: return "certificate_unknown";
	case 47: return "illegal_parameter";
	case 48: return "unknown_ca";
	case 49: return "access_denied";
	case 50: return "decode_error";
	case 51: return "decrypt_error";
	case 60: return "export_restriction";
	case 70: return "protocol_version";
	case 71: return "insufficient_security";
	case 80: return "internal_error";
	case 86: return "inappropriate_fallback";
	case 90: return "user_canceled";
	case 100: return "no_renegotiation";
	case 109: return "missing_extension";
	case 110: return "unsupported_extension";
	case 111: return "certificate_unobtainable";
	case 112: return "unrecognized_name";
	case 113: return "bad_certificate_status_response";
	case 114: return "bad_certificate_hash_value";
	case 115: return "unknown_psk_identity";
	case 116: return "certificate_required";
	case 120: return "no_application_protocol";
	default: return NULL;
	}
}

/* ---- the record sink ----------------------------------------------------------------- */

struct pctx {
	struct plan_answer *a;
	struct tls_rec *rec;
	const uint8_t *sid;
	size_t sid_len;
	bool have_sh;
};

static void note(struct plan_answer *a, enum tls_anom why)
{
	if (a->anomaly == TLS_ANOM_NONE)
		a->anomaly = why;
}

static uint32_t ext_bit(uint16_t type)
{
	switch (type) {
	case TLS_EXT_RENEGOTIATION_INFO: return PLAN_X_RENEG;
	case TLS_EXT_EXTENDED_MASTER_SECRET: return PLAN_X_EMS;
	case TLS_EXT_ENCRYPT_THEN_MAC: return PLAN_X_ETM;
	case TLS_EXT_SESSION_TICKET: return PLAN_X_TICKET;
	case TLS_EXT_HEARTBEAT: return PLAN_X_HEARTBEAT;
	case TLS_EXT_STATUS_REQUEST: return PLAN_X_STATUS;
	case TLS_EXT_ALPN: return PLAN_X_ALPN;
	case TLS_EXT_SUPPORTED_VERSIONS: return PLAN_X_VERSIONS;
	case TLS_EXT_KEY_SHARE: return PLAN_X_KEY_SHARE;
	default: return 0;
	}
}

static void on_server_hello(struct pctx *c, const uint8_t *body, size_t len)
{
	struct plan_answer *a = c->a;
	struct tls_server_hello sh;
	enum tls_anom why = TLS_ANOM_NONE;
	if (c->have_sh) /* a second hello: only after an HRR, which ends our probe */
		return;
	enum tls_status st = tls_msg_server_hello(body, len, &sh, &why);
	if (st != TLS_OK) {
		note(a, st == TLS_MALFORMED ? why : TLS_ANOM_HS_SHORT);
		return;
	}
	c->have_sh = true;
	a->kind = sh.is_hrr ? PLAN_ANS_HRR : PLAN_ANS_SH;
	a->version = sh.version;
	a->suite = sh.cipher;
	a->compression = sh.compression;
	a->group = sh.key_share_group;
	a->downgrade = sh.downgrade;
	for (size_t i = 0; i < sh.n_exts; i++)
		a->exts |= ext_bit(sh.exts[i].type);
	if (sh.alpn.len > 0 && sh.alpn.len < sizeof(a->alpn)) {
		memcpy(a->alpn, sh.alpn.p, sh.alpn.len);
		a->alpn[sh.alpn.len] = '\0';
		a->has_alpn = true;
	}
	if (c->sid_len > 0) {
		a->sid_checked = true;
		a->sid_ok = sh.session_id.len == c->sid_len &&
			    memcmp(sh.session_id.p, c->sid, c->sid_len) == 0;
	}
	if (sh.is_hrr || sh.version == TLS_V_TLS13) {
		tls_rec_set_tls13(c->rec);
		if (!sh.is_hrr)
			tls_rec_set_encrypted(c->rec);
	}
}

static void on_ske(struct pctx *c, const uint8_t *body, size_t len)
{
	struct plan_answer *a = c->a;
	const struct tls_suite_info *si = tls_reg_suite(a->suite);
	struct tls_server_key_exchange ske;
	enum tls_anom why = TLS_ANOM_NONE;
	if (!c->have_sh || !si || si->ske_kx == TLS_KX_NONE || si->ske_kx == TLS_KX_OTHER)
		return;
	enum tls_status st = tls_msg_server_key_exchange(body, len, si->ske_kx,
							 a->version == TLS_V_TLS12, &ske, &why);
	if (st != TLS_OK) {
		note(a, st == TLS_MALFORMED ? why : TLS_ANOM_HS_SHORT);
		return;
	}
	a->ske = true;
	a->ske_group = ske.group;
	a->dh_bits = ske.dh_bits;
	a->ske_sig = ske.sig_alg;
	if (ske.dh_p.len > 0 && (si->ske_kx == TLS_KX_DHE || si->ske_kx == TLS_KX_DH_ANON ||
				 si->ske_kx == TLS_KX_DHE_PSK))
		a->dh_prime = plan_dh_prime_name(ske.dh_p.p, ske.dh_p.len, &a->ffdhe);
}

static void on_handshake(void *ctx, uint8_t type, const uint8_t *body, size_t len,
			 size_t full_len, uint16_t rec_version)
{
	struct pctx *c = ctx;
	(void)rec_version;
	if (len < full_len) {
		note(c->a, TLS_ANOM_HS_TOO_LONG);
		return;
	}
	switch (type) {
	case TLS_HS_SERVER_HELLO:
		on_server_hello(c, body, len);
		break;
	case TLS_HS_CERTIFICATE:
		c->a->n_certs++;
		break;
	case TLS_HS_SERVER_KEY_EXCHANGE:
		on_ske(c, body, len);
		break;
	case TLS_HS_SERVER_HELLO_DONE:
		c->a->done = true;
		break;
	default:
		break;
	}
}

static void on_sslv2(void *ctx, const uint8_t *msg, size_t len)
{
	struct pctx *c = ctx;
	struct plan_answer *a = c->a;
	struct tls_sslv2_server_hello sh;
	enum tls_anom why = TLS_ANOM_NONE;
	if (a->kind != PLAN_ANS_NONE || len == 0)
		return;
	if (msg[0] == 0) { /* ERROR: msg_type 0, error code (2 bytes) */
		a->kind = PLAN_ANS_SSLV2_ERR;
		return;
	}
	enum tls_status st = tls_msg_sslv2_server_hello(msg, len, &sh, &why);
	if (st != TLS_OK) {
		note(a, st == TLS_MALFORMED ? why : TLS_ANOM_HS_SHORT);
		return;
	}
	a->kind = PLAN_ANS_SSLV2;
	a->version = sh.version;
	struct cur s = cur_make(sh.specs.p, sh.specs.len);
	uint32_t spec;
	while (a->n_v2_specs < PLAN_ANS_V2_MAX && cur_u24(&s, &spec))
		a->v2_specs[a->n_v2_specs++] = spec;
}

static void on_alert(void *ctx, const uint8_t *body, size_t len)
{
	struct pctx *c = ctx;
	struct plan_answer *a = c->a;
	struct tls_alert al;
	enum tls_anom why = TLS_ANOM_NONE;
	if (a->alert)
		return;
	if (tls_msg_alert(body, len, &al, &why) != TLS_OK) {
		note(a, why);
		return;
	}
	a->alert = true;
	a->alert_level = al.level;
	a->alert_desc = al.desc;
	if (a->kind == PLAN_ANS_NONE)
		a->kind = PLAN_ANS_ALERT;
}

static void on_anomaly(void *ctx, enum tls_anom why)
{
	note(((struct pctx *)ctx)->a, why);
}

void plan_parse(const uint8_t *b, size_t n, const uint8_t *sid, size_t sid_len,
		uint8_t *msgbuf, size_t msgcap, struct plan_answer *a)
{
	static const struct tls_rec_sink sink = {
		.handshake = on_handshake,
		.sslv2 = on_sslv2,
		.alert = on_alert,
		.anomaly = on_anomaly,
	};
	struct tls_rec rec;
	struct pctx c = { a, &rec, sid, sid_len, false };
	memset(a, 0, sizeof(*a));
	if (n == 0)
		return;
	tls_rec_init(&rec, msgbuf, msgcap);
	enum tls_status st = tls_rec_feed(&rec, b, n, &sink, &c);
	if (a->kind != PLAN_ANS_NONE)
		return;
	if (st == TLS_MALFORMED) {
		note(a, tls_rec_error(&rec));
		a->kind = PLAN_ANS_GARBAGE;
	} else if (tls_rec_pending(&rec)) {
		a->kind = PLAN_ANS_TRUNCATED;
	} else {
		a->kind = PLAN_ANS_UNEXPECTED;
	}
}

void plan_answer_text(const struct plan_answer *a, enum probe_transport t, char *out,
		      size_t cap)
{
	char b1[7], b2[7];
	const char *v = tls_reg_version_name(a->version);
	size_t w = 0;
	switch (a->kind) {
	case PLAN_ANS_SH:
	case PLAN_ANS_HRR:
		w = (size_t)snprintf(out, cap, "%s%s %s", a->kind == PLAN_ANS_HRR ? "hrr " : "",
				     v ? v : "?", tls_reg_suite_name(a->suite, b1));
		if (a->group && w < cap)
			w += (size_t)snprintf(out + w, cap - w, " group %s",
					      tls_reg_group_name(a->group, b2));
		if (a->ske && a->ske_group && w < cap)
			w += (size_t)snprintf(out + w, cap - w, " ske %s",
					      tls_reg_group_name(a->ske_group, b2));
		if (a->ske && a->dh_bits && w < cap)
			w += (size_t)snprintf(out + w, cap - w, " dh %u %s", a->dh_bits,
					      a->dh_prime ? a->dh_prime : "custom");
		if (a->ske && a->ske_sig && w < cap)
			w += (size_t)snprintf(out + w, cap - w, " sig %s",
					      tls_reg_sigscheme_name(a->ske_sig, b2));
		if (a->alert && w < cap) {
			const char *n = plan_alert_name(a->alert_desc);
			snprintf(out + w, cap - w, " then alert:%s", n ? n : "?");
		}
		return;
	case PLAN_ANS_ALERT: {
		const char *n = plan_alert_name(a->alert_desc);
		if (n)
			snprintf(out, cap, "alert:%s", n);
		else
			snprintf(out, cap, "alert:%u", a->alert_desc);
		return;
	}
	case PLAN_ANS_SSLV2:
		snprintf(out, cap, "sslv2 server-hello %zu specs", a->n_v2_specs);
		return;
	case PLAN_ANS_SSLV2_ERR:
		snprintf(out, cap, "sslv2 error");
		return;
	case PLAN_ANS_TRUNCATED:
		snprintf(out, cap, "truncated (%s)", probe_transport_name(t));
		return;
	case PLAN_ANS_GARBAGE:
		snprintf(out, cap, "not TLS (%s)", tls_anom_name(a->anomaly));
		return;
	case PLAN_ANS_UNEXPECTED:
		snprintf(out, cap, "no ServerHello (%s)", probe_transport_name(t));
		return;
	case PLAN_ANS_NONE:
	default:
		snprintf(out, cap, "%s", t == PROBE_T_DONE ? "no answer" : probe_transport_name(t));
		return;
	}
}
