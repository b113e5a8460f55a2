/*
 * pins: the --pins file. The pin values are the base64 of well-known SHA-256 digests (the
 * empty string's, e3b0c442...b855, is "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" as
 * RFC 7469 §2.4's examples write such values; "abc"'s from FIPS 180-2 §B.1), so a decoded
 * pin is compared with the digest itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scanner/pins.h"

#define EMPTY_B64 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define ABC_B64 "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="

static const uint8_t empty_sha[32] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
	0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};
static const uint8_t abc_sha[32] = {
	0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
	0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
};

static void test_good(void **state)
{
	(void)state;
	static const char text[] =
		"# pins of our servers\n"
		"\n"
		"www.Example.com.:443 pin-sha256=" EMPTY_B64 " pin-sha256=\"" ABC_B64 "\"\n"
		"192.0.2.1:8443 pin-sha256=" ABC_B64 "   # trailing comment\r\n"
		"[2001:db8::1]:443 pin-sha256=" EMPTY_B64 ";pin-sha256=" EMPTY_B64 "\n"
		"www.example.com:443 pin-sha256=" ABC_B64 "\n";
	char err[256] = "";
	struct pins *p = pins_parse(text, sizeof(text) - 1, "pins.txt", err, sizeof(err));
	if (!p)
		fail_msg("%s", err);
	uint8_t out[8][32];
	/* host without case and final dot; both lines of the host; duplicates once */
	assert_int_equal(pins_find(p, "WWW.example.com", "198.51.100.7", 443, out, 8), 2);
	assert_memory_equal(out[0], empty_sha, 32);
	assert_memory_equal(out[1], abc_sha, 32);
	/* by address; another port gives none */
	assert_int_equal(pins_find(p, NULL, "192.0.2.1", 8443, out, 8), 1);
	assert_memory_equal(out[0], abc_sha, 32);
	assert_int_equal(pins_find(p, NULL, "192.0.2.1", 443, out, 8), 0);
	assert_int_equal(pins_find(p, "", "2001:db8::1", 443, out, 8), 1);
	assert_memory_equal(out[0], empty_sha, 32);
	/* the count is the total even when cap is smaller */
	assert_int_equal(pins_find(p, "www.example.com", "", 443, out, 1), 2);
	assert_int_equal(pins_find(NULL, "www.example.com", "", 443, out, 8), 0);
	pins_free(p);
}

static void test_bad(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *want;     /* the message */
	} bad[] = {
		{ "host pin-sha256=" EMPTY_B64 "\n", "f:1: expected HOST:PORT" },
		{ "\nhost:0 pin-sha256=" EMPTY_B64 "\n", "f:2: the port is out of range" },
		{ "host:65536 pin-sha256=" EMPTY_B64, "f:1: the port is out of range" },
		{ "host:44x3 pin-sha256=" EMPTY_B64, "f:1: the port is not a number" },
		{ "2001:db8::1:443 pin-sha256=" EMPTY_B64,
		  "f:1: an IPv6 address needs brackets: [ADDRESS]:PORT" },
		{ "host:443\n", "f:1: no pin-sha256 on the line" },
		{ "host:443 sha256=" EMPTY_B64, "f:1: expected pin-sha256=BASE64" },
		{ "host:443 pin-sha256=AAAA", "f:1: a pin-sha256 value must be the base64 of 32 "
					      "bytes (44 characters)" },
		{ "host:443 pin-sha256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF==",
		  "f:1: a pin-sha256 value must be the base64 of 32 bytes (44 characters)" },
		{ "host:443 pin-sha256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu*U=",
		  "f:1: a pin-sha256 value must be the base64 of 32 bytes (44 characters)" },
		{ ":443 pin-sha256=" EMPTY_B64, "f:1: expected HOST:PORT" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";
		struct pins *p = pins_parse(bad[i].text, strlen(bad[i].text), "f", err, sizeof(err));
		if (p)
			fail_msg("case %zu accepted", i);
		assert_string_equal(err, bad[i].want);
	}
	/* a NUL byte and an over-long line */
	char err[256];
	assert_null(pins_parse("host:443 \0", 10, "f", err, sizeof(err)));
	assert_string_equal(err, "f:1: a NUL byte in the line");
	size_t n = PINS_LINE_MAX + 10;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	assert_null(pins_parse(big, n, "f", err, sizeof(err)));
	assert_string_equal(err, "f:1: line too long");
	free(big);
	/* a missing file */
	assert_null(pins_load("/nonexistent/pins", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/pins: No such file or directory");
	/* an empty file is fine: no pins */
	struct pins *p = pins_parse("", 0, "f", err, sizeof(err));
	assert_non_null(p);
	pins_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
