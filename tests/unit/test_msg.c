/*
 * Unit tests of the handshake message parsers (msg.h).
 *
 * Every input is assembled with bld (STYLE rule 9): lengths are back-patched, never counted by
 * hand; a deliberately wrong length is written as an explicit number with a comment saying
 * it lies. Expected values come from the specifications: the HelloRetryRequest random is
 * computed here as SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3), the downgrade sentinels
 * are the RFC's ASCII "DOWNGRD" + 01/00, bit lengths of DH primes and RSA moduli are checked
 * against OpenSSL's BN_num_bits.
 *
 * One table drives every parser: {input builder, parser, want status, want anomaly, field
 * checks}. Every valid case is also parsed at every prefix length (exact-size heap copies,
 * so ASan sees overreads): a prefix must give TLS_NEED_MORE, except a hello cut exactly
 * after its mandatory fields, which is a complete hello without extensions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>

#include "capture/wire/bld.h"
#include "capture/wire/digest.h"
#include "capture/wire/msg.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t hrr_random[32]; /* SHA-256("HelloRetryRequest"), set in main() */
static const uint8_t downgrd[7] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D' };

/* ---- small builders ------------------------------------------------------------------ */

/* n bytes of a recognisable pattern: seed, seed+1, ... */
static void pattern(struct bld *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		bld_u8(b, (uint8_t)(seed + i));
}

static void ext_open(struct bld *b, uint16_t type)
{
	bld_u16(b, type);
	bld_open(b, 2);
}

static void ext_empty(struct bld *b, uint16_t type)
{
	ext_open(b, type);
	bld_close(b);
}

static void ext_u16s(struct bld *b, uint16_t type, int width, const uint16_t *v, size_t n)
{
	ext_open(b, type);
	bld_open(b, width);
	for (size_t i = 0; i < n; i++)
		bld_u16(b, v[i]);
	bld_close(b);
	bld_close(b);
}

static void ext_sni(struct bld *b, const char *name)
{
	ext_open(b, TLS_EXT_SERVER_NAME);
	bld_open(b, 2);
	bld_u8(b, 0);
	bld_open(b, 2);
	bld_bytes(b, name, strlen(name));
	bld_close(b);
	bld_close(b);
	bld_close(b);
}

static void ext_alpn(struct bld *b, const char *const *names, size_t n)
{
	ext_open(b, TLS_EXT_ALPN);
	bld_open(b, 2);
	for (size_t i = 0; i < n; i++) {
		bld_open(b, 1);
		bld_bytes(b, names[i], strlen(names[i]));
		bld_close(b);
	}
	bld_close(b);
	bld_close(b);
}

/* ---- ClientHello --------------------------------------------------------------------- */

static const uint16_t suites3[] = { 0x1301, 0xc02f, 0x00ff };

struct ch_spec {
	uint16_t version;
	size_t sid_len;
	const uint16_t *suites;
	size_t n_suites;
	bool odd_byte;                  /* a stray byte inside the suites vector */
	size_t comp_len;                /* methods 0, 1, 2, ... */
	void (*exts)(struct bld *b);    /* the extension block's body; NULL: no block */
	size_t trailing;                /* bytes after the extension block */
};

static void build_ch(struct bld *b, const struct ch_spec *s)
{
	bld_u16(b, s->version);
	pattern(b, 32, 0x40);
	bld_open(b, 1);
	pattern(b, s->sid_len, 0x90);
	bld_close(b);
	bld_open(b, 2);
	for (size_t i = 0; i < s->n_suites; i++)
		bld_u16(b, s->suites[i]);
	if (s->odd_byte)
		bld_u8(b, 0x13);
	bld_close(b);
	bld_open(b, 1);
	pattern(b, s->comp_len, 0);
	bld_close(b);
	if (s->exts) {
		bld_open(b, 2);
		s->exts(b);
		bld_close(b);
	}
	pattern(b, s->trailing, 0xee);
}

static const uint16_t grp_full[] = { 0x2a2a, 0x001d, 0x0017 };
static const uint16_t sig_full[] = { 0x0403, 0x0804, 0x0401 };
static const uint16_t ver_full[] = { 0x3a3a, 0x0304, 0x0303 };
static const uint16_t certcomp_full[] = { 0x0002 };
static const char *const alpn_full[] = { "h2", "http/1.1" };

/* A Chrome-like TLS 1.3 extension set: 17 extensions, GREASE first and last. */
static void exts_full(struct bld *b)
{
	ext_empty(b, 0x0a0a);
	ext_sni(b, "example.com");
	ext_empty(b, TLS_EXT_EXTENDED_MASTER_SECRET);
	ext_open(b, TLS_EXT_RENEGOTIATION_INFO);
	bld_u8(b, 0);
	bld_close(b);
	ext_u16s(b, TLS_EXT_SUPPORTED_GROUPS, 2, grp_full, 3);
	ext_open(b, TLS_EXT_EC_POINT_FORMATS);
	bld_open(b, 1);
	bld_u8(b, 0);
	bld_close(b);
	bld_close(b);
	ext_empty(b, TLS_EXT_SESSION_TICKET);
	ext_alpn(b, alpn_full, 2);
	ext_open(b, TLS_EXT_STATUS_REQUEST);
	bld_u8(b, 1);
	bld_u16(b, 0);
	bld_u16(b, 0);
	bld_close(b);
	ext_u16s(b, TLS_EXT_SIGNATURE_ALGORITHMS, 2, sig_full, 3);
	ext_open(b, TLS_EXT_KEY_SHARE);
	bld_open(b, 2);
	bld_u16(b, 0x2a2a); /* GREASE share, one byte */
	bld_open(b, 2);
	bld_u8(b, 0);
	bld_close(b);
	bld_u16(b, 0x001d);
	bld_open(b, 2);
	pattern(b, 32, 0xa0);
	bld_close(b);
	bld_close(b);
	bld_close(b);
	ext_open(b, TLS_EXT_PSK_KEY_EXCHANGE_MODES);
	bld_open(b, 1);
	bld_u8(b, 1);
	bld_close(b);
	bld_close(b);
	ext_u16s(b, TLS_EXT_SUPPORTED_VERSIONS, 1, ver_full, 3);
	ext_u16s(b, TLS_EXT_COMPRESS_CERTIFICATE, 1, certcomp_full, 1);
	ext_open(b, TLS_EXT_HEARTBEAT);
	bld_u8(b, 2);
	bld_close(b);
	ext_open(b, TLS_EXT_PADDING);
	pattern(b, 10, 0);
	bld_close(b);
	ext_open(b, 0x1a1a);
	bld_u8(b, 0);
	bld_close(b);
}

static void exts_empty_block(struct bld *b) { (void)b; }

static void exts_overrun(struct bld *b)
{
	ext_empty(b, TLS_EXT_EXTENDED_MASTER_SECRET);
	bld_u16(b, TLS_EXT_SESSION_TICKET);
	bld_u16(b, 10); /* lies: only 2 bytes follow in the block */
	bld_u16(b, 0);
}

static void exts_cut_header(struct bld *b)
{
	ext_empty(b, TLS_EXT_EXTENDED_MASTER_SECRET);
	bld_u16(b, TLS_EXT_SESSION_TICKET);
	bld_u8(b, 0); /* half a length field, then the block ends */
}

static void exts_dup(struct bld *b)
{
	ext_sni(b, "first.example");
	ext_empty(b, TLS_EXT_EXTENDED_MASTER_SECRET);
	ext_sni(b, "second.example");
}

static void exts_sni_overrun(struct bld *b)
{
	ext_open(b, TLS_EXT_SERVER_NAME);
	bld_open(b, 2);
	bld_u8(b, 0);
	bld_u16(b, 40); /* lies: the name is 4 bytes */
	bld_bytes(b, "abcd", 4);
	bld_close(b);
	bld_close(b);
}

static void exts_sni_empty_name(struct bld *b) { ext_sni(b, ""); }

static void exts_sni_empty_list(struct bld *b)
{
	ext_open(b, TLS_EXT_SERVER_NAME);
	bld_open(b, 2);
	bld_close(b);
	bld_close(b);
}

static void exts_sni_trailing(struct bld *b)
{
	ext_open(b, TLS_EXT_SERVER_NAME);
	bld_open(b, 2);
	bld_u8(b, 0);
	bld_open(b, 2);
	bld_bytes(b, "a.example", 9);
	bld_close(b);
	bld_close(b);
	bld_u8(b, 0x99); /* after the list, inside the extension */
	bld_close(b);
}

static void exts_alpn_empty_value(struct bld *b)
{
	static const char *const names[] = { "h2", "" };
	ext_alpn(b, names, 2);
}

static void exts_alpn_overrun(struct bld *b)
{
	ext_open(b, TLS_EXT_ALPN);
	bld_open(b, 2);
	bld_u8(b, 9); /* lies: 2 bytes follow */
	bld_bytes(b, "h2", 2);
	bld_close(b);
	bld_close(b);
}

static void exts_alpn_empty_list(struct bld *b) { ext_alpn(b, NULL, 0); }

static void exts_groups_odd(struct bld *b)
{
	ext_open(b, TLS_EXT_SUPPORTED_GROUPS);
	bld_open(b, 2);
	bld_u16(b, 0x001d);
	bld_u8(b, 0x00);
	bld_close(b);
	bld_close(b);
}

static void exts_versions_trailing(struct bld *b)
{
	ext_open(b, TLS_EXT_SUPPORTED_VERSIONS);
	bld_open(b, 1);
	bld_u16(b, 0x0304);
	bld_close(b);
	bld_u8(b, 0); /* after the vector, inside the extension */
	bld_close(b);
}

static void exts_key_share_bad(struct bld *b)
{
	ext_open(b, TLS_EXT_KEY_SHARE);
	bld_open(b, 2);
	bld_u16(b, 0x001d);
	bld_u16(b, 32); /* lies: 4 bytes follow */
	pattern(b, 4, 0);
	bld_close(b);
	bld_close(b);
}

static void exts_65(struct bld *b)
{
	for (uint16_t i = 0; i < 65; i++)
		ext_empty(b, (uint16_t)(0x1000 + i));
}

static const struct ch_spec ch_full = { 0x0303, 32, suites3, 3, false, 1, exts_full, 0 };
static const struct ch_spec ch_tls12_noext = { 0x0303, 0, suites3, 3, false, 1, NULL, 0 };
static const struct ch_spec ch_ssl3 = { 0x0300, 0, suites3, 3, false, 2, NULL, 0 };
static const struct ch_spec ch_empty_block = { 0x0301, 0, suites3, 1, false, 1,
					       exts_empty_block, 0 };
static const struct ch_spec ch_sid33 = { 0x0303, 33, suites3, 3, false, 1, exts_full, 0 };
static const struct ch_spec ch_odd_suites = { 0x0303, 0, suites3, 3, true, 1, exts_full, 0 };
static const struct ch_spec ch_no_suites = { 0x0303, 0, suites3, 0, false, 1, exts_full, 0 };
static const struct ch_spec ch_no_comp = { 0x0303, 0, suites3, 3, false, 0, exts_full, 0 };
static const struct ch_spec ch_ext_overrun = { 0x0303, 0, suites3, 3, false, 1,
					       exts_overrun, 0 };
static const struct ch_spec ch_ext_cut = { 0x0303, 0, suites3, 3, false, 1,
					   exts_cut_header, 0 };
static const struct ch_spec ch_dup = { 0x0303, 0, suites3, 3, false, 1, exts_dup, 0 };
static const struct ch_spec ch_sni_overrun = { 0x0303, 0, suites3, 3, false, 1,
					       exts_sni_overrun, 0 };
static const struct ch_spec ch_sni_empty = { 0x0303, 0, suites3, 3, false, 1,
					     exts_sni_empty_name, 0 };
static const struct ch_spec ch_sni_nolist = { 0x0303, 0, suites3, 3, false, 1,
					      exts_sni_empty_list, 0 };
static const struct ch_spec ch_sni_trailing = { 0x0303, 0, suites3, 3, false, 1,
						exts_sni_trailing, 0 };
static const struct ch_spec ch_alpn_empty = { 0x0303, 0, suites3, 3, false, 1,
					      exts_alpn_empty_value, 0 };
static const struct ch_spec ch_alpn_overrun = { 0x0303, 0, suites3, 3, false, 1,
						exts_alpn_overrun, 0 };
static const struct ch_spec ch_alpn_nolist = { 0x0303, 0, suites3, 3, false, 1,
					       exts_alpn_empty_list, 0 };
static const struct ch_spec ch_groups_odd = { 0x0303, 0, suites3, 3, false, 1,
					      exts_groups_odd, 0 };
static const struct ch_spec ch_versions_trailing = { 0x0303, 0, suites3, 3, false, 1,
						     exts_versions_trailing, 0 };
static const struct ch_spec ch_ks_bad = { 0x0303, 0, suites3, 3, false, 1,
					  exts_key_share_bad, 0 };
static const struct ch_spec ch_65 = { 0x0303, 0, suites3, 3, false, 1, exts_65, 0 };
static const struct ch_spec ch_trailing = { 0x0303, 32, suites3, 3, false, 1, exts_full, 3 };
static const struct ch_spec ch_one_trailing_byte = { 0x0303, 0, suites3, 3, false, 1, NULL,
						     1 };

/* ---- SSLv2 CLIENT-HELLO / SERVER-HELLO ---------------------------------------------- */

/* The seven SSLv2 cipher specs (draft-hickman-netscape-ssl-00, appendix C). */
static const uint32_t v2_specs[] = { 0x010080, 0x020080, 0x030080, 0x040080,
				     0x050080, 0x060040, 0x0700c0 };

struct v2_spec {
	uint8_t type;
	uint16_t version;
	size_t n_specs;
	bool odd_len;      /* cipher_spec_length one more than the specs (a lie) */
	size_t sid_len;
	size_t chal_len;
	size_t trailing;
};

static void build_v2ch(struct bld *b, const struct v2_spec *s)
{
	bld_u8(b, s->type);
	bld_u16(b, s->version);
	bld_u16(b, (uint16_t)(3 * s->n_specs + (s->odd_len ? 1 : 0)));
	bld_u16(b, (uint16_t)s->sid_len);
	bld_u16(b, (uint16_t)s->chal_len);
	for (size_t i = 0; i < s->n_specs; i++)
		bld_u24(b, v2_specs[i % ARRAY_LEN(v2_specs)]);
	if (s->odd_len)
		bld_u8(b, 0);
	pattern(b, s->sid_len, 0x30);
	pattern(b, s->chal_len, 0x60);
	pattern(b, s->trailing, 0xee);
}

static const struct v2_spec v2_ok = { 1, 0x0002, 7, false, 0, 16, 0 };
static const struct v2_spec v2_compat = { 1, 0x0301, 7, false, 16, 32, 0 };
static const struct v2_spec v2_bad_type = { 2, 0x0002, 7, false, 0, 16, 0 };
static const struct v2_spec v2_odd = { 1, 0x0002, 7, true, 0, 16, 0 };
static const struct v2_spec v2_no_specs = { 1, 0x0002, 0, false, 0, 16, 0 };
static const struct v2_spec v2_chal15 = { 1, 0x0002, 7, false, 0, 15, 0 };
static const struct v2_spec v2_chal33 = { 1, 0x0002, 7, false, 0, 33, 0 };
static const struct v2_spec v2_sid8 = { 1, 0x0002, 7, false, 8, 16, 0 };
static const struct v2_spec v2_trailing = { 1, 0x0002, 7, false, 0, 16, 2 };

struct v2sh_spec {
	uint8_t type;
	size_t cert_len;
	size_t n_specs;
	bool odd_len;
	size_t cid_len;
};

static void build_v2sh(struct bld *b, const struct v2sh_spec *s)
{
	bld_u8(b, s->type);
	bld_u8(b, 0);    /* session_id_hit */
	bld_u8(b, 1);    /* certificate_type: X.509 */
	bld_u16(b, 0x0002);
	bld_u16(b, (uint16_t)s->cert_len);
	bld_u16(b, (uint16_t)(3 * s->n_specs + (s->odd_len ? 2 : 0)));
	bld_u16(b, (uint16_t)s->cid_len);
	pattern(b, s->cert_len, 0x30);
	for (size_t i = 0; i < s->n_specs; i++)
		bld_u24(b, v2_specs[i]);
	if (s->odd_len)
		bld_u16(b, 0);
	pattern(b, s->cid_len, 0x70);
}

static const struct v2sh_spec v2sh_ok = { 4, 300, 2, false, 16 };
static const struct v2sh_spec v2sh_bad_type = { 5, 300, 2, false, 16 };
static const struct v2sh_spec v2sh_odd = { 4, 300, 2, true, 16 };
static const struct v2sh_spec v2sh_cid8 = { 4, 300, 2, false, 8 };

/* ---- ServerHello --------------------------------------------------------------------- */

enum rnd_kind { R_PLAIN, R_HRR, R_DG12, R_DG11, R_DG_OTHER };

struct sh_spec {
	uint16_t version;
	enum rnd_kind rnd;
	size_t sid_len;
	uint16_t cipher;
	void (*exts)(struct bld *b);
	size_t trailing;
};

static void build_sh(struct bld *b, const struct sh_spec *s)
{
	bld_u16(b, s->version);
	switch (s->rnd) {
	case R_HRR:
		bld_bytes(b, hrr_random, 32);
		break;
	case R_PLAIN:
		pattern(b, 32, 0x50);
		break;
	default:
		pattern(b, 24, 0x50);
		bld_bytes(b, downgrd, sizeof(downgrd));
		bld_u8(b, s->rnd == R_DG12 ? 1 : s->rnd == R_DG11 ? 0 : 2);
		break;
	}
	bld_open(b, 1);
	pattern(b, s->sid_len, 0x90);
	bld_close(b);
	bld_u16(b, s->cipher);
	bld_u8(b, 0);
	if (s->exts) {
		bld_open(b, 2);
		s->exts(b);
		bld_close(b);
	}
	pattern(b, s->trailing, 0xee);
}

static void sh_exts_tls13(struct bld *b)
{
	static const uint16_t v = 0x0304;
	ext_open(b, TLS_EXT_KEY_SHARE);
	bld_u16(b, 0x001d);
	bld_open(b, 2);
	pattern(b, 32, 0xc0);
	bld_close(b);
	bld_close(b);
	ext_open(b, TLS_EXT_SUPPORTED_VERSIONS);
	bld_u16(b, v);
	bld_close(b);
}

static void sh_exts_hrr(struct bld *b)
{
	ext_open(b, TLS_EXT_SUPPORTED_VERSIONS);
	bld_u16(b, 0x0304);
	bld_close(b);
	ext_open(b, TLS_EXT_KEY_SHARE);
	bld_u16(b, 0x0017); /* selected_group */
	bld_close(b);
	ext_open(b, 44); /* cookie */
	bld_open(b, 2);
	pattern(b, 8, 0);
	bld_close(b);
	bld_close(b);
}

static void sh_exts_hrr_no_sv(struct bld *b)
{
	ext_open(b, TLS_EXT_KEY_SHARE);
	bld_u16(b, 0x0017);
	bld_close(b);
}

static void sh_exts_tls12(struct bld *b)
{
	static const char *const h2[] = { "h2" };
	ext_open(b, TLS_EXT_RENEGOTIATION_INFO);
	bld_u8(b, 0);
	bld_close(b);
	ext_empty(b, TLS_EXT_EXTENDED_MASTER_SECRET);
	ext_alpn(b, h2, 1);
	ext_open(b, TLS_EXT_EC_POINT_FORMATS);
	bld_open(b, 1);
	bld_u8(b, 0);
	bld_close(b);
	bld_close(b);
}

static void sh_exts_grease(struct bld *b) { ext_empty(b, 0x0a0a); }

static void sh_exts_alpn2(struct bld *b) { ext_alpn(b, alpn_full, 2); }

static void sh_exts_bad_sv(struct bld *b)
{
	ext_open(b, TLS_EXT_SUPPORTED_VERSIONS);
	bld_u16(b, 0x0304);
	bld_u8(b, 0);
	bld_close(b);
}

static void sh_exts_bad_ks(struct bld *b)
{
	ext_open(b, TLS_EXT_KEY_SHARE);
	bld_u8(b, 0);
	bld_close(b);
	ext_open(b, TLS_EXT_SUPPORTED_VERSIONS);
	bld_u16(b, 0x0304);
	bld_close(b);
}

static void sh_exts_dup(struct bld *b)
{
	ext_empty(b, TLS_EXT_EXTENDED_MASTER_SECRET);
	ext_empty(b, TLS_EXT_EXTENDED_MASTER_SECRET);
}

static void sh_exts_overrun(struct bld *b)
{
	bld_u16(b, TLS_EXT_EXTENDED_MASTER_SECRET);
	bld_u16(b, 5); /* lies: nothing follows */
}

static const struct sh_spec sh_tls13 = { 0x0303, R_PLAIN, 32, 0x1301, sh_exts_tls13, 0 };
static const struct sh_spec sh_tls12 = { 0x0303, R_PLAIN, 32, 0xc02f, sh_exts_tls12, 0 };
static const struct sh_spec sh_ssl3 = { 0x0300, R_PLAIN, 0, 0x000a, NULL, 0 };
static const struct sh_spec sh_hrr = { 0x0303, R_HRR, 32, 0x1301, sh_exts_hrr, 0 };
static const struct sh_spec sh_hrr_no_sv = { 0x0303, R_HRR, 0, 0x1301, sh_exts_hrr_no_sv, 0 };
static const struct sh_spec sh_dg12 = { 0x0303, R_DG12, 0, 0xc02f, sh_exts_tls12, 0 };
static const struct sh_spec sh_dg11 = { 0x0302, R_DG11, 0, 0xc013, NULL, 0 };
static const struct sh_spec sh_dg_other = { 0x0303, R_DG_OTHER, 0, 0xc013, NULL, 0 };
static const struct sh_spec sh_bad_version = { 0x0200, R_PLAIN, 0, 0x000a, NULL, 0 };
static const struct sh_spec sh_sid33 = { 0x0303, R_PLAIN, 33, 0x1301, NULL, 0 };
static const struct sh_spec sh_grease = { 0x0303, R_PLAIN, 0, 0xc02f, sh_exts_grease, 0 };
static const struct sh_spec sh_alpn2 = { 0x0303, R_PLAIN, 0, 0xc02f, sh_exts_alpn2, 0 };
static const struct sh_spec sh_bad_sv = { 0x0303, R_PLAIN, 0, 0x1301, sh_exts_bad_sv, 0 };
static const struct sh_spec sh_bad_ks = { 0x0303, R_PLAIN, 0, 0x1301, sh_exts_bad_ks, 0 };
static const struct sh_spec sh_dup = { 0x0303, R_PLAIN, 0, 0xc02f, sh_exts_dup, 0 };
static const struct sh_spec sh_overrun = { 0x0303, R_PLAIN, 0, 0xc02f, sh_exts_overrun, 0 };
static const struct sh_spec sh_trailing = { 0x0303, R_PLAIN, 0, 0xc02f, sh_exts_tls12, 2 };

/* ---- Certificate --------------------------------------------------------------------- */

static void cert_entry(struct bld *b, size_t n, uint8_t seed)
{
	bld_open(b, 3);
	pattern(b, n, seed);
	bld_close(b);
}

static void cert12_three(struct bld *b)
{
	bld_open(b, 3);
	cert_entry(b, 100, 0x01);
	cert_entry(b, 200, 0x02);
	cert_entry(b, 50, 0x03);
	bld_close(b);
}

static void cert12_empty(struct bld *b)
{
	bld_open(b, 3);
	bld_close(b);
}

static void cert12_overrun(struct bld *b)
{
	bld_open(b, 3);
	cert_entry(b, 10, 0x01);
	bld_u24(b, 500); /* lies: 10 bytes follow inside the list */
	pattern(b, 10, 0);
	bld_close(b);
}

static void cert12_empty_entry(struct bld *b)
{
	bld_open(b, 3);
	cert_entry(b, 10, 0x01);
	cert_entry(b, 0, 0);
	bld_close(b);
}

static void cert12_trailing(struct bld *b)
{
	cert12_three(b);
	bld_u16(b, 0);
}

static void cert12_513(struct bld *b)
{
	bld_open(b, 3);
	for (size_t i = 0; i < TLS_MAX_CERTS + 1; i++)
		cert_entry(b, 1, (uint8_t)i);
	bld_close(b);
}

static void cert13_entry(struct bld *b, size_t n, uint8_t seed, bool with_ocsp)
{
	cert_entry(b, n, seed);
	bld_open(b, 2);
	if (with_ocsp) {
		ext_open(b, TLS_EXT_STATUS_REQUEST);
		bld_u8(b, 1);
		bld_open(b, 3);
		pattern(b, 20, 0x77);
		bld_close(b);
		bld_close(b);
	}
	bld_close(b);
}

static void cert13_two(struct bld *b)
{
	bld_open(b, 1); /* certificate_request_context */
	bld_close(b);
	bld_open(b, 3);
	cert13_entry(b, 100, 0x01, true);
	cert13_entry(b, 60, 0x02, false);
	bld_close(b);
}

static void cert13_ctx(struct bld *b)
{
	bld_open(b, 1);
	pattern(b, 4, 0xcc);
	bld_close(b);
	bld_open(b, 3);
	cert13_entry(b, 100, 0x01, false);
	bld_close(b);
}

static void cert13_ctx2(struct bld *b)
{
	bld_open(b, 1);
	pattern(b, 4, 0xcc);
	bld_close(b);
	bld_open(b, 3);
	cert13_entry(b, 100, 0x01, false);
	cert13_entry(b, 2, 0x02, false);
	bld_close(b);
}

static void cert13_overrun(struct bld *b)
{
	bld_open(b, 1);
	bld_close(b);
	bld_open(b, 3);
	cert_entry(b, 10, 0x01);
	bld_u16(b, 300); /* lies: the entry's extensions are 0 bytes, the list ends here */
	bld_close(b);
}

/* ---- CertificateStatus --------------------------------------------------------------- */

static void status_ok(struct bld *b)
{
	bld_u8(b, 1);
	bld_open(b, 3);
	pattern(b, 20, 0x30);
	bld_close(b);
}

static void status_type2(struct bld *b)
{
	bld_u8(b, 2); /* ocsp_multi is not a CertificateStatus type */
	bld_open(b, 3);
	pattern(b, 20, 0x30);
	bld_close(b);
}

static void status_empty(struct bld *b)
{
	bld_u8(b, 1);
	bld_open(b, 3);
	bld_close(b);
}

static void status_trailing(struct bld *b)
{
	status_ok(b);
	bld_u8(b, 0);
}

/* ---- ServerKeyExchange --------------------------------------------------------------- */

/* A 2048-bit p sent with a leading zero byte (257 bytes): first byte 0, then 0xff... */
static void dh_p2048(struct bld *b)
{
	bld_open(b, 2);
	bld_u8(b, 0x00);
	bld_u8(b, 0xff);
	pattern(b, 255, 0x11);
	bld_close(b);
}

static void ecparams(struct bld *b, uint8_t curve_type, uint16_t group, size_t point_len)
{
	bld_u8(b, curve_type);
	bld_u16(b, group);
	bld_open(b, 1);
	pattern(b, point_len, 0x04);
	bld_close(b);
}

static void signature(struct bld *b, bool tls12)
{
	if (tls12)
		bld_u16(b, 0x0804); /* rsa_pss_rsae_sha256 */
	bld_open(b, 2);
	pattern(b, 256, 0x5a);
	bld_close(b);
}

static void hint(struct bld *b, const char *h)
{
	bld_open(b, 2);
	bld_bytes(b, h, strlen(h));
	bld_close(b);
}

static void ske_ecdhe12(struct bld *b)
{
	ecparams(b, 3, 0x001d, 32);
	signature(b, true);
}

static void ske_ecdhe10(struct bld *b)
{
	ecparams(b, 3, 0x0017, 65);
	signature(b, false);
}

static void ske_ecdhe_explicit(struct bld *b)
{
	ecparams(b, 1, 0x001d, 32); /* explicit_prime: not decoded */
	signature(b, true);
}

static void ske_ecdhe_nopoint(struct bld *b)
{
	ecparams(b, 3, 0x001d, 0);
	signature(b, true);
}

static void ske_ecdh_anon(struct bld *b) { ecparams(b, 3, 0x0018, 97); }

static void ske_dhe12(struct bld *b)
{
	dh_p2048(b);
	bld_open(b, 2);
	bld_u8(b, 2);
	bld_close(b);
	bld_open(b, 2);
	pattern(b, 256, 0x22);
	bld_close(b);
	signature(b, true);
}

static void ske_dhe_empty_g(struct bld *b)
{
	dh_p2048(b);
	bld_open(b, 2);
	bld_close(b);
	bld_open(b, 2);
	pattern(b, 256, 0x22);
	bld_close(b);
	signature(b, true);
}

static void ske_dh_anon(struct bld *b)
{
	bld_open(b, 2);
	bld_u8(b, 0xc0);
	pattern(b, 127, 0x11); /* 1024 bits */
	bld_close(b);
	bld_open(b, 2);
	bld_u8(b, 5);
	bld_close(b);
	bld_open(b, 2);
	pattern(b, 128, 0x22);
	bld_close(b);
}

static void ske_psk(struct bld *b) { hint(b, "hint-of-the-day"); }

static void ske_psk_empty(struct bld *b) { hint(b, ""); }

static void ske_ecdhe_psk(struct bld *b)
{
	hint(b, "psk-hint");
	ecparams(b, 3, 0x001d, 32);
}

static void ske_dhe_psk(struct bld *b)
{
	hint(b, "");
	dh_p2048(b);
	bld_open(b, 2);
	bld_u8(b, 2);
	bld_close(b);
	bld_open(b, 2);
	pattern(b, 256, 0x22);
	bld_close(b);
}

static void ske_rsa_export(struct bld *b)
{
	bld_open(b, 2);
	bld_u8(b, 0x00); /* leading zero, then a 512-bit modulus */
	bld_u8(b, 0xd0);
	pattern(b, 63, 0x33);
	bld_close(b);
	bld_open(b, 2);
	bld_u24(b, 65537);
	bld_close(b);
	signature(b, false);
}

static void ske_trailing(struct bld *b)
{
	ske_ecdhe12(b);
	bld_u8(b, 0);
}

/* ---- Alert --------------------------------------------------------------------------- */

static void alert_ok(struct bld *b)
{
	bld_u8(b, 2);
	bld_u8(b, 40); /* fatal handshake_failure */
}

static void alert_long(struct bld *b)
{
	alert_ok(b);
	bld_u8(b, 0);
}

/* ---- the table ----------------------------------------------------------------------- */

enum parser { P_CH, P_V2CH, P_SH, P_V2SH, P_CERT12, P_CERT13, P_STATUS, P_SKE, P_ALERT };

union view {
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct tls_sslv2_server_hello v2sh;
	struct tls_certificate cert;
	struct tls_cert_status cs;
	struct tls_server_key_exchange ske;
	struct tls_alert alert;
};

struct msg_case {
	const char *name;
	enum parser parser;
	const void *spec;                /* struct ch_spec / v2_spec / sh_spec / v2sh_spec */
	void (*build)(struct bld *b);    /* the other parsers */
	enum tls_kx kx;
	bool tls12;
	size_t cut;                      /* parse only len - cut bytes */
	enum tls_status want;
	enum tls_anom want_why;          /* TLS_MALFORMED: the fatal anomaly */
	enum tls_anom want_anom;         /* expected in the view's anoms; NONE: anoms empty */
	void (*check)(const union view *v, const uint8_t *body, size_t len);
};

#define ANOMS_OF(p, v)                                                                  \
	((p) == P_CH || (p) == P_V2CH ? &(v)->ch.anoms                                  \
	 : (p) == P_SH                ? &(v)->sh.anoms                                  \
	 : (p) == P_CERT12 || (p) == P_CERT13 ? &(v)->cert.anoms                        \
					      : NULL)

static bool has_anom(const struct tls_anoms *s, enum tls_anom a)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->list[i] == a)
			return true;
	return false;
}

static void assert_bytes_pattern(struct tls_bytes b, size_t n, uint8_t seed)
{
	assert_int_equal(b.len, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(b.p[i], (uint8_t)(seed + i));
}

static void assert_bytes_str(struct tls_bytes b, const char *s)
{
	assert_int_equal(b.len, strlen(s));
	assert_memory_equal(b.p, s, b.len);
}

static void assert_u16s(struct tls_u16s l, const uint16_t *want, size_t n)
{
	assert_int_equal(l.n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tls_u16s_at(l, i), want[i]);
}

/* Bit length of a big-endian number, as OpenSSL computes it. */
static unsigned bn_bits(struct tls_bytes n)
{
	BIGNUM *bn = BN_bin2bn(n.p, (int)n.len, NULL);
	unsigned bits;
	assert_non_null(bn);
	bits = (unsigned)BN_num_bits(bn);
	BN_free(bn);
	return bits;
}

static void check_ch_full(const union view *v, const uint8_t *body, size_t len)
{
	const struct tls_client_hello *ch = &v->ch;
	static const uint16_t want_types[] = {
		0x0a0a, 0, 23, 0xff01, 10, 11, 35, 16, 5, 13, 51, 45, 43, 27, 15, 21, 0x1a1a,
	};
	uint16_t g;
	struct tls_bytes kex;
	(void)body;
	(void)len;
	assert_false(ch->sslv2);
	assert_int_equal(ch->legacy_version, 0x0303);
	assert_bytes_pattern(ch->random, 32, 0x40);
	assert_bytes_pattern(ch->session_id, 32, 0x90);
	assert_int_equal(ch->n_suites, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(tls_ch_suite(ch, i), suites3[i]);
	assert_bytes_pattern(ch->compression, 1, 0);
	assert_true(ch->has_ext_block);
	assert_int_equal(ch->n_exts, ARRAY_LEN(want_types));
	for (size_t i = 0; i < ARRAY_LEN(want_types); i++)
		assert_int_equal(ch->exts[i].type, want_types[i]);
	assert_int_equal(ch->exts[0].body.len, 0);
	assert_bytes_pattern(ch->exts[16].body, 1, 0);
	assert_non_null(tls_ext_find(ch->exts, ch->n_exts, TLS_EXT_PADDING));
	assert_null(tls_ext_find(ch->exts, ch->n_exts, TLS_EXT_EARLY_DATA));
	assert_bytes_str(ch->sni, "example.com");
	assert_int_equal(ch->n_alpn, 2);
	assert_bytes_str(tls_alpn_at(ch->alpn, 0), "h2");
	assert_bytes_str(tls_alpn_at(ch->alpn, 1), "http/1.1");
	assert_int_equal(tls_alpn_at(ch->alpn, 2).len, 0);
	assert_u16s(ch->groups, grp_full, 3);
	assert_bytes_pattern(ch->point_formats, 1, 0);
	assert_u16s(ch->sig_algs, sig_full, 3);
	assert_u16s(ch->versions, ver_full, 3);
	assert_u16s(ch->cert_compression, certcomp_full, 1);
	assert_int_equal(ch->n_key_shares, 2);
	assert_true(tls_key_share_at(ch->key_shares, 0, &g, &kex));
	assert_int_equal(g, 0x2a2a);
	assert_bytes_pattern(kex, 1, 0);
	assert_true(tls_key_share_at(ch->key_shares, 1, &g, &kex));
	assert_int_equal(g, 0x001d);
	assert_bytes_pattern(kex, 32, 0xa0);
	assert_false(tls_key_share_at(ch->key_shares, 2, &g, &kex));
	assert_int_equal(ch->heartbeat_mode, 2);
}

static void check_ch_noext(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_false(v->ch.has_ext_block);
	assert_int_equal(v->ch.n_exts, 0);
	assert_int_equal(v->ch.sni.len, 0);
	assert_int_equal(v->ch.groups.n, 0);
}

static void check_ch_ssl3(const union view *v, const uint8_t *body, size_t len)
{
	check_ch_noext(v, body, len);
	assert_int_equal(v->ch.legacy_version, 0x0300);
	assert_bytes_pattern(v->ch.compression, 2, 0);
}

static void check_ch_empty_block(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_true(v->ch.has_ext_block);
	assert_int_equal(v->ch.n_exts, 0);
	assert_int_equal(v->ch.n_suites, 1);
}

static void check_ch_dup(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->ch.n_exts, 3);
	assert_bytes_str(v->ch.sni, "first.example"); /* the first one counts */
}

static void check_ch_65(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->ch.n_exts, TLS_MAX_EXTS);
	assert_int_equal(v->ch.exts[TLS_MAX_EXTS - 1].type, 0x1000 + TLS_MAX_EXTS - 1);
}

static void check_v2ch(const union view *v, const uint8_t *body, size_t len)
{
	const struct tls_client_hello *ch = &v->ch;
	(void)body;
	(void)len;
	assert_true(ch->sslv2);
	assert_int_equal(ch->legacy_version, 0x0002);
	assert_int_equal(ch->n_suites, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(tls_ch_suite(ch, i), v2_specs[i]);
	assert_int_equal(ch->session_id.len, 0);
	assert_bytes_pattern(ch->random, 16, 0x60);
	assert_int_equal(ch->compression.len, 0);
	assert_false(ch->has_ext_block);
}

static void check_v2ch_compat(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->ch.legacy_version, 0x0301);
	assert_bytes_pattern(v->ch.session_id, 16, 0x30);
	assert_bytes_pattern(v->ch.random, 32, 0x60);
}

static void check_v2sh(const union view *v, const uint8_t *body, size_t len)
{
	const struct tls_sslv2_server_hello *sh = &v->v2sh;
	(void)body;
	(void)len;
	assert_int_equal(sh->session_id_hit, 0);
	assert_int_equal(sh->certificate_type, 1);
	assert_int_equal(sh->version, 0x0002);
	assert_bytes_pattern(sh->certificate, 300, 0x30);
	assert_int_equal(sh->n_specs, 2);
	assert_int_equal(sh->specs.len, 6);
	assert_int_equal(sh->specs.p[0], 0x01);
	assert_int_equal(sh->specs.p[3], 0x02);
	assert_bytes_pattern(sh->connection_id, 16, 0x70);
}

static void check_sh_tls13(const union view *v, const uint8_t *body, size_t len)
{
	const struct tls_server_hello *sh = &v->sh;
	(void)body;
	(void)len;
	assert_int_equal(sh->legacy_version, 0x0303);
	assert_bytes_pattern(sh->random, 32, 0x50);
	assert_bytes_pattern(sh->session_id, 32, 0x90);
	assert_int_equal(sh->cipher, 0x1301);
	assert_int_equal(sh->compression, 0);
	assert_true(sh->has_ext_block);
	assert_int_equal(sh->n_exts, 2);
	assert_false(sh->is_hrr);
	assert_int_equal(sh->selected_version, 0x0304);
	assert_int_equal(sh->version, 0x0304);
	assert_int_equal(sh->key_share_group, 0x001d);
	assert_int_equal(sh->downgrade, TLS_DOWNGRADE_NONE);
}

static void check_sh_tls12(const union view *v, const uint8_t *body, size_t len)
{
	const struct tls_server_hello *sh = &v->sh;
	(void)body;
	(void)len;
	assert_int_equal(sh->cipher, 0xc02f);
	assert_int_equal(sh->selected_version, 0);
	assert_int_equal(sh->version, 0x0303);
	assert_int_equal(sh->n_exts, 4);
	assert_bytes_str(sh->alpn, "h2");
	assert_int_equal(sh->key_share_group, 0);
	assert_false(sh->is_hrr);
}

static void check_sh_ssl3(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->sh.version, 0x0300);
	assert_false(v->sh.has_ext_block);
	assert_int_equal(v->sh.session_id.len, 0);
}

static void check_sh_hrr(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_true(v->sh.is_hrr);
	assert_int_equal(v->sh.version, 0x0304);
	assert_int_equal(v->sh.key_share_group, 0x0017);
	assert_int_equal(v->sh.n_exts, 3);
	assert_int_equal(v->sh.downgrade, TLS_DOWNGRADE_NONE);
}

static void check_sh_hrr_bad(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_true(v->sh.is_hrr);
}

static void check_dg12(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->sh.downgrade, TLS_DOWNGRADE_TLS12);
	assert_false(v->sh.is_hrr);
}

static void check_dg11(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->sh.downgrade, TLS_DOWNGRADE_TLS11);
	assert_int_equal(v->sh.version, 0x0302);
}

static void check_dg_none(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->sh.downgrade, TLS_DOWNGRADE_NONE);
}

static void check_cert12_three(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->cert.n_certs, 3);
	assert_int_equal(v->cert.n_total, 3);
	assert_bytes_pattern(v->cert.certs[0], 100, 0x01);
	assert_bytes_pattern(v->cert.certs[1], 200, 0x02);
	assert_bytes_pattern(v->cert.certs[2], 50, 0x03);
	assert_int_equal(v->cert.context.len, 0);
}

/* Cut inside or right after the third certificate: the first two are kept. */
static void check_cert12_two_kept(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->cert.n_certs, 2);
	assert_int_equal(v->cert.n_total, 2);
	assert_bytes_pattern(v->cert.certs[0], 100, 0x01);
	assert_bytes_pattern(v->cert.certs[1], 200, 0x02);
}

static void check_cert_none(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->cert.n_certs, 0);
	assert_int_equal(v->cert.n_total, 0);
}

static void check_cert_one(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->cert.n_certs, 1);
	assert_int_equal(v->cert.n_total, 1);
	assert_bytes_pattern(v->cert.certs[0], 10, 0x01);
}

static void check_cert12_513(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->cert.n_certs, TLS_MAX_CERTS);
	assert_int_equal(v->cert.n_total, TLS_MAX_CERTS + 1);
}

static void check_cert13_two(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->cert.context.len, 0);
	assert_int_equal(v->cert.n_certs, 2);
	assert_bytes_pattern(v->cert.certs[0], 100, 0x01);
	assert_bytes_pattern(v->cert.certs[1], 60, 0x02);
}

static void check_cert13_one_kept(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->cert.n_certs, 1);
	assert_bytes_pattern(v->cert.certs[0], 100, 0x01);
}

static void check_cert13_ctx(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_bytes_pattern(v->cert.context, 4, 0xcc);
	assert_int_equal(v->cert.n_certs, 1);
}

static void check_status(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->cs.status_type, 1);
	assert_bytes_pattern(v->cs.response, 20, 0x30);
}

static void check_ske_ecdhe12(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->ske.kx, TLS_KX_ECDHE);
	assert_int_equal(v->ske.group, 0x001d);
	assert_bytes_pattern(v->ske.point, 32, 0x04);
	assert_int_equal(v->ske.sig_alg, 0x0804);
	assert_bytes_pattern(v->ske.sig, 256, 0x5a);
	assert_int_equal(v->ske.psk_hint.len, 0);
}

static void check_ske_ecdhe10(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->ske.group, 0x0017);
	assert_bytes_pattern(v->ske.point, 65, 0x04);
	assert_int_equal(v->ske.sig_alg, 0);
	assert_bytes_pattern(v->ske.sig, 256, 0x5a);
}

static void check_ske_ecdh_anon(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->ske.group, 0x0018);
	assert_bytes_pattern(v->ske.point, 97, 0x04);
	assert_int_equal(v->ske.sig.len, 0);
}

static void check_ske_dhe12(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->ske.dh_p.len, 257);
	assert_int_equal(bn_bits(v->ske.dh_p), 2048);
	assert_int_equal(v->ske.dh_bits, 2048);
	assert_int_equal(v->ske.dh_g.len, 1);
	assert_int_equal(v->ske.dh_g.p[0], 2);
	assert_bytes_pattern(v->ske.dh_ys, 256, 0x22);
	assert_int_equal(v->ske.sig_alg, 0x0804);
}

static void check_ske_dh_anon(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->ske.dh_bits, bn_bits(v->ske.dh_p));
	assert_int_equal(v->ske.dh_bits, 1024);
	assert_int_equal(v->ske.sig.len, 0);
}

static void check_ske_psk(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_bytes_str(v->ske.psk_hint, "hint-of-the-day");
}

static void check_ske_psk_empty(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->ske.psk_hint.len, 0);
	assert_int_equal(v->ske.point.len, 0);
	assert_int_equal(v->ske.dh_p.len, 0);
}

static void check_ske_ecdhe_psk(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_bytes_str(v->ske.psk_hint, "psk-hint");
	assert_int_equal(v->ske.group, 0x001d);
	assert_bytes_pattern(v->ske.point, 32, 0x04);
	assert_int_equal(v->ske.sig.len, 0);
}

static void check_ske_dhe_psk(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->ske.psk_hint.len, 0);
	assert_int_equal(v->ske.dh_bits, 2048);
}

static void check_ske_rsa_export(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(bn_bits(v->ske.dh_p), 512);
	assert_int_equal(v->ske.dh_bits, 512);
	assert_int_equal(v->ske.dh_g.len, 3);
	assert_int_equal(v->ske.sig_alg, 0);
	assert_int_equal(v->ske.sig.len, 256);
}

static void check_ske_none(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->ske.kx, TLS_KX_NONE);
	assert_int_equal(v->ske.sig.len, 0);
}

static void check_alert(const union view *v, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	assert_int_equal(v->alert.level, 2);
	assert_int_equal(v->alert.desc, 40);
}

#define OK_ TLS_OK, TLS_ANOM_NONE
#define MORE_ TLS_NEED_MORE, TLS_ANOM_NONE
#define BAD(a) TLS_MALFORMED, TLS_ANOM_##a
#define A(a) TLS_ANOM_##a
#define NO_ANOM TLS_ANOM_NONE
#define KX(k) TLS_KX_##k

static const struct msg_case cases[] = {
	/* ClientHello */
	{ "ch full tls13", P_CH, &ch_full, NULL, 0, 0, 0, OK_, NO_ANOM, check_ch_full },
	{ "ch tls12 no extensions", P_CH, &ch_tls12_noext, NULL, 0, 0, 0, OK_, NO_ANOM,
	  check_ch_noext },
	{ "ch ssl3", P_CH, &ch_ssl3, NULL, 0, 0, 0, OK_, NO_ANOM, check_ch_ssl3 },
	{ "ch empty ext block", P_CH, &ch_empty_block, NULL, 0, 0, 0, OK_, NO_ANOM,
	  check_ch_empty_block },
	{ "ch session id 33", P_CH, &ch_sid33, NULL, 0, 0, 0, BAD(SESSION_ID_TOO_LONG),
	  NO_ANOM, NULL },
	{ "ch odd suites length", P_CH, &ch_odd_suites, NULL, 0, 0, 0, BAD(SUITES_BAD_LENGTH),
	  NO_ANOM, NULL },
	{ "ch empty suites", P_CH, &ch_no_suites, NULL, 0, 0, 0, BAD(SUITES_EMPTY), NO_ANOM,
	  NULL },
	{ "ch empty compression", P_CH, &ch_no_comp, NULL, 0, 0, 0, BAD(COMPRESSION_BAD),
	  NO_ANOM, NULL },
	{ "ch extension overruns block", P_CH, &ch_ext_overrun, NULL, 0, 0, 0,
	  BAD(EXT_BAD_LENGTH), NO_ANOM, NULL },
	{ "ch extension header cut by block", P_CH, &ch_ext_cut, NULL, 0, 0, 0,
	  BAD(EXT_BAD_LENGTH), NO_ANOM, NULL },
	{ "ch duplicate extension", P_CH, &ch_dup, NULL, 0, 0, 0, OK_, A(EXT_DUPLICATE),
	  check_ch_dup },
	{ "ch sni overrun", P_CH, &ch_sni_overrun, NULL, 0, 0, 0, OK_, A(SNI_BAD), NULL },
	{ "ch sni empty name", P_CH, &ch_sni_empty, NULL, 0, 0, 0, OK_, A(SNI_BAD), NULL },
	{ "ch sni empty list", P_CH, &ch_sni_nolist, NULL, 0, 0, 0, OK_, A(SNI_BAD), NULL },
	{ "ch sni trailing", P_CH, &ch_sni_trailing, NULL, 0, 0, 0, OK_, A(SNI_BAD), NULL },
	{ "ch alpn empty value", P_CH, &ch_alpn_empty, NULL, 0, 0, 0, OK_,
	  A(ALPN_EMPTY_VALUE), NULL },
	{ "ch alpn overrun", P_CH, &ch_alpn_overrun, NULL, 0, 0, 0, OK_, A(ALPN_BAD), NULL },
	{ "ch alpn empty list", P_CH, &ch_alpn_nolist, NULL, 0, 0, 0, OK_, A(ALPN_BAD), NULL },
	{ "ch groups odd", P_CH, &ch_groups_odd, NULL, 0, 0, 0, OK_, A(LIST_BAD_LENGTH),
	  NULL },
	{ "ch versions trailing", P_CH, &ch_versions_trailing, NULL, 0, 0, 0, OK_,
	  A(LIST_BAD_LENGTH), NULL },
	{ "ch key share overrun", P_CH, &ch_ks_bad, NULL, 0, 0, 0, OK_, A(KEY_SHARE_BAD),
	  NULL },
	{ "ch 65 extensions", P_CH, &ch_65, NULL, 0, 0, 0, OK_, A(EXT_TOO_MANY), check_ch_65 },
	{ "ch trailing bytes", P_CH, &ch_trailing, NULL, 0, 0, 0, OK_, A(HS_TRAILING),
	  check_ch_full },
	{ "ch one byte after compression", P_CH, &ch_one_trailing_byte, NULL, 0, 0, 0, MORE_,
	  NO_ANOM, NULL },
	{ "ch cut in random", P_CH, &ch_full, NULL, 0, 0, 250, MORE_, NO_ANOM, NULL },
	/* SSLv2 CLIENT-HELLO */
	{ "v2ch 7 specs", P_V2CH, &v2_ok, NULL, 0, 0, 0, OK_, NO_ANOM, check_v2ch },
	{ "v2ch v3 compatible", P_V2CH, &v2_compat, NULL, 0, 0, 0, OK_, NO_ANOM,
	  check_v2ch_compat },
	{ "v2ch bad type", P_V2CH, &v2_bad_type, NULL, 0, 0, 0, BAD(SSLV2_BAD_TYPE), NO_ANOM,
	  NULL },
	{ "v2ch spec length not 3n", P_V2CH, &v2_odd, NULL, 0, 0, 0, BAD(SUITES_BAD_LENGTH),
	  NO_ANOM, NULL },
	{ "v2ch no specs", P_V2CH, &v2_no_specs, NULL, 0, 0, 0, BAD(SUITES_BAD_LENGTH),
	  NO_ANOM, NULL },
	{ "v2ch challenge 15", P_V2CH, &v2_chal15, NULL, 0, 0, 0, BAD(SSLV2_BAD_LENGTH),
	  NO_ANOM, NULL },
	{ "v2ch challenge 33", P_V2CH, &v2_chal33, NULL, 0, 0, 0, BAD(SSLV2_BAD_LENGTH),
	  NO_ANOM, NULL },
	{ "v2ch session id 8", P_V2CH, &v2_sid8, NULL, 0, 0, 0, BAD(SESSION_ID_TOO_LONG),
	  NO_ANOM, NULL },
	{ "v2ch trailing", P_V2CH, &v2_trailing, NULL, 0, 0, 0, OK_, A(HS_TRAILING),
	  check_v2ch },
	{ "v2ch cut in challenge", P_V2CH, &v2_ok, NULL, 0, 0, 3, MORE_, NO_ANOM, NULL },
	/* SSLv2 SERVER-HELLO */
	{ "v2sh ok", P_V2SH, &v2sh_ok, NULL, 0, 0, 0, OK_, NO_ANOM, check_v2sh },
	{ "v2sh bad type", P_V2SH, &v2sh_bad_type, NULL, 0, 0, 0, BAD(SSLV2_BAD_TYPE), NO_ANOM,
	  NULL },
	{ "v2sh spec length not 3n", P_V2SH, &v2sh_odd, NULL, 0, 0, 0, BAD(SUITES_BAD_LENGTH),
	  NO_ANOM, NULL },
	{ "v2sh connection id 8", P_V2SH, &v2sh_cid8, NULL, 0, 0, 0, BAD(SSLV2_BAD_LENGTH),
	  NO_ANOM, NULL },
	{ "v2sh cut in certificate", P_V2SH, &v2sh_ok, NULL, 0, 0, 40, MORE_, NO_ANOM, NULL },
	/* ServerHello */
	{ "sh tls13", P_SH, &sh_tls13, NULL, 0, 0, 0, OK_, NO_ANOM, check_sh_tls13 },
	{ "sh tls12", P_SH, &sh_tls12, NULL, 0, 0, 0, OK_, NO_ANOM, check_sh_tls12 },
	{ "sh ssl3 no extensions", P_SH, &sh_ssl3, NULL, 0, 0, 0, OK_, NO_ANOM, check_sh_ssl3 },
	{ "sh hello retry request", P_SH, &sh_hrr, NULL, 0, 0, 0, OK_, NO_ANOM, check_sh_hrr },
	{ "sh hrr without supported_versions", P_SH, &sh_hrr_no_sv, NULL, 0, 0, 0, OK_,
	  A(HRR_BAD), check_sh_hrr_bad },
	{ "sh downgrade to tls12", P_SH, &sh_dg12, NULL, 0, 0, 0, OK_, NO_ANOM, check_dg12 },
	{ "sh downgrade to tls11", P_SH, &sh_dg11, NULL, 0, 0, 0, OK_, NO_ANOM, check_dg11 },
	{ "sh DOWNGRD\\x02 is no sentinel", P_SH, &sh_dg_other, NULL, 0, 0, 0, OK_, NO_ANOM,
	  check_dg_none },
	{ "sh version 2.0", P_SH, &sh_bad_version, NULL, 0, 0, 0, BAD(SH_BAD_VERSION), NO_ANOM,
	  NULL },
	{ "sh session id 33", P_SH, &sh_sid33, NULL, 0, 0, 0, BAD(SESSION_ID_TOO_LONG), NO_ANOM,
	  NULL },
	{ "sh grease extension", P_SH, &sh_grease, NULL, 0, 0, 0, OK_, A(GREASE_IN_SERVER),
	  NULL },
	{ "sh alpn two names", P_SH, &sh_alpn2, NULL, 0, 0, 0, OK_, A(ALPN_BAD), NULL },
	{ "sh supported_versions 3 bytes", P_SH, &sh_bad_sv, NULL, 0, 0, 0, OK_,
	  A(LIST_BAD_LENGTH), NULL },
	{ "sh key_share 1 byte", P_SH, &sh_bad_ks, NULL, 0, 0, 0, OK_, A(KEY_SHARE_BAD), NULL },
	{ "sh duplicate extension", P_SH, &sh_dup, NULL, 0, 0, 0, OK_, A(EXT_DUPLICATE), NULL },
	{ "sh extension overrun", P_SH, &sh_overrun, NULL, 0, 0, 0, BAD(EXT_BAD_LENGTH),
	  NO_ANOM, NULL },
	{ "sh trailing", P_SH, &sh_trailing, NULL, 0, 0, 0, OK_, A(HS_TRAILING),
	  check_sh_tls12 },
	/* Certificate */
	{ "cert12 three", P_CERT12, NULL, cert12_three, 0, 0, 0, OK_, NO_ANOM,
	  check_cert12_three },
	{ "cert12 empty list", P_CERT12, NULL, cert12_empty, 0, 0, 0, OK_, NO_ANOM,
	  check_cert_none },
	{ "cert12 cut inside third", P_CERT12, NULL, cert12_three, 0, 0, 10, MORE_, NO_ANOM,
	  check_cert12_two_kept },
	{ "cert12 cut at third's start", P_CERT12, NULL, cert12_three, 0, 0, 53, MORE_,
	  NO_ANOM, check_cert12_two_kept },
	{ "cert12 cut in list length", P_CERT12, NULL, cert12_three, 0, 0, 354, MORE_, NO_ANOM,
	  check_cert_none },
	{ "cert12 cut before an empty last entry", P_CERT12, NULL, cert12_empty_entry, 0, 0, 3,
	  MORE_, NO_ANOM, check_cert_one },
	{ "cert12 entry overruns list", P_CERT12, NULL, cert12_overrun, 0, 0, 0,
	  BAD(CERT_BAD_LENGTH), NO_ANOM, NULL },
	{ "cert12 empty entry", P_CERT12, NULL, cert12_empty_entry, 0, 0, 0, OK_,
	  A(CERT_EMPTY_ENTRY), NULL },
	{ "cert12 trailing", P_CERT12, NULL, cert12_trailing, 0, 0, 0, OK_, A(HS_TRAILING),
	  check_cert12_three },
	{ "cert12 513 certs", P_CERT12, NULL, cert12_513, 0, 0, 0, OK_, A(CERT_TOO_MANY),
	  check_cert12_513 },
	{ "cert13 two", P_CERT13, NULL, cert13_two, 0, 0, 0, OK_, NO_ANOM, check_cert13_two },
	{ "cert13 context", P_CERT13, NULL, cert13_ctx, 0, 0, 0, OK_, NO_ANOM,
	  check_cert13_ctx },
	{ "cert13 context, cut at second entry", P_CERT13, NULL, cert13_ctx2, 0, 0, 7, MORE_,
	  NO_ANOM, check_cert13_ctx },
	{ "cert13 cut in second entry", P_CERT13, NULL, cert13_two, 0, 0, 30, MORE_, NO_ANOM,
	  check_cert13_one_kept },
	{ "cert13 extensions overrun list", P_CERT13, NULL, cert13_overrun, 0, 0, 0,
	  BAD(CERT_BAD_LENGTH), NO_ANOM, NULL },
	/* CertificateStatus */
	{ "status ocsp", P_STATUS, NULL, status_ok, 0, 0, 0, OK_, NO_ANOM, check_status },
	{ "status type 2", P_STATUS, NULL, status_type2, 0, 0, 0, BAD(CERT_STATUS_BAD), NO_ANOM,
	  NULL },
	{ "status empty response", P_STATUS, NULL, status_empty, 0, 0, 0, BAD(CERT_STATUS_BAD),
	  NO_ANOM, NULL },
	{ "status trailing", P_STATUS, NULL, status_trailing, 0, 0, 0, BAD(HS_TRAILING),
	  NO_ANOM, NULL },
	{ "status cut", P_STATUS, NULL, status_ok, 0, 0, 1, MORE_, NO_ANOM, NULL },
	/* ServerKeyExchange */
	{ "ske ecdhe tls12", P_SKE, NULL, ske_ecdhe12, KX(ECDHE), true, 0, OK_, NO_ANOM,
	  check_ske_ecdhe12 },
	{ "ske ecdhe tls10", P_SKE, NULL, ske_ecdhe10, KX(ECDHE), false, 0, OK_, NO_ANOM,
	  check_ske_ecdhe10 },
	{ "ske ecdhe curve type 1", P_SKE, NULL, ske_ecdhe_explicit, KX(ECDHE), true, 0,
	  BAD(SKE_CURVE_TYPE), NO_ANOM, NULL },
	{ "ske ecdhe empty point", P_SKE, NULL, ske_ecdhe_nopoint, KX(ECDHE), true, 0,
	  BAD(SKE_BAD), NO_ANOM, NULL },
	{ "ske ecdh_anon", P_SKE, NULL, ske_ecdh_anon, KX(ECDH_ANON), true, 0, OK_, NO_ANOM,
	  check_ske_ecdh_anon },
	{ "ske dhe 2048 leading zero", P_SKE, NULL, ske_dhe12, KX(DHE), true, 0, OK_, NO_ANOM,
	  check_ske_dhe12 },
	{ "ske dhe empty g", P_SKE, NULL, ske_dhe_empty_g, KX(DHE), true, 0, BAD(SKE_BAD),
	  NO_ANOM, NULL },
	{ "ske dh_anon 1024", P_SKE, NULL, ske_dh_anon, KX(DH_ANON), true, 0, OK_, NO_ANOM,
	  check_ske_dh_anon },
	{ "ske psk hint", P_SKE, NULL, ske_psk, KX(PSK), true, 0, OK_, NO_ANOM, check_ske_psk },
	{ "ske psk empty hint", P_SKE, NULL, ske_psk_empty, KX(PSK), true, 0, OK_, NO_ANOM,
	  check_ske_psk_empty },
	{ "ske rsa_psk hint", P_SKE, NULL, ske_psk, KX(RSA_PSK), false, 0, OK_, NO_ANOM,
	  check_ske_psk },
	{ "ske ecdhe_psk", P_SKE, NULL, ske_ecdhe_psk, KX(ECDHE_PSK), true, 0, OK_, NO_ANOM,
	  check_ske_ecdhe_psk },
	{ "ske dhe_psk", P_SKE, NULL, ske_dhe_psk, KX(DHE_PSK), true, 0, OK_, NO_ANOM,
	  check_ske_dhe_psk },
	{ "ske rsa export 512", P_SKE, NULL, ske_rsa_export, KX(RSA_EXPORT), false, 0, OK_,
	  NO_ANOM, check_ske_rsa_export },
	{ "ske trailing", P_SKE, NULL, ske_trailing, KX(ECDHE), true, 0, BAD(HS_TRAILING),
	  NO_ANOM, NULL },
	{ "ske cut in signature", P_SKE, NULL, ske_ecdhe12, KX(ECDHE), true, 7, MORE_, NO_ANOM,
	  NULL },
	{ "ske kx none", P_SKE, NULL, ske_ecdhe12, KX(NONE), true, 0, OK_, NO_ANOM,
	  check_ske_none },
	/* Alert */
	{ "alert", P_ALERT, NULL, alert_ok, 0, 0, 0, OK_, NO_ANOM, check_alert },
	{ "alert 1 byte", P_ALERT, NULL, alert_ok, 0, 0, 1, MORE_, NO_ANOM, NULL },
	{ "alert 3 bytes", P_ALERT, NULL, alert_long, 0, 0, 0, BAD(ALERT_BAD_LENGTH), NO_ANOM,
	  NULL },
};

#define MSG_CAP 16384

static size_t build_case(const struct msg_case *tc, uint8_t *buf, size_t cap)
{
	struct bld b;
	bld_init(&b, buf, cap);
	switch (tc->parser) {
	case P_CH: build_ch(&b, tc->spec); break;
	case P_V2CH: build_v2ch(&b, tc->spec); break;
	case P_SH: build_sh(&b, tc->spec); break;
	case P_V2SH: build_v2sh(&b, tc->spec); break;
	default: tc->build(&b); break;
	}
	assert_true(bld_ok(&b));
	assert_true(tc->cut <= b.len);
	return b.len - tc->cut;
}

static enum tls_status parse(const struct msg_case *tc, const uint8_t *body, size_t len,
			     union view *v, enum tls_anom *why)
{
	switch (tc->parser) {
	case P_CH: return tls_msg_client_hello(body, len, &v->ch, why);
	case P_V2CH: return tls_msg_sslv2_client_hello(body, len, &v->ch, why);
	case P_SH: return tls_msg_server_hello(body, len, &v->sh, why);
	case P_V2SH: return tls_msg_sslv2_server_hello(body, len, &v->v2sh, why);
	case P_CERT12: return tls_msg_certificate(body, len, false, &v->cert, why);
	case P_CERT13: return tls_msg_certificate(body, len, true, &v->cert, why);
	case P_STATUS: return tls_msg_cert_status(body, len, &v->cs, why);
	case P_SKE:
		return tls_msg_server_key_exchange(body, len, tc->kx, tc->tls12, &v->ske, why);
	case P_ALERT: return tls_msg_alert(body, len, &v->alert, why);
	}
	return TLS_MALFORMED;
}

/* An exact-size heap copy, so that ASan reports any read past len. */
static uint8_t *exact_copy(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	assert_non_null(c);
	if (len)
		memcpy(c, p, len);
	return c;
}

static union view view; /* large (Certificate holds 512 views): not on the stack */

static void test_msg_table(void **state)
{
	static uint8_t buf[MSG_CAP];
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct msg_case *tc = &cases[i];
		size_t len = build_case(tc, buf, sizeof(buf));
		uint8_t *body = exact_copy(buf, len);
		enum tls_anom why = TLS_ANOM_COUNT;
		enum tls_status st;
		const struct tls_anoms *an;

		print_message("case %s\n", tc->name);
		st = parse(tc, body, len, &view, &why);
		assert_int_equal(st, tc->want);
		assert_int_equal(why, st == TLS_MALFORMED ? tc->want_why : TLS_ANOM_NONE);
		an = ANOMS_OF(tc->parser, &view);
		if (st != TLS_MALFORMED && an) {
			if (tc->want_anom == TLS_ANOM_NONE) {
				if (an->n)
					print_error("unexpected anomaly %s\n",
						    tls_anom_name(an->list[0]));
				assert_int_equal(an->n, 0);
			} else {
				assert_true(has_anom(an, tc->want_anom));
			}
		}
		if (tc->check && st != TLS_MALFORMED)
			tc->check(&view, body, len);
		free(body);
	}
}

/* Where a hello's mandatory fields end (its extension block, if any, starts). */
static size_t mandatory_end(const struct msg_case *tc, const union view *v)
{
	if (tc->parser == P_CH)
		return 2 + 32 + 1 + v->ch.session_id.len + 2 + v->ch.suites.len + 1 +
		       v->ch.compression.len;
	if (tc->parser == P_SH)
		return 2 + 32 + 1 + v->sh.session_id.len + 2 + 1;
	return SIZE_MAX;
}

/* Every clean valid case at every prefix length: TLS_NEED_MORE, never a crash, never
 * TLS_OK before the mandatory fields are complete, never TLS_MALFORMED (a prefix of a
 * valid message contradicts none of its lengths). */
static void test_msg_every_prefix(void **state)
{
	static uint8_t buf[MSG_CAP];
	static union view full;
	size_t n_cases = 0;
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct msg_case *tc = &cases[i];
		const struct tls_anoms *an;
		enum tls_anom why;
		size_t len, mand;

		if (tc->want != TLS_OK || tc->want_anom != TLS_ANOM_NONE || tc->cut ||
		    (tc->kx == TLS_KX_NONE && tc->parser == P_SKE))
			continue;
		len = build_case(tc, buf, sizeof(buf));
		assert_int_equal(parse(tc, buf, len, &full, &why), TLS_OK);
		an = ANOMS_OF(tc->parser, &full);
		assert_true(an == NULL || an->n == 0);
		mand = mandatory_end(tc, &full);
		print_message("case %s: %zu prefixes\n", tc->name, len);
		n_cases++;
		for (size_t p = 0; p < len; p++) {
			uint8_t *body = exact_copy(buf, p);
			enum tls_status st = parse(tc, body, p, &view, &why);
			if (p == mand) {
				/* a complete hello without extensions */
				assert_int_equal(st, TLS_OK);
				assert_false(tc->parser == P_CH ? view.ch.has_ext_block
								: view.sh.has_ext_block);
			} else {
				if (st != TLS_NEED_MORE)
					print_error("prefix %zu of %zu: status %d (%s)\n", p, len,
						    st, tls_anom_name(why));
				assert_int_equal(st, TLS_NEED_MORE);
				assert_int_equal(why, TLS_ANOM_NONE);
			}
			free(body);
		}
	}
	assert_true(n_cases >= 25);
}

/* Every named anomaly a message parser can return as fatal appears in the table. */
static void test_msg_fatal_anomalies_covered(void **state)
{
	static const enum tls_anom fatal[] = {
		TLS_ANOM_SESSION_ID_TOO_LONG, TLS_ANOM_SUITES_BAD_LENGTH, TLS_ANOM_SUITES_EMPTY,
		TLS_ANOM_COMPRESSION_BAD, TLS_ANOM_EXT_BAD_LENGTH, TLS_ANOM_SSLV2_BAD_TYPE,
		TLS_ANOM_SSLV2_BAD_LENGTH, TLS_ANOM_SH_BAD_VERSION, TLS_ANOM_CERT_BAD_LENGTH,
		TLS_ANOM_CERT_STATUS_BAD, TLS_ANOM_SKE_BAD, TLS_ANOM_SKE_CURVE_TYPE,
		TLS_ANOM_HS_TRAILING, TLS_ANOM_ALERT_BAD_LENGTH,
	};
	static const enum tls_anom soft[] = {
		TLS_ANOM_EXT_DUPLICATE, TLS_ANOM_EXT_TOO_MANY, TLS_ANOM_SNI_BAD,
		TLS_ANOM_ALPN_BAD, TLS_ANOM_ALPN_EMPTY_VALUE, TLS_ANOM_LIST_BAD_LENGTH,
		TLS_ANOM_KEY_SHARE_BAD, TLS_ANOM_CERT_TOO_MANY, TLS_ANOM_CERT_EMPTY_ENTRY,
		TLS_ANOM_HRR_BAD, TLS_ANOM_GREASE_IN_SERVER, TLS_ANOM_HS_TRAILING,
	};
	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(fatal); k++) {
		bool seen = false;
		for (size_t i = 0; i < ARRAY_LEN(cases); i++)
			seen |= cases[i].want == TLS_MALFORMED && cases[i].want_why == fatal[k];
		if (!seen)
			print_error("no case for %s\n", tls_anom_name(fatal[k]));
		assert_true(seen);
	}
	for (size_t k = 0; k < ARRAY_LEN(soft); k++) {
		bool seen = false;
		for (size_t i = 0; i < ARRAY_LEN(cases); i++)
			seen |= cases[i].want == TLS_OK && cases[i].want_anom == soft[k];
		if (!seen)
			print_error("no case for %s\n", tls_anom_name(soft[k]));
		assert_true(seen);
	}
}

/* The HelloRetryRequest random of RFC 8446 §4.1.3 is SHA-256("HelloRetryRequest"); the
 * RFC prints it as CF 21 AD 74 E5 9A 61 11 BE 1D 8C 02 1E 65 B8 91 C2 A2 11 16 7A BB 8C 5E
 * 07 9E 09 E2 C8 A8 33 9C. Check the digest used above against the RFC's text. */
static void test_hrr_random_matches_rfc(void **state)
{
	static const char rfc[] =
		"cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";
	char hex[65];
	(void)state;
	assert_string_equal(digest_hex(hrr_random, 32, hex), rfc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hrr_random_matches_rfc),
		cmocka_unit_test(test_msg_table),
		cmocka_unit_test(test_msg_every_prefix),
		cmocka_unit_test(test_msg_fatal_anomalies_covered),
	};
	digest_sha256("HelloRetryRequest", strlen("HelloRetryRequest"), hrr_random);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
