/*
 * ClientHello builder. See chb.h for the contract, the extension order and the padding rule.
 *
 * Implementation notes:
 *  - The handshake message is built once through a bld placed 5 bytes into the output (room
 *    for one record header); every length is back-patched by bld, so nothing here counts
 *    bytes by hand.
 *  - Padding needs the unpadded size: the message is built once without it, measured, and
 *    built again with a padding extension of the right size (same bytes, plus padding).
 *  - A message over 16384 bytes needs one record header per fragment. The message is moved
 *    up to leave room for all headers, then each fragment is moved down behind its header,
 *    first fragment first; a fragment's destination never passes the start of the next
 *    fragment's source, so no byte is overwritten before it is moved. The moves overlap
 *    (memmove), which is why they are not bld_bytes calls.
 */
#include <string.h>

#include "capture/wire/bld.h"
#include "capture/wire/chb.h"

#define REC_HDR 5
#define SSLV2_HDR 2

/* True when some extension field asks for an extension. */
static bool wants_exts(const struct tls_chb *c)
{
	return c->sni || c->n_alpn || c->n_groups || c->n_point_formats || c->n_sig_algs ||
	       c->n_versions || c->n_key_shares || c->ems || c->reneg_info || c->session_ticket ||
	       c->status_request || c->sct || c->etm || c->heartbeat || c->early_data ||
	       c->psk_modes || c->n_extra || c->pad_to;
}

/* A NULL pointer is only allowed with a count of 0. */
static bool pointers_ok(const struct tls_chb *c)
{
	if ((!c->random && c->random_len) || (!c->session_id && c->session_id_len) ||
	    (!c->suites && c->n_suites) || (!c->sslv2_specs && c->n_sslv2_specs) ||
	    (!c->compression && c->n_compression) || (!c->alpn && c->n_alpn) ||
	    (!c->groups && c->n_groups) || (!c->point_formats && c->n_point_formats) ||
	    (!c->sig_algs && c->n_sig_algs) || (!c->versions && c->n_versions) ||
	    (!c->key_shares && c->n_key_shares) || (!c->extra && c->n_extra))
		return false;
	for (size_t i = 0; i < c->n_alpn; i++)
		if (!c->alpn[i])
			return false;
	for (size_t i = 0; i < c->n_key_shares; i++)
		if (!c->key_shares[i].key && c->key_shares[i].key_len)
			return false;
	for (size_t i = 0; i < c->n_extra; i++)
		if (!c->extra[i].body.p && c->extra[i].body.len)
			return false;
	return true;
}

static void u16_vec(struct bld *b, int width, const uint16_t *v, size_t n)
{
	bld_open(b, width);
	for (size_t i = 0; i < n; i++)
		bld_u16(b, v[i]);
	bld_close(b);
}

static void u8_vec(struct bld *b, int width, const uint8_t *v, size_t n)
{
	bld_open(b, width);
	bld_bytes(b, v, n);
	bld_close(b);
}

/* An extension: type, then its body between ext_open and ext_close. */
static void ext_open(struct bld *b, uint16_t type)
{
	bld_u16(b, type);
	bld_open(b, 2);
}

static void ext_close(struct bld *b) { bld_close(b); }

static void ext_empty(struct bld *b, uint16_t type)
{
	ext_open(b, type);
	ext_close(b);
}

/* The extensions, in the order documented in chb.h. pad: write a padding extension with
 * pad_len zero bytes. */
static void put_extensions(struct bld *b, const struct tls_chb *c, bool pad, size_t pad_len)
{
	if (c->sni) {
		/* RFC 6066 §3: ServerNameList server_name_list<1..2^16-1>; entry = type + vec16 */
		ext_open(b, TLS_EXT_SERVER_NAME);
		bld_open(b, 2);
		bld_u8(b, 0); /* host_name */
		u8_vec(b, 2, (const uint8_t *)c->sni, strlen(c->sni));
		bld_close(b);
		ext_close(b);
	}
	if (c->ems)
		ext_empty(b, TLS_EXT_EXTENDED_MASTER_SECRET);
	if (c->reneg_info) {
		/* RFC 5746 §3.2: opaque renegotiated_connection<0..255>, empty on a first hello */
		ext_open(b, TLS_EXT_RENEGOTIATION_INFO);
		u8_vec(b, 1, NULL, 0);
		ext_close(b);
	}
	if (c->n_groups) {
		ext_open(b, TLS_EXT_SUPPORTED_GROUPS);
		u16_vec(b, 2, c->groups, c->n_groups);
		ext_close(b);
	}
	if (c->n_point_formats) {
		ext_open(b, TLS_EXT_EC_POINT_FORMATS);
		u8_vec(b, 1, c->point_formats, c->n_point_formats);
		ext_close(b);
	}
	if (c->session_ticket)
		ext_empty(b, TLS_EXT_SESSION_TICKET);
	if (c->n_alpn) {
		/* RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>, names vec8 */
		ext_open(b, TLS_EXT_ALPN);
		bld_open(b, 2);
		for (size_t i = 0; i < c->n_alpn; i++)
			u8_vec(b, 1, (const uint8_t *)c->alpn[i], strlen(c->alpn[i]));
		bld_close(b);
		ext_close(b);
	}
	if (c->status_request) {
		/* RFC 6066 §8: status_type ocsp(1), ResponderID list<0..>, Extensions<0..> */
		ext_open(b, TLS_EXT_STATUS_REQUEST);
		bld_u8(b, 1);
		u8_vec(b, 2, NULL, 0);
		u8_vec(b, 2, NULL, 0);
		ext_close(b);
	}
	if (c->sct)
		ext_empty(b, TLS_EXT_SCT);
	if (c->etm)
		ext_empty(b, TLS_EXT_ENCRYPT_THEN_MAC);
	if (c->heartbeat) {
		/* RFC 6520 §2: HeartbeatMode peer_allowed_to_send(1) */
		ext_open(b, TLS_EXT_HEARTBEAT);
		bld_u8(b, 1);
		ext_close(b);
	}
	if (c->n_key_shares) {
		/* RFC 8446 §4.2.8: KeyShareEntry client_shares<0..2^16-1> */
		ext_open(b, TLS_EXT_KEY_SHARE);
		bld_open(b, 2);
		for (size_t i = 0; i < c->n_key_shares; i++) {
			bld_u16(b, c->key_shares[i].group);
			u8_vec(b, 2, c->key_shares[i].key, c->key_shares[i].key_len);
		}
		bld_close(b);
		ext_close(b);
	}
	if (c->early_data)
		ext_empty(b, TLS_EXT_EARLY_DATA);
	if (c->n_versions) {
		ext_open(b, TLS_EXT_SUPPORTED_VERSIONS);
		u16_vec(b, 1, c->versions, c->n_versions);
		ext_close(b);
	}
	if (c->n_sig_algs) {
		ext_open(b, TLS_EXT_SIGNATURE_ALGORITHMS);
		u16_vec(b, 2, c->sig_algs, c->n_sig_algs);
		ext_close(b);
	}
	if (c->psk_modes) {
		/* RFC 8446 §4.2.9: PskKeyExchangeMode ke_modes<1..255>, psk_dhe_ke(1) */
		static const uint8_t dhe_ke = 1;
		ext_open(b, TLS_EXT_PSK_KEY_EXCHANGE_MODES);
		u8_vec(b, 1, &dhe_ke, 1);
		ext_close(b);
	}
	if (pad) {
		ext_open(b, TLS_EXT_PADDING);
		for (size_t i = 0; i < pad_len; i++)
			bld_u8(b, 0);
		ext_close(b);
	}
	for (size_t i = 0; i < c->n_extra; i++) {
		ext_open(b, c->extra[i].type);
		bld_bytes(b, c->extra[i].body.p, c->extra[i].body.len);
		ext_close(b);
	}
}

/* The ClientHello handshake message (header + body) into b. */
static void put_hello(struct bld *b, const struct tls_chb *c, bool pad, size_t pad_len)
{
	static const uint8_t null_compression = 0;

	bld_u8(b, TLS_HS_CLIENT_HELLO);
	bld_open(b, 3);
	bld_u16(b, c->legacy_version);
	bld_bytes(b, c->random, c->random_len);
	u8_vec(b, 1, c->session_id, c->session_id_len);
	u16_vec(b, 2, c->suites, c->n_suites);
	if (c->n_compression)
		u8_vec(b, 1, c->compression, c->n_compression);
	else
		u8_vec(b, 1, &null_compression, 1);
	if (!c->no_extensions) {
		bld_open(b, 2);
		put_extensions(b, c, pad, pad_len);
		bld_close(b);
	}
	bld_close(b);
}

static size_t build_tls(const struct tls_chb *c, uint8_t *out, size_t cap)
{
	struct bld b;
	size_t msg_len, n_rec, total;

	if (c->random_len != TLS_RANDOM_LEN || c->session_id_len > 32 || c->n_suites == 0 ||
	    c->n_sslv2_specs > 0 || (c->no_extensions && wants_exts(c)) || cap < REC_HDR)
		return 0;
	bld_init(&b, out + REC_HDR, cap - REC_HDR);
	put_hello(&b, c, false, 0);
	if (!bld_ok(&b))
		return 0;
	if (c->pad_to > b.len) {
		size_t short_by = c->pad_to - b.len;
		bld_init(&b, out + REC_HDR, cap - REC_HDR);
		put_hello(&b, c, true, short_by >= 4 ? short_by - 4 : 0);
		if (!bld_ok(&b))
			return 0;
	}
	msg_len = b.len;

	/* One record header per fragment of at most 16384 bytes. */
	n_rec = (msg_len + TLS_CHB_MAX_FRAGMENT - 1) / TLS_CHB_MAX_FRAGMENT;
	total = msg_len + REC_HDR * n_rec;
	if (total > cap)
		return 0;
	if (n_rec > 1)
		memmove(out + REC_HDR * n_rec, out + REC_HDR, msg_len);
	for (size_t k = 0; k < n_rec; k++) {
		size_t off = k * TLS_CHB_MAX_FRAGMENT;
		size_t frag = msg_len - off < TLS_CHB_MAX_FRAGMENT ? msg_len - off
								   : TLS_CHB_MAX_FRAGMENT;
		uint8_t *rec = out + k * (REC_HDR + TLS_CHB_MAX_FRAGMENT);
		struct bld h;

		if (n_rec > 1)
			memmove(rec + REC_HDR, out + REC_HDR * n_rec + off, frag);
		bld_init(&h, rec, REC_HDR);
		bld_u8(&h, 22); /* handshake */
		bld_u16(&h, c->record_version);
		bld_u16(&h, (uint16_t)frag);
		if (!bld_ok(&h))
			return 0;
	}
	return total;
}

static size_t build_sslv2(const struct tls_chb *c, uint8_t *out, size_t cap)
{
	struct bld b;
	size_t n_specs = c->n_sslv2_specs + c->n_suites;

	if (c->random_len < 16 || c->random_len > 32 ||
	    (c->session_id_len != 0 && c->session_id_len != 16) || n_specs == 0 ||
	    n_specs > 0xffff / 3 || c->n_compression > 0 || wants_exts(c) || cap < SSLV2_HDR)
		return 0;
	for (size_t i = 0; i < c->n_sslv2_specs; i++)
		if (c->sslv2_specs[i] >> 24)
			return 0;
	bld_init(&b, out + SSLV2_HDR, cap - SSLV2_HDR);
	bld_u8(&b, 1); /* CLIENT-HELLO */
	bld_u16(&b, c->legacy_version);
	bld_u16(&b, (uint16_t)(3 * n_specs));
	bld_u16(&b, (uint16_t)c->session_id_len);
	bld_u16(&b, (uint16_t)c->random_len);
	for (size_t i = 0; i < c->n_sslv2_specs; i++)
		bld_u24(&b, c->sslv2_specs[i]);
	for (size_t i = 0; i < c->n_suites; i++)
		bld_u24(&b, c->suites[i]);
	bld_bytes(&b, c->session_id, c->session_id_len);
	bld_bytes(&b, c->random, c->random_len);
	if (!bld_ok(&b) || b.len > TLS_CHB_MAX_SSLV2)
		return 0;
	{
		struct bld h;
		bld_init(&h, out, SSLV2_HDR);
		bld_u16(&h, (uint16_t)(0x8000u | b.len));
		if (!bld_ok(&h))
			return 0;
	}
	return SSLV2_HDR + b.len;
}

size_t tls_chb_build(const struct tls_chb *cfg, uint8_t *out, size_t cap)
{
	if (!cfg || !out || !pointers_ok(cfg))
		return 0;
	return cfg->sslv2_format ? build_sslv2(cfg, out, cap) : build_tls(cfg, out, cap);
}
