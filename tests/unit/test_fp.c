/*
 * fp: JA3 / JA3S / JA4 against independent expected values.
 *
 * Each ClientHello case is built with the bld builder, parsed with tls_msg_client_hello and
 * then fingerprinted. Sources of the expected values:
 *   [spec]   FoxIO JA4 specification test vector (technical_details/JA4.md, copied in
 *            /work/shared/research/fingerprints.md): t13d1516h2_8daaf6152771_e5627efa2ab1;
 *   [tshark] tshark 4.0.17 output in tests/corpus/handshakes.jsonl (JA3/JA3S are tshark's own
 *            fields; ja4/ja4_r are computed from tshark's dissection): the ClientHello of
 *            pcap/tls-handshake.pcapng stream 38 (ja4 corpus) is rebuilt field by field;
 *   [py]     Python hashlib (md5 / sha256) over the strings the spec defines, written out by
 *            hand: e.g. python3 -c 'import hashlib;print(hashlib.md5(b"769,4-5,,,").hexdigest())'.
 *   [rule]   the spec's ALPN rule applied by hand: the a-part changes, b and c stay those of
 *            the [spec] vector because ALPN is excluded from them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/wire/bld.h"
#include "capture/wire/fp.h"
#include "capture/wire/msg.h"

/* ---- a ClientHello described as text ------------------------------------------------- */

struct ch_spec {
	uint16_t legacy;
	const char *ciphers;  /* hex codes, comma-separated, wire order */
	unsigned gen_ciphers; /* instead: gen_ciphers..1 (descending) */
	const char *exts;     /* extension types in wire order, hex; NULL: no extensions block */
	const char *sni;      /* body of 0000 */
	const char *alpn;     /* body of 0010: values separated by '|'; NULL: empty list */
	const char *groups;   /* body of 000a */
	const char *pf;       /* body of 000b */
	const char *sigalgs;  /* body of 000d */
	const char *versions; /* body of 002b */
	unsigned gen_exts;    /* then gen_exts empty extensions 0x1000, 0x1001, ... */
};

/* Parses a comma-separated list of hex values into out; returns the count. */
static size_t hex_list(const char *s, uint16_t *out, size_t cap)
{
	size_t n = 0;
	while (s && *s) {
		char *end;
		unsigned long v = strtoul(s, &end, 16);
		assert_true(end != s && n < cap);
		out[n++] = (uint16_t)v;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static void put_u16_list(struct bld *b, const char *s, int width)
{
	uint16_t v[256];
	size_t n = hex_list(s, v, 256);
	bld_open(b, width);
	for (size_t i = 0; i < n; i++)
		bld_u16(b, v[i]);
	bld_close(b);
}

static void put_ext_body(struct bld *b, uint16_t type, const struct ch_spec *s)
{
	uint16_t v[64];
	size_t n;

	switch (type) {
	case TLS_EXT_SERVER_NAME:
		bld_open(b, 2);
		bld_u8(b, 0);
		bld_open(b, 2);
		bld_bytes(b, s->sni, strlen(s->sni));
		bld_close(b);
		bld_close(b);
		break;
	case TLS_EXT_ALPN: {
		const char *p = s->alpn;
		bld_open(b, 2);
		while (p) {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);
			bld_open(b, 1);
			bld_bytes(b, p, len);
			bld_close(b);
			p = bar ? bar + 1 : NULL;
		}
		bld_close(b);
		break;
	}
	case TLS_EXT_SUPPORTED_GROUPS:
		put_u16_list(b, s->groups, 2);
		break;
	case TLS_EXT_EC_POINT_FORMATS:
		n = hex_list(s->pf, v, 64);
		bld_open(b, 1);
		for (size_t i = 0; i < n; i++)
			bld_u8(b, (uint8_t)v[i]);
		bld_close(b);
		break;
	case TLS_EXT_SIGNATURE_ALGORITHMS:
		put_u16_list(b, s->sigalgs, 2);
		break;
	case TLS_EXT_SUPPORTED_VERSIONS:
		put_u16_list(b, s->versions, 1);
		break;
	case TLS_EXT_KEY_SHARE: {
		static const uint8_t key[32];
		bld_open(b, 2);
		bld_u16(b, 0x001d);
		bld_open(b, 2);
		bld_bytes(b, key, sizeof(key));
		bld_close(b);
		bld_close(b);
		break;
	}
	default:
		break; /* empty body */
	}
}

/* Builds the ClientHello body (after the handshake header) into buf; returns its length. */
static size_t build_ch(const struct ch_spec *s, uint8_t *buf, size_t cap)
{
	static const uint8_t random[32];
	uint16_t v[TLS_MAX_EXTS];
	struct bld b;
	size_t n;

	bld_init(&b, buf, cap);
	bld_u16(&b, s->legacy);
	bld_bytes(&b, random, sizeof(random));
	bld_open(&b, 1); /* session id */
	bld_close(&b);
	if (s->gen_ciphers) {
		bld_open(&b, 2);
		for (unsigned i = s->gen_ciphers; i >= 1; i--)
			bld_u16(&b, (uint16_t)i);
		bld_close(&b);
	} else {
		put_u16_list(&b, s->ciphers, 2);
	}
	bld_open(&b, 1);
	bld_u8(&b, 0);
	bld_close(&b);
	if (s->exts || s->gen_exts) {
		n = hex_list(s->exts, v, TLS_MAX_EXTS);
		bld_open(&b, 2);
		for (size_t i = 0; i < n; i++) {
			bld_u16(&b, v[i]);
			bld_open(&b, 2);
			put_ext_body(&b, v[i], s);
			bld_close(&b);
		}
		for (unsigned i = 0; i < s->gen_exts; i++) {
			bld_u16(&b, (uint16_t)(0x1000 + i));
			bld_u16(&b, 0);
		}
		bld_close(&b);
	}
	assert_true(bld_ok(&b));
	return b.len;
}

/* ---- ClientHello cases ------------------------------------------------------------------ */

struct ch_case {
	const char *name;
	struct ch_spec in;
	/* wants; NULL = not checked */
	const char *ja3_full;
	const char *ja3;
	const char *ja4;
	const char *ja4_r;
};

/* The ClientHello of tls-handshake.pcapng stream 38 (Chrome, then an HRR). */
#define CHROME_CIPHERS "fafa,1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035"
#define CHROME_EXTS                                                                        \
	"7a7a,0005,001b,0033,002d,4469,000a,000d,0012,ff01,000b,0023,002b,0000,0017,0010,caca," \
	"0015"
#define CHROME_SIGALGS "0403,0804,0401,0503,0805,0501,0806,0601"
#define CHROME(alpn_, exts_)                                                                \
	{ .legacy = 0x0303, .ciphers = CHROME_CIPHERS, .exts = exts_, .sni = "mem.gfx.ms",     \
	  .alpn = alpn_, .groups = "baba,001d,0017,0018", .pf = "00", .sigalgs = CHROME_SIGALGS, \
	  .versions = "8a8a,0304,0303" }
#define CHROME_JA3_FULL                                                                     \
	"771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"    \
	"5-27-51-45-17513-10-13-18-65281-11-35-43-0-23-16-21,29-23-24,0"
#define CHROME_JA3 "9e7fd085859af4550bd92586d02652e2"
#define SPEC_BC "_8daaf6152771_e5627efa2ab1"
#define CHROME_JA4_R_TAIL                                                                   \
	"_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a," \
	"000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,"  \
	"0501,0806,0601"

static const struct ch_case ch_cases[] = {
	{ "tshark: Chrome hello of tls-handshake.pcapng stream 38", CHROME("h2|http/1.1", CHROME_EXTS),
	  CHROME_JA3_FULL, CHROME_JA3, "t13d1516h2" SPEC_BC, "t13d1516h2" CHROME_JA4_R_TAIL },
	{ "spec: JA4 vector in the spec's extension order",
	  { .legacy = 0x0303,
	    .ciphers = "1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035",
	    .exts = "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015",
	    .sni = "example.com", .alpn = "h2|http/1.1", .groups = "001d,0017,0018", .pf = "00",
	    .sigalgs = CHROME_SIGALGS, .versions = "0304,0303" },
	  NULL, NULL, "t13d1516h2" SPEC_BC, "t13d1516h2" CHROME_JA4_R_TAIL },
	{ "GREASE in every list (ciphers, extensions, groups, sig algs, versions) is ignored",
	  { .legacy = 0x0303,
	    .ciphers = "0a0a,1301,1302,1303,c02b,c02f,c02c,c030,cca9,2a2a,cca8,c013,c014,009c,009d,"
		       "002f,0035,fafa",
	    .exts = "1a1a,0005,001b,0033,002d,4469,000a,000d,0012,ff01,000b,0023,002b,0000,0017,"
		    "0010,3a3a,0015,eaea",
	    .sni = "mem.gfx.ms", .alpn = "h2|http/1.1", .groups = "4a4a,001d,0017,5a5a,0018",
	    .pf = "00", .sigalgs = "6a6a,0403,0804,0401,0503,7a7a,0805,0501,0806,0601,8a8a",
	    .versions = "9a9a,0304,aaaa,0303" },
	  CHROME_JA3_FULL, CHROME_JA3, "t13d1516h2" SPEC_BC, "t13d1516h2" CHROME_JA4_R_TAIL },
	/* ALPN rule [rule]: first value only; non-alphanumeric first/last byte -> hex digits. */
	{ "ALPN non-ASCII first value 0xba 0xad -> bd (spec; tls-non-ascii-alpn.pcapng)",
	  CHROME("\xba\xad|http/1.1", CHROME_EXTS), CHROME_JA3_FULL, CHROME_JA3,
	  "t13d1516bd" SPEC_BC, NULL },
	{ "ALPN one character h -> hh", CHROME("h", CHROME_EXTS), NULL, NULL, "t13d1516hh" SPEC_BC,
	  NULL },
	{ "ALPN one non-ASCII byte 0xab -> ab", CHROME("\xab", CHROME_EXTS), NULL, NULL,
	  "t13d1516ab" SPEC_BC, NULL },
	{ "ALPN 0x30 0xab -> 3b (spec example)", CHROME("0\xab", CHROME_EXTS), NULL, NULL,
	  "t13d15163b" SPEC_BC, NULL },
	{ "ALPN alphanumeric first, '-' last: h2- -> 68322d -> 6d", CHROME("h2-", CHROME_EXTS),
	  NULL, NULL, "t13d15166d" SPEC_BC, NULL },
	{ "ALPN '-' first: -h2 -> 2d6832 -> 22", CHROME("-h2|h2", CHROME_EXTS), NULL, NULL,
	  "t13d151622" SPEC_BC, NULL },
	{ "ALPN upper case kept: H2", CHROME("H2|http/1.1", CHROME_EXTS), NULL, NULL,
	  "t13d1516H2" SPEC_BC, NULL },
	{ "ALPN only http/1.1 -> h1", CHROME("http/1.1", CHROME_EXTS), NULL, NULL,
	  "t13d1516h1" SPEC_BC, NULL },
	{ "ALPN empty first value -> 00", CHROME("|h2", CHROME_EXTS), NULL, NULL,
	  "t13d151600" SPEC_BC, NULL },
	{ "ALPN empty list -> 00", CHROME(NULL, CHROME_EXTS), NULL, NULL, "t13d151600" SPEC_BC,
	  NULL },
	{ "no ALPN extension -> 00, one extension fewer",
	  CHROME(NULL, "7a7a,0005,001b,0033,002d,4469,000a,000d,0012,ff01,000b,0023,002b,0000,"
		       "0017,caca,0015"),
	  NULL, NULL, "t13d151500" SPEC_BC, NULL },
	{ "no SNI extension -> i, one extension fewer, c unchanged",
	  CHROME("h2", "7a7a,0005,001b,0033,002d,4469,000a,000d,0012,ff01,000b,0023,002b,0017,"
		       "0010,caca,0015"),
	  NULL, NULL, "t13i1515h2" SPEC_BC, NULL },
	/* [py] md5("769,4-5,,,") and sha256("0004,0005"); ja4_r format as tshark's for
	 * extension-less hellos in the corpus ("..._<ciphers>_"). */
	{ "TLS 1.0 hello without an extensions block",
	  { .legacy = 0x0301, .ciphers = "0004,0005" }, "769,4-5,,,",
	  "1d70598d8ccdfcb836bfeb091ab8e469", "t10i020000_6e254592683c_000000000000",
	  "t10i020000_0004,0005_" },
	{ "SSLv3 hello: version s3", { .legacy = 0x0300, .ciphers = "0004,0005" }, "768,4-5,,,",
	  NULL, "ts3i020000_6e254592683c_000000000000", NULL },
	/* [py]: 1000 suites, wire order descending: counts capped at 99, long strings. */
	{ "1000 cipher suites: count capped at 99, sorted, long JA3 string",
	  { .legacy = 0x0303, .gen_ciphers = 1000 }, NULL, "b2aa3e6bfd11f2d77c9793eaa6800309",
	  "t12i990000_d44d524c1db1_000000000000", NULL },
	/* [py]: more extensions than the view keeps (TLS_MAX_EXTS): all are listed, count 99. */
	{ "100 extensions: all in JA3 and JA4 c, count capped at 99",
	  { .legacy = 0x0303, .ciphers = "1301", .gen_exts = 100 }, NULL,
	  "0de09726397ac77dca608fd44943c2fe", "t12i019900_0f2cb44170f4_0fa24da5b043", NULL },
	/* Version: highest non-GREASE supported_versions value (numeric), else legacy. */
	{ "supported_versions {0304, fb1a}: highest is fb1a (unknown) -> 00 (tshark: t00d)",
	  { .legacy = 0x0303, .ciphers = "1301", .exts = "0000,002b", .sni = "a.b",
	    .versions = "0304,fb1a" },
	  NULL, NULL, NULL, "t00d010200_1301_002b" },
	{ "supported_versions only GREASE -> legacy_version",
	  { .legacy = 0x0302, .ciphers = "1301", .exts = "002b", .versions = "0a0a" }, NULL, NULL,
	  NULL, "t11i010100_1301_002b" },
	{ "signature_algorithms only GREASE -> no '_' part",
	  { .legacy = 0x0303, .ciphers = "1301", .exts = "000d", .sigalgs = "0a0a" }, NULL, NULL,
	  NULL, "t12i010100_1301_000d" },
	{ "only SNI and ALPN: c empty -> 000000000000, JA3 keeps both",
	  { .legacy = 0x0303, .ciphers = "c02f", .exts = "0000,0010", .sni = "x", .alpn = "h2" },
	  "771,49199,0-16,,", NULL, NULL, "t12d0102h2_c02f_" },
};

static void test_client_hello_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ch_cases) / sizeof(ch_cases[0]); i++) {
		const struct ch_case *t = &ch_cases[i];
		static uint8_t buf[16384];
		struct tls_client_hello ch;
		enum tls_anom why;
		char s[8192], md5[FP_MD5_HEX], ja4[FP_JA4_LEN];
		size_t len = build_ch(&t->in, buf, sizeof(buf));

		print_message("case %zu: %s\n", i, t->name);
		assert_int_equal(tls_msg_client_hello(buf, len, &ch, &why), TLS_OK);
		if (t->ja3_full) {
			assert_true(fp_ja3_string(&ch, s, sizeof(s)));
			assert_string_equal(s, t->ja3_full);
		}
		if (t->ja3) {
			fp_ja3(&ch, md5);
			assert_string_equal(md5, t->ja3);
		}
		fp_ja4(&ch, FP_JA4_TCP, ja4);
		if (t->ja4)
			assert_string_equal(ja4, t->ja4);
		if (t->ja4_r) {
			assert_true(fp_ja4_r(&ch, FP_JA4_TCP, s, sizeof(s)));
			assert_string_equal(s, t->ja4_r);
		}
	}
}

/* Transport letter and output bounds. */
static void test_transport_and_bounds(void **state)
{
	static const struct ch_spec spec = CHROME("h2|http/1.1", CHROME_EXTS);
	static uint8_t buf[4096];
	struct tls_client_hello ch;
	enum tls_anom why;
	char s[512], ja4[FP_JA4_LEN];
	size_t len = build_ch(&spec, buf, sizeof(buf));
	size_t full = strlen(CHROME_JA3_FULL);

	(void)state;
	assert_int_equal(tls_msg_client_hello(buf, len, &ch, &why), TLS_OK);
	fp_ja4(&ch, FP_JA4_QUIC, ja4);
	assert_string_equal(ja4, "q13d1516h2" SPEC_BC);
	fp_ja4(&ch, FP_JA4_DTLS, ja4);
	assert_string_equal(ja4, "d13d1516h2" SPEC_BC);
	/* exactly fits / one byte short */
	assert_true(fp_ja3_string(&ch, s, full + 1));
	assert_string_equal(s, CHROME_JA3_FULL);
	assert_false(fp_ja3_string(&ch, s, full));
	assert_int_equal(strlen(s), full - 1);
	assert_memory_equal(s, CHROME_JA3_FULL, full - 1);
	assert_false(fp_ja3_string(&ch, s, 0));
	assert_false(fp_ja4_r(&ch, FP_JA4_TCP, s, 11));
	assert_string_equal(s, "t13d1516h2");
}

/* SSLv2-form hello: no JA3/JA4 (tshark computes none; see fp.h). */
static void test_sslv2(void **state)
{
	/* msg_type 1, version 0x0301, specs 6 bytes, no session id, challenge 16 bytes */
	static const uint8_t v2[] = { 0x01, 0x03, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x10,
				      0x01, 0x00, 0x80, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0,
				      0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct tls_client_hello ch;
	enum tls_anom why;
	char s[64] = "x", md5[FP_MD5_HEX] = "x", ja4[FP_JA4_LEN] = "x";

	(void)state;
	assert_int_equal(tls_msg_sslv2_client_hello(v2, sizeof(v2), &ch, &why), TLS_OK);
	assert_true(ch.sslv2);
	assert_false(fp_ja3_string(&ch, s, sizeof(s)));
	assert_string_equal(s, "");
	fp_ja3(&ch, md5);
	assert_string_equal(md5, "");
	fp_ja4(&ch, FP_JA4_TCP, ja4);
	assert_string_equal(ja4, "");
	strcpy(s, "x");
	assert_false(fp_ja4_r(&ch, FP_JA4_TCP, s, sizeof(s)));
	assert_string_equal(s, "");
}

/* ---- ServerHello cases ------------------------------------------------------------------ */

struct sh_case {
	const char *name;
	uint16_t version;
	uint16_t cipher;
	const char *exts; /* hex types, wire order; NULL: no extensions block */
	const char *ja3s_full;
	const char *ja3s;
	unsigned gen_exts; /* instead of exts: empty extensions 0, 1, ..., gen_exts - 1 */
};

/* [tshark] ja3s / ja3s_full of tls-handshake.pcapng stream 38, suricata-verify
 * tls-altname-zero, zeek ssl.v3.pcap, arkime_synthetic.pcap stream 97 (256 extensions, more
 * than the view keeps); [py] the GREASE one. */
static const struct sh_case sh_cases[] = {
	{ "TLS 1.3 ServerHello", 0x0303, 0x1302, "002b,0033", "771,4866,43-51",
	  "15af977ce25de452b96affa2addb1036", 0 },
	{ "TLS 1.0, renegotiation_info", 0x0301, 0x0039, "ff01", "769,57,65281",
	  "e1691a31bfe345d2692da75636ddfb00", 0 },
	{ "no extensions block", 0x0301, 0x0004, NULL, "769,4,", "53611273a714cb4789c8222932efd5a7",
	  0 },
	{ "GREASE from a server is ignored like JA3's", 0x0303, 0xc030, "0005,0017,1a1a,ff01,0000",
	  "771,49200,5-23-65281-0", "7d8fd34fdb13a7fff30d5a52846b6c4c", 0 },
	{ "256 extensions 0..255", 0x0303, 0x1302, NULL, NULL, "5bca46926654ccab6ef273d2877a7881",
	  256 },
};

static size_t build_sh(const struct sh_case *t, uint8_t *buf, size_t cap)
{
	static const uint8_t random[32] = { 1 };
	uint16_t v[TLS_MAX_EXTS];
	struct bld b;

	bld_init(&b, buf, cap);
	bld_u16(&b, t->version);
	bld_bytes(&b, random, sizeof(random));
	bld_open(&b, 1);
	bld_close(&b);
	bld_u16(&b, t->cipher);
	bld_u8(&b, 0);
	if (t->gen_exts) {
		bld_open(&b, 2);
		for (unsigned i = 0; i < t->gen_exts; i++) {
			bld_u16(&b, (uint16_t)i);
			bld_u16(&b, 0);
		}
		bld_close(&b);
	}
	if (t->exts) {
		size_t n = hex_list(t->exts, v, TLS_MAX_EXTS);
		bld_open(&b, 2);
		for (size_t i = 0; i < n; i++) {
			bld_u16(&b, v[i]);
			bld_open(&b, 2);
			if (v[i] == TLS_EXT_SUPPORTED_VERSIONS)
				bld_u16(&b, 0x0304);
			if (v[i] == TLS_EXT_KEY_SHARE) {
				static const uint8_t key[32];
				bld_u16(&b, 0x001d);
				bld_open(&b, 2);
				bld_bytes(&b, key, sizeof(key));
				bld_close(&b);
			}
			bld_close(&b);
		}
		bld_close(&b);
	}
	assert_true(bld_ok(&b));
	return b.len;
}

static void test_server_hello_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sh_cases) / sizeof(sh_cases[0]); i++) {
		const struct sh_case *t = &sh_cases[i];
		uint8_t buf[2048];
		struct tls_server_hello sh;
		enum tls_anom why;
		char s[2048], md5[FP_MD5_HEX];
		size_t len = build_sh(t, buf, sizeof(buf));

		print_message("case %zu: %s\n", i, t->name);
		assert_int_equal(tls_msg_server_hello(buf, len, &sh, &why), TLS_OK);
		assert_true(fp_ja3s_string(&sh, s, sizeof(s)));
		if (t->ja3s_full) {
			assert_string_equal(s, t->ja3s_full);
			assert_false(fp_ja3s_string(&sh, s, strlen(t->ja3s_full)));
		}
		fp_ja3s(&sh, md5);
		assert_string_equal(md5, t->ja3s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_hello_cases),
		cmocka_unit_test(test_transport_and_bounds),
		cmocka_unit_test(test_sslv2),
		cmocka_unit_test(test_server_hello_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
