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
 *            status_request, key_share {x25519} (or empty, to ask for an HRR; or of the
 *            group an HRR asked for: x448 keyed, the NIST curves their generator),
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

/* TLS 1.3 CertificateVerify schemes (RFC 8446 §4.2.3, RFC 8734, ML-DSA): not
 * rsa_pkcs1_*, SHA-1 or SHA-224 ones, nor schemes of other national suites. */
size_t plan_sigalgs13(uint16_t *out, size_t cap)
{
	static const char *const prefix[] = { "rsa_pss_", "ecdsa_secp", "ed25519", "ed448",
					      "ecdsa_brainpool", "mldsa" };
	size_t n = 0;
	for (size_t i = 0; i < tls_reg_sigscheme_count() && n < cap; i++) {
		const struct tls_sigscheme_info *s = tls_reg_sigscheme_at(i);
		bool ok = false;
		for (size_t k = 0; k < sizeof(prefix) / sizeof(prefix[0]); k++)
			ok = ok || !strncmp(s->name, prefix[k], strlen(prefix[k]));
		if (!strncmp(s->name, "ecdsa_brainpool", 15) && !strstr(s->name, "tls13"))
			ok = false;
		if (ok)
			out[n++] = s->code;
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

/* The generators of secp256r1, secp384r1, secp521r1 (SEC 2), uncompressed: a valid public
 * key that needs no key generation (the probe never completes the handshake). */
static const uint8_t gen_p256[65] = {
	0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63,
	0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39,
	0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e,
	0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e,
	0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5
};
static const uint8_t gen_p384[97] = {
	0x04, 0xaa, 0x87, 0xca, 0x22, 0xbe, 0x8b, 0x05, 0x37, 0x8e, 0xb1, 0xc7, 0x1e, 0xf3,
	0x20, 0xad, 0x74, 0x6e, 0x1d, 0x3b, 0x62, 0x8b, 0xa7, 0x9b, 0x98, 0x59, 0xf7, 0x41,
	0xe0, 0x82, 0x54, 0x2a, 0x38, 0x55, 0x02, 0xf2, 0x5d, 0xbf, 0x55, 0x29, 0x6c, 0x3a,
	0x54, 0x5e, 0x38, 0x72, 0x76, 0x0a, 0xb7, 0x36, 0x17, 0xde, 0x4a, 0x96, 0x26, 0x2c,
	0x6f, 0x5d, 0x9e, 0x98, 0xbf, 0x92, 0x92, 0xdc, 0x29, 0xf8, 0xf4, 0x1d, 0xbd, 0x28,
	0x9a, 0x14, 0x7c, 0xe9, 0xda, 0x31, 0x13, 0xb5, 0xf0, 0xb8, 0xc0, 0x0a, 0x60, 0xb1,
	0xce, 0x1d, 0x7e, 0x81, 0x9d, 0x7a, 0x43, 0x1d, 0x7c, 0x90, 0xea, 0x0e, 0x5f
};
static const uint8_t gen_p521[133] = {
	0x04, 0x00, 0xc6, 0x85, 0x8e, 0x06, 0xb7, 0x04, 0x04, 0xe9, 0xcd, 0x9e, 0x3e, 0xcb,
	0x66, 0x23, 0x95, 0xb4, 0x42, 0x9c, 0x64, 0x81, 0x39, 0x05, 0x3f, 0xb5, 0x21, 0xf8,
	0x28, 0xaf, 0x60, 0x6b, 0x4d, 0x3d, 0xba, 0xa1, 0x4b, 0x5e, 0x77, 0xef, 0xe7, 0x59,
	0x28, 0xfe, 0x1d, 0xc1, 0x27, 0xa2, 0xff, 0xa8, 0xde, 0x33, 0x48, 0xb3, 0xc1, 0x85,
	0x6a, 0x42, 0x9b, 0xf9, 0x7e, 0x7e, 0x31, 0xc2, 0xe5, 0xbd, 0x66, 0x01, 0x18, 0x39,
	0x29, 0x6a, 0x78, 0x9a, 0x3b, 0xc0, 0x04, 0x5c, 0x8a, 0x5f, 0xb4, 0x2c, 0x7d, 0x1b,
	0xd9, 0x98, 0xf5, 0x44, 0x49, 0x57, 0x9b, 0x44, 0x68, 0x17, 0xaf, 0xbd, 0x17, 0x27,
	0x3e, 0x66, 0x2c, 0x97, 0xee, 0x72, 0x99, 0x5e, 0xf4, 0x26, 0x40, 0xc5, 0x50, 0xb9,
	0x01, 0x3f, 0xad, 0x07, 0x61, 0x35, 0x3c, 0x70, 0x86, 0xa2, 0x72, 0xc2, 0x40, 0x88,
	0xbe, 0x94, 0x76, 0x9f, 0xd1, 0x66, 0x50
};

bool plan_key_share_ok(uint16_t g)
{
	return g == 0 || g == 0x001d || g == 0x001e || g == 0x0017 || g == 0x0018 ||
	       g == 0x0019;
}

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
	uint8_t random[32], share[56];
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
			ks.group = h->key_share ? h->key_share : 0x001d;
			ks.key = share;
			ks.key_len = 32;
			if (ks.group == 0x001e) {
				plan_keyed(key, "tlsscope-x448", ip, port, id, share + 24);
				ks.key_len = 56; /* bytes 0..23 from the x25519 value */
			} else if (ks.group == 0x0017) {
				ks.key = gen_p256, ks.key_len = sizeof(gen_p256);
			} else if (ks.group == 0x0018) {
				ks.key = gen_p384, ks.key_len = sizeof(gen_p384);
			} else if (ks.group == 0x0019) {
				ks.key = gen_p521, ks.key_len = sizeof(gen_p521);
			}
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
