/*
 * Tests for capture/wire/registry.h (tables generated from the CSV files in data/).
 *
 * Expected values come from the RFCs that assigned the code points (cited per row), from the
 * IANA registry snapshots described in data/README.md, and at run time from the local
 * `openssl ciphers -V -stdname` output (an independent implementation's table).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "capture/wire/msg.h"
#include "capture/wire/registry.h"

/* ---- counts -------------------------------------------------------------------------- */

/* Entries of the IANA registry snapshots in data/ (see data/README.md): 354 cipher suites
 * plus the 2 SCSVs; 56 named groups (1-41, 256-260, 512-514, 4587-4589, 25497-25498,
 * 65281-65282); 37 signature schemes; 64 extension types (0-62 without the reserved 40 and
 * 46, plus 64768, 65037, 65281); the 7 SSL 2.0 cipher kinds. A registry update changes
 * these on purpose. */
static void test_counts(void **state)
{
	(void)state;
	assert_int_equal(tls_reg_suite_count(), 356);
	assert_int_equal(tls_reg_group_count(), 56);
	assert_int_equal(tls_reg_sigscheme_count(), 37);
	assert_int_equal(tls_reg_ext_count(), 64);
	assert_int_equal(tls_reg_sslv2_count(), 7);
}

/* ---- known names ---------------------------------------------------------------------- */

struct pair16 {
	uint16_t code;
	const char *want;
};

static const struct pair16 suite_pairs[] = {
	{ 0x1301, "TLS_AES_128_GCM_SHA256" },                      /* RFC 8446 B.4 */
	{ 0x1302, "TLS_AES_256_GCM_SHA384" },                      /* RFC 8446 B.4 */
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },                /* RFC 8446 B.4 */
	{ 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },       /* RFC 5289 §3.2 */
	{ 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },     /* RFC 5289 §3.2 */
	{ 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" }, /* RFC 7905 §2 */
	{ 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },         /* RFC 5288 §3 */
	{ 0x0005, "TLS_RSA_WITH_RC4_128_SHA" },                    /* RFC 5246 A.5 */
	{ 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },               /* RFC 5246 A.5 */
	{ 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },                /* RFC 5246 A.5 */
	{ 0x0000, "TLS_NULL_WITH_NULL_NULL" },                     /* RFC 5246 A.5 */
	{ 0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" },           /* RFC 5746 §3.3 */
	{ 0x5600, "TLS_FALLBACK_SCSV" },                           /* RFC 7507 §6 */
};

static const struct pair16 group_pairs[] = {
	{ 23, "secp256r1" },          /* RFC 8422 §5.1.1 / RFC 8446 §4.2.7 */
	{ 24, "secp384r1" },
	{ 29, "x25519" },             /* RFC 8446 §4.2.7: x25519(0x001D) */
	{ 30, "x448" },
	{ 256, "ffdhe2048" },         /* RFC 7919 §2 */
	{ 260, "ffdhe8192" },
	{ 4588, "X25519MLKEM768" },   /* draft-ietf-tls-ecdhe-mlkem: 4588 (0x11EC) */
};

static const struct pair16 sigscheme_pairs[] = {
	{ 0x0804, "rsa_pss_rsae_sha256" },    /* RFC 8446 §4.2.3 */
	{ 0x0403, "ecdsa_secp256r1_sha256" },
	{ 0x0401, "rsa_pkcs1_sha256" },
	{ 0x0807, "ed25519" },
	{ 0x0201, "rsa_pkcs1_sha1" },
	{ 0x0809, "rsa_pss_pss_sha256" },
};

static const struct pair16 ext_pairs[] = {
	{ 0, "server_name" },                            /* RFC 6066 §1.1 */
	{ 10, "supported_groups" },                      /* RFC 8446 §4.2 */
	{ 13, "signature_algorithms" },
	{ 16, "application_layer_protocol_negotiation" }, /* RFC 7301 §6 */
	{ 23, "extended_master_secret" },                /* RFC 7627 §5.1 */
	{ 41, "pre_shared_key" },                        /* RFC 8446 §4.2 */
	{ 43, "supported_versions" },
	{ 51, "key_share" },
	{ 0xfe0d, "encrypted_client_hello" },            /* RFC 9849 §11.1 */
	{ 0xff01, "renegotiation_info" },                /* RFC 5746 §6 (65281) */
};

static void check_pairs(const struct pair16 *t, size_t n,
			const char *(*name)(uint16_t, char[7]))
{
	size_t i;

	for (i = 0; i < n; i++) {
		char buf[7];

		print_message("code 0x%04x\n", t[i].code);
		assert_string_equal(name(t[i].code, buf), t[i].want);
	}
}

static void test_suite_names(void **state)
{
	(void)state;
	check_pairs(suite_pairs, sizeof suite_pairs / sizeof suite_pairs[0], tls_reg_suite_name);
}

static void test_group_names(void **state)
{
	(void)state;
	check_pairs(group_pairs, sizeof group_pairs / sizeof group_pairs[0], tls_reg_group_name);
}

static void test_sigscheme_names(void **state)
{
	(void)state;
	check_pairs(sigscheme_pairs, sizeof sigscheme_pairs / sizeof sigscheme_pairs[0],
		    tls_reg_sigscheme_name);
}

static void test_ext_names(void **state)
{
	(void)state;
	check_pairs(ext_pairs, sizeof ext_pairs / sizeof ext_pairs[0], tls_reg_ext_name);
}

/* ---- unknown code points and GREASE ----------------------------------------------------- */

enum reg { R_SUITE, R_GROUP, R_SIG, R_EXT };

static const struct {
	enum reg reg;
	uint16_t code;
	const char *want;
} unknown_cases[] = {
	{ R_SUITE, 0x1234, "0x1234" },
	{ R_SUITE, 0x0a0a, "0x0a0a" },   /* GREASE (RFC 8701) */
	{ R_SUITE, 0xfafa, "0xfafa" },
	{ R_SUITE, 0xff00, "0xff00" },   /* private use */
	{ R_GROUP, 0x0a0a, "0x0a0a" },
	{ R_GROUP, 0xabcd, "0xabcd" },
	{ R_GROUP, 0x0000, "0x0000" },   /* reserved */
	{ R_SIG, 0x1a1a, "0x1a1a" },
	{ R_SIG, 0x0202, "0x0202" },     /* reserved for backward compatibility */
	{ R_EXT, 0x2a2a, "0x2a2a" },
	{ R_EXT, 40, "0x0028" },         /* reserved */
	{ R_EXT, 0xff02, "0xff02" },     /* private use */
};

static const char *name_of(enum reg r, uint16_t code, char buf[7])
{
	switch (r) {
	case R_SUITE: return tls_reg_suite_name(code, buf);
	case R_GROUP: return tls_reg_group_name(code, buf);
	case R_SIG: return tls_reg_sigscheme_name(code, buf);
	case R_EXT: return tls_reg_ext_name(code, buf);
	}
	return NULL;
}

static void test_unknown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof unknown_cases / sizeof unknown_cases[0]; i++) {
		char buf[7];
		const char *got = name_of(unknown_cases[i].reg, unknown_cases[i].code, buf);

		print_message("case %zu\n", i);
		assert_ptr_equal(got, buf);
		assert_string_equal(got, unknown_cases[i].want);
		assert_null(name_of(unknown_cases[i].reg, unknown_cases[i].code, NULL));
	}
	assert_null(tls_reg_suite(0x0a0a));
	assert_null(tls_reg_group(0x0a0a));
	assert_null(tls_reg_ext(0x0a0a));
	assert_null(tls_reg_suite_at(tls_reg_suite_count()));
	assert_null(tls_reg_suite_by_name("TLS_NO_SUCH_SUITE"));
	assert_null(tls_reg_suite_by_name(NULL));
}

/* ---- ordering ------------------------------------------------------------------------- */

static void test_sorted(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < tls_reg_suite_count(); i++) {
		const struct tls_suite_info *s = tls_reg_suite_at(i);

		assert_ptr_equal(tls_reg_suite(s->code), s);
		if (i > 0)
			assert_true(tls_reg_suite_at(i - 1)->code < s->code);
	}
	for (i = 0; i < tls_reg_group_count(); i++) {
		assert_ptr_equal(tls_reg_group(tls_reg_group_at(i)->code), tls_reg_group_at(i));
		if (i > 0)
			assert_true(tls_reg_group_at(i - 1)->code < tls_reg_group_at(i)->code);
	}
	for (i = 0; i < tls_reg_sigscheme_count(); i++) {
		const struct tls_sigscheme_info *s = tls_reg_sigscheme_at(i);

		assert_ptr_equal(tls_reg_sigscheme(s->code), s);
		if (i > 0)
			assert_true(tls_reg_sigscheme_at(i - 1)->code < s->code);
	}
	for (i = 0; i < tls_reg_ext_count(); i++) {
		assert_ptr_equal(tls_reg_ext(tls_reg_ext_at(i)->code), tls_reg_ext_at(i));
		if (i > 0)
			assert_true(tls_reg_ext_at(i - 1)->code < tls_reg_ext_at(i)->code);
	}
	for (i = 0; i < tls_reg_sslv2_count(); i++) {
		assert_ptr_equal(tls_reg_sslv2(tls_reg_sslv2_at(i)->spec), tls_reg_sslv2_at(i));
		if (i > 0)
			assert_true(tls_reg_sslv2_at(i - 1)->spec < tls_reg_sslv2_at(i)->spec);
	}
}

/* ---- suite attributes ----------------------------------------------------------------- */

/* ServerKeyExchange content per suite: RFC 5246 §7.4.3 (DHE, DH_anon; none for RSA and
 * static DH), RFC 4346/2246 §7.4.3 (RSA export), RFC 4492 §2 (ECDHE, ECDH_anon; none for
 * static ECDH), RFC 4279 §2-4 (PSK, DHE_PSK, RSA_PSK), RFC 5489 (ECDHE_PSK), RFC 8446 (TLS
 * 1.3: no ServerKeyExchange), RFC 5054 (SRP) and RFC 2712 (KRB5): not decoded. */
static const struct {
	uint16_t code;
	enum tls_kx want;
} kx_cases[] = {
	{ 0xc02f, TLS_KX_ECDHE },       /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	{ 0xc009, TLS_KX_ECDHE },       /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
	{ 0xc018, TLS_KX_ECDH_ANON },   /* TLS_ECDH_anon_WITH_AES_128_CBC_SHA */
	{ 0xc004, TLS_KX_NONE },        /* TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA */
	{ 0xc035, TLS_KX_ECDHE_PSK },   /* TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA */
	{ 0x009e, TLS_KX_DHE },         /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	{ 0x0032, TLS_KX_DHE },         /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA */
	{ 0x0014, TLS_KX_DHE },         /* TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA */
	{ 0x0034, TLS_KX_DH_ANON },     /* TLS_DH_anon_WITH_AES_128_CBC_SHA */
	{ 0x0030, TLS_KX_NONE },        /* TLS_DH_DSS_WITH_AES_128_CBC_SHA */
	{ 0x0090, TLS_KX_DHE_PSK },     /* TLS_DHE_PSK_WITH_AES_128_CBC_SHA */
	{ 0x0003, TLS_KX_RSA_EXPORT },  /* TLS_RSA_EXPORT_WITH_RC4_40_MD5 */
	{ 0x0008, TLS_KX_RSA_EXPORT },  /* TLS_RSA_EXPORT_WITH_DES40_CBC_SHA */
	{ 0x002f, TLS_KX_NONE },        /* TLS_RSA_WITH_AES_128_CBC_SHA */
	{ 0x008c, TLS_KX_PSK },         /* TLS_PSK_WITH_AES_128_CBC_SHA */
	{ 0x0094, TLS_KX_RSA_PSK },     /* TLS_RSA_PSK_WITH_AES_128_CBC_SHA */
	{ 0x1301, TLS_KX_NONE },        /* TLS_AES_128_GCM_SHA256 */
	{ 0xc01d, TLS_KX_OTHER },       /* TLS_SRP_SHA_WITH_AES_128_CBC_SHA */
	{ 0x001e, TLS_KX_OTHER },       /* TLS_KRB5_WITH_DES_CBC_SHA */
	{ 0x5600, TLS_KX_NONE },        /* TLS_FALLBACK_SCSV */
};

static void test_kx(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof kx_cases / sizeof kx_cases[0]; i++) {
		const struct tls_suite_info *s = tls_reg_suite(kx_cases[i].code);

		print_message("suite 0x%04x\n", kx_cases[i].code);
		assert_non_null(s);
		assert_int_equal(s->ske_kx, kx_cases[i].want);
	}
}

static void test_suite_flags(void **state)
{
	const struct tls_suite_info *s;

	(void)state;
	s = tls_reg_suite(0x5600);
	assert_non_null(s);
	assert_true(s->scsv);
	assert_null(s->min_version);
	s = tls_reg_suite(0x00ff);
	assert_non_null(s);
	assert_true(s->scsv);
	s = tls_reg_suite(0xc02f);                 /* RFC 5289: ECDHE, AES-128-GCM, AEAD */
	assert_non_null(s);
	assert_false(s->scsv);
	assert_true(s->aead);
	assert_true(s->pfs);
	assert_false(s->export_);
	assert_int_equal(s->enc_bits, 128);
	assert_string_equal(s->min_version, "TLSv1.2");
	s = tls_reg_suite(0x1302);                 /* RFC 8446 */
	assert_true(s->tls13_only);
	assert_string_equal(s->min_version, "TLSv1.3");
	s = tls_reg_suite(0x0003);                 /* RFC 4346 A.5: 40-bit export RC4 */
	assert_true(s->export_);
	assert_int_equal(s->enc_strength, 40);
	s = tls_reg_suite(0x000a);                 /* 3DES: 168-bit key, 112-bit strength */
	assert_int_equal(s->enc_bits, 168);
	assert_int_equal(s->enc_strength, 112);
	assert_false(s->pfs);
	assert_ptr_equal(tls_reg_suite_by_name("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
			 tls_reg_suite(0xc02f));
	assert_ptr_equal(tls_reg_suite_by_name("ECDHE-RSA-AES128-GCM-SHA256"),
			 tls_reg_suite(0xc02f));
}

static void test_group_flags(void **state)
{
	(void)state;
	/* draft-ietf-tls-ecdhe-mlkem: X25519MLKEM768 = x25519 + ML-KEM-768. */
	assert_true(tls_reg_group(4588)->pq);
	assert_true(tls_reg_group(4588)->pq_hybrid);
	/* draft-connolly-tls-mlkem-key-agreement: MLKEM768 (513) is pure ML-KEM. */
	assert_true(tls_reg_group(513)->pq);
	assert_false(tls_reg_group(513)->pq_hybrid);
	assert_false(tls_reg_group(29)->pq);
	/* 25497 X25519Kyber768Draft00: marked OBSOLETE by IANA. */
	assert_string_equal(tls_reg_group(25497)->name, "X25519Kyber768Draft00");
	assert_true(tls_reg_group(25497)->obsolete);
	assert_false(tls_reg_group(29)->obsolete);
}

static void test_sslv2_and_versions(void **state)
{
	(void)state;
	/* draft-hickman-netscape-ssl-00, "Cipher kind values". */
	assert_string_equal(tls_reg_sslv2_name(0x010080), "SSL_CK_RC4_128_WITH_MD5");
	assert_string_equal(tls_reg_sslv2_name(0x020080), "SSL_CK_RC4_128_EXPORT40_WITH_MD5");
	assert_string_equal(tls_reg_sslv2_name(0x060040), "SSL_CK_DES_64_CBC_WITH_MD5");
	assert_string_equal(tls_reg_sslv2_name(0x0700c0), "SSL_CK_DES_192_EDE3_CBC_WITH_MD5");
	assert_true(tls_reg_sslv2(0x020080)->export_);
	assert_false(tls_reg_sslv2(0x0700c0)->export_);
	assert_null(tls_reg_sslv2_name(0x00002f));   /* a TLS suite in an SSLv2 hello */
	assert_null(tls_reg_sslv2_name(0x080080));

	/* INTERFACE.md names; code points from RFC 6101, 2246, 4346, 5246, 8446. */
	assert_string_equal(tls_reg_version_name(0x0002), "SSLv2");
	assert_string_equal(tls_reg_version_name(0x0300), "SSLv3");
	assert_string_equal(tls_reg_version_name(0x0301), "TLSv1.0");
	assert_string_equal(tls_reg_version_name(0x0302), "TLSv1.1");
	assert_string_equal(tls_reg_version_name(0x0303), "TLSv1.2");
	assert_string_equal(tls_reg_version_name(0x0304), "TLSv1.3");
	assert_null(tls_reg_version_name(0xfefd));   /* DTLS 1.2 */
	assert_null(tls_reg_version_name(0x7f1c));   /* TLS 1.3 draft 28 */
	assert_null(tls_reg_version_name(0x0a0a));   /* GREASE */
}

/* ---- cross-check against OpenSSL ---------------------------------------------------- */

/* OpenSSL's "TLSv1" is INTERFACE.md's "TLSv1.0". */
static const char *ossl_version(const char *v)
{
	return strcmp(v, "TLSv1") == 0 ? "TLSv1.0" : v;
}

static void test_openssl_cross_check(void **state)
{
	FILE *p;
	char line[512];
	unsigned n = 0;

	(void)state;
	p = popen("openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' 2>/dev/null",
		  "r");
	if (!p) {
		print_message("skipped: cannot run openssl\n");
		skip();
	}
	while (fgets(line, sizeof line, p)) {
		unsigned hi, lo;
		char std[128], ossl[128], ver[16];
		const struct tls_suite_info *s;

		if (sscanf(line, " 0x%2x,0x%2x - %127s - %127s %15s", &hi, &lo, std, ossl,
			   ver) != 5)
			continue;
		s = tls_reg_suite((uint16_t)(hi << 8 | lo));
		print_message("openssl: 0x%02x%02x %s %s %s\n", hi, lo, std, ossl, ver);
		assert_non_null(s);
		assert_string_equal(s->name, std);
		assert_non_null(s->openssl_name);
		assert_string_equal(s->openssl_name, ossl);
		assert_non_null(s->min_version);
		assert_string_equal(s->min_version, ossl_version(ver));
		assert_false(s->min_version_derived);
		n++;
	}
	if (pclose(p) != 0 && n == 0) {
		print_message("skipped: the openssl binary is missing or failed\n");
		skip();
	}
	if (n == 0) {
		print_message("skipped: openssl printed no cipher list\n");
		skip();
	}
	print_message("%u suites cross-checked against openssl\n", n);
	assert_true(n >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_suite_names),
		cmocka_unit_test(test_group_names),
		cmocka_unit_test(test_sigscheme_names),
		cmocka_unit_test(test_ext_names),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_sorted),
		cmocka_unit_test(test_kx),
		cmocka_unit_test(test_suite_flags),
		cmocka_unit_test(test_group_flags),
		cmocka_unit_test(test_sslv2_and_versions),
		cmocka_unit_test(test_openssl_cross_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
