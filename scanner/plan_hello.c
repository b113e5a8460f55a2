/*
 * plan_hello: the planner's ClientHellos, built with tls_chb_build (chb.h), and the keyed
 * values that make a probe recognisable as ours. See plan_int.h.
 *
 * Every hello carries a random (and TLS 1.3 hellos a legacy_session_id and an x25519 key
 * share) computed as HMAC-SHA256(key, label | ip | port | probe id): a response that echoes
 * the session id was provoked by this probe of this scan (zmap's validate.c idea).
 *
 * Hello shapes:
 *   SSLv2    SSLv2 record, CLIENT-HELLO version 0x0002, the seven SSLv2 cipher specs,
 *            16-byte challenge.
 *   SSLv3    record 0x0300, legacy_version 0x0300, compression {DEFLATE, null}, no
 *            extensions (SSLv3 servers predate them).
 *   TLS 1.0-1.2  record 0x0301, legacy_version = the version, compression {DEFLATE, null},
 *            SNI, extended_master_secret, renegotiation_info, supported_groups (ECDHE curves:
 *            no FFDHE groups, which would stop an RFC 7919 server from choosing a DHE suite
 *            without a shared one), ec_point_formats {uncompressed}, session_ticket, ALPN
 *            {h2, http/1.1}, status_request, encrypt_then_mac, heartbeat,
 *            signature_algorithms, padding to 512 bytes (the F5 255..511-byte hang).
 *            No supported_versions: this is a "TLS 1.2 maximum" hello (RFC 8446 §4.1.3).
 *   TLS 1.3  record 0x0301, legacy_version 0x0303, 32-byte keyed legacy_session_id,
 *            compression {null}, SNI, supported_groups (every registry group), ALPN,
 *            status_request, key_share {x25519} (or empty, to ask for an HRR),
 *            supported_versions {0x0304}, signature_algorithms, psk_key_exchange_modes,
 *            padding to 512.
 */
#include <stdio.h>
#include <string.h>

#include "capture/wire/chb.h"
#include "capture/wire/digest.h"
#include "capture/wire/registry.h"
#include "scanner/plan_int.h"

#define HELLO_PAD 512

/* ---- keyed values -------------------------------------------------------------------- */

/* HMAC-SHA256 (RFC 2104) over digest_sha256; key is 32 bytes (< the 64-byte block). */
static void hmac_sha256(const uint8_t key[32], const uint8_t *msg, size_t len,
			uint8_t out[DIGEST_SHA256_LEN])
{
	uint8_t buf[64 + 256];
	uint8_t inner[DIGEST_SHA256_LEN];
	if (len > 256)
		len = 256;
	memset(buf, 0x36, 64);
	for (int i = 0; i < 32; i++)
		buf[i] ^= key[i];
	memcpy(buf + 64, msg, len);
	digest_sha256(buf, 64 + len, inner);
	memset(buf, 0x5c, 64);
	for (int i = 0; i < 32; i++)
		buf[i] ^= key[i];
	memcpy(buf + 64, inner, sizeof(inner));
	digest_sha256(buf, 64 + sizeof(inner), out);
}

void plan_keyed(const uint8_t key[32], const char *label, const char *ip, uint16_t port,
		uint32_t id, uint8_t out[32])
{
	uint8_t msg[256];
	int n = snprintf((char *)msg, sizeof(msg) - 6, "%s|%s|", label, ip ? ip : "");
	size_t len = n < 0 ? 0 : (size_t)n;
	if (len > sizeof(msg) - 6)
		len = sizeof(msg) - 6;
	msg[len++] = (uint8_t)(port >> 8);
	msg[len++] = (uint8_t)port;
	msg[len++] = (uint8_t)(id >> 24);
	msg[len++] = (uint8_t)(id >> 16);
	msg[len++] = (uint8_t)(id >> 8);
	msg[len++] = (uint8_t)id;
	hmac_sha256(key, msg, len, out);
}

/* ---- default lists ------------------------------------------------------------------- */

size_t plan_ec_groups(uint16_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < tls_reg_group_count() && n < cap; i++) {
		const struct tls_group_info *g = tls_reg_group_at(i);
		/* elliptic curves of RFC 8422 and later (not FFDHE 0x01xx, not KEMs, not the
		 * explicit-curve markers 0xff01/0xff02) */
		if (g->code < 0x0100)
			out[n++] = g->code;
	}
	return n;
}

size_t plan_all_groups(uint16_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < tls_reg_group_count() && n < cap; i++) {
		const struct tls_group_info *g = tls_reg_group_at(i);
		if (g->code < 0xff00)
			out[n++] = g->code;
	}
	return n;
}

size_t plan_all_sigalgs(uint16_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < tls_reg_sigscheme_count() && n < cap; i++)
		out[n++] = tls_reg_sigscheme_at(i)->code;
	return n;
}

/* ---- hellos -------------------------------------------------------------------------- */

bool plan_hello(const uint8_t key[32], const char *ip, uint16_t port, const char *sni,
		uint32_t id, const struct plan_hello *h, struct probe_req *req, uint8_t sid[32],
		size_t *sid_len)
{
	static const uint8_t comp_deflate[] = { 1, 0 };
	static const uint8_t point_formats[] = { 0 };
	static const char *const alpn[] = { "h2", "http/1.1" };
	static const uint16_t tls13[] = { TLS_V_TLS13 };
	uint16_t suites[PROBE_MAX_HELLO / 2];
	uint16_t groups[128], sigs[128];
	uint8_t random[32], share[32];
	struct tls_chb c;
	struct tls_chb_key_share ks;
	static const uint8_t empty_shares[] = { 0, 0 };
	struct tls_ext empty_ks = { TLS_EXT_KEY_SHARE, { empty_shares, sizeof(empty_shares) } };

	*sid_len = 0;
	memset(&c, 0, sizeof(c));
	plan_keyed(key, "tlsscope-random", ip, port, id, random);
	c.random = random;
	c.random_len = 32;

	if (h->version == TLS_V_SSL2) {
		uint32_t specs[16];
		size_t n = 0;
		for (size_t i = 0; i < tls_reg_sslv2_count() && n < 16; i++)
			specs[n++] = tls_reg_sslv2_at(i)->spec;
		c.sslv2_format = true;
		c.legacy_version = TLS_V_SSL2;
		c.random_len = 16;
		c.sslv2_specs = specs;
		c.n_sslv2_specs = n;
		req->hello_len = tls_chb_build(&c, req->hello, sizeof(req->hello));
		req->id = id;
		return req->hello_len > 0;
	}

	if (h->n_suites + 1 > sizeof(suites) / sizeof(suites[0]))
		return false;
	memcpy(suites, h->suites, h->n_suites * sizeof(suites[0]));
	size_t ns = h->n_suites;
	if (h->fallback_scsv)
		suites[ns++] = 0x5600;
	c.suites = suites;
	c.n_suites = ns;

	size_t ng = 0, nsig = 0;
	if (!h->no_groups) {
		if (h->groups) {
			ng = h->n_groups < 128 ? h->n_groups : 128;
			memcpy(groups, h->groups, ng * sizeof(groups[0]));
		} else if (h->version == TLS_V_TLS13) {
			ng = plan_all_groups(groups, 128);
		} else {
			ng = plan_ec_groups(groups, 128);
		}
	}
	if (h->sig_algs) {
		nsig = h->n_sig_algs < 128 ? h->n_sig_algs : 128;
		memcpy(sigs, h->sig_algs, nsig * sizeof(sigs[0]));
	} else {
		nsig = plan_all_sigalgs(sigs, 128);
	}

	if (h->version == TLS_V_SSL3) {
		c.record_version = TLS_V_SSL3;
		c.legacy_version = TLS_V_SSL3;
		c.compression = comp_deflate;
		c.n_compression = sizeof(comp_deflate);
		c.no_extensions = true;
	} else if (h->version == TLS_V_TLS13) {
		plan_keyed(key, "tlsscope-session-id", ip, port, id, sid);
		plan_keyed(key, "tlsscope-x25519", ip, port, id, share);
		*sid_len = 32;
		c.record_version = TLS_V_TLS10;
		c.legacy_version = TLS_V_TLS12;
		c.session_id = sid;
		c.session_id_len = 32;
		c.sni = sni;
		c.groups = groups;
		c.n_groups = ng;
		c.alpn = alpn;
		c.n_alpn = 2;
		c.status_request = true;
		if (h->empty_key_share) {
			c.extra = &empty_ks;
			c.n_extra = 1;
		} else {
			ks.group = 0x001d;
			ks.key = share;
			ks.key_len = sizeof(share);
			c.key_shares = &ks;
			c.n_key_shares = 1;
		}
		c.versions = tls13;
		c.n_versions = 1;
		c.sig_algs = sigs;
		c.n_sig_algs = nsig;
		c.psk_modes = true;
		c.pad_to = HELLO_PAD;
	} else {
		c.record_version = TLS_V_TLS10;
		c.legacy_version = h->version;
		c.compression = comp_deflate;
		c.n_compression = sizeof(comp_deflate);
		c.sni = sni;
		c.ems = true;
		c.reneg_info = true;
		c.groups = groups;
		c.n_groups = ng;
		c.point_formats = point_formats;
		c.n_point_formats = sizeof(point_formats);
		c.session_ticket = true;
		c.alpn = alpn;
		c.n_alpn = 2;
		c.status_request = true;
		c.etm = true;
		c.heartbeat = true;
		c.sig_algs = sigs;
		c.n_sig_algs = nsig;
		c.pad_to = HELLO_PAD;
	}
	req->hello_len = tls_chb_build(&c, req->hello, sizeof(req->hello));
	req->id = id;
	return req->hello_len > 0;
}
